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

from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.project_config import (
    ProjectConfigError,
    publishes,
    read_project_config,
)

FIXTURE = Path(__file__).parent / "fixtures" / "managed-set" / "project-config"


def test_where_each_repository_publishes():
    assert read_project_config(FIXTURE) == {
        "openstack/keystoneauth": "pypi",
        "openstack/watcher": "pypi",
        "openstack/nova": "pypi",
        "openstack/tempest": "pypi",
        "openstack/puppet-nova": "puppet",
        "openstack/puppet-tripleo": "puppet",
        "openstack/puppet-openstack-integration": "puppet",
        "openstack/eslint-config-openstack": "npm",
        "openstack/tripleo-repos": "pypi",
        "openstack/openstack-ansible": None,
        "openstack/ansible-role-httpd": None,
        "x/python-foo": "pypi",  # two stanzas, merged
        "x/xstatic-bar": "pypi",
        "opendev/sandbox": "pypi",  # release-openstack-python in the release pipeline
    }


@pytest.mark.parametrize("templates, jobs, expected", [
    (["publish-to-pypi"], [], "pypi"),
    (["publish-to-pypi-stable-only"], [], "pypi"),
    (["publish-to-pypi-quietly"], [], "pypi"),
    (["publish-xstatic-to-pypi"], [], "pypi"),
    (["puppet-release-jobs"], [], "puppet"),
    (["puppet-tarball-jobs"], [], "puppet"),
    (["puppet-openstack-check-jobs"], [], None),
    (["nodejs10-publish-to-npm"], [], "npm"),
    (["nodejs-publish-to-npm"], [], "npm"),
    (["nodejs10-publish-to-npm-x"], [], None),
    (["system-required"], ["release-openstack-python"], "pypi"),
    (["system-required"], ["announce-release"], None),
    # a repository that uploads to PyPI is a PyPI publisher, whatever else it does
    (["puppet-release-jobs", "publish-to-pypi"], [], "pypi"),
])
def test_publishes(templates, jobs, expected):
    assert publishes(templates, jobs) == expected


def write(tmp_path, text):
    (tmp_path / "zuul.d").mkdir()
    (tmp_path / "zuul.d" / "projects.yaml").write_text(text)
    return tmp_path


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ProjectConfigError, match="zuul.d/projects.yaml: not found: "
                       "pypi_guard_project_config must be a checkout"):
        read_project_config(tmp_path)


@pytest.mark.parametrize("text, expected", [
    ("project: {}\n", "projects.yaml: expected a list of Zuul configuration items"),
    ("- [unclosed\n", "projects.yaml: cannot be read"),
    ("- project: [a]\n", "projects.yaml: item 0: project: expected a mapping with a name"),
    ("- project: {name: o/a, templates: publish-to-pypi}\n",
     "projects.yaml: project o/a: templates: expected a list of names, got 'publish-to-pypi'"),
    ("- project: {name: o/a, release: [release-openstack-python]}\n",
     "projects.yaml: project o/a.release: expected a mapping with a list of jobs"),
    ("- project: {name: o/a, release: {jobs: [[x]]}}\n",
     "projects.yaml: project o/a.release.jobs: ['x'] is not a job"),
])
def test_malformed_file_is_an_error_naming_it(tmp_path, text, expected):
    with pytest.raises(ProjectConfigError) as caught:
        read_project_config(write(tmp_path, text))
    assert expected in str(caught.value)


def test_job_with_settings_is_read(tmp_path):
    checkout = write(tmp_path, "- project:\n    name: o/a\n    pre-release:\n      jobs:\n"
                               "        - release-openstack-python:\n            vars: {}\n")
    assert read_project_config(checkout) == {"o/a": "pypi"}
