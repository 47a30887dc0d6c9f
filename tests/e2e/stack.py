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

"""A real Zuul on 127.0.0.1 for the end-to-end tests (issue 13).

``ZuulStack`` starts, with every file in one temporary directory:

- ZooKeeper (Debian's ``zookeeper`` package), TLS only, with a CA, a server
  and a client certificate made for the run;
- a private PostgreSQL cluster (Debian's ``postgresql`` package);
- the fake PyPI (tests/support/fakepypi.py), a pypiserver (tests/support/pypiserver_index.py),
  the SMTP sink (tests/support/smtpsink.py) and a static HTTP server for the build
  logs (what a log server is to a real Zuul);
- local git repositories: this working tree as ``openstack/pypi-guard``
  (untrusted), fixture ``openstack/releases`` and ``zuul/zuul-jobs``, and an
  ``openstack/project-config`` config project with the base job, a timer
  pipeline (``periodic``, failures mailed by the ``smtp`` reporter) and a
  ``release`` pipeline triggered by tags;
- zuul-scheduler, zuul-executor (bubblewrap), zuul-web and zuul-launcher from
  the ``zuul`` package of the tox environment;
- a build node: this machine through an sshd of its own on 127.0.0.1 (Debian's
  ``openssh-server``), as a throwaway user when run as root, which the
  launcher's ``static`` provider hands out (label ``e2e-node``).

``stop()`` stops everything it started and removes the directory unless
``keep`` is set; SIGTERM and SIGINT stop it too.  Run as a script
(``python -m tests.e2e.stack``) it starts the stack, prints its URLs and
serves until interrupted.
"""

import base64
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import requests
import yaml

from tests.support import gpgtestkeys
from tests.support.fakepypi import FakePyPI
from tests.support.processes import (
    Stack,
    StackError,
    free_port,
    run,
    serve_directory,
    wait_for,
)
from tests.support.pypiserver_index import PyPIServer
from tests.support.smtpsink import SmtpSink

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent

TENANT = "openstack"
CONNECTION = "opendev"
GUARD = "openstack/pypi-guard"
RELEASES = "openstack/releases"
PROJECT_CONFIG = "openstack/project-config"
ZUUL_JOBS = "zuul/zuul-jobs"
SAMPLE = "openstack/e2e-sample"
# A project of the tenant that attacks the trust boundaries (test_trust_boundaries.py).
HOSTILE = "openstack/e2e-hostile"
# The deployer's trusted jobs in the config project (doc/source/signed-releases.rst
# and adopting.rst), committed by trusted_release_job() and trusted_watch_job().
RELEASE_JOB = "release-openstack-python-signed"
WATCH_JOB = "pypi-watch-openstack"
NODE_LABEL = "e2e-node"
SSHD = Path("/usr/sbin/sshd")
NOTIFY_TO = "release-team@example.org"
WATCH_TO = "release-team-watch@example.org"  # the watch's own mail, not the reporter's
ZK_CLASSPATH = ":".join([
    "/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar",
    # Debian's zookeeper.jar names netty-handler but not the codec and resolver
    # jars it needs; TLS (Netty) fails without them.
    "/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar"])
GIT_ENV = {"GIT_AUTHOR_NAME": "e2e", "GIT_AUTHOR_EMAIL": "e2e@example.org",
           "GIT_COMMITTER_NAME": "e2e", "GIT_COMMITTER_EMAIL": "e2e@example.org",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo, *args):
    return run(["git", "-C", str(repo), *args], env=dict(os.environ, **GIT_ENV))


class Encrypted(list):
    """Ciphertext chunks, dumped as Zuul's ``!encrypted/pkcs1-oaep`` list."""


class _ZuulDumper(yaml.SafeDumper):
    pass


_ZuulDumper.add_representer(Encrypted, lambda dumper, chunks: dumper.represent_sequence(
    "!encrypted/pkcs1-oaep", list(chunks)))


def encrypt(public_pem, plaintext):
    """What ``zuul-client encrypt`` does: RSA-OAEP (SHA-1) with Zuul's own helper,
    in chunks the key can take, each base64-encoded."""
    from cryptography.hazmat.primitives import serialization
    from zuul.lib.encryption import encrypt_pkcs1_oaep

    key = serialization.load_pem_public_key(public_pem.encode())
    size = key.key_size // 8 - 2 * 20 - 2
    data = plaintext.encode()
    return Encrypted(base64.b64encode(encrypt_pkcs1_oaep(data[i:i + size], key)).decode()
                     for i in range(0, len(data), size))


def dump_zuul_yaml(content):
    return yaml.dump(content, Dumper=_ZuulDumper, sort_keys=False)


class ZuulStack(Stack):
    """Start with ``with ZuulStack(scenario) as stack:``; see the module docstring.

    ``scenario`` is the fake PyPI's (tests/support/fakepypi.py).  ``timer`` is the
    periodic pipeline's cron line (Zuul's 5 fields and an optional 6th for
    seconds).
    """

    def __init__(self, scenario, timer="* * * * *", keep=False, base=None,
                 watch_timer="* * * * * */30"):
        super().__init__()
        self.scenario = scenario
        self.timer = timer
        self.watch_timer = watch_timer
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="zuul-e2e-", dir=base))
        self.stack = contextlib.ExitStack()
        self.bin = Path(sys.executable).parent
        self.node_user = None

    # -- lifecycle ---------------------------------------------------------

    def start(self):
        # postgres refuses to run as root and must reach its data directory
        self.dir.chmod(0o711)
        for sub in ("etc", "certs", "logs", "run", "lib", "lib/builds", "git", "build-logs"):
            (self.dir / sub).mkdir()
        (self.dir / "certs").chmod(0o700)
        self.timed("ansible", self.ensure_ansible)
        self.pypi = self.stack.enter_context(FakePyPI(self.scenario))
        self.smtp = self.stack.enter_context(SmtpSink())
        self.index = self.stack.enter_context(PyPIServer(
            self.dir / "pypiserver", "uploader", secrets.token_hex(8),
            "pypi-" + secrets.token_hex(16)))
        self.logs_url = self._serve_build_logs()
        self.timed("wheelhouse", self.make_wheelhouse)
        self.timed("certs", self.make_certs)
        self.timed("sshd", self.start_sshd)
        self.timed("zookeeper", self.start_zookeeper)
        self.postgresql = self.timed("postgresql", lambda: self.start_postgresql(
            self.dir / "lib" / "postgresql", "zuul", "zuul"))
        self.timed("git", self.make_repos)
        self.write_zuul_conf()
        self.timed("zuul", self.start_zuul)

    def teardown(self):
        self._kill_leftovers()
        self.stack.close()
        if self.node_user:
            subprocess.run(["userdel", self.node_user], capture_output=True, check=False)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_leftovers(self):
        """Kill what the daemons started in sessions of their own and left
        behind (ansible-playbook, ssh control masters, a job's servers): every
        process whose command line names this stack's directory."""
        needle = str(self.dir).encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if needle in (entry / "cmdline").read_bytes():
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue

    # -- the parts ---------------------------------------------------------

    def ensure_ansible(self):
        """Zuul runs jobs with the Ansible it installs itself (zuul-manage-ansible),
        into the tox environment: slow the first time only.  (The command's
        --validate exits 0 whatever it finds, hence the library call.)"""
        from zuul.lib.ansible import AnsibleManager

        if not AnsibleManager().validate():
            run([str(self.bin / "zuul-manage-ansible")])

    def _serve_build_logs(self):
        server = serve_directory(self.dir / "build-logs")
        self.stack.callback(server.server_close)
        self.stack.callback(server.shutdown)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def make_wheelhouse(self):
        """The job builds its virtualenv (ensure-pypi-guard) from these wheels:
        the executor's environment gives pip PIP_NO_INDEX and PIP_FIND_LINKS, so
        nothing leaves the machine."""
        system = run(["/usr/bin/python3", "-c",
                      "import sys; print(*sys.version_info[:2], sep='.')"]).strip()
        ours = f"{sys.version_info[0]}.{sys.version_info[1]}"
        if system != ours:
            raise StackError(f"the job's python3 (/usr/bin/python3) is {system}, the tox "
                             f"environment's {ours}: the wheelhouse would not fit it")
        run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
             "--require-hashes", "-d", str(self.dir / "wheels"), "-r",
             str(ROOT / "requirements.lock")])

    def make_certs(self):
        certs = self.dir / "certs"

        def openssl(*args):
            run(["openssl", *args], cwd=certs)

        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=zuul-e2e-ca", "-keyout", "ca.key", "-out", "ca.pem")
        for name in ("server", "client"):
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
                    "-keyout", f"{name}.key", "-out", f"{name}.csr")
            (certs / f"{name}.ext").write_text(
                "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
            openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext",
                    "-out", f"{name}.pem")
        (certs / "server-keystore.pem").write_text(
            (certs / "server.key").read_text() + (certs / "server.pem").read_text())

    def start_sshd(self):
        """The build node: this machine, reached by the executor over SSH on
        127.0.0.1 with a key made for the run.  As root, a throwaway user
        whose home is in the stack's directory (removed by stop()); otherwise
        the current user, whose home the build's virtualenv then lands in."""
        etc = self.dir / "etc"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "zuul-e2e-executor",
             "-f", str(etc / "id_ed25519")])
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
             str(etc / "ssh_host_ed25519_key")])
        if not SSHD.exists():
            raise StackError(f"{SSHD} is missing: install Debian's openssh-server")
        if os.geteuid() == 0:
            self.node_user = f"zuule2e{secrets.token_hex(3)}"
            home = self.dir / "node-home"
            # "*": no password, but not locked (sshd refuses locked accounts)
            run(["useradd", "--home-dir", str(home), "--create-home", "--shell",
                 "/bin/bash", "--password", "*", self.node_user])
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
        import pwd
        self.node_username = self.node_user or pwd.getpwuid(os.geteuid()).pw_name
        keys = etc / "node_authorized_keys"
        keys.write_text((etc / "id_ed25519.pub").read_text())
        keys.chmod(0o644)
        self.ssh_port = free_port()
        config = etc / "sshd_config"
        config.write_text(textwrap.dedent(f"""\
            ListenAddress 127.0.0.1
            Port {self.ssh_port}
            HostKey {etc}/ssh_host_ed25519_key
            PidFile {self.dir}/run/sshd.pid
            AuthorizedKeysFile {keys}
            AllowUsers {self.node_username}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            PermitRootLogin no
            # the keys file is in the stack's directory, under a world-writable /tmp
            StrictModes no
            Subsystem sftp /usr/lib/openssh/sftp-server
            """))
        self.spawn("sshd", [str(SSHD), "-D", "-e", "-f", str(config)])
        self.wait_for("a login to the node over SSH", lambda: subprocess.run([
            "ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-i", str(etc / "id_ed25519"), "-p", str(self.ssh_port),
            f"{self.node_username}@127.0.0.1", "true"], capture_output=True, timeout=20,
            check=False).returncode == 0, 30, [self.log("sshd")])

    def start_zookeeper(self):
        self.zk_port = free_port()
        data = self.dir / "lib" / "zookeeper"
        data.mkdir()
        certs = self.dir / "certs"
        config = self.dir / "etc" / "zoo.cfg"
        config.write_text(textwrap.dedent(f"""\
            tickTime=2000
            dataDir={data}
            secureClientPort={self.zk_port}
            secureClientPortAddress=127.0.0.1
            serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory
            ssl.keyStore.location={certs}/server-keystore.pem
            ssl.keyStore.type=PEM
            ssl.trustStore.location={certs}/ca.pem
            ssl.trustStore.type=PEM
            ssl.clientAuth=need
            admin.enableServer=false
            4lw.commands.whitelist=
            """))
        self.spawn("zookeeper", [
            "java", "-Xmx256m", f"-Dzookeeper.log.dir={self.dir / 'logs'}",
            "-cp", ZK_CLASSPATH, "org.apache.zookeeper.server.ZooKeeperServerMain",
            str(config)])
        wait_for("ZooKeeper's TLS port", self._zk_ready, 60, [self.log("zookeeper")])

    def _zk_ready(self):
        self.check_alive()
        from kazoo.client import KazooClient
        certs = self.dir / "certs"
        client = KazooClient(hosts=f"127.0.0.1:{self.zk_port}", use_ssl=True,
                             certfile=str(certs / "client.pem"),
                             keyfile=str(certs / "client.key"),
                             ca=str(certs / "ca.pem"), timeout=5)
        try:
            client.start(timeout=5)
            return client.connected
        finally:
            client.stop()
            client.close()

    # -- repositories ------------------------------------------------------

    def repo(self, name):
        return self.dir / "git" / name

    def make_repos(self):
        self._make_guard_repo()
        releases = self.repo(RELEASES)
        shutil.copytree(TESTS / "fixtures" / "releases", releases)
        self._add_release_key(releases)
        self._commit(releases, "Fixture releases repository")
        self._make_zuul_jobs()
        self._make_sample()
        self._make_sample(HOSTILE)
        self._make_project_config()

    def _add_release_key(self, releases):
        """The release key in force, as openstack/releases publishes it
        (data/series_status.yaml, doc/source/static/): what the watcher and
        the signature audit read, and what the release test signs with."""
        from tests.support.signed_releases import Series, write_releases_repo

        home = self.dir / "gnupg"
        home.mkdir(mode=0o700)
        self.stack.callback(gpgtestkeys.kill_agent, home)
        self.release_key = gpgtestkeys.generate_key(
            home, uid="E2E Release Key <release@example.org>")
        series = sorted(p.name for p in (releases / "deliverables").iterdir()
                        if p.is_dir() and not p.name.startswith("_"))
        write_releases_repo(releases, [Series(name, self.release_key, start="2024-01-01")
                                       for name in series], [])

    def _make_zuul_jobs(self):
        """The roles of zuul-jobs the jobs use (release-python-signed's
        build.yaml), each a stand-in with the interface of zuul-jobs' own
        (osism/openinfra-zuul-jobs mirrors it): the same variables with the
        same defaults, the same outputs (the dists in
        ``<zuul_work_dir>/dist``, the fact ``ensure_pyproject_build_executable``,
        the files in ``{{ zuul.executor.work_root }}/artifacts``), reduced to
        what this machine offers.

        - ``build-python-release``: ``pyproject-build`` from a virtualenv in
          ``ensure_pyproject_build_venv_path`` (what its ensure-pyproject-build
          and ensure-python-command do when the node has none), then run in
          ``zuul_work_dir``, with ``--sdist`` when ``build_wheel`` is false;
          ``legacy_setup`` (setup.py) is refused, not stood in for.
        - ``fetch-python-sdist-output``: the same find, then
          ``ansible.builtin.fetch`` where the real role pulls with
          ``synchronize`` (rsync, which the e2e machine does not need).
        """
        repo = self.repo(ZUUL_JOBS)
        stand_in = ("Stand-in for zuul-jobs' {}, with its interface (tests/e2e/stack.py "
                    "says what differs).\n")
        roles = {
            "build-python-release": (
                {"zuul_work_dir": "{{ zuul.project.src_dir }}", "release_python": "python",
                 "bdist_wheel_xargs": "", "build_wheel": True, "legacy_setup": False,
                 "ensure_pyproject_build_venv_path":
                     "{{ ansible_user_dir }}/.local/pyproject-build"},
                [{"name": "Refuse what the stand-in does not do",
                  "ansible.builtin.fail": {"msg": "legacy_setup is not stood in for"},
                  "when": "legacy_setup | bool"},
                 {"name": "Install pyproject-build into a virtualenv (ensure-pyproject-build)",
                  "ansible.builtin.shell": {
                      "cmd": "python3 -m venv {{ ensure_pyproject_build_venv_path }} && "
                             "{{ ensure_pyproject_build_venv_path }}/bin/pip install build",
                      "creates": "{{ ensure_pyproject_build_venv_path }}/bin/pyproject-build"}},
                 {"name": "Export ensure_pyproject_build_executable",
                  "ansible.builtin.set_fact": {
                      "ensure_pyproject_build_executable":
                          "{{ ensure_pyproject_build_venv_path }}/bin/pyproject-build",
                      "cacheable": True}},
                 {"name": "Build a tarball and wheel",
                  "ansible.builtin.command": {
                      "cmd": "{{ ensure_pyproject_build_executable }}"
                             "{{ '' if build_wheel | bool else ' --sdist' }}",
                      "chdir": "{{ zuul_work_dir }}"}}]),
            "fetch-python-sdist-output": (
                None,
                [{"name": "Find tarballs and wheels in dist folder",
                  "ansible.builtin.find": {
                      "file_type": "file",
                      "paths": "src/{{ zuul.project.canonical_name }}/dist",
                      "patterns": "*.tar.gz,*.whl"},
                  "register": "result"},
                 {"name": "Ensure artifacts directory exists",
                  "ansible.builtin.file": {"path": "{{ zuul.executor.work_root }}/artifacts",
                                           "state": "directory", "mode": "0755"},
                  "delegate_to": "localhost"},
                 {"name": "Collect artifacts",
                  "ansible.builtin.fetch": {"src": "{{ zj_artifact.path }}",
                                            "dest": "{{ zuul.executor.work_root }}/artifacts/",
                                            "flat": True},
                  "loop": "{{ result.files }}",
                  "loop_control": {"loop_var": "zj_artifact"}}]),
        }
        for name, (defaults, tasks) in roles.items():
            role = repo / "roles" / name
            (role / "tasks").mkdir(parents=True)
            (role / "README.rst").write_text(stand_in.format(name))
            (role / "tasks" / "main.yaml").write_text(yaml.safe_dump(tasks, sort_keys=False))
            if defaults:
                (role / "defaults").mkdir()
                (role / "defaults" / "main.yaml").write_text(
                    yaml.safe_dump(defaults, sort_keys=False))
        self._commit(repo, "Fixture zuul-jobs: build-python-release, fetch-python-sdist-output")

    def _make_sample(self, project=SAMPLE):
        """A Python project released with release-python-signed (the hostile
        project is the same Python project: it would like its own e2e-sample
        signed)."""
        repo = self.repo(project)
        repo.mkdir(parents=True)
        (repo / "pyproject.toml").write_text(textwrap.dedent("""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "e2e-sample"
            version = "1.0.0"
            description = "The project the end-to-end tests release."
            readme = "README.rst"

            [tool.setuptools]
            py-modules = ["e2e_sample"]
            """))
        (repo / "README.rst").write_text("e2e-sample\n==========\n\nReleased by the tests.\n")
        (repo / "e2e_sample.py").write_text('"""Nothing."""\n')
        self._commit(repo, "Fixture sample project")

    def _commit(self, repo, message):
        if not (repo / ".git").exists():
            git(repo, "init", "-q", "-b", "master")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)

    def _make_guard_repo(self):
        """This working tree as it is (uncommitted changes too)."""
        from tests.support.zuulrun import copy_tree

        copy_tree(self.repo(GUARD))
        self._commit(self.repo(GUARD), "pypi-guard working tree")

    def _make_project_config(self):
        repo = self.repo(PROJECT_CONFIG)
        (repo / "zuul.d").mkdir(parents=True)
        (repo / "playbooks" / "base").mkdir(parents=True)
        build_logs = self.dir / "build-logs"
        pipelines = [
            {"pipeline": {
                "name": "periodic", "manager": "independent", "precedence": "low",
                "post-review": True,
                "description": "Timer: the audits.",
                "trigger": {"timer": [{"time": self.timer}]},
                "failure": {"smtp": {"to": NOTIFY_TO,
                                     "subject": "[zuul] {change.project} periodic failed"}},
            }},
            # For the watcher (README: a timer every few minutes); jobs are
            # attached by the watch test (watch_project_config), to keep the
            # other tests' executor quiet.
            {"pipeline": {
                "name": "watch", "manager": "independent", "precedence": "low",
                "post-review": True,
                "description": "Timer: the changelog watch.",
                "trigger": {"timer": [{"time": self.watch_timer}]},
            }},
            # A project's own pipelines after a merge (post) and for what is
            # proposed (check: the git driver has no changes, so a push to a
            # branch stands for one).
            {"pipeline": {
                "name": "post", "manager": "independent", "precedence": "low",
                "post-review": True,
                "description": "After a merge.",
                "trigger": {CONNECTION: [{"event": "ref-updated",
                                          "ref": r"^refs/heads/master$"}]},
            }},
            {"pipeline": {
                "name": "check", "manager": "independent", "precedence": "normal",
                "description": "What is proposed (not reviewed).",
                "trigger": {CONNECTION: [{"event": "ref-updated",
                                          "ref": r"^refs/heads/review/.*$"}]},
            }},
            {"pipeline": {
                "name": "release", "manager": "independent", "precedence": "high",
                "post-review": True,
                "description": "Release tags.",
                "trigger": {CONNECTION: [{
                    "event": "ref-updated",
                    "ref": r"^refs/tags/([0-9]+)\.([0-9]+)\.([0-9]+)$"}]},
                "failure": {"smtp": {"to": NOTIFY_TO,
                                     "subject": "[zuul] {change.project} release failed"}},
            }},
        ]
        base = [{"job": {
            "name": "base", "parent": None,
            "description": "Puts the project's checkout on the node, if any, and "
                           "publishes the log root to the fixture log server.",
            "pre-run": "playbooks/base/pre.yaml",
            "post-run": "playbooks/base/post.yaml",
            "nodeset": {"nodes": []},
            "timeout": 1800,
            "vars": {"e2e_build_logs_dir": str(build_logs), "e2e_logs_url": self.logs_url,
                     # zuul_console would listen on every address of this machine
                     "zuul_console_disabled": True},
        }}]
        # The launcher's static provider hands out this machine (start_sshd).
        nodes = [
            {"image": {"name": "e2e-image", "type": "cloud",
                       "description": "Whatever this machine runs."}},
            {"flavor": {"name": "e2e-flavor"}},
            {"label": {"name": NODE_LABEL, "image": "e2e-image", "flavor": "e2e-flavor"}},
            {"section": {"name": "e2e-static", "connection": "static",
                         "images": ["e2e-image"], "flavors": ["e2e-flavor"],
                         "labels": [NODE_LABEL]}},
            {"provider": {"name": "e2e-static", "section": "e2e-static",
                          "labels": [NODE_LABEL],
                          "nodes": [{"name": "127.0.0.1", "label": NODE_LABEL,
                                     "connection-port": self.ssh_port,
                                     "username": self.node_username}]}},
        ]
        audit_vars = {"pypi_guard_pypi_url": self.pypi.url, "pypi_guard_retries": 1,
                      "pypi_guard_timeout": 10}
        projects = [{"project": {
            "name": RELEASES,
            "periodic": {"jobs": [{"pypi-maintainers-audit": {"vars": audit_vars}}]},
        }}]
        pre = [{
            "name": "Put the project's checkout on the node (zuul-jobs' prepare-workspace)",
            "hosts": "all",
            "tasks": [
                {"name": "Pack the executor's checkouts",
                 "ansible.builtin.command": {
                     "argv": ["tar", "-C", "{{ zuul.executor.work_root }}", "-czf",
                              "{{ zuul.executor.work_root }}/src.tar.gz", "src"],
                     "creates": "{{ zuul.executor.work_root }}/src.tar.gz"},
                 "delegate_to": "localhost", "run_once": True},
                {"name": "Unpack them in the node's home",
                 "ansible.builtin.unarchive": {
                     "src": "{{ zuul.executor.work_root }}/src.tar.gz",
                     "dest": "{{ ansible_user_dir }}"}},
            ],
        }]
        post = [{
            "name": "Publish the build's logs",
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {"name": "Make the zuul-info directory",
                 "ansible.builtin.file": {"path": "{{ zuul.executor.log_root }}/zuul-info",
                                          "state": "directory", "mode": "0755"}},
                {"name": "Keep the zuul variable the job saw",
                 "ansible.builtin.copy": {
                     "content": "{{ zuul | to_nice_json }}",
                     "dest": "{{ zuul.executor.log_root }}/zuul-info/zuul.json",
                     "mode": "0644"}},
                {"name": "Keep the inventory the job ran with",
                 "ansible.builtin.copy": {
                     "src": "{{ zuul.executor.inventory_file }}",
                     "dest": "{{ zuul.executor.log_root }}/zuul-info/inventory.yaml",
                     "mode": "0644"}},
                {"name": "Copy the log root to the log server",
                 "ansible.builtin.copy": {
                     "src": "{{ zuul.executor.log_root }}/",
                     "dest": "{{ e2e_build_logs_dir }}/{{ zuul.build }}/",
                     "mode": "preserve"}},
                {"name": "Link the logs from the build page",
                 "zuul_return": {"data": {"zuul": {
                     "log_url": "{{ e2e_logs_url }}/{{ zuul.build }}/"}}}},
            ],
        }]
        for name, content in (("pipelines", pipelines), ("jobs", base), ("nodes", nodes),
                              ("projects", projects)):
            (repo / "zuul.d" / f"{name}.yaml").write_text(yaml.safe_dump(content,
                                                                         sort_keys=False))
        for name, content in (("pre", pre), ("post", post)):
            (repo / "playbooks" / "base" / f"{name}.yaml").write_text(yaml.safe_dump(
                content, sort_keys=False))
        self._commit(repo, "Fixture project-config")

    # -- Zuul ----------------------------------------------------------------

    def write_zuul_conf(self):
        lib, run_dir, certs = self.dir / "lib", self.dir / "run", self.dir / "certs"
        self.web_port = free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        # The Ansible virtualenvs point into the interpreter the tox environment
        # was made from; bubblewrap must see it (under /usr on Debian's python).
        base_prefix = str(Path(sys.base_prefix).resolve())
        ro_paths = [] if base_prefix.startswith("/usr") else [base_prefix]
        tenant = [{"tenant": {"name": TENANT, "source": {CONNECTION: {
            "config-projects": [PROJECT_CONFIG],
            "untrusted-projects": [
                GUARD,
                {RELEASES: {"include": []}},
                {ZUUL_JOBS: {"include": []}},
                {SAMPLE: {"include": []}},
                HOSTILE,
            ]}}}}]
        (self.dir / "etc" / "main.yaml").write_text(yaml.safe_dump(tenant, sort_keys=False))
        conf = textwrap.dedent(f"""\
            [zookeeper]
            hosts=127.0.0.1:{self.zk_port}
            tls_cert={certs}/client.pem
            tls_key={certs}/client.key
            tls_ca={certs}/ca.pem
            session_timeout=40

            [keystore]
            password={secrets.token_hex(16)}

            [database]
            dburi={self.postgresql.url()}

            [scheduler]
            tenant_config={self.dir}/etc/main.yaml
            state_dir={lib}/scheduler
            command_socket={run_dir}/scheduler.socket

            [merger]
            git_dir={lib}/merger-git
            git_user_email=zuul@example.org
            git_user_name=zuul
            command_socket={run_dir}/merger.socket

            [executor]
            state_dir={lib}/executor
            job_dir={lib}/builds
            git_dir={lib}/executor-git
            command_socket={run_dir}/executor.socket
            finger_port={free_port()}
            private_key_file={self.dir}/etc/id_ed25519
            # ensure_ansible installed it; the executor's pip sees only the wheelhouse
            manage_ansible=false
            load_multiplier=100
            min_avail_mem=0
            min_avail_hdd=0
            trusted_ro_paths={":".join(ro_paths)}
            trusted_rw_paths={self.dir}/build-logs
            untrusted_ro_paths={":".join([*ro_paths, str(self.dir / "wheels")])}

            [launcher]
            command_socket={run_dir}/launcher.socket
            temp_dir={lib}/launcher

            [web]
            listen_address=127.0.0.1
            port={self.web_port}
            root={self.web_url}
            command_socket={run_dir}/web.socket

            [connection {CONNECTION}]
            driver=git
            baseurl=file://{self.dir}/git
            canonical_hostname=opendev.org
            poll_delay=3

            [connection static]
            driver=static

            [connection smtp]
            driver=smtp
            server=127.0.0.1
            port={self.smtp.port}
            default_from=zuul@example.org
            default_to={NOTIFY_TO}
            """)
        self.zuul_conf = self.dir / "etc" / "zuul.conf"
        self.zuul_conf.touch(mode=0o600)
        self.zuul_conf.write_text(conf)

    def start_zuul(self):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PIP_", "ZUUL_"))}
        # what the job's pip sees (see make_wheelhouse)
        job_env = dict(env, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(self.dir / "wheels"),
                       PIP_DISABLE_PIP_VERSION_CHECK="1")
        for name in ("scheduler", "executor", "web", "launcher"):
            self.spawn(name, [str(self.bin / f"zuul-{name}"), "-f", "-d",
                              "-c", str(self.zuul_conf)],
                       env=job_env if name == "executor" else env)
        logs = [self.log(n) for n in ("scheduler", "executor", "web", "launcher")]
        wait_for("zuul-web and the tenant's jobs", self._tenant_loaded, 300, logs, 2)
        wait_for("a running executor", self._executor_running, 120, logs, 2)

    def api(self, path, **params):
        response = requests.get(f"{self.web_url}/api/{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def tenant_api(self, path, **params):
        return self.api(f"tenant/{TENANT}/{path}", **params)

    def _tenant_loaded(self):
        self.check_alive()
        jobs = {job["name"] for job in self.tenant_api("jobs")}
        return "pypi-maintainers-audit" in jobs

    def _executor_running(self):
        self.check_alive()
        executors = self.api("components").get("executor", [])
        return any(e.get("state") == "running" for e in executors)

    def builds(self, **params):
        return self.tenant_api("builds", **params)

    def completed_builds(self, job, **params):
        """The completed builds of ``job``, oldest first."""
        return sorted(self.builds(job_name=job, complete="true", **params),
                      key=lambda b: b["_id"])

    def wait_for_build(self, job, timeout=600, **params):
        """The first completed build of ``job`` (newest first from the API)."""
        def done():
            self.check_alive()
            builds = [b for b in self.builds(job_name=job, complete="true", **params)]
            return builds[-1] if builds else None
        logs = [self.log(n) for n in ("scheduler", "executor")]
        return wait_for(f"a completed {job} build", done, timeout, logs, 3)

    def commit_to(self, project, files, message):
        """Commit ``files`` ({path: text}) to a fixture repository; the git
        connection's poll turns it into a ref-updated event."""
        repo = self.repo(project)
        for path, text in files.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
        self._commit(repo, message)

    def trusted_release_job(self):
        """The deployer's release job, as signed-releases.rst says: in the
        config project, final, protected, post-review, the release key and
        the index's credentials (encrypted for the config project) passed to
        release-python-signed's playbooks; run for the tags of e2e-sample and
        of the hostile project alike (as OpenStack's release jobs run for
        every project); and
        the deliverable of e2e-sample 1.0.0 at its commit in the releases
        repository.  Once per stack."""
        if getattr(self, "_release_job", None):
            return self._release_job
        public = self.project_key(PROJECT_CONFIG)
        config = [
            {"secret": {"name": "e2e-pypi-info", "data": {
                k: encrypt(public, v) for k, v in self.index.pypi_info().items()}}},
            {"secret": {"name": "e2e-gpg-key",
                        "data": {"private": encrypt(public, self.release_key.private)}}},
            {"job": {"name": RELEASE_JOB, "parent": "release-python-signed",
                     "final": True, "protected": True, "post-review": True,
                     "nodeset": {"nodes": [{"name": "node", "label": NODE_LABEL}]},
                     "secrets": [{"name": "pypi_info", "secret": "e2e-pypi-info",
                                  "pass-to-parent": True},
                                 {"name": "gpg_key", "secret": "e2e-gpg-key",
                                  "pass-to-parent": True}],
                     "vars": {"release_python_signed_fingerprint": self.release_key.fingerprint}}},
            # as openstack/project-config gives every project publish-to-pypi
            {"project": {"name": SAMPLE, "release": {"jobs": [RELEASE_JOB]}}},
            {"project": {"name": HOSTILE, "release": {"jobs": [RELEASE_JOB]}}},
        ]
        text = dump_zuul_yaml(config)
        assert self.index.password not in text and "PRIVATE KEY" not in text
        commit = git(self.repo(SAMPLE), "rev-parse", "HEAD").strip()
        self.commit_to(RELEASES, {"deliverables/flamingo/e2e-sample.yaml": yaml.safe_dump({
            "team": "oslo", "type": "library", "releases": [{"version": "1.0.0", "projects": [
                {"repo": SAMPLE, "hash": commit}]}]}, sort_keys=False)},
            "Release e2e-sample 1.0.0")
        self.commit_to(PROJECT_CONFIG, {"zuul.d/release.yaml": text},
                       "The trusted release job")
        self.wait_for_variant(RELEASE_JOB, "zuul.d/release.yaml")
        self._release_job = RELEASE_JOB
        return RELEASE_JOB

    def trusted_watch_job(self, smtp_login=None):
        """The deployer's watch job (adopting.rst): in the config project,
        final, protected, allowed for the releases repository only, the SMTP
        login a secret, the first run told where to start; run on the
        releases repository by the watch timer.  Once per stack."""
        if getattr(self, "_watch_job", None):
            return self._watch_job
        public = self.project_key(PROJECT_CONFIG)
        job_vars = {
            "pypi_guard_pypi_url": self.pypi.url, "pypi_guard_retries": 1,
            "pypi_guard_timeout": 10,
            "pypi_watch_zuul_api": self.tenant_url(),
            "pypi_watch_since_serial": 0,
            "pypi_guard_notify_to": [WATCH_TO],
            "pypi_guard_notify_from": "pypi-guard@example.org",
            "pypi_guard_smtp_host": "127.0.0.1", "pypi_guard_smtp_port": self.smtp.port}
        config = []
        secrets = []
        if smtp_login:
            config.append({"secret": {"name": "e2e-smtp", "data": {
                "host": smtp_login["host"], "port": smtp_login["port"],
                "username": smtp_login["username"],
                "password": encrypt(public, smtp_login["password"])}}})
            secrets = [{"name": "pypi_guard_smtp", "secret": "e2e-smtp",
                        "pass-to-parent": True}]
            # the sink is on 127.0.0.1 and speaks no TLS
            job_vars["pypi_guard_smtp_allow_plain_login"] = True
        config += [
            {"job": {"name": WATCH_JOB, "parent": "pypi-watch", "final": True,
                     "protected": True, "allowed-projects": [RELEASES],
                     "secrets": secrets, "vars": job_vars}},
            {"project": {"name": RELEASES, "watch": {"jobs": [WATCH_JOB]}}},
        ]
        text = dump_zuul_yaml(config)
        if smtp_login:
            assert smtp_login["password"] not in text
        self.commit_to(PROJECT_CONFIG, {"zuul.d/watch.yaml": text}, "The trusted watch job")
        self.wait_for_variant(WATCH_JOB, "zuul.d/watch.yaml")
        self._watch_job = WATCH_JOB
        return WATCH_JOB

    def tenant_url(self):
        return f"{self.web_url}/api/tenant/{TENANT}"

    def config_errors(self, path=None):
        """The tenant's configuration errors (of ``path`` only, when given)."""
        return [e for e in self.tenant_api("config-errors")
                if path is None or path in json.dumps(e.get("source_context"))]

    def project_key(self, project):
        """The project's public secrets key, from the REST API."""
        response = requests.get(f"{self.web_url}/api/tenant/{TENANT}/key/{project}.pub",
                                timeout=30)
        response.raise_for_status()
        return response.text

    def wait_for_variant(self, job, path, timeout=180):
        """Until the tenant has loaded a variant of ``job`` defined in ``path``."""
        def loaded():
            self.check_alive()
            return any(v.get("source_context", {}).get("path") == path
                       for v in self.tenant_api(f"job/{job}"))
        wait_for(f"{job}'s variant in {path} to load", loaded, timeout,
                 [self.log("scheduler")], 2)

    def fetch(self, url):
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        return response


def main():
    """Start the stack with the e2e drift scenario and serve until interrupted."""
    from tests.e2e.scenarios import drift_scenario

    # SIGTERM and SIGINT leave the with block, which stops everything started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.suppress(KeyboardInterrupt), \
            ZuulStack(drift_scenario(), keep="--keep" in sys.argv) as stack:
        print(json.dumps({"dir": str(stack.dir), "web": stack.web_url,
                          "fake_pypi": stack.pypi.url, "pypiserver": stack.index.url,
                          "smtp_port": stack.smtp.port, "timings": stack.timings}, indent=2),
              flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
