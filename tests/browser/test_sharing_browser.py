"""Sharing in the browser: a reporter requests, the office approves, the reporter collects the token
(shown once) and reads the shared values with it, as another system would (curl-like)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser

DATASET = "demo-digital-indicators"


def test_request_approve_collect_and_read(browser: Browser, live_url: str) -> None:
    reporter = browser.new_context(locale="zh-CN").new_page()
    log_in(reporter, live_url, "xihu_reporter")
    reporter.get_by_role("navigation").get_by_role("link", name="数据共享", exact=True).click()
    expect(reporter.locator("h1")).to_have_text("数据共享（按需共享）")
    reporter.get_by_label("申请系统（如：省公共数据平台）").fill("西湖区数据驾驶舱")
    reporter.locator(f'input[name="datasets"][value="{DATASET}"]').check()
    reporter.get_by_label("行政区划（可多选；含其下级区划，须在数据集的空间范围内）").select_option("330106")
    reporter.get_by_label("用途").fill("区级驾驶舱展示数字经济指标")
    reporter.get_by_label("有效期（天，1–365）").fill("30")
    reporter.get_by_role("button", name="提交申请").click()
    expect(reporter.locator("main")).to_contain_text("申请已提交")
    row = reporter.locator("table.sharing-requests tbody tr").first
    expect(row).to_contain_text("待审批")

    office = browser.new_context(locale="zh-CN").new_page()
    log_in(office, live_url, "admin", ADMIN_PASSWORD)
    office.goto(live_url + "/sharing/review/")
    mine = office.locator("article.share-request", has_text="xihu_reporter")
    expect(mine).to_contain_text("区级驾驶舱展示数字经济指标")
    mine.get_by_label("批准天数").fill("7")
    mine.get_by_role("button", name="批准", exact=True).click()
    expect(office.locator("main")).to_contain_text("已批准")
    office.context.close()

    reporter.reload()
    reporter.get_by_role("button", name="领取令牌").click()
    expect(reporter.locator("main")).to_contain_text("令牌只显示这一次")
    token = reporter.get_by_label("共享令牌").input_value()
    assert token.startswith("lantu_share_")

    answer = reporter.request.get(
        f"{live_url}/api/v1/shared/datasets/{DATASET}/values?unit=330106",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200
    rows = answer.json()["rows"]
    assert rows
    assert {r["org_unit_code"] for r in rows} == {"330106"}
    outside = reporter.request.get(
        f"{live_url}/api/v1/shared/datasets/{DATASET}/values?unit=330110",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert outside.status == 404
    reporter.context.close()
