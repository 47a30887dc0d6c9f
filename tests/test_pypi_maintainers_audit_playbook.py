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

"""The maintainer audit playbook, run with the real ansible-playbook against
the fake PyPI on 127.0.0.1."""

import json
import textwrap

import pytest

from tests.support.audit_playbooks import (
    DERIVED,
    OWNER,
    RELEASES,
)
from tests.support.audit_playbooks import maintainer_projects as clean_projects
from tests.support.audit_playbooks import maintainers_audit as audit
from tests.support.fakepypi import FakePyPI


def test_clean_tenant_passes(tmp_path, allowlist_file):
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode == 0, result.output
    report = result.report
    assert report["status"] == "clean"
    assert report["projects_checked"] == len(DERIVED)
    assert report["pypi_url"] == pypi.url
    assert set(report) == {"status", "pypi_url", "generated_at", "projects_checked",
                           "findings", "warnings", "errors", "inventory", "managed_set"}
    assert report["managed_set"]["project_config_checked"] is False
    assert report["findings"] == [] and report["errors"] == []
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert "PyPI maintainers audit" in html and "clean" in html
    # the evidence: every project, its roles and organization, where it comes from
    inventory = {row["project"]: row for row in report["inventory"]}
    assert sorted(inventory) == sorted(report["managed_set"]["sources"])
    assert len(inventory) == len(DERIVED)
    assert all(row["registered"] and row["findings"] == 0 for row in inventory.values())
    assert inventory["nova"]["organization"] == "openstack"
    assert inventory["neutron"]["roles"] == [{"account": "openstackci", "role": "Owner"},
                                             {"account": "release-helper",
                                              "role": "Maintainer"}]
    assert f'<a href="{pypi.url.rstrip("/")}/org/openstack/">openstack</a>' in html
    assert f'<a href="{pypi.url.rstrip("/")}/user/release-helper/">' in html
    assert "openstack/<wbr>nova: deliverables/<wbr>" in html
    index = (tmp_path / "reports" / "index.html").read_text()
    assert '<a href="pypi-maintainers-audit.html">' in index and "status-clean" in index
    # manila-ui's exception is in use; nova's expired one is not
    assert [(w["project"], w["kind"]) for w in report["warnings"]] == [
        ("nova", "stale-exception")]


def test_every_derived_project_was_read(tmp_path, allowlist_file):
    with FakePyPI({"projects": clean_projects()}) as pypi:
        audit(pypi, tmp_path, allowlist_file)
        asked = {record.project for record in pypi.requests if record.endpoint != "xmlrpc"}
        reach = [r for r in pypi.requests if r.endpoint == "xmlrpc"]
    assert asked == {name.lower().replace(".", "-") for name in DERIVED}
    assert len(reach) == 1  # user_packages, once per run


DRIFT = {
    "unexpected-account": (
        lambda p: p["nova"]["roles"].append(["Maintainer", "mallory"]),
        "nova: unexpected-account: mallory (Maintainer) - remove its role on PyPI"),
    "role-not-allowed": (
        lambda p: p["xstatic-font-awesome"].update(roles=OWNER + [["Owner", "creator"]]),
        "xstatic-font-awesome: role-not-allowed: creator (Owner) - its exception allows "
        "Maintainer only"),
    "missing-required-owner": (
        lambda p: p["oslo.config"].update(roles=[["Maintainer", "openstackci"]]),
        "oslo-config: missing-required-owner: openstackci (Maintainer) - make it an Owner"),
    "organization-not-allowed": (
        lambda p: p["Tempest"].update(organization="somecorp"),
        "tempest: organization-not-allowed: somecorp (Organization) - its members can "
        "upload unseen"),
    "expired-exception": (
        lambda p: p["nova"]["roles"].append(["Maintainer", "former-ptl"]),
        "nova: expired-exception: former-ptl (Maintainer) - the exception expired on "
        "2001-01-01"),
}


@pytest.mark.parametrize("kind", sorted(DRIFT))
def test_each_finding_kind_fails_with_its_line(tmp_path, allowlist_file, kind):
    plant, line = DRIFT[kind]
    projects = clean_projects()
    plant(projects)
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode != 0
    assert line in result.output
    assert result.report["status"] == "drift"
    assert [finding["kind"] for finding in result.report["findings"]] == [kind]
    finding = result.report["findings"][0]
    assert set(finding) == {"project", "kind", "account", "role", "detail"}
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert kind in html


def test_not_on_pypi_warns_by_default_and_fails_when_asked(tmp_path, allowlist_file):
    projects = clean_projects()
    del projects["neutron-lib"]
    with FakePyPI({"projects": projects}) as pypi:
        warned = audit(pypi, tmp_path, allowlist_file)
        failed = audit(pypi, tmp_path, allowlist_file,
                       pypi_maintainers_audit_fail_on_unregistered=True)
    assert warned.returncode == 0, warned.output
    assert warned.report["status"] == "clean"
    # known to no one: not-published, warned about and audited no further
    assert [(w["project"], w["kind"]) for w in warned.report["warnings"]] == [
        ("nova", "stale-exception"), ("neutron-lib", "unregistered-name")]
    assert "neutron-lib: unregistered-name: a deliverable names this project, but PyPI " \
           "does not know it" in warned.output
    assert warned.report["managed_set"]["classes"]["neutron-lib"] == "not-published"
    assert warned.report["projects_checked"] == len(DERIVED) - 1
    assert failed.returncode != 0
    assert [f["kind"] for f in failed.report["findings"]] == ["unregistered-name"]


def test_an_index_that_knows_none_of_the_projects_fails(tmp_path, allowlist_file):
    """A wrong pypi_guard_pypi_url, a stale mirror or a CDN fault: every JSON
    404s and package_roles is empty.  Not eleven warnings and a pass."""
    with FakePyPI({"projects": {}}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode != 0, result.output
    assert result.report["status"] == "error"
    assert f"(every project): error: {pypi.url} does not know {len(DERIVED)} of the " \
        f"{len(DERIVED)} managed projects it was asked about: it does not look like the " \
        "index that publishes them" in result.output
    assert [e["project"] for e in result.report["errors"]] == ["(every project)"]
    assert [w["kind"] for w in result.report["warnings"]] == ["unregistered-name"] * len(DERIVED)


def test_a_run_with_no_project_to_check_fails(tmp_path, allowlist_file):
    # the release account holds no role anywhere: its reach adds nothing
    with FakePyPI({"projects": {}}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file, pypi_guard_projects=["ignored.thing"])
        assert [r.endpoint for r in pypi.requests] == ["xmlrpc"]  # user_packages only
    assert result.returncode != 0, result.output
    assert result.report["status"] == "error" and result.report["projects_checked"] == 0
    assert "(every project): error: no project was checked" in result.output


def test_stale_exception_warns_only(tmp_path, allowlist_file):
    projects = clean_projects()
    projects["manila-ui"]["roles"] = list(OWNER)
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode == 0, result.output
    assert result.report["warnings"][0] == {
        "project": "manila-ui", "kind": "stale-exception", "account": "gone", "role": None,
        "detail": "it holds no role on PyPI: remove the exception"}


@pytest.mark.parametrize("fault, detail", [
    ({"status": 503}, "HTTP 503 after 2 attempts"),
    ({"status": 429, "retry_after": 0}, "HTTP 429 after 2 attempts"),
    ({"malformed": True}, "malformed JSON"),
    ({"delay": 4}, "timed out after 2 s"),
])
def test_outages_end_as_errors_never_clean(tmp_path, allowlist_file, fault, detail):
    projects = clean_projects()
    projects["nova"]["faults"] = {"json": fault}
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode != 0
    assert result.report["status"] == "error"
    assert result.report["projects_checked"] == len(DERIVED) - 1
    [error] = result.report["errors"]
    assert error["project"] == "nova" and detail in error["detail"]
    assert f"nova: error: GET {pypi.url}/pypi/nova/json: " in result.output


def test_whole_outage_is_an_error(tmp_path, allowlist_file):
    with FakePyPI({"projects": {}, "faults": {"json": {"status": 502}}}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
    assert result.returncode != 0
    assert result.report["status"] == "error"
    assert result.report["projects_checked"] == 0
    assert len(result.report["errors"]) == len(DERIVED)


def test_xmlrpc_fallback_through_the_playbook(tmp_path, allowlist_file):
    projects = clean_projects()
    projects["nova"].update(ownership=False, roles=OWNER + [["Owner", "mallory"]])
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file)
        endpoints = {(r.project, r.endpoint) for r in pypi.requests}
    assert ("nova", "xmlrpc") in endpoints
    assert ("glance", "xmlrpc") not in endpoints
    assert "nova: unexpected-account: mallory (Owner)" in result.output


def test_explicit_projects_replace_the_derivation(tmp_path, allowlist_file):
    projects = clean_projects()
    projects["ignored-thing"] = {"roles": [["Owner", "mallory"]], "releases": RELEASES}
    # the release account's reach is added to any list: keep it to the two
    for name, project in projects.items():
        if name not in ("nova", "oslo.config"):
            project["roles"] = [["Owner", "someone"]]
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file,
                       pypi_guard_projects=["Nova", "oslo_config", "ignored.thing"])
        asked = {record.project for record in pypi.requests if record.endpoint != "xmlrpc"}
    assert result.returncode == 0, result.output
    assert asked == {"nova", "oslo-config"}
    assert result.report["projects_checked"] == 2


def test_bad_allowlist_is_refused_before_any_request(tmp_path):
    bad = tmp_path / "pypi-maintainers.yaml"
    bad.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                   "  exceptions:\n    nova:\n      - {account: x, role: Admin}\n")
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit(pypi, tmp_path, bad)
        assert pypi.requests == []
    assert result.returncode != 0
    assert f"{bad}: pypi_maintainers_allowlist.exceptions.nova[0]: 'reason' is missing" \
        in result.output
    assert "exceptions.nova[0].role: 'Admin' is not one of Owner, Maintainer" in result.output
    # the report of a run stopped by bad input: status error, the lines naming the file
    assert result.report["status"] == "error"
    assert [e["project"] for e in result.report["errors"]] == ["(input)", "(input)"]
    assert all(e["detail"].startswith(f"{bad}: ") for e in result.report["errors"])


def test_missing_releases_repo_is_a_clear_error(tmp_path, allowlist_file):
    with FakePyPI({"projects": {}}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file, pypi_guard_releases_repo="")
    assert result.returncode != 0
    assert "no releases repository and no explicit list of projects" in result.output


def test_check_mode_reads_but_writes_nothing(tmp_path, allowlist_file):
    projects = clean_projects()
    projects["nova"]["roles"].append(["Owner", "mallory"])
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file, check=True)
        assert pypi.requests
    assert result.returncode != 0
    assert "nova: unexpected-account: mallory (Owner)" in result.output
    assert not (tmp_path / "reports").exists()


def test_previous_report_is_replaced_whole(tmp_path, allowlist_file):
    reports = tmp_path / "reports"
    with FakePyPI({"projects": clean_projects()}) as pypi:
        audit(pypi, tmp_path, allowlist_file)
        first = (reports / "pypi-maintainers-audit.json").read_text()
        projects = clean_projects()
        projects["nova"]["roles"].append(["Owner", "mallory"])
        pypi.set_scenario({"projects": projects})
        second = audit(pypi, tmp_path, allowlist_file)
    assert json.loads(first)["status"] == "clean"
    assert second.report["status"] == "drift"
    assert sorted(p.name for p in reports.iterdir()) == [
        "index.html", "pypi-maintainers-audit.html", "pypi-maintainers-audit.json"]


def test_builds_its_own_virtualenv_without_an_interpreter(tmp_path, allowlist_file):
    """Under Zuul and by hand without pypi_guard_python, ensure-pypi-guard
    installs requirements.lock (hash-pinned) into a virtualenv and the module
    runs there."""
    venv = tmp_path / "venv"
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit(pypi, tmp_path, allowlist_file, pypi_guard_python="",
                       pypi_guard_venv_dir=str(venv))
    assert result.returncode == 0, result.output
    assert (venv / "bin" / "python").exists()
    assert result.report["status"] == "clean"


# The allowlist as the variable pypi_maintainers_allowlist (a Zuul job's vars,
# or -e @file by hand): it wins over the file, validated the same way.
def audit_with_vars_file(pypi, tmp_path, allowlist_file, vars_text):
    vars_file = tmp_path / "job-vars.yaml"
    vars_file.write_text(textwrap.dedent(vars_text))
    return audit(pypi, tmp_path, allowlist_file, vars_files=[vars_file])


def test_allowlist_variable_wins_over_the_file(tmp_path, allowlist_file):
    # Clean against the file; the variable lacks creator's exception and
    # allows gone everywhere (no stale-exception for manila-ui).
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit_with_vars_file(pypi, tmp_path, allowlist_file, """
            pypi_maintainers_allowlist:
              required_owners: [openstackci]
              allowed_accounts: [release-helper, gone]
              allowed_organizations: [openstack]
        """)
    assert result.returncode != 0
    assert "xstatic-font-awesome: unexpected-account: creator (Maintainer) - remove its " \
        "role on PyPI" in result.output
    assert [(f["project"], f["kind"]) for f in result.report["findings"]] == [
        ("xstatic-font-awesome", "unexpected-account")]
    assert result.report["warnings"] == []


def test_bad_allowlist_variable_is_refused_before_any_request(tmp_path, allowlist_file):
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit_with_vars_file(pypi, tmp_path, allowlist_file, """
            pypi_maintainers_allowlist:
              required_owners: [openstackci]
              ignored_projects:
                on: "YAML reads this key as a boolean"
              exceptions:
                nova:
                  - {account: "\\u212aevin", role: Admin, reason: why}
        """)
        assert pypi.requests == []
    assert result.returncode != 0
    source = "variable pypi_maintainers_allowlist: pypi_maintainers_allowlist"
    assert f"{source}.ignored_projects: key True is not text (YAML reads on, off, yes, no, " \
        "true and false as booleans)" in result.output
    assert str(allowlist_file) not in result.output
    assert result.report["status"] == "error"  # the build page still links a report


def test_allowlist_variable_with_bad_names_is_refused(tmp_path, allowlist_file):
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit_with_vars_file(pypi, tmp_path, allowlist_file, """
            pypi_maintainers_allowlist:
              required_owners: [openstackci]
              exceptions:
                nova:
                  - {account: "\\u212aevin", role: Admin, reason: why}
        """)
        assert pypi.requests == []
    assert result.returncode != 0
    source = "variable pypi_maintainers_allowlist: pypi_maintainers_allowlist"
    assert f"{source}.exceptions.nova[0].account: '\\\\u212aevin' is not a PyPI account " \
        "name" in result.output
    assert f"{source}.exceptions.nova[0].role: 'Admin' is not one of Owner, Maintainer" \
        in result.output
