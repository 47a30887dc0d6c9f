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

"""pypi-guard's errors: every error a person has to act on is a
:class:`PypiGuardError`, and each module turns one into ``fail_json`` in one
place, :func:`run_module`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible.module_utils.basic import AnsibleModule


class PypiGuardError(Exception):
    """Something a person has to fix; ``str()`` says what, and ``problems``
    has one line per fault (the message, unless a subclass lists more)."""

    def __init__(self, message: str = "", problems: Iterable[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems is not None else [message]

    def details(self) -> dict[str, Any]:
        """What the module returns beside ``msg`` when it fails."""
        return {"problems": self.problems}


class AuditInputError(PypiGuardError, ValueError):
    """Input an audit cannot use (a vars file, the releases or project-config
    checkout, a module option), found before any request: nothing is
    audited.  ``problems`` has one line per fault, each naming the file or
    option, the key and the value; ``str()`` is the whole message."""

    def __init__(self, problems: str | Iterable[str], message: str | None = None) -> None:
        lines = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(message if message is not None else "\n".join(lines), lines)


def run_module(argument_spec: Mapping[str, Any],
               run: Callable[[AnsibleModule], dict[str, Any]],
               **module_kwargs: Any) -> None:
    """The ``main()`` of a pypi-guard module: ``run(module)`` returns the
    module's result; a :class:`PypiGuardError` fails the module with its
    message and :meth:`~PypiGuardError.details`."""
    module = AnsibleModule(argument_spec=dict(argument_spec), **module_kwargs)
    try:
        result = run(module)
    except PypiGuardError as exc:
        module.fail_json(msg=str(exc), **exc.details())
    module.exit_json(**result)
