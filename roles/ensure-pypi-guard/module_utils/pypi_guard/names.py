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

"""PyPI's names and versions, compared as PyPI compares them: project names
in PEP 503 normal form, account names ASCII case-insensitive, versions by
PEP 440."""

from __future__ import annotations

import re

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

# Warehouse's rule for project, user and organization names (the CHECK
# constraints in warehouse/packaging/models.py and accounts/models.py; for
# projects it is also PEP 508's): ASCII letters and digits, with '.', '_' and
# '-' inside. jsonschema applies a pattern with re.search, where '$' would also
# match before a trailing newline: the pattern ends with \Z.
PYPI_NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z"
PYPI_NAME_RE = re.compile(PYPI_NAME_PATTERN)
# Warehouse's limit on user and organization names (both "account names").
ACCOUNT_MAX_LENGTH = 50

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def normalize_name(name: str) -> str:
    """A project name in PEP 503 normal form (``oslo.config`` -> ``oslo-config``)."""
    return canonicalize_name(name)


def account_key(name: str) -> str:
    """The form account and organization names are compared in.

    PyPI names are ASCII and case-insensitive; only ASCII letters are folded,
    so that a look-alike from the index (the Kelvin sign in ``\\u212aevin``)
    never equals an allowed name (``kevin``), as ``str.lower`` would make it.
    """
    return name.translate(_ASCII_LOWER)


def is_pypi_account_name(name: object) -> bool:
    """Whether ``name`` could be a PyPI user or organization name."""
    return (isinstance(name, str) and len(name) <= ACCOUNT_MAX_LENGTH
            and PYPI_NAME_RE.match(name) is not None)


def version_key(text: str) -> tuple[str, Version | str]:
    """A key equal for equal PEP 440 versions (1.0 and 1.0.0); text that is
    not a version (the ``rocky-em`` tags) is compared as text."""
    try:
        return ("pep440", Version(text))
    except InvalidVersion:
        return ("text", text.strip().lower())


def version_order(text: str) -> tuple[int, Version, str]:
    """A sort key, oldest to newest by PEP 440; text that is not a version
    sorts before every version (so ``max()`` is the newest real version)."""
    try:
        return (1, Version(text), "")
    except InvalidVersion:
        return (0, Version("0"), text)
