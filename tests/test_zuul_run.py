"""The audit playbooks run as a Zuul executor runs them (see zuulrun.py)."""

import json
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("zuul", reason="runs in `tox -e zuul`, which installs Zuul")

from fakepypi import FakePyPI  # noqa: E402
from test_maintainers_playbook import DERIVED, clean_projects  # noqa: E402
from test_release_audit_playbook import clean_projects as release_projects  # noqa: E402
from zuulrun import ZuulJobDir  # noqa: E402

FIXTURE_RELEASES = Path(__file__).parent / "fixtures" / "releases"


def check_reports(jobdir, result, basename, status):
    """The reports are in the log root and the returned artifacts point at them."""
    report = json.loads((jobdir.logs / f"{basename}.json").read_text())
    assert report["status"] == status, result.output
    assert (jobdir.logs / f"{basename}.html").exists()
    urls = {artifact["url"]: artifact for artifact in jobdir.artifacts()}
    assert {f"{basename}.html", f"{basename}.json"} <= set(urls), jobdir.results()
    for url in (f"{basename}.html", f"{basename}.json"):
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
            "pypi_maintainers_allowlist_file": str(allowlist)})
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
            "pypi_release_audit_known_releases_file": str(known)})
    assert result.returncode == 0, result.output
    check_reports(jobdir, result, "pypi-release-audit", "clean")
