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

import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent

# The modules import their shared code as ansible.module_utils.pypi_guard.*,
# which is how Ansible ships it to the host; unit tests reach the same files.
ansible.module_utils.__path__.append(str(ROOT / "roles" / "ensure-pypi-guard" / "module_utils"))
for path in (ROOT / "library", ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


# Hypothesis profiles for the property-based tests (tests/test_fuzz.py):
# "ci" (the default) keeps the suite fast; "dev" and "thorough" search longer.
# Choose one with HYPOTHESIS_PROFILE=thorough.
import os  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
