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

"""The static cross-references of this repository's Zuul configuration.

Usage::

    python tools/check_zuul_config.py [REPO_ROOT] [--allow-parent NAME]

REPO_ROOT defaults to the repository containing this script.  Needs only
PyYAML.  One line per problem, ``<file>: <type> '<name>': key '<key>':
message``, and exit 1; else a one-line summary and exit 0.

Only what neither of the two Zuul layers of the tests can see quickly:

Playbooks
    Every ``pre-run``/``run``/``post-run``/``cleanup-run`` playbook of a
    job, and of a job variant in a project or project-template pipeline,
    exists, inside the repository, at the path as written (Zuul's
    ``AnsibleJob.findPlaybook`` adds no extension: ``run: playbooks/foo``
    fails even when ``playbooks/foo.yaml`` exists, and the message says
    so).  Zuul itself finds a missing playbook only when the job runs; the
    simulated executor (tests/support/zuulrun.py) runs the playbooks the
    tests name, not the ones zuul.d names, and the real-Zuul e2e runs three
    of the jobs.
Parents
    A job's ``parent`` is a job of this repository or a known external one
    (``EXTERNAL_PARENTS``, ``--allow-parent``): the e2e's tenant has no
    ``base`` or ``tox``, so it tolerates every parent from elsewhere, a
    misspelt one included.
Tox environments
    A job that runs tox (zuul-jobs' ``tox`` role) runs the environments of
    its ``tox_envlist``: set by the job or by a job variant in a project or
    project-template pipeline, or implied by the name of a known external
    job (``tox-linters`` runs ``linters``, ``tox-py311`` runs ``py311``:
    ``EXTERNAL_TOX_JOBS``).  Every such environment exists in ``tox.ini``
    (a ``[testenv:NAME]`` section, an entry of ``[tox] envlist``, or a
    Python name like ``py3`` that tox builds from ``[testenv]``) and has
    commands, its own or ``[testenv]``'s: tox runs an environment without
    commands and reports success.  ``ALL`` and templated values are
    skipped.  Neither Zuul layer runs tox.

Checked elsewhere, and no longer here:

- every item against Zuul's schemas and parsers (structure, keys, values,
  nodesets, intermediate and abstract jobs, Ansible versions, duplicate
  keys, encrypted secrets), inheritance loops and secrets defined in the
  project: the real Zuul of tests/e2e loads this repository's zuul.d and
  ``test_configuration_loads`` fails on any error but a job from another
  repository (``tox -e zuul-e2e``);
- the roles each playbook uses: every job's playbooks run, in the simulated
  executor (``tox -e zuul``: the audits, the release's sign and upload, the
  test job), through ``ansible-playbook`` (tests/support/playbook.py: the
  watcher) or in the real Zuul (the release's build); ansible-lint's
  syntax check loads every static role;
- ``*.yml`` files in zuul.d/, which Zuul ignores: tools/check_jobs_documented.py.
"""

import argparse
import configparser
import re
import sys
from pathlib import Path

import yaml

DEFAULT_ROOT = Path(__file__).resolve().parent.parent
ZUUL_CONFIG_ROOTS = ("zuul.yaml", "zuul.d", ".zuul.yaml", ".zuul.d")

# Parents a job may name without defining them here: the OpenDev/OpenStack
# base jobs every tenant provides (opendev/base-jobs) and the usual tox
# jobs of zuul/zuul-jobs and openstack/openstack-zuul-jobs.  Anything else
# must be defined in this repository or passed with --allow-parent.
EXTERNAL_PARENTS = (
    "base",
    "base-minimal",
    "opendev-base",
    "unittests",
    "tox",
    "tox-linters",
    "openstack-tox",
    "openstack-tox-linters",
)

# Jobs of zuul/zuul-jobs and openstack/openstack-zuul-jobs that run one tox
# environment, implied by the job's name (their tox_envlist).
EXTERNAL_TOX_JOBS = {
    "tox-docs": "docs",
    "tox-linters": "linters",
    "tox-pep8": "pep8",
    "openstack-tox-docs": "docs",
    "openstack-tox-linters": "linters",
    "openstack-tox-pep8": "pep8",
}
EXTERNAL_TOX_PY_JOB = re.compile(r"^(?:openstack-)?tox-(py\d+)$")
# Environment names tox accepts without a section: [testenv] with that Python.
TOX_PYTHON_ENV = re.compile(r"^(?:py|pypy)(?:\d+(?:\.\d+)?)?$")

PLAYBOOK_KEYS = ("pre-run", "run", "post-run", "cleanup-run")


# --------------------------------------------------------------------------
# Helpers


def as_list(item):
    """Zuul's configloader.as_list: None -> [], scalar -> [scalar]."""
    if not item:
        return []
    if isinstance(item, list):
        return item
    return [item]


def one_line(text):
    return " ".join(str(text).split())


def is_templated(name):
    return isinstance(name, str) and ("{{" in name or "{%" in name)


class ZuulLoader(yaml.SafeLoader):
    """SafeLoader that accepts Zuul's tags (``!encrypted/pkcs1-oaep``)."""


def _any_tag(loader, tag_suffix, node):
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    return loader.construct_scalar(node)


ZuulLoader.add_multi_constructor("!", _any_tag)


class Report:
    """Problems, printed sorted by file and item."""

    def __init__(self):
        self._errors = {}

    def error(self, where, label, message, key=None, index=-1):
        parts = [where]
        if label:
            parts.append(label)
        if key:
            parts.append(f"key '{key}'")
        parts.append(message)
        self._errors.setdefault(": ".join(parts), (where, index, len(self._errors)))

    def item_error(self, item, message, key=None):
        self.error(item.rel, item.label, message, key=key, index=item.index)

    @property
    def errors(self):
        return sorted(self._errors, key=self._errors.get)


class Item:
    """One configuration item: its type, body and where it came from."""

    def __init__(self, kind, conf, rel, index):
        self.kind = kind
        self.conf = conf
        self.rel = rel
        self.index = index

    @property
    def name(self):
        name = self.conf.get("name")
        return str(name) if name is not None else None

    @property
    def label(self):
        if self.name is not None:
            return f"{self.kind} '{self.name}'"
        if self.kind == "project":
            return "project (this repository)"
        return f"{self.kind} #{self.index + 1}"


# --------------------------------------------------------------------------
# Loading


def config_files(root):
    """The Zuul configuration files, in the order Zuul reads them."""
    files = []
    for name in ZUUL_CONFIG_ROOTS:
        path = root / name
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
    return files


def load_items(root, files, report):
    """Every ``- <type>: {...}`` item of the files; what is not one is the
    real Zuul's to report (see the module docstring)."""
    items = []
    for path in files:
        rel = str(path.relative_to(root))
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=ZuulLoader)  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            report.error(rel, None, f"cannot be parsed: {one_line(exc)}")
            continue
        for index, entry in enumerate(data if isinstance(data, list) else []):
            if isinstance(entry, dict) and len(entry) == 1:
                (kind, conf), = entry.items()
                if isinstance(conf, dict):
                    items.append(Item(str(kind), conf, rel, index))
    return items


def pipeline_jobs(item):
    """Yield (key prefix, job name, attributes) for each job of a project or
    project-template pipeline."""
    for pipeline, contents in item.conf.items():
        if not isinstance(contents, dict):
            continue
        for index, entry in enumerate(as_list(contents.get("jobs"))):
            if isinstance(entry, dict) and len(entry) == 1:
                (name, attrs), = entry.items()
                attrs = attrs if isinstance(attrs, dict) else {}
            elif isinstance(entry, str):
                name, attrs = entry, {}
            else:
                continue
            yield f"{pipeline}.jobs[{index}]", name, attrs


# --------------------------------------------------------------------------
# Parents


def check_parents(items, allowed_parents, report):
    defined = {i.name for i in items if i.kind == "job"}
    for item in items:
        parent = item.conf.get("parent") if item.kind == "job" else None
        if isinstance(parent, str) and parent not in defined | allowed_parents:
            report.item_error(
                item,
                f"parent job '{parent}' is not defined in this repository's Zuul "
                "configuration nor among the allowed external parents "
                f"({', '.join(sorted(allowed_parents))}); define it or pass --allow-parent",
                key="parent")


# --------------------------------------------------------------------------
# Playbooks


def playbook_references(items):
    """Yield (item, key, playbook name) for jobs and pipeline job variants."""

    def from_attributes(item, attrs, key_prefix=""):
        for key in PLAYBOOK_KEYS:
            for entry in as_list(attrs.get(key)):
                name = entry.get("name") if isinstance(entry, dict) else entry
                if isinstance(name, str):
                    yield item, key_prefix + key, name

    for item in items:
        if item.kind == "job":
            yield from from_attributes(item, item.conf)
        elif item.kind in ("project", "project-template"):
            for where, name, attrs in pipeline_jobs(item):
                yield from from_attributes(item, attrs, f"{where}.{name}.")


def check_playbooks(root, items, report):
    """Check that every playbook named exists; return how many were found."""
    found = set()
    resolved_root = root.resolve()
    for item, key, name in playbook_references(items):
        path = (root / name).resolve()
        if Path(name).is_absolute() or not path.is_relative_to(resolved_root):
            report.item_error(item, f"playbook '{name}' must be a path inside the repository",
                              key=key)
        elif path.is_file():
            found.add(path)
        else:
            hint = ""
            for ext in (".yaml", ".yml"):
                if not Path(name).suffix and (root / (name + ext)).is_file():
                    hint = (f" (Zuul uses the path as written and adds no extension: "
                            f"did you mean '{name}{ext}'?)")
                    break
            report.item_error(item, f"playbook '{name}' does not exist{hint}", key=key)
    return len(found)


# --------------------------------------------------------------------------
# Tox environments


def external_tox_env(job_name):
    """The tox environment a known external job runs, or None."""
    if job_name in EXTERNAL_TOX_JOBS:
        return EXTERNAL_TOX_JOBS[job_name]
    match = EXTERNAL_TOX_PY_JOB.match(job_name)
    return match.group(1) if match else None


def tox_envlist_var(attrs):
    variables = attrs.get("vars") if isinstance(attrs, dict) else None
    if isinstance(variables, dict) and "tox_envlist" in variables:
        return variables["tox_envlist"]
    return None


def tox_env_uses(items):
    """Yield (item, key, envlist, origin) wherever a job's tox_envlist is set.

    Each setting is yielded once, where it is written: a job's or a job
    variant's ``vars.tox_envlist``; a local job without one whose parent is
    a known external tox job; a pipeline entry naming a known external tox
    job without its own ``vars.tox_envlist``.  ``origin`` names the external
    job an environment comes from, else None.
    """
    local = {i.name for i in items if i.kind == "job"}
    for item in items:
        if item.kind == "job":
            envlist = tox_envlist_var(item.conf)
            parent = item.conf.get("parent")
            if envlist is not None:
                yield item, "vars.tox_envlist", envlist, None
            elif isinstance(parent, str) and parent not in local and external_tox_env(parent):
                yield item, "parent", external_tox_env(parent), parent
        elif item.kind in ("project", "project-template"):
            for where, name, attrs in pipeline_jobs(item):
                envlist = tox_envlist_var(attrs)
                if envlist is not None:
                    yield item, f"{where}.{name}.vars.tox_envlist", envlist, None
                elif name not in local and external_tox_env(name):
                    yield item, where, external_tox_env(name), name


def load_tox_ini(root):
    """Return (parser or None, problem or None) for root/tox.ini."""
    path = root / "tox.ini"
    if not path.is_file():
        return None, "but there is no tox.ini at the repository root"
    parser = configparser.RawConfigParser(strict=False)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        return None, f"but tox.ini cannot be parsed: {one_line(exc)}"
    return parser, None


def tox_env_problem(parser, env):
    """Why tox.ini does not give env commands to run, or None."""
    section = f"testenv:{env}"
    commands = parser.get(section, "commands", fallback=None)
    if commands is None:
        listed = re.split(r"[\s,]+", parser.get("tox", "envlist", fallback=""))
        if not (parser.has_section(section) or env in listed or TOX_PYTHON_ENV.match(env)):
            return (f"which tox.ini does not define (no [{section}] section and not in "
                    "[tox] envlist)")
        commands = parser.get("testenv", "commands", fallback="")
    if not commands.strip():
        return (f"which has no commands in tox.ini (neither [{section}] nor [testenv] "
                "sets any): tox would report success without running anything")
    return None


def check_tox_envs(root, items, report):
    """Check the tox environments jobs run; return their names."""
    parser, missing = None, None
    checked = set()
    for item, key, envlist, origin in tox_env_uses(items):
        if not isinstance(envlist, str):
            report.item_error(item, "tox_envlist must be a string (environments separated "
                                    f"by commas), not {envlist!r}", key=key)
            continue
        if is_templated(envlist):
            continue
        for env in (e.strip() for e in envlist.split(",")):
            if not env or env == "ALL":
                continue
            if parser is None and missing is None:
                parser, missing = load_tox_ini(root)
            source = f" (the environment of job '{origin}')" if origin else ""
            problem = missing if parser is None else tox_env_problem(parser, env)
            if problem:
                report.item_error(item, f"runs tox environment '{env}'{source}, {problem}",
                                  key=key)
            else:
                checked.add(env)
    return sorted(checked)


# --------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Check the playbooks, parents and tox environments zuul.d names.")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT,
                        help="repository root (default: %(default)s)")
    parser.add_argument("--allow-parent", action="append", default=[], metavar="NAME",
                        help="an external job that may be used as parent (repeatable); "
                             f"always allowed: {', '.join(EXTERNAL_PARENTS)}")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    if not root.is_dir():
        print(f"check_zuul_config: {root} is not a directory", file=sys.stderr)
        return 2
    report = Report()
    files = config_files(root)
    items = load_items(root, files, report)
    check_parents(items, set(EXTERNAL_PARENTS) | set(args.allow_parent), report)
    n_playbooks = check_playbooks(root, items, report)
    tox_envs = check_tox_envs(root, items, report)

    if report.errors:
        for line in report.errors:
            print(line)
        print(f"check_zuul_config: {len(report.errors)} problem(s)", file=sys.stderr)
        return 1
    jobs = sum(1 for item in items if item.kind == "job")
    summary = f"checked {jobs} jobs in {len(files)} files: {n_playbooks} playbooks found"
    if tox_envs:
        summary += f"; tox environments run by jobs: {', '.join(tox_envs)}"
    print(summary + ": OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
