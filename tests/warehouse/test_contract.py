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

"""Contract tests: the same requests to the fake PyPI (tests/support/fakepypi.py) and
to the real Warehouse give the same shapes (keys, types, status codes), so
that the fake, which the unit and functional tests trust, cannot drift from
the real server.  A difference fails naming the field.

The fake is given the state the real one has (one project, one release with
an sdist and a wheel, uploaded by the release account), read back from it.
"""

import subprocess
import sys
import xmlrpc.client
from pathlib import Path

import pytest
import requests
from defusedxml import ElementTree

from tests.support import dists
from tests.support.fakepypi import FakePyPI
from tests.warehouse.conftest import CONTRACT_ACCOUNT

PROJECT = "pg-contract"
VERSION = "1.0.0"
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
TWINE = str(Path(sys.executable).parent / "twine")


def shape(value):
    """The shape of a JSON value: the same structure with each leaf replaced
    by its type's name (a list by the shapes of its items, merged)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged = {}
        for item in value:
            merged.update({repr(shape(item)): shape(item)})
        return list(merged.values())
    if value is None:
        return "null"
    return type(value).__name__


def differences(real, fake, where="$"):
    """One line per field whose shape differs, naming the field."""
    if isinstance(real, dict) and isinstance(fake, dict):
        lines = [f"{where}.{key}: only the real Warehouse has it" for key in real
                 if key not in fake]
        lines += [f"{where}.{key}: only the fake has it" for key in fake if key not in real]
        for key in real.keys() & fake.keys():
            lines += differences(real[key], fake[key], f"{where}.{key}")
        return lines
    if isinstance(real, list) and isinstance(fake, list):
        lines = []
        for index, (one, other) in enumerate(zip(real, fake, strict=False)):
            lines += differences(one, other, f"{where}[{index}]")
        return lines
    if real != fake and "null" not in (real, fake):
        return [f"{where}: the real Warehouse gives {real}, the fake {fake}"]
    return []


@pytest.fixture(scope="module")
def pair(warehouse, accounts, workdir):
    """(real base URL, fake PyPI) in the same state."""
    directory = workdir / "dists" / PROJECT
    sdist, wheel = dists.make_release(directory, PROJECT, VERSION)
    uploaded = upload(warehouse, accounts[CONTRACT_ACCOUNT].tokens["release"], sdist, wheel)
    assert uploaded.returncode == 0, uploaded.stdout + uploaded.stderr
    document = requests.get(f"{warehouse.url}/pypi/{PROJECT}/json", timeout=30).json()
    files = [{"filename": entry["filename"],
              "content": (directory / entry["filename"]).read_bytes(),
              "upload_time": entry["upload_time_iso_8601"].rstrip("Z")}
             for entry in document["urls"]]
    scenario = {"projects": {PROJECT: {
        "roles": [[role["role"], role["user"]] for role in document["ownership"]["roles"]],
        "info": {key: document["info"][key] for key in ("summary", "author_email")},
        "releases": {VERSION: {"files": files}}}},
        "changelog": {"entries": [
            [PROJECT, None, 1767225600, "create"],
            [PROJECT, None, 1767225600, f"add Owner {CONTRACT_ACCOUNT}"],
            [PROJECT, VERSION, 1767225600, "new release"]]}}
    with FakePyPI(scenario) as fake:
        yield warehouse.url, fake


def upload(warehouse, token, *paths):
    return subprocess.run(
        [TWINE, "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", f"{warehouse.url}/legacy/", "-u", "__token__", "-p", token,
         *map(str, paths)], capture_output=True, text=True, timeout=120, check=False)


def both(pair, path, **kwargs):
    real, fake = pair
    return (requests.get(real + path, timeout=30, **kwargs),
            requests.get(fake.url + path, timeout=30, **kwargs))


def assert_same_shape(real, fake, what):
    found = differences(shape(real), shape(fake))
    assert not found, f"{what}:\n" + "\n".join(found)


@pytest.mark.parametrize("path", [f"/pypi/{PROJECT}/json", f"/pypi/{PROJECT}/{VERSION}/json"])
def test_json_pages_with_ownership(pair, path):
    real, fake = both(pair, path)
    assert (real.status_code, fake.status_code) == (200, 200)
    assert real.headers["Content-Type"] == fake.headers["Content-Type"]
    assert_same_shape(real.json(), fake.json(), path)


def test_json_not_found(pair):
    real, fake = both(pair, "/pypi/pg-nobody-has-this/json")
    assert (real.status_code, fake.status_code) == (404, 404)
    assert real.json() == fake.json()


def test_simple_api(pair):
    headers = {"Accept": SIMPLE_JSON}
    real, fake = both(pair, f"/simple/{PROJECT}/", headers=headers)
    assert (real.status_code, fake.status_code) == (200, 200)
    assert real.headers["Content-Type"] == fake.headers["Content-Type"]
    assert_same_shape(real.json(), fake.json(), "simple JSON")
    real, fake = both(pair, "/simple/pg-nobody-has-this/", headers=headers)
    assert (real.status_code, fake.status_code) == (404, 404)


def rss_shape(body):
    root = ElementTree.fromstring(body)
    channel = root.find("channel")
    return {"root": root.tag, "channel": sorted(child.tag for child in channel
                                                if child.tag != "item"),
            "item": sorted({child.tag for item in channel.findall("item") for child in item})}


def test_rss_feeds(pair):
    for path in (f"/rss/project/{PROJECT}/releases.xml", "/rss/updates.xml"):
        real, fake = both(pair, path)
        assert (real.status_code, fake.status_code) == (200, 200), path
        assert rss_shape(real.content) == rss_shape(fake.content), path
    real, fake = both(pair, "/rss/project/pg-nobody-has-this/releases.xml")
    assert (real.status_code, fake.status_code) == (404, 404)


@pytest.mark.parametrize("method, params", [
    ("changelog_last_serial", ()),
    ("changelog_since_serial", (0,)),
    ("package_roles", (PROJECT,)),
    ("package_roles", ("pg-nobody-has-this",)),
    ("user_packages", (CONTRACT_ACCOUNT,)),
])
def test_xmlrpc(pair, method, params):
    real_url, fake = pair
    answers = []
    for url in (real_url, fake.url):
        try:
            answers.append(getattr(xmlrpc.client.ServerProxy(f"{url}/pypi"), method)(*params))
        except xmlrpc.client.Fault as fault:
            answers.append(f"fault {fault.faultCode}")
    real, fake_answer = answers
    assert_same_shape(real, fake_answer, f"{method}{params}")
    if method == "changelog_since_serial":
        for row in real:
            assert len(row) == 5 and isinstance(row[4], int), row


def test_upload_answers(warehouse, accounts, workdir):
    """What twine meets on the real Warehouse: success; the same file again,
    which Warehouse accepts without a change (200, as pypiserver does not); a
    file of the same name with other bytes (400, "File already exists"); a
    bad token (403).  The upload role reads these through twine's output."""
    directory = workdir / "dists" / "pg-contract-upload"
    sdist, _wheel = dists.make_release(directory, "pg-contract-upload", VERSION)
    token = accounts[CONTRACT_ACCOUNT].tokens["release"]
    first = upload(warehouse, token, sdist)
    assert first.returncode == 0, first.stdout + first.stderr
    same = upload(warehouse, token, sdist)
    assert same.returncode == 0, same.stdout + same.stderr
    (workdir / "dists" / "pg-contract-rebuilt").mkdir(parents=True)
    rebuilt = dists.make_sdist(workdir / "dists" / "pg-contract-rebuilt",
                               "pg-contract-upload", VERSION, description="Rebuilt.")
    assert rebuilt.name == sdist.name
    again = upload(warehouse, token, rebuilt)
    assert again.returncode != 0
    assert "400" in again.stdout + again.stderr
    assert "File already exists" in again.stdout + again.stderr
    refused = upload(warehouse, "pypi-not-a-token", sdist)
    assert refused.returncode != 0
    assert "403" in refused.stdout + refused.stderr
