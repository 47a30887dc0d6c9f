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

"""The changelog watcher's state: how far the journal was handled, and the
files still waiting for their signature; where a run finds it (a file, the
last complete build of its own job through Zuul's REST API, or
``since_serial``) and the artifact that hands it to the next build."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlencode, urljoin

from ansible.module_utils.pypi_guard.audit import Params
from ansible.module_utils.pypi_guard.errors import PypiGuardError
from ansible.module_utils.pypi_guard.files import write_atomically
from ansible.module_utils.pypi_guard.http import HttpClient
from ansible.module_utils.pypi_guard.reach import parse_reach_cache
from ansible.module_utils.pypi_guard.watch_rules import PendingFile

STATE_VERSION = 1
# The name of the build artifact that holds the state, and its type.
STATE_ARTIFACT = "pypi-watch-state"
STATE_ARTIFACT_TYPE = "pypi_watch_state"
MAX_STATE_BYTES = 4 * 1024 * 1024
_PENDING_KEYS = {"project": str, "version": str, "filename": str, "serial": int,
                 "timestamp": int, "action": str, "upload_time": int}


class StateError(PypiGuardError, ValueError):
    """A state that cannot be used: a run from it could miss or repeat events."""


@dataclass
class WatchState:
    serial: int
    pending: list[PendingFile]
    reach: dict[str, Any] | None = None  # the release account's reach, kept an hour
    # where it was read from (a file, a Zuul build), for the report; not kept
    source: str | None = field(default=None, compare=False)

    def as_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"version": STATE_VERSION, "serial": self.serial,
                                 "pending": sorted(self.pending, key=lambda p: p["serial"])}
        if self.reach is not None:
            state["reach"] = self.reach
        return state


def parse_state(data: object, source: str) -> WatchState:
    """A :class:`WatchState` from its JSON form, checked; ``source`` names
    where it came from in the errors."""
    def fail(problem: str) -> NoReturn:
        raise StateError(f"{source}: {problem}: fix or remove it, or set "
                         "pypi_watch_since_serial")
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
        fail(f"not a pypi-watch state of version {STATE_VERSION}")
    serial = data.get("serial")
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 0:
        fail(f"'serial' is not a serial: {serial!r:.100}")
    pending = data.get("pending")
    if not isinstance(pending, list):
        fail("'pending' is not a list")
    for index, item in enumerate(pending):
        if not isinstance(item, dict) or set(item) != set(_PENDING_KEYS) or not all(
                isinstance(item[key], kind) and not isinstance(item[key], bool)
                for key, kind in _PENDING_KEYS.items()):
            fail(f"'pending[{index}]' is not a pending signature check: {item!r:.200}")
    return WatchState(serial, pending, parse_reach_cache(data.get("reach")), source=source)


def _json(raw: bytes, where: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise StateError(f"{where}: not JSON ({exc})") from exc


def read_state_file(path: str) -> WatchState | None:
    """The state kept in ``path``, or None when there is no such file."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_STATE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"{path}: cannot read the state: {exc}") from exc
    if len(raw) > MAX_STATE_BYTES:
        raise StateError(f"{path}: more than {MAX_STATE_BYTES} bytes: not a pypi-watch state")
    return parse_state(_json(raw, path), path)


def write_state_file(path: str, state: WatchState) -> None:
    write_atomically({path: json.dumps(state.as_dict(), indent=1) + "\n"})


@dataclass(frozen=True)
class ZuulBuild:
    """Which builds may hand the state on: those of this job, for this
    project, in this pipeline, on this branch (the running build's own)."""

    api_url: str
    job_name: str
    project: str
    pipeline: str
    branch: str

    def query(self, limit: int) -> str:
        return f"{self.api_url.rstrip('/')}/builds?" + urlencode({
            "job_name": self.job_name, "project": self.project, "pipeline": self.pipeline,
            "branch": self.branch, "complete": "true", "limit": limit})

    def mismatch(self, build: object) -> str | None:
        """Why ``build`` (one of the API's answer) is not one of ours, or None."""
        if not isinstance(build, dict):
            return "not a build"
        ref = build.get("ref")
        if not isinstance(ref, dict):
            ref = {}
        found = {"job_name": build.get("job_name"), "project": ref.get("project"),
                 "pipeline": build.get("pipeline"), "branch": ref.get("branch")}
        wrong = [f"{key} {value!r:.80}" for key, value in found.items()
                 if value != getattr(self, key)]
        if build.get("result") is None or build.get("end_time") is None:
            wrong.append("not complete")
        return ", ".join(wrong) or None

    def describe(self) -> str:
        return (f"{self.job_name} in {self.pipeline} for {self.project} on {self.branch}")


def zuul_state(client: HttpClient, build: ZuulBuild,
               limit: int = 20) -> tuple[WatchState, str] | None:
    """``(state, uuid)`` of the newest complete build of ``build`` (a
    :class:`ZuulBuild`) that returned a state, read through Zuul's REST
    API; None when none of the last ``limit`` did.

    Only the running build's own job, project, pipeline and branch count
    (the API's filters, and each answer's fields checked again: an answer
    with any other build is an error): a build of the job in another
    pipeline, for another project or from a proposed change never hands
    its state on.  Not only successful builds: a build that found
    something fails after mailing it, and its state is the one that says
    so.  A build that could not deliver its alerts returns no state, so the
    one before it is used.  A state artifact that cannot be read is an
    error, never skipped.
    """
    url = build.query(limit)
    response = client.request("GET", url, headers={"Accept": "application/json"})
    builds = _json(response.content, f"GET {url}")
    if not isinstance(builds, list):
        raise StateError(f"GET {url}: not a list of builds")
    for found in builds:
        wrong = build.mismatch(found)
        if wrong:
            uuid = found.get("uuid") if isinstance(found, dict) else None
            raise StateError(f"GET {url}: the answer holds build {uuid!r:.60}, not a "
                             f"complete build of {build.describe()} ({wrong}): refusing "
                             "its state")
        artifacts = found.get("artifacts")
        for artifact in artifacts if isinstance(artifacts, list) else []:
            if not isinstance(artifact, dict) or artifact.get("name") != STATE_ARTIFACT:
                continue
            location = artifact.get("url")
            if not isinstance(location, str) or not location:
                raise StateError(f"GET {url}: build {found.get('uuid')}'s state artifact "
                                 "has no URL")
            location = urljoin(found.get("log_url") or url, location)
            data = _json(client.request("GET", location).content, f"GET {location}")
            uuid = str(found.get("uuid"))
            return parse_state(data, f"the state of build {uuid} ({location})"), uuid
    return None


def check_serial(state: WatchState, last: int, where: str) -> WatchState:
    """Refuse a state ahead of PyPI's journal: it would skip events never read."""
    if state.serial > last:
        raise StateError(f"{where}: serial {state.serial} is above PyPI's "
                         f"changelog_last_serial {last}: refusing it (it would skip every "
                         "event up to it)")
    return state


def initial_state(params: Params, client: HttpClient, last: int) -> tuple[WatchState, str]:
    """``(state, how it was found)``: the state file, the state of the last
    complete build of the running build's own job, project, pipeline and
    branch, or ``since_serial``; anything else is an error (StateError).
    Whatever its source, a state above ``last``, PyPI's
    ``changelog_last_serial``, is refused."""
    if params["state_file"]:
        state = read_state_file(params["state_file"])
        if state is not None:
            where = f"state file {params['state_file']}"
            return check_serial(state, last, where), where
    looked = []
    if params["zuul_api"]:
        if not params["zuul_build"]:
            raise StateError("zuul_api needs zuul_build: which builds may hand the state on")
        running = params["zuul_build"]
        build = ZuulBuild(params["zuul_api"], running["job_name"], running["project"],
                          running["pipeline"], running["branch"])
        found = zuul_state(client, build)
        if found is not None:
            state, uuid = found
            where = f"the state of build {uuid} ({build.describe()})"
            return check_serial(state, last, where), where
        looked.append(f"the last complete builds of {build.describe()}")
    if params["since_serial"] is not None:
        state = WatchState(params["since_serial"], [])
        where = f"no state: after serial {params['since_serial']} (since_serial)"
        return check_serial(state, last, "since_serial"), where
    if params["state_file"]:
        looked.insert(0, f"state file {params['state_file']}")
    raise StateError(
        f"no trusted state found (looked in: {'; '.join(looked) or 'nowhere'}): nothing "
        "says where the last run stopped. For the first run, set pypi_watch_since_serial "
        "on the trusted job (e.g. PyPI's current changelog_last_serial)")


def state_artifacts(params: Params, state: dict[str, Any], check_mode: bool) -> list[
        dict[str, Any]]:
    """The artifact list for ``zuul_return`` that hands ``state`` (its JSON
    form) to the next build: only under Zuul (``zuul_build`` set) when the
    run wrote a state file, which the role keeps at the root of the build's
    logs (the artifact's URL is relative to them); else empty."""
    if check_mode or not state or not params["zuul_build"] or not params["state_file"]:
        return []
    return [{"name": STATE_ARTIFACT, "url": os.path.basename(params["state_file"]),
             "metadata": {"type": STATE_ARTIFACT_TYPE, "serial": state["serial"]}}]
