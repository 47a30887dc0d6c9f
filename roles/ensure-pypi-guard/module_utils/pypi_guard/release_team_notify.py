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

"""Mail to the release team, with smtplib: an alert that cannot be delivered
is an error, never swallowed."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ansible.module_utils.pypi_guard.errors import PypiGuardError
from ansible.module_utils.pypi_guard.http import is_loopback
from ansible.module_utils.pypi_guard.text import printable

SUBJECT_PREFIX = "[pypi-guard]"


# The SMTP options of every module that mails (documented once, in the
# doc fragment pypi_guard_notify).
# The server is in the settings (smtp_host, smtp_port, smtp_*); this is the
# option of the modules that mail.
SMTP_LOGIN_OPTION: dict[str, Any] = {
    # The login, from the pypi_guard_smtp secret, with the server it is for.
    "smtp_login": {"type": "dict", "options": {
        "host": {"type": "str", "required": True},
        "port": {"type": "int", "default": 25},
        "username": {"type": "str", "required": True},
        "password": {"type": "str", "required": True, "no_log": True},
    }},
}


class NotifyError(PypiGuardError):
    """The mail could not be made or handed to the SMTP server; ``subject``
    is the subject of the mail that was not sent, once it is known."""

    def __init__(self, message: str, subject: str | None = None) -> None:
        super().__init__(message)
        self.subject = subject

    def details(self) -> dict[str, Any]:
        details = super().details()
        if self.subject is not None:
            details["subject"] = self.subject
        return details


def build_message(mail_from: str, mail_to: Sequence[str], subject: str, text: str,
                  html: str | None = None) -> EmailMessage:
    """A ``text/plain`` mail, ``multipart/alternative`` with the HTML part when given.

    The subject and every line of the text and of the HTML go through
    :func:`printable`: what the index sent can neither add a header nor hide
    in the mail (a right-to-left override shows as ``\\u202e`` in both
    parts). An address with such a character is refused (it is
    configuration, not data).
    """
    for variable, addresses in (("pypi_guard_notify_from", [mail_from]),
                                ("pypi_guard_notify_to", mail_to)):
        for address in addresses:
            if printable(address) != address:
                raise NotifyError(f"{variable}: {printable(address)!r} is not one mail "
                                  "address (it holds a control or bidi character)")
    subject = printable(subject)
    if not subject.startswith(SUBJECT_PREFIX):
        subject = f"{SUBJECT_PREFIX} {subject}"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(mail_to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="pypi-guard.invalid")
    message.set_content(_printable_lines(text))
    if html:
        message.add_alternative(_printable_lines(html), subtype="html")
    return message


def _printable_lines(text: str) -> str:
    return "\n".join(printable(line) for line in text.split("\n"))


def _same_host(one: str, other: str) -> bool:
    return one.strip("[]").lower().rstrip(".") == other.strip("[]").lower().rstrip(".")


def check_transport(host: str, starttls: bool = False, smtps: bool = False,
                    username: str | None = None, allow_plain_login: bool = False,
                    port: int = 25, login_for: tuple[str, int] | None = None) -> None:
    """Refuse, before connecting, a setting that would send the password in
    clear or to a server it is not for.

    A login is sent only to the server named with it (``login_for``,
    ``(host, port)`` from the same secret as the password): a variable
    pointing the mail at another server gets no credentials.  A login needs
    STARTTLS or implicit TLS (SMTPS); without either it is allowed only with
    ``allow_plain_login`` and only to a loopback server (a local relay or a
    test server): a password never crosses a network in clear, whatever the
    settings say.
    """
    if starttls and smtps:
        raise NotifyError(
            "pypi_guard_smtp_starttls and pypi_guard_smtp_ssl are both true: use "
            "STARTTLS (pypi_guard_smtp_starttls, usually port 587) or implicit TLS "
            "(pypi_guard_smtp_ssl, usually port 465), not both")
    if not username:
        return
    if login_for is None:
        raise NotifyError(f"refusing to send the SMTP login of {username!r}: it does not "
                          "say which server it is for (pypi_guard_smtp.host)")
    login_host, login_port = login_for
    if not _same_host(host, login_host) or int(port) != int(login_port):
        raise NotifyError(
            f"refusing to send the SMTP login of {username!r} to {host}:{port}: the "
            f"pypi_guard_smtp secret holds it for {login_host}:{login_port} only")
    if starttls or smtps:
        return
    if not allow_plain_login:
        raise NotifyError(
            f"refusing to send the SMTP password of {username!r} to {host} in clear: set "
            "pypi_guard_smtp_starttls (STARTTLS) or pypi_guard_smtp_ssl (implicit TLS) to "
            "true; pypi_guard_smtp_allow_plain_login allows a plain login to a loopback "
            "server only")
    if not is_loopback(host):
        raise NotifyError(
            f"refusing to send the SMTP password of {username!r} to {host} in clear: "
            "pypi_guard_smtp_allow_plain_login is for a loopback server only; set "
            "pypi_guard_smtp_starttls or pypi_guard_smtp_ssl to true")


def send_message(message: EmailMessage, host: str, port: int = 25, starttls: bool = False,
                 username: str | None = None, password: str | None = None,
                 timeout: float = 30.0, smtps: bool = False, allow_plain_login: bool = False,
                 login_for: tuple[str, int] | None = None) -> list[str]:
    """Hand ``message`` to the SMTP server; raise NotifyError saying why not.

    ``smtps`` speaks TLS from the first byte (port 465), ``starttls``
    upgrades a plain connection (port 587); a login without either is
    refused, and so is a login to any server but ``login_for`` (see
    :func:`check_transport`). Every recipient must be
    accepted: a partly refused mail is an error too. The error never
    contains the password.
    """
    check_transport(host, starttls, smtps, username, allow_plain_login, port, login_for)
    where = f"{host}:{port}"
    try:
        connection: smtplib.SMTP
        if smtps:
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                          context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        with connection as smtp:
            smtp.ehlo()
            if starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if username:
                smtp.login(username, password or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise NotifyError(f"SMTP server {where} refused every recipient: "
                          f"{_refusals(exc.recipients)}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(f"SMTP server {where} refused the login of {username!r}: "
                          f"{exc.smtp_code}") from exc
    except smtplib.SMTPResponseException as exc:
        reason = exc.smtp_error.decode(errors="replace") if isinstance(
            exc.smtp_error, bytes) else exc.smtp_error
        raise NotifyError(f"SMTP server {where} refused the mail: {exc.smtp_code} "
                          f"{reason}") from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise NotifyError(f"could not send the mail through {where}: {exc}") from exc
    if refused:
        raise NotifyError(f"SMTP server {where} refused some recipients: {_refusals(refused)}")
    return sorted(set(message["To"].split(", ")))


def _refusals(recipients: Mapping[str, tuple[int, bytes | str]]) -> str:
    return "; ".join(
        f"{rcpt} ({code} {text.decode(errors='replace') if isinstance(text, bytes) else text})"
        for rcpt, (code, text) in sorted(recipients.items()))


def _login(params: Mapping[str, Any]
           ) -> tuple[str | None, str | None, tuple[str, int] | None]:
    """``(username, password, (host, port))`` of the ``smtp_login`` option."""
    login = params.get("smtp_login")
    if not login:
        return None, None, None
    return login["username"], login["password"], (login["host"], login["port"])


def check_smtp_options(params: Mapping[str, Any]) -> None:
    """:func:`check_transport` for a module's settings and its :data:`SMTP_LOGIN_OPTION`."""
    username, _password, login_for = _login(params)
    check_transport(params["smtp_host"], params["smtp_starttls"], params["smtp_ssl"],
                    username, params["smtp_allow_plain_login"], params["smtp_port"],
                    login_for)


def send_with_options(message: EmailMessage, params: Mapping[str, Any],
                      timeout: float = 30.0) -> list[str]:
    """:func:`send_message` through a module's settings and its :data:`SMTP_LOGIN_OPTION`."""
    username, password, login_for = _login(params)
    return send_message(message, params["smtp_host"], params["smtp_port"],
                        params["smtp_starttls"], username, password, timeout,
                        smtps=params["smtp_ssl"],
                        allow_plain_login=params["smtp_allow_plain_login"],
                        login_for=login_for)


def read_html_part(path: str) -> str:
    """The HTML part of a mail, from ``path`` (an audit's HTML report)."""
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except OSError as exc:
        raise NotifyError(f"{path}: cannot read the HTML part: {exc.strerror}") from None


def notify_release_team(params: Mapping[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """What the release_team_notify module does with its options: build the
    mail, check the transport, and (unless ``check_mode``) send it; returns
    the module's result, or raises :class:`NotifyError` saying why not."""
    if not params["notify_to"]:
        raise NotifyError("no recipient: set pypi_guard_notify_to")
    html = read_html_part(params["html_file"]) if params["html_file"] else None
    message = build_message(params["notify_from"], params["notify_to"], params["subject"],
                            params["text"], html)
    check_smtp_options(params)
    subject = message["Subject"]
    if check_mode:
        return {"changed": True, "sent": False, "recipients": params["notify_to"],
                "subject": subject}
    try:
        recipients = send_with_options(message, params, params["timeout"])
    except NotifyError as exc:
        raise NotifyError(str(exc), subject=subject) from exc
    return {"changed": True, "sent": True, "recipients": recipients, "subject": subject}
