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


"""tests/support/processes.py, the lifecycle the real-Zuul and Warehouse
stacks share, with real processes (and a real PostgreSQL where Debian's
postgresql package is installed, as .ci/run installs it)."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import requests

from tests.support.processes import PG_BIN, Stack, StackError, serve_directory, wait_for

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]


class Sleepers(Stack):
    """Two daemons; the second exits at once when ``fail`` is set."""

    def __init__(self, base, fail=False):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(dir=base))
        (self.dir / "logs").mkdir()
        self.fail = fail
        self.torn_down = False

    def start(self):
        self.spawn("one", SLEEPER)
        self.wait_for("one's greeting", lambda: "up" in self.log("one").read_text(), 20,
                      [self.log("one")], 0.05)
        second = [sys.executable, "-c", "print('no config'); raise SystemExit(3)"]
        self.spawn("two", second if self.fail else SLEEPER)
        if self.fail:
            self.wait_for("two", lambda: False, 20, interval=0.05)

    def teardown(self):
        self.torn_down = True


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_stop_ends_every_daemon_and_then_tears_down(tmp_path):
    with Sleepers(tmp_path) as stack:
        pids = [proc.pid for proc in stack.processes.values()]
        assert len(pids) == 2 and not any(map(gone, pids))
        stack.check_alive()
    assert stack.torn_down and stack.processes == {}
    for pid in pids:
        wait_for(f"{pid} to end", lambda pid=pid: gone(pid), 10, interval=0.05)
    stack.stop()  # once only


def test_a_dead_daemon_ends_the_start_naming_it_with_its_log(tmp_path):
    stack = Sleepers(tmp_path, fail=True)
    with pytest.raises(StackError) as raised:
        stack.__enter__()
    assert "two exited 3" in str(raised.value) and "no config" in str(raised.value)
    assert stack.torn_down and stack.processes == {}  # a failed start stops what it started


def test_a_timeout_says_what_it_waited_for_the_last_error_and_the_log(tmp_path):
    log = tmp_path / "daemon.log"
    log.write_text("listening on nothing\n")

    def check():
        raise ConnectionRefusedError("port closed")

    with pytest.raises(StackError) as raised:
        wait_for("the daemon's port", check, 0.2, [log], 0.05)
    message = str(raised.value)
    assert message.startswith("timed out after 0.2s waiting for the daemon's port")
    assert "port closed" in message and "listening on nothing" in message


def test_the_static_server_serves_its_directory(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    server = serve_directory(tmp_path)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert requests.get(f"{url}/a.txt", timeout=5).text == "hello"
        assert requests.get(f"{url}/b.txt", timeout=5).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


class Database(Stack):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-lifecycle-"))
        # as root, PostgreSQL runs as the postgres user, who must reach its directory
        self.dir.chmod(0o711)
        (self.dir / "logs").mkdir()

    def start(self):
        self.postgresql = self.start_postgresql(self.dir / "pg", "guard", "audits")

    def teardown(self):
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.mark.skipif(not (PG_BIN / "postgres").exists(),
                    reason="needs Debian's postgresql package (.ci/run installs it)")
def test_a_throwaway_postgresql_answers_and_is_stopped_with_its_fast_shutdown():
    with Database() as stack:
        pg = stack.postgresql
        assert pg.psql("-d", pg.database, "-tA", "-c", "SELECT current_user").strip() == "guard"
        assert pg.url() == f"postgresql://guard:{pg.password}@127.0.0.1:{pg.port}/audits"
        proc = stack.processes["postgresql"]
    assert proc.returncode == 0  # SIGINT, its fast shutdown, not a SIGKILL
    assert not stack.dir.exists()
