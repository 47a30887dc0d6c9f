#!/usr/bin/env python3
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

"""Validate the vars files the release team edits, as the jobs will.

Runs the same validation the audit modules run before any request, so a bad
edit of ``vars/pypi-maintainers.yaml`` fails in review (``tox -e linters``)
rather than in the periodic job. Prints one line per problem; exits 1 on any.

Usage: tools/validate_vars.py [FILE ...]   (default: every known vars file)

A file of another name (a job's vars, or one given to ansible-playbook with
``-e @file``) is checked for the variables it holds: its
``pypi_maintainers_allowlist`` and ``pypi_release_audit_known_releases`` are
validated as the audits validate them; its other variables are left alone.
"""

import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent
ansible.module_utils.__path__.append(str(ROOT / "roles" / "ensure-pypi-guard" / "module_utils"))

from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    VarsFileError,
    load_known_releases,
    load_maintainers_allowlist,
    load_strict_yaml,
    parse_known_releases,
    parse_maintainers_allowlist,
)

VALIDATORS = {
    "pypi-maintainers.yaml": load_maintainers_allowlist,
    "pypi-releases.yaml": load_known_releases,
}
# In a file of another name: variable -> how the audits validate it.
VARIABLES = {
    "pypi_maintainers_allowlist": parse_maintainers_allowlist,
    "pypi_release_audit_known_releases": parse_known_releases,
}


def validate_variables(path):
    """Validate the known variables of a vars file of another name."""
    data = load_strict_yaml(path)
    found = [name for name in VARIABLES if isinstance(data, dict) and name in data]
    if not found:
        raise VarsFileError(path, [
            f"no validator for this file (known: {', '.join(sorted(VALIDATORS))}) and none "
            f"of the variables {', '.join(VARIABLES)} in it"])
    problems = []
    for name in found:
        try:
            VARIABLES[name]({name: data[name]}, str(path))
        except VarsFileError as exc:
            problems += exc.problems
    if problems:
        raise VarsFileError(path, problems)


def validate(paths):
    problems = []
    for path in paths:
        try:
            VALIDATORS.get(path.name, validate_variables)(path)
        except VarsFileError as exc:
            problems.extend(str(exc).splitlines())
    return problems


def main(argv):
    paths = [Path(arg) for arg in argv] or [ROOT / "vars" / name for name in VALIDATORS]
    problems = validate(paths)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"valid: {', '.join(map(str, paths))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
