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

"""Where the release team's Zuul project definitions publish each repository.

A checkout of openstack/project-config holds, in ``zuul.d/projects.yaml``,
the templates of every repository of the tenant. Those templates say where a
release goes, without a checkout of the repository itself:

- PyPI, through the release account: any template whose name contains
  ``pypi`` (``publish-to-pypi``, ``publish-to-pypi-stable-only``,
  ``publish-to-pypi-quietly``, ``publish-xstatic-to-pypi``), the rule of
  openstack/releases' ``validate_pypi_permissions``; and, outside templates,
  the ``release-openstack-python`` job in a ``release`` or ``pre-release``
  pipeline;
- Puppet Forge: ``puppet-release-jobs`` (or the older ``puppet-tarball-jobs``);
- npm: ``nodejs<N>-publish-to-npm``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.yamlfile import YamlFileError, read_yaml

PROJECTS_FILE = "zuul.d/projects.yaml"
PUPPET_TEMPLATES = frozenset({"puppet-release-jobs", "puppet-tarball-jobs"})
NPM_TEMPLATE_RE = re.compile(r"^nodejs\d*-publish-to-npm$")
PYPI_JOBS = frozenset({"release-openstack-python"})
RELEASE_PIPELINES = ("release", "pre-release")


class ProjectConfigError(AuditInputError):
    """The project-config checkout could not be read: nothing is cross-checked."""


def publishes(templates: Iterable[str], jobs: Iterable[str] = ()) -> str | None:
    """``pypi``, ``puppet``, ``npm`` or None: where these templates and release
    jobs publish a repository's releases."""
    if any("pypi" in template for template in templates) or PYPI_JOBS & set(jobs):
        return "pypi"
    if PUPPET_TEMPLATES & set(templates):
        return "puppet"
    if any(NPM_TEMPLATE_RE.match(template) for template in templates):
        return "npm"
    return None


def _job_names(project: dict[str, Any], where: str, problems: list[str]) -> list[str]:
    names: list[str] = []
    for pipeline in RELEASE_PIPELINES:
        settings = project.get(pipeline)
        if settings is None:
            continue
        jobs = settings.get("jobs") if isinstance(settings, dict) else None
        if not isinstance(jobs, list):
            problems.append(f"{where}.{pipeline}: expected a mapping with a list of jobs")
            continue
        for job in jobs:
            # A job is its name, or a one-key mapping of its name to its settings.
            if isinstance(job, str):
                names.append(job)
            elif isinstance(job, dict) and len(job) == 1 and isinstance(next(iter(job)), str):
                names.append(next(iter(job)))
            else:
                problems.append(f"{where}.{pipeline}.jobs: {job!r} is not a job")
    return names


def read_project_config(checkout: str | os.PathLike[str]) -> dict[str, str | None]:
    """``{repository: where it publishes}`` for every repository named in the
    checkout's ``zuul.d/projects.yaml`` (``pypi``, ``puppet``, ``npm`` or None).

    Several stanzas of one repository are merged, as Zuul does; stanzas named
    by a regular expression (``^openstack/.*``) are not a repository and are
    skipped. A missing or malformed file raises :class:`ProjectConfigError`
    naming the file and every entry at fault.
    """
    path = Path(checkout) / PROJECTS_FILE
    try:
        data = read_yaml(path)
    except FileNotFoundError:
        raise ProjectConfigError(
            f"{path}: not found: pypi_guard_project_config must be a checkout of "
            f"openstack/project-config") from None
    except YamlFileError as exc:
        raise ProjectConfigError(f"{path}: cannot be read: {exc.detail}") from None
    if not isinstance(data, list):
        raise ProjectConfigError(f"{path}: expected a list of Zuul configuration items")
    problems: list[str] = []
    templates: dict[str, list[str]] = {}
    jobs: dict[str, list[str]] = {}
    for index, item in enumerate(data):
        where = f"{path}: item {index}"
        if not isinstance(item, dict) or "project" not in item:
            continue  # not a project stanza: nothing to read here
        project = item["project"]
        name = project.get("name") if isinstance(project, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(f"{where}: project: expected a mapping with a name")
            continue
        where = f"{path}: project {name}"
        if name.startswith("^"):
            continue
        names = project.get("templates") or []
        if not isinstance(names, list) or not all(isinstance(t, str) for t in names):
            problems.append(f"{where}: templates: expected a list of names, got {names!r}")
            continue
        templates.setdefault(name, []).extend(names)
        jobs.setdefault(name, []).extend(_job_names(project, where, problems))
    if problems:
        raise ProjectConfigError(problems)
    return {name: publishes(templates[name], jobs[name]) for name in templates}
