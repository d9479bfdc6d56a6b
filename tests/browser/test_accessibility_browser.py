"""axe-core on the main pages, in Chinese and in English, on a desktop and a 375 px phone.

No "serious" or "critical" violation is allowed. Each page is also saved as a full-page screenshot
under ``var/screenshots/`` (``<name>.png``, ``<name>-phone.png``, ``-en`` for English) as a test
artefact, and at 375 px the page must not scroll sideways.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
PHONE: ViewportSize = {"width": 375, "height": 800}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

#: name → path; every page is opened logged in as ``leader`` except the login page.
PAGES = {
    "cockpit": "/",
    "programme": "/programme/",
    "progress": "/progress/",
    "tasks": "/tasks/",
    "map": "/map/",
    "indicator": "/indicators/DE_TOTAL/",
    "orgunit": "/org-units/330100/",
    "rankings": "/rankings/",
    "rounds": "/monitoring/rounds/",
    "queue": "/monitoring/queue/",
    "login": "/accounts/login/",
    "tasks-supervision": "/tasks/supervision/",
    "projects": "/projects/",
    "policies": "/policies/",
    "assessments": "/assessments/",
    "opendata": "/data/",
    "dataset": "/data/demo-digital-indicators/",
    "publishing-office": "/data/office/",
    "publishing-office-dataset": "/data/office/datasets/demo-digital-indicators/",
    "publishing-office-new": "/data/office/new/",
    "sharing": "/sharing/",
    "sharing-review": "/sharing/review/",
}
LANGUAGES = ("zh-hans", "en")


@pytest.fixture(scope="module")
def leader_state(browser: Browser, live_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Cookies of a logged-in ``leader`` session, saved once for the module."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_url + "/accounts/login/")
    page.locator("#id_username").fill("leader")
    page.locator("#id_password").fill("lantu-demo")
    page.locator("form.login button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    path = tmp_path_factory.mktemp("a11y") / "leader.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


#: Pages only the programme office opens (others get 404); the rest are read as the leader.
OFFICE_PAGES = {"publishing-office", "publishing-office-dataset", "publishing-office-new"}


@pytest.fixture(scope="module")
def admin_state(browser: Browser, live_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Cookies of a logged-in ``admin`` (programme office) session, saved once for the module."""
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    path = tmp_path_factory.mktemp("a11y") / "admin.json"
    context.storage_state(path=str(path))
    context.close()
    return str(path)


@pytest.fixture
def context_for(browser: Browser, live_url: str, leader_state: str, admin_state: str) -> Iterator[Any]:
    made: list[BrowserContext] = []

    def make(name: str, language: str) -> BrowserContext:
        state = None if name == "login" else admin_state if name in OFFICE_PAGES else leader_state
        # bypass_csp: axe-core is injected as an inline script, which the pages' CSP rightly
        # refuses (tests/browser/test_csp_browser.py checks the pages under the real policy).
        context = browser.new_context(storage_state=state, viewport=DESKTOP, bypass_csp=True)
        host = live_url.split("//", 1)[1].split(":")[0]
        context.add_cookies([{"name": "django_language", "value": language, "domain": host, "path": "/"}])
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def _serious(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]


def _readable(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(
                f"    {json.dumps(node['target'], ensure_ascii=False)}: {node.get('failureSummary', '')[:300]}"
            )
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_violations_and_fits_a_phone(
    context_for: Any, live_url: str, name: str, language: str
) -> None:
    context = context_for(name, language)
    page = context.new_page()
    response = page.goto(live_url + PAGES[name])
    assert response is not None
    assert response.status == 200, f"{PAGES[name]} answered {response.status}"
    page.wait_for_load_state("networkidle")
    suffix = "" if language == "zh-hans" else "-en"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True)
    expected_lang = "en" if language == "en" else "zh-hans"
    assert page.locator("html").get_attribute("lang") == expected_lang
    violations = _serious(page)
    assert not violations, f"{PAGES[name]} ({language}):\n{_readable(violations)}"

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # let charts redraw at the new width
    page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{PAGES[name]} ({language}) is {width} px wide at 375 px"
    phone_violations = _serious(page)
    assert not phone_violations, f"{PAGES[name]} ({language}, 375 px):\n{_readable(phone_violations)}"
