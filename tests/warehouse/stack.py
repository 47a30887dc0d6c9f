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

"""The real Warehouse (PyPI's own server software) on 127.0.0.1 (issue 19).

Warehouse needs Python 3.14, which Debian 12 does not package, so it runs in
a Debian sid chroot built with ``debootstrap`` and cached between runs under
``~/.cache/pypi-guard/warehouse-<key>`` (``PYPI_GUARD_CACHE_DIR`` moves it),
the key being the Warehouse commit, the hashes of its requirements and this
module's build recipe.  The chroot is built in a temporary directory and
renamed when complete, so a half-built cache is never used.  A dump of the
migrated database (``db upgrade head`` and ``classifiers sync``) is cached
beside it.

``WarehouseStack`` then starts, with every file in one temporary directory:
a PostgreSQL cluster and a Redis of its own (host binaries), gunicorn
running Warehouse in the chroot, and a static file server for the package
files (Warehouse's ``FILES_BACKEND`` url), all on 127.0.0.1 on free ports.
Every process in the chroot runs in a mount namespace of its own
(``unshare --mount``), so the bind mounts it needs (``/proc``, ``/dev``,
the Warehouse source read-only, the run's directory) vanish with it and the
cached root is never mounted into.  ``stop()`` stops everything, also when
start-up failed.

Needs root (chroot, mounts), ``debootstrap``, ``redis-server`` and
PostgreSQL's binaries; ``preflight()`` names what is missing in one line.
Run from the repository root: ``python -m tests.warehouse.stack check`` (the one-line
preflight, exit 1 when something is missing), ``build`` (fill the cache) or
``serve`` (start and print the URLs until interrupted).
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support.processes import (
    PG_BIN,
    Stack,
    StackError,
    free_port,
    run,
    serve_directory,
    tool,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
# The version Warehouse's own requirements/deploy.txt pins
GUNICORN = "gunicorn==26.0.0"
# Bump when the steps of build_root() change: it is part of the cache key.
RECIPE = "1"
DEBIAN_MIRROR = os.environ.get("PYPI_GUARD_DEBIAN_MIRROR", "http://deb.debian.org/debian")
PACKAGES = "python3.14,python3.14-venv,ca-certificates,libpq5"
# Where things appear inside the chroot
IN_SRC = "/opt/warehouse"
IN_RUN = "/srv/run"
IN_TESTS = "/srv/tests"
VENV = "/opt/venv"


class WarehouseUnavailable(RuntimeError):
    """Warehouse cannot be started here; the message is one line saying why."""


def source_dir():
    configured = os.environ.get("PYPI_GUARD_WAREHOUSE_SRC")
    return Path(configured) if configured else ROOT.parent / "shared" / "warehouse"


def cache_base():
    return Path(os.environ.get("PYPI_GUARD_CACHE_DIR", "~/.cache/pypi-guard")).expanduser()


def source_commit(src):
    """The Warehouse commit: from git, else from the snapshot's SNAPSHOT.md."""
    if (src / ".git").exists():
        proc = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"],
                              capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return proc.stdout.strip()
    snapshot = src / "SNAPSHOT.md"
    if snapshot.is_file():
        found = re.search(r"\b[0-9a-f]{40}\b", snapshot.read_text())
        if found:
            return found.group(0)
    raise WarehouseUnavailable(
        f"cannot start Warehouse: {src} is neither a git checkout of pypi/warehouse nor a "
        "snapshot with SNAPSHOT.md (set PYPI_GUARD_WAREHOUSE_SRC)")


def cache_key(src):
    digest = hashlib.sha256()
    digest.update(f"{source_commit(src)}\n{GUNICORN}\n{RECIPE}\n{PACKAGES}\n".encode())
    for name in ("main.txt", "dev.txt"):
        digest.update((src / "requirements" / name).read_bytes())
    return digest.hexdigest()[:16]


def preflight(src=None):
    """Everything this machine lacks to run Warehouse, as a list of phrases."""
    src = src or source_dir()
    missing = []
    if os.geteuid() != 0:
        missing.append("root (chroot and bind mounts)")
    for command, package in (("debootstrap", "debootstrap"), ("unshare", "util-linux"),
                          ("chroot", "coreutils"), ("runuser", "util-linux"),
                          ("redis-server", "redis-server")):
        if not tool(command):
            missing.append(f"{command} (Debian package {package})")
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "postgres").exists():
        missing.append(f"PostgreSQL's initdb and postgres in {PG_BIN} (Debian package postgresql)")
    if not _user_exists("postgres"):
        missing.append("a postgres user to run PostgreSQL as (Debian package postgresql)")
    if not (src / "requirements" / "main.txt").is_file():
        missing.append(f"the Warehouse source at {src} (set PYPI_GUARD_WAREHOUSE_SRC to a "
                       "checkout of pypi/warehouse at the pinned commit)")
    return missing


def _user_exists(name):
    import pwd
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def check_or_raise(src=None):
    missing = preflight(src)
    if missing:
        raise WarehouseUnavailable("cannot start Warehouse, missing: " + "; ".join(missing))


# One script for every process in the chroot: mount what it needs in a
# private mount namespace, then chroot and run the command in the source tree.
_ENTER = r"""
set -e
chroot=$1; root=$2; src=$3; rundir=$4; tests=$5; shift 5
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount --bind "$src" "$root/opt/warehouse"
mount -o remount,bind,ro "$root/opt/warehouse"
mount --bind "$tests" "$root/srv/tests"
mount -o remount,bind,ro "$root/srv/tests"
if [ -n "$rundir" ]; then
    mount --bind "$rundir" "$root/srv/run"
    mount --bind "$rundir/tmp" "$root/tmp"
fi
exec "$chroot" "$root" /bin/sh -c 'cd /opt/warehouse && exec "$@"' sh "$@"
"""


def chroot_argv(root, src, rundir, argv):
    return [tool("unshare"), "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            _ENTER, "enter", tool("chroot"), str(root), str(src), str(rundir or ""), str(HERE),
            *map(str, argv)]


def chroot_env(extra=None):
    env = {"PATH": f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": "/root", "LANG": "C.UTF-8", "PYTHONPATH": IN_SRC,
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.update(extra or {})
    return env


def build_root(src, target, log):
    """debootstrap Debian sid with python3.14 into ``target``/root and install
    Warehouse's requirements in a venv there; ``log`` is a file object."""
    root = target / "root"

    def step(cmd, **kwargs):
        log.write(f"$ {shlex.join(map(str, cmd))}\n")
        log.flush()
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False,
                              timeout=900, **kwargs)
        if proc.returncode:
            raise StackError(f"{cmd[0]} {cmd[1] if len(cmd) > 1 else ''} exited "
                             f"{proc.returncode} (log: {log.name})")

    try:
        step([tool("debootstrap"), "--variant=minbase", f"--include={PACKAGES}", "sid", str(root),
              DEBIAN_MIRROR])
    except StackError as exc:
        raise WarehouseUnavailable(
            f"cannot start Warehouse: no Python 3.14 to be had, debootstrap of Debian sid "
            f"from {DEBIAN_MIRROR} failed ({exc})") from exc
    for sub in ("opt/warehouse", "srv/run", "srv/tests"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    # pip in the chroot must trust what the host trusts (a proxy's CA, say)
    extra_cas = Path("/usr/local/share/ca-certificates")
    if extra_cas.is_dir():
        for cert in extra_cas.glob("*.crt"):
            shutil.copy(cert, root / "usr/local/share/ca-certificates" / cert.name)
    step([tool("chroot"), str(root), "update-ca-certificates"], env=chroot_env())
    env = chroot_env({"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_CACHE_DIR": "1"})
    step(chroot_argv(root, src, None, ["python3.14", "-m", "venv", VENV]), env=env)
    step(chroot_argv(root, src, None, [
        f"{VENV}/bin/pip", "install", "-q", "-r", "requirements/main.txt",
        "-r", "requirements/dev.txt"]), env=env)
    step(chroot_argv(root, src, None, [f"{VENV}/bin/pip", "install", "-q", GUNICORN]), env=env)
    # compile once, so that runs need not (the source is mounted read-only)
    step(chroot_argv(root, src, None, [f"{VENV}/bin/python", "-m", "compileall", "-q",
                                        "-j", "0", VENV]), env=env)


def ensure_root(src, log=sys.stderr):
    """The cached chroot for ``src``, built when missing.  Returns its directory."""
    check_or_raise(src)
    base = cache_base()
    base.mkdir(parents=True, exist_ok=True)
    final = base / f"warehouse-{cache_key(src)}"
    if (final / "complete").exists():
        return final
    building = Path(tempfile.mkdtemp(prefix=f".{final.name}.building-", dir=base))
    started = time.monotonic()
    try:
        with open(building / "build.log", "w") as build_log:
            print(f"building the Warehouse chroot in {building} (log: {build_log.name})",
                  file=log, flush=True)
            build_root(src, building, build_log)
        (building / "complete").write_text(
            f"built in {time.monotonic() - started:.0f}s from {source_commit(src)}\n")
        try:
            building.rename(final)
        except OSError:
            if not (final / "complete").exists():
                raise
            # another run finished first: use its root
            remove_tree(building)
    except BaseException:
        remove_tree(building)
        raise
    return final


def remove_tree(path):
    """rmtree that refuses a tree with a mount point in it: the chroot's
    mounts live in private namespaces, and a host mount found there (a /dev
    bound by hand, say) must never be emptied."""
    inside = str(Path(path).resolve()) + "/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1].encode().decode("unicode_escape") for line in mounts]
    mounted = [point for point in points if (point + "/").startswith(inside)]
    if mounted:
        raise StackError(f"not removing {path}: {', '.join(mounted)} mounted inside it")
    shutil.rmtree(path, ignore_errors=True)


class WarehouseStack(Stack):
    """``with WarehouseStack() as wh:`` then ``wh.url`` (the index),
    ``wh.files_url``, ``wh.bootstrap(...)`` (Warehouse's services in a pyramid
    bootstrap), ``wh.timings``."""

    def __init__(self, src=None, keep=False):
        super().__init__()
        self.src = Path(src) if src else source_dir()
        self.keep = keep
        self._servers = []

    def start(self):
        self.cache = self.timed("chroot", lambda: ensure_root(self.src))
        self.root = self.cache / "root"
        self.dir = Path(tempfile.mkdtemp(prefix="pypi-guard-warehouse-"))
        # postgres (not root) must reach its data directory
        self.dir.chmod(0o711)
        for sub in ("logs", "run", "run/tmp", "run/packages"):
            (self.dir / sub).mkdir()
        (self.dir / "run" / "tmp").chmod(0o1777)
        self.postgresql = self.timed("postgresql", lambda: self.start_postgresql(
            self.dir / "pg", "warehouse", "warehouse"))
        self.timed("redis", self.start_redis)
        self.start_file_server()
        self.timed("database", self.prepare_database)
        self.timed("gunicorn", self.start_gunicorn)

    def teardown(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()
        if self.dir and not self.keep:
            remove_tree(self.dir)

    # -- services ----------------------------------------------------------

    def start_redis(self):
        self.redis_port = free_port()
        self.spawn("redis", [tool("redis-server"), "--bind", "127.0.0.1", "--port",
                             str(self.redis_port), "--save", "", "--appendonly", "no",
                             "--dir", str(self.dir)])

        def ready():
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        self.wait_for("Redis", ready, 30, [self.log("redis")])

    def start_file_server(self):
        server = serve_directory(self.dir / "run" / "packages")
        self._servers.append(server)
        self.files_url = f"http://127.0.0.1:{server.server_address[1]}/"

    def warehouse_env(self):
        """Warehouse's settings, from its own dev/environment with every
        address moved to this stack's services on 127.0.0.1."""
        env = {}
        for line in (self.src / "dev" / "environment").read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = " ".join(shlex.split(value)) if value else ""
        dead = free_port()  # nothing listens there: OpenSearch, mail, metrics
        env.update({
            "WAREHOUSE_ENV": "development",
            "DATABASE_URL": self.postgresql.url("postgresql+psycopg"),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "OPENSEARCH_URL": f"http://127.0.0.1:{dead}/development",
            "FILES_BACKEND": ("warehouse.packaging.services.LocalFileStorage "
                              f"path={IN_RUN}/packages/ url={self.files_url}{{path}}"),
            # Uploads land in the archive storage, which a worker task would
            # copy to the files storage: one folder for both needs no worker.
            "ARCHIVE_FILES_BACKEND": ("warehouse.packaging.services.LocalArchiveFileStorage "
                                      f"path={IN_RUN}/packages/ url={self.files_url}{{path}}"),
            "SIMPLE_BACKEND": ("warehouse.packaging.services.LocalSimpleStorage "
                               f"path={IN_RUN}/simple/ url={self.files_url}{{path}}"),
            "DOCS_BACKEND": f"warehouse.packaging.services.LocalDocsStorage path={IN_RUN}/docs/",
            "SPONSORLOGOS_BACKEND": ("warehouse.admin.services.LocalSponsorLogoStorage "
                                     f"path={IN_RUN}/sponsorlogos/"),
            "MAIL_BACKEND": ("warehouse.email.services.ConsoleAndSMTPEmailSender "
                             f"host=127.0.0.1 port={dead} ssl=false sender=noreply@pypi.org"),
            "METRICS_BACKEND": f"warehouse.metrics.DataDogMetrics host=127.0.0.1 port={dead}",
            "BILLING_BACKEND": ("warehouse.subscriptions.services.MockStripeBillingService "
                                f"api_base=http://127.0.0.1:{dead} api_version=2020-08-27 "
                                "domain=localhost"),
            "GITHUB_TOKEN_SCANNING_META_API_URL": f"http://127.0.0.1:{dead}/meta",
            "CAMO_URL": f"http://127.0.0.1:{dead}/",
        })
        return chroot_env(env)

    def in_chroot(self, argv, timeout=600):
        """Run ``argv`` in the chroot, in the source tree; returns its output."""
        return run(chroot_argv(self.root, self.src, self.dir / "run", argv),
                   env=self.warehouse_env(), timeout=timeout)

    def prepare_database(self):
        dump = self.cache / "database.dump"
        if dump.exists():
            run([str(PG_BIN / "pg_restore"), "--no-owner", "-d", "warehouse", str(dump)],
                env=self.postgresql.env())
            return
        python = f"{VENV}/bin/python"
        self.in_chroot([python, "-m", "warehouse", "db", "upgrade", "head"])
        self.in_chroot([python, "-m", "warehouse", "classifiers", "sync"])
        partial = self.cache / f".database.dump.{os.getpid()}"
        run([str(PG_BIN / "pg_dump"), "-Fc", "-f", str(partial), "warehouse"],
            env=self.postgresql.env())
        partial.rename(dump)

    def start_gunicorn(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.spawn("gunicorn", chroot_argv(self.root, self.src, self.dir / "run", [
            f"{VENV}/bin/python", "-m", "gunicorn.app.wsgiapp", "--workers", "1",
            "--threads", "4", "--bind", f"127.0.0.1:{self.port}", "--timeout", "120",
            "--access-logfile", "-", "--error-logfile", "-", "warehouse.wsgi:application"]),
            env=self.warehouse_env(), stop_signal=signal.SIGINT)
        self.wait_for("gunicorn", lambda: requests.get(
            f"{self.url}/_health/", timeout=5).status_code == 200, 120, [self.log("gunicorn")])

    def bootstrap(self, *args):
        """Run tests/warehouse/bootstrap.py with ``args`` in a pyramid
        bootstrap of this Warehouse; returns its JSON answer."""
        out = self.in_chroot([f"{VENV}/bin/python", f"{IN_TESTS}/bootstrap.py", *args])
        return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("check", "build", "serve"))
    args = parser.parse_args()
    try:
        if args.action == "check":
            check_or_raise()
            cache_key(source_dir())
            print(f"Warehouse can start here (source {source_dir()}, "
                  f"commit {source_commit(source_dir())})")
            return 0
        if args.action == "build":
            start = time.monotonic()
            path = ensure_root(source_dir())
            print(f"{path} ready ({time.monotonic() - start:.0f}s)")
            return 0
        with WarehouseStack() as wh:
            print(f"Warehouse: {wh.url}\nfiles: {wh.files_url}\ndir: {wh.dir}\n"
                  f"timings: {wh.timings}", flush=True)
            signal.pause()
    except WarehouseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    except StackError as exc:
        print(f"cannot start Warehouse: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
