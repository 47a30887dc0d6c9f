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

"""Every job against the real Warehouse, as a release team runs them (issue 19).

The release account publishes signed releases of the test projects with
``release-python-signed``; the three audits and the watcher find that state
clean; then each test plants one event through Warehouse's own web forms
(or an upload with a second token) and checks that the jobs catch it, and
that the watcher reports it once, mails it, and is quiet at its next run.
The tests build on each other, in file order.
"""

import re
import subprocess
import sys
from pathlib import Path

import requests

from tests.support import dists
from tests.warehouse.conftest import PROJECTS, RELEASE_ACCOUNT

TWINE = str(Path(sys.executable).parent / "twine")


def role_id(html, username):
    """The role id of ``username`` on a project's collaboration page."""
    found = re.search(rf"<strong>{re.escape(username)}</strong>.*?name=\"role_id\" "
                      r"value=\"([^\"]+)\"", html, re.S)
    assert found, f"no role of {username} on the page"
    return found.group(1)


def file_id(html, filename):
    """The file id in the delete form of ``filename`` on a release's page."""
    found = re.search(rf"Filename:</strong>\s*{re.escape(filename)}\s*</p>.*?"
                      r'name="file_id" type="hidden" value="([^"]+)"', html, re.S)
    assert found, f"no file {filename} on the page"
    return found.group(1)


def kinds(report, part=("findings", "warnings")):
    return sorted((item["project"], item["kind"]) for key in part for item in report[key])


def watch_reports(jobs, smtp, expected):
    """The watcher reports exactly ``expected`` ((project, kind) pairs, each
    journal entry once), mails them, and says nothing at its next run."""
    mails = len(smtp.messages)
    first = jobs.audit("watch")
    assert first.report is not None, first.output
    items = first.report["findings"] + first.report["warnings"]
    assert sorted({(i["project"], i["kind"]) for i in items}) == sorted(set(expected)), \
        first.output
    serials = [(i["serial"], i["kind"], i.get("filename")) for i in items]
    assert len(serials) == len(set(serials)), f"an event reported twice: {serials}"
    if first.report["findings"]:
        assert first.returncode != 0
        assert len(smtp.messages) == mails + 1, "the findings were not mailed"
        text = smtp.messages[-1][2].get_body(("plain",)).get_content()
        for project, kind in expected:
            assert f"{project}: {kind}" in text
    again = jobs.audit("watch")
    assert again.returncode == 0, again.output
    assert again.report["findings"] == [] and again.report["warnings"] == []
    assert len(smtp.messages) == (mails + 1 if first.report["findings"] else mails)
    return first


def twine_upload(warehouse, token, *paths):
    return subprocess.run(
        [TWINE, "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", f"{warehouse.url}/legacy/", "-u", "__token__", "-p", token,
         *map(str, paths)], capture_output=True, text=True, timeout=120, check=False)


# -- the legitimate state ------------------------------------------------------


def test_release_python_signed_publishes_every_release(jobs, warehouse, tarballs):
    for project, (_repo, versions) in PROJECTS.items():
        for version in versions:
            jobs.release(project, version)
    for project, (repo, versions) in PROJECTS.items():
        document = requests.get(f"{warehouse.url}/pypi/{project}/json", timeout=30).json()
        assert sorted(document["releases"]) == versions
        assert document["ownership"]["roles"] == [{"role": "Owner", "user": RELEASE_ACCOUNT}]
        for version in versions:
            for entry in document["releases"][version]:
                # the file Warehouse serves is the signed one, its .asc published
                served = requests.get(entry["url"], timeout=30)
                assert served.status_code == 200, entry["url"]
                signature = requests.get(
                    f"{tarballs.url}/{repo}/{entry['filename']}.asc", timeout=30)
                assert signature.status_code == 200 and b"PGP SIGNATURE" in signature.content


def test_the_audits_and_the_watcher_are_clean(jobs, smtp):
    for which in ("maintainers", "releases", "signatures"):
        result = jobs.audit(which)
        assert result.returncode == 0, result.output
        assert result.report["status"] == "clean", (which, result.report)
    # the signature audit checked every file Warehouse lists
    watch_reports(jobs, smtp, [])


# -- planted events, one each --------------------------------------------------


def test_a_stranger_invited_and_accepting(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    owner.submit("/manage/project/pg-roles/collaboration/", with_field="username",
                 data={"username": "stranger", "role_name": "Maintainer"},
                 expect="Invitation sent")
    stranger = web("stranger")
    stranger.submit("/manage/projects/", "/account/verify-project-role/",
                    data={"accept": "Accept"})
    watch_reports(jobs, smtp, [("pg-roles", "role-invitation"),
                               ("pg-roles", "unexpected-account")])
    audit = jobs.audit("maintainers")
    assert audit.returncode != 0
    assert ("pg-roles", "unexpected-account") in kinds(audit.report, ("findings",))


def test_a_role_raised(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    page = owner.get("/manage/project/pg-roles/collaboration/").text
    owner.submit("/manage/project/pg-roles/collaboration/", "/collaboration/change/",
                 match={"role_id": role_id(page, "stranger")}, data={"role_name": "Owner"})
    watch_reports(jobs, smtp, [("pg-roles", "unexpected-account")])
    audit = jobs.audit("maintainers")
    roles = {row["project"]: row["roles"] for row in audit.report["inventory"]}
    assert {"account": "stranger", "role": "Owner"} in roles["pg-roles"]


def test_the_release_account_removed(jobs, web, smtp):
    stranger = web("stranger")
    page = stranger.get("/manage/project/pg-roles/collaboration/").text
    stranger.submit("/manage/project/pg-roles/collaboration/", "/collaboration/delete/",
                    match={"role_id": role_id(page, RELEASE_ACCOUNT)},
                    data={"confirm_username": RELEASE_ACCOUNT})
    watch_reports(jobs, smtp, [("pg-roles", "required-owner-removed")])
    audit = jobs.audit("maintainers")
    assert audit.returncode != 0
    assert ("pg-roles", "missing-required-owner") in kinds(audit.report, ("findings",))


def test_an_unlisted_release_uploaded_with_a_second_token(jobs, smtp):
    directory = jobs.build("pg-main", "9.9.9")
    uploaded = twine_upload(jobs.wh, jobs.accounts[RELEASE_ACCOUNT].tokens["second"],
                            *sorted(directory.iterdir()))
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    watch = watch_reports(jobs, smtp, [("pg-main", "unexpected-release"),
                                       ("pg-main", "unsigned")])
    assert "9.9.9" in watch.output
    audit = jobs.audit("releases")
    assert audit.returncode != 0
    assert [(f["project"], f["kind"], f["version"]) for f in audit.report["findings"]
            if f["project"] == "pg-main"] == [("pg-main", "unexpected-release", "9.9.9")]


def test_a_file_added_to_an_old_release_without_signature(jobs, smtp):
    directory = jobs.workdir / "dists" / "added"
    directory.mkdir(parents=True)
    added = dists.make_wheel(directory, "pg-main", "1.0.0", tag="py2.py3-none-any")
    uploaded = twine_upload(jobs.wh, jobs.accounts[RELEASE_ACCOUNT].tokens["second"], added)
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    watch_reports(jobs, smtp, [("pg-main", "unsigned")])
    audit = jobs.audit("signatures")
    assert audit.returncode != 0
    found = [(f["kind"], f["filename"]) for f in audit.report["findings"]
             if f["project"] == "pg-main"]
    assert ("unsigned", added.name) in found, audit.report["findings"]


def test_a_release_yanked(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    owner.submit("/manage/project/pg-main/release/1.1.0/", with_field="confirm_yank_version",
                 data={"confirm_yank_version": "1.1.0", "yanked_reason": "planted"})
    watch_reports(jobs, smtp, [("pg-main", "yanked-release")])
    audit = jobs.audit("releases")
    assert ("pg-main", "yanked-release") in kinds(audit.report), audit.report


def test_a_file_removed(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    page = "/manage/project/pg-doomed/release/1.0.0/"
    wheel = "pg_doomed-1.0.0-py3-none-any.whl"
    owner.submit(page, with_field="file_id",
                 match={"file_id": file_id(owner.get(page).text, wheel)},
                 data={"confirm_project_name": "pg-doomed"})
    watch_reports(jobs, smtp, [("pg-doomed", "removal")])


def test_a_release_removed(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    owner.submit("/manage/project/pg-doomed/release/1.1.0/",
                 with_field="confirm_delete_version", data={"confirm_delete_version": "1.1.0"})
    watch_reports(jobs, smtp, [("pg-doomed", "removal")])
    audit = jobs.audit("releases")
    assert audit.returncode != 0
    assert ("pg-doomed", "missing-release") in kinds(audit.report), audit.report


def test_a_project_removed(jobs, web, smtp):
    owner = web(RELEASE_ACCOUNT)
    owner.submit("/manage/project/pg-doomed/settings/", "/delete_project/",
                 data={"confirm_project_name": "pg-doomed"})
    watch_reports(jobs, smtp, [("pg-doomed", "removal")])
    # a deliverable names it, PyPI no longer knows it: anyone may register the
    # name now (the watcher's removal above is the alert)
    audit = jobs.audit("releases")
    assert ("pg-doomed", "unregistered-name") in kinds(audit.report, ("warnings",)), \
        audit.report


def test_a_release_quarantined(jobs, web, smtp):
    admin = web("admin")
    admin.submit("/admin/projects/pg-held/release/1.1.0", "/quarantine/")
    watch_reports(jobs, smtp, [("pg-held", "quarantined")])
    audit = jobs.audit("signatures")
    assert audit.returncode != 0
    assert [(e["project"], e.get("version")) for e in audit.report["errors"]
            if "hidden from its JSON API" in e["detail"]] == [("pg-held", "1.1.0")]
    audit = jobs.audit("releases")
    assert audit.returncode != 0
    assert [(f["project"], f["version"]) for f in audit.report["findings"]
            if f["kind"] == "hidden-release"] == [("pg-held", "1.1.0")]


def test_a_project_quarantined(jobs, web, smtp):
    admin = web("admin")
    admin.submit("/admin/projects/pg-frozen/malware_reports/", "/malware_reports/quarantine/")
    watch_reports(jobs, smtp, [("pg-frozen", "quarantined")])
    for which in ("maintainers", "releases", "signatures"):
        audit = jobs.audit(which)
        assert audit.returncode != 0, (which, audit.output)
        lines = [line for line in audit.output.splitlines()
                 if "pg-frozen" in line and "quarantined" in line]
        assert lines, f"{which}: nothing says pg-frozen is quarantined"
        assert "pg-frozen: not-on-pypi" not in audit.output
    # a re-run of the release job cannot tell what PyPI has of a quarantined
    # project (its simple page hides the files): it says so and uploads nothing
    rerun = jobs.upload("pg-frozen", "1.0.0", jobs.workdir / "dists" / "pg-frozen-1.0.0",
                        release_python_signed_skip_existing=True)
    assert rerun.returncode != 0
    assert "the index says the project is quarantined" in rerun.output
