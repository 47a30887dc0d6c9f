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

"""PyPI's journal: reading ``changelog_since_serial`` page by page, and what
each entry's action means.

Warehouse writes one ``JournalEntry`` per event (``warehouse/`` views:
``forklift/legacy.py``, ``manage/views/``, ``accounts/views.py``,
``utils/project.py``, ``packaging/services.py``); XML-RPC
``changelog_since_serial(serial)`` returns every entry after ``serial`` for all
of PyPI, oldest first, at most 50,000 per call, as
``[name, version or nil, timestamp, action, serial]``.
"""

from __future__ import annotations

import re
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.pypi import parse_xmlrpc_response, xmlrpc_throttle_seconds

ROLE_NAMES = ("Owner", "Maintainer")
_ROLE = "(?P<role>Owner|Maintainer)"
# The name after a role is a user name (ASCII, no space) or a team name (may
# hold spaces): it runs to the end, or to " to <role>" in a change.  Any
# character is taken, so that a name no account can have (a space in an
# invitation, a newline) is judged as an account, never an unknown action.
_ACCOUNT = r"(?P<account>(?s:.+))"
_ACTIONS = (
    ("create", re.compile(r"create")),
    ("new-release", re.compile(r"new release")),
    ("remove-release", re.compile(r"remove release")),
    ("remove-project", re.compile(r"remove project")),
    ("yank-release", re.compile(r"yank release")),
    ("unyank-release", re.compile(r"unyank release")),
    ("project-quarantined", re.compile(r"project quarantined")),
    ("project-quarantine-cleared", re.compile(r"project quarantine cleared")),
    ("release-quarantined", re.compile(r"release quarantined")),
    ("release-quarantine-cleared", re.compile(r"release quarantine cleared")),
    # Any file name is taken: one PyPI would never accept (a space in it) is
    # still a file event, checked and found missing, never an unknown action.
    ("remove-file", re.compile(r"remove file (?P<filename>(?s:.+))")),
    ("invite", re.compile(rf"invite {_ROLE} {_ACCOUNT}")),
    ("revoke-invite", re.compile(rf"revoke_invite {_ROLE} {_ACCOUNT}")),
    ("accepted", re.compile(rf"accepted {_ROLE} {_ACCOUNT}")),
    ("change-role",
     re.compile(rf"change {_ROLE} {_ACCOUNT} to (?P<new_role>Owner|Maintainer)")),
    # ``add {python_version} file {filename}`` (forklift/legacy.py): the
    # python version is the upload form's free text, spaces included, so the
    # file name is the last token.  Before the role grant: see parse_action.
    ("add-file", re.compile(r"add (?P<python_version>(?s:.*)) file (?P<filename>\S+)")),
    ("add-role", re.compile(rf"add {_ROLE} {_ACCOUNT}")),
    ("remove-role", re.compile(rf"remove {_ROLE} {_ACCOUNT}")),
)
_ADD_ROLE = re.compile(rf"add {_ROLE} {_ACCOUNT}")


class ChangelogError(FetchError):
    """The changelog could not be read, or its answer is not what Warehouse sends."""


@dataclass(frozen=True)
class Action:
    """One journal action, parsed: ``verb`` is one of the names above, or
    ``unknown`` for text Warehouse is not known to write."""

    verb: str
    text: str
    role: str | None = None
    account: str | None = None  # a user or a team
    new_role: str | None = None
    filename: str | None = None
    python_version: str | None = None


def parse_action(text: str) -> Action:
    """The :class:`Action` of a journal entry's action text.

    ``add Owner file x.whl`` reads both as a file uploaded with the python
    version ``Owner`` and as Owner given to a team named ``file x.whl`` (team
    names may hold spaces): it is an ``add-file`` that also carries the role
    and the account, and the watcher judges both.
    """
    for verb, pattern in _ACTIONS:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            if verb == "add-file":
                grant = _ADD_ROLE.fullmatch(text)
                if grant:
                    groups.update(grant.groupdict())
            return Action(verb, text, role=groups.get("role"), account=groups.get("account"),
                          new_role=groups.get("new_role"), filename=groups.get("filename"),
                          python_version=groups.get("python_version"))
    return Action("unknown", text)


@dataclass(frozen=True)
class JournalEntry:
    name: str
    version: str | None  # None for project-level events
    timestamp: int  # seconds since the epoch, UTC
    action: str
    serial: int


def _entry(row: object, after: int, where: str) -> JournalEntry:
    """A :class:`JournalEntry` from one row of an answer, checked for shape."""
    if not (isinstance(row, list) and len(row) == 5):
        raise ChangelogError(f"{where}: an entry is not [name, version, timestamp, action, "
                             f"serial]: {row!r:.200}")
    name, version, timestamp, action, serial = row
    if not isinstance(name, str) or not name:
        raise ChangelogError(f"{where}: an entry has no project name: {row!r:.200}")
    if version is not None and not isinstance(version, str):
        raise ChangelogError(f"{where}: an entry's version is not a string: {row!r:.200}")
    for value in (timestamp, serial):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ChangelogError(f"{where}: an entry's timestamp or serial is not an "
                                 f"integer: {row!r:.200}")
    if not isinstance(action, str):
        raise ChangelogError(f"{where}: an entry's action is not a string: {row!r:.200}")
    if serial <= after:
        raise ChangelogError(f"{where}: serial {serial} is not after {after}: the entries "
                             "are out of order")
    return JournalEntry(name, version, timestamp, action, serial)


# A page of 50,000 entries is about 13 MB of XML-RPC (about 260 bytes an
# entry): more than the cap on other answers, still bounded.
MAX_PAGE_BYTES = 64 * 1024 * 1024


def _call(client: HttpClient, pypi_url: str, method: str, *params: Any) -> tuple[Any, str]:
    url = f"{pypi_url.rstrip('/')}/pypi"
    body = xmlrpc.client.dumps(params, method, allow_none=True).encode("utf-8")
    response = client.request("POST", url, data=body, headers={"Content-Type": "text/xml"},
                              throttled=xmlrpc_throttle_seconds, max_size=MAX_PAGE_BYTES)
    where = f"XML-RPC {method}{params!r}"
    try:
        return parse_xmlrpc_response(response.content), where
    except xmlrpc.client.Fault as fault:
        raise ChangelogError(f"{where}: fault {fault.faultCode}: {fault.faultString}") \
            from fault
    except FetchError as exc:
        raise ChangelogError(f"{where}: {exc}") from exc


def last_serial(client: HttpClient, pypi_url: str) -> int:
    """``changelog_last_serial()``: the newest serial of the journal."""
    value, where = _call(client, pypi_url, "changelog_last_serial")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ChangelogError(f"{where}: not a serial: {value!r:.200}")
    return value


def entries_since(client: HttpClient, pypi_url: str, serial: int) -> list[JournalEntry]:
    """One ``changelog_since_serial(serial)`` page, as :class:`JournalEntry` items."""
    rows, where = _call(client, pypi_url, "changelog_since_serial", serial)
    if not isinstance(rows, list):
        raise ChangelogError(f"{where}: not a list of entries: {rows!r:.200}")
    after = serial
    for index, row in enumerate(rows):  # in place: a page is big enough once
        rows[index] = _entry(row, after, where)
        after = rows[index].serial
    return rows  # now JournalEntry items only


def changelog_entries(client: HttpClient, pypi_url: str, after: int,
                      until: int) -> Iterator[JournalEntry]:
    """Every entry after ``after``, up to ``until`` (the serial
    ``changelog_last_serial`` gave at the start), a page at a time whatever
    size the index makes its pages: only one page is held, the previous one
    is let go before the next is asked for.  Entries past ``until`` are left
    for the next run."""
    while after < until:
        page = entries_since(client, pypi_url, after)
        if not page:
            return
        after = page[-1].serial
        for entry in page:
            if entry.serial > until:
                return
            yield entry
        del page
