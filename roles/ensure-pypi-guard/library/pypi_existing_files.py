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
  - Files are matched by name, as twine's C(--skip-existing) and the indexes
    themselves do (a released file is never replaced). A file the index has
    under the same name with another sha256, typically a rebuild on a
    re-run, is skipped too, with a warning naming both checksums.
  - A project the index does not know (HTTP 404, or a redirect to another
    host such as pypiserver's fallback to pypi.org) has no files there yet.
  - An answer that is not a simple API page (another content type, JSON
    of the wrong shape, a digest that is not a sha256) fails the task with
    an error naming the URL; it is never read as "no files".
  - Server errors (5xx, 429), timeouts and connection failures are retried
    O(retries) times with exponential backoff, honouring C(Retry-After).
  - Read-only; runs the same in check mode.
options:
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
  description:
    - Dists (paths) the index already has under the same name, whatever their content.
    - Those whose content differs are also in RV(different).
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
  description: One line per dist the index has under the same name with other content (both sha256).
  returned: success
  type: list
  elements: str
"""

from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.pypi_guard.artifacts import SIGNATURE_SUFFIX
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.index import (
    simple_index_url,
    split_existing,
    upload_url_for,
)


def main():
    module = AnsibleModule(
        argument_spec={
            "files": {"type": "list", "elements": "path", "required": True},
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
    dists = [f for f in params["files"] if not f.endswith(SIGNATURE_SUFFIX)]
    try:
        with HttpClient(concurrency=1, timeout=params["timeout"],
                        retries=params["retries"]) as client:
            found = split_existing(client, dists, simple_url, auth=auth)
    except (FetchError, ValueError) as exc:
        module.fail_json(msg=str(exc), simple_url=simple_url)
    for line in found["different"]:
        module.warn(line)
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
