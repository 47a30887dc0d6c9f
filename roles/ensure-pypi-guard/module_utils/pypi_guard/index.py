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

"""What a package index already has of a release, from its simple API
(PEP 503 HTML or PEP 691 JSON), asked through the shared HTTP client.

twine's ``--skip-existing`` works only for pypi.org and TestPyPI; this is
how a re-run completes a release uploaded in part on any index.  The
answers are input from the index: anything not shaped like a simple API
page is an error naming the URL, never an empty list of files.  A file is
"already there" only when the index has the same bytes (sha256); other
bytes under the release's file name are an incident, never skipped.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any, NamedTuple
from urllib.parse import unquote, urljoin, urlsplit

from ansible.module_utils.pypi_guard.artifacts import (
    SIGNATURE_SUFFIX,
    UPLOAD,
    SettingsError,
    parse_dist_filename,
    sha256_file,
)
from ansible.module_utils.pypi_guard.errors import PypiGuardError
from ansible.module_utils.pypi_guard.http import (
    FetchError,
    HttpClient,
    RedirectRefused,
    TooLarge,
    url_problem,
)
from ansible.module_utils.pypi_guard.names import normalize_name

Auth = tuple[str, str]


class Listed(NamedTuple):
    """A file the simple API lists: its sha256 (None when the index gives
    none) and where to download it."""

    sha256: str | None
    url: str | None

PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD_URL = "https://test.pypi.org/legacy/"
KNOWN_REPOSITORIES = {"pypi": PYPI_UPLOAD_URL, "testpypi": TESTPYPI_UPLOAD_URL}
KNOWN_SIMPLE_URLS = {
    PYPI_UPLOAD_URL: "https://pypi.org/simple/",
    TESTPYPI_UPLOAD_URL: "https://test.pypi.org/simple/",
}
JSON_TYPES = ("application/vnd.pypi.simple.v1+json", "application/json")
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
ACCEPT = ("application/vnd.pypi.simple.v1+json, "
          "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1")

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
# What a package index serves as files (PEP 527's and the legacy ones).  A
# link to anything else on a simple page is not a file: Warehouse in
# development mode adds its debug toolbar's link to every HTML page.
DIST_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".egg",
                 ".exe", ".msi", ".rpm", ".dmg", ".deb")


def check_upload_url(url: str) -> None:
    """Refuse, before anything is sent, an upload URL the credentials must not
    go to: only https, or plain http to a loopback address (the audits'
    rule, :func:`url_problem`, with no way to allow more)."""
    problem = url_problem(url)
    if problem:
        raise FetchError(f"refusing to send the upload credentials to {url}: the URL "
                         f"{problem}; use https")


class UploadTarget(NamedTuple):
    """Where ``twine upload`` sends the release, and as whom: the
    ``.pypirc`` section ``repository`` with its ``upload_url``, the user
    name ``login``, and which key of ``pypi_info`` holds the password
    (``secret_field``: the secret itself never leaves ``pypi_info``)."""

    repository: str
    upload_url: str
    login: str
    secret_field: str


# The keys of pypi_info (upstream's upload-pypi role's shape), the secret
# ones hidden from every log.
PYPI_INFO_ARGUMENT_SPEC: dict[str, Any] = {
    "type": "dict", "default": {},
    "options": {"api_token": {"type": "str", "no_log": True},
                "username": {"type": "str"},
                "password": {"type": "str", "no_log": True},
                "repository": {"type": "str"},
                "repository_url": {"type": "str"}}}


def upload_problems(pypi_info: Mapping[str, Any] | None) -> list[str]:
    """One line per problem of ``pypi_info``: the credentials are an API
    token, or a user name and a password, never both; nothing that goes
    into the ``.pypirc`` has a line break (nor the section name a bracket);
    a repository other than ``pypi`` and ``testpypi`` needs its URL."""
    info = pypi_info or {}
    token, username, password = (info.get(k) or "" for k in ("api_token", "username",
                                                            "password"))
    problems = []
    if not (token and not username and not password
            or not token and username and password):
        problems.append("pypi_info needs either api_token, or username and password "
                        "(not both)")
    if re.search(r"[\r\n]", token + username + password):
        problems.append("a pypi_info credential contains a line break")
    if re.search(r"[\r\n\[\]]", str(info.get("repository") or "")) \
            or re.search(r"[\r\n]", str(info.get("repository_url") or "")):
        problems.append("pypi_info.repository or repository_url contains a line break or "
                        "a bracket (they go into the .pypirc)")
    if not info.get("repository_url") and (info.get("repository") or "pypi") \
            not in KNOWN_REPOSITORIES:
        problems.append("pypi_info.repository is neither pypi nor testpypi: set "
                        "pypi_info.repository_url")
    return problems


def upload_target(pypi_info: Mapping[str, Any]) -> UploadTarget:
    """Where and as whom ``pypi_info`` uploads (checked by
    :func:`upload_problems`): an API token logs in as ``__token__``."""
    repository = pypi_info.get("repository") or "pypi"
    url = pypi_info.get("repository_url") or KNOWN_REPOSITORIES.get(repository,
                                                                    PYPI_UPLOAD_URL)
    if pypi_info.get("api_token"):
        return UploadTarget(repository, url, "__token__", "api_token")
    return UploadTarget(repository, url, str(pypi_info.get("username") or ""), "password")


def simple_index_url(upload_url: str) -> str:
    """The simple API (PEP 503) base URL of the index behind ``upload_url``.

    pypi.org and TestPyPI are known; otherwise a trailing ``legacy/`` is
    dropped and ``simple/`` appended, which is where pypiserver, devpi and
    most other indexes serve it.
    """
    url = upload_url or PYPI_UPLOAD_URL
    if not url.endswith("/"):
        url += "/"
    if url in KNOWN_SIMPLE_URLS:
        return KNOWN_SIMPLE_URLS[url]
    url = url.removesuffix("legacy/")
    if url.endswith("/simple/"):
        return url
    return url + "simple/"


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.is_html = False
        self.status: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.is_html = self.is_html or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.is_html = self.is_html or tag in ("html", "body")
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        elif tag == "meta" and dict(attrs).get("name") == "pypi:project-status":
            self.status = dict(attrs).get("content")


def _link(base: str, href: object) -> str | None:
    """``href`` resolved against ``base``; None when it is not a usable URL
    (the index's text: it is only ever asked, never trusted)."""
    if not isinstance(href, str) or not href:
        return None
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _digest(value: object, url: str, where: str) -> str | None:
    """A sha256 from the index, lower-cased, or None when it gives none."""
    if value is None:
        return None
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise FetchError(f"GET {url}: {where}: {ascii(value)[:80]} is not a sha256")
    return value.lower()


def _refuse_quarantined(status: object, url: str) -> None:
    """PEP 792: a quarantined project's page lists none of its files, so what
    the index has cannot be known from it."""
    if status == "quarantined":
        raise FetchError(f"GET {url}: the index says the project is quarantined (PEP 792 "
                         "project-status): it hides the project's files, so which of them "
                         "are uploaded already cannot be known; PyPI's administrators must "
                         "clear the quarantine first")


def _parse_json_page(body: str, url: str) -> dict[str, Listed]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FetchError(f"GET {url}: the simple API answer is not valid JSON ({exc})") \
            from None
    status = data.get("project-status") if isinstance(data, dict) else None
    _refuse_quarantined(status.get("status") if isinstance(status, dict) else None, url)
    entries = data.get("files") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise FetchError(f"GET {url}: the simple API answer has no 'files' list (PEP 691)")
    files = {}
    for number, entry in enumerate(entries):
        where = f"files[{number}]"
        name = entry.get("filename") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise FetchError(f"GET {url}: {where} has no 'filename' (PEP 691)")
        hashes = entry.get("hashes", {})
        if not isinstance(hashes, dict):
            raise FetchError(f"GET {url}: {where}.hashes is not a mapping (PEP 691)")
        files[name] = Listed(_digest(hashes.get("sha256"), url, f"{where}.hashes.sha256"),
                             _link(url, entry.get("url")))
    return files


def _parse_html_page(body: str, url: str) -> dict[str, Listed]:
    parser = _LinkParser()
    parser.feed(body)
    parser.close()
    if not parser.is_html:
        # An empty list read from garbage would say "nothing uploaded yet".
        raise FetchError(f"GET {url}: the answer is not an HTML page (PEP 503)")
    _refuse_quarantined(parser.status, url)
    files = {}
    for href in parser.links:
        path, _, fragment = href.partition("#")
        name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
        if name and name.lower().endswith(DIST_SUFFIXES):
            digest = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
            files[name] = Listed(_digest(digest, url, f"the link to {ascii(name)[:80]}"),
                                 _link(url, path))
    return files


def parse_simple_page(body: str, content_type: str | None, url: str) -> dict[str, Listed]:
    """``{filename: Listed(sha256 or None, url)}`` from a simple API project page, HTML
    (PEP 503) or JSON (PEP 691) as ``content_type`` says.

    Raises ``FetchError`` naming ``url`` for any other content type and for
    a page of the wrong shape.
    """
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind in JSON_TYPES:
        return _parse_json_page(body, url)
    if kind in HTML_TYPES:
        return _parse_html_page(body, url)
    raise FetchError(f"GET {url}: the answer is {ascii(content_type or 'untyped')[:80]}, "
                     "not a simple API page (PEP 503 HTML or PEP 691 JSON)")


def index_files(client: HttpClient, simple_url: str, project: str,
                auth: Auth | None = None) -> dict[str, Listed]:
    """The files the index lists for ``project``: ``{filename: Listed}``.

    ``client`` is a :class:`HttpClient`: its timeouts, retries, size cap and
    redirect rule apply.  A 404 means the project is not there yet.  A
    redirect the client refuses to follow, to another host (pypiserver's
    fallback to pypi.org), also means this index has nothing; ``auth`` is
    sent only to the index's own origin.  Raises ``FetchError``.
    """
    base = simple_url if simple_url.endswith("/") else simple_url + "/"
    url = urljoin(base, normalize_name(project) + "/")
    try:
        response = client.request("GET", url, ok_status=(200, 401, 403, 404), auth=auth,
                                  headers={"Accept": ACCEPT})
    except RedirectRefused:
        return {}
    if response.status_code == 404:
        return {}
    if response.status_code in (401, 403):
        raise FetchError(f"{simple_url} refused to list {project} "
                         f"(HTTP {response.status_code}): check the credentials in pypi_info")
    return parse_simple_page(response.text, response.headers.get("content-type"),
                             response.url or url)


def _same_origin(first: str, second: str) -> bool:
    one, other = urlsplit(first), urlsplit(second)
    return (one.scheme, one.hostname, one.port) == (other.scheme, other.hostname, other.port)


def index_sha256(client: HttpClient, listed: Listed, simple_url: str, size: int,
                 auth: Auth | None = None) -> str | None:
    """The sha256 of the file the index serves at ``listed.url`` (for an
    index whose simple API gives no hash), read up to ``size`` bytes: a
    larger file is not ours, and its digest is None."""
    if not listed.url:
        raise FetchError(f"{simple_url}: the index lists the file with neither a sha256 "
                         "nor a link to compare it with")
    with tempfile.TemporaryDirectory(prefix="pypi-guard-index-") as scratch:
        try:
            return client.download(listed.url, os.path.join(scratch, "file"), max(size, 1),
                                   auth=auth if _same_origin(listed.url, simple_url) else None)
        except TooLarge:
            return None


def split_existing(client: HttpClient, dists: Iterable[str], simple_url: str,
                   auth: Auth | None = None) -> dict[str, list[str]]:
    """Sort ``dists`` (paths) into what the index already has, byte for
    byte, and what it lacks.  The index's sha256 is compared with ours; an
    index that gives none is asked for the file.  A file the index has
    under the same name with other bytes is in ``different`` (one line
    each): not ours, an incident, never "already uploaded".  Returns a dict
    with ``existing`` and ``missing`` (paths) and ``different``.  Raises
    ``FetchError``, or ``ValueError`` for a file that is not a dist.
    """
    by_project: dict[str, list[str]] = {}
    for dist in dists:
        project, _version = parse_dist_filename(dist)
        by_project.setdefault(project, []).append(dist)
    existing: list[str] = []
    missing: list[str] = []
    different: list[str] = []
    for project, paths in sorted(by_project.items()):
        listed = index_files(client, simple_url, project, auth=auth)
        for path in paths:
            name = os.path.basename(path)
            if name not in listed:
                missing.append(path)
                continue
            ours = sha256_file(path)
            remote = listed[name].sha256
            how = "its sha256"
            if remote is None:
                remote = index_sha256(client, listed[name], simple_url,
                                      os.path.getsize(path), auth=auth)
                how = "the file it serves"
            if remote == ours:
                existing.append(path)
                continue
            different.append(
                f"{name}: the index already has other bytes under this name ({how}: "
                f"{remote or 'larger than ours'}; this build: {ours}): not uploaded "
                "by this job; find out who uploaded it")
    return {"existing": existing, "missing": missing, "different": different}


class UploadRefused(PypiGuardError):
    """The index must not get this upload: its URL, or other bytes already
    under the release's file names (``different``, one line each)."""

    def __init__(self, message: str, simple_url: str, different: Iterable[str] = ()) -> None:
        self.different = list(different)
        super().__init__(message, self.different or None)
        self.simple_url = simple_url

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems, "different": self.different,
                "simple_url": self.simple_url}


def plan_upload(files: list[str], pypi_info: Mapping[str, Any], skip_existing: bool = True,
                simple_url: str | None = None, timeout: float = 30, retries: int = 4,
                check_mode: bool = False) -> dict[str, Any]:
    """What one ``twine upload`` sends, and where.

    ``files`` are the dists, each followed by its ``.asc``.  Checks
    ``pypi_info`` (:func:`upload_problems`, :class:`SettingsError`) and the
    upload URL (:func:`check_upload_url`) before anything is sent; with
    ``skip_existing``, leaves out the dists the index already has, byte for
    byte (:func:`split_existing`), and refuses other bytes under their
    names (:class:`UploadRefused`).  Returns the :class:`UploadTarget`'s
    fields, ``simple_url``, ``existing``, ``to_upload`` and ``summary``,
    the lines to show.
    """
    problems = upload_problems(pypi_info)
    if problems:
        raise SettingsError(UPLOAD.action, problems)
    target = upload_target(pypi_info)
    simple_url = simple_url or simple_index_url(target.upload_url)
    try:
        check_upload_url(target.upload_url)
    except FetchError as exc:
        raise UploadRefused(str(exc), simple_url) from None
    existing: list[str] = []
    to_upload = list(files)
    if skip_existing:
        # The simple API gets the credentials only on the upload URL's host.
        auth = ((target.login, str(pypi_info[target.secret_field]))
                if urlsplit(simple_url)[:2] == urlsplit(target.upload_url)[:2] else None)
        dists = [f for f in files if not f.endswith(SIGNATURE_SUFFIX)]
        try:
            with HttpClient(concurrency=1, timeout=timeout, retries=retries) as client:
                found = split_existing(client, dists, simple_url, auth=auth)
        except (FetchError, ValueError) as exc:
            raise UploadRefused(str(exc), simple_url) from None
        if found["different"]:
            raise UploadRefused(
                f"Refusing to upload: {len(found['different'])} file(s) of this release are "
                f"already on {simple_url} with other bytes:\n- "
                + "\n- ".join(found["different"]), simple_url, found["different"])
        existing = found["existing"]
        given = set(files)
        to_upload = []
        for dist in found["missing"]:
            to_upload.append(dist)
            if dist + SIGNATURE_SUFFIX in given:
                to_upload.append(dist + SIGNATURE_SUFFIX)
    return {**target._asdict(), "simple_url": simple_url, "existing": existing,
            "to_upload": to_upload, "different": [],
            "summary": upload_summary(target.upload_url, simple_url, existing, to_upload,
                                      check_mode)}


def upload_summary(upload_url: str, simple_url: str, existing: list[str],
                   to_upload: list[str], check_mode: bool) -> list[str]:
    """The lines the upload step shows before twine runs."""
    lines = []
    if existing:
        lines.append(f"Already on {simple_url} with the same bytes, not uploaded again: "
                     + ", ".join(os.path.basename(p) for p in existing))
    if not to_upload:
        lines.append("Every file is already on the index; nothing was uploaded.")
    else:
        lines.append(("Would upload to " if check_mode else "To upload to ")
                     + f"{upload_url}: " + ", ".join(os.path.basename(p) for p in to_upload))
    return lines
