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

import collections
import datetime
import json
import string
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urljoin

from ansible.module_utils.pypi_guard.errors import PypiGuardError
from ansible.module_utils.pypi_guard.allowlist import account_key
from ansible.module_utils.pypi_guard.audit import AuditFinding
from ansible.module_utils.pypi_guard.changelog import (
    changelog_entries,
    last_serial,
    parse_action,
)
from ansible.module_utils.pypi_guard.deliverables import normalize_name, version_key
from ansible.module_utils.pypi_guard.http import FetchError
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import ALLOWLIST_FILE, role_verdict
from ansible.module_utils.pypi_guard.pypi import fetch_json, json_document, json_url
from ansible.module_utils.pypi_guard.reach import parse_reach_cache
from ansible.module_utils.pypi_guard.report import write_atomically
from ansible.module_utils.pypi_guard.release_signature_audit import (
    REPOSITORY_FIELDS,
    dist_file,
    parse_upload_time,
)
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
        "an action pypi-guard cannot judge (Warehouse may have a new journal string): read "
        "the project's history on PyPI and decide; then teach pypi-guard the action",
    "role-unconfirmed":
        "the journal gives {role} to {account}, which the allowlist allows for a user, but "
        "{why}: a team of the same name may hold it; check the project's collaborators on "
        "PyPI",
    "unverifiable-file":
        "{why}: nobody can check this file's signature; check it by hand, it is not "
        "checked again",
    "signature-pending":
        "no signature yet; checked again at every run until {deadline}, then unsigned",
}
FINDING_KINDS = ("unexpected-release", "role-invitation", "unexpected-account",
                 "role-not-allowed", "role-unconfirmed", "required-owner-removed", "removal",
                 "quarantined", "name-registered", "unknown-event", "unverifiable-file")
WARNING_KINDS = ("yanked-release", "signature-pending")
# Actions that need no word: the release team's own work, or taking something back.
QUIET_VERBS = {"revoke-invite": "an invitation revoked", "unyank-release": "a release unyanked",
               "project-quarantine-cleared": "a quarantine cleared",
               "release-quarantine-cleared": "a quarantine cleared"}


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


@dataclass
class Judgement:
    """What one entry means: ``findings`` and ``warnings``; ``file_action``
    when it added a file that must be checked; ``verdict``, in a few words,
    why it is quiet (or what it raised), for the report's evidence."""

    findings: list
    warnings: list
    file_action: object = None
    verdict: str = ""


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


def _unconfirmed(account, role):
    return "nothing asked PyPI whether a user holds it"


def judge_entry(entry, project, allowlist, known_versions, today, confirm=None):
    """The :class:`Judgement` of one entry of a managed project.

    ``project`` is the :class:`ManagedProject`; ``known_versions`` the
    versions of the deliverables and of the known releases.
    ``confirm(account, role)`` is None when PyPI lists ``account`` as a user
    holding ``role`` on the project now, else why not: the journal writes a
    team's role as it writes a user's, so a role given to an allowed name
    (``add``, ``change``) is quiet only once PyPI confirms it.  Without
    ``confirm``, nothing is confirmed.
    """
    action = parse_action(entry.action)
    name = project.pypi_name
    confirm = confirm or _unconfirmed

    def item(kind, account=None, role=None, version=None, filename=None, **details):
        version = version or entry.version
        detail = ADVICE[kind].format(role=role, version=version, account=account, **details)
        return WatchFinding(name, kind, detail, entry.serial, entry.timestamp, entry.action,
                            account, role, version, filename)

    def raised(findings, warnings=(), file_action=None):
        kinds = ", ".join(f.kind for f in [*findings, *warnings])
        return Judgement(list(findings), list(warnings), file_action, kinds)

    verb = action.verb
    if verb == "add-file" and action.role is None:
        return Judgement([], [], action, "a file: its signature is checked")
    if verb == "new-release":
        if entry.version and is_known_version(entry.version, known_versions):
            return Judgement([], [], None, "a release the deliverables or known releases list")
        return raised([item("unexpected-release", version=entry.version)])
    if verb in ("invite", "accepted", "add-role", "change-role", "add-file"):
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
        elif verb in ("add-role", "change-role", "add-file") and not findings:
            # invitations and their acceptance name users only; a grant may be a team's
            why = confirm(action.account, role)
            if why:
                findings.append(item("role-unconfirmed", action.account, role, why=why))
        file_action = action if verb == "add-file" else None
        if findings:
            return raised(findings, file_action=file_action)
        quiet = ("an allowed account invited" if verb == "invite" else
                 "an allowed account accepted its invitation" if verb == "accepted" else
                 f"an allowed role, and PyPI lists the user {printable(action.account)} "
                 f"as {role}")
        return Judgement([], [], file_action, quiet)
    if verb == "remove-role":
        if account_key(action.account) in allowlist.required_owners:
            return raised([item("required-owner-removed", action.account, action.role)])
        return Judgement([], [], None, "a role taken away")
    if verb in ("remove-file", "remove-release", "remove-project"):
        what = {"remove-file": f"the file {action.filename}",
                "remove-release": f"release {entry.version}",
                "remove-project": "the whole project"}[verb]
        return raised([item("removal", filename=action.filename, what=what)])
    if verb in ("project-quarantined", "release-quarantined"):
        what = "the project" if verb == "project-quarantined" else f"release {entry.version}"
        return raised([item("quarantined", what=what)])
    if verb == "create":
        return raised([item("name-registered")])
    if verb == "yank-release":
        return raised([], [item("yanked-release", version=entry.version)])
    if verb in QUIET_VERBS:
        return Judgement([], [], None, QUIET_VERBS[verb])
    return raised([item("unknown-event")])


# --------------------------------------------------------------------------
# State: how far the journal was handled, and the files still waiting for
# their signature.

STATE_VERSION = 1
STATE_ARTIFACT = "pypi-watch-state"
MAX_STATE_BYTES = 4 * 1024 * 1024
_PENDING_KEYS = {"project": str, "version": str, "filename": str, "serial": int,
                 "timestamp": int, "action": str, "upload_time": int}


class StateError(PypiGuardError, ValueError):
    """A state that cannot be used: a run from it could miss or repeat events."""


@dataclass
class WatchState:
    serial: int
    pending: list  # [{project, version, filename, serial, timestamp, action, upload_time}]
    reach: dict = None  # the release account's reach, kept an hour (reach.reach_cache)
    # where it was read from (a file, a Zuul build), for the report; not kept
    source: str = field(default=None, compare=False)

    def as_dict(self):
        state = {"version": STATE_VERSION, "serial": self.serial,
                 "pending": sorted(self.pending, key=lambda p: p["serial"])}
        if self.reach is not None:
            state["reach"] = self.reach
        return state


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
    return WatchState(serial, pending, parse_reach_cache(data.get("reach")), source=source)


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
    (the signature audit's kinds), or ``error`` (checked again next run);
    ``gone`` when the index no longer lists the file; ``upload_time`` (epoch)
    when it is known; ``unverifiable``, why the file can never be checked
    (one final finding, never checked again)."""

    findings: list
    error: str = None
    gone: bool = False
    upload_time: int = None
    unverifiable: str = None


# The evidence of a poll: one row per managed entry, at most this many in
# the report (the findings themselves are all there); the rest are counted.
MAX_EVENT_ROWS = 1000


@dataclass
class PollResult:
    after: int  # events after this serial were read...
    until: int  # ...up to this one (the last entry read and judged)
    events_seen: int
    events_managed: int
    findings: list
    warnings: list
    errors: list  # {"project", "detail"} (plus "version", "filename")
    state: WatchState  # what the next poll starts from
    events: list = None  # {serial, project, version, action, verdict}, MAX_EVENT_ROWS
    events_not_shown: int = 0


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

    if outcome.unverifiable:
        return [finding("unverifiable-file", ADVICE["unverifiable-file"].format(
            why=outcome.unverifiable))], [], None
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


def ownership_confirmer(client, pypi_url):
    """``confirm(project, account, role)`` for :func:`judge_entry`: None when
    the JSON API's ``ownership`` (direct user roles only) lists ``account``
    with ``role`` on a project that no organization owns (only an
    organization's teams can hold roles), else why not.  One request per
    project, and only for a role given to an allowed name."""
    owners = {}

    def confirm(project, account, role):
        if project.name not in owners:
            url = json_url(pypi_url, project.pypi_name)
            try:
                document = fetch_json(client, pypi_url, project.pypi_name)
            except FetchError as exc:
                document = f"PyPI could not be asked ({exc})"
            if document is None:
                document = f"GET {url} answered 404 (no release yet, or no such project)"
            elif isinstance(document, dict) and not isinstance(document.get("ownership"),
                                                               dict):
                document = f"GET {url} gives no 'ownership' to confirm it"
            owners[project.name] = document
        ownership = owners[project.name]
        if isinstance(ownership, str):
            return ownership
        ownership = ownership["ownership"]
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


def poll(client, pypi_url, projects, allowlist, known_versions, state, check_file, now,
         grace_seconds, today, confirm=None):
    """Read the journal after ``state.serial`` and judge every managed entry.

    ``projects``: ``{normal name: ManagedProject}``; ``known_versions``:
    ``{normal name: set of versions}`` besides the deliverables';
    ``check_file(item)`` gives the :class:`FileOutcome` of a pending item;
    ``confirm(project, account, role)`` (default: :func:`ownership_confirmer`)
    says whether PyPI confirms a role.
    The returned state advances only when nothing went wrong, and only to
    the last entry actually read; the caller keeps it only once the alerts
    are delivered.
    """
    confirm = confirm or ownership_confirmer(client, pypi_url)
    latest = last_serial(client, pypi_url)
    findings, warnings, errors, items, events = [], [], [], [], []
    rows = {}  # (project, filename) -> its evidence row, for the verdict of its check
    created = {}  # project -> name-registered finding, until its creator is confirmed
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
                                lambda account, role, project=project: confirm(
                                    project, account, role))
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
                and _is_release_account(allowlist, action.account)
                and created.pop(project.name, None)):
            verdict += "; the name it registered is no news"
        row = None
        if len(events) < MAX_EVENT_ROWS:
            row = {"serial": entry.serial, "project": project.pypi_name,
                   "version": entry.version, "action": entry.action, "verdict": verdict}
            events.append(row)
        if judgement.file_action is not None:
            item = _pending_item(entry, judgement.file_action, project)
            items.append(item)
            if row is not None:
                rows[(item["project"], item["filename"])] = row
    findings += created.values()

    pending = []
    rechecked = {(p["project"], p["filename"]) for p in items}
    work = items + [p for p in state.pending if (p["project"], p["filename"]) not in rechecked]
    for item, outcome, error in client.map(check_file, work):
        if error is not None:
            outcome = FileOutcome([], error=f"{type(error).__name__}: {error}")
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
    next_state = state if errors else WatchState(until, pending, state.reach)
    return PollResult(state.serial, until, seen, managed, findings, warnings, errors,
                      next_state, events, managed - len(events))


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


def by_urgency(findings):
    """``findings`` in the order a mail names them (oldest first within a kind)."""
    rank = {kind: index for index, kind in enumerate(URGENCY)}
    return sorted(findings, key=lambda f: (rank.get(f.kind, len(URGENCY)), f.serial))


def _clip(text, limit=MAX_ALERT_FIELD):
    text = printable(text)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def compose_watch_alert(findings, pypi_url, report_url=None):
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
    body, size, named = [], 0, []
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
    tail += ["Each line says what to do. " + where]
    return subject, "\n".join(head + body + tail) + "\n", named


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


def signature_source_missing(signature_url, project):
    """Why no signature of ``project`` can ever be found, or None: the
    signature URL needs a repository and the deliverables name none (a
    project of ``extra_projects`` or of an explicit list)."""
    fields = {name for _text, name, _spec, _conv in string.Formatter().parse(signature_url)
              if name}
    if fields & set(REPOSITORY_FIELDS) and not project.namespaces_and_repos:
        return (f"the deliverables name no repository for {project.pypi_name}, and the "
                f"signature URL {signature_url} (pypi_guard_signature_url) needs one")
    return None


def signature_checker(client, pypi_url, projects, check_dist, signature_url=None,
                      max_file_size=None):
    """``check(item)`` giving the :class:`FileOutcome` of a pending item;
    ``check_dist(dist, project)`` is the signature audit's check of one file
    (a :class:`FileResult`). A file that can never be checked is
    unverifiable: its signature cannot be found at ``signature_url``
    whatever happens (known without a request), or PyPI gives its size as
    more than ``max_file_size``."""
    def check(item):
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
        uploaded = parse_upload_time({"upload_time_iso_8601": dist.upload_time})
        uploaded = int(uploaded.timestamp()) if uploaded else None
        if max_file_size is not None and dist.size is not None and dist.size > max_file_size:
            return FileOutcome([], upload_time=uploaded, unverifiable=(
                f"PyPI gives its size as {dist.size} bytes, more than the {max_file_size} "
                "allowed (pypi_guard_max_file_size)"))
        result = check_dist(dist, project)
        return FileOutcome(result.findings, error=result.error, upload_time=uploaded)
    return check
