from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard_deliverables import (
    DeliverablesError,
    derive_managed_projects,
    normalize_name,
    projects_of_deliverable,
    release_type,
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


@pytest.mark.parametrize("name, normal", [
    ("oslo.config", "oslo-config"), ("Tempest", "tempest"), ("glance_store", "glance-store"),
    ("XStatic-Font-Awesome", "xstatic-font-awesome"), ("a..b__c", "a-b-c"),
])
def test_normalize_name(name, normal):
    assert normalize_name(name) == normal


def test_derivation_covers_every_rule():
    projects = derive_managed_projects(FIXTURE)
    assert set(projects) == EXPECTED


def test_derived_project_details():
    projects = derive_managed_projects(FIXTURE)
    assert projects["tempest"].pypi_name == "Tempest"
    assert projects["tempest"].repositories == {"openstack/tempest"}
    assert projects["oslo-config"].pypi_name == "oslo.config"
    assert projects["neutron"].versions == {"26.0.0", "27.0.0"}
    assert projects["neutron"].sources == {"epoxy/neutron.yaml", "flamingo/neutron.yaml"}
    assert projects["heat-translator"].retired
    assert not projects["nova"].retired
    assert projects["xstatic-font-awesome"].namespaces_and_repos == [
        ("openstack", "xstatic-font-awesome")]


def test_unpublished_types_and_flags_are_left_out():
    projects = derive_managed_projects(FIXTURE)
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
        derive_managed_projects(tmp_path)


def test_broken_deliverable_names_the_file(tmp_path):
    (tmp_path / "deliverables" / "epoxy").mkdir(parents=True)
    bad = tmp_path / "deliverables" / "epoxy" / "bad.yaml"
    bad.write_text("team: [unclosed\n")
    with pytest.raises(DeliverablesError, match="bad.yaml"):
        derive_managed_projects(tmp_path)


def test_deliverable_that_is_not_a_mapping(tmp_path):
    (tmp_path / "deliverables" / "epoxy").mkdir(parents=True)
    (tmp_path / "deliverables" / "epoxy" / "list.yaml").write_text("- a\n")
    with pytest.raises(DeliverablesError, match="list.yaml: a deliverable must be a mapping"):
        derive_managed_projects(tmp_path)
