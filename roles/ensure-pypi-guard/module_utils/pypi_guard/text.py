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

"""Text from the index made safe for a log line, a mail header or a subject."""

from __future__ import annotations

import re

# C0 and C1 controls (CR, LF, ESC...), DEL, the Unicode line and paragraph
# separators, the bidirectional marks, embeddings, overrides and isolates,
# and lone surrogates (which a JSON document can carry as \\ud800).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line, each control or bidi character shown as its
    escape (``\\x0d``, ``\\x1b``, ``\\u202e``): nothing the index sends can
    end a line, start a mail header, move a terminal's cursor or reorder what
    a reader sees, and a hostile value still looks different from a sane one.
    """
    return _UNPRINTABLE.sub(_escape, str(text))
