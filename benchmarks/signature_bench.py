#!/usr/bin/env python3
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

"""Benchmark the release signature audit: 500 signed files, real gpg.

Makes one release key with the real gpg, N small files signed by it, a fake
openstack/releases checkout, a fake PyPI and a fake tarballs site on
127.0.0.1, then runs the module's own code path (``audit()``: keys,
downloads, sha256, one ``gpg --verify`` per file, reports) with every file
in scope, once one file at a time and once at the chosen concurrency.

Prints files/s and the share of the time spent in gpg (the sum of the
``gpg --verify`` calls over the wall time of the one-at-a-time run, where
the attribution is exact), then what batching the verification into fewer
gpg processes could save at most: the cost of starting a gpg process,
measured, times the number of files.

    python -m benchmarks.signature_bench                     # 500 files, concurrency 8
    python -m benchmarks.signature_bench --files 100 --size 1048576 --latency 0.02
    python -m benchmarks.signature_bench --rate-limit 10      # the job's request ceiling

``--latency`` adds that many seconds to every answer of the fake PyPI (the
tarballs site answers at once): 127.0.0.1 with no latency is the case most
favourable to gpg's share; from a Zuul executor to pypi.org it is smaller.
``--rate-limit 10`` is the job's default ceiling: every file costs two
requests (the file and its ``.asc``), so the job checks at most 5 files/s
whatever gpg costs.
"""

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tests.support  # noqa: F401 - the import paths, before any module's

# isort: split
import release_signature_audit
from ansible.module_utils.pypi_guard import release_signature_audit as audit_utils

from tests.support import gpgtestkeys
from tests.support.fakepypi import FakePyPI
from tests.support.signed_releases import (
    Deliverable,
    Series,
    StaticSite,
    sign_bytes,
    write_releases_repo,
)

FILES_PER_PROJECT = 5


class GpgTimer:
    """Wraps verify_detached to add up the time spent in it (thread-safe).

    With ``stub``, only the first call runs gpg; the others return a copy of
    its answer at once: the audit as if verification cost nothing, the bound
    that no batching of gpg calls could beat."""

    def __init__(self, stub=False):
        self.calls = 0
        self.seconds = 0.0
        self.stub = stub
        self._first = None
        self._lock = threading.Lock()
        self._original = audit_utils.verify_detached

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            if self.stub and self._first is not None:
                return dataclasses.replace(self._first)
            check = self._original(*args, **kwargs)
            self._first = self._first or check
            return check
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.calls += 1
                self.seconds += elapsed

    def __enter__(self):
        audit_utils.verify_detached = self
        return self

    def __exit__(self, *exc_info):
        audit_utils.verify_detached = self._original


def build(tmp, files, size, latency):
    """The key, the releases checkout, the PyPI scenario and the tarballs routes."""
    home = gpgtestkeys.new_gnupghome(tmp)
    key = gpgtestkeys.generate_key(home, uid="Bench Cycle <bench@example.org>",
                                   at="20200101T000000")
    projects = (files + FILES_PER_PROJECT - 1) // FILES_PER_PROJECT
    names = [f"bench-{i:03d}" for i in range(projects)]
    jobs = []
    for index in range(files):
        name = names[index // FILES_PER_PROJECT]
        version = f"1.{index % FILES_PER_PROJECT}.0"
        content = os.urandom(size)
        jobs.append((name, version, f"{name}-{version}.tar.gz", content))
    signing = Path(tmp) / "signing"
    signing.mkdir()
    with ThreadPoolExecutor(4) as pool:
        signatures = list(pool.map(
            lambda job: sign_bytes(key, job[3], "20210101T000000", signing), jobs))
    scenario = {"latency": latency, "projects": {}}
    routes = {}
    for (name, version, filename, content), signature in zip(jobs, signatures, strict=True):
        project = scenario["projects"].setdefault(name, {"releases": {}})
        project["releases"][version] = {"upload_time": "2021-01-01T00:00:00",
                                        "files": [{"filename": filename, "content": content}]}
        routes[f"/openstack/{name}/{filename}.asc"] = signature
    releases = write_releases_repo(
        Path(tmp) / "releases", [Series("bench", key, "2020-01-01", "present")],
        [Deliverable("bench", name, [f"openstack/{name}"], ["1.0.0"]) for name in names])
    return home, releases, scenario, routes


def spawn_floor(home, count=100):
    """Seconds to start and stop one gpg process in the audit's GnuPG home
    doing nothing: what a batch would save per file, at most."""
    started = time.perf_counter()
    for _ in range(count):
        subprocess.run([gpgtestkeys.GPG, "--homedir", home, "--batch", "--version"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) / count


def run(pypi, site, releases, concurrency, report_dir, stub=False, rate_limit=0.0):
    params = {
        "releases_repo": str(releases), "projects": [], "pypi_url": pypi.url,
        "report_dir": str(report_dir), "concurrency": concurrency, "rate_limit": rate_limit,
        "timeout": 30.0, "retries": 2, "max_retry_after": 60.0,
        "series_status_file": None, "keys_dir": None,
        "signature_url": site.url + "/{namespace}/{repo}/{filename}.asc",
        "scope": "all", "max_file_size": 1 << 30,
    }
    with GpgTimer(stub) as timer:
        started = time.perf_counter()
        result = release_signature_audit.audit(params)
        elapsed = time.perf_counter() - started
    if result["status"] != "clean":
        raise SystemExit(f"the benchmark audit was not clean: {result['problems'][:5]}")
    return elapsed, timer, result["report"]["files_checked"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--size", type=int, default=16384, help="bytes per file")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds added to every answer of the fake PyPI")
    parser.add_argument("--rate-limit", type=float, default=0.0,
                        help="requests per second across workers, as pypi_guard_rate_limit "
                             "(the job's default is 10; 0: none)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="sigbench-", dir="/tmp") as tmp:  # noqa: S108
        setup = time.perf_counter()
        home, releases, scenario, routes = build(tmp, args.files, args.size, args.latency)
        print(f"setup: {args.files} files of {args.size} bytes signed in "
              f"{time.perf_counter() - setup:.1f} s (not measured)")
        try:
            with FakePyPI(scenario) as pypi, StaticSite(routes) as site:
                rows = []
                for concurrency in (1, args.concurrency):
                    elapsed, timer, checked = run(pypi, site, releases, concurrency,
                                                  Path(tmp) / "reports",
                                                  rate_limit=args.rate_limit)
                    assert checked == args.files and timer.calls == args.files
                    rows.append((concurrency, elapsed, timer))
                stubbed = run(pypi, site, releases, args.concurrency, Path(tmp) / "reports",
                              stub=True, rate_limit=args.rate_limit)[0]
            floor = spawn_floor(home)
        finally:
            gpgtestkeys.kill_agent(home)

    cores = min(args.concurrency, os.cpu_count() or 1)
    print(f"{'concurrency':>11} {'wall s':>8} {'files/s':>8} {'gpg s (sum)':>12} "
          f"{'gpg ms/file':>12} {'gpg busy':>9}")
    for concurrency, elapsed, timer in rows:
        # one at a time, gpg's share of the wall time is exact; with several
        # workers, the sum over the wall time is the mean number of gpg
        # verifications in flight (on 2 cores, above 2 means they queue for CPU)
        busy = f"{timer.seconds / elapsed:.0%}" if concurrency == 1 else \
            f"{timer.seconds / elapsed:.1f} avg"
        print(f"{concurrency:>11} {elapsed:>8.2f} {args.files / elapsed:>8.1f} "
              f"{timer.seconds:>12.2f} {1000 * timer.seconds / timer.calls:>12.2f} "
              f"{busy:>9}")
    print(f"share of the time spent in gpg (one at a time): "
          f"{rows[0][2].seconds / rows[0][1]:.0%}")
    serial_elapsed, serial_timer = rows[0][1], rows[0][2]
    parallel_elapsed = rows[1][1]
    saving = floor * args.files
    print(f"gpg process start (gpg --version in the same home): {1000 * floor:.2f} ms; "
          f"one gpg --verify: {1000 * serial_timer.seconds / serial_timer.calls:.2f} ms")
    print(f"the process starts alone: {saving:.2f} s for {args.files} files, "
          f"{saving / serial_elapsed:.0%} of the one-at-a-time run, "
          f"{saving / cores / parallel_elapsed:.0%} of the run at concurrency "
          f"{args.concurrency} (spread over {cores} core(s))")
    print(f"at concurrency {args.concurrency} with verification free (gpg stubbed after its "
          f"first call): {stubbed:.2f} s, {args.files / stubbed:.1f} files/s; so batching "
          f"could save at most {parallel_elapsed - stubbed:.2f} s "
          f"({max(parallel_elapsed - stubbed, 0) / parallel_elapsed:.0%}) of "
          f"{parallel_elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
