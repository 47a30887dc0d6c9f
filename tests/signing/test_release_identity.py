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


"""What is signed is decided by the release process: every dist's own
metadata must be of the release, an sdist must be a gzip tar, and under
Zuul the release is the one a deliverable lists at the commit built."""

import io
import tarfile

import pytest
from ansible.module_utils.pypi_guard.artifacts import (
    deliverable_release,
    dist_metadata,
    release_problems,
    resolve_release,
    sign_artifacts,
)
from ansible.module_utils.pypi_guard.gpg import SigningError
from packaging.version import Version

from tests.support.dists import git_repo, make_release, make_sdist, make_wheel


def releases_repo(path, repo, version, commit, extra=""):
    deliverables = path / "deliverables" / "flamingo"
    deliverables.mkdir(parents=True)
    (deliverables / "keystoneauth.yaml").write_text(
        "---\nteam: keystone\ntype: library\n"
        f"repository-settings:\n  {repo}:\n    tarball-base: keystoneauth1\n{extra}"
        f"releases:\n  - version: {version}\n    projects:\n"
        f"      - repo: {repo}\n        hash: {commit}\n")
    return path


def test_a_wheel_whose_metadata_names_another_release_is_refused(tmp_path, release_key):
    directory = tmp_path / "dist"
    make_release(directory, "oslo.config", "10.1.0")
    # the file name says oslo_config 10.1.0, its METADATA nova 99.0.0
    disguised = make_wheel(tmp_path, "nova", "99.0.0")
    disguised.rename(directory / "oslo_config-10.1.0-py3-none-any.whl")
    problems = release_problems(sorted(directory.iterdir()), "oslo.config", "10.1.0")
    assert problems == [
        "oslo_config-10.1.0-py3-none-any.whl: its metadata says nova 99.0.0, not "
        "oslo.config 10.1.0, the release being made (the index would take that name)"]
    with pytest.raises(SigningError, match="its metadata says nova 99.0.0"):
        sign_artifacts(str(directory), release_key.private, release_key.fingerprint,
                       "oslo.config", "10.1.0")
    assert not list(directory.glob("*.asc"))


def test_an_sdist_whose_pkg_info_names_another_version_is_refused(tmp_path):
    other = make_sdist(tmp_path, "oslo.config", "10.2.0")
    path = tmp_path / "oslo_config-10.1.0.tar.gz"
    other.rename(path)
    assert release_problems([str(path)], "oslo.config", "10.1") == [
        "oslo_config-10.1.0.tar.gz: its metadata says oslo-config 10.2.0, not "
        "oslo.config 10.1, the release being made (the index would take that name)"]


def test_metadata_names_compare_in_normal_form(tmp_path):
    sdist = make_sdist(tmp_path, "Oslo_Config", "10.1.0")
    assert dist_metadata(sdist) == ("oslo-config", Version("10.1.0"))
    assert release_problems([str(sdist)], "oslo.config", "10.1.0.0") == []


def _plain_tar(path, with_pkg_info=True):
    with tarfile.open(path, "w") as tar:
        data = b"Metadata-Version: 2.1\nName: oslo.config\nVersion: 10.1.0\n\n"
        info = tarfile.TarInfo("oslo_config-10.1.0/PKG-INFO")
        info.size = len(data)
        if with_pkg_info:
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("make, reason", [
    (lambda p: _plain_tar(p), "is not gzip-compressed"),
    (lambda p: p.write_bytes(b"\x1f\x8b" + b"garbage" * 10) and p, "not a readable gzip tar"),
    (lambda p: p.write_bytes(b"PK\x03\x04 not a zip") and p, "is not gzip-compressed"),
])
def test_an_sdist_must_be_a_gzip_tar(tmp_path, make, reason):
    path = tmp_path / "oslo_config-10.1.0.tar.gz"
    make(path)
    problems = release_problems([str(path)], "oslo.config", "10.1.0")
    assert len(problems) == 1 and reason in problems[0], problems
    assert problems[0].startswith("oslo_config-10.1.0.tar.gz: ")


def test_a_wheel_that_is_not_a_zip_or_has_no_metadata(tmp_path):
    bad = tmp_path / "oslo_config-10.1.0-py3-none-any.whl"
    bad.write_bytes(b"not a zip")
    assert "is not a readable zip file" in release_problems(
        [str(bad)], "oslo.config", "10.1.0")[0]


def test_the_deliverable_names_the_release_at_the_commit_built(tmp_path):
    commit = git_repo(tmp_path / "src")
    releases = releases_repo(tmp_path / "releases", "openstack/keystoneauth", "5.1.0", commit)
    # the name on the index is the deliverable's tarball-base, not the repository's
    assert deliverable_release(str(releases), "openstack/keystoneauth", "5.1.0", commit)[:2] \
        == ("keystoneauth1", "5.1.0")
    release = resolve_release("5.1.0", repository="openstack/keystoneauth",
                              releases_repo=str(releases), source_dir=str(tmp_path / "src"))
    assert release["project"] == "keystoneauth1" and release["commit"] == commit
    assert "keystoneauth.yaml" in release["named_by"]


@pytest.mark.parametrize("repository, version, commit, reason", [
    ("openstack/keystoneauth", "5.2.0", None, "no deliverable in .* lists "
     "openstack/keystoneauth 5.2.0"),
    ("openstack/hostile", "5.1.0", None, "no deliverable in .* lists openstack/hostile"),
    ("openstack/keystoneauth", "5.1.0", "f" * 40, "the commit built is f{40}, but .* lists "
     "[0-9a-f]{40}: refusing to sign a commit the release process did not approve"),
    ("openstack/keystoneauth", "", None, "no version to release"),
])
def test_a_release_the_deliverables_do_not_list_is_refused(tmp_path, repository, version,
                                                           commit, reason):
    built = git_repo(tmp_path / "src")
    releases = releases_repo(tmp_path / "releases", "openstack/keystoneauth", "5.1.0", built)
    with pytest.raises(SigningError, match=reason):
        deliverable_release(str(releases), repository, version, commit or built)


def test_a_tag_on_another_commit_is_refused_before_signing(tmp_path, release_key):
    """The checkout built is not the commit the deliverable lists."""
    git_repo(tmp_path / "src")
    releases = releases_repo(tmp_path / "releases", "openstack/keystoneauth", "5.1.0",
                             "1" * 40)
    with pytest.raises(SigningError, match="did not approve"):
        resolve_release("5.1.0", repository="openstack/keystoneauth",
                        releases_repo=str(releases), source_dir=str(tmp_path / "src"))
    with pytest.raises(SigningError, match="not a git checkout|cannot read the commit"):
        resolve_release("5.1.0", repository="openstack/keystoneauth",
                        releases_repo=str(releases), source_dir=str(tmp_path))


def test_test_mode_names_the_release_by_variables():
    assert resolve_release("1.0", project="oslo.config")["named_by"] == (
        "release_python_signed_project and release_python_signed_version (test mode)")
    with pytest.raises(SigningError, match="not both"):
        resolve_release("1.0", project="oslo.config", repository="openstack/oslo.config")
    with pytest.raises(SigningError, match="no release to make"):
        resolve_release("1.0")
