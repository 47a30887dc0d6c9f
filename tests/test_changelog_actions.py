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

"""Every action Warehouse journals is one pypi-guard parses.

The strings a real Warehouse run wrote are fixtures here. Warehouse's own
source (``PYPI_GUARD_WAREHOUSE_SRC``, else ``../shared/warehouse`` beside the
repository) is read for every ``JournalEntry(`` call: one test per call, and
a call whose action is not in :data:`TEMPLATES` (new, or changed) fails, so
that a new journal string fails here rather than at the release team. The
snapshot is required under CI (``CI=true``); elsewhere its absence skips.
"""

import ast
import os
import re
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.changelog import parse_action

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = Path(os.environ.get("PYPI_GUARD_WAREHOUSE_SRC")
                 or ROOT.parent / "shared" / "warehouse")

# Journal actions as a real Warehouse run wrote them, and what they parse to:
# (verb, role, account, new_role, filename).
REAL = [
    ("create", ("create", None, None, None, None)),
    ("add Owner alice", ("add-role", "Owner", "alice", None, None)),
    ("new release", ("new-release", None, None, None, None)),
    ("add py3 file X.whl", ("add-file", None, None, None, "X.whl")),
    ("add source file X.tar.gz", ("add-file", None, None, None, "X.tar.gz")),
    ("invite Maintainer bob", ("invite", "Maintainer", "bob", None, None)),
    ("accepted Maintainer bob", ("accepted", "Maintainer", "bob", None, None)),
    ("change Maintainer bob to Owner", ("change-role", "Maintainer", "bob", "Owner", None)),
    ("remove Owner bob", ("remove-role", "Owner", "bob", None, None)),
    ("yank release", ("yank-release", None, None, None, None)),
    ("remove file X.tar.gz", ("remove-file", None, None, None, "X.tar.gz")),
    ("release quarantined", ("release-quarantined", None, None, None, None)),
    ("release quarantine cleared", ("release-quarantine-cleared", None, None, None, None)),
    ("project quarantined", ("project-quarantined", None, None, None, None)),
    ("project quarantine cleared", ("project-quarantine-cleared", None, None, None, None)),
    ("remove release", ("remove-release", None, None, None, None)),
    ("remove project", ("remove-project", None, None, None, None)),
]


@pytest.mark.parametrize("text, expected", REAL)
def test_a_real_journal_string_parses(text, expected):
    action = parse_action(text)
    assert (action.verb, action.role, action.account, action.new_role,
            action.filename) == expected


# Every action template of Warehouse's JournalEntry calls (the f-string with
# each expression in braces) and the verb it must parse to.
TEMPLATES = {
    "create": "create",
    "new release": "new-release",
    "add {file_.python_version} file {file_.filename}": "add-file",
    "remove file {release_file.filename}": "remove-file",
    "yank release": "yank-release",
    "unyank release": "unyank-release",
    "remove release": "remove-release",
    "remove project": "remove-project",
    "project quarantined": "project-quarantined",
    "project quarantine cleared": "project-quarantine-cleared",
    "release quarantined": "release-quarantined",
    "release quarantine cleared": "release-quarantine-cleared",
    "add Owner {creator.username}": "add-role",
    "add {role_name} {user.username}": "add-role",
    "add {role_name.value} {team_name}": "add-role",
    "invite {role_name} {username}": "invite",
    "revoke_invite {role_name} {user.username}": "revoke-invite",
    "accepted {desired_role} {user.username}": "accepted",
    "change {role.role_name} {role.user.username} to {form.role_name.data}": "change-role",
    "change {role.role_name.value} {role.team.name} to "
    "{form.team_project_role_name.data.value}": "change-role",
    "remove {role.role_name} {role.user.username}": "remove-role",
    "remove {role_name.value} {team.name}": "remove-role",
}


def journal_calls(root):
    """``(where, template)`` of every ``JournalEntry(...)`` call under
    ``root`` (tests left out). Warehouse needs Python 3.14 to parse whole,
    so each call is cut out and parsed alone."""
    calls = []
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.relative_to(root).parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?<!class )\bJournalEntry\(", text):
            end, node = match.end(), None
            while node is None:
                end = text.index(")", end) + 1
                try:
                    node = ast.parse(text[match.start():end], mode="eval").body
                except SyntaxError:
                    continue
            where = f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}"
            action = {k.arg: k.value for k in node.keywords}.get("action")
            calls.append((where, _template(action)))
    return calls


def _template(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant)
                       else "{" + ast.unparse(part.value) + "}" for part in node.values)
    return f"<not a string: {ast.unparse(node) if node else 'no action'}>"


def _sample(expression, roles):
    """A value Warehouse could put in place of ``expression``, as hard as
    it gets: spaces in python versions and team names."""
    if "python_version" in expression:
        return "py3 py312"
    if "filename" in expression:
        return "nova-1.0-py3-none-any.whl"
    if expression.endswith("username"):
        return "alice"
    if "team" in expression and "role_name" not in expression:
        return "Release Team"
    if "role" in expression:
        return next(roles)
    return "alice"


def _calls_or_reason():
    if not WAREHOUSE.is_dir():
        return [], f"no Warehouse source at {WAREHOUSE} (set PYPI_GUARD_WAREHOUSE_SRC)"
    calls = journal_calls(WAREHOUSE / "warehouse")
    return calls, None if calls else f"no JournalEntry( call under {WAREHOUSE}"


CALLS, MISSING = _calls_or_reason()


def _no_snapshot():
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{MISSING}: CI must check every journal action of Warehouse")
    pytest.skip(MISSING)


@pytest.mark.parametrize("where, template", CALLS or [("-", "-")],
                         ids=[where for where, _t in CALLS] or ["no-snapshot"])
def test_every_journal_call_of_warehouse_parses(where, template):
    if MISSING:
        _no_snapshot()
    assert template in TEMPLATES, (
        f"{where}: Warehouse journals {template!r}, which pypi-guard does not know: "
        "teach changelog.py the action, then add it to TEMPLATES")
    roles = iter(["Owner", "Maintainer"])
    values = {}
    text = re.sub(r"\{([^}]*)\}",
                  lambda m: values.setdefault(m.group(1), _sample(m.group(1), roles)), template)
    action = parse_action(text)
    assert action.verb == TEMPLATES[template], (where, text)
    for expression, value in values.items():
        if "filename" in expression:
            assert action.filename == value
        elif "python_version" in expression:
            assert action.python_version == value
        elif value in ("Owner", "Maintainer"):
            assert value in (action.role, action.new_role)
        else:
            assert action.account == value, (where, text, action)
    # a file upload is never read as a role, nor a role as a file
    assert (action.filename is not None) == ("filename" in template)


def test_every_known_template_is_still_journaled():
    if MISSING:
        _no_snapshot()
    gone = set(TEMPLATES) - {template for _where, template in CALLS}
    assert not gone, f"Warehouse no longer journals {sorted(gone)}: check what replaced them"
