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
key and uploaded with the release credential).
"""

import hashlib
import os
import re
from fnmatch import fnmatch

from ansible.module_utils.pypi_guard.gpg import (
    GnupgHome,
    SigningError,
    check_signing_key,
    format_fingerprint,
    import_keys,
    normalize_fingerprint,
    sign_detached,
    verify_detached,
)
from ansible.module_utils.pypi_guard.report import write_atomically
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

# A project name as PEP 508 allows it.
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


class PreflightError(SigningError):
    """The artifacts are not fit to upload; ``problems`` lists each reason."""

    def __init__(self, problems, files=None):
        self.problems = list(problems)
        self.files = files or []
        listed = "\n- ".join(self.problems)
        super().__init__(
            f"Refusing to upload anything: {len(self.problems)} problem(s) with the "
            f"release artifacts:\n- {listed}")


class WrongReleaseError(SigningError):
    """Dists of another project or version are among the artifacts;
    ``problems`` has one line per offending file."""

    def __init__(self, problems, directory):
        self.problems = list(problems)
        listed = "\n- ".join(self.problems)
        super().__init__(
            f"Refusing to sign anything: {len(self.problems)} file(s) in {directory} "
            f"are not dists of the release being made:\n- {listed}")


def _expected_fingerprint(value):
    try:
        return normalize_fingerprint(value)
    except ValueError as exc:
        raise SigningError(f"release_signing_fingerprint: {exc}") from None


# --------------------------------------------------------------------------
# Files


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_dists(directory, patterns=DIST_PATTERNS):
    """Sorted paths of the regular files in ``directory`` matching ``patterns``."""
    if not os.path.isdir(directory):
        raise SigningError(f"the artifacts directory {directory} does not exist")
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and any(fnmatch(name, p) for p in patterns):
            found.append(path)
    return found


def find_signatures(directory):
    """Sorted paths of the ``*.asc`` files in ``directory``."""
    return [os.path.join(directory, name) for name in sorted(os.listdir(directory))
            if name.endswith(SIGNATURE_SUFFIX)
            and os.path.isfile(os.path.join(directory, name))]


def signature_path(path):
    return path + SIGNATURE_SUFFIX


def _file_entry(path, check=None):
    entry = {"path": path, "name": os.path.basename(path),
             "signature": signature_path(path), "sha256": sha256_file(path)}
    if check is not None:
        entry.update({"signer_fingerprint": check.signer_fingerprint,
                      "signing_key_fingerprint": check.signing_key_fingerprint,
                      "signature_timestamp": check.timestamp})
    return entry


# --------------------------------------------------------------------------
# Which release a dist belongs to


def parse_dist_filename(filename):
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


def release_identity(project, version):
    """The release being made, checked: ``(canonical name, Version, label)``.

    ``project`` is the project's name on the index (the sdist name, which
    may differ from the repository's); ``version`` the release's version
    (under Zuul, the tag).  Raises ``SigningError`` naming the variable.
    """
    project = project.strip() if isinstance(project, str) else ""
    text = version.strip() if isinstance(version, str) else ""
    if not project:
        raise SigningError("release_project is not set (the project's name on the index)")
    if not _PROJECT_NAME.match(project):
        raise SigningError(f"release_project {ascii(project)} is not a project name")
    if not text:
        raise SigningError("release_version is not set (the version being released; "
                           "under Zuul, the tag)")
    try:
        parsed = Version(text)
    except InvalidVersion:
        raise SigningError(f"release_version {ascii(text)} is not a PEP 440 version") from None
    return canonicalize_name(project), parsed, f"{project} {text}"


def release_problems(dists, project, version):
    """One line per path in ``dists`` that is not a dist of ``project``
    ``version``: names are compared in PEP 503 normal form, versions as
    PEP 440 versions (``1.0`` is ``1.0.0``).  Raises ``SigningError`` when
    ``project`` or ``version`` is not usable (see :func:`release_identity`).
    """
    wanted_name, wanted_version, label = release_identity(project, version)
    problems = []
    for path in dists:
        try:
            name, found = parse_dist_filename(path)
        except ValueError as exc:
            problems.append(f"{exc}; only dists of {label} may be released")
            continue
        if name != wanted_name or found != wanted_version:
            problems.append(printable(f"{os.path.basename(path)}: a dist of {name} {found}, "
                                      f"not of {label}, the release being made"))
    return problems


# --------------------------------------------------------------------------
# Signing


def sign_artifacts(directory, private_key, fingerprint, project, version, gpgbinary="gpg",
                   check_mode=False, patterns=DIST_PATTERNS, tmpdir=None):
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
        written = []
        for dist in dists:
            asc = signature_path(dist)
            if os.path.exists(asc) and verify_detached(home.gpg, asc, dist, expected).ok:
                continue
            written.append(os.path.basename(asc))
            if not check_mode:
                write_atomically({asc: sign_detached(home.gpg, dist, expected)})
        files = []
        problems = []
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


def pair_signatures(directory, patterns=DIST_PATTERNS):
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


def verify_artifacts(directory, fingerprint, keys, project, version, gpgbinary="gpg",
                     patterns=DIST_PATTERNS, tmpdir=None):
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
    files = []
    with GnupgHome(gpgbinary, parent=tmpdir) as home:
        imported = []
        for number, armored in enumerate(keys, start=1):
            imported += import_keys(home.gpg, armored, f"gpg_key (key {number})")
        if expected not in imported:
            found = ", ".join(format_fingerprint(f) for f in imported)
            raise PreflightError(
                [f"the key in gpg_key is {found}, not the release key "
                 f"{format_fingerprint(expected)} (release_signing_fingerprint): "
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
    upload_files = []
    for entry in files:
        upload_files += [entry["path"], entry["signature"]]
    return {"files": files, "upload_files": upload_files, "fingerprint": expected}
