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

"""The changelog watch playbook, run with the real ansible-playbook against the
fake PyPI (with a journal), the fake tarballs site and a real SMTP server.

It lives beside the signature audit's tests because an added file is checked
exactly as the signature audit checks it: the same signed world (conftest.py).
"""

import json
import re
import time

import pytest

from tests.support.fakepypi import FakePyPI
from tests.support.playbook import run_playbook
from tests.support.signed_releases import REPOS
from tests.support.smtpsink import SmtpSink

PLAYBOOK = "playbooks/pypi-watch/run.yaml"
SIGNATURE_URL = "{namespace}/{repo}/{filename}.asc"
NOW = int(time.time())


def without_reach(state):
    """The state without the release account's reach it keeps (reach.py)."""
    return {key: value for key, value in state.items() if key != "reach"}


@pytest.fixture
def watch(tmp_path, world, tarballs, scratch):
    """Run the playbook once, with one state file for the whole test."""
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  allowed_accounts: [release-bot]\n")
    known = tmp_path / "pypi-releases.yaml"
    known.write_text("pypi_release_audit_known_releases: {}\n")

    def run(pypi, smtp=None, **extra):
        variables = {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_releases_repo": str(world.releases),
            "pypi_guard_report_dir": str(tmp_path / "reports"),
            "pypi_guard_retries": 0,
            "pypi_guard_timeout": 5,
            "pypi_guard_rate_limit": 0,
            "pypi_guard_allowlist_file": str(allowlist),
            "pypi_guard_known_releases_file": str(known),
            "pypi_watch_state_file": str(tmp_path / "state.json"),
            "pypi_guard_signature_url": f"{tarballs.url}/{SIGNATURE_URL}",
            "pypi_watch_since_serial": 0,
        }
        if smtp:
            variables.update({
                "pypi_guard_notify_to": ["release-team@example.org"],
                "pypi_guard_smtp_host": smtp.host, "pypi_guard_smtp_port": smtp.port})
        variables.update(extra)
        env = {"TMPDIR": str(scratch), "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-local"),
               "ANSIBLE_REMOTE_TMP": str(scratch / "ansible-remote")}
        result = run_playbook(PLAYBOOK, variables, env=env)
        report = tmp_path / "reports" / "pypi-watch.json"
        result.report = json.loads(report.read_text()) if report.exists() else None
        state = tmp_path / "state.json"
        result.state = json.loads(state.read_text()) if state.exists() else None
        report.unlink(missing_ok=True)
        return result

    return run


def scenario(world, entries, page_size=50000, **extra):
    base = world.scenario(list(REPOS))
    base["changelog"] = {"page_size": page_size, "entries": entries}
    base.update(extra)
    return base


LEGITIMATE = [
    ["somebody-else", "1.0", NOW - 600, "new release"],
    ["somebody-else", None, NOW - 600, "invite Owner mallory"],
    ["nova", "2.0.0", NOW - 600, "new release"],
    ["nova", "2.0.0", NOW - 600, "add source file nova-2.0.0.tar.gz"],
    ["nova", "2.0.0", NOW - 600, "add py3 file nova-2.0.0-py3-none-any.whl"],
    ["oslo.config", None, NOW - 600, "invite Maintainer release-bot"],
]
DRIFT = [
    ["nova", None, NOW - 300, "invite Maintainer mallory"],
    ["nova", "99.0.0", NOW - 300, "new release"],
    ["glance", "0.3.0", NOW - 300, "add source file glance-0.3.0.tar.gz"],
    ["oslo.config", None, NOW - 300, "change Owner openstackci to Maintainer"],
    ["fooclient", "1.0.0", NOW - 300, "remove release"],
    ["cinder", None, NOW - 300, "project quarantined"],
    ["nova", "1.0.0", NOW - 300, "yank release"],
    ["nova", None, NOW - 300, "transfer to organization acme"],
]


def test_legitimate_activity_is_quiet_and_costs_no_other_request(world, watch):
    with FakePyPI(scenario(world, LEGITIMATE)) as pypi, SmtpSink() as smtp:
        result = watch(pypi, smtp)
        endpoints = [(r.endpoint, r.project) for r in pypi.requests]
    assert result.returncode == 0, result.output
    assert smtp.messages == []
    assert result.report["status"] == "clean"
    assert (result.report["events_seen"], result.report["events_managed"]) == (6, 4)
    assert (result.report["serial_from"], result.report["serial_to"]) == (0, 6)
    assert without_reach(result.state) == {"version": 1, "serial": 6, "pending": []}
    # the release account's reach, kept for the next runs of the hour
    assert result.state["reach"]["accounts"] == ["openstackci"]
    # the changelog, plus per added file of a managed project its JSON and bytes
    assert sorted(set(endpoints)) == [("file", "nova"), ("json", "nova"), ("xmlrpc", None)]
    assert len([e for e in endpoints if e[0] == "json"]) == 2


def test_every_rule_is_one_mail_and_never_twice(world, watch):
    with FakePyPI(scenario(world, LEGITIMATE + DRIFT)) as pypi, SmtpSink() as smtp:
        first = watch(pypi, smtp)
        second = watch(pypi, smtp)
        asked_again = [r.endpoint for r in pypi.requests[-2:]]
    assert first.returncode != 0
    kinds = sorted((f["project"], f["kind"]) for f in first.report["findings"])
    assert kinds == [("cinder", "quarantined"), ("fooclient", "removal"),
                     ("glance", "wrong-key"), ("nova", "role-invitation"),
                     ("nova", "unexpected-release"), ("nova", "unknown-event"),
                     ("oslo.config", "required-owner-removed")]
    # an action it cannot judge is mailed like any finding
    assert [w["kind"] for w in first.report["warnings"]] == ["yanked-release"]
    for item in first.report["findings"] + first.report["warnings"]:
        assert {"project", "kind", "detail", "serial", "timestamp", "action", "account",
                "role", "version", "filename"} <= set(item)
    for line in ("nova: role-invitation: mallory Maintainer",
                 "oslo.config: required-owner-removed: openstackci Maintainer"):
        assert line in first.output
    ((_sender, _to, mail),) = smtp.messages
    assert mail["Subject"].startswith("[pypi-guard] 7 PyPI events to act on: role-invitation")
    text = mail.get_body(("plain",)).get_content()
    assert "glance: wrong-key: 0.3.0 glance-0.3.0.tar.gz" in text
    assert "nova: unknown-event: " in text and "transfer to organization acme" in text
    # the most urgent first: the invitation before files and releases
    assert text.index("role-invitation") < text.index("wrong-key") < text.index(
        "unexpected-release")
    assert mail.get_body(("html",)) is not None
    assert first.state["serial"] == len(LEGITIMATE + DRIFT)
    # nothing new: quiet, no mail, one changelog call
    assert second.returncode == 0, second.output
    assert second.report["events_seen"] == 0
    assert len(smtp.messages) == 1
    assert asked_again == ["xmlrpc"] or asked_again[-1] == "xmlrpc"


def test_a_file_waits_for_its_signature_then_is_unsigned(world, watch, tmp_path):
    fresh = {"nova": {"releases": {"3.0.0": {
        "upload_time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(NOW - 60)),
        "files": [{"filename": "nova-3.0.0.tar.gz", "content": "new bytes"}]}}}}
    entries = [["nova", "3.0.0", NOW - 60, "add source file nova-3.0.0.tar.gz"]]
    base = scenario(world, entries)
    base["projects"]["nova"]["releases"].update(fresh["nova"]["releases"])
    known = tmp_path / "pypi-releases.yaml"
    with FakePyPI(base) as pypi, SmtpSink() as smtp:
        pending = watch(pypi, smtp)
        known.write_text('pypi_release_audit_known_releases: {}\n')
        late = watch(pypi, smtp, pypi_watch_signature_grace=0)
    assert pending.returncode == 0, pending.output
    assert [w["kind"] for w in pending.report["warnings"]] == ["signature-pending"]
    assert [p["filename"] for p in pending.state["pending"]] == ["nova-3.0.0.tar.gz"]
    assert [m["Subject"].split(":")[0] for _s, _t, m in smtp.messages] == [
        "[pypi-guard] 1 PyPI event to act on"]
    assert late.returncode != 0
    assert [f["kind"] for f in late.report["findings"]] == ["unsigned"]
    assert late.state["pending"] == []


def test_a_mail_that_cannot_be_sent_keeps_the_state_and_alerts_again(world, watch):
    drift = [["nova", None, NOW - 300, "invite Maintainer mallory"]]
    with FakePyPI(scenario(world, drift)) as pypi:
        with SmtpSink(refuse_data=True) as refusing:
            failed = watch(pypi, refusing)
        with SmtpSink() as smtp:
            again = watch(pypi, smtp)
    assert failed.returncode != 0
    assert "the alert could not be sent" in failed.output
    assert failed.state is None or without_reach(failed.state) == {
        "version": 1, "serial": 0, "pending": []}
    assert again.returncode != 0
    ((_sender, _to, mail),) = smtp.messages
    assert "role-invitation" in mail.get_body(("plain",)).get_content()
    assert again.state["serial"] == 1


def test_an_outage_keeps_the_state(world, watch):
    drift = [["nova", None, NOW - 300, "invite Maintainer mallory"]]
    outage = scenario(world, drift, faults={"xmlrpc": {"status": 503}})
    with FakePyPI(scenario(world, LEGITIMATE[:1])) as pypi, SmtpSink() as smtp:
        assert watch(pypi, smtp).returncode == 0
        pypi.set_scenario(outage)
        failed = watch(pypi, smtp)
    assert failed.returncode != 0
    assert "HTTP 503" in failed.output
    assert without_reach(failed.state) == {"version": 1, "serial": 1, "pending": []}
    assert smtp.messages == []


def test_paging_reads_every_page(world, watch):
    entries = [["nova", None, NOW - 300, "invite Maintainer release-bot"]] * 9 + DRIFT[:1]
    with FakePyPI(scenario(world, entries, page_size=3)) as pypi:
        result = watch(pypi)
        pages = [r for r in pypi.requests if r.endpoint == "xmlrpc"]
    assert result.returncode != 0
    assert result.report["events_seen"] == 10
    # the last serial once (where the run starts is checked against it, and
    # the first poll reads up to it), 4 pages of at most 3, and user_packages
    assert [r.rpc_method for r in pages] == ["changelog_last_serial", "user_packages"] + [
        "changelog_since_serial"] * 4
    assert result.report["mails_sent"] == 0  # nobody to mail: the report says so


FLOOD = 100_000
FLOOD_ACTIONS = ["new release", "remove file {project}-{n}.tar.gz", "yank release",
                 "frobnicate {n}"]
MAIL_BOUND = 1024 * 1024  # what the docs promise: well under 1 MB
HTML_BOUND = 3 * 1024 * 1024


def test_a_flood_is_one_bounded_mail_that_names_the_invitation(world, watch, tmp_path):
    projects = ["nova", "glance", "oslo.config", "cinder"]
    rows = []
    for n in range(FLOOD):
        project = projects[n % len(projects)]
        if n == FLOOD * 3 // 4:
            rows.append(("glance", None, NOW - 300, "invite Maintainer mallory"))
            continue
        rows.append((project, f"90.{n}.0", NOW - 300,
                     FLOOD_ACTIONS[n % len(FLOOD_ACTIONS)].format(project=project, n=n)))
    with FakePyPI(scenario(world, [])) as pypi, SmtpSink() as smtp:
        pypi.journal.extend(rows)
        started = time.monotonic()
        result = watch(pypi, smtp)
        elapsed = time.monotonic() - started
        report_html = (tmp_path / "reports" / "pypi-watch.html").read_text()
        again = watch(pypi, smtp)
    print(f"flood of {FLOOD} managed events: the playbook took {elapsed:.1f} s")
    assert elapsed < 600, "a run must end within the poll interval (10 minutes)"
    assert result.returncode != 0
    assert result.report["events_managed"] == FLOOD
    # the JSON report is complete
    assert len(result.report["findings"]) == FLOOD - FLOOD // 4
    assert len(result.report["warnings"]) == FLOOD // 4
    ((_sender, _to, mail),) = smtp.messages  # one mail, and not twice
    size = len(mail.as_bytes())
    print(f"the alert mail: {size} bytes")
    assert size < MAIL_BOUND
    text = mail.get_body(("plain",)).get_content()
    named, counted = text.split("Not named above:")
    # the invitation hidden in the flood is the first finding named
    assert named.splitlines()[2].startswith("  glance: role-invitation: mallory Maintainer")
    assert re.search(r"^ +\d+ +unexpected-release +nova\r?$", counted, re.M)
    html = mail.get_body(("html",)).get_content()
    assert "mallory" in html and "more rows not shown" in html
    print(f"the HTML report: {len(report_html.encode())} bytes")
    assert len(report_html.encode()) < HTML_BOUND
    assert "more rows not shown" in report_html and "74000 more rows" in report_html
    assert "Projects checked" not in report_html
    # the module's answer to Ansible is bounded too
    assert len(result.output) < 2 * 1024 * 1024
    assert again.returncode == 0 and again.report["events_seen"] == 0


def test_a_file_no_one_can_check_is_one_final_finding(world, watch, tmp_path):
    # extra_projects: managed, but no deliverable names its repository, and the
    # signature URL needs one: the file can never be checked
    allowlist = tmp_path / "with-extra.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  extra_projects: [extra-thing]\n")
    entries = [["extra-thing", "1.0", NOW - 300, "add source file extra_thing-1.0.tar.gz"]]
    with FakePyPI(scenario(world, entries)) as pypi, SmtpSink() as smtp:
        first = watch(pypi, smtp, pypi_guard_allowlist_file=str(allowlist))
        second = watch(pypi, smtp, pypi_guard_allowlist_file=str(allowlist))
        asked = [r.endpoint for r in pypi.requests]
    assert first.returncode != 0
    (found,) = first.report["findings"]
    assert (found["kind"], found["filename"]) == ("unverifiable-file", "extra_thing-1.0.tar.gz")
    assert "no repository for extra-thing" in found["detail"]
    assert first.report["errors"] == []
    assert (first.state["serial"], first.state["pending"]) == (1, [])
    # mailed once; the next run is quiet and asks nothing about the file
    assert second.returncode == 0, second.output
    assert len(smtp.messages) == 1
    assert "json" not in asked and "file" not in asked


def test_a_clean_watch_shows_its_evidence(world, watch, tmp_path):
    with FakePyPI(scenario(world, LEGITIMATE)) as pypi:
        result = watch(pypi)
    assert result.returncode == 0, result.output
    html = (tmp_path / "reports" / "pypi-watch.html").read_text()
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "Projects checked" not in html
    assert "after 0 up to 6" in html
    assert "after serial 0 (since_serial)" in html
    verdicts = [(e["serial"], e["verdict"]) for e in result.report["events"]]
    assert verdicts == [
        (3, "a release the deliverables or known releases list"),
        (4, "a file: signed by the release key"),
        (5, "a file: signed by the release key"),
        (6, "an allowed account invited")]
    for _serial, verdict in verdicts:
        assert verdict in html
    assert "serials 0..6, 6 events, 4 managed" in index


def test_the_release_accounts_reach_is_watched_and_read_at_most_hourly(world, watch):
    """python-foo: no deliverable names it, but the release account holds a
    role on it (account-only): its events are judged like a managed
    project's. The reach is read once and kept in the state for the hour."""
    entries = [["python-foo", None, NOW - 300, "invite Maintainer mallory"]]
    pypi_scenario = scenario(world, entries)
    pypi_scenario["projects"]["python-foo"] = {
        "roles": [["Owner", "openstackci"]],
        "releases": {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}}
    with FakePyPI(pypi_scenario) as pypi:
        first = watch(pypi)
        first_calls = [r.rpc_method for r in pypi.requests if r.endpoint == "xmlrpc"]
        pypi.reset_log()
        again = watch(pypi)
        again_calls = [r.rpc_method for r in pypi.requests if r.endpoint == "xmlrpc"]
    assert first.returncode != 0
    assert [(f["project"], f["kind"]) for f in first.report["findings"]] == [
        ("python-foo", "role-invitation")]
    assert first.report["managed_set"]["classes"]["python-foo"] == "account-only"
    assert first_calls.count("user_packages") == 1
    assert first.state["reach"]["projects"]["python-foo"] == [
        "python-foo", [["openstackci", "Owner"]]]
    # the next run, within the hour: the kept reach, no user_packages
    assert "user_packages" not in again_calls
    assert again.state["reach"] == first.state["reach"]


def test_a_reach_that_cannot_be_read_fails_the_watch(world, watch):
    with FakePyPI(scenario(world, LEGITIMATE, faults={
            "xmlrpc": {"rate_limited": True, "retry_after": 0,
                       "method": "user_packages"}})) as pypi:
        result = watch(pypi)
    assert result.returncode != 0
    assert "(every project): error: the release account's reach could not be read" \
        in result.output
