#!/usr/bin/python
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
  - C(unexpected-release) findings fail the job; C(yanked-release) and
    C(missing-release) are warnings. Projects that could not be read (including
    a 404 for a managed project, a malformed feed or an XML bomb) are errors, and
    so is a project of which PyPI serves no release at all (an empty feed, a 404
    or empty JSON) while the deliverables list versions of it (every release
    deleted). A run that checked no project is an error.
  - With O(cache_dir), requests are conditional (C(If-None-Match),
    C(If-Modified-Since)) against what an earlier run stored there, so an
    unchanged project costs no body transfer.
  - Writes C(pypi-release-audit.json) and C(.html) into O(report_dir)
    atomically, and returns the alert mail to send when there are findings.
    In check mode the audit runs but writes neither reports nor cache.
version_added: "1.0.0"
author: pypi-guard contributors
options:
  known_releases_file:
    description:
      - The vars file of releases accepted although the releases repository does
        not list them (C(vars/pypi-releases.yaml)), validated before any request.
    type: path
    required: true
  allowlist_file:
    description:
      - The maintainer allowlist (C(vars/pypi-maintainers.yaml)); only its
        C(extra_projects) and C(ignored_projects) are used here.
      - Mutually exclusive with O(allowlist); one of the two is required.
    type: path
  allowlist:
    description:
      - The maintainer allowlist as data, the value of the variable
        C(pypi_maintainers_allowlist), or YAML text of it (what the role passes,
        see the C(pypi_maintainers_audit) module). Validated exactly like
        O(allowlist_file); mutually exclusive with it.
    type: raw
  cache_dir:
    description: Directory of an earlier run's validators and summaries; none when unset.
    type: path
  releases_repo:
    description:
      - Path of a checkout of the releases repository. Required unless O(projects)
        is given.
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
    description: Explicit list of PyPI projects, replacing the derivation.
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
    description: Retries of a request after a 429, a 5xx, a timeout or a failed connection.
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
  today:
    description: Unused by this audit; accepted for symmetry with the other audits.
    type: str
notes:
  - Supports check mode.
requirements:
  - requests, PyYAML, Jinja2, packaging, jsonschema, defusedxml (requirements.txt)
"""

EXAMPLES = r"""
- name: Compare PyPI's releases with the releases repository
  pypi_release_audit:
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
report:
  description:
    - The report, as written to C(pypi-release-audit.json), with the keys of the
      other audits' reports. Each finding and warning has C(project), C(kind),
      C(version), C(upload_time), C(url) and C(detail).
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
  description: Path of the HTML report.
  returned: when a report was written
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

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    VarsFileError,
    load_known_releases,
    maintainers_allowlist_from_params,
)
from ansible.module_utils.pypi_guard.audit import (  # noqa: E402
    COMMON_ARGUMENT_SPEC,
    finish,
    http_client,
    select_projects,
)
from ansible.module_utils.pypi_guard.cache import ConditionalCache  # noqa: E402
from ansible.module_utils.pypi_guard.deliverables import DeliverablesError  # noqa: E402
from ansible.module_utils.pypi_guard.releases import (  # noqa: E402
    compose_release_alert,
    run_release_audit,
)

REPORT_NAME = "pypi-release-audit"
REPORT_TITLE = "PyPI release audit"
REPORT_COLUMNS = ["project", "kind", "version", "upload_time", "url", "detail"]


def audit(params, check_mode=False):
    """Run the audit; returns the module result. Bad input raises before any request."""
    known = load_known_releases(params["known_releases_file"])
    allowlist = maintainers_allowlist_from_params(params)
    selection = select_projects(params["releases_repo"], params["projects"],
                                allowlist.extra_projects, allowlist.ignored_projects,
                                params["project_config"])
    projects = selection.projects
    cache = ConditionalCache(None if check_mode else params["cache_dir"])
    with http_client(params) as client:
        result = run_release_audit(client, cache, params["pypi_url"], projects, known)
    output = finish(
        params, check_mode, REPORT_NAME, REPORT_TITLE, REPORT_COLUMNS,
        result, selection)
    output["alert"] = {}
    if result.findings:
        subject, text = compose_release_alert(output["report"]["findings"],
                                              params["pypi_url"])
        output["alert"] = {"subject": subject, "text": text}
    return output


def main():
    module = AnsibleModule(
        argument_spec=dict(
            COMMON_ARGUMENT_SPEC,
            known_releases_file={"type": "path", "required": True},
            allowlist_file={"type": "path"},
            allowlist={"type": "raw"},
            cache_dir={"type": "path"},
        ),
        mutually_exclusive=[["allowlist", "allowlist_file"]],
        required_one_of=[["allowlist", "allowlist_file"]],
        supports_check_mode=True,
    )
    try:
        module.exit_json(**audit(module.params, module.check_mode))
    except VarsFileError as exc:
        module.fail_json(msg=f"a vars file is not valid:\n{exc}", problems=exc.problems)
    except (DeliverablesError, ValueError) as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
