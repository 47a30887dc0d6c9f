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

"""The alert mail through the release audit playbook: hostile text from the
index, and the SMTP login's transport (real ansible-playbook, fake PyPI,
aiosmtpd)."""

import json

from tests.support.audit_playbooks import release_audit as audit
from tests.support.audit_playbooks import release_projects as clean_projects
from tests.support.fakepypi import FakePyPI
from tests.support.smtpsink import SmtpSink

HOSTILE = ["99.0\r\nBcc: x@evil", "98.0\x1b[2J", "97.0\u202e"]
ESCAPED = ["99.0\\x0d\\x0aBcc: x@evil", "98.0\\x1b[2J", "97.0\\u202e"]
SMTP_PASSWORD = "smtp-pw-never-shown-41be"


def hostile_projects():
    """nova's JSON document lists three hostile versions besides its own."""
    projects = clean_projects()
    versions = list(projects["nova"]["releases"]) + HOSTILE
    document = {"info": {"name": "nova", "version": versions[0]},
                "releases": {version: [] for version in versions}}
    projects["nova"]["faults"] = {"json": {"status": 200, "body": json.dumps(document)}}
    return projects


def test_hostile_versions_still_mail_the_team_and_fail_the_job(tmp_path, vars_files):
    with FakePyPI({"projects": hostile_projects()}) as pypi, SmtpSink() as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
    assert result.returncode != 0
    [(_sender, recipients, mail)] = smtp.messages
    assert recipients == ["release-team@example.org"]
    assert mail["Bcc"] is None and mail["To"] == "release-team@example.org"
    subject = mail["Subject"]
    assert subject.isprintable() and subject.startswith("[pypi-guard] 3 unexpected PyPI ")
    for escaped in ESCAPED:
        assert escaped in subject
        assert f"  nova {escaped}\n" in mail.get_body(("plain",)).get_content().replace(
            "\r\n", "\n")
    # the failing task ran and named every version, escaped
    assert "PyPI release audit: drift, 3 problem(s):" in result.output
    for escaped in ESCAPED:
        assert f"nova: unexpected-release: {escaped} - not in the releases" in (
            result.output.replace("\\\\", "\\"))
    for raw in ("\x1b", "\u202e", "Bcc: x@evil\n"):
        assert raw not in result.output
    # the report keeps the exact values
    assert {f["version"] for f in result.report["findings"]} == set(HOSTILE)


def unexpected_release():
    projects = clean_projects()
    projects["nova"]["releases"]["99.0.0"] = {"upload_time": "2026-11-24T21:03:11"}
    return projects


def test_a_login_without_tls_is_refused_unless_allowed_for_loopback(
        tmp_path, vars_files):
    with FakePyPI({"projects": unexpected_release()}) as pypi, SmtpSink(auth=True) as smtp:
        login = {"pypi_guard_smtp": {"host": smtp.host, "port": smtp.port, "username": "bot",
                                     "password": SMTP_PASSWORD}}
        refused = audit(pypi, tmp_path, vars_files, smtp, **login)
        assert smtp.logins == [] and smtp.messages == []
        allowed = audit(pypi, tmp_path, vars_files, smtp, **login,
                        pypi_guard_smtp_allow_plain_login=True)
    assert refused.returncode != 0
    assert "refusing to send the SMTP password of 'bot' to 127.0.0.1 in clear: set " \
           "pypi_guard_smtp_starttls (STARTTLS) or pypi_guard_smtp_ssl (implicit TLS)" \
        in refused.output
    assert allowed.returncode != 0  # the unexpected release
    assert "nova: unexpected-release: 99.0.0" in allowed.output
    assert smtp.logins == [("bot", SMTP_PASSWORD)] and len(smtp.messages) == 1
    assert SMTP_PASSWORD not in refused.output + allowed.output


def test_the_login_goes_only_to_the_server_the_secret_names(tmp_path, vars_files):
    """A variable pointing the mail at another listener (a project's
    variant) gets neither the login nor the mail: with the secret, the
    server is the secret's."""
    with FakePyPI({"projects": unexpected_release()}) as pypi, \
            SmtpSink(auth=True) as ours, SmtpSink(auth=True) as theirs:
        result = audit(pypi, tmp_path, vars_files, theirs, pypi_guard_smtp={
            "host": ours.host, "port": ours.port, "username": "bot",
            "password": SMTP_PASSWORD}, pypi_guard_smtp_allow_plain_login=True)
    assert result.returncode != 0  # the unexpected release
    assert theirs.logins == [] and theirs.messages == []
    assert ours.logins == [("bot", SMTP_PASSWORD)] and len(ours.messages) == 1
    assert SMTP_PASSWORD not in result.output
