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

"""Helpers of the release signature audit tests: a static web site on
127.0.0.1 (the tarballs site, or a hostile index), key operations that
gpgtestkeys does not have (set an expiry after the fact, revoke), and a fake
openstack/releases checkout written from generated keys.

Plain functions and classes, no pytest: the benchmark uses them too.
"""

import datetime
import glob
import hashlib
import json
import os
import threading
import uuid
import xmlrpc.client
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from tests.support import gpgtestkeys

# The projects of the tests' world (conftest.py) and their repositories.
REPOS = {
    "nova": ["openstack/nova"],
    "oslo.config": ["openstack/oslo.config"],
    # two repositories: the signature is only under the second one
    "fooclient": ["openstack/fooclient-old", "x/fooclient"],
    "glance": ["openstack/glance"],
    "cinder": ["openstack/cinder"],
}
CLEAN_PROJECTS = ["nova", "oslo.config", "fooclient"]


# --------------------------------------------------------------------------
# A static web site


class StaticSite:
    """Serves ``routes`` (``{path: bytes}``, or ``{path: (status, bytes)}``)
    on 127.0.0.1; anything else is a 404.  ``requests`` lists the paths
    asked for.  Paths in ``no_length`` are sent without a Content-Length
    (the body ends when the connection closes)."""

    def __init__(self, routes=None, no_length=()):
        self.routes = dict(routes or {})
        self.no_length = set(no_length)
        self.requests = []
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - http.server's naming
                path = unquote(urlsplit(self.path).path)
                with site._lock:
                    site.requests.append(path)
                answer = site.routes.get(path, (404, b"Not Found\n"))
                status, body = answer if isinstance(answer, tuple) else (200, answer)
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream")
                if path not in site.no_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                # XML-RPC at /pypi, unless a route says otherwise: the release
                # account holds no role (user_packages, package_roles: [])
                if unquote(urlsplit(self.path).path) == "/pypi" and "/pypi" not in site.routes:
                    with site._lock:
                        site.requests.append("/pypi")
                    body = xmlrpc.client.dumps(([],), methodresponse=True).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self.do_GET()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


# --------------------------------------------------------------------------
# Keys


def set_expiry(key, date, at):
    """Give ``key`` (primary and subkeys) the expiry ``date`` (YYYY-MM-DD)
    with a self-signature made at ``at``; returns the new public key.

    Signatures the key made before this call keep their own times, so a key
    can be given an expiry earlier than some of its signatures: what a
    signature made after the expiry looks like."""
    gpgtestkeys.gpg(key.gnupghome, "--quick-set-expire", key.fingerprint, date, at=at)
    gpgtestkeys.gpg(key.gnupghome, "--quick-set-expire", key.fingerprint, date, "*", at=at)
    key.public = gpgtestkeys.export_public(key.gnupghome, key.fingerprint)
    return key.public


def revoke(key, at):
    """Revoke ``key`` with the certificate gpg wrote when it made the key;
    returns the new public key (with the revocation)."""
    [path] = glob.glob(os.path.join(key.gnupghome, "openpgp-revocs.d",
                                    f"{key.fingerprint}.rev"))
    certificate = Path(path).read_text().replace(":-----BEGIN", "-----BEGIN")
    gpgtestkeys.gpg(key.gnupghome, "--import", at=at, input=certificate)
    key.public = gpgtestkeys.export_public(key.gnupghome, key.fingerprint)
    return key.public


def sign_bytes(key, content, at, workdir):
    """An armored detached signature (bytes) of ``content`` made by ``key``
    at the faked time ``at``."""
    path = Path(workdir) / f"data-{uuid.uuid4().hex}"
    path.write_bytes(content)
    try:
        signature = gpgtestkeys.sign_file(key, path, at=at)
        return Path(signature).read_bytes()
    finally:
        for leftover in (path, Path(f"{path}.asc")):
            if leftover.exists():
                leftover.unlink()


# --------------------------------------------------------------------------
# A fake openstack/releases checkout


@dataclass
class Series:
    name: str
    key: object = None  # a gpgtestkeys.TestKey, or None: no signing-key
    start: str = None
    end: str = "present"


@dataclass
class Deliverable:
    series: str
    name: str
    repos: list  # ["openstack/nova"]
    versions: list = field(default_factory=list)
    pypi_name: str = None


def key_file_text(key):
    """A key file shaped like openstack/releases' doc/source/static/0x<fpr>.txt:
    a gpg listing, then the armored public key."""
    fpr = key.fingerprint
    grouped = " ".join(fpr[i:i + 4] for i in range(0, 40, 4))
    return (f"pub   ed25519/0x{fpr[-16:]} 2020-01-01 [C]\n"
            f"      Key fingerprint = {grouped}\n"
            f"uid                              {key.uid}\n\n" + key.public)


def write_releases_repo(root, series, deliverables, extra_keys=()):
    """Write ``data/series_status.yaml``, ``doc/source/static/0x<fpr>.txt``
    (for every series key and ``extra_keys``, as openstack/releases also
    keeps keys no series lists) and ``deliverables/``; returns ``root``."""
    root = Path(root)
    (root / "data").mkdir(parents=True, exist_ok=True)
    static = root / "doc" / "source" / "static"
    static.mkdir(parents=True, exist_ok=True)
    entries = []
    for item in series:
        entry = {"name": item.name, "status": "maintained"}
        if item.key is not None:
            end = item.end if item.end == "present" else datetime.date.fromisoformat(item.end)
            entry["signing-key"] = {"key": item.key.fingerprint.lower(),
                                    "start": datetime.date.fromisoformat(item.start),
                                    "end": end}
        entries.append(entry)
    (root / "data" / "series_status.yaml").write_text(
        "---\n" + yaml.safe_dump(entries, sort_keys=False))
    for key in [s.key for s in series if s.key is not None] + list(extra_keys):
        (static / f"0x{key.fingerprint.lower()}.txt").write_text(key_file_text(key))
    for item in deliverables:
        directory = root / "deliverables" / item.series
        directory.mkdir(parents=True, exist_ok=True)
        settings = {repo: ({"pypi-name": item.pypi_name} if item.pypi_name else {})
                    for repo in item.repos}
        data = {"team": item.name, "type": "library", "repository-settings": settings,
                "releases": [{"version": v, "projects": [
                    {"repo": repo, "hash": "0" * 40} for repo in item.repos]}
                    for v in item.versions]}
        (directory / f"{item.name}.yaml").write_text(
            "---\n" + yaml.safe_dump(data, sort_keys=False))
    return root


# --------------------------------------------------------------------------
# An index of hand-written JSON documents, for shapes the fake PyPI never serves


def serve_file(site, filename, content, signature=None, **overrides):
    """Put ``content`` (and ``signature`` at its URL + ``.asc``) on ``site``
    under a made-up path; return the file's JSON API entry, with
    ``overrides`` (hostile values) applied."""
    path = f"/files/{uuid.uuid4().hex}.bin"
    site.routes[path] = content
    if signature is not None:
        site.routes[path + ".asc"] = signature
    entry = {"filename": filename, "url": site.url + path, "size": len(content),
             "digests": {"sha256": hashlib.sha256(content).hexdigest()},
             "upload_time_iso_8601": "2021-07-01T00:00:00.000000Z"}
    entry.update(overrides)
    return entry


def serve_document(site, name, version, urls, **top):
    """Serve ``/pypi/<name>/json``: ``info``, ``urls`` and the keys of ``top``
    (``releases``, or none of it)."""
    document = {"info": {"name": name, "version": version}, "urls": urls}
    document.update(top)
    site.routes[f"/pypi/{name}/json"] = json.dumps(document).encode()


# --------------------------------------------------------------------------
# What a run may leave behind


def leftovers(directory):
    """Temporary GnuPG homes or download directories left under ``directory``."""
    return [str(p) for p in Path(directory).rglob("*")
            if p.name.startswith(("pypi-guard-gnupg-", "pypi-guard-sigaudit-"))]
