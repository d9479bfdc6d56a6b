"""The overview page in a real browser: language switch, login, keyboard, phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_chinese_by_default_then_english_then_back(page: Page, live_url: str) -> None:
    page.goto(live_url + "/programme/")
    expect(page.locator("h1")).to_contain_text("深化数字浙江建设")
    expect(page.locator(".demo-banner")).to_contain_text("示例数据")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("Deepening Digital Zhejiang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_contain_text("深化数字浙江建设")


def test_targets_show_value_unit_year_and_source(page: Page, live_url: str) -> None:
    page.goto(live_url + "/programme/")
    row = page.locator("tr", has_text="DE_TOTAL")
    expect(row).to_contain_text("≥ 4万亿元，且 ≥ 2017年的2倍")
    expect(row).to_contain_text("2022")
    expect(row).to_contain_text("全省数字经济总量较 2017年翻一番")


def test_demo_persona_logs_in_and_out(page: Page, live_url: str) -> None:
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("lantu-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header")).to_contain_text("leader")
    page.get_by_role("button", name="退出 (leader)").click()
    expect(page.locator("header")).to_contain_text("登录")


def test_wrong_password_says_so(page: Page, live_url: str) -> None:
    page.goto(live_url + "/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")


def test_first_tab_reaches_the_skip_link(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"


def test_no_sideways_scrolling_at_375_px(page: Page, live_url: str) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
