#!/usr/bin/python
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

"""Ansible module: watch PyPI's changelog for events on the managed projects."""

DOCUMENTATION = r"""
---
module: pypi_watch
short_description: Watch PyPI's changelog and alert on events the release process does not explain
description:
  - Reads PyPI's journal with XML-RPC C(changelog_last_serial) and
    C(changelog_since_serial) (the methods Warehouse documents as fully
    supported, for mirrors) after the serial its state holds, page by page
    whatever the index's page size, one page in memory at a time, and judges
    every entry of a managed project (the set the audits use, with the
    allowlist's C(extra_projects) and C(ignored_projects)), and of every project
    the release account (C(required_owners)) holds a role on, as XML-RPC
    C(user_packages) says (read at most once an hour and kept in the state; a
    run that cannot read it fails). Entries of other projects cost nothing.
  - "Findings (fail the run, and are mailed at the poll that saw them):
    C(unexpected-release), C(role-invitation), C(unexpected-account),
    C(role-not-allowed), C(role-unconfirmed), C(required-owner-removed),
    C(removal), C(quarantined), C(name-registered), C(unknown-event),
    C(unverifiable-file), and for a file added to a release the signature
    audit's C(unsigned), C(bad-signature), C(wrong-key), C(signed-outside-window),
    C(digest-mismatch). Warnings: C(signature-pending) (a file without its
    C(.asc) within O(signature_grace) minutes of its upload, checked again at
    every run meanwhile), C(yanked-release)."
  - A role given to a name the allowlist allows (C(add), C(change)) is quiet
    only when the project's JSON C(ownership) lists that user with that role
    and no organization owns the project (the journal writes a team's role as
    a user's); else C(role-unconfirmed). A C(name-registered) finding is
    dropped only on such a confirmed C(add Owner) of the release account.
  - "State: the serial up to which events were handled and the files still
    waiting for their signature. It is read from O(state_file) when that file
    exists, else, through Zuul's REST API O(zuul_api), from the newest
    complete build of the running build's own job, project, pipeline and
    branch (O(zuul_build)) that returned it (the API's filters, and every
    build of the answer checked again: any other build in it is an error),
    else the run starts after O(since_serial) (the first run, when told so).
    Nothing else: no state found is an error saying where it looked, and a
    state or O(since_serial) above PyPI's C(changelog_last_serial) is an
    error, never adopted (it would skip events never read). It advances only
    after a poll's alerts were delivered: a poll that could not read the
    changelog, check a file or send its mail leaves it where it was, so the
    next run raises the same alert."
  - O(polls) polls, O(interval) seconds apart, in one run. Each poll that finds
    something sends one mail to O(settings.notify_to) (subject starting C([pypi-guard])),
    bounded well under 1 MB whatever the number of findings - the 100 most
    urgent named in full with what to do (role invitations and account
    changes before files and releases), the others counted per kind and
    project, and O(report_url); the C(text/html) part shows the same findings.
    Every part of the mail escapes control and bidirectional characters.
  - Writes C(pypi-watch.json) (every finding) and C(pypi-watch.html) (at most
    1000 rows a table, the rest counted; the state's source, the serials read
    and one row per managed event with its verdict) into O(settings.report_dir), and the
    state to O(state_file) after every poll that advanced it. In check mode it
    reads and judges but neither mails nor writes anything.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment:
  - pypi_guard_settings
  - pypi_guard_notify
options:
  state_file:
    description: Where the state is kept (JSON, written atomically).
    type: path
  zuul_api:
    description:
      - Zuul's tenant API, e.g. C(https://zuul.opendev.org/api/tenant/openstack),
        to read the state of the previous build when O(state_file) does not exist.
        Needs O(zuul_build).
    type: str
  zuul_build:
    description:
      - The running build, whose own job, project, pipeline and branch are the
        only builds whose state is taken (under Zuul, from C(zuul.job),
        C(zuul.project.name), C(zuul.pipeline) and C(zuul.branch)).
    type: dict
    suboptions:
      job_name:
        description: The job.
        type: str
        required: true
      project:
        description: The project the build runs for.
        type: str
        required: true
      pipeline:
        description: Its pipeline.
        type: str
        required: true
      branch:
        description: Its branch.
        type: str
        required: true
  since_serial:
    description:
      - Without a state (the first run), start after this serial. Never above
        PyPI's C(changelog_last_serial).
    type: int
  polls:
    description: Polls in this run.
    type: int
    default: 1
  interval:
    description: Seconds from the start of one poll to the start of the next.
    type: float
    default: 60.0
  signature_grace:
    description: Minutes after its upload a file may wait for its C(.asc) before it is unsigned.
    type: int
    default: 30
  series_status_file:
    description: The series file with the signing keys (default inside O(settings.releases_repo)).
    type: path
  keys_dir:
    description: Directory of the public keys (default inside O(settings.releases_repo)).
    type: path
  download_timeout:
    description: Seconds one download may take.
    type: float
    default: 600.0
  report_url:
    description:
      - Where the full report will be read (the build's page), named in every
        alert mail. Empty, the mail says the report is in the job's logs.
    type: str
    default: ""
notes:
  - Supports check mode.
  - PyPI does not journal organization or team membership changes or trusted
    publisher changes; the daily maintainer audit and the signature check of
    every new file cover them.
requirements:
  - requests, PyYAML, Jinja2, packaging, jsonschema, defusedxml, python-gnupg and gpg
"""

EXAMPLES = r"""
- name: Watch PyPI for ten minutes, one poll a minute
  pypi_watch:
    settings:
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      allowlist_file: vars/pypi-maintainers.yaml
      known_releases_file: vars/pypi-releases.yaml
      notify_to: [release-team@example.org]
      report_dir: /home/zuul/logs
    state_file: /home/zuul/logs/pypi-watch-state.json
    zuul_api: https://zuul.opendev.org/api/tenant/openstack
    polls: 10
    interval: 60
"""

RETURN = r"""
status:
  description: C(clean), C(drift) (findings) or C(error) (a read, check or mail failed).
  returned: always
  type: str
report:
  description:
    - The report, as written to C(pypi-watch.json), its C(findings),
      C(warnings) and C(errors) cut to 200 items (C(findings_total),
      C(warnings_total) and C(errors_total) count them all). Findings and warnings have
      C(project), C(kind), C(detail), C(serial), C(timestamp), C(action), and
      C(account), C(role), C(version), C(filename) where they apply.
    - C(serial_from) and C(serial_to) give the range read, C(events_seen) and
      C(events_managed) how many entries it held and how many were about managed
      projects, C(events) one row per managed entry with its C(verdict) (the
      first 1000; C(events_not_shown) counts the rest), C(start) how the first poll's starting serial was chosen,
      C(mails_sent) and C(state) what the run left.
  returned: always
  type: dict
problems:
  description: One line per finding and per error.
  returned: always
  type: list
  elements: str
warning_lines:
  description: One line per warning.
  returned: always
  type: list
  elements: str
state:
  description: The state the next run starts from (C(version), C(serial), C(pending)).
  returned: always
  type: dict
mails_sent:
  description: How many alert mails were sent.
  returned: always
  type: int
report_json:
  description: Path of the JSON report.
  returned: when a report was written
  type: str
report_html:
  description: Path of the HTML report.
  returned: when a report was written
  type: str
rreport_artifacts:
  description:
    - The build artifacts that link the reports (HTML, JSON, and the
      C(index.html) beside them) from the build page, for C(zuul_return);
      empty outside Zuul (no O(settings.zuul_log_root)) and for a report
      written outside the log root.
  returned: always
  type: list
  elements: dict
  sample: [{name: "PyPI maintainers audit", url: "pypi-maintainers-audit.html",
            metadata: {type: audit_report}}]
failure:
  description:
    - Why the role fails the job, one line each (the title, the status and
      the count, every problem, then RV(report_error)); empty for a clean
      run whose reports were written.
  returned: always
  type: str
eport_error:
  description: Why the reports could not be written (empty when they were).
  returned: always
  type: str
"""

import itertools  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    MaintainersAllowlist,
    load_known_releases,
    maintainers_allowlist_from_params,
)
from ansible.module_utils.pypi_guard.audit import (  # noqa: E402
    REPORTS,
    AuditResult,
    audited_projects,
    finish,
    http_client,
    run_audit_module,
    utc_today,
)
from ansible.module_utils.pypi_guard.changelog import last_serial  # noqa: E402
from ansible.module_utils.pypi_guard.errors import AuditInputError  # noqa: E402
from ansible.module_utils.pypi_guard.gpg import GnupgHome, SigningError  # noqa: E402
from ansible.module_utils.pypi_guard.http import (  # noqa: E402
    DEFAULT_DOWNLOAD_TIMEOUT,
    FetchError,
)
from ansible.module_utils.pypi_guard.keys import (  # noqa: E402
    input_paths,
    load_release_keys,
    load_series_keys,
)
from ansible.module_utils.pypi_guard.release_team_notify import (  # noqa: E402
    SMTP_ARGUMENT_SPEC,
    NotifyError,
    build_message,
    check_smtp_options,
    send_with_options,
)
from ansible.module_utils.pypi_guard.report import build_report, render_html  # noqa: E402
from ansible.module_utils.pypi_guard.release_signature_audit import (  # noqa: E402
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_SIGNATURE_URL,
    check_file,
    parse_max_file_size,
    parse_signature_url,
)
from ansible.module_utils.pypi_guard.text import printable  # noqa: E402
from ansible.module_utils.pypi_guard.pypi_watch import (  # noqa: E402
    StateError,
    WatchRun,
    WatchState,
    MAX_ALERT_FINDINGS,
    by_urgency,
    ZuulBuild,
    check_serial,
    compose_watch_alert,
    poll,
    read_state_file,
    signature_checker,
    watch,
    MAX_EVENT_ROWS,
    write_state_file,
    zuul_state,
)
from ansible.module_utils.pypi_guard.reach import (  # noqa: E402
    add_reach,
    reach_unreadable,
    watched_reach,
)

AUDIT = "pypi_watch"


def initial_state(params, client):
    """``(state, how it was found)``: the state file, the state of the last
    complete build of the running build's own job, project, pipeline and
    branch, or ``since_serial``; anything else is an error (StateError).
    Whatever its source, a state above PyPI's ``changelog_last_serial`` is
    refused."""
    last = last_serial(client, params["pypi_url"])
    if params["state_file"]:
        state = read_state_file(params["state_file"])
        if state is not None:
            where = f"state file {params['state_file']}"
            return check_serial(state, last, where), where
    looked = []
    if params["zuul_api"]:
        build = params["zuul_build"]
        if not build:
            raise StateError("zuul_api needs zuul_build: which builds may hand the state on")
        build = ZuulBuild(params["zuul_api"], build["job_name"], build["project"],
                          build["pipeline"], build["branch"])
        found = zuul_state(client, build)
        if found is not None:
            state, uuid = found
            where = f"the state of build {uuid} ({build.describe()})"
            return check_serial(state, last, where), where
        looked.append(f"the last complete builds of {build.describe()}")
    if params["since_serial"] is not None:
        state = WatchState(params["since_serial"], [])
        where = f"no state: after serial {params['since_serial']} (since_serial)"
        return check_serial(state, last, "since_serial"), where
    if params["state_file"]:
        looked.insert(0, f"state file {params['state_file']}")
    raise StateError(
        f"no trusted state found (looked in: {'; '.join(looked) or 'nowhere'}): nothing "
        "says where the last run stopped. For the first run, set pypi_watch_since_serial "
        "on the trusted job (e.g. PyPI's current changelog_last_serial)")


def alert_message(params, result):
    """The bounded mail of one poll's result: the text part names the most
    urgent findings, the HTML part shows the same ones; the rest are counted."""
    spec = REPORTS[AUDIT]
    subject, text, named = compose_watch_alert(result.findings, params["pypi_url"],
                                               params["report_url"])
    shown = {id(finding) for finding in named}

    def rows(items, limit):
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
    return build_message(params["notify_from"], params["notify_to"], subject, text, html)


def mailer(params, check_mode):
    """``deliver(poll_result)``: one mail with the poll's findings; says
    whether it sent one."""
    def deliver(result):
        if check_mode or not params["notify_to"]:
            return False
        send_with_options(alert_message(params, result), params)
        return True
    return deliver


def run(params, check_mode=False, now=time.time):
    """Run the watch; returns the module result. Bad input raises
    AuditInputError before any request."""
    if params["polls"] < 1 or params["interval"] < 0:
        raise AuditInputError(f"polls must be at least 1 and interval not negative (polls "
                              f"{params['polls']}, interval {params['interval']})")
    today = utc_today()
    allowlist = maintainers_allowlist_from_params(params) or MaintainersAllowlist()
    known = load_known_releases(params["known_releases_file"]) \
        if params["known_releases_file"] else {}
    known_versions = {name: set(versions) for name, versions in known.items()}
    selection = audited_projects(params, allowlist)
    signature_url = parse_signature_url(params["signature_url"])
    max_file_size = parse_max_file_size(params["max_file_size"])
    series_file, keys_dir = input_paths(params["releases_repo"],
                                        params["series_status_file"], params["keys_dir"])
    series_keys = load_series_keys(series_file)
    if params["notify_to"]:
        try:
            check_smtp_options(params)
        except NotifyError as exc:
            raise AuditInputError(str(exc)) from None
    projects = selection.projects
    try:
        with GnupgHome() as home, \
                tempfile.TemporaryDirectory(prefix="pypi-guard-watch-") as workdir, \
                http_client(params) as client:
            keys = load_release_keys(home.gpg, series_keys, keys_dir)
            numbers = itertools.count(1)

            def check_dist(dist, project):
                return check_file(client, home.gpg, keys, workdir, dist, project,
                                  signature_url, max_file_size, next(numbers), today)

            checker = signature_checker(client, params["pypi_url"], projects, check_dist,
                                        signature_url, max_file_size)
            try:
                state, start = initial_state(params, client)
            except (FetchError, StateError) as exc:
                # nothing was read: the next run starts where this one would have
                error = {"project": "(state)", "detail": printable(f"could not start: {exc}")}
                return report_run(params, check_mode, selection,
                                  WatchRun(None, [], [error]), None, "not started")
            # the release account's reach: read at most hourly, kept in the state
            try:
                state.reach = watched_reach(client, params["pypi_url"],
                                            allowlist.required_owners, state.reach, now())
            except FetchError as exc:
                error = reach_unreadable(", ".join(allowlist.required_owners), exc)
                return report_run(params, check_mode, selection,
                                  WatchRun(None, [], [error]), None, "not started")
            add_reach(projects, state.reach, allowlist.ignored_projects)
            selection.reach_accounts = list(allowlist.required_owners)

            def do_poll(current):
                return poll(client, params["pypi_url"], projects, allowlist, known_versions,
                            current, checker, now(), params["signature_grace"] * 60, today)

            def keep(new_state):
                if params["state_file"] and not check_mode:
                    write_state_file(params["state_file"], new_state)

            outcome = watch(state, params["polls"], params["interval"], do_poll,
                            mailer(params, check_mode), keep)
            # Every run that started hands a state on, changed or not: the next
            # build looks for it among the last few builds only.
            keep(outcome.state)
    except SigningError as exc:  # no usable gpg: no file could be checked
        raise AuditInputError(str(exc)) from None
    return report_run(params, check_mode, selection, outcome, state, start)


def report_run(params, check_mode, selection, outcome, first, start):
    """The module result of a run: its reports, and the state to hand on
    (empty when the run could not even start)."""
    state = outcome.state.as_dict() if outcome.state else {}
    events = [row for result in outcome.polls for row in result.events or []]
    result = AuditResult(
        len(selection.projects), by_urgency(outcome.findings), outcome.warnings,
        outcome.all_errors(),
        extra={"start": start, "serial_from": first.serial if first else None,
               "serial_to": outcome.polls[-1].until if outcome.polls else (
                   first.serial if first else None),
               "events_seen": sum(p.events_seen for p in outcome.polls),
               "events_managed": sum(p.events_managed for p in outcome.polls),
               "events": events[:MAX_EVENT_ROWS],
               "events_not_shown": sum(p.events_managed for p in outcome.polls)
               - min(len(events), MAX_EVENT_ROWS),
               "polls": len(outcome.polls), "mails_sent": outcome.mails,
               "notified": list(params["notify_to"]), "state": state})
    output = finish(AUDIT, params, check_mode, result, selection)
    output["state"] = state
    output["mails_sent"] = outcome.mails
    return bounded_output(output)


# The module's answer to Ansible carries at most this many findings,
# warnings and lines of each kind (the JSON report keeps every one): a flood
# must not make Ansible's result, the job's log or its failure message huge.
MAX_RESULT_ITEMS = 200


def bounded_output(output):
    """``output`` with its lists cut to :data:`MAX_RESULT_ITEMS`, each cut
    list ending with a line that says how many more the report has."""
    report = dict(output["report"])
    for key in ("findings", "warnings", "errors"):
        report[key + "_total"] = len(report[key])
        report[key] = report[key][:MAX_RESULT_ITEMS]
    output["report"] = report
    for key in ("problems", "warning_lines"):
        lines = output[key]
        if len(lines) > MAX_RESULT_ITEMS:
            where = output.get("report_json") or "the JSON report"
            output[key] = lines[:MAX_RESULT_ITEMS] + [
                f"... and {len(lines) - MAX_RESULT_ITEMS} more: every one is in {where}"]
    return output


def main():
    run_audit_module(
        AUDIT,
        {"state_file": {"type": "path"},
         "zuul_api": {"type": "str"},
         "zuul_build": {"type": "dict", "options": {
             "job_name": {"type": "str", "required": True},
             "project": {"type": "str", "required": True},
             "pipeline": {"type": "str", "required": True},
             "branch": {"type": "str", "required": True}}},
         "since_serial": {"type": "int"},
         "polls": {"type": "int", "default": 1},
         "interval": {"type": "float", "default": 60.0},
         "signature_grace": {"type": "int", "default": 30},
         "series_status_file": {"type": "path"}, "keys_dir": {"type": "path"},
         "download_timeout": {"type": "float", "default": DEFAULT_DOWNLOAD_TIMEOUT},
         "report_url": {"type": "str", "default": ""},
         "smtp_login": SMTP_ARGUMENT_SPEC["smtp_login"]},
        run)


if __name__ == "__main__":
    main()
