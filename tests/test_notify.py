import re

import pytest
from ansible.module_utils.pypi_guard_notify import NotifyError, build_message, send_message
from smtpsink import SmtpSink, free_port


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
        send_message(message(), smtp.host, smtp.port, username="bot", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in str(raised.value)
