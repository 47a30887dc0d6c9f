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

"""Print the set of PyPI projects the audits check, each with why it is in it.

Derives the set as the audit jobs do (the releases repository's deliverables,
cross-checked with openstack/project-config when given, plus the allowlist's
``extra_projects``, minus its ``ignored_projects``), for a person to review.
One line per project: its PyPI name, then where it comes from. Then the
warnings about the set (the project-config cross-check that did not run, an
unknown release type, ...) and the repositories that publish to PyPI without a
deliverable. Exits 1 when the set cannot be derived, printing why. It asks
PyPI nothing: the projects the jobs add at run time from the release
account's reach (account-only) are not in it.

With ``--explain NAME`` (a PyPI name or a repository's base name), it prints
instead whether NAME is in the set and, for every deliverable file that names
it, the rule that keeps it in or leaves it out.

Usage: tools/list_projects.py --releases-repo DIR [--project-config DIR]
                              [--allowlist vars/pypi-maintainers.yaml]
                              [--explain NAME]
"""

import argparse
import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parent.parent
ansible.module_utils.__path__.append(str(ROOT / "roles" / "ensure-pypi-guard" / "module_utils"))

from ansible.module_utils.pypi_guard.allowlist import (  # noqa: E402
    MaintainersAllowlist,
    load_maintainers_allowlist,
)
from ansible.module_utils.pypi_guard.audit import select_projects  # noqa: E402
from ansible.module_utils.pypi_guard.deliverables import source_lines  # noqa: E402
from ansible.module_utils.pypi_guard.errors import AuditInputError  # noqa: E402
from ansible.module_utils.pypi_guard.names import normalize_name  # noqa: E402
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import (  # noqa: E402
    unlisted_publisher_warnings,
)


def listing(selection, allowlist):
    """The lines to print for :func:`select_projects`'s answer."""
    lines = []
    for project in selection.projects.values():
        retired = " (retired)" if project.retired else ""
        lines.append(f"{project.pypi_name}{retired}: {'; '.join(source_lines(project.sources))}")
    lines.append(f"{len(selection.projects)} project(s); project-config cross-check: "
                 f"{'ran' if selection.project_config_checked else 'did not run'}")
    lines += [f"warning: {warning}" for warning in selection.warnings]
    lines += [warning.line() for warning in
              unlisted_publisher_warnings(selection.unlisted_publishers, allowlist)]
    return lines


def explanation(selection, allowlist, name):
    """Why ``name`` is in the set or not: a verdict line, then one line per
    deliverable file and repository that could give that name."""
    normal = normalize_name(name)
    project = selection.projects.get(normal)
    if project is not None:
        lines = [f"{name}: in the set, as {project.pypi_name}"
                 f"{' (retired)' if project.retired else ''}"]
    elif normal in allowlist.ignored_projects:
        lines = [f"{name}: not in the set: ignored_projects says "
                 f"{allowlist.ignored_projects[normal]!r}"]
    else:
        lines = [f"{name}: not in the set"]
    if normal in allowlist.extra_projects:
        lines.append(f"  in: extra_projects ({allowlist.extra_projects[normal]})")
    found = False
    for source, decision in selection.decisions:
        base = decision.repo.rsplit("/", 1)[-1]
        if normal not in (normalize_name(decision.pypi_name), normalize_name(base)):
            continue
        found = True
        named = "base name" if decision.guessed else "named"
        what = f"{source}: {decision.repo} ({decision.release_type}, {decision.pypi_name}, " \
               f"{named})"
        lines.append(f"  out: {what}: {decision.why_out}" if decision.why_out
                     else f"  in: {what}")
    if any(repo.rsplit("/", 1)[-1] == name for repo in selection.unlisted_publishers):
        found = True
        lines.append("  project-config publishes a repository of this name to PyPI, and no "
                     "deliverable names it (unlisted-publisher)")
    if not found and normal not in allowlist.extra_projects:
        lines.append("  no deliverable file names a repository or PyPI name like it")
    return lines


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases-repo", required=True, type=Path,
                        help="checkout of openstack/releases")
    parser.add_argument("--project-config", type=Path,
                        help="checkout of openstack/project-config")
    parser.add_argument("--allowlist", type=Path,
                        help="allowlist vars file (extra_projects, ignored_projects)")
    parser.add_argument("--explain", metavar="NAME",
                        help="say why NAME (a PyPI name or repository) is in the set or not")
    args = parser.parse_args(argv)
    try:
        allowlist = (load_maintainers_allowlist(args.allowlist) if args.allowlist
                     else MaintainersAllowlist())
        selection = select_projects(args.releases_repo, [], allowlist.extra_projects,
                                    allowlist.ignored_projects, args.project_config)
    except AuditInputError as exc:
        print(f"cannot derive the set of projects: {exc}")
        return 1
    if args.explain:
        print("\n".join(explanation(selection, allowlist, args.explain)))
    else:
        print("\n".join(listing(selection, allowlist)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
