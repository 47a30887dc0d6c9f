import json

import ansible.module_utils.pypi_guard.report as report_module
import pytest
from ansible.module_utils.pypi_guard.audit import AuditResult, finish
from ansible.module_utils.pypi_guard.report import (
    build_report,
    render_html,
    write_atomically,
    write_reports,
)


def test_a_failed_write_leaves_every_file_as_it_was(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "a.html"
    first.write_text("old json")
    second.write_text("old html")
    with pytest.raises(UnicodeEncodeError):  # the second cannot be written
        write_atomically({first: "new json", second: "half \ud800 a surrogate"})
    assert first.read_text() == "old json" and second.read_text() == "old html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.json"]


def test_bytes_and_mode(tmp_path):
    target = tmp_path / "x.asc"
    write_atomically({target: b"-----BEGIN PGP SIGNATURE-----"}, mode=0o600)
    assert target.read_bytes() == b"-----BEGIN PGP SIGNATURE-----"
    assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_reports_are_written_together(tmp_path):
    report = build_report("drift", "https://pypi.org", 2,
                          [{"project": "nova", "kind": "unexpected-account", "account": "m",
                            "role": "Owner", "detail": "<script>alert(1)</script>"}], [], [])
    json_path, html_path = write_reports(tmp_path / "out", "audit", report, "An audit",
                                         ["project", "kind", "account", "role", "detail"])
    assert json.loads(open(json_path).read()) == report
    html = open(html_path).read()
    assert "&lt;script&gt;" in html and "<script>" not in html  # escaped, never run
    assert oct((tmp_path / "out" / "audit.json").stat().st_mode & 0o777) == "0o644"


def test_report_shape():
    report = build_report("clean", "u", 0, [], [], [])
    assert list(report) == ["status", "pypi_url", "generated_at", "projects_checked",
                            "findings", "warnings", "errors"]
    assert report["generated_at"].endswith("Z")
    assert "None: every project was checked." in render_html(report, "T", ["project"])


def fail_on_call(monkeypatch, number):
    """Make the ``number``-th os.replace of the report writer fail."""
    real_replace, calls = report_module.os.replace, []

    def replace(source, target):
        calls.append(target)
        if len(calls) == number:
            raise OSError(28, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(report_module.os, "replace", replace)
    return calls


def test_a_failed_second_rename_puts_the_first_file_back(tmp_path, monkeypatch):
    first, second = tmp_path / "a.json", tmp_path / "a.html"
    first.write_text("old json")
    second.write_text("old html")
    first.chmod(0o640)
    calls = fail_on_call(monkeypatch, 2)
    with pytest.raises(OSError, match="No space left on device"):
        write_atomically({first: "new json", second: "new html"})
    assert len(calls) == 3  # first, second (failed), first put back
    assert first.read_text() == "old json" and second.read_text() == "old html"
    assert oct(first.stat().st_mode & 0o777) == "0o640"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "a.json"]


def test_a_failed_second_rename_removes_a_new_first_file(tmp_path, monkeypatch):
    fail_on_call(monkeypatch, 2)
    with pytest.raises(OSError):
        write_atomically({tmp_path / "a.json": "new json", tmp_path / "a.html": "new html"})
    assert list(tmp_path.iterdir()) == []


def test_a_lone_surrogate_from_the_index_does_not_lose_the_report(tmp_path):
    report = build_report("drift", "u", 1, [{"project": "nova", "detail": "bad \ud800"}],
                          [], [])
    json_path, html_path = write_reports(tmp_path, "audit", report, "T", ["project", "detail"])
    assert json.loads(open(json_path).read()) == report
    assert "bad \\ud800" in open(html_path).read()


class _Drift:
    def line(self):
        return "nova: unexpected-account: mallory (Owner) - remove it"

    def as_dict(self):
        return {"project": "nova", "kind": "unexpected-account"}


def test_unwritable_reports_keep_every_problem(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    params = {"pypi_url": "https://pypi.example", "report_dir": str(blocker / "reports")}
    result = AuditResult(1, [_Drift()], [], [{"project": "glance", "detail": "HTTP 503"}])
    output = finish(params, False, "audit", "An audit", ["project", "kind"], result)
    assert output["status"] == "error" and output["changed"] is False
    assert output["problems"] == ["nova: unexpected-account: mallory (Owner) - remove it",
                                  "glance: error: HTTP 503"]
    assert output["report_error"].startswith(
        f"the reports could not be written to {blocker / 'reports'}: [Errno 20] Not a directory")
    assert "report_json" not in output and "report_html" not in output
    assert list(tmp_path.iterdir()) == [blocker]


def test_written_reports_have_no_report_error(tmp_path):
    params = {"pypi_url": "https://pypi.example", "report_dir": str(tmp_path)}
    output = finish(params, False, "audit", "An audit", ["project"], AuditResult(1))
    assert output["report_error"] == "" and output["changed"] is True
    assert output["report_json"] == str(tmp_path / "audit.json")
