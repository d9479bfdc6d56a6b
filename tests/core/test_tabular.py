"""Tests for lantu.core.tabular: the CSV long format and the Excel template."""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import doctest
import io
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet

import lantu.core.tabular as tabular
from lantu.core.problems import InvalidInput, Problem
from lantu.core.tabular import (
    CSV_COLUMNS,
    CsvRecord,
    TemplateLine,
    TemplateSpec,
    TemplateUpload,
    ValueRow,
    build_template,
    plain_decimal,
    read_template,
    read_values_csv,
    write_values_csv,
)
from lantu.core.units import all_units

D = Decimal
HEADER = "indicator,org_unit,period,value,unit,comment"
MIB = 1024 * 1024


def csv_bytes(*lines: str, bom: bool = False, encoding: str = "utf-8") -> bytes:
    """A CSV file from lines, LF-terminated (the reader takes LF and CRLF alike)."""
    return (("\ufeff" if bom else "") + "\n".join(lines) + "\n").encode(encoding)


def problems_of(call: Callable[[], object]) -> list[Problem]:
    """Run ``call`` and return the problems of the InvalidInput it must raise."""
    with pytest.raises(InvalidInput) as caught:
        call()
    assert caught.value.problems, "InvalidInput without problems"
    return caught.value.problems


def csv_problems(data: bytes, **kwargs: int) -> list[Problem]:
    return problems_of(lambda: read_values_csv(data, **kwargs))


def test_doctests() -> None:
    result = doctest.testmod(tabular)
    assert result.attempted > 0
    assert result.failed == 0


def test_the_package_is_pure() -> None:
    code = "import sys, lantu.core.tabular; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- CSV: accepted ------------------------------------------------------------------------


def test_reads_rows_with_row_numbers_as_the_user_sees_them() -> None:
    data = csv_bytes(
        HEADER,
        "DE_TOTAL,330106,2022,3.93,万亿元,省统计局口径",
        "",
        "  BB_RATE , 330100 , 2022Q1 , 95.5 , % ,  ",
        "ENT_CLOUD,330000,2022-03,120,,",
    )
    assert read_values_csv(data) == [
        ValueRow(2, "DE_TOTAL", "330106", "2022", D("3.93"), "万亿元", "省统计局口径"),
        # Row 3 is blank: skipped, but still counted, as Excel shows it.
        ValueRow(4, "BB_RATE", "330100", "2022Q1", D("95.5"), "%", ""),
        ValueRow(5, "ENT_CLOUD", "330000", "2022-03", D("120"), "", ""),
    ]


@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_bom_and_line_ends_make_no_difference(bom: bool, newline: str) -> None:
    text = newline.join([HEADER, "DE_TOTAL,330106,2022,1,,备注"]) + newline
    data = (("\ufeff" if bom else "") + text).encode()
    assert read_values_csv(data) == [ValueRow(2, "DE_TOTAL", "330106", "2022", D(1), "", "备注")]


def test_gb18030_file_with_chinese_comments_decodes() -> None:
    data = csv_bytes(HEADER, "DE_TOTAL,330106,2022,1,亿元,含㐀㐁等扩展汉字，来自省统计局", encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test is only meaningful if UTF-8 fails
    [row] = read_values_csv(data)
    assert (row.unit, row.comment) == ("亿元", "含㐀㐁等扩展汉字，来自省统计局")


def test_quoted_fields_keep_commas_quotes_and_line_breaks() -> None:
    data = csv_bytes(HEADER, 'DE_TOTAL,330106,2022,"1,234.5",,"第一行，含逗号, ""引号""', "第二行", '"')
    [row] = read_values_csv(data)
    assert row.value == D("1234.5")
    assert row.comment == '第一行，含逗号, "引号"\n第二行'


def test_a_multiline_record_is_one_row() -> None:
    data = csv_bytes(HEADER, 'A,330106,2022,1,,"两\n行"', "B,330106,2022,x,,")
    [problem] = csv_problems(data)
    assert problem.row == 3  # the record after the two-line comment is row 3, as in Excel


def test_empty_lines_and_trailing_commas_are_not_problems() -> None:
    data = csv_bytes(HEADER + ",,", ",,,,,", "DE_TOTAL,330106,2022,1,,,,", "   ", ",, ,")
    assert read_values_csv(data) == [ValueRow(3, "DE_TOTAL", "330106", "2022", D(1), "", "")]


def test_blank_lines_before_the_header_keep_row_numbers() -> None:
    data = csv_bytes("", HEADER, "DE_TOTAL,330106,2022,1,,")
    assert read_values_csv(data)[0].row == 3


def test_periods_are_stored_in_canonical_form() -> None:
    [row] = read_values_csv(csv_bytes(HEADER, "DE_TOTAL,330106, ２０２２Q1 ,1,,"))
    assert row.period == "2022Q1"


# --- CSV: refused -------------------------------------------------------------------------


def test_empty_file_is_one_clear_problem() -> None:
    for data in (b"", b"\xef\xbb\xbf", b"\n\n  \r\n", b",,,\n"):
        [problem] = csv_problems(data)
        assert problem.message_zh == "文件为空"
        assert "no data rows" in problem.message_en


def test_header_only_is_one_clear_problem() -> None:
    [problem] = csv_problems(csv_bytes(HEADER, "", ",,,,,"))
    assert "文件为空" in problem.message_zh
    assert "no data rows" in problem.message_en


def test_file_over_the_limit_states_size_and_limit() -> None:
    [problem] = csv_problems(b"x" * (MIB + 1), max_bytes=MIB)
    assert problem.message_zh == "文件大小 1.1 MB，超过上限 1 MB"
    assert "1 MB limit" in problem.message_en


class _Huge(bytes):
    """Claims to hold 200 MB; touching its content would mean the size check came too late."""

    def __len__(self) -> int:
        return 200 * MIB

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        raise AssertionError("the content was read before the size was checked")

    def startswith(self, *args: object, **kwargs: object) -> bool:
        raise AssertionError("the content was read before the size was checked")


@pytest.mark.parametrize("reader", [read_values_csv, read_template])
def test_a_200_mb_upload_is_refused_before_reading(reader: Callable[[bytes], object]) -> None:
    started = time.perf_counter()
    [problem] = problems_of(lambda: reader(_Huge(b"indicator")))
    assert time.perf_counter() - started < 0.5
    assert "200 MB" in problem.message_zh
    assert "上限" in problem.message_zh


def test_undecodable_file_is_one_problem() -> None:
    [problem] = csv_problems(b"indicator\xff\xfe,\x80\x80\n")
    assert "既不是 UTF-8 也不是 GB18030" in problem.message_zh
    assert "CSV UTF-8" in problem.message_zh
    assert problem.row is None


def test_utf16_export_is_refused() -> None:
    data = ("\ufeff" + HEADER + "\r\n").encode("utf-16-le")
    [problem] = csv_problems(data)
    assert "UTF-8" in problem.message_zh


def test_nul_characters_are_refused() -> None:
    [problem] = csv_problems(csv_bytes(HEADER, "DE_TOTAL,330106,2022,1,,a\x00b"))
    assert "空字符" in problem.message_zh


def test_an_excel_workbook_uploaded_as_csv_is_named() -> None:
    template = build_template(spec())
    [problem] = csv_problems(template)
    assert "Excel 工作簿" in problem.message_zh


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "indicator,org_unit,period,value,comment",
            [("unit", "缺少列“unit”")],
        ),
        (
            "indicator,org_unit,period,valeu,unit,comment",
            [("value", "列名“valeu”有误，应为“value”")],
        ),
        (
            "Indicator,org_unit,period,value,unit,comment",
            [("indicator", "列名“Indicator”有误，应为“indicator”")],
        ),
        (
            "indicator,org_unit,period,value,unit,comment,source",
            [("source", "多余的列“source”（第 7 列）")],
        ),
        (
            "indicator,org_unit,period,value,unit,comment,value",
            [("value", "列“value”出现了 2 次")],
        ),
        (
            "org_unit,indicator,period,value,unit,comment",
            [("", "列的顺序应为 indicator,org_unit,period,value,unit,comment")],
        ),
        (
            "指标,行政区划,报告期,数值,单位,备注",
            [
                ("indicator", "列名“指标”有误，应为“indicator”"),
                ("org_unit", "列名“行政区划”有误，应为“org_unit”"),
                ("period", "列名“报告期”有误，应为“period”"),
                ("value", "列名“数值”有误，应为“value”"),
                ("unit", "列名“单位”有误，应为“unit”"),
                ("comment", "列名“备注”有误，应为“comment”"),
            ],
        ),
    ],
)
def test_header_problems_name_the_column(header: str, expected: list[tuple[str, str]]) -> None:
    # The data row is broken too, but rows are not read under a wrong header.
    problems = csv_problems(csv_bytes(header, "x,y,z,N/A,,"))
    assert [(p.field, p.message_zh) for p in problems] == expected
    assert all(p.row == 1 for p in problems)


def test_na_dashes_and_qualified_numbers_are_refused_with_parse_number_messages() -> None:
    data = csv_bytes(
        HEADER,
        "A,330106,2022,N/A,,",
        "B,330106,2022,—,,",
        "C,330106,2022,约80%,,",
        'D,330106,2022,"1,234.5",,',
        "E,330106,2022, 1234.5 ,,",
    )
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [(2, "value"), (3, "value"), (4, "value")]
    assert problems[0].message_zh == "“N/A”不是有效数字（单位请填在单位栏）"
    assert problems[1].message_zh == "“—”不是有效数字（单位请填在单位栏）"
    assert problems[2].message_zh == "“约80%”不是有效数字（单位请填在单位栏）"
    assert problems[2].message_en == '"约80%" is not a number (put units in the unit field)'


def test_extreme_exponents_are_refused_as_problems() -> None:
    data = csv_bytes(HEADER, "A,330106,2022,1e1000000,,", "B,330106,2022,1e-999999999,,", "C,330106,2022,1e-20,,")
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [(2, "value"), (3, "value")]
    assert problems[0].message_zh == "“1e1000000”超出允许范围（绝对值不能超过 10^18）"
    assert problems[1].message_zh == "“1e-999999999”的小数位过多（有效数字不能小于 10^-30）"


def test_unquoted_thousands_separator_is_never_read_as_a_smaller_value() -> None:
    data = csv_bytes(HEADER, "A,330106,2022,1,234.5,,", "B,330106,2022,1,234.5,亿元,备注", "C,330106,2022,1,234.5")
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [(2, ""), (2, "unit"), (3, ""), (3, "unit"), (4, "unit")]
    assert problems[0].message_zh == '该行有 7 列，多于 6 列（含逗号的数值请加英文双引号，如 "1,234.5"）'
    assert problems[2].message_zh.startswith("该行有 7 列")
    assert problems[4].message_zh == '单位“234.5”是数字；含逗号的数值请加英文双引号，如 "1,234.5"'


def test_padding_as_wide_as_the_header_is_not_too_many_columns() -> None:
    data = csv_bytes(HEADER + ",,", "A,330106,2022,1,,,,", "B,330106,2022,1,,,,,")
    [problem] = csv_problems(data)
    assert problem.row == 3
    assert problem.message_zh.startswith("该行有 9 列，多于 6 列")


def test_every_row_problem_is_reported_at_once() -> None:
    data = csv_bytes(
        HEADER,
        ",330106,2022,1,,",  # 2: indicator empty
        "DE_TOTAL,33010,2022,1,,",  # 3: org unit five digits
        "DE_TOTAL,３３０１０６,2022,1,,",  # 4: full-width digits are not a code
        "DE_TOTAL,330106,2022Q5,1,,",  # 5: bad period
        "9LIVES,330106,2022,1,,",  # 6: bad indicator code
        "DE_TOTAL,330106,2022",  # 7: the value column is missing
        "DE_TOTAL,330107,2023,1,,,extra",  # 8: too many columns
        "DE_TOTAL,330108,,,,",  # 9: period and value empty
    )
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [
        (2, "indicator"),
        (3, "org_unit"),
        (4, "org_unit"),
        (5, "period"),
        (6, "indicator"),
        (7, "value"),
        (8, ""),
        (9, "period"),
        (9, "value"),
    ]
    messages = [p.message_zh for p in problems]
    assert messages[0] == "指标代码为空"
    assert messages[1] == "“33010”不是六位行政区划代码（GB/T 2260，如 330106）"
    assert messages[3] == "“2022Q5”不是有效的报告期（应为 2022、2022Q1 或 2022-03）"
    assert messages[4].startswith("指标代码“9LIVES”无效")
    assert messages[5] == "该行只有 3 列，缺少数值"
    assert messages[7:] == ["报告期为空", "数值为空"]
    assert problems[0].message() == "第 2 行, 字段 indicator: 指标代码为空"


def test_duplicates_name_the_first_row() -> None:
    data = csv_bytes(
        HEADER,
        "DE_TOTAL,330106,2022,1,,",
        "DE_TOTAL,330106,2023,1,,",
        "DE_TOTAL,330106, 2022 ,2,,",
        "DE_TOTAL,330106,2022,x,,",  # a wrong value does not hide the duplicate
        "DE_TOTAL,330100,2022,1,,",  # another unit: not a duplicate
    )
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [
        (4, "indicator,org_unit,period"),
        (5, "value"),
        (5, "indicator,org_unit,period"),
    ]
    assert problems[0].message_zh == "与第 2 行重复（同一指标、行政区划和报告期只能有一个数值）"
    assert problems[0].message_en.startswith("duplicates row 2")


def test_the_field_limit_holds_when_another_library_raised_it() -> None:
    """frictionless raises the csv module's global limit at import; our reader sets its own."""
    previous = csv.field_size_limit(sys.maxsize)
    try:
        data = csv_bytes(HEADER, 'DE_TOTAL,330106,2023,1,,"' + "长" * 200_000 + '"')
        assert [(p.row, p.field) for p in csv_problems(data)] == [(2, "")]
        assert csv.field_size_limit() == sys.maxsize  # restored for whoever set it
    finally:
        csv.field_size_limit(previous)


def test_a_field_too_long_for_csv_stops_reading_but_keeps_earlier_problems() -> None:
    data = csv_bytes(HEADER, "DE_TOTAL,330106,2022,x,,", 'DE_TOTAL,330106,2023,1,,"' + "长" * 200_000)
    problems = csv_problems(data)
    assert [(p.row, p.field) for p in problems] == [(2, "value"), (3, "")]
    assert "CSV 格式错误" in problems[1].message_zh


# --- CSV: writing -------------------------------------------------------------------------


def test_write_has_bom_header_crlf_and_plain_decimals() -> None:
    rows: list[ValueRow | CsvRecord] = [
        ValueRow(9, "DE_TOTAL", "330106", "2022", D("1E+3"), "亿元", "含逗号, 和“引号”"),
        ("BB_RATE", "330106", "2022Q1", D("95.500"), "%", ""),
        ("X", "330106", "2022-03", D("-0.00"), "", "多\n行"),
        ("Y", "330106", "2022-03", D("0.000001"), "", ""),
    ]
    data = write_values_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert data.decode("utf-8-sig").split("\r\n")[1:] == [
        'DE_TOTAL,330106,2022,1000,亿元,"含逗号, 和“引号”"',
        "BB_RATE,330106,2022Q1,95.5,%,",
        'X,330106,2022-03,0,,"多\n行"',
        "Y,330106,2022-03,0.000001,,",
        "",
    ]
    assert ",".join(CSV_COLUMNS) == HEADER
    assert not write_values_csv([], bom=False).startswith(b"\xef\xbb\xbf")
    assert [row.row for row in read_values_csv(data)] == [2, 3, 4, 5]


def test_write_refuses_values_that_would_not_read_back() -> None:
    with pytest.raises(ValueError, match="not a Decimal"):
        write_values_csv([("A", "330106", "2022", 0.1, "", "")])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="not a finite number"):
        write_values_csv([("A", "330106", "2022", D("NaN"), "", "")])


def test_an_empty_export_reads_as_no_data_rows() -> None:
    [problem] = csv_problems(write_values_csv([]))
    assert "no data rows" in problem.message_en


@pytest.mark.parametrize(
    ("value", "text"),
    [("1E+3", "1000"), ("1.2300", "1.23"), ("-0", "0"), ("123456789012345.123456", "123456789012345.123456")],
)
def test_plain_decimal(value: str, text: str) -> None:
    assert plain_decimal(D(value)) == text


# --- CSV: properties ----------------------------------------------------------------------

codes = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,31}", fullmatch=True)
org_units = st.from_regex(r"[0-9]{6}", fullmatch=True)
years = st.integers(1900, 2200)
periods = st.one_of(
    years.map(str),
    st.tuples(years, st.integers(1, 4)).map(lambda t: f"{t[0]}Q{t[1]}"),
    st.tuples(years, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
)
values = st.one_of(
    st.decimals(
        min_value=D("-999999999999999.999999"),
        max_value=D("999999999999999.999999"),
        places=6,
        allow_nan=False,
        allow_infinity=False,
    ),
    # Exponent forms such as 1E+3, which must be written as 1000.
    st.tuples(st.integers(-(10**8), 10**8), st.integers(-6, 6)).map(lambda t: D(t[0]).scaleb(t[1])),
)
# Anything a person might type, trimmed as the reader trims; NUL is refused by design.
free_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20).map(str.strip)
unit_symbols = st.sampled_from(["", *(unit.symbol for unit in all_units())])
value_rows = st.builds(ValueRow, st.just(0), codes, org_units, periods, values, unit_symbols, free_text)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_rows_or_invalid_input(data: bytes) -> None:
    with contextlib.suppress(InvalidInput):
        read_values_csv(data)


csv_ish = st.lists(
    st.lists(st.sampled_from(["DE_TOTAL", "330106", "2022", "1,5", '"', " ", "", "x", "é", "\n", "N/A"]), max_size=8)
    .map(lambda fields: ",".join(fields))
    .map(lambda line: line),
    max_size=6,
).map(lambda lines: "\n".join([HEADER, *lines]).encode())


@settings(max_examples=150, deadline=None)
@given(csv_ish)
def test_any_near_csv_gives_rows_or_invalid_input(data: bytes) -> None:
    problems: list[Problem] = []
    try:
        rows = read_values_csv(data)
    except InvalidInput as error:
        rows, problems = [], error.problems
    assert bool(rows) != bool(problems)
    assert all(p.message_zh and p.message_en for p in problems)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(value_rows, min_size=1, max_size=8, unique_by=lambda r: (r.indicator, r.org_unit, r.period)),
    st.booleans(),
)
def test_write_then_read_returns_the_same_rows(rows: list[ValueRow], bom: bool) -> None:
    expected = [
        ValueRow(number, r.indicator, r.org_unit, r.period, r.value, r.unit, r.comment)
        for number, r in enumerate(rows, start=2)
    ]
    assert read_values_csv(write_values_csv(rows, bom=bom)) == expected


# --- Excel template -----------------------------------------------------------------------

LINES = (
    TemplateLine("DE_TOTAL", "数字经济核心产业增加值", "亿元", "2022"),
    TemplateLine("BB_RATE", "千兆宽带用户占比", "%", "2022Q1"),
    TemplateLine("BB_RATE", "千兆宽带用户占比", "%", "2022Q2"),
    TemplateLine("ENT_CLOUD", "上云企业数", "家", "2022-03", comment="含省级平台"),
)
# Without demo: title, unit, instructions, then the header on row 4 and lines on rows 5 to 8.
FIRST = 5


def spec(*, demo: bool = False, lines: tuple[TemplateLine, ...] = LINES) -> TemplateSpec:
    return TemplateSpec("2022-annual", "2022 年度数字化转型监测", "330106", "西湖区", lines, demo=demo)


def sheet(workbook: openpyxl.Workbook, name: str) -> Worksheet:
    found = workbook[name]
    assert isinstance(found, Worksheet)
    return found


def fill(
    template: bytes,
    cells: Mapping[str, Any] | None = None,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
) -> bytes:
    """Fill in a template as a user would, with openpyxl, and save it."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    data = sheet(workbook, "填报")
    for coordinate, value in (cells or {}).items():
        data[coordinate] = value
    if edit is not None:
        edit(workbook)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rewrite_part(data: bytes, part: str, edit: Callable[[str], str]) -> bytes:
    """Edit one XML part of an xlsx, for what openpyxl cannot write (cached formula results)."""
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = edit(content.decode()).encode()
            target.writestr(info, content)
    return output.getvalue()


def template_problems(data: bytes, **kwargs: int) -> list[Problem]:
    return problems_of(lambda: read_template(data, **kwargs))


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template(spec())


def test_template_layout() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(build_template(spec(demo=True))))
    assert workbook.sheetnames == ["填报", "_key"]
    data, key = sheet(workbook, "填报"), sheet(workbook, "_key")
    assert data.sheet_state == "visible"
    assert key.sheet_state == "veryHidden"
    assert data["A1"].value == "2022 年度数字化转型监测"
    assert data["A2"].value == "填报单位：西湖区（330106）"
    assert data["A3"].value == "示例数据 / demo data"
    header = 5  # one row lower than without demo
    assert [cell.value for cell in data[header]] == ["指标代码", "指标名称", "单位", "报告期", "数值", "备注"]
    assert [cell.value for cell in data[header + 1]] == [
        "DE_TOTAL",
        "数字经济核心产业增加值",
        "亿元",
        "2022",
        None,
        None,
    ]
    assert data.cell(header + 4, 6).value == "含省级平台"
    assert data.freeze_panes == f"A{header + 1}"
    assert data.protection.sheet
    assert not data.protection.password
    assert data.cell(header + 1, 5).protection.locked is False
    assert data.cell(header + 1, 6).protection.locked is False
    assert data.cell(header + 1, 1).protection.locked is True
    assert data.cell(header + 1, 4).protection.locked is True
    [validation] = data.data_validations.dataValidation
    assert validation.type == "decimal"
    assert str(validation.sqref) == f"E{header + 1}:E{header + 4}"
    assert validation.showErrorMessage
    assert validation.error is not None
    assert "请填写数字" in validation.error
    widths = {letter: data.column_dimensions[letter].width for letter in "ABCDEF"}
    assert widths["B"] > widths["D"] >= 8
    assert widths["E"] >= 16
    assert key["B1"].value == "lantu-template"
    assert key["B3"].value == "2022-annual"
    assert key["B4"].value == "330106"
    assert [[c.value for c in row] for row in key.iter_rows(min_row=9, max_col=3)] == [
        ["DE_TOTAL", "2022", header + 1],
        ["BB_RATE", "2022Q1", header + 2],
        ["BB_RATE", "2022Q2", header + 3],
        ["ENT_CLOUD", "2022-03", header + 4],
    ]


def test_template_without_demo_has_no_demo_line(template: bytes) -> None:
    data = sheet(openpyxl.load_workbook(io.BytesIO(template)), "填报")
    texts = [cell.value for column in data.iter_cols(max_col=1) for cell in column]
    assert "示例数据 / demo data" not in texts
    assert data.cell(FIRST - 1, 1).value == "指标代码"


def test_stored_text_never_becomes_a_formula() -> None:
    lines = (
        TemplateLine("DE_TOTAL", '=HYPERLINK("http://example.invalid","点击")', "亿元", "2022", comment="=1+1\x01"),
    )
    built = build_template(spec(lines=lines))
    data = sheet(openpyxl.load_workbook(io.BytesIO(built)), "填报")
    assert (data["B5"].data_type, data["F5"].data_type) == ("s", "s")
    [row] = read_template(fill(built, {"E5": 1})).rows
    assert row.comment == "=1+1"


def test_untouched_template_has_no_values(template: bytes) -> None:
    assert read_template(template) == TemplateUpload("2022-annual", "330106", [])


def test_filled_template_round_trips(template: bytes) -> None:
    filled = fill(template, {"E5": 3.93, "E6": "1,234.5", "F6": " 已核实 ", "E7": " 95 ", "E8": 120})
    upload = read_template(filled)
    assert upload.round_key == "2022-annual"
    assert upload.org_unit == "330106"
    assert upload.rows == [
        ValueRow(5, "DE_TOTAL", "330106", "2022", D("3.93"), "亿元", ""),
        ValueRow(6, "BB_RATE", "330106", "2022Q1", D("1234.5"), "%", "已核实"),
        ValueRow(7, "BB_RATE", "330106", "2022Q2", D("95"), "%", ""),
        ValueRow(8, "ENT_CLOUD", "330106", "2022-03", D("120"), "家", "含省级平台"),
    ]


def test_current_values_are_filled_in_and_read_back() -> None:
    lines = (TemplateLine("DE_TOTAL", "数字经济", "亿元", "2022", current=D("1E+3")), *LINES[1:])
    upload = read_template(build_template(spec(lines=lines)))
    assert [(row.indicator, row.value) for row in upload.rows] == [("DE_TOTAL", D(1000))]


def test_float_noise_is_read_as_excel_shows_it(template: bytes) -> None:
    [row] = read_template(fill(template, {"E5": 0.1 + 0.2})).rows
    assert row.value == D("0.3")


def test_blank_values_are_skipped(template: bytes) -> None:
    upload = read_template(fill(template, {"E5": "  ", "E6": 1, "F7": "暂无数据"}))
    assert [row.row for row in upload.rows] == [6]


def test_sorted_rows_are_matched_by_code_and_period(template: bytes) -> None:
    def sort_descending(workbook: openpyxl.Workbook) -> None:
        data = sheet(workbook, "填报")
        lines = [[cell.value for cell in row] for row in data.iter_rows(min_row=FIRST, max_row=FIRST + 3, max_col=6)]
        for number, values in enumerate(sorted(lines, key=lambda v: str(v[0]), reverse=True), start=FIRST):
            for column, value in enumerate(values, start=1):
                data.cell(number, column, value)

    filled = fill(template, {"E5": 1, "E6": 2, "E7": 3, "E8": 4}, sort_descending)
    assert {(row.indicator, row.period): (row.row, row.value) for row in read_template(filled).rows} == {
        ("ENT_CLOUD", "2022-03"): (5, D(4)),
        ("DE_TOTAL", "2022"): (6, D(1)),
        ("BB_RATE", "2022Q1"): (7, D(2)),
        ("BB_RATE", "2022Q2"): (8, D(3)),
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("约80%", "“约80%”不是有效数字（单位请填在单位栏）"),
        ("N/A", "“N/A”不是有效数字（单位请填在单位栏）"),
        ("—", "“—”不是有效数字（单位请填在单位栏）"),
        (True, "这是逻辑值（TRUE/FALSE），不是数字"),
        (dt.date(2022, 3, 1), "这是日期或时间，不是数字（请将单元格格式改为“常规”）"),
    ],
)
def test_value_that_is_not_a_number_is_refused(template: bytes, value: object, message: str) -> None:
    [problem] = template_problems(fill(template, {"E6": value, "E7": 5}))
    assert (problem.row, problem.field, problem.message_zh) == (6, "E（数值）", message)


def test_percent_formatted_cell_is_refused(template: bytes) -> None:
    def percent(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "填报")["E6"].number_format = "0%"

    [problem] = template_problems(fill(template, {"E6": 0.8}, percent))
    assert (problem.row, problem.field) == (6, "E（数值）")
    assert "百分比格式" in problem.message_zh


def test_formula_without_result_is_refused(template: bytes) -> None:
    [problem] = template_problems(fill(template, {"E5": "=1+2", "E6": 7}))
    assert (problem.row, problem.field) == (5, "E（数值）")
    assert "请将公式替换为数值" in problem.message_zh


def test_formula_with_saved_result_gives_the_result(template: bytes) -> None:
    filled = fill(template, {"E5": "=1+2", "E6": 7})
    calculated = rewrite_part(
        # openpyxl writes the empty cached value as <v /> or <v></v> depending on whether lxml is installed.
        filled,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(r"<f>1\+2</f>(<v\s*/>|<v></v>)", "<f>1+2</f><v>3</v>", xml),
    )
    assert [(row.row, row.value) for row in read_template(calculated).rows] == [(5, D(3)), (6, D(7))]


def test_formula_stored_as_text_is_refused(template: bytes) -> None:
    def as_text(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "填报")["E5"].data_type = "s"

    [problem] = template_problems(fill(template, {"E5": "=A1"}, as_text))
    assert "公式" in problem.message_zh
    assert problem.row == 5


def test_changed_codes_and_periods_are_refused(template: bytes) -> None:
    filled = fill(
        template,
        {
            "A5": "DE_TOTL",  # misspelt code
            "E5": 1,
            "D6": "2023Q1",  # period changed
            "E6": 2,
            "D7": "2022Q9",  # not a period
            "A9": "NEW_ONE",  # a row added below the lines
            "D9": "2022",
            "E9": 3,
            "A10": None,  # a value without code
            "E10": 4,
        },
    )
    problems = template_problems(filled)
    assert [(p.row, p.field) for p in problems] == [
        (5, "A（指标代码）"),
        (6, "D（报告期）"),
        (7, "D（报告期）"),
        (9, "A（指标代码）"),
        (10, "A（指标代码）"),
    ]
    assert problems[0].message_zh == "指标代码“DE_TOTL”不在模板中（此行原为 DE_TOTAL / 2022）；请勿修改指标代码或新增行"
    assert problems[1].message_zh.startswith("模板中没有指标 BB_RATE 的报告期 2023Q1（此行原为 BB_RATE / 2022Q1）")
    assert problems[2].message_zh == "“2022Q9”不是有效的报告期（应为 2022、2022Q1 或 2022-03）"
    assert "（此行原为" not in problems[3].message_zh
    assert problems[4].message_zh == "指标代码为空"


def test_periods_retyped_as_numbers_still_match(template: bytes) -> None:
    [row] = read_template(fill(template, {"D5": 2022, "E5": 1})).rows
    assert (row.period, row.value) == ("2022", D(1))


def test_duplicate_rows_are_refused(template: bytes) -> None:
    filled = fill(template, {"A9": "DE_TOTAL", "D9": "2022", "E9": 2, "E5": 1})
    [problem] = template_problems(filled)
    assert (problem.row, problem.field) == (9, "A（指标代码）,D（报告期）")
    assert problem.message_zh.startswith("与第 5 行重复")


def test_merged_cells_in_the_data_area_are_refused(template: bytes) -> None:
    def merge(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "填报").merge_cells("E6:E7")

    [problem] = template_problems(fill(template, {"E6": 1}, merge))
    assert (problem.row, problem.field) == (6, "E6:E7")
    assert problem.message_zh == "数据区域中有合并单元格 E6:E7，请取消合并"


def test_content_right_of_the_template_is_refused(template: bytes) -> None:
    [problem] = template_problems(fill(template, {"G6": 12}))
    assert (problem.row, problem.field) == (6, "G6")
    assert "不会被读取" in problem.message_zh


def test_all_problems_are_reported_together(template: bytes) -> None:
    def merge(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "填报").merge_cells("B8:C8")

    filled = fill(template, {"E5": "约80%", "A6": "XX", "E6": 1, "E7": 2}, merge)
    assert [(p.row, p.field) for p in template_problems(filled)] == [
        (8, "B8:C8"),
        (5, "E（数值）"),
        (6, "A（指标代码）"),
    ]


def test_changed_header_is_refused(template: bytes) -> None:
    def insert_column(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "填报").insert_cols(2)

    problems = template_problems(fill(template, {"E5": 1}, insert_column))
    assert problems[0] == Problem(
        "B（指标名称）", "表头应为“指标名称”，实际为“”（请勿修改表头或插入列）", problems[0].message_en, 4
    )
    assert {p.row for p in problems} == {4}


def test_extra_visible_sheet_is_refused(template: bytes) -> None:
    def add_sheet(workbook: openpyxl.Workbook) -> None:
        workbook.create_sheet("Sheet1")["A1"] = 1

    [problem] = template_problems(fill(template, {"E5": 1}, add_sheet))
    assert "多余的工作表 “Sheet1”" in problem.message_zh
    assert problem.row is None


def test_extra_hidden_sheet_is_ignored(template: bytes) -> None:
    def add_hidden(workbook: openpyxl.Workbook) -> None:
        workbook.create_sheet("notes").sheet_state = "hidden"

    assert len(read_template(fill(template, {"E5": 1}, add_hidden)).rows) == 1


def test_a_key_sheet_made_visible_is_not_an_extra_sheet(template: bytes) -> None:
    def show_key(workbook: openpyxl.Workbook) -> None:
        sheet(workbook, "_key").sheet_state = "visible"

    assert len(read_template(fill(template, {"E5": 1}, show_key)).rows) == 1


@pytest.mark.parametrize("missing", ["_key", "填报"])
def test_workbook_without_the_template_sheets_is_refused(template: bytes, missing: str) -> None:
    def remove(workbook: openpyxl.Workbook) -> None:
        if missing == "填报":
            sheet(workbook, "填报").title = "Sheet1"
            workbook.create_sheet("填报2", 0)
        else:
            del workbook[missing]

    problems = template_problems(fill(template, edit=remove))
    assert any("这不是由蓝图生成的模板" in p.message_zh and missing in p.message_zh for p in problems)


def test_a_plain_workbook_is_not_a_template() -> None:
    output = io.BytesIO()
    openpyxl.Workbook().save(output)
    [problem] = template_problems(output.getvalue())
    assert problem.message_zh.startswith("这不是由蓝图生成的模板")


@pytest.mark.parametrize(
    ("edit_key", "message"),
    [
        (lambda key: key.cell(1, 2, "something-else"), "隐藏的校验页已损坏"),
        (lambda key: key.cell(2, 2, 0), "模板版本“0”已不再使用"),
        (lambda key: key.cell(4, 2, "33"), "隐藏的校验页已损坏"),
        (lambda key: key.cell(10, 2, "2022Q9"), "隐藏的校验页已损坏"),
    ],
)
def test_damaged_key_is_refused(template: bytes, edit_key: Callable[[Worksheet], object], message: str) -> None:
    def edit(workbook: openpyxl.Workbook) -> None:
        edit_key(sheet(workbook, "_key"))

    [problem] = template_problems(fill(template, edit=edit))
    assert message in problem.message_zh


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "这不是 Excel 工作簿（.xlsx）文件"),
        (csv_bytes(HEADER, "DE_TOTAL,330106,2022,1,,"), "这不是 Excel 工作簿（.xlsx）文件"),
        (b"PK\x03\x04 truncated", "这不是 Excel 工作簿（.xlsx）文件"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "旧版 Excel（.xls）"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(data: bytes, message: str) -> None:
    [problem] = template_problems(data)
    assert message in problem.message_zh


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "你好")
    [problem] = template_problems(output.getvalue())
    assert "无法读取该 Excel 工作簿" in problem.message_zh


def test_zip_bomb_is_refused_before_inflating() -> None:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(300_000))
    data = output.getvalue()
    assert len(data) < 10_000
    [problem] = template_problems(data, max_bytes=10_000)
    assert "解压后" in problem.message_zh


def test_template_over_the_limit_is_refused(template: bytes) -> None:
    [problem] = template_problems(template, max_bytes=len(template) - 1)
    assert "超过上限" in problem.message_zh


def test_build_refuses_a_wrong_spec() -> None:
    lines = (LINES[0], LINES[0], TemplateLine("X", "x", "", "2022Q5"), TemplateLine("Y", "y", "", "2022", D("NaN")))
    wrong = TemplateSpec("", "t", "3301", "x", lines)
    problems = problems_of(lambda: build_template(wrong))
    assert [p.field for p in problems] == ["round_key", "org_unit", "lines[1]", "lines[2].period", "lines[3].current"]


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b)))
def test_junk_bytes_give_invalid_input_only(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        read_template(data)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_damaged_templates_give_an_upload_or_invalid_input(template: bytes, data: st.DataObject) -> None:
    filled = fill(template, {"E5": 1, "E6": "2"})
    damaged = bytearray(filled)
    for _ in range(data.draw(st.integers(1, 4))):
        # Positions are drawn independently of the file's length: the zip's timestamps can change
        # its size between runs, and hypothesis needs the same draws to replay an example.
        damaged[data.draw(st.integers(0, 10**6)) % len(damaged)] = data.draw(st.integers(0, 255))
    try:
        upload = read_template(bytes(damaged))
    except InvalidInput:
        pass
    else:
        assert upload.round_key == "2022-annual"
