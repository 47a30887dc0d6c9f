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

"""Text from the index on its way to a log line, a mail header or a subject."""

import pytest
from ansible.module_utils.pypi_guard.audit import AuditResult
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import Finding as MaintainerFinding
from ansible.module_utils.pypi_guard.pypi_release_audit import ReleaseFinding, compose_release_alert
from ansible.module_utils.pypi_guard.release_signature_audit import Finding as SignatureFinding
from ansible.module_utils.pypi_guard.text import printable

HOSTILE = "1.0\r\nBcc: x@evil\x1b[2J\u202e"
ESCAPED = "1.0\\x0d\\x0aBcc: x@evil\\x1b[2J\\u202e"


@pytest.mark.parametrize("text, expected", [
    ("nova 1.0", "nova 1.0"),
    ("oslo.config 9.7.0 ünïcode ok", "oslo.config 9.7.0 ünïcode ok"),
    (HOSTILE, ESCAPED),
    ("\x00\x07\t\x7f\x85\x9f", "\\x00\\x07\\x09\\x7f\\x85\\x9f"),
    ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
    ("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
     "\\u200e\\u200f\\u061c\\u202a\\u202b\\u202c\\u202d\\u202e"
     "\\u2066\\u2067\\u2068\\u2069"),
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    (42, "42"),
])
def test_printable(text, expected):
    assert printable(text) == expected
    assert printable(printable(text)) == expected  # escaping twice changes nothing
    assert printable(text).isprintable()


def test_every_audit_line_is_printable():
    lines = [
        MaintainerFinding("nova", "unexpected-account", "x", HOSTILE, "Owner").line(),
        SignatureFinding("nova", "bad-signature", "x", HOSTILE, "nova.whl").line(),
        ReleaseFinding("nova", "unexpected-release", "x", HOSTILE, "2025", "u").line(),
        *AuditResult(1, errors=[{"project": "nova", "version": HOSTILE,
                                 "detail": f"GET u: {HOSTILE}"}]).problem_lines(),
    ]
    for line in lines:
        assert ESCAPED in line and line.isprintable(), line


def test_release_alert_subject_and_text_are_printable():
    finding = ReleaseFinding("nova", "unexpected-release", "x", HOSTILE, "2025-01-01T00:00:00Z",
                             f"https://pypi.example/project/nova/{HOSTILE}/").as_dict()
    subject, text = compose_release_alert([finding], "https://pypi.example")
    assert subject == f"[pypi-guard] 1 unexpected PyPI release: nova {ESCAPED}"
    assert all(line.isprintable() for line in text.split("\n"))
    assert f"  nova {ESCAPED}\n" in text
