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

"""The release-feed audit: what PyPI says was released against what the
releases repository says should have been."""

from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

import defusedxml.ElementTree
import requests
from ansible.module_utils.pypi_guard.audit import AuditFinding, AuditResult
from ansible.module_utils.pypi_guard.cache import ConditionalCache
from ansible.module_utils.pypi_guard.deliverables import ManagedProject
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.names import normalize_name, version_key
from ansible.module_utils.pypi_guard.pypi import (
    json_document,
    json_url,
    project_url,
    raise_if_quarantined,
    release_hidden,
)
from ansible.module_utils.pypi_guard.text import printable
from defusedxml import DefusedXmlException

KNOWN_RELEASES_FILE = "vars/pypi-releases.yaml"

ADVICE = {
    "unexpected-release":
        "not in the releases repository: find out who uploaded it (PyPI project history), "
        "yank it if it is not ours, and check the project's maintainers",
    "yanked-release": "a release of the releases repository is yanked on PyPI: "
                      "confirm the release team meant it",
    "missing-release": "in the releases repository but not on PyPI: "
                       "check the release job of that version",
    "hidden-release": "in PyPI's release feed but hidden from its JSON API: PyPI's "
                      "administrators quarantined it, so its files cannot be checked; read "
                      "PyPI's notice and check its files once it is cleared",
}


def feed_url(pypi_url: str, name: str) -> str:
    return f"{pypi_url.rstrip('/')}/rss/project/{quote(normalize_name(name))}/releases.xml"


def release_url(pypi_url: str, name: str, version: str) -> str:
    # a lone surrogate from the JSON (\ud800) must not crash the audit
    return f"{project_url(pypi_url, name)}{quote(version, errors='surrogatepass')}/"


# {"version", "link", "published"}: one item of a project's release feed
FeedItem = dict[str, Any]


def parse_release_feed(body: bytes, url: str) -> list[FeedItem]:
    """``[{"version", "link", "published"}]`` from a project's RSS feed.

    Parsed with defusedxml: a feed declaring entities (an XML bomb) or one
    that is not well-formed RSS is a FetchError for that project.
    """
    try:
        root = defusedxml.ElementTree.fromstring(body)
    except DefusedXmlException as exc:
        raise FetchError(f"GET {url}: refused a feed with forbidden XML "
                         f"({type(exc).__name__})") from exc
    except ElementTree.ParseError as exc:
        raise FetchError(f"GET {url}: malformed feed ({exc})") from exc
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise FetchError(f"GET {url}: not an RSS feed (root element <{root.tag}>)")
    releases: list[FeedItem] = []
    for item in channel.findall("item"):
        version = (item.findtext("title") or "").strip()
        if not version:
            raise FetchError(f"GET {url}: an item without a title (version)")
        published: str | None = None
        date_text = item.findtext("pubDate")
        if date_text:
            try:
                published = email.utils.parsedate_to_datetime(date_text).isoformat()
            except (TypeError, ValueError, OverflowError) as exc:
                raise FetchError(f"GET {url}: bad pubDate {date_text!r}") from exc
        releases.append({"version": version, "link": item.findtext("link"),
                         "published": published})
    return releases


def summarize_json(data: dict[str, Any], url: str) -> dict[str, dict[str, Any]]:
    """``{version: {"yanked", "upload_time"}}`` from the JSON API document."""
    releases = data.get("releases")
    if not isinstance(releases, dict):
        raise FetchError(f"GET {url}: JSON without a 'releases' object")
    summary: dict[str, dict[str, Any]] = {}
    for version, files in releases.items():
        if not isinstance(files, list):
            raise FetchError(f"GET {url}: releases[{version!r}] is not a list")
        times = sorted(f.get("upload_time_iso_8601") or "" for f in files if isinstance(f, dict)
                       and isinstance(f.get("upload_time_iso_8601") or "", str))
        yanked = bool(files) and all(f.get("yanked") for f in files if isinstance(f, dict))
        if not files and data.get("info", {}).get("version") == version:
            yanked = bool(data["info"].get("yanked"))
        summary[version] = {"yanked": yanked, "upload_time": times[0] if times else None}
    return summary


@dataclass
class PyPIReleases:
    """What PyPI says a project released."""

    name: str
    feed: list[FeedItem] = field(default_factory=list)  # newest 40, from RSS
    # version -> {"yanked", "upload_time"}
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)  # in the feed, 404 on the JSON API

    def versions(self) -> dict[tuple[str, Any], str]:
        """Every version either source knows, as ``{key: version text}``."""
        found = {version_key(item["version"]): item["version"] for item in self.feed}
        for version in self.releases:
            found.setdefault(version_key(version), version)
        return found

    def upload_time(self, version: str) -> str | None:
        known: str | None = self.releases.get(version, {}).get("upload_time")
        if known:
            return known
        for item in self.feed:
            if item["version"] == version:
                return cast("str | None", item["published"])
        return None

    def yanked(self, version: str) -> bool:
        return bool(self.releases.get(version, {}).get("yanked"))

    def unshown(self) -> list[str]:
        """Versions the feed lists and the project's JSON does not show:
        Warehouse hides a quarantined release from the JSON (and simple) API
        only, or the JSON is older than the feed."""
        shown = {version_key(version) for version in self.releases}
        return [item["version"] for item in self.feed
                if version_key(item["version"]) not in shown]


def _extract_json(response: requests.Response) -> dict[str, dict[str, Any]]:
    return summarize_json(json_document(response), response.url)


def _extract_feed(response: requests.Response) -> list[FeedItem]:
    return parse_release_feed(response.content, response.url)


def fetch_releases(client: HttpClient, cache: ConditionalCache, pypi_url: str,
                   name: str) -> PyPIReleases:
    """A project's releases from its feed and its JSON document.

    A managed project PyPI does not know is an error: its releases cannot be
    checked, and the maintainer audit says whether the name is registered.  A
    quarantined project (a JSON 404 while the feed answers) is an error that
    says so.
    """
    url = feed_url(pypi_url, name)
    status, feed = cache.get(client, url, _extract_feed, ok_status=(200, 404),
                             headers={"Accept": "application/rss+xml"})
    if status == 404:
        raise FetchError(f"GET {url}: 404, PyPI has no project {name!r}")
    url = json_url(pypi_url, name)
    status, releases = cache.get(client, url, _extract_json, ok_status=(200, 404),
                                 headers={"Accept": "application/json"})
    if status == 404 and feed:
        raise_if_quarantined(client, pypi_url, name)
        raise FetchError(f"GET {url}: 404 although the feed lists releases")
    found = PyPIReleases(name, feed, releases or {})
    found.hidden = [version for version in found.unshown()
                    if release_hidden(client, pypi_url, name, version)]
    return found


@dataclass(frozen=True)
class ReleaseFinding(AuditFinding):
    """A finding or warning about one version of a project."""

    version: str | None = None
    upload_time: str | None = None
    url: str | None = None

    def subject(self) -> str:
        when = f", uploaded {self.upload_time}" if self.upload_time else ""
        return f"{self.version}{when}"


def audit_releases(pypi_url: str, pypi: PyPIReleases, expected_versions: Iterable[str],
                   known_versions: Iterable[str],
                   ) -> tuple[list[ReleaseFinding], list[ReleaseFinding]]:
    """``(findings, warnings)`` for one project.

    ``expected_versions`` come from the releases repository,
    ``known_versions`` from ``pypi_release_audit_known_releases``; versions
    are compared as PEP 440 versions (1.0 equals 1.0.0).
    """
    expected = {version_key(v): v for v in expected_versions}
    known = {version_key(v) for v in known_versions}
    on_pypi = pypi.versions()
    findings: list[ReleaseFinding] = []
    warnings: list[ReleaseFinding] = []
    for version in pypi.hidden:
        findings.append(ReleaseFinding(pypi.name, "hidden-release", ADVICE["hidden-release"],
                                       version, pypi.upload_time(version),
                                       release_url(pypi_url, pypi.name, version)))
    for key, version in sorted(on_pypi.items()):
        link = release_url(pypi_url, pypi.name, version)
        uploaded = pypi.upload_time(version)
        if key not in expected and key not in known:
            detail = ADVICE["unexpected-release"]
            if pypi.yanked(version):
                detail = "(already yanked) " + detail
            findings.append(ReleaseFinding(pypi.name, "unexpected-release", detail, version,
                                           uploaded, link))
        elif key in expected and pypi.yanked(version):
            warnings.append(ReleaseFinding(pypi.name, "yanked-release",
                                           ADVICE["yanked-release"], version, uploaded, link))
    for key, version in sorted(expected.items()):
        if key not in on_pypi and key[0] == "pep440":
            warnings.append(ReleaseFinding(pypi.name, "missing-release",
                                           ADVICE["missing-release"], version))
    return findings, warnings


def no_release_left(pypi_url: str, pypi: PyPIReleases,
                    expected_versions: Iterable[str]) -> str | None:
    """The error when PyPI lists no release at all (an empty feed, a 404 or
    empty JSON) although the releases repository lists versions for it
    (every release deleted, or not the index that publishes it), else None."""
    versions = [v for v in expected_versions if version_key(v)[0] == "pep440"]
    if pypi.versions() or not versions:
        return None
    return (f"{pypi_url} lists no release of {pypi.name} (its feed is empty and its JSON "
            f"has none) although the releases repository lists {len(versions)} "
            f"(newest {max(versions, key=version_key)}): every release was deleted, or "
            "this is not the index that publishes it")


def inventory_row(pypi: PyPIReleases, listed: Iterable[str],
                  found: Sequence[ReleaseFinding]) -> dict[str, Any]:
    """What the report shows of one project: the versions PyPI has, those
    listed (releases repository and known releases) and, from ``found`` (its
    findings and warnings), the unexpected, yanked and missing ones."""
    def versions(kind: str) -> list[str | None]:
        return [f.version for f in found if f.kind == kind]
    return {"project": pypi.name,
            "on_pypi": [version for _key, version in sorted(pypi.versions().items())],
            "listed": sorted(listed, key=version_key),
            "unexpected": versions("unexpected-release"),
            "yanked": versions("yanked-release"),
            "missing": versions("missing-release")}


def run_release_audit(client: HttpClient, cache: ConditionalCache, pypi_url: str,
                      projects: Mapping[str, ManagedProject],
                      known_releases: Mapping[str, Mapping[str, str]]) -> AuditResult:
    """Audit every project of ``{name: ManagedProject}`` concurrently."""
    findings: list[AuditFinding] = []
    warnings: list[AuditFinding] = []
    errors: list[dict[str, Any]] = []
    inventory: list[dict[str, Any]] = []
    results = client.map(lambda name: fetch_releases(client, cache, pypi_url, name),
                         list(projects))
    for name, pypi, error in results:
        if error is not None:
            errors.append({"project": name, "detail": str(error)})
            continue
        pypi = cast(PyPIReleases, pypi)  # map(): no error, so a result
        expected = projects[name].versions
        deleted = no_release_left(pypi_url, pypi, expected)
        if deleted:
            errors.append({"project": name, "detail": deleted})
            continue
        known = known_releases.get(name, {})
        project_findings, project_warnings = audit_releases(pypi_url, pypi, expected, known)
        findings += project_findings
        warnings += project_warnings
        inventory.append(inventory_row(pypi, set(expected) | set(known),
                                       project_findings + project_warnings))
    inventory.sort(key=lambda row: (not row["unexpected"], row["project"]))
    return AuditResult(len(projects) - len(errors), findings, warnings, errors,
                       {"inventory": inventory})


ALERT_STEPS = """What to do:
  1. Find out who uploaded it: the project's history on PyPI
     (https://pypi.org/manage/project/<name>/history/, as an Owner).
  2. If the release team did not make it, yank it on PyPI, remove the account
     that made it from the project, and check the project's maintainers (the
     pypi-maintainers-audit job's report).
  3. If it is legitimate (for example it predates the releases repository),
     add it with a reason to {file}.
"""


def compose_release_alert(findings: Iterable[Mapping[str, Any]],
                          pypi_url: str) -> tuple[str, str]:
    """``(subject, text)`` of the mail for ``unexpected-release`` findings."""
    unexpected = [{key: printable(value) if isinstance(value, str) else value
                   for key, value in f.items()}
                  for f in findings if f["kind"] == "unexpected-release"]
    named = ", ".join(f"{f['project']} {f['version']}" for f in unexpected[:3])
    more = f" and {len(unexpected) - 3} more" if len(unexpected) > 3 else ""
    plural = "s" if len(unexpected) != 1 else ""
    subject = f"[pypi-guard] {len(unexpected)} unexpected PyPI release{plural}: {named}{more}"
    lines = [f"pypi-guard found {len(unexpected)} release{plural} on {pypi_url} that the "
             f"releases repository does not list.", ""]
    for finding in unexpected:
        lines += [f"  {finding['project']} {finding['version']}",
                  f"    uploaded: {finding.get('upload_time') or 'unknown'}",
                  f"    on PyPI:  {finding.get('url') or '-'}", ""]
    lines.append(ALERT_STEPS.format(file=KNOWN_RELEASES_FILE))
    lines.append("The whole report is the HTML part of this mail, and is linked from the "
                 "job's build page.")
    return subject, "\n".join(lines) + "\n"
