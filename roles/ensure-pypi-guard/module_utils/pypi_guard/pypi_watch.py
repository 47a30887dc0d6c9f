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

"""The changelog watcher (the pypi_watch module's run): from its state, poll
PyPI's journal ``polls`` times, judge every entry of a managed project
(watch_rules.py), check the signature of every file added, mail each poll's
findings (watch_alert.py), hand the state on (watch_state.py), and report."""

from __future__ import annotations

import datetime
import functools
import itertools
import string
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ansible.module_utils.pypi_guard.allowlist import (
    MaintainersAllowlist,
    load_known_releases,
    maintainers_allowlist_from_params,
)
from ansible.module_utils.pypi_guard.audit import (
    AuditFinding,
    AuditResult,
    ErrorDict,
    Params,
    audited_projects,
    finish,
    http_client,
    utc_today,
)
from ansible.module_utils.pypi_guard.changelog import (
    changelog_entries,
    last_serial,
    parse_action,
)
from ansible.module_utils.pypi_guard.deliverables import ManagedProject, ManagedSet
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.gpg import GnupgHome, SigningError
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.keys import (
    KeyWindow,
    ReleaseKey,
    input_paths,
    load_release_keys,
    load_series_keys,
)
from ansible.module_utils.pypi_guard.names import account_key, normalize_name
from ansible.module_utils.pypi_guard.pypi import fetch_json, json_document, json_url
from ansible.module_utils.pypi_guard.reach import add_reach, reach_unreadable, watched_reach
from ansible.module_utils.pypi_guard.release_signature_audit import (
    REPOSITORY_FIELDS,
    DistFile,
    FileResult,
    check_file,
    dist_file,
    parse_max_file_size,
    parse_signature_url,
    parse_upload_time,
)
from ansible.module_utils.pypi_guard.release_team_notify import NotifyError, check_smtp_options
from ansible.module_utils.pypi_guard.text import printable
from ansible.module_utils.pypi_guard.watch_alert import by_urgency, mailer
from ansible.module_utils.pypi_guard.watch_rules import (
    FileOutcome,
    PendingFile,
    WatchFinding,
    is_release_account,
    judge_entry,
    judge_file,
    pending_file,
)
from ansible.module_utils.pypi_guard.watch_state import (
    StateError,
    WatchState,
    initial_state,
    state_artifacts,
    write_state_file,
)

AUDIT = "pypi_watch"

# The evidence of a poll: one row per managed entry, at most this many in
# the report (the findings themselves are all there); the rest are counted.
MAX_EVENT_ROWS = 1000

# confirm(project, account, role): see ownership_confirmer
ProjectConfirm = Callable[[ManagedProject, str, str], str | None]
FileCheck = Callable[[PendingFile], FileOutcome]


@dataclass
class PollResult:
    after: int  # events after this serial were read...
    until: int  # ...up to this one (the last entry read and judged)
    events_seen: int
    events_managed: int
    findings: list[WatchFinding]
    warnings: list[WatchFinding]
    errors: list[ErrorDict]  # {"project", "detail"} (plus "version", "filename")
    state: WatchState  # what the next poll starts from
    # {serial, project, version, action, verdict}, at most MAX_EVENT_ROWS
    events: list[dict[str, Any]] = field(default_factory=list)
    events_not_shown: int = 0


@dataclass
class WatchRun:
    """Every poll of one run, and what they left (``state`` None: the run
    could not start)."""

    state: WatchState | None
    polls: list[PollResult]
    errors: list[ErrorDict]  # {"project", "detail"}: polls that failed and mails not sent
    mails: int = 0

    @property
    def findings(self) -> list[WatchFinding]:
        return [finding for result in self.polls for finding in result.findings]

    @property
    def warnings(self) -> list[WatchFinding]:
        return [warning for result in self.polls for warning in result.warnings]

    def all_errors(self) -> list[ErrorDict]:
        return self.errors + [error for result in self.polls for error in result.errors]


# --------------------------------------------------------------------------
# One poll: the journal since the state's serial, judged.

def ownership_confirmer(client: HttpClient, pypi_url: str) -> ProjectConfirm:
    """``confirm(project, account, role)`` for :func:`judge_entry`: None when
    the JSON API's ``ownership`` (direct user roles only) lists ``account``
    with ``role`` on a project that no organization owns (only an
    organization's teams can hold roles), else why not.  One request per
    project, and only for a role given to an allowed name."""
    owners: dict[str, dict[str, Any] | str] = {}

    def ownership_of(project: ManagedProject) -> dict[str, Any] | str:
        url = json_url(pypi_url, project.pypi_name)
        try:
            document = fetch_json(client, pypi_url, project.pypi_name)
        except FetchError as exc:
            return f"PyPI could not be asked ({exc})"
        if document is None:
            return f"GET {url} answered 404 (no release yet, or no such project)"
        if not isinstance(document.get("ownership"), dict):
            return f"GET {url} gives no 'ownership' to confirm it"
        ownership: dict[str, Any] = document["ownership"]
        return ownership

    def confirm(project: ManagedProject, account: str, role: str) -> str | None:
        if project.name not in owners:
            owners[project.name] = ownership_of(project)
        ownership = owners[project.name]
        if isinstance(ownership, str):
            return ownership
        url = json_url(pypi_url, project.pypi_name)
        if ownership.get("organization") is not None:
            return (f"the project belongs to the organization "
                    f"{printable(ownership['organization'])}, whose teams can hold roles")
        roles = ownership.get("roles")
        key = account_key(account)
        if not isinstance(roles, list) or not any(
                isinstance(entry, dict) and entry.get("role") == role
                and isinstance(entry.get("user"), str) and account_key(entry["user"]) == key
                for entry in roles):
            return f"GET {url} does not list a user {printable(account)} as {role}"
        return None
    return confirm


def poll(client: HttpClient, pypi_url: str, projects: Mapping[str, ManagedProject],
         allowlist: MaintainersAllowlist, known_versions: Mapping[str, set[str]],
         state: WatchState, check_file: FileCheck, now: float, grace_seconds: int,
         today: datetime.date, confirm: ProjectConfirm | None = None,
         latest: int | None = None) -> PollResult:
    """Read the journal after ``state.serial`` and judge every managed entry.

    ``projects``: ``{normal name: ManagedProject}``; ``known_versions``:
    ``{normal name: set of versions}`` besides the deliverables';
    ``check_file(item)`` gives the :class:`FileOutcome` of a pending item;
    ``confirm(project, account, role)`` (default: :func:`ownership_confirmer`)
    says whether PyPI confirms a role; ``latest``, PyPI's
    ``changelog_last_serial`` when the caller has just read it (else it is
    asked).
    The returned state advances only when nothing went wrong, and only to
    the last entry actually read; the caller keeps it only once the alerts
    are delivered.
    """
    confirmer = confirm or ownership_confirmer(client, pypi_url)
    if latest is None:
        latest = last_serial(client, pypi_url)
    findings: list[WatchFinding] = []
    warnings: list[WatchFinding] = []
    items: list[PendingFile] = []
    events: list[dict[str, Any]] = []
    rows: dict[tuple[str, str], dict[str, Any]] = {}  # (project, filename) -> evidence row
    created: dict[str, WatchFinding] = {}  # project -> name-registered, until confirmed
    seen = managed = 0
    until = state.serial
    for entry in changelog_entries(client, pypi_url, state.serial, latest):
        seen += 1
        until = entry.serial
        project = projects.get(normalize_name(entry.name))
        if project is None:
            continue
        managed += 1
        versions = set(project.versions) | known_versions.get(project.name, set())
        judgement = judge_entry(entry, project, allowlist, versions, today,
                                functools.partial(confirmer, project))
        for finding in judgement.findings:
            if finding.kind == "name-registered":
                created[project.name] = finding
            else:
                findings.append(finding)
        warnings += judgement.warnings
        verdict = judgement.verdict
        action = parse_action(entry.action)
        # Warehouse journals "add Owner <creator>" right after "create": a name
        # the release account registered is no news, once PyPI confirms it.
        if (action.verb == "add-role" and action.role == "Owner" and not judgement.findings
                and action.account is not None
                and is_release_account(allowlist, action.account)
                and created.pop(project.name, None) is not None):
            verdict += "; the name it registered is no news"
        row = None
        if len(events) < MAX_EVENT_ROWS:
            row = {"serial": entry.serial, "project": project.pypi_name,
                   "version": entry.version, "action": entry.action, "verdict": verdict}
            events.append(row)
        if judgement.file_action is not None:
            item = pending_file(entry, judgement.file_action, project)
            items.append(item)
            if row is not None:
                rows[(item["project"], item["filename"])] = row
    findings += created.values()

    file_findings, file_warnings, pending, errors = check_files(
        client, check_file, items, state.pending, rows, now, grace_seconds)
    findings += file_findings
    warnings += file_warnings
    next_state = state if errors else WatchState(until, pending, state.reach)
    return PollResult(state.serial, until, seen, managed, findings, warnings, errors,
                      next_state, events, managed - len(events))


def check_files(client: HttpClient, check_file: FileCheck, items: list[PendingFile],
                waiting: list[PendingFile], rows: Mapping[tuple[str, str], dict[str, Any]],
                now: float, grace_seconds: int) -> tuple[
                    list[WatchFinding], list[WatchFinding], list[PendingFile], list[ErrorDict]]:
    """Check the files a poll saw added (``items``) and those still
    ``waiting`` for their signature (a file seen again is checked once),
    giving each file's evidence row (in ``rows``) its verdict; returns
    ``(findings, warnings, still pending, errors)``."""
    findings: list[WatchFinding] = []
    warnings: list[WatchFinding] = []
    pending: list[PendingFile] = []
    errors: list[ErrorDict] = []
    rechecked = {(p["project"], p["filename"]) for p in items}
    work = items + [p for p in waiting if (p["project"], p["filename"]) not in rechecked]
    for item, checked, error in client.map(check_file, work):
        outcome = checked if checked is not None else FileOutcome(
            [], error=f"{type(error).__name__}: {error}")
        row = rows.get((item["project"], item["filename"]))
        if outcome.error:
            errors.append({"project": item["project"], "version": item["version"],
                           "filename": item["filename"], "detail": outcome.error})
            if row is not None:
                row["verdict"] = "not checked: " + outcome.error
            continue
        new_findings, new_warnings, still_pending = judge_file(item, outcome, now,
                                                               grace_seconds)
        findings += new_findings
        warnings += new_warnings
        if row is not None:
            row["verdict"] = ", ".join(f.kind for f in new_findings + new_warnings) or \
                "a file: signed by the release key"
        if still_pending:
            pending.append(still_pending)
    return findings, warnings, pending, errors


# --------------------------------------------------------------------------
# Polling: one build watches for ``polls`` x ``interval`` seconds.

def watch(state: WatchState, polls: int, interval: float,
          do_poll: Callable[[WatchState], PollResult], deliver: Callable[[PollResult], bool],
          keep: Callable[[WatchState], None], sleep: Callable[[float], None] | None = None,
          clock: Callable[[], float] | None = None) -> WatchRun:
    """Poll ``polls`` times, ``interval`` seconds apart.

    ``do_poll(state)`` returns a :class:`PollResult`; ``deliver(result)``
    mails its findings (raising on failure) and says whether it sent a mail;
    ``keep(state)`` stores a state.
    A poll's findings are mailed at that poll; only then does the state
    advance.  A poll that fails leaves the state as it was and the later
    polls go on; a mail that cannot be sent ends the run (the next run
    raises the same alerts).
    """
    pause = sleep or time.sleep
    now = clock or time.monotonic
    run = WatchRun(state, [], [])
    current = state
    for number in range(polls):
        started = now()
        try:
            result = do_poll(current)
        except Exception as exc:  # noqa: BLE001 - reported, the state stays
            run.errors.append({"project": "(changelog)", "detail": printable(
                f"poll {number + 1}: {exc}")})
        else:
            run.polls.append(result)
            if result.findings:
                try:
                    sent = deliver(result)
                except Exception as exc:  # noqa: BLE001 - the state must not advance
                    run.errors.append({"project": "(mail)", "detail": printable(
                        f"poll {number + 1}: the alert could not be sent: {exc}")})
                    break
                run.mails += 1 if sent else 0
            if result.state != current:
                keep(result.state)
                run.state = current = result.state
        if number + 1 < polls:
            pause(max(0.0, interval - (now() - started)))
    return run


# --------------------------------------------------------------------------
# How an added file is checked.

def release_file(client: HttpClient, pypi_url: str, name: str, version: str,
                 filename: str) -> DistFile | None:
    """The :class:`DistFile` the JSON API gives for ``filename`` of
    ``name`` ``version``; None when it does not list it."""
    url = f"{pypi_url.rstrip('/')}/pypi/{quote(normalize_name(name))}/{quote(version)}/json"
    response = client.request("GET", url, ok_status=(200, 404),
                              headers={"Accept": "application/json"})
    if response.status_code == 404:
        return None
    urls = json_document(response).get("urls")
    if not isinstance(urls, list):
        raise FetchError(f"GET {url}: 'urls' is not a list")
    for entry in urls:
        if isinstance(entry, dict) and entry.get("filename") == filename:
            return dist_file(name, version, entry)
    return None


def signature_source_missing(signature_url: str, project: ManagedProject) -> str | None:
    """Why no signature of ``project`` can ever be found, or None: the
    signature URL needs a repository and the deliverables name none (a
    project of ``extra_projects`` or of an explicit list)."""
    fields = {name for _text, name, _spec, _conv in string.Formatter().parse(signature_url)
              if name}
    if fields & set(REPOSITORY_FIELDS) and not project.namespaces_and_repos:
        return (f"the deliverables name no repository for {project.pypi_name}, and the "
                f"signature URL {signature_url} (pypi_guard_signature_url) needs one")
    return None


def signature_checker(client: HttpClient, pypi_url: str,
                      projects: Mapping[str, ManagedProject],
                      check_dist: Callable[[DistFile, ManagedProject], FileResult],
                      signature_url: str | None = None,
                      max_file_size: int | None = None) -> FileCheck:
    """``check(item)`` giving the :class:`FileOutcome` of a pending item;
    ``check_dist(dist, project)`` is the signature audit's check of one file
    (a :class:`FileResult`). A file that can never be checked is
    unverifiable: its signature cannot be found at ``signature_url``
    whatever happens (known without a request), or PyPI gives its size as
    more than ``max_file_size``."""
    def check(item: PendingFile) -> FileOutcome:
        project = projects.get(item["project"])
        if project is None:  # no longer managed: nothing to say about it
            return FileOutcome([])
        why = signature_source_missing(signature_url, project) if signature_url else None
        if why:
            return FileOutcome([], unverifiable=why)
        dist = release_file(client, pypi_url, project.pypi_name, item["version"],
                            item["filename"])
        if dist is None:
            return FileOutcome([], gone=True)
        moment = parse_upload_time({"upload_time_iso_8601": dist.upload_time})
        uploaded = int(moment.timestamp()) if moment else None
        if max_file_size is not None and dist.size is not None and dist.size > max_file_size:
            return FileOutcome([], upload_time=uploaded, unverifiable=(
                f"PyPI gives its size as {dist.size} bytes, more than the {max_file_size} "
                "allowed (pypi_guard_max_file_size)"))
        result = check_dist(dist, project)
        return FileOutcome(result.findings, error=result.error, upload_time=uploaded)
    return check


# --------------------------------------------------------------------------
# The run: the module's options to its result.

@dataclass
class WatchInputs:
    """What a run reads and checks before any request."""

    allowlist: MaintainersAllowlist
    known_versions: dict[str, set[str]]  # {normal name: versions} of the known releases
    selection: ManagedSet
    signature_url: str
    max_file_size: int
    series_keys: dict[str, list[KeyWindow]]
    keys_dir: str
    today: datetime.date


def read_inputs(params: Params) -> WatchInputs:
    """The run's :class:`WatchInputs`; bad input raises AuditInputError."""
    if params["polls"] < 1 or params["interval"] < 0:
        raise AuditInputError(f"polls must be at least 1 and interval not negative (polls "
                              f"{params['polls']}, interval {params['interval']})")
    today = utc_today()
    allowlist = maintainers_allowlist_from_params(params) or MaintainersAllowlist()
    known = load_known_releases(params["known_releases_file"]) \
        if params["known_releases_file"] else {}
    selection = audited_projects(params, allowlist)
    signature_url = parse_signature_url(params["signature_url"])
    max_file_size = parse_max_file_size(params["max_file_size"])
    series_file, keys_dir = input_paths(params["releases_repo"],
                                        params["series_status_file"], params["keys_dir"])
    inputs = WatchInputs(allowlist, {name: set(versions) for name, versions in known.items()},
                         selection, signature_url, max_file_size,
                         load_series_keys(series_file), keys_dir, today)
    if params["notify_to"]:
        try:
            check_smtp_options(params)
        except NotifyError as exc:
            raise AuditInputError(str(exc)) from None
    return inputs


def run_watch(params: Params, check_mode: bool = False,
              now: Callable[[], float] = time.time) -> dict[str, Any]:
    """Run the watch; returns the module result. Bad input raises
    AuditInputError before any request."""
    inputs = read_inputs(params)
    try:
        with GnupgHome() as home, \
                tempfile.TemporaryDirectory(prefix="pypi-guard-watch-") as workdir, \
                http_client(params) as client:
            keys = load_release_keys(home.gpg, inputs.series_keys, inputs.keys_dir)
            checker = file_checker(client, params["pypi_url"], inputs, home.gpg, keys, workdir)
            return start_and_watch(params, check_mode, inputs, client, checker, now)
    except SigningError as exc:  # no usable gpg: no file could be checked
        raise AuditInputError(str(exc)) from None


def file_checker(client: HttpClient, pypi_url: str, inputs: WatchInputs, gpg: Any,
                 keys: Mapping[str, ReleaseKey], workdir: str) -> FileCheck:
    """The check of a pending file: the signature audit's, in ``workdir``."""
    numbers = itertools.count(1)

    def check_dist(dist: DistFile, project: ManagedProject) -> FileResult:
        return check_file(client, gpg, keys, workdir, dist, project, inputs.signature_url,
                          inputs.max_file_size, next(numbers), inputs.today)

    return signature_checker(client, pypi_url, inputs.selection.projects, check_dist,
                             inputs.signature_url, inputs.max_file_size)


def start_and_watch(params: Params, check_mode: bool, inputs: WatchInputs,
                    client: HttpClient, checker: FileCheck,
                    now: Callable[[], float]) -> dict[str, Any]:
    """Find the state, the release account's reach, then poll; the module
    result. A run that cannot start reports why and hands no state on."""
    selection, allowlist = inputs.selection, inputs.allowlist
    projects = selection.projects
    try:
        latest = last_serial(client, params["pypi_url"])
        state, start = initial_state(params, client, latest)
    except (FetchError, StateError) as exc:
        # nothing was read: the next run starts where this one would have
        error = {"project": "(state)", "detail": printable(f"could not start: {exc}")}
        return report_run(params, check_mode, selection, WatchRun(None, [], [error]), None,
                          "not started")
    # the release account's reach: read at most hourly, kept in the state
    try:
        state.reach = dict(watched_reach(client, params["pypi_url"],
                                         allowlist.required_owners, state.reach, now()))
    except FetchError as exc:
        error = reach_unreadable(", ".join(allowlist.required_owners), exc)
        return report_run(params, check_mode, selection, WatchRun(None, [], [error]), None,
                          "not started")
    add_reach(projects, state.reach, allowlist.ignored_projects)
    selection.reach_accounts = list(allowlist.required_owners)
    # the first poll reads up to the serial the state was just checked against
    first_latest = [latest]

    def do_poll(current: WatchState) -> PollResult:
        return poll(client, params["pypi_url"], projects, allowlist, inputs.known_versions,
                    current, checker, now(), params["signature_grace"] * 60, inputs.today,
                    latest=first_latest.pop() if first_latest else None)

    def keep(new_state: WatchState) -> None:
        if params["state_file"] and not check_mode:
            write_state_file(params["state_file"], new_state)

    outcome = watch(state, params["polls"], params["interval"], do_poll,
                    mailer(params, check_mode), keep)
    # Every run that started hands a state on, changed or not: the next
    # build looks for it among the last few builds only.
    keep(outcome.state or state)
    return report_run(params, check_mode, selection, outcome, state, start)


def report_run(params: Params, check_mode: bool, selection: ManagedSet, outcome: WatchRun,
               first: WatchState | None, start: str) -> dict[str, Any]:
    """The module result of a run: its reports, the state to hand on (empty
    when the run could not even start) and, under Zuul, the artifact that
    hands it on."""
    state = outcome.state.as_dict() if outcome.state else {}
    events = [row for result in outcome.polls for row in result.events]
    managed = sum(p.events_managed for p in outcome.polls)
    findings: list[AuditFinding] = list(by_urgency(outcome.findings))
    warnings: list[AuditFinding] = list(outcome.warnings)
    result = AuditResult(
        len(selection.projects), findings, warnings, outcome.all_errors(),
        extra={"start": start, "serial_from": first.serial if first else None,
               "serial_to": outcome.polls[-1].until if outcome.polls else (
                   first.serial if first else None),
               "events_seen": sum(p.events_seen for p in outcome.polls),
               "events_managed": managed,
               "events": events[:MAX_EVENT_ROWS],
               "events_not_shown": managed - min(len(events), MAX_EVENT_ROWS),
               "polls": len(outcome.polls), "mails_sent": outcome.mails,
               "notified": list(params["notify_to"]), "state": state})
    output = finish(AUDIT, params, check_mode, result, selection)
    output["state"] = state
    output["mails_sent"] = outcome.mails
    output["state_artifacts"] = state_artifacts(params, state, check_mode)
    return bounded_output(output)


# The module's answer to Ansible carries at most this many findings,
# warnings and lines of each kind (the JSON report keeps every one): a flood
# must not make Ansible's result, the job's log or its failure message huge.
MAX_RESULT_ITEMS = 200


def bounded_output(output: dict[str, Any]) -> dict[str, Any]:
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
