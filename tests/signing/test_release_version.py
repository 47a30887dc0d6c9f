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

"""The release job's settings, checked by its modules before anything is
done: the version is the tag under Zuul (zuul.tag, or the tag of zuul.ref:
Zuul's git driver gives a tag event as refs/tags/<tag> and no zuul.tag);
the test mode is refused under Zuul and required by hand; every setting
missing is named in one message; pypi_info is checked and says where and
as whom to upload.  The functions directly, then each refusal through the
real ansible-playbook."""

import pytest
from ansible.module_utils.pypi_guard.artifacts import (
    NO_TEST_MODE_BY_HAND,
    SIGN,
    TEST_MODE_UNDER_ZUUL,
    UPLOAD,
    SettingsError,
    release_arguments,
    release_from_options,
    release_mode_problem,
    release_tag,
    signing_summary,
)
from ansible.module_utils.pypi_guard.index import (
    UploadRefused,
    UploadTarget,
    plan_upload,
    upload_problems,
    upload_target,
)

from tests.support.playbook import run_playbook

ZUUL = {"project": {"name": "openstack/oslo.config", "short_name": "oslo.config",
                    "src_dir": "src/opendev.org/openstack/oslo.config"},
        "executor": {"work_root": "/w", "log_root": "/w/logs"}, "projects": {}}
KEY = {"private": "-----BEGIN PGP PRIVATE KEY BLOCK-----", "public": None}


def options(**changes):
    """A module's options as Ansible gives them, for a complete hand run."""
    base = {"artifacts_dir": "/dist", "gpg_key": KEY, "fingerprint": "F" * 40,
            "zuul": None, "test_mode": True, "project": "oslo.config", "version": "10.1.0",
            "releases_repo": "", "releases_project": "openstack/releases"}
    base.update(changes)
    return base


@pytest.mark.parametrize("zuul, expected", [
    (dict(ZUUL, tag="2.0"), "2.0"),
    (dict(ZUUL, tag=None, ref="refs/tags/1.0.0"), "1.0.0"),
    (dict(ZUUL, tag="", ref="refs/tags/1.0.0"), "1.0.0"),
    (dict(ZUUL, ref="refs/heads/master"), ""),
    (dict(ZUUL, ref="refs/tags/"), ""),
    (dict(ZUUL, ref="refs/heads/refs/tags/9.9"), ""),
    (ZUUL, ""),
])
def test_the_version_under_zuul_is_the_tag(zuul, expected):
    assert release_tag(zuul) == expected


@pytest.mark.parametrize("zuul, test_mode, problem", [
    (ZUUL, False, ""),
    (ZUUL, True, TEST_MODE_UNDER_ZUUL),
    (None, True, ""),
    (None, False, NO_TEST_MODE_BY_HAND),
])
def test_the_test_mode_only_by_hand(zuul, test_mode, problem):
    assert release_mode_problem(zuul, test_mode) == problem


def test_under_zuul_the_release_is_named_by_zuul_not_by_variables():
    arguments, problems = release_arguments(
        options(zuul=dict(ZUUL, tag="10.1.0"), test_mode=False, project="nova",
                version="99.0.0", releases_repo="/w/src/opendev.org/openstack/releases"),
        SIGN)
    assert problems == []
    assert arguments == {"version": "10.1.0", "repository": "openstack/oslo.config",
                         "releases_repo": "/w/src/opendev.org/openstack/releases",
                         "source_dir": "/w/src/opendev.org/openstack/oslo.config"}


def test_by_hand_the_release_is_named_by_variables():
    assert release_from_options(options(), SIGN) == {
        "project": "oslo.config", "version": "10.1.0",
        "named_by": "release_python_signed_project and release_python_signed_version "
                    "(test mode)"}


@pytest.mark.parametrize("step, changes, expected", [
    # the test mode alone, whatever else is missing
    (SIGN, {"zuul": ZUUL, "artifacts_dir": ""},
     [TEST_MODE_UNDER_ZUUL]),
    (UPLOAD, {"test_mode": False, "fingerprint": ""},
     [NO_TEST_MODE_BY_HAND]),
    # by hand: every setting missing, in one message
    (SIGN, {"artifacts_dir": "", "gpg_key": {"public": "x", "private": None},
            "fingerprint": "", "project": "", "version": ""},
     ["release_python_signed_artifacts_dir is not set (the directory holding the dists)",
      "gpg_key.private is not set (the gpg_key secret, with the armored private release key)",
      "release_python_signed_fingerprint is not set (the fingerprint of the release key in "
      "force)",
      "release_python_signed_project is not set (test mode: the name on the index of the "
      "project being released)",
      "no version to release: release_python_signed_version is not set (test mode)"]),
    # the upload needs either half of the key
    (UPLOAD, {"gpg_key": {"public": "x", "private": None}}, None),
    (UPLOAD, {"gpg_key": {}, "artifacts_dir": ""},
     ["release_python_signed_artifacts_dir is not set (the directory holding the dists and "
      "their .asc)",
      "gpg_key is not set (the gpg_key secret: public or private holds the release key)"]),
    # under Zuul: a tag and the releases repository's checkout
    (SIGN, {"zuul": ZUUL, "test_mode": False},
     ["no version to release: the job runs for no tag (run it in a tag pipeline)",
      "the releases repository openstack/releases is not among the job's projects "
      "(required-projects): it names what may be signed"]),
    (UPLOAD, {"zuul": dict(ZUUL, ref="refs/tags/1.0"), "test_mode": False,
              "releases_project": "example/releases"},
     ["the releases repository example/releases is not among the job's projects "
      "(required-projects): it names what may be uploaded"]),
    (SIGN, {"zuul": {"tag": "1.0"}, "test_mode": False, "releases_repo": "/r"},
     ["the zuul variable has no project.name, project.src_dir or executor.work_root: not a "
      "build of Zuul"]),
])
def test_every_missing_setting_in_one_message(step, changes, expected):
    if expected is None:
        assert release_from_options(options(**changes), step)["version"] == "10.1.0"
        return
    with pytest.raises(SettingsError) as raised:
        release_from_options(options(**changes), step)
    assert raised.value.problems == expected
    assert str(raised.value) == f"Cannot {step.action}: " + "; ".join(expected)


def test_the_upload_credentials_join_the_message():
    with pytest.raises(SettingsError, match=r"^Cannot upload: release_python_signed_finger"
                                            r"print is not set .*; pypi_info needs either"):
        release_from_options(options(fingerprint=""), UPLOAD, upload_problems({}))


TOKEN, USER, PASSWORD = "pypi-t0ken", "release-bot", "s3cret"


@pytest.mark.parametrize("pypi_info, problems", [
    ({"api_token": TOKEN}, []),
    ({"username": USER, "password": PASSWORD}, []),
    ({"api_token": TOKEN, "repository": "testpypi"}, []),
    ({"api_token": TOKEN, "repository": "private", "repository_url": "https://i.example/"},
     []),
    ({}, ["pypi_info needs either api_token, or username and password (not both)"]),
    ({"api_token": None, "username": USER, "password": None},
     ["pypi_info needs either api_token, or username and password (not both)"]),
    ({"api_token": TOKEN, "username": USER, "password": PASSWORD},
     ["pypi_info needs either api_token, or username and password (not both)"]),
    ({"api_token": TOKEN + "\n[evil]"},
     ["a pypi_info credential contains a line break"]),
    ({"username": USER + "\r", "password": PASSWORD},
     ["a pypi_info credential contains a line break"]),
    ({"api_token": TOKEN, "repository": "private"},
     ["pypi_info.repository is neither pypi nor testpypi: set pypi_info.repository_url"]),
    ({"api_token": TOKEN, "repository": "pypi]\n[x", "repository_url": "https://i.example/"},
     ["pypi_info.repository or repository_url contains a line break or a bracket (they go "
      "into the .pypirc)"]),
    ({"api_token": TOKEN, "repository_url": "https://i.example/\npassword = x"},
     ["pypi_info.repository or repository_url contains a line break or a bracket (they go "
      "into the .pypirc)"]),
])
def test_pypi_info_problems(pypi_info, problems):
    assert upload_problems(pypi_info) == problems


@pytest.mark.parametrize("pypi_info, target", [
    ({"api_token": TOKEN},
     UploadTarget("pypi", "https://upload.pypi.org/legacy/", "__token__", "api_token")),
    ({"api_token": TOKEN, "repository": "testpypi", "username": None},
     UploadTarget("testpypi", "https://test.pypi.org/legacy/", "__token__", "api_token")),
    ({"username": USER, "password": PASSWORD, "repository_url": "http://127.0.0.1:8/"},
     UploadTarget("pypi", "http://127.0.0.1:8/", USER, "password")),
    ({"username": USER, "password": PASSWORD, "repository": "mine",
      "repository_url": "https://i.example/legacy/"},
     UploadTarget("mine", "https://i.example/legacy/", USER, "password")),
])
def test_where_and_as_whom_to_upload(pypi_info, target):
    assert upload_target(pypi_info) == target
    # the secret itself is never part of the target
    assert TOKEN not in repr(upload_target(pypi_info))
    assert PASSWORD not in repr(upload_target(pypi_info))


# --------------------------------------------------------------------------
# What the modules return for the tasks to show


def test_the_sign_step_shows_the_release_the_key_and_each_dist():
    release = {"project": "oslo.config", "version": "10.1.0",
               "named_by": "deliverables/flamingo/oslo.config.yaml (openstack/oslo.config at "
                           + "c" * 40 + ")"}
    result = {"fingerprint": "F" * 40, "signing_key_fingerprint": "5" * 40,
              "signed": ["oslo_config-10.1.0.tar.gz.asc"],
              "files": [{"name": "oslo_config-10.1.0-py3-none-any.whl", "sha256": "a" * 64},
                        {"name": "oslo_config-10.1.0.tar.gz", "sha256": "b" * 64}]}
    assert signing_summary(release, result, check_mode=False) == [
        f"Release oslo.config 10.1.0 (named by {release['named_by']}), release key "
        f"{'F' * 40}, signing subkey {'5' * 40}:",
        f"oslo_config-10.1.0-py3-none-any.whl  sha256:{'a' * 64}",
        f"oslo_config-10.1.0.tar.gz  sha256:{'b' * 64}",
        "Signatures written: oslo_config-10.1.0.tar.gz.asc"]
    assert signing_summary(release, dict(result, signed=[]), check_mode=True)[-1] == (
        "Would write (check mode): none, every dist already had a good one")


FILES = ["/a/foo-1.0.tar.gz", "/a/foo-1.0.tar.gz.asc"]


@pytest.mark.parametrize("pypi_info, check_mode, fields, summary", [
    ({"api_token": TOKEN}, False,
     {"repository": "pypi", "upload_url": "https://upload.pypi.org/legacy/",
      "login": "__token__", "secret_field": "api_token",
      "simple_url": "https://pypi.org/simple/"},
     ["To upload to https://upload.pypi.org/legacy/: foo-1.0.tar.gz, foo-1.0.tar.gz.asc"]),
    ({"username": USER, "password": PASSWORD, "repository_url": "http://127.0.0.1:9/"}, True,
     {"repository": "pypi", "upload_url": "http://127.0.0.1:9/", "login": USER,
      "secret_field": "password", "simple_url": "http://127.0.0.1:9/simple/"},
     ["Would upload to http://127.0.0.1:9/: foo-1.0.tar.gz, foo-1.0.tar.gz.asc"]),
])
def test_the_upload_plan_says_where_and_as_whom(pypi_info, check_mode, fields, summary):
    plan = plan_upload(FILES, pypi_info, skip_existing=False, check_mode=check_mode)
    assert {key: plan[key] for key in fields} == fields
    assert plan["to_upload"] == FILES and plan["existing"] == []
    assert plan["summary"] == summary
    assert TOKEN not in repr(plan) and PASSWORD not in repr(plan)


def test_the_upload_plan_refuses_bad_settings_and_plain_http():
    with pytest.raises(SettingsError, match="^Cannot upload: pypi_info needs either"):
        plan_upload(FILES, {}, skip_existing=False)
    with pytest.raises(UploadRefused) as refused:
        plan_upload(FILES, {"api_token": TOKEN, "repository_url": "http://10.0.0.1/legacy/"})
    assert str(refused.value).startswith(
        "refusing to send the upload credentials to http://10.0.0.1/legacy/")
    assert refused.value.details()["simple_url"] == "http://10.0.0.1/simple/"


# --------------------------------------------------------------------------
# Each refusal through the real ansible-playbook: nothing else runs.


@pytest.mark.parametrize("playbook, extra, action, expected", [
    ("sign", {"zuul": dict(ZUUL, tag="10.1.0"), "release_python_signed_test_mode": True},
     "sign the release artifacts", [TEST_MODE_UNDER_ZUUL]),
    ("upload", {"zuul": dict(ZUUL, tag="10.1.0"), "release_python_signed_test_mode": True},
     "upload", [TEST_MODE_UNDER_ZUUL]),
    ("sign", {}, "sign the release artifacts", [NO_TEST_MODE_BY_HAND]),
    ("upload", {}, "upload", [NO_TEST_MODE_BY_HAND]),
    ("sign", {"zuul": dict(ZUUL, ref="refs/heads/master")}, "sign the release artifacts",
     ["no version to release: the job runs for no tag",
      "the releases repository openstack/releases is not among the job's projects"]),
    ("upload", {"release_python_signed_test_mode": True,
                "pypi_info": {"api_token": TOKEN, "username": USER}},
     "upload", ["release_python_signed_artifacts_dir is not set",
                "gpg_key is not set", "release_python_signed_fingerprint is not set",
                "release_python_signed_project is not set",
                "release_python_signed_version is not set",
                "pypi_info needs either api_token, or username and password"]),
])
def test_a_refusal_stops_the_playbook_before_anything_runs(tmp_path, playbook, extra, action,
                                                           expected):
    result = run_playbook(f"playbooks/release-python-signed/{playbook}.yaml", extra,
                          env={"TMPDIR": str(tmp_path)})
    assert result.returncode != 0
    message = next(line for line in result.output.splitlines() if f"Cannot {action}: " in line)
    # one message, every problem in it
    for text in expected:
        assert text in message, result.output
    assert TOKEN not in result.output
    assert "twine" not in result.output
