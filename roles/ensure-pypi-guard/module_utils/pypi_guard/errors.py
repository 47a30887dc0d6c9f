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

"""The one error every audit raises for input it cannot use."""

from __future__ import annotations

from collections.abc import Iterable


class AuditInputError(ValueError):
    """Input an audit cannot use (a vars file, the releases or project-config
    checkout, a module option), found before any request: nothing is
    audited.  ``problems`` has one line per fault, each naming the file or
    option, the key and the value; ``str()`` is the whole message."""

    def __init__(self, problems: str | Iterable[str], message: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(message if message is not None else "\n".join(self.problems))
