import datetime
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard_audit import audit_date, select_projects

FIXTURE = Path(__file__).parent / "fixtures" / "releases"


def test_derived_plus_extra_minus_ignored():
    projects = select_projects(FIXTURE, [], extra=["Extra.Thing"], ignored=["oslo_config"])
    assert "extra-thing" in projects and "oslo-config" not in projects
    assert projects["extra-thing"].repositories == set()
    assert projects["nova"].repositories == {"openstack/nova"}
    assert list(projects) == sorted(projects)


def test_explicit_list_replaces_the_derivation_but_keeps_its_details():
    projects = select_projects(FIXTURE, ["Nova", "glance", "tempest"], extra=["x"],
                               ignored=["glance"])
    assert list(projects) == ["nova", "tempest", "x"]
    assert projects["tempest"].pypi_name == "Tempest"
    assert projects["nova"].versions == {"31.0.0"}


def test_explicit_list_without_a_releases_repository():
    projects = select_projects(None, ["oslo.config"])
    assert projects["oslo-config"].pypi_name == "oslo.config"


def test_nothing_to_audit_is_an_error():
    with pytest.raises(ValueError, match="no releases repository and no explicit list"):
        select_projects("", [])


def test_audit_date():
    assert audit_date({"today": "2027-01-02"}) == datetime.date(2027, 1, 2)
    assert audit_date({"today": None}) == datetime.datetime.now(datetime.UTC).date()
