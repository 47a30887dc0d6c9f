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

"""Ansible module: watch PyPI's changelog for events on the managed projects."""

DOCUMENTATION = r"""
---
module: pypi_watch
short_description: Watch PyPI's changelog and alert on events the release process does not explain
description:
  - Reads PyPI's journal with XML-RPC C(changelog_last_serial) and
    C(changelog_since_serial) (the methods Warehouse documents as fully
    supported, for mirrors) after the serial its state holds, page by page
    whatever the index's page size, one page in memory at a time, and judges
    every entry of a managed project (the set the audits use, with the
    allowlist's C(extra_projects) and C(ignored_projects)), and of every project
    the release account (C(required_owners)) holds a role on, as XML-RPC
    C(user_packages) says (read at most once an hour and kept in the state; a
    run that cannot read it fails). Entries of other projects cost nothing.
  - "Findings (fail the run, and are mailed at the poll that saw them):
    C(unexpected-release), C(role-invitation), C(unexpected-account),
    C(role-not-allowed), C(role-unconfirmed), C(required-owner-removed),
    C(removal), C(quarantined), C(name-registered), C(unknown-event),
    C(unverifiable-file), and for a file added to a release the signature
    audit's C(unsigned), C(bad-signature), C(wrong-key), C(signed-outside-window),
    C(digest-mismatch). Warnings: C(signature-pending) (a file without its
    C(.asc) within O(signature_grace) minutes of its upload, checked again at
    every run meanwhile), C(yanked-release)."
  - A role given to a name the allowlist allows (C(add), C(change)) is quiet
    only when the project's JSON C(ownership) lists that user with that role
    and no organization owns the project (the journal writes a team's role as
    a user's); else C(role-unconfirmed). A C(name-registered) finding is
    dropped only on such a confirmed C(add Owner) of the release account.
  - "State: the serial up to which events were handled and the files still
    waiting for their signature. It is read from O(state_file) when that file
    exists, else, through Zuul's REST API O(zuul_api), from the newest
    complete build of the running build's own job, project, pipeline and
    branch (O(zuul_build)) that returned it (the API's filters, and every
    build of the answer checked again: any other build in it is an error),
    else the run starts after O(since_serial) (the first run, when told so).
    Nothing else: no state found is an error saying where it looked, and a
    state or O(since_serial) above PyPI's C(changelog_last_serial) is an
    error, never adopted (it would skip events never read). It advances only
    after a poll's alerts were delivered: a poll that could not read the
    changelog, check a file or send its mail leaves it where it was, so the
    next run raises the same alert."
  - O(polls) polls, O(interval) seconds apart, in one run. Each poll that finds
    something sends one mail to O(settings.notify_to) (subject starting C([pypi-guard])),
    bounded well under 1 MB whatever the number of findings - the 100 most
    urgent named in full with what to do (role invitations and account
    changes before files and releases), the others counted per kind and
    project, and O(report_url); the C(text/html) part shows the same findings.
    Every part of the mail escapes control and bidirectional characters.
  - Writes C(pypi-watch.json) (every finding) and C(pypi-watch.html) (at most
    1000 rows a table, the rest counted; the state's source, the serials read
    and one row per managed event with its verdict) into O(settings.report_dir), and the
    state to O(state_file) after every poll that advanced it. In check mode it
    reads and judges but neither mails nor writes anything.
version_added: "1.0.0"
author: pypi-guard contributors
extends_documentation_fragment:
  - pypi_guard_settings
  - pypi_guard_notify
options:
  state_file:
    description: Where the state is kept (JSON, written atomically).
    type: path
  zuul_api:
    description:
      - Zuul's tenant API, e.g. C(https://zuul.opendev.org/api/tenant/openstack),
        to read the state of the previous build when O(state_file) does not exist.
        Needs O(zuul_build).
    type: str
  zuul_build:
    description:
      - The running build, whose own job, project, pipeline and branch are the
        only builds whose state is taken (under Zuul, from C(zuul.job),
        C(zuul.project.name), C(zuul.pipeline) and C(zuul.branch)).
    type: dict
    suboptions:
      job_name:
        description: The job.
        type: str
        required: true
      project:
        description: The project the build runs for.
        type: str
        required: true
      pipeline:
        description: Its pipeline.
        type: str
        required: true
      branch:
        description: Its branch.
        type: str
        required: true
      uuid:
        description:
          - The build's own (C(zuul.build)); with O(zuul_api), the alerts
            name the build's page unless O(report_url) is set.
        type: str
  since_serial:
    description:
      - Without a state (the first run), start after this serial. Never above
        PyPI's C(changelog_last_serial).
    type: int
  polls:
    description: Polls in this run.
    type: int
    default: 1
  interval:
    description: Seconds from the start of one poll to the start of the next.
    type: float
    default: 60.0
  signature_grace:
    description: Minutes after its upload a file may wait for its C(.asc) before it is unsigned.
    type: int
    default: 30
  series_status_file:
    description: The series file with the signing keys (default inside O(settings.releases_repo)).
    type: path
  keys_dir:
    description: Directory of the public keys (default inside O(settings.releases_repo)).
    type: path
  download_timeout:
    description: Seconds one download may take.
    type: float
    default: 600.0
  report_url:
    description:
      - Where the full report will be read, named in every alert mail.
        Empty, the build's page when O(zuul_api) and O(zuul_build.uuid) say
        it, else the mail says the report is in the job's logs.
    type: str
    default: ""
notes:
  - Supports check mode.
  - PyPI does not journal organization or team membership changes or trusted
    publisher changes; the daily maintainer audit and the signature check of
    every new file cover them.
requirements:
  - requests, PyYAML, Jinja2, packaging, jsonschema, defusedxml, python-gnupg and gpg
"""

EXAMPLES = r"""
- name: Watch PyPI for ten minutes, one poll a minute
  pypi_watch:
    settings:
      releases_repo: /home/zuul/src/opendev.org/openstack/releases
      allowlist_file: vars/pypi-maintainers.yaml
      known_releases_file: vars/pypi-releases.yaml
      notify_to: [release-team@example.org]
      report_dir: /home/zuul/logs
    state_file: /home/zuul/logs/pypi-watch-state.json
    zuul_api: https://zuul.opendev.org/api/tenant/openstack
    polls: 10
    interval: 60
"""

RETURN = r"""
report_title:
  description:
    - The title of the reports, also the name of the build page's links to them
      and what the role's failure message starts with.
  returned: always
  type: str
  sample: PyPI changelog watch
status:
  description: C(clean), C(drift) (findings) or C(error) (a read, check or mail failed).
  returned: always
  type: str
report:
  description:
    - The report, as written to C(pypi-watch.json), its C(findings),
      C(warnings) and C(errors) cut to 200 items (C(findings_total),
      C(warnings_total) and C(errors_total) count them all). Findings and warnings have
      C(project), C(kind), C(detail), C(serial), C(timestamp), C(action), and
      C(account), C(role), C(version), C(filename) where they apply.
    - C(serial_from) and C(serial_to) give the range read, C(events_seen) and
      C(events_managed) how many entries it held and how many were about managed
      projects, C(events) one row per managed entry with its C(verdict) (the
      first 1000; C(events_not_shown) counts the rest), C(start) how the first
      poll's starting serial was chosen, C(mails_sent) and C(state) what the
      run left.
  returned: always
  type: dict
problems:
  description: One line per finding and per error.
  returned: always
  type: list
  elements: str
warning_lines:
  description: One line per warning.
  returned: always
  type: list
  elements: str
state:
  description: The state the next run starts from (C(version), C(serial), C(pending)).
  returned: always
  type: dict
state_artifacts:
  description:
    - The artifact list for C(zuul_return) that hands the state to the next
      build, one artifact named C(pypi-watch-state) of C(metadata.type)
      C(pypi_watch_state) with the state's C(metadata.serial); its C(url), the
      state file's name, is relative to the build's logs, at whose root the
      role keeps O(state_file).
    - Only under Zuul (O(zuul_build) given) when the run wrote the state to
      O(state_file); else empty (by hand, in check mode, or a run that could
      not start and so hands no state on).
  returned: always
  type: list
  elements: dict
  sample:
    - name: pypi-watch-state
      url: pypi-watch-state.json
      metadata: {type: pypi_watch_state, serial: 28731432}
mails_sent:
  description: How many alert mails were sent.
  returned: always
  type: int
report_json:
  description: Path of the JSON report.
  returned: when a report was written
  type: str
report_html:
  description: Path of the HTML report.
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
  description: Why the reports could not be written (empty when they were).
  returned: always
  type: str
"""

from ansible.module_utils.pypi_guard.audit import run_audit_module  # noqa: E402
from ansible.module_utils.pypi_guard.http import DEFAULT_DOWNLOAD_TIMEOUT  # noqa: E402
from ansible.module_utils.pypi_guard.pypi_watch import AUDIT, run_watch  # noqa: E402
from ansible.module_utils.pypi_guard.release_team_notify import SMTP_LOGIN_OPTION  # noqa: E402


def audit(params, check_mode=False):
    """Run the watch for the module's parameters; returns the module result.
    Bad input raises AuditInputError before any request."""
    return run_watch(params, check_mode)


def main():
    run_audit_module(
        AUDIT,
        {"state_file": {"type": "path"},
         "zuul_api": {"type": "str"},
         "zuul_build": {"type": "dict", "options": {
             "job_name": {"type": "str", "required": True},
             "project": {"type": "str", "required": True},
             "pipeline": {"type": "str", "required": True},
             "branch": {"type": "str", "required": True},
             "uuid": {"type": "str"}}},
         "since_serial": {"type": "int"},
         "polls": {"type": "int", "default": 1},
         "interval": {"type": "float", "default": 60.0},
         "signature_grace": {"type": "int", "default": 30},
         "series_status_file": {"type": "path"}, "keys_dir": {"type": "path"},
         "download_timeout": {"type": "float", "default": DEFAULT_DOWNLOAD_TIMEOUT},
         "report_url": {"type": "str", "default": ""},
         **SMTP_LOGIN_OPTION},
        audit)


if __name__ == "__main__":
    main()
