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

from dataclasses import dataclass
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.allowlist import VarsFileError
from ansible.module_utils.pypi_guard.audit import (
    REPORTS,
    AuditFinding,
    AuditResult,
    http_client,
    select_projects,
)
from ansible.module_utils.pypi_guard.deliverables import DeliverablesError
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.project_config import ProjectConfigError
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import Finding as MaintainerFinding
from ansible.module_utils.pypi_guard.pypi_release_audit import ReleaseFinding
from ansible.module_utils.pypi_guard.release_signature_audit import Finding as SignatureFinding

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "releases"


def test_derived_plus_extra_minus_ignored():
    projects = select_projects(FIXTURE, [], extra=["Extra.Thing"], ignored=["oslo_config"]).projects
    assert "extra-thing" in projects and "oslo-config" not in projects
    assert projects["extra-thing"].repositories == set()
    assert projects["nova"].repositories == {"openstack/nova"}
    assert list(projects) == sorted(projects)


def test_explicit_list_replaces_the_derivation_but_keeps_its_details():
    projects = select_projects(FIXTURE, ["Nova", "glance", "tempest"], extra=["x"],
                               ignored=["glance"]).projects
    assert list(projects) == ["nova", "tempest", "x"]
    assert projects["tempest"].pypi_name == "Tempest"
    assert projects["nova"].versions == {"31.0.0"}


def test_explicit_list_without_a_releases_repository():
    projects = select_projects(None, ["oslo.config"]).projects
    assert projects["oslo-config"].pypi_name == "oslo.config"


MANAGED = Path(__file__).parent / "fixtures" / "managed-set"


def test_every_project_says_where_it_came_from():
    selection = select_projects(MANAGED / "releases", [], extra=["extra-thing", "nova"],
                                project_config=MANAGED / "project-config")
    sources = selection.report()["sources"]
    assert sources["extra-thing"] == ["extra_projects"]
    assert sources["nova"] == ["extra_projects", "openstack/nova: deliverables/flamingo/nova.yaml"]
    assert sources["keystoneauth1"] == [
        "openstack/keystoneauth: deliverables/epoxy/keystoneauth.yaml"]
    assert selection.project_config_checked
    assert selection.unlisted_publishers == ["opendev/sandbox", "x/python-foo", "x/xstatic-bar"]


def test_explicit_list_is_a_source_and_looks_for_no_unlisted_publisher():
    selection = select_projects(MANAGED / "releases", ["nova", "other"],
                                project_config=MANAGED / "project-config")
    assert selection.report()["sources"] == {
        "nova": ["openstack/nova: deliverables/flamingo/nova.yaml", "projects (explicit list)"],
        "other": ["projects (explicit list)"]}
    assert selection.unlisted_publishers == []


def test_without_project_config_the_set_says_so():
    selection = select_projects(MANAGED / "releases", [])
    assert not selection.report()["project_config_checked"]
    assert "eslint-config-openstack" in selection.projects  # npm: only project-config says
    assert any("project-config cross-check did not run" in w for w in selection.warnings)


def test_nothing_to_audit_is_an_error():
    with pytest.raises(AuditInputError, match="no releases repository and no explicit list"):
        select_projects("", [])


def test_a_plain_http_index_is_refused_as_input():
    params = {"pypi_url": "http://pypi.example", "allow_insecure_http": False}
    with pytest.raises(AuditInputError, match="http://pypi.example"):
        http_client(params)


def test_every_input_error_is_one_type_with_its_problems():
    errors = [VarsFileError("vars/x.yaml", ["a: bad", "b: bad"]),
              DeliverablesError("deliverables: 2 problem(s)", ["x.yaml: bad", "y.yaml: bad"]),
              ProjectConfigError(["p: bad", "q: bad"])]
    for error in errors:
        assert isinstance(error, AuditInputError)
        assert len(error.problems) == 2
    assert str(errors[0]) == "vars/x.yaml: a: bad\nvars/x.yaml: b: bad"
    assert DeliverablesError("no deliverables").problems == ["no deliverables"]


def test_every_finding_is_one_line_of_the_same_shape():
    assert [finding.line() for finding in (
        MaintainerFinding("nova", "unexpected-account", "remove it", "mallory", "Owner"),
        MaintainerFinding("nova", "missing-required-owner", "make it an Owner", "ci"),
        ReleaseFinding("nova", "unexpected-release", "yank it", "99.0", "2026-11-24"),
        SignatureFinding("nova", "unsigned", "no signature", "1.0", "nova-1.0.tar.gz"),
        SignatureFinding("nova", "not-on-pypi", "PyPI does not know it"),
    )] == [
        "nova: unexpected-account: mallory (Owner) - remove it",
        "nova: missing-required-owner: ci (no role) - make it an Owner",
        "nova: unexpected-release: 99.0, uploaded 2026-11-24 - yank it",
        "nova: unsigned: 1.0 nova-1.0.tar.gz - no signature",
        "nova: not-on-pypi: PyPI does not know it",
    ]
    assert SignatureFinding("nova", "unsigned", "d", "1.0", "f").as_dict() == {
        "project": "nova", "kind": "unsigned", "detail": "d", "version": "1.0",
        "filename": "f"}


def test_another_audit_fits_the_skeleton():
    """A new audit's finding adds its fields and its subject; its extra
    report keys ride on the result."""

    @dataclass(frozen=True)
    class EventFinding(AuditFinding):
        serial: int = 0

        def subject(self):
            return f"serial {self.serial}"

    finding = EventFinding("nova", "removal", "find out who", 42)
    result = AuditResult(1, [finding], extra={"events_seen": 3})
    assert result.status == "drift"
    assert result.problem_lines() == ["nova: removal: serial 42 - find out who"]
    assert result.extra == {"events_seen": 3}


def test_errors_are_one_line_each_whatever_they_carry():
    result = AuditResult(1, errors=[
        {"project": "nova", "detail": "HTTP 503"},
        {"project": "cinder", "version": "1.0", "filename": "c.tar.gz",
         "detail": "1.0 c.tar.gz: HTTP 503"}])
    assert result.problem_lines() == ["nova: error: HTTP 503",
                                      "cinder: error: 1.0 c.tar.gz: HTTP 503"]


def test_each_audit_has_its_reports_once():
    assert sorted(REPORTS) == ["pypi_maintainers_audit", "pypi_release_audit", "pypi_watch",
                               "release_signature_audit"]
    assert len({spec.name for spec in REPORTS.values()}) == len(REPORTS)
    for audit, spec in REPORTS.items():
        assert (ROOT / "library" / f"{audit}.py").is_file()
        assert spec.columns[:2] == ("project", "kind") and spec.columns[-1] == "detail"


@pytest.mark.parametrize("audit", sorted(REPORTS))
def test_every_audit_documents_what_it_returns(audit):
    """Ansible merges no RETURN fragments, so each audit module documents
    the keys every audit returns (finish()'s) itself: all of them, by name."""
    from ansible.module_utils.pypi_guard.audit import finish
    from ansible.parsing.plugin_docs import read_docstring

    returned = finish(audit, {"pypi_url": "http://127.0.0.1:9"}, True, AuditResult())
    documented = read_docstring(str(ROOT / "library" / f"{audit}.py"))["returndocs"]
    assert set(returned) - {"changed"} <= set(documented)
