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

"""The vars files the release team edits, read strictly.

``vars/pypi-maintainers.yaml`` (who may hold a role) and
``vars/pypi-releases.yaml`` (releases that predate the releases repository).

A malformed file is refused as a whole, before any request is made, with one
line per problem naming the file, the key and the value at fault.

Whether an account may hold a role on a project is the allowlist's own
decision (:meth:`MaintainersAllowlist.verdict`), which the maintainer audit
and the watcher both ask.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import jsonschema
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.names import (
    ACCOUNT_MAX_LENGTH,
    PYPI_NAME_PATTERN,
    account_key,
    is_pypi_account_name,
    normalize_name,
    version_key,
)
from ansible.module_utils.pypi_guard.yamlfile import StrictLoader, YamlFileError, parse_yaml

_T = TypeVar("_T")

# Where the release team keeps the allowlist, for the advice in findings.
ALLOWLIST_FILE = "vars/pypi-maintainers.yaml"

ROLES = ("Owner", "Maintainer")
ROLE_RANK = {"Maintainer": 1, "Owner": 2}

_PROJECT = {"type": "string", "pattern": PYPI_NAME_PATTERN}
_ACCOUNT = {"type": "string", "pattern": PYPI_NAME_PATTERN, "maxLength": ACCOUNT_MAX_LENGTH}
# Versions stay loose (known releases predate PEP 440) but are one printable
# ASCII word.
_VERSION = {"type": "string", "pattern": r"^[!-~]+\Z"}
_REASON = {"type": "string", "pattern": r"\S"}
_DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\Z"}


def _per_project_entries(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """Schema of ``{project: [entry, ...]}`` whose entries have exactly ``properties``."""
    return {
        "type": "object",
        "propertyNames": _PROJECT,
        "additionalProperties": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": False,
                      "required": required, "properties": properties},
        },
    }


MAINTAINERS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["pypi_maintainers_allowlist"],
    "properties": {
        "pypi_maintainers_allowlist": {
            "type": "object",
            "additionalProperties": False,
            "required": ["required_owners"],
            "properties": {
                "required_owners": {"type": "array", "items": _ACCOUNT, "minItems": 1},
                "allowed_accounts": {"type": "array", "items": _ACCOUNT},
                "allowed_organizations": {"type": "array", "items": _ACCOUNT},
                "extra_projects": {"type": "array", "items": _PROJECT},
                "ignored_projects": {
                    "type": "object",
                    "propertyNames": _PROJECT,
                    "additionalProperties": _REASON,
                },
                "exceptions": _per_project_entries(
                    ["account", "role", "reason"],
                    {"account": _ACCOUNT, "role": {"enum": list(ROLES)}, "reason": _REASON,
                     "expires": _DATE}),
            },
        },
    },
}


class VarsFileError(AuditInputError):
    """A vars file is malformed; ``problems`` holds one line per problem
    (without the file's name, which ``path`` and ``str()`` give)."""

    def __init__(self, path: object, problems: Iterable[str]) -> None:
        self.path = path
        problems = list(problems)
        super().__init__(problems, "\n".join(f"{path}: {problem}" for problem in problems))


def parse_strict_yaml(text: str | IO[str], source: object) -> Any:
    """Parse YAML text (or a stream), refusing duplicate keys and alias bombs;
    errors name ``source``."""
    try:
        return parse_yaml(text, source, StrictLoader)
    except YamlFileError as exc:
        raise VarsFileError(source, [exc.detail]) from None


def load_strict_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML vars file, refusing duplicate keys; errors name the file."""
    try:
        with open(path, encoding="utf-8") as stream:
            return parse_strict_yaml(stream, path)
    except OSError as exc:
        raise VarsFileError(path, [f"cannot read the file: {exc.strerror}"]) from exc


def _key_path(path_parts: Iterable[object]) -> str:
    text = ""
    for part in path_parts:
        if isinstance(part, str) and not (part.isascii() and part.isprintable()):
            part = ascii(part)  # a key with a newline or a look-alike stays on one line
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


_YAML_TYPES = {"array": "a list", "object": "a mapping", "string": "a string"}


def _describe(error: Any) -> str:
    """One readable line for a jsonschema error: key, value and what is wrong."""
    where = _key_path(error.absolute_path)
    value = error.instance
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(value) - set(known)) if isinstance(value, dict) else []
        return f"{where}: unknown key {', '.join(map(repr, unknown))} (known keys: " \
               f"{', '.join(known)})"
    if error.validator == "required":
        return f"{where}: {error.message.replace(' is a required property', '')} is missing"
    if error.validator == "enum":
        return f"{where}: {value!r} is not one of {', '.join(map(str, error.validator_value))}"
    if error.validator == "type":
        expected = _YAML_TYPES.get(error.validator_value, error.validator_value)
        return f"{where}: {value!r} should be {expected}"
    if error.validator in ("pattern", "maxLength"):
        return _describe_bad_text(where, value, error)
    if error.validator == "minItems":
        return f"{where}: must list at least one account"
    return f"{where}: {error.message}"


_NAME_RULE = ("ASCII letters, digits, '.', '_' and '-', starting and ending with a "
              "letter or digit")


def _describe_bad_text(where: str, value: object, error: Any) -> str:
    where += ": key" if list(error.schema_path)[-2:-1] == ["propertyNames"] else ":"
    if error.schema is _DATE:
        return f"{where} {value!r} is not a date (YYYY-MM-DD)"
    if error.schema is _REASON:
        return f"{where} must not be empty"
    if error.schema is _PROJECT:
        return f"{where} {ascii(value)} is not a project name (PEP 508: {_NAME_RULE})"
    if error.schema is _ACCOUNT:
        return (f"{where} {ascii(value)} is not a PyPI account name ({_NAME_RULE}, at most "
                f"{ACCOUNT_MAX_LENGTH} characters)")
    if error.schema is _VERSION:
        return f"{where} {ascii(value)} is not a version (one word of printable ASCII)"
    return f"{where} {error.message}"


_YAML_KEY_KINDS: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "YAML reads on, off, yes, no, true and false as booleans"),
    (type(None), "YAML reads null, ~ and an empty key as null"),
    ((int, float), "YAML reads it as a number"),
)


def key_problems(data: object, parts: tuple[str | int, ...] = (),
                 _within: frozenset[int] = frozenset()) -> list[str]:
    """Mapping keys that are not text, which YAML makes of ``null:``, ``2048:``
    or ``on:``; one line each, naming where, the key and its value.  A value
    that contains itself (``&a [*a]``) is one too."""
    problems: list[str] = []
    if isinstance(data, (dict, list)):
        if id(data) in _within:
            return [f"{_key_path(parts)}: contains itself (a YAML alias of its own anchor)"]
        _within = _within | {id(data)}
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str):
                problems += key_problems(value, parts + (key,), _within)
                continue
            why = next((text for kind, text in _YAML_KEY_KINDS if isinstance(key, kind)),
                       f"YAML reads it as {type(key).__name__}")
            problems.append(f"{_key_path(parts)}: key {key!r} is not text ({why}): quote "
                            f"it; its value is {value!r:.80}")
    elif isinstance(data, list):
        for index, item in enumerate(data):
            problems += key_problems(item, parts + (index,), _within)
    return problems


def schema_problems(data: object, schema: Mapping[str, Any]) -> list[str]:
    """Every problem of ``data`` against ``schema`` as a readable line, sorted
    by key. Keys that are not text are reported first and alone: the schema
    cannot name what it cannot compare."""
    problems = key_problems(data)
    if problems:
        return problems
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [_describe(error) for error in errors]


def parse_date(text: str) -> datetime.date | None:
    """A ``YYYY-MM-DD`` date, or None when it is not a real date (2027-02-30)."""
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def duplicates(values: Iterable[_T],
               key: Callable[[_T], Hashable] = lambda value: value) -> list[_T]:
    """Values whose ``key`` equals that of an earlier value, in order."""
    seen: set[Hashable] = set()
    repeated: list[_T] = []
    for value in values:
        if key(value) in seen:
            repeated.append(value)
        seen.add(key(value))
    return repeated


@dataclass(frozen=True)
class MaintainerException:
    """An account allowed on one project, up to ``role``, maybe until ``expires``."""

    account: str
    role: str
    reason: str
    expires: datetime.date | None = None

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today


@dataclass
class MaintainersAllowlist:
    """The validated allowlist; names are normalised, accounts in :func:`account_key` form."""

    required_owners: list[str] = field(default_factory=list)
    allowed_accounts: set[str] = field(default_factory=set)
    allowed_organizations: set[str] = field(default_factory=set)
    extra_projects: dict[str, str] = field(default_factory=dict)  # normal name -> as written
    ignored_projects: dict[str, str] = field(default_factory=dict)  # normal name -> reason
    # project -> {account: exception}
    exceptions: dict[str, dict[str, MaintainerException]] = field(default_factory=dict)

    def verdict(self, project: str, account: str, role: str,
                today: datetime.date) -> tuple[str, dict[str, str]] | None:
        """Whether ``account`` (a user or a team) may hold ``role`` on
        ``project`` (normal name): None when it may, else ``(kind,
        details)``: ``unexpected-account`` (not a PyPI account name, or
        neither allowed nor covered by an exception),
        ``missing-required-owner`` (a required owner below Owner),
        ``expired-exception`` (``expires``) or ``role-not-allowed``
        (``allowed``: the exception's role)."""
        if not is_pypi_account_name(account):
            return "unexpected-account", {}  # a look-alike or a team: never a match
        key = account_key(account)
        if key in self.required_owners:
            return None if role == "Owner" else ("missing-required-owner", {})
        if key in self.allowed_accounts:
            return None
        exception = self.exceptions.get(project, {}).get(key)
        if exception is None:
            return "unexpected-account", {}
        if exception.expires is not None and exception.expired(today):
            return "expired-exception", {"expires": exception.expires.isoformat()}
        if ROLE_RANK.get(role, 3) > ROLE_RANK[exception.role]:
            return "role-not-allowed", {"allowed": exception.role}
        return None


def _semantic_problems(allowlist: dict[str, Any]) -> list[str]:
    prefix = "pypi_maintainers_allowlist"
    problems = []
    for key in ("required_owners", "allowed_accounts", "allowed_organizations"):
        for value in duplicates(allowlist.get(key) or [], key=account_key):
            problems.append(f"{prefix}.{key}: {value!r} is listed twice")
    for value in duplicates(allowlist.get("extra_projects") or [], key=normalize_name):
        problems.append(f"{prefix}.extra_projects: {value!r} is listed twice "
                        f"(names are compared in PEP 503 normal form)")
    for key in ("ignored_projects", "exceptions"):
        for value in duplicates(allowlist.get(key) or {}, key=normalize_name):
            problems.append(f"{prefix}.{key}: {value!r} is listed twice "
                            f"(names are compared in PEP 503 normal form)")
    extra = {normalize_name(name) for name in allowlist.get("extra_projects") or []}
    for name in allowlist.get("ignored_projects") or {}:
        if normalize_name(name) in extra:
            problems.append(f"{prefix}.ignored_projects.{name}: also in extra_projects; "
                            f"keep it in one of them")
    for project, entries in (allowlist.get("exceptions") or {}).items():
        for index, entry in enumerate(entries):
            where = f"{prefix}.exceptions.{project}[{index}]"
            if "expires" in entry and parse_date(entry["expires"]) is None:
                problems.append(f"{where}.expires: {entry['expires']!r} is not a real date")
        for entry in duplicates(entries, key=lambda e: account_key(e["account"])):
            problems.append(f"{prefix}.exceptions.{project}: account {entry['account']!r} "
                            f"has more than one entry")
    return problems


def parse_maintainers_allowlist(data: Any, path: str) -> MaintainersAllowlist:
    """Validate the loaded vars file and build a :class:`MaintainersAllowlist`."""
    problems = schema_problems(data, MAINTAINERS_SCHEMA)
    if problems:
        raise VarsFileError(path, problems)
    raw = data["pypi_maintainers_allowlist"]
    problems = _semantic_problems(raw)
    if problems:
        raise VarsFileError(path, problems)
    exceptions: dict[str, dict[str, MaintainerException]] = {}
    for project, entries in (raw.get("exceptions") or {}).items():
        exceptions[normalize_name(project)] = {
            account_key(entry["account"]): MaintainerException(
                account=entry["account"], role=entry["role"], reason=entry["reason"],
                expires=parse_date(entry["expires"]) if "expires" in entry else None)
            for entry in entries}
    return MaintainersAllowlist(
        required_owners=[account_key(owner) for owner in raw.get("required_owners") or []],
        allowed_accounts={account_key(a) for a in raw.get("allowed_accounts") or []},
        allowed_organizations={account_key(o)
                               for o in raw.get("allowed_organizations") or []},
        extra_projects={normalize_name(p): p for p in raw.get("extra_projects") or []},
        ignored_projects={normalize_name(p): reason
                          for p, reason in (raw.get("ignored_projects") or {}).items()},
        exceptions=exceptions,
    )


def load_maintainers_allowlist(path: str | os.PathLike[str]) -> MaintainersAllowlist:
    """Read and validate ``vars/pypi-maintainers.yaml`` (or another path)."""
    return parse_maintainers_allowlist(load_strict_yaml(path), str(path))


ALLOWLIST_VARIABLE_SOURCE = "variable pypi_maintainers_allowlist"


def load_maintainers_allowlist_variable(value: object, source: str = ALLOWLIST_VARIABLE_SOURCE,
                                        ) -> MaintainersAllowlist:
    """Validate the allowlist given as the value of the Ansible variable
    ``pypi_maintainers_allowlist``, exactly like the file.

    ``value`` is the mapping itself, or YAML text of it: the roles pass
    ``pypi_maintainers_allowlist | to_yaml``, because on its way to a module
    Ansible turns the keys YAML read as null, numbers or booleans into text
    (``on:`` would arrive as ``"true"``) and this validation must see them.
    """
    if isinstance(value, str):
        value = parse_strict_yaml(value, source)
    return parse_maintainers_allowlist({"pypi_maintainers_allowlist": value}, source)


def maintainers_allowlist_from_params(params: Mapping[str, Any]) -> MaintainersAllowlist | None:
    """The allowlist of a module's ``allowlist`` (the variable, which wins) or
    ``allowlist_file`` option; None when neither is set."""
    if params.get("allowlist") is not None:
        return load_maintainers_allowlist_variable(params["allowlist"])
    if params.get("allowlist_file"):
        return load_maintainers_allowlist(params["allowlist_file"])
    return None


def required_allowlist(params: Mapping[str, Any]) -> MaintainersAllowlist:
    """:func:`maintainers_allowlist_from_params`, for an audit that cannot
    run without one."""
    allowlist = maintainers_allowlist_from_params(params)
    if allowlist is None:
        raise AuditInputError(
            "no maintainer allowlist: set pypi_guard_allowlist_file (the path of "
            "vars/pypi-maintainers.yaml) or the variable pypi_maintainers_allowlist")
    return allowlist


KNOWN_RELEASES_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["pypi_release_audit_known_releases"],
    "properties": {
        "pypi_release_audit_known_releases": _per_project_entries(
            ["version", "reason"], {"version": _VERSION, "reason": _REASON}),
    },
}


def parse_known_releases(data: Any, path: str) -> dict[str, dict[str, str]]:
    """``{project: {version: reason}}`` from the validated vars file.

    Versions are compared as PEP 440 versions, so ``1.0`` and ``1.0.0`` are
    the same entry (listed twice is an error).
    """
    problems = schema_problems(data, KNOWN_RELEASES_SCHEMA)
    if problems:
        raise VarsFileError(path, problems)
    raw = data["pypi_release_audit_known_releases"]
    prefix = "pypi_release_audit_known_releases"
    for name in duplicates(raw, key=normalize_name):
        problems.append(f"{prefix}: {name!r} is listed twice "
                        f"(names are compared in PEP 503 normal form)")
    for project, entries in raw.items():
        for entry in duplicates(entries, key=lambda e: version_key(e["version"])):
            problems.append(f"{prefix}.{project}: version {entry['version']!r} is listed "
                            f"twice (versions are compared as PEP 440 versions)")
    if problems:
        raise VarsFileError(path, problems)
    return {normalize_name(project): {entry["version"]: entry["reason"] for entry in entries}
            for project, entries in raw.items()}


def load_known_releases(path: str | os.PathLike[str]) -> dict[str, dict[str, str]]:
    """Read and validate ``vars/pypi-releases.yaml`` (or another path)."""
    return parse_known_releases(load_strict_yaml(path), str(path))
