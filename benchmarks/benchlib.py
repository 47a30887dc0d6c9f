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

"""What the benchmarks share: import paths, a fake PyPI tenant, module params."""

from tests.support import ROOT  # noqa: F401 - also sets up the import paths


def project_names(count):
    return [f"project-{i:04d}" for i in range(count)]


def versions(count):
    return [f"1.{i}.0" for i in range(count)]


def tenant(count, latency, releases=1):
    """A fake PyPI scenario: ``count`` clean projects of ``releases`` releases."""
    def release_map(name):
        return {version: {"upload_time": f"2025-01-{i % 28 + 1:02d}T00:00:00",
                          "files": [{"filename": f"{name}-{version}.tar.gz", "content": "x"}]}
                for i, version in enumerate(versions(releases))}

    return {"latency": latency,
            "projects": {name: {"roles": [["Owner", "openstackci"]],
                                "releases": release_map(name)}
                         for name in project_names(count)}}


def audit_params(pypi, names, concurrency, report_dir, **extra):
    """Module parameters as the roles pass them (every setting at its
    default), with no request-rate ceiling."""
    from ansible.module_utils.pypi_guard.settings import SETTINGS_SPEC

    params = {name: spec.get("default") for name, spec in SETTINGS_SPEC.items()}
    params.update({
        "projects": names, "pypi_url": pypi.url, "report_dir": str(report_dir),
        "concurrency": concurrency, "rate_limit": 0.0, "retries": 2,
        "max_retry_after": 60.0,
    })
    params.update(extra)
    return params
