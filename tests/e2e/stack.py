"""A real Zuul on 127.0.0.1 for the end-to-end tests (issue 13).

``ZuulStack`` starts, with every file in one temporary directory:

- ZooKeeper (Debian's ``zookeeper`` package), TLS only, with a CA, a server
  and a client certificate made for the run;
- a private PostgreSQL cluster (Debian's ``postgresql`` package);
- the fake PyPI (tests/fakepypi.py), a pypiserver (tests/pypiserver_index.py),
  the SMTP sink (tests/smtpsink.py) and a static HTTP server for the build
  logs (what a log server is to a real Zuul);
- local git repositories: this working tree as ``openstack/pypi-guard``
  (untrusted), fixture ``openstack/releases`` and ``zuul/zuul-jobs``, and an
  ``openstack/project-config`` config project with the base job, a timer
  pipeline (``periodic``, failures mailed by the ``smtp`` reporter) and a
  ``release`` pipeline triggered by tags;
- zuul-scheduler, zuul-executor (bubblewrap) and zuul-web from the ``zuul``
  package of the tox environment.

``stop()`` stops everything it started and removes the directory unless
``keep`` is set.  Run as a script (``python tests/e2e/stack.py``) it starts
the stack, prints its URLs and serves until interrupted.
"""

import contextlib
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import requests
import yaml

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from fakepypi import FakePyPI  # noqa: E402
from pypiserver_index import PyPIServer  # noqa: E402
from smtpsink import SmtpSink  # noqa: E402

TENANT = "openstack"
CONNECTION = "opendev"
GUARD = "openstack/pypi-guard"
RELEASES = "openstack/releases"
PROJECT_CONFIG = "openstack/project-config"
ZUUL_JOBS = "zuul/zuul-jobs"
NOTIFY_TO = "release-team@example.org"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
ZK_CLASSPATH = ":".join([
    "/etc/zookeeper/conf", "/usr/share/java/zookeeper.jar",
    # Debian's zookeeper.jar names netty-handler but not the codec and resolver
    # jars it needs; TLS (Netty) fails without them.
    "/usr/share/java/netty-codec.jar", "/usr/share/java/netty-resolver.jar",
    "/usr/share/java/netty-transport-native-unix-common.jar"])
GIT_ENV = {"GIT_AUTHOR_NAME": "e2e", "GIT_AUTHOR_EMAIL": "e2e@example.org",
           "GIT_COMMITTER_NAME": "e2e", "GIT_COMMITTER_EMAIL": "e2e@example.org",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


class StackError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd, **kwargs):
    """subprocess.run that raises with the command's output on failure."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False, **kwargs)
    if proc.returncode:
        raise StackError(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}")
    return proc.stdout


def git(repo, *args):
    return run(["git", "-C", str(repo), *args], env=dict(os.environ, **GIT_ENV))


def wait_for(what, check, timeout, logs=(), interval=0.5):
    """Poll ``check()`` until it returns a true value; on timeout, raise with the
    tail of ``logs`` (paths) so that the failure says why."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except StackError:
            raise
        except Exception as exc:  # noqa: BLE001 - keep polling, report the last one
            value, last = None, exc
        else:
            last = None
        if value:
            return value
        if time.monotonic() > deadline:
            tails = "".join(f"\n--- {log} (tail)\n" + tail(log) for log in logs)
            raise StackError(f"timed out after {timeout}s waiting for {what}"
                             f"{f' (last error: {last!r})' if last else ''}{tails}")
        time.sleep(interval)


def tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(unreadable: {exc})"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class ZuulStack:
    """Start with ``with ZuulStack(scenario) as stack:``; see the module docstring.

    ``scenario`` is the fake PyPI's (tests/fakepypi.py).  ``timer`` is the
    periodic pipeline's cron line (Zuul's 5 fields and an optional 6th for
    seconds).
    """

    def __init__(self, scenario, timer="* * * * *", keep=False, base=None):
        self.scenario = scenario
        self.timer = timer
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="zuul-e2e-", dir=base))
        self.processes = {}
        self.stack = contextlib.ExitStack()
        self.timings = {}
        self.bin = Path(sys.executable).parent

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def _timed(self, name, func):
        start = time.monotonic()
        result = func()
        self.timings[name] = round(time.monotonic() - start, 1)
        return result

    def start(self):
        # postgres refuses to run as root and must reach its data directory
        self.dir.chmod(0o711)
        for sub in ("etc", "certs", "logs", "run", "lib", "lib/builds", "git", "build-logs"):
            (self.dir / sub).mkdir()
        (self.dir / "certs").chmod(0o700)
        self._timed("ansible", self.ensure_ansible)
        self.pypi = self.stack.enter_context(FakePyPI(self.scenario))
        self.smtp = self.stack.enter_context(SmtpSink())
        self.index = self.stack.enter_context(PyPIServer(
            self.dir / "pypiserver", "uploader", secrets.token_hex(8),
            "pypi-" + secrets.token_hex(16)))
        self.logs_url = self._serve_build_logs()
        self._timed("wheelhouse", self.make_wheelhouse)
        self._timed("certs", self.make_certs)
        self._timed("zookeeper", self.start_zookeeper)
        self._timed("postgresql", self.start_postgresql)
        self._timed("git", self.make_repos)
        self.write_zuul_conf()
        self._timed("zuul", self.start_zuul)

    def stop(self):
        for name in reversed(list(self.processes)):
            proc = self.processes.pop(name)
            if proc.poll() is None:
                # postgres: SIGINT is its fast shutdown; the others take SIGTERM
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGINT if name == "postgresql"
                              else signal.SIGTERM)
                try:
                    # Zuul's daemons can take long to stop gracefully; their
                    # state is thrown away anyway
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self.stack.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def spawn(self, name, cmd, env=None, user=None):
        log = open(self.dir / "logs" / f"{name}.log", "w")  # noqa: SIM115 - owned by the child
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        self.processes[name] = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env or os.environ.copy(), start_new_session=True, cwd=self.dir)
        log.close()
        return self.processes[name]

    def check_alive(self):
        """Raise naming every daemon that has exited, with its log's tail."""
        dead = {name: proc.returncode for name, proc in self.processes.items()
                if proc.poll() is not None}
        if dead:
            raise StackError("; ".join(f"{name} exited {rc}:\n{tail(self.log(name))}"
                                       for name, rc in dead.items()))

    def log(self, name):
        return self.dir / "logs" / f"{name}.log"

    # -- the parts ---------------------------------------------------------

    def ensure_ansible(self):
        """Zuul runs jobs with the Ansible it installs itself (zuul-manage-ansible),
        into the tox environment: slow the first time only.  (The command's
        --validate exits 0 whatever it finds, hence the library call.)"""
        from zuul.lib.ansible import AnsibleManager

        if not AnsibleManager().validate():
            run([str(self.bin / "zuul-manage-ansible")])

    def _serve_build_logs(self):
        handler = lambda *a, **kw: _QuietHandler(  # noqa: E731
            *a, directory=str(self.dir / "build-logs"), **kw)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
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
             "-d", str(self.dir / "wheels"), "-r", str(ROOT / "requirements.txt")])

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

    def start_postgresql(self):
        self.pg_port = free_port()
        self.pg_password = secrets.token_hex(12)
        pg = self.dir / "lib" / "postgresql"
        pg.mkdir()
        (pg / "pwfile").write_text(self.pg_password + "\n")
        user = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            user = "postgres"
            shutil.chown(pg, user)
            shutil.chown(pg / "pwfile", user)
        as_user = ["runuser", "-u", user, "--"] if user else []
        run([*as_user, str(PG_BIN / "initdb"), "-D", str(pg / "data"), "-U", "zuul",
             "--auth=scram-sha-256", f"--pwfile={pg / 'pwfile'}", "--encoding=UTF8",
             "--locale=C.UTF-8"])
        self.spawn("postgresql", [
            str(PG_BIN / "postgres"), "-D", str(pg / "data"), "-h", "127.0.0.1",
            "-p", str(self.pg_port), "-k", str(pg), "-c", "fsync=off",
            "-c", "full_page_writes=off"], user=user)
        env = dict(os.environ, PGPASSWORD=self.pg_password)
        wait_for("PostgreSQL", lambda: self.check_alive() or subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", str(self.pg_port)],
            capture_output=True, check=False).returncode == 0, 60, [self.log("postgresql")])
        run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "zuul", "-d",
             "postgres", "-c", "CREATE DATABASE zuul"], env=env)

    # -- repositories ------------------------------------------------------

    def repo(self, name):
        return self.dir / "git" / name

    def make_repos(self):
        self._make_guard_repo()
        releases = self.repo(RELEASES)
        shutil.copytree(TESTS / "fixtures" / "releases", releases)
        self._commit(releases, "Fixture releases repository")
        zuul_jobs = self.repo(ZUUL_JOBS)
        zuul_jobs.mkdir(parents=True)
        (zuul_jobs / "README").write_text(
            "Fixture: release-python-signed names this repository's roles.\n")
        self._commit(zuul_jobs, "Fixture zuul-jobs")
        self._make_project_config()

    def _commit(self, repo, message):
        if not (repo / ".git").exists():
            git(repo, "init", "-q", "-b", "master")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", message)

    def _make_guard_repo(self):
        """This working tree as it is (uncommitted changes too): every file git
        tracks or would track, symlinks kept."""
        listed = run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                      "--exclude-standard"]).split("\0")
        target = self.repo(GUARD)
        for name in filter(None, listed):
            source = ROOT / name
            if not source.exists() and not source.is_symlink():
                continue  # deleted in the working tree
            dest = target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                dest.symlink_to(os.readlink(source))
            else:
                shutil.copy2(source, dest)
        self._commit(target, "pypi-guard working tree")

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
            "description": "Publishes the log root to the fixture log server.",
            "post-run": "playbooks/base/post.yaml",
            "nodeset": {"nodes": []},
            "timeout": 1800,
            "vars": {"e2e_build_logs_dir": str(build_logs), "e2e_logs_url": self.logs_url},
        }}]
        audit_vars = {"pypi_guard_pypi_url": self.pypi.url, "pypi_guard_retries": 1,
                      "pypi_guard_timeout": 10}
        projects = [{"project": {
            "name": RELEASES,
            "periodic": {"jobs": [{"pypi-maintainers-audit": {"vars": audit_vars}}]},
        }}]
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
        for name, content in (("pipelines", pipelines), ("jobs", base),
                              ("projects", projects)):
            (repo / "zuul.d" / f"{name}.yaml").write_text(yaml.safe_dump(content,
                                                                         sort_keys=False))
        (repo / "playbooks" / "base" / "post.yaml").write_text(yaml.safe_dump(
            post, sort_keys=False))
        self._commit(repo, "Fixture project-config")

    # -- Zuul ----------------------------------------------------------------

    def write_zuul_conf(self):
        lib, run_dir, certs = self.dir / "lib", self.dir / "run", self.dir / "certs"
        self.web_port = free_port()
        self.web_url = f"http://127.0.0.1:{self.web_port}"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
             str(self.dir / "etc" / "id_ed25519")])
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
            dburi=postgresql://zuul:{self.pg_password}@127.0.0.1:{self.pg_port}/zuul

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
        for name in ("scheduler", "executor", "web"):
            self.spawn(name, [str(self.bin / f"zuul-{name}"), "-f", "-d",
                              "-c", str(self.zuul_conf)],
                       env=job_env if name == "executor" else env)
        logs = [self.log(n) for n in ("scheduler", "executor", "web")]
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

    def wait_for_build(self, job, timeout=600, **params):
        """The first completed build of ``job`` (newest first from the API)."""
        def done():
            self.check_alive()
            builds = [b for b in self.builds(job_name=job, complete="true", **params)]
            return builds[-1] if builds else None
        logs = [self.log(n) for n in ("scheduler", "executor")]
        return wait_for(f"a completed {job} build", done, timeout, logs, 3)

    def fetch(self, url):
        response = requests.get(url, timeout=30)
        response.raise_for_status()
        return response


def main():
    """Start the stack with the e2e drift scenario and serve until interrupted."""
    from scenarios import drift_scenario

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
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
