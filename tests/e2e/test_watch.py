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

"""pypi-watch in a real Zuul, fired by a timer: each build reads the state
the previous one returned (the artifact pypi-watch-state, found through
zuul-web's REST API), an invitation planted in PyPI's journal between two
builds is mailed once, and never again."""

import yaml

from e2e.stack import PROJECT_CONFIG, WATCH_TO, wait_for

JOB = "pypi-watch"
STATE = "pypi-watch-state"


def artifact(build, name):
    found = [a for a in build["artifacts"] if a["name"] == name
             or a["url"].rsplit("/", 1)[-1] == name]
    assert len(found) == 1, (name, build["artifacts"])
    return found[0]


def report(stack, build):
    return stack.fetch(artifact(build, f"{JOB}.json")["url"]).json()


def watch_mails(stack):
    return [m for _, rcpt, m in stack.smtp.messages if WATCH_TO in rcpt]


def test_watch_hands_its_state_from_build_to_build(zuul_stack):
    stack = zuul_stack
    stack.commit_to(PROJECT_CONFIG, {"zuul.d/watch.yaml": yaml.safe_dump(
        [stack.watch_project_config()], sort_keys=False)}, "Watch the changelog")

    def builds(count):
        def enough():
            stack.check_alive()
            done = stack.completed_builds(JOB, pipeline="watch")
            return done if len(done) >= count else None
        return wait_for(f"{count} completed {JOB} build(s)", enough, 300,
                        [stack.log("scheduler"), stack.log("executor")], 3)

    first = builds(1)[0]
    assert first["result"] == "SUCCESS", first
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
    mails = watch_mails(stack)
    assert len(mails) == 1, [m["Subject"] for m in mails]
    assert "mallory" in mails[0].get_body(("plain",)).get_content()

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
    assert len(watch_mails(stack)) == 1
    # and every build after the first started where the one before it stopped
    done = [b for b in builds(1) if b["_id"] <= after["_id"]]
    for previous, build in zip(done, done[1:], strict=False):
        assert report(stack, build)["serial_from"] == report(stack, previous)["serial_to"], (
            previous["uuid"], build["uuid"])
