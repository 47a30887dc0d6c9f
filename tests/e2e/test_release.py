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

"""release-python-signed in a real Zuul: a tag of a Python project, the
sdist and wheel built on a node (this machine over SSH, handed out by the
launcher's static provider), signed on the executor with a release key and
uploaded with their .asc to the pypiserver.  The job that runs is the
deployer's trusted child in the config project (final, protected,
post-review), with the secrets encrypted for the config project with its
public key from the REST API; the deliverable of the releases repository
lists the tag at its commit."""

import gnupg

from tests.e2e.stack import SAMPLE, git
from tests.support import gpgtestkeys


def test_tag_releases_signed_dists_to_the_index(zuul_stack, tmp_path):
    stack = zuul_stack
    release_key = stack.release_key  # the key in force in the releases repository
    job = stack.trusted_release_job()
    unexpected = stack.config_errors("zuul.d/release.yaml")
    assert not unexpected, unexpected

    before = stack.index.snapshot()
    git(stack.repo(SAMPLE), "tag", "-a", "-m", "e2e-sample 1.0.0", "1.0.0")
    build = stack.wait_for_build(job, pipeline="release", project=SAMPLE, timeout=600)
    console = stack.fetch(build["log_url"] + "job-output.txt").text if build["log_url"] else ""
    assert build["result"] == "SUCCESS", (build, console[-6000:])
    assert build["ref"]["project"] == SAMPLE and build["ref"]["ref"] == "refs/tags/1.0.0"

    uploaded = set(stack.index.snapshot()) - set(before)
    assert uploaded == {"e2e_sample-1.0.0.tar.gz", "e2e_sample-1.0.0.tar.gz.asc",
                        "e2e_sample-1.0.0-py3-none-any.whl",
                        "e2e_sample-1.0.0-py3-none-any.whl.asc"}, uploaded
    # built on the node, named by the deliverable, signed by the release key in force
    assert "TASK [Build the sdist and the wheel" in console
    assert "deliverables/flamingo/e2e-sample.yaml (openstack/e2e-sample at" in console
    verifier = gnupg.GPG(gnupghome=gpgtestkeys.new_gnupghome(tmp_path))
    verifier.import_keys(release_key.public)
    for name in ("e2e_sample-1.0.0.tar.gz", "e2e_sample-1.0.0-py3-none-any.whl"):
        signature = tmp_path / f"{name}.asc"
        signature.write_bytes(stack.index.download(name + ".asc"))
        verified = verifier.verify_data(str(signature), stack.index.download(name))
        assert verified.valid and verified.pubkey_fingerprint == release_key.fingerprint, (
            name, verified.status)
    # secrets never on the console
    assert stack.index.password not in console
    assert not any(line in console for line in gpgtestkeys.private_key_lines(release_key))
