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

"""Reports that cannot be written lose nothing: the audit playbooks (real
ansible-playbook, fake PyPI, aiosmtpd) print every problem and fail saying
both."""

from tests.support.audit_playbooks import (
    maintainer_projects,
    maintainers_audit,
    release_audit,
    release_projects,
)
from tests.support.fakepypi import FakePyPI
from tests.support.smtpsink import SmtpSink


def unwritable(tmp_path):
    """A report directory no one can create, root included: its parent is a file."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    return str(blocker / "reports")


def test_maintainers_audit_prints_every_problem_and_the_write_failure(
        tmp_path, allowlist_file):
    projects = maintainer_projects()
    projects["nova"]["roles"].append(["Maintainer", "mallory"])
    projects["Tempest"]["organization"] = "somecorp"
    projects["neutron"]["faults"] = {"json": {"status": 503}}
    report_dir = unwritable(tmp_path)
    with FakePyPI({"projects": projects}) as pypi:
        result = maintainers_audit(pypi, tmp_path, allowlist_file,
                                   pypi_guard_report_dir=report_dir)
    assert result.returncode != 0
    for line in ("PyPI maintainers audit: error, 3 problem(s):",
                 "nova: unexpected-account: mallory (Maintainer) - remove its role on PyPI",
                 "tempest: organization-not-allowed: somecorp (Organization)",
                 f"neutron: error: GET {pypi.url}/pypi/neutron/json: ",
                 f"the reports could not be written to {report_dir}: [Errno 20] Not a "
                 "directory"):
        assert line in result.output, line
    assert "Traceback" not in result.output


def test_a_clean_audit_fails_when_its_reports_cannot_be_written(tmp_path, allowlist_file):
    report_dir = unwritable(tmp_path)
    with FakePyPI({"projects": maintainer_projects()}) as pypi:
        result = maintainers_audit(pypi, tmp_path, allowlist_file,
                                   pypi_guard_report_dir=report_dir)
    assert result.returncode != 0
    assert "PyPI maintainers audit: clean, 0 problem(s):\nthe reports could not be " \
           f"written to {report_dir}" in result.output


def test_release_audit_still_mails_when_its_reports_cannot_be_written(tmp_path, vars_files):
    projects = release_projects()
    projects["nova"]["releases"]["99.0.0"] = {"upload_time": "2026-11-24T21:03:11"}
    report_dir = unwritable(tmp_path)
    with FakePyPI({"projects": projects}) as pypi, SmtpSink() as smtp:
        result = release_audit(pypi, tmp_path, vars_files, smtp,
                               pypi_guard_report_dir=report_dir)
    assert result.returncode != 0
    [(_sender, _recipients, mail)] = smtp.messages
    assert mail["Subject"] == "[pypi-guard] 1 unexpected PyPI release: nova 99.0.0"
    assert mail.get_body(("html",)) is None  # no report to attach
    assert "nova: unexpected-release: 99.0.0, uploaded 2026-11-24T21:03:11" in result.output
    assert f"the reports could not be written to {report_dir}" in result.output
