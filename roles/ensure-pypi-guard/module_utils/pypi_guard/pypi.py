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

"""Reading PyPI (Warehouse): the JSON API, the XML-RPC ``package_roles`` and
``user_packages``, and the simple API's project status (PEP 792), which tells
a quarantined project from an unknown one."""

from __future__ import annotations

import re
import xmlrpc.client
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient
from ansible.module_utils.pypi_guard.names import normalize_name
from defusedxml.xmlrpc import DefusedExpatParser

_RATE_LIMIT_FAULT = re.compile(r"TooManyRequests.*?(?:reset in (\d+) seconds)?\.?$", re.S)
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_HTML_STATUS = re.compile(r'<meta\s+name="pypi:project-status"\s+content="([^"]*)"', re.I)


def json_url(pypi_url: str, name: str) -> str:
    """The JSON API URL of a project, by its normal name (PyPI redirects others)."""
    return f"{pypi_url.rstrip('/')}/pypi/{quote(normalize_name(name))}/json"


def project_url(pypi_url: str, name: str) -> str:
    return f"{pypi_url.rstrip('/')}/project/{quote(normalize_name(name))}/"


def simple_url(pypi_url: str, name: str) -> str:
    return f"{pypi_url.rstrip('/')}/simple/{quote(normalize_name(name))}/"


class ProjectQuarantined(FetchError):
    """PyPI's administrators quarantined the project: Warehouse hides it from
    the JSON API (404) and its files from the simple API, while its RSS feed,
    its simple page and ``package_roles`` still answer."""

    def __init__(self, pypi_url: str, name: str) -> None:
        super().__init__(
            f"{name} is quarantined on PyPI ({simple_url(pypi_url, name)} says "
            "project-status quarantined): its JSON API answers 404 and its files are "
            "hidden, so none of it could be checked; read PyPI's notice and check every "
            "file once PyPI's administrators clear it")


def project_status(client: HttpClient, pypi_url: str, name: str) -> str | None:
    """The project's status on the simple API (PEP 792: ``active``,
    ``quarantined``, ``archived``, ``deprecated``), ``active`` when the index
    does not say, or None when the index does not know the project."""
    url = simple_url(pypi_url, name)
    response = client.request("GET", url, ok_status=(200, 404),
                              headers={"Accept": f"{SIMPLE_JSON}, text/html;q=0.1"})
    if response.status_code == 404:
        return None
    if (response.headers.get("content-type") or "").startswith(SIMPLE_JSON):
        try:
            status = response.json().get("project-status", {}).get("status", "active")
        except (ValueError, AttributeError, RecursionError) as exc:
            raise FetchError(f"GET {url}: not a simple API page ({exc})") from exc
    else:
        found = _HTML_STATUS.search(response.text)
        status = found.group(1) if found else "active"
    if not isinstance(status, str):
        raise FetchError(f"GET {url}: project-status is not a string")
    return status


def release_hidden(client: HttpClient, pypi_url: str, name: str, version: str) -> bool:
    """Whether the JSON API answers 404 for the release ``version``, which
    Warehouse does for a quarantined release (a project's JSON document
    merely out of date, behind a cache, still shows it here)."""
    url = (f"{pypi_url.rstrip('/')}/pypi/{quote(normalize_name(name))}/"
           f"{quote(version, safe='', errors='surrogatepass')}/json")
    response = client.request("GET", url, ok_status=(200, 404),
                              headers={"Accept": "application/json"})
    return response.status_code == 404


def raise_if_quarantined(client: HttpClient, pypi_url: str, name: str) -> None:
    """After a 404 from the JSON API: raise :class:`ProjectQuarantined` when
    the simple API says the project is quarantined."""
    if project_status(client, pypi_url, name) == "quarantined":
        raise ProjectQuarantined(pypi_url, name)


def parse_xmlrpc_response(body: bytes) -> Any:
    """Unmarshal an XML-RPC answer with a parser that refuses entity tricks.

    Returns the result, or raises ``xmlrpc.client.Fault``; anything that is
    not XML-RPC raises :class:`FetchError`.
    """
    unmarshaller = xmlrpc.client.Unmarshaller()
    parser = DefusedExpatParser(unmarshaller)
    try:
        parser.feed(body)
        parser.close()
        result = unmarshaller.close()
    except xmlrpc.client.Fault:
        raise
    except Exception as exc:  # expat, defusedxml and unmarshaller errors alike
        raise FetchError(f"not a valid XML-RPC answer ({exc})") from exc
    return result[0] if len(result) == 1 else result


def xmlrpc_throttle_seconds(response: requests.Response) -> float | None:
    """Seconds to wait when Warehouse answered the XML-RPC rate-limit fault."""
    if b"TooManyRequests" not in response.content:
        return None
    try:
        parse_xmlrpc_response(response.content)
    except xmlrpc.client.Fault as fault:
        match = _RATE_LIMIT_FAULT.search(fault.faultString or "")
        if match:
            return float(match.group(1) or 60)
    except FetchError:
        return None
    return None


def _xmlrpc_pairs(client: HttpClient, pypi_url: str, method: str,
                  argument: str) -> list[list[str]]:
    """Call an XML-RPC ``method(argument)`` of Warehouse that answers a list
    of string pairs; any other answer, a fault or a transport error is a
    FetchError naming the call."""
    url = f"{pypi_url.rstrip('/')}/pypi"
    body = xmlrpc.client.dumps((argument,), method)
    call = f"XML-RPC {method}({argument!r})"
    response = client.request(
        "POST", url, data=body.encode("utf-8"), headers={"Content-Type": "text/xml"},
        throttled=xmlrpc_throttle_seconds)
    try:
        pairs = parse_xmlrpc_response(response.content)
    except xmlrpc.client.Fault as fault:
        raise FetchError(f"{call}: fault {fault.faultCode}: {fault.faultString}") from fault
    except FetchError as exc:
        raise FetchError(f"{call}: {exc}") from exc
    if not isinstance(pairs, list) or not all(
            isinstance(r, list) and len(r) == 2 and all(isinstance(x, str) for x in r)
            for r in pairs):
        raise FetchError(f"{call}: unexpected answer {pairs!r:.200}")
    return pairs


def package_roles(client: HttpClient, pypi_url: str, name: str) -> list[list[str]]:
    """``[[role, user], ...]`` from the deprecated XML-RPC ``package_roles``."""
    return _xmlrpc_pairs(client, pypi_url, "package_roles", name)


def user_packages(client: HttpClient, pypi_url: str, user: str) -> list[list[str]]:
    """``[[role, project], ...]``: every project on which ``user`` holds a
    role, from XML-RPC ``user_packages``, which Warehouse lists as
    "unsupported, will be deprecated": the one place that calls it (the day
    it is gone, doc/source/managed-set.rst says what to do)."""
    return _xmlrpc_pairs(client, pypi_url, "user_packages", user)


def json_document(response: requests.Response) -> dict[str, Any]:
    """The JSON API document of a response, checked for its outer shape."""
    try:
        data = response.json()
    except (ValueError, RecursionError) as exc:
        raise FetchError(f"GET {response.url}: malformed JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        raise FetchError(f"GET {response.url}: JSON without an 'info' object")
    return data


def fetch_json(client: HttpClient, pypi_url: str, name: str) -> dict[str, Any] | None:
    """The project's JSON document, or None when PyPI does not know the project
    (or it has no release).  Raises :class:`ProjectQuarantined` when the JSON
    API's 404 hides a quarantined project."""
    response = client.request("GET", json_url(pypi_url, name), ok_status=(200, 404),
                              headers={"Accept": "application/json"})
    if response.status_code == 404:
        raise_if_quarantined(client, pypi_url, name)
        return None
    return json_document(response)


@dataclass
class ProjectOwnership:
    """Who can upload to one project, as PyPI says."""

    name: str
    exists: bool
    roles: list[Sequence[str]] = field(default_factory=list)  # [(role, user)]
    organization: str | None = None
    source: str = "json"  # where the roles came from: "json" or "package_roles"


def _roles_from_ownership(ownership: dict[str, Any],
                          url: str) -> tuple[list[Sequence[str]], str | None]:
    roles = ownership.get("roles")
    if not isinstance(roles, list):
        raise FetchError(f"GET {url}: 'ownership.roles' is not a list")
    result: list[Sequence[str]] = []
    for entry in roles:
        if not (isinstance(entry, dict) and isinstance(entry.get("role"), str)
                and isinstance(entry.get("user"), str)):
            raise FetchError(f"GET {url}: unexpected role entry {entry!r:.200}")
        result.append((entry["role"], entry["user"]))
    organization = ownership.get("organization")
    if organization is not None and not isinstance(organization, str):
        raise FetchError(f"GET {url}: 'ownership.organization' is not a string")
    return result, organization


def fetch_ownership(client: HttpClient, pypi_url: str, name: str) -> ProjectOwnership:
    """Roles and organization of a project.

    The JSON API's ``ownership`` key is the source; XML-RPC ``package_roles``
    only answers when it is absent.  A 404 from the JSON API also happens for
    a project without releases, so the roles decide whether it exists.
    """
    data = fetch_json(client, pypi_url, name)
    if data is not None and "ownership" in data:
        if not isinstance(data["ownership"], dict):
            raise FetchError(f"GET {json_url(pypi_url, name)}: 'ownership' is not an object")
        roles, organization = _roles_from_ownership(data["ownership"], json_url(pypi_url, name))
        return ProjectOwnership(name, True, roles, organization, "json")
    roles = [tuple(role) for role in package_roles(client, pypi_url, name)]
    return ProjectOwnership(name, data is not None or bool(roles), roles, None, "package_roles")
