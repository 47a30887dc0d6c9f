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

import os

from hypothesis import HealthCheck, settings

# The import paths (ROOT, the roles' modules, ansible.module_utils.pypi_guard),
# set up once for the tests, the benchmarks and the demo.
import tests.support  # noqa: F401, I001

# Hypothesis profiles for the property-based tests (tests/test_fuzz.py):
# "ci" (the default) keeps the suite fast; "dev" and "thorough" search longer.
# Choose one with HYPOTHESIS_PROFILE=thorough.
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
