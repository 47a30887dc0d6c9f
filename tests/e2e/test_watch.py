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

"""pypi-watch in a real Zuul, fired by a timer: the deployer's trusted job
(final, protected, allowed for the releases repository only, the SMTP login
a secret) on the releases repository; each build reads the state the
previous one returned (the artifact pypi-watch-state, found through
zuul-web's REST API), an invitation planted in PyPI's journal between two
builds is mailed once, and never again.  Meanwhile a hostile project of the
tenant tries to blind it (a state with a huge serial from a build of its
own in check) and to get the SMTP login (a variant and
project variables pointing the mail at its own listener): the planted
invitation is still mailed, through the secret's server only."""

import secrets
import time

import pytest

from tests.e2e.stack import HOSTILE, WATCH_TO, dump_zuul_yaml, git, wait_for
from tests.support.smtpsink import SmtpSink

STATE = "pypi-watch-state"
HUGE = 2_000_000_000


def artifact(build, name):
    found = [a for a in build["artifacts"] if a["name"] == name
             or a["url"].rsplit("/", 1)[-1] == name]
    assert len(found) == 1, (name, build["artifacts"])
    return found[0]


def report(stack, build, job="pypi-watch"):
    return stack.fetch(artifact(build, f"{job}.json")["url"]).json()


@pytest.fixture(scope="module")
def login_sink():
    """The SMTP server the pypi_guard_smtp secret names (it wants a login)."""
    with SmtpSink(auth=True) as sink:
        yield sink


@pytest.fixture(scope="module")
def hostile_sink():
    """The hostile project's own listener."""
    with SmtpSink(auth=True) as sink:
        yield sink


def watch_mails(sink):
    return [m for _, rcpt, m in sink.messages if WATCH_TO in rcpt]


def hostile_attack(stack, job, listener):
    """The hostile project's configuration: a child of the trusted job
    (refused when loaded), the trusted job varied in the watch pipeline
    (refused when run), project variables for every job of the project, and
    a job of its own made from pypi-watch, starting after a huge serial, in
    check (a proposed change: refused, pypi-watch is post-review) and in
    post (it runs, and hands no state on)."""
    evil = {"pypi_watch_since_serial": HUGE, "pypi_guard_smtp_host": "127.0.0.1",
            "pypi_guard_smtp_port": listener.port}
    return {
        "zuul.d/child.yaml": dump_zuul_yaml([
            {"job": {"name": "hostile-watch-child", "parent": job, "vars": evil}}]),
        "zuul.d/attach.yaml": dump_zuul_yaml([
            {"job": {"name": "hostile-watch", "parent": "pypi-watch",
                     "vars": dict(evil, pypi_watch_zuul_api=stack.tenant_url(),
                                  pypi_guard_pypi_url=stack.pypi.url,
                                  pypi_guard_notify_to=[WATCH_TO])}},
            {"project": {"name": HOSTILE, "vars": evil,
                         "watch": {"jobs": [{job: {"vars": evil}}]},
                         "post": {"jobs": ["hostile-watch"]},
                         "check": {"jobs": ["hostile-watch"]}}}]),
    }


def test_watch_hands_its_state_from_build_to_build(zuul_stack, login_sink, hostile_sink):
    stack = zuul_stack
    password = secrets.token_hex(12)
    job = stack.trusted_watch_job(smtp_login={
        "host": "127.0.0.1", "port": login_sink.port, "username": "pypi-guard",
        "password": password})

    # The hostile project attacks, on its master branch and in check.
    stack.commit_to(HOSTILE, hostile_attack(stack, job, hostile_sink), "Watch too")

    def child_refused():
        return [e for e in stack.config_errors("zuul.d/child.yaml")
                if "is final and can not act as a parent" in e["error"]]
    try:
        wait_for("Zuul to refuse the hostile child job", child_refused, 300,
                 [stack.log("scheduler")], 2)
    except Exception:
        hostile = [e for e in stack.config_errors()
                   if e.get("source_context", {}).get("project") == HOSTILE]
        raise AssertionError(f"no refusal of the child job; the hostile project's "
                             f"configuration errors: {hostile}") from None

    def refused(pipeline, text):
        def found():
            stack.check_alive()
            return [b for b in stack.tenant_api("buildsets", project=HOSTILE,
                                                pipeline=pipeline)
                    if b.get("result") == "CONFIG_ERROR" and text in (b.get("message") or "")]
        return found
    wait_for("Zuul to refuse the hostile variant", refused(
        "watch", f"Unable to modify final job <Job {job} "), 300, [stack.log("scheduler")], 3)

    # A proposed change: a push to a review branch once Zuul has the
    # master commit and knows the branch (its creation alone is not a trigger
    # event, and one poll seeing both would report the branch only).
    repo = stack.repo(HOSTILE)
    git(repo, "branch", "-f", "review/blind")
    time.sleep(15)
    git(repo, "checkout", "-q", "review/blind")
    try:
        stack.commit_to(HOSTILE, {"proposed.txt": "Blind the watcher.\n"},
                        "A proposed change")
    finally:
        git(repo, "checkout", "-q", "master")

    def builds(count):
        def enough():
            stack.check_alive()
            done = stack.completed_builds(job, pipeline="watch")
            return done if len(done) >= count else None
        return wait_for(f"{count} completed {job} build(s)", enough, 300,
                        [stack.log("scheduler"), stack.log("executor")], 3)

    # its own watch job ran in post and handed no state on (a serial above
    # PyPI's is refused; its builds are not the trusted job's anyway)
    hostile_builds = wait_for("a hostile-watch build in post", lambda: stack.completed_builds(
        "hostile-watch", pipeline="post"), 300, [stack.log("scheduler")], 3)
    for build in hostile_builds:
        assert build["result"] == "FAILURE", build
        assert STATE not in {a["name"] for a in build["artifacts"]}, build

    first = builds(1)[0]
    assert first["result"] == "SUCCESS", first
    assert first["ref"]["project"] != HOSTILE
    first_report = report(stack, first)
    assert first_report["findings"] == [], first_report
    state = stack.fetch(artifact(first, STATE)["url"]).json()
    assert state["serial"] == first_report["serial_to"], state

    planted = stack.pypi.journal.append("nova", None, "invite Maintainer mallory")

    # the build whose poll read the planted event mails it and fails; the
    # builds before it, started before the planting, found nothing
    def alerting():
        done = builds(2)[1:]
        failed = [b for b in done if b["result"] != "SUCCESS"]
        return failed[0] if failed else None
    alert = wait_for("a pypi-watch build that alerts", alerting, 300,
                     [stack.log("executor")], 3)
    assert alert["result"] == "FAILURE", alert
    alert_report = report(stack, alert)
    assert [(f["project"], f["account"], f["serial"]) for f in alert_report["findings"]] == [
        ("nova", "mallory", planted)], alert_report["findings"]
    mails = watch_mails(login_sink)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert "mallory" in mails[0].get_body(("plain",)).get_content()
    # through the secret's server, with its login; the hostile listener got nothing
    assert ("pypi-guard", password) in login_sink.logins
    assert hostile_sink.logins == [] and hostile_sink.messages == []
    # the trusted job never ran for the hostile project (allowed-projects),
    # nor pypi-watch in check, minutes after the proposed change (it is
    # post-review: Zuul does not run it in a pre-review pipeline)
    assert stack.builds(job_name=job, project=HOSTILE) == []
    assert stack.builds(job_name="hostile-watch", pipeline="check") == []

    # the build after it starts from the alerting build's state: nothing twice
    def after_alert():
        done = [b for b in builds(1) if b["_id"] > alert["_id"]]
        return done[0] if done else None
    after = wait_for("the pypi-watch build after the alert", after_alert, 300,
                     [stack.log("executor")], 3)
    assert after["result"] == "SUCCESS", after
    after_report = report(stack, after)
    assert after_report["findings"] == [], after_report
    assert "state" in after_report["start"] and "build" in after_report["start"], after_report
    assert after_report["serial_from"] >= planted, after_report
    assert len(watch_mails(login_sink)) == 1
    # and every build after the first started where the one before it stopped
    done = [b for b in builds(1) if b["_id"] <= after["_id"]]
    for previous, build in zip(done, done[1:], strict=False):
        assert report(stack, build)["serial_from"] == report(stack, previous)["serial_to"], (
            previous["uuid"], build["uuid"])
