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

"""The release-feed audit playbook against the fake PyPI and a real SMTP server."""


import pytest

from tests.support.audit_playbooks import release_audit as audit
from tests.support.audit_playbooks import release_projects as clean_projects
from tests.support.fakepypi import FakePyPI
from tests.support.smtpsink import SmtpSink

SMTP_PASSWORD = "smtp-pw-never-shown-7d2c"
BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "aaaaaaaaaaaaaaaaaaaa">\n'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">\n'
        ']>\n<rss version="2.0"><channel><item><title>&c;</title></item></channel></rss>\n')


def test_clean_run_passes_and_sends_nothing(tmp_path, vars_files):
    with FakePyPI({"projects": clean_projects()}) as pypi, SmtpSink() as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
        endpoints = {r.endpoint for r in pypi.requests}
    assert result.returncode == 0, result.output
    assert smtp.messages == []
    assert result.report["status"] == "clean"
    assert result.report["projects_checked"] == len(clean_projects())
    assert endpoints == {"rss", "json", "xmlrpc"}  # xmlrpc: the release account's reach


def test_unexpected_release_fails_and_mails_once(tmp_path, vars_files):
    projects = clean_projects()
    projects["nova"]["releases"]["99.0.0"] = {
        "upload_time": "2026-11-24T21:03:11",
        "files": [{"filename": "nova-99.0.0.tar.gz", "content": "not ours"}]}
    projects["nova"]["releases"]["2011.3"] = {"upload_time": "2011-09-22T00:00:00"}
    with FakePyPI({"projects": projects}) as pypi, SmtpSink() as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
    assert result.returncode != 0
    assert "nova: unexpected-release: 99.0.0, uploaded 2026-11-24T21:03:11Z" in result.output
    assert [(f["project"], f["kind"], f["version"]) for f in result.report["findings"]] == [
        ("nova", "unexpected-release", "99.0.0")]
    finding = result.report["findings"][0]
    assert {"project", "kind", "version", "detail"} <= set(finding)
    # the evidence: per project, what PyPI has against what is listed; findings first
    inventory = result.report["inventory"]
    assert len(inventory) == len(projects) and inventory[0]["project"] == "nova"
    assert inventory[0]["unexpected"] == ["99.0.0"]
    assert {"99.0.0", "2011.3"} <= set(inventory[0]["on_pypi"])
    assert "2011.3" in inventory[0]["listed"] and "99.0.0" not in inventory[0]["listed"]
    assert all(row["unexpected"] == [] for row in inventory[1:])
    [(sender, recipients, mail)] = smtp.messages
    assert recipients == ["release-team@example.org"]
    assert mail["Subject"] == "[pypi-guard] 1 unexpected PyPI release: nova 99.0.0"
    text = mail.get_body(("plain",)).get_content()
    assert "nova 99.0.0" in text and "2026-11-24T21:03:11Z" in text
    assert f"{pypi.url}/project/nova/99.0.0/" in text and "What to do:" in text
    html = mail.get_body(("html",)).get_content()
    assert html.replace("\r\n", "\n").strip() == (
        tmp_path / "reports" / "pypi-release-audit.html").read_text().strip()


def test_versions_compare_as_pep440(tmp_path, vars_files):
    projects = clean_projects()
    projects["nova"]["releases"] = {"31.0": {"upload_time": "2025-03-01T00:00:00"}}
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, vars_files)
    assert result.returncode == 0, result.output


def test_yanked_listed_release_warns(tmp_path, vars_files):
    projects = clean_projects()
    projects["oslo.config"]["releases"]["9.7.0"]["yanked"] = True
    projects["oslo.config"]["releases"]["9.7.0"]["yanked_reason"] = "broken"
    projects["oslo.config"]["releases"]["9.7.0"]["files"] = [
        {"filename": "oslo_config-9.7.0.tar.gz", "content": "x"}]
    with FakePyPI({"projects": projects}) as pypi, SmtpSink() as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
    assert result.returncode == 0, result.output
    assert smtp.messages == []
    assert [(w["project"], w["kind"], w["version"]) for w in result.report["warnings"]] == [
        ("oslo-config", "yanked-release", "9.7.0")]
    assert "oslo-config: yanked-release: 9.7.0" in result.output


def test_missing_release_warns(tmp_path, vars_files):
    projects = clean_projects()
    del projects["neutron"]["releases"]["27.0.0"]
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, vars_files)
    assert result.returncode == 0, result.output
    assert [(w["project"], w["kind"], w["version"]) for w in result.report["warnings"]] == [
        ("neutron", "missing-release", "27.0.0")]


def test_every_release_deleted_is_an_error(tmp_path, vars_files):
    """The project is still registered, its feed is empty and its JSON 404s:
    not a missing-release warning and a pass."""
    projects = clean_projects()
    projects["Tempest"] = {"roles": [["Owner", "openstackci"]], "exists_without_releases": True}
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, vars_files)
    assert result.returncode != 0, result.output
    assert result.report["status"] == "error"
    assert result.report["warnings"] == []
    [error] = result.report["errors"]
    assert error["project"] == "tempest"
    assert f"tempest: error: {pypi.url} lists no release of tempest (its feed is empty and " \
        "its JSON has none) although the releases repository lists 1 (newest 42.0.0): " \
        "every release was deleted, or this is not the index that publishes it" \
        in result.output


@pytest.mark.parametrize("fault, detail", [
    ({"rss": {"malformed": True}}, "malformed feed"),
    ({"rss": {"status": 200, "body": BOMB}}, "refused a feed with forbidden XML"),
    ({"json": {"malformed": True}}, "malformed JSON"),
])
def test_bad_answers_are_errors(tmp_path, vars_files, fault, detail):
    projects = clean_projects()
    projects["nova"]["faults"] = fault
    with FakePyPI({"projects": projects}) as pypi, SmtpSink() as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
    assert result.returncode != 0
    assert result.report["status"] == "error"
    [error] = result.report["errors"]
    assert error["project"] == "nova" and detail in error["detail"]
    assert "nova: error: GET " in result.output
    assert smtp.messages == []


def test_managed_project_unknown_to_pypi_is_a_warning_not_audited(tmp_path, vars_files):
    projects = clean_projects()
    del projects["kolla-ansible"]
    with FakePyPI({"projects": projects}) as pypi:
        result = audit(pypi, tmp_path, vars_files)
        feeds = {r.project for r in pypi.requests if r.endpoint == "rss"}
    assert result.returncode == 0, result.output
    assert "kolla-ansible: unregistered-name: a deliverable names this project" in result.output
    assert "kolla-ansible" not in feeds
    assert result.report["managed_set"]["classes"]["kolla-ansible"] == "not-published"


def test_refused_mail_fails_the_job(tmp_path, vars_files):
    projects = clean_projects()
    projects["nova"]["releases"]["99.0.0"] = {"upload_time": "2026-11-24T21:03:11"}
    with FakePyPI({"projects": projects}) as pypi, SmtpSink(refuse_data=True) as smtp:
        result = audit(pypi, tmp_path, vars_files, smtp)
    assert result.returncode != 0
    assert "refused the mail: 554 5.7.1 message refused by policy" in result.output
    assert "Mail the release team" in result.output
    assert SMTP_PASSWORD not in result.output


def test_repeat_run_with_cache_transfers_no_body(tmp_path, vars_files):
    cache = tmp_path / "cache"
    with FakePyPI({"projects": clean_projects()}) as pypi:
        first = audit(pypi, tmp_path, vars_files, pypi_release_audit_cache_dir=str(cache))
        first_bytes = pypi.bytes_sent
        pypi.reset_log()
        second = audit(pypi, tmp_path, vars_files, pypi_release_audit_cache_dir=str(cache))
        # projects without releases have no JSON document: a short 404 each time
        answered = [r for r in pypi.requests if r.status != 404 and r.endpoint != "xmlrpc"]
        not_found_bytes = sum(r.bytes_sent for r in pypi.requests if r.status == 404)
        # the release account's reach is read anew every run (one user_packages)
        reach = [r for r in pypi.requests if r.endpoint == "xmlrpc"]
    assert first.returncode == 0 and second.returncode == 0, second.output
    assert first_bytes > 0
    assert len(reach) == 1
    assert pypi.bytes_sent - reach[0].bytes_sent == not_found_bytes < 100
    assert {r.status for r in answered} == {304}
    assert all("If-None-Match" in r.headers for r in answered)
    assert second.report == {**first.report, "generated_at": second.report["generated_at"]}


def test_cache_notices_a_new_release(tmp_path, vars_files):
    cache = tmp_path / "cache"
    with FakePyPI({"projects": clean_projects()}) as pypi:
        audit(pypi, tmp_path, vars_files, pypi_release_audit_cache_dir=str(cache))
        projects = clean_projects()
        projects["nova"]["releases"]["99.0.0"] = {"upload_time": "2026-11-24T21:03:11"}
        pypi.set_scenario({"projects": projects})
        result = audit(pypi, tmp_path, vars_files, pypi_release_audit_cache_dir=str(cache))
    assert result.returncode != 0
    assert "nova: unexpected-release: 99.0.0" in result.output


def test_bad_known_releases_file_is_refused_before_any_request(tmp_path, vars_files):
    known, allowlist = vars_files
    known.write_text("pypi_release_audit_known_releases:\n  nova:\n    - {version: 1.0}\n")
    with FakePyPI({"projects": clean_projects()}) as pypi:
        result = audit(pypi, tmp_path, vars_files)
        assert pypi.requests == []
    assert result.returncode != 0
    assert f"{known}: pypi_release_audit_known_releases.nova[0]: 'reason' is missing" \
        in result.output
