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


"""The servers and helpers the tests, the benchmarks and the demo share.

Importing this package sets up the import paths, once for all of them:
``ROOT`` on ``sys.path`` (so that ``tests.support.*`` imports), each role's
``library/`` (the modules, as the unit tests import them) and the shared
code as ``ansible.module_utils.pypi_guard``, which is how Ansible ships it
to the host.  pytest imports it from ``tests/conftest.py``; the benchmarks
and the demo run as modules from the repository root
(``python -m benchmarks.audit_bench``, ``python -m demo.run_demo``).
"""

import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = ROOT / "roles" / "ensure-pypi-guard" / "module_utils"
LIBRARIES = sorted((ROOT / "roles").glob("*/library"))

if str(MODULE_UTILS) not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(MODULE_UTILS))
for _path in (*LIBRARIES, ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
