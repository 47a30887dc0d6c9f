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

"""Ansible module: compare PyPI's releases with the releases repository."""

DOCUMENTATION = r"""
---
module: pypi_release_audit
short_description: Find PyPI releases of managed projects that the releases repository does not list
description:
  - For every managed project (derived from the releases repository as the
    maintainer audit does, with the same allowlist's C(extra_projects) and
    C(ignored_projects)), reads the project's release feed
    (C(/rss/project/<name>/releases.xml), parsed with defusedxml) and its JSON
    document (yanked state, upload times, releases older than the feed's newest
    40), and compares them with C(releases[].version) of the deliverables.
    Versions are compared as PEP 440 versions (C(1.0) equals C(1.0.0)).
  - C(unexpected-release) and C(hidden-release) (a version the feed lists while
    the JSON API answers 404 for it, quarantined by PyPI) findings fail the
    job; C(yanked-release) and C(missing-release) are warnings. Projects that
    could not be read (including a 404 for a managed project, a project PyPI
    quarantined, a malformed feed or an XML bomb) are errors, and
    so is a project of which PyPI serves no release at all (an empty feed, a 404
    or empty JSON) while the deliverables list versions of it (every release
    deleted). A run that checked no project is an error.
  - With O(cache_dir), requests are conditional (C(If-None-Match),
    C(If-Modified-Since)) against what an earlier run stored there, so an
    unchanged project costs no body transfer.
  - Writes C(pypi-release-audit.json) and C(.html) into O(settings.report_dir)
    atomically, and returns the alert mail to send when there are findings.
    In check mode the audit runs but writes neither reports nor cache.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment: pypi_guard_settings
options:
  cache_dir:
    description: Directory of an earlier run's validators and summaries; none when unset.
    type: path
notes:
  - Supports check mode.
requirements:
  - requests, PyYAML, Jinja2, packaging, jsonschema, defusedxml (requirements.txt)
"""

EXAMPLES = r"""
- name: Compare PyPI's releases with the releases repository
  pypi_release_audit:
    settings:
      known_releases_file: vars/pypi-releases.yaml
      allowlist_file: vars/pypi-maintainers.yaml
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      report_dir: /home/zuul/logs
    cache_dir: /var/cache/pypi-guard/releases
  register: release_audit
"""

RETURN = r"""
status:
  description:
    - C(clean), C(drift) (unexpected releases) or C(error) (something could not be checked).
  returned: always
  type: str
  sample: drift
report_title:
  description:
    - The title of the reports, also the name of the build page's links to them
      and what the role's failure message starts with.
  returned: always
  type: str
  sample: PyPI release audit
report:
  description:
    - The report, as written to C(pypi-release-audit.json), with the keys of the
      other audits' reports. Each finding and warning has C(project), C(kind),
      C(version), C(upload_time), C(url) and C(detail).
    - C(inventory) has one item per project read, those with unexpected releases
      first, with the versions PyPI has (C(on_pypi)), those the releases repository
      and the known releases list (C(listed)), and the C(unexpected), C(yanked)
      (listed, yanked on PyPI) and C(missing) ones.
  returned: always
  type: dict
  sample:
    status: drift
    pypi_url: https://pypi.org
    generated_at: "2026-11-25T02:00:00Z"
    projects_checked: 591
    findings:
      - project: nova
        kind: unexpected-release
        version: 99.0.0
        upload_time: "2026-11-24T21:03:11.123456Z"
        url: https://pypi.org/project/nova/99.0.0/
        detail: "not in the releases repository: find out who uploaded it ..."
    warnings: []
    errors: []
    inventory:
      - project: nova
        on_pypi: ["30.0.0", "31.0.0", "99.0.0"]
        listed: ["30.0.0", "31.0.0"]
        unexpected: ["99.0.0"]
        yanked: []
        missing: []
    managed_set:
      project_config_checked: true
      warnings: []
      unlisted_publishers: []
      sources:
        nova: ["openstack/nova: deliverables/{epoxy,flamingo}/nova.yaml"]
problems:
  description: One line per finding and error.
  returned: always
  type: list
  elements: str
warning_lines:
  description: One line per warning.
  returned: always
  type: list
  elements: str
alert:
  description:
    - The mail to send, C(subject) and C(text); its HTML part is the HTML report.
    - Empty when there is no finding.
  returned: always
  type: dict
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
    load_known_releases,
    required_allowlist,
)
from ansible.module_utils.pypi_guard.audit import (  # noqa: E402
    AuditResult,
    audited_projects,
    finish,
    http_client,
    run_audit_module,
)
from ansible.module_utils.pypi_guard.cache import ConditionalCache  # noqa: E402
from ansible.module_utils.pypi_guard.errors import AuditInputError  # noqa: E402
from ansible.module_utils.pypi_guard.pypi_release_audit import (  # noqa: E402
    compose_release_alert,
    run_release_audit,
)
from ansible.module_utils.pypi_guard.reach import guard_reach  # noqa: E402

AUDIT = "pypi_release_audit"


def audit(params, check_mode=False):
    """Run the audit; returns the module result. Bad input raises
    AuditInputError before any request."""
    if not params.get("known_releases_file"):
        raise AuditInputError("no known releases file: set pypi_guard_known_releases_file "
                              "(the path of vars/pypi-releases.yaml)")
    known = load_known_releases(params["known_releases_file"])
    allowlist = required_allowlist(params)
    selection = audited_projects(params, allowlist)
    cache = ConditionalCache(None if check_mode else params["cache_dir"])
    result = AuditResult()
    with http_client(params) as client:
        if guard_reach(client, params["pypi_url"], selection, allowlist):
            result = run_release_audit(client, cache, params["pypi_url"], selection.projects,
                                       known)
    output = finish(AUDIT, params, check_mode, result, selection)
    output["alert"] = {}
    if result.findings:
        subject, text = compose_release_alert(output["report"]["findings"],
                                              params["pypi_url"])
        output["alert"] = {"subject": subject, "text": text}
    return output


def main():
    run_audit_module(AUDIT, {"cache_dir": {"type": "path"}}, audit)


if __name__ == "__main__":
    main()
