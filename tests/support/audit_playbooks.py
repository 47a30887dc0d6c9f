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


"""The maintainer and release-feed audit playbooks run as a person would, on
the releases fixture (tests/fixtures/releases), with a fake PyPI tenant that
is clean for each: shared by their playbook tests, the report and mail
playbook tests and the simulated executor's.  The vars files they read are
the ``allowlist_file`` and ``vars_files`` fixtures of tests/conftest.py."""

import json
import textwrap

from ansible.module_utils.pypi_guard.deliverables import derive_managed_set

from tests.support import ROOT
from tests.support.playbook import run_playbook

FIXTURE_RELEASES = ROOT / "tests" / "fixtures" / "releases"
MAINTAINERS_PLAYBOOK = "playbooks/pypi-maintainers-audit/run.yaml"
RELEASES_PLAYBOOK = "playbooks/pypi-release-audit/run.yaml"

# The projects the releases fixture makes managed (their PyPI names)
DERIVED = ["heat-translator", "kolla-ansible", "manila-ui", "neutron", "neutron-lib",
           "neutron-tempest-plugin", "nova", "oslo.config", "oslo.metrics", "Tempest",
           "xstatic-font-awesome"]
OWNER = [["Owner", "openstackci"]]
RELEASES = {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}

ALLOWLIST = """
pypi_maintainers_allowlist:
  required_owners: [openstackci]
  allowed_accounts: [release-helper]
  allowed_organizations: [openstack]
  extra_projects: []
  ignored_projects:
    ignored-thing: "not ours any more, https://review.example/1"
  exceptions:
    xstatic-font-awesome:
      - account: creator
        role: Maintainer
        reason: "created the package, https://review.example/2"
        expires: 2999-12-31
    nova:
      - account: former-ptl
        role: Maintainer
        reason: "https://review.example/3"
        expires: 2001-01-01
    manila-ui:
      - account: gone
        role: Owner
        reason: "https://review.example/4"
"""


def write_allowlist(directory):
    path = directory / "pypi-maintainers.yaml"
    path.write_text(textwrap.dedent(ALLOWLIST))
    return path


def write_release_vars(directory):
    """The known releases (nova 2011.3) and an allowlist of the release account
    only: (known releases file, allowlist file)."""
    known = directory / "pypi-releases.yaml"
    known.write_text(textwrap.dedent("""
        pypi_release_audit_known_releases:
          nova:
            - version: "2011.3"
              reason: "uploaded before openstack/releases existed"
    """))
    allowlist = directory / "pypi-maintainers.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    return known, allowlist


def maintainer_projects():
    """Every derived project with roles ALLOWLIST accepts."""
    projects = {name: {"roles": list(OWNER), "releases": RELEASES} for name in DERIVED}
    projects["xstatic-font-awesome"]["roles"] = OWNER + [["Maintainer", "creator"]]
    projects["neutron"]["roles"] = OWNER + [["Maintainer", "release-helper"]]
    projects["manila-ui"]["roles"] = OWNER + [["Owner", "gone"]]
    projects["nova"]["organization"] = "openstack"
    return projects


def maintainers_audit(pypi, tmp_path, allowlist_file, check=False, vars_files=(), **extra):
    variables = {
        "pypi_guard_pypi_url": pypi.url,
        "pypi_guard_releases_repo": str(FIXTURE_RELEASES),
        "pypi_guard_report_dir": str(tmp_path / "reports"),
        "pypi_guard_allowlist_file": str(allowlist_file),
        "pypi_guard_retries": 1,
        "pypi_guard_timeout": 2,
    }
    variables.update(extra)
    result = run_playbook(MAINTAINERS_PLAYBOOK, variables, check=check, vars_files=vars_files)
    report_path = tmp_path / "reports" / "pypi-maintainers-audit.json"
    result.report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result


def release_projects():
    """Every fixture project with exactly the versions the deliverables list."""
    projects = {}
    for day, project in enumerate(derive_managed_set(FIXTURE_RELEASES).projects.values(), 1):
        projects[project.pypi_name] = {
            "roles": [["Owner", "openstackci"]],
            "releases": {version: {"upload_time": f"2025-03-{day:02d}T12:00:00"}
                         for version in project.versions},
        }
        if not project.versions:  # oslo.metrics and neutron-tempest-plugin list none
            projects[project.pypi_name]["exists_without_releases"] = True
    return projects


def release_audit(pypi, tmp_path, vars_files, smtp=None, **extra):
    known, allowlist = vars_files
    variables = {
        "pypi_guard_pypi_url": pypi.url,
        "pypi_guard_releases_repo": str(FIXTURE_RELEASES),
        "pypi_guard_report_dir": str(tmp_path / "reports"),
        "pypi_guard_known_releases_file": str(known),
        "pypi_guard_allowlist_file": str(allowlist),
        "pypi_guard_retries": 1,
        "pypi_guard_timeout": 5,
    }
    if smtp:
        variables.update({
            "pypi_guard_notify_to": ["release-team@example.org"],
            "pypi_guard_notify_from": "pypi-guard@example.org",
            "pypi_guard_smtp_host": smtp.host,
            "pypi_guard_smtp_port": smtp.port,
        })
    variables.update(extra)
    result = run_playbook(RELEASES_PLAYBOOK, variables)
    report_path = tmp_path / "reports" / "pypi-release-audit.json"
    result.report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result
