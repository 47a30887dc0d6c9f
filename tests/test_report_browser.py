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

"""Each audit's HTML report, and the index of a run's reports, looked at in a
real browser (Debian's headless Chromium driven by chromedriver): the drift
rows and the evidence are visible, the page logs no console error, it reads
on a phone's width without sideways scrolling, and at desktop width no
column splits a word across lines. Screenshots go to
test-output/screenshots/."""

import datetime
import os
import shutil
from pathlib import Path

import pytest
from ansible.module_utils.pypi_guard.allowlist import parse_maintainers_allowlist
from ansible.module_utils.pypi_guard.audit import REPORTS, AuditResult, finish
from ansible.module_utils.pypi_guard.deliverables import ManagedProject, ManagedSet
from ansible.module_utils.pypi_guard.gpg import SignatureCheck
from ansible.module_utils.pypi_guard.keys import KeyWindow, ReleaseKey
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership
from ansible.module_utils.pypi_guard.pypi_maintainers_audit import audit_project, inventory_row
from ansible.module_utils.pypi_guard.pypi_release_audit import (
    PyPIReleases,
    audit_releases,
)
from ansible.module_utils.pypi_guard.pypi_release_audit import inventory_row as release_row
from ansible.module_utils.pypi_guard.release_signature_audit import (
    DistFile,
    FileResult,
    signature_evidence,
)
from ansible.module_utils.pypi_guard.release_signature_audit import Finding as SignatureFinding

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PYPI = "https://pypi.org"
SIZES = {"desktop": (1280, 900), "phone": (375, 812)}
HOSTILE_ACCOUNT = "<script>alert(1)</script>"

# Every run of letters and digits (a word, or a piece of one between
# hyphens, dots, slashes...) that the page shows on more than one line, in
# every cell (arguments[0] true) or in the headers and the cells of short
# columns only; for those, also any text that does not fit its cell.
SPLIT_WORDS = """
const problems = [];
const range = document.createRange();
for (const cell of document.querySelectorAll("th, td")) {
  const where = (cell.dataset.label || cell.tagName) + ": ";
  const short = cell.tagName === "TH" || cell.classList.contains("short");
  if (!short && !arguments[0]) {
    continue;
  }
  if (short && cell.scrollWidth > cell.clientWidth + 1) {
    problems.push(where + "overflows: " + cell.textContent.trim());
  }
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const match of node.data.matchAll(/[\\p{L}\\p{N}]+/gu)) {
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
      if (lines.size > 1) {
        problems.push(where + "splits " + match[0] + " in " + node.data.trim());
      }
    }
  }
}
return problems;
"""


@pytest.fixture(scope="module")
def browser_available():
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are not installed: .ci/run installs them")
    pytest.skip("chromium and chromium-driver are not installed (apt-get install "
                "chromium chromium-driver)")


def managed_set(*names):
    projects = {}
    for name in names:
        project = ManagedProject(name, name, {f"openstack/{name}"})
        project.sources = {f"deliverables/{series}/{name}.yaml: openstack/{name}"
                           for series in ("epoxy", "flamingo")}
        projects[name] = project
    projects[names[-1]].sources = {"extra_projects"}
    return ManagedSet(projects, project_config_checked=True)


def maintainers_drift():
    allowlist = parse_maintainers_allowlist({"pypi_maintainers_allowlist": {
        "required_owners": ["openstackci"],
        "exceptions": {"xstatic-font-awesome": [
            {"account": "creator", "role": "Maintainer", "reason": "created it"}]}}}, "x")
    result = AuditResult(projects_checked=4)
    rows = []
    for ownership in (
            ProjectOwnership("nova", True, [("Owner", "openstackci"), ("Maintainer", "mallory"),
                                            ("Maintainer", HOSTILE_ACCOUNT)]),
            ProjectOwnership("xstatic-font-awesome", True,
                             [("Owner", "openstackci"), ("Owner", "creator")]),
            ProjectOwnership("python-novaclient", True, [("Owner", "openstackci")],
                             "a-rather-long-organization-name-that-must-wrap-on-phones"),
            ProjectOwnership("oslo-config", True, [("Owner", "openstackci")])):
        findings, warnings = audit_project(ownership, allowlist, datetime.date(2026, 11, 25))
        result.findings += findings
        result.warnings += warnings
        rows.append(inventory_row(ownership, findings))
    result.extra["inventory"] = rows
    result.errors.append({"project": "glance", "detail": "GET https://pypi.org/pypi/glance/"
                          "json: HTTP 503 after 5 attempts"})
    return "pypi_maintainers_audit", result, managed_set(
        "nova", "oslo-config", "python-novaclient", "xstatic-font-awesome")


def maintainers_clean():
    result = AuditResult(projects_checked=2)
    result.extra["inventory"] = [
        inventory_row(ProjectOwnership(name, True, [("Owner", "openstackci")]), [])
        for name in ("nova", "oslo-config")]
    return "pypi_maintainers_audit", result, managed_set("nova", "oslo-config")


def releases_drift():
    pypi = PyPIReleases("nova", [], {
        "30.0.0": {"yanked": False, "upload_time": "2024-10-02"},
        "31.0.0": {"yanked": True, "upload_time": "2025-04-02"},
        "99.0.0": {"yanked": False, "upload_time": "2026-11-24T21:03:11Z"}})
    listed = {"30.0.0", "31.0.0", "32.0.0"}
    findings, warnings = audit_releases(PYPI, pypi, listed, {})
    result = AuditResult(1, findings, warnings, [])
    result.extra["inventory"] = [release_row(pypi, listed, findings + warnings)]
    return "pypi_release_audit", result, managed_set("nova")


FINGERPRINT = "0123456789ABCDEF0123456789ABCDEF01234567"
KEYS = {FINGERPRINT: ReleaseKey(FINGERPRINT, [
    KeyWindow("epoxy", datetime.date(2024, 9, 1), datetime.date(2025, 3, 31)),
    KeyWindow("flamingo", datetime.date(2025, 3, 31))], "0x0123.txt")}


def signed(project, version, filename, findings=(), day="2025-04-02"):
    moment = datetime.datetime.fromisoformat(day + "T10:00:00+00:00").timestamp()
    check = SignatureCheck(True, "", "", "", FINGERPRINT, FINGERPRINT, int(moment))
    dist = DistFile(project, version, filename, f"https://files.example/{filename}", "0" * 64)
    return FileResult(dist, list(findings), checked=True,
                      evidence=signature_evidence(check, KEYS)).row()


def signatures_drift():
    findings = [
        SignatureFinding("nova", "bad-signature",
                         "nova-31.0.0.tar.gz.asc does not match nova-31.0.0.tar.gz",
                         "31.0.0", "nova-31.0.0.tar.gz"),
        SignatureFinding("nova", "unsigned",
                         "no .asc at https://tarballs.opendev.org/openstack/nova/"
                         "nova-31.0.0-py3-none-any.whl.asc", "31.0.0",
                         "nova-31.0.0-py3-none-any.whl"),
        SignatureFinding("oslo-config", "wrong-key",
                         f"made by {FINGERPRINT}, not a release key", "9.7.0",
                         "oslo_config-9.7.0.tar.gz"),
    ]
    result = AuditResult(2, findings, [], [])
    result.extra.update(files_checked=4, files=[
        signed("nova", "31.0.0", "nova-31.0.0.tar.gz", [("bad-signature", "")]),
        FileResult(DistFile("nova", "31.0.0", "nova-31.0.0-py3-none-any.whl", "u", "0" * 64),
                   [("unsigned", "")], checked=True).row(),
        signed("oslo-config", "9.7.0", "oslo_config-9.7.0.tar.gz", [("wrong-key", "")]),
        signed("oslo-config", "9.6.0", "oslo_config-9.6.0-py3-none-any.whl",
               day="2024-12-01")],
        keys=[key.as_dict() for key in KEYS.values()])
    return "release_signature_audit", result, managed_set("nova", "oslo-config")


SCENARIOS = {"maintainers": maintainers_drift, "maintainers-clean": maintainers_clean,
             "releases": releases_drift, "signatures": signatures_drift}


def write(tmp_path, scenario):
    audit, result, selection = SCENARIOS[scenario]()
    params = {"pypi_url": PYPI, "report_dir": str(tmp_path / "reports")}
    return finish(audit, params, False, result, selection), result, REPORTS[audit].name


@pytest.fixture
def open_page(browser_available, tmp_path):
    """``open_page(path, size)``: a Chromium showing the page at a desktop's
    or a phone's size (a real phone's viewport, not just a narrow window)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drivers = []

    def open_page(path, size):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        width, height = SIZES[size]
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--no-first-run",
                         "--disable-quic", f"--window-size={width},{height}",
                         f"--user-data-dir={tmp_path / 'chromium'}"):
            options.add_argument(argument)
        if size == "phone":
            options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
                "width": width, "height": height, "pixelRatio": 2.0}})
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        driver.get(Path(path).as_uri())
        return driver

    yield open_page
    for driver in drivers:
        driver.quit()


def check_layout(driver, size, screenshot):
    """No sideways scroll, no word split across lines, no console error;
    keeps a screenshot of the whole page."""
    width = SIZES[size][0]
    assert driver.execute_script("return window.innerWidth") == width
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
    # a phone may split a long URL or fingerprint, never a short value
    assert driver.execute_script(SPLIT_WORDS, size == "desktop") == []
    if size == "phone":  # each cell is a line of its own, named by its column
        unnamed = driver.execute_script("""
            return Array.from(document.querySelectorAll("td"))
              .filter(td => getComputedStyle(td, "::before").content
                            !== JSON.stringify(td.dataset.label + ": "))
              .map(td => td.textContent);""")
        assert unnamed == []
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    if size == "desktop":  # the whole page, not just the first screen
        driver.set_window_size(width, max(height + 200, SIZES[size][1]))
    driver.save_screenshot(str(SCREENSHOTS / f"{screenshot}-{size}.png"))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("size", sorted(SIZES))
def test_report_in_a_browser(open_page, tmp_path, scenario, size):
    from selenium.webdriver.common.by import By

    written, result, name = write(tmp_path, scenario)
    driver = open_page(written["report_html"], size)
    rows = driver.find_elements(By.CSS_SELECTOR, "tr.finding")
    assert len(rows) == len(result.findings)
    for row, finding in zip(rows, result.findings, strict=True):
        assert row.is_displayed()
        assert finding.kind in row.text and finding.project in row.text
        assert row.rect["width"] > 0 and row.rect["height"] > 0
    for row in driver.find_elements(By.CSS_SELECTOR, "tr.warning, tr.error"):
        assert row.is_displayed()
    evidence = result.extra.get("inventory") or result.extra["files"]
    tables = driver.find_elements(By.CSS_SELECTOR, "table.filterable")
    shown = tables[-1].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(shown) == len(evidence) and all(row.is_displayed() for row in shown)
    status = driver.find_element(By.CSS_SELECTOR, ".status")
    assert status.text == result.status and status.is_displayed()
    if not (result.findings or result.warnings or result.errors):
        assert driver.find_element(By.CSS_SELECTOR, "p.clean").is_displayed()
        assert "None." not in driver.find_element(By.TAG_NAME, "body").text
    check_layout(driver, size, name + ("-clean" if scenario.endswith("clean") else ""))


def test_the_filter_box_hides_the_rows_without_the_text(open_page, tmp_path):
    from selenium.webdriver.common.by import By

    written, _result, _name = write(tmp_path, "maintainers")
    driver = open_page(written["report_html"], "desktop")
    box = driver.find_element(By.ID, "filter")
    assert box.is_displayed()  # the script shows it; without script it stays hidden
    box.send_keys("MALLORY")
    visible = [row.text for row in driver.find_elements(
        By.CSS_SELECTOR, "table.filterable tbody tr") if row.is_displayed()]
    assert len(visible) == 2 and all("mallory" in text for text in visible)  # finding, nova
    box.clear()
    box.send_keys(" ")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.filterable tbody tr")
    assert all(row.is_displayed() for row in rows)
    # the hostile account is text, and its link stays on the index
    link = driver.find_element(By.LINK_TEXT, HOSTILE_ACCOUNT)
    assert link.get_attribute("href") == (
        "https://pypi.org/user/%3Cscript%3Ealert%281%29%3C%2Fscript%3E/")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_index_of_a_run_in_a_browser(open_page, tmp_path, size):
    from selenium.webdriver.common.by import By

    for scenario in ("maintainers", "releases", "signatures"):
        write(tmp_path, scenario)
    driver = open_page(tmp_path / "reports" / "index.html", size)
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [row.find_element(By.TAG_NAME, "a").text for row in rows] == [
        "pypi-maintainers-audit", "pypi-release-audit", "release-signature-audit"]
    assert [row.find_element(By.CSS_SELECTOR, ".status").text for row in rows] == [
        "error", "drift", "drift"]
    check_layout(driver, size, "index")
    rows[1].find_element(By.TAG_NAME, "a").click()
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("PyPI release audit")
