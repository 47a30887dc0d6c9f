"""pypi-maintainers-audit in a real Zuul: fired by the timer, failed on the
planted drift, reports linked from the build page, every problem on the
console, the failure mailed by the smtp reporter."""

import json
import time

import yaml

from e2e.scenarios import DRIFT
from e2e.stack import GUARD, NOTIFY_TO, RELEASES

JOB = "pypi-maintainers-audit"
# What the fixture tenant cannot define: jobs of the real zuul-jobs, which
# this repository's own gate (zuul.d/project.yaml, zuul.d/test-jobs.yaml) uses.
ZUUL_JOBS_JOBS = {"tox", "tox-linters", "tox-py311", "tox-py3"}


def test_configuration_loads(zuul_stack):
    jobs = {job["name"] for job in zuul_stack.tenant_api("jobs")}
    assert {JOB, "pypi-release-audit", "release-signature-audit",
            "release-python-signed"} <= jobs
    projects = {p["name"]: p for p in zuul_stack.tenant_api("projects")}
    assert projects[GUARD]["type"] == "untrusted"
    unexpected = [error for error in zuul_stack.tenant_api("config-errors")
                  if error["short_error"] not in
                  {f"Job {name} not defined" for name in ZUUL_JOBS_JOBS}]
    assert not unexpected, json.dumps(unexpected, indent=2)


def test_timer_runs_the_audit_which_fails_on_drift(zuul_stack):
    build = zuul_stack.wait_for_build(JOB, pipeline="periodic")
    assert build["result"] == "FAILURE", build
    assert build["ref"]["project"] == RELEASES
    assert build["log_url"], build

    artifacts = {a["name"]: a for a in build["artifacts"]}
    urls = {a["url"].rsplit("/", 1)[-1]: a for a in artifacts.values()}
    assert set(urls) == {f"{JOB}.html", f"{JOB}.json"}, build["artifacts"]
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

    zuul_info = zuul_stack.fetch(build["log_url"] + "zuul-info/zuul.json").json()
    assert zuul_info["project"]["name"] == RELEASES
    assert RELEASES in {p["name"] for p in zuul_info["projects"].values()}
    inventory = yaml.safe_load(zuul_stack.fetch(build["log_url"]
                                                + "zuul-info/inventory.yaml").text)
    assert inventory["all"]["vars"]["zuul"]["job"] == JOB


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
