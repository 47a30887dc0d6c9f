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

"""Benchmark the maintainer audit against the fake PyPI with latency.

Serves N projects with a fixed latency per request on 127.0.0.1, then runs
the audit (the module's own code path, reports included) at the chosen
concurrency and, in the same run, a one-at-a-time baseline. Prints the
audit's time, the ideal time (projects * latency / concurrency), the
baseline's time, the ratios between them, and the peak Python memory of the
audit (tracemalloc) against the number of projects.

    python -m benchmarks.audit_bench                 # 700 projects, 100 ms, concurrency 8
    python -m benchmarks.audit_bench --projects 50 --latency 0.01

The request-rate ceiling is off (rate_limit 0) so that concurrency alone is
measured; it is a politeness setting for pypi.org, not a speed one.
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import tests.support  # noqa: F401 - the import paths, before any module's

# isort: split
from pypi_maintainers_audit import audit

from benchmarks.benchlib import audit_params, project_names, tenant
from tests.support.fakepypi import FakePyPI

TARGET_RATIO = 1.3


def timed_audit(pypi, names, allowlist, concurrency, report_dir):
    params = audit_params(pypi, names, concurrency, report_dir,
                          allowlist_file=str(allowlist), fail_on_unregistered=False)
    tracemalloc.start()
    started = time.perf_counter()
    result = audit(params)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if result["status"] != "clean":
        raise SystemExit(f"the benchmark audit was not clean: {result['problems'][:5]}")
    return elapsed, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=700)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-baseline", action="store_true",
                        help="do not run the one-at-a-time baseline")
    args = parser.parse_args(argv)

    names = project_names(args.projects)
    with tempfile.TemporaryDirectory() as tmp, \
            FakePyPI(tenant(args.projects, args.latency)) as pypi:
        allowlist = Path(tmp) / "pypi-maintainers.yaml"
        allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
        ideal = args.projects * args.latency / args.concurrency
        audit_time, peak = timed_audit(pypi, names, allowlist, args.concurrency, tmp)
        half_time, half_peak = timed_audit(pypi, names[: len(names) // 2], allowlist,
                                           args.concurrency, tmp)
        print(f"projects            {args.projects}")
        print(f"latency per request {args.latency * 1000:.0f} ms")
        print(f"concurrency         {args.concurrency}")
        print(f"ideal               {ideal:8.2f} s  (projects * latency / concurrency)")
        print(f"audit               {audit_time:8.2f} s  = {audit_time / ideal:.2f} x ideal "
              f"(target <= {TARGET_RATIO} x)")
        if not args.skip_baseline:
            baseline_time, _ = timed_audit(pypi, names, allowlist, 1, tmp)
            print(f"one-at-a-time       {baseline_time:8.2f} s  = "
                  f"{baseline_time / audit_time:.2f} x the audit's time")
        print(f"peak memory         {peak / 1024:8.0f} KiB for {args.projects} projects, "
              f"{half_peak / 1024:.0f} KiB for {len(names) // 2} "
              f"({peak / max(half_peak, 1):.2f} x)")
        within = audit_time / ideal <= TARGET_RATIO
        print("within target" if within else "OUTSIDE TARGET")
        return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
