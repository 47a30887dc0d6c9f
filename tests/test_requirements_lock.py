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


"""requirements.lock, which ensure-pypi-guard installs with --require-hashes:
it pins everything requirements.txt asks for, each with its sha256."""

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def locked():
    """``{canonical name: (Version, [sha256])}`` of requirements.lock."""
    text = (ROOT / "requirements.lock").read_text()
    pins = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==(\S+)", block)
        if match:
            pins[canonicalize_name(match[1])] = (
                Version(match[2]), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return pins


def test_the_lock_pins_every_requirement_with_hashes():
    pins = locked()
    assert pins, "requirements.lock pins nothing"
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"requirements.lock does not pin {wanted.name}"
        assert pins[name][0] in wanted.specifier, (wanted, pins[name][0])
    for name, (_version, hashes) in pins.items():
        assert hashes, f"requirements.lock pins {name} without a sha256"

