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

"""Fixtures of the release signature audit tests.

One session-wide "world", made with the real gpg once: four release-shaped
keys and a fake openstack/releases checkout whose series_status.yaml lists
three of them, each with its window:

=========  =====================  ==========================================
series     window                 key
=========  =====================  ==========================================
gamma      2019-01-01..2020-01-01 ``revoked``: revoked on 2019-12-01
alpha      2020-01-01..2021-06-01 ``old``: expired on 2020-12-01 (before the
                                  end of its window, so that a signature
                                  made after the expiry is inside the window)
beta       2021-06-01..present    ``new``: no expiry
(none)                            ``other``: in doc/source/static, listed by
                                  no series
=========  =====================  ==========================================

and one :class:`Case` per file PyPI serves, signed at the right or the
wrong time, each with the finding it must produce (None: it passes).
"""

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import gpgtestkeys
from tests.support.signed_releases import (
    REPOS,
    Deliverable,
    Series,
    StaticSite,
    revoke,
    set_expiry,
    sign_bytes,
    write_releases_repo,
)


@dataclass
class Case:
    project: str
    version: str
    filename: str
    content: bytes
    signature: bytes = None          # None: no .asc at the signature source
    expect: str = None               # the finding kind; None: the file passes
    claimed_sha256: str = None       # what PyPI claims, when not the bytes' digest
    uploaded: str = "2021-07-01T00:00:00"
    repo: str = None                 # where the .asc is (default: the first repo)

    @property
    def sha256(self):
        return self.claimed_sha256 or hashlib.sha256(self.content).hexdigest()


@dataclass
class World:
    keys: dict                       # role -> gpgtestkeys.TestKey
    releases: Path                   # the fake openstack/releases checkout
    cases: list

    def cases_of(self, projects):
        return [case for case in self.cases if case.project in projects]

    def scenario(self, projects, faults=None):
        """A FakePyPI scenario serving the cases of ``projects``."""
        scenario = {"projects": {}}
        for case in self.cases_of(projects):
            project = scenario["projects"].setdefault(case.project, {"releases": {}})
            release = project["releases"].setdefault(
                case.version, {"upload_time": case.uploaded, "files": []})
            entry = {"filename": case.filename, "content": case.content}
            if case.claimed_sha256:
                entry["sha256"] = case.claimed_sha256
            release["files"].append(entry)
        for name, fault in (faults or {}).items():
            scenario["projects"][name]["faults"] = fault
        return scenario

    def tarballs(self, projects):
        """The routes of a tarballs site holding the signatures of ``projects``."""
        routes = {}
        for case in self.cases_of(projects):
            if case.signature is not None:
                repo = case.repo or REPOS[case.project][0]
                routes[f"/{repo}/{case.filename}.asc"] = case.signature
        return routes


def _build_cases(keys, workdir):
    old, new, revoked, other = (keys[k] for k in ("old", "new", "revoked", "other"))

    def signed(key, at, content):
        return sign_bytes(key, content, at, workdir)

    cases = []

    def add(project, version, filename, key=None, at=None, expect=None, **extra):
        content = extra.pop("content", f"{filename}: release bytes\n".encode())
        signature = extra.pop("signature", None)
        if signature is None and key is not None:
            signature = signed(key, at, content)
        cases.append(Case(project, version, filename, content, signature, expect, **extra))

    # Files that pass.
    add("nova", "1.0.0", "nova-1.0.0.tar.gz", old, "20200301T120000",
        uploaded="2020-03-01T12:00:00")  # the key has expired since: still good
    add("nova", "2.0.0", "nova-2.0.0.tar.gz", new, "20210701T000000")
    add("nova", "2.0.0", "nova-2.0.0-py3-none-any.whl", new, "20210701T000000")
    add("oslo.config", "9.0.0", "oslo_config-9.0.0.tar.gz", new, "20210801T000000",
        uploaded="2021-08-01T00:00:00")
    add("fooclient", "1.0.0", "fooclient-1.0.0.tar.gz", new, "20210901T000000",
        repo="x/fooclient", uploaded="2021-09-01T00:00:00")

    # One finding each.
    add("glance", "0.1.0", "glance-0.1.0.tar.gz", expect="bad-signature",
        signature=signed(new, "20210701T000000", b"other bytes\n"))
    add("glance", "0.2.0", "glance-0.2.0.tar.gz", expect="unsigned")
    add("glance", "0.3.0", "glance-0.3.0.tar.gz", other, "20210701T000000",
        expect="wrong-key")
    add("glance", "0.4.0", "glance-0.4.0.tar.gz", revoked, "20190601T000000",
        expect="wrong-key", uploaded="2019-06-01T00:00:00")
    add("glance", "0.5.0", "glance-0.5.0.tar.gz", old, "20210201T000000",
        expect="signed-outside-window", uploaded="2021-02-01T00:00:00")  # after expiry
    add("glance", "0.6.0", "glance-0.6.0.tar.gz", new, "20210515T000000",
        expect="signed-outside-window", uploaded="2021-05-15T00:00:00")  # before window
    add("glance", "0.7.0", "glance-0.7.0.tar.gz", new, "20210701T000000",
        expect="digest-mismatch",
        claimed_sha256=hashlib.sha256(b"what was uploaded\n").hexdigest())
    add("glance", "0.8.0", "glance-0.8.0.tar.gz", expect="bad-signature",
        signature=b"<html><body>Not a signature</body></html>\n")
    # Served with a fault: an error, never a pass.
    add("cinder", "1.0.0", "cinder-1.0.0.tar.gz", new, "20210701T000000", expect="error")
    return cases


@pytest.fixture(scope="session")
def world(tmp_path_factory, gpg_homes):
    base = tmp_path_factory.mktemp("sigaudit")
    home = gpg_homes
    keys = {
        "revoked": gpgtestkeys.generate_key(home(), uid="Gamma Cycle <gamma@example.org>",
                                            at="20181201T000000"),
        "old": gpgtestkeys.generate_key(home(), uid="Alpha Cycle <alpha@example.org>",
                                        at="20191201T000000"),
        "new": gpgtestkeys.generate_key(home(), uid="Beta Cycle <beta@example.org>",
                                        at="20210501T000000"),
        "other": gpgtestkeys.generate_key(home(), uid="Not Listed <other@example.org>",
                                          at="20210501T000000"),
    }
    workdir = base / "signing"
    workdir.mkdir()
    cases = _build_cases(keys, workdir)
    # After signing: the old key gets an expiry before some of its
    # signatures, the gamma key is revoked.
    set_expiry(keys["old"], "2020-12-01", at="20200601T000000")
    revoke(keys["revoked"], at="20191201T000000")
    series = [
        Series("beta", keys["new"], "2021-06-01", "present"),
        Series("alpha", keys["old"], "2020-01-01", "2021-06-01"),
        Series("gamma", keys["revoked"], "2019-01-01", "2020-01-01"),
        Series("ancient"),
    ]
    deliverables = [Deliverable("beta", name, repos, sorted({
        c.version for c in cases if c.project == name}), pypi_name=name)
        for name, repos in REPOS.items()]
    releases = write_releases_repo(base / "releases", series, deliverables,
                                   extra_keys=[keys["other"]])
    return World(keys=keys, releases=releases, cases=cases)


@pytest.fixture(scope="session", autouse=True)
def _gpg_available():
    if not shutil.which(gpgtestkeys.GPG):
        pytest.skip("gpg is not installed")


@pytest.fixture
def tarballs(world):
    """A tarballs site holding every case's signature."""
    with StaticSite(world.tarballs(REPOS)) as site:
        yield site


