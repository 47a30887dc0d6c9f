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

"""The signature audit playbook run as a Zuul executor runs it (zuulrun.py)."""

import json

import pytest

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

from tests.support.fakepypi import FakePyPI  # noqa: E402
from tests.support.signed_releases import CLEAN_PROJECTS  # noqa: E402
from tests.support.zuulrun import ZuulJobDir  # noqa: E402


def test_signature_audit_as_zuul_runs_it(tmp_path, world, tarballs):
    jobdir = ZuulJobDir(tmp_path, world.releases, job="release-signature-audit")
    with FakePyPI(world.scenario(CLEAN_PROJECTS)) as pypi:
        result = jobdir.run("playbooks/release-signature-audit/run.yaml", {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_projects": CLEAN_PROJECTS,
            "pypi_guard_signature_url":
                tarballs.url + "/{namespace}/{repo}/{filename}.asc",
            "release_signature_audit_scope": "all",
        })
    assert result.returncode == 0, result.output
    report = json.loads((jobdir.logs / "release-signature-audit.json").read_text())
    assert report["status"] == "clean" and report["files_checked"] > 0
    urls = {artifact["url"] for artifact in jobdir.artifacts()}
    assert {"release-signature-audit.html", "release-signature-audit.json"} <= urls
    assert all((jobdir.logs / url).is_file() for url in urls)
