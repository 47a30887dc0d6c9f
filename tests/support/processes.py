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


"""The lifecycle of the stacks the slow suites start (tests/e2e/stack.py, a
real Zuul; tests/warehouse/stack.py, the real Warehouse): daemons spawned
with a log each and stopped together, waits that say why they timed out, a
throwaway PostgreSQL cluster and a static file server, all on 127.0.0.1.

``Stack`` is the base: ``with SomeStack() as stack:`` runs ``start()``,
and ``stop()`` runs once, on leaving the block, when ``start()`` fails half
way, at interpreter exit and on SIGTERM (from tox or CI).
"""

import atexit
import contextlib
import functools
import http.server
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

# Debian's postgresql package: the newest installed major version
PG_BIN = max(Path("/usr/lib/postgresql").glob("*/bin"),
             key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
             default=Path("/usr/lib/postgresql/15/bin"))


class StackError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tool(name):
    """A host command's absolute path (sbin included, which a user's PATH or
    a chroot's may lack), or None."""
    return shutil.which(name, path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/local/sbin", "/usr/sbin", "/sbin"]))


def run(cmd, timeout=900, **kwargs):
    """subprocess.run that raises with the tail of the command's output on failure."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          check=False, timeout=timeout, **kwargs)
    if proc.returncode:
        raise StackError(f"{shlex.join(map(str, cmd))} exited {proc.returncode}:\n"
                         + "\n".join(proc.stdout.splitlines()[-60:]))
    return proc.stdout


def tail(path, lines=60):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(unreadable: {exc})"


def wait_for(what, check, timeout, logs=(), interval=0.5):
    """Poll ``check()`` until it returns a true value; on timeout, raise with the
    last error and the tail of ``logs`` (paths) so that the failure says why.
    A StackError from ``check`` (a daemon died) ends the wait at once."""
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


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve_directory(directory):
    """A static HTTP server for ``directory`` on 127.0.0.1, in a thread; its URL
    is ``http://127.0.0.1:<server.server_address[1]>``.  Shut it down with
    ``server.shutdown()`` and ``server.server_close()``."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


@dataclass
class PostgreSQL:
    """A throwaway cluster's address: superuser ``user`` with ``password``,
    and ``database``, on 127.0.0.1:``port``."""

    port: int
    password: str
    user: str
    database: str

    def env(self):
        return dict(os.environ, PGPASSWORD=self.password, PGHOST="127.0.0.1",
                    PGPORT=str(self.port), PGUSER=self.user)

    def url(self, driver="postgresql"):
        return f"{driver}://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def psql(self, *args):
        return run([str(PG_BIN / "psql"), "-v", "ON_ERROR_STOP=1", "-q", *args], env=self.env())


class Stack:
    """Daemons named and started with ``spawn()``, each in a session of its
    own and logging to ``<dir>/logs/<name>.log``; ``stop()`` stops them in
    the reverse order, then calls ``teardown()``.  A subclass sets ``dir``
    (before the first spawn) and implements ``start()``."""

    STOP_TIMEOUT = 15

    def __init__(self):
        self.dir = None
        self.processes = {}
        self.timings = {}
        self._stop_signals = {}
        self._stopped = False
        self._previous_sigterm = None

    def __enter__(self):
        # A stack left running would hold ports and state: stop it when the
        # interpreter exits and when tox or CI sends SIGTERM.
        atexit.register(self.stop)
        if threading.current_thread() is threading.main_thread():
            self._previous_sigterm = signal.signal(signal.SIGTERM, _interrupt)
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        raise NotImplementedError

    def teardown(self):
        """What the subclass stops or removes after the daemons."""

    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._previous_sigterm is not None:
            signal.signal(signal.SIGTERM, self._previous_sigterm)
        for name in reversed(list(self.processes)):
            proc = self.processes.pop(name)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, self._stop_signals.get(name, signal.SIGTERM))
                try:
                    # daemons can take long to stop gracefully; their state
                    # is thrown away anyway
                    proc.wait(timeout=self.STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
        self.teardown()

    def timed(self, name, func):
        """``func()``, its duration kept in ``timings[name]`` (seconds)."""
        start = time.monotonic()
        result = func()
        self.timings[name] = round(time.monotonic() - start, 1)
        return result

    def log(self, name):
        return self.dir / "logs" / f"{name}.log"

    def spawn(self, name, cmd, env=None, user=None, stop_signal=signal.SIGTERM):
        """Start ``cmd`` (as ``user`` when given, through runuser) in ``dir``;
        ``stop()`` ends it with ``stop_signal``, SIGKILL if it lingers."""
        log = open(self.log(name), "w")  # noqa: SIM115 - owned by the child
        if user:
            cmd = [tool("runuser"), "-u", user, "--", *cmd]
        self.processes[name] = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env=env or os.environ.copy(), start_new_session=True, cwd=self.dir)
        self._stop_signals[name] = stop_signal
        log.close()
        return self.processes[name]

    def check_alive(self):
        """Raise naming every daemon that has exited, with its log's tail."""
        dead = {name: proc.returncode for name, proc in self.processes.items()
                if proc.poll() is not None}
        if dead:
            raise StackError("; ".join(f"{name} exited {rc}:\n{tail(self.log(name))}"
                                       for name, rc in dead.items()))

    def wait_for(self, what, check, timeout, logs=(), interval=0.5):
        """``wait_for`` that stops as soon as one of the daemons has died."""
        return wait_for(what, lambda: self.check_alive() or check(), timeout, logs, interval)

    def start_postgresql(self, directory, user, database):
        """A PostgreSQL cluster in ``directory`` (made here) with superuser
        ``user`` and an empty ``database``, durability off, on a free port of
        127.0.0.1; stopped by ``stop()`` with SIGINT, its fast shutdown.
        initdb and postgres refuse to run as root: as root they run as the
        ``postgres`` user, who must reach ``directory``."""
        pg = Path(directory)
        pg.mkdir()
        password = secrets.token_hex(12)
        (pg / "pwfile").write_text(password + "\n")
        owner = None
        if os.geteuid() == 0:
            owner = "postgres"
            shutil.chown(pg, owner)
            shutil.chown(pg / "pwfile", owner)
        as_owner = [tool("runuser"), "-u", owner, "--"] if owner else []
        run([*as_owner, str(PG_BIN / "initdb"), "-D", str(pg / "data"), "-U", user,
             "--auth=scram-sha-256", f"--pwfile={pg / 'pwfile'}", "--encoding=UTF8",
             "--locale=C.UTF-8"])
        server = PostgreSQL(port=free_port(), password=password, user=user, database=database)
        self.spawn("postgresql", [
            str(PG_BIN / "postgres"), "-D", str(pg / "data"), "-h", "127.0.0.1",
            "-p", str(server.port), "-k", str(pg), "-c", "fsync=off",
            "-c", "full_page_writes=off", "-c", "synchronous_commit=off"],
            user=owner, stop_signal=signal.SIGINT)
        self.wait_for("PostgreSQL", lambda: subprocess.run(
            [str(PG_BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(server.port)],
            capture_output=True, check=False).returncode == 0, 60, [self.log("postgresql")])
        server.psql("-d", "postgres", "-c", f"CREATE DATABASE {database}")
        return server
