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

"""Benchmark the changelog watch, side by side with the daily audits.

(a) One day of PyPI: a journal of ``--events`` entries (150,000) over
    ``--projects`` projects (20,000), of which ``--managed`` (700) are
    managed, served in pages of ``--page-size`` (50,000) by a fake PyPI in
    a child process (so that only the watcher's memory is measured). One
    poll reads it all: time, peak Python memory (tracemalloc), requests;
    then the same for a third of the backlog (peak memory must not grow
    with it) and for a 10-minute window (~1,000 events, target under 1 s).
    Printed against the requests the daily audits make for the same
    projects, counted from their code paths: one JSON request each for the
    maintainer audit, a feed and a JSON request each for the release audit,
    one JSON request each plus a download and a signature per file for the
    signature audit.
(b) Detection latency: the watcher polls every ``--interval`` seconds (2)
    with mail through a real SMTP server on 127.0.0.1; events are injected
    at random moments; for each, the time from its injection to the arrival
    of the mail that names it. Target: the maximum within one interval
    plus 5 s.
(c) A flood: ``--flood`` (100,000) events on managed projects in one poll,
    one of them a role invitation: the poll alone (the baseline), then the
    alert mail and the reports of that poll, each as a ratio of the poll's
    time. Targets: the whole within the 10-minute poll interval, the mail
    under 1 MB and naming the invitation first.

    python -m benchmarks.watch_bench
    python -m benchmarks.watch_bench --events 3000 --projects 500 --managed 50 --latency-events 3
"""

import argparse
import multiprocessing
import os
import random
import re
import statistics
import sys
import threading
import time
import tracemalloc

import tests.support  # noqa: F401 - the import paths, before any module's

# isort: split
from ansible.module_utils.pypi_guard.allowlist import MaintainersAllowlist
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.pypi_watch import poll, watch
from ansible.module_utils.pypi_guard.release_team_notify import build_message, send_message
from ansible.module_utils.pypi_guard.watch_alert import (
    alert_message,
    compose_watch_alert,
)
from ansible.module_utils.pypi_guard.watch_rules import FileOutcome
from ansible.module_utils.pypi_guard.watch_state import WatchState

from benchmarks.benchlib import project_names
from tests.support.fakepypi import FakePyPI
from tests.support.smtpsink import SmtpSink

ACTIONS = ["new release", "add source file {name}-{v}.tar.gz",
           "add py3 file {name}-{v}-py3-none-any.whl", "yank release",
           "invite Maintainer someone", "remove file {name}-{v}.tar.gz"]


def journal_rows(events, projects, managed, start):
    """``events`` rows over ``projects`` names, the first ``managed`` of them
    managed; a steady stream of ordinary activity (releases, files)."""
    rng = random.Random(42)
    names = project_names(projects)
    for index in range(events):
        name = names[rng.randrange(projects)]
        version = f"1.{index}.0"
        action = rng.choice(ACTIONS).format(name=name, v=version)
        yield name, version, start + index * 86400 // max(events, 1), action


def serve(connection, events, projects, managed, page_size):
    """Child process: a fake PyPI with the journal; appends what the parent
    sends (``(name, version, action)``), answers with the serial."""
    with FakePyPI({"changelog": {"page_size": page_size}}) as pypi:
        pypi.journal.extend(journal_rows(events, projects, managed, int(time.time()) - 86400))
        connection.send(pypi.url)
        while True:
            message = connection.recv()
            if message is None:
                break
            if message == "requests":
                connection.send(len(pypi.requests))
                continue
            connection.send(pypi.journal.append(*message))


class Server:
    def __init__(self, events, projects, managed, page_size):
        self.parent, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(
            target=serve, args=(child, events, projects, managed, page_size), daemon=True)
        self.lock = threading.Lock()

    def __enter__(self):
        self.process.start()
        self.url = self.parent.recv()
        return self

    def call(self, message):
        with self.lock:
            self.parent.send(message)
            return self.parent.recv()

    def __exit__(self, *exc_info):
        self.parent.send(None)
        self.process.join(timeout=10)


def managed_set(count):
    return {name: ManagedProject(name, name, versions={"1.0.0"})
            for name in project_names(count)}


def quiet_checker(counter):
    def check(item):
        counter.append(item["filename"])
        return FileOutcome([])
    return check


def one_poll(url, projects, after):
    """Time, peak memory, requests, events and file checks of one poll after ``after``."""
    files = []
    allowlist = MaintainersAllowlist(required_owners=["openstackci"],
                                     allowed_accounts={"someone"})
    with HttpClient(rate_limit=0) as client:
        tracemalloc.start()
        started = time.perf_counter()
        result = poll(client, url, projects, allowlist, {}, WatchState(after, []),
                      quiet_checker(files), time.time(), 1800, None)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak, result, files


def day_benchmark(args):
    projects = managed_set(args.managed)
    with Server(args.events, args.projects, args.managed, args.page_size) as server:
        rows = []
        for label, after in (("one day", 0), ("a third of it", args.events * 2 // 3),
                             ("10 minutes", args.events - args.events * 10 // 1440)):
            before = server.call("requests")
            elapsed, peak, result, files = one_poll(server.url, projects, after)
            requests = server.call("requests") - before
            rows.append((label, result.events_seen, result.events_managed, elapsed, peak,
                         requests, len(files)))
    audits = {"maintainer audit": args.managed, "release audit": 2 * args.managed,
              "signature audit": args.managed}
    print(f"(a) {args.events} events over {args.projects} projects, {args.managed} managed, "
          f"pages of {args.page_size}")
    print(f"    {'backlog':<14} {'events':>8} {'managed':>8} {'time':>8} {'peak':>10} "
          f"{'requests':>9} {'file checks':>12}")
    for label, seen, managed, elapsed, peak, requests, files in rows:
        print(f"    {label:<14} {seen:8d} {managed:8d} {elapsed:7.2f}s {peak / 2**20:8.1f}MiB "
              f"{requests:9d} {files:12d}")
    day = rows[0]
    print(f"    the daily audits for the same {args.managed} projects: "
          + ", ".join(f"{name} {count}" for name, count in audits.items())
          + f" requests, {sum(audits.values())} in all, plus a download and a signature "
            "per file for the signature audit")
    print(f"    one day of watching: {day[5]} changelog requests = "
          f"{day[5] / sum(audits.values()):.3f} x the audits' requests "
          f"(plus {day[6]} file checks, each a JSON request, a download and a signature)")
    peak_ratio = rows[0][4] / max(rows[1][4], 1)
    print(f"    peak memory, one day / a third of it: {peak_ratio:.2f} x (one page at a time)")
    window = rows[2][3]
    print(f"    10-minute window: {window:.3f} s (target < 1 s)")
    return window < 1.0 and peak_ratio < 1.5


def latency_benchmark(args):
    projects = managed_set(args.managed)
    allowlist = MaintainersAllowlist(required_owners=["openstackci"])
    injected, arrived = {}, {}
    with Server(0, args.projects, args.managed, args.page_size) as server, \
            SmtpSink() as smtp, HttpClient(rate_limit=0) as client:
        stop = threading.Event()

        def deliver(result):
            subject, text, _named = compose_watch_alert(result.findings, server.url)
            send_message(build_message("bench@example.org", ["team@example.org"], subject,
                                       text), smtp.host, smtp.port)
            return True

        def watch_mail():
            seen = 0
            while not stop.is_set():
                while len(smtp.messages) > seen:
                    text = smtp.messages[seen][2].get_body(("plain",)).get_content()
                    now = time.monotonic()
                    for serial in re.findall(r"\(serial (\d+)\)", text):
                        arrived.setdefault(int(serial), now)
                    seen += 1
                time.sleep(0.01)

        def inject():
            rng = random.Random(7)
            names = list(projects)
            for _ in range(args.latency_events):
                time.sleep(rng.uniform(0.3, args.interval * 1.7))
                serial = server.call((rng.choice(names), None, "invite Maintainer mallory"))
                injected[serial] = time.monotonic()

        def do_poll(state):
            return poll(client, server.url, projects, allowlist, {}, state,
                        quiet_checker([]), time.time(), 1800, None)

        mail_thread = threading.Thread(target=watch_mail, daemon=True)
        injector = threading.Thread(target=inject, daemon=True)
        mail_thread.start()
        injector.start()
        polls = int(args.latency_events * args.interval * 1.7 / args.interval) + 4
        watch(WatchState(0, []), polls, args.interval, do_poll, deliver, lambda state: None)
        injector.join()
        time.sleep(0.2)
        stop.set()
        mail_thread.join()
    latencies = [arrived[serial] - at for serial, at in injected.items() if serial in arrived]
    missing = len(injected) - len(latencies)
    print(f"(b) {len(injected)} events injected while polling every {args.interval:g} s: "
          f"latency median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s "
          f"(target <= {args.interval + 5:g} s); {missing} never mailed")
    return not missing and max(latencies) <= args.interval + 5


def flood_benchmark(args):
    import tempfile

    from ansible.module_utils.pypi_guard.audit import REPORTS
    from ansible.module_utils.pypi_guard.report import build_report, write_reports

    projects = managed_set(args.managed)
    names = list(projects)
    actions = ["new release", "remove file x-{n}.tar.gz", "yank release", "frobnicate"]
    rows = [(names[n % len(names)], f"9.{n}.0", int(time.time()) - 600,
             actions[n % len(actions)].format(n=n)) for n in range(args.flood)]
    rows[len(rows) * 3 // 4] = (names[0], None, int(time.time()) - 600,
                                "invite Maintainer mallory")
    with FakePyPI({"changelog": {"page_size": args.page_size}}) as pypi, \
            HttpClient(rate_limit=0) as client:
        pypi.journal.extend(rows)
        started = time.perf_counter()
        result = poll(client, pypi.url, projects, MaintainersAllowlist(), {},
                      WatchState(0, []), quiet_checker([]), time.time(), 1800, None)
        polled = time.perf_counter() - started
    params = {"pypi_url": pypi.url, "report_url": "", "notify_from": "bench@example.org",
              "notify_to": ["team@example.org"]}
    started = time.perf_counter()
    message = alert_message(params, result)
    mail_bytes = len(message.as_bytes())
    mailed = time.perf_counter() - started
    text = message.get_body(("plain",)).get_content()
    first = text.splitlines()[2] if len(text.splitlines()) > 2 else ""
    spec = REPORTS["pypi_watch"]
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        report = build_report("drift", pypi.url, 0, [f.as_dict() for f in result.findings],
                              [w.as_dict() for w in result.warnings], [],
                              serial_from=0, serial_to=result.until, start="bench",
                              events_seen=result.events_seen,
                              events_managed=result.events_managed, events=result.events,
                              events_not_shown=result.events_not_shown)
        json_path, html_path = write_reports(directory, spec.name, report, spec.title,
                                             list(spec.columns))
        reported = time.perf_counter() - started
        sizes = os.path.getsize(json_path), os.path.getsize(html_path)
    total = polled + mailed + reported
    print(f"(c) a flood of {args.flood} events on {len(names)} managed projects, "
          f"{len(result.findings)} findings")
    print(f"    poll (baseline)   {polled:7.2f}s")
    print(f"    alert mail        {mailed:7.2f}s = {mailed / polled:.2f} x the poll; "
          f"{mail_bytes} bytes (bound 1 MB)")
    print(f"    reports           {reported:7.2f}s = {reported / polled:.2f} x the poll; "
          f"JSON {sizes[0]} bytes (complete), HTML {sizes[1]} bytes (bounded)")
    print(f"    whole             {total:7.2f}s (target < 600 s); "
          f"first named: {first.strip()[:60]}")
    return total < 600 and mail_bytes < 2**20 and "role-invitation" in first


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=150_000)
    parser.add_argument("--projects", type=int, default=20_000)
    parser.add_argument("--managed", type=int, default=700)
    parser.add_argument("--page-size", type=int, default=50_000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--latency-events", type=int, default=10)
    parser.add_argument("--flood", type=int, default=100_000)
    args = parser.parse_args(argv)
    within = day_benchmark(args)
    within = latency_benchmark(args) and within
    within = flood_benchmark(args) and within
    print("within target" if within else "OUTSIDE TARGET")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
