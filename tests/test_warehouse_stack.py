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

"""tests/warehouse/stack.py without starting Warehouse: a machine that cannot
run it fails in one line naming what is missing, and the cache key follows
the Warehouse commit and its requirements."""

import subprocess
import sys

import pytest

from tests.support import ROOT
from tests.warehouse import stack


def fake_source(root, commit="a" * 40, main="alembic==1.0\n"):
    (root / "requirements").mkdir(parents=True)
    (root / "requirements" / "main.txt").write_text(main)
    (root / "requirements" / "dev.txt").write_text("pyramid==2.1\n")
    (root / "SNAPSHOT.md").write_text(f"pypi/warehouse at commit\n{commit} (2026-08-21)\n")
    return root


def test_what_is_missing_is_one_line_naming_each_thing(tmp_path, monkeypatch):
    monkeypatch.setattr(stack, "tool", lambda name: None)
    monkeypatch.setattr(stack, "PG_BIN", tmp_path / "no-postgresql")
    with pytest.raises(stack.WarehouseUnavailable) as raised:
        stack.check_or_raise(tmp_path / "no-warehouse")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("cannot start Warehouse, missing: ")
    for needed in ("debootstrap", "redis-server", "unshare", "initdb",
                   "the Warehouse source at", "PYPI_GUARD_WAREHOUSE_SRC"):
        assert needed in message


@pytest.mark.parametrize("action", ["check", "build"])
def test_the_first_command_fails_in_one_line(tmp_path, action):
    env = {"PATH": "/usr/bin:/bin", "PYPI_GUARD_WAREHOUSE_SRC": str(tmp_path / "none"),
           "PYPI_GUARD_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-m", "tests.warehouse.stack", action], cwd=ROOT,
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == "" and len(proc.stderr.strip().splitlines()) == 1
    assert "the Warehouse source at" in proc.stderr


def test_the_cache_key_follows_the_commit_and_the_requirements(tmp_path):
    one = stack.cache_key(fake_source(tmp_path / "one"))
    assert stack.cache_key(fake_source(tmp_path / "same")) == one
    assert stack.cache_key(fake_source(tmp_path / "commit", commit="b" * 40)) != one
    assert stack.cache_key(fake_source(tmp_path / "reqs", main="alembic==1.1\n")) != one
    assert stack.source_commit(tmp_path / "one") == "a" * 40


def test_a_tree_with_a_mount_inside_is_never_removed(tmp_path, monkeypatch):
    inside = tmp_path / "root" / "dev"
    inside.mkdir(parents=True)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"devtmpfs {inside} devtmpfs rw 0 0\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(
        mounts if path == "/proc/self/mounts" else path, *a, **k))
    with pytest.raises(stack.StackError, match="mounted inside it"):
        stack.remove_tree(tmp_path / "root")
    assert inside.is_dir()
    monkeypatch.undo()
    stack.remove_tree(tmp_path / "root")
    assert not (tmp_path / "root").exists()
