import datetime

import pytest
from ansible.module_utils.pypi_guard_allowlist import parse_maintainers_allowlist
from ansible.module_utils.pypi_guard_maintainers import (
    AuditResult,
    Finding,
    audit_project,
    strongest_roles,
)
from ansible.module_utils.pypi_guard_pypi import ProjectOwnership

TODAY = datetime.date(2026, 11, 25)


def allowlist(**overrides):
    data = {"required_owners": ["openstackci"], "allowed_accounts": ["release-bot"],
            "allowed_organizations": ["openstack"]}
    data.update(overrides)
    return parse_maintainers_allowlist({"pypi_maintainers_allowlist": data}, "test.yaml")


def kinds(findings):
    return [(f.kind, f.account, f.role) for f in findings]


def audit(roles, organization=None, exists=True, rules=None, **kwargs):
    ownership = ProjectOwnership("nova", exists, roles, organization)
    return audit_project(ownership, rules or allowlist(), TODAY, **kwargs)


def test_clean_project():
    assert audit([("Owner", "openstackci"), ("Maintainer", "Release-Bot")]) == ([], [])


def test_unexpected_account():
    findings, _ = audit([("Owner", "openstackci"), ("Maintainer", "mallory")])
    assert kinds(findings) == [("unexpected-account", "mallory", "Maintainer")]
    assert findings[0].line().startswith("nova: unexpected-account: mallory (Maintainer) - ")


def test_account_names_are_case_insensitive():
    assert audit([("Owner", "OpenStackCI")]) == ([], [])


@pytest.mark.parametrize("roles, expected", [
    ([], [("missing-required-owner", "openstackci", None)]),
    ([("Maintainer", "openstackci")], [("missing-required-owner", "openstackci", "Maintainer")]),
])
def test_missing_required_owner(roles, expected):
    findings, _ = audit(roles)
    assert kinds(findings) == expected


def test_missing_required_owner_line_says_no_role():
    findings, _ = audit([])
    assert findings[0].line() == (
        "nova: missing-required-owner: openstackci (no role) - "
        "make it an Owner of the project on PyPI")


def exception(role="Maintainer", expires=None, account="creator"):
    entry = {"account": account, "role": role, "reason": "created it, https://x/1"}
    if expires:
        entry["expires"] = expires
    return allowlist(exceptions={"Nova": [entry]})


def test_exception_allows_up_to_its_role():
    rules = exception("Maintainer")
    assert audit([("Owner", "openstackci"), ("Maintainer", "creator")], rules=rules) == ([], [])
    findings, _ = audit([("Owner", "openstackci"), ("Owner", "creator")], rules=rules)
    assert kinds(findings) == [("role-not-allowed", "creator", "Owner")]
    assert "allows Maintainer only" in findings[0].detail


def test_owner_exception_allows_maintainer():
    rules = exception("Owner")
    assert audit([("Owner", "openstackci"), ("Maintainer", "creator")], rules=rules) == ([], [])


def test_expired_exception_is_one_finding():
    rules = exception("Maintainer", expires="2026-11-24")
    findings, warnings = audit([("Owner", "openstackci"), ("Owner", "creator")], rules=rules)
    assert kinds(findings) == [("expired-exception", "creator", "Owner")]
    assert "expired on 2026-11-24" in findings[0].detail
    assert warnings == []


def test_exception_expiring_today_still_holds():
    rules = exception("Maintainer", expires="2026-11-25")
    assert audit([("Owner", "openstackci"), ("Maintainer", "creator")], rules=rules) == ([], [])


def test_stale_exception_is_a_warning():
    findings, warnings = audit([("Owner", "openstackci")], rules=exception())
    assert findings == []
    assert kinds(warnings) == [("stale-exception", "creator", None)]


def test_organization_not_allowed():
    findings, _ = audit([("Owner", "openstackci")], organization="SomeCorp")
    assert kinds(findings) == [("organization-not-allowed", "SomeCorp", "Organization")]
    assert audit([("Owner", "openstackci")], organization="OpenStack") == ([], [])


def test_not_on_pypi_is_a_warning_unless_asked():
    findings, warnings = audit([], exists=False)
    assert (kinds(findings), kinds(warnings)) == ([], [("not-on-pypi", None, None)])
    findings, warnings = audit([], exists=False, fail_on_unregistered=True)
    assert (kinds(findings), kinds(warnings)) == ([("not-on-pypi", None, None)], [])


def test_unknown_role_counts_above_owner():
    findings, _ = audit([("Owner", "openstackci"), ("Admin", "creator")], rules=exception("Owner"))
    assert kinds(findings) == [("role-not-allowed", "creator", "Admin")]


def test_strongest_roles_keeps_the_highest():
    assert strongest_roles([("Maintainer", "A"), ("Owner", "a")]) == {"a": ("a", "Owner")}


def test_status_and_problem_lines():
    finding = Finding("nova", "unexpected-account", "m", "Owner", "do x")
    assert AuditResult(1, [], [], []).status == "clean"
    assert AuditResult(1, [finding], [], []).status == "drift"
    result = AuditResult(1, [finding], [], [{"project": "glance", "detail": "HTTP 503"}])
    assert result.status == "error"
    assert result.problem_lines() == [
        "nova: unexpected-account: m (Owner) - do x", "glance: error: HTTP 503"]
