"""The 清单 sheet: header found by name in any order, merged cells, 序号 hierarchy, 时间节点 text."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core.problems import InvalidInput
from lantu.core.tabular.qingdan import (
    QingdanLine,
    TimeError,
    TimeSpan,
    format_time,
    parse_number,
    parse_time,
    read_qingdan,
    split_units,
    write_qingdan,
)


def workbook(rows: list[list[object]], merges: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("text", "start", "deadline"),
    [
        ("2022年6月底前", None, dt.date(2022, 6, 30)),
        ("2022年底", None, dt.date(2022, 12, 31)),
        ("2022年年底前完成", None, dt.date(2022, 12, 31)),
        ("2022-06-30", None, dt.date(2022, 6, 30)),
        ("2022/6/30", None, dt.date(2022, 6, 30)),
        ("2022年6月30日", None, dt.date(2022, 6, 30)),
        ("2022年二季度", None, dt.date(2022, 6, 30)),
        ("2022年上半年", None, dt.date(2022, 6, 30)),
        ("２０２２年６月", None, dt.date(2022, 6, 30)),  # full-width digits
        ("2021—2022年", dt.date(2021, 1, 1), dt.date(2022, 12, 31)),
        ("2021年3月至2022年6月", dt.date(2021, 3, 1), dt.date(2022, 6, 30)),
        ("2022年1月起", dt.date(2022, 1, 1), None),
        ("2022年6月底前出台方案，2022年底前全面建成", None, dt.date(2022, 12, 31)),
        ("新建5G基站2000个，2023年底前", None, dt.date(2023, 12, 31)),
        ("持续推进", None, None),
        ("长期坚持", None, None),
        ("", None, None),
    ],
)
def test_time_texts_of_real_lists(text: str, start: dt.date | None, deadline: dt.date | None) -> None:
    assert parse_time(text) == TimeSpan(start, deadline)


@pytest.mark.parametrize("text", ["年底前", "2022年13月", "2022年2月30日", "尽快", "2023—2022年"])
def test_unreadable_times_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(TimeError) as info:
        parse_time(text)
    assert "2022年6月底前" in info.value.message_zh


days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))


@given(days, days, st.booleans(), st.booleans())
def test_format_then_parse_gives_the_span_back(a: dt.date, b: dt.date, has_start: bool, has_deadline: bool) -> None:
    start, deadline = min(a, b), max(a, b)
    span = TimeSpan(start if has_start else None, deadline if has_deadline else None)
    assert parse_time(format_time(span)) == span


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_with_time_error(text: str) -> None:
    try:
        span = parse_time(text)
    except TimeError:
        return
    assert span.start is None or span.deadline is None or span.start <= span.deadline


def test_units_split_on_every_separator() -> None:
    assert split_units("省发展改革委、省经信厅，省科技厅;省大数据局（牵头） 杭州市等") == (
        "省发展改革委",
        "省经信厅",
        "省科技厅",
        "省大数据局",
        "杭州市",
    )


def test_numbers() -> None:
    assert parse_number("1") == ("top", "1")
    assert parse_number("2、") == ("top", "2")
    assert parse_number("1.1") == ("sub", "1.1")
    assert parse_number("(2)") == ("paren", "2")
    assert parse_number("（一）") == ("section", "")
    assert parse_number("甲") is None


def test_columns_in_another_order_with_synonyms_title_rows_and_merged_units() -> None:
    data = workbook(
        [
            ["数字浙江建设任务清单"],
            [],
            ["完成时限", "重点任务", "编号", "备注", "牵头单位", "协同单位", "工作进展"],
            ["一、数字基础设施", "一、数字基础设施", "一、数字基础设施", "", "", "", ""],
            ["2022年底前", "建设5G基站", "1", "x", "省经信厅", "省通信管理局", "已建成"],
            ["2022年6月底前", "完成规划", "(1)", "", None, "", ""],
            ["持续推进", "推进IPv6", "2", "", "省经信厅、杭州市", "", ""],
            ["2022-06-30", "IPv6 改造", "2.1", "", "杭州市", "", ""],
        ],
        merges=("A1:G1", "A4:G4", "E5:E6"),
    )
    sheet = read_qingdan(data)
    assert sheet.header_row == 3
    assert sheet.sections == [4]
    assert sheet.problems == []
    rows = {r.key: r for r in sheet.rows}
    assert list(rows) == ["1", "1.1", "2", "2.1"]
    assert rows["1.1"].parent_key == "1"
    assert rows["1.1"].lead == ("省经信厅",)  # merged over two rows: applies to each
    assert rows["1"].cooperating == ("省通信管理局",)
    assert rows["1"].progress == "已建成"
    assert rows["2"].lead == ("省经信厅", "杭州市")
    assert rows["2"].span == TimeSpan(None, None)
    assert rows["2.1"].span.deadline == dt.date(2022, 6, 30)


def test_missing_required_column_names_the_header_expected() -> None:
    data = workbook([["序号", "任务", "配合单位"], ["1", "x", ""]])
    with pytest.raises(InvalidInput) as info:
        read_qingdan(data)
    fields = {p.field for p in info.value.problems}
    assert fields == {"责任单位", "时间节点"}
    assert "牵头单位" in info.value.problems[0].message_zh  # says which other names are accepted


def test_not_a_workbook_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Excel"):
        read_qingdan(b"hello")


def test_row_problems_are_collected_by_row_and_column() -> None:
    data = workbook(
        [
            ["序号", "工作内容", "责任单位", "时间节点"],
            ["1", "a", "省经信厅", "尽快"],
            ["1", "b", "省经信厅", "2022年"],
            ["3.1", "c", "省经信厅", "2022年"],
            ["x", "", "省经信厅", "2022年"],
        ]
    )
    sheet = read_qingdan(data)
    found = {(p.row, p.field) for p in sheet.problems}
    assert found == {(2, "时间节点"), (3, "序号"), (4, "序号"), (5, "序号"), (5, "工作内容")}


def test_written_sheet_reads_back() -> None:
    lines = [
        QingdanLine(0, "T1", "甲", ["省经信厅"], ["杭州市"], TimeSpan(dt.date(2022, 1, 1), dt.date(2022, 12, 31))),
        QingdanLine(1, "T1_1", "乙", [], [], TimeSpan(None, dt.date(2022, 6, 30)), "进展"),
        QingdanLine(0, "T2", "丙", [], [], TimeSpan(None, None)),
    ]
    sheet = read_qingdan(write_qingdan(lines, title="清单"))
    assert [(r.key, r.parent_key, r.code, r.title) for r in sheet.rows] == [
        ("1", None, "T1", "甲"),
        ("1.1", "1", "T1_1", "乙"),
        ("2", None, "T2", "丙"),
    ]
    assert sheet.rows[0].span == lines[0].span
    assert sheet.rows[0].cooperating == ("杭州市",)
    assert sheet.rows[1].progress == "进展"
