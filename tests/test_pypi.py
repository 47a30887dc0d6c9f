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

"""The HTTP client and the PyPI readers against the fake PyPI on 127.0.0.1."""

import threading
import time

import pytest
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient, RateLimiter
from ansible.module_utils.pypi_guard.pypi import fetch_ownership, package_roles

from tests.support.fakepypi import FakePyPI

RELEASE = {"releases": {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}}


def project(roles, **extra):
    return dict(RELEASE, roles=roles, **extra)


@pytest.fixture
def client():
    with HttpClient(concurrency=4, rate_limit=0, timeout=2, retries=2, backoff=0.05) as c:
        yield c


def serve(projects, **scenario):
    return FakePyPI(dict(scenario, projects=projects))


def test_roles_from_json_ownership(client):
    with serve({"oslo.config": project([["Owner", "openstackci"], ["Maintainer", "x"]],
                                       organization="openstack")}) as pypi:
        ownership = fetch_ownership(client, pypi.url, "oslo.config")
        assert ownership.exists and ownership.source == "json"
        assert sorted(ownership.roles) == [("Maintainer", "x"), ("Owner", "openstackci")]
        assert ownership.organization == "openstack"
        # asked by normal name, so no redirect and no XML-RPC call
        assert [(r.endpoint, r.path) for r in pypi.requests] == [
            ("json", "/pypi/oslo-config/json")]


def test_xmlrpc_only_without_ownership_key(client):
    with serve({"nova": project([["Owner", "openstackci"]], ownership=False)}) as pypi:
        ownership = fetch_ownership(client, pypi.url, "nova")
        assert ownership.source == "package_roles"
        assert ownership.roles == [("Owner", "openstackci")]
        assert [r.endpoint for r in pypi.requests] == ["json", "xmlrpc"]


def test_project_without_releases_exists_through_its_roles(client):
    with serve({"empty": {"roles": [["Owner", "mallory"]],
                          "exists_without_releases": True}}) as pypi:
        ownership = fetch_ownership(client, pypi.url, "empty")
        assert ownership.exists
        assert ownership.roles == [("Owner", "mallory")]


def test_unknown_project_does_not_exist(client):
    with serve({}) as pypi:
        ownership = fetch_ownership(client, pypi.url, "nobody-registered-this")
        assert not ownership.exists and ownership.roles == []


def test_retry_after_is_honoured(client):
    faults = {"json": {"status": 429, "retry_after": 1, "times": 1}}
    with serve({"nova": project([["Owner", "openstackci"]], faults=faults)}) as pypi:
        started = time.monotonic()
        assert fetch_ownership(client, pypi.url, "nova").roles == [("Owner", "openstackci")]
        assert time.monotonic() - started >= 1.0
        assert [r.status for r in pypi.requests] == [429, 200]


@pytest.mark.parametrize("fault, message", [
    ({"status": 429, "retry_after": 0}, "HTTP 429 after 3 attempts"),
    ({"status": 503}, "HTTP 503 after 3 attempts"),
    ({"delay": 3}, "timed out after 2 s after 3 attempts"),
    ({"malformed": True}, "malformed JSON"),
])
def test_persistent_failures_are_errors(client, fault, message):
    with serve({"nova": project([["Owner", "openstackci"]], faults={"json": fault})}) as pypi:
        with pytest.raises(FetchError, match=message):
            fetch_ownership(client, pypi.url, "nova")


def test_too_long_retry_after_is_an_error_at_once():
    with HttpClient(rate_limit=0, retries=3, max_retry_after=5) as client, \
            serve({"nova": project([], faults={"json": {"status": 429,
                                                         "retry_after": 3600}})}) as pypi:
        with pytest.raises(FetchError, match="asked to wait 3600 s"):
            fetch_ownership(client, pypi.url, "nova")
        assert len(pypi.requests) == 1


def test_xmlrpc_rate_limit_fault_is_retried(client):
    faults = {"xmlrpc": {"rate_limited": True, "retry_after": 1, "times": 1}}
    with serve({"nova": project([["Owner", "openstackci"]], ownership=False,
                                faults=faults)}) as pypi:
        assert package_roles(client, pypi.url, "nova") == [["Owner", "openstackci"]]
        assert [r.endpoint for r in pypi.requests] == ["xmlrpc", "xmlrpc"]


def test_persistent_xmlrpc_rate_limit_is_an_error(client):
    faults = {"xmlrpc": {"rate_limited": True, "retry_after": 0}}
    with serve({"nova": project([], ownership=False, faults=faults)}) as pypi:
        with pytest.raises(FetchError, match="rate limited by the index after 3 attempts"):
            package_roles(client, pypi.url, "nova")


def test_malformed_xmlrpc_is_an_error(client):
    with serve({"nova": project([], ownership=False,
                                faults={"xmlrpc": {"malformed": True}})}) as pypi:
        with pytest.raises(FetchError, match="not a valid XML-RPC answer"):
            package_roles(client, pypi.url, "nova")


def test_xmlrpc_entity_expansion_is_refused(client):
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<methodResponse><params><param><value><string>&b;</string></value>'
            '</param></params></methodResponse>')
    with serve({"nova": project([], ownership=False,
                                faults={"xmlrpc": {"status": 200, "body": bomb}})}) as pypi:
        with pytest.raises(FetchError, match="not a valid XML-RPC answer"):
            package_roles(client, pypi.url, "nova")


def test_concurrency_is_bounded():
    in_flight, peak, lock = 0, 0, threading.Lock()

    def work(item):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        return item * 2

    with HttpClient(concurrency=3) as client:
        results = client.map(work, range(20))
    assert peak == 3
    assert [result for _item, result, _error in results] == [i * 2 for i in range(20)]


def test_map_hands_back_exceptions():
    def work(item):
        if item == 2:
            raise FetchError("boom")
        return item

    with HttpClient(concurrency=2) as client:
        errors = [(item, str(error)) for item, _r, error in client.map(work, range(4)) if error]
    assert errors == [(2, "boom")]


def test_rate_limiter_spaces_requests():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(round(seconds, 3))
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert sleeps == [0.25, 0.25, 0.25]
    limiter.pause(10)
    limiter.wait()
    assert sleeps[-1] == pytest.approx(10.0)


def test_rate_ceiling_holds_against_the_server():
    with serve({f"p{i}": project([["Owner", "openstackci"]]) for i in range(6)}) as pypi, \
            HttpClient(concurrency=6, rate_limit=20) as client:
        started = time.monotonic()
        client.map(lambda name: fetch_ownership(client, pypi.url, name),
                   [f"p{i}" for i in range(6)])
        assert time.monotonic() - started >= 5 / 20
