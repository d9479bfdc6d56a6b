"""The task list in the browser: the office imports a 清单 sheet (preview, then confirm); the lead
unit's reporter reports progress with an evidence file and sees the light and progress change.

No demo persona leads a task, so the office's import makes 西湖区 the lead of a new task: the
link is created through the import service, as a user would.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from lantu.core.tabular.qingdan import TimeSpan, format_time
from tests.browser.conftest import ADMIN_PASSWORD, log_in

pytestmark = pytest.mark.browser


def test_import_then_report_progress_with_evidence(page: Page, live_url: str, tmp_path: Path) -> None:
    today = dt.date.today()
    # Due in 20 days, started over a year ago: with no progress reported the light is yellow.
    span = TimeSpan(dt.date(today.year - 1, 1, 1), today + dt.timedelta(days=20))
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["西湖区数字化改革任务清单"])
    ws.append(["完成时限", "序号", "重点任务", "牵头单位", "配合单位", "进展情况"])
    ws.append([format_time(span), "1", "建设西湖区一体化数据平台", "西湖区", "省大数据局", ""])
    sheet = tmp_path / "清单.xlsx"
    book.save(sheet)

    log_in(page, live_url, "admin", ADMIN_PASSWORD)
    page.goto(live_url + "/tasks/")
    page.get_by_role("link", name="导入清单").click()
    page.get_by_label("Excel清单文件").set_input_files(str(sheet))
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#preview-summary")).to_contain_text("新建 1 项")
    expect(page.locator("#row-3")).to_contain_text("QD-1")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("已导入：新建 1 项")
    expect(page.locator("#task-QD-1")).to_contain_text("西湖区")
    page.get_by_role("button", name="退出 (admin)").click()

    log_in(page, live_url, "xihu_reporter")
    page.goto(live_url + "/tasks/?light=yellow")
    expect(page.locator("#task-QD-1")).to_contain_text("尚未报送进度")
    page.get_by_role("link", name="建设西湖区一体化数据平台").click()
    expect(page.locator("#task-light")).to_contain_text("黄")

    # A file of a type that is not allowed is refused beside the field, and nothing is saved.
    bad = tmp_path / "run.exe"
    bad.write_bytes(b"MZ")
    page.get_by_label("进度（%）").fill("99")
    page.get_by_label("进展情况").fill("平台已上线试运行")
    page.get_by_label("佐证材料（PDF、图片、Word、Excel，每个不超过20 MB）").set_input_files(str(bad))
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator("#err-files")).to_contain_text("run.exe")
    expect(page.locator("#task-progress")).to_have_text("—")

    evidence = tmp_path / "上线通知.pdf"
    evidence.write_bytes(b"%PDF-1.4 demo evidence")
    page.get_by_label("佐证材料（PDF、图片、Word、Excel，每个不超过20 MB）").set_input_files(str(evidence))
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator("main")).to_contain_text("已报送进展")
    expect(page.locator("#task-progress")).to_have_text("99.0%")
    expect(page.locator("#task-light")).to_contain_text("绿")
    expect(page.locator("#task-status")).to_have_text("推进中")
    with page.expect_download() as download:
        page.get_by_role("link", name="上线通知.pdf").click()
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 demo evidence"
