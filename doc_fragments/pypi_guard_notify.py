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

"""The SMTP login of every module that mails the release team, documented
once (see pypi_guard_settings.py for how fragments are read; the server
itself is in the settings)."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  smtp_login:
    description:
    - The login, when the server wants one (the C(pypi_guard_smtp) secret),
      with the server it is for. It is sent only to that server; unless O(settings.smtp_host)
      and O(settings.smtp_port) are its C(host) and C(port), nothing is sent.
    type: dict
    suboptions:
      host:
        description: The SMTP server the login is for.
        type: str
        required: true
      port:
        description: Its port.
        type: int
        default: 25
      username:
        description: Login.
        type: str
        required: true
      password:
        description: Password of O(smtp_login.username).
        type: str
        required: true
"""
