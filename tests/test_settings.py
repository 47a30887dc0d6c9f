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

"""The settings every module shares: one dict option, typed and defaulted
by Ansible from SETTINGS_SPEC, checked once, read as one flat mapping; and
what an audit hands its role (the report artifacts, the failure)."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.pypi_guard.audit import failure_message, report_artifacts
from ansible.module_utils.pypi_guard.errors import AuditInputError, PypiGuardError
from ansible.module_utils.pypi_guard.settings import (
    SETTINGS_OPTION,
    SETTINGS_SPEC,
    check_settings,
    flat_params,
)


def validated(settings, **own_spec):
    """The module parameters Ansible makes of ``settings`` (as the role's
    set_fact passes them: strings for numbers), as AnsibleModule would."""
    result = ArgumentSpecValidator(dict(SETTINGS_OPTION, **own_spec)).validate(
        {"settings": settings})
    assert result.error_messages == []
    return result.validated_parameters


def test_every_setting_has_its_default_and_type():
    params = validated({"pypi_url": "http://127.0.0.1:1", "concurrency": "3",
                        "allow_insecure_http": "False", "notify_to": ["a@example.org"]})
    settings = params["settings"]
    assert set(settings) == set(SETTINGS_SPEC)
    assert (settings["concurrency"], settings["allow_insecure_http"]) == (3, False)
    assert settings["timeout"] == 30.0 and settings["signature_url"].endswith(".asc")
    assert settings["releases_repo"] is None


def test_flat_params_merge_the_settings_with_the_own_options():
    params = validated({"projects": ["nova"]}, scope={"type": "str", "default": "latest"})
    flat = flat_params(params)
    assert (flat["projects"], flat["scope"], flat["retries"]) == (["nova"], "latest", 4)
    assert "settings" not in flat


@pytest.mark.parametrize("key", ["releases_repo", "allowlist", "allowlist_file", "report_dir",
                                 "zuul_log_root", "known_releases_file"])
def test_an_empty_setting_without_default_is_unset(key):
    """Ansible before 2.19 templates the role's none into '': unset, not ''."""
    assert flat_params(validated({key: ""}))[key] is None


@pytest.mark.parametrize("settings, line", [
    ({"concurrency": 0}, "pypi_guard_concurrency: 0 is below 1"),
    ({"timeout": 0}, "pypi_guard_timeout: 0.0 is below 0.001"),
    ({"retries": -1}, "pypi_guard_retries: -1 is below 0"),
    ({"max_body_size": 0}, "pypi_guard_max_body_size: 0 is below 1"),
    ({"smtp_starttls": True, "smtp_ssl": True},
     "pypi_guard_smtp_starttls and pypi_guard_smtp_ssl are both set"),
])
def test_unusable_settings_are_refused_naming_the_variable(settings, line):
    with pytest.raises(AuditInputError) as caught:
        check_settings(validated(settings)["settings"])
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith(line)
    assert isinstance(caught.value, PypiGuardError)


def test_default_settings_pass():
    check_settings(validated({})["settings"])


def test_report_artifacts_only_under_the_log_root(tmp_path):
    logs = tmp_path / "logs"
    html, json_path = str(logs / "r" / "a.html"), str(logs / "r" / "a.json")
    assert report_artifacts("A", html, json_path, None) == []
    artifacts = report_artifacts("A", html, json_path, str(logs))
    assert [(a["name"], a["url"]) for a in artifacts] == [
        ("A", "r/a.html"), ("A (JSON)", "r/a.json"),
        ("Audit reports of this build", "r/index.html")]
    assert {a["metadata"]["type"] for a in artifacts} == {"audit_report"}
    assert report_artifacts("A", str(tmp_path / "elsewhere.html"), None, str(logs)) == []
    assert report_artifacts("A", None, None, str(logs)) == []


def test_failure_names_the_problems_boundedly():
    assert failure_message("A", "clean", [], "") == ""
    assert failure_message("A", "clean", [], "cannot write").splitlines() == [
        "A: clean, 0 problem(s):", "cannot write"]
    lines = failure_message("A", "drift", [f"p{i}" for i in range(250)], "").splitlines()
    assert lines[0] == "A: drift, 250 problem(s):" and lines[1] == "p0"
    assert len(lines) == 202 and lines[-1].startswith("... and 50 more")


@pytest.mark.parametrize("module, missing, line", [
    ("pypi_maintainers_audit", "allowlist_file", "no maintainer allowlist: set "
     "pypi_guard_allowlist_file"),
    ("pypi_release_audit", "allowlist_file", "no maintainer allowlist: set "
     "pypi_guard_allowlist_file"),
    ("pypi_release_audit", "known_releases_file", "no known releases file: set "
     "pypi_guard_known_releases_file"),
])
def test_an_audit_without_its_input_files_names_the_setting(tmp_path, module, missing, line):
    """What the module options once required is a setting now, required by
    the audit that reads it, before any request."""
    audit = __import__(module).audit
    (tmp_path / "releases.yaml").write_text("pypi_release_audit_known_releases: {}\n")
    settings = validated({"projects": ["nova"], "pypi_url": "http://127.0.0.1:9",
                          "allowlist_file": str(tmp_path / "allowlist.yaml"),
                          "known_releases_file": str(tmp_path / "releases.yaml")},
                         fail_on_unregistered={"type": "bool", "default": False},
                         cache_dir={"type": "path"})
    params = flat_params(settings)
    params[missing] = None
    with pytest.raises(AuditInputError, match=line):
        audit(params)
