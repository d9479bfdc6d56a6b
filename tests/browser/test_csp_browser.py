"""Under the Content-Security-Policy the pages still work, and the browser reports no violation.

Each page is opened in Chromium with a listener for ``securitypolicyviolation`` events (added
before any page script, so it sees violations during loading too); console messages about the
policy and uncaught script errors (a refused ``eval`` throws) fail the test as well.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

#: Opened as the programme office (admin): every page, the admin and the API docs included.
OFFICE_PAGES = [
    "/",
    "/programme/",
    "/progress/",
    "/map/?indicator=GDP&period=2022",
    "/indicators/DE_TOTAL/",
    "/org-units/330100/",
    "/rankings/",
    "/tasks/",
    "/tasks/timeline/",
    "/tasks/units/",
    "/tasks/supervision/",
    "/projects/",
    "/policies/",
    "/assessments/",
    "/assessments/DEMO-CITY-2023/",
    "/assessments/DEMO-CITY-2023/units/330100/",
    "/assessments/DEMO-CITY-2023/method/",
    "/assessments/DEMO-CITY-2023/report/",
    "/monitoring/rounds/",
    "/monitoring/queue/",
    "/notifications/",
    "/data/",
    "/admin/",
    "/admin/auth/user/",
    "/api/v1/docs",
]


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.add_init_script(LISTEN)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            problems.append(f"console: {message.text}")

    page.on("console", console)
    return problems


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


def test_office_pages_raise_no_csp_violation(page: Page, live_url: str) -> None:
    problems = watch(page)
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    for path in OFFICE_PAGES:
        response = page.goto(live_url + path)
        assert response is not None, path
        assert response.ok, path
        page.wait_for_load_state("networkidle")
        assert "content-security-policy" in response.headers, path  # playwright gives lower-case names
        problems.extend(f"{path}: {v}" for v in violations(page))
    assert problems == [], "\n".join(problems)


def test_charts_are_drawn_under_the_csp(page: Page, live_url: str) -> None:
    problems = watch(page)
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.goto(live_url + "/indicators/DE_TOTAL/")
    expect(page.locator("canvas").first).to_be_visible()
    page.goto(live_url + "/map/?indicator=GDP&period=2022")
    expect(page.locator("canvas").first).to_be_visible()
    page.goto(live_url + "/")
    expect(page.locator("canvas").first).to_be_visible()
    problems.extend(violations(page))
    assert problems == [], "\n".join(problems)


def test_htmx_filters_work_under_the_csp(page: Page, live_url: str) -> None:
    problems = watch(page)
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.goto(live_url + "/tasks/")
    rows = page.locator("table tbody tr")
    expect(rows.first).to_be_visible()
    before = rows.count()
    with page.expect_response(lambda r: "/tasks/" in r.url and r.request.headers.get("hx-request") == "true"):
        page.locator("form select").first.select_option(index=1)
    page.wait_for_load_state("networkidle")
    assert rows.count() <= before
    # htmx must not have added its own <style> (refused by the CSP): it is switched off in base.html.
    assert page.locator("style").count() == 0
    problems.extend(violations(page))
    assert problems == [], "\n".join(problems)
