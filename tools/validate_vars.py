#!/usr/bin/env python3
"""Validate the vars files the release team edits, as the jobs will.

Runs the same validation the audit modules run before any request, so a bad
edit of ``vars/pypi-maintainers.yaml`` fails in review (``tox -e linters``)
rather than in the periodic job. Prints one line per problem; exits 1 on any.

Usage: tools/validate_vars.py [FILE ...]   (default: every known vars file)
"""

import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent
ansible.module_utils.__path__.append(str(ROOT / "module_utils"))

from ansible.module_utils.pypi_guard_allowlist import (  # noqa: E402
    VarsFileError,
    load_known_releases,
    load_maintainers_allowlist,
)

VALIDATORS = {
    "pypi-maintainers.yaml": load_maintainers_allowlist,
    "pypi-releases.yaml": load_known_releases,
}


def validate(paths):
    problems = []
    for path in paths:
        validator = VALIDATORS.get(path.name)
        if validator is None:
            problems.append(f"{path}: no validator for this file "
                            f"(known: {', '.join(sorted(VALIDATORS))})")
            continue
        try:
            validator(path)
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
