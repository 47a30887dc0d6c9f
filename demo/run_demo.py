#!/usr/bin/env python3
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

"""The offline demo: every pypi-guard job on a bundled demo tenant.

Starts, on 127.0.0.1 only, a fake PyPI (the audits' index), a real
pypiserver (the upload target), a tarballs site and an SMTP sink, then runs
the four jobs' playbooks with the real ansible-playbook, in order:

1. ``release-python-signed``: refuse to sign a release beside which a
   build step dropped another project's wheel; then, for each demo release,
   sign its dists with a demo key generated now (a throwaway, like the
   tests' keys) and upload each dist with its ``.asc`` to the pypiserver;
2. ``pypi-maintainers-audit``: finds the maintainer drift planted in
   ``demo/pypi.yaml``;
3. ``pypi-release-audit``: finds the unexpected release planted there and
   mails the release team (the SMTP sink keeps the mail);
4. ``release-signature-audit``: checks the files the index serves against
   the signatures the release job made, and finds them good;
5. ``pypi-watch``: reads a planted changelog (the demo releases, then an
   invitation to a stranger and an unsigned wheel added to an old release),
   mails the release team once, and on a second run over the same state
   finds nothing new and stays quiet.

It prints a summary with the reports and the captured mail, stops every
server it started, and exits 0 when every job behaved as the demo expects.

    tox -e demo            # or: python -m demo.run_demo [--reports DIR] [--verbose]
"""

import argparse
import copy
import json
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import yaml

from tests.support import gpgtestkeys
from tests.support.dists import make_release
from tests.support.fakepypi import FakePyPI
from tests.support.playbook import run_playbook
from tests.support.pypiserver_index import PyPIServer
from tests.support.signed_releases import Series, StaticSite, write_releases_repo
from tests.support.smtpsink import SmtpSink

DEMO = Path(__file__).resolve().parent
ROOT = DEMO.parent

# (pypi name, repository, version): the demo tenant's releases, as in demo/releases.
RELEASES = [
    ("nova", "openstack/nova", "33.0.0"),
    ("oslo.config", "openstack/oslo.config", "10.1.0"),
    ("python-novaclient", "openstack/python-novaclient", "18.10.0"),
    ("xstatic-font-awesome", "openstack/xstatic-font-awesome", "4.7.0.0"),
]
EXPECTED_MAINTAINER_FINDINGS = {
    ("nova", "unexpected-account", "mallory"),
    ("python-novaclient", "organization-not-allowed", "novacorp"),
    ("xstatic-font-awesome", "role-not-allowed", "fa-creator"),
}
EXPECTED_RELEASE_FINDINGS = {("oslo-config", "unexpected-release", "10.0.99")}
PLANTED_WHEEL = "XStatic_Font_Awesome-4.7.0.0-py3-none-any.whl"
EXPECTED_WATCH_FINDINGS = {("oslo.config", "role-invitation", "mallory"),
                           ("xstatic-font-awesome", "unsigned", PLANTED_WHEEL)}
TEAM = "release-team@example.org"


def releases_repo(workdir, key):
    """The demo releases repository: the bundled deliverables, plus a series
    whose signing key is the demo key (written now, never committed)."""
    root = workdir / "releases"
    shutil.copytree(DEMO / "releases", root)
    return write_releases_repo(root, [Series("gazpacho", key, "2026-01-01")], [])


def build_releases(workdir):
    """One artifacts directory per release, as each release job has its own."""
    artifacts = workdir / "artifacts"
    for name, _repo, version in RELEASES:
        make_release(artifacts / name, name, version, description=f"{name}, the demo edition.")
    return artifacts


def intruded_release(workdir, artifacts):
    """oslo.config's release with nova's wheel dropped beside it."""
    directory = workdir / "intruded"
    shutil.copytree(artifacts / "oslo.config", directory)
    for wheel in (artifacts / "nova").glob("*.whl"):
        shutil.copy(wheel, directory)
    return directory


def released_files(artifacts):
    return sorted(path for path in artifacts.rglob("*") if path.is_file())


def audit_index_scenario(artifacts):
    """demo/pypi.yaml, with the released files (the bytes that were signed)."""
    scenario = copy.deepcopy(yaml.safe_load((DEMO / "pypi.yaml").read_text()))
    for name, _repo, version in RELEASES:
        files = [{"filename": path.name, "content_file": str(path)}
                 for path in released_files(artifacts / name) if path.suffix != ".asc"]
        scenario["projects"][name]["releases"][version]["files"] = files
    return scenario


def watch_scenario(artifacts, now):
    """The audited index, with a changelog: the demo releases as the release
    job made them, then two events nobody explains, an hour ago."""
    scenario = audit_index_scenario(artifacts)
    old = scenario["projects"]["xstatic-font-awesome"]["releases"]["4.7.0.0"]
    planted_at = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 3600))
    old["files"].append({"filename": PLANTED_WHEEL, "content": "planted bytes",
                         "upload_time": planted_at})
    entries = []
    for name, _repo, version in RELEASES:
        entries.append([name, version, now - 7200, "new release"])
        for path in released_files(artifacts / name):
            if path.suffix != ".asc":
                kind = "py3" if path.suffix == ".whl" else "source"
                entries.append([name, version, now - 7200, f"add {kind} file {path.name}"])
    entries += [["oslo.config", None, now - 3600, "invite Maintainer mallory"],
                ["xstatic-font-awesome", "4.7.0.0", now - 3600, f"add py3 file {PLANTED_WHEEL}"]]
    scenario["changelog"] = {"page_size": 5, "entries": entries}
    return scenario


def tarballs_routes(artifacts):
    repos = {name.replace(".", "_").replace("-", "_"): repo for name, repo, _v in RELEASES}
    routes = {}
    for signature in artifacts.rglob("*.asc"):
        repo = repos[signature.name.split("-", 1)[0]]
        routes[f"/{repo}/{signature.name}"] = signature.read_bytes()
    return routes


class Demo:
    def __init__(self, reports, verbose):
        self.reports = reports
        self.verbose = verbose
        self.problems = []
        self.lines = []

    def run(self, title, playbook, variables, expect_failure, vars_files=()):
        result = run_playbook(playbook, variables, vars_files=vars_files)
        if self.verbose:
            print(result.output)
        behaved = (result.returncode != 0) == expect_failure
        outcome = "failed" if result.returncode else "passed"
        expected = "as expected" if behaved else "NOT AS EXPECTED"
        self.lines.append(f"{title}: {outcome}, {expected}")
        if not behaved:
            self.problems.append(f"{title}: exit code {result.returncode}\n{result.output}")
        return result

    def report(self, basename):
        path = self.reports / f"{basename}.json"
        if not path.exists():
            self.problems.append(f"{basename}: no report was written")
            return {"status": None, "findings": [], "errors": []}
        report = json.loads(path.read_text())
        self.lines.append(f"    status {report['status']}, {report['projects_checked']} "
                          f"projects; report {self.reports / (basename + '.html')}")
        for finding in report["findings"]:
            what = finding.get("account") or finding.get("version")
            self.lines.append(f"      {finding['project']}: {finding['kind']}: {what}")
        for error in report["errors"]:
            self.problems.append(f"{basename}: could not check {error}")
        return report

    def expect(self, what, found, expected):
        if found != expected:
            self.problems.append(f"{what}: expected {sorted(expected)}, got {sorted(found)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=Path, default=ROOT / "reports" / "demo",
                        help="where the reports and the captured mail go (default: "
                             "reports/demo)")
    parser.add_argument("--verbose", action="store_true", help="show the playbook output")
    args = parser.parse_args(argv)
    reports = args.reports.resolve()
    if reports.exists():
        shutil.rmtree(reports)
    reports.mkdir(parents=True)
    demo = Demo(reports, args.verbose)

    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pypi-guard-")))
        home = gpgtestkeys.new_gnupghome(workdir)
        stack.callback(gpgtestkeys.kill_agent, home)
        key = gpgtestkeys.generate_key(home, uid="pypi-guard demo key <demo@example.org>")
        releases = releases_repo(workdir, key)
        artifacts = build_releases(workdir)
        secrets = workdir / "secrets.yaml"
        secrets.touch(mode=0o600)
        index = stack.enter_context(PyPIServer(
            workdir / "pypiserver", "release-bot", "pw-" + uuid.uuid4().hex,
            "pypi-" + uuid.uuid4().hex))
        secrets.write_text(yaml.safe_dump({
            "gpg_key": {"private": key.private},
            "release_python_signed_fingerprint": key.fingerprint,
            "pypi_info": index.pypi_info()}))
        print(f"pypiserver (upload target) on {index.url}")

        # The key and the credentials go in a 0600 vars file, never on a command line.
        intruded = intruded_release(workdir, artifacts)
        demo.run("release-python-signed, sign oslo.config with nova's wheel beside it",
                 "playbooks/release-python-signed/sign.yaml",
                 {"release_python_signed_artifacts_dir": str(intruded),
                  "release_python_signed_test_mode": True,
                  "release_python_signed_project": "oslo.config",
                  "release_python_signed_version": "10.1.0"}, True,
                 vars_files=[secrets])
        demo.expect("signatures written beside the intruder",
                    {p.name for p in intruded.glob("*.asc")}, set())
        for name, _repo, version in RELEASES:
            # By hand, the release is named by variables (test mode); under
            # Zuul, by the tag and the releases repository.
            release_vars = {"release_python_signed_artifacts_dir": str(artifacts / name),
                            "release_python_signed_test_mode": True,
                            "release_python_signed_project": name,
                            "release_python_signed_version": version}
            for step in ("sign", "upload"):
                demo.run(f"release-python-signed, {step} {name} {version}",
                         f"playbooks/release-python-signed/{step}.yaml",
                         release_vars, False, vars_files=[secrets])
        uploaded = sorted(index.snapshot())
        demo.lines.append(f"    the index now has {len(uploaded)} files: "
                          f"{sum(n.endswith('.asc') for n in uploaded)} of them signatures")
        demo.expect("files on the index", set(uploaded),
                    {p.name for p in released_files(artifacts)})

        pypi = stack.enter_context(FakePyPI(audit_index_scenario(artifacts)))
        tarballs = stack.enter_context(StaticSite(tarballs_routes(artifacts)))
        smtp = stack.enter_context(SmtpSink())
        print(f"fake PyPI (audited index) on {pypi.url}, tarballs site on {tarballs.url}, "
              f"SMTP sink on {smtp.host}:{smtp.port}")
        audit_vars = {"pypi_guard_pypi_url": pypi.url, "pypi_guard_releases_repo": str(releases),
                      "pypi_guard_report_dir": str(reports)}

        demo.run("pypi-maintainers-audit", "playbooks/pypi-maintainers-audit/run.yaml",
                 dict(audit_vars, pypi_guard_allowlist_file=str(
                     DEMO / "pypi-maintainers.yaml")), True)
        report = demo.report("pypi-maintainers-audit")
        demo.expect("maintainer findings", {
            (f["project"], f["kind"], f["account"]) for f in report["findings"]},
            EXPECTED_MAINTAINER_FINDINGS)

        demo.run("pypi-release-audit", "playbooks/pypi-release-audit/run.yaml", dict(
            audit_vars, pypi_guard_known_releases_file=str(DEMO / "pypi-releases.yaml"),
            pypi_guard_allowlist_file=str(DEMO / "pypi-maintainers.yaml"),
            pypi_guard_notify_to=[TEAM], pypi_guard_notify_from="pypi-guard@example.org",
            pypi_guard_smtp_host=smtp.host, pypi_guard_smtp_port=smtp.port), True)
        report = demo.report("pypi-release-audit")
        demo.expect("release findings", {
            (f["project"], f["kind"], f["version"]) for f in report["findings"]},
            EXPECTED_RELEASE_FINDINGS)
        if len(smtp.messages) == 1:
            mail = reports / "release-team-mail.eml"
            mail.write_bytes(smtp.messages[0][2].as_bytes())
            demo.lines.append(f"    mail to {TEAM}: \"{smtp.messages[0][2]['Subject']}\", "
                              f"saved as {mail}")
        else:
            demo.problems.append(f"expected one mail to the release team, got "
                                 f"{len(smtp.messages)}")

        demo.run("release-signature-audit", "playbooks/release-signature-audit/run.yaml",
                 dict(audit_vars, pypi_guard_signature_url=(
                     tarballs.url + "/{namespace}/{repo}/{filename}.asc"),
                     pypi_guard_allowlist_file=str(
                         DEMO / "pypi-maintainers.yaml")), False)
        report = demo.report("release-signature-audit")
        files = report.get("files_checked")
        demo.lines.append(f"    {files} files checked against the demo key's signatures")
        demo.expect("signature findings", {f["kind"] for f in report["findings"]}, set())
        if files != 2 * len(RELEASES):
            demo.problems.append(f"expected {2 * len(RELEASES)} files checked, got {files}")

        pypi.set_scenario(watch_scenario(artifacts, int(time.time())))
        watch_vars = dict(
            audit_vars, pypi_guard_allowlist_file=str(DEMO / "pypi-maintainers.yaml"),
            pypi_guard_known_releases_file=str(DEMO / "pypi-releases.yaml"),
            pypi_watch_state_file=str(reports / "pypi-watch-state.json"),
            pypi_watch_since_serial=0,
            pypi_guard_signature_url=tarballs.url + "/{namespace}/{repo}/{filename}.asc",
            pypi_guard_notify_to=[TEAM], pypi_guard_notify_from="pypi-guard@example.org",
            pypi_guard_smtp_host=smtp.host, pypi_guard_smtp_port=smtp.port)
        mails_before = len(smtp.messages)
        demo.run("pypi-watch", "playbooks/pypi-watch/run.yaml", watch_vars, True)
        report = demo.report("pypi-watch")
        demo.lines.append(f"    {report.get('events_seen')} changelog events read, "
                          f"{report.get('events_managed')} about managed projects")
        demo.expect("watch findings", {
            (f["project"], f["kind"], f.get("account") or f.get("filename"))
            for f in report["findings"]}, EXPECTED_WATCH_FINDINGS)
        watch_mails = smtp.messages[mails_before:]
        if len(watch_mails) == 1:
            mail = reports / "pypi-watch-mail.eml"
            mail.write_bytes(watch_mails[0][2].as_bytes())
            demo.lines.append(f"    mail to {TEAM}: \"{watch_mails[0][2]['Subject']}\", "
                              f"saved as {mail}")
        else:
            demo.problems.append(f"expected one watch mail, got {len(watch_mails)}")
        watch_vars.pop("pypi_watch_since_serial")
        demo.run("pypi-watch, again over the same state", "playbooks/pypi-watch/run.yaml",
                 watch_vars, False)
        report = demo.report("pypi-watch")
        demo.expect("events read again", report.get("events_seen"), 0)
        demo.expect("watch mails", len(smtp.messages) - mails_before, 1)
    print("servers stopped, demo key removed\n")
    print("\n".join(demo.lines))
    if demo.problems:
        print("\nDEMO FAILED:")
        for problem in demo.problems:
            print(f"  {problem}")
        return 1
    print("\ndemo OK: every job behaved as expected (the audits failed on exactly the "
          "planted drift, and mailed it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
