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

"""The version a release job signs and uploads, as the roles' vars make it
from what Zuul gives: zuul.tag, or the tag of zuul.ref (Zuul's git driver
gives a tag event as refs/tags/<tag> and no zuul.tag); and the test mode,
refused under Zuul and required by hand."""

import json

import pytest

from tests.support.playbook import ROOT, run_playbook

ZUUL = {"project": {"short_name": "oslo.config"}, "executor": {"work_root": "/w"}}


@pytest.mark.parametrize("role", ["release-python-signed"])
@pytest.mark.parametrize("zuul, expected", [
    (dict(ZUUL, tag="2.0"), "2.0"),
    (dict(ZUUL, tag=None, ref="refs/tags/1.0.0"), "1.0.0"),
    (dict(ZUUL, ref="refs/heads/master"), ""),
    (None, ""),
])
def test_release_version_default(tmp_path, role, zuul, expected):
    playbook = tmp_path / "show.yaml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [str(ROOT / "roles" / role / "vars" / "main.yaml")],
        "tasks": [{"ansible.builtin.debug": {"msg": "<{{ _release_tag }}>"}}]}]))
    # release_python_signed_version is test mode's: under Zuul it changes nothing
    result = run_playbook(playbook, dict({"zuul": zuul} if zuul else {},
                                         release_python_signed_version="6.6.6"))
    assert result.returncode == 0, result.output
    assert f'"msg": "<{expected}>"' in result.output


@pytest.mark.parametrize("role", ["release-python-signed"])
@pytest.mark.parametrize("zuul, test_mode, problem", [
    (dict(ZUUL, tag="2.0"), False, ""),
    (dict(ZUUL, tag="2.0"), True, "release_python_signed_test_mode is for hand runs and tests only"),
    (None, True, ""),
    (None, False, "outside Zuul, set release_python_signed_test_mode: true"),
])
def test_the_test_mode_only_by_hand(tmp_path, role, zuul, test_mode, problem):
    playbook = tmp_path / "show.yaml"
    playbook.write_text(json.dumps([{
        "hosts": "localhost", "gather_facts": False,
        "vars_files": [str(ROOT / "roles" / role / "defaults" / "main.yaml"),
                       str(ROOT / "roles" / role / "vars" / "main.yaml")],
        "tasks": [{"ansible.builtin.debug": {"msg": "<{{ _release_problem }}>"}}]}]))
    extra = {"release_python_signed_test_mode": test_mode}
    if zuul:
        extra["zuul"] = zuul
    result = run_playbook(playbook, extra)
    assert result.returncode == 0, result.output
    shown = result.output.split('"msg": "<', 1)[1].split(">", 1)[0]
    assert shown.startswith(problem) and bool(shown) == bool(problem), shown
