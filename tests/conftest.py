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

"""What every directory of the tests shares: the import paths (set up by
tests.support), the hypothesis profiles, and the fixtures more than one test
file uses."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# The import paths (ROOT, the roles' modules, ansible.module_utils.pypi_guard),
# set up once for the tests, the benchmarks and the demo.
import tests.support  # noqa: F401, I001
from tests.support import gpgtestkeys
from tests.support.audit_playbooks import write_allowlist, write_release_vars

# Hypothesis profiles for the property-based tests (tests/test_fuzz.py):
# "ci" (the default) keeps the suite fast; "dev" and "thorough" search longer.
# Choose one with HYPOTHESIS_PROFILE=thorough.
settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=500, deadline=None)
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def allowlist_file(tmp_path):
    """The maintainer audit's allowlist (tests.support.audit_playbooks.ALLOWLIST)."""
    return write_allowlist(tmp_path)


@pytest.fixture
def vars_files(tmp_path):
    """The release-feed audit's (known releases file, allowlist file)."""
    return write_release_vars(tmp_path)


@pytest.fixture(scope="session")
def gpg_homes(tmp_path_factory):
    """Make a fresh GnuPG home (mode 0700) with each call; every agent started
    in them is stopped at the end of the session."""
    homes = []

    def make():
        home = gpgtestkeys.new_gnupghome(str(tmp_path_factory.mktemp("gnupg")))
        homes.append(home)
        return home

    yield make
    for home in homes:
        gpgtestkeys.kill_agent(home)


@pytest.fixture
def scratch():
    """The TMPDIR of a playbook run: short, as on a real host (gpg-agent's
    socket paths are limited), and removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="pgt-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fail_replace(monkeypatch):
    """``fail_replace(n)``: the ``n``-th ``os.replace`` of write_atomically
    fails with ENOSPC; returns the list of the targets replaced, which
    grows as they are."""
    import ansible.module_utils.pypi_guard.files as files_module

    real_replace, calls = files_module.os.replace, []

    def fail_at(number):
        def replace(source, target):
            calls.append(target)
            if len(calls) == number:
                raise OSError(28, "No space left on device")
            return real_replace(source, target)

        monkeypatch.setattr(files_module.os, "replace", replace)
        return calls
    return fail_at
