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

"""The release account's reach (XML-RPC user_packages) joined with the
derived set, against the fake PyPI on 127.0.0.1: every class."""

import xmlrpc.client
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.allowlist import MaintainersAllowlist
from ansible.module_utils.pypi_guard.audit import select_projects
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.pypi import user_packages
from ansible.module_utils.pypi_guard.reach import guard_reach

from tests.support.fakepypi import FakePyPI

MANAGED = Path(__file__).parent / "fixtures" / "managed-set"
RELEASE = {"releases": {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}}
OWNER = [["Owner", "openstackci"]]

# The fixture set (with project-config): keystoneauth1, nova,
# openstack_requirements, puppet-openstack-integration, python-watcher,
# Tempest, tripleo-repos.
REACH = {
    "keystoneauth1": dict(RELEASE, roles=OWNER),  # managed
    "nova": dict(RELEASE, roles=[["Maintainer", "openstackci"], ["Owner", "nova-core"]]),
    "Tempest": dict(RELEASE, roles=OWNER),  # managed
    "openstack_requirements": dict(RELEASE, roles=OWNER),
    "puppet-openstack-integration": dict(RELEASE, roles=OWNER),
    "python-foo": dict(RELEASE, roles=OWNER),  # account-only
    "old-thing": dict(RELEASE, roles=OWNER),  # account-only, ignored
    "tripleo-repos": dict(RELEASE, roles=[["Owner", "someone"]]),  # without-account
    # python-watcher: not on PyPI at all (not-published)
}


@pytest.fixture
def client():
    with HttpClient(concurrency=4, rate_limit=0, timeout=2, retries=1, backoff=0.05) as c:
        yield c


def allowlist(**extra):
    return MaintainersAllowlist(required_owners=["openstackci"], **extra)


def selection_for(policy):
    return select_projects(MANAGED / "releases", [], policy.extra_projects,
                           policy.ignored_projects, MANAGED / "project-config")


def test_user_packages_is_one_request(client):
    with FakePyPI({"projects": REACH}) as pypi:
        found = user_packages(client, pypi.url, "openstackci")
        assert [r.endpoint for r in pypi.requests] == ["xmlrpc"]
    assert sorted(found) == sorted(
        [["Owner", name] for name in ("keystoneauth1", "Tempest", "openstack_requirements",
                                      "puppet-openstack-integration", "python-foo",
                                      "old-thing")] + [["Maintainer", "nova"]])


def test_every_class(client):
    policy = allowlist(ignored_projects={"old-thing": "retired long ago"})
    selection = selection_for(policy)
    with FakePyPI({"projects": REACH}) as pypi:
        assert guard_reach(client, pypi.url, selection, policy)
        # one user_packages, then one JSON request per named project outside
        # the reach (tripleo-repos; python-watcher: 404, then its simple page
        # to tell a quarantined project from an unknown one, then package_roles)
        assert sorted(r.endpoint for r in pypi.requests) == [
            "json", "json", "simple", "xmlrpc", "xmlrpc"]
    kinds = {name: project.kind for name, project in selection.projects.items()}
    assert kinds == {
        "keystoneauth1": "managed", "nova": "managed", "openstack-requirements": "managed",
        "puppet-openstack-integration": "managed", "tempest": "managed",
        "python-foo": "account-only", "tripleo-repos": "without-account"}
    assert selection.not_published == ["python-watcher"]
    assert selection.projects["python-foo"].sources == {"user_packages: Owner (openstackci)"}
    assert [(w.project, w.kind) for w in selection.reach_warnings] == [
        ("python-foo", "unlisted-project"), ("python-watcher", "unregistered-name")]
    assert selection.reach_warnings[0].line().startswith(
        "python-foo: unlisted-project: the release account openstackci holds Owner on this "
        "project, but no deliverable names it")
    assert selection.reach_errors == []
    report = selection.report()
    assert report["required_owners"] == ["openstackci"]
    assert report["classes"]["python-watcher"] == "not-published"
    assert report["class_counts"] == {"account-only": 1, "managed": 5, "not-published": 1,
                                      "without-account": 1}


def test_extra_projects_settles_an_account_only_project(client):
    policy = allowlist(extra_projects={"python-foo": "python-foo"})
    selection = selection_for(policy)
    with FakePyPI({"projects": REACH}) as pypi:
        guard_reach(client, pypi.url, selection, policy)
    assert selection.projects["python-foo"].kind == "managed"
    # old-thing is not settled: still warned about
    assert [w.project for w in selection.reach_warnings if w.kind == "unlisted-project"] == [
        "old-thing"]


@pytest.mark.parametrize("fault, why", [
    ({"rate_limited": True, "retry_after": 0}, "rate limited"),
    ({"malformed": True}, "not a valid XML-RPC answer"),
    ({"status": 500}, "500"),
])
def test_a_reach_that_cannot_be_read_fails_the_run(client, fault, why):
    policy = allowlist()
    selection = selection_for(policy)
    with FakePyPI({"projects": REACH, "faults": {"xmlrpc": fault}}) as pypi:
        assert not guard_reach(client, pypi.url, selection, policy)
    assert selection.projects == {}
    [error] = selection.reach_errors
    assert error["project"] == "(every project)"
    assert error["detail"].startswith(
        "the release account's reach could not be read (XML-RPC user_packages('openstackci'):")
    assert why in error["detail"]
    assert "nothing was audited" in error["detail"]


def test_an_answer_of_the_wrong_shape_is_refused(client):
    body = ("<?xml version='1.0'?><methodResponse><params><param><value><array><data>"
            "<value><string>nova</string></value></data></array></value></param></params>"
            "</methodResponse>")
    with FakePyPI({"projects": REACH, "faults": {"xmlrpc": {"status": 200, "body": body}}}
                  ) as pypi, pytest.raises(FetchError, match="unexpected answer"):
        user_packages(client, pypi.url, "openstackci")


@pytest.mark.parametrize("name", ["../../admin", "nova/json", "x\ny", "-x"])
def test_a_name_that_is_no_project_name_fails_the_reach(client, name):
    body = xmlrpc.client.dumps(([["Owner", name]],), methodresponse=True)
    policy = allowlist()
    selection = selection_for(policy)
    with FakePyPI({"projects": REACH, "faults": {"xmlrpc": {"status": 200, "body": body}}}
                  ) as pypi:
        assert not guard_reach(client, pypi.url, selection, policy)
        assert [r.endpoint for r in pypi.requests] == ["xmlrpc"]  # nothing fetched with it
    assert "is not a PyPI project name" in selection.reach_errors[0]["detail"]


def test_an_index_that_knows_none_of_the_names_is_an_error(client):
    policy = allowlist()
    selection = selection_for(policy)
    with FakePyPI({"projects": {}}) as pypi:
        assert guard_reach(client, pypi.url, selection, policy)
        assert [e["project"] for e in selection.reach_errors] == ["(every project)"]
        assert f"{pypi.url} does not know 7 of the 7 managed projects" in (
            selection.reach_errors[0]["detail"])


def test_without_a_release_account_the_reach_is_not_read_and_it_says_so(client):
    policy = MaintainersAllowlist()
    selection = selection_for(policy)
    with FakePyPI({"projects": REACH}) as pypi:
        assert guard_reach(client, pypi.url, selection, policy)
        assert pypi.requests == []
    assert "the release account's reach was not read" in selection.warnings[-1]


# The watcher: the reach read at most hourly, kept in its state.

def test_the_watcher_reads_the_reach_at_most_hourly(client):
    from ansible.module_utils.pypi_guard.reach import REACH_MAX_AGE, watched_reach
    with FakePyPI({"projects": REACH}) as pypi:
        cache = watched_reach(client, pypi.url, ["openstackci"], None, 1000)
        assert cache["read_at"] == 1000
        assert cache["projects"]["python-foo"] == ["python-foo", [["openstackci", "Owner"]]]
        assert watched_reach(client, pypi.url, ["openstackci"], cache,
                             1000 + REACH_MAX_AGE - 1) is cache
        assert len(pypi.requests) == 1
        # an hour later, or for other accounts, or from a clock that went back
        for now, accounts in ((1000 + REACH_MAX_AGE, ["openstackci"]),
                              (1001, ["openstackci", "other"]), (999, ["openstackci"])):
            assert watched_reach(client, pypi.url, accounts, cache, now) is not cache
        assert len(pypi.requests) == 5


def test_the_reach_survives_the_state_round_trip(client):
    from ansible.module_utils.pypi_guard.reach import watched_reach
    from ansible.module_utils.pypi_guard.watch_state import WatchState, parse_state
    with FakePyPI({"projects": REACH}) as pypi:
        cache = watched_reach(client, pypi.url, ["openstackci"], None, 1000)
    state = WatchState(5, [], cache)
    assert parse_state(state.as_dict(), "state") == state
    assert "reach" not in WatchState(5, []).as_dict()


@pytest.mark.parametrize("kept", [
    None, [], {"read_at": "1", "accounts": [], "projects": {}},
    {"read_at": True, "accounts": [], "projects": {}},
    {"read_at": 1, "accounts": [1], "projects": {}},
    {"read_at": 1, "accounts": [], "projects": {"nova": ["Nova-Other", []]}},
    {"read_at": 1, "accounts": [], "projects": {"nova": ["nova", [["a"]]]}},
    {"read_at": 1, "accounts": [], "projects": {"-/x": ["../x", []]}},
    {"read_at": 1, "accounts": [], "projects": {}, "more": 1},
])
def test_a_malformed_kept_reach_is_read_again(kept):
    from ansible.module_utils.pypi_guard.reach import parse_reach_cache
    from ansible.module_utils.pypi_guard.watch_state import parse_state
    assert parse_reach_cache(kept) is None
    assert parse_state({"version": 1, "serial": 5, "pending": [], "reach": kept},
                       "state").reach is None


def test_add_reach_gives_classes():
    from ansible.module_utils.pypi_guard.deliverables import ManagedProject
    from ansible.module_utils.pypi_guard.reach import add_reach, reach_cache
    cache = reach_cache({"nova": ("nova", [("openstackci", "Owner")]),
                         "python-foo": ("python_foo", [("openstackci", "Maintainer")]),
                         "old": ("old", [("openstackci", "Owner")])}, ["openstackci"], 1)
    projects = {"nova": ManagedProject("nova", "nova")}
    add_reach(projects, cache, {"old": "retired"})
    assert {name: p.kind for name, p in projects.items()} == {
        "nova": "managed", "python-foo": "account-only"}
    assert projects["python-foo"].sources == {"user_packages: Maintainer (openstackci)"}
