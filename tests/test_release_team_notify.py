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

import re

import pytest
from ansible.module_utils.pypi_guard.http import is_loopback
from ansible.module_utils.pypi_guard.release_team_notify import (
    NotifyError,
    build_message,
    check_transport,
    notify_release_team,
    send_message,
)

from tests.support.processes import free_port
from tests.support.smtpsink import SmtpSink
from tests.support.tlscert import make_certificate, server_context


def message(html=None):
    return build_message("pypi-guard@example.org", ["release@example.org"],
                         "2 unexpected releases", "plain words\n", html)


def test_mail_is_delivered_with_both_parts():
    with SmtpSink() as smtp:
        assert send_message(message("<p>report</p>"), smtp.host, smtp.port) == [
            "release@example.org"]
    [(sender, recipients, received)] = smtp.messages
    assert sender == "pypi-guard@example.org" and recipients == ["release@example.org"]
    assert received["Subject"] == "[pypi-guard] 2 unexpected releases"
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n") == "plain words\n"
    assert received.get_body(("html",)).get_content().strip() == "<p>report</p>"


def test_subject_prefix_is_not_doubled():
    sent = build_message("a@b", ["c@d"], "[pypi-guard] x", "t")
    assert sent["Subject"] == "[pypi-guard] x"


@pytest.mark.parametrize("refusal, expected", [
    ({"refuse_recipients": True}, "refused every recipient: release@example.org (550"),
    ({"refuse_data": True}, "refused the mail: 554 5.7.1 message refused by policy"),
])
def test_refused_mail_is_an_error(refusal, expected):
    with SmtpSink(**refusal) as smtp, pytest.raises(NotifyError, match=re.escape(expected)):
        send_message(message(), smtp.host, smtp.port)


def test_no_server_is_an_error():
    with pytest.raises(NotifyError, match="could not send the mail through 127.0.0.1"):
        send_message(message(), "127.0.0.1", free_port(), timeout=2)


def test_failed_login_does_not_show_the_password():
    with SmtpSink() as smtp, pytest.raises(NotifyError) as raised:
        send_message(message(), smtp.host, smtp.port, username="bot", password="s3cr3t-pw",
                     login_for=(smtp.host, smtp.port))
    assert "s3cr3t-pw" not in str(raised.value)


HOSTILE = "nova 1.0\r\nBcc: x@evil \x1b[2J 2.0\u202e"


def test_hostile_text_cannot_add_a_header_and_the_mail_still_goes_out():
    sent = build_message("pypi-guard@example.org", ["release@example.org"],
                         f"1 unexpected PyPI release: {HOSTILE}", f"found {HOSTILE}\nbye\n")
    with SmtpSink() as smtp:
        assert send_message(sent, smtp.host, smtp.port) == ["release@example.org"]
    [(_sender, recipients, received)] = smtp.messages
    assert recipients == ["release@example.org"]
    assert received["Bcc"] is None
    assert sorted(received.keys()) == sorted(
        ["From", "To", "Subject", "Date", "Message-ID", "Content-Type",
         "Content-Transfer-Encoding", "MIME-Version"])
    assert received["Subject"] == (
        "[pypi-guard] 1 unexpected PyPI release: "
        "nova 1.0\\x0d\\x0aBcc: x@evil \\x1b[2J 2.0\\u202e")
    # the text keeps its own lines (the alert's values arrive escaped already)
    body = received.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body == "found nova 1.0\\x0d\nBcc: x@evil \\x1b[2J 2.0\\u202e\nbye\n"


@pytest.mark.parametrize("field", ["mail_from", "mail_to"])
def test_an_address_with_a_line_break_is_refused_naming_the_variable(field):
    addresses = {"mail_from": "a@example.org", "mail_to": ["b@example.org"]}
    addresses[field] = ("x@example.org\r\nBcc: y@evil" if field == "mail_from"
                        else ["x@example.org\nBcc: y@evil"])
    variable = "pypi_guard_notify_from" if field == "mail_from" else "pypi_guard_notify_to"
    with pytest.raises(NotifyError, match=f"^{variable}: .*is not one mail address"):
        build_message(addresses["mail_from"], addresses["mail_to"], "s", "t")


def test_a_login_without_tls_is_refused_before_connecting():
    with SmtpSink(auth=True) as smtp, pytest.raises(NotifyError) as raised:
        send_message(message(), smtp.host, smtp.port, username="bot", password="s3cr3t-pw",
                     login_for=(smtp.host, smtp.port))
    assert smtp.logins == [] and smtp.messages == []
    error = str(raised.value)
    assert "refusing to send the SMTP password of 'bot' to 127.0.0.1 in clear" in error
    for variable in ("pypi_guard_smtp_starttls", "pypi_guard_smtp_ssl",
                     "pypi_guard_smtp_allow_plain_login"):
        assert variable in error
    assert "s3cr3t-pw" not in error


def test_a_plain_login_to_a_loopback_server_when_allowed():
    with SmtpSink(auth=True) as smtp:
        send_message(message(), smtp.host, smtp.port, username="bot", password="pw",
                     login_for=(smtp.host, smtp.port),
                     allow_plain_login=True)
    assert smtp.logins == [("bot", "pw")] and len(smtp.messages) == 1


@pytest.mark.parametrize("host", ["smtp.example.org", "192.0.2.1", "localhost.example.org",
                                  "::ffff:192.0.2.1"])
def test_a_plain_login_elsewhere_is_refused_even_when_allowed(host):
    with pytest.raises(NotifyError, match="allow_plain_login is for a loopback server only"):
        check_transport(host, username="bot", allow_plain_login=True,
                        login_for=(host.strip("[]"), 25))


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "127.0.0.1", "127.8.9.10",
                                  "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)
    check_transport(host, username="bot", allow_plain_login=True, login_for=(host, 25))


def test_no_login_needs_no_tls():
    check_transport("smtp.example.org")


def test_starttls_and_smtps_together_are_refused():
    with pytest.raises(NotifyError, match="pypi_guard_smtp_starttls and pypi_guard_smtp_ssl "
                                          "are both true"):
        check_transport("smtp.example.org", starttls=True, smtps=True)


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_login_over_tls(tmp_path, monkeypatch, mode):
    cert, key = make_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = server_context(cert, key)
    sink = (SmtpSink(auth=True, starttls=context) if mode == "starttls"
            else SmtpSink(auth=True, implicit_tls=context))
    with sink as smtp:
        send_message(message(), smtp.host, smtp.port, username="bot", password="pw",
                     login_for=(smtp.host, smtp.port),
                     starttls=mode == "starttls", smtps=mode == "smtps", timeout=10)
    assert smtp.logins == [("bot", "pw")] and len(smtp.messages) == 1


def test_an_untrusted_certificate_is_an_error(tmp_path):
    cert, key = make_certificate(tmp_path)
    with SmtpSink(auth=True, implicit_tls=server_context(cert, key)) as smtp, \
            pytest.raises(NotifyError, match="could not send the mail through 127.0.0.1.*"
                                             "CERTIFICATE_VERIFY_FAILED"):
        send_message(message(), smtp.host, smtp.port, username="bot", password="pw",
                     login_for=(smtp.host, smtp.port),
                     smtps=True, timeout=10)
    assert smtp.logins == []


@pytest.mark.parametrize("login_for, reason", [
    (None, "does not say which server it is for"),
    (("smtp.example.org", 25), "holds it for smtp.example.org:25 only"),
    (("127.0.0.1", 1), "holds it for 127.0.0.1:1 only"),
])
def test_a_login_goes_to_the_server_it_is_for_only(login_for, reason):
    with SmtpSink(auth=True) as smtp, pytest.raises(NotifyError, match=reason) as raised:
        send_message(message(), smtp.host, smtp.port, username="bot", password="s3cr3t-pw",
                     allow_plain_login=True, login_for=login_for)
    assert smtp.logins == [] and smtp.messages == []
    assert "s3cr3t-pw" not in str(raised.value)


# --------------------------------------------------------------------------
# What the release_team_notify module does with its options


def options(smtp, **changes):
    params = {"notify_to": ["release@example.org"], "notify_from": "pypi-guard@example.org",
              "subject": "1 unexpected release", "text": "nova 99.0\n", "html_file": None,
              "timeout": 10.0, "smtp_host": smtp.host, "smtp_port": smtp.port,
              "smtp_starttls": False, "smtp_ssl": False, "smtp_allow_plain_login": False,
              "smtp_login": None}
    params.update(changes)
    return params


def test_the_module_sends_the_mail_with_its_html_part(tmp_path):
    report = tmp_path / "report.html"
    report.write_text("<p>the report</p>")
    with SmtpSink() as smtp:
        result = notify_release_team(options(smtp, html_file=str(report)))
    assert result == {"changed": True, "sent": True, "recipients": ["release@example.org"],
                      "subject": "[pypi-guard] 1 unexpected release"}
    [(_sender, _recipients, received)] = smtp.messages
    assert "<p>the report</p>" in received.get_body(("html",)).get_content()


def test_check_mode_sends_nothing():
    with SmtpSink() as smtp:
        result = notify_release_team(options(smtp), check_mode=True)
    assert result["sent"] is False and smtp.messages == []


@pytest.mark.parametrize("changes, problem", [
    ({"notify_to": []}, "no recipient: set pypi_guard_notify_to"),
    ({"html_file": "/nonexistent/report.html"},
     "/nonexistent/report.html: cannot read the HTML part: No such file or directory"),
    ({"smtp_starttls": True, "smtp_ssl": True}, "are both true"),
])
def test_the_module_refuses_before_connecting(changes, problem):
    with SmtpSink() as smtp, pytest.raises(NotifyError, match=re.escape(problem)) as raised:
        notify_release_team(options(smtp, **changes))
    assert smtp.messages == [] and "subject" not in raised.value.details()


def test_a_mail_not_sent_names_its_subject():
    with SmtpSink(refuse_data=True) as smtp, pytest.raises(NotifyError) as raised:
        notify_release_team(options(smtp))
    assert "refused the mail" in str(raised.value)
    assert raised.value.details() == {"problems": [str(raised.value)],
                                      "subject": "[pypi-guard] 1 unexpected release"}
