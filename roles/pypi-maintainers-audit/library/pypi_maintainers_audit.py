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

"""Ansible module: audit the maintainers of the managed PyPI projects."""

DOCUMENTATION = r"""
---
module: pypi_maintainers_audit
short_description: Compare who holds a role on each managed PyPI project with an allowlist
description:
  - Derives the managed PyPI projects from a checkout of the releases repository
    (or takes an explicit list), reads each project's roles and organization from
    PyPI's JSON API (falling back to XML-RPC C(package_roles), which PyPI answers
    from a cache up to a day old, where the answer has no C(ownership) key or the
    JSON API does not know the project; the inventory's C(roles_source) says
    which, per project) and compares them with the allowlist, O(settings.allowlist) (the
    variable C(pypi_maintainers_allowlist)) or else the vars file O(settings.allowlist_file).
  - A project PyPI quarantined (a JSON API 404 while the simple API says
    C(project-status) C(quarantined), PEP 792) is an error naming it.
  - Requests run concurrently, under a request-rate ceiling, with bounded retries
    that honour C(Retry-After).
  - A project the index does not know is a C(not-on-pypi) warning, but when more
    than half of the projects read, and at least 3, are unknown, the index does
    not look like the one that publishes them (a wrong O(settings.pypi_url), a stale
    mirror), and one error says so, naming O(settings.pypi_url) and the counts. A run that
    checked no project is an error too.
  - Writes C(pypi-maintainers-audit.json) and C(pypi-maintainers-audit.html) into
    O(settings.report_dir) atomically. The module itself does not fail on drift; it returns
    C(status) and the problem lines so that the role can report and then fail.
  - In check mode the audit runs (it only reads) but no report is written.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment: pypi_guard_settings
options:
  fail_on_unregistered:
    description:
      - Count C(not-on-pypi) (a managed name nobody registered) as drift instead of
        a warning.
    type: bool
    default: false
notes:
  - Supports check mode.
requirements:
  - requests, PyYAML, Jinja2, packaging, jsonschema, defusedxml (requirements.txt)
"""

EXAMPLES = r"""
- name: Audit every project the releases repository publishes
  pypi_maintainers_audit:
    settings:
      allowlist_file: vars/pypi-maintainers.yaml
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      report_dir: /home/zuul/logs
  register: audit

- name: Audit with the allowlist given as a variable (a Zuul job's vars)
  pypi_maintainers_audit:
    settings:
      allowlist: "{{ pypi_maintainers_allowlist | to_yaml }}"
      releases_repo: /home/zuul/src/opendev.org/openstack/releases

- name: Audit two projects on another index, slowly
  pypi_maintainers_audit:
    settings:
      allowlist_file: vars/pypi-maintainers.yaml
      projects: [oslo.config, nova]
      pypi_url: http://127.0.0.1:8080
      concurrency: 2
      rate_limit: 1
"""

RETURN = r"""
status:
  description: C(clean), C(drift) (findings) or C(error) (something could not be checked).
  returned: always
  type: str
  sample: drift
report_title:
  description:
    - The title of the reports, also the name of the build page's links to them
      and what the role's failure message starts with.
  returned: always
  type: str
  sample: PyPI maintainers audit
report:
  description:
    - The audit's report, as written to C(pypi-maintainers-audit.json).
    - C(findings) fail the job, C(warnings) do not, C(errors) name the projects that
      could not be read after retries. Each finding and warning has C(project), C(kind),
      C(account), C(role) (the role held on PyPI, null for none) and C(detail).
  returned: always
  type: dict
  contains:
    status:
      description: Same as RV(status).
      type: str
    pypi_url:
      description: The index audited.
      type: str
    generated_at:
      description: When the audit ran (UTC, ISO 8601).
      type: str
    projects_checked:
      description: Number of projects whose roles were read.
      type: int
    findings:
      description: Drift, one item per problem.
      type: list
      elements: dict
      sample:
        - project: nova
          kind: unexpected-account
          account: mallory
          role: Maintainer
          detail: remove its role on PyPI, or add an exception with a reason to ...
    warnings:
      description: Problems that do not fail the job, same keys as findings.
      type: list
      elements: dict
    errors:
      description: Projects that could not be checked, with what went wrong.
      type: list
      elements: dict
      sample:
        - project: nova
          detail: "GET https://pypi.org/pypi/nova/json: HTTP 503 after 5 attempts"
    inventory:
      description:
        - Every project read, those with findings first, each with C(project),
          C(registered) (PyPI knows it), C(organization) (or null), C(roles)
          (every role PyPI lists, C(account) and C(role)) and C(findings) (how
          many). Where each comes from is in C(managed_set.sources).
      type: list
      elements: dict
      sample:
        - project: nova
          registered: true
          organization: null
          roles: [{account: openstackci, role: Owner}]
          findings: 0
    managed_set:
      description:
        - How the set of audited projects was made.
        - C(project_config_checked) is false when O(project_config) was not given
          (the project-config cross-check did not run); C(warnings) are the lines
          about the derivation (also in RV(warning_lines)); C(unlisted_publishers)
          the repositories project-config publishes to PyPI that no deliverable
          names; C(sources) maps each project to why it is audited (its
          repository and deliverable files, C(extra_projects), the explicit
          O(projects) or the release account's C(user_packages)).
        - C(required_owners), C(classes) and C(class_counts) give the release
          account's reach and each project's class (C(managed),
          C(account-only), C(without-account), C(not-published)).
      type: dict
      sample:
        project_config_checked: true
        warnings: []
        unlisted_publishers: [x/python-foo]
        sources:
          keystoneauth1: ["openstack/keystoneauth: deliverables/{epoxy,flamingo}/keystoneauth.yaml"]
        required_owners: [openstackci]
        classes: {keystoneauth1: managed}
        class_counts: {managed: 1}
problems:
  description:
    - "One line per finding and error:"
    - "'<project>: <kind>: <account> [<role>] - <what to do>' with the role in
      parentheses, or '<project>: error: <detail>'."
  returned: always
  type: list
  elements: str
warning_lines:
  description: One line per warning, in the same form.
  returned: always
  type: list
  elements: str
report_json:
  description: Path of the JSON report.
  returned: when a report was written
  type: str
report_html:
  description:
    - Path of the HTML report. An C(index.html) beside it lists every report of
      the directory with its status (written with the reports).
  returned: when a report was written
  type: str
report_artifacts:
  description:
    - The build artifacts that link the reports (HTML, JSON, and the
      C(index.html) beside them) from the build page, for C(zuul_return);
      empty outside Zuul (no O(settings.zuul_log_root)) and for a report
      written outside the log root.
  returned: always
  type: list
  elements: dict
  sample: [{name: "PyPI maintainers audit", url: "pypi-maintainers-audit.html",
            metadata: {type: audit_report}}]
failure:
  description:
    - Why the role fails the job, one line each (the title, the status and
      the count, every problem, then RV(report_error)); empty for a clean
      run whose reports were written.
  returned: always
  type: str
report_error:
  description:
    - Why the reports could not be written (for example a report directory
      under a regular file), empty when they were or none was asked for.
    - The reports are written both or neither, and the findings are still
      returned; the role prints every problem and fails saying both.
  returned: always
  type: str
"""

from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    required_allowlist,
)
from ansible.module_utils.pypi_guard.audit import (  # noqa: E402
    AuditResult,
    audited_projects,
    finish,
    http_client,
    run_audit_module,
    utc_today,
)
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import (  # noqa: E402
    run_maintainers_audit,
    unlisted_publisher_warnings,
)
from ansible.module_utils.pypi_guard.reach import guard_reach  # noqa: E402

AUDIT = "pypi_maintainers_audit"


def audit(params, check_mode=False):
    """Run the audit for the module's parameters; returns the module result.
    Bad input raises AuditInputError before any request."""
    allowlist = required_allowlist(params)
    selection = audited_projects(params, allowlist)
    result = AuditResult()
    with http_client(params) as client:
        if guard_reach(client, params["pypi_url"], selection, allowlist):
            result = run_maintainers_audit(
                client, params["pypi_url"], list(selection.projects), allowlist, utc_today(),
                params["fail_on_unregistered"])
    if params["fail_on_unregistered"]:
        unregistered = [w for w in selection.reach_warnings if w.kind == "unregistered-name"]
        result.findings += unregistered
        selection.reach_warnings = [w for w in selection.reach_warnings
                                    if w not in unregistered]
    result.warnings += unlisted_publisher_warnings(selection.unlisted_publishers, allowlist)
    return finish(AUDIT, params, check_mode, result, selection)


def main():
    run_audit_module(AUDIT, {"fail_on_unregistered": {"type": "bool", "default": False}},
                     audit)


if __name__ == "__main__":
    main()
