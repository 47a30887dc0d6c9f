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
  project:
    description:
      - Test mode only (the role's C(release_python_signed_test_mode), by hand), the name
        on the index of the project being released. Mutually exclusive with
        O(repository), which names the release under Zuul.
      - Compared in PEP 503 normal form with the name in each artifact's
        file name and in its metadata.
    type: str
  repository:
    description:
      - The repository being released (C(zuul.project.name)). The release is
        then the one a deliverable file of O(releases_repo) lists for
        O(version) with this repository, at exactly the commit checked out
        in O(source_dir); its name on the index is the deliverable's
        (C(pypi-name), else C(tarball-base), else the repository's base
        name). Anything else fails before the key is used.
    type: str
  releases_repo:
    description: Checkout of the releases repository (openstack/releases), with O(repository).
    type: path
  source_dir:
    description:
      - Checkout of O(repository) that was built (its C(HEAD) is the commit
        checked), with O(repository).
    type: path
  version:
    description:
      - The version being released (under Zuul, the tag). Compared as a
        PEP 440 version with the version in each artifact's file name and
        metadata, so C(1.0) and C(1.0.0) are the same.
    type: str
    required: true
"""
