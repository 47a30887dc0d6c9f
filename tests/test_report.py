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

import json

import pytest
from ansible.module_utils.pypi_guard.audit import AuditResult, finish
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import Finding as MaintainerFinding
from ansible.module_utils.pypi_guard.report import (
    build_report,
    index_url,
    render_html,
    render_index,
    write_reports,
)


def test_reports_are_written_together(tmp_path):
    report = build_report("drift", "https://pypi.org", 2,
                          [{"project": "nova", "kind": "unexpected-account", "account": "m",
                            "role": "Owner", "detail": "<script>alert(1)</script>"}], [], [])
    json_path, html_path = write_reports(tmp_path / "out", "audit", report, "An audit",
                                         ["project", "kind", "account", "role", "detail"])
    assert json.loads(open(json_path).read()) == report
    html = open(html_path).read()
    assert "&lt;script&gt;alert(1)" in html  # escaped, never run
    assert html.count("<script>") == 1  # the page's own filter script only
    assert oct((tmp_path / "out" / "audit.json").stat().st_mode & 0o777) == "0o644"


def test_report_shape():
    report = build_report("clean", "u", 0, [], [], [])
    assert list(report) == ["status", "pypi_url", "generated_at", "projects_checked",
                            "findings", "warnings", "errors"]
    assert report["generated_at"].endswith("Z")
    html = render_html(report, "T", ["project"])
    assert "No findings, no warnings, no errors" in html and "None." not in html


def test_a_lone_surrogate_from_the_index_does_not_lose_the_report(tmp_path):
    report = build_report("drift", "u", 1, [{"project": "nova", "detail": "bad \ud800"}],
                          [], [])
    json_path, html_path = write_reports(tmp_path, "audit", report, "T", ["project", "detail"])
    assert json.loads(open(json_path).read()) == report
    assert "bad \\ud800" in open(html_path).read()


def _drift():
    return MaintainerFinding("nova", "unexpected-account", "remove it", "mallory", "Owner")


def test_unwritable_reports_keep_every_problem(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    params = {"pypi_url": "https://pypi.example", "report_dir": str(blocker / "reports")}
    result = AuditResult(1, [_drift()], [], [{"project": "glance", "detail": "HTTP 503"}])
    output = finish("pypi_maintainers_audit", params, False, result)
    assert output["status"] == "error" and output["changed"] is False
    assert output["problems"] == ["nova: unexpected-account: mallory (Owner) - remove it",
                                  "glance: error: HTTP 503"]
    assert output["report_error"].startswith(
        f"the reports could not be written to {blocker / 'reports'}: [Errno 20] Not a directory")
    assert "report_json" not in output and "report_html" not in output
    assert list(tmp_path.iterdir()) == [blocker]


def test_written_reports_have_no_report_error(tmp_path):
    params = {"pypi_url": "https://pypi.example", "report_dir": str(tmp_path)}
    output = finish("pypi_maintainers_audit", params, False, AuditResult(1))
    assert output["report_error"] == "" and output["changed"] is True
    assert output["report_json"] == str(tmp_path / "pypi-maintainers-audit.json")
    assert output["report_title"] == "PyPI maintainers audit"


HOSTILE = "<script>alert(1)</script>"


def maintainers_report():
    return build_report(
        "drift", "https://pypi.example/", 2,
        [{"project": "nova", "kind": "unexpected-account", "account": "javascript:alert(1)",
          "role": "Maintainer", "detail": "remove it"},
         {"project": "nova", "kind": "organization-not-allowed", "account": "Big Org",
          "role": "Organization", "detail": "take it out"}], [], [],
        inventory=[
            {"project": "nova", "registered": True, "organization": "Big Org",
             "roles": [{"account": HOSTILE, "role": "Owner"},
                       {"account": "javascript:alert(1)", "role": "Maintainer"}],
             "findings": 2},
            {"project": "oslo.config", "registered": False, "organization": None,
             "roles": [], "findings": 0}],
        managed_set={"project_config_checked": True, "warnings": [], "unlisted_publishers": [],
                     "sources": {"nova": ["openstack/nova: deliverables/epoxy/nova.yaml"],
                                 "oslo.config": ["extra_projects"]}})


def test_the_inventory_shows_every_project_its_roles_and_where_it_comes_from():
    html = render_html(maintainers_report(), "T", ["project", "kind", "account", "role"])
    inventory = html[html.index("Every project checked (2)"):]
    assert inventory.index(">nova<") < inventory.index(">oslo.config<")
    assert '<a href="https://pypi.example/project/oslo.config/">oslo.config</a>' in inventory
    assert '<a href="https://pypi.example/org/Big%20Org/">Big Org</a>' in inventory
    assert "openstack/<wbr>nova: deliverables/<wbr>epoxy/<wbr>nova.yaml" in inventory
    assert ">extra_projects<" in inventory
    assert '<span class="role">Maintainer</span>' in inventory
    # the finding about an organization links the organization, not a user
    assert html.count('href="https://pypi.example/org/Big%20Org/"') == 2


def test_names_from_the_index_are_escaped_and_links_stay_on_the_index():
    html = render_html(maintainers_report(), "T", ["project", "kind", "account", "role"])
    assert HOSTILE not in html
    assert ('<a href="https://pypi.example/user/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/">'
            "&lt;script&gt;alert(1)&lt;/script&gt;</a>") in html
    assert 'href="javascript' not in html
    assert 'href="https://pypi.example/user/javascript%3Aalert%281%29/"' in html
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert hrefs and all(h == "index.html" or h.startswith("https://pypi.example/")
                         for h in hrefs)


def test_links_are_made_only_under_an_http_index():
    assert index_url("https://pypi.example", "user", "a/../b") == (
        "https://pypi.example/user/a%2F..%2Fb/")
    assert index_url("javascript:alert(1)//", "user", "x") is None
    report = maintainers_report()
    report["pypi_url"] = "javascript:alert(1)//"
    html = render_html(report, "T", ["project", "account"])
    assert "href=\"javascript" not in html and ">nova<" in html


def test_release_and_file_evidence():
    report = build_report("clean", "https://pypi.example", 1, [], [], [], inventory=[
        {"project": "nova", "on_pypi": [f"{n}.0.0" for n in range(1, 9)],
         "listed": ["1.0.0", "2.0.0"], "unexpected": [], "yanked": [], "missing": []}])
    html = render_html(report, "T", ["project"])
    assert "<details><summary>8</summary>1.0.0, 2.0.0, 3.0.0" in html
    assert ">1.0.0, 2.0.0<" in html and "<th>on PyPI</th>" in html
    report = build_report("clean", "https://pypi.example", 1, [], [], [], files=[
        {"project": "nova", "version": "1.0.0", "filename": "nova-1.0.0.tar.gz",
         "result": "good", "signer": "0123 4567", "series": "epoxy",
         "signed_at": "2025-01-02T00:00:00Z", "window": "2024-09-01..2025-03-31"}])
    html = render_html(report, "T", ["project"])
    files = html[html.index("Every file checked (1)"):]
    for text in ("nova-1.0.0.tar.gz", ">good<", "0123 4567", ">epoxy<", "2025-01-02T00:00:00Z",
                 "2024-09-01..2025-03-31", "<th>signer&#39;s key</th>"):
        assert text in files


def test_the_index_lists_every_report_of_the_directory_with_its_status(tmp_path):
    clean = build_report("clean", "https://pypi.example", 1, [], [], [])
    write_reports(tmp_path, "b-audit", clean, "B", ["project"])
    (tmp_path / "job-output.json").write_text("{}")  # not a report: no .html beside it
    (tmp_path / "other.json").write_text('{"status": "clean"}')
    (tmp_path / "other.html").write_text("")  # an .html beside a JSON that is not a report
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "broken.html").write_text("")
    drift = build_report("drift", "https://pypi.example", 1, [{"project": "n"}], [],
                         [{"project": "g", "detail": "503"}])
    write_reports(tmp_path, "a-audit", drift, "A", ["project"])
    index = (tmp_path / "index.html").read_text()
    rows = index.split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == 2
    assert '<a href="a-audit.html">a-audit</a>' in rows[0] and "status-drift" in rows[0]
    assert '<a href="b-audit.html">b-audit</a>' in rows[1] and "status-clean" in rows[1]
    assert '<a href="a-audit.json">' in rows[0]
    assert [c.split(">")[-1] for c in rows[0].split("</td>")[2:5]] == ["1", "0", "1"]
    # a report rewritten in place shows its new status
    write_reports(tmp_path, "b-audit", drift, "B", ["project"])
    assert index != (tmp_path / "index.html").read_text()
    assert "status-clean" not in (tmp_path / "index.html").read_text().split("<tbody>")[1]
    assert oct((tmp_path / "index.html").stat().st_mode & 0o777) == "0o644"


def test_the_index_is_written_with_the_reports_or_not_at_all(tmp_path, fail_replace):
    (tmp_path / "index.html").write_text("old index")
    fail_replace(3)
    with pytest.raises(OSError):
        write_reports(tmp_path, "audit", build_report("clean", "u", 1, [], [], []), "T",
                      ["project"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]
    assert (tmp_path / "index.html").read_text() == "old index"


def test_render_index_of_an_empty_directory(tmp_path):
    assert "No report." in render_index(tmp_path)
