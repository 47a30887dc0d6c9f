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

"""The watcher's run (pypi_watch.run_watch, what the module calls), called
directly against the fake PyPI in the signature audit's signed world: what a
run asks PyPI, and the state artifact it hands to zuul_return."""

import json
import time

import pytest
from ansible.module_utils.pypi_guard.pypi_watch import run_watch
from ansible.module_utils.pypi_guard.settings import SETTINGS_SPEC

from tests.support.fakepypi import FakePyPI
from tests.support.signed_releases import REPOS

NOW = int(time.time())
OURS = {"job_name": "pypi-watch", "project": "openstack/releases", "pipeline": "watch",
        "branch": "master"}
# a release the deliverables list, and activity on a project nobody manages
QUIET = [["nova", "2.0.0", NOW - 600, "new release"],
         ["somebody-else", "1.0", NOW - 600, "new release"]]


@pytest.fixture
def options(tmp_path, world, tarballs, scratch, monkeypatch):
    """The module's parameters, as AnsibleModule gives them, for a run
    against ``pypi``; ``values`` override them."""
    monkeypatch.setenv("TMPDIR", str(scratch))  # gpg-agent socket paths are limited
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")

    def make(pypi, **values):
        params = {name: spec.get("default") for name, spec in SETTINGS_SPEC.items()}
        params.update({
            "pypi_url": pypi.url, "releases_repo": str(world.releases), "retries": 0,
            "timeout": 5.0, "rate_limit": 0.0, "report_dir": str(tmp_path / "reports"),
            "allowlist": None, "allowlist_file": str(allowlist), "known_releases_file": None,
            "state_file": str(tmp_path / "pypi-watch-state.json"), "zuul_api": None,
            "zuul_build": None, "since_serial": 0, "polls": 1, "interval": 0.0,
            "signature_grace": 30, "series_status_file": None, "keys_dir": None,
            "signature_url": tarballs.url + "/{namespace}/{repo}/{filename}.asc",
            "max_file_size": 1 << 20, "download_timeout": 30.0, "notify_to": [],
            "notify_from": "pypi-guard@localhost", "report_url": ""})
        params.update(values)
        return params
    return make


def scenario(world, entries):
    base = world.scenario(list(REPOS))
    base["changelog"] = {"entries": entries}
    return base


def rpc_methods(pypi):
    return [r.rpc_method for r in pypi.requests if r.endpoint == "xmlrpc"]


def test_a_first_poll_asks_the_last_serial_once_and_a_quiet_one_costs_one_request(
        world, options):
    """The serial the start was checked against is the first poll's end:
    changelog_last_serial once. The next run, with nothing new and the
    release account's reach kept in the state, asks only for it."""
    with FakePyPI(scenario(world, QUIET)) as pypi:
        first = run_watch(options(pypi))
        first_calls = rpc_methods(pypi)
        pypi.reset_log()
        again = run_watch(options(pypi))
        again_calls = rpc_methods(pypi)
        again_requests = len(pypi.requests)
    assert first["status"] == again["status"] == "clean", first["problems"]
    assert first_calls == ["changelog_last_serial", "user_packages", "changelog_since_serial"]
    assert (first["state"]["serial"], first["report"]["events_managed"]) == (2, 1)
    assert again["report"]["start"].startswith("state file ")
    assert again_calls == ["changelog_last_serial"] and again_requests == 1
    assert again["state"]["serial"] == 2


def test_under_zuul_the_state_written_is_returned_as_the_artifact(world, options, tmp_path):
    with FakePyPI(scenario(world, QUIET)) as pypi:
        output = run_watch(options(pypi, zuul_build=dict(OURS)))
    kept = json.loads((tmp_path / "pypi-watch-state.json").read_text())
    assert output["state_artifacts"] == [{
        "name": "pypi-watch-state", "url": "pypi-watch-state.json",
        "metadata": {"type": "pypi_watch_state", "serial": 2}}]
    assert kept["serial"] == output["state"]["serial"] == 2


@pytest.mark.parametrize("values, check_mode", [
    ({}, False),  # by hand: no Zuul to return it to
    ({"zuul_build": dict(OURS)}, True),  # check mode writes no state
    ({"zuul_build": dict(OURS), "since_serial": 99}, False),  # could not start
])
def test_no_state_written_no_artifact(world, options, tmp_path, values, check_mode):
    with FakePyPI(scenario(world, QUIET)) as pypi:
        output = run_watch(options(pypi, **values), check_mode)
    assert output["state_artifacts"] == []
    assert (tmp_path / "pypi-watch-state.json").exists() == (not check_mode and
                                                            "since_serial" not in values)
