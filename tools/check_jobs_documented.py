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

"""Check that every job and role of the repository is documented.

Usage::

    python tools/check_jobs_documented.py [REPO_ROOT]

REPO_ROOT defaults to the repository containing this script.  Needs only
PyYAML.  Prints one line per problem and exits 1 if there is any, else
prints a one-line summary and exits 0.

Rules
=====

Jobs
    Every job defined in the Zuul configuration (``zuul.d/**/*.yaml``, and
    ``zuul.yaml`` / ``.zuul.yaml`` / ``.zuul.d/`` if present) must be
    mentioned in ``README.md`` as inline code holding exactly its name
    (```job-name```) somewhere in a "Jobs" section.  A "Jobs" section is a
    Markdown heading (ATX ``## Jobs`` or setext ``Jobs`` + ``----``) of any
    level whose text contains the word "jobs" (any case: "Jobs", "Zuul
    jobs", "Jobs and templates"...), together with everything below it up
    to the next heading of the same or a higher level (sub-headings are
    part of it).  Lines inside fenced code blocks are never headings.  A
    job defined several times (variants) needs one mention.

Roles
    Every directory under ``roles/`` must have ``README.rst``,
    ``defaults/main.yaml`` (it may be empty, but if not it must be a
    mapping) and ``tasks/main.yaml``.  Every top-level variable of
    ``defaults/main.yaml`` must be documented in the role's ``README.rst``
    by a ``.. zuul:rolevar:: <name>`` directive.  Directives count at any
    indentation, each by its own name: a top-level variable by its name,
    and a rolevar nested inside another one also by its own (short) name,
    as zuul-sphinx writes them.

File names
    No ``*.yml`` file anywhere under ``roles/``, ``playbooks/``,
    ``test-playbooks/`` or ``zuul.d/``: the project's convention is ``.yaml`` (and Zuul ignores
    ``.yml`` files in ``zuul.d/``).
"""

import argparse
import re
import sys
from pathlib import Path

import yaml

DEFAULT_ROOT = Path(__file__).resolve().parent.parent

ZUUL_CONFIG_ROOTS = ("zuul.yaml", "zuul.d", ".zuul.yaml", ".zuul.d")
YAML_CONVENTION_DIRS = ("roles", "playbooks", "test-playbooks", "zuul.d")
ROLE_REQUIRED_FILES = ("README.rst", "defaults/main.yaml", "tasks/main.yaml")

ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
JOBS_WORD = re.compile(r"\bjobs\b", re.IGNORECASE)
ROLEVAR = re.compile(r"^\s*\.\.\s+zuul:rolevar::\s*(\S+)", re.MULTILINE)


class TolerantLoader(yaml.SafeLoader):
    """SafeLoader that accepts Zuul's and Ansible's custom tags."""


def _unknown_tag(loader, tag_suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


TolerantLoader.add_multi_constructor("!", _unknown_tag)


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=TolerantLoader)  # noqa: S506 - a SafeLoader subclass


def rel(root, path):
    return path.relative_to(root).as_posix()


# --------------------------------------------------------------------------
# Jobs


def zuul_config_files(root):
    files = []
    for name in ZUUL_CONFIG_ROOTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
    return files


def defined_jobs(root, problems):
    """Return {job name: first file defining it}."""
    jobs = {}
    for path in zuul_config_files(root):
        try:
            data = load_yaml(path)
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{rel(root, path)}: cannot be parsed: {' '.join(str(exc).split())}")
            continue
        for entry in data if isinstance(data, list) else []:
            if isinstance(entry, dict) and isinstance(entry.get("job"), dict):
                name = entry["job"].get("name")
                if isinstance(name, str):
                    jobs.setdefault(name, rel(root, path))
    return jobs


def markdown_headings(lines):
    """Yield (line index, level, text) for the headings outside code fences."""
    fence = None
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        atx = ATX_HEADING.match(line)
        if atx:
            yield index, len(atx.group(1)), (atx.group(2) or "").strip()
            continue
        underline = SETEXT_UNDERLINE.match(line)
        if underline and index > 0 and lines[index - 1].strip() and \
                not ATX_HEADING.match(lines[index - 1]):
            level = 1 if underline.group(1).startswith("=") else 2
            yield index - 1, level, lines[index - 1].strip()


def jobs_sections_text(readme_text):
    """Return the text of every "Jobs" section of a Markdown document."""
    lines = readme_text.splitlines()
    headings = list(markdown_headings(lines))
    sections = []
    for position, (start, level, text) in enumerate(headings):
        if not JOBS_WORD.search(text):
            continue
        end = len(lines)
        for later_start, later_level, _ in headings[position + 1:]:
            if later_level <= level:
                end = later_start
                break
        sections.append("\n".join(lines[start + 1:end]))
    return sections


def check_jobs(root, problems):
    jobs = defined_jobs(root, problems)
    if not jobs:
        return 0
    readme = root / "README.md"
    if not readme.is_file():
        problems.append(f"README.md: missing; it must document the {len(jobs)} Zuul job(s) "
                        "under a 'Jobs' heading")
        return len(jobs)
    sections = jobs_sections_text(readme.read_text(encoding="utf-8"))
    if not sections:
        problems.append("README.md: no 'Jobs' heading (e.g. '## Jobs'); every Zuul job must "
                        "be mentioned as `job-name` in that section")
    mentioned = set()
    for section in sections:
        mentioned.update(match.group(2).strip() for match in CODE_SPAN.finditer(section))
    for name, where in sorted(jobs.items()):
        if sections and name not in mentioned:
            problems.append(f"README.md: job '{name}' (defined in {where}) is not documented: "
                            f"mention it as `{name}` under the 'Jobs' heading")
    return len(jobs)


# --------------------------------------------------------------------------
# Roles


def check_roles(root, problems):
    roles_dir = root / "roles"
    if not roles_dir.is_dir():
        return 0
    count = 0
    for role in sorted(p for p in roles_dir.iterdir() if p.is_dir()):
        if role.name.startswith("."):
            continue
        count += 1
        role_rel = rel(root, role)
        for required in ROLE_REQUIRED_FILES:
            if not (role / required).is_file():
                problems.append(f"{role_rel}: missing {required}")
        defaults_path = role / "defaults" / "main.yaml"
        if not defaults_path.is_file():
            continue
        try:
            defaults = load_yaml(defaults_path)
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"{rel(root, defaults_path)}: cannot be parsed: "
                            f"{' '.join(str(exc).split())}")
            continue
        if defaults is None:
            continue
        if not isinstance(defaults, dict):
            problems.append(f"{rel(root, defaults_path)}: must be a mapping of variables "
                            "(or empty)")
            continue
        readme = role / "README.rst"
        if not readme.is_file():
            continue  # already reported as missing
        documented = set(ROLEVAR.findall(readme.read_text(encoding="utf-8")))
        for name in defaults:
            if str(name) not in documented:
                problems.append(f"{rel(root, defaults_path)}: variable '{name}' is not "
                                f"documented in {role_rel}/README.rst "
                                f"(expected '.. zuul:rolevar:: {name}')")
    return count


# --------------------------------------------------------------------------
# File names


def check_yml_files(root, problems):
    for directory in YAML_CONVENTION_DIRS:
        base = root / directory
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.yml")):
            if path.is_file():
                problems.append(f"{rel(root, path)}: use the .yaml extension (the project's "
                                "convention; Zuul ignores .yml files in zuul.d/)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Check that every Zuul job and role is documented.")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT,
                        help="repository root (default: %(default)s)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    if not root.is_dir():
        print(f"check_jobs_documented: {root} is not a directory", file=sys.stderr)
        return 2

    problems = []
    n_jobs = check_jobs(root, problems)
    n_roles = check_roles(root, problems)
    check_yml_files(root, problems)
    if problems:
        for line in problems:
            print(line)
        print(f"check_jobs_documented: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"checked {n_jobs} jobs and {n_roles} roles: all documented")
    return 0


if __name__ == "__main__":
    sys.exit(main())
