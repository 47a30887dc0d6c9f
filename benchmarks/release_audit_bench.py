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

"""Benchmark the release-feed audit: a first run, then a repeat with the cache.

Serves N projects (each with R releases) with a fixed latency per request on
127.0.0.1 and runs the audit (the module's code path) twice with the same
cache directory. Prints, for both runs, the time, the body bytes the index
sent and the ratio of the repeat to the first run. The first run fills the
cache; the repeat sends conditional requests, and an unchanged project costs
two 304s and no body (each run also reads the release account's reach, one
XML-RPC request whose bytes are not counted).

    python -m benchmarks.release_audit_bench          # 700 projects, 100 ms, concurrency 8
    python -m benchmarks.release_audit_bench --projects 50 --latency 0.01

The request-rate ceiling is off (rate_limit 0) so that concurrency alone is
measured.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import tests.support  # noqa: F401 - the import paths, before any module's

# isort: split
from pypi_release_audit import audit

from benchmarks.benchlib import audit_params, project_names, tenant, versions
from tests.support.fakepypi import FakePyPI


def timed_run(pypi, names, workdir, concurrency, releases):
    known = workdir / "pypi-releases.yaml"
    allowlist = workdir / "pypi-maintainers.yaml"
    known.write_text("pypi_release_audit_known_releases:\n" + "".join(
        f"  {name}:\n" + "".join(f'    - {{version: "{v}", reason: bench}}\n'
                                 for v in versions(releases))
        for name in names))
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    params = audit_params(pypi, names, concurrency, workdir / "reports",
                          known_releases_file=str(known), allowlist_file=str(allowlist),
                          cache_dir=str(workdir / "cache"))
    pypi.reset_log()
    started = time.perf_counter()
    result = audit(params)
    elapsed = time.perf_counter() - started
    if result["status"] != "clean":
        raise SystemExit(f"the benchmark audit was not clean: {result['problems'][:5]}")
    # the run's one user_packages answer (the release account's reach) is no
    # cache matter: left out of the bytes
    reach = sum(r.bytes_sent for r in pypi.requests if r.endpoint == "xmlrpc")
    return elapsed, pypi.bytes_sent - reach, len(pypi.requests)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=700)
    parser.add_argument("--releases", type=int, default=30, help="releases per project")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)

    names = project_names(args.projects)
    with tempfile.TemporaryDirectory() as tmp, \
            FakePyPI(tenant(args.projects, args.latency, args.releases)) as pypi:
        first = timed_run(pypi, names, Path(tmp), args.concurrency, args.releases)
        repeat = timed_run(pypi, names, Path(tmp), args.concurrency, args.releases)
    ideal = 2 * args.projects * args.latency / args.concurrency
    print(f"projects            {args.projects} ({args.releases} releases each)")
    print(f"latency per request {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
    print(f"ideal               {ideal:8.2f} s  (2 requests per project)")
    for label, (elapsed, sent, requests) in (("first run", first), ("repeat, cached", repeat)):
        print(f"{label:<19} {elapsed:8.2f} s  {sent:>12,} body bytes  {requests} requests")
    print(f"repeat / first      {repeat[0] / first[0]:8.2f} x time, "
          f"{repeat[1] / max(first[1], 1):.4f} x bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
