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

"""Ansible module: prove that what PyPI serves is what the release process signed."""

DOCUMENTATION = r"""
---
module: release_signature_audit
short_description: Check the files PyPI serves against the release process's signatures
description:
  - Derives the managed PyPI projects from a checkout of the releases repository
    (or takes an explicit list) and, for every file in O(scope), downloads it
    from the index, checks that its bytes hash to the sha256 the index publishes
    for it, fetches its detached C(.asc) from O(settings.signature_url) and checks it with
    gpg.
  - The release keys are the C(signing-key) entries of O(series_status_file)
    (fingerprint, C(start), C(end) or C(present)); their public keys are read
    from O(keys_dir) (C(0x<fingerprint>.txt), as openstack/releases publishes
    them) into a temporary GnuPG home that holds only those keys and is removed
    afterwards whatever happens.
  - A file passes when its bytes match the index's sha256, its signature is good,
    the signer's primary key is one of the release keys, and the signature was
    made on a day inside that key's C(start)..C(end) window (C(start) <= day <
    C(end)) and before the key expired. A signature made while the key was valid
    stays good after the key has expired; one made after the expiry does not.
  - "Findings: C(bad-signature), C(unsigned) (no C(.asc) at the source),
    C(wrong-key) (not a release key, or a revoked one), C(signed-outside-window),
    C(digest-mismatch). What could not be checked (a fetch that failed after
    retries, a file over O(settings.max_file_size), a file name that is not a plain name,
    no sha256 from the index, a file entry or release of the wrong shape, an
    upload time that is not a time or is before 2000, a JSON document without
    C(releases), no file checked at all unless O(scope) is C(since:...), an index
    that does not know most of the projects, a project PyPI quarantined, a version
    the release feed lists while the JSON API hides it (a quarantined release,
    whose files cannot be seen)) is an error for its project; the
    other projects are still checked. The module does not fail on either;
    it returns C(status) and one line per problem so that the role can report
    and then fail."
  - Files are streamed, under a size cap, to numbered files in a temporary
    directory that is removed afterwards; file names from the index are never
    used as paths.
  - Bad input (the series file, a key file, O(scope), O(settings.signature_url)) fails the
    module with one line per problem before any request is made.
  - Writes C(release-signature-audit.json) and C(release-signature-audit.html)
    into O(settings.report_dir) atomically. In check mode the audit runs (it only reads)
    but no report is written.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment: pypi_guard_settings
options:
  series_status_file:
    description:
      - The series file with the C(signing-key) of each cycle. Defaults to
        C(data/series_status.yaml) in O(settings.releases_repo).
    type: path
  keys_dir:
    description:
      - The directory of the public keys, one C(0x<fingerprint>.txt) per key
        (lower case, as openstack/releases names them). Defaults to
        C(doc/source/static) in O(settings.releases_repo).
    type: path
  scope:
    description:
      - Which files to check. C(latest) is every file of each project's highest
        version that has files (pre-releases and yanked releases included), plus
        every file uploaded in the last O(recent_days) days whatever its release
        (a file added later to an older release); C(all) every file of every
        release; C(since:YYYY-MM-DD) every file uploaded on or after that day (UTC).
      - The index's JSON must list every release (its C(releases) object); a
        document without it, or with a release whose files are not a list, is an
        error for that project, never a narrower check.
    type: str
    default: latest
  recent_days:
    description:
      - With O(scope=latest), also check every file uploaded on or after the day of
        the audit (UTC) minus this many days. C(0) checks the highest version only.
    type: int
    default: 7
  download_timeout:
    description:
      - Seconds one attempt of a file or signature download may take in all.
        A download is tried at most O(settings.retries) + 1 times.
    type: float
    default: 600.0
notes:
  - Supports check mode.
  - The temporary GnuPG home and the download directory are created under
    C(TMPDIR).
requirements:
  - gpg (GnuPG 2.2 or later)
  - requests, PyYAML, Jinja2, packaging, python-gnupg (requirements.txt)
"""

EXAMPLES = r"""
- name: Check the newest release of every project the releases repository publishes
  release_signature_audit:
    settings:
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      report_dir: /home/zuul/logs
  register: audit

- name: Check every file uploaded since a date, with signatures kept by the index
  release_signature_audit:
    settings:
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      projects: [oslo.config, nova]
      pypi_url: http://127.0.0.1:8080
      signature_url: index
    scope: since:2025-01-01
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
  sample: Release signature audit
report:
  description:
    - The audit's report, as written to C(release-signature-audit.json).
    - C(findings) fail the job, C(warnings) do not, C(errors) say what could not be
      checked. Each finding and warning has C(project), C(kind), C(version),
      C(filename) and C(detail).
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
      description: Number of projects whose file list was read.
      type: int
    files_checked:
      description: Number of files downloaded and checked against their signature.
      type: int
    scope:
      description:
        - The scope, as given; for C(latest) with O(recent_days), with the day the
          window starts (C(latest, and every file uploaded since 2026-11-18)).
      type: str
    signature_url:
      description: The signature URL template used.
      type: str
    keys:
      description:
        - The release keys, each with C(fingerprint), C(series), C(windows)
          (C(series), C(start), C(end)), C(expires), C(revoked), C(uid) and
          C(key_file).
      type: list
      elements: dict
    files:
      description:
        - One item per file in scope with C(project), C(version), C(filename),
          C(result) (C(good), the finding kinds, or C(error)) and the signature's
          evidence, empty when there is no signature; C(signer) (the key that
          made it), C(series) and C(window) (the release key's window the
          signature's day fell in; C(none), with all the key's series, when it
          fell in none) and C(signed_at).
      type: list
      elements: dict
      sample:
        - project: nova
          version: 31.0.0
          filename: nova-31.0.0.tar.gz
          result: good
          signer: "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567"
          series: flamingo
          signed_at: "2025-04-02T10:00:00Z"
          window: "2025-03-31..present"
    findings:
      description: One item per problem with a file.
      type: list
      elements: dict
      sample:
        - project: nova
          kind: signed-outside-window
          version: 30.0.0
          filename: nova-30.0.0.tar.gz
          detail: "signed 2025-11-02T10:00:00Z by C71B ..., outside its window
            (flamingo 2025-04-07..2025-10-06)"
    warnings:
      description:
        - Problems that do not fail the job, same keys as findings
          (C(not-on-pypi), C(no-files)).
      type: list
      elements: dict
    errors:
      description: What could not be checked, with C(project), C(detail) and, for a
        file, C(version) and C(filename).
      type: list
      elements: dict
      sample:
        - project: nova
          version: 30.0.0
          filename: nova-30.0.0.tar.gz
          detail: "30.0.0 nova-30.0.0.tar.gz: GET https://files.pythonhosted.org/...:
            HTTP 503 after 5 attempts"
    managed_set:
      description:
        - How the set of audited projects was made.
        - C(project_config_checked) is false when O(project_config) was not given
          (the project-config cross-check did not run); C(warnings) are the lines
          about the derivation (also in RV(warning_lines)); C(unlisted_publishers)
          the repositories project-config publishes to PyPI that no deliverable
          names; C(sources) maps each project to why it is audited (its
          repository and deliverable files, C(extra_projects) or the explicit
          O(projects)).
      type: dict
      sample:
        project_config_checked: true
        warnings: []
        unlisted_publishers: [x/python-foo]
        sources:
          keystoneauth1: ["openstack/keystoneauth: deliverables/{epoxy,flamingo}/keystoneauth.yaml"]
problems:
  description:
    - "One line per finding and error: '<project>: <kind>: <version> <filename> -
      <detail>' or '<project>: error: <detail>' (the detail of a file's error
      starts with its version and file name)."
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

import tempfile  # noqa: E402

from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    MaintainersAllowlist,
    maintainers_allowlist_from_params,
)
from ansible.module_utils.pypi_guard.audit import (  # noqa: E402
    AuditResult,
    audited_projects,
    finish,
    http_client,
    run_audit_module,
    utc_today,
)
from ansible.module_utils.pypi_guard.errors import AuditInputError  # noqa: E402
from ansible.module_utils.pypi_guard.gpg import GnupgHome, SigningError  # noqa: E402
from ansible.module_utils.pypi_guard.http import DEFAULT_DOWNLOAD_TIMEOUT  # noqa: E402
from ansible.module_utils.pypi_guard.keys import (  # noqa: E402
    input_paths,
    load_release_keys,
    load_series_keys,
)
from ansible.module_utils.pypi_guard.reach import guard_reach  # noqa: E402
from ansible.module_utils.pypi_guard.release_signature_audit import (  # noqa: E402
    parse_max_file_size,
    parse_scope,
    parse_signature_url,
    run_signature_audit,
)

AUDIT = "release_signature_audit"


def audit(params, check_mode=False):
    """Run the audit for the module's parameters; returns the module result.
    Bad input raises AuditInputError before any request."""
    today = utc_today()
    scope = parse_scope(params["scope"], today, params["recent_days"])
    signature_url = parse_signature_url(params["signature_url"])
    max_file_size = parse_max_file_size(params["max_file_size"])
    series_file, keys_dir = input_paths(params["releases_repo"],
                                        params["series_status_file"], params["keys_dir"])
    series_keys = load_series_keys(series_file)
    # An explicit list still gets each project's repositories from the deliverables.
    allowlist = maintainers_allowlist_from_params(params) or MaintainersAllowlist()
    selection = audited_projects(params, allowlist)
    result = AuditResult()
    try:
        with GnupgHome() as home, \
                tempfile.TemporaryDirectory(prefix="pypi-guard-sigaudit-") as workdir:
            keys = load_release_keys(home.gpg, series_keys, keys_dir)
            with http_client(params) as client:
                if guard_reach(client, params["pypi_url"], selection, allowlist):
                    result = run_signature_audit(
                        client, home.gpg, params["pypi_url"], selection.projects, keys,
                        scope, signature_url, max_file_size, workdir, today)
    except SigningError as exc:  # no usable gpg: nothing could be checked
        raise AuditInputError(str(exc)) from None
    result.extra.update(
        scope=str(scope), signature_url=signature_url,
        keys=[key.as_dict() for key in sorted(keys.values(), key=lambda k: k.windows[0].start)])
    return finish(AUDIT, params, check_mode, result, selection)


def main():
    run_audit_module(
        AUDIT,
        {"series_status_file": {"type": "path"}, "keys_dir": {"type": "path"},
         "scope": {"type": "str", "default": "latest"},
         "recent_days": {"type": "int", "default": 7},
         "download_timeout": {"type": "float", "default": DEFAULT_DOWNLOAD_TIMEOUT}},
        audit)


if __name__ == "__main__":
    main()
