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

"""Tests of tests/support/fakepypi.py, the fake Warehouse, through real HTTP on 127.0.0.1."""

import concurrent.futures
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.client
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree

from tests.support.fakepypi import FakePyPI, ScenarioError

SUPPORT = Path(__file__).resolve().parent / "support"
EXAMPLE = SUPPORT / "fakepypi_scenario.example.yaml"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

# The keys Warehouse's legacy JSON API sends (warehouse/legacy/api/json.py).
INFO_KEYS = {
    "author", "author_email", "bugtrack_url", "classifiers", "description",
    "description_content_type", "docs_url", "download_url", "downloads", "dynamic",
    "home_page", "keywords", "license", "license_expression", "license_files",
    "maintainer", "maintainer_email", "name", "package_url", "platform", "project_url",
    "project_urls", "provides_extra", "release_url", "requires_dist", "requires_python",
    "summary", "version", "yanked", "yanked_reason",
}
FILE_KEYS = {
    "comment_text", "core-metadata", "digests", "downloads", "filename", "has_sig",
    "md5_digest", "packagetype", "python_version", "requires_python", "size",
    "upload_time", "upload_time_iso_8601", "url", "yanked", "yanked_reason",
}

SDIST = b"oslo.config 9.0.0 sdist bytes"
SIGNATURE = "-----BEGIN PGP SIGNATURE-----\nfake\n-----END PGP SIGNATURE-----\n"

SCENARIO = {
    "projects": {
        "oslo.config": {
            "roles": [
                ["Maintainer", "zed"],
                ["Owner", "openstackci"],
                ["Maintainer", "Alice"],
                ["Owner", "Bob"],
            ],
            "organization": "openstack",
            "last_serial": 4242,
            "info": {"summary": "Oslo Configuration API", "requires_python": ">=3.9"},
            "releases": {
                "9.0.0": {
                    "upload_time": "2025-01-01T00:00:00.123456",
                    "files": [
                        {"filename": "oslo_config-9.0.0.tar.gz", "content": SDIST,
                         "signature": SIGNATURE},
                        {"filename": "oslo_config-9.0.0-py3-none-any.whl",
                         "content": "wheel", "upload_time": "2025-01-01T00:05:00"},
                    ],
                },
                "8.0.0": {
                    "upload_time": "2024-06-01T00:00:00",
                    "files": [{"filename": "oslo_config-8.0.0.tar.gz", "content": "eight",
                               "sha256": "0" * 64}],
                },
                "9.1.0rc1": {"upload_time": "2025-02-01T00:00:00"},
                "10.0.0": {"upload_time": "2025-03-01T00:00:00", "yanked": True,
                           "yanked_reason": "broken"},
            },
        },
        "python-novaclient": {
            "ownership": False,
            "roles": [["Owner", "openstackci"]],
            "releases": {"18.0.0": {"upload_time": "2024-09-01T00:00:00"}},
        },
        "placeholder": {
            "roles": [["Owner", "openstackci"]],
            "exists_without_releases": True,
        },
    },
}


@pytest.fixture(scope="module")
def pypi():
    with FakePyPI(SCENARIO) as server:
        yield server


@pytest.fixture
def serve():
    """Start a server on a scenario of the test's own (faults keep counters)."""
    servers = []

    def start(scenario):
        server = FakePyPI(scenario).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def flaky(**faults):
    return {"projects": {"flaky": {
        "roles": [["Owner", "openstackci"]],
        "releases": {"1.0": {"upload_time": "2024-01-01T00:00:00",
                             "files": [{"filename": "flaky-1.0.tar.gz", "content": "x"}]}},
        "faults": faults,
    }}}


def package_roles(url, name):
    return xmlrpc.client.ServerProxy(f"{url}/pypi").package_roles(name)


# -- JSON API ---------------------------------------------------------------


def test_json_shape(pypi):
    response = requests.get(f"{pypi.url}/pypi/oslo-config/json", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-PyPI-Last-Serial"] == "4242"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.text.endswith("}\n") and ", " not in response.text[:20]
    data = response.json()
    assert set(data) == {"info", "last_serial", "releases", "urls", "vulnerabilities",
                         "ownership"}
    assert data["last_serial"] == 4242
    assert data["vulnerabilities"] == []
    info = data["info"]
    assert set(info) == INFO_KEYS
    # Warehouse's latest: not yanked (10.0.0), not a pre-release (9.1.0rc1).
    assert info["version"] == "9.0.0"
    assert info["name"] == "oslo.config"
    assert info["summary"] == "Oslo Configuration API"
    assert info["package_url"] == f"{pypi.url}/project/oslo.config/"
    assert info["release_url"] == f"{pypi.url}/project/oslo.config/9.0.0/"
    assert info["yanked"] is False and info["yanked_reason"] is None
    assert list(data["releases"]) == sorted(data["releases"])  # sort_keys, as Warehouse
    assert set(data["releases"]) == {"9.0.0", "8.0.0", "9.1.0rc1", "10.0.0"}
    assert data["releases"]["9.1.0rc1"] == []
    assert data["releases"]["10.0.0"] == []
    assert [f["filename"] for f in data["urls"]] == [
        "oslo_config-9.0.0-py3-none-any.whl", "oslo_config-9.0.0.tar.gz"]
    wheel, sdist = data["urls"]
    assert set(sdist) == FILE_KEYS
    assert sdist["digests"] == {
        "blake2b_256": hashlib.blake2b(SDIST, digest_size=32).hexdigest(),
        "md5": hashlib.md5(SDIST).hexdigest(),  # noqa: S324
        "sha256": hashlib.sha256(SDIST).hexdigest(),
    }
    assert sdist["md5_digest"] == sdist["digests"]["md5"]
    assert sdist["size"] == len(SDIST)
    assert sdist["packagetype"] == "sdist" and sdist["python_version"] == "source"
    assert wheel["packagetype"] == "bdist_wheel" and wheel["python_version"] == "py3"
    assert sdist["downloads"] == -1 and sdist["comment_text"] is None
    assert sdist["has_sig"] is True and wheel["has_sig"] is False
    assert sdist["core-metadata"] is False
    assert sdist["requires_python"] == ">=3.9"
    assert sdist["upload_time"] == "2025-01-01T00:00:00"
    assert sdist["upload_time_iso_8601"] == "2025-01-01T00:00:00.123456Z"
    assert wheel["upload_time_iso_8601"] == "2025-01-01T00:05:00Z"  # isoformat() + "Z"
    b2 = sdist["digests"]["blake2b_256"]
    assert sdist["url"] == (f"{pypi.url}/packages/{b2[:2]}/{b2[2:4]}/{b2[4:]}/"
                            "oslo_config-9.0.0.tar.gz")
    # Owners first, then by user name (case-sensitive Python sort, as Warehouse).
    assert data["ownership"] == {"organization": "openstack", "roles": [
        {"role": "Owner", "user": "Bob"},
        {"role": "Owner", "user": "openstackci"},
        {"role": "Maintainer", "user": "Alice"},
        {"role": "Maintainer", "user": "zed"},
    ]}
    yanked = data["releases"]["8.0.0"][0]
    assert yanked["digests"]["sha256"] == "0" * 64  # the scenario's claimed digest


def test_json_without_ownership(pypi):
    data = requests.get(f"{pypi.url}/pypi/python-novaclient/json", timeout=5).json()
    assert "ownership" not in data
    assert data["info"]["version"] == "18.0.0"
    assert data["urls"] == []


def test_json_release(pypi):
    response = requests.get(f"{pypi.url}/pypi/oslo-config/8.0.0/json", timeout=5)
    data = response.json()
    assert "releases" not in data
    assert data["info"]["version"] == "8.0.0"
    assert [f["filename"] for f in data["urls"]] == ["oslo_config-8.0.0.tar.gz"]
    # Warehouse matches the canonical version: 8.0 is 8.0.0.
    assert requests.get(f"{pypi.url}/pypi/oslo-config/8.0/json",
                        timeout=5).json()["info"]["version"] == "8.0.0"
    missing = requests.get(f"{pypi.url}/pypi/oslo-config/1.2.3/json", timeout=5)
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found"}


def test_json_redirects_to_the_normalized_name(pypi):
    response = requests.get(f"{pypi.url}/pypi/oslo.config/json", allow_redirects=False,
                            timeout=5)
    assert response.status_code == 301
    assert response.headers["Location"] == f"{pypi.url}/pypi/oslo-config/json"
    response = requests.get(f"{pypi.url}/pypi/Oslo_Config/json/?x=1", allow_redirects=False,
                            timeout=5)
    assert response.headers["Location"] == f"{pypi.url}/pypi/oslo-config/json/?x=1"
    response = requests.get(f"{pypi.url}/pypi/oslo.config/8.0.0/json", allow_redirects=False,
                            timeout=5)
    assert response.headers["Location"] == f"{pypi.url}/pypi/oslo-config/8.0.0/json"
    followed = requests.get(f"{pypi.url}/pypi/oslo.config/json", timeout=5)
    assert followed.status_code == 200 and followed.json()["info"]["name"] == "oslo.config"


@pytest.mark.parametrize("name", ["no-such-project", "No.Such_Project", "placeholder"])
def test_json_not_found(pypi, name):
    response = requests.get(f"{pypi.url}/pypi/{name}/json", allow_redirects=False, timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == b'{"message": "Not Found"}'


def test_other_paths_not_found(pypi):
    response = requests.get(f"{pypi.url}/nowhere", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")


# -- XML-RPC ----------------------------------------------------------------


def test_package_roles(pypi):
    # role_name desc, then username (CITEXT: case-insensitive).
    assert package_roles(pypi.url, "oslo-config") == [
        ["Owner", "Bob"], ["Owner", "openstackci"], ["Maintainer", "Alice"],
        ["Maintainer", "zed"]]
    assert package_roles(pypi.url, "Oslo.Config") == package_roles(pypi.url, "oslo_config")
    assert package_roles(pypi.url, "placeholder") == [["Owner", "openstackci"]]
    assert package_roles(pypi.url, "unknown-project") == []
    for path in ("/pypi/", "/RPC2"):
        proxy = xmlrpc.client.ServerProxy(pypi.url + path)
        assert proxy.package_roles("python-novaclient") == [["Owner", "openstackci"]]


def test_xmlrpc_faults(pypi):
    proxy = xmlrpc.client.ServerProxy(f"{pypi.url}/pypi")
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy.no_such_method()
    assert fault.value.faultCode == -32601
    assert fault.value.faultString == "server error; requested method not found"
    with pytest.raises(xmlrpc.client.Fault) as fault:
        proxy.package_roles(1)
    assert fault.value.faultCode == -32602
    assert fault.value.faultString == "client error; package_name: Input should be a valid string"
    response = requests.post(f"{pypi.url}/pypi", data=b"<not xml",
                             headers={"Content-Type": "text/xml"}, timeout=5)
    assert response.status_code == 200
    with pytest.raises(xmlrpc.client.Fault, match="not well formed"):
        xmlrpc.client.loads(response.content)


def test_xmlrpc_rate_limited(serve):
    pypi = serve(flaky(xmlrpc={"rate_limited": True, "retry_after": 7, "times": 1}))
    response = requests.post(f"{pypi.url}/pypi",
                             data=xmlrpc.client.dumps(("flaky",), "package_roles"),
                             headers={"Content-Type": "text/xml"}, timeout=5)
    assert response.status_code == 200
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(response.content)
    assert fault.value.faultCode == -32500
    assert fault.value.faultString == (
        "HTTPTooManyRequests: The action could not be performed because there were too many "
        "requests by the client. Limit may reset in 7 seconds.")
    assert package_roles(pypi.url, "flaky") == [["Owner", "openstackci"]]  # times: 1
    pypi.set_scenario(flaky(xmlrpc={"rate_limited": True}))
    with pytest.raises(xmlrpc.client.Fault, match="reset in 60 seconds"):
        package_roles(pypi.url, "flaky")
    assert package_roles(pypi.url, "other") == []  # other projects are not faulted


def test_xmlrpc_malformed(serve):
    pypi = serve(flaky(xmlrpc={"malformed": True}))
    response = requests.post(f"{pypi.url}/pypi",
                             data=xmlrpc.client.dumps(("flaky",), "package_roles"),
                             headers={"Content-Type": "text/xml"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    with pytest.raises(Exception):  # noqa: B017 - expat's error class
        xmlrpc.client.loads(response.content)


# -- Faults -----------------------------------------------------------------


def test_429_with_retry_after_then_ok(serve):
    pypi = serve(flaky(json={"status": 429, "retry_after": 2, "times": 2}))
    url = f"{pypi.url}/pypi/flaky/json"
    for _ in range(2):
        response = requests.get(url, timeout=5)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "2"
    assert requests.get(url, timeout=5).status_code == 200
    assert requests.get(url, timeout=5).status_code == 200
    assert [r.status for r in pypi.requests_for("json", "flaky")] == [429, 429, 200, 200]
    pypi.reset_faults()
    assert requests.get(url, timeout=5).status_code == 429


def test_503_always(serve):
    pypi = serve(flaky(json={"status": 503}, rss={"status": 502, "body": "bad gateway"}))
    for _ in range(3):
        assert requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5).status_code == 503
    response = requests.get(f"{pypi.url}/rss/project/flaky/releases.xml", timeout=5)
    assert response.status_code == 502 and response.text == "bad gateway"
    assert "Retry-After" not in response.headers


def test_delay_provokes_timeouts(serve):
    pypi = serve(flaky(json={"delay": 2, "times": 1}))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(f"{pypi.url}/pypi/flaky/json", timeout=0.2)
    assert time.monotonic() - started < 1
    assert requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5).status_code == 200


def test_malformed_json_and_rss(serve):
    pypi = serve(flaky(json={"malformed": True}, rss={"malformed": True}))
    response = requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    with pytest.raises(ValueError):
        response.json()
    response = requests.get(f"{pypi.url}/rss/project/flaky/releases.xml", timeout=5)
    assert response.status_code == 200
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(response.content)


def test_latency_is_not_serialized(serve):
    """Many concurrent answers sleep at the same time (no lock held)."""
    pypi = serve({"latency": 0.2, **flaky()})
    url = f"{pypi.url}/pypi/flaky/json"
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(lambda _: requests.get(url, timeout=5).status_code,
                                 range(32)))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 32
    assert 0.4 <= elapsed < 1.5


def test_stop_is_prompt_while_answers_sleep(serve):
    pypi = serve(flaky(json={"delay": 30}))
    errors = []

    def call():
        try:
            requests.get(f"{pypi.url}/pypi/flaky/json", timeout=10)
        except requests.RequestException as exc:
            errors.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    while not pypi.requests:
        time.sleep(0.01)
    started = time.monotonic()
    pypi.stop()
    assert time.monotonic() - started < 2
    thread.join(5)
    assert errors  # the connection was closed unanswered


# -- RSS --------------------------------------------------------------------


def rss_items(content):
    root = ElementTree.fromstring(content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    return root.find("channel"), root.findall("channel/item")


def test_rss_project(serve):
    releases = {f"1.{i}": {"upload_time": f"2024-01-{1 + i // 24:02d}T{i % 24:02d}:00:00"}
                for i in range(45)}
    pypi = serve({"projects": {"Big.Project": {"releases": releases}}})
    response = requests.get(f"{pypi.url}/rss/project/big-project/releases.xml", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=UTF-8"
    channel, items = rss_items(response.content)
    assert channel.findtext("title") == "PyPI recent updates for Big.Project"
    assert channel.findtext("link") == f"{pypi.url}/project/big-project/"
    assert channel.findtext("description") == (
        "Recent updates to the Python Package Index for Big.Project")
    assert channel.findtext("language") == "en"
    assert len(items) == 40
    assert channel.find("item/guid") is None
    dates = [parsedate_to_datetime(item.findtext("pubDate")) for item in items]
    assert dates == sorted(dates, reverse=True)
    newest = items[0]
    assert newest.findtext("title") == "1.44"
    assert newest.findtext("link") == f"{pypi.url}/project/big-project/1.44/"
    assert newest.findtext("description") == "Big.Project library for OpenStack"
    assert newest.findtext("author") == "openstack-discuss@lists.openstack.org"
    assert newest.findtext("pubDate") == "Tue, 02 Jan 2024 20:00:00 GMT"
    assert [child.tag for child in newest] == ["title", "link", "description", "author",
                                               "pubDate"]
    # Warehouse looks the name up normalized: no redirect.
    assert requests.get(f"{pypi.url}/rss/project/Big.Project/releases.xml",
                        allow_redirects=False, timeout=5).status_code == 200
    missing = requests.get(f"{pypi.url}/rss/project/nope/releases.xml", timeout=5)
    assert missing.status_code == 404


def test_rss_project_without_releases(pypi):
    response = requests.get(f"{pypi.url}/rss/project/placeholder/releases.xml", timeout=5)
    assert response.status_code == 200
    assert rss_items(response.content)[1] == []


def test_rss_updates(serve):
    projects = {f"Project.{n}": {"releases": {
        f"{n}.{i}": {"upload_time": f"2024-0{n}-{10 + i}T00:00:00"} for i in range(3)}}
        for n in range(1, 4)}
    pypi = serve({"rss_updates_limit": 5, "projects": projects})
    response = requests.get(f"{pypi.url}/rss/updates.xml", timeout=5)
    channel, items = rss_items(response.content)
    assert channel.findtext("title") == "PyPI recent updates"
    assert channel.findtext("link") == f"{pypi.url}/"
    assert [item.findtext("title") for item in items] == [
        "Project.3 3.2", "Project.3 3.1", "Project.3 3.0", "Project.2 2.2", "Project.2 2.1"]
    assert items[0].findtext("link") == f"{pypi.url}/project/project-3/3.2/"
    assert all(item.find("guid") is None for item in items)
    assert pypi.requests[-1].endpoint == "updates"


# -- Conditional requests ---------------------------------------------------


@pytest.mark.parametrize("path", ["/pypi/oslo-config/json", "/pypi/oslo-config/8.0.0/json",
                                  "/rss/project/oslo-config/releases.xml",
                                  "/rss/updates.xml"])
def test_conditional_get(pypi, path):
    first = requests.get(pypi.url + path, timeout=5)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    again = requests.get(pypi.url + path, headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    again = requests.get(pypi.url + path, headers={"If-None-Match": '"other"'}, timeout=5)
    assert again.status_code == 200
    again = requests.get(pypi.url + path, headers={"If-Modified-Since": last_modified},
                         timeout=5)
    assert again.status_code == 304
    older = format_datetime(parsedate_to_datetime(last_modified).replace(year=2000),
                            usegmt=True)
    again = requests.get(pypi.url + path, headers={"If-Modified-Since": older}, timeout=5)
    assert again.status_code == 200 and again.content == first.content


# -- Simple API -------------------------------------------------------------


def test_simple_json(pypi):
    response = requests.get(f"{pypi.url}/simple/oslo-config/",
                            headers={"Accept": SIMPLE_JSON}, timeout=5)
    assert response.headers["Content-Type"] == SIMPLE_JSON
    assert response.headers["X-PyPI-Last-Serial"] == "4242"
    data = response.json()
    assert data["meta"] == {"_last-serial": 4242, "api-version": "1.4"}
    assert data["name"] == "oslo-config"
    assert data["versions"] == ["8.0.0", "9.0.0"]
    assert [f["filename"] for f in data["files"]] == [
        "oslo_config-8.0.0.tar.gz", "oslo_config-9.0.0-py3-none-any.whl",
        "oslo_config-9.0.0.tar.gz"]
    sdist = data["files"][-1]
    assert sdist["hashes"] == {"sha256": hashlib.sha256(SDIST).hexdigest()}
    assert sdist["upload-time"] == "2025-01-01T00:00:00.123456Z"
    assert sdist["requires-python"] == ">=3.9" and sdist["yanked"] is False
    assert sdist["size"] == len(SDIST)


def test_simple_html(pypi):
    response = requests.get(f"{pypi.url}/simple/oslo-config/", timeout=5)
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    sha = hashlib.sha256(SDIST).hexdigest()
    assert f'oslo_config-9.0.0.tar.gz#sha256={sha}" data-requires-python="&gt;=3.9" >' \
        in response.text
    assert response.text.endswith("<!--SERIAL 4242-->")
    redirect = requests.get(f"{pypi.url}/simple/Oslo.Config/", allow_redirects=False,
                            timeout=5)
    assert redirect.status_code == 301
    assert redirect.headers["Location"] == f"{pypi.url}/simple/oslo-config/"
    missing = requests.get(f"{pypi.url}/simple/nope/", timeout=5)
    assert missing.status_code == 404 and missing.text == "404 Not Found"
    index = requests.get(f"{pypi.url}/simple/", headers={"Accept": SIMPLE_JSON}, timeout=5)
    assert [p["name"] for p in index.json()["projects"]] == [
        "oslo.config", "placeholder", "python-novaclient"]


# -- Files ------------------------------------------------------------------


def test_file_download_and_signature(pypi):
    data = requests.get(f"{pypi.url}/pypi/oslo-config/json", timeout=5).json()
    sdist = next(f for f in data["urls"] if f["packagetype"] == "sdist")
    wheel = next(f for f in data["urls"] if f["packagetype"] == "bdist_wheel")
    response = requests.get(sdist["url"], timeout=5)
    assert response.status_code == 200
    assert response.content == SDIST
    assert response.headers["Content-Length"] == str(len(SDIST))
    assert requests.get(sdist["url"] + ".asc", timeout=5).text == SIGNATURE
    assert requests.get(wheel["url"] + ".asc", timeout=5).status_code == 404
    assert requests.get(f"{pypi.url}/packages/aa/bb/cc/nope.tar.gz",
                        timeout=5).status_code == 404
    # The claimed digest disagrees with the bytes served.
    old = data["releases"]["8.0.0"][0]
    served = requests.get(old["url"], timeout=5).content
    assert hashlib.sha256(served).hexdigest() != old["digests"]["sha256"]


# -- Log, scenario, example, CLI --------------------------------------------


def test_request_log(serve):
    pypi = serve(flaky())
    assert pypi.requests == [] and pypi.bytes_sent == 0
    body = requests.get(f"{pypi.url}/pypi/flaky/json", headers={"X-Test": "1"},
                        timeout=5).content
    package_roles(pypi.url, "Flaky")
    requests.get(f"{pypi.url}/whatever?q=1", timeout=5)
    json_record, rpc_record, other = pypi.requests
    assert (json_record.method, json_record.path, json_record.endpoint,
            json_record.project, json_record.status) == (
        "GET", "/pypi/flaky/json", "json", "flaky", 200)
    assert json_record.headers["X-Test"] == "1"
    assert json_record.bytes_sent == len(body)
    assert (rpc_record.method, rpc_record.endpoint, rpc_record.project) == (
        "POST", "xmlrpc", "flaky")
    assert (other.path, other.endpoint, other.project, other.status) == (
        "/whatever?q=1", "other", None, 404)
    assert pypi.bytes_sent == sum(r.bytes_sent for r in pypi.requests)
    pypi.reset_log()
    assert pypi.requests == [] and pypi.bytes_sent == 0


def test_set_scenario(serve):
    pypi = serve(flaky(json={"status": 500, "times": 1}))
    assert requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5).status_code == 500
    assert requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5).status_code == 200
    new = flaky(json={"status": 500, "times": 1})
    new["projects"]["flaky"]["roles"] = [["Owner", "someone-else"]]
    pypi.set_scenario(new)
    assert requests.get(f"{pypi.url}/pypi/flaky/json", timeout=5).status_code == 500
    assert package_roles(pypi.url, "flaky") == [["Owner", "someone-else"]]
    with pytest.raises(ScenarioError, match="unknown key"):
        pypi.set_scenario({"projects": {"x": {"rolez": []}}})
    assert package_roles(pypi.url, "flaky") == [["Owner", "someone-else"]]


def test_example_scenario(serve):
    pypi = serve(EXAMPLE)
    data = requests.get(f"{pypi.url}/pypi/oslo-config/json", timeout=5).json()
    assert data["info"]["version"] == "9.0.0"
    wheel = next(f for f in data["urls"] if f["packagetype"] == "bdist_wheel")
    assert requests.get(wheel["url"], timeout=5).content == (SUPPORT / "fakepypi.py").read_bytes()
    assert requests.get(f"{pypi.url}/pypi/placeholder-project/json",
                        timeout=5).status_code == 404
    assert package_roles(pypi.url, "placeholder-project") == [["Owner", "openstackci"]]


def test_refuses_non_loopback_hosts():
    with pytest.raises(ValueError, match="loopback"):
        FakePyPI({}, host="0.0.0.0")  # noqa: S104 - what is refused
    with pytest.raises(ValueError, match="loopback"):
        FakePyPI({}, host="example.org")


def test_cli(tmp_path):
    url_file = tmp_path / "url"
    process = subprocess.Popen(
        [sys.executable, str(SUPPORT / "fakepypi.py"), "--scenario", str(EXAMPLE),
         "--url-file", str(url_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not url_file.exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        url = url_file.read_text().strip()
        assert url.startswith("http://127.0.0.1:")
        assert package_roles(url, "oslo.config")[0] == ["Owner", "Another-Owner"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=5)
        assert process.returncode == 0, err
        assert out.strip() == url
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_cli_refuses_other_hosts(tmp_path):
    result = subprocess.run(
        [sys.executable, str(SUPPORT / "fakepypi.py"), "--scenario", str(EXAMPLE),
         "--host", "0.0.0.0"],  # noqa: S104 - what is refused
        capture_output=True, text=True, timeout=10, env={**os.environ})
    assert result.returncode == 2
    assert "loopback" in result.stderr


# -- quarantine, as Warehouse hides it ------------------------------------------


def test_quarantined_project_is_hidden_from_the_json_and_simple_apis(serve):
    released = {"upload_time": "2024-01-01T00:00:00",
                "files": [{"filename": "held-1.0.tar.gz", "content": "x"}]}
    pypi = serve({"projects": {
        "held": {"roles": [["Owner", "openstackci"]], "quarantined": True,
                 "releases": {"1.0": released}},
        "free": {"roles": [["Owner", "openstackci"]], "releases": {"1.0": {}}}}})
    assert requests.get(f"{pypi.url}/pypi/held/json", timeout=5).status_code == 404
    assert requests.get(f"{pypi.url}/pypi/held/1.0/json", timeout=5).status_code == 404
    simple = requests.get(f"{pypi.url}/simple/held/", headers={"Accept": SIMPLE_JSON},
                          timeout=5).json()
    assert simple["project-status"] == {"status": "quarantined"}
    assert simple["files"] == [] and simple["versions"] == []
    html = requests.get(f"{pypi.url}/simple/held/", timeout=5).text
    assert '<meta name="pypi:project-status" content="quarantined">' in html
    assert "held-1.0.tar.gz" not in html
    index = requests.get(f"{pypi.url}/simple/", headers={"Accept": SIMPLE_JSON}, timeout=5)
    assert [p["name"] for p in index.json()["projects"]] == ["free"]
    # the feed and package_roles still answer, as on the real Warehouse
    feed = requests.get(f"{pypi.url}/rss/project/held/releases.xml", timeout=5)
    assert [item.findtext("title") for item in rss_items(feed.content)[1]] == ["1.0"]
    assert package_roles(pypi.url, "held") == [["Owner", "openstackci"]]


def test_quarantined_release_is_hidden_from_the_json_and_simple_apis(serve):
    pypi = serve({"projects": {"held": {"releases": {
        "1.0": {"files": [{"filename": "held-1.0.tar.gz", "content": "x"}]},
        "2.0": {"quarantined": True,
                "files": [{"filename": "held-2.0.tar.gz", "content": "y"}]}}}}})
    document = requests.get(f"{pypi.url}/pypi/held/json", timeout=5).json()
    assert list(document["releases"]) == ["1.0"]
    assert document["info"]["version"] == "1.0"
    assert requests.get(f"{pypi.url}/pypi/held/2.0/json", timeout=5).status_code == 404
    simple = requests.get(f"{pypi.url}/simple/held/", headers={"Accept": SIMPLE_JSON},
                          timeout=5).json()
    assert [f["filename"] for f in simple["files"]] == ["held-1.0.tar.gz"]
    assert simple["project-status"] == {"status": "active"}
    feed = requests.get(f"{pypi.url}/rss/project/held/releases.xml", timeout=5)
    assert sorted(item.findtext("title") for item in rss_items(feed.content)[1]) == [
        "1.0", "2.0"]
