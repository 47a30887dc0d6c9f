#!/usr/bin/python
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

"""Ansible module: sign release artifacts with the release key, then verify."""

DOCUMENTATION = r"""
---
module: release_artifacts_sign
short_description: Sign release artifacts with the release key and verify the signatures
description:
  - Imports the private key into a fresh temporary GnuPG home (mode 0700)
    that is removed at the end, whatever happens, with its gpg-agent stopped.
  - Refuses to sign unless the key's primary fingerprint is O(fingerprint),
    the release key in force for the cycle.
  - Refuses to sign anything, before the key is imported, when the release
    is not one the releases repository lists (with O(repository), no
    deliverable lists O(repository) at O(version), or it lists another
    commit than the one checked out in O(source_dir)), or when any artifact
    is not a dist of that release (one of another project or version by
    its file name or by its own metadata, the wheel's C(METADATA) or the
    sdist's C(PKG-INFO), which the index reads; an sdist that is not a
    gzip tar, or a file whose name does not parse as a wheel or sdist file
    name). Each offending file is named on a line of its own.
  - Writes C(<artifact>.asc), an armored detached signature, for every
    artifact matching O(patterns) in O(artifacts_dir), then verifies every
    signature against O(fingerprint) before reporting success.
  - An artifact that already has a good signature by the release key is left
    as it is, so a re-run changes nothing.
  - Fingerprints are compared as 40 hex digits, case and spaces ignored,
    against the B(primary) key. Release keys sign with a subkey; the
    subkey's fingerprint is returned but is not what is checked.
  - In check mode the key is still imported and checked, nothing is
    written, and C(signed) lists what would be signed.
extends_documentation_fragment: pypi_guard_release
options:
  artifacts_dir:
    description: Directory holding the release artifacts.
    type: path
    required: true
  private_key:
    description:
      - The ASCII-armored private release key (the C(private) key of the
        C(gpg_key) secret). It must not be protected by a passphrase.
    type: str
    required: true
  fingerprint:
    description:
      - Fingerprint of the release key in force (C(release_python_signed_fingerprint)),
        40 hex digits, spaces and case ignored.
    type: str
    required: true
  patterns:
    description: Shell patterns of the artifacts to sign.
    type: list
    elements: str
    default: ['*.tar.gz', '*.whl']
  gpg_binary:
    description: The gpg executable (GnuPG 2.1 or newer).
    type: str
    default: gpg
  tmpdir:
    description:
      - Where to create the temporary GnuPG home; by default C(TMPDIR) or
        the system's temporary directory. A directory whose path is too long
        for gpg-agent's sockets is replaced by C(/tmp) (or C(/var/tmp)).
    type: path
notes:
  - Needs python-gnupg on the interpreter that runs it (the
    C(ensure-pypi-guard) role provides one as C(pypi_guard_interpreter)).
  - Run it where the key may be, the Zuul executor, never on a test node.
author:
  - pypi-guard
"""

EXAMPLES = r"""
- name: Sign the release artifacts
  release_artifacts_sign:
    artifacts_dir: "{{ zuul.executor.work_root }}/artifacts"
    project: "{{ release_python_signed_project }}"
    version: "{{ release_python_signed_version }}"
    private_key: "{{ gpg_key.private }}"
    fingerprint: "{{ release_python_signed_fingerprint }}"
  vars:
    ansible_python_interpreter: "{{ pypi_guard_interpreter }}"
  register: signed
"""

RETURN = r"""
release:
  description:
    - The release checked, C(project), C(version) and C(named_by) (the
      deliverable file and commit, or test mode); C(repository), C(commit)
      and C(deliverable) when the releases repository named it.
  returned: success
  type: dict
files:
  description:
    - One entry per artifact, sorted by name. In check mode the signer
      keys are absent.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: Path of the artifact.
      type: str
    name:
      description: File name of the artifact.
      type: str
    signature:
      description: Path of its C(.asc).
      type: str
    sha256:
      description: SHA-256 of the artifact, hex.
      type: str
    signer_fingerprint:
      description: Primary fingerprint of the key that signed it.
      type: str
    signing_key_fingerprint:
      description: Fingerprint of the (sub)key that made the signature.
      type: str
    signature_timestamp:
      description: Creation time of the signature, seconds since the epoch.
      type: int
  sample:
    - path: /var/lib/zuul/builds/123/work/artifacts/foo-1.0.0.tar.gz
      name: foo-1.0.0.tar.gz
      signature: /var/lib/zuul/builds/123/work/artifacts/foo-1.0.0.tar.gz.asc
      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
      signer_fingerprint: 27F4C22EB2C92C1A4AA5D8E3B4A5C2C1B0E5F4D3
      signing_key_fingerprint: 0E5F4D3B4A5C2C1B27F4C22EB2C92C1A4AA5D8E3
      signature_timestamp: 1767225600
signed:
  description: Names of the signatures written (in check mode, that would be written).
  returned: success
  type: list
  elements: str
  sample: [foo-1.0.0.tar.gz.asc, foo-1.0.0-py3-none-any.whl.asc]
fingerprint:
  description: Primary fingerprint of the release key that signed, normalised.
  returned: success
  type: str
signing_key_fingerprint:
  description: Fingerprint of the signing subkey used.
  returned: success
  type: str
problems:
  description:
    - Why nothing was signed; one line per artifact that is not a dist of
      the release when that is the reason.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.pypi_guard.artifacts import (
    DIST_PATTERNS,
    RELEASE_ARGUMENT_SPEC,
    WrongReleaseError,
    release_from_params,
    sign_artifacts,
)
from ansible.module_utils.pypi_guard.gpg import SigningError


def main():
    module = AnsibleModule(
        argument_spec={
            "artifacts_dir": {"type": "path", "required": True},
            "private_key": {"type": "str", "required": True, "no_log": True},
            "fingerprint": {"type": "str", "required": True},
            **RELEASE_ARGUMENT_SPEC,
            "patterns": {"type": "list", "elements": "str", "default": list(DIST_PATTERNS)},
            "gpg_binary": {"type": "str", "default": "gpg"},
            "tmpdir": {"type": "path"},
        },
        mutually_exclusive=[("project", "repository")],
        required_one_of=[("project", "repository")],
        supports_check_mode=True,
    )
    params = module.params
    try:
        release = release_from_params(params)
        result = sign_artifacts(
            params["artifacts_dir"], params["private_key"], params["fingerprint"],
            release["project"], release["version"], gpgbinary=params["gpg_binary"],
            check_mode=module.check_mode,
            patterns=tuple(params["patterns"]), tmpdir=params["tmpdir"])
    except WrongReleaseError as exc:
        module.fail_json(msg=str(exc), problems=exc.problems)
    except SigningError as exc:
        module.fail_json(msg=str(exc), problems=[str(exc)])
    module.exit_json(release=release, **result)


if __name__ == "__main__":
    main()
