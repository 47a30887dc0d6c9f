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

"""Licence headers where OpenStack puts them: first in every Python file
(after the shebang of a module or a script)."""

import subprocess
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


def test_every_python_file_has_the_licence_header():
    """hacking's H102 checks every Python file: the product's, the tools',
    the tests', the docs'. Empty files (package markers) stay empty."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                             "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    files = sorted(ROOT / name for name in listed.stdout.split()
                   if not (ROOT / name).is_symlink() and (ROOT / name).stat().st_size)
    assert any("ensure-pypi-guard" in str(path) for path in files)
    missing = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if text.startswith("#!"):
            text = text.partition("\n")[2]
        if not text.startswith(HEADER):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []
