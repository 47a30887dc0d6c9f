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

from ansible.module_utils.pypi_guard.allowlist import MaintainersAllowlist
from ansible.module_utils.pypi_guard.maintainers import ADVICE, unlisted_publisher_warnings

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
    assert lines[:6] == [
        "keystoneauth1: openstack/keystoneauth: deliverables/epoxy/keystoneauth.yaml",
        "puppet-openstack-integration: openstack/puppet-openstack-integration: "
        "deliverables/flamingo/puppet-release-type.yaml",
        "python-foo: extra_projects",
        "python-watcher: openstack/watcher: deliverables/epoxy/watcher.yaml",
        "Tempest: openstack/tempest: deliverables/epoxy/tempest.yaml",
        "5 project(s); project-config cross-check: ran",
    ]
    # x/python-foo is covered by extra_projects: only the others are left
    assert [line.split(":")[0] for line in lines[6:]] == ["opendev/sandbox", "x/xstatic-bar"]
    assert all(": unlisted-publisher: " in line for line in lines[6:])


def test_without_project_config_says_the_cross_check_did_not_run():
    result = list_projects("--releases-repo", str(MANAGED / "releases"))
    assert result.returncode == 0
    assert "7 project(s); project-config cross-check: did not run" in result.stdout
    assert "warning: the project-config cross-check did not run" in result.stdout
    assert "puppet-tripleo: openstack/puppet-tripleo" in result.stdout


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
