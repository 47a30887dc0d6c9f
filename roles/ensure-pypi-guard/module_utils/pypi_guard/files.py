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

"""Local files written so that a reader never sees half of them."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from typing import IO

PathLike = str | os.PathLike[str]


def open_new(path: str) -> IO[bytes]:
    """A new file opened for writing, mode 0600; an existing file or a
    symbolic link at ``path`` is an error (``FileExistsError``), never
    followed or overwritten."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def write_atomically(contents_by_path: Mapping[PathLike, str | bytes], mode: int = 0o644) -> None:
    """Write several files (text or bytes): either every one is replaced or
    none changes.

    Everything is encoded and written to temporary siblings (fsynced) before
    any file is touched. Each file a later rename could still leave behind is
    copied aside first; when a rename fails, the files already replaced get
    their previous content back (or are removed when they were new).
    """
    encoded = [(os.fspath(path), contents if isinstance(contents, bytes)
                else contents.encode("utf-8"))
               for path, contents in contents_by_path.items()]
    temporaries: list[str] = []
    staged: list[tuple[str, str]] = []
    previous: dict[str, str] = {}
    replaced: list[str] = []
    try:
        for path, data in encoded:
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            temporary = _temporary_sibling(directory, temporaries)
            with open(temporary, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, mode)
            staged.append((temporary, path))
        for _temporary, path in staged[:-1]:  # the last rename is all or nothing
            if os.path.lexists(path):
                previous[path] = _temporary_sibling(os.path.dirname(os.path.abspath(path)),
                                                    temporaries)
                shutil.copy2(path, previous[path])
        for temporary, path in staged:
            os.replace(temporary, path)
            replaced.append(path)
    except BaseException:
        for path in reversed(replaced):
            if path in previous:
                os.replace(previous[path], path)
            else:
                os.unlink(path)
        raise
    finally:
        for temporary in temporaries:
            if os.path.lexists(temporary):
                os.unlink(temporary)


def _temporary_sibling(directory: str, temporaries: list[str]) -> str:
    """A new empty file in ``directory``, remembered in ``temporaries``."""
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    os.close(fd)
    temporaries.append(temporary)
    return temporary
