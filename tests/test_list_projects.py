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

"""tools/list_projects.py, and the unlisted-publisher warning it shares with
the maintainer audit."""

import subprocess
import sys
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.allowlist import MaintainersAllowlist
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import ADVICE, unlisted_publisher_warnings

ROOT = Path(__file__).resolve().parent.parent
MANAGED = ROOT / "tests" / "fixtures" / "managed-set"


def list_projects(*args):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "list_projects.py"), *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_lists_the_set_with_reasons(tmp_path):
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  extra_projects: [python-foo]\n"
                         "  ignored_projects: {nova: 'not ours, https://review.example/1'}\n")
    result = list_projects("--releases-repo", str(MANAGED / "releases"),
                           "--project-config", str(MANAGED / "project-config"),
                           "--allowlist", str(allowlist))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:8] == [
        "keystoneauth1: openstack/keystoneauth: deliverables/epoxy/keystoneauth.yaml",
        "openstack_requirements: openstack/requirements: deliverables/ocata/requirements.yaml",
        "puppet-openstack-integration: openstack/puppet-openstack-integration: "
        "deliverables/flamingo/puppet-release-type.yaml",
        "python-foo: extra_projects",
        "python-watcher: openstack/watcher: deliverables/epoxy/watcher.yaml",
        "Tempest: openstack/tempest: deliverables/epoxy/tempest.yaml",
        "tripleo-repos: openstack/tripleo-repos: deliverables/_independent/tripleo-repos.yaml",
        "7 project(s); project-config cross-check: ran",
    ]
    # x/python-foo is covered by extra_projects: only the others are left
    assert [line.split(":")[0] for line in lines[8:]] == ["opendev/sandbox", "x/xstatic-bar"]
    assert all(": unlisted-publisher: " in line for line in lines[8:])


def test_without_project_config_says_the_cross_check_did_not_run():
    result = list_projects("--releases-repo", str(MANAGED / "releases"))
    assert result.returncode == 0
    assert "7 project(s); project-config cross-check: did not run" in result.stdout
    assert "warning: the project-config cross-check did not run" in result.stdout
    assert "eslint-config-openstack: openstack/eslint-config-openstack" in result.stdout
    assert "puppet-tripleo" not in result.stdout


def explain(name, *extra):
    result = list_projects("--releases-repo", str(MANAGED / "releases"),
                           "--project-config", str(MANAGED / "project-config"),
                           "--explain", name, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_explain_a_name_in_the_set():
    assert explain("openstack-requirements") == [
        "openstack-requirements: in the set, as openstack_requirements",
        "  in: deliverables/ocata/requirements.yaml: openstack/requirements (python-pypi, "
        "openstack_requirements, named)",
    ]
    lines = explain("requirements")
    assert lines[0] == "requirements: not in the set"
    assert lines[1:] == [
        "  out: deliverables/epoxy/requirements.yaml: openstack/requirements (python-pypi, "
        "requirements, base name): this file releases nothing of it and gives no name, and "
        "other files name it openstack_requirements: its base name is not guessed",
        "  out: deliverables/flamingo/requirements.yaml: openstack/requirements (python-pypi, "
        "requirements, base name): every release entry of the file is an end-of-life tag "
        "(-eol, -eom, -em, -last): no release job runs for them, and no name is guessed "
        "from them",
        "  in: deliverables/ocata/requirements.yaml: openstack/requirements (python-pypi, "
        "openstack_requirements, named)",
    ]


@pytest.mark.parametrize("name, why", [
    ("deb-nova", "every release entry of the file is an end-of-life tag"),
    ("openstack-ansible", "artifact-link-mode: none, and project-config gives it no PyPI job"),
    ("puppet-pacemaker", "release type puppet: not published to PyPI (a puppet-* repository)"),
    ("puppet-tripleo", "release type puppet: not published to PyPI (project-config's "
                       "templates)"),
    ("ansible-role-httpd", "release-model: untagged"),
])
def test_explain_a_name_out_of_the_set(name, why):
    lines = explain(name)
    assert lines[0] == f"{name}: not in the set"
    assert why in lines[1]


def test_explain_ignored_extra_and_unknown(tmp_path):
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  extra_projects: [python-foo]\n"
                         "  ignored_projects: {nova: 'not ours'}\n")
    assert explain("nova", "--allowlist", str(allowlist))[0] == (
        "nova: not in the set: ignored_projects says 'not ours'")
    assert explain("python-foo", "--allowlist", str(allowlist)) == [
        "python-foo: in the set, as python-foo", "  in: extra_projects (python-foo)",
        "  project-config publishes a repository of this name to PyPI, and no deliverable "
        "names it (unlisted-publisher)"]
    assert explain("no-such-thing") == [
        "no-such-thing: not in the set",
        "  no deliverable file names a repository or PyPI name like it"]


def test_a_set_that_cannot_be_derived_fails(tmp_path):
    result = list_projects("--releases-repo", str(MANAGED / "releases"),
                           "--project-config", str(tmp_path))
    assert result.returncode == 1
    assert "zuul.d/projects.yaml: not found" in result.stdout


def test_unlisted_publisher_warnings():
    allowlist = MaintainersAllowlist(extra_projects={"python-foo": "python-foo"},
                                     ignored_projects={"xstatic-bar": "not ours"})
    warnings = unlisted_publisher_warnings(
        ["x/python-foo", "x/xstatic-bar", "opendev/Some_Thing"], allowlist)
    assert [(w.project, w.kind, w.detail) for w in warnings] == [
        ("opendev/Some_Thing", "unlisted-publisher", ADVICE["unlisted-publisher"])]
