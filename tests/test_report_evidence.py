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

"""The evidence each audit hands its report: the maintainer inventory, the
releases per project and the signature of each file."""

import datetime

from ansible.module_utils.pypi_guard.gpg import SignatureCheck
from ansible.module_utils.pypi_guard.keys import KeyWindow, ReleaseKey
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import inventory_row
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership
from ansible.module_utils.pypi_guard.pypi_release_audit import PyPIReleases, audit_releases
from ansible.module_utils.pypi_guard.pypi_release_audit import inventory_row as release_row
from ansible.module_utils.pypi_guard.release_signature_audit import (
    DistFile,
    FileResult,
    signature_evidence,
)

KEY = "0123456789ABCDEF0123456789ABCDEF01234567"
OTHER = "89ABCDEF0123456789ABCDEF0123456789ABCDEF"
KEYS = {KEY: ReleaseKey(KEY, [
    KeyWindow("epoxy", datetime.date(2024, 9, 1), datetime.date(2025, 3, 31)),
    KeyWindow("flamingo", datetime.date(2025, 3, 31))], "0x.txt")}


def epoch(day):
    return int(datetime.datetime.fromisoformat(day + "T12:00:00+00:00").timestamp())


def test_a_maintainer_row_keeps_every_role_pypi_lists():
    ownership = ProjectOwnership("nova", True, [("Owner", "openstackci"),
                                                ("Maintainer", "mallory"),
                                                ("Owner", "mallory")], "Big Org")
    assert inventory_row(ownership, ["a finding"]) == {
        "project": "nova", "registered": True, "organization": "Big Org",
        "roles": [{"account": "openstackci", "role": "Owner"},
                  {"account": "mallory", "role": "Maintainer"},
                  {"account": "mallory", "role": "Owner"}],
        "roles_source": "json", "findings": 1}
    assert inventory_row(ProjectOwnership("gone", False), [])["registered"] is False
    # roles read from XML-RPC package_roles (PyPI's cache) say so
    fallback = ProjectOwnership("placeholder", True, [("Owner", "openstackci")],
                                source="package_roles")
    assert inventory_row(fallback, [])["roles_source"] == "package_roles"


def test_a_release_row_sets_what_pypi_has_against_what_is_listed():
    pypi = PyPIReleases("nova", [], {"1.0": {"yanked": False}, "2.0.0": {"yanked": True},
                                     "10.0.0": {"yanked": False}})
    expected, known = {"1.0.0", "2.0.0", "3.0.0"}, {"0.9": "before the releases repo"}
    findings, warnings = audit_releases("https://pypi.example", pypi, expected, known)
    assert release_row(pypi, expected | set(known), findings + warnings) == {
        "project": "nova", "on_pypi": ["1.0", "2.0.0", "10.0.0"],
        "listed": ["0.9", "1.0.0", "2.0.0", "3.0.0"], "unexpected": ["10.0.0"],
        "yanked": ["2.0.0"], "missing": ["3.0.0"]}


def test_a_signature_in_its_window():
    check = SignatureCheck(True, "", "", "", KEY, KEY, epoch("2025-01-10"))
    assert signature_evidence(check, KEYS) == {
        "signer": "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123 4567",
        "series": "epoxy", "signed_at": "2025-01-10T12:00:00Z",
        "window": "2024-09-01..2025-03-31"}
    check = SignatureCheck(True, "", "", "", KEY, KEY, epoch("2026-01-10"))
    assert signature_evidence(check, KEYS)["window"] == "2025-03-31..present"


def test_a_signature_outside_every_window_names_the_keys_series():
    check = SignatureCheck(True, "", "", "", KEY, KEY, epoch("2024-01-10"))
    evidence = signature_evidence(check, KEYS)
    assert (evidence["series"], evidence["window"]) == ("epoxy, flamingo", "none")


def test_a_signature_by_another_key_names_that_key_only():
    check = SignatureCheck(False, "no public key", "", "", None, OTHER, epoch("2025-01-10"),
                           status="no public key")
    evidence = signature_evidence(check, KEYS)
    assert evidence["signer"].replace(" ", "") == OTHER
    assert (evidence["series"], evidence["window"]) == ("", "")


def test_the_file_row():
    dist = DistFile("nova", "1.0.0", "nova-1.0.0.tar.gz", "https://x/nova-1.0.0.tar.gz", "0")
    good = FileResult(dist, checked=True, evidence=signature_evidence(
        SignatureCheck(True, "", "", "", KEY, KEY, epoch("2025-01-10")), KEYS))
    assert good.row()["result"] == "good" and good.row()["series"] == "epoxy"
    unsigned = FileResult(dist, [("unsigned", "no .asc")], checked=True)
    assert unsigned.row() == {"project": "nova", "version": "1.0.0",
                              "filename": "nova-1.0.0.tar.gz", "result": "unsigned",
                              "signer": "", "series": "", "signed_at": "", "window": ""}
    assert FileResult(dist, error="HTTP 503").row()["result"] == "error"
