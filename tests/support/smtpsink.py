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

"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

import email
import email.policy
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.processes import free_port


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.sink.refuse_recipients:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.sink.refuse_data:
            return "554 5.7.1 message refused by policy"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.sink.lock:
            self.sink.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class SmtpSink:
    """``with SmtpSink() as smtp: smtp.port, smtp.messages``.

    ``auth=True`` accepts any login, over TLS or not, and keeps each
    ``(login, password)`` in ``smtp.logins``; ``starttls`` (an SSLContext)
    offers STARTTLS, ``implicit_tls`` (an SSLContext) speaks TLS from the
    first byte (SMTPS).
    """

    def __init__(self, refuse_recipients=False, refuse_data=False, auth=False,
                 starttls=None, implicit_tls=None):
        self.refuse_recipients = refuse_recipients
        self.refuse_data = refuse_data
        self.messages = []
        self.logins = []
        self.lock = threading.Lock()
        self.host = "127.0.0.1"
        self.port = free_port()
        options = {}
        if auth:
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        if starttls:
            options.update(tls_context=starttls)
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      ssl_context=implicit_tls, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        with self.lock:
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc_info):
        self._controller.stop()
