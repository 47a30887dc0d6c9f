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

"""sign.yaml and upload.yaml run as a Zuul executor runs them (zuulrun.py):
the dists in the executor's artifacts directory, the job's variables in the
inventory, the secrets in a vars file. build.yaml needs a node and zuul-jobs'
build-python-release and fetch-python-sdist-output roles: it is not run here
(tox -e zuul-e2e runs it).  The release is the tag of the project,
as a deliverable of the releases repository lists it at the commit checked
out; the job's variables cannot change what is signed, nor what runs beside
the key (the job builds its own virtualenv from requirements.lock)."""

import pytest

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

from tests.support import gpgtestkeys  # noqa: E402
from tests.support.dists import git_repo, make_release  # noqa: E402
from tests.support.zuulrun import ZuulJobDir  # noqa: E402

FIXTURE_RELEASES = __import__("pathlib").Path(__file__).parent.parent / "fixtures" / "releases"


def release_jobdir(tmp_path, project_name, tag, listed_commit=None):
    """A build of ``openstack/<project_name>`` for ``tag``, its checkout a
    git repository, and a deliverable listing the tag at that commit (or at
    ``listed_commit``)."""
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES, job="release-python-signed",
                        project_name=f"opendev.org/openstack/{project_name}")
    jobdir.zuul.update(pipeline="release", tag=tag)
    source = jobdir.work / jobdir.zuul["project"]["src_dir"]
    source.rmdir()
    commit = git_repo(source)
    releases = jobdir.work / jobdir.zuul["projects"]["opendev.org/openstack/releases"][
        "src_dir"]
    (releases / "deliverables" / "flamingo" / f"{project_name}.yaml").write_text(
        f"---\nteam: oslo\ntype: library\nreleases:\n  - version: '{tag}'\n"
        f"    projects:\n      - repo: openstack/{project_name}\n"
        f"        hash: {listed_commit or commit}\n")
    return jobdir


def test_release_job_as_zuul_runs_it(tmp_path, release_key, index, project_name):
    jobdir = release_jobdir(tmp_path, project_name, "2.0")
    artifacts = jobdir.work / "artifacts"
    dists = make_release(artifacts, project_name, "2.0.0")
    job_vars = {"release_python_signed_fingerprint": release_key.fingerprint,
                "release_python_signed_skip_existing": True}
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}

    signed = jobdir.run("playbooks/release-python-signed/sign.yaml", job_vars, secrets)
    assert signed.returncode == 0, signed.output
    assert f"deliverables/flamingo/{project_name}.yaml (openstack/{project_name} at" \
        in signed.output
    # nothing gave an interpreter: the job built its own from the lock
    assert "--require-hashes" in (jobdir.playbook_root / "roles" / "ensure-pypi-guard"
                                  / "tasks" / "main.yaml").read_text()
    assert (jobdir.work / "pypi-guard-venv" / "bin" / "python").exists()
    uploaded = jobdir.run("playbooks/release-python-signed/upload.yaml", job_vars, secrets)
    assert uploaded.returncode == 0, uploaded.output

    on_index = set(index.snapshot())
    for dist in dists:
        assert {dist.name, dist.name + ".asc"} <= on_index
    for output in (signed.output, uploaded.output):
        assert index.password not in output
        assert not any(line in output for line in gpgtestkeys.private_key_lines(release_key))


def test_variables_cannot_choose_what_is_signed_or_what_runs(tmp_path, release_key, index,
                                                             project_name):
    """What a project's variables (or data another build returns) would set,
    as inventory variables, is overridden by the release playbooks."""
    jobdir = release_jobdir(tmp_path, project_name, "2.0.0")
    make_release(jobdir.work / "artifacts", project_name, "2.0.0")
    elsewhere = tmp_path / "planted"
    make_release(elsewhere, "nova", "99.0.0")
    evil = tmp_path / "evil-python"
    evil.write_text("#!/bin/sh\ntouch " + str(tmp_path / "evil-ran") + "\nexit 1\n")
    evil.chmod(0o755)
    job_vars = {"release_python_signed_fingerprint": release_key.fingerprint,
                "release_python_signed_test_mode": True, "release_python_signed_project": "nova",
                "release_python_signed_version": "99.0.0",
                "release_python_signed_artifacts_dir": str(elsewhere),
                "pypi_guard_python": str(evil),
                "pypi_guard_releases_project": f"openstack/{project_name}",
                "pypi_guard_requirements": str(tmp_path / "unpinned.txt")}
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}

    signed = jobdir.run("playbooks/release-python-signed/sign.yaml", job_vars, secrets)
    assert signed.returncode == 0, signed.output
    assert not (tmp_path / "evil-ran").exists()
    assert not list(elsewhere.glob("*.asc"))
    assert len(list((jobdir.work / "artifacts").glob("*.asc"))) == 2
    assert f"Release {project_name} 2.0.0" in signed.output


def test_release_job_refuses_a_dist_of_another_project(tmp_path, release_key, index,
                                                      project_name):
    jobdir = release_jobdir(tmp_path, project_name, "2.0.0")
    artifacts = jobdir.work / "artifacts"
    make_release(artifacts, project_name, "2.0.0")
    make_release(artifacts, "nova", "99.0.0")
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}
    job_vars = {"release_python_signed_fingerprint": release_key.fingerprint}
    before = index.snapshot()

    signed = jobdir.run("playbooks/release-python-signed/sign.yaml", job_vars, secrets)

    assert signed.returncode != 0
    assert "Refusing to sign anything: 2 file(s)" in signed.output
    assert not list(artifacts.glob("*.asc"))
    assert index.snapshot() == before


def test_a_tag_the_deliverables_do_not_list_at_this_commit_is_refused(
        tmp_path, release_key, index, project_name):
    jobdir = release_jobdir(tmp_path, project_name, "2.0.0", listed_commit="1" * 40)
    artifacts = jobdir.work / "artifacts"
    make_release(artifacts, project_name, "2.0.0")
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}
    job_vars = {"release_python_signed_fingerprint": release_key.fingerprint}
    before = index.snapshot()
    for playbook in ("sign", "upload"):
        result = jobdir.run(f"playbooks/release-python-signed/{playbook}.yaml", job_vars,
                            secrets)
        assert result.returncode != 0
        assert "refusing to sign a commit the release process did not approve" \
            in result.output, result.output
    assert not list(artifacts.glob("*.asc"))
    assert index.snapshot() == before
