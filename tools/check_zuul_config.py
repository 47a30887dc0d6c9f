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

"""Validate this repository's Zuul configuration with Zuul's own parser.

Usage::

    python tools/check_zuul_config.py [REPO_ROOT] [--allow-parent NAME]
        [--external-role NAME] [--connection NAME=DRIVER]
        [--project-name ORG/NAME]

REPO_ROOT defaults to the repository containing this script.  The ``zuul``
package must be importable (``tox -e zuul`` installs it); without it the
script exits 2 with a message saying so.

What is checked
===============

Which files
    Zuul reads the first of ``zuul.yaml``, ``zuul.d/``, ``.zuul.yaml``,
    ``.zuul.d/`` that exists (``zuul.configloader.ZUUL_CONF_ROOT``); having
    more than one is an error, as in Zuul.  In a directory every ``*.yaml``
    file below it is read (sub-trees holding a ``.zuul.ignore`` file are
    skipped, as the Zuul merger does); a ``*.yml`` file there is an error
    because Zuul silently ignores it.  An empty or missing configuration is
    not an error: there is simply nothing to check.

Loading
    Files are loaded with ``zuul.configloader.safe_load_yaml`` (Zuul's
    ``ZuulSafeLoader``) and a real ``zuul.model.SourceContext``, so every
    item gets the genuine ``_source_context`` / ``_start_mark`` keys Zuul's
    schemas expect, duplicate keys are rejected, and ``!encrypted/...``
    secrets are decoded as Zuul does.  The list/dict/one-key/known-type
    structure of each item is checked by ``zuul.model.UnparsedConfig.extend``.

Schemas
    A real ``zuul.configloader.ParseContext`` is built with stand-ins only
    for what needs a running Zuul: the connection registry (a mapping of
    connection name to a real, connection-less Zuul driver object), the
    system attributes (``zuul.model.SystemAttributes`` with zuul.conf
    defaults) and ``zuul.lib.ansible.AnsibleManager()`` (real: it knows the
    supported ``ansible-version`` values).  Each item is validated with the
    ``schema`` attribute of the parser the ParseContext made for it:
    ``job_parser`` (``JobParser.schema``), ``project_parser`` and
    ``project_template_parser`` (built by their ``getSchema()``),
    ``nodeset_parser``, ``secret_parser``, ``semaphore_parser``,
    ``queue_parser``, ``pragma_parser``, ``pipeline_parser`` and the
    image/flavor/label/section/provider parsers.  An inline job ``nodeset``
    is checked with ``NodeSetParser.anon_schema``, as Zuul does later.

Semantics
    Items whose schema passed are then given to the parser's ``fromYaml``
    inside Zuul's own error accumulator, which catches what the schemas do
    not (an intermediate job that is not abstract, unknown
    ``ansible-version``, reserved variable names, bad regexes, nodes named
    localhost...).  Zuul's warnings (e.g. the ``cleanup-run`` deprecation)
    are printed to stderr but do not fail the check.  Pipelines are only
    schema-checked: building one needs live connections.  Connection names
    used by a pipeline are mapped to a driver with ``--connection
    NAME=DRIVER``; by default a connection named like a Zuul driver
    (``gerrit``, ``github``, ``timer``, ``zuul``, ``smtp``...) uses that
    driver.  Other names are accepted without validation, with a note.

Cross references
    * ``parent`` must be a job defined in this configuration or one of
      ``EXTERNAL_PARENTS`` / ``--allow-parent``; ``parent: null`` (a base
      job) is accepted; inheritance loops among local jobs are errors.
    * every name in a job's ``secrets`` must be a ``secret`` defined here:
      Zuul only lets a job use secrets of its own project.
    * every ``pre-run``/``run``/``post-run``/``cleanup-run`` playbook of a
      job (and of job variants in project / project-template pipelines)
      must exist.  Zuul (``AnsibleJob.findPlaybook``) uses the path exactly
      as written, relative to the repository root, and does not append an
      extension, so ``run: playbooks/foo`` is an error even when
      ``playbooks/foo.yaml`` exists (the message suggests it).
    * every role a playbook uses must exist under ``roles/`` at the
      repository root (where Zuul's implicit role repository puts it on
      the roles path) or ``roles/`` beside the playbook (Ansible's own
      rule).  Roles are collected from plays' ``roles:`` and from
      ``include_role`` / ``import_role`` tasks (any FQCN spelling, inside
      blocks too) in the playbook, in statically named
      ``import_playbook`` / ``include_tasks`` / ``import_tasks`` files it
      pulls in (which must exist), and, recursively, from every task and
      handler file and the ``meta/main.yaml`` dependencies of the roles
      used.  Names containing ``{{`` are skipped (templated), as are
      collection roles (``namespace.collection.role``).  Roles that come
      from other repositories (``EXTERNAL_ROLES`` / ``--external-role``)
      are accepted.

Tox environments
    A job that runs tox (zuul-jobs' ``tox`` role) runs the environments of
    its ``tox_envlist`` variable: set by the job or by a job variant in a
    project / project-template pipeline, inherited from a local parent, or
    implied by the name of a known external job (``tox-linters`` runs
    ``linters``, ``tox-py311`` runs ``py311``: ``EXTERNAL_TOX_JOBS``).
    Every such environment must exist in ``tox.ini`` (a ``[testenv:NAME]``
    section, an entry of ``[tox] envlist``, or a Python name like ``py3``
    that tox builds from ``[testenv]``) and have commands, its own or those
    of ``[testenv]``: tox runs an environment without commands and reports
    success, so such a job would pass without testing anything.  ``ALL``
    and templated values are not checked.

Output
    One line per problem, ``<file>: <type> '<name>': key '<key>': message``
    (key omitted when the problem is not about one key), exit 1.  With no
    problems a one-line summary is printed and the exit status is 0.
"""

import argparse
import configparser
import importlib
import re
import sys
import types
from collections import OrderedDict
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parent.parent

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

# Roles from zuul/zuul-jobs, which the OpenDev base job puts on every job's
# roles path: a playbook may use them without defining them under roles/.
EXTERNAL_ROLES = (
    "bindep",
    "build-python-release",
    "ensure-pip",
    "ensure-python",
    "ensure-tox",
    "ensure-virtualenv",
    "fetch-output",
    "fetch-python-sdist-output",
    "fetch-tox-output",
    "prepare-workspace",
    "tox",
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

# The connection names a pipeline may use by default, each mapped to the
# Zuul driver of the same name.  Extend with --connection NAME=DRIVER.
DEFAULT_CONNECTIONS = {
    name: name
    for name in ("gerrit", "github", "gitlab", "pagure", "git", "timer", "zuul",
                 "smtp", "mqtt", "sql", "elasticsearch")
}

DRIVER_CLASSES = {
    "gerrit": ("zuul.driver.gerrit", "GerritDriver"),
    "github": ("zuul.driver.github", "GithubDriver"),
    "gitlab": ("zuul.driver.gitlab", "GitlabDriver"),
    "pagure": ("zuul.driver.pagure", "PagureDriver"),
    "git": ("zuul.driver.git", "GitDriver"),
    "timer": ("zuul.driver.timer", "TimerDriver"),
    "zuul": ("zuul.driver.zuul", "ZuulDriver"),
    "smtp": ("zuul.driver.smtp", "SMTPDriver"),
    "mqtt": ("zuul.driver.mqtt", "MQTTDriver"),
    "sql": ("zuul.driver.sql", "SQLDriver"),
    "elasticsearch": ("zuul.driver.elasticsearch", "ElasticsearchDriver"),
}

PLAYBOOK_KEYS = ("pre-run", "run", "post-run", "cleanup-run")
PIPELINE_DRIVER_KEYS = ("trigger", "require", "reject", "enqueue", "start", "success",
                        "failure", "merge-conflict", "no-jobs", "disabled", "dequeue",
                        "config-error")
# Item types whose fromYaml() runs without a live Zuul (in Zuul's parse order).
SEMANTIC_TYPES = ("pragma", "image", "flavor", "label", "nodeset", "secret", "job",
                  "semaphore", "queue", "project-template", "project")
ROLE_TASK_MODULES = {f"{prefix}{name}" for prefix in ("", "ansible.builtin.", "ansible.legacy.")
                     for name in ("include_role", "import_role")}
TASK_FILE_MODULES = {f"{prefix}{name}" for prefix in ("", "ansible.builtin.", "ansible.legacy.")
                     for name in ("include_tasks", "import_tasks")}
PLAYBOOK_IMPORT_MODULES = {"import_playbook", "ansible.builtin.import_playbook",
                           "ansible.legacy.import_playbook"}
TASK_LIST_KEYS = ("pre_tasks", "tasks", "post_tasks", "handlers")
BLOCK_KEYS = ("block", "rescue", "always")


class ZuulMissing(Exception):
    pass


def import_zuul():
    """Import the parts of Zuul used here, or raise ZuulMissing."""
    try:
        import zuul  # noqa: F401 - first, so a missing zuul is what the message names
        from zuul import configloader, model
        from zuul.lib.ansible import AnsibleManager
        voluptuous = importlib.import_module("voluptuous")  # a dependency of zuul
    except ImportError as exc:  # pragma: no cover - exercised without zuul
        raise ZuulMissing(str(exc)) from exc
    return types.SimpleNamespace(vs=voluptuous, configloader=configloader, model=model,
                                 AnsibleManager=AnsibleManager)


# --------------------------------------------------------------------------
# Helpers


def as_list(item):
    """Zuul's configloader.as_list: None -> [], scalar -> [scalar]."""
    if not item:
        return []
    if isinstance(item, list):
        return item
    return [item]


def format_path(path):
    """['check', 'jobs', 0, 'foo'] -> "check.jobs[0].foo"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def one_line(text):
    return " ".join(str(text).split())


def is_templated(name):
    return isinstance(name, str) and ("{{" in name or "{%" in name)


class Report:
    """Problems (sorted by file and item when printed) and notes."""

    def __init__(self):
        self._errors = {}
        self.notes = []

    def error(self, where, label, message, key=None, index=-1):
        parts = [where]
        if label:
            parts.append(label)
        if key:
            parts.append(f"key '{key}'")
        parts.append(message)
        line = ": ".join(parts)
        self._errors.setdefault(line, (where, index, len(self._errors)))

    def item_error(self, item, message, key=None):
        self.error(item.rel, item.label, message, key=key, index=item.index)

    @property
    def errors(self):
        return sorted(self._errors, key=self._errors.get)

    def note(self, message):
        if message not in self.notes:
            self.notes.append(message)


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
# Finding and loading the configuration


def find_config_files(root, report):
    """Return the Zuul config files in the order Zuul reads them."""
    present = [name for name in ("zuul.yaml", "zuul.d", ".zuul.yaml", ".zuul.d")
               if (root / name).exists()]
    if len(present) > 1:
        report.error(present[1], None,
                     f"more than one Zuul configuration ({', '.join(present)}); "
                     "Zuul reports an error and uses only one of them")
    files = []
    for name in present:
        path = root / name
        if path.is_file():
            files.append(path)
            continue
        ignored = [p.parent for p in path.rglob(".zuul.ignore")]
        for candidate in sorted(path.rglob("*")):
            if not candidate.is_file():
                continue
            if any(parent == candidate.parent or parent in candidate.parents
                   for parent in ignored):
                continue
            if candidate.name.endswith(".yaml"):
                files.append(candidate)
            elif candidate.name.endswith(".yml"):
                report.error(str(candidate.relative_to(root)), None,
                             "Zuul only reads *.yaml files in its configuration "
                             "directory; this file is ignored (rename it to .yaml)")
    return files


def load_items(z, root, files, project_name, report):
    """Load every file with Zuul's loader and split it into Items."""
    items = []
    for path in files:
        rel = str(path.relative_to(root))
        source_context = z.model.SourceContext(
            f"localhost/{project_name}", project_name, "localhost", "master", rel)
        try:
            text = path.read_text(encoding="utf-8")
            data = z.configloader.safe_load_yaml(text, source_context)
        except Exception as exc:
            report.error(rel, None, f"cannot be loaded by Zuul: {one_line(exc)}")
            continue
        if data is None:
            continue
        if not isinstance(data, list):
            report.error(rel, None, "a Zuul configuration file must be a list of items "
                                    "(each starting with '- ')")
            continue
        for index, entry in enumerate(data):
            try:
                z.model.UnparsedConfig().extend([entry])
            except z.model.ConfigItemNotDictError:
                report.error(rel, f"item #{index + 1}",
                             "must be a dictionary with one key naming its type, "
                             "whose value is a dictionary", index=index)
                continue
            except z.model.ConfigItemMultipleKeysError:
                keys = ", ".join(str(k) for k in entry)
                report.error(rel, f"item #{index + 1}",
                             f"has more than one key ({keys}); check the indentation of "
                             "the keys under the item type", index=index)
                continue
            except z.model.ConfigItemUnknownError:
                report.error(rel, f"item #{index + 1}",
                             f"unknown configuration item type '{next(iter(entry))}'",
                             index=index)
                continue
            (kind, conf), = entry.items()
            items.append(Item(str(kind), conf, rel, index))
    return items


# --------------------------------------------------------------------------
# Zuul's parsers


class PermissiveDriver:
    """Stand-in for the driver of a connection this checker does not know."""

    name = "unknown"

    def getTriggerSchema(self):
        return object

    getReporterSchema = getRequireSchema = getRejectSchema = getTriggerSchema


def build_connections(connection_map, used_names, report):
    """A stand-in for zuul.lib.connections.ConnectionRegistry.

    PipelineParser only reads ``connections.connections`` (name ->
    connection) and each connection's ``driver``; the drivers themselves
    are Zuul's, instantiated without a connection (the real registry
    cannot be used: it starts the bubblewrap driver, which runs bwrap).
    """
    connections = OrderedDict()
    for name in sorted(set(connection_map) | set(used_names)):
        driver_name = connection_map.get(name)
        if driver_name is None:
            driver = PermissiveDriver()
            report.note(f"note: connection '{name}' is not known to this checker; pipeline "
                        f"entries for it are not validated (use --connection {name}=DRIVER)")
        else:
            module_name, class_name = DRIVER_CLASSES[driver_name]
            driver = getattr(importlib.import_module(module_name), class_name)()
        connections[name] = types.SimpleNamespace(driver=driver, connection_name=name)
    return types.SimpleNamespace(connections=connections)


def build_parse_context(z, connections):
    system_attributes = z.model.SystemAttributes.fromConfig(configparser.ConfigParser())
    return z.configloader.ParseContext(connections, system_attributes, None,
                                       z.AnsibleManager())


def parser_for(pcontext, kind):
    return getattr(pcontext, kind.replace("-", "_") + "_parser")


def schema_errors(z, schema, conf, prefix=()):
    """Run a voluptuous schema; return [(key path, message)]."""
    try:
        schema(conf)
    except z.vs.MultipleInvalid as exc:
        return [(format_path(list(prefix) + list(err.path)), one_line(err.msg))
                for err in exc.errors]
    except z.vs.Invalid as exc:
        return [(format_path(list(prefix) + list(exc.path)), one_line(exc.msg))]
    return []


def validate_items(z, pcontext, items, report):
    """Schema-check every item, then let Zuul parse the valid ones."""
    valid = []
    for item in items:
        parser = parser_for(pcontext, item.kind)
        problems = schema_errors(z, parser.schema, item.conf)
        if not problems and item.kind == "job" and isinstance(item.conf.get("nodeset"), dict):
            problems = schema_errors(z, pcontext.nodeset_parser.anon_schema,
                                     item.conf["nodeset"], prefix=("nodeset",))
        for key, message in problems:
            report.item_error(item, message, key=key or None)
        if not problems:
            valid.append(item)

    order = {kind: n for n, kind in enumerate(SEMANTIC_TYPES)}
    # Zuul parses pragmas first (they change the file's source context),
    # then the other types; keep file order within a type.
    for item in sorted((i for i in valid if i.kind in order),
                       key=lambda i: (order[i.kind], i.rel, i.index)):
        before = len(pcontext.error_list)
        with pcontext.errorContext(stanza=item.kind, conf=item.conf):
            with pcontext.accumulator.catchErrors():
                parser_for(pcontext, item.kind).fromYaml(item.conf)
        for config_error in pcontext.error_list[before:]:
            message = one_line(config_error.short_error or config_error.error)
            if config_error.severity == "warning":
                report.note(f"warning: {item.rel}: {item.label}: {message}")
            else:
                report.item_error(item, message)


# --------------------------------------------------------------------------
# Cross references: parents, secrets, playbooks, roles


def check_parents(items, allowed_parents, report):
    jobs = [i for i in items if i.kind == "job" and isinstance(i.name, str)]
    defined = {i.name for i in jobs}
    graph = {}
    for item in jobs:
        if "parent" not in item.conf:
            continue
        parent = item.conf["parent"]
        if parent is None:
            continue  # an explicit base job
        if not isinstance(parent, str):
            continue  # the schema already reported it
        graph.setdefault(item.name, set()).add(parent)
        if parent not in defined and parent not in allowed_parents:
            report.item_error(
                item,
                f"parent job '{parent}' is not defined in this repository's Zuul "
                "configuration nor among the allowed external parents "
                f"({', '.join(sorted(allowed_parents))}); define it or pass --allow-parent",
                key="parent")
    # Inheritance loops among local jobs, each reported once (on the job of
    # the loop that comes first in the files).
    reported_loops = set()
    for item in jobs:
        if item.name not in graph:
            continue
        stack = [[item.name]]
        while stack:
            trail = stack.pop()
            for parent in sorted(graph.get(trail[-1], ())):
                if parent == item.name:
                    if frozenset(trail) not in reported_loops:
                        reported_loops.add(frozenset(trail))
                        loop = " -> ".join(trail + [parent])
                        report.item_error(item, f"inheritance loop: {loop}", key="parent")
                    stack = []
                    break
                if parent in graph and parent not in trail:
                    stack.append(trail + [parent])


def check_secrets(items, report):
    secrets = {i.name for i in items if i.kind == "secret"}
    for item in items:
        if item.kind != "job":
            continue
        for entry in as_list(item.conf.get("secrets")):
            name = entry.get("secret") if isinstance(entry, dict) else entry
            if isinstance(name, str) and name not in secrets:
                report.item_error(
                    item,
                    f"secret '{name}' is not defined in this repository; Zuul only lets "
                    "a job use secrets defined in its own project",
                    key="secrets")


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
            for pipeline, contents in item.conf.items():
                if not isinstance(contents, dict):
                    continue
                for index, job in enumerate(as_list(contents.get("jobs"))):
                    if isinstance(job, dict) and len(job) == 1:
                        (job_name, attrs), = job.items()
                        if isinstance(attrs, dict):
                            prefix = f"{pipeline}.jobs[{index}].{job_name}."
                            yield from from_attributes(item, attrs, prefix)


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
            for pipeline, contents in item.conf.items():
                if not isinstance(contents, dict):
                    continue
                for index, entry in enumerate(as_list(contents.get("jobs"))):
                    attrs = {}
                    if isinstance(entry, dict) and len(entry) == 1:
                        (name, attrs), = entry.items()
                    elif isinstance(entry, str):
                        name = entry
                    else:
                        continue
                    where = f"{pipeline}.jobs[{index}]"
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


def make_yaml_loader():
    """A PyYAML SafeLoader that tolerates Ansible's custom tags."""
    import yaml

    class AnsibleYamlLoader(yaml.SafeLoader):
        pass

    def unknown_tag(loader, tag_suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_scalar(node)

    AnsibleYamlLoader.add_multi_constructor("!", unknown_tag)
    return yaml, AnsibleYamlLoader


class RoleChecker:
    """Find the roles a playbook uses, following roles and static includes."""

    def __init__(self, root, external_roles):
        self.root = root
        self.external_roles = set(external_roles)
        self.yaml, self.loader = make_yaml_loader()
        self.cache = {}
        self.roles_found = set()

    def rel(self, path):
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def load(self, path):
        if path not in self.cache:
            try:
                with open(path, encoding="utf-8") as handle:
                    self.cache[path] = (self.yaml.load(handle, Loader=self.loader), None)
            except (OSError, self.yaml.YAMLError) as exc:
                self.cache[path] = (None, one_line(exc))
        return self.cache[path]

    @staticmethod
    def _role_name(entry):
        if isinstance(entry, str):
            return entry
        if isinstance(entry, dict):
            for key in ("role", "name"):
                if isinstance(entry.get(key), str):
                    return entry[key]
        return None

    @staticmethod
    def _module_arg(value, arg):
        if isinstance(value, dict):
            found = value.get(arg)
            if found is None and arg == "file":
                found = value.get("_raw_params")
            return found if isinstance(found, str) else None
        if isinstance(value, str):
            if arg == "file":
                return value.split()[0] if value.split() else None
            match = re.search(rf"(?:^|\s){arg}=(\S+)", value)
            return match.group(1) if match else None
        return None

    def _walk_tasks(self, tasks, base_dir, uses, problems, via, follow_files):
        if not isinstance(tasks, list):
            return
        for task in tasks:
            if not isinstance(task, dict):
                continue
            for key in BLOCK_KEYS:
                if key in task:
                    self._walk_tasks(task[key], base_dir, uses, problems, via, follow_files)
            for module, value in task.items():
                if module in ROLE_TASK_MODULES:
                    name = self._module_arg(value, "name")
                    if name:
                        uses.append((name, via, base_dir))
                elif follow_files and module in TASK_FILE_MODULES:
                    name = self._module_arg(value, "file")
                    if name and not is_templated(name):
                        candidates = [base_dir / name, base_dir / "tasks" / name]
                        found = next((c for c in candidates if c.is_file()), None)
                        if found is None:
                            problems.append(f"tasks file '{name}' (in {via}) does not exist")
                        else:
                            data, error = self.load(found)
                            if error:
                                problems.append(f"{self.rel(found)} cannot be parsed: {error}")
                            else:
                                self._walk_tasks(data, base_dir, uses, problems,
                                                 self.rel(found), follow_files)

    def _walk_playbook(self, path, uses, problems, seen):
        if path in seen:
            return
        seen.add(path)
        data, error = self.load(path)
        via = self.rel(path)
        if error:
            problems.append(f"{via} cannot be parsed: {error}")
            return
        if data is None:
            return
        if not isinstance(data, list):
            problems.append(f"{via} is not a list of plays")
            return
        for play in data:
            if not isinstance(play, dict):
                problems.append(f"{via} has a play that is not a dictionary")
                continue
            for module in PLAYBOOK_IMPORT_MODULES:
                target = play.get(module)
                if isinstance(target, str) and not is_templated(target):
                    imported = path.parent / target
                    if imported.is_file():
                        self._walk_playbook(imported, uses, problems, seen)
                    else:
                        problems.append(f"imported playbook '{target}' (in {via}) "
                                        "does not exist")
            for entry in as_list(play.get("roles")):
                name = self._role_name(entry)
                if name:
                    uses.append((name, via, path.parent))
            for key in TASK_LIST_KEYS:
                self._walk_tasks(play.get(key), path.parent, uses, problems, via, True)

    def find_role(self, name, base_dir):
        if "/" in name:
            candidate = (base_dir / name).resolve()
            return candidate if candidate.is_dir() else None
        for candidate in (self.root / "roles" / name, base_dir / "roles" / name):
            if candidate.is_dir():
                return candidate
        return None

    def role_uses(self, role_dir, base_dir):
        """Roles used by a role's tasks, handlers and meta dependencies.

        They are looked up like the playbook's own roles: on the roles path
        (roles/ at the repository root) and beside the playbook (base_dir).
        """
        uses, problems = [], []
        for sub in ("tasks", "handlers"):
            directory = role_dir / sub
            if not directory.is_dir():
                continue
            for path in sorted(directory.rglob("*")):
                if path.suffix in (".yaml", ".yml") and path.is_file():
                    data, error = self.load(path)
                    if error:
                        problems.append(f"{self.rel(path)} cannot be parsed: {error}")
                    else:
                        self._walk_tasks(data, base_dir, uses, problems, self.rel(path),
                                         False)
        for meta_name in ("main.yaml", "main.yml"):
            meta = role_dir / "meta" / meta_name
            if meta.is_file():
                data, error = self.load(meta)
                if error:
                    problems.append(f"{self.rel(meta)} cannot be parsed: {error}")
                elif isinstance(data, dict):
                    for entry in as_list(data.get("dependencies")):
                        name = self._role_name(entry)
                        if name:
                            uses.append((name, self.rel(meta), base_dir))
        return uses, problems

    def check_playbook(self, path):
        """Return a list of problems for the playbook at path."""
        uses, problems = [], []
        self._walk_playbook(path, uses, problems, set())
        visited = set()
        while uses:
            name, via, base_dir = uses.pop(0)
            if is_templated(name):
                continue
            if "/" not in name and "." in name:
                continue  # a collection role: namespace.collection.role
            role_dir = self.find_role(name, base_dir)
            if role_dir is None:
                if name not in self.external_roles:
                    problems.append(f"uses role '{name}' (in {via}), which does not exist "
                                    "under roles/")
                continue
            self.roles_found.add(role_dir)
            if role_dir in visited:
                continue
            visited.add(role_dir)
            more_uses, more_problems = self.role_uses(role_dir, base_dir)
            uses.extend(more_uses)
            problems.extend(more_problems)
        return problems


def check_playbooks(root, items, external_roles, report):
    roles = RoleChecker(root, external_roles)
    checked = {}
    resolved_root = root.resolve()
    for item, key, name in playbook_references(items):
        path = (root / name).resolve()
        if Path(name).is_absolute() or not path.is_relative_to(resolved_root):
            report.item_error(item, f"playbook '{name}' must be a path inside the repository",
                              key=key)
            continue
        if not path.is_file():
            hint = ""
            for ext in (".yaml", ".yml"):
                if not Path(name).suffix and (root / (name + ext)).is_file():
                    hint = (f" (Zuul uses the path as written and adds no extension: "
                            f"did you mean '{name}{ext}'?)")
                    break
            report.item_error(item, f"playbook '{name}' does not exist{hint}", key=key)
            continue
        if path in checked:
            continue  # each playbook's contents are reported once
        checked[path] = True
        for problem in roles.check_playbook(path):
            report.item_error(item, f"playbook '{name}': {problem}", key=key)
    return len(checked), len(roles.roles_found)


# --------------------------------------------------------------------------


def pipeline_connection_names(items):
    names = set()
    for item in items:
        if item.kind != "pipeline":
            continue
        for key in PIPELINE_DRIVER_KEYS:
            value = item.conf.get(key)
            if isinstance(value, dict):
                names.update(str(name) for name in value)
    return names


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Validate the Zuul configuration with Zuul's own parser schemas.")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_ROOT,
                        help="repository root (default: %(default)s)")
    parser.add_argument("--allow-parent", action="append", default=[], metavar="NAME",
                        help="an external job that may be used as parent (repeatable); "
                             f"always allowed: {', '.join(EXTERNAL_PARENTS)}")
    parser.add_argument("--external-role", action="append", default=[], metavar="NAME",
                        help="a role provided by another repository (repeatable); "
                             f"always allowed: {', '.join(EXTERNAL_ROLES)}")
    parser.add_argument("--connection", action="append", default=[], metavar="NAME=DRIVER",
                        help="map a pipeline connection name to a Zuul driver (repeatable)")
    parser.add_argument("--project-name", default=None, metavar="ORG/NAME",
                        help="project name for the source context (default: openstack/<dir>)")
    args = parser.parse_args(argv)
    for spec in args.connection:
        name, _, driver = spec.partition("=")
        if not name or driver not in DRIVER_CLASSES:
            parser.error(f"--connection {spec!r}: expected NAME=DRIVER with DRIVER one of "
                         f"{', '.join(sorted(DRIVER_CLASSES))}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        z = import_zuul()
    except ZuulMissing as exc:
        print("check_zuul_config: the 'zuul' package is not importable "
              f"({exc}); run 'tox -e zuul' or use a virtualenv with zuul installed",
              file=sys.stderr)
        return 2
    root = args.root.resolve()
    if not root.is_dir():
        print(f"check_zuul_config: {root} is not a directory", file=sys.stderr)
        return 2
    project_name = args.project_name or f"openstack/{root.name}"
    connection_map = dict(DEFAULT_CONNECTIONS)
    connection_map.update(spec.split("=", 1) for spec in args.connection)

    report = Report()
    files = find_config_files(root, report)
    items = load_items(z, root, files, project_name, report)
    connections = build_connections(connection_map, pipeline_connection_names(items), report)
    pcontext = build_parse_context(z, connections)
    validate_items(z, pcontext, items, report)
    check_parents(items, set(EXTERNAL_PARENTS) | set(args.allow_parent), report)
    check_secrets(items, report)
    n_playbooks, n_roles = check_playbooks(
        root, items, set(EXTERNAL_ROLES) | set(args.external_role), report)
    tox_envs = check_tox_envs(root, items, report)

    for note in report.notes:
        print(note, file=sys.stderr)
    if report.errors:
        for line in report.errors:
            print(line)
        print(f"check_zuul_config: {len(report.errors)} problem(s)", file=sys.stderr)
        return 1

    def count(kind):
        return sum(1 for item in items if item.kind == kind)

    summary = (f"checked {count('job')} jobs, {count('project-template')} project-templates, "
               f"{count('project')} projects, {count('nodeset')} nodesets, "
               f"{count('secret')} secrets, {count('semaphore')} semaphores, "
               f"{count('pipeline')} pipelines (schema only)")
    others = len(items) - sum(count(k) for k in ("job", "project-template", "project",
                                                   "nodeset", "secret", "semaphore",
                                                   "pipeline"))
    if others:
        summary += f", {others} other items"
    summary += f" in {len(files)} files; {n_playbooks} playbooks and {n_roles} roles found"
    if tox_envs:
        summary += f"; tox environments run by jobs: {', '.join(tox_envs)}"
    summary += ": OK"
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
