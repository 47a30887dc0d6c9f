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

"""The changelog watcher's rules: what one journal entry of a managed project
means for the release team, as one finding (fails the run), one warning, a
file to check, or nothing."""

import datetime
import json
import time
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urljoin

from ansible.module_utils.pypi_guard.allowlist import account_key
from ansible.module_utils.pypi_guard.audit import AuditFinding
from ansible.module_utils.pypi_guard.changelog import (
    changelog_entries,
    last_serial,
    parse_action,
)
from ansible.module_utils.pypi_guard.deliverables import normalize_name, version_key
from ansible.module_utils.pypi_guard.http import FetchError
from ansible.module_utils.pypi_guard.maintainers import ALLOWLIST_FILE, role_verdict
from ansible.module_utils.pypi_guard.pypi import json_document
from ansible.module_utils.pypi_guard.report import write_atomically
from ansible.module_utils.pypi_guard.signature_audit import dist_file, parse_upload_time
from ansible.module_utils.pypi_guard.text import printable

# kind -> what a person should do about it
ADVICE = {
    "unexpected-release":
        "no deliverable and no known release lists {version}: find out who uploaded it; "
        "if the release process did not, yank it and remove the uploader's role",
    "role-invitation":
        "invited as {role} but the allowlist does not allow it: revoke the invitation on "
        "PyPI before it is accepted, or add an exception with a reason to " + ALLOWLIST_FILE,
    "unexpected-account":
        "now holds {role}: remove its role on PyPI, or add an exception with a reason to "
        + ALLOWLIST_FILE,
    "role-not-allowed":
        "now holds {role} but its exception allows {allowed} only: lower its role on PyPI "
        "or widen the exception",
    "required-owner-removed":
        "a required owner lost its Owner role: make it an Owner again and find out who "
        "changed it",
    "removal":
        "{what} was removed from PyPI: find out who did it (a removed file or version "
        "can never be uploaded again)",
    "quarantined":
        "PyPI's administrators quarantined {what}: read PyPI's notice and check every "
        "file of the project",
    "name-registered":
        "somebody registered this managed name: check who owns it on PyPI and, if not the "
        "release account, ask PyPI's administrators to transfer it",
    "yanked-release":
        "{version} was yanked: if the release team did not do it, find out who did",
    "unknown-event":
        "an action pypi-guard does not know: read it on PyPI and decide",
    "signature-pending":
        "no signature yet; checked again at every run until {deadline}, then unsigned",
}
FINDING_KINDS = ("unexpected-release", "role-invitation", "unexpected-account",
                 "role-not-allowed", "required-owner-removed", "removal", "quarantined",
                 "name-registered")
WARNING_KINDS = ("yanked-release", "unknown-event", "signature-pending")
# Actions that need no word: the release team's own work, or taking something back.
QUIET_VERBS = frozenset({"revoke-invite", "unyank-release", "project-quarantine-cleared",
                         "release-quarantine-cleared"})


@dataclass(frozen=True)
class WatchFinding(AuditFinding):
    """One finding or warning about one journal entry."""

    serial: int
    timestamp: int
    action: str
    account: str = None
    role: str = None
    version: str = None
    filename: str = None

    def subject(self):
        return " ".join(str(value) for value in (self.account, self.role, self.version,
                                                 self.filename) if value) or "-"

    def line(self):
        return f"{super().line()} (serial {self.serial})"


def allowlist_verdict(allowlist, project, account, role, today):
    """None when ``account`` may now hold ``role`` on ``project``, else
    ``(kind, allowed_role)``: the maintainer audit's :func:`role_verdict`,
    in the watch's kinds. A required owner's role is judged as
    ``required-owner-removed`` instead, and an expired exception allows
    nothing."""
    verdict = role_verdict(allowlist, project, account, role, today)
    if verdict is None or verdict[0] == "missing-required-owner":
        return None
    kind, details = verdict
    if kind == "expired-exception":
        return "unexpected-account", None
    return kind, details.get("allowed")


def is_known_version(version, versions):
    """Whether ``version`` equals (PEP 440) one of ``versions``."""
    keys = {version_key(v) for v in versions}
    return version_key(version) in keys


def judge_entry(entry, project, allowlist, known_versions, today):
    """What one entry of a managed project means.

    ``project`` is the :class:`ManagedProject`; ``known_versions`` the
    versions of the deliverables and of the known releases.  Returns
    ``(findings, warnings, file_event)``: ``file_event`` is the parsed action
    when the entry added a file that must be checked.
    """
    action = parse_action(entry.action)
    name = project.pypi_name

    def item(kind, account=None, role=None, version=None, filename=None, **details):
        version = version or entry.version
        detail = ADVICE[kind].format(role=role, version=version, **details)
        return WatchFinding(name, kind, detail, entry.serial, entry.timestamp, entry.action,
                            account, role, version, filename)

    verb = action.verb
    if verb == "add-file":
        return [], [], action
    if verb == "new-release":
        if entry.version and is_known_version(entry.version, known_versions):
            return [], [], None
        return [item("unexpected-release", version=entry.version)], [], None
    if verb in ("invite", "accepted", "add-role", "change-role"):
        role = action.new_role or action.role
        findings = []
        owners = allowlist.required_owners
        if verb == "change-role" and account_key(action.account) in owners and role != "Owner":
            findings.append(item("required-owner-removed", action.account, role))
        verdict = allowlist_verdict(allowlist, project.name, action.account, role, today)
        if verdict is not None:
            kind, allowed = verdict
            if verb == "invite":
                kind = "role-invitation"
            findings.append(item(kind, action.account, role, allowed=allowed))
        return findings, [], None
    if verb == "remove-role":
        if account_key(action.account) in allowlist.required_owners:
            return [item("required-owner-removed", action.account, action.role)], [], None
        return [], [], None
    if verb in ("remove-file", "remove-release", "remove-project"):
        what = {"remove-file": f"the file {action.filename}",
                "remove-release": f"release {entry.version}",
                "remove-project": "the whole project"}[verb]
        return [item("removal", filename=action.filename, what=what)], [], None
    if verb in ("project-quarantined", "release-quarantined"):
        what = "the project" if verb == "project-quarantined" else f"release {entry.version}"
        return [item("quarantined", what=what)], [], None
    if verb == "create":
        return [item("name-registered")], [], None
    if verb == "yank-release":
        return [], [item("yanked-release", version=entry.version)], None
    if verb in QUIET_VERBS:
        return [], [], None
    return [], [item("unknown-event")], None


# --------------------------------------------------------------------------
# State: how far the journal was handled, and the files still waiting for
# their signature.

STATE_VERSION = 1
STATE_ARTIFACT = "pypi-watch-state"
MAX_STATE_BYTES = 4 * 1024 * 1024
_PENDING_KEYS = {"project": str, "version": str, "filename": str, "serial": int,
                 "timestamp": int, "action": str, "upload_time": int}


class StateError(ValueError):
    """A state that cannot be used: a run from it could miss or repeat events."""


@dataclass
class WatchState:
    serial: int
    pending: list  # [{project, version, filename, serial, timestamp, action, upload_time}]

    def as_dict(self):
        return {"version": STATE_VERSION, "serial": self.serial,
                "pending": sorted(self.pending, key=lambda p: p["serial"])}


def parse_state(data, source):
    """A :class:`WatchState` from its JSON form, checked; ``source`` names
    where it came from in the errors."""
    def fail(problem):
        raise StateError(f"{source}: {problem}: fix or remove it, or set "
                         "pypi_watch_since_serial")
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        fail(f"not a pypi-watch state of version {STATE_VERSION}")
    serial = data.get("serial")
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 0:
        fail(f"'serial' is not a serial: {serial!r:.100}")
    pending = data.get("pending")
    if not isinstance(pending, list):
        fail("'pending' is not a list")
    for index, item in enumerate(pending):
        if not isinstance(item, dict) or set(item) != set(_PENDING_KEYS) or not all(
                isinstance(item[key], kind) and not isinstance(item[key], bool)
                for key, kind in _PENDING_KEYS.items()):
            fail(f"'pending[{index}]' is not a pending signature check: {item!r:.200}")
    return WatchState(serial, pending)


def _json(raw, where):
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise StateError(f"{where}: not JSON ({exc})") from exc


def read_state_file(path):
    """The state kept in ``path``, or None when there is no such file."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"{path}: cannot read the state: {exc}") from exc
    if len(raw) > MAX_STATE_BYTES:
        raise StateError(f"{path}: more than {MAX_STATE_BYTES} bytes: not a pypi-watch state")
    return parse_state(_json(raw, path), path)


def write_state_file(path, state):
    write_atomically({path: json.dumps(state.as_dict(), indent=1) + "\n"})


@dataclass(frozen=True)
class ZuulBuild:
    """Which builds may hand the state on: those of this job, for this
    project, in this pipeline, on this branch (the running build's own)."""

    api_url: str
    job_name: str
    project: str
    pipeline: str
    branch: str

    def query(self, limit):
        return f"{self.api_url.rstrip('/')}/builds?" + urlencode({
            "job_name": self.job_name, "project": self.project, "pipeline": self.pipeline,
            "branch": self.branch, "complete": "true", "limit": limit})

    def mismatch(self, build):
        """Why ``build`` (one of the API's answer) is not one of ours, or None."""
        if not isinstance(build, dict):
            return "not a build"
        ref = build.get("ref") if isinstance(build.get("ref"), dict) else {}
        found = {"job_name": build.get("job_name"), "project": ref.get("project"),
                 "pipeline": build.get("pipeline"), "branch": ref.get("branch")}
        wrong = [f"{key} {value!r:.80}" for key, value in found.items()
                 if value != getattr(self, key)]
        if build.get("result") is None or build.get("end_time") is None:
            wrong.append("not complete")
        return ", ".join(wrong) or None

    def describe(self):
        return (f"{self.job_name} in {self.pipeline} for {self.project} on {self.branch}")


def zuul_state(client, build, limit=20):
    """``(state, uuid)`` of the newest complete build of ``build`` (a
    :class:`ZuulBuild`) that returned a state, read through Zuul's REST
    API; None when none of the last ``limit`` did.

    Only the running build's own job, project, pipeline and branch count
    (the API's filters, and each answer's fields checked again: an answer
    with any other build is an error): a build of the job in another
    pipeline, for another project or from a proposed change never hands
    its state on.  Not only successful builds: a build that found
    something fails after mailing it, and its state is the one that says
    so.  A build that could not deliver its alerts returns no state, so the
    one before it is used.  A state artifact that cannot be read is an
    error, never skipped.
    """
    url = build.query(limit)
    response = client.request("GET", url, headers={"Accept": "application/json"})
    builds = _json(response.content, f"GET {url}")
    if not isinstance(builds, list):
        raise StateError(f"GET {url}: not a list of builds")
    for found in builds:
        wrong = build.mismatch(found)
        if wrong:
            uuid = found.get("uuid") if isinstance(found, dict) else None
            raise StateError(f"GET {url}: the answer holds build {uuid!r:.60}, not a "
                             f"complete build of {build.describe()} ({wrong}): refusing "
                             "its state")
        artifacts = found.get("artifacts")
        for artifact in artifacts if isinstance(artifacts, list) else []:
            if not isinstance(artifact, dict) or artifact.get("name") != STATE_ARTIFACT:
                continue
            location = artifact.get("url")
            if not isinstance(location, str) or not location:
                raise StateError(f"GET {url}: build {found.get('uuid')}'s state artifact "
                                 "has no URL")
            location = urljoin(found.get("log_url") or url, location)
            data = _json(client.request("GET", location).content, f"GET {location}")
            return (parse_state(data, f"the state of build {found.get('uuid')} ({location})"),
                    found.get("uuid"))
    return None


def check_serial(state, last, where):
    """Refuse a state ahead of PyPI's journal: it would skip events never read."""
    if state.serial > last:
        raise StateError(f"{where}: serial {state.serial} is above PyPI's "
                         f"changelog_last_serial {last}: refusing it (it would skip every "
                         "event up to it)")
    return state


# --------------------------------------------------------------------------
# One poll: the journal since the state's serial, judged.

@dataclass
class FileOutcome:
    """What checking one added file gave: ``findings`` as ``(kind, detail)``
    (the signature audit's kinds), or ``error``; ``gone`` when the index no
    longer lists the file; ``upload_time`` (epoch) when it is known."""

    findings: list
    error: str = None
    gone: bool = False
    upload_time: int = None


@dataclass
class PollResult:
    after: int  # events after this serial were read...
    until: int  # ...up to this one
    events_seen: int
    events_managed: int
    findings: list
    warnings: list
    errors: list  # {"project", "detail"} (plus "version", "filename")
    state: WatchState  # what the next poll starts from


def _pending_item(entry, action, project):
    return {"project": project.name, "version": entry.version or "",
            "filename": action.filename, "serial": entry.serial,
            "timestamp": entry.timestamp, "action": entry.action,
            "upload_time": entry.timestamp}


def _is_release_account(allowlist, account):
    key = account_key(account)
    return key in allowlist.required_owners or key in allowlist.allowed_accounts


def judge_file(item, outcome, now, grace_seconds):
    """``(findings, warnings, still_pending)`` for one checked file."""
    def finding(kind, detail):
        return WatchFinding(item["project"], kind, detail, item["serial"], item["timestamp"],
                            item["action"], version=item["version"] or None,
                            filename=item["filename"])

    uploaded = outcome.upload_time or item["upload_time"]
    deadline = uploaded + grace_seconds
    if outcome.gone and now >= deadline:
        return [finding("removal", ADVICE["removal"].format(
            what=f"the file {item['filename']}"))], [], None
    kinds = [kind for kind, _detail in outcome.findings]
    # the JSON API may list a new file a little late, its signature a little later
    if (outcome.gone or kinds == ["unsigned"]) and now < deadline:
        when = datetime.datetime.fromtimestamp(deadline, datetime.timezone.utc)
        detail = ADVICE["signature-pending"].format(
            deadline=when.isoformat(timespec="minutes").replace("+00:00", "Z"))
        return [], [finding("signature-pending", detail)], dict(item, upload_time=uploaded)
    return [finding(kind, detail) for kind, detail in outcome.findings], [], None


def poll(client, pypi_url, projects, allowlist, known_versions, state, check_file, now,
         grace_seconds, today):
    """Read the journal after ``state.serial`` and judge every managed entry.

    ``projects``: ``{normal name: ManagedProject}``; ``known_versions``:
    ``{normal name: set of versions}`` besides the deliverables';
    ``check_file(item)`` gives the :class:`FileOutcome` of a pending item.
    The returned state advances only when nothing went wrong; the caller
    keeps it only once the alerts are delivered.
    """
    until = last_serial(client, pypi_url)
    findings, warnings, errors, items = [], [], [], []
    created = {}  # project -> name-registered finding, until its creator is known
    seen = managed = 0
    for entry in changelog_entries(client, pypi_url, state.serial, until):
        seen += 1
        project = projects.get(normalize_name(entry.name))
        if project is None:
            continue
        managed += 1
        versions = set(project.versions) | known_versions.get(project.name, set())
        new_findings, new_warnings, file_action = judge_entry(
            entry, project, allowlist, versions, today)
        for finding in new_findings:
            if finding.kind == "name-registered":
                created[project.name] = finding
            else:
                findings.append(finding)
        warnings += new_warnings
        action = parse_action(entry.action)
        # Warehouse journals "add Owner <creator>" right after "create":
        # a name the release account registered is no news.
        if (action.verb == "add-role" and action.role == "Owner"
                and _is_release_account(allowlist, action.account)):
            created.pop(project.name, None)
        if file_action is not None:
            items.append(_pending_item(entry, file_action, project))
    findings += created.values()

    pending = []
    rechecked = {(p["project"], p["filename"]) for p in items}
    work = items + [p for p in state.pending if (p["project"], p["filename"]) not in rechecked]
    for item, outcome, error in client.map(check_file, work):
        if error is not None:
            outcome = FileOutcome([], error=f"{type(error).__name__}: {error}")
        if outcome.error:
            errors.append({"project": item["project"], "version": item["version"],
                           "filename": item["filename"], "detail": outcome.error})
            continue
        new_findings, new_warnings, still_pending = judge_file(item, outcome, now,
                                                               grace_seconds)
        findings += new_findings
        warnings += new_warnings
        if still_pending:
            pending.append(still_pending)
    next_state = state if errors else WatchState(max(until, state.serial), pending)
    return PollResult(state.serial, until, seen, managed, findings, warnings, errors,
                      next_state)


# --------------------------------------------------------------------------
# Polling: one build watches for ``polls`` x ``interval`` seconds.

@dataclass
class WatchRun:
    """Every poll of one run, and what they left."""

    state: WatchState
    polls: list  # PollResult
    errors: list  # {"project", "detail"}: polls that failed and mails not sent
    mails: int = 0

    @property
    def findings(self):
        return [finding for result in self.polls for finding in result.findings]

    @property
    def warnings(self):
        return [warning for result in self.polls for warning in result.warnings]

    def all_errors(self):
        return self.errors + [error for result in self.polls for error in result.errors]


def compose_watch_alert(findings, pypi_url):
    """``(subject, text)`` of the mail for one poll's findings."""
    kinds = sorted({finding.kind for finding in findings})
    named = ", ".join(sorted({finding.project for finding in findings})[:3])
    plural = "s" if len(findings) != 1 else ""
    subject = printable(f"[pypi-guard] {len(findings)} PyPI event{plural} to act on: "
                        f"{', '.join(kinds)} ({named})")
    lines = [f"pypi-guard's changelog watch saw {len(findings)} event{plural} on {pypi_url} "
             "that the release process does not explain:", ""]
    for finding in findings:
        when = datetime.datetime.fromtimestamp(finding.timestamp, datetime.timezone.utc)
        lines += [f"  {finding.line()}",
                  f"    action: {printable(finding.action)!s}",
                  f"    when:   {when.isoformat().replace('+00:00', 'Z')}", ""]
    lines.append("Each line says what to do. The whole report is the HTML part of this "
                 "mail, and is linked from the job's build page.")
    return subject, "\n".join(lines) + "\n"


def watch(state, polls, interval, do_poll, deliver, keep, sleep=None, clock=None):
    """Poll ``polls`` times, ``interval`` seconds apart.

    ``do_poll(state)`` returns a :class:`PollResult`; ``deliver(result)``
    mails its findings (raising on failure) and says whether it sent a mail;
    ``keep(state)`` stores a state.
    A poll's findings are mailed at that poll; only then does the state
    advance.  A poll that fails leaves the state as it was and the later
    polls go on; a mail that cannot be sent ends the run (the next run
    raises the same alerts).
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    run = WatchRun(state, [], [])
    for number in range(polls):
        started = clock()
        try:
            result = do_poll(run.state)
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
            if result.state != run.state:
                keep(result.state)
                run.state = result.state
        if number + 1 < polls:
            sleep(max(0.0, interval - (clock() - started)))
    return run


# --------------------------------------------------------------------------
# How an added file is checked.

def release_file(client, pypi_url, name, version, filename):
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


def signature_checker(client, pypi_url, projects, check_dist):
    """``check(item)`` giving the :class:`FileOutcome` of a pending item;
    ``check_dist(dist, project)`` is the signature audit's check of one file
    (a :class:`FileResult`)."""
    def check(item):
        project = projects.get(item["project"])
        if project is None:  # no longer managed: nothing to say about it
            return FileOutcome([])
        dist = release_file(client, pypi_url, project.pypi_name, item["version"],
                            item["filename"])
        if dist is None:
            return FileOutcome([], gone=True)
        result = check_dist(dist, project)
        uploaded = parse_upload_time({"upload_time_iso_8601": dist.upload_time})
        return FileOutcome(result.findings, error=result.error,
                           upload_time=int(uploaded.timestamp()) if uploaded else None)
    return check
