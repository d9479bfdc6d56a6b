"""The demo assessment end to end in Chromium: method, scores, ranks and intervals; the evaluator
declares no conflict and scores with a comment and an evidence link; the office reviews, accepts
and publishes; the report shows the method hash and the ranking."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser
CODE = "DEMO-CITY-2023"


def test_assessment_from_method_to_report(page: Page, browser: Browser, live_url: str) -> None:
    # The office reads the method and the results.
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="绩效评估", exact=True).click()
    page.get_by_role("link", name=re.compile("设区市数字化发展绩效评估")).click()
    expect(page.locator("main")).to_contain_text("示例数据")
    ranking = page.locator("table.assess-ranking")
    expect(ranking.locator("tbody tr")).to_have_count(11)
    expect(ranking).to_contain_text("杭州市")
    expect(ranking.locator("td.interval .interval-text").first).to_have_text(re.compile(r"\d+–\d+"))
    page.get_by_role("link", name="评估方法").first.click()
    hash_text = page.locator("#method-hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", hash_text)
    expect(page.locator("main")).to_contain_text("tasks:on_time")
    page.goto(f"{live_url}/assessments/{CODE}/units/330100/")
    expect(page.locator("#assess-radar canvas")).to_have_count(1)
    expect(page.locator("table.assess-contrib")).to_contain_text("任务节点按时完成率")

    # The evaluator declares no conflict with 杭州市 and scores R1 with a comment and a link.
    evaluator = browser.new_context(locale="en-US").new_page()
    log_in(evaluator, live_url, "evaluator")
    evaluator.goto(f"{live_url}/assessments/{CODE}/evaluate/")
    hangzhou = evaluator.locator("#unit-330100")
    hangzhou.get_by_label("无利益冲突").check()
    hangzhou.get_by_role("button", name="保存对杭州市的声明").click()
    expect(evaluator.locator("#unit-330100")).to_contain_text("已声明无冲突")
    evaluator.get_by_label("杭州市 R1 得分").fill("8")
    evaluator.get_by_label("杭州市 R1 评语").fill("数字化改革重点工作按期推进（示例）")
    evaluator.get_by_label("杭州市 R1 佐证链接").fill("https://example.org/hz-evidence")
    evaluator.get_by_role("button", name="保存杭州市 R1 评分").click()
    expect(evaluator.locator("#unit-330100")).to_contain_text("未提交")
    evaluator.get_by_role("button", name="提交全部评分供审核").click()
    expect(evaluator.locator("main")).to_contain_text("评分已提交")

    # The office moves the assessment to review, accepts the scores and publishes.
    page.goto(f"{live_url}/assessments/{CODE}/")
    page.get_by_role("button", name="进入审核").click()
    expect(page.locator("main")).to_contain_text("审核中")
    page.goto(f"{live_url}/assessments/{CODE}/review/")
    expect(page.locator("main")).to_contain_text("https://example.org/hz-evidence")
    page.get_by_label("审核意见").fill("同意")
    page.get_by_role("button", name="审核通过").click()
    expect(page.locator("main")).to_contain_text("审核结论已保存")
    page.get_by_role("button", name="发布评估结果").click()

    # The report: the method hash and the ranking, printable.
    expect(page).to_have_url(re.compile(r"/report/$"))
    report = page.locator("article.assess-report")
    expect(report).to_contain_text(hash_text)
    expect(report.locator("table.report-ranking tbody tr")).to_have_count(11)
    expect(report).to_contain_text("杭州市")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    evaluator.context.close()
