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

"""The release signature audit: is every file PyPI serves for a managed
project what the release process signed?

For each file in scope the audit proves three things, or says which one
failed:

* the bytes PyPI serves hash to the sha256 PyPI itself publishes for the
  file (``digest-mismatch`` otherwise);
* there is a detached ``.asc`` for the file at the signature source
  (``unsigned`` otherwise) and it is a good OpenPGP signature of those bytes
  (``bad-signature`` otherwise);
* the signature was made by one of the release keys that
  ``data/series_status.yaml`` of openstack/releases lists (``wrong-key``
  otherwise, and for a revoked key), on a day inside that key's
  ``start``..``end`` window and before the key expired
  (``signed-outside-window`` otherwise).

A signature made while its key was valid stays good after the key has
expired: gpg then reports the key as expired (``EXPKEYSIG``), which is
accepted only when the signature's own time is before the expiry.

Anything that could not be checked (a fetch that failed after retries, a
file larger than the cap, a file name that is not a plain file name, no
sha256 from PyPI, a JSON document without ``releases`` or with an entry of
the wrong shape) is an error for its project, never a pass nor a narrower
check; the other projects are still checked.  Bad input (the series file,
the key files, the scope, the signature URL template) raises
:class:`AuditInputError` listing every problem, before any request.

File names from PyPI are never used as paths: downloads go to numbered
files in one temporary directory, and a name with ``/``, ``\\`` or ``..``
is an error for its project.
"""

from __future__ import annotations

import datetime
import os
import re
import string
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote, urlsplit

from ansible.module_utils.pypi_guard.audit import (
    AuditFinding,
    AuditResult,
    unknown_index_error,
)
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.errors import AuditInputError, PypiGuardError
from ansible.module_utils.pypi_guard.gpg import (
    InvalidFingerprint,
    format_fingerprint,
    verify_detached,
)
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient, TooLarge
from ansible.module_utils.pypi_guard.keys import ReleaseKey, iso_time
from ansible.module_utils.pypi_guard.names import version_order
from ansible.module_utils.pypi_guard.pypi import fetch_json, json_url, release_hidden
from ansible.module_utils.pypi_guard.pypi_release_audit import (
    PyPIReleases,
    feed_url,
    parse_release_feed,
)

FINDING_KINDS = ("bad-signature", "unsigned", "wrong-key", "signed-outside-window",
                 "digest-mismatch")
WARNING_KINDS = ("not-on-pypi", "no-files")

# ``index``: the signature sits beside the file on the index (``<file url>.asc``).
INDEX_SIGNATURE_URL = "{url}.asc"
SIGNATURE_URL_FIELDS = ("namespace", "repo", "filename", "project", "version", "url")
REPOSITORY_FIELDS = ("namespace", "repo")

MAX_SIGNATURE_SIZE = 64 * 1024
REVOKED_KEY = "signing key was revoked"

_SINCE = re.compile(r"^since:(\d{4}-\d{2}-\d{2})$")
_FILENAME_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f]")


class UnusableFile(PypiGuardError, ValueError):
    """A file entry from the index that cannot be used; the message says why."""


class UnsafeFilename(UnusableFile):
    """A file name from the index that must not be used."""


# --------------------------------------------------------------------------
# Settings


@dataclass(frozen=True)
class Scope:
    """Which files to check: ``all`` releases; files uploaded on or after
    ``since`` (UTC); or the ``latest`` release, plus, when ``since`` is set,
    every file uploaded on or after it (the recent window)."""

    kind: str
    since: datetime.date | None = None

    def __str__(self) -> str:
        if self.kind == "latest" and self.since:
            return f"latest, and every file uploaded since {self.since.isoformat()}"
        if self.kind == "since":
            return f"since:{cast(datetime.date, self.since).isoformat()}"
        return self.kind


def parse_scope(value: object, today: datetime.date | None = None,
                recent_days: object = 0) -> Scope:
    """``latest`` (default), ``all`` or ``since:YYYY-MM-DD`` as a :class:`Scope`.

    ``latest`` also covers the files uploaded in the ``recent_days`` before
    ``today`` (none when 0): a file added later to an older release.
    """
    if not isinstance(recent_days, int) or isinstance(recent_days, bool) or recent_days < 0:
        raise AuditInputError(f"recent_days: {recent_days!r} is not a number of days (0 or "
                              "more) (release_signature_audit_recent_days)")
    text = "latest" if value is None else str(value).strip()
    if text == "latest" and recent_days and today is not None:
        return Scope("latest", today - datetime.timedelta(days=recent_days))
    if text in ("latest", "all"):
        return Scope(text)
    match = _SINCE.match(text)
    if match:
        try:
            return Scope("since", datetime.date.fromisoformat(match.group(1)))
        except ValueError:
            pass
    raise AuditInputError(
        f"scope: {value!r} is not 'latest', 'all' or 'since:YYYY-MM-DD' "
        "(release_signature_audit_scope)")


def parse_signature_url(value: str | None) -> str:
    """Validate the signature URL template; ``index`` means ``{url}.asc``.

    Placeholders: ``{namespace}``, ``{repo}`` (of the project's repository
    in the deliverables), ``{filename}``, ``{project}``, ``{version}`` and
    ``{url}`` (the file's URL on the index).
    """
    template = (value or "").strip()
    if template == "index":
        return INDEX_SIGNATURE_URL
    where = f"signature_url: {value!r}"
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(template)
                  if name is not None]
    except ValueError as exc:
        raise AuditInputError(f"{where} is not a valid template ({exc}) "
                              "(pypi_guard_signature_url)") from None
    unknown = sorted({name for name in fields if name not in SIGNATURE_URL_FIELDS})
    if unknown:
        raise AuditInputError(
            f"{where}: unknown placeholder(s) {', '.join(unknown)}; use "
            f"{', '.join('{' + f + '}' for f in SIGNATURE_URL_FIELDS)} "
            "(pypi_guard_signature_url)")
    if "filename" not in fields and "url" not in fields:
        raise AuditInputError(f"{where} names no file: it needs {{filename}} or {{url}} "
                              "(pypi_guard_signature_url)")
    if not (template.startswith(("http://", "https://")) or template.startswith("{url}")):
        raise AuditInputError(f"{where} is not an http(s) URL "
                              "(pypi_guard_signature_url)")
    return template


def parse_max_file_size(value: Any) -> int:
    try:
        size = int(value)
    except (TypeError, ValueError):
        size = 0
    if size <= 0:
        raise AuditInputError(f"max_file_size: {value!r} is not a positive number of bytes "
                              "(pypi_guard_max_file_size)")
    return size


# --------------------------------------------------------------------------
# What PyPI serves


@dataclass(frozen=True)
class DistFile:
    """One file of a release on the index."""

    project: str
    version: str
    filename: str
    url: str
    sha256: str
    size: int | None = None
    upload_time: str | None = None


def safe_filename(name: object) -> str:
    """``name`` if it is a plain file name, else :class:`UnsafeFilename`.

    It is still never used as a path; this only refuses names that could
    not have come from a sane index (a separator, ``..``, a control
    character, a leading dot or an empty name).
    """
    if not isinstance(name, str) or not name:
        raise UnsafeFilename(f"the index gives a file without a name ({name!r})")
    if _FILENAME_FORBIDDEN.search(name) or ".." in name or name.startswith(".") \
            or len(name) > 255:
        raise UnsafeFilename(f"the index gives the file name {name!r}, which is not a plain "
                             "file name (a path separator, '..', a control character or a "
                             "leading dot): refusing to handle it")
    return name


# No file on PyPI is older than this: an earlier upload time is made up.
EARLIEST_UPLOAD = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)


def parse_upload_time(entry: Mapping[str, Any]) -> datetime.datetime | None:
    """The file's upload time (aware, UTC) from the JSON API, or None when
    the entry gives none.  One that is not a time, or is before
    :data:`EARLIEST_UPLOAD`, raises :class:`UnusableFile`: the file cannot be placed
    in or out of scope."""
    for key in ("upload_time_iso_8601", "upload_time"):
        value = entry.get(key)
        if value is None or value == "":
            continue
        problem = f"the index gives the upload time {value!r:.80} ({key}), which is not"
        if not isinstance(value, str):
            raise UnusableFile(f"{problem} a time")
        text = value.strip().replace("Z", "+00:00")
        text = re.sub(r"\.(\d{6})\d*", r".\1", text)
        try:
            moment = datetime.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
            moment = moment.astimezone(datetime.timezone.utc)
        except (ValueError, OverflowError):
            raise UnusableFile(f"{problem} a time (ISO 8601)") from None
        if moment < EARLIEST_UPLOAD:
            raise UnusableFile(f"{problem} a time PyPI could have recorded (before "
                               f"{EARLIEST_UPLOAD.year})")
        return moment
    return None


def releases_of(document: Mapping[str, Any]) -> tuple[dict[str, list[Any]], list[str]]:
    """``({version: [file entries]}, problems)`` of a JSON API document.

    Without a ``releases`` object only the files of ``info.version``
    (``urls``) are known: that is a problem, never a narrower check; so is a
    release whose files are not a list.
    """
    releases = document.get("releases")
    if isinstance(releases, dict):
        found: dict[str, list[Any]] = {}
        problems: list[str] = []
        for version, files in releases.items():
            if isinstance(files, list):
                found[str(version)] = files
            else:
                problems.append(f"{str(version)!r:.80}: the index gives the release's files "
                                f"as {type(files).__name__}, not a list: its files cannot "
                                "be checked")
        return found, problems
    what = "no 'releases' object" if releases is None else \
        f"'releases' as {type(releases).__name__}, not an object"
    problems = [f"the JSON has {what}: the files of its releases cannot all be listed, "
                "only those of info.version ('urls') were checked"]
    version = document["info"].get("version") if isinstance(document.get("info"), dict) \
        else None
    urls = document.get("urls")
    if isinstance(version, str) and version and isinstance(urls, list):
        return {version: urls}, problems
    return {}, problems


def hidden_versions(client: HttpClient, pypi_url: str, name: str,
                    document: Mapping[str, Any]) -> list[str]:
    """The versions the project's RSS feed lists that ``document`` (its JSON)
    does not show and whose own JSON page answers 404: Warehouse hides a
    quarantined release from the JSON and simple APIs only, so the feed is the
    one public place that still names it.  Its files cannot be listed at all."""
    url = feed_url(pypi_url, name)
    response = client.request("GET", url, ok_status=(200, 404),
                              headers={"Accept": "application/rss+xml"})
    if response.status_code == 404:
        return []
    feed = parse_release_feed(response.content, url)
    # unshown() reads only the versions of ``releases``: the file lists do
    releases = PyPIReleases(name, feed, releases_of(document)[0])  # type: ignore[arg-type]
    return [version for version in releases.unshown()
            if release_hidden(client, pypi_url, name, version)]


def files_in_scope(name: str, document: Mapping[str, Any],
                   scope: Scope) -> tuple[list[DistFile], list[str]]:
    """``(files, problems)`` for one project's JSON API document.

    ``latest``: the files of the highest version that has files, and with
    ``scope.since`` every other file uploaded on or after that day (UTC);
    ``all``: every file; ``since``: the files uploaded on or after the day.
    A file without an upload time is kept: it cannot be shown to be out of
    scope.  A file entry that cannot be used (not an object, an unusable
    upload time, unsafe name, no URL, no sha256), a release whose files are
    not a list, or a document without ``releases`` is a problem line, not a
    file: the rest is still listed.
    """
    releases, problems = releases_of(document)
    releases = {v: f for v, f in releases.items() if f}
    newest = max(releases, key=version_order) if releases else None
    files: list[DistFile] = []
    for version in sorted(releases, key=version_order):
        if scope.kind == "latest" and version != newest and scope.since is None:
            continue
        windowed = scope.kind == "since" or (scope.kind == "latest" and version != newest)
        for entry in releases[version]:
            try:
                dist = dist_file(name, version, entry, scope.since if windowed else None)
            except UnusableFile as exc:
                problems.append(f"{version}: {exc}")
                continue
            if dist is not None:
                files.append(dist)
    return files, problems


def dist_file(name: str, version: str, entry: object,
              since: datetime.date | None = None) -> DistFile | None:
    """The :class:`DistFile` of one file entry; None when it was uploaded
    before ``since``; :class:`UnusableFile` (:class:`UnsafeFilename` included) naming
    what is wrong when the entry cannot be used."""
    if not isinstance(entry, dict):
        raise UnusableFile(f"a file entry is {type(entry).__name__}, not an object")
    uploaded = parse_upload_time(entry)
    if since is not None and uploaded is not None and uploaded.date() < since:
        return None
    filename = safe_filename(entry.get("filename"))
    url = entry.get("url")
    try:
        scheme = urlsplit(url).scheme if isinstance(url, str) else None
    except ValueError as exc:  # hostile input: a URL urlsplit refuses ("http://[::1")
        raise UnusableFile(f"{filename}: the index gives the URL {url!r:.200}, which is "
                           f"not one ({exc})") from None
    if not isinstance(url, str) or scheme not in ("http", "https"):
        raise UnusableFile(f"{filename}: the index gives no http(s) URL for the file "
                           f"({url!r:.200})")
    digests = entry.get("digests")
    digest = digests.get("sha256") if isinstance(digests, dict) else None
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
        raise UnusableFile(f"{filename}: the index gives no sha256 for the file: its bytes "
                           "cannot be checked")
    size = entry.get("size")
    return DistFile(
        project=name, version=version, filename=filename, url=url, sha256=digest.lower(),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        upload_time=iso_time(uploaded.timestamp()) if uploaded else None)


def signature_urls(template: str, project: ManagedProject, dist: DistFile) -> list[str]:
    """The URL(s) where ``dist``'s signature should be, one per repository of
    ``project`` (a :class:`ManagedProject`) when the template names one.

    Raises :class:`AuditInputError` when the template needs a repository
    and the project has none (a name given explicitly, unknown to the deliverables).
    """
    values = {"filename": quote(dist.filename, safe=""), "project": quote(project.pypi_name,
              safe=""), "version": quote(dist.version, safe=""), "url": dist.url}
    fields = {name for _t, name, _s, _c in string.Formatter().parse(template) if name}
    if not fields & set(REPOSITORY_FIELDS):
        return [template.format(**values)]
    pairs = project.namespaces_and_repos
    if not pairs:
        raise AuditInputError(
            f"the deliverables name no repository for {project.pypi_name}, and the "
            f"signature URL {template} needs one")
    return [template.format(namespace=quote(namespace, safe=""), repo=quote(repo, safe=""),
                            **values)
            for namespace, repo in pairs]


# --------------------------------------------------------------------------
# Downloads


def fetch_signature(client: HttpClient, urls: Iterable[str], destination: str) -> str | None:
    """Download the first of ``urls`` that exists into ``destination``.

    Returns the URL it came from, or None when every URL answered 404 (the
    file is unsigned).  Any other failure raises :class:`FetchError`.
    """
    for url in urls:
        if client.download(url, destination, MAX_SIGNATURE_SIZE, missing_ok=True,
                           cap_name="the cap on signatures"):
            return url
    return None


# --------------------------------------------------------------------------
# The rules


@dataclass(frozen=True)
class Finding(AuditFinding):
    """A finding or warning about one file (``version`` and ``filename``
    empty for one about the whole project)."""

    version: str = ""
    filename: str = ""

    def subject(self) -> str:
        return " ".join(value for value in (self.version, self.filename) if value)


# gpg.py's SignatureCheck (gpg.py is not typed yet)
SignatureCheck = Any


def judge_signature(check: SignatureCheck, keys: Mapping[str, ReleaseKey],
                    today: datetime.date | None = None) -> list[tuple[str, str]]:
    """The rules, for one :class:`SignatureCheck` made with
    ``verify_detached(..., expected=keys, allow_expired_key=True)``.

    Returns ``(kind, detail)`` pairs; none means the signature is good.
    """
    signer = check.signer_fingerprint
    if not check.ok:
        if signer in keys and check.key_status == REVOKED_KEY:
            key = keys[signer]
            return [("wrong-key", f"signed by {format_fingerprint(signer)} "
                     f"({key.windows_text()}), which has been revoked")]
        if check.status == "no public key" or (signer and signer not in keys):
            made_by = check.signing_key_fingerprint or signer or ""
            try:
                made_by = format_fingerprint(made_by)
            except InvalidFingerprint:
                made_by = made_by or "an unknown key"
            return [("wrong-key", f"signed by the key {made_by}, which is not a release key "
                     "of series_status.yaml")]
        return [("bad-signature", check.reason)]
    key = keys[signer]
    if check.timestamp is None:
        return [("bad-signature", "the signature has no creation time")]
    moment = iso_time(check.timestamp)
    day = datetime.datetime.fromtimestamp(check.timestamp, datetime.timezone.utc).date()
    expiry = key.expiry_for(check.signing_key_fingerprint)
    who = format_fingerprint(signer)
    if expiry is not None and check.timestamp >= expiry:
        return [("signed-outside-window", f"signed {moment} by {who}, after the key "
                 f"expired ({iso_time(expiry)})")]
    if not any(window.contains(day) for window in key.windows):
        return [("signed-outside-window", f"signed {moment} by {who}, outside its "
                 f"window ({key.windows_text()})")]
    if today is not None and day > today:
        return [("signed-outside-window", f"signed {moment} by {who}, a date in the "
                 "future")]
    return []


EVIDENCE_KEYS = ("signer", "series", "signed_at", "window")


def signature_evidence(check: SignatureCheck, keys: Mapping[str, ReleaseKey]) -> dict[str, str]:
    """What the report shows of one :class:`SignatureCheck`: the key that
    made the signature, the series of the release key's window the
    signature's day fell in (all its series, and window ``none``, when it
    fell in none), and the signature's time."""
    evidence = dict.fromkeys(EVIDENCE_KEYS, "")
    made_by = check.signer_fingerprint or check.signing_key_fingerprint
    if made_by:
        try:
            evidence["signer"] = format_fingerprint(made_by)
        except InvalidFingerprint:
            evidence["signer"] = made_by
    if check.timestamp is None:
        return evidence
    evidence["signed_at"] = iso_time(check.timestamp)
    key = keys.get(check.signer_fingerprint)
    if key is not None:
        day = datetime.datetime.fromtimestamp(check.timestamp, datetime.timezone.utc).date()
        window = next((w for w in key.windows if w.contains(day)), None)
        if window is None:
            evidence["series"] = ", ".join(w.series for w in key.windows)
            evidence["window"] = "none"
        else:
            evidence["series"] = window.series
            end = window.end.isoformat() if window.end else "present"
            evidence["window"] = f"{window.start.isoformat()}..{end}"
    return evidence


# --------------------------------------------------------------------------
# The audit


@dataclass
class FileResult:
    dist: DistFile
    findings: list[tuple[str, str]] = field(default_factory=list)  # (kind, detail)
    error: str | None = None
    checked: bool = False
    signature_url: str | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # signature_evidence()

    def row(self) -> dict[str, str]:
        """The file's row in the report: what was found and the evidence."""
        if self.error:
            outcome = "error"
        elif self.findings:
            outcome = ", ".join(kind for kind, _detail in self.findings)
        else:
            outcome = "good" if self.checked else ""
        return {"project": self.dist.project, "version": self.dist.version,
                "filename": self.dist.filename, "result": outcome,
                **(self.evidence or dict.fromkeys(EVIDENCE_KEYS, ""))}


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def next(self) -> int:
        with self._lock:
            self._value += 1
            return self._value


def check_file(client: HttpClient, gpg: Any, keys: Mapping[str, ReleaseKey], workdir: str,
               dist: DistFile, project: ManagedProject, signature_url: str,
               max_file_size: int, number: int,
               today: datetime.date | None = None) -> FileResult:
    """Download ``dist`` and its signature into ``workdir`` (as numbered
    files), apply the rules, remove both; returns a :class:`FileResult`."""
    result = FileResult(dist)
    data_path = os.path.join(workdir, f"{number:06d}.dist")
    sig_path = data_path + ".asc"
    try:
        if dist.size is not None and dist.size > max_file_size:
            raise TooLarge(f"PyPI gives its size as {dist.size} bytes, more than the "
                           f"{max_file_size} allowed (max_file_size)")
        urls = signature_urls(signature_url, project, dist)
        served = client.download(dist.url, data_path, max_file_size)
        if served != dist.sha256:
            result.findings.append(("digest-mismatch", f"PyPI gives sha256 {dist.sha256}, "
                                    f"the bytes it serves hash to {served}"))
        result.signature_url = fetch_signature(client, urls, sig_path)
        if result.signature_url is None:
            result.findings.append(("unsigned", f"no signature at {' or '.join(urls)}"))
        else:
            check = verify_detached(gpg, sig_path, data_path, list(keys),
                                    allow_expired_key=True)
            result.evidence = signature_evidence(check, keys)
            for kind, detail in judge_signature(check, keys, today):
                # gpg's messages name the numbered local files: name the real ones
                detail = detail.replace(os.path.basename(sig_path), dist.filename + ".asc")
                detail = detail.replace(os.path.basename(data_path), dist.filename)
                result.findings.append((kind, detail))
        result.checked = True
    except (PypiGuardError, OSError) as exc:
        result.error = str(exc)
    finally:
        for path in (data_path, sig_path):
            if os.path.lexists(path):
                os.unlink(path)
    return result


def run_signature_audit(client: HttpClient, gpg: Any, pypi_url: str,
                        projects: Mapping[str, ManagedProject],
                        keys: Mapping[str, ReleaseKey], scope: Scope, signature_url: str,
                        max_file_size: int, workdir: str,
                        today: datetime.date | None = None) -> AuditResult:
    """Audit ``projects`` (``{normal name: ManagedProject}``); returns an
    :class:`AuditResult` whose ``extra`` has ``files_checked``.  ``gpg``'s
    keyring holds exactly ``keys``; ``workdir`` is an empty temporary
    directory the caller removes."""
    result = AuditResult(extra={"files_checked": 0, "files": []})

    def read(project: ManagedProject) -> tuple[dict[str, Any] | None, list[str]]:
        document = fetch_json(client, pypi_url, project.pypi_name)
        if document is None:
            return None, []
        return document, hidden_versions(client, pypi_url, project.pypi_name, document)

    work: list[tuple[DistFile, ManagedProject]] = []
    unknown = 0
    ordered = [projects[name] for name in sorted(projects)]
    for project, answer, error in client.map(read, ordered):
        shown = project.pypi_name
        document, hidden = cast("tuple[Any, list[str]]", answer) if error is None else (None, [])
        if error is not None:
            detail = str(error) if isinstance(error, FetchError) else \
                f"GET {json_url(pypi_url, shown)}: {type(error).__name__}: {error}"
            result.errors.append({"project": shown, "detail": detail})
            continue
        result.projects_checked += 1
        for version in hidden:
            result.errors.append({"project": shown, "version": version, "detail": (
                f"{version}: in PyPI's release feed but hidden from its JSON API "
                "(quarantined by PyPI's administrators): its files could not be seen, so "
                "none of them was checked")})
        if document is None:
            unknown += 1
            result.warnings.append(Finding(shown, "not-on-pypi", "PyPI does not know the "
                                           "project: nothing is served to check"))
            continue
        try:
            files, problems = files_in_scope(shown, document, scope)
        except Exception as exc:  # hostile JSON: an error for this project, not the run
            files, problems = [], [f"GET {json_url(pypi_url, shown)}: its file list could not "
                                   f"be read ({type(exc).__name__}: {exc})"]
        for problem in problems:
            result.errors.append({"project": shown, "detail": problem})
        if not files and not problems and scope.kind != "since":
            result.warnings.append(Finding(shown, "no-files", "PyPI serves no file for the "
                                           "project"))
        work += [(dist, project) for dist in files]

    counter = _Counter()

    def check(item: tuple[DistFile, ManagedProject]) -> FileResult:
        dist, project = item
        return check_file(client, gpg, keys, workdir, dist, project, signature_url,
                          max_file_size, counter.next(), today)

    for (dist, _project), checked, error in client.map(check, work):
        if error is not None:  # a bug, not a finding: still never a pass
            checked = FileResult(dist, error=f"{type(error).__name__}: {error}")
        checked = cast(FileResult, checked)  # map(): a result, or the one made above
        if checked.error:
            result.errors.append({"project": dist.project, "version": dist.version,
                                  "filename": dist.filename,
                                  "detail": f"{dist.version} {dist.filename}: {checked.error}"})
        if checked.checked:
            result.extra["files_checked"] += 1
        result.extra["files"].append(checked.row())
        for kind, detail in checked.findings:
            result.findings.append(Finding(dist.project, kind, detail, dist.version,
                                           dist.filename))
    wrong_index = unknown_index_error(pypi_url, unknown, result.projects_checked)
    if wrong_index:
        result.errors.append(wrong_index)
    if (projects and not result.extra["files_checked"] and not result.errors
            and scope.kind != "since"):
        # every project unknown or empty: a wrong index URL looks like this,
        # and a run that checked nothing must not pass
        result.errors.append({"project": "(every project)", "detail": (
            f"no file was checked: {pypi_url} serves no file for any of the "
            f"{len(projects)} project(s); is pypi_guard_pypi_url right?")})
    return result
