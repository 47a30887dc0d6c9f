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

"""A fake PyPI (Warehouse) server for tests.

pypi.org is out of reach from the test nodes, so tests start this server on a
loopback address and point the code under test at ``pypi.url``.  Its answers
are shaped like Warehouse's (``warehouse/legacy/api/json.py``,
``warehouse/legacy/api/xmlrpc/views.py``, ``warehouse/rss/views.py`` and the
``templates/rss/*.xml``, ``templates/api/simple/*.html`` templates), down to
key order, whitespace, headers and error bodies, with faults to inject.

Python API::

    from tests.support.fakepypi import FakePyPI

    with FakePyPI(scenario) as pypi:       # a dict, or the path of a YAML file
        pypi.url                           # "http://127.0.0.1:<port>"
        pypi.requests                      # [RequestRecord, ...] (a copy)
        pypi.requests_for(endpoint="json", project="oslo-config")
        pypi.bytes_sent                    # body bytes sent since start/reset_log
        pypi.reset_log()                   # forget requests and bytes_sent
        pypi.set_scenario(new)             # swap the scenario (resets fault counters)
        pypi.reset_faults()                # restart every fault's ``times`` count

``FakePyPI(scenario=None, host="127.0.0.1", port=0)``; ``start()`` and
``stop()`` do what the ``with`` block does.  ``stop()`` returns promptly even
while answers are sleeping: those connections are closed unanswered.

A ``RequestRecord`` has ``method``, ``path`` (as sent, with the query),
``headers`` (dict), ``project`` (normalized name the request is about, known
or not, else None), ``endpoint`` (``json``, ``xmlrpc``, ``rss``, ``updates``,
``file``, ``simple`` or ``other``), ``status`` (None until answered) and
``bytes_sent`` (body bytes).  Records are logged as requests arrive.

Command line (serves until SIGTERM or SIGINT)::

    python tests/support/fakepypi.py --scenario FILE [--host 127.0.0.1] [--port 0] \\
        [--url-file PATH]

It prints the URL once it is listening and writes it to ``--url-file``.
Only loopback hosts are accepted.

Scenario (YAML or dict; ``tests/support/fakepypi_scenario.example.yaml`` shows every
key).  Unknown keys are refused, to catch typos::

    latency: 0.0               # seconds added before every answer
    changelog:                 # PyPI's journal (XML-RPC changelog_*); kept by
                               # set_scenario() unless the new one has its own
      page_size: 50000         # rows per changelog_since_serial answer
      last_serial: null        # changelog_last_serial's answer when above the
                               # last entry's (entries not served yet)
      entries:                 # [name, version, timestamp, action] (serials
        - [nova, "30.0.0", "2026-01-01T00:00:00", "new release"]  # follow on)
        - {name: nova, version: null, timestamp: 1767225600,
           action: "invite Maintainer mallory", serial: 900}
                               # ``pypi.journal.append(name, version, action)``
                               # adds one while serving
    rss_updates_limit: 100     # items in /rss/updates.xml
    rss_project_limit: 40      # items in /rss/project/<name>/releases.xml
    faults: {}                 # like a project's faults, for every request of
                               # an endpoint whose project has none of its own
                               # (the only way to fault "updates"); one shared
                               # ``times`` counter per endpoint
    projects:
      oslo.config:             # display name (project.name); served by its
                               # normalized name (oslo-config)
        roles:                 # [role, user] pairs (or {role:, user:} maps);
          - [Owner, openstackci]      # role is Owner or Maintainer
          - [Maintainer, someone]
        organization: null     # or an organization's slug
        ownership: true        # false: no "ownership" key (older Warehouse)
        exists_without_releases: false  # true: known project, no release:
                               # JSON API 404s, package_roles, RSS and the simple
                               # API still answer.  (Any project with no release
                               # behaves so; this key just says it on purpose.)
        quarantined: false     # true: quarantined by PyPI's admins, as Warehouse
                               # hides it: the JSON API 404s, the simple page
                               # answers with project-status "quarantined" and
                               # no file, /simple/ leaves it out; the RSS feed,
                               # package_roles and the files still answer
        last_serial: 12345     # default: derived from the project's scenario
        info: {}               # overrides of the JSON "info" metadata for all
                               # releases (summary, author_email,
                               # requires_python, classifiers, home_page...)
        releases:
          "9.0.0":             # quote versions: YAML reads 9.0 as a number
            upload_time: "2025-01-01T00:00:00"  # UTC; release creation and
                               # default file upload time; microseconds show
                               # in *_iso_8601 only when not zero, as Warehouse
                               # (default: 2020-01-01 + one day per version)
            yanked: false
            yanked_reason: null
            quarantined: false # true: hidden from the JSON API (the project's
                               # document and /pypi/<name>/<version>/json 404)
                               # and the simple API; the RSS feed lists it
            info: {}           # metadata overrides for this release only
            files:             # default: no file
              - filename: oslo_config-9.0.0.tar.gz
                content: "text or bytes"  # the bytes served (default: made up)
                content_file: /path       # instead of content (relative paths:
                                          # to the scenario file's directory)
                sha256: "..."  # claimed digest (to disagree with the bytes);
                md5: "..."     # likewise md5, blake2b_256 (which also makes
                blake2b_256: "..."        # the /packages/ path) and size
                size: 123
                packagetype: sdist        # default from the extension
                python_version: source    # default: "source" for sdists, the
                                          # python tag for wheels
                comment_text: null
                upload_time: "..."        # default: the release's
                signature: "-----BEGIN PGP..."  # served at <url>.asc; has_sig
        faults:                # per endpoint: json, xmlrpc, rss, simple, file
          json:
            status: 429        # answer this HTTP status instead
            retry_after: 2     # Retry-After header (seconds)
            times: 3           # fault the first N requests for this project
                               # and endpoint only; omitted or -1: always
            delay: 5           # sleep before answering (client timeouts)
            malformed: true    # a 200 answer's body cut short (JSON, XML or
                               # file bytes); other answers are left alone
            latency: 0.1       # extra latency, on every request (not counted
                               # by ``times``)
            rate_limited: true # xmlrpc: Warehouse's rate-limit fault (HTTP 200,
                               # faultCode -32500, "HTTPTooManyRequests: ...
                               # Limit may reset in N seconds.", N = retry_after
                               # or 60)
            method: user_packages  # xmlrpc: fault only calls of this method
            body: "..."        # body of a ``status`` answer (default: a small
                               # HTML error page)

A request is faulted when its endpoint and project match; ``status`` wins
over ``rate_limited``, which wins over ``malformed``.  Redirects count too.

Endpoints (``/pypi/<name>/...`` answers 301 to the normalized name, keeping
the trailing slash and the query, as Warehouse does, after the lookup: an
unknown name 404s whatever its spelling):

- ``GET /pypi/<name>/json[/]`` and ``/pypi/<name>/<version>/json[/]``;
  404 body ``{"message": "Not Found"}``.  ETag (md5 of the body, as WebOb's
  md5_etag) and Last-Modified, 304 to If-None-Match / If-Modified-Since; also
  on the RSS and simple endpoints.
- ``POST /pypi``, ``/pypi/``, ``/RPC2`` with ``Content-Type: text/xml``:
  XML-RPC ``package_roles``, ``user_packages``, ``list_packages_with_serial``,
  ``changelog_last_serial`` (the journal's last serial, or without a
  journal the highest project ``last_serial``) and ``changelog_since_serial`` (journal rows
  ``[name, version or nil, timestamp, action, serial]`` after the serial,
  oldest first, at most ``page_size``; the action cleaned for XML as
  Warehouse does); other methods get pyramid_rpc's -32601 fault.
- ``GET /rss/project/<name>/releases.xml`` (no redirect: Warehouse looks the
  name up normalized), ``GET /rss/updates.xml``.
- ``GET /simple/`` and ``/simple/<name>/``: PEP 691 JSON or PEP 503 HTML by
  the Accept header.
- ``GET /packages/<b2>/<b2>/<b2 rest>/<filename>[.asc]``: the files.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import email.utils
import hashlib
import io
import ipaddress
import json
import os
import re
import signal
import socket
import sys
import threading
import xmlrpc.client
import zipfile
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import yaml
from packaging.utils import canonicalize_name, canonicalize_version
from packaging.version import InvalidVersion, Version

__all__ = ["FakePyPI", "RequestRecord", "load_scenario", "main"]

API_VERSION = "1.4"  # warehouse/packaging/utils.py
DEFAULT_RSS_UPDATES_LIMIT = 100
DEFAULT_RSS_PROJECT_LIMIT = 40

CORS_HEADERS = (  # warehouse/utils/cors.py
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Headers",
     "Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since"),
    ("Access-Control-Allow-Methods", "GET"),
    ("Access-Control-Max-Age", "86400"),
    ("Access-Control-Expose-Headers", "X-PyPI-Last-Serial"),
)

MIME_JSON = "application/json"
MIME_TEXT_HTML = "text/html"
MIME_SIMPLE_HTML = "application/vnd.pypi.simple.v1+html"
MIME_SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
MIME_XML = "text/xml; charset=UTF-8"
MIME_HTML = "text/html; charset=UTF-8"
MIME_TEXT = "text/plain; charset=UTF-8"

JSON_NOT_FOUND = b'{"message": "Not Found"}'
SIMPLE_NOT_FOUND = b"404 Not Found"
HTML_NOT_FOUND = (
    b'<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
    b"    <title>Page Not Found (404) \xc2\xb7 PyPI</title>\n  </head>\n  <body>\n"
    b"    <h1>We looked everywhere but couldn't find this page</h1>\n"
    b"    <p>404</p>\n  </body>\n</html>\n"
)

ENDPOINTS = ("json", "xmlrpc", "rss", "updates", "file", "simple", "other")
PROJECT_FAULT_ENDPOINTS = frozenset({"json", "xmlrpc", "rss", "simple", "file"})
GLOBAL_FAULT_ENDPOINTS = PROJECT_FAULT_ENDPOINTS | {"updates"}

_TOP_KEYS = {"latency", "projects", "rss_updates_limit", "rss_project_limit", "faults",
             "changelog"}
_CHANGELOG_KEYS = {"page_size", "entries", "last_serial"}
_JOURNAL_KEYS = {"name", "version", "timestamp", "action", "serial"}
DEFAULT_CHANGELOG_PAGE = 50000  # warehouse/legacy/api/xmlrpc/views.py
_PROJECT_KEYS = {"roles", "organization", "ownership", "exists_without_releases",
                 "releases", "faults", "info", "last_serial", "quarantined"}
_RELEASE_KEYS = {"upload_time", "yanked", "yanked_reason", "files", "info", "quarantined"}
_FILE_KEYS = {"filename", "content", "content_file", "sha256", "md5", "blake2b_256",
              "size", "packagetype", "python_version", "comment_text", "upload_time",
              "signature"}
_FAULT_KEYS = {"method", "status", "retry_after", "times", "delay", "malformed", "latency",
               "rate_limited", "body"}
_ROLES = ("Owner", "Maintainer")

# pyramid's url_quote safe characters for a path segment.
_SEGMENT_SAFE = "~!$&'()*+,;=:@"

_RE_JSON_PROJECT = re.compile(r"^/pypi/([^/]+)/json/?$")
_RE_JSON_RELEASE = re.compile(r"^/pypi/([^/]+)/([^/]+)/json/?$")
_RE_RSS_PROJECT = re.compile(r"^/rss/project/([^/]+)/releases\.xml$")
_RE_SIMPLE_DETAIL = re.compile(r"^/simple/([^/]+)(/?)$")
_XMLRPC_PATHS = ("/pypi", "/pypi/", "/RPC2")

_EXTENSION_TYPES = (  # (suffix, packagetype)
    (".whl", "bdist_wheel"), (".egg", "bdist_egg"), (".exe", "bdist_wininst"),
    (".msi", "bdist_msi"), (".rpm", "bdist_rpm"), (".dmg", "bdist_dmg"),
)


class ScenarioError(ValueError):
    """The scenario is not valid."""


@dataclass
class RequestRecord:
    method: str
    path: str
    headers: dict
    project: str | None
    endpoint: str
    status: int | None = None
    bytes_sent: int = 0
    rpc_method: str | None = None  # the XML-RPC method of an xmlrpc request


# ---------------------------------------------------------------------------
# Scenario compilation: turn the YAML/dict into immutable objects, once.


@dataclass(frozen=True)
class _Fault:
    status: int | None = None
    retry_after: float | None = None
    times: int = -1
    delay: float = 0.0
    malformed: bool = False
    latency: float = 0.0
    rate_limited: bool = False
    body: bytes | None = None
    method: str | None = None


@dataclass(frozen=True)
class _File:
    filename: str
    content: bytes
    sha256: str
    md5: str
    blake2b_256: str
    size: int
    packagetype: str
    python_version: str
    comment_text: str | None
    upload_time: dt.datetime
    url_path: str
    signature: bytes | None
    project: str
    version: str
    metadata_sha256: str | None = None  # a wheel's METADATA (PEP 658)


@dataclass(frozen=True)
class _Release:
    version: str
    created: dt.datetime
    yanked: bool
    yanked_reason: str | None
    info: dict
    files: tuple  # of _File, by filename
    sort_key: tuple
    is_prerelease: bool
    quarantined: bool = False

    @property
    def summary(self):
        return self.info.get("summary")

    @property
    def requires_python(self):
        return self.info.get("requires_python")


@dataclass(frozen=True)
class _Project:
    name: str
    normalized: str
    roles: tuple  # of (role, user), as given
    organization: str | None
    ownership: bool
    releases: tuple  # of _Release, newest version first (_pypi_ordering desc)
    last_serial: int
    faults: dict
    quarantined: bool = False

    @property
    def visible(self):
        """The releases the JSON and simple APIs show (Warehouse hides those in
        quarantine, and every release of a project in quarantine)."""
        if self.quarantined:
            return ()
        return tuple(r for r in self.releases if not r.quarantined)

    def latest(self):
        """Warehouse's latest_release_factory: not yanked, not a pre-release, newest."""
        if not self.visible:
            return None
        return min(self.visible, key=lambda r: (r.yanked, r.is_prerelease))

    def release(self, version):
        """Warehouse's release_factory: match on the canonical version, else exactly."""
        canonical = _canonical_version(version)
        found = [r for r in self.visible if _canonical_version(r.version) == canonical]
        if len(found) > 1:
            found = [r for r in found if r.version == version]
        return found[0] if len(found) == 1 else None

    def last_modified(self):
        times = [r.created for r in self.releases]
        times += [f.upload_time for r in self.releases for f in r.files]
        return max(times) if times else None


@dataclass(frozen=True)
class _State:
    latency: float
    rss_updates_limit: int
    rss_project_limit: int
    faults: dict
    projects: dict  # normalized name -> _Project, in scenario order
    files: dict  # unquoted url path -> _File
    journal: object = None  # a _Journal when the scenario has ``changelog``


def _canonical_version(version):
    try:
        return canonicalize_version(version)
    except InvalidVersion:  # older packaging raises on legacy versions
        return version


def _version_sort_key(version):
    """Ascending _pypi_ordering: legacy (invalid) versions before PEP 440 ones."""
    try:
        return (1, Version(version), "")
    except InvalidVersion:
        return (0, None, version)


def _is_prerelease(version):
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        return False


def _check_keys(where, mapping, allowed):
    if not isinstance(mapping, dict):
        raise ScenarioError(f"{where}: expected a mapping, got {type(mapping).__name__}")
    unknown = set(mapping) - allowed
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; "
                            f"allowed: {sorted(allowed)}")


def _parse_time(where, value):
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ScenarioError(f"{where}: not an ISO 8601 time: {value!r}") from exc
    else:
        raise ScenarioError(f"{where}: not a time: {value!r}")
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _as_bytes(value):
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return str(value).encode("utf-8")


def _number(where, value, kind=float, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    if value < minimum:
        raise ScenarioError(f"{where}: must be >= {minimum}, got {value!r}")
    return kind(value)


def _compile_fault(where, raw):
    raw = {} if raw is None else raw
    _check_keys(where, raw, _FAULT_KEYS)
    status = raw.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)
                               or not 100 <= status <= 599):
        raise ScenarioError(f"{where}.status: not an HTTP status: {status!r}")
    times = raw.get("times", -1)
    times = -1 if times is None else _number(f"{where}.times", times, int, -1)
    retry_after = raw.get("retry_after")
    if retry_after is not None:
        retry_after = _number(f"{where}.retry_after", retry_after)
    return _Fault(
        status=status,
        retry_after=retry_after,
        times=times,
        delay=_number(f"{where}.delay", raw.get("delay") or 0),
        malformed=bool(raw.get("malformed", False)),
        latency=_number(f"{where}.latency", raw.get("latency") or 0),
        rate_limited=bool(raw.get("rate_limited", False)),
        body=_as_bytes(raw.get("body")),
        method=raw.get("method"),
    )


def _compile_faults(where, raw, allowed):
    raw = {} if raw is None else raw
    _check_keys(where, raw, allowed)
    return {endpoint: _compile_fault(f"{where}.{endpoint}", value)
            for endpoint, value in raw.items()}


def _default_info(name):
    """Plausible metadata of an OpenStack library built with pbr."""
    docs = f"https://docs.openstack.org/{name}/latest/"
    return {
        "author": "OpenStack",
        "author_email": "openstack-discuss@lists.openstack.org",
        "bugtrack_url": None,
        "classifiers": [
            "Environment :: OpenStack",
            "Intended Audience :: Developers",
            "Operating System :: POSIX :: Linux",
            "Programming Language :: Python :: 3",
            "Programming Language :: Python :: 3 :: Only",
        ],
        "description": f"{name}\n{'=' * len(name)}\n\nAn OpenStack library.\n",
        "description_content_type": "text/x-rst",
        "docs_url": None,
        "download_url": None,
        "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": None,
        "home_page": docs,
        "keywords": None,
        "license": None,
        "license_expression": "Apache-2.0",
        "license_files": ["LICENSE"],
        "maintainer": None,
        "maintainer_email": None,
        "platform": None,
        "project_urls": {"Homepage": docs, "Source": f"https://opendev.org/openstack/{name}"},
        "provides_extra": None,
        "requires_dist": ["pbr>=2.0.0"],
        "requires_python": ">=3.9",
        "summary": f"{name} library for OpenStack",
    }


def _packagetype(filename):
    for suffix, kind in _EXTENSION_TYPES:
        if filename.endswith(suffix):
            return kind
    return "sdist"


def _python_version(filename, packagetype):
    if packagetype == "sdist":
        return "source"
    if packagetype == "bdist_wheel":
        parts = filename[:-4].split("-")
        if len(parts) >= 5:
            return parts[-3]
    return "any"


def _compile_file(where, raw, normalized, version, default_time, base_dir):
    _check_keys(where, raw, _FILE_KEYS)
    for key in ("sha256", "md5", "blake2b_256"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ScenarioError(f"{where}.{key}: quote it, YAML read {raw[key]!r}")
    filename = raw.get("filename")
    if not isinstance(filename, str) or not filename or "/" in filename:
        raise ScenarioError(f"{where}.filename: a file name is required, got {filename!r}")
    if "content" in raw and "content_file" in raw:
        raise ScenarioError(f"{where}: give content or content_file, not both")
    if "content_file" in raw:
        path = Path(raw["content_file"])
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise ScenarioError(f"{where}.content_file: {exc}") from exc
    elif "content" in raw:
        content = _as_bytes(raw["content"]) or b""
    else:
        content = f"fake content of {filename}\n".encode()
    blake2 = raw.get("blake2b_256") or hashlib.blake2b(content, digest_size=32).hexdigest()
    packagetype = raw.get("packagetype") or _packagetype(filename)
    upload_time = default_time
    if raw.get("upload_time") is not None:
        upload_time = _parse_time(f"{where}.upload_time", raw["upload_time"])
    path = "/".join([blake2[:2], blake2[2:4], blake2[4:], filename])
    return _File(
        filename=filename,
        content=content,
        sha256=raw.get("sha256") or hashlib.sha256(content).hexdigest(),
        md5=raw.get("md5") or hashlib.md5(content).hexdigest(),  # noqa: S324
        blake2b_256=blake2,
        size=_number(f"{where}.size", raw["size"], int) if "size" in raw else len(content),
        packagetype=packagetype,
        python_version=raw.get("python_version") or _python_version(filename, packagetype),
        comment_text=raw.get("comment_text"),
        upload_time=upload_time,
        url_path="/packages/" + quote(path, safe=_SEGMENT_SAFE + "/"),
        signature=_as_bytes(raw.get("signature")),
        project=normalized,
        version=version,
        metadata_sha256=_wheel_metadata_sha256(content) if packagetype == "bdist_wheel"
        else None,
    )


def _wheel_metadata_sha256(content):
    """The sha256 of a wheel's ``.dist-info/METADATA``, which Warehouse keeps
    beside the file (PEP 658) and shows as ``core-metadata``; None for bytes
    that are not a wheel."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as wheel:
            names = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
            return hashlib.sha256(wheel.read(names[0])).hexdigest() if len(names) == 1 else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _compile_roles(where, raw):
    raw = [] if raw is None else raw
    if not isinstance(raw, list):
        raise ScenarioError(f"{where}: expected a list of [role, user]")
    roles = []
    for index, item in enumerate(raw):
        if isinstance(item, dict):
            _check_keys(f"{where}[{index}]", item, {"role", "user"})
            item = [item.get("role"), item.get("user")]
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(isinstance(x, str) and x for x in item)):
            raise ScenarioError(f"{where}[{index}]: expected [role, user], got {item!r}")
        if item[0] not in _ROLES:
            raise ScenarioError(f"{where}[{index}]: role must be one of {_ROLES}")
        roles.append((item[0], item[1]))
    return tuple(roles)


def _compile_project(name, raw, base_dir):
    where = f"projects.{name}"
    raw = {} if raw is None else raw
    _check_keys(where, raw, _PROJECT_KEYS)
    normalized = canonicalize_name(name)
    releases_raw = raw.get("releases") or {}
    if not isinstance(releases_raw, dict):
        raise ScenarioError(f"{where}.releases: expected a mapping version -> release")
    if raw.get("exists_without_releases") and releases_raw:
        raise ScenarioError(f"{where}: exists_without_releases with releases")
    project_info = raw.get("info") or {}
    _check_keys(f"{where}.info", project_info, set(project_info))
    for version in releases_raw:
        if isinstance(version, float):
            raise ScenarioError(f"{where}.releases: quote the version {version!r}, "
                                "YAML read it as a number")
    versions = sorted((str(v) for v in releases_raw), key=_version_sort_key)
    by_text = {str(v): r for v, r in releases_raw.items()}
    releases = []
    for index, version in enumerate(versions):
        rwhere = f"{where}.releases.{version}"
        rraw = by_text[version] or {}
        _check_keys(rwhere, rraw, _RELEASE_KEYS)
        if rraw.get("upload_time") is not None:
            created = _parse_time(f"{rwhere}.upload_time", rraw["upload_time"])
        else:
            created = dt.datetime(2020, 1, 1) + dt.timedelta(days=index)
        info = _default_info(name)
        info.update(project_info)
        release_info = rraw.get("info") or {}
        _check_keys(f"{rwhere}.info", release_info, set(release_info))
        info.update(release_info)
        files_raw = rraw.get("files") or []
        if not isinstance(files_raw, list):
            raise ScenarioError(f"{rwhere}.files: expected a list")
        files = [_compile_file(f"{rwhere}.files[{i}]", f, normalized, version, created,
                               base_dir)
                 for i, f in enumerate(files_raw)]
        releases.append(_Release(
            version=version,
            created=created,
            yanked=bool(rraw.get("yanked", False)),
            yanked_reason=rraw.get("yanked_reason"),
            info=info,
            files=tuple(sorted(files, key=lambda f: f.filename)),
            sort_key=_version_sort_key(version),
            is_prerelease=_is_prerelease(version),
            quarantined=bool(rraw.get("quarantined", False)),
        ))
    releases.reverse()
    if raw.get("last_serial") is not None:
        last_serial = _number(f"{where}.last_serial", raw["last_serial"], int)
    else:
        fingerprint = json.dumps([name, raw], sort_keys=True, default=repr).encode()
        last_serial = 10_000_000 + zlib.crc32(fingerprint) % 10_000_000
    organization = raw.get("organization")
    if organization is not None and not isinstance(organization, str):
        raise ScenarioError(f"{where}.organization: expected a slug or null")
    return _Project(
        name=name,
        normalized=normalized,
        roles=_compile_roles(f"{where}.roles", raw.get("roles")),
        organization=organization,
        ownership=bool(raw.get("ownership", True)),
        releases=tuple(releases),
        last_serial=last_serial,
        faults=_compile_faults(f"{where}.faults", raw.get("faults"), PROJECT_FAULT_ENDPOINTS),
        quarantined=bool(raw.get("quarantined", False)),
    )


def load_scenario(scenario):
    """Read a scenario: a dict, or the path of a YAML file. Returns (dict, base_dir)."""
    if scenario is None:
        return {}, None
    if isinstance(scenario, dict):
        return scenario, None
    if isinstance(scenario, (str, os.PathLike)):
        path = Path(scenario)
        with path.open(encoding="utf-8") as stream:
            data = yaml.safe_load(stream)
        return ({} if data is None else data), path.resolve().parent
    raise TypeError(f"scenario must be a dict or a path, not {type(scenario).__name__}")


def _compile(scenario):
    raw, base_dir = load_scenario(scenario)
    _check_keys("scenario", raw, _TOP_KEYS)
    projects_raw = raw.get("projects") or {}
    if not isinstance(projects_raw, dict):
        raise ScenarioError("projects: expected a mapping name -> project")
    projects = {}
    for name, praw in projects_raw.items():
        project = _compile_project(str(name), praw, base_dir)
        if project.normalized in projects:
            raise ScenarioError(f"projects: {name!r} and {projects[project.normalized].name!r}"
                                " have the same normalized name")
        projects[project.normalized] = project
    files = {}
    for project in projects.values():
        for release in project.releases:
            for file_ in release.files:
                key = unquote(file_.url_path)
                if key in files:
                    raise ScenarioError(f"file {file_.filename} is given twice")
                files[key] = file_
    return _State(
        latency=_number("latency", raw.get("latency") or 0),
        rss_updates_limit=_number("rss_updates_limit",
                                  raw.get("rss_updates_limit", DEFAULT_RSS_UPDATES_LIMIT), int),
        rss_project_limit=_number("rss_project_limit",
                                  raw.get("rss_project_limit", DEFAULT_RSS_PROJECT_LIMIT), int),
        faults=_compile_faults("faults", raw.get("faults"), GLOBAL_FAULT_ENDPOINTS),
        projects=projects,
        files=files,
        journal=_compiled_journal(raw.get("changelog")),
    )


def _compiled_journal(raw):
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ScenarioError("changelog: expected a mapping with page_size and entries")
    journal = _Journal()
    journal.load(raw)
    return journal


# ---------------------------------------------------------------------------
# Renderers: each returns a _Response.


@dataclass
class _Response:
    status: int
    headers: list = field(default_factory=list)
    body: bytes = b""
    conditional: bool = False  # may become a 304
    last_modified: dt.datetime | None = None


def _json_bytes(data):
    """Warehouse's "json-with-newline" renderer."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)
    return (text + "\n").encode("utf-8")


def _escape(value):
    """Jinja2 autoescape (markupsafe)."""
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def _xml_text(value):
    """Warehouse's remove_invalid_xml_unicode filter, then autoescape."""
    if value:
        value = "".join(c for c in value if ord(c) >= 32)
    return _escape(value)


def _iso_z(moment):
    return moment.isoformat() + "Z"


def _http_date(moment):
    return email.utils.formatdate(moment.replace(tzinfo=dt.UTC).timestamp(),
                                  usegmt=True)


def _project_url(base, name):
    return f"{base}/project/{quote(name, safe=_SEGMENT_SAFE)}/"


def _release_url(base, name, version):
    return (f"{base}/project/{quote(name, safe=_SEGMENT_SAFE)}/"
            f"{quote(version, safe=_SEGMENT_SAFE)}/")


def _not_found(kind):
    if kind == "json":
        return _Response(404, [("Content-Type", "application/json; charset=utf-8"),
                               *CORS_HEADERS], JSON_NOT_FOUND)
    if kind == "simple":
        return _Response(404, [("Content-Type", MIME_TEXT), *CORS_HEADERS], SIMPLE_NOT_FOUND)
    if kind == "file":
        return _Response(404, [("Content-Type", MIME_TEXT)], SIMPLE_NOT_FOUND)
    return _Response(404, [("Content-Type", MIME_HTML), *CORS_HEADERS], HTML_NOT_FOUND)


def _redirect(base, location):
    target = base + location
    body = (f"301 Moved Permanently\n\nThe resource has been moved to {target}; "
            "you should be redirected automatically.\n\n").encode()
    return _Response(301, [("Location", target), ("Content-Type", MIME_TEXT),
                           *CORS_HEADERS], body)


def _core_metadata(file_):
    return {"sha256": file_.metadata_sha256} if file_.metadata_sha256 else False


def _file_dict(base, release, file_):
    return {
        "comment_text": file_.comment_text,
        "core-metadata": _core_metadata(file_),
        "digests": {"blake2b_256": file_.blake2b_256, "md5": file_.md5,
                    "sha256": file_.sha256},
        "downloads": -1,
        "filename": file_.filename,
        "has_sig": file_.signature is not None,
        "md5_digest": file_.md5,
        "packagetype": file_.packagetype,
        "python_version": file_.python_version,
        "requires_python": release.requires_python or None,
        "size": file_.size,
        "upload_time": file_.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": _iso_z(file_.upload_time),
        "url": base + file_.url_path,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    }


def _json_document(base, project, release, all_releases):
    info = dict(release.info)
    info.update({
        "name": project.name,
        "version": release.version,
        "package_url": _project_url(base, project.name),
        "project_url": _project_url(base, project.name),
        "release_url": _release_url(base, project.name, release.version),
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason or None,
    })
    releases = {r.version: [_file_dict(base, r, f) for f in r.files]
                for r in (project.visible if all_releases else (release,))}
    data = {
        "info": info,
        "last_serial": project.last_serial,
        "urls": releases[release.version],
        "vulnerabilities": [],
    }
    if project.ownership:
        roles = sorted(({"role": role, "user": user} for role, user in project.roles),
                       key=lambda r: (r["role"] != "Owner", r["user"]))
        data["ownership"] = {"organization": project.organization, "roles": roles}
    if all_releases:
        data["releases"] = releases
    return data


def _json_response(base, project, release, all_releases):
    body = _json_bytes(_json_document(base, project, release, all_releases))
    if all_releases:
        last_modified = project.last_modified()
    else:
        last_modified = max([release.created] + [f.upload_time for f in release.files])
    return _Response(200, [
        ("Content-Type", MIME_JSON),
        ("Cache-Control", "max-age=900, public"),
        ("X-PyPI-Last-Serial", str(project.last_serial)),
        *CORS_HEADERS,
    ], body, conditional=True, last_modified=last_modified)


def _format_author(release):
    """warehouse/rss/views.py _format_author: the author emails, when all look valid."""
    emails = []
    for _, address in email.utils.getaddresses([release.info.get("author_email") or ""]):
        if "@" not in address:
            return None
        emails.append(address)
    return ", ".join(emails)


def _rss_document(title, link, description, items):
    """templates/rss/base.xml as Jinja2 renders it (trim_blocks, lstrip_blocks)."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n',
             f"    <title>{_escape(title)}</title>\n",
             f"    <link>{_escape(link)}</link>\n",
             f"    <description>{_escape(description)}</description>\n",
             "    <language>en</language>"]
    for item_title, item_link, release in items:
        author = _format_author(release)
        parts.append(
            "    <item>\n"
            f"      <title>{_escape(item_title)}</title>\n"
            f"      <link>{_escape(item_link)}</link>\n"
            f"      <description>{_xml_text(release.summary)}</description>\n"
            + (f"<author>{_escape(author)}</author>" if author else "")
            + f"      <pubDate>{_http_date(release.created)}</pubDate>\n"
            "    </item>")
    parts.append("  </channel>\n</rss>")
    return "".join(parts).encode("utf-8")


def _rss_response(body, last_modified):
    return _Response(200, [("Content-Type", MIME_XML), *CORS_HEADERS], body,
                     conditional=True, last_modified=last_modified)


def _newest_first(pairs):
    """Release.created desc; ties broken by version, then project name."""
    return sorted(pairs, key=lambda pr: (pr[1].created, pr[1].sort_key, pr[0].normalized),
                  reverse=True)


def _rss_project(state, base, project):
    pairs = _newest_first((project, r) for r in project.releases)[:state.rss_project_limit]
    items = [(r.version, _release_url(base, project.normalized, r.version), r)
             for _, r in pairs]
    body = _rss_document(f"PyPI recent updates for {project.name}",
                         _project_url(base, project.normalized),
                         f"Recent updates to the Python Package Index for {project.name}",
                         items)
    return _rss_response(body, max((r.created for _, r in pairs), default=None))


def _rss_updates(state, base):
    pairs = _newest_first((p, r) for p in state.projects.values() for r in p.releases)
    pairs = pairs[:state.rss_updates_limit]
    items = [(f"{p.name} {r.version}", _release_url(base, p.normalized, r.version), r)
             for p, r in pairs]
    body = _rss_document("PyPI recent updates", base + "/",
                         "Recent updates to the Python Package Index", items)
    return _rss_response(body, max((r.created for _, r in pairs), default=None))


def _accept_quality(accept, offer):
    """Best q of the Accept header's media ranges for offer (RFC 9110)."""
    offer_type, offer_sub = offer.split("/", 1)
    best, best_specificity = None, -1
    for part in accept.split(","):
        fields = [x.strip() for x in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        mtype, msub = media.split("/", 1)
        quality = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if (mtype, msub) == (offer_type, offer_sub):
            specificity = 2
        elif mtype == offer_type and msub == "*":
            specificity = 1
        elif (mtype, msub) == ("*", "*"):
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = quality, specificity
    return best


def _select_content_type(accept):
    """warehouse/api/simple.py _select_content_type, with WebOb's acceptable_offers."""
    offers = (MIME_TEXT_HTML, MIME_SIMPLE_HTML, MIME_SIMPLE_JSON)
    if not accept or not accept.strip():
        return MIME_TEXT_HTML
    scored = [(q, -i, offer) for i, offer in enumerate(offers)
              if (q := _accept_quality(accept, offer))]
    if not scored:
        return MIME_TEXT_HTML
    return max(scored)[2]


def _simple_files(base, project):
    pairs = sorted(((r, f) for r in project.visible for f in r.files),
                   key=lambda rf: (rf[0].sort_key, rf[1].filename))
    return [{
        "core-metadata": _core_metadata(f),
        "data-dist-info-metadata": _core_metadata(f),
        "filename": f.filename,
        "hashes": {"sha256": f.sha256},
        "provenance": None,
        "requires-python": r.requires_python or None,
        "size": f.size,
        "upload-time": _iso_z(f.upload_time),
        "url": base + f.url_path,
        "yanked": (r.yanked_reason if r.yanked and r.yanked_reason else r.yanked),
    } for r, f in pairs]


def _simple_detail(base, project, accept):
    content_type = _select_content_type(accept)
    files = _simple_files(base, project)
    status = "quarantined" if project.quarantined else "active"
    serial = project.last_serial
    if content_type == MIME_SIMPLE_JSON:
        versions = sorted({r.version for r in project.visible if r.files},
                          key=_version_sort_key)
        body = _json_bytes({
            "files": files,
            "meta": {"_last-serial": serial, "api-version": API_VERSION},
            "name": project.normalized,
            "project-status": {"status": status},
            "versions": versions,
        })
    else:
        parts = ['<!DOCTYPE html>\n<html lang="en">\n  <head>\n',
                 f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n',
                 f'<meta name="pypi:project-status" content="{status}">',
                 f"    <title>Links for {_escape(project.normalized)}</title>\n",
                 "  </head>\n  <body>\n",
                 f"    <h1>Links for {_escape(project.normalized)}</h1>\n"]
        for file_ in files:
            attributes = ""
            if file_["requires-python"]:
                attributes += f'data-requires-python="{_escape(file_["requires-python"])}" '
            if file_["yanked"]:
                reason = file_["yanked"] if isinstance(file_["yanked"], str) else ""
                attributes += f'data-yanked="{_escape(reason)}" '
            if file_["core-metadata"]:
                digest = _escape(file_["core-metadata"]["sha256"])
                attributes += (f'data-dist-info-metadata="sha256={digest}" '
                               f'data-core-metadata="sha256={digest}"')
            parts.append(f'<a href="{_escape(file_["url"])}#sha256='
                         f'{_escape(file_["hashes"]["sha256"])}" {attributes}>'
                         f'{_escape(file_["filename"])}</a><br />\n')
        parts.append(f"</body>\n</html>\n<!--SERIAL {serial}-->")
        body = "".join(parts).encode("utf-8")
    if content_type == MIME_TEXT_HTML:
        content_type = MIME_HTML
    return _Response(200, [
        ("Content-Type", content_type),
        ("Cache-Control", "max-age=600, public"),
        ("Vary", "Accept"),
        ("X-PyPI-Last-Serial", str(serial)),
        *CORS_HEADERS,
    ], body, conditional=True, last_modified=project.last_modified())


def _simple_index(state, accept):
    content_type = _select_content_type(accept)
    projects = sorted((p for p in state.projects.values() if not p.quarantined),
                      key=lambda p: p.normalized)
    serial = max((p.last_serial for p in projects), default=0)
    if content_type == MIME_SIMPLE_JSON:
        body = _json_bytes({
            "meta": {"_last-serial": serial, "api-version": API_VERSION},
            "projects": [{"_last-serial": p.last_serial, "name": p.name} for p in projects],
        })
    else:
        links = "".join(f'<a href="/simple/{_escape(p.normalized)}/">{_escape(p.name)}</a>\n'
                        for p in projects)
        body = ('<!DOCTYPE html>\n<html lang="en">\n  <head>\n'
                f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
                "    <title>Simple index</title>\n  </head>\n  <body>\n"
                f"{links}</body>\n</html>").encode()
    if content_type == MIME_TEXT_HTML:
        content_type = MIME_HTML
    return _Response(200, [
        ("Content-Type", content_type),
        ("Cache-Control", "max-age=600, public"),
        ("Vary", "Accept"),
        ("X-PyPI-Last-Serial", str(serial)),
        *CORS_HEADERS,
    ], body, conditional=True)


def _xmlrpc_answer(value):
    if isinstance(value, xmlrpc.client.Fault):
        body = xmlrpc.client.dumps(value, methodresponse=True, allow_none=True)
    else:
        body = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)
    return _Response(200, [("Content-Type", MIME_XML)], body.encode("utf-8"))


def _params_fault(message):
    return xmlrpc.client.Fault(-32602, f"client error; {message}")


def _validate_strings(params, names):
    """Warehouse's pydantic StrictStr checks; the view gets (request, *params)."""
    errors = []
    for index, name in enumerate(names):
        if index >= len(params):
            errors.append(f"{name}: Missing required argument")
        elif not isinstance(params[index], str):
            errors.append(f"{name}: Input should be a valid string")
    errors += [f"{index + 1}: Unexpected positional argument"
               for index in range(len(names), len(params))]
    return _params_fault("; ".join(errors)) if errors else None


def _xmlrpc_call(state, method, params, journal):
    if method == "package_roles":
        fault = _validate_strings(params, ["package_name"])
        if fault:
            return fault
        project = state.projects.get(canonicalize_name(params[0]))
        if project is None:
            return []
        roles = sorted(project.roles, key=lambda ru: ru[1].casefold())  # CITEXT username
        roles = sorted(roles, key=lambda ru: ru[0], reverse=True)  # role_name desc
        return [[role, user] for role, user in roles]
    if method == "user_packages":
        fault = _validate_strings(params, ["username"])
        if fault:
            return fault
        username = params[0]
        found = [(role, p.name) for p in state.projects.values() for role, user in p.roles
                 if user.casefold() == username.casefold()]
        found.sort(key=lambda rp: rp[1].casefold())
        found.sort(key=lambda rp: rp[0], reverse=True)
        return [[role, name] for role, name in found]
    if method == "list_packages_with_serial":
        fault = _validate_strings(params, [])
        if fault:
            return fault
        return {p.name: p.last_serial for p in state.projects.values()}
    if method == "changelog_last_serial":
        fault = _validate_strings(params, [])
        if fault:
            return fault
        if journal.last_serial is not None:  # the journal is the truth when there is one
            return journal.last_serial
        return max((p.last_serial for p in state.projects.values()), default=None)
    if method == "changelog_since_serial":
        # pydantic StrictInt: a bool or a string is refused
        if len(params) != 1 or isinstance(params[0], bool) or not isinstance(params[0], int):
            return _params_fault("serial: Input should be a valid integer")
        return journal.since(params[0])
    return xmlrpc.client.Fault(-32601, "server error; requested method not found")


def _parse_xmlrpc(body):
    """(method, params) or a Fault, as pyramid_rpc's setup_request."""
    try:
        params, method = xmlrpc.client.loads(body)
    except Exception:  # noqa: BLE001 - expat and unmarshaller errors alike
        return None, None, xmlrpc.client.Fault(-32700, "parse error; not well formed")
    if method is None:
        return None, None, xmlrpc.client.Fault(-32601, "server error; requested method not found")
    return method, params, None


def _rate_limit_fault(seconds):
    seconds = max(1, int(seconds))
    return xmlrpc.client.Fault(
        -32500,
        "HTTPTooManyRequests: The action could not be performed because there were too "
        f"many requests by the client. Limit may reset in {seconds} seconds.")


def _error_page(status, reason):
    return (f"<html>\n <head>\n  <title>{status} {reason}</title>\n </head>\n <body>\n"
            f"  <h1>{status} {reason}</h1>\n </body>\n</html>\n").encode()


def _etag(body):
    """WebOb's md5_etag: base64 of the md5 digest, without padding."""
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324
    return '"' + digest.strip("=") + '"'


def _not_modified(request_headers, etag, last_modified):
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        tags = [t[2:] if t.startswith("W/") else t for t in tags]
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since and last_modified is not None:
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        modified = last_modified.replace(microsecond=0, tzinfo=dt.UTC)
        return modified <= since
    return False


# ---------------------------------------------------------------------------
# The HTTP server.


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, fake):
        self.fake = fake
        self.connections = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes
    server_version = "fakepypi"
    sys_version = ""

    def setup(self):
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.server.fake._handle(self, "GET")

    def do_HEAD(self):  # noqa: N802
        self.server.fake._handle(self, "HEAD")

    def do_POST(self):  # noqa: N802
        self.server.fake._handle(self, "POST")


def _check_loopback(host):
    """The address to bind, or ValueError when host is not a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"refusing to serve on {host!r}: not a loopback address") from None
    if not address.is_loopback:
        raise ValueError(f"refusing to serve on {host!r}: not a loopback address")
    return str(address)


# warehouse/legacy/api/xmlrpc/views.py: characters XML 1.0 cannot carry.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean_for_xml(action):
    """Warehouse's ``_clean_for_xml``: non-ASCII becomes a character reference
    (as text), then characters XML cannot carry are dropped."""
    if not action:
        return action
    return _ILLEGAL_XML.sub("", action.encode("ascii", "xmlcharrefreplace").decode("ascii"))


class _Journal:
    """PyPI's journal: ``(name, version, timestamp, action, serial)`` rows,
    serials increasing; thread-safe, appended to while the server runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rows = []
        self.page_size = DEFAULT_CHANGELOG_PAGE
        # changelog_last_serial's answer when above the last row: a journal
        # whose newest entries are not served yet (a replica behind the primary)
        self.announced = None

    def load(self, raw):
        """Replace the journal with a scenario's ``changelog`` mapping."""
        _check_keys("changelog", raw, _CHANGELOG_KEYS)
        page_size = _number("changelog.page_size", raw.get("page_size", DEFAULT_CHANGELOG_PAGE),
                            int, minimum=1)
        announced = raw.get("last_serial")
        if announced is not None:
            announced = _number("changelog.last_serial", announced, int, minimum=0)
        with self._lock:
            self._rows = []
            self.page_size = page_size
            self.announced = announced
        for index, entry in enumerate(raw.get("entries") or []):
            where = f"changelog.entries[{index}]"
            if isinstance(entry, (list, tuple)) and 4 <= len(entry) <= 5:
                keys = ("name", "version", "timestamp", "action", "serial")
                entry = dict(zip(keys[:len(entry)], entry, strict=True))
            if not isinstance(entry, dict):
                raise ScenarioError(f"{where}: expected [name, version, timestamp, action]")
            _check_keys(where, entry, _JOURNAL_KEYS)
            self.append(entry.get("name"), entry.get("version"), entry.get("action"),
                        entry.get("timestamp"), entry.get("serial"), where=where)

    def append(self, name, version, action, timestamp=None, serial=None, where="journal"):
        """Add one entry; returns its serial (the next one unless given)."""
        if not isinstance(name, str) or not isinstance(action, str):
            raise ScenarioError(f"{where}: name and action must be strings")
        if version is not None and not isinstance(version, str):
            raise ScenarioError(f"{where}: version must be a string or null (quote it)")
        if timestamp is None:
            moment = dt.datetime.now(dt.UTC)
        elif isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
            moment = dt.datetime.fromtimestamp(timestamp, dt.UTC)
        else:
            moment = _parse_time(f"{where}.timestamp", timestamp)
        with self._lock:
            last = self._rows[-1][4] if self._rows else 0
            if serial is None:
                serial = last + 1
            elif not isinstance(serial, int) or serial <= last:
                raise ScenarioError(f"{where}: serial must be an integer above {last}")
            self._rows.append((name, version, int(moment.replace(tzinfo=dt.UTC).timestamp()),
                               action, serial))
        return serial

    def extend(self, rows):
        """Append many ``(name, version, timestamp, action)`` rows quickly
        (benchmarks); serials follow on."""
        with self._lock:
            serial = self._rows[-1][4] if self._rows else 0
            for name, version, timestamp, action in rows:
                serial += 1
                self._rows.append((name, version, int(timestamp), action, serial))
            return serial

    @property
    def last_serial(self):
        with self._lock:
            last = self._rows[-1][4] if self._rows else None
            if self.announced is not None and (last is None or self.announced > last):
                return self.announced
            return last

    def since(self, serial):
        """``changelog_since_serial``: up to ``page_size`` rows after ``serial``."""
        with self._lock:
            rows = self._rows
            low, high = 0, len(rows)
            while low < high:  # the first row whose serial is above ``serial``
                middle = (low + high) // 2
                if rows[middle][4] <= serial:
                    low = middle + 1
                else:
                    high = middle
            page = rows[low:low + self.page_size]
        return [[name, version, timestamp, _clean_for_xml(action), row_serial]
                for name, version, timestamp, action, row_serial in page]



class FakePyPI:
    """A fake Warehouse on a loopback address; see the module docstring."""

    def __init__(self, scenario=None, host="127.0.0.1", port=0):
        self._host = _check_loopback(host)
        self._port = port
        self._lock = threading.Lock()
        self._state = _compile(scenario)
        self._journal = self._state.journal or _Journal()
        self._fault_counts = {}
        self._requests = []
        self._bytes_sent = 0
        self._stopping = threading.Event()
        self._httpd = None
        self._thread = None
        self._url = None

    # -- life cycle --

    def start(self):
        if self._httpd is not None:
            raise RuntimeError("FakePyPI is already running")
        self._stopping.clear()
        ipv6 = ":" in self._host
        server_class = _HTTPServer6 if ipv6 else _HTTPServer
        self._httpd = server_class((self._host, self._port), _Handler, self)
        port = self._httpd.server_address[1]
        self._url = f"http://[{self._host}]:{port}" if ipv6 else f"http://{self._host}:{port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"fakepypi:{port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes the sleeping answers, which then hang up
        httpd.shutdown()
        httpd.server_close()
        with httpd.connections_lock:
            connections = list(httpd.connections)
        for connection in connections:  # idle keep-alive connections
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- public state --

    @property
    def url(self):
        if self._url is None:
            raise RuntimeError("FakePyPI is not started")
        return self._url

    @property
    def requests(self):
        with self._lock:
            return list(self._requests)

    def requests_for(self, endpoint=None, project=None):
        return [r for r in self.requests
                if (endpoint is None or r.endpoint == endpoint)
                and (project is None or r.project == canonicalize_name(project))]

    @property
    def bytes_sent(self):
        with self._lock:
            return self._bytes_sent

    def reset_log(self):
        with self._lock:
            self._requests = []
            self._bytes_sent = 0

    @property
    def journal(self):
        """The changelog: ``journal.append(name, version, action[, timestamp])``
        returns the new serial; ``journal.extend(rows)``; ``journal.page_size``."""
        with self._lock:
            return self._journal

    def reset_faults(self):
        with self._lock:
            self._fault_counts = {}

    def set_scenario(self, scenario):
        state = _compile(scenario)  # may raise: keep the old one then
        with self._lock:
            self._state = state
            self._fault_counts = {}
            if state.journal is not None:
                self._journal = state.journal

    # -- request handling --

    def _fault_for(self, state, endpoint, project, rpc_method=None):
        """(fault or None, active) for this request; counts it."""
        fault, key = None, None
        if project is not None and project in state.projects:
            fault = state.projects[project].faults.get(endpoint)
            key = (project, endpoint)
        if fault is None:
            fault = state.faults.get(endpoint)
            key = ("*", endpoint)
        if fault is None or (fault.method is not None and fault.method != rpc_method):
            return None, False
        with self._lock:
            count = self._fault_counts.get(key, 0) + 1
            self._fault_counts[key] = count
        return fault, fault.times < 0 or count <= fault.times

    def _route(self, state, method, path, headers, body):
        """(endpoint, project, callable returning the normal _Response)."""
        base = self._url
        query = urlsplit(path).query
        route_path = unquote(urlsplit(path).path)
        suffix = ("?" + query) if query else ""
        get = method in ("GET", "HEAD")

        if method == "POST" and route_path in _XMLRPC_PATHS:
            if "text/xml" not in (headers.get("Content-Type") or ""):
                return "other", None, lambda: _not_found("html")
            rpc_method, params, fault = _parse_xmlrpc(body)
            project = None
            if rpc_method == "package_roles" and params and isinstance(params[0], str):
                project = canonicalize_name(params[0])
            return ("xmlrpc", project,
                    lambda: _xmlrpc_answer(
                        fault or _xmlrpc_call(state, rpc_method, params, self.journal)))

        if not get:
            return "other", None, lambda: _not_found("html")

        match = _RE_JSON_PROJECT.match(route_path)
        if match:
            name = match.group(1)
            project = state.projects.get(canonicalize_name(name))

            def answer():
                release = project.latest() if project else None
                if release is None:
                    return _not_found("json")
                if name != project.normalized:
                    slash = "/" if route_path.endswith("/") else ""
                    return _redirect(base, f"/pypi/{project.normalized}/json{slash}{suffix}")
                return _json_response(base, project, release, all_releases=True)
            return "json", canonicalize_name(name), answer

        match = _RE_JSON_RELEASE.match(route_path)
        if match:
            name, version = match.groups()
            project = state.projects.get(canonicalize_name(name))

            def answer():
                release = project.release(version) if project else None
                if release is None:
                    return _not_found("json")
                if name != project.normalized:
                    slash = "/" if route_path.endswith("/") else ""
                    return _redirect(base, f"/pypi/{project.normalized}/"
                                     f"{quote(version, safe=_SEGMENT_SAFE)}/json{slash}{suffix}")
                return _json_response(base, project, release, all_releases=False)
            return "json", canonicalize_name(name), answer

        if route_path == "/rss/updates.xml":
            return "updates", None, lambda: _rss_updates(state, base)

        match = _RE_RSS_PROJECT.match(route_path)
        if match:
            project = state.projects.get(canonicalize_name(match.group(1)))
            return ("rss", canonicalize_name(match.group(1)),
                    lambda: _rss_project(state, base, project) if project
                    else _not_found("html"))

        if route_path == "/simple/":
            return "simple", None, lambda: _simple_index(state, headers.get("Accept"))

        match = _RE_SIMPLE_DETAIL.match(route_path)
        if match:
            name, slash = match.groups()
            project = state.projects.get(canonicalize_name(name))

            def answer():
                if not slash:  # pyramid's notfound append_slash
                    return _redirect(base, f"/simple/{quote(name, safe=_SEGMENT_SAFE)}/{suffix}")
                if project is None:
                    return _not_found("simple")
                if name != project.normalized:
                    return _redirect(base, f"/simple/{project.normalized}/{suffix}")
                return _simple_detail(base, project, headers.get("Accept"))
            return "simple", canonicalize_name(name), answer

        if route_path.startswith("/packages/"):
            signature = route_path.endswith(".asc")
            file_ = state.files.get(route_path[:-4] if signature else route_path)

            def answer():
                if file_ is None:
                    return _not_found("file")
                if signature:
                    if file_.signature is None:
                        return _not_found("file")
                    return _Response(200, [("Content-Type", "application/pgp-signature")],
                                     file_.signature)
                return _Response(200, [
                    ("Content-Type", "application/octet-stream"),
                    ("Cache-Control", "max-age=365000000, immutable, public"),
                    ("ETag", '"' + hashlib.md5(file_.content).hexdigest() + '"'),  # noqa: S324
                    ("Last-Modified", _http_date(file_.upload_time)),
                ], file_.content)
            return "file", file_.project if file_ else None, answer

        return "other", None, lambda: _not_found("html")

    def _apply_fault(self, endpoint, fault, response):
        if fault.status is not None:
            reason = _Handler.responses.get(fault.status, ("Error",))[0]
            headers = [("Content-Type", MIME_HTML)]
            if fault.retry_after is not None:
                headers.append(("Retry-After", f"{fault.retry_after:g}"))
            body = fault.body if fault.body is not None else _error_page(fault.status, reason)
            return _Response(fault.status, headers, body)
        if endpoint == "xmlrpc" and fault.rate_limited:
            seconds = fault.retry_after if fault.retry_after is not None else 60
            return _xmlrpc_answer(_rate_limit_fault(seconds))
        if fault.malformed and response.status == 200:
            body = response.body
            cut = body[:max(1, len(body) // 2)] if body else b"{"
            return _Response(200, response.headers, cut)
        return response

    def _handle(self, handler, method):
        with self._lock:
            state = self._state
        headers = {k: v for k, v in handler.headers.items()}
        body = b""
        if method == "POST":
            try:
                length = int(handler.headers.get("Content-Length") or 0)
            except ValueError:
                length = 0
            body = handler.rfile.read(length) if length > 0 else b""
        endpoint, project, answer = self._route(state, method, handler.path, handler.headers,
                                                body)
        record = RequestRecord(method=method, path=handler.path, headers=headers,
                               project=project, endpoint=endpoint,
                               rpc_method=_parse_xmlrpc(body)[0] if endpoint == "xmlrpc"
                               else None)
        with self._lock:
            self._requests.append(record)
        fault, active = self._fault_for(state, endpoint, project, record.rpc_method)
        wait = state.latency
        if fault is not None:
            wait += fault.latency + (fault.delay if active else 0)
        if wait > 0 and self._stopping.wait(wait):
            handler.close_connection = True  # stopping: hang up unanswered
            return
        if self._stopping.is_set():
            handler.close_connection = True
            return

        response = answer()
        if fault is not None and active:
            response = self._apply_fault(endpoint, fault, response)
        if response.conditional and response.status == 200:
            etag = _etag(response.body)
            response.headers.append(("ETag", etag))
            if response.last_modified is not None:
                response.headers.append(("Last-Modified", _http_date(response.last_modified)))
            if _not_modified(handler.headers, etag, response.last_modified):
                keep = {"etag", "last-modified", "cache-control", "vary", "x-pypi-last-serial"}
                response = _Response(304, [(k, v) for k, v in response.headers
                                           if k.lower() in keep or k.startswith("Access-")])
        self._send(handler, method, record, response)

    def _send(self, handler, method, record, response):
        send_body = method != "HEAD" and response.status not in (204, 304)
        sent = len(response.body) if send_body else 0
        with self._lock:
            record.status = response.status
            record.bytes_sent = sent
            self._bytes_sent += sent
        try:
            handler.send_response(response.status)
            for key, value in response.headers:
                handler.send_header(key, value)
            if response.status not in (204, 304):
                handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            if send_body:
                handler.wfile.write(response.body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


# ---------------------------------------------------------------------------
# Command line.


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serve a fake PyPI (Warehouse) scenario.")
    parser.add_argument("--scenario", required=True, help="scenario YAML file")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free one)")
    parser.add_argument("--url-file", help="write the server's URL here once ready")
    args = parser.parse_args(argv)
    try:
        _check_loopback(args.host)
    except ValueError as exc:
        parser.error(str(exc))

    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        pypi = FakePyPI(args.scenario, host=args.host, port=args.port).start()
    except (OSError, ScenarioError, yaml.YAMLError) as exc:
        print(f"fakepypi: {exc}", file=sys.stderr)
        return 1
    try:
        if args.url_file:
            tmp = f"{args.url_file}.tmp{os.getpid()}"
            Path(tmp).write_text(pypi.url + "\n", encoding="utf-8")
            os.replace(tmp, args.url_file)
        print(pypi.url, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        pypi.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
