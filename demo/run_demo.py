#!/usr/bin/env python3
"""The offline demo: run the maintainer audit on a bundled demo tenant.

Starts the fake PyPI on 127.0.0.1 with ``demo/pypi.yaml`` (which plants
drift), runs ``playbooks/pypi-maintainers-audit/run.yaml`` with the real
ansible-playbook against the demo's releases repository and allowlist,
prints what it found and where the reports are, stops the server, and exits
0 when the audit behaved as the demo expects: it failed, and found exactly
the planted drift.

    tox -e demo                  # or: python demo/run_demo.py [--reports DIR]
"""

import argparse
import json
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent
ROOT = DEMO.parent
sys.path.insert(0, str(ROOT / "tests"))

from fakepypi import FakePyPI  # noqa: E402
from playbook import run_playbook  # noqa: E402

EXPECTED_FINDINGS = {
    ("nova", "unexpected-account", "mallory"),
    ("python-novaclient", "organization-not-allowed", "novacorp"),
    ("xstatic-font-awesome", "role-not-allowed", "fa-creator"),
}


def run_maintainers_audit(pypi, reports):
    result = run_playbook("playbooks/pypi-maintainers-audit/run.yaml", {
        "pypi_guard_pypi_url": pypi.url,
        "pypi_guard_releases_repo": str(DEMO / "releases"),
        "pypi_guard_report_dir": str(reports),
        "pypi_maintainers_allowlist_file": str(DEMO / "pypi-maintainers.yaml"),
    })
    report_file = reports / "pypi-maintainers-audit.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else None
    return result, report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=Path, default=ROOT / "reports" / "demo",
                        help="where the reports go (default: reports/demo)")
    parser.add_argument("--verbose", action="store_true", help="show the playbook output")
    args = parser.parse_args(argv)
    reports = args.reports.resolve()

    with FakePyPI(DEMO / "pypi.yaml") as pypi:
        print(f"fake PyPI on {pypi.url} (demo/pypi.yaml)")
        result, report = run_maintainers_audit(pypi, reports)
    print("fake PyPI stopped")
    if args.verbose:
        print(result.output)

    problems = []
    if report is None:
        problems.append("the audit wrote no report")
        found = set()
    else:
        found = {(f["project"], f["kind"], f["account"]) for f in report["findings"]}
        print(f"\nmaintainer audit: status {report['status']}, "
              f"{report['projects_checked']} projects checked, exit code {result.returncode}")
        for finding in report["findings"]:
            print(f"  {finding['project']}: {finding['kind']}: {finding['account']} "
                  f"({finding['role'] or 'no role'})")
        for error in report["errors"]:
            print(f"  {error['project']}: error: {error['detail']}")
        print(f"  reports: {reports / 'pypi-maintainers-audit.html'}")
        print(f"           {reports / 'pypi-maintainers-audit.json'}")
    if result.returncode == 0:
        problems.append("the audit passed although drift was planted")
    if found != EXPECTED_FINDINGS:
        problems.append(f"expected findings {sorted(EXPECTED_FINDINGS)}, got {sorted(found)}")
    if report is not None and report["errors"]:
        problems.append("the audit could not check every project")

    if problems:
        print("\nDEMO FAILED:")
        for problem in problems:
            print(f"  {problem}")
        print(result.output)
        return 1
    print("\ndemo OK: the audit failed on exactly the planted drift, as it should")
    return 0


if __name__ == "__main__":
    sys.exit(main())
