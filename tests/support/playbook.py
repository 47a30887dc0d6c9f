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

"""Run the project's playbooks with the real ansible-playbook, as a person would."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def ansible_playbook_binary():
    """The ansible-playbook installed beside the Python running the tests."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    if beside.exists():
        return str(beside)
    found = shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook is not installed")
    return found


def run_playbook(playbook, extra_vars=None, check=False, env=None, timeout=600, cwd=None,
                 vars_files=()):
    """Run ``playbook`` (a path relative to the repository) on localhost.

    ``extra_vars`` are passed as one JSON document (``vars_files`` as
    ``-e @file``, which keeps secrets off the command line), the interpreter for the
    modules is this Python (it has requirements.txt installed), and no
    ansible.cfg is set, as under Zuul.  Returns the CompletedProcess with
    stdout and stderr merged into ``output``.
    """
    variables = {"pypi_guard_python": sys.executable}
    variables.update(extra_vars or {})
    cmd = [
        ansible_playbook_binary(),
        "-i", "localhost,",
        "-c", "local",
        "-e", json.dumps(variables),
    ]
    for path in vars_files:
        cmd += ["-e", f"@{path}"]
    cmd.append(str(ROOT / playbook))
    if check:
        cmd.append("--check")
    run_env = dict(os.environ)
    # Zuul reads no repository ansible.cfg; neither do the tests.
    run_env.pop("ANSIBLE_CONFIG", None)
    run_env.update({
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "PYTHONUNBUFFERED": "1",
    })
    run_env.update(env or {})
    proc = subprocess.run(
        cmd, cwd=cwd or ROOT, env=run_env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=timeout, check=False)
    proc.output = proc.stdout
    return proc
