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

"""sign.yaml, run with the real ansible-playbook and the real gpg."""

from ansible.module_utils.pypi_guard.gpg import format_fingerprint, verify_detached

from tests.support import gpgtestkeys
from tests.support.dists import make_release, make_wheel

SIGN_PLAYBOOK = "playbooks/release-python-signed/sign.yaml"


def _names(directory):
    return sorted(p.name for p in directory.iterdir())


def _sign_vars(directory, key, fingerprint, project):
    # The tests' releases are version 1.0.0 (dists.make_release's default).
    return {"release_python_signed_artifacts_dir": str(directory),
            "gpg_key": {"private": key.private, "public": key.public},
            "release_python_signed_fingerprint": fingerprint,
            "release_python_signed_project": project, "release_python_signed_version": "1.0.0"}


def test_sign_writes_a_good_asc_for_every_dist(play, artifacts, release_key, verifier,
                                                project_name):
    dists = _names(artifacts)
    # As people write it: lower case, in groups of four.
    fingerprint = format_fingerprint(release_key.fingerprint).lower()

    proc = play(SIGN_PLAYBOOK, _sign_vars(artifacts, release_key, fingerprint,
                                          project_name),
                artifacts_dir=artifacts)

    assert proc.returncode == 0, proc.output
    assert _names(artifacts) == sorted(dists + [d + ".asc" for d in dists])
    for dist in dists:
        check = verify_detached(verifier, artifacts / (dist + ".asc"), artifacts / dist,
                                release_key.fingerprint)
        assert check.ok, check.reason
        # Made by the signing subkey; the primary is what was checked.
        assert check.signing_key_fingerprint == release_key.signing_subkey
        assert check.signer_fingerprint == release_key.fingerprint
        assert (artifacts / (dist + ".asc")).read_text().startswith(
            "-----BEGIN PGP SIGNATURE-----")
        assert dist in proc.output
    assert "changed=1" in proc.output

    again = play(SIGN_PLAYBOOK, _sign_vars(artifacts, release_key, fingerprint,
                                          project_name),
                 artifacts_dir=artifacts)
    assert again.returncode == 0, again.output
    assert "changed=0" in again.output
    assert "every dist already had a good one" in again.output


def test_check_mode_writes_nothing_and_lists_what_it_would_sign(play, artifacts, release_key,
                                                                 project_name):
    before = {p.name: p.stat().st_mtime_ns for p in artifacts.iterdir()}

    proc = play(SIGN_PLAYBOOK, _sign_vars(artifacts, release_key, release_key.fingerprint,
                                          project_name),
                check=True, artifacts_dir=artifacts)

    assert proc.returncode == 0, proc.output
    assert {p.name: p.stat().st_mtime_ns for p in artifacts.iterdir()} == before
    assert "Would write (check mode)" in proc.output
    for name in before:
        assert f"{name}.asc" in proc.output


def test_refuses_to_sign_with_another_key(play, artifacts, release_key, other_key,
                                          project_name):
    before = _names(artifacts)

    proc = play(SIGN_PLAYBOOK, _sign_vars(artifacts, other_key, release_key.fingerprint,
                                          project_name),
                artifacts_dir=artifacts)

    assert proc.returncode != 0
    assert "Refusing to sign" in proc.output
    assert format_fingerprint(other_key.fingerprint) in proc.output
    assert format_fingerprint(release_key.fingerprint) in proc.output
    assert _names(artifacts) == before


def test_refuses_an_expired_release_key(play, artifacts, expired_key, project_name):
    before = _names(artifacts)

    proc = play(SIGN_PLAYBOOK, _sign_vars(artifacts, expired_key, expired_key.fingerprint,
                                          project_name),
                artifacts_dir=artifacts)

    assert proc.returncode != 0
    assert "no usable signing key" in proc.output
    assert _names(artifacts) == before


def test_a_stale_signature_is_replaced(play, tmp_path, project_name, release_key,
                                       other_key, verifier):
    directory = tmp_path / "dist"
    sdist, wheel = make_release(directory, project_name)
    gpgtestkeys.sign_file(other_key, sdist)       # left by someone else
    gpgtestkeys.sign_file(release_key, wheel)     # already good

    proc = play(SIGN_PLAYBOOK, _sign_vars(directory, release_key, release_key.fingerprint,
                                          project_name),
                artifacts_dir=directory)

    assert proc.returncode == 0, proc.output
    assert f"Signatures written: {sdist.name}.asc" in proc.output
    for dist in (sdist, wheel):
        assert verify_detached(verifier, f"{dist}.asc", dist, release_key.fingerprint).ok


def test_missing_settings_are_named(play, artifacts):
    proc = play(SIGN_PLAYBOOK, {"release_python_signed_artifacts_dir": str(artifacts)})

    assert proc.returncode != 0
    assert "gpg_key.private is not set" in proc.output
    assert "release_python_signed_fingerprint is not set" in proc.output
    assert "release_python_signed_project is not set" in proc.output
    assert "release_python_signed_version is not set" in proc.output


def test_only_the_release_being_made_is_signed(play, tmp_path, release_key, verifier):
    directory = tmp_path / "dist"
    release = make_release(directory, "oslo.config", "10.1.0")
    # A compromised build step drops another project's wheel, and a file
    # that is no dist at all, beside the release.
    make_wheel(directory, "nova", "99.0.0")
    (directory / "payload.tar.gz").write_bytes(b"not a dist")
    before = _names(directory)
    variables = dict(_sign_vars(directory, release_key, release_key.fingerprint,
                                "oslo_config"), release_python_signed_version="10.1")

    refused = play(SIGN_PLAYBOOK, variables, artifacts_dir=directory)

    assert refused.returncode != 0
    assert "Refusing to sign anything: 2 file(s)" in refused.output
    assert ("nova-99.0.0-py3-none-any.whl: a dist of nova 99.0.0, not of oslo_config 10.1, "
            "the release being made") in refused.output
    assert "payload.tar.gz: not the file name of a Python dist" in refused.output
    assert _names(directory) == before          # nothing signed

    # Without them, the same release goes through.
    (directory / "nova-99.0.0-py3-none-any.whl").unlink()
    (directory / "payload.tar.gz").unlink()
    signed = play(SIGN_PLAYBOOK, variables, artifacts_dir=directory)
    assert signed.returncode == 0, signed.output
    for dist in release:
        assert verify_detached(verifier, f"{dist}.asc", dist, release_key.fingerprint).ok
