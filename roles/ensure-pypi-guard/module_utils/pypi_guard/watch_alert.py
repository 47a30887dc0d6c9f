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

"""The changelog watcher's alert: one mail per poll that found something,
bounded whatever the number of findings, the most urgent named first."""

from __future__ import annotations

import collections
import datetime
from collections.abc import Callable, Iterable, Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from ansible.module_utils.pypi_guard.audit import REPORTS, Params
from ansible.module_utils.pypi_guard.release_team_notify import (
    build_message,
    send_with_options,
)
from ansible.module_utils.pypi_guard.report import build_report, render_html
from ansible.module_utils.pypi_guard.text import printable
from ansible.module_utils.pypi_guard.watch_rules import WatchFinding

if TYPE_CHECKING:
    from ansible.module_utils.pypi_guard.pypi_watch import PollResult

# The order in which a mail names findings: who can upload first, then what
# cannot be judged, then what happened to files and releases.
URGENCY = ("role-invitation", "unexpected-account", "role-not-allowed", "role-unconfirmed",
           "required-owner-removed", "quarantined", "name-registered", "unknown-event",
           "removal", "digest-mismatch", "bad-signature", "wrong-key", "signed-outside-window",
           "unsigned", "unverifiable-file", "unexpected-release")
# A mail names at most this many findings in full, in at most this many bytes
# of text (the HTML part shows the same ones); the others are counted by kind
# and project, in at most MAX_ALERT_COUNTS lines.  Each value is cut at
# MAX_ALERT_FIELD characters.  The whole mail stays well under 1 MB.
MAX_ALERT_FINDINGS = 100
MAX_ALERT_TEXT = 128 * 1024
MAX_ALERT_COUNTS = 100
MAX_ALERT_FIELD = 300


def by_urgency(findings: Iterable[WatchFinding]) -> list[WatchFinding]:
    """``findings`` in the order a mail names them (oldest first within a kind)."""
    rank = {kind: index for index, kind in enumerate(URGENCY)}
    return sorted(findings, key=lambda f: (rank.get(f.kind, len(URGENCY)), f.serial))


def _clip(text: object, limit: int = MAX_ALERT_FIELD) -> str:
    shown = printable(text)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown)} characters)"


def compose_watch_alert(findings: Sequence[WatchFinding], pypi_url: str,
                        report_url: str | None = None) -> tuple[str, str, list[WatchFinding]]:
    """``(subject, text, named)`` of the mail for one poll's findings:
    the most urgent named in full (``named``, in :func:`by_urgency` order)
    within the bounds above, then counts per kind and project of the rest,
    then where the full report is."""
    ordered = by_urgency(findings)
    kinds = list(dict.fromkeys(finding.kind for finding in ordered))
    projects = sorted({finding.project for finding in findings})
    plural = "s" if len(findings) != 1 else ""
    more = f" and {len(projects) - 3} more" if len(projects) > 3 else ""
    subject = _clip(f"[pypi-guard] {len(findings)} PyPI event{plural} to act on: "
                    f"{', '.join(kinds)} ({', '.join(projects[:3])}{more})", 400)
    head = [f"pypi-guard's changelog watch saw {len(findings)} event{plural} on {pypi_url} "
            "that the release process does not explain", ""]
    body: list[str] = []
    named: list[WatchFinding] = []
    size = 0
    for finding in ordered[:MAX_ALERT_FINDINGS]:
        when = datetime.datetime.fromtimestamp(finding.timestamp, datetime.timezone.utc)
        lines = [f"  {_clip(finding.line(), 2 * MAX_ALERT_FIELD)}",
                 f"    action: {_clip(finding.action)}",
                 f"    when:   {when.isoformat().replace('+00:00', 'Z')}", ""]
        cost = sum(len(line.encode("utf-8")) + 1 for line in lines)
        if named and size + cost > MAX_ALERT_TEXT:
            break
        body += lines
        size += cost
        named.append(finding)
    rest = ordered[len(named):]
    if rest:
        head[0] += (f"; the {len(named)} most urgent are named below, the other {len(rest)} "
                    "are counted after them")
    head[0] += ":"
    return subject, "\n".join(head + body + _counted(rest, report_url)) + "\n", named


def _counted(rest: list[WatchFinding], report_url: str | None) -> list[str]:
    """The end of the mail: the findings not named, counted by kind and
    project, and where the full report is."""
    tail = []
    if rest:
        counts = collections.Counter((f.kind, f.project) for f in rest).most_common()
        tail.append(f"Not named above: {len(rest)} more, by kind and project:")
        tail += [f"  {count:7d}  {kind}  {_clip(project, 100)}"
                 for (kind, project), count in counts[:MAX_ALERT_COUNTS]]
        if len(counts) > MAX_ALERT_COUNTS:
            left = sum(count for _key, count in counts[MAX_ALERT_COUNTS:])
            tail.append(f"  {left:7d}  in {len(counts) - MAX_ALERT_COUNTS} more kinds and "
                        "projects")
        tail.append("")
    where = (f"The full report (every finding, with what to do): {report_url}" if report_url
             else "The full report (every finding, with what to do) is pypi-watch.html and "
                  "pypi-watch.json in the job's logs, linked from its build page.")
    return tail + ["Each line says what to do. " + where]


def report_url(params: Params) -> str:
    """Where the alert says the full report is: the ``report_url`` option,
    or under Zuul the running build's page, from ``zuul_api``
    (``.../api/tenant/<tenant>``) and the build's ``uuid``
    (``.../t/<tenant>/build/<uuid>``); empty when neither is known."""
    if params.get("report_url"):
        return str(params["report_url"])
    build = params.get("zuul_build") or {}
    if not params.get("zuul_api") or not build.get("uuid"):
        return ""
    base = str(params["zuul_api"]).rstrip("/").replace("/api/tenant/", "/t/")
    return f"{base}/build/{build['uuid']}"


def alert_message(params: Params, result: PollResult) -> EmailMessage:
    """The bounded mail of one poll's result: the text part names the most
    urgent findings, the HTML part shows the same ones; the rest are counted."""
    spec = REPORTS["pypi_watch"]
    subject, text, named = compose_watch_alert(result.findings, params["pypi_url"],
                                               report_url(params))
    shown = {id(finding) for finding in named}

    def rows(items: list[WatchFinding], limit: int) -> list[dict[str, Any]]:
        # only the rows shown are rendered; the others are counted by kind
        return [item.as_dict() for item in items[:limit]] + [
            {"kind": item.kind} for item in items[limit:]]

    findings = rows(named + [f for f in result.findings if id(f) not in shown], len(named))
    report = build_report("drift", params["pypi_url"], 0, findings,
                          rows(result.warnings, MAX_ALERT_FINDINGS), result.errors,
                          serial_from=result.after, serial_to=result.until,
                          events_seen=result.events_seen, events_managed=result.events_managed)
    # every table stops where the text stopped naming findings
    limit = len(named) if len(named) < len(result.findings) else MAX_ALERT_FINDINGS
    html = render_html(report, spec.title, list(spec.columns), max_rows=limit)
    message: EmailMessage = build_message(params["notify_from"], params["notify_to"], subject,
                                          text, html)
    return message


def mailer(params: Params, check_mode: bool) -> Callable[[PollResult], bool]:
    """``deliver(poll_result)``: one mail with the poll's findings; says
    whether it sent one."""
    def deliver(result: PollResult) -> bool:
        if check_mode or not params["notify_to"]:
            return False
        send_with_options(alert_message(params, result), params)
        return True
    return deliver
