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

"""One Zuul for every end-to-end test (see stack.py)."""

import importlib.util
import os

import pytest

# `tox -e zuul-e2e` installs Zuul; elsewhere (py3) these tests are not collected.
if importlib.util.find_spec("zuul") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def zuul_stack():
    from tests.e2e.scenarios import drift_scenario
    from tests.e2e.stack import ZuulStack

    keep = bool(os.environ.get("ZUUL_E2E_KEEP"))
    with ZuulStack(drift_scenario(), keep=keep) as stack:
        print(f"\nzuul e2e stack in {stack.dir}: {stack.timings}")
        yield stack
