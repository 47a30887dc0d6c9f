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

"""Release artifacts: which dists belong to the release, signing them with
the release key, and the preflight before an upload.

Only dists of the project and version being released are ever signed or
uploaded: a file in the artifacts directory that names another project or
version, or whose name does not parse as a dist, refuses the whole release
(a compromised build step must not get its files signed with the release
key and uploaded with the release credential).  A dist's own metadata (the
wheel's ``METADATA``, the sdist's ``PKG-INFO``) must name the same project
and version as its file name: an index takes the name from inside the file.

Under Zuul the release is not named by variables: :func:`deliverable_release`
finds it in the releases repository (openstack/releases), from the
repository being released and the tag, and the commit built must be the
``hash`` the deliverable file lists for that version.
"""

from __future__ import annotations

import email.parser
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatch
from typing import IO, Any, NamedTuple

from ansible.module_utils.pypi_guard.deliverables import (
    DeliverablesError,
    deliverable_files,
    load_deliverable,
    projects_of_deliverable,
)
from ansible.module_utils.pypi_guard.errors import PypiGuardError
from ansible.module_utils.pypi_guard.files import write_atomically
from ansible.module_utils.pypi_guard.gpg import (
    GnupgHome,
    SignatureCheck,
    SigningError,
    check_signing_key,
    format_fingerprint,
    import_keys,
    normalize_fingerprint,
    sign_detached,
    verify_detached,
)
from ansible.module_utils.pypi_guard.text import printable
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

DIST_PATTERNS = ("*.tar.gz", "*.whl")
SIGNATURE_SUFFIX = ".asc"

# The most of a dist's metadata file read (PKG-INFO, METADATA): the
# headers come first, and the description is not needed.
MAX_METADATA_BYTES = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_COMMIT = re.compile(r"^[0-9a-f]{40}$")

# A project name as PEP 508 allows it.
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


class PreflightError(SigningError):
    """The artifacts are not fit to upload; ``problems`` lists each reason."""

    def __init__(self, problems: Iterable[str],
                 files: list[dict[str, Any]] | None = None) -> None:
        lines = list(problems)
        self.files = files or []
        listed = "\n- ".join(lines)
        super().__init__(
            f"Refusing to upload anything: {len(lines)} problem(s) with the "
            f"release artifacts:\n- {listed}", lines)

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems, "files": self.files}


class WrongReleaseError(SigningError):
    """Dists of another project or version are among the artifacts;
    ``problems`` has one line per offending file."""

    def __init__(self, problems: Iterable[str], directory: str) -> None:
        lines = list(problems)
        listed = "\n- ".join(lines)
        super().__init__(
            f"Refusing to sign anything: {len(lines)} file(s) in {directory} "
            f"are not dists of the release being made:\n- {listed}", lines)


class SettingsError(PypiGuardError):
    """Settings of the role missing or not allowed: one message, every
    problem in it, separated by ``; ``."""

    def __init__(self, action: str, problems: Iterable[str]) -> None:
        lines = list(problems)
        super().__init__(f"Cannot {action}: " + "; ".join(lines), lines)


def _expected_fingerprint(value: str) -> str:
    try:
        return str(normalize_fingerprint(value))
    except ValueError as exc:
        raise SigningError(f"release_python_signed_fingerprint: {exc}") from None


# --------------------------------------------------------------------------
# Files


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_dists(directory: str, patterns: Sequence[str] = DIST_PATTERNS) -> list[str]:
    """Sorted paths of the regular files in ``directory`` matching ``patterns``."""
    if not os.path.isdir(directory):
        raise SigningError(f"the artifacts directory {directory} does not exist")
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and any(fnmatch(name, p) for p in patterns):
            found.append(path)
    return found


def find_signatures(directory: str) -> list[str]:
    """Sorted paths of the ``*.asc`` files in ``directory``."""
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
            if name.endswith(SIGNATURE_SUFFIX)
            and os.path.isfile(os.path.join(directory, name))]


def signature_path(path: str) -> str:
    return path + SIGNATURE_SUFFIX


def _file_entry(path: str, check: SignatureCheck | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path, "name": os.path.basename(path),
             "signature": signature_path(path), "sha256": sha256_file(path)}
    if check is not None:
        entry.update({"signer_fingerprint": check.signer_fingerprint,
                      "signing_key_fingerprint": check.signing_key_fingerprint,
                      "signature_timestamp": check.timestamp})
    return entry


# --------------------------------------------------------------------------
# Which release a dist belongs to


def parse_dist_filename(filename: str | os.PathLike[str]) -> tuple[str, Version]:
    """``(canonical project name, Version)`` of a wheel or sdist file name.

    Raises ``ValueError`` saying why when the name is not that of a dist.
    """
    name = os.path.basename(str(filename))
    try:
        if name.endswith(".whl"):
            project, version, _build, _tags = parse_wheel_filename(name)
        else:
            project, version = parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise ValueError(printable(f"{name}: not the file name of a Python dist ({exc})")) \
            from None
    return project, version


def release_identity(project: object, version: object) -> tuple[str, Version, str]:
    """The release being made, checked: ``(canonical name, Version, label)``.

    ``project`` is the project's name on the index (the sdist name, which
    may differ from the repository's); ``version`` the release's version
    (under Zuul, the tag).  Raises ``SigningError`` naming the variable.
    """
    project = project.strip() if isinstance(project, str) else ""
    text = version.strip() if isinstance(version, str) else ""
    if not project:
        raise SigningError("release_python_signed_project is not set (the project's name on "
                           "the index)")
    if not _PROJECT_NAME.match(project):
        raise SigningError(f"release_python_signed_project {ascii(project)} is not a project name")
    if not text:
        raise SigningError("release_python_signed_version is not set (the version being released; "
                           "under Zuul, the tag)")
    try:
        parsed = Version(text)
    except InvalidVersion:
        raise SigningError(f"release_python_signed_version {ascii(text)} is not a PEP 440 "
                           "version") from None
    return canonicalize_name(project), parsed, f"{project} {text}"


def _metadata_headers(raw: bytes, where: str) -> tuple[str, str]:
    """``(Name, Version)`` from the headers of a core metadata file."""
    text = raw.decode("utf-8", errors="replace")
    headers = email.parser.Parser().parsestr(text, headersonly=True)
    name, version = headers.get("Name"), headers.get("Version")
    if not name or not version:
        raise ValueError(f"{where} has no Name or no Version")
    return str(name).strip(), str(version).strip()


def _read_bounded(stream: IO[bytes], where: str) -> bytes:
    raw = stream.read(MAX_METADATA_BYTES + 1)
    if len(raw) > MAX_METADATA_BYTES:
        raise ValueError(f"{where} is larger than {MAX_METADATA_BYTES} bytes")
    return raw


def _wheel_metadata(path: str) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(path) as wheel:
            found = [n for n in wheel.namelist()
                     if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            if len(found) != 1:
                raise ValueError(f"has {len(found)} top-level *.dist-info/METADATA, not one")
            with wheel.open(found[0]) as stream:
                return _metadata_headers(_read_bounded(stream, found[0]), found[0])
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"is not a readable zip file ({exc})") from None


def _sdist_metadata(path: str) -> tuple[str, str]:
    with open(path, "rb") as handle:
        if handle.read(2) != _GZIP_MAGIC:
            raise ValueError("is not gzip-compressed (a .tar.gz must be a gzip tar)")
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            # PKG-INFO of the top-level directory, as indexes read it
            for member in tar:
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                    stream = tar.extractfile(member)
                    if stream is None:
                        break
                    return _metadata_headers(_read_bounded(stream, member.name), member.name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"is not a readable gzip tar ({exc})") from None
    raise ValueError("has no <top-level directory>/PKG-INFO")


def dist_metadata(path: str) -> tuple[str, Version]:
    """``(canonical name, Version)`` read from inside a dist: the wheel's
    ``*.dist-info/METADATA``, the sdist's ``<dir>/PKG-INFO`` (the sdist must
    be a gzip tar).  Raises ``ValueError`` saying why it cannot be read."""
    name = os.path.basename(str(path))
    reader = _wheel_metadata if name.endswith(".whl") else _sdist_metadata
    try:
        project, version = reader(path)
    except ValueError as exc:
        raise ValueError(printable(f"{name}: {exc}")) from None
    try:
        parsed = Version(version)
    except InvalidVersion:
        raise ValueError(printable(f"{name}: its metadata's Version {version!r:.80} is not a "
                                   "PEP 440 version")) from None
    return canonicalize_name(project), parsed


def release_problems(dists: Iterable[str], project: object, version: object) -> list[str]:
    """One line per path in ``dists`` that is not a dist of ``project``
    ``version``, by its file name and by its own metadata (wheel
    ``METADATA``, sdist ``PKG-INFO``; an index takes the name from inside
    the file): names are compared in PEP 503 normal form, versions as
    PEP 440 versions (``1.0`` is ``1.0.0``).  Raises ``SigningError`` when
    ``project`` or ``version`` is not usable (see :func:`release_identity`).
    """
    wanted_name, wanted_version, label = release_identity(project, version)
    problems: list[str] = []
    for path in dists:
        try:
            name, found = parse_dist_filename(path)
        except ValueError as exc:
            problems.append(f"{exc}; only dists of {label} may be released")
            continue
        if name != wanted_name or found != wanted_version:
            problems.append(printable(f"{os.path.basename(path)}: a dist of {name} {found}, "
                                      f"not of {label}, the release being made"))
            continue
        try:
            inner_name, inner_version = dist_metadata(path)
        except ValueError as exc:
            problems.append(f"{exc}; only dists of {label} may be released")
            continue
        if inner_name != wanted_name or inner_version != wanted_version:
            problems.append(printable(
                f"{os.path.basename(path)}: its metadata says {inner_name} {inner_version}, "
                f"not {label}, the release being made (the index would take that name)"))
    return problems


# --------------------------------------------------------------------------
# The release being made, from the releases repository


def source_commit(source_dir: str) -> str:
    """The commit checked out in ``source_dir`` (what the build built)."""
    git = shutil.which("git")
    if not git:
        raise SigningError(f"cannot read the commit of {source_dir}: git is not installed")
    try:
        proc = subprocess.run([git, "-C", str(source_dir), "rev-parse", "--verify",
                               "HEAD^{commit}"], capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SigningError(f"cannot read the commit of {source_dir}: {exc}") from None
    commit = proc.stdout.strip()
    if proc.returncode or not _COMMIT.match(commit):
        raise SigningError(f"cannot read the commit of {source_dir}: "
                           f"{printable(proc.stderr.strip())[:200] or 'not a git checkout'}")
    return commit


def _same_version(listed: object, version: str) -> bool:
    if str(listed) == version:
        return True
    try:
        return Version(str(listed)) == Version(version)
    except InvalidVersion:
        return False


def deliverable_release(releases_repo: str, repository: str, version: object,
                        commit: str) -> tuple[str, str, str]:
    """The release being made, as the releases repository lists it:
    ``(project name on the index, version, deliverable file)``.

    ``repository`` is the repository being released (``zuul.project.name``,
    e.g. ``openstack/oslo.config``), ``version`` the tag, ``commit`` the
    commit that was built.  A deliverable must list ``version`` with
    ``repository`` at exactly ``commit``; its PyPI name is the one the
    audits use (``pypi-name``, else ``tarball-base``, else the repository's
    base name).  Raises ``SigningError`` with one line saying what does not
    match: nothing is signed then.
    """
    if not isinstance(version, str) or not version.strip():
        raise SigningError("no version to release: under Zuul, the tag (run the job in a "
                           "tag pipeline)")
    if not _COMMIT.match(commit or ""):
        raise SigningError(f"the commit built, {commit!r:.60}, is not a git commit id")
    try:
        files, _problems = deliverable_files(releases_repo)
    except DeliverablesError as exc:
        raise SigningError(str(exc)) from None
    needle = repository.encode()
    listed: list[tuple[Any, dict[str, Any], str]] = []  # (path, data, hash)
    for path in files:
        with open(path, "rb") as handle:
            if needle not in handle.read():
                continue
        try:
            data = load_deliverable(path)
        except DeliverablesError as exc:
            raise SigningError(str(exc)) from None
        for release in data.get("releases") or []:
            if not isinstance(release, dict) or not _same_version(release.get("version"),
                                                                  version):
                continue
            for project in release.get("projects") or []:
                if isinstance(project, dict) and project.get("repo") == repository:
                    listed.append((path, data, str(project.get("hash", ""))))
    label = printable(f"{repository} {version}")
    if not listed:
        raise SigningError(
            f"no deliverable in {releases_repo}/deliverables lists {label}: only a "
            "release the releases repository lists is signed")
    hashes = sorted({entry[2] for entry in listed})
    if len(hashes) > 1:
        raise SigningError(f"the deliverables list {label} at several commits "
                           f"({', '.join(hashes)}): refusing to choose")
    path, data, listed_hash = listed[0]
    if listed_hash != commit:
        raise SigningError(
            f"{label}: the commit built is {commit}, but {path} lists "
            f"{printable(listed_hash)[:60] or 'no hash'}: refusing to sign a commit the "
            "release process did not approve")
    names = {pypi for pypi, repo, _versions, _retired in projects_of_deliverable(
        data, path.stem) if repo == repository}
    if len(names) != 1:
        raise SigningError(f"{path}: {label} is not published to the index "
                           "(not a Python release type, or no-artifact-build-job)")
    return names.pop(), version.strip(), str(path)


def resolve_release(version: str, project: str | None = None, repository: str | None = None,
                    releases_repo: str | None = None,
                    source_dir: str | None = None) -> dict[str, str]:
    """The release to sign or upload, as a dict (``project``, ``version``,
    ``named_by``, and ``repository``, ``commit``, ``deliverable`` when the
    releases repository named it).

    With ``repository`` (the job under Zuul): :func:`deliverable_release`
    with the commit checked out in ``source_dir``.  With ``project`` (test
    mode, by hand): the names given, unchecked.  Raises ``SigningError``.
    """
    if repository and project:
        raise SigningError("the release is named either by the releases repository "
                           "(repository) or by release_python_signed_project (test mode), "
                           "not both")
    if repository:
        if not releases_repo or not source_dir:
            raise SigningError(f"{repository}: the releases repository checkout and the "
                               "project's checkout are both needed to check the release")
        commit = source_commit(source_dir)
        name, version, deliverable = deliverable_release(releases_repo, repository,
                                                         version, commit)
        return {"project": name, "version": version, "repository": repository,
                "commit": commit, "deliverable": deliverable,
                "named_by": f"{deliverable} ({repository} at {commit})"}
    if not project:
        raise SigningError("no release to make: under Zuul the releases repository names "
                           "it; by hand set release_python_signed_test_mode with "
                           "release_python_signed_project and release_python_signed_version")
    return {"project": project, "version": version,
            "named_by": "release_python_signed_project and release_python_signed_version "
                        "(test mode)"}


# --------------------------------------------------------------------------
# The role's settings, checked before anything is done


class Step(NamedTuple):
    """A step of the release job, as its settings check names it."""

    action: str                   # "Cannot <action>: ..."
    done: str                     # "it names what may be <done>"
    artifacts: str                # what the artifacts directory holds
    key_fields: tuple[str, ...]   # gpg_key needs one of these
    key_missing: str              # the line when it has none


SIGN = Step("sign the release artifacts", "signed", "the dists", ("private",),
            "gpg_key.private is not set (the gpg_key secret, with the armored private "
            "release key)")
UPLOAD = Step("upload", "uploaded", "the dists and their .asc", ("public", "private"),
              "gpg_key is not set (the gpg_key secret: public or private holds the release "
              "key)")

TEST_MODE_UNDER_ZUUL = (
    "release_python_signed_test_mode is for hand runs and tests only: under Zuul the "
    "release is the tag, as the releases repository lists it")
NO_TEST_MODE_BY_HAND = (
    "outside Zuul, set release_python_signed_test_mode: true with "
    "release_python_signed_project and release_python_signed_version (the release is then "
    "not checked against the releases repository)")

# The options of the modules that sign and verify which name the release:
# the role's settings as they are (doc fragment pypi_guard_release).
RELEASE_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "zuul": {"type": "dict"},
    "test_mode": {"type": "bool", "default": False},
    "project": {"type": "str", "default": ""},
    "version": {"type": "str", "default": ""},
    "releases_repo": {"type": "path", "default": ""},
    "releases_project": {"type": "str", "default": "openstack/releases"},
}
GPG_KEY_ARGUMENT_SPEC: dict[str, Any] = {
    "type": "dict", "default": {},
    "options": {"private": {"type": "str", "no_log": True}, "public": {"type": "str"}}}


def release_tag(zuul: Mapping[str, Any]) -> str:
    """The tag a build under Zuul releases: ``zuul.tag``, or the tag of
    ``zuul.ref`` (Zuul's git driver gives a tag event as the ref
    ``refs/tags/<tag>``, with no ``zuul.tag``); empty when there is none."""
    tag = zuul.get("tag")
    if isinstance(tag, str) and tag:
        return tag
    ref = zuul.get("ref")
    if isinstance(ref, str) and ref.startswith("refs/tags/"):
        return ref.removeprefix("refs/tags/")
    return ""


def release_mode_problem(zuul: Mapping[str, Any] | None, test_mode: bool) -> str:
    """The test mode is for hand runs only (no ``zuul`` variable, which no
    job or project variable can make absent), and a hand run needs it:
    what is wrong, or an empty string."""
    if zuul is not None:
        return TEST_MODE_UNDER_ZUUL if test_mode else ""
    return "" if test_mode else NO_TEST_MODE_BY_HAND


def release_arguments(options: Mapping[str, Any],
                      step: Step) -> tuple[dict[str, str], list[str]]:
    """What names the release (the arguments of :func:`resolve_release`),
    from the options of :data:`RELEASE_ARGUMENT_SPEC`, and one line per
    setting missing.  Under Zuul (``zuul`` given): the repository is
    ``zuul.project.name``, the version :func:`release_tag`, checked against
    the releases repository's checkout; by hand: ``project`` and
    ``version`` (test mode)."""
    zuul = options["zuul"]
    problems = []
    if zuul is None:
        if not options["project"]:
            problems.append("release_python_signed_project is not set (test mode: the name "
                            "on the index of the project being released)")
        if not options["version"]:
            problems.append("no version to release: release_python_signed_version is not "
                            "set (test mode)")
        return {"project": options["project"], "version": options["version"]}, problems
    tag = release_tag(zuul)
    if not tag:
        problems.append("no version to release: the job runs for no tag (run it in a tag "
                        "pipeline)")
    if not options["releases_repo"]:
        problems.append(f"the releases repository {options['releases_project']} is not "
                        "among the job's projects (required-projects): it names what may "
                        f"be {step.done}")
    project = zuul.get("project") if isinstance(zuul.get("project"), dict) else {}
    executor = zuul.get("executor") if isinstance(zuul.get("executor"), dict) else {}
    if not (project.get("name") and project.get("src_dir") and executor.get("work_root")):
        problems.append("the zuul variable has no project.name, project.src_dir or "
                        "executor.work_root: not a build of Zuul")
        return {}, problems
    return {"version": tag, "repository": str(project["name"]),
            "releases_repo": options["releases_repo"],
            "source_dir": os.path.join(str(executor["work_root"]),
                                       str(project["src_dir"]))}, problems


def release_from_options(options: Mapping[str, Any], step: Step,
                         more_problems: Iterable[str] = ()) -> dict[str, str]:
    """The release a module's options name (:func:`resolve_release`), once
    its settings are checked: a test mode where it is not allowed, or else
    every setting missing (the artifacts directory, ``gpg_key``, the
    fingerprint, what names the release, and ``more_problems``), raises one
    :class:`SettingsError`."""
    problem = release_mode_problem(options["zuul"], options["test_mode"])
    if problem:
        raise SettingsError(step.action, [problem])
    problems = []
    if not options["artifacts_dir"]:
        problems.append(f"release_python_signed_artifacts_dir is not set (the directory "
                        f"holding {step.artifacts})")
    key = options["gpg_key"] or {}
    if not any(key.get(field) for field in step.key_fields):
        problems.append(step.key_missing)
    if not options["fingerprint"]:
        problems.append("release_python_signed_fingerprint is not set (the fingerprint of "
                        "the release key in force)")
    arguments, missing = release_arguments(options, step)
    problems += missing
    problems += more_problems
    if problems:
        raise SettingsError(step.action, problems)
    return resolve_release(**arguments)


def signing_summary(release: Mapping[str, str], result: Mapping[str, Any],
                    check_mode: bool) -> list[str]:
    """What the sign step shows: the release, the key, each dist with its
    sha256, and the signatures written (or that would be)."""
    written = ", ".join(result["signed"]) or "none, every dist already had a good one"
    return ([f"Release {release['project']} {release['version']} (named by "
             f"{release['named_by']}), release key {result['fingerprint']}, signing subkey "
             f"{result['signing_key_fingerprint']}:"]
            + [f"{entry['name']}  sha256:{entry['sha256']}" for entry in result["files"]]
            + [("Would write (check mode): " if check_mode else "Signatures written: ")
               + written])


# --------------------------------------------------------------------------
# Signing


def sign_artifacts(directory: str, private_key: str, fingerprint: str, project: str,
                   version: str, gpgbinary: str = "gpg", check_mode: bool = False,
                   patterns: Sequence[str] = DIST_PATTERNS,
                   tmpdir: str | None = None) -> dict[str, Any]:
    """Sign every dist of ``project`` ``version`` in ``directory`` with the
    release key, then verify.

    First, every dist must be of that release: any other refuses the whole
    release (:class:`WrongReleaseError`) before a key is imported.  Then
    imports ``private_key`` into a throwaway GnuPG home, refuses any key but
    ``fingerprint``, writes ``<dist>.asc`` (armored, detached) for each dist
    without a good signature by that key, and verifies every signature
    against ``fingerprint``.  In ``check_mode`` the key is still checked but
    nothing is written.  Returns a dict with ``files``, ``signed`` (signature
    names written, or that would be), ``fingerprint``,
    ``signing_key_fingerprint`` and ``changed``.  Raises ``SigningError``.
    """
    expected = _expected_fingerprint(fingerprint)
    dists = find_dists(directory, patterns)
    if not dists:
        raise SigningError(f"no release artifacts ({', '.join(patterns)}) in "
                           f"{directory}: nothing to sign")
    wrong = release_problems(dists, project, version)
    if wrong:
        raise WrongReleaseError(wrong, directory)
    with GnupgHome(gpgbinary, parent=tmpdir) as home:
        imported = import_keys(home.gpg, private_key, "gpg_key.private")
        subkey = check_signing_key(home.gpg, imported, expected)
        written: list[str] = []
        for dist in dists:
            asc = signature_path(dist)
            if os.path.exists(asc) and verify_detached(home.gpg, asc, dist, expected).ok:
                continue
            written.append(os.path.basename(asc))
            if not check_mode:
                write_atomically({asc: sign_detached(home.gpg, dist, expected)})
        files: list[dict[str, Any]] = []
        problems: list[str] = []
        for dist in dists:
            if check_mode:
                files.append(_file_entry(dist))
                continue
            check = verify_detached(home.gpg, signature_path(dist), dist, expected)
            if not check.ok:
                problems.append(check.reason)
            elif check.signing_key_fingerprint:
                subkey = check.signing_key_fingerprint
            files.append(_file_entry(dist, check))
        if problems:
            listed = "\n- ".join(problems)
            raise SigningError(f"signatures were written but do not verify against "
                               f"{format_fingerprint(expected)}:\n- {listed}")
    return {"files": files, "signed": written, "fingerprint": expected,
            "signing_key_fingerprint": subkey, "changed": bool(written)}


# --------------------------------------------------------------------------
# Preflight before an upload


def pair_signatures(directory: str,
                    patterns: Sequence[str] = DIST_PATTERNS) -> tuple[list[str], list[str]]:
    """Match dists with their ``.asc``; returns ``(dists, problems)``.

    A problem is a dist without its ``.asc``, an ``.asc`` without its dist,
    or no dist at all.
    """
    dists = find_dists(directory, patterns)
    problems = []
    if not dists:
        problems.append(f"no release artifacts ({', '.join(patterns)}) in {directory}")
    for dist in dists:
        if not os.path.isfile(signature_path(dist)):
            problems.append(f"{os.path.basename(dist)} has no signature "
                            f"({os.path.basename(signature_path(dist))} is missing)")
    names = set(dists)
    for asc in find_signatures(directory):
        if asc.removesuffix(SIGNATURE_SUFFIX) not in names:
            problems.append(f"{os.path.basename(asc)} has no matching dist: it would be "
                            "uploaded with nothing, or with the wrong file")
    return dists, problems


def verify_artifacts(directory: str, fingerprint: str, keys: Sequence[str], project: str,
                     version: str, gpgbinary: str = "gpg",
                     patterns: Sequence[str] = DIST_PATTERNS,
                     tmpdir: str | None = None) -> dict[str, Any]:
    """Preflight: is every dist one of ``project`` ``version`` with an
    ``.asc`` made by the release key, and has every ``.asc`` a dist?

    ``keys`` is a list of armored keys (public or private) for a throwaway
    keyring; the release key ``fingerprint`` must be among them.  Raises
    ``PreflightError`` listing every problem at once.  Returns a dict with
    ``files`` (path, sha256, signer) and ``upload_files`` (each dist
    followed by its ``.asc``, as twine should get them).
    """
    expected = _expected_fingerprint(fingerprint)
    dists, problems = pair_signatures(directory, patterns)
    problems = release_problems(dists, project, version) + problems
    files: list[dict[str, Any]] = []
    with GnupgHome(gpgbinary, parent=tmpdir) as home:
        imported: list[str] = []
        for number, armored in enumerate(keys, start=1):
            imported += import_keys(home.gpg, armored, f"gpg_key (key {number})")
        if expected not in imported:
            found = ", ".join(format_fingerprint(f) for f in imported)
            raise PreflightError(
                [f"the key in gpg_key is {found}, not the release key "
                 f"{format_fingerprint(expected)} (release_python_signed_fingerprint): "
                 "the secret or the fingerprint is wrong"] + problems)
        for dist in dists:
            asc = signature_path(dist)
            if not os.path.isfile(asc):
                continue
            check = verify_detached(home.gpg, asc, dist, expected)
            if not check.ok:
                problems.append(check.reason)
            files.append(_file_entry(dist, check))
    if problems:
        raise PreflightError(problems, files)
    upload_files: list[str] = []
    for entry in files:
        upload_files += [entry["path"], entry["signature"]]
    return {"files": files, "upload_files": upload_files, "fingerprint": expected}
