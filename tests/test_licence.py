"""Licence headers where OpenStack puts them: first in every Python file of
the modules and their shared code (after the shebang of a module)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = """# Copyright 2026 pypi-guard contributors
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
"""


def test_every_module_and_module_util_has_the_licence_header():
    files = sorted((ROOT / "roles" / "ensure-pypi-guard").rglob("*.py"))
    assert files
    missing = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if text.startswith("#!"):
            text = text.partition("\n")[2]
        if not text.startswith(HEADER):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []
