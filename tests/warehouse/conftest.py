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

"""One real Warehouse for the whole session (tests/warehouse/stack.py) and
the world the release team lives in: a release account with a verified
e-mail address, two-factor auth and an API token; a stranger; an admin; the
release key; an openstack/releases checkout listing the test projects; a
tarballs site; an SMTP sink.  The jobs run through their playbooks, as a
release team runs them by hand.

The tests share state on purpose (a release, then events planted on it, as
on the real PyPI), so they run in file order and without xdist.
"""

import base64
import datetime
import functools
import http.server
import json
import os
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import dists, gpgtestkeys
from tests.support.playbook import run_playbook
from tests.support.signed_releases import Deliverable, Series, write_releases_repo
from tests.support.smtpsink import SmtpSink
from tests.warehouse.stack import WarehouseStack
from tests.warehouse.web import WebUser

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent

# `tox -e warehouse` sets this; elsewhere (py3) these tests are not collected.
if not os.environ.get("PYPI_GUARD_WAREHOUSE_TESTS"):
    collect_ignore_glob = ["test_*.py"]

RELEASE_ACCOUNT = "openstackci"
# The contract tests' uploads are this account's, not the release account's:
# every project the release account holds a role on is guarded by the jobs.
CONTRACT_ACCOUNT = "contract-bot"
SERIES = "flamingo"
# pypi name -> (repository, versions the deliverables list)
PROJECTS = {
    "pg-main": ("openstack/pg-main", ["1.0.0", "1.1.0"]),
    "pg-roles": ("openstack/pg-roles", ["1.0.0"]),
    "pg-doomed": ("openstack/pg-doomed", ["1.0.0", "1.1.0"]),
    "pg-held": ("openstack/pg-held", ["1.0.0", "1.1.0"]),
    "pg-frozen": ("openstack/pg-frozen", ["1.0.0"]),
}
SIGNATURE_URL = "{namespace}/{repo}/{filename}.asc"
REPORTS = {
    "maintainers": ("playbooks/pypi-maintainers-audit/run.yaml", "pypi-maintainers-audit.json"),
    "releases": ("playbooks/pypi-release-audit/run.yaml", "pypi-release-audit.json"),
    "signatures": ("playbooks/release-signature-audit/run.yaml",
                   "release-signature-audit.json"),
    "watch": ("playbooks/pypi-watch/run.yaml", "pypi-watch.json"),
}
# Measured job times, printed at the end of the session (tox -e warehouse)
TIMINGS = []


def new_totp_secret():
    return base64.b32encode(secrets.token_bytes(20)).decode()


@dataclass
class Account:
    name: str
    password: str
    totp: str
    tokens: dict = field(default_factory=dict)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def warehouse():
    with WarehouseStack() as stack:
        print(f"\nWarehouse start-up: {stack.timings}", flush=True)
        TIMINGS.append(("warehouse start-up", sum(stack.timings.values())))
        yield stack
    if TIMINGS:
        print("\nJob times against the real Warehouse:")
        for name, seconds in TIMINGS:
            print(f"  {name}: {seconds:.1f} s")


@pytest.fixture(scope="session")
def accounts(warehouse):
    made = {}
    for name, superuser in ((RELEASE_ACCOUNT, False), ("stranger", False),
                            (CONTRACT_ACCOUNT, False), ("admin", True)):
        account = Account(name, "pw-" + secrets.token_hex(12), new_totp_secret())
        args = ["user", name, f"{name}@example.org", account.password, account.totp]
        warehouse.bootstrap(*args, *(["--superuser"] if superuser else []))
        made[name] = account
    for account, token in ((RELEASE_ACCOUNT, "release"), (RELEASE_ACCOUNT, "second"),
                           ("stranger", "release"), (CONTRACT_ACCOUNT, "release")):
        made[account].tokens[token] = warehouse.bootstrap("token", account, token)["token"]
    return made


@pytest.fixture(scope="session")
def web(warehouse, accounts):
    """``web(name)``: that account's logged-in browser session (made once)."""
    sessions = {}

    def get(name):
        if name not in sessions:
            account = accounts[name]
            sessions[name] = WebUser(warehouse.url, name, account.password,
                                     account.totp).login()
        return sessions[name]

    return get


@pytest.fixture(scope="session")
def workdir():
    # short: gpg-agent's socket path is limited
    path = Path(tempfile.mkdtemp(prefix="pgw-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def release_key(workdir):
    home = gpgtestkeys.new_gnupghome(str(workdir))
    key = gpgtestkeys.generate_key(home, uid="Flamingo Cycle <flamingo@example.org>")
    yield key
    gpgtestkeys.kill_agent(home)


@pytest.fixture(scope="session")
def releases_repo(workdir, release_key):
    start = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    deliverables = [Deliverable(SERIES, name, [repo], versions, pypi_name=name)
                    for name, (repo, versions) in PROJECTS.items()]
    return write_releases_repo(workdir / "releases", [Series(SERIES, release_key, start)],
                               deliverables)


@pytest.fixture(scope="session")
def tarballs(workdir):
    """The tarballs site: every artifact and its .asc under <namespace>/<repo>/."""
    root = workdir / "tarballs"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.root = root
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def smtp():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="session")
def settings(workdir):
    allowlist = workdir / "pypi-maintainers.yaml"
    allowlist.write_text(f"pypi_maintainers_allowlist:\n  required_owners: [{RELEASE_ACCOUNT}]\n")
    known = workdir / "pypi-releases.yaml"
    known.write_text("pypi_release_audit_known_releases: {}\n")
    return {"allowlist": allowlist, "known": known}


class Jobs:
    """Every job through its playbook against the one Warehouse."""

    def __init__(self, warehouse, accounts, release_key, releases_repo, tarballs, smtp,
                 settings, workdir):
        self.wh, self.accounts, self.key = warehouse, accounts, release_key
        self.releases, self.tarballs, self.smtp = releases_repo, tarballs, smtp
        self.settings, self.workdir = settings, workdir
        self.runs = 0

    def _env(self):
        scratch = Path(tempfile.mkdtemp(prefix="pgt-", dir=self.workdir))
        return {"TMPDIR": str(scratch), "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-local"),
                "ANSIBLE_REMOTE_TMP": str(scratch / "ansible-remote"),
                "ANSIBLE_HOME": str(scratch / "ansible-home"),
                "TWINE_USERNAME": "", "TWINE_PASSWORD": "", "TWINE_REPOSITORY_URL": ""}

    def common(self):
        return {
            "pypi_guard_pypi_url": self.wh.url,
            "pypi_guard_releases_repo": str(self.releases),
            "pypi_guard_report_dir": str(self.workdir / "reports"),
            "pypi_guard_retries": 1,
            "pypi_guard_timeout": 30,
            "pypi_guard_rate_limit": 0,
            "pypi_guard_notify_to": ["release-team@example.org"],
            "pypi_guard_notify_from": "pypi-guard@example.org",
            "pypi_guard_smtp_host": self.smtp.host,
            "pypi_guard_smtp_port": self.smtp.port,
        }

    def _play(self, name, playbook, variables, report=None):
        self.runs += 1
        started = time.monotonic()
        proc = run_playbook(playbook, variables, env=self._env(), timeout=600)
        proc.seconds = time.monotonic() - started
        TIMINGS.append((name, proc.seconds))
        (self.workdir / f"play-{self.runs:02d}-{name.replace(' ', '_')}.log").write_text(
            proc.output)
        secrets_shown = [token for account in self.accounts.values()
                         for token in [account.password, *account.tokens.values()]
                         if token in proc.output]
        assert not secrets_shown, f"{name}: a password or token is in the output"
        proc.report = None
        if report:
            path = self.workdir / "reports" / report
            proc.report = json.loads(path.read_text()) if path.exists() else None
            path.unlink(missing_ok=True)
        return proc

    def audit(self, which, **extra):
        playbook, report = REPORTS[which]
        variables = self.common()
        if which == "maintainers":
            variables["pypi_guard_allowlist_file"] = str(self.settings["allowlist"])
        elif which == "releases":
            variables["pypi_guard_known_releases_file"] = str(self.settings["known"])
            variables["pypi_guard_allowlist_file"] = str(self.settings["allowlist"])
        elif which == "signatures":
            variables["pypi_guard_signature_url"] = (
                f"{self.tarballs.url}/{SIGNATURE_URL}")
            variables["release_signature_audit_scope"] = "all"
        elif which == "watch":
            variables.update({
                "pypi_guard_allowlist_file": str(self.settings["allowlist"]),
                "pypi_guard_known_releases_file": str(self.settings["known"]),
                "pypi_watch_state_file": str(self.workdir / "watch-state.json"),
                "pypi_guard_signature_url": f"{self.tarballs.url}/{SIGNATURE_URL}",
                "pypi_watch_signature_grace": 0,
            })
            if not (self.workdir / "watch-state.json").exists():
                variables["pypi_watch_since_serial"] = 0
        variables.update(extra)
        return self._play(which, playbook, variables, report)

    def build(self, project, version, directory=None):
        directory = directory or self.workdir / "dists" / f"{project}-{version}"
        dists.make_release(directory, project, version)
        return directory

    def release(self, project, version, token="release"):
        """release-python-signed by hand: sign.yaml then upload.yaml with the
        release account's API token; the .asc files published on the
        tarballs site, as the release pipeline publishes them."""
        directory = self.build(project, version)
        release = {"release_python_signed_artifacts_dir": str(directory),
                   "release_python_signed_test_mode": True,
                   "release_python_signed_project": project,
                   "release_python_signed_version": version,
                   "release_python_signed_fingerprint": self.key.fingerprint}
        signed = self._play(f"release-python-signed sign {project} {version}",
                            "playbooks/release-python-signed/sign.yaml",
                            {**release, "gpg_key": {"private": self.key.private}})
        assert signed.returncode == 0, signed.output
        uploaded = self.upload(project, version, directory, token)
        assert uploaded.returncode == 0, uploaded.output
        self.publish(project, directory)
        return directory

    def upload(self, project, version, directory, token="release", account=RELEASE_ACCOUNT,
               **extra):
        return self._play(
            f"release-python-signed upload {project} {version}",
            "playbooks/release-python-signed/upload.yaml",
            {"release_python_signed_artifacts_dir": str(directory),
             "release_python_signed_test_mode": True,
             "release_python_signed_project": project,
             "release_python_signed_version": version,
             "release_python_signed_fingerprint": self.key.fingerprint,
             "gpg_key": {"public": self.key.public},
             "pypi_info": {"username": "__token__",
                           "password": self.accounts[account].tokens[token],
                           "repository_url": f"{self.wh.url}/legacy/"}, **extra})

    def publish(self, project, directory):
        repo = PROJECTS[project][0]
        target = self.tarballs.root / repo
        target.mkdir(parents=True, exist_ok=True)
        for path in Path(directory).iterdir():
            shutil.copy(path, target / path.name)


@pytest.fixture(scope="session")
def jobs(warehouse, accounts, release_key, releases_repo, tarballs, smtp, settings, workdir):
    return Jobs(warehouse, accounts, release_key, releases_repo, tarballs, smtp, settings,
                workdir)
