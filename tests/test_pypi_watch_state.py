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


"""Where pypi-watch starts: only from a state a complete build of the running
build's own job, project, pipeline and branch returned (Zuul's REST API,
each answer checked again), or from since_serial when told; never a serial
above PyPI's changelog_last_serial, never a silent restart."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible.module_utils.pypi_guard.changelog import last_serial
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.watch_state import (
    StateError,
    ZuulBuild,
    initial_state,
    zuul_state,
)

from tests.support.fakepypi import FakePyPI

OURS = {"job_name": "pypi-watch", "project": "openstack/releases", "pipeline": "watch",
        "branch": "master"}
JOURNAL = {"entries": [["unmanaged", None, "2025-01-01T00:00:00", "create"]] * 5}


class FakeZuul:
    """Zuul's REST API on 127.0.0.1: ``builds`` answers with ``self.builds``,
    state artifacts at /logs/<uuid>/state.json; ``queries`` keeps every
    builds query's parameters."""

    def __init__(self):
        self.builds, self.states, self.queries = [], {}, []
        zuul = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                if parts.path.endswith("/builds"):
                    zuul.queries.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                    body, status = json.dumps(zuul.builds).encode(), 200
                elif parts.path in zuul.states:
                    body, status = json.dumps(zuul.states[parts.path]).encode(), 200
                else:
                    body, status = b"not found", 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api = f"http://127.0.0.1:{self.server.server_address[1]}/api/tenant/t"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def build(self, uuid, state=None, **fields):
        fields = dict(OURS, **fields)
        build = {"uuid": uuid, "job_name": fields["job_name"], "result": "SUCCESS",
                 "end_time": "2026-12-05T10:00:00", "pipeline": fields["pipeline"],
                 "ref": {"project": fields["project"], "branch": fields["branch"]},
                 "log_url": None, "artifacts": []}
        build.update({k: v for k, v in fields.items() if k in ("result", "end_time")})
        if state is not None:
            path = f"/logs/{uuid}/state.json"
            self.states[path] = {"version": 1, "serial": state, "pending": []}
            build["artifacts"] = [{"name": "pypi-watch-state", "url":
                                   self.api.split("/api/")[0] + path}]
        self.builds.append(build)
        return build

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def zuul():
    fake = FakeZuul()
    yield fake
    fake.close()


def ours(zuul):
    return ZuulBuild(zuul.api, **OURS)


def test_the_state_comes_from_our_own_builds_only(zuul):
    zuul.build("newest")  # could not deliver its alerts: returned no state
    zuul.build("older", state=3, result="FAILURE")
    with HttpClient(retries=0) as client:
        state, uuid = zuul_state(client, ours(zuul))
    assert (state.serial, uuid) == (3, "older")
    assert zuul.queries == [dict(OURS, complete="true", limit="20")]


@pytest.mark.parametrize("other, named", [
    ({"project": "openstack/hostile"}, "project 'openstack/hostile'"),
    ({"pipeline": "check"}, "pipeline 'check'"),
    ({"branch": "stable/x"}, "branch 'stable/x'"),
    ({"job_name": "pypi-watch-hostile"}, "job_name 'pypi-watch-hostile'"),
    ({"result": None}, "not complete"),
    ({"end_time": None}, "not complete"),
])
def test_an_answer_with_any_other_build_is_refused(zuul, other, named):
    """The API's filters are checked again: an API (or a proxy) that answers
    with a build of a proposed change or another project is not trusted."""
    zuul.build("planted", state=2_000_000_000, **other)
    with HttpClient(retries=0) as client, pytest.raises(StateError) as refused:
        zuul_state(client, ours(zuul))
    assert named in str(refused.value) and "refusing its state" in str(refused.value)


def test_a_state_artifact_that_cannot_be_read_is_an_error(zuul):
    build = zuul.build("gone", state=3)
    del zuul.states["/logs/gone/state.json"]
    with HttpClient(retries=0) as client, pytest.raises(Exception, match="404"):
        zuul_state(client, ours(zuul))
    assert build["artifacts"]


def params(pypi, zuul=None, **extra):
    values = {"pypi_url": pypi.url, "state_file": None, "zuul_api": zuul.api if zuul else None,
              "zuul_build": dict(OURS) if zuul else None, "since_serial": None}
    values.update(extra)
    return values


def start(values, client):
    """Where a run with these options starts, against the index's last serial."""
    return initial_state(values, client, last_serial(client, values["pypi_url"]))


def test_a_serial_above_the_journal_is_never_adopted(zuul):
    zuul.build("hostile", state=2_000_000_000)
    with FakePyPI({"projects": {}, "changelog": JOURNAL}) as pypi, \
            HttpClient(retries=0) as client:
        with pytest.raises(StateError, match="serial 2000000000 is above PyPI's "
                                             "changelog_last_serial 5: refusing it"):
            start(params(pypi, zuul), client)
        with pytest.raises(StateError, match="since_serial: serial 99 is above"):
            start(params(pypi, since_serial=99), client)


def test_no_state_is_an_error_unless_since_serial_says_where_to_start(zuul, tmp_path):
    with FakePyPI({"projects": {}, "changelog": JOURNAL}) as pypi, \
            HttpClient(retries=0) as client:
        with pytest.raises(StateError) as refused:
            start(params(pypi, zuul, state_file=str(tmp_path / "no")), client)
        state, how_first = start(params(pypi, zuul, since_serial=4), client)
        zuul.build("ours", state=5)
        found, how = start(params(pypi, zuul, since_serial=1), client)
    assert "no trusted state found (looked in: state file " in str(refused.value)
    assert "the last complete builds of pypi-watch in watch for openstack/releases on " \
           "master" in str(refused.value)
    assert "set pypi_watch_since_serial on the trusted job" in str(refused.value)
    assert state.serial == 4 and "since_serial" in how_first
    assert found.serial == 5 and "the state of build ours" in how
