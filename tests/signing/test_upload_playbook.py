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

"""upload.yaml against a real pypiserver with authentication."""

import hashlib

import pytest
from ansible.module_utils.pypi_guard.gpg import verify_detached

from tests.support import gpgtestkeys
from tests.support.dists import make_release, make_wheel

SIGN_PLAYBOOK = "playbooks/release-python-signed/sign.yaml"
UPLOAD_PLAYBOOK = "playbooks/release-python-signed/upload.yaml"


def _release(project):
    # The tests' releases are version 1.0.0 (dists.make_release's default).
    return {"release_python_signed_project": project, "release_python_signed_version": "1.0.0"}


def _upload_vars(directory, project, index, key, fingerprint, **extra):
    variables = {"release_python_signed_artifacts_dir": str(directory),
                 "gpg_key": {"private": key.private, "public": key.public},
                 "release_python_signed_fingerprint": fingerprint,
                 "pypi_info": index.pypi_info()}
    variables.update(_release(project))
    variables.update(extra)
    return variables


def _dists(directory):
    return sorted(p for p in directory.iterdir() if not p.name.endswith(".asc"))


def test_signed_release_is_uploaded_and_the_index_serves_good_signatures(
        play, artifacts, index, release_key, verifier, tmp_path, project_name):
    # The whole job: sign, then upload, by hand.
    signed = play(SIGN_PLAYBOOK, {
        "release_python_signed_artifacts_dir": str(artifacts),
        "gpg_key": {"private": release_key.private},
        "release_python_signed_fingerprint": release_key.fingerprint, **_release(project_name)},
        artifacts_dir=artifacts)
    assert signed.returncode == 0, signed.output

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(
        artifacts, project_name, index, release_key, release_key.fingerprint,
        pypi_info=index.pypi_info(username=None, password=None, api_token=index.token)),
        artifacts_dir=artifacts)

    assert proc.returncode == 0, proc.output
    # One twine command carried every dist and its signature.
    assert proc.output.count("Upload every dist with its .asc in one twine command") == 1
    assert "PGP signature" in proc.output       # twine's own warning is shown
    stored = index.snapshot()
    served = tmp_path / "served"
    served.mkdir()
    for dist in _dists(artifacts):
        assert dist.name in stored and f"{dist.name}.asc" in stored
        # What the index serves: the very file, and an .asc that verifies.
        data = index.download(dist.name)
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(dist.read_bytes()).hexdigest()
        (served / dist.name).write_bytes(data)
        (served / f"{dist.name}.asc").write_bytes(index.download(f"{dist.name}.asc"))
        check = verify_detached(verifier, served / f"{dist.name}.asc", served / dist.name,
                                release_key.fingerprint)
        assert check.ok, check.reason
        assert check.signer_fingerprint == release_key.fingerprint

    # A re-run (the job retried) completes without sending anything again.
    again = play(UPLOAD_PLAYBOOK, _upload_vars(
        artifacts, project_name, index, release_key, release_key.fingerprint,
        release_python_signed_skip_existing=True), artifacts_dir=artifacts)
    assert again.returncode == 0, again.output
    assert "nothing was uploaded" in again.output
    assert index.snapshot() == stored

    # Without skip-existing the index refuses the duplicate and twine says so.
    refused = play(UPLOAD_PLAYBOOK, _upload_vars(
        artifacts, project_name, index, release_key, release_key.fingerprint),
        artifacts_dir=artifacts)
    assert refused.returncode != 0
    assert "already exists" in refused.output
    assert index.snapshot() == stored


def test_rerun_after_a_partial_upload_sends_only_what_is_missing(
        play, tmp_path, project_name, index, release_key):
    # The first attempt got the wheel out, then failed.
    build = tmp_path / "build"
    sdist, wheel = make_release(build, project_name)
    for dist in (sdist, wheel):
        gpgtestkeys.sign_file(release_key, dist)
    first = tmp_path / "first"
    first.mkdir()
    for name in (wheel.name, wheel.name + ".asc"):
        (first / name).write_bytes((build / name).read_bytes())
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(first, project_name, index, release_key,
                                              release_key.fingerprint))
    assert proc.returncode == 0, proc.output
    wheel_stamp = index.snapshot()[wheel.name]

    # The re-run (the same build) sends only what the index lacks.
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(
        build, project_name, index, release_key, release_key.fingerprint,
        # The preflight needs only the public key.
        gpg_key={"public": release_key.public},
        release_python_signed_skip_existing=True))

    assert proc.returncode == 0, proc.output
    assert f"with the same bytes, not uploaded again: {wheel.name}" in proc.output
    stored = index.snapshot()
    assert stored[wheel.name] == wheel_stamp
    assert sdist.name in stored and f"{sdist.name}.asc" in stored


def test_other_bytes_under_our_file_name_fail_the_upload(play, tmp_path, project_name,
                                                         index, release_key):
    """Someone else's file under the release's name on the index: an
    incident, never "already uploaded", and nothing is sent."""
    theirs = tmp_path / "theirs"
    _sdist, wheel = make_release(theirs, project_name, description="Not ours.")
    gpgtestkeys.sign_file(release_key, wheel)
    _sdist.unlink()
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(theirs, project_name, index, release_key,
                                              release_key.fingerprint))
    assert proc.returncode == 0, proc.output
    before = index.snapshot()

    ours = tmp_path / "ours"
    sdist, rebuilt = make_release(ours, project_name)
    for dist in (sdist, rebuilt):
        gpgtestkeys.sign_file(release_key, dist)
    assert rebuilt.name == wheel.name and rebuilt.read_bytes() != wheel.read_bytes()
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(
        ours, project_name, index, release_key, release_key.fingerprint,
        release_python_signed_skip_existing=True))

    assert proc.returncode != 0
    assert (f"- {wheel.name}: the index already has other bytes under this name"
            in proc.output), proc.output
    assert index.snapshot() == before  # not even the sdist


def test_upload_credentials_never_go_over_plain_http_but_to_loopback(
        play, artifacts, tmp_path, project_name, index, release_key):
    """0.0.0.0 is not a loopback address (on Linux a connection to it would
    reach this machine anyway, so the test sends nothing away if it fails)."""
    for dist in _dists(artifacts):
        gpgtestkeys.sign_file(release_key, dist)
    info = dict(index.pypi_info(), repository_url="http://0.0.0.0:9/legacy/")
    for skip in (True, False):
        proc = play(UPLOAD_PLAYBOOK, _upload_vars(
            artifacts, project_name, index, release_key, release_key.fingerprint,
            pypi_info=info, release_python_signed_skip_existing=skip))
        assert proc.returncode != 0
        assert ("refusing to send the upload credentials to http://0.0.0.0:9/legacy/: the "
                "URL is plain http to 0.0.0.0, which is not a loopback address") \
            in proc.output, proc.output
        assert "TASK [release-python-signed : Upload every dist" not in proc.output


def _break_missing_asc(directory, key, other):
    (directory / f"{_dists(directory)[0].name}.asc").unlink()
    return "has no signature"


def _break_other_key(directory, key, other):
    gpgtestkeys.sign_file(other, _dists(directory)[0])
    return "which is not the expected key"


def _break_modified_file(directory, key, other):
    with open(_dists(directory)[1], "ab") as handle:
        handle.write(b"\0")
    return "was modified after signing"


def _break_stray_asc(directory, key, other):
    stray = directory / "pg-unrelated-0.1.tar.gz"
    stray.write_bytes(b"not a release")
    gpgtestkeys.sign_file(key, stray)
    stray.unlink()
    return "pg-unrelated-0.1.tar.gz.asc has no matching dist"


@pytest.mark.parametrize("breakage", [_break_missing_asc, _break_other_key,
                                      _break_modified_file, _break_stray_asc],
                         ids=["missing-asc", "asc-by-another-key", "modified-file",
                              "stray-asc"])
def test_preflight_refuses_the_whole_upload(play, signed_artifacts, index, release_key,
                                            other_key, breakage, project_name):
    expected = breakage(signed_artifacts, release_key, other_key)
    before = index.snapshot()

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, release_key,
                                              release_key.fingerprint),
                artifacts_dir=signed_artifacts)

    assert proc.returncode != 0
    assert "Refusing to upload anything" in proc.output
    assert expected in proc.output
    assert "twine upload" not in proc.output and "Uploading distributions" not in proc.output
    assert index.snapshot() == before


def test_a_dist_of_another_release_refuses_the_whole_upload(
        play, signed_artifacts, index, release_key, project_name):
    # Signed with the release key (a step after the signing, or by hand):
    # the preflight still refuses it, before anything is sent.
    intruder = make_wheel(signed_artifacts, "nova", "99.0.0")
    gpgtestkeys.sign_file(release_key, intruder)
    before = index.snapshot()

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, release_key,
                                              release_key.fingerprint),
                artifacts_dir=signed_artifacts)

    assert proc.returncode != 0
    assert "Refusing to upload anything: 1 problem(s)" in proc.output
    assert (f"nova-99.0.0-py3-none-any.whl: a dist of nova 99.0.0, not of "
            f"{project_name} 1.0.0") in proc.output
    assert "Uploading distributions" not in proc.output
    assert index.snapshot() == before

    # Another version of the project itself is refused the same way.
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, release_key,
                                              release_key.fingerprint,
                                              release_python_signed_version="1.0.1"),
                artifacts_dir=signed_artifacts)
    assert proc.returncode != 0
    assert "Refusing to upload anything: 3 problem(s)" in proc.output
    assert index.snapshot() == before


def test_preflight_refuses_when_the_secret_holds_another_key(
        play, signed_artifacts, index, release_key, other_key, project_name):
    before = index.snapshot()

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, other_key,
                                              release_key.fingerprint),
                artifacts_dir=signed_artifacts)

    assert proc.returncode != 0
    assert "not the release key" in proc.output
    assert index.snapshot() == before


def test_preflight_refuses_when_the_fingerprint_is_another_key(
        play, signed_artifacts, index, release_key, other_key, project_name):
    before = index.snapshot()
    # The key and the fingerprint of the secret agree, but the dists were
    # signed by another key than the one in force.
    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, other_key,
                                              other_key.fingerprint),
                artifacts_dir=signed_artifacts)

    assert proc.returncode != 0
    assert "which is not the expected key" in proc.output
    assert index.snapshot() == before


def test_preflight_refuses_dists_that_twine_check_rejects(
        play, tmp_path, project_name, index, release_key):
    directory = tmp_path / "dist"
    for dist in make_release(directory, project_name, content_type="text/x-rst",
                             description="Title\n=====\n\n.. no-such-directive::\n"):
        gpgtestkeys.sign_file(release_key, dist)
    before = index.snapshot()

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(directory, project_name, index, release_key,
                                              release_key.fingerprint))

    assert proc.returncode != 0
    assert "no-such-directive" in proc.output       # twine check's own message
    assert index.snapshot() == before


def test_bad_credentials_fail_with_twines_message_and_no_secret(
        play, signed_artifacts, index, release_key, project_name):
    before = index.snapshot()
    wrong = "wrong-" + index.password

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(
        signed_artifacts, project_name, index, release_key, release_key.fingerprint,
        pypi_info=index.pypi_info(password=wrong)), artifacts_dir=signed_artifacts)

    assert proc.returncode != 0
    assert "HTTPError" in proc.output or "403" in proc.output or "401" in proc.output
    assert wrong not in proc.output
    assert index.snapshot() == before


def test_missing_settings_are_named(play, signed_artifacts, release_key, index, project_name):
    proc = play(UPLOAD_PLAYBOOK, {
        "release_python_signed_artifacts_dir": str(signed_artifacts), **_release(project_name),
        "release_python_signed_fingerprint": release_key.fingerprint,
        "gpg_key": {"public": release_key.public},
        "pypi_info": {"username": index.username, "api_token": index.token,
                      "repository_url": index.url + "/"}})

    assert proc.returncode != 0
    assert "pypi_info needs either api_token, or username and password" in proc.output

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, release_key,
                                              release_key.fingerprint,
                                              release_python_signed_version=""))
    assert proc.returncode != 0
    assert "release_python_signed_version is not set" in proc.output


def test_check_mode_runs_the_preflight_and_uploads_nothing(play, signed_artifacts, index,
                                                          release_key, project_name):
    before = index.snapshot()

    proc = play(UPLOAD_PLAYBOOK, _upload_vars(signed_artifacts, project_name, index, release_key,
                                              release_key.fingerprint),
                check=True, artifacts_dir=signed_artifacts)

    assert proc.returncode == 0, proc.output
    assert "Would upload to" in proc.output
    for dist in _dists(signed_artifacts):
        assert f"{dist.name}.asc" in proc.output
    assert index.snapshot() == before
