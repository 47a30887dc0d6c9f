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

import textwrap

import pytest
from ansible.module_utils.pypi_guard.allowlist import VarsFileError, load_known_releases
from ansible.module_utils.pypi_guard.http import FetchError
from ansible.module_utils.pypi_guard.pypi_release_audit import (
    PyPIReleases,
    audit_releases,
    compose_release_alert,
    no_release_left,
    parse_release_feed,
    summarize_json,
)

PYPI = "https://pypi.org"

FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>PyPI recent updates for nova</title>
    <link>https://pypi.org/project/nova/</link>
    <description>Recent updates to the Python Package Index for nova</description>
    <language>en</language>
    <item>
      <title>31.1.0</title>
      <link>https://pypi.org/project/nova/31.1.0/</link>
      <description>Cloud computing fabric controller</description>
      <pubDate>Tue, 01 Jul 2025 10:00:00 GMT</pubDate>
    </item>
    <item>
      <title>31.0.0</title>
      <link>https://pypi.org/project/nova/31.0.0/</link>
      <description>Cloud computing fabric controller</description>
      <pubDate>Wed, 02 Apr 2025 10:00:00 GMT</pubDate>
    </item>
  </channel>
</rss>
"""


def test_parse_release_feed():
    assert parse_release_feed(FEED, "u") == [
        {"version": "31.1.0", "link": "https://pypi.org/project/nova/31.1.0/",
         "published": "2025-07-01T10:00:00+00:00"},
        {"version": "31.0.0", "link": "https://pypi.org/project/nova/31.0.0/",
         "published": "2025-04-02T10:00:00+00:00"}]


@pytest.mark.parametrize("body, message", [
    (FEED[:200], "malformed feed"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
     b"<rss><channel><item><title>&b;</title></item></channel></rss>",
     "refused a feed with forbidden XML"),
    (b"<html><body>Not Found</body></html>", "not an RSS feed"),
    (b"<rss><channel><item><title></title></item></channel></rss>", "without a title"),
])
def test_bad_feeds_are_errors(body, message):
    with pytest.raises(FetchError, match=message):
        parse_release_feed(body, "u")


def test_summarize_json():
    data = {"info": {"version": "2.0"}, "releases": {
        "1.0": [{"upload_time_iso_8601": "2024-01-02T00:00:00Z", "yanked": True},
                {"upload_time_iso_8601": "2024-01-01T00:00:00Z", "yanked": True}],
        "1.1": [{"upload_time_iso_8601": "2024-02-01T00:00:00Z", "yanked": False}],
        "2.0": []}}
    assert summarize_json(data, "u") == {
        "1.0": {"yanked": True, "upload_time": "2024-01-01T00:00:00Z"},
        "1.1": {"yanked": False, "upload_time": "2024-02-01T00:00:00Z"},
        "2.0": {"yanked": False, "upload_time": None}}


def pypi(feed_versions=(), releases=None):
    feed = [{"version": v, "link": None, "published": "2025-01-01T00:00:00+00:00"}
            for v in feed_versions]
    return PyPIReleases("nova", feed, releases or {})


def kinds(findings):
    return [(f.kind, f.version) for f in findings]


def test_clean_project():
    assert audit_releases(PYPI, pypi(["1.0.0"], {"1.0.0": {"yanked": False}}),
                          {"1.0"}, {}) == ([], [])


def test_unexpected_release_from_the_feed_or_from_json():
    findings, _ = audit_releases(
        PYPI, pypi(["9.9.9", "1.0.0"], {"0.1": {"yanked": False,
                                                 "upload_time": "2010-01-01T00:00:00Z"}}),
        {"1.0.0"}, {})
    assert kinds(findings) == [("unexpected-release", "0.1"), ("unexpected-release", "9.9.9")]
    assert findings[0].upload_time == "2010-01-01T00:00:00Z"
    assert findings[1].upload_time == "2025-01-01T00:00:00+00:00"
    assert findings[1].url == "https://pypi.org/project/nova/9.9.9/"
    assert findings[1].line().startswith(
        "nova: unexpected-release: 9.9.9, uploaded 2025-01-01T00:00:00+00:00 - ")


def test_known_release_is_accepted():
    assert audit_releases(PYPI, pypi(["0.1"]), set(), {"0.1.0": "predates"}) == ([], [])


def test_yanked_listed_release_warns():
    findings, warnings = audit_releases(PYPI, pypi([], {"1.0": {"yanked": True}}), {"1.0"}, {})
    assert findings == [] and kinds(warnings) == [("yanked-release", "1.0")]


def test_yanked_unexpected_release_is_still_a_finding():
    findings, _ = audit_releases(PYPI, pypi([], {"6.6.6": {"yanked": True}}), set(), {})
    assert kinds(findings) == [("unexpected-release", "6.6.6")]
    assert findings[0].detail.startswith("(already yanked)")


def test_missing_release_warns_and_tags_are_not_versions():
    findings, warnings = audit_releases(PYPI, pypi(["1.0"]), {"1.0", "1.1", "rocky-em"}, {})
    assert findings == [] and kinds(warnings) == [("missing-release", "1.1")]


def test_no_release_left_is_an_error_only_when_releases_are_expected():
    detail = no_release_left(PYPI, pypi(), {"1.0.0", "2.0.0", "rocky-em"})
    assert detail == (
        "https://pypi.org lists no release of nova (its feed is empty and its JSON has "
        "none) although the releases repository lists 2 (newest 2.0.0): every release "
        "was deleted, or this is not the index that publishes it")
    assert no_release_left(PYPI, pypi(), set()) is None  # nothing released yet
    assert no_release_left(PYPI, pypi(), {"rocky-em"}) is None  # tags are not on PyPI
    assert no_release_left(PYPI, pypi(["1.0.0"]), {"1.0.0", "2.0.0"}) is None
    assert no_release_left(PYPI, pypi([], {"0.1": {"yanked": True}}), {"1.0.0"}) is None


def test_alert_names_project_version_time_link_and_what_to_do():
    findings = [{"project": "nova", "kind": "unexpected-release", "version": "99.0.0",
                 "upload_time": "2026-11-24T21:03:11Z",
                 "url": "https://pypi.org/project/nova/99.0.0/", "detail": "x"}]
    subject, text = compose_release_alert(findings, PYPI)
    assert subject == "[pypi-guard] 1 unexpected PyPI release: nova 99.0.0"
    assert "nova 99.0.0" in text and "2026-11-24T21:03:11Z" in text
    assert "https://pypi.org/project/nova/99.0.0/" in text
    assert "What to do:" in text and "vars/pypi-releases.yaml" in text


def test_alert_subject_stays_short():
    findings = [{"project": f"p{i}", "kind": "unexpected-release", "version": "1"}
                for i in range(5)]
    subject, _ = compose_release_alert(findings, PYPI)
    assert subject == "[pypi-guard] 5 unexpected PyPI releases: p0 1, p1 1, p2 1 and 2 more"


def write(tmp_path, text):
    path = tmp_path / "pypi-releases.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_known_releases_file(tmp_path):
    known = load_known_releases(write(tmp_path, """
        pypi_release_audit_known_releases:
          Oslo.Config:
            - {version: "1.0", reason: "predates openstack/releases"}
    """))
    assert known == {"oslo-config": {"1.0": "predates openstack/releases"}}


@pytest.mark.parametrize("text, expected", [
    ("""
     pypi_release_audit_known_releases:
       nova:
         - {version: 1.0, reason: why}
     """, "pypi_release_audit_known_releases.nova[0].version: 1.0 should be a string"),
    ("""
     pypi_release_audit_known_releases:
       nova:
         - {version: "1.0"}
     """, "pypi_release_audit_known_releases.nova[0]: 'reason' is missing"),
    ("""
     pypi_release_audit_known_releases:
       nova:
         - {version: "1.0", reason: why}
         - {version: "1.0.0", reason: again}
     """, "pypi_release_audit_known_releases.nova: version '1.0.0' is listed twice"),
    ("""
     pypi_release_audit_known_releases:
       nova:
         - {version: "1.0", reason: why, by: me}
     """, "pypi_release_audit_known_releases.nova[0]: unknown key 'by'"),
    ("""
     known_releases: {}
     """, "unknown key 'known_releases'"),
])
def test_bad_known_releases_file(tmp_path, text, expected):
    with pytest.raises(VarsFileError) as raised:
        load_known_releases(write(tmp_path, text))
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems
