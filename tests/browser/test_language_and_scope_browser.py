"""Switching language on a signed-in page, and a reporter kept to their own county's entry page.

(The overview's language switch and log in/out are in test_overview_browser.py, entering values in
test_entry_browser.py; this module covers what they do not.)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_language_switch_keeps_the_page_and_changes_its_words(page: Page, live_url: str) -> None:
    log_in(page, live_url, "leader")
    page.goto(live_url + "/indicators/DE_TOTAL/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_contain_text("数字经济总量")
    expect(page.locator("#h-definition")).to_have_text("定义")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_url + "/indicators/DE_TOTAL/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Size of the digital economy")
    expect(page.locator("#h-definition")).to_have_text("Definition")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_contain_text("数字经济总量")


def test_reporter_cannot_open_another_countys_entry_page(page: Page, live_url: str) -> None:
    log_in(page, live_url, "xihu_reporter")
    other = page.goto(live_url + "/monitoring/rounds/DEMO-2024/enter/330110/")
    assert other is not None
    assert other.status in (403, 404)
    expect(page.locator("body")).not_to_contain_text("余杭区")
    own = page.goto(live_url + "/monitoring/rounds/DEMO-2024/enter/330106/")
    assert own is not None
    assert own.status == 200
    expect(page.locator("h1")).to_contain_text("西湖区")
    expect(page.locator("#v-GDP")).to_be_editable()
