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

"""Reading PyPI's journal (changelog_since_serial) and what each action means."""

import datetime

import pytest
from ansible.module_utils.pypi_guard.allowlist import parse_maintainers_allowlist
from ansible.module_utils.pypi_guard.changelog import (
    ChangelogError,
    JournalEntry,
    changelog_entries,
    entries_since,
    last_serial,
    parse_action,
)
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.watch_rules import judge_entry

from tests.support.fakepypi import FakePyPI

TODAY = datetime.date(2026, 12, 1)


@pytest.mark.parametrize("text, expected", [
    ("create", ("create", None, None, None, None)),
    ("new release", ("new-release", None, None, None, None)),
    ("add source file nova-1.0.tar.gz", ("add-file", None, None, None, "nova-1.0.tar.gz")),
    ("add py3 file nova-1.0-py3-none-any.whl",
     ("add-file", None, None, None, "nova-1.0-py3-none-any.whl")),
    ("remove file nova-1.0.tar.gz", ("remove-file", None, None, None, "nova-1.0.tar.gz")),
    ("remove release", ("remove-release", None, None, None, None)),
    ("remove project", ("remove-project", None, None, None, None)),
    ("yank release", ("yank-release", None, None, None, None)),
    ("unyank release", ("unyank-release", None, None, None, None)),
    ("invite Maintainer mallory", ("invite", "Maintainer", "mallory", None, None)),
    ("revoke_invite Owner mallory", ("revoke-invite", "Owner", "mallory", None, None)),
    ("accepted Owner mallory", ("accepted", "Owner", "mallory", None, None)),
    ("add Owner openstackci", ("add-role", "Owner", "openstackci", None, None)),
    # team names may hold spaces
    ("add Maintainer Release Team", ("add-role", "Maintainer", "Release Team", None, None)),
    ("change Maintainer Release Team to Owner",
     ("change-role", "Maintainer", "Release Team", "Owner", None)),
    ("change Owner openstackci to Maintainer",
     ("change-role", "Owner", "openstackci", "Maintainer", None)),
    ("remove Owner openstackci", ("remove-role", "Owner", "openstackci", None, None)),
    # a user literally called "file" is still a role event
    ("add Owner file", ("add-role", "Owner", "file", None, None)),
    ("project quarantined", ("project-quarantined", None, None, None, None)),
    ("project quarantine cleared", ("project-quarantine-cleared", None, None, None, None)),
    ("release quarantined", ("release-quarantined", None, None, None, None)),
    ("release quarantine cleared", ("release-quarantine-cleared", None, None, None, None)),
    ("set", ("unknown", None, None, None, None)),
    ("add Admin mallory", ("unknown", None, None, None, None)),
    ("", ("unknown", None, None, None, None)),
])
def test_parse_action(text, expected):
    action = parse_action(text)
    assert (action.verb, action.role, action.account, action.new_role,
            action.filename) == expected


def _journal(page_size, rows):
    return {"changelog": {"page_size": page_size, "entries": rows}}


ROWS = [["nova", "1.0", 1767225600 + i, "new release"] for i in range(7)]


def test_pages_follow_until_the_last_serial_whatever_the_page_size():
    with FakePyPI(_journal(3, ROWS)) as pypi, HttpClient(rate_limit=0) as client:
        assert last_serial(client, pypi.url) == 7
        entries = list(changelog_entries(client, pypi.url, 0, 7))
        assert [e.serial for e in entries] == list(range(1, 8))
        # 3 pages (of 3, 3 and 1); it ends at the last serial without asking again
        assert len(pypi.requests_for(endpoint="xmlrpc")) == 4


def test_entries_after_the_starting_last_serial_wait_for_the_next_run():
    with FakePyPI(_journal(50, ROWS)) as pypi, HttpClient(rate_limit=0) as client:
        entries = list(changelog_entries(client, pypi.url, 2, 5))
        assert [e.serial for e in entries] == [3, 4, 5]


def test_nothing_new_costs_no_page():
    with FakePyPI(_journal(50, ROWS)) as pypi, HttpClient(rate_limit=0) as client:
        assert list(changelog_entries(client, pypi.url, 7, 7)) == []
        assert pypi.requests_for(endpoint="xmlrpc") == []


def test_nil_versions_and_cleaned_actions_are_read():
    rows = [["nova", None, 1767225600, "invite Maintainer m\u00e4llory"]]
    with FakePyPI(_journal(50, rows)) as pypi, HttpClient(rate_limit=0) as client:
        (entry,) = entries_since(client, pypi.url, 0)
        assert entry == JournalEntry("nova", None, 1767225600,
                                     "invite Maintainer m&#228;llory", 1)


@pytest.mark.parametrize("body", [
    "<methodResponse><params><param><value><string>x</string></value></param></params>"
    "</methodResponse>",
    "<methodResponse><params><param><value><array><data><value><array><data>"
    "<value><string>nova</string></value></data></array></value></data></array></value>"
    "</param></params></methodResponse>",
    "not xml at all",
])
def test_malformed_answers_are_errors(body):
    scenario = {"faults": {"xmlrpc": {"status": 200, "body": body}}}
    with FakePyPI(scenario) as pypi, HttpClient(rate_limit=0, retries=0) as client:
        with pytest.raises(ChangelogError):
            entries_since(client, pypi.url, 0)


def test_out_of_order_serials_are_an_error():
    from ansible.module_utils.pypi_guard.changelog import _entry
    with pytest.raises(ChangelogError, match="out of order"):
        _entry(["nova", None, 1, "create", 5], 5, "test")
    with pytest.raises(ChangelogError, match="integer"):
        _entry(["nova", None, True, "create", 6], 5, "test")


def test_the_rate_limit_fault_is_waited_out():
    scenario = dict(_journal(50, ROWS),
                    faults={"xmlrpc": {"rate_limited": True, "retry_after": 1, "times": 1}})
    with FakePyPI(scenario) as pypi, HttpClient(rate_limit=0, backoff=0) as client:
        assert last_serial(client, pypi.url) == 7
        assert len(pypi.requests_for(endpoint="xmlrpc")) == 2


# -- the rules ---------------------------------------------------------------

ALLOWLIST = parse_maintainers_allowlist({"pypi_maintainers_allowlist": {
    "required_owners": ["openstackci"],
    "allowed_accounts": ["release-bot"],
    "exceptions": {"nova": [
        {"account": "helper", "role": "Maintainer", "reason": "docs"},
        {"account": "gone", "role": "Owner", "reason": "old", "expires": "2020-01-01"}]},
}}, "allowlist.yaml")
NOVA = ManagedProject("nova", "nova", versions={"30.0.0"})


# What PyPI's JSON ``ownership`` would confirm: user roles on nova.
USER_ROLES = {("openstackci", "Owner"), ("release-bot", "Maintainer"),
              ("helper", "Maintainer")}


def confirm_users(account, role):
    return None if (account.lower(), role) in USER_ROLES else "not a user's role"


def judge(action, version=None, known=("30.0.0",), confirm=confirm_users):
    entry = JournalEntry("nova", version, 1767225600, action, 42)
    judgement = judge_entry(entry, NOVA, ALLOWLIST, set(known), TODAY, confirm)
    return ([(f.kind, f.account, f.role) for f in judgement.findings],
            [w.kind for w in judgement.warnings], judgement.file_action)


@pytest.mark.parametrize("action, version, expected", [
    ("new release", "30.0.0", []),
    ("new release", "30.0", []),  # PEP 440 equality
    ("new release", "99.0.0", [("unexpected-release", None, None)]),
    ("invite Owner openstackci", None, []),
    ("invite Maintainer helper", None, []),
    ("invite Owner helper", None, [("role-invitation", "helper", "Owner")]),
    ("invite Maintainer mallory", None, [("role-invitation", "mallory", "Maintainer")]),
    ("accepted Maintainer mallory", None, [("unexpected-account", "mallory", "Maintainer")]),
    ("add Owner helper", None, [("role-not-allowed", "helper", "Owner")]),
    ("add Maintainer gone", None, [("unexpected-account", "gone", "Maintainer")]),
    ("add Maintainer \u212aevin", None, [("unexpected-account", "\u212aevin", "Maintainer")]),
    ("add Maintainer Some Team", None, [("unexpected-account", "Some Team", "Maintainer")]),
    ("add Maintainer Release-Bot", None, []),
    ("change Owner openstackci to Maintainer", None,
     [("required-owner-removed", "openstackci", "Maintainer")]),
    ("change Maintainer helper to Owner", None, [("role-not-allowed", "helper", "Owner")]),
    ("remove Owner openstackci", None, [("required-owner-removed", "openstackci", "Owner")]),
    ("remove Maintainer helper", None, []),
    ("remove file nova-1.tar.gz", "1", [("removal", None, None)]),
    ("remove release", "1", [("removal", None, None)]),
    ("remove project", None, [("removal", None, None)]),
    ("project quarantined", None, [("quarantined", None, None)]),
    ("release quarantined", "1", [("quarantined", None, None)]),
    ("create", None, [("name-registered", None, None)]),
    ("revoke_invite Owner mallory", None, []),
])
def test_rules(action, version, expected):
    findings, warnings, file_event = judge(action, version)
    assert findings == expected
    assert warnings == []
    assert file_event is None


def test_a_yanked_release_is_a_warning():
    assert judge("yank release", "1")[:2] == ([], ["yanked-release"])


@pytest.mark.parametrize("action", ["set", "add Admin mallory", "transfer to organization x",
                                    "add py3 file x.whl\n", ""])
def test_an_action_that_cannot_be_judged_is_a_finding(action):
    # fail closed: mailed like any finding, never only a warning
    assert judge(action, "1")[:2] == ([("unknown-event", None, None)], [])


def test_an_added_file_is_handed_back_for_its_signature_check():
    findings, warnings, file_event = judge("add py3 file nova-1.0-py3-none-any.whl", "1.0")
    assert (findings, warnings) == ([], [])
    assert file_event.filename == "nova-1.0-py3-none-any.whl"


@pytest.mark.parametrize("action, filename", [
    # the upload form's pyversion is free text: spaces included
    ("add py3 py312 file nova-1.0-py3-none-any.whl", "nova-1.0-py3-none-any.whl"),
    ("add  file nova-1.0.tar.gz", "nova-1.0.tar.gz"),
    ("add cp312 file file nova-1.0-cp312-cp312-linux_x86_64.whl",
     "nova-1.0-cp312-cp312-linux_x86_64.whl"),
])
def test_any_python_version_is_a_file_to_check(action, filename):
    findings, warnings, file_event = judge(action, "1.0")
    assert (findings, warnings) == ([], [])
    assert file_event.filename == filename


def test_a_text_that_is_both_a_file_and_a_team_role_is_judged_as_both():
    # a file uploaded with pyversion "Owner", or Owner given to the team "file x.whl"
    findings, warnings, file_event = judge("add Owner file nova-1.0.tar.gz", "1.0")
    assert findings == [("unexpected-account", "file nova-1.0.tar.gz", "Owner")]
    assert file_event.filename == "nova-1.0.tar.gz"


@pytest.mark.parametrize("action, expected", [
    ("add Owner openstackci", []),
    ("add Maintainer release-bot", []),
    ("change Owner helper to Maintainer", []),
    # a team may carry an allowed name: PyPI lists no such user role
    ("add Maintainer openstackci", [("role-unconfirmed", "openstackci", "Maintainer")]),
    ("add Owner release-bot", [("role-unconfirmed", "release-bot", "Owner")]),
    ("change Maintainer openstackci to Owner", []),
    # invitations and acceptances name users only: nothing to confirm
    ("invite Owner release-bot", []),
    ("accepted Owner release-bot", []),
])
def test_a_role_for_an_allowed_name_is_quiet_only_when_pypi_confirms_it(action, expected):
    assert judge(action)[0] == expected


def test_without_confirmation_an_allowed_grant_is_a_finding():
    assert judge("add Owner openstackci", confirm=None)[0] == [
        ("role-unconfirmed", "openstackci", "Owner")]


def test_a_finding_line_names_project_kind_subject_and_serial():
    entry = JournalEntry("nova", None, 1767225600, "invite Owner mallory", 42)
    (finding,) = judge_entry(entry, NOVA, ALLOWLIST, set(), TODAY).findings
    assert finding.line().startswith("nova: role-invitation: mallory Owner - invited as Owner")
    assert finding.line().endswith("(serial 42)")


# -- one poll ------------------------------------------------------------------

from ansible.module_utils.pypi_guard.pypi_watch import poll  # noqa: E402
from ansible.module_utils.pypi_guard.watch_rules import FileOutcome  # noqa: E402
from ansible.module_utils.pypi_guard.watch_state import (  # noqa: E402
    StateError,
    WatchState,
    parse_state,
)

NOW = 1767225600 + 3600
PROJECTS = {"nova": NOVA}


NOVA_ON_PYPI = {"nova": {"roles": [["Owner", "openstackci"]],
                         "releases": {"30.0.0": {"files": [{"filename": "nova-30.0.0.tar.gz"}]}}}}


def run_poll(rows, state=None, outcomes=None, page_size=50, projects=None, **changelog):
    checked = []

    def check_file(item):
        checked.append(item["filename"])
        return (outcomes or {}).get(item["filename"], FileOutcome([]))

    scenario = _journal(page_size, rows)
    scenario["changelog"].update(changelog)
    scenario["projects"] = NOVA_ON_PYPI if projects is None else projects
    with FakePyPI(scenario) as pypi, HttpClient(rate_limit=0, retries=0) as client:
        result = poll(client, pypi.url, PROJECTS, ALLOWLIST, {"nova": {"29.0.0"}},
                      state or WatchState(0, []), check_file, NOW, 1800, TODAY)
        return result, checked, pypi


def test_other_projects_cost_nothing_and_legitimate_activity_is_quiet():
    rows = [["somebody-else", "1.0", NOW - 60, "new release"],
            ["somebody-else", None, NOW - 60, "invite Owner mallory"],
            ["nova", "30.0.0", NOW - 60, "new release"],
            ["nova", "29.0.0", NOW - 60, "new release"],  # a known release
            ["nova", "30.0.0", NOW - 60, "add source file nova-30.0.0.tar.gz"]]
    result, checked, pypi = run_poll(rows)
    assert (result.findings, result.warnings, result.errors) == ([], [], [])
    assert (result.events_seen, result.events_managed) == (5, 3)
    assert checked == ["nova-30.0.0.tar.gz"]
    assert result.state == WatchState(5, [])
    assert {r.endpoint for r in pypi.requests} == {"xmlrpc"}


def test_a_file_without_signature_is_pending_then_unsigned():
    rows = [["nova", "30.0.0", NOW - 60, "add py3 file nova-30.0.0-py3-none-any.whl"]]
    unsigned = {"nova-30.0.0-py3-none-any.whl": FileOutcome([("unsigned", "no signature")],
                                                            upload_time=NOW - 60)}
    result, _checked, _pypi = run_poll(rows, outcomes=unsigned)
    assert result.findings == []
    assert [w.kind for w in result.warnings] == ["signature-pending"]
    assert [p["filename"] for p in result.state.pending] == ["nova-30.0.0-py3-none-any.whl"]
    # past the grace period the same file is unsigned
    late = {"nova-30.0.0-py3-none-any.whl": FileOutcome([("unsigned", "no signature")],
                                                        upload_time=NOW - 3600)}
    result, checked, _pypi = run_poll(rows, state=result.state, outcomes=late)
    assert checked == ["nova-30.0.0-py3-none-any.whl"]  # rechecked, not read again
    assert [f.kind for f in result.findings] == ["unsigned"]
    assert result.state.pending == []


def test_a_pending_file_that_got_its_signature_is_quiet():
    state = WatchState(1, [{"project": "nova", "version": "30.0.0", "filename": "x.whl",
                            "serial": 1, "timestamp": NOW - 60, "action": "add py3 file x.whl",
                            "upload_time": NOW - 60}])
    result, checked, _pypi = run_poll([["nova", "30.0.0", NOW - 60, "add py3 file x.whl"]],
                                      state=state)
    assert checked == ["x.whl"]
    assert (result.findings, result.warnings, result.state) == ([], [], WatchState(1, []))


def test_an_error_keeps_the_state():
    rows = [["nova", "99.0.0", NOW - 60, "new release"],
            ["nova", "30.0.0", NOW - 60, "add source file nova-30.0.0.tar.gz"]]
    failing = {"nova-30.0.0.tar.gz": FileOutcome([], error="HTTP 503 after 5 attempts")}
    result, _checked, _pypi = run_poll(rows, outcomes=failing)
    assert [f.kind for f in result.findings] == ["unexpected-release"]
    assert result.errors[0]["filename"] == "nova-30.0.0.tar.gz"
    assert result.state == WatchState(0, [])


def test_a_name_the_release_account_registers_is_no_news():
    rows = [["nova", None, NOW, "create"], ["nova", None, NOW, "add Owner openstackci"]]
    result, _checked, pypi = run_poll(rows)
    assert result.findings == []
    # confirmed with one JSON request
    assert [r.endpoint for r in pypi.requests].count("json") == 1
    assert "no news" in result.events[1]["verdict"]
    rows = [["nova", None, NOW, "create"], ["nova", None, NOW, "add Owner mallory"]]
    assert sorted(f.kind for f in run_poll(rows)[0].findings) == [
        "name-registered", "unexpected-account"]


def test_a_team_named_like_the_release_account_fools_nothing():
    # an organization registers the name, and much later gives Owner to its
    # team "openstackci": the journal text is a user's, PyPI's roles say otherwise
    rows = [["nova", None, NOW, "create"]]
    rows += [["somebody-else", "1.0", NOW, "new release"]] * 20
    rows += [["nova", None, NOW, "add Owner openstackci"]]
    on_pypi = {"nova": {"roles": [["Owner", "orgadmin"]], "organization": "acme",
                        "releases": {"1.0": {}}}}
    findings = run_poll(rows, projects=on_pypi)[0].findings
    assert sorted(f.kind for f in findings) == ["name-registered", "role-unconfirmed"]
    (unconfirmed,) = [f for f in findings if f.kind == "role-unconfirmed"]
    assert "organization acme" in unconfirmed.detail
    # a project without an organization that does not list the user either
    on_pypi = {"nova": {"roles": [["Owner", "orgadmin"]], "releases": {"1.0": {}}}}
    findings = run_poll(rows, projects=on_pypi)[0].findings
    assert sorted(f.kind for f in findings) == ["name-registered", "role-unconfirmed"]


def test_a_role_pypi_cannot_confirm_stays_a_finding():
    rows = [["nova", None, NOW, "add Owner openstackci"]]
    # the JSON API does not know the project (404), or has no ownership key
    for on_pypi in ({}, {"nova": {"roles": [["Owner", "openstackci"]], "ownership": False,
                                  "releases": {"1.0": {}}}}):
        result = run_poll(rows, projects=on_pypi)[0]
        assert [f.kind for f in result.findings] == ["role-unconfirmed"]
        assert result.state.serial == 1  # a finding, mailed: not an error


def test_the_state_stops_at_the_last_entry_read():
    rows = [["nova", "30.0.0", NOW, "new release"]] * 3
    # changelog_last_serial says 20, the pages end at 3: 4..20 were never read
    result = run_poll(rows, last_serial=20)[0]
    assert (result.until, result.state.serial) == (3, 3)
    # an answer with no entries moves nothing
    result = run_poll(rows, state=WatchState(3, []), last_serial=20)[0]
    assert (result.until, result.state.serial, result.events_seen) == (3, 3, 0)


def test_evidence_says_why_each_managed_event_is_quiet():
    rows = [["nova", "30.0.0", NOW, "new release"],
            ["somebody-else", "1.0", NOW, "new release"],
            ["nova", "30.0.0", NOW, "add source file nova-30.0.0.tar.gz"],
            ["nova", None, NOW, "revoke_invite Owner mallory"]]
    result = run_poll(rows)[0]
    assert [(e["serial"], e["verdict"]) for e in result.events] == [
        (1, "a release the deliverables or known releases list"),
        (3, "a file: signed by the release key"),
        (4, "an invitation revoked")]
    assert result.events_not_shown == 0


def test_a_file_that_can_never_be_checked_is_one_final_finding():
    rows = [["nova", "30.0.0", NOW - 60, "add source file nova-30.0.0.tar.gz"]]
    never = {"nova-30.0.0.tar.gz": FileOutcome([], unverifiable="no repository known")}
    result, _checked, _pypi = run_poll(rows, outcomes=never)
    assert [(f.kind, f.filename) for f in result.findings] == [
        ("unverifiable-file", "nova-30.0.0.tar.gz")]
    assert result.findings[0].detail.startswith("no repository known: ")
    assert result.errors == []
    assert result.state == WatchState(1, [])  # it leaves, the state advances
    # the next poll does not raise it again
    again, checked, _pypi = run_poll(rows, state=result.state, outcomes=never)
    assert (again.findings, checked) == ([], [])


def test_the_checker_knows_a_project_without_a_repository_can_never_be_checked():
    from ansible.module_utils.pypi_guard.pypi_watch import signature_checker

    extra = ManagedProject("extra-thing", "extra-thing")  # extra_projects: no deliverable
    item = {"project": "extra-thing", "version": "1.0", "filename": "extra_thing-1.0.tar.gz",
            "serial": 1, "timestamp": NOW, "action": "add source file x", "upload_time": NOW}
    with FakePyPI({}) as pypi, HttpClient(rate_limit=0) as client:
        check = signature_checker(client, pypi.url, {"extra-thing": extra},
                                  lambda dist, project: pytest.fail("no download"),
                                  "https://tarballs.example/{namespace}/{repo}/{filename}.asc")
        outcome = check(item)
        assert pypi.requests == []
    assert "no repository for extra-thing" in outcome.unverifiable
    assert "pypi_guard_signature_url" in outcome.unverifiable


def test_small_pages_give_the_same_result():
    rows = [["nova", f"{i}.0", NOW, "new release"] for i in range(40, 47)]
    big = run_poll(rows, page_size=50)[0]
    small = run_poll(rows, page_size=2)[0]
    assert [f.version for f in small.findings] == [f.version for f in big.findings]
    assert small.state == big.state == WatchState(7, [])


@pytest.mark.parametrize("data", [
    None, [], {"version": 2, "serial": 1, "pending": []},
    {"version": 1, "serial": "1", "pending": []},
    {"version": 1, "serial": True, "pending": []},
    {"version": 1, "serial": 1, "pending": [{"project": "nova"}]},
])
def test_a_bad_state_is_refused(data):
    with pytest.raises(StateError, match="state.json"):
        parse_state(data, "state.json")


# -- polling ---------------------------------------------------------------------

from ansible.module_utils.pypi_guard.pypi_watch import PollResult, watch  # noqa: E402


def _result(state, until, kinds=()):
    findings = [judge_entry(JournalEntry("nova", None, NOW, f"invite Owner {account}", until),
                            NOVA, ALLOWLIST, set(), TODAY).findings[0] for account in kinds]
    return PollResult(state.serial, until, 1, 1, findings, [], [], WatchState(until, []))


def test_each_poll_is_mailed_at_that_poll_and_the_state_follows():
    plan = iter([("a",), (), ("b", "c")])
    events, kept = [], []

    def do_poll(state):
        events.append(("poll", state.serial))
        return _result(state, state.serial + 1, next(plan))

    def deliver(result):
        events.append(("mail", [f.account for f in result.findings]))
        return True

    run = watch(WatchState(0, []), 3, 5.0, do_poll, deliver, kept.append,
                sleep=lambda seconds: events.append(("sleep", seconds)), clock=lambda: 0.0)
    assert events == [("poll", 0), ("mail", ["a"]), ("sleep", 5.0), ("poll", 1),
                      ("sleep", 5.0), ("poll", 2), ("mail", ["b", "c"])]
    assert [s.serial for s in kept] == [1, 2, 3]
    assert (run.state.serial, run.mails, run.all_errors()) == (3, 2, [])


def test_a_mail_that_fails_ends_the_run_and_keeps_the_state():
    def do_poll(state):
        return _result(state, state.serial + 1, ("a",))

    def deliver(result):
        raise OSError("connection refused")

    kept = []
    run = watch(WatchState(7, []), 3, 0, do_poll, deliver, kept.append, sleep=lambda s: None)
    assert kept == [] and run.state == WatchState(7, [])
    assert len(run.polls) == 1
    assert run.all_errors()[0]["detail"].startswith("poll 1: the alert could not be sent")


def test_a_poll_that_fails_keeps_the_state_and_the_next_poll_goes_on():
    outcomes = iter([ChangelogError("HTTP 503 after 5 attempts"), None])

    def do_poll(state):
        error = next(outcomes)
        if error:
            raise error
        return _result(state, 9)

    kept = []
    run = watch(WatchState(7, []), 2, 0, do_poll, lambda r: True, kept.append,
                sleep=lambda s: None)
    assert [s.serial for s in kept] == [9]
    assert run.all_errors() == [{"project": "(changelog)",
                                 "detail": "poll 1: HTTP 503 after 5 attempts"}]


def test_a_file_larger_than_allowed_is_unverifiable_without_a_download():
    from ansible.module_utils.pypi_guard.pypi_watch import signature_checker

    item = {"project": "nova", "version": "30.0.0", "filename": "nova-30.0.0.tar.gz",
            "serial": 1, "timestamp": NOW, "action": "add source file nova-30.0.0.tar.gz",
            "upload_time": NOW}
    scenario = {"projects": {"nova": {"releases": {"30.0.0": {"files": [
        {"filename": "nova-30.0.0.tar.gz", "content": "x" * 2000}]}}}}}
    with FakePyPI(scenario) as pypi, HttpClient(rate_limit=0) as client:
        check = signature_checker(client, pypi.url, PROJECTS,
                                  lambda dist, project: pytest.fail("no download"),
                                  "https://tarballs.example/{filename}.asc", 1000)
        outcome = check(item)
        assert [r.endpoint for r in pypi.requests] == ["json"]
    assert outcome.unverifiable == ("PyPI gives its size as 2000 bytes, more than the 1000 "
                                    "allowed (pypi_guard_max_file_size)")


def test_the_state_says_where_it_came_from():
    assert parse_state({"version": 1, "serial": 3, "pending": []},
                       "the state of build abc (https://logs/x)").source == \
        "the state of build abc (https://logs/x)"
