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
file to check, or nothing; and what the check of an added file means."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible.module_utils.pypi_guard.allowlist import ALLOWLIST_FILE, MaintainersAllowlist
from ansible.module_utils.pypi_guard.audit import AuditFinding
from ansible.module_utils.pypi_guard.changelog import Action, JournalEntry, parse_action
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.names import account_key, version_key
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

# A file added to a managed project, waiting for (or being given) its
# signature check: {project, version, filename, serial, timestamp, action,
# upload_time}, kept in the state between runs (watch_state.py).
PendingFile = dict[str, Any]
# confirm(account, role): None when PyPI lists the user with the role, else why not
Confirm = Callable[[str, str], str | None]


@dataclass(frozen=True)
class WatchFinding(AuditFinding):
    """One finding or warning about one journal entry."""

    serial: int
    timestamp: int
    action: str
    account: str | None = None
    role: str | None = None
    version: str | None = None
    filename: str | None = None

    def subject(self) -> str:
        return " ".join(str(value) for value in (self.account, self.role, self.version,
                                                 self.filename) if value) or "-"

    def line(self) -> str:
        return f"{super().line()} (serial {self.serial})"


@dataclass
class Judgement:
    """What one entry means: ``findings`` and ``warnings``; ``file_action``
    when it added a file that must be checked; ``verdict``, in a few words,
    why it is quiet (or what it raised), for the report's evidence."""

    findings: list[WatchFinding]
    warnings: list[WatchFinding]
    file_action: Action | None = None
    verdict: str = ""


@dataclass
class FileOutcome:
    """What checking one added file gave: ``findings`` as ``(kind, detail)``
    (the signature audit's kinds), or ``error`` (checked again next run);
    ``gone`` when the index no longer lists the file; ``upload_time`` (epoch)
    when it is known; ``unverifiable``, why the file can never be checked
    (one final finding, never checked again)."""

    findings: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    gone: bool = False
    upload_time: int | None = None
    unverifiable: str | None = None


def allowlist_verdict(allowlist: MaintainersAllowlist, project: str, account: str, role: str,
                      today: datetime.date) -> tuple[str, str | None] | None:
    """None when ``account`` may now hold ``role`` on ``project``, else
    ``(kind, allowed_role)``: ``allowlist.verdict()``, the maintainer audit's rule,
    in the watch's kinds. A required owner's role is judged as
    ``required-owner-removed`` instead, and an expired exception allows
    nothing."""
    verdict = allowlist.verdict(project, account, role, today)
    if verdict is None or verdict[0] == "missing-required-owner":
        return None
    kind, details = verdict
    if kind == "expired-exception":
        return "unexpected-account", None
    return kind, details.get("allowed")


def is_known_version(version: str, versions: Iterable[str]) -> bool:
    """Whether ``version`` equals (PEP 440) one of ``versions``."""
    keys = {version_key(v) for v in versions}
    return version_key(version) in keys


def is_release_account(allowlist: MaintainersAllowlist, account: str) -> bool:
    key = account_key(account)
    return key in allowlist.required_owners or key in allowlist.allowed_accounts


def _unconfirmed(account: str, role: str) -> str:
    return "nothing asked PyPI whether a user holds it"


def judge_entry(entry: JournalEntry, project: ManagedProject, allowlist: MaintainersAllowlist,
                known_versions: set[str], today: datetime.date,
                confirm: Confirm | None = None) -> Judgement:
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
    confirmed = confirm or _unconfirmed

    def item(kind: str, account: str | None = None, role: str | None = None,
             version: str | None = None, filename: str | None = None,
             **details: str | None) -> WatchFinding:
        version = version or entry.version
        detail = ADVICE[kind].format(role=role, version=version, account=account, **details)
        return WatchFinding(name, kind, detail, entry.serial, entry.timestamp, entry.action,
                            account, role, version, filename)

    def raised(findings: list[WatchFinding], warnings: Iterable[WatchFinding] = (),
               file_action: Action | None = None) -> Judgement:
        kinds = ", ".join(f.kind for f in [*findings, *warnings])
        return Judgement(list(findings), list(warnings), file_action, kinds)

    verb = action.verb
    account = action.account
    if verb == "add-file" and action.role is None:
        return Judgement([], [], action, "a file: its signature is checked")
    if verb == "new-release":
        if entry.version and is_known_version(entry.version, known_versions):
            return Judgement([], [], None, "a release the deliverables or known releases list")
        return raised([item("unexpected-release", version=entry.version)])
    if verb in ("invite", "accepted", "add-role", "change-role", "add-file"):
        role = action.new_role or action.role
        if account is None or role is None:  # their patterns always capture both
            return raised([item("unknown-event")])
        findings = []
        owners = allowlist.required_owners
        if verb == "change-role" and account_key(account) in owners and role != "Owner":
            findings.append(item("required-owner-removed", account, role))
        verdict = allowlist_verdict(allowlist, project.name, account, role, today)
        if verdict is not None:
            kind, allowed = verdict
            if verb == "invite":
                kind = "role-invitation"
            findings.append(item(kind, account, role, allowed=allowed))
        elif verb in ("add-role", "change-role", "add-file") and not findings:
            # invitations and their acceptance name users only; a grant may be a team's
            why = confirmed(account, role)
            if why:
                findings.append(item("role-unconfirmed", account, role, why=why))
        file_action = action if verb == "add-file" else None
        if findings:
            return raised(findings, file_action=file_action)
        quiet = ("an allowed account invited" if verb == "invite" else
                 "an allowed account accepted its invitation" if verb == "accepted" else
                 f"an allowed role, and PyPI lists the user {printable(account)} as {role}")
        return Judgement([], [], file_action, quiet)
    if verb == "remove-role":
        if account is not None and account_key(account) in allowlist.required_owners:
            return raised([item("required-owner-removed", account, action.role)])
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


def pending_file(entry: JournalEntry, action: Action, project: ManagedProject) -> PendingFile:
    """The :data:`PendingFile` of a file ``entry`` added to ``project``."""
    return {"project": project.name, "version": entry.version or "",
            "filename": action.filename, "serial": entry.serial,
            "timestamp": entry.timestamp, "action": entry.action,
            "upload_time": entry.timestamp}


def judge_file(item: PendingFile, outcome: FileOutcome, now: float,
               grace_seconds: int) -> tuple[list[WatchFinding], list[WatchFinding],
                                            PendingFile | None]:
    """``(findings, warnings, still_pending)`` for one checked file."""
    def finding(kind: str, detail: str) -> WatchFinding:
        return WatchFinding(item["project"], kind, detail, item["serial"], item["timestamp"],
                            item["action"], version=item["version"] or None,
                            filename=item["filename"])

    if outcome.unverifiable:
        return [finding("unverifiable-file", ADVICE["unverifiable-file"].format(
            why=outcome.unverifiable))], [], None
    uploaded: int = outcome.upload_time or item["upload_time"]
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
