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

"""Run a playbook the way a Zuul executor does.

What the executor gives a job, checked against a real Zuul 14 (tests/e2e):

- a job directory with ``work/`` (``zuul.executor.work_root``, the working
  directory of ansible-playbook, holding the projects' checkouts under
  ``src/``) and ``work/logs`` (the log root);
- the playbooks of an untrusted project (this repository) from their own
  checkout, ``untrusted/project_0/<canonical name>/``, not from ``src/``, and
  read-only (bubblewrap mounts it so): ``run()`` fails a playbook that wrote
  anything there;
- ``zuul.project``, the project the job runs for (``openstack/releases`` for
  the audit jobs, as the README attaches them), and ``zuul.projects``, that
  project and the job's required projects: this repository is not among
  them unless the job runs for it;
- an inventory carrying the ``zuul`` variable and a ``zuul_unreachable``
  group, only the implicit localhost (the audit jobs have no node), no
  ansible.cfg, and Zuul's own ``zuul_return`` action plugin from the zuul
  package, which writes ``work/results.json`` under ``ZUUL_JOBDIR``.

Not simulated: Zuul's own Ansible virtualenv and its ``zuul_stream`` console
(the modules here run with the tests' Python unless ``pypi_guard_python`` is
set to "" so that ensure-pypi-guard builds the job's virtualenv), and the
absolute artifact URLs Zuul makes when a post-run returns ``log_url``.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import uuid

import yaml

from tests.support.playbook import ROOT, ansible_playbook_binary

RELEASES_CANONICAL = "opendev.org/openstack/releases"
GUARD_CANONICAL = "opendev.org/openstack/pypi-guard"


def zuul_action_dir(tmp_path):
    """A plugin directory with Zuul's zuul_return and nothing else of Zuul's
    (its command/normal plugins expect the executor's log streaming)."""
    import zuul.ansible.base.action.zuul_return as plugin

    action_dir = tmp_path / "zuul-action-plugins"
    action_dir.mkdir(exist_ok=True)
    link = action_dir / "zuul_return.py"
    if not link.exists():
        link.symlink_to(plugin.__file__)
    return action_dir


def tree_files(root=ROOT):
    """This working tree as the git connection would serve it, uncommitted
    changes too: every file git tracks or would track that exists."""
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
         "--exclude-standard"], stdout=subprocess.PIPE, check=True, text=True).stdout
    return [name for name in listed.split("\0")
            if name and ((root / name).exists() or (root / name).is_symlink())]


def copy_tree(dest, root=ROOT):
    """Copy ``tree_files`` of ``root`` to ``dest``, symlinks kept."""
    for name in tree_files(root):
        source, target = root / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)


def tree_listing(path):
    """Every entry under ``path`` with what a write would change."""
    listing = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            entry = os.path.join(dirpath, name)
            info = os.lstat(entry)
            listing[os.path.relpath(entry, path)] = (
                os.readlink(entry) if stat.S_ISLNK(info.st_mode)
                else (info.st_mode, info.st_size, info.st_mtime_ns))
    return listing


def make_read_only(path):
    """chmod a-w, which stops a non-root user (root writes anyway: hence the
    listing compared after each run)."""
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames + [""]:
            entry = os.path.join(dirpath, name) if name else dirpath
            if not os.path.islink(entry):
                mode = os.lstat(entry).st_mode
                os.chmod(entry, mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def project(canonical, src_dir):
    name = canonical.split("/", 1)[1]
    return {"canonical_hostname": canonical.split("/", 1)[0], "canonical_name": canonical,
            "name": name, "short_name": name.rsplit("/", 1)[-1], "src_dir": src_dir,
            "checkout": "master", "checkout_description": "project default branch",
            "commit": uuid.uuid4().hex + uuid.uuid4().hex[:8], "required": True}


class PlaybookWroteError(AssertionError):
    """A playbook wrote into its project's checkout, which Zuul mounts read-only."""


class ZuulJobDir:
    """A Zuul job directory for a build of ``job`` for ``project`` (a canonical
    name), with the releases repository checked out (``releases_repo``;
    None: not a required project).  The job's playbooks come from a read-only
    copy of this working tree."""

    def __init__(self, tmp_path, releases_repo=None, job="pypi-maintainers-audit",
                 project_name=RELEASES_CANONICAL):
        self.root = tmp_path / "jobdir"
        self.work = self.root / "work"
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True)
        (self.work / "results.json").write_text("")  # the executor creates it empty
        self.action_dir = zuul_action_dir(tmp_path)
        projects = {}
        if releases_repo is not None:
            projects[RELEASES_CANONICAL] = self._checkout(RELEASES_CANONICAL, releases_repo)
        if project_name not in projects:
            projects[project_name] = self._checkout(
                project_name, ROOT if project_name == GUARD_CANONICAL else None)
        # The untrusted project the job's playbooks come from: its own checkout.
        self.playbook_root = self.root / "untrusted" / "project_0" / GUARD_CANONICAL
        copy_tree(self.playbook_root)
        make_read_only(self.playbook_root)
        self._playbook_listing = tree_listing(self.playbook_root)
        current = projects[project_name]
        self.zuul = {
            "build": uuid.uuid4().hex, "buildset": uuid.uuid4().hex, "job": job,
            "pipeline": "periodic", "tenant": "openstack", "branch": "master",
            "project": {k: current[k] for k in ("name", "short_name", "canonical_hostname",
                                                "canonical_name", "src_dir")},
            "projects": projects,
            "executor": {"hostname": "ze01.example.org", "inventory_file":
                         str(self.root / "ansible" / "inventory.yaml"),
                         "log_root": str(self.logs), "work_root": str(self.work),
                         "src_root": str(self.work / "src"), "result_data_file":
                         str(self.work / "results.json")},
        }

    def _checkout(self, canonical, source):
        """The project's checkout in work/src (a writable copy, as Zuul's)."""
        src_dir = f"src/{canonical}"
        dest = self.work / src_dir
        if source is None:
            dest.mkdir(parents=True)
        elif source == ROOT:
            copy_tree(dest)
        else:
            shutil.copytree(source, dest, symlinks=True)
        return project(canonical, src_dir)

    def run(self, playbook, job_vars=None, secrets=None):
        """ansible-playbook with Zuul's inventory shape; returns CompletedProcess.

        ``playbook`` is a path in this repository, run from the job's read-only
        copy; ``job_vars`` go in the inventory, as Zuul puts a job's variables;
        ``secrets`` in a 0600 vars file given with ``-e @``, as Zuul does.
        Raises PlaybookWroteError if the playbook wrote into the copy.
        """
        inventory = self.root / "ansible" / "inventory.yaml"
        inventory.parent.mkdir(exist_ok=True)
        variables = {"zuul": self.zuul, "pypi_guard_python": sys.executable}
        variables.update(job_vars or {})
        inventory.write_text(yaml.safe_dump({"all": {
            "hosts": {}, "vars": variables,
            "children": {"zuul_unreachable": {"hosts": {}}}}}))
        extra = []
        if secrets:
            secrets_file = self.root / "ansible" / "secrets.yaml"
            secrets_file.touch(mode=0o600)
            secrets_file.write_text(yaml.safe_dump(secrets))
            extra = ["-e", f"@{secrets_file}"]
        env = dict(os.environ, ZUUL_JOBDIR=str(self.root),
                   ANSIBLE_ACTION_PLUGINS=str(self.action_dir), ANSIBLE_NOCOLOR="1")
        env.pop("ANSIBLE_CONFIG", None)
        proc = subprocess.run(
            [ansible_playbook_binary(), "-i", str(inventory), *extra,
             str(self.playbook_root / playbook)],
            cwd=self.work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=600, check=False)
        proc.output = proc.stdout
        self.check_playbooks_untouched(proc.output)
        return proc

    def check_playbooks_untouched(self, output=""):
        after = tree_listing(self.playbook_root)
        before = self._playbook_listing
        changed = sorted(name for name in before.keys() | after.keys()
                         if before.get(name) != after.get(name))
        if changed:
            raise PlaybookWroteError(
                f"the playbook wrote into its project's checkout {self.playbook_root}, "
                f"read-only under Zuul: {', '.join(changed)}\n{output}")

    def results(self):
        text = (self.work / "results.json").read_text()
        return json.loads(text) if text else {}

    def artifacts(self):
        return self.results().get("data", {}).get("zuul", {}).get("artifacts", [])
