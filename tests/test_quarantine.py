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

"""Quarantine is loud (issue 19): what PyPI hides is named, never passed over.

Warehouse hides a quarantined project from the JSON API (404) while its RSS
feed, its simple page (``project-status: quarantined``) and ``package_roles``
still answer, and a quarantined release from the JSON and simple APIs only.
The fake PyPI does the same (tests/warehouse checks both against Warehouse).
"""

import pytest
from ansible.module_utils.pypi_guard.cache import ConditionalCache
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.pypi import (
    ProjectQuarantined,
    fetch_json,
    fetch_ownership,
    project_status,
)
from ansible.module_utils.pypi_guard.pypi_release_audit import audit_releases, fetch_releases
from ansible.module_utils.pypi_guard.release_signature_audit import hidden_versions

from tests.support.fakepypi import FakePyPI

OWNER = [["Owner", "openstackci"]]


def released(name, *versions, quarantined=()):
    return {version: {"upload_time": f"2025-0{n + 1}-01T00:00:00",
                      "quarantined": version in quarantined,
                      "files": [{"filename": f"{name}-{version}.tar.gz", "content": version}]}
            for n, version in enumerate(versions)}


@pytest.fixture
def client():
    with HttpClient(concurrency=2, rate_limit=0, timeout=5, retries=0) as c:
        yield c


@pytest.fixture
def pypi():
    scenario = {"projects": {
        "frozen": {"roles": OWNER, "quarantined": True, "releases": released("frozen", "1.0.0")},
        "held": {"roles": OWNER, "releases": released("held", "1.0.0", "2.0.0",
                                                      quarantined=("2.0.0",))},
        "placeholder": {"roles": OWNER, "exists_without_releases": True},
    }}
    with FakePyPI(scenario) as server:
        yield server


def test_project_status_tells_quarantined_from_unknown(client, pypi):
    assert project_status(client, pypi.url, "frozen") == "quarantined"
    assert project_status(client, pypi.url, "held") == "active"
    assert project_status(client, pypi.url, "nobody") is None


def test_a_quarantined_project_is_an_error_never_unknown(client, pypi):
    with pytest.raises(ProjectQuarantined, match="frozen is quarantined on PyPI"):
        fetch_json(client, pypi.url, "frozen")
    # the maintainer audit does not fall back to package_roles' cached roles
    with pytest.raises(ProjectQuarantined):
        fetch_ownership(client, pypi.url, "frozen")
    assert "xmlrpc" not in [r.endpoint for r in pypi.requests]
    # a project without a release is still read from package_roles, and says so
    ownership = fetch_ownership(client, pypi.url, "placeholder")
    assert ownership.exists and ownership.source == "package_roles"
    assert fetch_json(client, pypi.url, "nobody") is None


def test_the_release_audit_names_a_quarantined_project(client, pypi):
    with pytest.raises(ProjectQuarantined, match="frozen is quarantined"):
        fetch_releases(client, ConditionalCache(), pypi.url, "frozen")


def test_the_release_audit_finds_a_hidden_release(client, pypi):
    releases = fetch_releases(client, ConditionalCache(), pypi.url, "held")
    assert releases.hidden == ["2.0.0"]
    findings, _warnings = audit_releases(pypi.url, releases, {"1.0.0", "2.0.0"}, {})
    assert [(f.kind, f.version) for f in findings] == [("hidden-release", "2.0.0")]
    assert "quarantined" in findings[0].detail


def test_the_signature_audit_names_each_hidden_version(client, pypi):
    document = fetch_json(client, pypi.url, "held")
    assert list(document["releases"]) == ["1.0.0"]
    assert hidden_versions(client, pypi.url, "held", document) == ["2.0.0"]


def test_a_stale_json_document_is_not_a_hidden_release(client):
    """A version the feed lists that the project's JSON lacks but whose own
    JSON page answers (a cached document older than the feed) is not hidden."""
    scenario = {"projects": {"fresh": {"releases": released("fresh", "1.0.0", "2.0.0")}}}
    with FakePyPI(scenario) as pypi:
        stale = {"info": {"name": "fresh"}, "releases": {"1.0.0": []}}
        assert hidden_versions(client, pypi.url, "fresh", stale) == []
