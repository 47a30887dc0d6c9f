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


"""The release key's trust boundary in a real Zuul: a hostile project of the
tenant tries to get its own files signed and uploaded with the release
secrets, and a tag is pushed on a commit the releases repository does not
list.  Zuul refuses the configuration (the deployer's job is final), or the
job fails before anything is signed; nothing reaches the index."""

import yaml

from tests.e2e.stack import HOSTILE, RELEASES, SAMPLE, dump_zuul_yaml, git, wait_for

# What a project would like the release job to believe.
EVIL_VARS = {"release_python_signed_test_mode": True, "release_python_signed_project": "e2e-sample",
             "release_python_signed_version": "1.0.0", "pypi_guard_releases_project": HOSTILE,
             "release_python_signed_skip_existing": False}


def console_of(stack, build):
    return stack.fetch(build["log_url"] + "job-output.txt").text if build["log_url"] else ""


def wait_for_builds(stack, job, project, pipelines, timeout=900):
    def done():
        stack.check_alive()
        found = {b["pipeline"]: b for b in stack.builds(job_name=job, project=project,
                                                        complete="true")}
        return found if set(pipelines) <= set(found) else None
    return wait_for(f"{job} builds of {project} in {', '.join(pipelines)}", done, timeout,
                    [stack.log("scheduler"), stack.log("executor")], 3)


def config_error(stack, project, pipeline, text):
    """A buildset of ``project`` in ``pipeline`` that Zuul refused to run
    (CONFIG_ERROR) saying ``text``."""
    def found():
        stack.check_alive()
        return [b for b in stack.tenant_api("buildsets", project=project, pipeline=pipeline)
                if b.get("result") == "CONFIG_ERROR" and text in (b.get("message") or "")]
    return wait_for(f"Zuul to refuse {project}'s {pipeline} item ({text})", found, 600,
                    [stack.log("scheduler")], 3)


def test_another_project_cannot_release_with_the_release_secrets(zuul_stack):
    stack = zuul_stack
    job = stack.trusted_release_job()
    before = stack.index.snapshot()
    repo = stack.repo(HOSTILE)
    commit = git(repo, "rev-parse", "HEAD").strip()
    # A variant of the trusted job (its own vars and pre-run) in its post
    # pipeline, a child job of it, and a fake releases tree in its own
    # repository listing its own commit.
    stack.commit_to(HOSTILE, {
        "deliverables/flamingo/e2e-sample.yaml": yaml.safe_dump({
            "team": "oslo", "type": "library", "releases": [
                {"version": "2.0.0", "projects": [{"repo": HOSTILE, "hash": commit}]}]}),
        "zuul.d/variant.yaml": dump_zuul_yaml([{"project": {
            "name": HOSTILE, "post": {"jobs": [{job: {
                "vars": EVIL_VARS, "pre-run": "playbooks/evil.yaml"}}]}}}]),
        "zuul.d/child.yaml": dump_zuul_yaml([{"job": {
            "name": "hostile-release", "parent": job, "pre-run": "playbooks/evil.yaml"}}]),
        "playbooks/evil.yaml": yaml.safe_dump([{"hosts": "localhost", "tasks": [
            {"ansible.builtin.debug": {"msg": "{{ gpg_key }}"}}]}]),
    }, "Release like e2e-sample")

    def child_refused():
        return [e for e in stack.config_errors("zuul.d/child.yaml")
                if "is final and can not act as a parent" in e["error"]]
    wait_for("Zuul to refuse the child job", child_refused, 300, [stack.log("scheduler")], 2)
    config_error(stack, HOSTILE, "post", "Unable to modify final job")

    # The trusted job as it is in its post pipeline, and project variables
    # (which Zuul merges into every job of the project, the release job that
    # runs for its tags included); then a tag of its own.
    (repo / "zuul.d" / "variant.yaml").unlink()
    stack.commit_to(HOSTILE, {"zuul.d/attach.yaml": dump_zuul_yaml([{"project": {
        "name": HOSTILE, "vars": EVIL_VARS, "post": {"jobs": [job]}}}])},
        "Release it as it is")
    wait_for_builds(stack, job, HOSTILE, ["post"])
    git(repo, "tag", "-a", "-m", "e2e-sample 2.0.0", "2.0.0")
    builds = wait_for_builds(stack, job, HOSTILE, ["post", "release"])
    post, release = console_of(stack, builds["post"]), console_of(stack, builds["release"])
    assert builds["post"]["result"] == "FAILURE", post[-4000:]
    assert "no version to release: the job runs for no tag" in post, post[-4000:]
    assert builds["release"]["result"] == "FAILURE", release[-4000:]
    assert (f"lists {HOSTILE} 2.0.0: only a release the releases repository lists is "
            "signed") in release, release[-4000:]
    for console in (post, release):
        assert "PLAY [Upload the signed release" not in console
        # the sign step refused: the upload step (its preflight first) never ran
        assert "TASK [release-python-signed : Preflight" not in console
        assert "Signatures written" not in console
    assert stack.index.snapshot() == before
    assert stack.builds(job_name="hostile-release") == []


def test_a_tag_on_a_commit_the_deliverable_does_not_list_is_refused(zuul_stack):
    stack = zuul_stack
    job = stack.trusted_release_job()
    before = stack.index.snapshot()
    listed = git(stack.repo(SAMPLE), "rev-parse", "HEAD").strip()
    path = stack.repo(RELEASES) / "deliverables" / "flamingo" / "e2e-sample.yaml"
    deliverable = yaml.safe_load(path.read_text())
    deliverable["releases"].append({"version": "1.0.1", "projects": [
        {"repo": SAMPLE, "hash": listed}]})
    stack.commit_to(RELEASES, {str(path.relative_to(stack.repo(RELEASES))):
                               yaml.safe_dump(deliverable, sort_keys=False)},
                    "Release e2e-sample 1.0.1")
    stack.commit_to(SAMPLE, {"e2e_sample.py": '"""Not what was reviewed."""\n'},
                    "Something else")
    tagged = git(stack.repo(SAMPLE), "rev-parse", "HEAD").strip()
    git(stack.repo(SAMPLE), "tag", "-a", "-m", "e2e-sample 1.0.1", "1.0.1")

    def done():
        stack.check_alive()
        found = [b for b in stack.builds(job_name=job, project=SAMPLE, complete="true")
                 if b["ref"]["ref"] == "refs/tags/1.0.1"]
        return found[0] if found else None
    build = wait_for("the release build of 1.0.1", done, 900,
                     [stack.log("scheduler"), stack.log("executor")], 3)
    console = console_of(stack, build)
    assert build["result"] == "FAILURE", console[-4000:]
    assert (f"openstack/e2e-sample 1.0.1: the commit built is {tagged}, but" in console
            and f"lists {listed}: refusing to sign a commit the release process did not "
                "approve" in console), console[-4000:]
    assert "Signatures written" not in console
    assert stack.index.snapshot() == before
