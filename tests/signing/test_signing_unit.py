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

"""The plain functions of the signing code (pypi_guard.gpg, .artifacts and
_index), with real gpg, a real pypiserver and the fake PyPI."""

import hashlib
import os
import tempfile

import pytest
from ansible.module_utils.pypi_guard.artifacts import (
    PreflightError,
    WrongReleaseError,
    pair_signatures,
    parse_dist_filename,
    release_problems,
    sign_artifacts,
    verify_artifacts,
)
from ansible.module_utils.pypi_guard.gpg import (
    GnupgHome,
    InvalidFingerprint,
    SigningError,
    format_fingerprint,
    import_keys,
    normalize_fingerprint,
    same_fingerprint,
    verify_detached,
)
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.index import (
    Listed,
    check_upload_url,
    index_files,
    parse_simple_page,
    simple_index_url,
    split_existing,
)

from tests.support import gpgtestkeys
from tests.support.dists import make_release, make_wheel
from tests.support.fakepypi import FakePyPI
from tests.support.hostileserver import HostileServer, answer

FPR = "0123456789ABCDEF0123456789ABCDEF01234567"


# --------------------------------------------------------------------------
# Fingerprints


@pytest.mark.parametrize("text", [
    FPR, FPR.lower(), format_fingerprint(FPR), format_fingerprint(FPR).lower(),
    "0x" + FPR, " 0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567\n"])
def test_fingerprints_ignore_case_and_spaces(text):
    assert normalize_fingerprint(text) == FPR
    assert same_fingerprint(text, FPR)


@pytest.mark.parametrize("text", ["", None, FPR[:16], FPR[:-1], FPR + "0", FPR[:-1] + "G"])
def test_key_ids_and_garbage_are_not_fingerprints(text):
    with pytest.raises(InvalidFingerprint, match="40 hex digits"):
        normalize_fingerprint(text)
    assert not same_fingerprint(text, FPR)


# --------------------------------------------------------------------------
# Verification: the primary key counts, not the subkey


@pytest.fixture
def signed_file(tmp_path, release_key):
    data = tmp_path / "pkg-1.0.tar.gz"
    data.write_bytes(b"release bytes")
    return data, gpgtestkeys.sign_file(release_key, data)


def test_signature_by_the_subkey_counts_for_the_primary(verifier, release_key, signed_file):
    data, asc = signed_file
    check = verify_detached(verifier, asc, data, format_fingerprint(release_key.fingerprint))
    assert check.ok, check.reason
    assert check.signer_fingerprint == release_key.fingerprint
    assert check.signing_key_fingerprint == release_key.signing_subkey
    assert check.signing_key_fingerprint != check.signer_fingerprint
    assert isinstance(check.timestamp, int)


def test_the_subkey_fingerprint_is_not_accepted_as_the_expected_key(
        verifier, release_key, signed_file):
    data, asc = signed_file
    check = verify_detached(verifier, asc, data, release_key.signing_subkey)
    assert not check.ok
    assert "not by the expected key" in check.reason


def test_a_trusted_key_in_the_keyring_is_not_enough(gpg_homes, release_key, other_key,
                                                    tmp_path):
    import gnupg

    gpg = gnupg.GPG(gnupghome=gpg_homes())
    gpg.import_keys(release_key.public)
    gpg.import_keys(other_key.public)
    data = tmp_path / "f.whl"
    data.write_bytes(b"x")
    asc = gpgtestkeys.sign_file(other_key, data)
    check = verify_detached(gpg, asc, data, release_key.fingerprint)
    assert not check.ok           # gpg says "valid"; the signer is wrong
    assert format_fingerprint(other_key.fingerprint) in check.reason
    assert verify_detached(gpg, asc, data, [release_key.fingerprint, other_key.fingerprint]).ok


def test_unknown_key_modified_file_and_garbage(verifier, other_key, release_key, tmp_path,
                                               signed_file):
    data = tmp_path / "g.whl"
    data.write_bytes(b"y")
    by_other = gpgtestkeys.sign_file(other_key, data)
    assert "not the expected key" in verify_detached(
        verifier, by_other, data, release_key.fingerprint).reason

    good_data, good_asc = signed_file
    good_data.write_bytes(b"release bytes, changed")
    assert "modified after signing" in verify_detached(
        verifier, good_asc, good_data, release_key.fingerprint).reason

    garbage = tmp_path / "h.whl.asc"
    garbage.write_text("not a signature\n")
    assert not verify_detached(verifier, garbage, data, release_key.fingerprint).ok
    assert "missing" in verify_detached(verifier, tmp_path / "nope.asc", data,
                                        release_key.fingerprint).reason


def test_a_signature_by_a_key_that_expired_since(gpg_homes, expired_key, tmp_path):
    import gnupg

    gpg = gnupg.GPG(gnupghome=gpg_homes())
    gpg.import_keys(expired_key.public)
    data = tmp_path / "old-1.0.tar.gz"
    data.write_bytes(b"old release")
    # Signed while the key was valid (the key was made at 2020-01-01 00:00).
    asc = gpgtestkeys.sign_file(expired_key, data, at="20200101T060000")
    check = verify_detached(gpg, asc, data, expired_key.fingerprint)
    assert not check.ok
    assert check.key_status == "signing key has expired"
    assert check.signer_fingerprint == expired_key.fingerprint
    # An audit of old releases may accept it, explicitly.
    assert verify_detached(gpg, asc, data, expired_key.fingerprint,
                           allow_expired_key=True).ok


# --------------------------------------------------------------------------
# Signing and preflight as functions


def test_sign_then_verify_artifacts(tmp_path, release_key, other_key):
    directory = tmp_path / "dist"
    make_release(directory, "pg-unit")
    result = sign_artifacts(str(directory), release_key.private, release_key.fingerprint,
                            "pg.unit", "1.0")
    assert result["changed"] and len(result["signed"]) == 2
    assert result["signing_key_fingerprint"] == release_key.signing_subkey

    checked = verify_artifacts(str(directory), release_key.fingerprint, [release_key.public],
                               "pg_unit", "1.0.0")
    assert [os.path.basename(p) for p in checked["upload_files"]] == [
        "pg_unit-1.0.0-py3-none-any.whl", "pg_unit-1.0.0-py3-none-any.whl.asc",
        "pg_unit-1.0.0.tar.gz", "pg_unit-1.0.0.tar.gz.asc"]

    with pytest.raises(PreflightError, match="not the release key"):
        verify_artifacts(str(directory), release_key.fingerprint, [other_key.public],
                         "pg-unit", "1.0.0")
    with pytest.raises(SigningError, match="Refusing to sign"):
        sign_artifacts(str(directory), other_key.private, release_key.fingerprint,
                       "pg-unit", "1.0.0")
    with pytest.raises(SigningError, match="release_python_signed_fingerprint"):
        sign_artifacts(str(directory), release_key.private, release_key.fingerprint[:16],
                       "pg-unit", "1.0.0")


def test_preflight_lists_every_problem_at_once(tmp_path, release_key):
    directory = tmp_path / "dist"
    sdist, wheel = make_release(directory, "pg-unit")
    gpgtestkeys.sign_file(release_key, wheel)
    (directory / "other-2.0.tar.gz.asc").write_text("stray")
    dists, problems = pair_signatures(str(directory))
    assert [os.path.basename(d) for d in dists] == [wheel.name, sdist.name]
    assert len(problems) == 2
    with pytest.raises(PreflightError) as failure:
        verify_artifacts(str(directory), release_key.fingerprint, [release_key.public],
                         "pg-unit", "1.0.0")
    assert len(failure.value.problems) == 2
    assert "2 problem(s)" in str(failure.value)


def test_gnupg_home_is_private_and_removed_even_on_error(tmp_path):
    parent = tempfile.mkdtemp(prefix="pgu-")
    try:
        with pytest.raises(RuntimeError), GnupgHome(parent=parent) as home:
            path = home.path
            assert os.stat(path).st_mode & 0o777 == 0o700
            raise RuntimeError("boom")
        assert not os.path.exists(path)
    finally:
        os.rmdir(parent)


def test_gnupg_home_moves_out_of_a_path_too_long_for_agent_sockets(tmp_path, release_key,
                                                                   monkeypatch):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setattr(os.path, "isdir", lambda p, _isdir=os.path.isdir:
                        False if str(p).startswith("/run/user/") else _isdir(p))
    with GnupgHome(parent=str(deep)) as home:
        assert len(home.path) < 80
        # The private key really imports (gpg-agent can start).
        assert import_keys(home.gpg, release_key.private) == [release_key.fingerprint]
        path = home.path
    assert not os.path.exists(path)


def test_import_refuses_things_that_are_not_keys():
    with GnupgHome() as home, pytest.raises(SigningError, match="not an ASCII-armored"):
        import_keys(home.gpg, "hunter2", "gpg_key.private")


# --------------------------------------------------------------------------
# The simple API


@pytest.mark.parametrize("upload, simple", [
    ("", "https://pypi.org/simple/"),
    ("https://upload.pypi.org/legacy/", "https://pypi.org/simple/"),
    ("https://upload.pypi.org/legacy", "https://pypi.org/simple/"),
    ("https://test.pypi.org/legacy/", "https://test.pypi.org/simple/"),
    ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/simple/"),
    ("https://devpi.example.org/root/release/", "https://devpi.example.org/root/release/simple/"),
    ("https://nexus.example.org/repository/pypi/legacy/",
     "https://nexus.example.org/repository/pypi/simple/"),
])
def test_simple_index_url(upload, simple):
    assert simple_index_url(upload) == simple


@pytest.mark.parametrize("filename, project", [
    ("oslo_config-9.0.0.tar.gz", "oslo-config"),
    ("oslo.config-9.0.0.tar.gz", "oslo-config"),
    ("python-novaclient-18.0.0.tar.gz", "python-novaclient"),
    ("python_novaclient-18.0.0-py3-none-any.whl", "python-novaclient"),
])
def test_project_names_from_file_names(filename, project):
    assert parse_dist_filename(filename)[0] == project


SHA = "ab" * 32
JSON = "application/vnd.pypi.simple.v1+json"
URL = "http://127.0.0.1:1/simple/foo/"


def test_parse_simple_pages():
    html = ('<!DOCTYPE html><html><body>'
            f'<a href="../../packages/foo-1.0.tar.gz#sha256={SHA.upper()}">foo-1.0.tar.gz</a>'
            '<a href="https://files.example/foo-1.0-py3-none-any.whl">x</a></body></html>')
    assert parse_simple_page(html, "text/html; charset=utf-8", URL) == {
        "foo-1.0.tar.gz": Listed(SHA, "http://127.0.0.1:1/packages/foo-1.0.tar.gz"),
        "foo-1.0-py3-none-any.whl": Listed(None, "https://files.example/foo-1.0-py3-none-any.whl")}
    assert parse_simple_page("<html><body><h1>Links for foo</h1></body></html>",
                             "text/html", URL) == {}
    # Warehouse's development mode adds its debug toolbar's link to the page
    toolbar = ('<!DOCTYPE html><html><body><a href="../../packages/foo-1.0.tar.gz">'
               'foo-1.0.tar.gz</a><div id="pDebug"><a title="Show Toolbar" '
               'href="http://127.0.0.1:1/_debug_toolbar/3133393938">&#171;</a></div>'
               '</body></html>')
    assert parse_simple_page(toolbar, "text/html", URL) == {
        "foo-1.0.tar.gz": Listed(None, "http://127.0.0.1:1/packages/foo-1.0.tar.gz")}
    # a quarantined project's page hides its files: what is uploaded is unknown
    for page, kind in (
            ('<!DOCTYPE html><html><head><meta name="pypi:project-status" '
             'content="quarantined"></head><body></body></html>', "text/html"),
            ('{"files": [], "project-status": {"status": "quarantined"}}', JSON)):
        with pytest.raises(FetchError, match="quarantined"):
            parse_simple_page(page, kind, URL)
    assert parse_simple_page('{"files": [], "project-status": {"status": "active"}}',
                             JSON, URL) == {}
    body = (f'{{"files": [{{"filename": "foo-1.0.tar.gz", "url": "../../f/foo-1.0.tar.gz", '
            f'"hashes": {{"sha256": "{SHA}"}}}}]}}')
    assert parse_simple_page(body, JSON, URL) == {
        "foo-1.0.tar.gz": Listed(SHA, "http://127.0.0.1:1/f/foo-1.0.tar.gz")}
    assert parse_simple_page('{"files": []}', JSON, URL) == {}


@pytest.mark.parametrize("body, content_type, reason", [
    ('{"files": [{"filename": "foo-1.0.tar', JSON, "not valid JSON"),
    ("<html><body>Service unavailable</body></html>", JSON, "not valid JSON"),
    ("[]", JSON, "no 'files' list"),
    ('{"files": {"foo-1.0.tar.gz": {}}}', JSON, "no 'files' list"),
    ('{"meta": {}}', JSON, "no 'files' list"),
    ('{"files": ["foo-1.0.tar.gz"]}', JSON, r"files\[0\] has no 'filename'"),
    ('{"files": [{"url": "x"}]}', JSON, r"files\[0\] has no 'filename'"),
    ('{"files": [{"filename": 7}]}', JSON, r"files\[0\] has no 'filename'"),
    ('{"files": [{"filename": "a.whl", "hashes": ["x"]}]}', JSON, "not a mapping"),
    ('{"files": [{"filename": "a.whl", "hashes": {"sha256": 5}}]}', JSON, "not a sha256"),
    ('{"files": [{"filename": "a.whl", "hashes": {"sha256": "zz"}}]}', JSON, "not a sha256"),
    ("\x00\xff garbage \x1b[2J", "text/html", "not an HTML page"),
    ("Links: foo-1.0.tar.gz", "text/html", "not an HTML page"),
    ('<html><a href="foo-1.0.tar.gz#sha256=nothex">x</a></html>', "text/html",
     "not a sha256"),
    ("foo-1.0.tar.gz", "text/plain", "not a simple API page"),
    ("foo-1.0.tar.gz", None, "not a simple API page"),
])
def test_a_malformed_simple_page_is_an_error_naming_the_url(body, content_type, reason):
    with pytest.raises(FetchError, match=reason) as failure:
        parse_simple_page(body, content_type, URL)
    assert URL in str(failure.value)


def _fake_index(tmp_path, fault):
    return FakePyPI({"projects": {"pg-broken": {
        "releases": {"1.0.0": {"files": [{"filename": "pg_broken-1.0.0.tar.gz",
                                          "content": "sdist bytes"}]}},
        "faults": {"simple": fault}}}})


@pytest.mark.parametrize("fault, reason", [
    ({"malformed": True}, "not valid JSON"),
    ({"status": 200, "body": "\u202e garbage, no page at all"}, "not an HTML page"),
], ids=["truncated-json", "html-garbage"])
def test_index_files_against_a_broken_index(tmp_path, fault, reason):
    with _fake_index(tmp_path, fault) as index, HttpClient(retries=0) as client:
        url = f"{index.url}/simple/"
        with pytest.raises(FetchError, match=reason) as failure:
            index_files(client, url, "pg.broken")
    assert f"{url}pg-broken/" in str(failure.value)


def test_index_files_retries_server_errors(tmp_path):
    fault = {"status": 503, "times": 2}
    with _fake_index(tmp_path, fault) as index, \
            HttpClient(retries=2, backoff=0.01) as client:
        listed = index_files(client, f"{index.url}/simple/", "pg-broken")
        assert {name: entry.sha256 for name, entry in listed.items()} == {
            "pg_broken-1.0.0.tar.gz": hashlib.sha256(b"sdist bytes").hexdigest()}


def test_split_existing_against_a_real_index(tmp_path, index, project_name, release_key):
    import subprocess
    import sys

    directory = tmp_path / "dist"
    sdist, wheel = make_release(directory, project_name)
    auth = (index.username, index.password)
    simple = simple_index_url(index.url + "/")
    with HttpClient(retries=0) as client:
        assert index_files(client, simple, project_name, auth=auth) == {}  # 404: not there
        with pytest.raises(FetchError, match="check the credentials"):
            index_files(client, simple, project_name, auth=(index.username, "wrong"))

        subprocess.run(
            [sys.executable, "-m", "twine", "upload", "--non-interactive",
             "--disable-progress-bar", "--repository-url", index.url + "/",
             "-u", index.username, "-p", index.password, str(wheel)],
            check=True, capture_output=True)
        found = split_existing(client, [str(sdist), str(wheel)], simple, auth=auth)
        assert found == {"existing": [str(wheel)], "missing": [str(sdist)], "different": []}

        # Same name, other bytes: not ours, never "already uploaded".
        rebuilt = tmp_path / "rebuilt"
        rebuilt.mkdir()
        changed = rebuilt / wheel.name
        changed.write_bytes(wheel.read_bytes() + b"\0")
        found = split_existing(client, [str(changed)], simple, auth=auth)
    assert found["existing"] == [] and found["missing"] == []
    assert found["different"] == [
        f"{wheel.name}: the index already has other bytes under this name (its sha256: "
        f"{hashlib.sha256(wheel.read_bytes()).hexdigest()}; this build: "
        f"{hashlib.sha256(changed.read_bytes()).hexdigest()}): not uploaded by this job; "
        "find out who uploaded it"]


def _hashless_index(content):
    """An index whose simple API lists a file with no hash (PEP 503 allows it)."""
    page = (b'<!DOCTYPE html><html><body><a href="/files/pg_nohash-1.0.0.tar.gz">'
            b'pg_nohash-1.0.0.tar.gz</a></body></html>')
    return HostileServer({
        "/simple/pg-nohash/": answer(page, headers=[("Content-Type", "text/html")]),
        "/files/pg_nohash-1.0.0.tar.gz": answer(content.encode()),
    })


@pytest.mark.parametrize("content, same", [("our bytes", True), ("their bytes", False),
                                           ("their bytes, and many more", False)])
def test_an_index_without_hashes_is_asked_for_the_file(tmp_path, content, same):
    ours = tmp_path / "pg_nohash-1.0.0.tar.gz"
    ours.write_bytes(b"our bytes")
    with _hashless_index(content) as index, HttpClient(retries=0) as client:
        listed = index_files(client, f"{index.url}/simple/", "pg-nohash")
        assert listed["pg_nohash-1.0.0.tar.gz"].sha256 is None
        found = split_existing(client, [str(ours)], f"{index.url}/simple/")
    assert found["existing"] == ([str(ours)] if same else [])
    assert len(found["different"]) == (0 if same else 1)
    if not same:
        assert "(the file it serves: " in found["different"][0]


@pytest.mark.parametrize("url, refused", [
    ("https://upload.pypi.org/legacy/", False), ("http://127.0.0.1:8080/", False),
    ("http://[::1]:8080/", False), ("http://localhost:8080/", False),
    ("http://pypi.example.org/legacy/", True), ("ftp://pypi.example.org/", True)])
def test_upload_credentials_never_over_plain_http_but_to_loopback(url, refused):
    if refused:
        with pytest.raises(FetchError, match="refusing to send the upload credentials"):
            check_upload_url(url)
    else:
        check_upload_url(url)


# --------------------------------------------------------------------------
# Only the release being made


@pytest.mark.parametrize("name, version", [
    ("oslo.config", "10.1.0"), ("OSLO_config", "10.1"), ("oslo-config", "v10.1.0.0")])
def test_dists_of_the_release_pass_whatever_the_spelling(tmp_path, name, version):
    dists = make_release(tmp_path, "oslo.config", "10.1.0")
    assert release_problems(dists, name, version) == []


def test_every_other_file_is_named(tmp_path):
    dists = make_release(tmp_path, "oslo.config", "10.1.0")
    dists.append(make_wheel(tmp_path, "nova", "99.0.0"))
    dists += make_release(tmp_path, "oslo.config", "10.0.99")
    stray = tmp_path / "payload.tar.gz"
    stray.write_bytes(b"x")
    hostile = tmp_path / "evil\x1b[2J-1.0.whl"
    hostile.write_bytes(b"x")
    dists += [stray, hostile]

    problems = release_problems(dists, "oslo.config", "10.1.0")

    assert problems == [
        "nova-99.0.0-py3-none-any.whl: a dist of nova 99.0.0, not of oslo.config 10.1.0, "
        "the release being made",
        "oslo_config-10.0.99.tar.gz: a dist of oslo-config 10.0.99, not of oslo.config "
        "10.1.0, the release being made",
        "oslo_config-10.0.99-py3-none-any.whl: a dist of oslo-config 10.0.99, not of "
        "oslo.config 10.1.0, the release being made",
        "payload.tar.gz: not the file name of a Python dist (Invalid sdist filename: "
        "'payload.tar.gz'); only dists of oslo.config 10.1.0 may be released",
        problems[-1]]
    assert problems[-1].startswith("evil\\x1b[2J-1.0.whl: not the file name of a Python dist")


@pytest.mark.parametrize("project, version, reason", [
    ("", "1.0", "release_python_signed_project is not set"),
    (None, "1.0", "release_python_signed_project is not set"),
    ("oslo config", "1.0", "is not a project name"),
    ("oslo.config", "", "release_python_signed_version is not set"),
    ("oslo.config", "rocky-em", "is not a PEP 440 version"),
    ("oslo.config", 1.1, "release_python_signed_version is not set"),
])
def test_the_release_must_be_named(tmp_path, project, version, reason):
    with pytest.raises(SigningError, match=reason):
        release_problems([], project, version)


def test_a_dist_of_another_project_refuses_signing_and_upload(tmp_path, release_key):
    directory = tmp_path / "dist"
    make_release(directory, "oslo.config", "10.1.0")
    intruder = make_wheel(directory, "nova", "99.0.0")

    with pytest.raises(WrongReleaseError) as refused:
        sign_artifacts(str(directory), release_key.private, release_key.fingerprint,
                       "oslo.config", "10.1.0")
    assert refused.value.problems == [
        "nova-99.0.0-py3-none-any.whl: a dist of nova 99.0.0, not of oslo.config 10.1.0, "
        "the release being made"]
    assert "Refusing to sign anything" in str(refused.value)
    assert not list(directory.glob("*.asc"))

    # Signed anyway (by hand, or by a step after the signing): the preflight
    # refuses it too, with every other problem.
    for dist in directory.iterdir():
        gpgtestkeys.sign_file(release_key, dist)
    with pytest.raises(PreflightError) as preflight:
        verify_artifacts(str(directory), release_key.fingerprint, [release_key.public],
                         "oslo.config", "10.1.0")
    assert preflight.value.problems == refused.value.problems

    intruder.unlink()
    (directory / f"{intruder.name}.asc").unlink()
    checked = verify_artifacts(str(directory), release_key.fingerprint,
                               [release_key.public], "oslo.config", "10.1.0")
    assert len(checked["upload_files"]) == 4
