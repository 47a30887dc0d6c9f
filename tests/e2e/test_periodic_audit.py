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

"""pypi-maintainers-audit in a real Zuul: fired by the timer, failed on the
planted drift, reports linked from the build page, every problem on the
console, the failure mailed by the smtp reporter."""

import json
import time

import yaml

from tests.e2e.scenarios import DRIFT
from tests.e2e.stack import GUARD, NOTIFY_TO, RELEASES, ROOT

JOB = "pypi-maintainers-audit"


def jobs_from_elsewhere():
    """The jobs zuul.d names (as parents, or in its project's pipelines) but
    does not define: zuul-jobs' (tox, tox-linters, tox-docs...), which this
    repository's own gate uses and the fixture tenant does not have."""
    defined, named = set(), set()
    for path in sorted((ROOT / "zuul.d").glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if "job" in entry:
                defined.add(entry["job"]["name"])
                if entry["job"].get("parent"):
                    named.add(entry["job"]["parent"])
            for stanza in ("project", "project-template"):
                for pipeline in entry.get(stanza, {}).values():
                    if isinstance(pipeline, dict):
                        named.update(next(iter(j)) if isinstance(j, dict) else j
                                     for j in pipeline.get("jobs", []))
    return named - defined


def test_configuration_loads(zuul_stack):
    jobs = {job["name"] for job in zuul_stack.tenant_api("jobs")}
    assert {JOB, "pypi-release-audit", "release-signature-audit",
            "release-python-signed"} <= jobs
    projects = {p["name"]: p for p in zuul_stack.tenant_api("projects")}
    assert projects[GUARD]["type"] == "untrusted"
    tolerated = {f"Job {name} not defined" for name in jobs_from_elsewhere()}
    errors = zuul_stack.tenant_api("config-errors")
    unexpected = [error for error in errors if error["short_error"] not in tolerated
                  or error["source_context"]["project"] != GUARD]
    assert not unexpected, json.dumps(unexpected, indent=2)


def test_timer_runs_the_audit_which_fails_on_drift(zuul_stack):
    build = zuul_stack.wait_for_build(JOB, pipeline="periodic")
    assert build["result"] == "FAILURE", build
    assert build["ref"]["project"] == RELEASES
    assert build["log_url"], build

    artifacts = {a["name"]: a for a in build["artifacts"]}
    urls = {a["url"].rsplit("/", 1)[-1]: a for a in artifacts.values()}
    assert {f"{JOB}.html", f"{JOB}.json"} <= set(urls), build["artifacts"]
    assert all(a["metadata"] == {"type": "audit_report"} for a in artifacts.values())
    for artifact in artifacts.values():
        assert artifact["url"].startswith(build["log_url"])
    report = zuul_stack.fetch(urls[f"{JOB}.json"]["url"]).json()
    html = zuul_stack.fetch(urls[f"{JOB}.html"]["url"]).text
    assert report["status"] == "drift"
    found = {(f["project"], f["kind"], f["account"], f["role"]) for f in report["findings"]}
    planted = {(project.replace(".", "-"), kind, account, role)
               for project, kind, account, role in DRIFT}
    assert found == planted, report["findings"]
    for project, _kind, account, _role in planted:
        assert project in html and account in html

    console = zuul_stack.fetch(build["log_url"] + "job-output.txt").text
    for finding in report["findings"]:
        line = f"{finding['project']}: {finding['kind']}: {finding['account']}"
        assert line in console, f"{line!r} not on the console:\n{console}"
    # the job built its own virtualenv (ensure-pypi-guard) inside the executor's sandbox
    assert "TASK [ensure-pypi-guard : Install the modules' requirements into it]" in console

    # What tests/support/zuulrun.py simulates: the build is for the releases repository,
    # this repository (whose playbooks run from their own checkout) is not
    # among zuul.projects, and every project says which commit it checked out.
    zuul_info = zuul_stack.fetch(build["log_url"] + "zuul-info/zuul.json").json()
    assert zuul_info["project"]["name"] == RELEASES
    names = {p["name"] for p in zuul_info["projects"].values()}
    assert RELEASES in names and GUARD not in names, names
    assert all(p["commit"] and p["checkout_description"]
               for p in zuul_info["projects"].values())
    assert (f"RUN START: [untrusted : opendev.org/{GUARD}/playbooks/{JOB}/run.yaml@master]"
            in console)
    inventory = yaml.safe_load(zuul_stack.fetch(build["log_url"]
                                                + "zuul-info/inventory.yaml").text)
    assert inventory["all"]["vars"]["zuul"]["job"] == JOB
    assert "zuul_unreachable" in inventory["all"]["children"]


def test_smtp_reporter_mails_the_failure(zuul_stack):
    build = zuul_stack.wait_for_build(JOB, pipeline="periodic")
    deadline = time.monotonic() + 60
    while True:
        mails = [m for _, rcpt, m in zuul_stack.smtp.messages if NOTIFY_TO in rcpt]
        if mails or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert mails, "no failure mail reached the SMTP sink"
    body = mails[0].get_content()
    assert "periodic failed" in mails[0]["Subject"]
    assert JOB in body and "FAILURE" in body, body
    assert build["log_url"] in body or build["uuid"] in body, body
