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

"""What every audit module shares: its common options, its report's name,
title and columns, which projects it audits, its HTTP client, its result,
finding and input error, and the module's run from options to reports."""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.pypi_guard.deliverables import (
    ManagedProject,
    ManagedSet,
    derive_managed_set,
)
from ansible.module_utils.pypi_guard.errors import AuditInputError, run_module
from ansible.module_utils.pypi_guard.http import (
    DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_BODY_SIZE,
    HttpClient,
    check_index_url,
)
from ansible.module_utils.pypi_guard.names import normalize_name
from ansible.module_utils.pypi_guard.report import build_report, write_reports
from ansible.module_utils.pypi_guard.settings import SETTINGS_OPTION, check_settings, flat_params
from ansible.module_utils.pypi_guard.text import printable

if TYPE_CHECKING:
    from ansible.module_utils.pypi_guard.allowlist import MaintainersAllowlist

# a module's parameters, as AnsibleModule parsed them
Params = Mapping[str, Any]
# an error of a report: {"project", "detail"} and an audit's own keys
ErrorDict = dict[str, Any]

@dataclass(frozen=True)
class ReportSpec:
    """An audit's reports: ``<name>.json`` and ``<name>.html``, the title
    they and the role's messages carry, and the columns of the HTML tables
    (keys of the findings' ``as_dict()``)."""

    name: str
    title: str
    columns: tuple[str, ...]


# Every audit's reports, keyed by the audit's module.
REPORTS = {
    "pypi_maintainers_audit": ReportSpec(
        "pypi-maintainers-audit", "PyPI maintainers audit",
        ("project", "kind", "account", "role", "detail")),
    "pypi_release_audit": ReportSpec(
        "pypi-release-audit", "PyPI release audit",
        ("project", "kind", "version", "upload_time", "url", "detail")),
    "release_signature_audit": ReportSpec(
        "release-signature-audit", "Release signature audit",
        ("project", "kind", "version", "filename", "detail")),
    "pypi_watch": ReportSpec(
        "pypi-watch", "PyPI changelog watch",
        ("project", "kind", "account", "role", "version", "filename", "serial", "detail")),
}


# A run in which the index does not know more than half of the projects it
# read, and at least this many, is not looking at the index that publishes
# them (a wrong pypi_url, a stale mirror, a CDN fault): an error, not a
# warning per project.
UNKNOWN_PROJECTS_MIN = 3

# The error of a run that checked no project at all.
NOTHING_CHECKED = {
    "project": "(every project)",
    "detail": "no project was checked: the list of projects to audit is empty (no "
              "deliverable in pypi_guard_releases_repo, or every project ignored); a run "
              "that checked nothing is not a pass"}


def unknown_index_error(pypi_url: str, unknown: int, read: int) -> ErrorDict | None:
    """The error for a run in which the index knows too few of the ``read``
    projects (``unknown`` of them got a 404), or None."""
    if unknown < UNKNOWN_PROJECTS_MIN or unknown * 2 <= read:
        return None
    return {"project": "(every project)", "detail": (
        f"{pypi_url} does not know {unknown} of the {read} managed projects it was asked "
        "about: it does not look like the index that publishes them (is "
        "pypi_guard_pypi_url right? a stale mirror or a CDN fault looks like this)")}


@dataclass(frozen=True)
class AuditFinding:
    """One finding (fails the job) or warning of an audit. Each audit's
    finding adds its own fields (its report's columns) and says in
    :meth:`subject` what the line names besides the project."""

    project: str
    kind: str
    detail: str

    def subject(self) -> str:
        return ""

    def line(self) -> str:
        """``<project>: <kind>: <subject> - <detail>``, escaped for a log."""
        subject = self.subject()
        return printable(f"{self.project}: {self.kind}: "
                         f"{subject + ' - ' if subject else ''}{self.detail}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditResult:
    """What an audit found: :class:`AuditFinding` findings and warnings;
    errors ``{"project", "detail"}`` for what could not be checked (an audit
    may add keys, such as a file's ``version`` and ``filename``, and says
    them in the detail too); ``extra``, the audit's own keys of the report
    (``files_checked``...)."""

    projects_checked: int = 0
    findings: list[AuditFinding] = field(default_factory=list)
    warnings: list[AuditFinding] = field(default_factory=list)
    errors: list[ErrorDict] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def all_errors(self) -> list[ErrorDict]:
        """``errors``, plus :data:`NOTHING_CHECKED` when the run checked no
        project and has no other error: such a run never passes."""
        if self.errors or self.projects_checked:
            return list(self.errors)
        return [dict(NOTHING_CHECKED)]

    @property
    def status(self) -> str:
        """``error`` when anything could not be checked (or nothing was),
        else ``drift`` when something was found, else ``clean``."""
        if self.all_errors():
            return "error"
        return "drift" if self.findings else "clean"

    @staticmethod
    def error_line(error: Mapping[str, Any]) -> str:
        return printable(f"{error['project']}: error: {error['detail']}")

    def problem_lines(self) -> list[str]:
        """One line per finding and per error: what fails the job."""
        lines = [finding.line() for finding in self.findings]
        return lines + [self.error_line(error) for error in self.all_errors()]

    def warning_lines(self) -> list[str]:
        return [warning.line() for warning in self.warnings]


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


def http_client(params: Params) -> HttpClient:
    """The audit's client; refuses (:class:`AuditInputError`) a plain-http
    ``pypi_url`` that is not loopback unless ``allow_insecure_http``, before
    any request."""
    insecure = bool(params.get("allow_insecure_http"))
    check_index_url(params["pypi_url"], insecure)
    return HttpClient(concurrency=params["concurrency"], rate_limit=params["rate_limit"],
                      timeout=params["timeout"], retries=params["retries"],
                      max_retry_after=params["max_retry_after"],
                      max_body_size=params.get("max_body_size", DEFAULT_MAX_BODY_SIZE),
                      download_timeout=params.get("download_timeout",
                                                  DEFAULT_DOWNLOAD_TIMEOUT),
                      allow_insecure_http=insecure)


def select_projects(releases_repo: str | None, explicit: Iterable[str],
                    extra: Iterable[str] = (), ignored: Iterable[str] = (),
                    project_config: str | None = None) -> ManagedSet:
    """The projects to audit: a :class:`ManagedSet` whose ``projects`` are
    ``{normal name: ManagedProject}``.

    The derivation from the releases repository (cross-checked with a
    project-config checkout when given), or the explicit list instead, plus
    ``extra`` names, minus ``ignored`` ones. Projects that the releases
    repository does not describe (explicit or extra names) get an empty
    :class:`ManagedProject`; each project's ``sources`` say why it is audited.
    Repositories that publish to PyPI without a deliverable are only looked
    for when the set is derived.
    """
    if not explicit and not releases_repo:
        raise AuditInputError(
            "no releases repository and no explicit list of projects: set "
            "pypi_guard_releases_repo to a checkout of openstack/releases (under Zuul, "
            "add it to the job's required-projects) or set pypi_guard_projects")
    managed = (derive_managed_set(releases_repo, project_config) if releases_repo
               else ManagedSet({}, project_config_checked=False))
    derived = managed.projects
    names: dict[str, tuple[str, str | None]] = {
        normalize_name(n): (n, "projects (explicit list)") for n in explicit}
    if explicit:
        managed.unlisted_publishers = []
    else:
        names = {name: (project.pypi_name, None) for name, project in derived.items()}
    names.update({normalize_name(n): (n, "extra_projects") for n in extra})
    for name in ignored:
        names.pop(normalize_name(name), None)
    managed.projects = {}
    for name, (spelled, source) in sorted(names.items()):
        project = derived.get(name) or ManagedProject(name, spelled)
        if source:
            project.sources.add(source)
        managed.projects[name] = project
    return managed


def audited_projects(params: Params, allowlist: MaintainersAllowlist) -> ManagedSet:
    """:func:`select_projects` for an audit module's options and the
    maintainer allowlist's ``extra_projects`` and ``ignored_projects``."""
    return select_projects(params["releases_repo"], params["projects"],
                           allowlist.extra_projects, allowlist.ignored_projects,
                           params["project_config"])


def finish(audit: str, params: Params, check_mode: bool, result: AuditResult,
           selection: ManagedSet | None = None) -> dict[str, Any]:
    """The module result of the audit module ``audit`` (a key of
    :data:`REPORTS`) for an :class:`AuditResult`, with the reports written
    unless in check mode. ``selection`` is :func:`select_projects`'s answer:
    the report says how the set was made (``managed_set``) and its warnings
    join the audit's.

    The report is returned under its own key: a top-level ``warnings`` would
    be taken by Ansible for its own warnings. Reports that cannot be written
    lose nothing: the result still carries every problem, and
    ``report_error`` says why the files are missing (the role fails on it).
    """
    spec = REPORTS[audit]
    extra = dict(result.extra)
    if selection is not None:
        extra["managed_set"] = selection.report()
        # the release account's reach: its warnings and errors join the audit's
        result.warnings = result.warnings + selection.reach_warnings
        result.errors = result.errors + selection.reach_errors

    # every column of the report's table, None where a kind has none
    def row(item: AuditFinding) -> dict[str, Any]:
        return dict(dict.fromkeys(spec.columns), **item.as_dict())
    report = build_report(
        result.status, params["pypi_url"], result.projects_checked,
        [row(f) for f in result.findings], [row(w) for w in result.warnings],
        result.all_errors(), **extra)
    warning_lines = result.warning_lines() + (selection.warnings if selection else [])
    output: dict[str, Any] = {"changed": False, "status": result.status, "report": report,
                              "report_title": spec.title, "problems": result.problem_lines(),
                              "warning_lines": warning_lines, "report_error": ""}
    if params.get("report_dir") and not check_mode:
        try:
            output["report_json"], output["report_html"] = write_reports(
                params["report_dir"], spec.name, report, spec.title, list(spec.columns))
            output["changed"] = True
        except OSError as exc:
            output["report_error"] = printable(
                f"the reports could not be written to {params['report_dir']}: {exc}")
    output["report_artifacts"] = report_artifacts(
        spec.title, output.get("report_html"), output.get("report_json"),
        params.get("zuul_log_root"))
    output["failure"] = failure_message(spec.title, result.status, output["problems"],
                                        output["report_error"])
    return output


def report_artifacts(title: str, html: str | None, json_path: str | None,
                     log_root: str | None) -> list[dict[str, Any]]:
    """The build artifacts (for ``zuul_return``) that link an audit's
    reports and the ``index.html`` beside them from the build page: none
    outside Zuul (no ``log_root``), and none for a file outside the log root,
    which Zuul would not publish."""
    if not log_root:
        return []
    reports = [(title, html), (f"{title} (JSON)", json_path)]
    if html:
        reports.append(("Audit reports of this build",
                        os.path.join(os.path.dirname(html), "index.html")))
    artifacts = []
    for name, path in reports:
        url = os.path.relpath(path, log_root) if path else ".."
        if url != ".." and not url.startswith("../"):
            artifacts.append({"name": name, "url": url, "metadata": {"type": "audit_report"}})
    return artifacts


# The problems a failure names; the rest are counted (the report has all).
MAX_FAILURE_LINES = 200


def failure_message(title: str, status: str, problems: list[str], report_error: str) -> str:
    """Why the role fails the job, one line each: empty for a clean run
    whose reports were written."""
    if status == "clean" and not report_error:
        return ""
    lines = [f"{title}: {status}, {len(problems)} problem(s):", *problems[:MAX_FAILURE_LINES]]
    if len(problems) > MAX_FAILURE_LINES:
        lines.append(f"... and {len(problems) - MAX_FAILURE_LINES} more: every one is in "
                     "the report")
    return "\n".join(lines + ([report_error] if report_error else []))


# The periodic audits, whose build page must always link a report: input
# they cannot use still writes one, with status error.
INPUT_ERROR_REPORTS = frozenset(
    {"pypi_maintainers_audit", "pypi_release_audit", "release_signature_audit"})
INPUT_ERROR_PROJECT = "(input)"


def input_error_output(audit: str, params: Params, check_mode: bool,
                       error: BaseException) -> dict[str, Any]:
    """:func:`finish`'s result for a run stopped by bad input: status
    ``error``, one error per line of ``error`` (each naming its file), the
    reports written; nothing was audited."""
    # str(): every line names its file (a VarsFileError's problems do not)
    result = AuditResult(errors=[{"project": INPUT_ERROR_PROJECT, "detail": printable(line)}
                                 for line in str(error).splitlines() if line.strip()])
    output = finish(audit, params, check_mode, result)
    if audit == "pypi_release_audit":
        output["alert"] = {}  # nothing to mail: the role's mail step reads it
    return output


def run_audit_module(audit: str, argument_spec: dict[str, Any],
                     run: Callable[[Params, bool], dict[str, Any]],
                     **module_kwargs: Any) -> None:
    """The ``main()`` of the audit module ``audit`` (a key of
    :data:`REPORTS`), over :func:`~ansible.module_utils.pypi_guard.errors.run_module`:
    its options are ``settings``
    (:data:`~ansible.module_utils.pypi_guard.settings.SETTINGS_OPTION`, checked
    here) and ``argument_spec``; ``run(params, check_mode)``, which reads both
    as one flat mapping, returns the module result (:func:`finish`'s). Input
    it cannot use (:class:`AuditInputError`) stops it before any request:
    the periodic audits then return the reports of an ``error`` run (the
    role fails on them), others fail the module, with one line per problem."""

    def run_audit(module: AnsibleModule) -> dict[str, Any]:
        params = flat_params(module.params)
        try:
            check_settings(module.params["settings"])
            return run(params, module.check_mode)
        except AuditInputError as exc:
            if audit in INPUT_ERROR_REPORTS and params.get("report_dir"):
                return input_error_output(audit, params, module.check_mode, exc)
            raise AuditInputError(
                exc.problems, f"{REPORTS[audit].title}: the input is not usable:\n{exc}") from exc

    run_module(dict(SETTINGS_OPTION, **argument_spec), run_audit, supports_check_mode=True,
               **module_kwargs)
