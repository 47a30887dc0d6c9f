"""Each audit's HTML report, for a drift case, looked at in a real browser
(Debian's headless Chromium driven by chromedriver): the drift rows are
visible, the page logs no console error, and it reads on a phone's width
without sideways scrolling. Screenshots go to test-output/screenshots/."""

import datetime
import os
import shutil
from pathlib import Path

import pypi_maintainers_audit
import pypi_release_audit
import pytest
import release_signature_audit
from ansible.module_utils.pypi_guard.allowlist import parse_maintainers_allowlist
from ansible.module_utils.pypi_guard.audit import AuditResult, finish
from ansible.module_utils.pypi_guard.maintainers import audit_project
from ansible.module_utils.pypi_guard.pypi import ProjectOwnership
from ansible.module_utils.pypi_guard.releases import PyPIReleases, audit_releases
from ansible.module_utils.pypi_guard.signature_audit import Finding as SignatureFinding

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
PYPI = "https://pypi.org"
SIZES = {"desktop": (1280, 900), "phone": (375, 812)}


@pytest.fixture(scope="module")
def browser_available():
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("CI"):
        pytest.fail("chromium and chromium-driver are not installed: .ci/run installs them")
    pytest.skip("chromium and chromium-driver are not installed (apt-get install "
                "chromium chromium-driver)")


def maintainers_drift():
    allowlist = parse_maintainers_allowlist({"pypi_maintainers_allowlist": {
        "required_owners": ["openstackci"],
        "exceptions": {"xstatic-font-awesome": [
            {"account": "creator", "role": "Maintainer", "reason": "created it"}]}}}, "x")
    result = AuditResult(projects_checked=3)
    for ownership in (
            ProjectOwnership("nova", True, [("Owner", "openstackci"), ("Maintainer", "mallory")]),
            ProjectOwnership("xstatic-font-awesome", True,
                             [("Owner", "openstackci"), ("Owner", "creator")]),
            ProjectOwnership("python-novaclient", True, [("Owner", "openstackci")],
                             "a-rather-long-organization-name-that-must-wrap-on-phones")):
        findings, warnings = audit_project(ownership, allowlist, datetime.date(2026, 11, 25))
        result.findings += findings
        result.warnings += warnings
    result.errors.append({"project": "glance", "detail": "GET https://pypi.org/pypi/glance/"
                          "json: HTTP 503 after 5 attempts"})
    return pypi_maintainers_audit, result


def releases_drift():
    pypi = PyPIReleases("nova", [], {"31.0.0": {"yanked": True, "upload_time": "2025-04-02"},
                                     "99.0.0": {"yanked": False,
                                                "upload_time": "2026-11-24T21:03:11Z"}})
    findings, warnings = audit_releases(PYPI, pypi, {"31.0.0"}, {})
    return pypi_release_audit, AuditResult(1, findings, warnings, [])


def signatures_drift():
    findings = [
        SignatureFinding("nova", "bad-signature", "31.0.0", "nova-31.0.0.tar.gz",
                         "nova-31.0.0.tar.gz.asc does not match nova-31.0.0.tar.gz"),
        SignatureFinding("nova", "unsigned", "31.0.0", "nova-31.0.0-py3-none-any.whl",
                         "no .asc at https://tarballs.opendev.org/openstack/nova/"
                         "nova-31.0.0-py3-none-any.whl.asc"),
        SignatureFinding("oslo-config", "wrong-key", "9.7.0", "oslo_config-9.7.0.tar.gz",
                         "made by 0123456789ABCDEF0123456789ABCDEF01234567, not a release key"),
    ]
    return release_signature_audit, AuditResult(2, findings, [], [])


@pytest.mark.parametrize("drift", [maintainers_drift, releases_drift, signatures_drift],
                         ids=["maintainers", "releases", "signatures"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_report_in_a_browser(browser_available, tmp_path, drift, size):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    module, result = drift()
    params = {"pypi_url": PYPI, "report_dir": str(tmp_path)}
    written = finish(params, False, module.REPORT_NAME, module.REPORT_TITLE,
                     module.REPORT_COLUMNS, result)

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    width, height = SIZES[size]
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run",
                     "--disable-quic", f"--window-size={width},{height}",
                     f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(argument)
    if size == "phone":  # a real phone's viewport, not just a narrow window
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": width, "height": height, "pixelRatio": 2.0}})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(Path(written["report_html"]).as_uri())
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.finding")
        assert len(rows) == len(result.findings)
        for row, finding in zip(rows, result.findings, strict=True):
            assert row.is_displayed()
            assert finding.kind in row.text and finding.project in row.text
            assert row.rect["width"] > 0 and row.rect["height"] > 0
        for row in driver.find_elements(By.CSS_SELECTOR, "tr.warning, tr.error"):
            assert row.is_displayed()
        status = driver.find_element(By.CSS_SELECTOR, ".status")
        assert status.text == result.status and status.is_displayed()
        assert driver.execute_script("return window.innerWidth") == width
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {width}px"
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / f"{module.REPORT_NAME}-{size}.png"))
    finally:
        driver.quit()
