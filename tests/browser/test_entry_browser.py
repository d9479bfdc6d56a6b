"""Entering, submitting and approving values in the browser, as the demo personas."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

GRID = "/monitoring/rounds/DEMO-2024/enter/330106/"
INPUTS = {
    "GDP": "1,234.5",
    "POPULATION": "120",
    "DE_TOTAL": "600",
    "BROADBAND_USERS": "50",
    "FIBRE_USERS": "48",
    "NET_TOTAL": "30",
    "NET_INTEGRATED": "30",
    "GOV_ITEMS_TOTAL": "2000",
    "GOV_ITEMS_MOBILE": "1700",
    "INTERNET_PENETRATION": "86.5",
}


def test_enter_submit_and_approve(page: Page, live_url: str) -> None:
    log_in(page, live_url, "xihu_reporter")
    page.goto(live_url + "/")
    returned_before = int(page.locator("#returned-count").inner_text())
    page.goto(live_url + GRID)
    # A bad number is refused in place and nothing is saved.
    cell = page.locator("#v-POPULATION")
    cell.fill("N/A")
    cell.press("Enter")
    expect(page.locator("#row-POPULATION")).to_contain_text("不是有效数字")
    # Enter saves and moves down, like a spreadsheet.
    for code, text in INPUTS.items():
        field = page.locator(f"#v-{code}")
        field.fill(text)
        field.press("Enter")
        expect(page.locator(f"#row-{code}")).to_contain_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("main")).to_contain_text("已提交 10 项数据")
    expect(page.locator("#row-GDP")).to_contain_text("已提交")

    page.get_by_role("button", name="退出 (xihu_reporter)").click()
    log_in(page, live_url, "hz_approver")
    page.goto(live_url + "/monitoring/queue/")
    page.get_by_role("link", name="2024年度数字浙江监测填报（示例）").click()
    expect(page.locator("h1")).to_contain_text("西湖区")
    page.get_by_label("指标").select_option("GDP")
    page.get_by_label("退回意见").fill("请核对地区生产总值")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("main")).to_contain_text("已退回")
    page.get_by_role("button", name="审核通过（所选；未选则全部）").click()
    expect(page.locator("main")).to_contain_text("已审核 9 项")

    page.get_by_role("button", name="退出 (hz_approver)").click()
    log_in(page, live_url, "xihu_reporter")
    page.goto(live_url + GRID)
    expect(page.locator("#row-GDP")).to_contain_text("请核对地区生产总值")
    page.goto(live_url + "/notifications/")
    expect(page.locator("main")).to_contain_text("数据被退回")
    # The cockpit shows the return to the reporter: one more returned value, named.
    page.goto(live_url + "/")
    expect(page.locator("#returned-count")).to_have_text(str(returned_before + 1))
    expect(page.locator("#returned")).to_contain_text("地区生产总值")
