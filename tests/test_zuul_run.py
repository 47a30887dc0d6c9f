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

"""The audit playbooks run as a Zuul executor runs them (see zuulrun.py)."""

import json
import os
import textwrap
from pathlib import Path

import pytest
import yaml

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

from tests.support.audit_playbooks import (
    DERIVED,  # noqa: E402
    release_projects,  # noqa: E402
)
from tests.support.audit_playbooks import maintainer_projects as clean_projects  # noqa: E402
from tests.support.fakepypi import FakePyPI  # noqa: E402
from tests.support.zuulrun import (  # noqa: E402
    GUARD_CANONICAL,
    RELEASES_CANONICAL,
    PlaybookWroteError,
    ZuulJobDir,
)

FIXTURE_RELEASES = Path(__file__).parent / "fixtures" / "releases"
ROOT = Path(__file__).resolve().parent.parent


def check_reports(jobdir, result, basename, status):
    """The reports are in the log root and the returned artifacts point at them."""
    report = json.loads((jobdir.logs / f"{basename}.json").read_text())
    assert report["status"] == status, result.output
    assert (jobdir.logs / f"{basename}.html").exists()
    urls = {artifact["url"]: artifact for artifact in jobdir.artifacts()}
    assert {f"{basename}.html", f"{basename}.json", "index.html"} <= set(urls), \
        jobdir.results()
    assert urls["index.html"]["name"] == "Audit reports of this build"
    for url in (f"{basename}.html", f"{basename}.json", "index.html"):
        assert (jobdir.logs / url).is_file()
        assert urls[url]["metadata"] == {"type": "audit_report"}
    return report


def test_maintainers_audit_as_zuul_runs_it(tmp_path):
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES)
    projects = clean_projects()
    projects["nova"]["roles"].append(["Maintainer", "mallory"])
    allowlist = tmp_path / "allow.yaml"
    allowlist.write_text("pypi_maintainers_allowlist:\n  required_owners: [openstackci]\n")
    with FakePyPI({"projects": projects}) as pypi:
        result = jobdir.run("playbooks/pypi-maintainers-audit/run.yaml", {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_allowlist_file": str(allowlist)})
    assert result.returncode != 0
    assert "nova: unexpected-account: mallory (Maintainer)" in result.output
    report = check_reports(jobdir, result, "pypi-maintainers-audit", "drift")
    # the releases repository was found through zuul.projects
    assert report["projects_checked"] == len(DERIVED)


def test_release_audit_as_zuul_runs_it(tmp_path):
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES, job="pypi-release-audit")
    known = tmp_path / "known.yaml"
    known.write_text(textwrap.dedent("pypi_release_audit_known_releases: {}\n"))
    with FakePyPI({"projects": release_projects()}) as pypi:
        result = jobdir.run("playbooks/pypi-release-audit/run.yaml", {
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_known_releases_file": str(known)})
    assert result.returncode == 0, result.output
    check_reports(jobdir, result, "pypi-release-audit", "clean")


def zuul_job(path, name):
    """A job's definition, as written in a zuul.d file."""
    for entry in yaml.safe_load((ROOT / path).read_text(encoding="utf-8")):
        if entry.get("job", {}).get("name") == name:
            return entry["job"]
    raise AssertionError(f"no job {name} in {path}")


def run_job(jobdir, job, job_vars):
    """Run a job's playbooks in Zuul's order: pre-run and run until one
    fails, then every post-run.  Returns the results, run ones first."""
    def playbooks(key):
        value = job.get(key, [])
        return [value] if isinstance(value, str) else value

    variables = dict(job.get("vars", {}), **job_vars)
    results = []
    for playbook in playbooks("pre-run") + playbooks("run"):
        results.append(jobdir.run(playbook, variables))
        if results[-1].returncode != 0:
            break
    post = [jobdir.run(playbook, variables) for playbook in playbooks("post-run")]
    return results, post


def fakepypi_stopped(jobdir):
    pid = int((jobdir.work / "fakepypi" / "pid").read_text())
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return True
    if b"fakepypi.py" in cmdline:  # not stopped: end it (by its id) for the next tests
        os.kill(pid, 15)
        return False
    return True


def test_maintainers_audit_test_job(tmp_path):
    job = zuul_job("zuul.d/test-jobs.yaml", "pypi-guard-test-maintainers-audit")
    # this repository's own gate: the build is for pypi-guard, checked out in src/
    jobdir = ZuulJobDir(tmp_path, job=job["name"], project_name=GUARD_CANONICAL)
    results, post = run_job(jobdir, job, {})
    assert [r.returncode for r in results + post] == [0, 0], results[-1].output
    report = check_reports(jobdir, results[-1], "pypi-maintainers-audit", "clean")
    assert report["projects_checked"] == len(DERIVED)
    assert report["pypi_url"].startswith("http://127.0.0.1:")
    # the fake PyPI's log is kept with the job's logs, and it answered
    log = (jobdir.logs / "fakepypi.log").read_text()
    assert log.startswith(report["pypi_url"]), log
    assert fakepypi_stopped(jobdir)


def test_maintainers_audit_test_job_fails_on_drift(tmp_path):
    scenario = yaml.safe_load((ROOT / "test-playbooks/pypi-maintainers-audit/"
                                      "fakepypi-scenario.yaml").read_text())
    scenario["projects"]["nova"]["roles"].append(["Maintainer", "mallory"])
    drift = tmp_path / "drift.yaml"
    drift.write_text(yaml.safe_dump(scenario))
    job = zuul_job("zuul.d/test-jobs.yaml", "pypi-guard-test-maintainers-audit")
    # this repository's own gate: the build is for pypi-guard, checked out in src/
    jobdir = ZuulJobDir(tmp_path, job=job["name"], project_name=GUARD_CANONICAL)
    results, post = run_job(jobdir, job, {"pypi_guard_test_fakepypi_scenario": str(drift)})
    assert results[-1].returncode != 0
    assert "nova: unexpected-account: mallory (Maintainer)" in results[-1].output
    # post-run stopped the server the failed run left behind
    assert [r.returncode for r in post] == [0], post[0].output
    assert "changed=1" in post[0].output
    assert fakepypi_stopped(jobdir)


# What a real Zuul showed (tests/e2e) and the simulation must do alike.

TEST_JOB_FILES = ROOT / "test-playbooks" / "pypi-maintainers-audit"


def clean_audit(jobdir, **job_vars):
    """The maintainer audit on the test job's scenario and allowlist: clean."""
    scenario = yaml.safe_load((TEST_JOB_FILES / "fakepypi-scenario.yaml").read_text())
    with FakePyPI(scenario) as pypi:
        return jobdir.run("playbooks/pypi-maintainers-audit/run.yaml", dict({
            "pypi_guard_pypi_url": pypi.url,
            "pypi_guard_allowlist_file": str(TEST_JOB_FILES / "allowlist.yaml")},
            **job_vars))

def test_audit_job_runs_for_the_releases_repository_from_a_separate_checkout(tmp_path):
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES)
    # the job is attached to openstack/releases (README): that is zuul.project,
    # and this repository, whose playbooks run, is not among zuul.projects
    assert jobdir.zuul["project"]["name"] == "openstack/releases"
    assert set(jobdir.zuul["projects"]) == {RELEASES_CANONICAL}
    releases = jobdir.zuul["projects"][RELEASES_CANONICAL]
    assert releases["checkout_description"] and len(releases["commit"]) == 40
    # the playbooks come from the untrusted project's own checkout
    assert jobdir.playbook_root == (jobdir.root / "untrusted" / "project_0" / GUARD_CANONICAL)
    assert (jobdir.playbook_root / "playbooks/pypi-maintainers-audit/run.yaml").is_file()
    assert not (jobdir.work / "src" / GUARD_CANONICAL).exists()

    result = clean_audit(jobdir)
    assert result.returncode == 0, result.output
    inventory = yaml.safe_load((jobdir.root / "ansible" / "inventory.yaml").read_text())
    assert inventory["all"]["children"]["zuul_unreachable"] == {"hosts": {}}
    report = check_reports(jobdir, result, "pypi-maintainers-audit", "clean")
    assert report["projects_checked"] == len(DERIVED)


def test_a_playbook_writing_into_its_checkout_fails(tmp_path):
    """Zuul mounts the playbooks' project read-only: a report written next to
    the playbook (the default outside Zuul) cannot be, and the simulation says so
    (chmod does not stop root, the file listing compared after the run does)."""
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES)
    with pytest.raises(PlaybookWroteError, match="reports/pypi-maintainers-audit.json"):
        clean_audit(jobdir, pypi_guard_report_dir=(
            "{{ (playbook_dir | dirname | dirname) ~ '/reports' }}"))
    assert not (ROOT / "reports" / "pypi-maintainers-audit.json").exists()


def test_maintainers_audit_in_the_virtualenv_the_job_builds(tmp_path):
    """As in Zuul, nothing gives pypi_guard_python: ensure-pypi-guard builds the
    job's virtualenv in the work directory with python3 and requirements.txt
    from the read-only checkout.  (About 15 s: pip installs from wheels.)"""
    jobdir = ZuulJobDir(tmp_path, FIXTURE_RELEASES)
    result = clean_audit(jobdir, pypi_guard_python="")
    assert result.returncode == 0, result.output
    assert "TASK [ensure-pypi-guard : Install the modules' requirements into it]" in result.output
    venv_python = jobdir.work / "pypi-guard-venv" / "bin" / "python"
    assert venv_python.exists()
    check_reports(jobdir, result, "pypi-maintainers-audit", "clean")
