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

"""Which PyPI projects the releases repository publishes.

The rules are those of openstack/releases (``deliverable.py`` and
``cmds/validate.py``); doc/source/managed-set.rst says where each comes from:

- a deliverable with ``release-model: untagged`` is never tagged, so never
  published;
- end-of-life tags (versions ending in ``-eol``, ``-eom``, ``-em`` or
  ``-last``: ``Release.is_eol`` ...) are not releases: they contribute no
  repository, version or name, and a file whose every entry is one
  contributes nothing (no base-name guess);
- its repositories are the keys of ``repository-settings`` and every
  ``releases[].projects[].repo``; one flagged ``no-artifact-build-job`` builds
  nothing, one flagged ``retired`` stays managed (its PyPI name can still be
  taken over);
- the repositories of a deliverable with ``artifact-link-mode: none``
  publish to PyPI only when project-config gives them a PyPI job;
- a repository's release type is the deliverable's ``release-type``; else
  derived from its ``type`` or ``include-pypi-link``; else a puppet module or
  an npm package when the repository is one (openstack/releases looks into
  the repository's checkout; here the templates of openstack/project-config
  say it, and a ``puppet-*`` repository they do not publish to PyPI is a
  puppet module whatever its team); else ``python-service``;
- a repository's PyPI name is its ``pypi-name`` setting; else the
  ``tarball-base`` of its newest release entry that sets one, else of its
  ``repository-settings``; else the repository's base name.

Every deliverable is checked first, against the releases repository's own
``openstack_releases/schema.yaml`` when the checkout has it and always for
the keys read here: a bad file stops the derivation with one problem per
fault, naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.names import normalize_name
from ansible.module_utils.pypi_guard.project_config import read_project_config
from ansible.module_utils.pypi_guard.yamlfile import YamlFileError, read_yaml

PYPI_RELEASE_TYPES = frozenset(
    {"python-service", "python-pypi", "neutron", "horizon", "xstatic"})
# The release types of openstack/releases' schema.yaml.
KNOWN_RELEASE_TYPES = PYPI_RELEASE_TYPES | {
    "fuel", "nodejs", "puppet", "openstack-manuals", "manila-image-elements",
    "openstack-virtual-baremetal", "generic"}
# openstack/releases' _TYPE_TO_RELEASE_TYPE.
_TYPE_TO_RELEASE_TYPE = {
    "library": "python-pypi", "service": "python-service", "horizon-plugin": "horizon"}
# What a repository is, when the deliverable does not say: project-config's
# (or the fallback's) word -> release type.
_REPOSITORY_KIND_TO_RELEASE_TYPE: dict[str | None, str] = {"puppet": "puppet", "npm": "nodejs"}
SCHEMA_FILE = "openstack_releases/schema.yaml"
# openstack/releases' Release.is_eol, is_eom, is_em and is_last.
END_OF_LIFE_SUFFIXES = ("-eol", "-eom", "-em", "-last")

NO_PROJECT_CONFIG_WARNING = (
    "the project-config cross-check did not run (pypi_guard_project_config is not "
    "set): puppet modules are told apart by name only (puppet-*), npm packages "
    "without release-type are taken for PyPI projects, repositories of "
    "artifact-link-mode: none deliverables are left out, and repositories that "
    "publish to PyPI without a deliverable are not looked for")

# Why a repository is left out, for --explain.
WHY_UNTAGGED = "release-model: untagged: never tagged, never published"
WHY_END_OF_LIFE = ("every release entry of the file is an end-of-life tag (-eol, -eom, -em, "
                   "-last): no release job runs for them, and no name is guessed from them")
WHY_NO_ARTIFACT = "flagged no-artifact-build-job: builds nothing"
WHY_LINK_NONE = "artifact-link-mode: none, and project-config gives it no PyPI job"
WHY_UNKNOWN_TYPE = "unknown release-type"


class DeliverablesError(AuditInputError):
    """The releases repository could not be read: nothing can be derived.

    ``problems`` has one line per fault, each naming its file."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(list(problems) or [message],
                         "\n".join([message, *problems]) if problems else message)


def is_end_of_life(version: object) -> bool:
    """Whether a release entry's version is an end-of-life tag (``rocky-eol``,
    ``2023.1-eom``, ``ocata-em``, ``zed-last``), not a release."""
    return isinstance(version, str) and version.endswith(END_OF_LIFE_SUFFIXES)


def release_type(deliverable: Mapping[str, Any], name: str = "",
                 repository_kind: str | None = None) -> Any:
    """The release type of a deliverable's repository, as openstack/releases
    derives it (``get_release_type``): ``repository_kind`` is ``puppet`` or
    ``npm`` when the repository is one, and is asked only when the
    deliverable itself does not decide."""
    if deliverable.get("release-type"):
        return deliverable["release-type"]
    # openstack/releases' Deliverable.type
    if "tempest-plugin" in name:
        kind: str | None = "tempest-plugin"
    elif deliverable.get("release-model") == "cycle-trailing":
        kind = "trailing"
    else:
        kind = deliverable.get("type")
    if kind in _TYPE_TO_RELEASE_TYPE:
        return _TYPE_TO_RELEASE_TYPE[kind]
    if deliverable.get("include-pypi-link"):
        return "python-pypi"
    return _REPOSITORY_KIND_TO_RELEASE_TYPE.get(repository_kind, "python-service")


@dataclass
class ManagedProject:
    """One PyPI project that the releases repository publishes."""

    name: str  # PEP 503 normal form
    pypi_name: str  # as first spelled in the deliverables
    repositories: set[str] = field(default_factory=set)  # "openstack/nova"
    # Why it is managed: "deliverables/epoxy/nova.yaml: openstack/nova", "extra_projects"
    sources: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)  # releases[].version
    retired: bool = False
    # The run-time class (reach.py): managed, account-only, without-account,
    # not-published; None until the release account's reach is read.
    kind: str | None = None

    @property
    def namespaces_and_repos(self) -> list[tuple[str, ...]]:
        """``(namespace, repo)`` pairs, e.g. ``("openstack", "nova")``."""
        return sorted(tuple(r.split("/", 1)) for r in self.repositories if "/" in r)


@dataclass
class ManagedSet:
    """The derived projects, and what the reports must say about the derivation."""

    projects: dict[str, ManagedProject]  # normal name -> ManagedProject
    project_config_checked: bool = False
    # Repositories project-config publishes to PyPI that no deliverable names
    # (only known when project_config_checked).
    unlisted_publishers: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # lines
    # Every repository of every deliverable file, in or out, and why.
    decisions: list[tuple[str, Decision]] = field(default_factory=list)
    # The release account's reach (reach.py): the accounts asked (None: not
    # asked), the names PyPI does not know, and the report's additions.
    reach_accounts: list[str] | None = None
    not_published: list[str] = field(default_factory=list)
    reach_warnings: list[Any] = field(default_factory=list)  # AuditFinding
    reach_errors: list[dict[str, str]] = field(default_factory=list)  # {"project", "detail"}

    def report(self) -> dict[str, Any]:
        """What the audits' reports say about the set: whether project-config
        was cross-checked, the warnings, why each project is in it and, once
        the release account's reach is read, each project's class."""
        report: dict[str, Any] = {
            "project_config_checked": self.project_config_checked,
            "warnings": list(self.warnings),
            "unlisted_publishers": list(self.unlisted_publishers),
            "sources": {name: source_lines(project.sources)
                        for name, project in sorted(self.projects.items())},
        }
        if self.reach_accounts is not None:
            classes = {name: project.kind
                       for name, project in sorted(self.projects.items()) if project.kind}
            classes.update((normalize_name(name), "not-published") for name in self.not_published)
            counts: dict[str, int] = {}
            for kind in classes.values():
                counts[kind] = counts.get(kind, 0) + 1
            report.update(required_owners=list(self.reach_accounts),
                          classes=dict(sorted(classes.items())),
                          class_counts=dict(sorted(counts.items())))
        return report


def source_lines(sources: Iterable[str]) -> list[str]:
    """A project's ``sources``, sorted, with the deliverable files of one
    repository grouped: ``openstack/nova: deliverables/{epoxy,flamingo}/nova.yaml``."""
    grouped: dict[tuple[str, str], list[str]] = {}
    lines: list[str] = []
    for source in sources:
        path, separator, repo = source.partition(": ")
        parts = path.split("/")
        if separator and len(parts) == 3 and parts[0] == "deliverables":
            grouped.setdefault((repo, parts[2]), []).append(parts[1])
        else:
            lines.append(source)
    for (repo, filename), series in grouped.items():
        where = series[0] if len(series) == 1 else "{" + ",".join(sorted(series)) + "}"
        lines.append(f"{repo}: deliverables/{where}/{filename}")
    return sorted(lines)


def deliverable_files(releases_repo: str | os.PathLike[str]) -> tuple[list[Path], list[str]]:
    """``(files, problems)``: every ``deliverables/<series>/<name>.yaml`` of a
    releases checkout, sorted, and a problem for each file there that
    openstack/releases would skip for its name (``.yml``) and for each that
    is a symlink leaving the checkout (it would read any file of the host)."""
    root = Path(releases_repo)
    deliverables = root / "deliverables"
    if not deliverables.is_dir():
        raise DeliverablesError(
            f"{root}: not a checkout of the releases repository "
            f"(no deliverables/ directory); set pypi_guard_releases_repo")
    files: list[Path] = []
    problems: list[str] = []
    inside = root.resolve()
    for path in sorted(deliverables.glob("*/*")):
        if path.suffix == ".yaml" and not path.resolve().is_relative_to(inside):
            problems.append(f"{path}: refused: a symlink that leaves the checkout "
                            f"(to {path.resolve()}); a deliverable must be a file of it")
        elif path.suffix == ".yaml":
            files.append(path)
        elif path.suffix.lower() in (".yml", ".yaml"):
            problems.append(f"{path}: a deliverable file must end in .yaml; "
                            "openstack/releases ignores this one: rename or remove it")
    if not files and not problems:
        raise DeliverablesError(f"{deliverables}: no deliverable files found")
    return files, problems


def load_deliverable(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse one deliverable file; a file that is not a mapping is an error."""
    try:
        data = read_yaml(path)
    except YamlFileError as exc:
        raise DeliverablesError(f"{path}: cannot read the deliverable: {exc.detail}") from None
    except OSError as exc:
        raise DeliverablesError(
            f"{path}: cannot read the deliverable: {exc.strerror or exc}") from None
    if not isinstance(data, dict):
        raise DeliverablesError(f"{path}: a deliverable must be a mapping")
    return data


# (path, mtime_ns, size) -> validator: the schema is compiled once per run.
Validator = tuple[Path, jsonschema.Draft4Validator]
_VALIDATORS: dict[tuple[str, int, int], Validator] = {}


def schema_validator(releases_repo: str | os.PathLike[str]) -> Validator | None:
    """A validator of the checkout's ``openstack_releases/schema.yaml``, or
    None when the checkout has no such file."""
    path = Path(releases_repo) / SCHEMA_FILE
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DeliverablesError(f"{path}: cannot read the deliverable schema: {exc}") from exc
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _VALIDATORS:
        try:
            schema = read_yaml(path)
        except YamlFileError as exc:
            raise DeliverablesError(
                f"{path}: cannot read the deliverable schema: {exc.detail}") from None
        except OSError as exc:
            raise DeliverablesError(
                f"{path}: cannot read the deliverable schema: {exc.strerror or exc}") from None
        if not isinstance(schema, dict):
            raise DeliverablesError(f"{path}: the deliverable schema must be a mapping")
        # Draft 4, as openstack/releases' check_schema; the schema is not
        # checked against the metaschema (the real one would not pass it).
        _VALIDATORS.clear()
        _VALIDATORS[key] = (path, jsonschema.Draft4Validator(schema))
    return _VALIDATORS[key]


def _where(path_items: Iterable[object]) -> str:
    text = ""
    for item in path_items:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or "(top level)"


def _expect(problems: list[str], value: object, kinds: tuple[type, ...], where: str,
            what: str) -> bool:
    if not isinstance(value, kinds):
        problems.append(f"{where}: expected {what}, got {_short(value)}")
        return False
    return True


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _unnamed(problems: list[str], repo: object, where: str) -> None:
    """A problem when ``repo`` has no base name ('' or 'openstack/'): its
    PyPI name would be empty."""
    if isinstance(repo, str) and not repo.rsplit("/", 1)[-1].strip():
        problems.append(f"{where}: {_short(repo)} is not a repository name")


def shape_problems(data: dict[str, Any]) -> list[str]:
    """``(key path, problem)`` lines for the keys the derivation reads, so
    that no value of the wrong type gets further."""
    problems: list[str] = []
    for key in ("team", "type", "release-type", "release-model"):
        if key in data:
            _expect(problems, data[key], (str,), key, "a string")
    if "include-pypi-link" in data:
        _expect(problems, data["include-pypi-link"], (bool,), "include-pypi-link",
                "true or false")
    settings = data.get("repository-settings")
    if settings is not None and _expect(problems, settings, (dict,), "repository-settings",
                                        "a mapping of repositories"):
        for repo, values in settings.items():
            where = f"repository-settings.{repo}"
            if not _expect(problems, repo, (str,), where, "a repository name as key"):
                continue
            _unnamed(problems, repo, where)
            if values is None or not _expect(problems, values, (dict,), where, "a mapping"):
                continue
            for key in ("pypi-name", "tarball-base"):
                if key in values:
                    _expect(problems, values[key], (str,), f"{where}.{key}", "a string")
            flags = values.get("flags")
            if isinstance(flags, list):
                for index, flag in enumerate(flags):
                    _expect(problems, flag, (str,), f"{where}.flags[{index}]", "a string")
            elif flags is not None and not isinstance(flags, str):
                problems.append(f"{where}.flags: expected a list, got {_short(flags)}")
    releases = data.get("releases")
    if releases is None or not _expect(problems, releases, (list,), "releases", "a list"):
        return problems
    for index, release in enumerate(releases):
        where = f"releases[{index}]"
        if not _expect(problems, release, (dict,), where, "a mapping"):
            continue
        version = release.get("version")
        if isinstance(version, (int, float)) and not isinstance(version, bool):
            problems.append(
                f"{where}.version: {_short(version)} is read by YAML as a "
                f"{type(version).__name__}, not the version written (1.10 reads as 1.1): "
                "quote it")
        elif version is not None:
            _expect(problems, version, (str,), f"{where}.version", "a version string")
        projects = release.get("projects")
        if projects is None or not _expect(problems, projects, (list,), f"{where}.projects",
                                           "a list"):
            continue
        for number, project in enumerate(projects):
            at = f"{where}.projects[{number}]"
            if not _expect(problems, project, (dict,), at, "a mapping"):
                continue
            _expect(problems, project.get("repo"), (str,), f"{at}.repo", "a repository name")
            _unnamed(problems, project.get("repo"), f"{at}.repo")
            if "tarball-base" in project:
                _expect(problems, project["tarball-base"], (str,), f"{at}.tarball-base",
                        "a string")
    return problems


def check_deliverable(path: str | os.PathLike[str], data: dict[str, Any],
                      validator: Validator | None) -> tuple[list[str], list[str]]:
    """``(problems, warnings)`` for one parsed deliverable, each line naming
    the file. An unknown ``release-type`` is a warning (the schema's own
    complaint about it is left out): :func:`known_release_type` decides."""
    problems = [f"{path}: {problem}" for problem in shape_problems(data)]
    if validator is not None and not problems:
        schema_path, schema = validator
        try:
            errors = sorted(schema.iter_errors(data), key=lambda e: list(e.absolute_path))
        except Exception as exc:  # noqa: BLE001 - any fault of the schema itself
            raise DeliverablesError(
                f"{schema_path}: the deliverable schema cannot be applied ({path}): "
                f"{exc}") from exc
        for error in errors:
            if list(error.absolute_path) == ["release-type"] and error.validator == "enum":
                continue
            message = error.message if len(error.message) <= 200 else error.message[:200] + "..."
            problems.append(f"{path}: {_where(error.absolute_path)}: {message} "
                            f"(openstack_releases/schema.yaml)")
    warnings = [f"{path}: repository-settings.{repo}.flags: {flags!r} is text, not a "
                f"list: read as openstack/releases reads it, as the flags it contains "
                f"({', '.join(sorted(repository_flags(flags))) or 'none'})"
                for repo, flags in _text_flags(data)]
    kind = data.get("release-type")
    if isinstance(kind, str) and kind and kind not in KNOWN_RELEASE_TYPES:
        known = known_release_type(kind)
        outcome = (f"read as {known}" if known
                   else "its repositories are left out of the managed set")
        warnings.append(f"{path}: release-type {kind!r} is not one openstack/releases "
                        f"knows: {outcome}")
    return problems, warnings


def known_release_type(kind: str) -> str | None:
    """The known release type ``kind`` is a mis-casing of, or None."""
    matches = [known for known in KNOWN_RELEASE_TYPES if known.lower() == kind.strip().lower()]
    return matches[0] if matches else None


def repository_flags(flags: str | Iterable[str] | None) -> set[str]:
    """The flags of a repository's ``flags`` setting. Text (``-retired``, a
    list item that lost its space) is read as openstack/releases reads it:
    ``'retired' in flags`` finds it."""
    if isinstance(flags, str):
        return {flag for flag in ("no-artifact-build-job", "retired") if flag in flags}
    return set(flags or [])


def _text_flags(data: dict[str, Any]) -> list[tuple[str, str]]:
    settings = data.get("repository-settings")
    if not isinstance(settings, dict):
        return []
    return [(repo, values["flags"]) for repo, values in settings.items()
            if isinstance(values, dict) and isinstance(values.get("flags"), str)]


def _repository_kind(repo: str, publishers: Mapping[str, str | None] | None) -> str | None:
    """``puppet``, ``npm``, ``pypi`` or None: what the repository publishes
    according to project-config; a ``puppet-*`` repository it does not
    publish to PyPI is a puppet module (what openstack/releases finds in its
    checkout), whatever its team, retired or not."""
    kind = publishers.get(repo) if publishers is not None else None
    if kind is None and repo.rsplit("/", 1)[-1].startswith("puppet-"):
        return "puppet"
    return kind


def _repositories(data: dict[str, Any]) -> dict[str, tuple[str | None, set[str]]]:
    """``{repo: (tarball-base of the newest release that sets one, versions)}``
    for the repositories of a deliverable's release entries (file order is
    oldest first, as openstack/releases reads it); end-of-life tags are not
    releases and are skipped."""
    found: dict[str, tuple[str | None, set[str]]] = {}
    for release in data.get("releases") or []:
        if is_end_of_life(release.get("version")):
            continue
        for project in release.get("projects") or []:
            tarball_base, versions = found.get(project["repo"], (None, set()))
            if project.get("tarball-base"):
                tarball_base = project["tarball-base"]
            if release.get("version") is not None:
                versions.add(release["version"])
            found[project["repo"]] = (tarball_base, versions)
    return found


def only_end_of_life(data: dict[str, Any]) -> bool:
    """Whether a deliverable has release entries and every one is an
    end-of-life tag (``ocata/packaging-deb.yaml``, the fuel repositories)."""
    releases = data.get("releases") or []
    return bool(releases) and all(is_end_of_life(r.get("version")) for r in releases)


def _all_repositories(data: dict[str, Any]) -> set[str]:
    named = set(data.get("repository-settings") or {})
    for release in data.get("releases") or []:
        named |= {project["repo"] for project in release.get("projects") or []}
    return named


@dataclass
class Decision:
    """One repository of one deliverable file: in the set (``why_out`` empty)
    or out, and why."""

    repo: str
    pypi_name: str  # what its PyPI name is, or would be
    release_type: str
    versions: set[str]
    retired: bool
    why_out: str = ""
    guessed: bool = False  # the name is the repository's base name
    released: bool = False  # the file has a release entry (not end-of-life) of it


def repository_decisions(data: dict[str, Any], name: str = "",
                         publishers: Mapping[str, str | None] | None = None) -> list[Decision]:
    """A :class:`Decision` for every repository a deliverable names.

    ``name`` is the deliverable's (its file name without ``.yaml``);
    ``publishers`` is :func:`read_project_config`'s answer, or None to fall
    back on the deliverable alone.
    """
    settings = data.get("repository-settings") or {}
    in_releases = _repositories(data)
    deliverable = dict(data)
    why_file = ""
    if data.get("release-model") == "untagged":
        why_file = WHY_UNTAGGED
    elif only_end_of_life(data):
        why_file = WHY_END_OF_LIFE
    if deliverable.get("release-type") not in (None, "", *KNOWN_RELEASE_TYPES):
        deliverable["release-type"] = known_release_type(deliverable["release-type"]) or ""
        if not deliverable["release-type"] and not why_file:
            why_file = f"{WHY_UNKNOWN_TYPE} {data['release-type']!r}"
    result: list[Decision] = []
    for repo in sorted(_all_repositories(data)):
        repo_settings = settings.get(repo) or {}
        flags = repository_flags(repo_settings.get("flags"))
        kind = _repository_kind(repo, publishers)
        rtype = release_type(deliverable, name, kind) or "unknown"
        tarball_base, versions = in_releases.get(repo, (None, set()))
        pypi_name = (repo_settings.get("pypi-name") or tarball_base
                     or repo_settings.get("tarball-base"))
        guessed = not pypi_name
        pypi_name = pypi_name or repo.rsplit("/", 1)[-1]
        why_out = why_file
        if not why_out and repo not in settings and repo not in in_releases:
            why_out = "named only in end-of-life tags of this file"
        if not why_out and "no-artifact-build-job" in flags:
            why_out = WHY_NO_ARTIFACT
        if not why_out and rtype not in PYPI_RELEASE_TYPES:
            why_out = f"release type {rtype}: not published to PyPI"
            if kind is not None and not data.get("release-type"):
                why_out += (" (project-config's templates)" if publishers and repo in publishers
                             else " (a puppet-* repository)")
        if (not why_out and data.get("artifact-link-mode") == "none"
                and (publishers or {}).get(repo) != "pypi"):
            why_out = WHY_LINK_NONE
        result.append(Decision(repo, pypi_name, rtype, versions, "retired" in flags, why_out,
                               guessed, repo in in_releases))
    return result


def projects_of_deliverable(data: dict[str, Any], name: str = "",
                            publishers: Mapping[str, str | None] | None = None,
                            ) -> list[tuple[str, str, set[str], bool]]:
    """``(pypi_name, repo, versions, retired)`` for each repository of a
    deliverable that is published to PyPI (:func:`repository_decisions`)."""
    return [(d.pypi_name, d.repo, d.versions, d.retired)
            for d in repository_decisions(data, name, publishers) if not d.why_out]


Deliverable = tuple[Path, str, dict[str, Any]]


def read_deliverables(releases_repo: str | os.PathLike[str],
                      ) -> tuple[list[Deliverable], list[str]]:
    """``(path, name, data)`` of every deliverable, and the warnings about
    them; raises :class:`DeliverablesError` with every problem found."""
    files, problems = deliverable_files(releases_repo)
    validator = schema_validator(releases_repo)
    deliverables: list[Deliverable] = []
    warnings: list[str] = []
    for path in files:
        try:
            data = load_deliverable(path)
        except DeliverablesError as exc:
            problems += exc.problems
            continue
        file_problems, file_warnings = check_deliverable(path, data, validator)
        problems += file_problems
        warnings += file_warnings
        deliverables.append((path, path.stem, data))
    if problems:
        raise DeliverablesError(
            f"{Path(releases_repo) / 'deliverables'}: {len(problems)} problem(s) in the "
            "deliverables; nothing is audited until they are fixed:", problems)
    return deliverables, warnings


def derive_managed_set(releases_repo: str | os.PathLike[str],
                       project_config: str | os.PathLike[str] | None = None) -> ManagedSet:
    """The :class:`ManagedSet` of a releases checkout, cross-checked with a
    project-config checkout when ``project_config`` is given."""
    deliverables, warnings = read_deliverables(releases_repo)
    publishers = read_project_config(project_config) if project_config else None
    if publishers is None:
        warnings.append(NO_PROJECT_CONFIG_WARNING)
    root = Path(releases_repo)
    named: set[str] = set()
    decisions: list[tuple[str, Decision]] = []
    for path, name, data in deliverables:
        source = os.path.relpath(path, root)
        named |= _all_repositories(data)
        decisions += [(source, d) for d in repository_decisions(data, name, publishers)]
    # A file that releases nothing of a repository and names it nothing does
    # not add its base name to a repository other files name (the tagless
    # requirements.yaml files: openstack/requirements is openstack_requirements).
    spelled: dict[str, set[str]] = {}
    for _source, decision in decisions:
        if not decision.why_out and not decision.guessed:
            spelled.setdefault(decision.repo, set()).add(decision.pypi_name)
    projects: dict[str, ManagedProject] = {}
    for source, decision in decisions:
        if (not decision.why_out and decision.guessed and not decision.released
                and decision.repo in spelled
                and normalize_name(decision.pypi_name) not in
                {normalize_name(n) for n in spelled[decision.repo]}):
            decision.why_out = (
                f"this file releases nothing of it and gives no name, and other files name it "
                f"{', '.join(sorted(spelled[decision.repo]))}: its base name is not guessed")
        if decision.why_out:
            continue
        normal = normalize_name(decision.pypi_name)
        project = projects.setdefault(normal, ManagedProject(normal, decision.pypi_name))
        project.repositories.add(decision.repo)
        project.sources.add(f"{source}: {decision.repo}")
        project.versions |= decision.versions
        project.retired = project.retired or decision.retired
    unlisted = sorted(repo for repo, kind in (publishers or {}).items()
                      if kind == "pypi" and repo not in named)
    return ManagedSet(projects, publishers is not None, unlisted, warnings, decisions)
