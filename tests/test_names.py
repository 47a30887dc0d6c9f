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


import pytest
from ansible.module_utils.pypi_guard.names import (
    account_key,
    is_pypi_account_name,
    normalize_name,
    version_key,
    version_order,
)


@pytest.mark.parametrize("name, normal", [
    ("oslo.config", "oslo-config"), ("Tempest", "tempest"), ("glance_store", "glance-store"),
    ("XStatic-Font-Awesome", "xstatic-font-awesome"), ("a..b__c", "a-b-c"),
])
def test_normalize_name(name, normal):
    assert normalize_name(name) == normal


@pytest.mark.parametrize("name, key", [
    ("OpenStackCI", "openstackci"),
    ("\u212aevin", "\u212aevin"),      # Kelvin sign: str.lower() would give "kevin"
    ("\u0130nfra", "\u0130nfra"),      # dotted capital I: lower() gives "i\u0307nfra"
    ("\u0131nfra", "\u0131nfra"),      # dotless i stays itself, never "infra"
    ("\uff2e\uff4f\uff56\uff41", "\uff2e\uff4f\uff56\uff41"),  # fullwidth letters
])
def test_account_key_folds_ascii_only(name, key):
    assert account_key(name) == key


@pytest.mark.parametrize("name, valid", [
    ("kevin", True), ("a", True), ("a.b_c-d", True), ("k" * 50, True), ("k" * 51, False),
    ("\u212aevin", False), ("kevin\n", False), ("-kevin", False), ("kevin.", False),
    ("", False), ("ke vin", False), (None, False),
])
def test_is_pypi_account_name(name, valid):
    assert is_pypi_account_name(name) is valid


def test_versions_compare_as_pep440():
    assert version_key("1.0") == version_key("1.0.0")
    assert version_key("2.0.0.0rc1") == version_key("2.0.0rc1")
    assert version_key("rocky-em") == ("text", "rocky-em")


def test_version_order_puts_what_is_not_a_version_first():
    versions = ["1.10", "rocky-eol", "1.9", "2.0rc1", "1.10.0.post1"]
    assert sorted(versions, key=version_order) == [
        "rocky-eol", "1.9", "1.10", "1.10.0.post1", "2.0rc1"]
    assert max(["rocky-eol", "0.1"], key=version_order) == "0.1"
