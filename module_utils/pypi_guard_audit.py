"""What every audit module shares: its common options, which projects it
audits, its HTTP client and its reports."""

import datetime
from dataclasses import dataclass, field

from ansible.module_utils.pypi_guard_deliverables import (
    ManagedProject,
    derive_managed_projects,
    normalize_name,
)
from ansible.module_utils.pypi_guard_http import HttpClient
from ansible.module_utils.pypi_guard_report import build_report, write_reports

# Options of every audit module (each module documents them too).
COMMON_ARGUMENT_SPEC = {
    "releases_repo": {"type": "path"},
    "projects": {"type": "list", "elements": "str", "default": []},
    "pypi_url": {"type": "str", "default": "https://pypi.org"},
    "report_dir": {"type": "path"},
    "concurrency": {"type": "int", "default": 8},
    "rate_limit": {"type": "float", "default": 10.0},
    "timeout": {"type": "float", "default": 30.0},
    "retries": {"type": "int", "default": 4},
    "max_retry_after": {"type": "float", "default": 300.0},
    "today": {"type": "str"},
}


@dataclass
class AuditResult:
    """What an audit found. Findings and warnings have ``line()`` and
    ``as_dict()``; errors are ``{"project", "detail"}`` for what could not be
    checked (with ``version`` and ``filename`` when they are about one file)."""

    projects_checked: int = 0
    findings: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def status(self):
        """``error`` when anything could not be checked, else ``drift`` when
        something was found, else ``clean``."""
        if self.errors:
            return "error"
        return "drift" if self.findings else "clean"

    def problem_lines(self):
        """One line per finding and per error: what fails the job."""
        lines = [finding.line() for finding in self.findings]
        for error in self.errors:
            where = " ".join(str(error[key]) for key in ("project", "version", "filename")
                             if error.get(key))
            lines.append(f"{where}: error: {error['detail']}")
        return lines

    def warning_lines(self):
        return [warning.line() for warning in self.warnings]


def audit_date(params):
    """The day the audit runs for: ``params['today']`` or today in UTC."""
    if params.get("today"):
        return datetime.date.fromisoformat(params["today"])
    return datetime.datetime.now(datetime.timezone.utc).date()


def http_client(params):
    return HttpClient(concurrency=params["concurrency"], rate_limit=params["rate_limit"],
                      timeout=params["timeout"], retries=params["retries"],
                      max_retry_after=params["max_retry_after"])


def select_projects(releases_repo, explicit, extra=(), ignored=()):
    """The projects to audit, ``{normal name: ManagedProject}``.

    The derivation from the releases repository, or the explicit list
    instead, plus ``extra`` names, minus ``ignored`` ones. Projects that the
    releases repository does not describe (explicit or extra names) get an
    empty :class:`ManagedProject`.
    """
    if not explicit and not releases_repo:
        raise ValueError(
            "no releases repository and no explicit list of projects: set "
            "pypi_guard_releases_repo to a checkout of openstack/releases (under Zuul, "
            "add it to the job's required-projects) or set pypi_guard_projects")
    derived = derive_managed_projects(releases_repo) if releases_repo else {}
    names = {normalize_name(n): n for n in explicit} if explicit else {
        name: project.pypi_name for name, project in derived.items()}
    names.update({normalize_name(n): n for n in extra})
    for name in ignored:
        names.pop(normalize_name(name), None)
    return {name: derived.get(name) or ManagedProject(name, spelled)
            for name, spelled in sorted(names.items())}


def finish(params, check_mode, basename, title, columns, result, **extra):
    """The module result for an :class:`AuditResult`, with the reports
    written unless in check mode.

    The report is returned under its own key: a top-level ``warnings`` would
    be taken by Ansible for its own warnings.
    """
    report = build_report(
        result.status, params["pypi_url"], result.projects_checked,
        [f.as_dict() for f in result.findings], [w.as_dict() for w in result.warnings],
        result.errors, **extra)
    output = {"changed": False, "status": result.status, "report": report,
              "problems": result.problem_lines(), "warning_lines": result.warning_lines()}
    if params.get("report_dir") and not check_mode:
        output["report_json"], output["report_html"] = write_reports(
            params["report_dir"], basename, report, title, columns)
        output["changed"] = True
    return output
