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
import time

import pytest
from fakepypi import FakePyPI
from playbook import run_playbook
from sigaudit_helpers import REPOS
from smtpsink import SmtpSink

PLAYBOOK = "playbooks/pypi-watch/run.yaml"
SIGNATURE_URL = "{namespace}/{repo}/{filename}.asc"
NOW = int(time.time())


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
            "pypi_watch_allowlist_file": str(allowlist),
            "pypi_watch_known_releases_file": str(known),
            "pypi_watch_state_file": str(tmp_path / "state.json"),
            "pypi_watch_signature_url": f"{tarballs.url}/{SIGNATURE_URL}",
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
    assert result.state == {"version": 1, "serial": 6, "pending": []}
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
                     ("nova", "unexpected-release"),
                     ("oslo.config", "required-owner-removed")]
    assert sorted(w["kind"] for w in first.report["warnings"]) == [
        "unknown-event", "yanked-release"]
    for item in first.report["findings"] + first.report["warnings"]:
        assert {"project", "kind", "detail", "serial", "timestamp", "action", "account",
                "role", "version", "filename"} <= set(item)
    for line in ("nova: role-invitation: mallory Maintainer",
                 "oslo.config: required-owner-removed: openstackci Maintainer"):
        assert line in first.output
    ((_sender, _to, mail),) = smtp.messages
    assert mail["Subject"].startswith("[pypi-guard] 6 PyPI events to act on")
    text = mail.get_body(("plain",)).get_content()
    assert "glance: wrong-key: 0.3.0 glance-0.3.0.tar.gz" in text
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
    assert failed.state in (None, {"version": 1, "serial": 0, "pending": []})
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
    assert failed.state == {"version": 1, "serial": 1, "pending": []}
    assert smtp.messages == []


def test_paging_reads_every_page(world, watch):
    entries = [["nova", None, NOW - 300, "invite Maintainer release-bot"]] * 9 + DRIFT[:1]
    with FakePyPI(scenario(world, entries, page_size=3)) as pypi:
        result = watch(pypi)
        pages = [r for r in pypi.requests if r.endpoint == "xmlrpc"]
    assert result.returncode != 0
    assert result.report["events_seen"] == 10
    # the last serial (checking where the run starts), again for the poll,
    # then 4 pages of at most 3
    assert len(pages) == 2 + 4
    assert result.report["mails_sent"] == 0  # nobody to mail: the report says so
