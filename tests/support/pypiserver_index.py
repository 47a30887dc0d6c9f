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

"""A real pypiserver on 127.0.0.1 that authenticates every action, for the
signed-upload tests and the demo."""

import subprocess
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.processes import free_port

with warnings.catch_warnings():
    # passlib imports the deprecated crypt module; not our concern here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from passlib.apache import HtpasswdFile


@dataclass
class Index:
    url: str
    packages: Path
    username: str
    password: str
    token: str

    def snapshot(self):
        """Every file the index stores, with its size and mtime."""
        return {p.name: (p.stat().st_size, p.stat().st_mtime_ns)
                for p in self.packages.iterdir() if p.is_file()}

    def download(self, name):
        response = requests.get(f"{self.url}/packages/{name}", timeout=30,
                                auth=(self.username, self.password))
        response.raise_for_status()
        return response.content

    def pypi_info(self, **overrides):
        info = {"username": self.username, "password": self.password,
                "repository": "guard-test", "repository_url": self.url + "/"}
        info.update(overrides)
        return {k: v for k, v in info.items() if v is not None}


class PyPIServer:
    """``with PyPIServer(root, user, password, token) as index:`` an :class:`Index`."""

    def __init__(self, root, username, password, token):
        self.root = Path(root)
        self.username, self.password, self.token = username, password, token
        self.process = None
        self.log = None

    def __enter__(self):
        packages = self.root / "packages"
        packages.mkdir(parents=True, exist_ok=True)
        # sha512_crypt: passlib's bcrypt support breaks with bcrypt 4.1 and newer.
        htpasswd = HtpasswdFile(str(self.root / "htpasswd"), new=True,
                                default_scheme="sha512_crypt")
        htpasswd.set_password(self.username, self.password)
        htpasswd.set_password("__token__", self.token)
        htpasswd.save()
        port = free_port()
        self.log = open(self.root / "server.log", "w")  # noqa: SIM115 - closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pypiserver", "run", "-p", str(port), "-i", "127.0.0.1",
             "-P", str(self.root / "htpasswd"), "-a", "update,download,list",
             "--disable-fallback", str(packages)],
            stdout=self.log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/health", timeout=1)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("pypiserver did not start:\n"
                                       + (self.root / "server.log").read_text()) from None
                time.sleep(0.1)
        return Index(url=url, packages=packages, username=self.username,
                     password=self.password, token=self.token)

    def __exit__(self, *exc_info):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        if self.log:
            self.log.close()
