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

"""Unit tests of roles/ensure-pypi-guard/module_utils/pypi_guard/signature_audit.py: the functions
called directly, with real gpg, the fake PyPI and a fake tarballs site."""

import datetime
import hashlib
import os
import tempfile
from pathlib import Path

import pytest
import release_signature_audit
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.gpg import GnupgHome
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.keys import (
    KeyWindow,
    input_paths,
    load_release_keys,
    load_series_keys,
)
from ansible.module_utils.pypi_guard.release_signature_audit import (
    INDEX_SIGNATURE_URL,
    DistFile,
    Scope,
    TooLarge,
    UnsafeFilename,
    check_file,
    files_in_scope,
    parse_max_file_size,
    parse_scope,
    parse_signature_url,
    run_signature_audit,
    safe_filename,
    signature_urls,
)
from ansible.module_utils.pypi_guard.settings import DEFAULT_SIGNATURE_URL

from tests.support.fakepypi import FakePyPI
from tests.support.gpgtestkeys import agents_under
from tests.support.signed_releases import (
    CLEAN_PROJECTS,
    REPOS,
    Deliverable,
    Series,
    StaticSite,
    key_file_text,
    leftovers,
    serve_document,
    serve_file,
    sign_bytes,
    write_releases_repo,
)

SERIES_FILE = "data/series_status.yaml"
KEYS_DIR = "doc/source/static"


def client(**overrides):
    settings = {"concurrency": 4, "rate_limit": 0, "timeout": 5, "retries": 0}
    settings.update(overrides)
    return HttpClient(**settings, sleep=lambda _s: None)


def projects_of(names):
    return {name: ManagedProject(name, name, repositories=set(REPOS[name])) for name in names}


# --------------------------------------------------------------------------
# Settings


@pytest.mark.parametrize(("value", "expected"), [
    (None, Scope("latest")),
    ("latest", Scope("latest")),
    (" all ", Scope("all")),
    ("since:2021-06-30", Scope("since", datetime.date(2021, 6, 30))),
])
def test_scope(value, expected):
    assert parse_scope(value) == expected


@pytest.mark.parametrize("value", ["", "newest", "since:", "since:2021-13-01", "since 2021-01-01",
                                   "since:21-01-01", "ALL"])
def test_bad_scope_names_the_value(value):
    with pytest.raises(AuditInputError) as caught:
        parse_scope(value)
    assert repr(value) in str(caught.value)
    assert "release_signature_audit_scope" in str(caught.value)


def test_scope_latest_with_a_recent_window():
    today = datetime.date(2026, 11, 25)
    scope = parse_scope("latest", today, 7)
    assert scope == Scope("latest", datetime.date(2026, 11, 18))
    assert str(scope) == "latest, and every file uploaded since 2026-11-18"
    assert parse_scope("latest", today, 0) == Scope("latest")
    assert parse_scope("all", today, 7) == Scope("all")
    for bad in (-1, "7", True):
        with pytest.raises(AuditInputError, match="release_signature_audit_recent_days"):
            parse_scope("latest", today, bad)


def test_signature_url():
    assert parse_signature_url(DEFAULT_SIGNATURE_URL) == DEFAULT_SIGNATURE_URL
    assert parse_signature_url("index") == INDEX_SIGNATURE_URL
    for bad in ("https://x/{namespace}/{nope}.asc", "https://x/{namespace}/{repo}.asc",
                "ftp://x/{filename}.asc", "https://x/{filename.asc", "{repo}/{filename}"):
        with pytest.raises(AuditInputError) as caught:
            parse_signature_url(bad)
        assert repr(bad) in str(caught.value)


def test_max_file_size():
    assert parse_max_file_size("1024") == 1024
    for bad in (0, -1, "big", None):
        with pytest.raises(AuditInputError, match="max_file_size"):
            parse_max_file_size(bad)


def test_input_paths():
    assert input_paths("/r") == ("/r/data/series_status.yaml", "/r/doc/source/static")
    assert input_paths(None, "/s.yaml", "/k") == ("/s.yaml", "/k")
    with pytest.raises(AuditInputError) as caught:
        input_paths(None)
    assert len(caught.value.problems) == 2


# --------------------------------------------------------------------------
# Release keys


def test_series_keys_and_windows(world):
    keys = load_series_keys(world.releases / SERIES_FILE)
    assert set(keys) == {world.keys[k].fingerprint for k in ("new", "old", "revoked")}
    [beta] = keys[world.keys["new"].fingerprint]
    assert beta == KeyWindow("beta", datetime.date(2021, 6, 1), None)
    [alpha] = keys[world.keys["old"].fingerprint]
    assert alpha.contains(datetime.date(2020, 1, 1))
    assert alpha.contains(datetime.date(2021, 5, 31))
    assert not alpha.contains(datetime.date(2021, 6, 1))  # end is excluded
    assert not alpha.contains(datetime.date(2019, 12, 31))


@pytest.mark.parametrize(("text", "message"), [
    ("- name: a\n  status: maintained\n", "no series has a signing-key"),
    ("name: a\n", "expected a list of series"),
    ("- name: a\n  signing-key:\n    key: DEADBEEF\n    start: 2020-01-01\n    end: present\n",
     "series a: signing-key.key: 'DEADBEEF' is not an OpenPGP fingerprint"),
    ("- name: a\n  signing-key:\n    key: 0xDEADBEEF\n    start: 2020-01-01\n    end: present\n",
     "series a: signing-key.key: 3735928559 is not a fingerprint (YAML read it as a number"),
    ("- name: a\n  signing-key:\n    key: " + "a" * 40 + "\n    start: soon\n    end: present\n",
     "series a: signing-key.start: 'soon' is not a date"),
    ("- name: a\n  signing-key:\n    key: " + "a" * 40 + "\n    start: 2020-01-01\n"
     "    end: later\n", "series a: signing-key.end: 'later' is not a date"),
    ("- name: a\n  signing-key:\n    key: " + "a" * 40 + "\n    start: 2020-01-01\n"
     "    end: 2019-01-01\n", "series a: signing-key: end 2019-01-01 is not after start"),
    ("- name: a\n  signing-key: " + "a" * 40 + "\n", "series a: signing-key: expected a mapping"),
    (": : :\n", "not valid YAML"),
])
def test_bad_series_file_names_file_series_and_value(tmp_path, text, message):
    path = tmp_path / "series_status.yaml"
    path.write_text(text)
    with pytest.raises(AuditInputError) as caught:
        load_series_keys(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_missing_series_file(tmp_path):
    with pytest.raises(AuditInputError, match="cannot read the series file"):
        load_series_keys(tmp_path / "nope.yaml")


def test_release_keys_load_with_expiry_and_revocation(world):
    series = load_series_keys(world.releases / SERIES_FILE)
    with GnupgHome() as home:
        keys = load_release_keys(home.gpg, series, world.releases / KEYS_DIR)
        # only the keys the series list: not the "other" key of the same directory
        assert {k["fingerprint"] for k in home.gpg.list_keys()} == set(series)
    old, new, revoked = (keys[world.keys[k].fingerprint] for k in ("old", "new", "revoked"))
    expiry = datetime.datetime(2020, 12, 1, tzinfo=datetime.UTC).timestamp()
    assert abs(old.expires - expiry) <= 86400
    assert old.expiry_for(world.keys["old"].signing_subkey) == old.expires
    assert new.expires is None and new.expiry_for(world.keys["new"].signing_subkey) is None
    assert revoked.revoked and not old.revoked
    assert old.as_dict()["windows"] == [{"series": "alpha", "start": "2020-01-01",
                                         "end": "2021-06-01"}]


def _repo_with(tmp_path, world, write):
    root = write_releases_repo(tmp_path / "releases", [
        Series("beta", world.keys["new"], "2021-06-01"),
        Series("alpha", world.keys["old"], "2020-01-01", "2021-06-01")], [])
    write(root / KEYS_DIR)
    return root


def test_missing_key_file_is_named(tmp_path, world):
    fpr = world.keys["old"].fingerprint
    root = _repo_with(tmp_path, world, lambda d: (d / f"0x{fpr.lower()}.txt").unlink())
    with GnupgHome() as home, pytest.raises(AuditInputError) as caught:
        load_release_keys(home.gpg, load_series_keys(root / SERIES_FILE), root / KEYS_DIR)
    [problem] = caught.value.problems
    assert f"0x{fpr.lower()}.txt: missing" in problem and "series alpha" in problem


@pytest.mark.parametrize("rewrite, expected", [
    (lambda text, keys: key_file_text(keys["other"]), "not the release key"),
    (lambda text, keys: text + keys["other"].public, "holds other keys besides"),
    (lambda text, keys: "pub   ed25519 2020-01-01\n", "no armored public key block"),
], ids=["with-another-key", "with-an-extra-key", "without-a-key"])
def test_key_file(tmp_path, world, rewrite, expected):
    fpr = world.keys["old"].fingerprint

    def write(directory):
        path = directory / f"0x{fpr.lower()}.txt"
        path.write_text(rewrite(path.read_text(), world.keys))

    root = _repo_with(tmp_path, world, write)
    with GnupgHome() as home, pytest.raises(AuditInputError) as caught:
        load_release_keys(home.gpg, load_series_keys(root / SERIES_FILE), root / KEYS_DIR)
    assert expected in str(caught.value)


# --------------------------------------------------------------------------
# File names and URLs


@pytest.mark.parametrize("name", ["../x.tar.gz", "/x.tar.gz", "a/b.whl", "..", ".", "",
                                  "x\\y.tar.gz", ".hidden.tar.gz", "x\n.tar.gz", None])
def test_unsafe_filenames(name):
    with pytest.raises(UnsafeFilename):
        safe_filename(name)


def test_safe_filenames():
    for name in ("nova-1.0.0.tar.gz", "oslo_config-9.0.0-py3-none-any.whl", "a b+c.zip"):
        assert safe_filename(name) == name


def test_signature_urls_are_quoted_and_tried_per_repository():
    project = ManagedProject("fooclient", "fooclient",
                             repositories={"openstack/fooclient-old", "x/fooclient"})
    dist = DistFile("fooclient", "1.0", "foo client?#1.tar.gz", "https://f/p/x.tar.gz", "0" * 64)
    assert signature_urls(DEFAULT_SIGNATURE_URL, project, dist) == [
        "https://tarballs.opendev.org/openstack/fooclient-old/foo%20client%3F%231.tar.gz.asc",
        "https://tarballs.opendev.org/x/fooclient/foo%20client%3F%231.tar.gz.asc"]
    assert signature_urls(INDEX_SIGNATURE_URL, project, dist) == ["https://f/p/x.tar.gz.asc"]
    with pytest.raises(AuditInputError, match="no repository"):
        signature_urls(DEFAULT_SIGNATURE_URL, ManagedProject("x", "x"), dist)


def _file(name, upload_time="2021-01-01T00:00:00", sha256="a" * 64):
    return {"filename": name, "url": f"https://files.example/{name}",
            "digests": {"sha256": sha256}, "size": 10,
            "upload_time_iso_8601": upload_time + ".123456Z"}


DOCUMENT = {"info": {"version": "2.0.0"}, "releases": {
    "1.0.0": [_file("p-1.0.0.tar.gz", "2020-01-01T00:00:00")],
    "2.0.0": [_file("p-2.0.0.tar.gz", "2021-01-01T00:00:00"),
              _file("p-2.0.0-py3-none-any.whl", "2021-01-02T00:00:00")],
    "10.0.0rc1": [_file("p-10.0.0rc1.tar.gz", "2022-01-01T00:00:00")],
    "11.0.0": [],
}}


def _names(files):
    return [f.filename for f in files]


def test_scope_latest_is_the_highest_version_with_files():
    files, problems = files_in_scope("p", DOCUMENT, Scope("latest"))
    assert _names(files) == ["p-10.0.0rc1.tar.gz"] and problems == []


def test_scope_all_and_since():
    files, _ = files_in_scope("p", DOCUMENT, Scope("all"))
    assert len(files) == 4
    files, _ = files_in_scope("p", DOCUMENT, Scope("since", datetime.date(2021, 1, 2)))
    assert _names(files) == ["p-2.0.0-py3-none-any.whl", "p-10.0.0rc1.tar.gz"]


def test_scope_latest_covers_files_added_to_older_releases_in_the_window():
    document = {"info": {"version": "2.0.0"}, "releases": dict(DOCUMENT["releases"], **{
        "1.0.0": [_file("p-1.0.0.tar.gz", "2020-01-01T00:00:00"),
                  _file("p-1.0.0-py3-none-any.whl", "2022-01-05T00:00:00")]})}
    files, problems = files_in_scope("p", document, Scope("latest",
                                                          datetime.date(2022, 1, 5)))
    assert problems == []
    assert _names(files) == ["p-1.0.0-py3-none-any.whl", "p-10.0.0rc1.tar.gz"]
    files, _ = files_in_scope("p", document, Scope("latest"))
    assert _names(files) == ["p-10.0.0rc1.tar.gz"]


@pytest.mark.parametrize("scope", [Scope("all"), Scope("since", datetime.date(2020, 1, 1)),
                                   Scope("latest", datetime.date(2020, 1, 1))])
def test_a_document_without_releases_is_a_problem_never_a_narrower_check(scope):
    latest = [_file("p-2.0.0.tar.gz")]
    files, problems = files_in_scope("p", {"info": {"version": "2.0.0"}, "urls": latest},
                                     scope)
    assert _names(files) == ["p-2.0.0.tar.gz"]  # what can be checked still is
    assert problems == ["the JSON has no 'releases' object: the files of its releases "
                        "cannot all be listed, only those of info.version ('urls') were "
                        "checked"]
    _, problems = files_in_scope("p", {"info": {}, "releases": [latest]}, scope)
    assert problems[0].startswith("the JSON has 'releases' as list, not an object")


def test_a_release_of_the_wrong_shape_is_a_problem():
    document = {"info": {}, "releases": {"1.0.0": {"p-1.0.0.tar.gz": {}}, "2.0.0": "x",
                                         "3.0.0": [_file("p-3.0.0.tar.gz")]}}
    for scope in (Scope("all"), Scope("since", datetime.date(2020, 1, 1))):
        files, problems = files_in_scope("p", document, scope)
        assert _names(files) == ["p-3.0.0.tar.gz"]
        assert problems == [
            "'1.0.0': the index gives the release's files as dict, not a list: its files "
            "cannot be checked",
            "'2.0.0': the index gives the release's files as str, not a list: its files "
            "cannot be checked"]


@pytest.mark.parametrize(("entry", "message"), [
    (dict(_file("p-1.0.tar.gz"), digests=["sha256", "a" * 64]), "no sha256"),
    (dict(_file("p-1.0.tar.gz"), digests={"sha256": 7}), "no sha256"),
    (dict(_file("p-1.0.tar.gz"), upload_time_iso_8601="0001-01-01T00:00:00+01:00"),
     "'0001-01-01T00:00:00+01:00' (upload_time_iso_8601), which is not a time"),
    (dict(_file("p-1.0.tar.gz"), upload_time_iso_8601="0001-01-01T00:00:00Z"),
     "which is not a time PyPI could have recorded (before 2000)"),
    (dict(_file("p-1.0.tar.gz"), upload_time_iso_8601=None, upload_time=["2021"]),
     "['2021'] (upload_time), which is not a time"),
    (dict(_file("p-1.0.tar.gz"), url="http://[::1"), "Invalid IPv6 URL"),
    (["p-1.0.tar.gz"], "a file entry is list, not an object"),
])
def test_hostile_file_entries_are_problems_and_the_rest_is_listed(entry, message):
    document = {"info": {}, "releases": {"1.0": [entry, _file("good-1.0.tar.gz")]}}
    for scope in (Scope("all"), Scope("since", datetime.date(2020, 1, 1)),
                  Scope("latest", datetime.date(2020, 1, 1))):
        files, problems = files_in_scope("p", document, scope)
        assert _names(files) == ["good-1.0.tar.gz"]
        [problem] = problems
        assert problem.startswith("1.0: ") and message in problem


def test_unusable_file_entries_are_problems_not_files():
    document = {"info": {}, "releases": {"1.0": [
        _file("../x.tar.gz"), _file("/x.tar.gz"), _file("ok-1.0.tar.gz", sha256=""),
        dict(_file("ok-1.0.whl"), url="file:///etc/passwd"), _file("good-1.0.tar.gz")]}}
    files, problems = files_in_scope("p", document, Scope("all"))
    assert _names(files) == ["good-1.0.tar.gz"]
    assert len(problems) == 4
    assert "'../x.tar.gz'" in problems[0] and "'/x.tar.gz'" in problems[1]
    assert "no sha256" in problems[2] and "no http(s) URL" in problems[3]


# --------------------------------------------------------------------------
# Downloads


def test_download_streams_under_a_cap(tmp_path):
    body = b"x" * 5000
    with StaticSite({"/f": body, "/nolength": body}, no_length={"/nolength"}) as site, \
            client() as http:
        digest = http.download(site.url + "/f", tmp_path / "a", 5000)
        assert digest == hashlib.sha256(body).hexdigest()
        assert (tmp_path / "a").read_bytes() == body
        with pytest.raises(TooLarge, match="5000 bytes, more than the 4999"):
            http.download(site.url + "/f", tmp_path / "b", 4999)  # Content-Length
        with pytest.raises(TooLarge, match="more than the 4999 bytes"):
            http.download(site.url + "/nolength", tmp_path / "c", 4999)  # counted
        assert http.download(site.url + "/missing", tmp_path / "d", 10, missing_ok=True) \
            is None
        with pytest.raises(FetchError, match="HTTP 404"):
            http.download(site.url + "/missing", tmp_path / "e", 10)


def test_check_file_cleans_up_and_reports_errors(tmp_path, world):
    case = world.cases_of(["nova"])[0]
    project = projects_of(["nova"])["nova"]
    dist = DistFile("nova", case.version, case.filename, "http://127.0.0.1:9/none",
                    case.sha256, size=10)
    with GnupgHome() as home, client() as http:
        result = check_file(http, home.gpg, {}, str(tmp_path), dist, project,
                            DEFAULT_SIGNATURE_URL, 5, 1)
        assert not result.checked and "more than the 5 allowed" in result.error
        result = check_file(http, home.gpg, {}, str(tmp_path), dist, project,
                            DEFAULT_SIGNATURE_URL, 1000, 2)
        assert not result.checked and "connection failed" in result.error
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# The rules, end to end without Ansible


def _audit(world, projects, site, scope=None, faults=None, **kwargs):
    scope = scope or Scope("all")
    series = load_series_keys(world.releases / SERIES_FILE)
    template = site.url + "/{namespace}/{repo}/{filename}.asc"
    with FakePyPI(world.scenario(projects, faults)) as pypi, GnupgHome() as home, \
            tempfile.TemporaryDirectory() as workdir, client(**kwargs) as http:
        keys = load_release_keys(home.gpg, series, world.releases / KEYS_DIR)
        result = run_signature_audit(http, home.gpg, pypi.url, projects_of(projects), keys,
                                     scope, template, 1 << 20, workdir,
                                     today=datetime.date(2025, 1, 1))
        assert os.listdir(workdir) == []
    return result


def test_every_rule(world, tarballs):
    projects = list(REPOS)
    result = _audit(world, projects, tarballs,
                    faults={"cinder": {"file": {"status": 503}}})
    got = {(f.project, f.version, f.filename): f.kind for f in result.findings}
    errors = {(e["project"], e.get("version"), e.get("filename")) for e in result.errors}
    for case in world.cases:
        where = (case.project, case.version, case.filename)
        if case.expect == "error":
            assert where in errors
        else:
            assert got.get(where) == case.expect, (where, got.get(where))
    assert len(result.findings) == sum(1 for c in world.cases if c.expect not in (None, "error"))
    assert result.status == "error"
    assert result.extra["files_checked"] == len(world.cases) - 1
    details = {f.version: f.detail for f in result.findings if f.project == "glance"}
    assert "after the key expired" in details["0.5.0"]
    assert "outside its window (beta 2021-06-01..present)" in details["0.6.0"]
    assert "revoked" in details["0.4.0"]
    assert "not a release key" in details["0.3.0"]
    assert result.problem_lines()[-1].startswith("cinder: error: 1.0.0 cinder-1.0.0.tar.gz: GET ")
    assert "HTTP 503" in result.problem_lines()[-1]


def test_clean_projects_pass_with_an_expired_key(world, tarballs):
    result = _audit(world, CLEAN_PROJECTS, tarballs)
    assert result.status == "clean", result.problem_lines()
    assert result.extra["files_checked"] == 5 and result.findings == [] and result.errors == []


def test_since_scope_leaves_older_files_out(world, tarballs):
    result = _audit(world, ["glance"], tarballs,
                    scope=Scope("since", datetime.date(2021, 6, 1)))
    assert {f.version for f in result.findings} == {"0.1.0", "0.2.0", "0.3.0", "0.7.0",
                                                    "0.8.0"}


def test_project_not_on_pypi_is_a_warning_and_fetch_failures_are_errors(world, tarballs):
    series = load_series_keys(world.releases / SERIES_FILE)
    projects = {"nova": ManagedProject("nova", "nova", {"openstack/nova"}),
                "ghost": ManagedProject("ghost", "ghost", {"openstack/ghost"})}
    scenario = world.scenario(["nova"], {"nova": {"json": {"status": 500}}})
    with FakePyPI(scenario) as pypi, GnupgHome() as home, \
            tempfile.TemporaryDirectory() as workdir, client() as http:
        keys = load_release_keys(home.gpg, series, world.releases / KEYS_DIR)
        result = run_signature_audit(http, home.gpg, pypi.url, projects, keys,
                                     Scope("latest"), DEFAULT_SIGNATURE_URL, 1 << 20, workdir)
    assert [w.kind for w in result.warnings] == ["not-on-pypi"]
    assert result.status == "error"
    assert "HTTP 500" in result.errors[0]["detail"]


def test_a_run_that_checks_no_file_is_an_error(world):
    series = load_series_keys(world.releases / SERIES_FILE)
    projects = {"ghost": ManagedProject("ghost", "ghost", {"openstack/ghost"})}
    results = {}
    with FakePyPI({}) as pypi, GnupgHome() as home, \
            tempfile.TemporaryDirectory() as workdir, client() as http:
        keys = load_release_keys(home.gpg, series, world.releases / KEYS_DIR)
        for scope in (Scope("latest"), Scope("since", datetime.date(2021, 1, 1))):
            results[scope.kind] = run_signature_audit(
                http, home.gpg, pypi.url, projects, keys, scope, DEFAULT_SIGNATURE_URL,
                1 << 20, workdir)
    assert results["latest"].status == "error"
    assert "no file was checked" in results["latest"].problem_lines()[0]
    # nothing uploaded since a day is a legitimate empty run
    assert results["since"].status == "clean"


def _run_on_index(world, site, projects):
    series = load_series_keys(world.releases / SERIES_FILE)
    with site, GnupgHome() as home, tempfile.TemporaryDirectory() as workdir, \
            client() as http:
        keys = load_release_keys(home.gpg, series, world.releases / KEYS_DIR)
        return run_signature_audit(
            http, home.gpg, site.url, {n: ManagedProject(n, n, {f"openstack/{n}"})
                                       for n in projects},
            keys, Scope("all"), INDEX_SIGNATURE_URL, 1 << 20, workdir)


def test_one_hostile_project_is_an_error_and_the_others_are_checked(world, tmp_path):
    site = StaticSite()
    content = b"good-1.0.0 release bytes\n"
    good = serve_file(site, "good-1.0.0.tar.gz", content,
                      sign_bytes(world.keys["new"], content, "20210701T000000", tmp_path))
    serve_document(site, "good", "1.0.0", [good], releases={"1.0.0": [good]})
    hostile = [serve_file(site, "evil-1.0.0.tar.gz", b"x", digests=["sha256", "0" * 64]),
               serve_file(site, "evil-1.0.0.whl", b"y",
                          upload_time_iso_8601="0001-01-01T00:00:00+01:00")]
    serve_document(site, "evil", "1.0.0", hostile, releases={"1.0.0": hostile})
    serve_document(site, "bare", "1.0.0", [good])  # no releases at all
    result = _run_on_index(world, site, ["bare", "evil", "good"])
    assert result.status == "error"
    assert result.extra["files_checked"] == 2  # good's file, and bare's from 'urls'
    assert result.findings == []
    assert sorted({e["project"] for e in result.errors}) == ["bare", "evil"]
    assert len(result.errors) == 3


def test_an_index_that_knows_most_projects_not_is_an_error(world, tmp_path):
    site = StaticSite()
    content = b"good-1.0.0 release bytes\n"
    good = serve_file(site, "good-1.0.0.tar.gz", content,
                      sign_bytes(world.keys["new"], content, "20210701T000000", tmp_path))
    serve_document(site, "good", "1.0.0", [good], releases={"1.0.0": [good]})
    result = _run_on_index(world, site, ["ghost1", "ghost2", "ghost3", "good"])
    assert result.extra["files_checked"] == 1 and result.findings == []
    assert [w.kind for w in result.warnings] == ["not-on-pypi"] * 3
    assert result.status == "error"
    assert result.problem_lines() == [
        f"(every project): error: {site.url} does not know 3 of the 4 managed projects it "
        "was asked about: it does not look like the index that publishes them (is "
        "pypi_guard_pypi_url right? a stale mirror or a CDN fault looks like this)"]


# --------------------------------------------------------------------------
# The module's audit(): nothing left behind, whatever happens


def _params(world, pypi_url, tarballs_url, **overrides):
    params = {
        "releases_repo": str(world.releases), "projects": [], "pypi_url": pypi_url,
        "report_dir": None, "concurrency": 4, "rate_limit": 0.0, "timeout": 5.0,
        "retries": 0, "max_retry_after": 1.0,
        "series_status_file": None, "keys_dir": None,
        "signature_url": tarballs_url + "/{namespace}/{repo}/{filename}.asc",
        "scope": "latest", "recent_days": 7, "max_file_size": 1 << 20,
        "project_config": None,
    }
    params.update(overrides)
    return params


def test_temporary_directories_are_removed_even_on_failure(world, tarballs, scratch,
                                                           monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def boom(*args, **kwargs):
        assert len(leftovers(scratch)) == 2  # the GnuPG home and the download directory
        raise RuntimeError("boom")

    monkeypatch.setattr(release_signature_audit, "run_signature_audit", boom)
    with FakePyPI(world.scenario(CLEAN_PROJECTS)) as pypi:
        with pytest.raises(RuntimeError, match="boom"):
            release_signature_audit.audit(_params(world, pypi.url, tarballs.url))
    assert leftovers(scratch) == []
    assert agents_under(scratch) == []


def test_bad_input_fails_before_any_request(world, tarballs, tmp_path):
    root = tmp_path / "releases"
    write_releases_repo(root, [Series("ancient")], [Deliverable("beta", "nova",
                                                                ["openstack/nova"], ["1.0.0"])])
    with FakePyPI(world.scenario(CLEAN_PROJECTS)) as pypi:
        for overrides, message in [
            ({"releases_repo": str(root)}, "no series has a signing-key"),
            ({"scope": "sometimes"}, "'sometimes'"),
            ({"keys_dir": str(tmp_path)}, "missing: no public key file"),
            ({"signature_url": "https://x/{nope}"}, "unknown placeholder"),
        ]:
            with pytest.raises(AuditInputError, match=message):
                release_signature_audit.audit(_params(world, pypi.url, tarballs.url,
                                                      **overrides))
        assert pypi.requests == []
    assert tarballs.requests == []


def test_reports_are_written_except_in_check_mode(world, tarballs, tmp_path):
    with FakePyPI(world.scenario(CLEAN_PROJECTS)) as pypi:
        params = _params(world, pypi.url, tarballs.url, report_dir=str(tmp_path),
                         projects=["nova"])
        checked = release_signature_audit.audit(params, check_mode=True)
        assert checked["status"] == "clean" and "report_json" not in checked
        assert list(tmp_path.iterdir()) == []
        result = release_signature_audit.audit(params)
    assert result["status"] == "clean"
    assert result["report"]["files_checked"] == 2  # nova 2.0.0: sdist and wheel
    assert {k["windows"][0]["series"] for k in result["report"]["keys"]} == {
        "alpha", "beta", "gamma"}
    assert Path(result["report_json"]).exists() and Path(result["report_html"]).exists()
