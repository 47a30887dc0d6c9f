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

"""Ansible module: preflight check of release artifacts and their signatures."""

DOCUMENTATION = r"""
---
module: release_artifacts_verify
short_description: Check that every release artifact has a good signature by the release key
description:
  - The preflight of a signed upload. Fails, listing every problem at once,
    when an artifact has no C(.asc), an C(.asc) has no artifact, an C(.asc)
    does not verify against O(fingerprint) (made by another key, or the file
    was modified), an artifact is not a dist of the release (by its file
    name or its own metadata, C(METADATA) or C(PKG-INFO); an sdist must be
    a gzip tar), or there is no artifact at all. With O(repository), the
    release must be one a deliverable of O(releases_repo) lists at the
    commit checked out in O(source_dir), as for signing.
  - Signatures are checked in a fresh temporary GnuPG home holding only
    O(public_key) and/or O(private_key); it is removed at the end whatever
    happens.
  - Fingerprints are compared as 40 hex digits, case and spaces ignored,
    against the B(primary) key behind the signing subkey.
  - Never changes anything; runs the same in check mode.
extends_documentation_fragment: pypi_guard_release
options:
  artifacts_dir:
    description: Directory holding the artifacts and their C(.asc).
    type: path
    required: true
  fingerprint:
    description: Fingerprint of the release key in force (C(release_python_signed_fingerprint)).
    type: str
    required: true
  public_key:
    description:
      - The ASCII-armored public release key (C(gpg_key.public)). At least
        one of O(public_key) and O(private_key) is needed.
    type: str
  private_key:
    description:
      - The ASCII-armored private release key (C(gpg_key.private)), used only
        for its public part when O(public_key) is not given.
    type: str
  patterns:
    description: Shell patterns of the artifacts.
    type: list
    elements: str
    default: ['*.tar.gz', '*.whl']
  gpg_binary:
    description: The gpg executable.
    type: str
    default: gpg
  tmpdir:
    description:
      - Where to create the temporary GnuPG home; by default C(TMPDIR). A
        directory whose path is too long for gpg-agent's sockets is replaced
        by C(/tmp) (or C(/var/tmp)).
    type: path
notes:
  - Needs python-gnupg on the interpreter that runs it.
author:
  - pypi-guard
"""

EXAMPLES = r"""
- name: Preflight, check every dist and its signature
  release_artifacts_verify:
    artifacts_dir: "{{ release_python_signed_artifacts_dir }}"
    fingerprint: "{{ release_python_signed_fingerprint }}"
    project: "{{ release_python_signed_project }}"
    version: "{{ release_python_signed_version }}"
    public_key: "{{ gpg_key.public | default(omit) }}"
    private_key: "{{ gpg_key.private | default(omit) }}"
  vars:
    ansible_python_interpreter: "{{ pypi_guard_interpreter }}"
  register: preflight
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
  description: One entry per artifact, as returned by release_artifacts_sign.
  returned: success, and on failure for the artifacts that have an C(.asc)
  type: list
  elements: dict
upload_files:
  description: Each artifact followed by its C(.asc), the arguments for one C(twine upload).
  returned: success
  type: list
  elements: str
problems:
  description: Every reason the artifacts are not fit to upload.
  returned: failure
  type: list
  elements: str
fingerprint:
  description: The expected primary fingerprint, normalised.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.pypi_guard.artifacts import (
    DIST_PATTERNS,
    RELEASE_ARGUMENT_SPEC,
    PreflightError,
    release_from_params,
    verify_artifacts,
)
from ansible.module_utils.pypi_guard.gpg import SigningError


def main():
    module = AnsibleModule(
        argument_spec={
            "artifacts_dir": {"type": "path", "required": True},
            "fingerprint": {"type": "str", "required": True},
            **RELEASE_ARGUMENT_SPEC,
            "public_key": {"type": "str"},
            "private_key": {"type": "str", "no_log": True},
            "patterns": {"type": "list", "elements": "str", "default": list(DIST_PATTERNS)},
            "gpg_binary": {"type": "str", "default": "gpg"},
            "tmpdir": {"type": "path"},
        },
        mutually_exclusive=[("project", "repository")],
        required_one_of=[("public_key", "private_key"), ("project", "repository")],
        supports_check_mode=True,
    )
    params = module.params
    keys = [params["public_key"] or params["private_key"]]
    try:
        release = release_from_params(params)
        result = verify_artifacts(
            params["artifacts_dir"], params["fingerprint"], keys,
            release["project"], release["version"], gpgbinary=params["gpg_binary"],
            patterns=tuple(params["patterns"]),
            tmpdir=params["tmpdir"])
    except PreflightError as exc:
        module.fail_json(msg=str(exc), problems=exc.problems, files=exc.files)
    except SigningError as exc:
        module.fail_json(msg=str(exc), problems=[str(exc)])
    module.exit_json(changed=False, release=release, **result)


if __name__ == "__main__":
    main()
