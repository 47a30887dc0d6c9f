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
from ansible.module_utils.pypi_guard.deliverables import (
    NO_PROJECT_CONFIG_WARNING,
    SCHEMA_FILE,
    WHY_END_OF_LIFE,
    WHY_LINK_NONE,
    DeliverablesError,
    derive_managed_set,
    is_end_of_life,
    projects_of_deliverable,
    release_type,
    source_lines,
)

FIXTURE = Path(__file__).parent / "fixtures" / "releases"

EXPECTED = {
    "nova",  # type: service
    "oslo-config",  # type: library, name normalised
    "manila-ui",  # type: horizon-plugin
    "tempest",  # include-pypi-link, pypi-name override
    "kolla-ansible",  # type: other without include-pypi-link is python-service
    "neutron",  # release-type: neutron
    "neutron-lib",  # only in releases[].projects
    "neutron-tempest-plugin",  # no-artifact-build-job in one series only
    "oslo-metrics",  # only in repository-settings
    "xstatic-font-awesome",  # release-type: xstatic, _independent
    "heat-translator",  # retired stays managed
}


@pytest.mark.parametrize("deliverable, expected", [
    ({"release-type": "generic", "type": "library"}, "generic"),
    ({"type": "library"}, "python-pypi"),
    ({"type": "service"}, "python-service"),
    ({"type": "horizon-plugin"}, "horizon"),
    ({"type": "other", "include-pypi-link": True}, "python-pypi"),
    ({"type": "client-library", "include-pypi-link": True}, "python-pypi"),
    ({"type": "tempest-plugin"}, "python-service"),
    ({}, "python-service"),
])
def test_release_type(deliverable, expected):
    assert release_type(deliverable) == expected





def test_derivation_covers_every_rule():
    projects = derive_managed_set(FIXTURE).projects
    assert set(projects) == EXPECTED


def test_derived_project_details():
    projects = derive_managed_set(FIXTURE).projects
    assert projects["tempest"].pypi_name == "Tempest"
    assert projects["tempest"].repositories == {"openstack/tempest"}
    assert projects["oslo-config"].pypi_name == "oslo.config"
    assert projects["neutron"].versions == {"26.0.0", "27.0.0"}
    assert projects["neutron"].sources == {"deliverables/epoxy/neutron.yaml: openstack/neutron",
                                           "deliverables/flamingo/neutron.yaml: openstack/neutron"}
    assert projects["heat-translator"].retired
    assert not projects["nova"].retired
    assert projects["xstatic-font-awesome"].namespaces_and_repos == [
        ("openstack", "xstatic-font-awesome")]


def test_unpublished_types_and_flags_are_left_out():
    projects = derive_managed_set(FIXTURE).projects
    assert "puppet-nova" not in projects  # release-type generic
    assert "ui-cookiecutter" not in projects  # nodejs
    assert "oslo-specs" not in projects  # no-artifact-build-job


def test_no_artifact_build_job_only_removes_that_repository():
    found = projects_of_deliverable({
        "type": "library",
        "repository-settings": {
            "openstack/a": {"flags": ["no-artifact-build-job"]},
            "openstack/b": {"flags": ["retired"]},
        }})
    assert [(name, retired) for name, _repo, _versions, retired in found] == [("b", True)]


def test_missing_checkout_is_an_error(tmp_path):
    with pytest.raises(DeliverablesError, match="no deliverables/ directory"):
        derive_managed_set(tmp_path)


def test_broken_deliverable_names_the_file(tmp_path):
    (tmp_path / "deliverables" / "epoxy").mkdir(parents=True)
    bad = tmp_path / "deliverables" / "epoxy" / "bad.yaml"
    bad.write_text("team: [unclosed\n")
    with pytest.raises(DeliverablesError, match="bad.yaml"):
        derive_managed_set(tmp_path)


def test_deliverable_that_is_not_a_mapping(tmp_path):
    (tmp_path / "deliverables" / "epoxy").mkdir(parents=True)
    (tmp_path / "deliverables" / "epoxy" / "list.yaml").write_text("- a\n")
    with pytest.raises(DeliverablesError, match="list.yaml: a deliverable must be a mapping"):
        derive_managed_set(tmp_path)


# The rules of issue 9, on tests/fixtures/managed-set (a releases checkout with
# a schema, and a project-config checkout).
MANAGED = Path(__file__).parent / "fixtures" / "managed-set"
RELEASES = MANAGED / "releases"
PROJECT_CONFIG = MANAGED / "project-config"

WITH_PROJECT_CONFIG = {
    "keystoneauth1",  # tarball-base of the newest release entry that sets one
    "python-watcher",  # tarball-base in repository-settings
    "tempest",  # pypi-name wins over tarball-base
    "nova",
    "puppet-openstack-integration",  # explicit release-type wins over the template
    "openstack-requirements",  # the one real release's tarball-base
    "tripleo-repos",  # artifact-link-mode: none, but a PyPI job in project-config
}


def test_managed_set_with_project_config():
    managed = derive_managed_set(RELEASES, PROJECT_CONFIG)
    assert set(managed.projects) == WITH_PROJECT_CONFIG
    assert managed.project_config_checked
    assert managed.unlisted_publishers == ["opendev/sandbox", "x/python-foo", "x/xstatic-bar"]
    assert managed.warnings == []


def test_managed_set_without_project_config_falls_back_and_says_so():
    managed = derive_managed_set(RELEASES)
    # the npm package is only told apart by project-config; the repository of
    # an artifact-link-mode: none deliverable is left out without it
    assert set(managed.projects) == WITH_PROJECT_CONFIG - {"tripleo-repos"} | {
        "eslint-config-openstack"}
    assert not managed.project_config_checked
    assert managed.unlisted_publishers == []
    assert managed.warnings == [NO_PROJECT_CONFIG_WARNING]
    assert "project-config cross-check did not run" in managed.report()["warnings"][0]


def test_names_and_sources():
    projects = derive_managed_set(RELEASES, PROJECT_CONFIG).projects
    assert projects["keystoneauth1"].pypi_name == "keystoneauth1"
    assert projects["keystoneauth1"].versions == {"5.9.0", "5.10.0", "5.10.1"}
    assert projects["keystoneauth1"].sources == {
        "deliverables/epoxy/keystoneauth.yaml: openstack/keystoneauth"}
    assert projects["python-watcher"].repositories == {"openstack/watcher"}
    assert projects["tempest"].pypi_name == "Tempest"


def test_untagged_puppet_npm_and_no_artifact_are_out_with_project_config():
    projects = derive_managed_set(RELEASES, PROJECT_CONFIG).projects
    for name in ("ansible-role-httpd", "ansible-role-pki",  # untagged
                 "puppet-nova", "puppet-tripleo",  # puppet-release-jobs
                 "puppet-congress",  # not in project-config: a puppet-* repository
                 "puppet-pacemaker",  # the same, whatever its team
                 "eslint-config-openstack",  # nodejs10-publish-to-npm
                 "deb-nova", "deb-python-novaclient",  # only end-of-life tags
                 "requirements",  # never guessed from end-of-life or tagless files
                 "openstack-ansible",  # artifact-link-mode: none, no PyPI job
                 "nova-specs", "keystoneauth", "watcher"):
        assert name not in projects


@pytest.mark.parametrize("project_config", [PROJECT_CONFIG, None])
def test_why_each_repository_is_out(project_config):
    why = {(source, d.repo): d.why_out
           for source, d in derive_managed_set(RELEASES, project_config).decisions}
    assert why["deliverables/ocata/packaging-deb.yaml", "openstack/deb-nova"] == WHY_END_OF_LIFE
    assert why["deliverables/flamingo/requirements.yaml",
               "openstack/requirements"] == WHY_END_OF_LIFE
    assert why["deliverables/epoxy/requirements.yaml", "openstack/requirements"] == (
        "this file releases nothing of it and gives no name, and other files name it "
        "openstack_requirements: its base name is not guessed")
    assert why["deliverables/ocata/requirements.yaml", "openstack/requirements"] == ""
    assert why["deliverables/flamingo/openstack-ansible.yaml",
               "openstack/openstack-ansible"] == WHY_LINK_NONE
    assert why["deliverables/_independent/tripleo-repos.yaml", "openstack/tripleo-repos"] == (
        "" if project_config else WHY_LINK_NONE)
    assert why["deliverables/_independent/puppet-pacemaker.yaml",
               "openstack/puppet-pacemaker"].startswith("release type puppet")


def test_end_of_life_tags_are_not_releases():
    projects = derive_managed_set(RELEASES, PROJECT_CONFIG).projects
    assert projects["openstack-requirements"].versions == {"1.0.0"}
    assert projects["openstack-requirements"].sources == {
        "deliverables/ocata/requirements.yaml: openstack/requirements"}


@pytest.mark.parametrize("version, end_of_life", [
    ("ocata-eol", True), ("2023.1-eom", True), ("rocky-em", True), ("zed-last", True),
    ("1.0.0", False), ("11.0.0.0rc1", False), ("1.0.0-emily", False), (None, False),
])
def test_is_end_of_life(version, end_of_life):
    assert is_end_of_life(version) is end_of_life


def test_report_of_the_set():
    report = derive_managed_set(RELEASES, PROJECT_CONFIG).report()
    assert report["project_config_checked"] is True
    assert report["sources"]["nova"] == ["openstack/nova: deliverables/flamingo/nova.yaml"]
    assert source_lines({"deliverables/a/n.yaml: o/n", "deliverables/b/n.yaml: o/n",
                         "extra_projects"}) == ["extra_projects", "o/n: deliverables/{a,b}/n.yaml"]


@pytest.mark.parametrize("deliverable, publishers, expected", [
    # release-type decides
    ({"release-type": "puppet", "type": "library"}, None, []),
    ({"release-type": "python-pypi", "team": "x"}, {"o/puppet-x": "puppet"}, ["puppet-x"]),
    # then type, then include-pypi-link, then what the repository is
    ({"type": "library"}, {"o/puppet-x": "puppet"}, ["puppet-x"]),
    ({"type": "other", "include-pypi-link": True}, {"o/puppet-x": "npm"}, ["puppet-x"]),
    ({"type": "other"}, {"o/puppet-x": "npm"}, []),
    ({"type": "other"}, {"o/puppet-x": "pypi"}, ["puppet-x"]),
    # named by project-config without a publishing template: a puppet-* repository
    ({"type": "other"}, {"o/puppet-x": None}, []),
    # cycle-trailing makes the type "trailing", as in openstack/releases
    ({"type": "library", "release-model": "cycle-trailing"}, {"o/puppet-x": "puppet"}, []),
    # not named by project-config: a puppet-* repository is a puppet module,
    # whatever its team (puppet-tripleo, puppet-pacemaker)
    ({"type": "other", "team": "Puppet OpenStack"}, None, []),
    ({"type": "other", "team": "Puppet OpenStack"}, {}, []),
    ({"type": "other", "team": "tripleo"}, None, []),
    # artifact-link-mode: none publishes to PyPI only with a PyPI job
    ({"type": "library", "artifact-link-mode": "none"}, None, []),
    ({"type": "library", "artifact-link-mode": "none"}, {"o/puppet-x": "pypi"}, ["puppet-x"]),
    ({"type": "other", "release-model": "untagged"}, None, []),
])
def test_kind_of_a_repository(deliverable, publishers, expected):
    data = dict(deliverable, **{"repository-settings": {"o/puppet-x": {}}})
    found = projects_of_deliverable(data, "puppet-x", publishers)
    assert [name for name, _repo, _versions, _retired in found] == expected


def test_newest_release_entry_with_a_tarball_base_wins_over_repository_settings():
    found = projects_of_deliverable({
        "type": "library",
        "repository-settings": {"o/a": {"tarball-base": "settings-name"}},
        "releases": [
            {"version": "1", "projects": [{"repo": "o/a", "tarball-base": "old"}]},
            {"version": "2", "projects": [{"repo": "o/a", "tarball-base": "new"}]},
            {"version": "3", "projects": [{"repo": "o/a"}]},
        ]})
    assert [name for name, *_rest in found] == ["new"]


# Deliverables are checked before anything is derived (issue 10, item 13).

def releases_checkout(tmp_path, files, schema=True):
    deliverables = tmp_path / "deliverables" / "epoxy"
    deliverables.mkdir(parents=True)
    for name, text in files.items():
        (deliverables / name).write_text(text)
    if schema:
        (tmp_path / "openstack_releases").mkdir()
        (tmp_path / SCHEMA_FILE).write_text(
            (RELEASES / SCHEMA_FILE).read_text(encoding="utf-8"))
    return tmp_path


GOOD = "team: t\ntype: library\n"
REPO = "repository-settings:\n  o/a: {}\n"


def problems_of(tmp_path, files, schema=True):
    with pytest.raises(DeliverablesError) as caught:
        derive_managed_set(releases_checkout(tmp_path, files, schema))
    return caught.value.problems


@pytest.mark.parametrize("schema", [True, False])
def test_unquoted_version_is_an_error_naming_the_file(tmp_path, schema):
    problems = problems_of(tmp_path, {"a.yaml": GOOD + (
        "releases:\n  - version: 1.10\n    projects:\n"
        "      - {repo: o/a, hash: '1111'}\n")}, schema)
    assert len(problems) == 1
    assert problems[0].startswith(str(tmp_path / "deliverables" / "epoxy" / "a.yaml"))
    assert "releases[0].version: 1.1 is read by YAML as a float" in problems[0]
    assert "quote it" in problems[0]


@pytest.mark.parametrize("text, expected", [
    ("team: t\ntype: library\nrepository-settings: [o/a]\n",
     "repository-settings: expected a mapping of repositories, got ['o/a']"),
    ("team: t\ntype: library\nreleases: {version: '1'}\n",
     "releases: expected a list, got {'version': '1'}"),
    ("team: t\ntype: library\nreleases:\n  - version: '1'\n    projects: [o/a]\n",
     "releases[0].projects[0]: expected a mapping, got 'o/a'"),
    ("team: t\ntype: library\nreleases:\n  - version: '1'\n    projects:\n      - {hash: '1'}\n",
     "releases[0].projects[0].repo: expected a repository name, got None"),
    ("team: t\ntype: library\nrepository-settings:\n  o/a: {pypi-name: [x]}\n",
     "repository-settings.o/a.pypi-name: expected a string, got ['x']"),
    ("team: t\ntype: library\nrelease-type: [python-pypi]\n",
     "release-type: expected a string, got ['python-pypi']"),
    ("team: t\ntype: library\ninclude-pypi-link: 'yes'\n",
     "include-pypi-link: expected true or false, got 'yes'"),
])
def test_wrong_types_are_problems_not_crashes(tmp_path, text, expected):
    problems = problems_of(tmp_path, {"a.yaml": text}, schema=False)
    assert problems == [f"{tmp_path / 'deliverables' / 'epoxy' / 'a.yaml'}: {expected}"]


def test_schema_failures_name_each_file(tmp_path):
    problems = problems_of(tmp_path, {
        "a.yaml": GOOD + "typo-key: 1\n",
        "b.yaml": "team: t\ntype: Library\n",
        "c.yaml": "type: library\n",
        "d.yaml": GOOD,
    })
    assert [Path(p.split(":", 1)[0]).name for p in problems] == ["a.yaml", "b.yaml", "c.yaml"]
    assert "'typo-key' was unexpected" in problems[0]
    assert "type: 'Library' is not one of" in problems[1]
    assert "'team' is a required property" in problems[2]
    assert all(p.endswith("(openstack_releases/schema.yaml)") for p in problems)


def test_without_a_schema_only_the_keys_read_are_checked(tmp_path):
    checkout = releases_checkout(tmp_path, {"a.yaml": GOOD + REPO + "typo-key: 1\n"},
                                 schema=False)
    assert set(derive_managed_set(checkout).projects) == {"a"}


def test_yml_file_is_reported(tmp_path):
    problems = problems_of(tmp_path, {"a.yaml": GOOD, "b.yml": GOOD})
    assert problems == [f"{tmp_path / 'deliverables' / 'epoxy' / 'b.yml'}: a deliverable "
                        "file must end in .yaml; openstack/releases ignores this one: rename "
                        "or remove it"]


@pytest.mark.parametrize("kind, projects, outcome", [
    ("Python-PyPI", {"a"}, "read as python-pypi"),
    ("rust-crate", set(), "its repositories are left out of the managed set"),
])
def test_unknown_release_type_is_a_warning(tmp_path, kind, projects, outcome):
    checkout = releases_checkout(tmp_path, {"a.yaml": GOOD + REPO + f"release-type: {kind}\n"})
    managed = derive_managed_set(checkout)
    assert set(managed.projects) == projects
    assert managed.warnings[0] == (
        f"{checkout / 'deliverables' / 'epoxy' / 'a.yaml'}: release-type {kind!r} is not "
        f"one openstack/releases knows: {outcome}")


def test_flags_written_as_text_are_read_as_openstack_releases_reads_them(tmp_path):
    checkout = releases_checkout(tmp_path, {"a.yaml": GOOD + (
        "repository-settings:\n  o/a:\n    flags:\n      -retired\n")})
    managed = derive_managed_set(checkout)
    assert managed.projects["a"].retired
    assert "flags: '-retired' is text, not a list" in managed.warnings[0]


def test_every_problem_is_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, {"a.yaml": "team: [unclosed\n", "b.yaml": "- x\n",
                                      "c.yaml": GOOD + "releases:\n  - version: 2\n"
                                                       "    projects: []\n"})
    assert [Path(p.split(":", 1)[0]).name for p in problems] == ["a.yaml", "b.yaml", "c.yaml"]


def test_broken_schema_is_an_error_naming_it(tmp_path):
    checkout = releases_checkout(tmp_path, {"a.yaml": GOOD}, schema=False)
    (checkout / "openstack_releases").mkdir()
    (checkout / SCHEMA_FILE).write_text("- not a schema\n")
    with pytest.raises(DeliverablesError, match="schema.yaml: the deliverable schema must be"):
        derive_managed_set(checkout)
