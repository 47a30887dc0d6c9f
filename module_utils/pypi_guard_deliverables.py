"""Which PyPI projects the releases repository publishes.

The rules are those of openstack/releases: a deliverable file's release type
(explicit ``release-type`` or derived from ``type``) says whether it is
published to PyPI, its repositories are the keys of ``repository-settings``
and every ``releases[].projects[].repo``, and a repository's PyPI name is its
``pypi-name`` setting or the repository's base name.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader

PYPI_RELEASE_TYPES = frozenset(
    {"python-service", "python-pypi", "neutron", "horizon", "xstatic"})


class DeliverablesError(Exception):
    """The releases repository could not be read: nothing can be derived."""


def normalize_name(name):
    """A project name in PEP 503 normal form (``oslo.config`` -> ``oslo-config``)."""
    return canonicalize_name(name)


def version_key(text):
    """A key equal for equal PEP 440 versions (1.0 and 1.0.0); text that is
    not a version (the ``rocky-em`` tags) is compared as text."""
    try:
        return ("pep440", Version(text))
    except InvalidVersion:
        return ("text", text.strip().lower())


def release_type(deliverable):
    """The release type of a deliverable, derived as openstack/releases does."""
    if deliverable.get("release-type"):
        return deliverable["release-type"]
    kind = deliverable.get("type")
    if kind == "library":
        return "python-pypi"
    if kind == "service":
        return "python-service"
    if kind == "horizon-plugin":
        return "horizon"
    if deliverable.get("include-pypi-link"):
        return "python-pypi"
    return "python-service"


@dataclass
class ManagedProject:
    """One PyPI project that the releases repository publishes."""

    name: str  # PEP 503 normal form
    pypi_name: str  # as first spelled in the deliverables
    repositories: set = field(default_factory=set)  # "openstack/nova"
    sources: set = field(default_factory=set)  # "epoxy/nova.yaml"
    versions: set = field(default_factory=set)  # releases[].version
    retired: bool = False

    @property
    def namespaces_and_repos(self):
        """``(namespace, repo)`` pairs, e.g. ``("openstack", "nova")``."""
        return sorted(tuple(r.split("/", 1)) for r in self.repositories if "/" in r)


def deliverable_files(releases_repo):
    """Every ``deliverables/<series>/<name>.yaml`` of a releases checkout, sorted."""
    root = Path(releases_repo)
    deliverables = root / "deliverables"
    if not deliverables.is_dir():
        raise DeliverablesError(
            f"{root}: not a checkout of the releases repository "
            f"(no deliverables/ directory); set pypi_guard_releases_repo")
    files = sorted(deliverables.glob("*/*.yaml"))
    if not files:
        raise DeliverablesError(f"{deliverables}: no deliverable files found")
    return files


def load_deliverable(path):
    """Parse one deliverable file; a file that is not a mapping is an error."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = yaml.load(stream, Loader=_Loader)  # noqa: S506 - a safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise DeliverablesError(f"{path}: cannot read the deliverable: {exc}") from exc
    if not isinstance(data, dict):
        raise DeliverablesError(f"{path}: a deliverable must be a mapping")
    return data


def _repository_flags(settings, repo):
    flags = (settings.get(repo) or {}).get("flags") or []
    return {flag for flag in flags if isinstance(flag, str)}


def projects_of_deliverable(data):
    """``(pypi_name, repo, versions, retired)`` for each published repository.

    Nothing when the release type is not published to PyPI; a repository
    flagged ``no-artifact-build-job`` builds no artifact and is left out.
    """
    if release_type(data) not in PYPI_RELEASE_TYPES:
        return []
    settings = data.get("repository-settings") or {}
    versions_by_repo = {}
    for release in data.get("releases") or []:
        for project in release.get("projects") or []:
            repo = project.get("repo")
            if repo:
                versions = versions_by_repo.setdefault(repo, set())
                if release.get("version") is not None:
                    versions.add(str(release["version"]))
    repos = set(settings) | set(versions_by_repo)
    result = []
    for repo in sorted(repos):
        flags = _repository_flags(settings, repo)
        if "no-artifact-build-job" in flags:
            continue
        pypi_name = (settings.get(repo) or {}).get("pypi-name") or repo.rsplit("/", 1)[-1]
        result.append((pypi_name, repo, versions_by_repo.get(repo, set()),
                       "retired" in flags))
    return result


def derive_managed_projects(releases_repo):
    """Map each managed project's normal name to its :class:`ManagedProject`."""
    projects = {}
    root = Path(releases_repo) / "deliverables"
    for path in deliverable_files(releases_repo):
        data = load_deliverable(path)
        source = os.path.relpath(path, root)
        for pypi_name, repo, versions, retired in projects_of_deliverable(data):
            name = normalize_name(pypi_name)
            project = projects.setdefault(name, ManagedProject(name, pypi_name))
            project.repositories.add(repo)
            project.sources.add(source)
            project.versions |= versions
            project.retired = project.retired or retired
    return projects
