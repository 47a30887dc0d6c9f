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

"""The options every audit module shares, documented once.

Each audit module says ``extends_documentation_fragment: pypi_guard_audit``;
ansible-doc merges these options into its own when ANSIBLE_DOC_FRAGMENT_PLUGINS
names this directory (tox sets it), and the docs build merges them the same
way. A module that says more about one of them documents only the keys it
changes (ansible-doc's rule: the module's keys win). Only ansible-doc and the
docs read this file; Ansible never loads it when it runs a module.
"""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  releases_repo:
    description:
      - Path of a checkout of the releases repository (openstack/releases). Its
        C(deliverables/*/*.yaml) decide which projects are managed.
      - Required unless O(projects) is given.
    type: path
  project_config:
    description:
      - Path of a checkout of openstack/project-config. Its C(zuul.d/projects.yaml)
        templates tell the repositories published to PyPI from puppet modules
        (C(puppet-release-jobs)) and npm packages (C(nodejs*-publish-to-npm)), and
        name the repositories that publish to PyPI without a deliverable.
      - Without it the set is derived from the deliverables alone and the report
        says that the cross-check did not run (C(managed_set.project_config_checked)).
    type: path
  projects:
    description:
      - Explicit list of PyPI project names; replaces the derivation from
        O(releases_repo). The allowlist's C(extra_projects) are still added and
        its C(ignored_projects) still removed, and the deliverables still give
        each project's repository.
      - Either way, every project the release account (the allowlist's
        C(required_owners)) holds a role on is audited too. Its reach is read
        once per run with XML-RPC C(user_packages), and each project's class
        (C(managed), C(account-only), C(without-account), C(not-published)) is
        in C(managed_set.classes). A reach that cannot be read is an error and
        nothing is audited.
    type: list
    elements: str
    default: []
  pypi_url:
    description: Base URL of the index.
    type: str
    default: https://pypi.org
  report_dir:
    description: Directory the reports are written into; none are written when unset.
    type: path
  concurrency:
    description: Number of requests in flight at once.
    type: int
    default: 8
  rate_limit:
    description: Ceiling on requests per second across all workers (0 for none).
    type: float
    default: 10.0
  timeout:
    description:
      - Seconds one attempt of a request may take in all (connecting, the headers
        and the whole body), not only one read; an index sending a byte at a time
        is cut at this deadline.
    type: float
    default: 30.0
  retries:
    description:
      - Retries of a request after a 429, a 5xx, a timeout, a failed connection or a
        transfer cut short.
    type: int
    default: 4
  max_retry_after:
    description: The longest C(Retry-After) (seconds) worth waiting for; longer is an error.
    type: float
    default: 300.0
  max_body_size:
    description:
      - The largest answer (JSON, RSS, XML-RPC) read from the index, in bytes after
        decoding (a gzip answer counts inflated); a larger one is an error naming
        the URL and this cap.
    type: int
    default: 8388608
  allow_insecure_http:
    description:
      - Allow a plain C(http://) O(pypi_url) (and plain http URLs it points to) on a
        host that is not a loopback address. Without it such a URL fails the module
        before any request; C(127.0.0.0/8), C(::1) and C(localhost) are always allowed.
      - Redirects are followed only within the same scheme, host and port, whatever
        this says.
    type: bool
    default: false
"""
