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
  - Refuses, in one message listing every setting missing, when a setting
    is missing (O(artifacts_dir), O(gpg_key.private), O(fingerprint), and
    O(project) and O(version) in test mode, or with O(zuul) a tag and
    O(releases_repo)); and when O(test_mode) is set with O(zuul), or
    missing without it.
  - Refuses to sign anything, before the key is imported, when the release
    is not one the releases repository lists (with O(zuul), no deliverable
    lists the repository at the tag, or it lists another commit than the
    one checked out), or when any artifact
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
    description: Directory holding the release artifacts (C(release_python_signed_artifacts_dir)).
    type: path
    default: ""
  gpg_key:
    description: The C(gpg_key) secret.
    type: dict
    default: {}
    suboptions:
      private:
        description:
          - The ASCII-armored private release key. It must not be protected
            by a passphrase. Required.
        type: str
      public:
        description: The ASCII-armored public release key; not used to sign.
        type: str
  fingerprint:
    description:
      - Fingerprint of the release key in force (C(release_python_signed_fingerprint)),
        40 hex digits, spaces and case ignored. Required.
    type: str
    default: ""
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
    artifacts_dir: "{{ release_python_signed_artifacts_dir }}"
    gpg_key: "{{ gpg_key | default(omit) }}"
    fingerprint: "{{ release_python_signed_fingerprint }}"
    zuul: "{{ zuul | default(omit) }}"
    test_mode: "{{ release_python_signed_test_mode }}"
    project: "{{ release_python_signed_project }}"
    version: "{{ release_python_signed_version }}"
    releases_repo: "{{ pypi_guard_releases_repo }}"
    releases_project: "{{ pypi_guard_releases_project }}"
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
summary:
  description:
    - What to show, one line each - the release, what named it and the
      key; each dist with its sha256; the signatures written (in check
      mode, that would be).
  returned: success
  type: list
  elements: str
problems:
  description:
    - Why nothing was signed, one line each - every setting missing, or
      every artifact that is not a dist of the release.
  returned: failure
  type: list
  elements: str
"""

from typing import Any

from ansible.module_utils.pypi_guard.artifacts import (
    DIST_PATTERNS,
    GPG_KEY_ARGUMENT_SPEC,
    RELEASE_ARGUMENT_SPEC,
    SIGN,
    release_from_options,
    sign_artifacts,
    signing_summary,
)
from ansible.module_utils.pypi_guard.errors import run_module

ARGUMENT_SPEC = {
    "artifacts_dir": {"type": "path", "default": ""},
    "gpg_key": GPG_KEY_ARGUMENT_SPEC,
    "fingerprint": {"type": "str", "default": ""},
    **RELEASE_ARGUMENT_SPEC,
    "patterns": {"type": "list", "elements": "str", "default": list(DIST_PATTERNS)},
    "gpg_binary": {"type": "str", "default": "gpg"},
    "tmpdir": {"type": "path"},
}


def run(module: Any) -> dict[str, Any]:
    params = module.params
    release = release_from_options(params, SIGN)
    result = sign_artifacts(
        params["artifacts_dir"], params["gpg_key"].get("private"), params["fingerprint"],
        release["project"], release["version"], gpgbinary=params["gpg_binary"],
        check_mode=module.check_mode, patterns=tuple(params["patterns"]),
        tmpdir=params["tmpdir"])
    return {"release": release, **result,
            "summary": signing_summary(release, result, module.check_mode)}


def main() -> None:
    run_module(ARGUMENT_SPEC, run, supports_check_mode=True)


if __name__ == "__main__":
    main()
