"""The maintainer audit: who holds a role on each managed project, against the
allowlist, as one finding per problem."""

from dataclasses import asdict, dataclass

from ansible.module_utils.pypi_guard_allowlist import ROLE_RANK
from ansible.module_utils.pypi_guard_audit import AuditResult
from ansible.module_utils.pypi_guard_deliverables import normalize_name
from ansible.module_utils.pypi_guard_pypi import fetch_ownership

ALLOWLIST_FILE = "vars/pypi-maintainers.yaml"

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
}


@dataclass(frozen=True)
class Finding:
    project: str
    kind: str
    account: str = None
    role: str = None
    detail: str = ""

    def line(self):
        account = self.account or "-"
        role = self.role or "no role"
        return f"{self.project}: {self.kind}: {account} ({role}) - {self.detail}"

    def as_dict(self):
        return asdict(self)


def _finding(project, kind, account=None, role=None, **details):
    return Finding(project, kind, account, role, ADVICE[kind].format(**details))


def strongest_roles(roles):
    """``{account_lower: (account, role)}`` keeping each account's highest role."""
    result = {}
    for role, user in roles:
        current = result.get(user.lower())
        if current is None or ROLE_RANK.get(role, 3) > ROLE_RANK.get(current[1], 3):
            result[user.lower()] = (user, role)
    return result


def audit_project(ownership, allowlist, today, fail_on_unregistered=False):
    """``(findings, warnings)`` for one project's :class:`ProjectOwnership`."""
    project = ownership.name
    findings, warnings = [], []
    if not ownership.exists:
        finding = _finding(project, "not-on-pypi")
        (findings if fail_on_unregistered else warnings).append(finding)
        return findings, warnings

    exceptions = allowlist.exceptions.get(normalize_name(project), {})
    held = strongest_roles(ownership.roles)
    for key, (account, role) in sorted(held.items()):
        exception = exceptions.get(key)
        if key in allowlist.required_owners:
            if role != "Owner":
                findings.append(_finding(project, "missing-required-owner", account, role))
        elif key in allowlist.allowed_accounts:
            continue
        elif exception is None:
            findings.append(_finding(project, "unexpected-account", account, role))
        elif exception.expired(today):
            findings.append(_finding(project, "expired-exception", account, role,
                                     expires=exception.expires.isoformat()))
        elif ROLE_RANK.get(role, 3) > ROLE_RANK[exception.role]:
            findings.append(_finding(project, "role-not-allowed", account, role,
                                     allowed=exception.role))
    for owner in allowlist.required_owners:
        if owner not in held:
            findings.append(_finding(project, "missing-required-owner", owner, None))
    organization = ownership.organization
    if organization and organization.lower() not in allowlist.allowed_organizations:
        findings.append(_finding(project, "organization-not-allowed", organization,
                                 "Organization"))
    for key, exception in sorted(exceptions.items()):
        if key not in held:
            warnings.append(_finding(project, "stale-exception", exception.account, None))
    return findings, warnings


def run_maintainers_audit(client, pypi_url, names, allowlist, today,
                          fail_on_unregistered=False):
    """Read every project's roles concurrently and compare with the allowlist."""
    findings, warnings, errors = [], [], []
    for name, ownership, error in client.map(
            lambda name: fetch_ownership(client, pypi_url, name), names):
        if error is not None:
            errors.append({"project": name, "detail": str(error)})
            continue
        project_findings, project_warnings = audit_project(
            ownership, allowlist, today, fail_on_unregistered)
        findings += project_findings
        warnings += project_warnings
    return AuditResult(len(names) - len(errors), findings, warnings, errors)
