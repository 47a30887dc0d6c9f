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

"""The changelog watch playbook run as a Zuul executor runs it (zuulrun.py):
the state it writes in the log root is returned, with Zuul's own
zuul_return, as the artifact the next build reads."""

import json
import time

import pytest

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

from tests.support.fakepypi import FakePyPI  # noqa: E402
from tests.support.signed_releases import REPOS  # noqa: E402
from tests.support.zuulrun import ZuulJobDir  # noqa: E402

NOW = int(time.time())


def test_the_watch_hands_its_state_on_as_zuul_runs_it(tmp_path, world, tarballs, scratch,
                                                      monkeypatch):
    monkeypatch.setenv("TMPDIR", str(scratch))  # gpg-agent socket paths are limited
    jobdir = ZuulJobDir(tmp_path, world.releases, job="pypi-watch")
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    scenario = world.scenario(list(REPOS))
    scenario["changelog"] = {"entries": [["nova", "2.0.0", NOW - 600, "new release"],
                                         ["somebody-else", "1.0", NOW - 600, "new release"]]}
    with FakePyPI(scenario) as pypi:
        result = jobdir.run("playbooks/pypi-watch/run.yaml", {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_allowlist_file": str(allowlist),
            "pypi_guard_signature_url": tarballs.url + "/{namespace}/{repo}/{filename}.asc",
            "pypi_guard_retries": 0,
            "pypi_watch_since_serial": 0,
        })
    assert result.returncode == 0, result.output
    state = json.loads((jobdir.logs / "pypi-watch-state.json").read_text())
    assert state["serial"] == 2
    artifacts = {artifact["name"]: artifact for artifact in jobdir.artifacts()}
    assert artifacts["pypi-watch-state"] == {
        "name": "pypi-watch-state", "url": "pypi-watch-state.json",
        "metadata": {"type": "pypi_watch_state", "serial": 2}}
    # the reports' artifacts, returned by return-audit-reports, are kept beside it
    assert {"pypi-watch.html", "pypi-watch.json"} <= {a["url"] for a in artifacts.values()}
