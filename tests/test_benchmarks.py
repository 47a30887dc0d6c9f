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

"""The benchmarks run, at a small size, and print what they promise."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(script, *args):
    proc = subprocess.run([sys.executable, "-m", f"benchmarks.{script}", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode in (0, 1), proc.stderr  # 1: outside the speed target
    return proc.stdout


def test_audit_benchmark_prints_ideal_audit_and_baseline():
    out = run("audit_bench", "--projects", "16", "--latency", "0.02", "--concurrency", "4")
    for label in ("ideal", "audit", "one-at-a-time", "peak memory"):
        assert f"\n{label} " in f"\n{out}", out
    assert "x ideal" in out and "x the audit's time" in out


def test_release_audit_benchmark_prints_both_runs():
    out = run("release_audit_bench", "--projects", "16", "--releases", "3",
              "--latency", "0.01")
    assert "first run" in out and "repeat, cached" in out
    repeat_line = next(line for line in out.splitlines() if line.startswith("repeat, cached"))
    assert " 0 body bytes" in repeat_line, out


def test_watch_benchmark_prints_the_day_the_window_and_the_latency():
    out = run("watch_bench", "--events", "600", "--projects", "60", "--managed", "6",
              "--page-size", "200", "--latency-events", "2", "--interval", "1",
              "--flood", "3000")
    for label in ("one day", "a third of it", "10 minutes", "the daily audits",
                  "peak memory, one day / a third of it", "latency median",
                  "x the poll", "first named: project-0000: role-invitation"):
        assert label in out, out
    assert "0 never mailed" in out, out
