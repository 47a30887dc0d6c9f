"""Mail to the release team, with smtplib: an alert that cannot be delivered
is an error, never swallowed."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SUBJECT_PREFIX = "[pypi-guard]"


class NotifyError(Exception):
    """The mail could not be handed to the SMTP server."""


def build_message(mail_from, mail_to, subject, text, html=None):
    """A ``text/plain`` mail, ``multipart/alternative`` with the HTML part when given."""
    if not subject.startswith(SUBJECT_PREFIX):
        subject = f"{SUBJECT_PREFIX} {subject}"
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(mail_to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="pypi-guard.invalid")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message, host, port=25, starttls=False, username=None, password=None,
                 timeout=30.0):
    """Hand ``message`` to the SMTP server; raise NotifyError saying why not.

    Every recipient must be accepted: a partly refused mail is an error too.
    The error never contains the password.
    """
    where = f"{host}:{port}"
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
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


def _refusals(recipients):
    return "; ".join(
        f"{rcpt} ({code} {text.decode(errors='replace') if isinstance(text, bytes) else text})"
        for rcpt, (code, text) in sorted(recipients.items()))
