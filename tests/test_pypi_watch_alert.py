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

"""The watcher's alert: bounded, most urgent first, escaped in every part;
and the watch's report and index."""

import pytest
from ansible.module_utils.pypi_guard.pypi_watch import PollResult
from ansible.module_utils.pypi_guard.release_team_notify import build_message
from ansible.module_utils.pypi_guard.report import build_report, render_html, render_index
from ansible.module_utils.pypi_guard.watch_alert import (
    MAX_ALERT_FINDINGS,
    MAX_ALERT_TEXT,
    alert_message,
    compose_watch_alert,
    report_url,
)
from ansible.module_utils.pypi_guard.watch_rules import WatchFinding
from ansible.module_utils.pypi_guard.watch_state import WatchState

NOW = 1767225600


def finding(kind, serial, project="nova", detail="do something", action="x", account=None):
    return WatchFinding(project, kind, detail, serial, NOW, action, account=account)


def test_the_most_urgent_come_first_and_the_rest_are_counted():
    findings = [finding("unexpected-release", n) for n in range(1, 500)]
    findings += [finding("removal", 600, project="glance"),
                 finding("role-invitation", 700, account="mallory"),
                 finding("unknown-event", 800)]
    subject, text, named = compose_watch_alert(findings, "https://pypi.org",
                                               "https://zuul.example/t/o/build/1")
    assert [f.kind for f in named[:3]] == ["role-invitation", "unknown-event", "removal"]
    assert len(named) == MAX_ALERT_FINDINGS
    assert subject.startswith("[pypi-guard] 502 PyPI events to act on: role-invitation, "
                              "unknown-event, removal, unexpected-release (glance, nova)")
    assert "the 100 most urgent are named below, the other 402" in text
    assert "    402  unexpected-release  nova" in text
    assert text.rstrip().endswith("https://zuul.example/t/o/build/1")


def test_hostile_values_cannot_blow_the_bound():
    huge = "\u202e" + "x" * 1_000_000
    findings = [finding("role-invitation", n, detail=huge, action=huge, account=huge)
                for n in range(1, 1000)]
    findings += [finding("unexpected-release", 2000 + n, project=f"p{n}{huge[:50]}")
                 for n in range(1000)]
    subject, text, named = compose_watch_alert(findings, "https://pypi.org")
    assert len(text.encode()) < MAX_ALERT_TEXT + 64 * 1024
    assert "\u202e" not in text + subject and "\\u202e" in text
    assert "in 901 more kinds and projects" in text
    assert len(subject) < 600


def test_one_finding_is_named_whole():
    subject, text, named = compose_watch_alert([finding("removal", 5)], "https://pypi.org")
    assert subject == "[pypi-guard] 1 PyPI event to act on: removal (nova)"
    assert "Not named above" not in text and len(named) == 1
    assert "job's logs" in text


def test_every_part_of_the_alert_mail_is_escaped():
    spoof = "\u202eicktsnepo"  # displays as "openstackci"
    result = PollResult(0, 3, 3, 3, [finding("unexpected-account", 3, account=spoof,
                                             action=f"add Owner {spoof}")],
                        [], [], WatchState(3, []))
    params = {"pypi_url": "https://pypi.org", "report_url": "", "notify_from": "a@b.example",
              "notify_to": ["c@d.example"]}
    message = alert_message(params, result)
    for part in ("plain", "html"):
        content = message.get_body((part,)).get_content()
        assert "\u202e" not in content, part
        assert "\\u202eicktsnepo" in content, part
    assert "\u202e" not in str(message["Subject"])


def test_build_message_escapes_the_html_part_line_by_line():
    message = build_message("a@b.example", ["c@d.example"], "s", "t",
                            "<p>\u202eicktsnepo\x1b[2J</p>\n<p>fine</p>")
    assert message.get_body(("html",)).get_content().splitlines() == [
        "<p>\\u202eicktsnepo\\x1b[2J</p>", "<p>fine</p>"]


def watch_report(**extra):
    report = build_report("clean", "https://pypi.org", 0, [], [], [], start="state file s.json",
                          serial_from=10, serial_to=42, events_seen=32, events_managed=2,
                          mails_sent=0,
                          events=[{"serial": 11, "project": "nova", "version": "1.0",
                                   "action": "new release", "verdict": "a known release"},
                                  {"serial": 12, "project": "nova", "version": None,
                                   "action": "add Owner \u202eicktsnepo",
                                   "verdict": "an allowed role"}],
                          events_not_shown=0)
    report.update(extra)
    return report


def test_a_clean_watch_report_shows_its_evidence():
    html = render_html(watch_report(), "PyPI changelog watch", ["project", "kind"])
    assert "Projects checked" not in html
    for text in ("state file s.json", "after 10 up to 42", "<dd>32</dd>", "<dd>2</dd>",
                 "a known release", "an allowed role", "add Owner \\u202eicktsnepo"):
        assert text in html, text
    assert "\u202e" not in html


def test_tables_are_bounded_and_say_what_is_cut():
    findings = [{"project": "nova", "kind": "unexpected-release" if n % 2 else "removal",
                 "detail": "d"} for n in range(50)]
    report = build_report("drift", "https://pypi.org", 3, findings, [], [])
    html = render_html(report, "T", ["project", "kind", "detail"], max_rows=10)
    assert html.count('<tr class="finding">') == 10
    assert "40 more rows not shown" in html
    assert "20 removal, 20 unexpected-release: the JSON report has every one" in html


def test_the_index_shows_the_watch_with_its_serial_range(tmp_path):
    index = render_index(tmp_path, {"pypi-watch": watch_report()})
    assert "serials 10..42, 32 events, 2 managed" in index


def test_a_small_alert_shows_every_finding_and_warning_in_html():
    findings = [finding("removal", 1)]
    warnings = [finding("yanked-release", n) for n in range(2, 7)]
    result = PollResult(0, 7, 7, 7, findings, warnings, [], WatchState(7, []))
    params = {"pypi_url": "https://pypi.org", "report_url": "", "notify_from": "a@b.example",
              "notify_to": ["c@d.example"]}
    html = alert_message(params, result).get_body(("html",)).get_content()
    assert html.count('<tr class="warning">') == 5
    assert "not shown" not in html


def test_a_watch_that_did_not_start_says_so():
    report = watch_report(serial_from=None, serial_to=None, start="not started", events=[])
    html = render_html(report, "PyPI changelog watch", ["project", "kind"])
    assert "none: the watch did not start" in html


@pytest.mark.parametrize("params, expected", [
    ({"report_url": "https://reports.example/x", "zuul_api": "https://z.example/api/tenant/o",
      "zuul_build": {"uuid": "abc"}}, "https://reports.example/x"),
    ({"report_url": "", "zuul_api": "https://z.example/api/tenant/openstack/",
      "zuul_build": {"uuid": "abc"}}, "https://z.example/t/openstack/build/abc"),
    ({"report_url": "", "zuul_api": "https://z.example/api/tenant/o", "zuul_build": None}, ""),
    ({"report_url": None, "zuul_api": None, "zuul_build": {"uuid": "abc"}}, ""),
])
def test_the_alert_names_the_build_page_under_zuul(params, expected):
    assert report_url(params) == expected
