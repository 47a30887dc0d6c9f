import datetime
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.audit import audit_date, select_projects

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
    assert "puppet-tripleo" in selection.projects
    assert any("project-config cross-check did not run" in w for w in selection.warnings)


def test_nothing_to_audit_is_an_error():
    with pytest.raises(ValueError, match="no releases repository and no explicit list"):
        select_projects("", [])


def test_audit_date():
    assert audit_date({"today": "2027-01-02"}) == datetime.date(2027, 1, 2)
    assert audit_date({"today": None}) == datetime.datetime.now(datetime.UTC).date()
