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
uploaded with their .asc to the pypiserver, with the secrets encrypted for
pypi-guard with its public key from the REST API."""

import gnupg
import gpgtestkeys

from e2e.stack import GUARD, SAMPLE, dump_zuul_yaml, encrypt, git

JOB = "release-python-signed"
# As the job's description says; a name after release-jobs.yaml, so that this
# variant is applied after the job's definition.
SECRETS_FILE = "zuul.d/secrets.yaml"


def test_tag_releases_signed_dists_to_the_index(zuul_stack, tmp_path):
    stack = zuul_stack
    release_key = stack.release_key  # the key in force in the releases repository
    public = stack.project_key(GUARD)
    pypi_info = stack.index.pypi_info()
    # The deployer's variant (zuul.d/secrets.yaml in the README): secrets
    # `zuul-client encrypt`ed for this repository, the node, the key in force.
    config = [
        {"secret": {"name": "e2e-pypi-info",
                    "data": {k: encrypt(public, v) for k, v in pypi_info.items()}}},
        {"secret": {"name": "e2e-gpg-key",
                    "data": {"private": encrypt(public, release_key.private)}}},
        {"job": {"name": JOB,
                 "nodeset": {"nodes": [{"name": "node", "label": "e2e-node"}]},
                 # Zuul gives a variant's secrets only to the playbooks that
                 # variant defines: without pass-to-parent, release-jobs.yaml's
                 # playbooks would not get them (seen in this test).
                 "secrets": [{"name": "pypi_info", "secret": "e2e-pypi-info",
                              "pass-to-parent": True},
                             {"name": "gpg_key", "secret": "e2e-gpg-key",
                              "pass-to-parent": True}],
                 "vars": {"release_signing_fingerprint": release_key.fingerprint,
                          # the git driver makes a tag a Ref, not a Tag: no zuul.tag
                          "release_version": "1.0.0"}}},
    ]
    text = dump_zuul_yaml(config)
    assert stack.index.password not in text and "PRIVATE KEY" not in text
    stack.commit_to(GUARD, {SECRETS_FILE: text}, "Release secrets for the e2e index")
    stack.wait_for_variant(JOB, SECRETS_FILE)
    unexpected = [e for e in stack.tenant_api("config-errors")
                  if SECRETS_FILE in str(e.get("source_context"))]
    assert not unexpected, unexpected

    before = stack.index.snapshot()
    git(stack.repo(SAMPLE), "tag", "-a", "-m", "e2e-sample 1.0.0", "1.0.0")
    build = stack.wait_for_build(JOB, pipeline="release", timeout=600)
    console = stack.fetch(build["log_url"] + "job-output.txt").text if build["log_url"] else ""
    assert build["result"] == "SUCCESS", (build, console[-6000:])
    assert build["ref"]["project"] == SAMPLE and build["ref"]["ref"] == "refs/tags/1.0.0"

    uploaded = set(stack.index.snapshot()) - set(before)
    assert uploaded == {"e2e_sample-1.0.0.tar.gz", "e2e_sample-1.0.0.tar.gz.asc",
                        "e2e_sample-1.0.0-py3-none-any.whl",
                        "e2e_sample-1.0.0-py3-none-any.whl.asc"}, uploaded
    # built on the node, signed by the release key in force
    assert "TASK [Build the sdist and the wheel" in console
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
