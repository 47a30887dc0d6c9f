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

"""Small but valid Python dists (sdist and wheel), written by hand.

``python -m build`` is not available to the tests and would be slow; these
files are what twine needs: ``twine check`` passes on them and an index
accepts them.  ``git_repo`` makes the checkout a release is built from.
"""

import base64
import hashlib
import io
import os
import re
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path


def _metadata(name, version, description, content_type):
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        "Summary: A throwaway package for the pypi-guard tests\n"
        "License: Apache-2.0\n"
        f"Description-Content-Type: {content_type}\n"
        "\n"
        f"{description}\n"
    )


def _snake(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _add(tar, path, text):
    data = text.encode()
    info = tarfile.TarInfo(path)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def make_sdist(directory, name, version="1.0.0", description="A throwaway package.",
               content_type="text/plain"):
    """Write ``<name>-<version>.tar.gz`` (PEP 625 name) into ``directory``."""
    base = f"{_snake(name)}-{version}"
    path = Path(directory) / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        _add(tar, f"{base}/PKG-INFO", _metadata(name, version, description, content_type))
        _add(tar, f"{base}/pyproject.toml",
             f'[project]\nname = "{name}"\nversion = "{version}"\n')
        _add(tar, f"{base}/{_snake(name)}/__init__.py", f'__version__ = "{version}"\n')
    return path


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def make_wheel(directory, name, version="1.0.0", description="A throwaway package.",
               content_type="text/plain", tag="py3-none-any"):
    """Write ``<name>-<version>-<tag>.whl`` into ``directory``."""
    snake = _snake(name)
    info = f"{snake}-{version}.dist-info"
    files = {
        f"{snake}/__init__.py": f'__version__ = "{version}"\n'.encode(),
        f"{info}/METADATA": _metadata(name, version, description, content_type).encode(),
        f"{info}/WHEEL": (b"Wheel-Version: 1.0\nGenerator: pypi-guard-tests\n"
                          b"Root-Is-Purelib: true\nTag: " + tag.encode() + b"\n"),
    }
    record = [_record_line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = Path(directory) / f"{snake}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for member, data in files.items():
            wheel.writestr(member, data)
    return path


def make_release(directory, name, version="1.0.0", **kwargs):
    """An sdist and a wheel of ``name`` ``version``; returns both paths."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    return [make_sdist(directory, name, version, **kwargs),
            make_wheel(directory, name, version, **kwargs)]


GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}


def git_repo(path):
    """A checkout with one commit; returns its commit id."""
    path.mkdir(parents=True)
    (path / "README").write_text("x\n")
    env = dict(os.environ, **GIT_ENV)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", "-C", str(path), *args], check=True, env=env,
                       capture_output=True)
    return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True,
                          capture_output=True, text=True).stdout.strip()
