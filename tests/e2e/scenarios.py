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

"""The fake PyPI's scenarios for the end-to-end tests."""

# Every project the fixture releases repository publishes (tests/fixtures/releases).
MANAGED = ["heat-translator", "kolla-ansible", "manila-ui", "neutron", "neutron-lib",
           "neutron-tempest-plugin", "nova", "oslo.config", "oslo.metrics", "Tempest",
           "xstatic-font-awesome"]
RELEASES = {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}

# The drift planted against the repository's own allowlist (vars/pypi-maintainers.yaml:
# openstackci must own everything, nobody else may hold a role, no organization),
# as (project, kind, account, role): every one must fail the job, one line each.
DRIFT = [
    ("nova", "unexpected-account", "mallory", "Maintainer"),
    ("neutron", "missing-required-owner", "openstackci", None),
    ("neutron", "unexpected-account", "helper", "Owner"),
    ("oslo.config", "organization-not-allowed", "someorg", "Organization"),
]


def drift_scenario():
    projects = {name: {"roles": [["Owner", "openstackci"]], "releases": RELEASES}
                for name in MANAGED}
    projects["nova"]["roles"].append(["Maintainer", "mallory"])
    projects["neutron"]["roles"] = [["Owner", "helper"]]
    projects["oslo.config"]["organization"] = "someorg"
    # A journal (PyPI's changelog) for the watcher: one old event of a project
    # nobody manages; the watch test appends to it while the stack runs.
    changelog = {"entries": [["unmanaged-project", None, "2025-01-01T00:00:00", "create"]]}
    return {"projects": projects, "changelog": changelog}
