"""The publication workflow in Chromium: the office starts a corrected version of the demo dataset and
submits it; a second person of the office approves it, schedules it in the server's time zone, then
publishes it now; the new version is the current one on /data/."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ADMIN_PASSWORD, DEMO_PASSWORD, SERVER_ENV, log_in

pytestmark = pytest.mark.browser
CODE = "demo-digital-indicators"
SECOND = "office_reviewer"

# The demo has one programme administrator; the review needs a second. Created with the services,
# in the server's own database (the shared server runs on a SQLite file of its own).
_ADD_SECOND = f"""
import django
django.setup()
from django.contrib.auth import get_user_model
from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import assign_role, create_user
if not get_user_model().objects.filter(username={SECOND!r}).exists():
    actor = SystemActor("system:browser-test")
    create_user(actor, {SECOND!r}, {DEMO_PASSWORD!r}, check_password=False)
    assign_role(actor, {SECOND!r}, "programme_admin")
"""


@pytest.fixture(scope="module")
def second_office(live_url: str) -> str:
    subprocess.run([sys.executable, "-c", _ADD_SECOND], env=SERVER_ENV, check=True, capture_output=True)
    return SECOND


def test_a_correction_goes_from_draft_to_the_public_catalogue(
    page: Page, browser: Browser, live_url: str, second_office: str
) -> None:
    office = f"{live_url}/data/office/datasets/{CODE}/"
    # The office (admin) finds the dataset from the navigation and starts a corrected version.
    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.get_by_role("navigation").get_by_role("link", name="数据发布", exact=True).click()
    expect(page.locator("h1")).to_have_text("数据发布")
    expect(page.locator(f"#office-{CODE}-v1")).to_contain_text("已公开")
    page.locator(f"#office-{CODE}-v1").get_by_role("link").first.click()
    expect(page).to_have_url(office)
    # A correction without its note is refused beside the field, and nothing is created.
    page.get_by_role("button", name="创建新版本").click()
    expect(page.locator("#err-create-note")).to_contain_text("新版本须说明更正内容")
    expect(page.locator("#version-2")).to_have_count(0)
    page.get_by_label("更正说明（第一版以后必填）").fill("更正：补充2023年数据")
    page.get_by_role("button", name="创建新版本").click()
    expect(page.get_by_role("status")).to_contain_text("已创建草稿 v2")
    draft = page.locator("#version-2")
    expect(draft).to_contain_text("草稿")
    expect(page.locator("#preview")).to_contain_text("尚未冻结")
    draft.get_by_role("button", name="提交审核").click()
    expect(draft).to_contain_text("等待另一人审核（提交人：admin）")
    # The submitter is offered no review.
    expect(draft).to_contain_text("须由另一人审核")
    expect(draft.get_by_role("button", name="审核通过")).to_have_count(0)

    # A second person of the office approves, which freezes the rows with their SHA-256.
    reviewer = browser.new_context(locale="en-US").new_page()
    log_in(reviewer, live_url, second_office)
    reviewer.goto(f"{live_url}/data/office/")
    expect(reviewer.locator(f"#office-{CODE}-v2")).to_contain_text("等待另一人审核")
    reviewer.goto(office)
    version = reviewer.locator("#version-2")
    version.get_by_label("审核意见").fill("已核对")
    version.get_by_role("button", name="审核通过").click()
    expect(version).to_contain_text("已审核")
    expect(version.locator("code.sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(version.locator("dd.row-count")).to_have_text(re.compile(r"^[1-9]\d*$"))
    expect(reviewer.locator("#preview")).to_contain_text("审核时冻结的数据")

    # Scheduled for 09:00 tomorrow in the server's time zone (Asia/Shanghai): not public yet.
    tomorrow = (dt.datetime.now(ZoneInfo("Asia/Shanghai")) + dt.timedelta(days=1)).date()
    version.get_by_label("发布时间（Asia/Shanghai）").fill(f"{tomorrow.isoformat()}T09:00")
    version.get_by_role("button", name="定时发布").click()
    expect(version).to_contain_text(f"等待禁发期结束：{tomorrow.isoformat()} 09:00")
    reviewer.goto(f"{live_url}/data/{CODE}/")
    expect(reviewer.locator("#version-2")).to_have_count(0)

    # Published now: the new version is the current one in the public catalogue.
    reviewer.goto(office)
    reviewer.locator("#version-2").get_by_role("button", name="立即发布").click()
    expect(reviewer.get_by_role("status")).to_contain_text("已发布")
    expect(reviewer.locator("#version-2")).to_contain_text("已公开")
    reviewer.get_by_role("link", name="查看公开页面").click()
    expect(reviewer.locator("#version-2")).to_contain_text("当前版本")
    expect(reviewer.locator("#version-2")).to_contain_text("更正：补充2023年数据")
    reviewer.goto(f"{live_url}/data/")
    expect(reviewer.locator(f"#dataset-{CODE}")).to_contain_text("第 2 版")
    reviewer.context.close()
