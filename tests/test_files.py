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


import os

import pytest
from ansible.module_utils.pypi_guard.files import open_new, write_atomically


def test_a_failed_write_leaves_every_file_as_it_was(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "a.html"
    first.write_text("old json")
    second.write_text("old html")
    with pytest.raises(UnicodeEncodeError):  # the second cannot be written
        write_atomically({first: "new json", second: "half \ud800 a surrogate"})
    assert first.read_text() == "old json" and second.read_text() == "old html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.json"]


def test_bytes_and_mode(tmp_path):
    target = tmp_path / "x.asc"
    write_atomically({target: b"-----BEGIN PGP SIGNATURE-----"}, mode=0o600)
    assert target.read_bytes() == b"-----BEGIN PGP SIGNATURE-----"
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_a_failed_second_rename_puts_the_first_file_back(tmp_path, fail_replace):
    first, second = tmp_path / "a.json", tmp_path / "a.html"
    first.write_text("old json")
    second.write_text("old html")
    first.chmod(0o640)
    calls = fail_replace(2)
    with pytest.raises(OSError, match="No space left on device"):
        write_atomically({first: "new json", second: "new html"})
    assert len(calls) == 3  # first, second (failed), first put back
    assert first.read_text() == "old json" and second.read_text() == "old html"
    assert oct(first.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.json"]


def test_a_failed_second_rename_removes_a_new_first_file(tmp_path, fail_replace):
    fail_replace(2)
    with pytest.raises(OSError):
        write_atomically({tmp_path / "a.json": "new json", tmp_path / "a.html": "new html"})
    assert list(tmp_path.iterdir()) == []


def test_open_new_makes_a_private_file(tmp_path):
    with open_new(str(tmp_path / "dist.whl")) as stream:
        stream.write(b"data")
    assert (tmp_path / "dist.whl").read_bytes() == b"data"
    assert oct((tmp_path / "dist.whl").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("existing", ["file", "symlink"])
def test_open_new_never_reuses_what_is_there(tmp_path, existing):
    target, elsewhere = tmp_path / "dist.whl", tmp_path / "elsewhere"
    elsewhere.write_bytes(b"keep")
    if existing == "file":
        target.write_bytes(b"keep")
    else:
        os.symlink(elsewhere, target)
    with pytest.raises(FileExistsError):
        open_new(str(target))
    assert elsewhere.read_bytes() == b"keep"
