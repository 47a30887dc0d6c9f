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

"""The release signature audit playbook, run with the real ansible-playbook
against the fake PyPI and a fake tarballs site on 127.0.0.1."""

import datetime
import hashlib
import json
import uuid
import xmlrpc.client
from pathlib import Path

import pytest

from tests.support.fakepypi import FakePyPI
from tests.support.gpgtestkeys import agents_under
from tests.support.playbook import run_playbook
from tests.support.signed_releases import (
    CLEAN_PROJECTS,
    REPOS,
    Deliverable,
    Series,
    StaticSite,
    leftovers,
    serve_document,
    serve_file,
    sign_bytes,
    write_releases_repo,
)

PLAYBOOK = "playbooks/release-signature-audit/run.yaml"
REPORT = "release-signature-audit.json"


@pytest.fixture
def audit(tmp_path, scratch):
    """Run the playbook with its temporary files under ``scratch``; check
    that nothing is left there and no gpg-agent is left running."""

    def run(pypi_url, releases, signature_url, check=False, **extra):
        variables = {
            "pypi_guard_pypi_url": pypi_url,
            "pypi_guard_releases_repo": str(releases),
            "pypi_guard_report_dir": str(tmp_path / "reports"),
            "pypi_guard_retries": 0,
            "pypi_guard_timeout": 5,
            "pypi_guard_rate_limit": 0,
            "pypi_guard_signature_url": signature_url,
            "release_signature_audit_scope": "all",
        }
        variables.update(extra)
        env = {"TMPDIR": str(scratch), "ANSIBLE_LOCAL_TEMP": str(scratch / "ansible-local"),
               "ANSIBLE_REMOTE_TMP": str(scratch / "ansible-remote")}
        result = run_playbook(PLAYBOOK, variables, check=check, env=env,
                              cwd=tmp_path / "cwd" if (tmp_path / "cwd").is_dir() else None)
        (tmp_path / "play.log").write_text(result.output)
        report = tmp_path / "reports" / REPORT
        result.report = json.loads(report.read_text()) if report.exists() else None
        assert leftovers(scratch) == [], "a temporary GnuPG home or download directory is left"
        assert agents_under(scratch) == [], "a gpg-agent was left running"
        return result

    return run


def tarballs_template(site):
    return site.url + "/{namespace}/{repo}/{filename}.asc"


def test_clean_run_passes(world, tarballs, audit, tmp_path):
    with FakePyPI(world.scenario(CLEAN_PROJECTS)) as pypi:
        result = audit(pypi.url, world.releases, tarballs_template(tarballs),
                       pypi_guard_projects=CLEAN_PROJECTS)
    assert result.returncode == 0, result.output
    report = result.report
    assert report["status"] == "clean"
    assert report["files_checked"] == 5  # nova 1.0.0 was signed by a key expired since
    assert report["findings"] == [] and report["errors"] == []
    assert report["projects_checked"] == 3
    # the evidence: per file, the key that signed it, its series, date and window
    assert len(report["files"]) == 5
    for row in report["files"]:
        assert row["result"] == "good" and row["window"] not in ("", "none"), row
        assert row["signer"] and row["series"] and row["signed_at"].endswith("Z"), row
    html = (tmp_path / "reports" / "release-signature-audit.html").read_text()
    assert report["files"][0]["signer"] in html and report["files"][0]["window"] in html
    # the signature of fooclient is under its second repository only
    assert "/x/fooclient/fooclient-1.0.0.tar.gz.asc" in tarballs.requests


def test_every_finding_fails_the_job_one_line_each(world, tarballs, audit, tmp_path):
    scenario = world.scenario(list(REPOS), {"cinder": {"file": {"status": 503}}})
    with FakePyPI(scenario) as pypi:
        result = audit(pypi.url, world.releases, tarballs_template(tarballs))
    assert result.returncode != 0
    report = result.report
    assert report["status"] == "error"
    found = {(f["project"], f["version"], f["filename"]): f["kind"] for f in report["findings"]}
    for case in world.cases:
        key = (case.project, case.version, case.filename)
        if case.expect == "error":
            assert any(e["filename"] == case.filename for e in report["errors"])
            assert f"{case.project}: error: {case.version} {case.filename}: GET " \
                in result.output
        else:
            assert found.get(key) == case.expect, key
        if case.expect not in (None, "error"):
            assert f"{case.project}: {case.expect}: {case.version} {case.filename} - " \
                in result.output
    kinds = {f["kind"] for f in report["findings"]}
    assert kinds == {"bad-signature", "unsigned", "wrong-key", "signed-outside-window",
                     "digest-mismatch"}
    assert set(report["findings"][0]) == {"project", "kind", "version", "filename", "detail"}
    problems = len(report["findings"]) + len(report["errors"])
    assert f"Release signature audit: error, {problems} problem(s):" in result.output
    html = (tmp_path / "reports" / "release-signature-audit.html").read_text()
    assert "glance-0.5.0.tar.gz" in html and "signed-outside-window" in html


def test_hostile_file_names_are_errors_and_nothing_is_written_outside(world, tmp_path, audit):
    good = b"evil-1.0.0 release bytes\n"
    hostile = b"you should never see me on disk\n"
    absolute = f"/pgs-{uuid.uuid4().hex}-x.tar.gz"
    site = StaticSite()

    def entry(name, content):
        path = f"/files/{uuid.uuid4().hex}.tar.gz"
        site.routes[path] = content
        return {"filename": name, "url": site.url + path, "size": len(content),
                "digests": {"sha256": hashlib.sha256(content).hexdigest()},
                "upload_time_iso_8601": "2021-07-01T00:00:00.000000Z"}

    files = [entry("../x.tar.gz", hostile), entry(absolute, hostile),
             entry("sub/x.tar.gz", hostile), entry("evil-1.0.0.tar.gz", good)]
    good_path = files[-1]["url"][len(site.url):]
    site.routes[good_path + ".asc"] = sign_bytes(world.keys["new"], good, "20210701T000000",
                                                 tmp_path)
    # the release account's reach (XML-RPC user_packages): evil is managed
    site.routes["/pypi"] = xmlrpc.client.dumps(([["Owner", "evil"]],),
                                               methodresponse=True).encode()
    site.routes["/pypi/evil/json"] = json.dumps(
        {"info": {"name": "evil", "version": "1.0.0"}, "urls": files,
         "releases": {"1.0.0": files}}).encode()
    releases = write_releases_repo(tmp_path / "releases", [
        Series("beta", world.keys["new"], "2021-06-01")],
        [Deliverable("beta", "evil", ["openstack/evil"], ["1.0.0"])])
    (tmp_path / "cwd").mkdir()
    before = set(Path("/").iterdir())
    with site:
        result = audit(site.url, releases, "index")
    assert result.returncode != 0
    report = result.report
    assert report["status"] == "error" and report["findings"] == []
    assert report["files_checked"] == 1  # the good file was still checked
    details = [e["detail"] for e in report["errors"]]
    assert len(details) == 3
    for name in ("../x.tar.gz", absolute, "sub/x.tar.gz"):
        assert any(repr(name) in d for d in details), name
        assert f"evil: error: 1.0.0: the index gives the file name {name!r}" in result.output
    # the hostile bytes were never even fetched, let alone written
    assert not any(p in site.requests for p in
                   [f["url"][len(site.url):] for f in files[:3]])
    assert set(Path("/").iterdir()) == before
    assert not Path(absolute).exists()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name.endswith("x.tar.gz")]
    assert written == []


@pytest.mark.parametrize(("case", "message"), [
    ("no-keys", "series_status.yaml: no series has a signing-key"),
    ("missing-key-file", "missing: no public key file for the release key"),
    ("bad-scope", "scope: 'since:yesterday' is not 'latest', 'all' or 'since:YYYY-MM-DD'"),
])
def test_bad_input_fails_before_any_request(world, tmp_path, audit, case, message):
    series = [Series("beta", world.keys["new"], "2021-06-01")]
    if case == "no-keys":
        series = [Series("ancient")]
    releases = write_releases_repo(tmp_path / "releases", series,
                                   [Deliverable("beta", "nova", ["openstack/nova"], ["2.0.0"])])
    extra = {}
    if case == "missing-key-file":
        for path in (releases / "doc" / "source" / "static").iterdir():
            path.unlink()
    if case == "bad-scope":
        extra["release_signature_audit_scope"] = "since:yesterday"
    with FakePyPI(world.scenario(["nova"])) as pypi, StaticSite() as site:
        result = audit(pypi.url, releases, tarballs_template(site), **extra)
        assert pypi.requests == [] and site.requests == []
    assert result.returncode != 0
    assert message in result.output
    # the build page still links a report: status error, the lines naming the file
    assert result.report["status"] == "error"
    assert any(message in e["detail"] for e in result.report["errors"])


def test_allowlist_ignored_projects_are_not_audited(world, tarballs, audit, tmp_path):
    """The maintainer allowlist's ignored_projects hold here too: glance's
    drift is not reported, and nothing of glance is fetched."""
    allowlist = tmp_path / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n"
                         "  ignored_projects:\n    Glance: handed over to its authors\n")
    with FakePyPI(world.scenario(CLEAN_PROJECTS + ["glance"])) as pypi:
        result = audit(pypi.url, world.releases, tarballs_template(tarballs),
                       pypi_guard_projects=CLEAN_PROJECTS + ["glance"],
                       pypi_guard_allowlist_file=str(allowlist))
        asked = {record.project for record in pypi.requests}
    assert result.returncode == 0, result.output
    assert "glance" not in asked
    assert result.report["projects_checked"] == len(CLEAN_PROJECTS)


def test_default_scope_checks_a_file_added_to_an_older_release(world, tarballs, audit):
    """nova 2.0.0 is the newest release; an unsigned wheel added to 1.0.0
    yesterday is in the recent window of the default scope."""
    scenario = world.scenario(["nova"])
    yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    scenario["projects"]["nova"]["releases"]["1.0.0"]["files"].append(
        {"filename": "nova-1.0.0-py3-none-any.whl", "content": b"added later\n",
         "upload_time": yesterday.strftime("%Y-%m-%dT%H:%M:%S")})
    with FakePyPI(scenario) as pypi:
        found = audit(pypi.url, world.releases, tarballs_template(tarballs),
                      pypi_guard_projects=["nova"], release_signature_audit_scope="latest")
        newest_only = audit(pypi.url, world.releases, tarballs_template(tarballs),
                            pypi_guard_projects=["nova"], release_signature_audit_scope="latest",
                            release_signature_audit_recent_days=0)
    assert found.returncode != 0, found.output
    assert [(f["version"], f["filename"], f["kind"]) for f in found.report["findings"]] == [
        ("1.0.0", "nova-1.0.0-py3-none-any.whl", "unsigned")]
    assert found.report["files_checked"] == 3  # 2.0.0's two files and the added one
    assert found.report["scope"].startswith("latest, and every file uploaded since ")
    assert newest_only.returncode == 0, newest_only.output
    assert newest_only.report["files_checked"] == 2


def _index_repo(world, tmp_path, names):
    return write_releases_repo(tmp_path / "releases", [
        Series("beta", world.keys["new"], "2021-06-01")],
        [Deliverable("beta", name, [f"openstack/{name}"], ["1.0.0", "2.0.0"])
         for name in names])


def _good_project(world, tmp_path, site):
    content = b"good-2.0.0 release bytes\n"
    entry = serve_file(site, "good-2.0.0.tar.gz", content,
                       sign_bytes(world.keys["new"], content, "20210701T000000", tmp_path))
    serve_document(site, "good", "2.0.0", [entry], releases={"2.0.0": [entry]})


@pytest.mark.parametrize("shape", ["no-releases", "release-not-a-list"])
def test_a_json_that_hides_releases_is_an_error_not_a_narrower_check(world, tmp_path, audit,
                                                                     shape):
    site = StaticSite()
    content = b"nova-2.0.0 release bytes\n"
    newest = serve_file(site, "nova-2.0.0.tar.gz", content,
                        sign_bytes(world.keys["new"], content, "20210701T000000", tmp_path))
    old = serve_file(site, "nova-1.0.0.tar.gz", b"never signed\n")
    if shape == "no-releases":
        serve_document(site, "nova", "2.0.0", [newest])
        message = "nova: error: the JSON has no 'releases' object"
    else:
        serve_document(site, "nova", "2.0.0", [newest],
                       releases={"1.0.0": {"files": [old]}, "2.0.0": [newest]})
        message = "nova: error: '1.0.0': the index gives the release's files as dict, not a list"
    _good_project(world, tmp_path, site)
    with site:
        result = audit(site.url, _index_repo(world, tmp_path, ["nova", "good"]), "index")
    assert result.returncode != 0, result.output
    assert result.report["status"] == "error"
    assert message in result.output
    assert [e["project"] for e in result.report["errors"]] == ["nova"]
    assert result.report["files_checked"] == 2  # nova 2.0.0 and good 2.0.0


def test_one_hostile_file_entry_does_not_stop_the_audit(world, tmp_path, audit):
    site = StaticSite()
    hostile = [serve_file(site, "evil-1.0.0.tar.gz", b"x", digests=["sha256", "0" * 64]),
               serve_file(site, "evil-1.0.0-py3-none-any.whl", b"y",
                          upload_time_iso_8601="0001-01-01T00:00:00+01:00")]
    serve_document(site, "evil", "1.0.0", hostile, releases={"1.0.0": hostile})
    _good_project(world, tmp_path, site)
    with site:
        result = audit(site.url, _index_repo(world, tmp_path, ["evil", "good"]), "index")
    assert result.returncode != 0, result.output
    report = result.report
    assert report["status"] == "error" and report["findings"] == []
    assert report["files_checked"] == 1  # good's file
    assert [e["project"] for e in report["errors"]] == ["evil", "evil"]
    assert "evil: error: 1.0.0: evil-1.0.0.tar.gz: the index gives no sha256 for the file" \
        in result.output
    assert "evil: error: 1.0.0: the index gives the upload time '0001-01-01T00:00:00+01:00' " \
        "(upload_time_iso_8601), which is not a time" in result.output
