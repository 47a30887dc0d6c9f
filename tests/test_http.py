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

"""The HTTP client against hostile servers: answers bounded in size (after
decoding) and in wall-clock time, downloads retried in one layer, redirects
only within one origin, plain http only to loopback or when allowed."""

import gzip
import hashlib
import time
import tracemalloc
import zlib

import pytest
from ansible.module_utils.pypi_guard.audit import http_client
from ansible.module_utils.pypi_guard.cache import ConditionalCache
from ansible.module_utils.pypi_guard.errors import AuditInputError
from ansible.module_utils.pypi_guard.http import (
    FetchError,
    HttpClient,
    RedirectRefused,
    TooLarge,
    check_index_url,
    redirect_problem,
)
from ansible.module_utils.pypi_guard.pypi import fetch_json, package_roles
from ansible.module_utils.pypi_guard.pypi_release_audit import fetch_releases

from tests.support.fakepypi import FakePyPI
from tests.support.hostileserver import (
    HostileServer,
    answer,
    bomb,
    gzip_bomb,
    redirect,
    self_signed_cert,
    sequence,
    trickle,
    truncated,
)

MIB = 1024 * 1024
DOCUMENT = b'{"info": {"name": "nova"}, "releases": {}}'


def make_client(**overrides):
    settings = {"concurrency": 2, "rate_limit": 0, "timeout": 2, "retries": 0,
                "backoff": 0.01}
    settings.update(overrides)
    return HttpClient(**settings)


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


# --------------------------------------------------------------------------
# Size


@pytest.mark.parametrize("reader, path, what", [
    (lambda client, url: fetch_json(client, url, "nova"), "/pypi/nova/json", "json"),
    (lambda client, url: package_roles(client, url, "nova"), "/pypi", "xmlrpc"),
    (lambda client, url: fetch_releases(client, ConditionalCache(), url, "nova"),
     "/rss/project/nova/releases.xml", "rss"),
])
def test_a_gzip_bomb_is_refused_at_the_cap_in_bounded_memory(reader, path, what):
    body = bomb()  # about 300 KiB inflating to 300 MiB
    with HostileServer({path: body}) as server, make_client() as client:
        tracemalloc.start()
        try:
            with pytest.raises(TooLarge) as caught:
                reader(client, server.url)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    message = str(caught.value)
    assert f"{server.url}{path}" in message, what
    assert f"more than the {8 * MIB} bytes allowed (max_body_size)" in message
    assert peak < 40 * MIB, f"{what}: peak {peak / MIB:.0f} MiB"


def test_the_cap_is_configurable_and_counts_announced_and_received_bytes():
    routes = {"/announced": answer(b"x" * 2000),
              "/counted": answer(b"x" * 2000, content_length=False),
              "/fits": answer(b"x" * 1000, content_length=False)}
    with HostileServer(routes) as server, make_client(max_body_size=1000) as client:
        with pytest.raises(TooLarge, match=r"/announced: 2000 bytes, more than the 1000 "
                                           r"allowed \(max_body_size\)"):
            client.request("GET", server.url + "/announced")
        with pytest.raises(TooLarge, match=r"/counted: more than the 1000 bytes allowed"):
            client.request("GET", server.url + "/counted")
        assert client.get_body(server.url + "/fits") == (200, b"x" * 1000)
        # one attempt each: a body over the cap is not worth retrying
        assert len(server.requests) == 3


@pytest.mark.parametrize("encoding, encode", [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("gzip", lambda data: gzip.compress(data[:10]) + gzip.compress(data[10:])),  # 2 members
])
def test_compressed_bodies_under_the_cap_are_decoded(encoding, encode):
    routes = {"/pypi/nova/json": answer(encode(DOCUMENT),
                                        headers=[("Content-Encoding", encoding)])}
    with HostileServer(routes) as server, make_client() as client:
        assert fetch_json(client, server.url, "nova")["info"] == {"name": "nova"}


def test_an_unasked_for_encoding_is_an_error():
    routes = {"/x": answer(b"\x00" * 10, headers=[("Content-Encoding", "br")])}
    with HostileServer(routes) as server, make_client() as client:
        with pytest.raises(FetchError, match="encoded as 'br', not one of the gzip, deflate"):
            client.request("GET", server.url + "/x")


# --------------------------------------------------------------------------
# Time


@pytest.mark.parametrize("headers_too", [False, True])
def test_a_trickling_server_is_cut_at_the_deadline(headers_too):
    with HostileServer({"/pypi/nova/json": trickle(headers_too=headers_too)}) as server, \
            make_client(timeout=2) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 2 s after 1 attempts"):
            fetch_json(client, server.url, "nova")
        assert 1.9 <= time.monotonic() - started < 3.5


def test_every_attempt_has_its_own_deadline():
    with HostileServer({"/slow": trickle()}) as server, \
            make_client(timeout=1, retries=2) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 1 s after 3 attempts"):
            client.request("GET", server.url + "/slow")
        assert 2.9 <= time.monotonic() - started < 5
        assert len(server.requests) == 3


def test_a_download_is_cut_at_its_deadline(tmp_path):
    with HostileServer({"/f.tar.gz": trickle()}) as server, \
            make_client(timeout=30, download_timeout=2) as client:
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out after 2 s after 1 attempts"):
            client.download(server.url + "/f.tar.gz", tmp_path / "f", 1000)
        assert 1.9 <= time.monotonic() - started < 3.5


@pytest.mark.parametrize("behaviour, problem", [
    # before, the download's own loop retried over a client that retried too
    (sequence(answer(b"busy", status=503), truncated()), "HTTP 503"),
    (truncated(), "the transfer failed .*IncompleteRead"),
    (answer(b"busy", status=503), "HTTP 503"),
])
def test_a_download_makes_exactly_retries_plus_one_attempts(tmp_path, behaviour, problem):
    with HostileServer({"/f": behaviour}) as server, make_client(retries=2) as client:
        with pytest.raises(FetchError, match=f"{problem}.* after 3 attempts"):
            client.download(server.url + "/f", tmp_path / "f", 5000)
        assert len(server.requests) == 3


def test_a_download_recovers_from_a_transfer_cut_short(tmp_path):
    body = b"z" * 3000
    with HostileServer({"/f": sequence(truncated(), answer(body))}) as server, \
            make_client(retries=2) as client:
        digest = client.download(server.url + "/f", tmp_path / "f", 5000)
        assert digest == hashlib.sha256(body).hexdigest()
        assert (tmp_path / "f").read_bytes() == body
        assert len(server.requests) == 2


# --------------------------------------------------------------------------
# Redirects


def test_fake_pypi_redirects_to_the_normal_name_are_followed():
    project = {"roles": [["Owner", "openstackci"]],
               "releases": {"1.0.0": {"upload_time": "2025-01-01T00:00:00"}}}
    with FakePyPI({"projects": {"oslo.config": project}}) as pypi, make_client() as client:
        response = client.request("GET", pypi.url + "/pypi/Oslo.Config/json")
        assert response.url == pypi.url + "/pypi/oslo-config/json"
        assert response.json()["info"]["name"] == "oslo.config"


def test_a_redirect_to_another_host_is_refused(tmp_path):
    with HostileServer({"/elsewhere": answer(DOCUMENT)}) as other:
        routes = {"/pypi/nova/json": redirect(other.url + "/elsewhere"),
                  "/f": redirect(other.url + "/elsewhere", status=301)}
        with HostileServer(routes) as server, make_client(retries=2) as client:
            with pytest.raises(RedirectRefused, match=(
                    rf"GET {server.url}/pypi/nova/json: refused to follow a redirect to "
                    rf"another origin: {other.url}/elsewhere")) as caught:
                fetch_json(client, server.url, "nova")
            assert caught.value.location == other.url + "/elsewhere"
            with pytest.raises(RedirectRefused):
                client.download(server.url + "/f", tmp_path / "f", 5000)
            # not retried, and the other host never asked
            assert len(server.requests) == 2
        assert other.requests == []


def test_a_redirect_body_is_never_inflated():
    routes = {"/a": answer(gzip_bomb(), status=302, headers=[
        ("Location", "/b"), ("Content-Encoding", "gzip")]), "/b": answer(DOCUMENT)}
    with HostileServer(routes) as server, make_client() as client:
        tracemalloc.start()
        try:
            assert client.get_body(server.url + "/a") == (200, DOCUMENT)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 40 * MIB, f"peak {peak / MIB:.0f} MiB"


def test_redirects_are_returned_when_not_followed():
    with HostileServer({"/a": redirect("https://elsewhere.invalid/")}) as server, \
            make_client() as client:
        response = client.request("GET", server.url + "/a", ok_status=(302,),
                                  allow_redirects=False)
        assert response.headers["Location"] == "https://elsewhere.invalid/"


def test_https_redirects_within_the_origin_only(cert):
    with HostileServer({"/plain": answer(DOCUMENT)}) as plain:
        routes = {"/same": redirect("/target"), "/target": answer(DOCUMENT),
                  "/down": redirect(plain.url + "/plain")}
        with HostileServer(routes, tls=cert) as server, make_client() as client:
            # (per request: REQUESTS_CA_BUNDLE would override the session's)
            assert client.get_body(server.url + "/same", verify=cert[0]) == (200, DOCUMENT)
            with pytest.raises(RedirectRefused, match=(
                    rf"refused to follow a redirect from https to http: {plain.url}/plain")):
                client.request("GET", server.url + "/down", verify=cert[0])
        assert plain.requests == []


@pytest.mark.parametrize("source, target, problem", [
    ("https://pypi.org/a", "https://pypi.org/b", None),
    ("https://pypi.org/a", "https://pypi.org:443/b", None),
    ("https://pypi.org/a", "https://PyPI.org/b", None),
    ("http://127.0.0.1:8/a", "http://127.0.0.1:8/b", None),
    ("https://pypi.org/a", "http://pypi.org/a", "from https to http"),
    ("https://pypi.org/a", "https://evil.example/a", "to another origin"),
    ("https://pypi.org/a", "https://pypi.org:8443/a", "to another origin"),
    ("http://127.0.0.1:8/a", "http://127.0.0.1:9/a", "to another origin"),
])
def test_redirect_rule(source, target, problem):
    assert redirect_problem(source, target) == problem


# --------------------------------------------------------------------------
# Plain http


@pytest.mark.parametrize("url", ["https://pypi.org", "http://127.0.0.1:8080",
                                 "http://127.9.8.7/", "http://localhost:3141/",
                                 "http://[::1]:8080/"])
def test_https_and_loopback_index_urls_are_accepted(url):
    check_index_url(url)


@pytest.mark.parametrize("url, problem", [
    ("http://pypi.org", "is plain http to pypi.org, which is not a loopback address"),
    ("http://10.0.0.1:8080/", "is plain http to 10.0.0.1, which is not a loopback address"),
    ("http://localhost.evil.example/",
     "is plain http to localhost.evil.example, which is not a loopback address"),
    ("ftp://pypi.org/", "is not an http(s) URL"),
    ("pypi.org", "is not an http(s) URL"),
])
def test_a_plain_http_index_url_is_refused_before_any_request(url, problem):
    params = {"pypi_url": url, "concurrency": 1, "rate_limit": 0, "timeout": 1,
              "retries": 0, "max_retry_after": 1}
    with pytest.raises(AuditInputError) as caught:
        http_client(params)
    assert str(caught.value) == (
        f"pypi_url {url!r} {problem}: use https, or set allow_insecure_http: true (role "
        "variable pypi_guard_allow_insecure_http) to allow plain http")
    with pytest.raises(AuditInputError):
        check_index_url(url)


@pytest.mark.parametrize("option, value, message", [
    ("concurrency", 0, "concurrency must be at least 1, not 0"),
    ("max_body_size", 0, "max_body_size must be at least 1 byte, not 0"),
    ("timeout", 0, "timeout and download_timeout must be more than 0 seconds, not 0 and "),
    ("download_timeout", -1, "timeout and download_timeout must be more than 0 seconds, not "),
])
def test_a_client_setting_out_of_range_is_an_input_error(option, value, message):
    with pytest.raises(AuditInputError) as caught:
        HttpClient(**{option: value})
    assert str(caught.value).startswith(message)


def test_plain_http_is_allowed_by_the_opt_in_only():
    params = {"pypi_url": "http://mirror.example", "concurrency": 1, "rate_limit": 0,
              "timeout": 1, "retries": 0, "max_retry_after": 1, "allow_insecure_http": True}
    with http_client(params) as client:
        assert client.allow_insecure_http
    with make_client() as client:
        # a URL from the index (a file's URL, a redirect) is held to the same rule
        with pytest.raises(FetchError, match=(
                r"GET http://files.example.invalid/f: refused: the URL is plain http to "
                r"files.example.invalid, which is not a loopback address")):
            client.request("GET", "http://files.example.invalid/f")
