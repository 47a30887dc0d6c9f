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

"""The maintainer audit playbook with and without project-config: the set it
audits, the report's managed_set and the unlisted-publisher warnings (real
ansible-playbook, the fake PyPI on 127.0.0.1)."""

import json
from pathlib import Path

from tests.support.fakepypi import FakePyPI
from tests.support.playbook import run_playbook

PLAYBOOK = "playbooks/pypi-maintainers-audit/run.yaml"
MANAGED = Path(__file__).parent / "fixtures" / "managed-set"
WITH = ["keystoneauth1", "nova", "openstack-requirements", "puppet-openstack-integration",
        "python-watcher", "Tempest", "tripleo-repos"]
OWNER = [["Owner", "openstackci"]]


def audit(tmp_path, names, **extra):
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  extra_projects: [python-foo]\n")
    projects = {name: {"roles": list(OWNER),
                       "releases": {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}}
                for name in names}
    with FakePyPI({"projects": projects}) as pypi:
        variables = {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_releases_repo": str(MANAGED / "releases"),
            "pypi_guard_report_dir": str(tmp_path / "reports"),
            "pypi_guard_allowlist_file": str(allowlist),
            "pypi_guard_retries": 1,
            "pypi_guard_timeout": 2,
        }
        variables.update(extra)
        result = run_playbook(PLAYBOOK, variables)
    report = tmp_path / "reports" / "pypi-maintainers-audit.json"
    result.report = json.loads(report.read_text()) if report.exists() else None
    return result


def test_with_project_config(tmp_path):
    result = audit(tmp_path, WITH + ["python-foo"],
                   pypi_guard_project_config=str(MANAGED / "project-config"))
    assert result.returncode == 0, result.output
    report = result.report
    assert report["status"] == "clean"
    assert report["projects_checked"] == 8
    managed = report["managed_set"]
    assert managed["project_config_checked"] is True
    assert managed["warnings"] == []
    assert managed["sources"]["keystoneauth1"] == [
        "openstack/keystoneauth: deliverables/epoxy/keystoneauth.yaml"]
    assert managed["sources"]["python-foo"] == ["extra_projects"]
    # x/python-foo is in extra_projects; the other two are warned about
    assert [(w["project"], w["kind"]) for w in report["warnings"]] == [
        ("opendev/sandbox", "unlisted-publisher"), ("x/xstatic-bar", "unlisted-publisher")]
    assert "x/xstatic-bar: unlisted-publisher" in result.output
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert "<dt>Project-config cross-check</dt>\n<dd>ran</dd>" in html


def test_without_project_config_the_report_says_so(tmp_path):
    names = [n for n in WITH if n != "tripleo-repos"] + ["python-foo", "eslint-config-openstack"]
    result = audit(tmp_path, names)
    assert result.returncode == 0, result.output
    managed = result.report["managed_set"]
    assert managed["project_config_checked"] is False
    assert managed["unlisted_publishers"] == []
    assert sorted(managed["sources"]) == sorted(n.lower() for n in names)
    assert "the project-config cross-check did not run" in managed["warnings"][0]
    assert "the project-config cross-check did not run" in result.output
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert "<dd>did not run</dd>" in html
    assert result.report["warnings"] == []


def test_a_bad_deliverable_fails_the_job_naming_the_file(tmp_path):
    releases = tmp_path / "releases"
    (releases / "deliverables" / "epoxy").mkdir(parents=True)
    (releases / "deliverables" / "epoxy" / "a.yaml").write_text(
        "team: t\ntype: library\nreleases:\n  - version: 1.10\n    projects: []\n")
    result = audit(tmp_path, [], pypi_guard_releases_repo=str(releases))
    assert result.returncode != 0
    assert "a.yaml: releases[0].version: 1.1 is read by YAML as a float" in result.output
    # the build page still links a report: status error, the lines naming the file
    assert result.report["status"] == "error"
    assert result.report["projects_checked"] == 0
    errors = result.report["errors"]
    assert {error["project"] for error in errors} == {"(input)"}
    assert any("a.yaml: releases[0].version: 1.1 is read by YAML as a float" in error["detail"]
               for error in errors)
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert "read by YAML as a float" in html


def run_with(tmp_path, scenario, playbook=PLAYBOOK, **extra):
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    with FakePyPI(scenario) as pypi:
        variables = {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_releases_repo": str(MANAGED / "releases"),
            "pypi_guard_project_config": str(MANAGED / "project-config"),
            "pypi_guard_report_dir": str(tmp_path / "reports"),
            "pypi_guard_allowlist_file": str(allowlist),
            "pypi_guard_retries": 1,
            "pypi_guard_timeout": 2,
            **extra,
        }
        result = run_playbook(playbook, variables)
        result.requests = list(pypi.requests)
    report = tmp_path / "reports" / "pypi-maintainers-audit.json"
    result.report = json.loads(report.read_text()) if report.exists() else None
    return result


def test_the_required_owners_reach_with_every_class(tmp_path):
    release = {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}
    projects = {name: {"roles": list(OWNER), "releases": release}
                for name in WITH if name not in ("python-watcher", "tripleo-repos")}
    projects["python-foo"] = {"roles": list(OWNER), "releases": release}  # account-only
    projects["tripleo-repos"] = {"roles": [["Owner", "mallory"]], "releases": release}
    # python-watcher: a deliverable names it, PyPI does not know it
    result = run_with(tmp_path, {"projects": projects})
    assert result.returncode != 0, result.output  # tripleo-repos lacks the required owner
    managed = result.report["managed_set"]
    assert managed["required_owners"] == ["openstackci"]
    assert managed["class_counts"] == {"managed": 5, "account-only": 1, "without-account": 1,
                                       "not-published": 1}
    assert managed["classes"]["python-foo"] == "account-only"
    assert managed["classes"]["tripleo-repos"] == "without-account"
    assert managed["classes"]["python-watcher"] == "not-published"
    assert managed["sources"]["python-foo"] == ["user_packages: Owner (openstackci)"]
    assert [(f["project"], f["kind"]) for f in result.report["findings"]] == [
        ("tripleo-repos", "unexpected-account"), ("tripleo-repos", "missing-required-owner")]
    warned = [(w["project"], w["kind"]) for w in result.report["warnings"]]
    assert ("python-foo", "unlisted-project") in warned
    assert ("python-watcher", "unregistered-name") in warned
    # audited like the others: its roles were read
    inventory = {row["project"] for row in result.report["inventory"]}
    assert "python-foo" in inventory and "python-watcher" not in inventory
    assert "python-foo: unlisted-project: the release account openstackci holds Owner" \
        in result.output
    assert sum(r.endpoint == "xmlrpc" and r.project is None for r in result.requests) == 1
    html = (tmp_path / "reports" / "pypi-maintainers-audit.html").read_text()
    assert "<dt>Projects by class (release account openstackci)</dt>\n<dd>account-only 1, " \
           "managed 5, not-published 1, without-account 1</dd>" in html


def test_a_reach_that_cannot_be_read_fails_the_job_with_a_report(tmp_path):
    release = {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}
    projects = {name: {"roles": list(OWNER), "releases": release} for name in WITH}
    result = run_with(tmp_path, {"projects": projects,
                                 "faults": {"xmlrpc": {"status": 503}}})
    assert result.returncode != 0
    assert result.report["status"] == "error"
    assert result.report["projects_checked"] == 0
    assert "(every project): error: the release account's reach could not be read " \
           "(XML-RPC user_packages('openstackci'):" in result.output
    assert [r.endpoint for r in result.requests] == ["xmlrpc", "xmlrpc"]  # one retry, no JSON
