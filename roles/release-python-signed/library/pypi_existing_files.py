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
  repository:
    description: Repository name as in C(pypi_info.repository); C(pypi) and C(testpypi) are known.
    type: str
    default: pypi
  repository_url:
    description: Upload URL (C(pypi_info.repository_url)); wins over O(repository).
    type: str
  simple_url:
    description:
      - Base URL of the index's simple API. By default derived from the upload
        URL (pypi.org and TestPyPI are known; otherwise a trailing C(legacy/)
        is replaced by C(simple/), or C(simple/) is appended).
    type: str
  username:
    description:
      - User for the simple API, sent only when it is on the upload URL's host
        (private indexes that protect listing).
    type: str
  password:
    description: Password or token for O(username).
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
    repository_url: "{{ pypi_info.repository_url | default(omit) }}"
    username: "{{ '__token__' if pypi_info.api_token is defined else pypi_info.username }}"
    password: "{{ pypi_info.api_token | default(pypi_info.password) }}"
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
  returned: always
  type: str
different:
  description:
    - One line per dist the index has under the same name with other bytes
      (both sha256); the task fails when there is any.
  returned: failure
  type: list
  elements: str
"""

from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.pypi_guard.artifacts import SIGNATURE_SUFFIX
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.index import (
    check_upload_url,
    simple_index_url,
    split_existing,
    upload_url_for,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {"type": "list", "elements": "path", "required": True},
            "skip_existing": {"type": "bool", "default": True},
            "repository": {"type": "str", "default": "pypi"},
            "repository_url": {"type": "str"},
            "simple_url": {"type": "str"},
            "username": {"type": "str"},
            "password": {"type": "str", "no_log": True},
            "timeout": {"type": "int", "default": 30},
            "retries": {"type": "int", "default": 4},
        },
        supports_check_mode=True,
    )
    params = module.params
    upload_url = upload_url_for(params["repository"], params["repository_url"])
    simple_url = params["simple_url"] or simple_index_url(upload_url)
    auth = None
    if params["username"] and params["password"] is not None:
        if urlsplit(simple_url)[:2] == urlsplit(upload_url)[:2]:
            auth = (params["username"], params["password"])
    try:
        check_upload_url(upload_url)
    except FetchError as exc:
        module.fail_json(msg=str(exc), simple_url=simple_url)
    if not params["skip_existing"]:
        module.exit_json(changed=False, existing=[], to_upload=params["files"], different=[],
                         simple_url=simple_url)
    dists = [f for f in params["files"] if not f.endswith(SIGNATURE_SUFFIX)]
    try:
        with HttpClient(concurrency=1, timeout=params["timeout"],
                        retries=params["retries"]) as client:
            found = split_existing(client, dists, simple_url, auth=auth)
    except (FetchError, ValueError) as exc:
        module.fail_json(msg=str(exc), simple_url=simple_url)
    if found["different"]:
        module.fail_json(
            msg=f"Refusing to upload: {len(found['different'])} file(s) of this release are "
                f"already on {simple_url} with other bytes:\n- "
                + "\n- ".join(found["different"]),
            different=found["different"], simple_url=simple_url)
    given = set(params["files"])
    to_upload = []
    for dist in found["missing"]:
        to_upload.append(dist)
        if dist + SIGNATURE_SUFFIX in given:
            to_upload.append(dist + SIGNATURE_SUFFIX)
    module.exit_json(changed=False, existing=found["existing"], to_upload=to_upload,
                     different=found["different"], simple_url=simple_url)


if __name__ == "__main__":
    main()
