import json

import pytest
from ansible.module_utils.pypi_guard_report import (
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
