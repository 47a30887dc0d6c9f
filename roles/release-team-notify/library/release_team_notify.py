#!/usr/bin/python
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

"""Ansible module: mail the release team."""

DOCUMENTATION = r"""
---
module: release_team_notify
short_description: Mail an alert to the release team through SMTP
description:
  - Sends one mail with a C(text/plain) part and, when O(html_file) is given, that
    file as the C(text/html) alternative. The subject always starts with
    C([pypi-guard]).
  - A mail the server does not accept (connection refused, a refused
    recipient, a refused message, a failed login) fails the module with the
    server's answer; it is never swallowed. The password never appears in the
    result.
  - The recipients, the sender and the SMTP server are the settings
    O(settings.notify_to), O(settings.notify_from) and O(settings.smtp_host)
    and its neighbours; no recipient is an error.
  - A login (O(smtp_login)) is sent only to the server it names (its
    C(host) and C(port) must be O(settings.smtp_host) and O(settings.smtp_port)),
    so that a setting pointing the mail elsewhere never gets the credentials.
  - A login needs O(settings.smtp_starttls) or O(settings.smtp_ssl), so that
    the password is never sent in clear; O(settings.smtp_allow_plain_login) lifts this
    for a loopback server only (a local relay, a test server). The module
    fails before connecting otherwise.
  - Control and bidirectional characters (CR, LF, ESC, U+202E...) in the
    subject and the text are replaced by their escapes (C(\x0d),
    C(\u202e)), so that text from the index can neither add a header nor
    hide in the mail, and the alert still goes out.
  - In check mode nothing is sent.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment:
  - pypi_guard_settings
  - pypi_guard_notify
options:
  subject:
    description: Subject; C([pypi-guard]) is put in front when missing.
    type: str
    required: true
  text:
    description: The plain-text body.
    type: str
    required: true
  html_file:
    description: A file whose content becomes the C(text/html) part (an audit's HTML report).
    type: path
  timeout:
    description: Seconds to wait for the server.
    type: float
    default: 30.0
notes:
  - Supports check mode.
"""

EXAMPLES = r"""
- name: Mail the release team, as the release-team-notify role does
  release_team_notify:
    settings: "{{ pypi_guard_settings }}"
    subject: "[pypi-guard] 1 unexpected PyPI release: nova 99.0.0"
    text: "{{ release_audit.alert.text }}"
    html_file: "{{ release_audit.report_html }}"
    smtp_login: "{{ pypi_guard_smtp_login or omit }}"

- name: Mail through a submission server with a login
  release_team_notify:
    settings:
      notify_to: [openstack-release@lists.openstack.org]
      notify_from: pypi-guard@zuul.opendev.org
      smtp_host: smtp.example.org
      smtp_port: 587
      smtp_starttls: true
    subject: "[pypi-guard] test"
    text: "A test of the alert mail."
    smtp_login:
      host: smtp.example.org
      port: 587
      username: pypi-guard
      password: "{{ smtp_password }}"
"""

RETURN = r"""
sent:
  description: Whether the mail was handed to the server (false in check mode).
  returned: always
  type: bool
recipients:
  description: The recipients the server accepted.
  returned: always
  type: list
  elements: str
subject:
  description: The subject as sent.
  returned: always
  type: str
"""

from ansible.module_utils.pypi_guard.errors import run_module  # noqa: E402
from ansible.module_utils.pypi_guard.release_team_notify import (  # noqa: E402
    SMTP_LOGIN_OPTION,
    notify_release_team,
)
from ansible.module_utils.pypi_guard.settings import SETTINGS_OPTION, module_params  # noqa: E402

ARGUMENT_SPEC = {
    **SETTINGS_OPTION,
    "subject": {"type": "str", "required": True},
    "text": {"type": "str", "required": True},
    "html_file": {"type": "path"},
    "timeout": {"type": "float", "default": 30.0},
    **SMTP_LOGIN_OPTION,
}


def main():
    run_module(ARGUMENT_SPEC, lambda module: notify_release_team(module_params(module.params),
                                                                 module.check_mode),
               supports_check_mode=True)


if __name__ == "__main__":
    main()
