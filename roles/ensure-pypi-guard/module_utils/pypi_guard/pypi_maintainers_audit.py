# Copyright 2026 pypi-guard contributors
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The maintainer audit: who holds a role on each managed project, against the
allowlist, as one finding per problem."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from ansible.module_utils.pypi_guard.allowlist import (
    ALLOWLIST_FILE,
    ROLE_RANK,
    MaintainersAllowlist,
)
from ansible.module_utils.pypi_guard.audit import (
    AuditFinding,
    AuditResult,
    unknown_index_error,
)
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.names import account_key, is_pypi_account_name, normalize_name
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership, fetch_ownership

# kind -> what a person should do about it
ADVICE = {
    "unexpected-account":
        "remove its role on PyPI, or add an exception with a reason to " + ALLOWLIST_FILE,
    "role-not-allowed":
        "its exception allows {allowed} only: lower its role on PyPI or widen the exception",
    "missing-required-owner": "make it an Owner of the project on PyPI",
    "organization-not-allowed":
        "its members can upload unseen: take the project out of the organization, "
        "or list the organization in allowed_organizations",
    "expired-exception":
        "the exception expired on {expires}: remove its role on PyPI or renew the exception",
    "not-on-pypi":
        "anyone could register this name: register it with the required owners, "
        "or list it in ignored_projects",
    "stale-exception": "it holds no role on PyPI: remove the exception",
    "unlisted-publisher":
        "project-config publishes this repository to PyPI through the release account, "
        "but no deliverable names it, so its PyPI project is not audited: add its PyPI "
        "name to extra_projects in " + ALLOWLIST_FILE + " (or, when the release account "
        "does not upload it, its name to ignored_projects with the reason)",
}


@dataclass(frozen=True)
class Finding(AuditFinding):
    """A finding or warning about one account (``role``: the role it holds
    on PyPI, None for none) or, without ``account``, the project."""

    account: str | None = None
    role: str | None = None

    def subject(self) -> str:
        return f"{self.account or '-'} ({self.role or 'no role'})"


# PyPI account names are ASCII: one that is not is a look-alike, never a match.
NOT_AN_ACCOUNT_NAME = ("{} is not a PyPI account name (ASCII letters, digits, '.', '_', '-'), "
                       "so it matches no allowed account: find out who it is and remove its "
                       "role on PyPI")


def _finding(project: str, kind: str, account: str | None = None, role: str | None = None,
             **details: str) -> Finding:
    return Finding(project, kind, ADVICE[kind].format(**details), account, role)


def strongest_roles(roles: Iterable[Sequence[str]]) -> dict[str, tuple[str, str]]:
    """``{account_key(account): (account, role)}`` keeping each account's highest role."""
    result: dict[str, tuple[str, str]] = {}
    for role, user in roles:
        current = result.get(account_key(user))
        if current is None or ROLE_RANK.get(role, 3) > ROLE_RANK.get(current[1], 3):
            result[account_key(user)] = (user, role)
    return result


def audit_project(ownership: ProjectOwnership, allowlist: MaintainersAllowlist,
                  today: datetime.date,
                  fail_on_unregistered: bool = False) -> tuple[list[Finding], list[Finding]]:
    """``(findings, warnings)`` for one project's :class:`ProjectOwnership`."""
    project = ownership.name
    findings: list[Finding] = []
    warnings: list[Finding] = []
    if not ownership.exists:
        finding = _finding(project, "not-on-pypi")
        (findings if fail_on_unregistered else warnings).append(finding)
        return findings, warnings

    normal = normalize_name(project)
    exceptions = allowlist.exceptions.get(normal, {})
    held = strongest_roles(ownership.roles)
    for _key, (account, role) in sorted(held.items()):
        if not is_pypi_account_name(account):
            findings.append(Finding(project, "unexpected-account",
                                    NOT_AN_ACCOUNT_NAME.format(ascii(account)), account, role))
            continue
        verdict = allowlist.verdict(normal, account, role, today)
        if verdict is not None:
            kind, details = verdict
            findings.append(_finding(project, kind, account, role, **details))
    for owner in allowlist.required_owners:
        if owner not in held:
            findings.append(_finding(project, "missing-required-owner", owner, None))
    organization = ownership.organization
    if organization and account_key(organization) not in allowlist.allowed_organizations:
        findings.append(_finding(project, "organization-not-allowed", organization,
                                 "Organization"))
    for key, exception in sorted(exceptions.items()):
        if key not in held:
            warnings.append(_finding(project, "stale-exception", exception.account, None))
    return findings, warnings


def unlisted_publisher_warnings(repositories: Iterable[str],
                                allowlist: MaintainersAllowlist) -> list[Finding]:
    """An ``unlisted-publisher`` warning for each repository that publishes to
    PyPI without a deliverable, unless the allowlist's ``extra_projects`` or
    ``ignored_projects`` name it (by the repository's base name)."""
    listed = set(allowlist.extra_projects) | set(allowlist.ignored_projects)
    return [_finding(repo, "unlisted-publisher") for repo in repositories
            if normalize_name(repo.rsplit("/", 1)[-1]) not in listed]


def inventory_row(ownership: ProjectOwnership, findings: Sequence[Finding]) -> dict[str, Any]:
    """What the report shows of one project: every role PyPI lists, where the
    roles come from (``json``: the JSON API; ``package_roles``: XML-RPC, which
    PyPI answers from a cache that can be a day old, used when the JSON API
    does not know the project), its organization and how many findings it has."""
    return {"project": ownership.name, "registered": ownership.exists,
            "organization": ownership.organization,
            "roles": [{"account": user, "role": role} for role, user in ownership.roles],
            "roles_source": ownership.source if ownership.exists else None,
            "findings": len(findings)}


def run_maintainers_audit(client: HttpClient, pypi_url: str, names: Sequence[str],
                          allowlist: MaintainersAllowlist, today: datetime.date,
                          fail_on_unregistered: bool = False) -> AuditResult:
    """Read every project's roles concurrently and compare with the allowlist.

    An index that knows too few of the projects is one error
    (:func:`unknown_index_error`), besides their ``not-on-pypi``."""
    findings: list[AuditFinding] = []
    warnings: list[AuditFinding] = []
    errors: list[dict[str, Any]] = []
    inventory: list[dict[str, Any]] = []
    unknown = 0
    for name, ownership, error in client.map(
            lambda name: fetch_ownership(client, pypi_url, name), names):
        if error is not None:
            errors.append({"project": name, "detail": str(error)})
            continue
        ownership = cast(ProjectOwnership, ownership)  # map(): no error, so a result
        unknown += not ownership.exists
        project_findings, project_warnings = audit_project(
            ownership, allowlist, today, fail_on_unregistered)
        findings += project_findings
        warnings += project_warnings
        inventory.append(inventory_row(ownership, project_findings))
    read = len(names) - len(errors)
    wrong_index = unknown_index_error(pypi_url, unknown, read)
    if wrong_index:
        errors.append(wrong_index)
    inventory.sort(key=lambda row: (not row["findings"], row["project"]))
    return AuditResult(read, findings, warnings, errors, {"inventory": inventory})
