import datetime
import textwrap
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard_allowlist import (
    VarsFileError,
    load_maintainers_allowlist,
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
     """, "pypi_maintainers_allowlist.required_owners[0]: 'open stackci' must be a single "
          "word"),
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
