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

"""Conditional GETs backed by a cache directory from an earlier run.

Each URL's validators (``ETag``, ``Last-Modified``) are kept beside what was
extracted from its body, so a repeat run sends ``If-None-Match`` /
``If-Modified-Since`` and an unchanged resource costs a 304 and no body.
Only the extracted value is kept, never the raw body: a project's whole JSON
document can weigh megabytes, its summary a few kilobytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from typing import Any, cast

import requests
from ansible.module_utils.pypi_guard.files import write_atomically
from ansible.module_utils.pypi_guard.http import FetchError, HttpClient

CACHE_FORMAT = 1


class ConditionalCache:
    """A cache directory, or a pass-through when ``directory`` is empty."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = directory
        if directory:
            os.makedirs(directory, mode=0o755, exist_ok=True)

    def _path(self, url: str) -> str:
        return os.path.join(cast(str, self.directory),
                            hashlib.sha256(url.encode()).hexdigest() + ".json")

    def _load(self, url: str) -> dict[str, Any] | None:
        if not self.directory:
            return None
        try:
            with open(self._path(url), encoding="utf-8") as stream:
                entry: dict[str, Any] = json.load(stream)
        except (OSError, ValueError):
            return None  # absent or damaged: fetch it whole
        if entry.get("format") != CACHE_FORMAT or entry.get("url") != url:
            return None
        return entry

    def _store(self, url: str, response: requests.Response, value: Any) -> None:
        if not self.directory:
            return
        entry = {"format": CACHE_FORMAT, "url": url, "etag": response.headers.get("ETag"),
                 "last_modified": response.headers.get("Last-Modified"), "value": value}
        if entry["etag"] or entry["last_modified"]:
            write_atomically({self._path(url): json.dumps(entry)})

    def get(self, client: HttpClient, url: str, extract: Callable[[requests.Response], Any],
            ok_status: Iterable[int] = (200,),
            headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """``(status, value)``: ``extract(response)`` of a fresh answer, or the
        cached value when the index answered 304.

        Statuses other than 200/304 in ``ok_status`` come back with value None.
        """
        entry = self._load(url)
        request_headers = dict(headers or {})
        if entry:
            if entry.get("etag"):
                request_headers["If-None-Match"] = entry["etag"]
            if entry.get("last_modified"):
                request_headers["If-Modified-Since"] = entry["last_modified"]
        response = client.request("GET", url, ok_status=tuple(ok_status) + (304,),
                                  headers=request_headers)
        if response.status_code == 304:
            if entry is None:
                raise FetchError(f"GET {url}: 304 Not Modified to an unconditional request")
            return 200, entry["value"]
        if response.status_code != 200:
            return response.status_code, None
        value = extract(response)
        self._store(url, response, value)
        return 200, value
