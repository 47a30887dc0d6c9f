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

"""The release account's reach: every project it can upload to, guarded.

A project the release account holds a role on is a project a stolen token
can upload to, whether or not a deliverable names it.  Every job asks PyPI
once per run (XML-RPC ``user_packages``, :func:`pypi.user_packages`) for
each release account (the allowlist's ``required_owners``) and guards the
union of that reach and the derived set, each project in one class:

- ``managed``: a deliverable (or ``extra_projects``) names it and the
  account holds a role;
- ``account-only``: the account holds a role, nothing names it: audited like
  the others, plus one ``unlisted-project`` warning (``extra_projects`` or
  ``ignored_projects`` settles it);
- ``without-account``: named, on PyPI, but the account holds no role: the
  maintainer audit's ``missing-required-owner`` says it;
- ``not-published``: named, unknown to PyPI: one ``unregistered-name``
  warning (anyone can register it), audited no further.

A reach that cannot be read is an error of the run: no silent fallback on
the derived set alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from ansible.module_utils.pypi_guard.allowlist import PYPI_NAME_RE, MaintainersAllowlist
from ansible.module_utils.pypi_guard.audit import AuditFinding, unknown_index_error
from ansible.module_utils.pypi_guard.deliverables import (
    ManagedProject,
    ManagedSet,
    normalize_name,
)
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import ALLOWLIST_FILE
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership, fetch_ownership, user_packages

MANAGED = "managed"
ACCOUNT_ONLY = "account-only"
WITHOUT_ACCOUNT = "without-account"
NOT_PUBLISHED = "not-published"
CLASSES = (MANAGED, ACCOUNT_ONLY, WITHOUT_ACCOUNT, NOT_PUBLISHED)

ADVICE = {
    "unlisted-project":
        "the release account {account} holds {role} on this project, but no deliverable "
        "names it: a stolen token can upload to it. If the release process publishes it, "
        "add it to extra_projects in " + ALLOWLIST_FILE + "; if not, remove the account's "
        "role on PyPI, or list it in ignored_projects with the reason",
    "unregistered-name":
        "a deliverable names this project, but PyPI does not know it: anyone can register "
        "it and publish under the release team's name. Register it with the release "
        "account, or list it in ignored_projects with the reason",
}


# normal name -> (name as PyPI spells it, [(account, role), ...])
Reach = dict[str, tuple[str, list[tuple[str, str]]]]


def reach_unreadable(account: str, error: object) -> dict[str, str]:
    """The error of a run whose reach could not be read."""
    return {"project": "(every project)", "detail": (
        f"the release account's reach could not be read (XML-RPC user_packages("
        f"{account!r}): {error}): nothing was audited, since the projects it can upload "
        "to are unknown. If PyPI no longer offers user_packages, see "
        "doc/source/managed-set.rst, \"When user_packages is gone\"")}


def read_reach(client: HttpClient, pypi_url: str, accounts: Iterable[str]) -> Reach:
    """``{normal name: (name as PyPI spells it, [(account, role), ...])}`` of
    every project the ``accounts`` hold a role on; raises FetchError."""
    reach: Reach = {}
    for account in accounts:
        for role, name in user_packages(client, pypi_url, account):
            if not PYPI_NAME_RE.match(name):  # hostile input: never a path in a URL
                raise FetchError(f"XML-RPC user_packages({account!r}): {ascii(name):.100} is "
                                 "not a PyPI project name")
            spelled, roles = reach.setdefault(normalize_name(name), (name, []))
            roles.append((account, role))
    return reach


def _roles_text(roles: Iterable[tuple[str, ...]]) -> str:
    return ", ".join(f"{role} ({account})" for account, role in sorted(roles))


def guard_reach(client: HttpClient, pypi_url: str, selection: ManagedSet,
                allowlist: MaintainersAllowlist) -> bool:
    """Read the reach of the allowlist's release accounts and apply it to
    ``selection`` (:func:`audit.select_projects`'s answer), in place: its
    ``projects`` become the union (minus ``ignored_projects`` and the
    ``not-published`` names), each with its ``kind``; its ``reach_warnings``
    and ``reach_errors`` carry what the report must add. Returns False when
    the reach could not be read: then nothing is to be audited."""
    accounts = list(allowlist.required_owners)
    selection.reach_accounts = accounts
    if not accounts:
        selection.warnings.append(
            "the release account's reach was not read: no allowlist with required_owners "
            "was given, so projects the account can upload to that no deliverable names "
            "are not looked for")
        return True
    try:
        reach = read_reach(client, pypi_url, accounts)
    except FetchError as exc:
        selection.reach_errors.append(reach_unreadable(", ".join(accounts), exc))
        selection.projects = {}
        return False
    for name, (spelled, roles) in sorted(reach.items()):
        if name in allowlist.ignored_projects:
            continue
        project = selection.projects.get(name)
        if project is None:
            project = selection.projects[name] = ManagedProject(name, spelled)
            project.kind = ACCOUNT_ONLY
            account, role = sorted(roles)[0]
            selection.reach_warnings.append(AuditFinding(
                spelled, "unlisted-project", ADVICE["unlisted-project"].format(
                    account=account, role=role)))
            project.sources.add(f"user_packages: {_roles_text(roles)}")
        else:
            project.kind = MANAGED
    unreached = [name for name, project in selection.projects.items() if project.kind is None]
    for name, ownership, error in client.map(
            lambda name: fetch_ownership(client, pypi_url, selection.projects[name].pypi_name),
            unreached):
        if error is not None:
            selection.reach_errors.append({"project": selection.projects[name].pypi_name,
                                           "detail": f"cannot tell whether PyPI knows it: "
                                                     f"{error}"})
            del selection.projects[name]
        elif cast(ProjectOwnership, ownership).exists:  # map(): no error, so a result
            selection.projects[name].kind = WITHOUT_ACCOUNT
        else:
            project = selection.projects.pop(name)
            selection.not_published.append(project.pypi_name)
            selection.reach_warnings.append(AuditFinding(
                project.pypi_name, "unregistered-name", ADVICE["unregistered-name"]))
    named = sum(project.kind != ACCOUNT_ONLY for project in selection.projects.values())
    wrong_index = unknown_index_error(pypi_url, len(selection.not_published),
                                      named + len(selection.not_published))
    if wrong_index:
        selection.reach_errors.append(wrong_index)
    return True


# The watcher polls every few minutes: it reads the reach at most this often
# and keeps it in its state between runs.
REACH_MAX_AGE = 3600


def reach_cache(reach: Reach, accounts: Iterable[str], now: float) -> dict[str, Any]:
    """The JSON form the watcher keeps of :func:`read_reach`'s answer."""
    return {"read_at": int(now), "accounts": list(accounts),
            "projects": {name: [spelled, [list(role) for role in roles]]
                         for name, (spelled, roles) in sorted(reach.items())}}


def parse_reach_cache(data: object) -> dict[str, Any] | None:
    """The kept reach if it has the shape :func:`reach_cache` writes, else
    None (it is then read again: a cache, never trusted for more)."""
    def pairs(value: object) -> bool:
        return isinstance(value, list) and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
            for p in value)
    if not (isinstance(data, dict) and set(data) == {"read_at", "accounts", "projects"}
            and isinstance(data["read_at"], int) and not isinstance(data["read_at"], bool)
            and isinstance(data["accounts"], list)
            and all(isinstance(a, str) for a in data["accounts"])
            and isinstance(data["projects"], dict)):
        return None
    for name, value in data["projects"].items():
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
                and PYPI_NAME_RE.match(value[0]) and pairs(value[1])
                and name == normalize_name(value[0])):
            return None
    return data


def watched_reach(client: HttpClient, pypi_url: str, accounts: Iterable[str],
                  cache: Mapping[str, Any] | None, now: float) -> Mapping[str, Any]:
    """The reach for a watcher run: ``cache`` (the state's) when it is of
    the same accounts and younger than :data:`REACH_MAX_AGE`, else read
    anew (one ``user_packages`` per account; raises FetchError)."""
    if (cache is not None and cache["accounts"] == list(accounts)
            and 0 <= now - cache["read_at"] < REACH_MAX_AGE):
        return cache
    return reach_cache(read_reach(client, pypi_url, accounts), accounts, now)


def add_reach(projects: dict[str, ManagedProject], cache: Mapping[str, Any],
              ignored: Iterable[str]) -> None:
    """Add the kept reach's projects to the watched ``projects`` (normal
    name -> ManagedProject), in place, with their class; ``ignored``: the
    allowlist's ``ignored_projects``."""
    for name, (spelled, roles) in cache["projects"].items():
        if name in ignored:
            continue
        if name in projects:
            projects[name].kind = MANAGED
            continue
        project = projects[name] = ManagedProject(name, spelled)
        project.kind = ACCOUNT_ONLY
        project.sources.add(f"user_packages: {_roles_text(tuple(r) for r in roles)}")
