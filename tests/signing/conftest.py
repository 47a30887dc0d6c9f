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

"""Fixtures for the signed-release tests: real gpg keys, a real pypiserver
with authentication, small real dists, and a playbook runner that checks
every run for leaked secrets and leftover key material."""

import re
import shutil
import uuid

import pytest

from tests.support import dists, gpgtestkeys
from tests.support.playbook import run_playbook
from tests.support.pypiserver_index import PyPIServer

UPLOAD_USER = "release-bot"
UPLOAD_PASSWORD = "pw-" + uuid.uuid4().hex          # nosec: a throwaway test password
API_TOKEN = "pypi-test-token-" + uuid.uuid4().hex   # nosec: a throwaway test token


# --------------------------------------------------------------------------
# Keys


@pytest.fixture(scope="session")
def release_key(gpg_homes):
    """The release key in force: certify-only primary, signing subkey."""
    return gpgtestkeys.generate_key(gpg_homes(), uid="Test Release Key <release@example.org>")


@pytest.fixture(scope="session")
def other_key(gpg_homes):
    """Another key of the same shape, which must never be accepted."""
    return gpgtestkeys.generate_key(gpg_homes(), uid="Someone Else <else@example.org>")


@pytest.fixture(scope="session")
def expired_key(gpg_homes):
    """A release-shaped key that expired long ago (made at a faked time)."""
    return gpgtestkeys.generate_key(gpg_homes(), uid="Old Release Key <old@example.org>",
                                    expire="1d", at="20200101T000000")


@pytest.fixture(scope="session")
def verifier(gpg_homes, release_key):
    """A GPG keyring holding only the release *public* key."""
    import gnupg

    gpg = gnupg.GPG(gnupghome=gpg_homes())
    gpg.import_keys(release_key.public)
    return gpg


# --------------------------------------------------------------------------
# The index


@pytest.fixture(scope="session")
def index(tmp_path_factory):
    """A real pypiserver on 127.0.0.1 that authenticates every action."""
    with PyPIServer(tmp_path_factory.mktemp("pypiserver"), UPLOAD_USER, UPLOAD_PASSWORD,
                    API_TOKEN) as running:
        yield running


# --------------------------------------------------------------------------
# Dists


@pytest.fixture
def project_name(request):
    """A project name of its own for each test, so tests share the index."""
    words = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    return f"pg-{words}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def artifacts(tmp_path, project_name):
    """A directory with an unsigned sdist and wheel of ``project_name``."""
    directory = tmp_path / "artifacts"
    dists.make_release(directory, project_name)
    return directory


@pytest.fixture
def signed_artifacts(artifacts, release_key):
    """The same, each dist with an ``.asc`` made by the release key."""
    for dist in sorted(artifacts.iterdir()):
        gpgtestkeys.sign_file(release_key, dist)
    return artifacts


# --------------------------------------------------------------------------
# Running the playbooks


def _secrets(release_key, other_key, expired_key):
    needles = [UPLOAD_PASSWORD, API_TOKEN]
    for key in (release_key, other_key, expired_key):
        needles += gpgtestkeys.private_key_lines(key)
    return needles


@pytest.fixture
def play(scratch, tmp_path, release_key, other_key, expired_key):
    """Run a playbook as a person would, then check that its whole output
    holds no secret and that no key material or credentials stayed on disk
    (in its temporary directories or next to the artifacts).  Each output
    is kept as ``play-<n>.log`` in the test's tmp_path."""
    needles = _secrets(release_key, other_key, expired_key)
    runs = []

    def run(playbook, extra_vars, check=False, artifacts_dir=None):
        env = {"TMPDIR": str(scratch),
               "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-local"),
               "ANSIBLE_REMOTE_TMP": str(scratch / "ansible-remote"),
               "ANSIBLE_HOME": str(scratch / "ansible-home")}
        for name in ("TWINE_USERNAME", "TWINE_PASSWORD", "TWINE_REPOSITORY_URL"):
            env[name] = ""
        # By hand, the release is named by variables only in test mode.
        extra_vars = {"release_python_signed_test_mode": True, **extra_vars}
        proc = run_playbook(playbook, extra_vars, check=check, env=env, timeout=300)
        runs.append(playbook)
        (tmp_path / f"play-{len(runs)}.log").write_text(proc.output)
        leaked = [n for n in needles if n in proc.output]
        assert not leaked, f"secret material in the output of {playbook}"
        on_disk = gpgtestkeys.tree_contains(scratch, needles)
        if artifacts_dir is not None:
            on_disk += gpgtestkeys.tree_contains(artifacts_dir, needles)
        assert not on_disk, f"secret material left on disk: {on_disk}"
        leftovers = [p for p in scratch.rglob("*")
                     if p.name.startswith(("pypi-guard-gnupg-", "pypi-guard-twine-"))
                     or p.name == ".pypirc"]
        assert not leftovers, f"temporary key or credential files left: {leftovers}"
        assert not gpgtestkeys.agents_under(scratch), "a gpg-agent was left running"
        return proc

    return run


@pytest.fixture(scope="session", autouse=True)
def _tools():
    if not shutil.which(gpgtestkeys.GPG):
        pytest.skip("gpg is not installed")
