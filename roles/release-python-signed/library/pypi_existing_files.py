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

"""Ansible module: which release files does a package index already have?"""

DOCUMENTATION = r"""
---
module: pypi_existing_files
short_description: Ask a package index's simple API which of our files it already has
description:
  - Lets a re-run after a partial upload complete the release on any index.
    twine 6.2 and newer refuse C(--skip-existing) for every index but pypi.org
    and TestPyPI; this module asks the index's simple API (PEP 503 HTML or
    PEP 691 JSON) for each project and splits the files into those already
    there and those still to upload.
  - A file counts as already uploaded only when the index has the same
    bytes - its sha256 as the simple API gives it, or, for an index that
    gives none, the sha256 of the file it serves, downloaded (at most as
    many bytes as ours) - and is then left out of the upload.
  - A file the index has under the same name with other bytes fails the
    task, one line per file naming both checksums. The index keeps the
    first file it was given, so those bytes came from somewhere else (an
    incident to look into), and the release must not end green.
  - Works out where and as whom twine uploads, from O(pypi_info) - the
    repository (C(pypi) by default), its upload URL (O(pypi_info.repository_url),
    else pypi.org's or TestPyPI's), the user name (C(__token__) with an API
    token) and which key of O(pypi_info) holds the secret - and returns them
    for the C(.pypirc) (the secret itself is never returned). O(pypi_info)
    with an API token and a user name or password, with neither, with a line
    break in any value (or a bracket in the repository name), or with a
    repository other than C(pypi) and C(testpypi) and no URL, fails the
    task, every problem in one message.
  - Refuses an upload URL (and a simple API URL) in plain http except to a
    loopback address, before anything is sent; the credentials never cross
    a network in clear (the audits' rule, with no switch to lift it).
  - A project the index does not know (HTTP 404, or a redirect to another
    host such as pypiserver's fallback to pypi.org) has no files there yet.
  - An answer that is not a simple API page (another content type, JSON
    of the wrong shape, a digest that is not a sha256) fails the task with
    an error naming the URL; it is never read as "no files".
  - Server errors (5xx, 429), timeouts and connection failures are retried
    O(retries) times with exponential backoff, honouring C(Retry-After).
  - Read-only; runs the same in check mode.
options:
  skip_existing:
    description:
      - Ask the index what it already has. False, only the URLs are checked
        and every file is to upload.
    type: bool
    default: true
  files:
    description:
      - The files to upload, dists and their C(.asc); only the dists are
        looked up, and each C(.asc) follows its dist.
    type: list
    elements: path
    required: true
  pypi_info:
    description:
      - The C(pypi_info) secret, in the shape of upstream's C(upload-pypi)
        role; no other key is accepted.
    type: dict
    default: {}
    suboptions:
      api_token:
        description:
          - An API token (the user name is then C(__token__)); or
            O(pypi_info.username) and O(pypi_info.password).
        type: str
      username:
        description: User name on the index.
        type: str
      password:
        description: Password for O(pypi_info.username).
        type: str
      repository:
        description:
          - Repository name (the C(.pypirc) section); C(pypi) (the default)
            and C(testpypi) need no URL.
        type: str
      repository_url:
        description: Upload URL; wins over O(pypi_info.repository).
        type: str
  simple_url:
    description:
      - Base URL of the index's simple API. By default derived from the upload
        URL (pypi.org and TestPyPI are known; otherwise a trailing C(legacy/)
        is replaced by C(simple/), or C(simple/) is appended).
      - The credentials are sent to it only when it is on the upload URL's
        host (private indexes that protect listing).
    type: str
  timeout:
    description: Seconds to wait for the index on each request.
    type: int
    default: 30
  retries:
    description: How many times a failed request is retried.
    type: int
    default: 4
author:
  - pypi-guard
"""

EXAMPLES = r"""
- name: Find the files the index already has
  pypi_existing_files:
    files: "{{ preflight.upload_files }}"
    pypi_info: "{{ pypi_info }}"
  vars:
    ansible_python_interpreter: "{{ pypi_guard_interpreter }}"
  register: on_index
"""

RETURN = r"""
existing:
  description: Dists (paths) the index already has, byte for byte (same sha256).
  returned: success
  type: list
  elements: str
to_upload:
  description: What is left to upload, each dist followed by its C(.asc).
  returned: success
  type: list
  elements: str
simple_url:
  description: The simple API base URL that was asked.
  returned: success, and on failure once the upload URL is known
  type: str
repository:
  description: The repository, the C(.pypirc) section to upload with.
  returned: success
  type: str
  sample: pypi
upload_url:
  description: The upload URL.
  returned: success
  type: str
  sample: https://upload.pypi.org/legacy/
login:
  description: The user name to upload as (C(__token__) with an API token).
  returned: success
  type: str
secret_field:
  description: The key of O(pypi_info) that holds the password, C(api_token) or C(password).
  returned: success
  type: str
summary:
  description: What to show before the upload, one line each.
  returned: success
  type: list
  elements: str
different:
  description:
    - One line per dist the index has under the same name with other bytes
      (both sha256); the task fails when there is any.
  returned: failure
  type: list
  elements: str
"""

from typing import Any

from ansible.module_utils.pypi_guard.errors import run_module
from ansible.module_utils.pypi_guard.index import PYPI_INFO_ARGUMENT_SPEC, plan_upload

ARGUMENT_SPEC = {
    "files": {"type": "list", "elements": "path", "required": True},
    "skip_existing": {"type": "bool", "default": True},
    "pypi_info": PYPI_INFO_ARGUMENT_SPEC,
    "simple_url": {"type": "str"},
    "timeout": {"type": "int", "default": 30},
    "retries": {"type": "int", "default": 4},
}


def run(module: Any) -> dict[str, Any]:
    params = module.params
    plan = plan_upload(params["files"], params["pypi_info"], params["skip_existing"],
                       params["simple_url"], params["timeout"], params["retries"],
                       module.check_mode)
    return {"changed": False, **plan}


def main() -> None:
    run_module(ARGUMENT_SPEC, run, supports_check_mode=True)


if __name__ == "__main__":
    main()
