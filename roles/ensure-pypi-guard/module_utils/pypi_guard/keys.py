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

"""The release keys: which key signs each series, in which window, read
from ``data/series_status.yaml`` of openstack/releases and imported from its
key files (``doc/source/static/0x<fingerprint>.txt``) into a keyring that
holds exactly those keys.

Bad input (the series file, a key file) raises :class:`AuditInputError`
listing every problem, before any request.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.gpg import (
    InvalidFingerprint,
    SigningError,
    format_fingerprint,
    import_keys,
    normalize_fingerprint,
)
from ansible.module_utils.pypi_guard.yamlfile import read_yaml

SERIES_STATUS_FILE = os.path.join("data", "series_status.yaml")
KEYS_DIR = os.path.join("doc", "source", "static")


def iso_time(epoch: float | str) -> str:
    """Epoch seconds as ISO 8601 in UTC (``2025-01-01T00:00:00Z``)."""
    moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def input_paths(releases_repo: str | None, series_status_file: str | None = None,
                keys_dir: str | None = None) -> tuple[str, str]:
    """``(series_status_file, keys_dir)``: as given, else in the releases repo."""
    problems: list[str] = []

    def path(given: str | None, inside: str, what: str, variable: str) -> str | None:
        if given or releases_repo:
            return given or os.path.join(releases_repo, inside)  # type: ignore[arg-type]  # set: see the if
        problems.append(f"no {what}: set pypi_guard_releases_repo or {variable}")
        return None

    paths = (path(series_status_file, SERIES_STATUS_FILE, "series_status.yaml",
                  "release_signature_audit_series_status_file"),
             path(keys_dir, KEYS_DIR, "directory of release keys",
                  "release_signature_audit_keys_dir"))
    if problems:
        raise AuditInputError(problems)
    return paths  # type: ignore[return-value]  # no problem: neither is None



@dataclass(frozen=True)
class KeyWindow:
    """The days a key was in force for a series: ``start`` <= day < ``end``
    (``end`` None: ``present``, no end)."""

    series: str
    start: datetime.date
    end: datetime.date | None = None

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def __str__(self) -> str:
        end = self.end.isoformat() if self.end else "present"
        return f"{self.series} {self.start.isoformat()}..{end}"


def _as_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def load_series_keys(path: str) -> dict[str, list[KeyWindow]]:
    """``{fingerprint: [KeyWindow, ...]}`` from ``series_status.yaml``.

    Each series may have ``signing-key: {key, start, end}``; ``end`` is a
    date or ``present``.  Raises :class:`AuditInputError` naming the file,
    the series and the value for every problem, and when no series has a
    key at all.
    """
    try:
        data = read_yaml(path)
    except OSError as exc:
        raise AuditInputError(f"{path}: cannot read the series file: "
                              f"{exc.strerror or exc}") from None
    if not isinstance(data, list):
        raise AuditInputError(f"{path}: expected a list of series, as openstack/releases "
                              "has it")
    problems: list[str] = []
    keys: dict[str, list[KeyWindow]] = {}
    for index, series in enumerate(data):
        if not isinstance(series, dict) or not isinstance(series.get("name"), str):
            problems.append(f"{path}: entry {index} is not a series with a name")
            continue
        name = series["name"]
        if "signing-key" not in series:
            continue
        where = f"{path}: series {name}: signing-key"
        entry = series["signing-key"]
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with key, start and end, "
                            f"got {entry!r}")
            continue
        if not isinstance(entry.get("key"), str):
            problems.append(f"{where}.key: {entry.get('key')!r} is not a fingerprint (YAML "
                            "read it as a number or nothing: quote it)")
            continue
        try:
            fingerprint = normalize_fingerprint(entry["key"])
        except InvalidFingerprint as exc:
            problems.append(f"{where}.key: {exc}")
            continue
        start = _as_date(entry.get("start"))
        if start is None:
            problems.append(f"{where}.start: {entry.get('start')!r} is not a date "
                            "(YYYY-MM-DD)")
            continue
        end_value = entry.get("end")
        end = None if end_value == "present" else _as_date(end_value)
        if end_value != "present" and end is None:
            problems.append(f"{where}.end: {end_value!r} is not a date (YYYY-MM-DD) "
                            "or 'present'")
            continue
        if end is not None and end <= start:
            problems.append(f"{where}: end {end.isoformat()} is not after start "
                            f"{start.isoformat()}")
            continue
        keys.setdefault(fingerprint, []).append(KeyWindow(name, start, end))
    if problems:
        raise AuditInputError(problems)
    if not keys:
        raise AuditInputError(f"{path}: no series has a signing-key (key, start, end): "
                              "there is no release key to check signatures against")
    return keys


@dataclass
class ReleaseKey:
    """A release key as imported: its windows and its expiry dates (epoch
    seconds, None: none).  ``subkey_expires`` maps each subkey's fingerprint
    to its own expiry."""

    fingerprint: str
    windows: list[KeyWindow]
    path: str
    uid: str = ""
    expires: int | None = None
    subkey_expires: dict[str, int | None] = field(default_factory=dict)
    revoked: bool = False

    def expiry_for(self, signing_key: str | None) -> int | None:
        """When the (sub)key ``signing_key`` stopped being valid: the earlier
        of the primary key's and the subkey's expiry, or None."""
        found = [self.expires, self.subkey_expires.get((signing_key or "").upper())]
        times = [value for value in found if value]
        return min(times) if times else None

    def windows_text(self) -> str:
        return ", ".join(str(window) for window in self.windows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "series": [window.series for window in self.windows],
            "windows": [{"series": w.series, "start": w.start.isoformat(),
                         "end": w.end.isoformat() if w.end else "present"}
                        for w in self.windows],
            "expires": iso_time(self.expires) if self.expires else None,
            "revoked": self.revoked,
            "uid": self.uid,
            "key_file": self.path,
        }


def key_file_path(keys_dir: str, fingerprint: str) -> str:
    """``<keys_dir>/0x<fingerprint>.txt`` as openstack/releases names it (lower
    case), or the upper-case spelling when only that exists."""
    lower = os.path.join(keys_dir, f"0x{fingerprint.lower()}.txt")
    upper = os.path.join(keys_dir, f"0x{fingerprint.upper()}.txt")
    if not os.path.exists(lower) and os.path.exists(upper):
        return upper
    return lower


_PUBLIC_BLOCK = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----.*?-----END PGP PUBLIC KEY BLOCK-----", re.S)


def read_key_file(path: str) -> str:
    """The armored public key block(s) of a key file (the listing that
    openstack/releases puts before the block is left out)."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        text = stream.read()
    blocks = _PUBLIC_BLOCK.findall(text)
    if not blocks:
        raise AuditInputError(f"{path}: no armored public key block "
                              "('-----BEGIN PGP PUBLIC KEY BLOCK-----') in the key file")
    return "\n".join(blocks) + "\n"


def _epoch(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _key_details(gpg: Any) -> dict[str, Any]:
    """``{primary fingerprint: gpg's listing}`` of every key in the keyring."""
    return {key["fingerprint"].upper(): key for key in gpg.list_keys()}


def load_release_keys(gpg: Any, series_keys: dict[str, list[KeyWindow]],
                      keys_dir: str) -> dict[str, ReleaseKey]:
    """Import every key of ``series_keys`` from ``keys_dir`` into ``gpg``'s
    keyring and return ``{fingerprint: ReleaseKey}``.

    The keyring must end up holding exactly these keys: a missing or
    unreadable key file, a file holding another key, or a file holding more
    than its own key is an :class:`AuditInputError` (every problem listed).
    """
    problems: list[str] = []
    paths: dict[str, str] = {}
    for fingerprint, windows in sorted(series_keys.items()):
        path = key_file_path(keys_dir, fingerprint)
        series = ", ".join(window.series for window in windows)
        what = f"the release key {format_fingerprint(fingerprint)} of series {series}"
        if not os.path.isfile(path):
            problems.append(f"{path}: missing: no public key file for {what}")
            continue
        try:
            imported = import_keys(gpg, read_key_file(path), f"{path} ({what})")
        except AuditInputError as exc:
            problems += exc.problems
            continue
        except (OSError, SigningError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        others = [f for f in imported if f != fingerprint]
        if fingerprint not in imported:
            problems.append(f"{path}: holds {', '.join(map(format_fingerprint, imported))}, "
                            f"not {what}")
        elif others:
            problems.append(f"{path}: holds other keys besides {what}: "
                            f"{', '.join(map(format_fingerprint, others))}")
        paths[fingerprint] = path
    if problems:
        raise AuditInputError(problems)
    details = _key_details(gpg)
    extra = sorted(set(details) - set(series_keys))
    if extra:  # a key file smuggled in another key (e.g. as a subkey of nothing)
        raise AuditInputError([f"{keys_dir}: the key files hold keys that no series lists: "
                               f"{', '.join(map(format_fingerprint, extra))}"])
    keys: dict[str, ReleaseKey] = {}
    for fingerprint, windows in series_keys.items():
        detail = details.get(fingerprint, {})
        subkeys: dict[str, int | None] = {}
        for info in (detail.get("subkey_info") or {}).values():
            if info.get("fingerprint"):
                subkeys[info["fingerprint"].upper()] = _epoch(info.get("expires"))
        uids = detail.get("uids") or []
        keys[fingerprint] = ReleaseKey(
            fingerprint=fingerprint, windows=sorted(windows, key=lambda w: w.start),
            path=paths[fingerprint], uid=uids[0] if uids else "",
            expires=_epoch(detail.get("expires")), subkey_expires=subkeys,
            revoked=detail.get("trust") == "r")
    return keys
