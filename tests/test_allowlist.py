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

import datetime
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.allowlist import (
    VarsFileError,
    load_known_releases,
    load_maintainers_allowlist,
    load_maintainers_allowlist_variable,
    maintainers_allowlist_from_params,
)

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text):
    path = tmp_path / "pypi-maintainers.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(tmp_path, text):
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist(write(tmp_path, text))
    assert all(str(raised.value.path).endswith("pypi-maintainers.yaml")
               for _ in raised.value.problems)
    return raised.value.problems


def test_repository_allowlist_is_valid():
    allowlist = load_maintainers_allowlist(ROOT / "vars" / "pypi-maintainers.yaml")
    assert allowlist.required_owners == ["openstackci"]


def test_full_allowlist_is_normalised(tmp_path):
    allowlist = load_maintainers_allowlist(write(tmp_path, """
        pypi_maintainers_allowlist:
          required_owners: [OpenStackCI]
          allowed_accounts: [Release-Bot]
          allowed_organizations: [OpenStack]
          extra_projects: [oslo.legacy]
          ignored_projects:
            Old_Thing: "handed over to its authors, see https://review.example/1"
          exceptions:
            XStatic.Font-Awesome:
              - account: Someone
                role: Maintainer
                reason: "creator, https://review.example/2"
                expires: 2027-03-31
              - account: other
                role: Owner
                reason: "co-creator"
    """))
    assert allowlist.required_owners == ["openstackci"]
    assert allowlist.allowed_accounts == {"release-bot"}
    assert allowlist.allowed_organizations == {"openstack"}
    assert allowlist.extra_projects == {"oslo-legacy": "oslo.legacy"}
    assert set(allowlist.ignored_projects) == {"old-thing"}
    someone = allowlist.exceptions["xstatic-font-awesome"]["someone"]
    assert someone.role == "Maintainer"
    assert someone.expires == datetime.date(2027, 3, 31)
    assert allowlist.exceptions["xstatic-font-awesome"]["other"].expires is None


@pytest.mark.parametrize("text, expected", [
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       allowed_acounts: [x]
     """, "pypi_maintainers_allowlist: unknown key 'allowed_acounts'"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - account: someone
             role: Maintainer
     """, "pypi_maintainers_allowlist.exceptions.nova[0]: 'reason' is missing"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Maintainer, reason: "  "}
     """, "pypi_maintainers_allowlist.exceptions.nova[0].reason: must not be empty"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Admin, reason: why}
     """, "pypi_maintainers_allowlist.exceptions.nova[0].role: 'Admin' is not one of "
          "Owner, Maintainer"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Owner, reason: why, expires: 31/03/2027}
     """, "pypi_maintainers_allowlist.exceptions.nova[0].expires: '31/03/2027' is not a "
          "date (YYYY-MM-DD)"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Owner, reason: why, expires: 2027-02-30}
     """, "pypi_maintainers_allowlist.exceptions.nova[0].expires: '2027-02-30' is not a "
          "real date"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Owner, reason: why}
           - {account: SomeOne, role: Maintainer, reason: again}
     """, "pypi_maintainers_allowlist.exceptions.nova: account 'SomeOne' has more than "
          "one entry"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci, OpenStackCI]
     """, "pypi_maintainers_allowlist.required_owners: 'OpenStackCI' is listed twice"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       extra_projects: [oslo.config, oslo_config]
     """, "pypi_maintainers_allowlist.extra_projects: 'oslo_config' is listed twice"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       extra_projects: [nova]
       ignored_projects: {Nova: "why"}
     """, "pypi_maintainers_allowlist.ignored_projects.Nova: also in extra_projects"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova: []
         nova: []
     """, "duplicate key 'nova'"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: []
     """, "pypi_maintainers_allowlist.required_owners: must list at least one account"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: openstackci
     """, "pypi_maintainers_allowlist.required_owners: 'openstackci' should be a list"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: ["open stackci"]
     """, "pypi_maintainers_allowlist.required_owners[0]: 'open stackci' is not a PyPI "
          "account name"),
    ("""
     required_owners: [openstackci]
     """, "(top level): unknown key 'required_owners'"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci
     """, "not valid YAML"),
])
def test_malformed_allowlist_names_key_and_value(tmp_path, text, expected):
    problems = problems_of(tmp_path, text)
    assert any(expected in problem for problem in problems), problems


def test_every_problem_is_reported_at_once(tmp_path):
    problems = problems_of(tmp_path, """
        pypi_maintainers_allowlist:
          required_owners: [openstackci]
          exceptions:
            nova:
              - {account: a, role: Admin}
    """)
    assert len(problems) == 2


def test_error_message_names_the_file(tmp_path):
    path = write(tmp_path, "pypi_maintainers_allowlist: {required_owners: [a], x: 1}\n")
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist(path)
    assert str(raised.value).startswith(f"{path}: pypi_maintainers_allowlist: unknown key 'x'")


def test_missing_file(tmp_path):
    with pytest.raises(VarsFileError, match="cannot read the file"):
        load_maintainers_allowlist(tmp_path / "absent.yaml")


# Keys YAML reads as something other than text: refused, naming where, the
# key and its value, never a crash.
@pytest.mark.parametrize("text, expected", [
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       ignored_projects:
         null: "gone"
     """, "pypi_maintainers_allowlist.ignored_projects: key None is not text (YAML reads "
          "null, ~ and an empty key as null): quote it; its value is 'gone'"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         2048:
           - {account: someone, role: Owner, reason: why}
     """, "pypi_maintainers_allowlist.exceptions: key 2048 is not text (YAML reads it as a "
          "number): quote it; its value is [{'account': 'someone'"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       ignored_projects:
         on: "the project named on"
     """, "pypi_maintainers_allowlist.ignored_projects: key True is not text (YAML reads on, "
          "off, yes, no, true and false as booleans)"),
    ("""
     pypi_maintainers_allowlist:
       required_owners: [openstackci]
       exceptions:
         nova:
           - {account: someone, role: Owner, reason: why, 1.5: x}
     """, "pypi_maintainers_allowlist.exceptions.nova[0]: key 1.5 is not text"),
    ("""
     null:
       required_owners: [openstackci]
     """, "(top level): key None is not text"),
])
def test_keys_that_are_not_text_are_refused(tmp_path, text, expected):
    problems = problems_of(tmp_path, text)
    assert any(expected in problem for problem in problems), problems


def test_unhashable_key_is_invalid_yaml_not_a_crash(tmp_path):
    problems = problems_of(tmp_path, "pypi_maintainers_allowlist:\n  ? [a, b]\n  : x\n")
    assert "found unhashable key" in problems[0]


def test_known_releases_keys_that_are_not_text_are_refused(tmp_path):
    path = tmp_path / "pypi-releases.yaml"
    path.write_text("pypi_release_audit_known_releases:\n"
                    "  on:\n    - {version: '1.0', reason: why}\n")
    with pytest.raises(VarsFileError) as raised:
        load_known_releases(path)
    assert str(raised.value).startswith(
        f"{path}: pypi_release_audit_known_releases: key True is not text")


# Names as PyPI (Warehouse) accepts them; "$" would let a trailing newline through.
@pytest.mark.parametrize("key, value, expected", [
    ("required_owners", ["openstackci\n"], "required_owners[0]: 'openstackci\\n' is not a "
                                           "PyPI account name"),
    ("allowed_accounts", ["\u212aevin"], "allowed_accounts[0]: '\\u212aevin' is not a PyPI "
                                         "account name"),
    ("allowed_accounts", ["-bot"], "allowed_accounts[0]: '-bot' is not a PyPI account name"),
    ("allowed_accounts", ["a" * 51], "is not a PyPI account name"),
    ("allowed_organizations", ["open\u0131stack"], "allowed_organizations[0]: "
                                                   "'open\\u0131stack' is not a PyPI account"),
    ("extra_projects", ["nova\n"], "extra_projects[0]: 'nova\\n' is not a project name "
                                   "(PEP 508"),
    ("extra_projects", ["\uff4e\uff4f\uff56\uff41"], "extra_projects[0]: "
                                                     "'\\uff4e\\uff4f\\uff56\\uff41' is not"),
    ("extra_projects", ["oslo.config."], "'oslo.config.' is not a project name"),
    ("ignored_projects", {"nova\n": "why"}, "ignored_projects: key 'nova\\n' is not a "
                                            "project name"),
    ("exceptions", {"nova\n": []}, "exceptions: key 'nova\\n' is not a project name"),
    ("exceptions", {"nova": [{"account": "x\n", "role": "Owner", "reason": "why"}]},
     "exceptions.nova[0].account: 'x\\n' is not a PyPI account name"),
    ("exceptions", {"nova": [{"account": "x", "role": "Owner", "reason": "why",
                              "expires": "2027-03-31\n"}]},
     "exceptions.nova[0].expires: '2027-03-31\\n' is not a date"),
])
def test_names_follow_pypi_rules(key, value, expected):
    data = {"required_owners": ["openstackci"], key: value}
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist_variable(data)
    assert any(expected in problem for problem in raised.value.problems), \
        raised.value.problems


def test_names_pypi_accepts_are_accepted():
    allowlist = load_maintainers_allowlist_variable({
        "required_owners": ["a", "Open.Stack_CI-2"], "allowed_accounts": ["b" * 50],
        "extra_projects": ["x", "XStatic.Font_Awesome-1"]})
    assert allowlist.required_owners == ["a", "open.stack_ci-2"]


def test_known_release_version_with_a_newline_is_refused(tmp_path):
    path = tmp_path / "pypi-releases.yaml"
    path.write_text('pypi_release_audit_known_releases:\n'
                    '  nova:\n    - {version: "1.0\\n", reason: why}\n')
    with pytest.raises(VarsFileError, match=r"nova\[0\]\.version: '1\.0\\n' is not a version"):
        load_known_releases(path)


VERDICT_ALLOWLIST = """
    pypi_maintainers_allowlist:
      required_owners: [openstackci]
      allowed_accounts: [release-bot]
      exceptions:
        nova:
          - {account: Someone, role: Maintainer, reason: creator}
          - {account: old, role: Owner, reason: "handed over", expires: 2027-03-31}
"""


@pytest.mark.parametrize("project, account, role, verdict", [
    ("nova", "OpenStackCI", "Owner", None),
    ("nova", "openstackci", "Maintainer", ("missing-required-owner", {})),
    ("nova", "Release-Bot", "Owner", None),
    ("nova", "someone", "Maintainer", None),
    ("nova", "someone", "Owner", ("role-not-allowed", {"allowed": "Maintainer"})),
    ("nova", "someone", "Team", ("role-not-allowed", {"allowed": "Maintainer"})),
    ("glance", "someone", "Maintainer", ("unexpected-account", {})),  # another project
    ("nova", "old", "Owner", ("expired-exception", {"expires": "2027-03-31"})),
    ("nova", "mallory", "Maintainer", ("unexpected-account", {})),
    ("nova", "\u212aevin", "Owner", ("unexpected-account", {})),  # not an account name
])
def test_verdict_on_a_role(tmp_path, project, account, role, verdict):
    allowlist = load_maintainers_allowlist(write(tmp_path, VERDICT_ALLOWLIST))
    assert allowlist.verdict(project, account, role, datetime.date(2027, 4, 1)) == verdict


def test_an_exception_holds_through_its_last_day(tmp_path):
    allowlist = load_maintainers_allowlist(write(tmp_path, VERDICT_ALLOWLIST))
    assert allowlist.verdict("nova", "old", "Owner", datetime.date(2027, 3, 31)) is None


# The allowlist given as the variable pypi_maintainers_allowlist.
def test_variable_is_validated_like_the_file_and_named():
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist_variable(
            {"required_owners": ["openstackci"],
             "exceptions": {"nova": [{"account": "x", "role": "Admin"}]}})
    assert str(raised.value).splitlines() == [
        "variable pypi_maintainers_allowlist: pypi_maintainers_allowlist.exceptions.nova[0]: "
        "'reason' is missing",
        "variable pypi_maintainers_allowlist: pypi_maintainers_allowlist.exceptions.nova[0]"
        ".role: 'Admin' is not one of Owner, Maintainer"]


def test_variable_as_yaml_text_keeps_keys_that_are_not_text():
    # What the roles pass (to_yaml): Ansible would have made "true" of on.
    text = "required_owners: [openstackci]\nignored_projects:\n  true: why\n"
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist_variable(text)
    assert raised.value.problems == [
        "pypi_maintainers_allowlist.ignored_projects: key True is not text (YAML reads on, "
        "off, yes, no, true and false as booleans): quote it; its value is 'why'"]
    assert str(raised.value).startswith("variable pypi_maintainers_allowlist: ")


@pytest.mark.parametrize("value, expected", [
    ("null\n...\n", "pypi_maintainers_allowlist: None should be a mapping"),
    ("[openstackci]\n", "pypi_maintainers_allowlist: ['openstackci'] should be a mapping"),
    ("required_owners: [a\n", "not valid YAML"),
])
def test_variable_of_the_wrong_shape_is_refused(value, expected):
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist_variable(value)
    assert any(expected in problem for problem in raised.value.problems), \
        raised.value.problems


def test_variable_wins_over_the_file(tmp_path):
    params = {"allowlist": "required_owners: [release-bot]\n",
              "allowlist_file": str(tmp_path / "never-read.yaml")}
    assert maintainers_allowlist_from_params(params).required_owners == ["release-bot"]
    assert maintainers_allowlist_from_params(
        {"allowlist": None, "allowlist_file": str(ROOT / "vars" / "pypi-maintainers.yaml")}
    ).required_owners == ["openstackci"]
    assert maintainers_allowlist_from_params({}) is None


def run_validate_vars(*paths):
    return subprocess.run([sys.executable, str(ROOT / "tools" / "validate_vars.py"),
                           *map(str, paths)], capture_output=True, text=True, check=False)


def test_validate_vars_checks_the_variables_of_a_vars_file_of_another_name(tmp_path):
    """What a job's vars or an -e @file hold is checked before it is used."""
    job_vars = tmp_path / "job-vars.yaml"
    job_vars.write_text("pypi_guard_projects: [nova]\npypi_maintainers_allowlist:\n"
                        "  required_owners: [openstackci]\n  ignored_projects:\n    on: x\n")
    good = tmp_path / "good.yaml"
    good.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    other = tmp_path / "other.yaml"
    other.write_text("something: else\n")
    result = run_validate_vars(job_vars, good, other)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{job_vars}: pypi_maintainers_allowlist.ignored_projects: key True is not text "
        "(YAML reads on, off, yes, no, true and false as booleans): quote it; its value is "
        "'x'",
        f"{other}: no validator for this file (known: pypi-maintainers.yaml, "
        "pypi-releases.yaml) and none of the variables pypi_maintainers_allowlist, "
        "pypi_release_audit_known_releases in it"]
    assert run_validate_vars(good).returncode == 0


def test_a_bad_key_stays_on_one_line_in_every_problem():
    with pytest.raises(VarsFileError) as raised:
        load_maintainers_allowlist_variable(
            {"required_owners": ["openstackci"], "exceptions": {"nova\n": [{"account": "x"}]}})
    assert "pypi_maintainers_allowlist.exceptions.'nova\\n'[0]: 'role' is missing" \
        in raised.value.problems
    assert not any("\n" in problem for problem in raised.value.problems)
