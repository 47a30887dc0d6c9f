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
    a gzip tar), or there is no artifact at all. With O(zuul), the
    release must be one a deliverable of O(releases_repo) lists at the
    commit checked out, as for signing.
  - Signatures are checked in a fresh temporary GnuPG home holding only
    the key of O(gpg_key); it is removed at the end whatever happens.
  - Before that, refuses in one message listing every setting missing, as
    release_artifacts_sign does (O(gpg_key) needs C(public) or C(private)),
    plus, with O(pypi_info), every problem of the upload's credentials and
    index (see pypi_existing_files), so that a job missing several settings
    learns them all at once.
  - Fingerprints are compared as 40 hex digits, case and spaces ignored,
    against the B(primary) key behind the signing subkey.
  - Never changes anything; runs the same in check mode.
extends_documentation_fragment: pypi_guard_release
options:
  artifacts_dir:
    description:
      - Directory holding the artifacts and their C(.asc)
        (C(release_python_signed_artifacts_dir)).
    type: path
    default: ""
  fingerprint:
    description:
      - Fingerprint of the release key in force
        (C(release_python_signed_fingerprint)). Required.
    type: str
    default: ""
  gpg_key:
    description: The C(gpg_key) secret; C(public) or C(private) is required.
    type: dict
    default: {}
    suboptions:
      public:
        description: The ASCII-armored public release key; used when given.
        type: str
      private:
        description:
          - The ASCII-armored private release key, used only for its public
            part when C(public) is not given.
        type: str
  pypi_info:
    description:
      - The C(pypi_info) secret of the upload, checked with the other
        settings (see pypi_existing_files); not used otherwise.
    type: dict
    suboptions:
      api_token:
        description: API token.
        type: str
      username:
        description: User name.
        type: str
      password:
        description: Password.
        type: str
      repository:
        description: Repository name.
        type: str
      repository_url:
        description: Upload URL.
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
    gpg_key: "{{ gpg_key | default(omit) }}"
    pypi_info: "{{ pypi_info | default({}) }}"
    zuul: "{{ zuul | default(omit) }}"
    test_mode: "{{ release_python_signed_test_mode }}"
    project: "{{ release_python_signed_project }}"
    version: "{{ release_python_signed_version }}"
    releases_repo: "{{ pypi_guard_releases_repo }}"
    releases_project: "{{ pypi_guard_releases_project }}"
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

from typing import Any

from ansible.module_utils.pypi_guard.artifacts import (
    DIST_PATTERNS,
    GPG_KEY_ARGUMENT_SPEC,
    RELEASE_ARGUMENT_SPEC,
    UPLOAD,
    release_from_options,
    verify_artifacts,
)
from ansible.module_utils.pypi_guard.errors import run_module
from ansible.module_utils.pypi_guard.index import PYPI_INFO_ARGUMENT_SPEC, upload_problems

ARGUMENT_SPEC = {
    "artifacts_dir": {"type": "path", "default": ""},
    "fingerprint": {"type": "str", "default": ""},
    "gpg_key": GPG_KEY_ARGUMENT_SPEC,
    "pypi_info": {**PYPI_INFO_ARGUMENT_SPEC, "default": None},
    **RELEASE_ARGUMENT_SPEC,
    "patterns": {"type": "list", "elements": "str", "default": list(DIST_PATTERNS)},
    "gpg_binary": {"type": "str", "default": "gpg"},
    "tmpdir": {"type": "path"},
}


def run(module: Any) -> dict[str, Any]:
    params = module.params
    more = [] if params["pypi_info"] is None else upload_problems(params["pypi_info"])
    release = release_from_options(params, UPLOAD, more)
    key = params["gpg_key"]
    result = verify_artifacts(
        params["artifacts_dir"], params["fingerprint"], [key.get("public") or key.get("private")],
        release["project"], release["version"], gpgbinary=params["gpg_binary"],
        patterns=tuple(params["patterns"]), tmpdir=params["tmpdir"])
    return {"changed": False, "release": release, **result}


def main() -> None:
    run_module(ARGUMENT_SPEC, run, supports_check_mode=True)


if __name__ == "__main__":
    main()
