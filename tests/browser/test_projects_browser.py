"""The major-project list in the browser, as the demo leader: list, roll-up, HTMX filter, detail, 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_leader_reads_the_project_list_and_rollup(page: Page, live_url: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, live_url, "leader")
    page.get_by_role("navigation").get_by_role("link", name="重大项目", exact=True).click()
    expect(page.locator("h1")).to_have_text("重大项目")
    expect(page.locator("#project-P_ZJLAB")).to_contain_text("之江实验室")
    expect(page.locator("#rollup-city")).to_be_visible()
    expect(page.locator("#rollup-area")).to_contain_text("数字科技创新")
    # The filters refresh the results in place (HTMX) and the address keeps them.
    page.get_by_label("领域", exact=True).select_option("TECH")
    expect(page).to_have_url(re.compile(r"area=TECH"))
    expect(page.locator("#results")).to_contain_text("之江实验室")
    page.get_by_label("状态").select_option("suspended")
    expect(page.locator("#results")).not_to_contain_text("之江实验室")
    # No horizontal scroll of the whole page at 375 px: wide tables scroll inside themselves.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
    page.goto(live_url + "/projects/P_ZJLAB/")
    expect(page.locator("h1")).to_contain_text("之江实验室")
    expect(page.locator("main")).to_contain_text("T15")
    expect(page.locator("#investment-form")).to_have_count(0)  # the leader reads only
