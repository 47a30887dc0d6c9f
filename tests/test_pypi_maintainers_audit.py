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

import datetime

import pytest
from ansible.module_utils.pypi_guard.allowlist import parse_maintainers_allowlist
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import (
    AuditResult,
    Finding,
    audit_project,
    run_maintainers_audit,
    strongest_roles,
)

from tests.support.fakepypi import FakePyPI

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
    finding = Finding("nova", "unexpected-account", "do x", "m", "Owner")
    assert AuditResult(1, [], [], []).status == "clean"
    assert AuditResult(1, [finding], [], []).status == "drift"
    result = AuditResult(1, [finding], [], [{"project": "glance", "detail": "HTTP 503"}])
    assert result.status == "error"
    assert result.problem_lines() == [
        "nova: unexpected-account: m (Owner) - do x", "glance: error: HTTP 503"]


def test_a_run_that_checked_nothing_is_an_error():
    empty = AuditResult(0, [], [], [])
    assert empty.status == "error"
    assert empty.problem_lines() == [
        "(every project): error: no project was checked: the list of projects to audit is "
        "empty (no deliverable in pypi_guard_releases_repo, or every project ignored); a "
        "run that checked nothing is not a pass"]
    # when every project failed, its errors say so: no extra line
    failed = AuditResult(0, [], [], [{"project": "nova", "detail": "HTTP 503"}])
    assert failed.problem_lines() == ["nova: error: HTTP 503"]


def run_against(projects, names):
    with FakePyPI({"projects": projects}) as pypi, \
            HttpClient(concurrency=2, rate_limit=0, timeout=5, retries=0) as client:
        return pypi.url, run_maintainers_audit(client, pypi.url, names, allowlist(), TODAY)


KNOWN = {"roles": [["Owner", "openstackci"]], "releases": {"1.0.0": {}}}


@pytest.mark.parametrize(("known", "unknown", "wrong_index"), [
    (0, 4, True),    # the index knows none of them
    (2, 3, True),    # more than half unknown
    (3, 3, False),   # half: each is a not-on-pypi warning
    (0, 2, False),   # too few to judge the index
])
def test_an_index_that_knows_most_projects_not_is_an_error(known, unknown, wrong_index):
    names = [f"known{i}" for i in range(known)] + [f"ghost{i}" for i in range(unknown)]
    url, result = run_against({f"known{i}": KNOWN for i in range(known)}, names)
    assert [w.kind for w in result.warnings] == ["not-on-pypi"] * unknown
    assert result.projects_checked == known + unknown
    if wrong_index:
        assert result.status == "error"
        assert result.problem_lines() == [
            f"(every project): error: {url} does not know {unknown} of the "
            f"{known + unknown} managed projects it was asked about: it does not look like "
            "the index that publishes them (is pypi_guard_pypi_url right? a stale mirror or "
            "a CDN fault looks like this)"]
    else:
        assert result.status == "clean", result.problem_lines()


# Account names from the index: PyPI's are ASCII, so a look-alike is a finding
# (never a match with the allowed name it imitates), and only ASCII is case-folded.
@pytest.mark.parametrize("imitation, imitated", [
    ("\u212aevin", "kevin"),                    # Kelvin sign: lower() gives "kevin"
    ("\u0131nfra", "infra"),                    # dotless i
    ("\u0130nfra", "infra"),                    # dotted capital I: lower() gives i + U+0307
    ("\uff52\uff45\uff4c\uff45\uff41\uff53\uff45-bot", "release-bot"),  # fullwidth letters
])
def test_non_ascii_look_alike_never_matches(imitation, imitated):
    rules = allowlist(allowed_accounts=[imitated], exceptions={
        "nova": [{"account": imitated, "role": "Owner", "reason": "https://x/1"}]})
    findings, warnings = audit([("Owner", "openstackci"), ("Owner", imitation)], rules=rules)
    assert kinds(findings) == [("unexpected-account", imitation, "Owner")]
    assert ascii(imitation) in findings[0].detail
    assert "is not a PyPI account name" in findings[0].detail
    assert kinds(warnings) == [("stale-exception", imitated, None)]


def test_look_alike_of_a_required_owner_does_not_stand_in_for_it():
    findings, _ = audit([("Owner", "OPENSTAC\u212aCI")])
    assert kinds(findings) == [("unexpected-account", "OPENSTAC\u212aCI", "Owner"),
                               ("missing-required-owner", "openstackci", None)]


def test_ascii_name_outside_pypi_rules_is_a_finding_with_detail():
    findings, _ = audit([("Owner", "openstackci"), ("Maintainer", "release-bot\n")])
    assert kinds(findings) == [("unexpected-account", "release-bot\n", "Maintainer")]
    assert "'release-bot\\n' is not a PyPI account name" in findings[0].detail


def test_look_alike_organization_is_not_allowed():
    findings, _ = audit([("Owner", "openstackci")], organization="OPENSTAC\u212a")
    assert kinds(findings) == [("organization-not-allowed", "OPENSTAC\u212a", "Organization")]


def test_strongest_roles_keeps_look_alikes_apart():
    assert strongest_roles([("Owner", "\u212aevin"), ("Maintainer", "Kevin")]) == {
        "\u212aevin": ("\u212aevin", "Owner"), "kevin": ("Kevin", "Maintainer")}
