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

"""The settings every pypi-guard module takes, documented once.

Each module says ``extends_documentation_fragment: pypi_guard_settings``;
ansible-doc merges these options into its own when ANSIBLE_DOC_FRAGMENT_PLUGINS
names this directory (tox sets it), and the docs build merges them the same
way. The Python side is ``module_utils/pypi_guard/settings.py``
(``SETTINGS_SPEC``), which tests/test_docs.py holds to this. Only ansible-doc
and the docs read this file; Ansible never loads it when it runs a module.
"""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  settings:
    description:
    - 'The settings every pypi-guard module shares, as one dict: the ensure-pypi-guard
      role builds it once from the C(pypi_guard_*) variables (key C(K) is
      the variable C(pypi_guard_K)) and every role passes it as it is.'
    - 'Typed and defaulted as below, then checked once before anything is
      read: a number below its floor, or O(settings.smtp_starttls) with O(settings.smtp_ssl),
      fails the module with one line naming the variable and the value.'
    type: dict
    required: true
    suboptions:
      releases_repo:
        description:
        - Path of a checkout of the releases repository (openstack/releases).
          Its C(deliverables/*/*.yaml) decide which projects are managed.
        - Required unless O(settings.projects) is given.
        type: path
      project_config:
        description:
        - Path of a checkout of openstack/project-config. Its C(zuul.d/projects.yaml)
          templates tell the repositories published to PyPI from puppet modules
          (C(puppet-release-jobs)) and npm packages (C(nodejs*-publish-to-npm)),
          and name the repositories that publish to PyPI without a deliverable.
        - Without it the set is derived from the deliverables alone and the
          report says that the cross-check did not run (C(managed_set.project_config_checked)).
        type: path
      projects:
        description:
        - Explicit list of PyPI project names; replaces the derivation from
          O(settings.releases_repo). The allowlist's C(extra_projects) are
          still added and its C(ignored_projects) still removed, and the deliverables
          still give each project's repository.
        - Either way, every project the release account (the allowlist's C(required_owners))
          holds a role on is audited too. Its reach is read once per run with
          XML-RPC C(user_packages), and each project's class (C(managed),
          C(account-only), C(without-account), C(not-published)) is in C(managed_set.classes).
          A reach that cannot be read is an error and nothing is audited.
        type: list
        elements: str
        default: []
      allowlist_file:
        description:
        - 'Path of the maintainer allowlist vars file (C(vars/pypi-maintainers.yaml)):
          who may hold a role, and the C(extra_projects) and C(ignored_projects)
          every audit adds and removes. Validated before any request; a malformed
          file fails with one line per problem, naming the file, the key and
          the value.'
        - Not read when O(settings.allowlist) is given. The maintainer and
          release audits and the watcher need one of the two.
        type: path
      allowlist:
        description:
        - The allowlist as data, the value of the variable C(pypi_maintainers_allowlist)
          (the mapping with C(required_owners) and the other keys of the file's
          C(pypi_maintainers_allowlist)), or YAML text of that mapping; wins
          over O(settings.allowlist_file).
        - The ensure-pypi-guard role passes YAML text (C(to_yaml)) because
          on its way to a module Ansible turns the keys YAML read as null,
          numbers or booleans (C(null:), C(2048:), C(on:)) into text, and
          the validation must see them to refuse them. Problem lines start
          with C(variable pypi_maintainers_allowlist) instead of the file
          name.
        type: raw
      known_releases_file:
        description:
        - The vars file of releases accepted although the releases repository
          does not list them (C(vars/pypi-releases.yaml)), validated before
          any request. The release audit and the watcher need it.
        type: path
      signature_url:
        description:
        - Template of the URL of a file's signature, with the placeholders
          C({namespace}) and C({repo}) (the project's repository in the deliverables,
          C(openstack/nova)), C({filename}), C({project}), C({version}) and
          C({url}) (the file's URL on the index).
        - C(index) means C({url}.asc), for indexes that keep the signatures
          beside the files.
        - When a project has several repositories, each URL is tried in turn.
        type: str
        default: https://tarballs.opendev.org/{namespace}/{repo}/{filename}.asc
      pypi_url:
        description:
        - Base URL of the index.
        type: str
        default: https://pypi.org
      concurrency:
        description:
        - Number of requests in flight at once.
        type: int
        default: 8
      rate_limit:
        description:
        - Ceiling on requests per second across all workers (0 for none).
        type: float
        default: 10.0
      timeout:
        description:
        - Seconds one attempt of a request may take in all (connecting, the
          headers and the whole body), not only one read; an index sending
          a byte at a time is cut at this deadline.
        type: float
        default: 30.0
      retries:
        description:
        - Retries of a request after a 429, a 5xx, a timeout, a failed connection
          or a transfer cut short.
        type: int
        default: 4
      max_retry_after:
        description:
        - The longest C(Retry-After) (seconds) worth waiting for; longer is
          an error.
        type: float
        default: 300.0
      max_body_size:
        description:
        - The largest answer (JSON, RSS, XML-RPC) read from the index, in
          bytes after decoding (a gzip answer counts inflated); a larger one
          is an error naming the URL and this cap.
        type: int
        default: 8388608
      max_file_size:
        description:
        - The largest file (bytes) worth downloading to check its signature;
          a larger one is an error.
        type: int
        default: 268435456
      allow_insecure_http:
        description:
        - Allow a plain C(http://) O(settings.pypi_url) (and plain http URLs
          it points to) on a host that is not a loopback address. Without
          it such a URL fails the module before any request; C(127.0.0.0/8),
          C(::1) and C(localhost) are always allowed.
        - Redirects are followed only within the same scheme, host and port,
          whatever this says.
        type: bool
        default: false
      report_dir:
        description:
        - Directory the reports are written into; none are written when unset.
        type: path
      zuul_log_root:
        description:
        - 'Under Zuul, the build''s log root (C(zuul.executor.log_root)):
          the module returns the build artifacts (C(report_artifacts)) that
          link the reports written under it. Unset outside Zuul.'
        type: path
      notify_to:
        description:
        - Recipients of the alerts (the release audit's and the watcher's).
          Empty, nobody is mailed and the job says so.
        type: list
        elements: str
        default: []
      notify_from:
        description:
        - Sender address of the alerts.
        type: str
        default: pypi-guard@localhost
      smtp_host:
        description:
        - SMTP server.
        type: str
        default: localhost
      smtp_port:
        description:
        - SMTP port.
        type: int
        default: 25
      smtp_starttls:
        description:
        - Upgrade the connection with STARTTLS before anything else (usually
          port 587).
        type: bool
        default: false
      smtp_ssl:
        description:
        - Speak TLS from the first byte (SMTPS, implicit TLS, usually port
          465).
        - Not together with O(settings.smtp_starttls).
        type: bool
        default: false
      smtp_allow_plain_login:
        description:
        - Allow a login without O(settings.smtp_starttls) or O(settings.smtp_ssl)
          when O(settings.smtp_host) is C(localhost) or a loopback address.
          Refused for any other host.
        type: bool
        default: false
"""
