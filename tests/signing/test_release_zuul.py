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
inventory, the secrets in a vars file. build.yaml needs a node and Zuul's
ensure-pip role: it is not run here."""

import pytest

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

import gpgtestkeys  # noqa: E402
from dists import make_release  # noqa: E402
from zuulrun import ZuulJobDir  # noqa: E402

FIXTURE_RELEASES = __import__("pathlib").Path(__file__).parent.parent / "fixtures" / "releases"


def test_release_job_as_zuul_runs_it(tmp_path, release_key, index, project_name):
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES, job="release-python-signed")
    # A tag pipeline's build of the project: the release is named by the
    # repository's short name and the tag, with no variable set.
    jobdir.zuul.update(pipeline="release", tag="2.0", project=dict(
        jobdir.zuul["project"], name=f"openstack/{project_name}", short_name=project_name))
    artifacts = jobdir.work / "artifacts"
    dists = make_release(artifacts, project_name, "2.0.0")
    job_vars = {"release_signing_fingerprint": release_key.fingerprint,
                "pypi_upload_skip_existing": True}
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}

    signed = jobdir.run("playbooks/release-python-signed/sign.yaml", job_vars, secrets)
    assert signed.returncode == 0, signed.output
    uploaded = jobdir.run("playbooks/release-python-signed/upload.yaml", job_vars, secrets)
    assert uploaded.returncode == 0, uploaded.output

    on_index = set(index.snapshot())
    for dist in dists:
        assert {dist.name, dist.name + ".asc"} <= on_index
    for output in (signed.output, uploaded.output):
        assert index.password not in output
        assert not any(line in output for line in gpgtestkeys.private_key_lines(release_key))


def test_release_job_refuses_a_dist_of_another_project(tmp_path, release_key, index,
                                                      project_name):
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES, job="release-python-signed")
    jobdir.zuul.update(pipeline="release", tag="2.0.0", project=dict(
        jobdir.zuul["project"], name=f"openstack/{project_name}", short_name=project_name))
    artifacts = jobdir.work / "artifacts"
    make_release(artifacts, project_name, "2.0.0")
    make_release(artifacts, "nova", "99.0.0")
    secrets = {"gpg_key": {"private": release_key.private}, "pypi_info": index.pypi_info()}
    job_vars = {"release_signing_fingerprint": release_key.fingerprint}
    before = index.snapshot()

    signed = jobdir.run("playbooks/release-python-signed/sign.yaml", job_vars, secrets)

    assert signed.returncode != 0
    assert "Refusing to sign anything: 2 file(s)" in signed.output
    assert not list(artifacts.glob("*.asc"))
    # The project's name on PyPI, set in the job, wins over the repository's.
    renamed = jobdir.run("playbooks/release-python-signed/sign.yaml",
                         dict(job_vars, release_project="nova", release_version="99.0"),
                         secrets)
    assert renamed.returncode != 0
    assert f"a dist of {project_name} 2.0.0, not of nova 99.0" in renamed.output
    assert index.snapshot() == before
