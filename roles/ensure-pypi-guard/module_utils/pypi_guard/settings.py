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

"""The settings every pypi-guard module shares: the index and its bounds,
the projects, the allowlist, the mail.

They reach each module as one dict option, ``settings``, which the
ensure-pypi-guard role builds once from the ``pypi_guard_*`` variables (key
``K`` is the variable ``pypi_guard_K``).  Documented once in
``doc_fragments/pypi_guard_settings.py``; typed and defaulted by
:data:`SETTINGS_SPEC` (Ansible applies it), checked once by
:func:`module_params`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.http import DEFAULT_MAX_BODY_SIZE

# {namespace}/{repo} from the project's repository in the deliverables,
# {filename} the file's name on the index
DEFAULT_SIGNATURE_URL = "https://tarballs.opendev.org/{namespace}/{repo}/{filename}.asc"
DEFAULT_MAX_FILE_SIZE = 256 * 1024 * 1024

SETTINGS_SPEC: dict[str, dict[str, Any]] = {
    # what is guarded
    "releases_repo": {"type": "path"},
    "project_config": {"type": "path"},
    "projects": {"type": "list", "elements": "str", "default": []},
    "allowlist_file": {"type": "path"},
    # the allowlist variable, as YAML text (see the fragment for why text)
    "allowlist": {"type": "raw"},
    "known_releases_file": {"type": "path"},
    "signature_url": {"type": "str", "default": DEFAULT_SIGNATURE_URL},
    # the index, and how hard it is asked
    "pypi_url": {"type": "str", "default": "https://pypi.org"},
    "concurrency": {"type": "int", "default": 8},
    "rate_limit": {"type": "float", "default": 10.0},
    "timeout": {"type": "float", "default": 30.0},
    "retries": {"type": "int", "default": 4},
    "max_retry_after": {"type": "float", "default": 300.0},
    "max_body_size": {"type": "int", "default": DEFAULT_MAX_BODY_SIZE},
    "max_file_size": {"type": "int", "default": DEFAULT_MAX_FILE_SIZE},
    "allow_insecure_http": {"type": "bool", "default": False},
    # where the reports go, and Zuul's log root they are linked from
    "report_dir": {"type": "path"},
    "zuul_log_root": {"type": "path"},
    # the mail to the release team
    "notify_to": {"type": "list", "elements": "str", "default": []},
    "notify_from": {"type": "str", "default": "pypi-guard@localhost"},
    "smtp_host": {"type": "str", "default": "localhost"},
    "smtp_port": {"type": "int", "default": 25},
    "smtp_starttls": {"type": "bool", "default": False},
    "smtp_ssl": {"type": "bool", "default": False},
    "smtp_allow_plain_login": {"type": "bool", "default": False},
}

# The option every module takes.
SETTINGS_OPTION: dict[str, dict[str, Any]] = {
    "settings": {"type": "dict", "required": True, "options": SETTINGS_SPEC},
}

# Checked once, here: (setting, lowest value) of the numbers
_MINIMUM = {"concurrency": 1, "rate_limit": 0, "timeout": 0.001, "retries": 0,
            "max_retry_after": 0, "max_body_size": 1, "max_file_size": 1, "smtp_port": 1}


def setting_name(key: str) -> str:
    """The variable a setting comes from."""
    return f"pypi_guard_{key}"


def check_settings(settings: Mapping[str, Any]) -> None:
    """Refuse settings no module can use, one line per fault naming the
    variable and the value."""
    problems = [f"{setting_name(key)}: {settings[key]!r} is below {low}"
                for key, low in _MINIMUM.items()
                if settings.get(key) is not None and settings[key] < low]
    if settings.get("smtp_starttls") and settings.get("smtp_ssl"):
        problems.append(f"{setting_name('smtp_starttls')} and {setting_name('smtp_ssl')} are "
                        "both set: choose STARTTLS (usually port 587) or implicit TLS (465)")
    if problems:
        raise AuditInputError(problems)


def module_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`flat_params` of settings :func:`check_settings` accepts."""
    check_settings(params["settings"])
    return flat_params(params)


def flat_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """One flat mapping of a module's own options and its settings (no
    option of a module is named like a setting).  A setting without a
    default that is empty is unset: an Ansible older than 2.19 templates
    the role's ``none`` into an empty string."""
    settings = {key: (None if value == "" and "default" not in SETTINGS_SPEC.get(key, {})
                      else value)
                for key, value in params["settings"].items()}
    own = {key: value for key, value in params.items() if key != "settings"}
    return {**settings, **own}
