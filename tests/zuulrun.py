"""Run a playbook the way a Zuul executor does.

A job directory with ``work/`` (``zuul.executor.work_root``, holding the
projects' checkouts under ``src/``) and ``work/logs`` (the log root), an
inventory carrying the ``zuul`` variable shaped as Zuul provides it, only
the implicit localhost (the audit jobs have no node), no ansible.cfg, and
Zuul's own ``zuul_return`` action plugin from the zuul package, which
writes ``work/results.json`` under ``ZUUL_JOBDIR``.
"""

import json
import os
import shutil
import subprocess
import sys
import uuid

import yaml
from playbook import ROOT, ansible_playbook_binary

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


def project(canonical, src_dir):
    name = canonical.split("/", 1)[1]
    return {"canonical_hostname": canonical.split("/", 1)[0], "canonical_name": canonical,
            "name": name, "short_name": name.rsplit("/", 1)[-1], "src_dir": src_dir,
            "checkout": "master", "required": True}


class ZuulJobDir:
    """A Zuul job directory with the releases repository checked out."""

    def __init__(self, tmp_path, releases_repo, job="pypi-maintainers-audit"):
        self.root = tmp_path / "jobdir"
        self.work = self.root / "work"
        self.logs = self.work / "logs"
        self.logs.mkdir(parents=True)
        src_dir = f"src/{RELEASES_CANONICAL}"
        shutil.copytree(releases_repo, self.work / src_dir)
        (self.work / "results.json").write_text("")  # the executor creates it empty
        self.action_dir = zuul_action_dir(tmp_path)
        guard = project(GUARD_CANONICAL, f"src/{GUARD_CANONICAL}")
        releases = project(RELEASES_CANONICAL, src_dir)
        self.zuul = {
            "build": uuid.uuid4().hex, "buildset": uuid.uuid4().hex, "job": job,
            "pipeline": "periodic", "tenant": "openstack", "branch": "master",
            "project": {k: guard[k] for k in ("name", "short_name", "canonical_hostname",
                                              "canonical_name", "src_dir")},
            "projects": {GUARD_CANONICAL: guard, RELEASES_CANONICAL: releases},
            "executor": {"hostname": "ze01.example.org", "inventory_file":
                         str(self.root / "ansible" / "inventory.yaml"),
                         "log_root": str(self.logs), "work_root": str(self.work),
                         "src_root": str(self.work / "src"), "result_data_file":
                         str(self.work / "results.json")},
        }

    def run(self, playbook, job_vars=None, secrets=None):
        """ansible-playbook with Zuul's inventory shape; returns CompletedProcess.

        ``job_vars`` go in the inventory, as Zuul puts a job's variables;
        ``secrets`` in a 0600 vars file given with ``-e @``, as Zuul does.
        """
        inventory = self.root / "ansible" / "inventory.yaml"
        inventory.parent.mkdir(exist_ok=True)
        variables = {"zuul": self.zuul, "pypi_guard_python": sys.executable}
        variables.update(job_vars or {})
        inventory.write_text(yaml.safe_dump({"all": {"hosts": {}, "vars": variables}}))
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
            [ansible_playbook_binary(), "-i", str(inventory), *extra, str(ROOT / playbook)],
            cwd=self.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=600, check=False)
        proc.output = proc.stdout
        return proc

    def results(self):
        text = (self.work / "results.json").read_text()
        return json.loads(text) if text else {}

    def artifacts(self):
        return self.results().get("data", {}).get("zuul", {}).get("artifacts", [])
