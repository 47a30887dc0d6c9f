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

"""The options that name the release being made, of the modules that sign
and verify it, documented once (see pypi_guard_settings.py for how fragments
are read); their argument spec is artifacts.RELEASE_ARGUMENT_SPEC."""


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  zuul:
    description:
      - The C(zuul) variable of the build, as Zuul gives it; omitted by hand.
        With it the release is the tag (C(zuul.tag), or the tag of
        C(zuul.ref), C(refs/tags/<tag>)) of C(zuul.project.name), and a
        deliverable file of O(releases_repo) must list that version for that
        repository at exactly the commit checked out in
        C(zuul.executor.work_root)/C(zuul.project.src_dir); its name on the
        index is the deliverable's (C(pypi-name), else C(tarball-base), else
        the repository's base name). Anything else fails before the key is
        used.
    type: dict
  test_mode:
    description:
      - The role's C(release_python_signed_test_mode), for hand runs and
        tests only. The release is then named by O(project) and O(version),
        unchecked. Refused with O(zuul); without O(zuul) it is required.
    type: bool
    default: false
  project:
    description:
      - Test mode only (C(release_python_signed_project)), the name on the
        index of the project being released; ignored with O(zuul).
      - Compared in PEP 503 normal form with the name in each artifact's
        file name and in its metadata.
    type: str
    default: ""
  version:
    description:
      - Test mode only (C(release_python_signed_version)), the version being
        released; with O(zuul) it is the tag. Compared as a PEP 440 version
        with the version in each artifact's file name and metadata, so
        C(1.0) and C(1.0.0) are the same.
    type: str
    default: ""
  releases_repo:
    description:
      - With O(zuul), the checkout of the releases repository
        (C(pypi_guard_releases_repo)); empty when the job does not have it.
    type: path
    default: ""
  releases_project:
    description:
      - The name of the releases repository (C(pypi_guard_releases_project)),
        for the message when O(releases_repo) is empty.
    type: str
    default: openstack/releases
"""
