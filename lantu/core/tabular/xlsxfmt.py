"""The Excel template for offline entry: built for one round and one org unit, filled in, uploaded.

The visible sheet "填报" lists one line per indicator and period; only the value (数值) and
comment (备注) cells are unlocked. A very hidden sheet "_key" records what the template was
built for, so that an upload is matched back by indicator code and period (never by row
position: users sort rows) and anything that was changed or added is reported.

Reading is defensive: an upload may be any bytes, a damaged workbook, a workbook from
another system or a zip bomb, and the only error it can produce is
:class:`~lantu.core.problems.InvalidInput`.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lantu.core.problems import InvalidInput, Problem
from lantu.core.tabular import (
    ValueRow,
    check_indicator,
    check_org_unit,
    check_period,
    check_size,
    check_value,
    duplicate,
    megabytes,
    shown,
)
from lantu.core.units import MAX_MAGNITUDE

__all__ = [
    "DATA_SHEET",
    "HEADERS",
    "KEY_SHEET",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_VERSION",
    "TemplateLine",
    "TemplateSpec",
    "TemplateUpload",
    "build_template",
    "read_template",
]

#: Default upload limit: a filled template with a thousand lines is well under 1 MB.
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
#: The visible sheet users fill in, and the very hidden sheet that identifies the template.
DATA_SHEET = "填报"
KEY_SHEET = "_key"
#: Bumped whenever the layout changes, so that an old template is refused, not misread.
TEMPLATE_VERSION = 1
#: The column headers of the data sheet, columns A to F.
HEADERS = ("指标代码", "指标名称", "单位", "报告期", "数值", "备注")

_FORMAT = "lantu-template"
_CODE, _NAME, _UNIT, _PERIOD, _VALUE, _COMMENT = range(1, 7)
# An xlsx is a zip: a few MB of upload can inflate to gigabytes of XML, which openpyxl would
# hold in memory. The sizes declared in the zip directory bound what zipfile will inflate.
_UNZIPPED_FACTOR = 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls (and other OLE files)
_MAX_HEADER_ROW = 20
_REDOWNLOAD_ZH = "请重新下载模板填写"
_REDOWNLOAD_EN = "download the template again and fill it in"

_BOLD = Font(bold=True)
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)


@dataclass(frozen=True)
class TemplateLine:
    """One line of a template: an indicator and period to report, with the current value if any."""

    indicator: str
    name_zh: str
    unit: str
    period: str
    current: Decimal | None = None
    comment: str = ""


@dataclass(frozen=True)
class TemplateSpec:
    """What a template is for: a reporting round, one org unit, and the lines to fill in."""

    round_key: str
    round_title: str
    org_unit: str
    org_unit_name: str
    lines: Sequence[TemplateLine]
    demo: bool = False


@dataclass(frozen=True)
class TemplateUpload:
    """A filled template as read back: the round and unit from the key, and the entered values."""

    round_key: str
    org_unit: str
    rows: list[ValueRow]


@dataclass(frozen=True)
class _Key:
    """The content of the "_key" sheet."""

    round_key: str
    org_unit: str
    header_row: int
    # (indicator, period) -> the row the line was written to, and the reverse.
    lines: dict[tuple[str, str], int]
    by_row: dict[int, tuple[str, str]]


# --- building ----------------------------------------------------------------------------


def build_template(spec: TemplateSpec) -> bytes:
    """Build the .xlsx template for ``spec``.

    Raises
    ------
    InvalidInput
        The spec itself is wrong (a bad code or period, a duplicate line, a current value
        that is not finite); that is a bug in the caller, reported like any other input.
    """
    periods = _check_spec(spec)
    workbook = openpyxl.Workbook()
    sheet = cast(Worksheet, workbook.active)
    sheet.title = DATA_SHEET
    notes = [
        (spec.round_title, Font(bold=True, size=14)),
        (f"填报单位：{spec.org_unit_name}（{spec.org_unit}）", _BOLD),
    ]
    if spec.demo:
        notes.append(("示例数据 / demo data", Font(bold=True, color="C00000")))
    notes.append(
        (
            "说明：请在“数值”列填写数字（单位见“单位”列，不要填写文字、百分号或单位），可在“备注”列说明情况；"
            "请勿修改指标代码、报告期或表头，也不要新增工作表。",
            Font(color="595959"),
        )
    )
    for number, (text, font) in enumerate(notes, start=1):
        cell = _put(sheet, number, 1, text)
        cell.font = font
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        # Above the header, merged cells are layout; in the data area they are refused.
        sheet.merge_cells(start_row=number, start_column=1, end_row=number, end_column=len(HEADERS))
    sheet.row_dimensions[len(notes)].height = 32
    header_row = len(notes) + 1
    for column, title in enumerate(HEADERS, start=1):
        cell = _put(sheet, header_row, column, title)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
    first = header_row + 1
    for number, (line, period) in enumerate(zip(spec.lines, periods, strict=True), start=first):
        texts = (line.indicator, line.name_zh, line.unit, period)
        for column, text in enumerate(texts, start=1):
            cell = _put(sheet, number, column, text)
            cell.border = _BOX
            cell.alignment = Alignment(wrap_text=column == _NAME, vertical="center")
        value = sheet.cell(number, _VALUE, line.current)
        comment = _put(sheet, number, _COMMENT, line.comment or None)
        for cell in (value, comment):
            cell.protection, cell.fill, cell.border = _UNLOCKED, _INPUT_FILL, _BOX
        comment.alignment = Alignment(wrap_text=True, vertical="center")
    if spec.lines:
        sheet.add_data_validation(_value_validation(f"E{first}:E{first + len(spec.lines) - 1}"))
    _size_columns(sheet, spec.lines, periods)
    sheet.freeze_panes = f"A{first}"
    _protect(sheet)
    # Sorting and widening columns stay allowed: reading matches by code and period, not position.
    sheet.protection.sort = False
    sheet.protection.autoFilter = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    _write_key(workbook, spec, periods, header_row)
    # Without a password this only prevents accidents: adding a sheet and filling that instead.
    workbook.security = WorkbookProtection(lockStructure=True)
    workbook.active = 0
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _put(sheet: Worksheet, row: int, column: int, value: str | int | None) -> Cell:
    """Write a cell; text is always text, even when it starts with "=".

    openpyxl turns any string starting with "=" into a formula: a stored comment such as
    ``=HYPERLINK(...)`` would become live in every template (formula injection). Control
    characters that XML cannot hold are dropped: openpyxl refuses them, and a stray one in a
    stored comment must not make the template impossible to download.
    """
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = sheet.cell(row, column, value)
    assert isinstance(cell, Cell)  # a fresh sheet has no merged cells where we write
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _check_spec(spec: TemplateSpec) -> list[str]:
    """Check the spec as an upload would be checked; return each line's canonical period."""
    problems: list[Problem] = []
    if not spec.round_key.strip():
        problems.append(Problem("round_key", "轮次标识为空", "round_key is empty"))
    if problem := check_org_unit(spec.org_unit, None, "org_unit"):
        problems.append(problem)
    periods: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for index, line in enumerate(spec.lines):
        field = f"lines[{index}]"
        if problem := check_indicator(line.indicator, None, f"{field}.indicator"):
            problems.append(problem)
        period, problem = check_period(line.period, None, f"{field}.period")
        if problem:
            problems.append(problem)
        periods.append(period or line.period)
        if period is not None:
            if (line.indicator, period) in seen:
                problems.append(
                    Problem(
                        field,
                        f"与 lines[{seen[(line.indicator, period)]}] 重复",
                        f"duplicates lines[{seen[(line.indicator, period)]}]",
                    )
                )
            seen.setdefault((line.indicator, period), index)
        if line.current is not None and not (line.current.is_finite() and abs(line.current) <= MAX_MAGNITUDE):
            problems.append(
                Problem(f"{field}.current", "当前值不是有限数或超出范围", "current value not finite or out of range")
            )
    if problems:
        raise InvalidInput(problems)
    return periods


def _value_validation(cells: str) -> DataValidation:
    """Excel's own check on typed values: any number in parse_number's range (pasting bypasses it)."""
    validation = DataValidation(
        type="decimal",
        operator="between",
        formula1=f"-{MAX_MAGNITUDE:.0E}",
        formula2=f"{MAX_MAGNITUDE:.0E}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="数值无效",
        error="请填写数字，例如 1234.5；单位已在“单位”列给出，请勿填写文字、百分号或单位。",
        showInputMessage=True,
        promptTitle="数值",
        prompt="请填写数字（单位见“单位”列）",
    )
    validation.add(cells)
    return validation


def _display_width(text: str) -> int:
    """Width in Excel character units: CJK and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _size_columns(sheet: Worksheet, lines: Sequence[TemplateLine], periods: list[str]) -> None:
    columns: list[list[str]] = [[header] for header in HEADERS]
    for line, period in zip(lines, periods, strict=True):
        current = "" if line.current is None else str(line.current)
        for column, text in enumerate((line.indicator, line.name_zh, line.unit, period, current, line.comment)):
            columns[column].append(text)
    # Room for typing in the input columns; long names and comments wrap instead of widening.
    minimum = {_VALUE: 16, _COMMENT: 30}
    for column, texts in enumerate(columns, start=1):
        width = max(_display_width(text) for text in texts) + 2
        width = min(max(width, minimum.get(column, 8)), 50)
        sheet.column_dimensions[get_column_letter(column)].width = width


def _protect(sheet: Worksheet) -> None:
    # No password: protection prevents accidental edits, it is not a security boundary (the
    # upload is checked in full anyway), and a lost password would only lock users out.
    sheet.protection.sheet = True


def _write_key(workbook: openpyxl.Workbook, spec: TemplateSpec, periods: list[str], header_row: int) -> None:
    key = workbook.create_sheet(KEY_SHEET)
    # veryHidden: not listed under "Unhide" in Excel, so users do not wander into it.
    key.sheet_state = "veryHidden"
    settings: list[tuple[str, str | int]] = [
        ("format", _FORMAT),
        ("version", TEMPLATE_VERSION),
        ("round_key", spec.round_key),
        ("org_unit", spec.org_unit),
        ("header_row", header_row),
        ("lines", len(spec.lines)),
    ]
    for number, (label, value) in enumerate(settings, start=1):
        _put(key, number, 1, label)
        _put(key, number, 2, value)
    for column, label in enumerate(("indicator", "period", "row"), start=1):
        _put(key, 8, column, label)
    for number, (line, period) in enumerate(zip(spec.lines, periods, strict=True)):
        _put(key, 9 + number, 1, line.indicator)
        _put(key, 9 + number, 2, period)
        _put(key, 9 + number, 3, header_row + 1 + number)
    _protect(key)


# --- reading -----------------------------------------------------------------------------


def read_template(data: bytes, *, max_bytes: int = TEMPLATE_MAX_BYTES) -> TemplateUpload:
    """Read a filled template: the entered values, matched to the key by indicator code and period.

    Lines whose value cell is blank are left out. Problems carry the sheet row and a field
    such as ``"E（数值）"``; sheet-level problems have ``row`` ``None``.

    Raises
    ------
    InvalidInput
        With every problem found; nothing else is raised, whatever ``data`` holds.
    """
    check_size(len(data), max_bytes)
    _check_archive(data, max_bytes)
    # Formulas first: loading values only (data_only) turns a formula never calculated into a
    # blank cell, which would silently drop the value instead of asking for it.
    workbook = _load(data, data_only=False)
    sheet = _data_sheet(workbook)
    key = _read_key(workbook[KEY_SHEET])
    _check_header(sheet, key.header_row)
    problems = _check_layout(sheet, key.header_row)
    formula_rows = [
        number for number in range(key.header_row + 1, sheet.max_row + 1) if sheet.cell(number, _VALUE).data_type == "f"
    ]
    cached: dict[int, object] = {}
    if formula_rows:
        computed = _data_sheet(_load(data, data_only=True))
        cached = {number: computed.cell(number, _VALUE).value for number in formula_rows}
    rows: list[ValueRow] = []
    first_of: dict[tuple[str, str], int] = {}
    for number in range(key.header_row + 1, sheet.max_row + 1):
        cells = [sheet.cell(number, column) for column in range(1, len(HEADERS) + 1)]
        texts = [_text(cell.value) for cell in cells]
        if not any(texts):
            continue
        match, row_problems = _match_line(key, number, texts[_CODE - 1], texts[_PERIOD - 1])
        problems.extend(row_problems)
        if match is None:
            continue
        if match in first_of:
            problems.append(duplicate(number, first_of[match], f"{_where(_CODE)},{_where(_PERIOD)}"))
            continue
        first_of[match] = number
        cell = cells[_VALUE - 1]
        if number in cached and cached[number] is None:
            problems.append(
                Problem(
                    _where(_VALUE),
                    "单元格含有公式，文件中没有计算结果；请将公式替换为数值（复制后“选择性粘贴—数值”）",
                    "the cell holds a formula without a saved result; replace formulas by values "
                    "(copy, then Paste Special > Values)",
                    number,
                )
            )
            continue
        raw = cached.get(number, cell.value)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue  # a line left blank is simply not reported
        value, problem = _cell_number(raw, cell.number_format or "", number)
        if problem is not None:
            problems.append(problem)
        elif value is not None:
            rows.append(
                ValueRow(number, match[0], key.org_unit, match[1], value, texts[_UNIT - 1], texts[_COMMENT - 1])
            )
    if problems:
        raise InvalidInput(problems)
    return TemplateUpload(key.round_key, key.org_unit, rows)


def _where(column: int) -> str:
    """Name a column the way the user sees it, e.g. "E（数值）"."""
    return f"{get_column_letter(column)}（{HEADERS[column - 1]}）"


def _not_template(detail_zh: str, detail_en: str) -> InvalidInput:
    return InvalidInput.one(
        "",
        f"这不是由蓝图生成的模板：{detail_zh}。{_REDOWNLOAD_ZH}",
        f"this is not a template generated by Lantu: {detail_en}; {_REDOWNLOAD_EN}",
    )


def _check_archive(data: bytes, max_bytes: int) -> None:
    """Refuse anything that is not a zip, and zips that would inflate to too much."""
    if data.startswith(_OLE_MAGIC):
        raise InvalidInput.one(
            "",
            f"这是旧版 Excel（.xls）文件，不是由蓝图生成的 .xlsx 模板。{_REDOWNLOAD_ZH}",
            f"this is an old Excel (.xls) file, not a Lantu .xlsx template; {_REDOWNLOAD_EN}",
        )
    not_xlsx = InvalidInput.one(
        "",
        f"这不是 Excel 工作簿（.xlsx）文件。{_REDOWNLOAD_ZH}",
        f"this is not an Excel workbook (.xlsx); {_REDOWNLOAD_EN}",
    )
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except Exception:  # zipfile raises many types (BadZipFile, ValueError, EOFError, ...) on junk
        raise not_xlsx from None
    limit = _UNZIPPED_FACTOR * max_bytes
    if inflated > limit:
        got, most = megabytes(inflated, round_up=True), megabytes(limit, round_up=False)
        raise InvalidInput.one(
            "",
            f"工作簿解压后有 {got} MB，超过上限 {most} MB。{_REDOWNLOAD_ZH}",
            f"the workbook inflates to {got} MB, more than the {most} MB limit; {_REDOWNLOAD_EN}",
        )


def _load(data: bytes, *, data_only: bool) -> openpyxl.Workbook:
    try:
        # openpyxl warns about features it drops (extensions, unknown styles): the user
        # cannot act on that, and the content we read is checked in full below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, keep_links=False)
    except Exception:  # damaged parts raise anything from KeyError to XML and zlib errors
        raise InvalidInput.one(
            "",
            f"无法读取该 Excel 工作簿，文件可能已损坏。{_REDOWNLOAD_ZH}",
            f"the workbook cannot be read; it may be damaged. {_REDOWNLOAD_EN}",
        ) from None


def _data_sheet(workbook: openpyxl.Workbook) -> Worksheet:
    """Return the data sheet, refusing workbooks that lack the template's sheets or have more."""
    names = workbook.sheetnames
    missing = [name for name in (DATA_SHEET, KEY_SHEET) if name not in names]
    if missing:
        raise _not_template(
            "缺少" + "、".join(f"“{name}”" for name in missing) + "工作表",
            "sheet " + ", ".join(repr(name) for name in missing) + " is missing",
        )
    # The key sheet does not count even if someone made it visible: nobody fills values in there.
    extra = [name for name in names if name not in (DATA_SHEET, KEY_SHEET) and workbook[name].sheet_state == "visible"]
    if extra:
        listed_zh = "、".join(f"“{shown(name)}”" for name in extra)
        listed_en = ", ".join(repr(shown(name)) for name in extra)
        # Refused rather than ignored: the values may be in the extra sheet, not in 填报.
        raise InvalidInput.one(
            "",
            f"工作簿中有多余的工作表 {listed_zh}；请只在“{DATA_SHEET}”工作表中填写，并删除其他工作表",
            f"the workbook has extra sheets {listed_en}; fill in sheet {DATA_SHEET!r} only and delete the others",
        )
    sheet, key = workbook[DATA_SHEET], workbook[KEY_SHEET]
    if not (isinstance(sheet, Worksheet) and isinstance(key, Worksheet)):
        raise _not_template("工作表类型不符", "the sheets are not worksheets")
    return sheet


def _read_key(sheet: object) -> _Key:
    """Read the "_key" sheet; any deviation from what build_template writes is refused."""
    damaged = _not_template("隐藏的校验页已损坏", "the hidden key sheet is damaged")
    if not isinstance(sheet, Worksheet):
        raise damaged
    labels = {_text(sheet.cell(number, 1).value): sheet.cell(number, 2).value for number in range(1, 7)}
    if _text(labels.get("format")) != _FORMAT:
        raise damaged
    version = _text(labels.get("version"))
    if version != str(TEMPLATE_VERSION):
        raise InvalidInput.one(
            "",
            f"模板版本“{shown(version)}”已不再使用。{_REDOWNLOAD_ZH}",
            f"template version {shown(version)!r} is no longer supported; {_REDOWNLOAD_EN}",
        )
    round_key, org_unit = _text(labels.get("round_key")), _text(labels.get("org_unit"))
    header_row, count = _integer(labels.get("header_row")), _integer(labels.get("lines"))
    if (
        not round_key
        or check_org_unit(org_unit, None, "") is not None
        or header_row is None
        or not 1 <= header_row <= _MAX_HEADER_ROW
        or count is None
        or not 0 <= count <= sheet.max_row
    ):
        raise damaged
    lines: dict[tuple[str, str], int] = {}
    by_row: dict[int, tuple[str, str]] = {}
    for number in range(9, 9 + count):
        indicator, period = _text(sheet.cell(number, 1).value), _text(sheet.cell(number, 2).value)
        row = _integer(sheet.cell(number, 3).value)
        if (
            check_indicator(indicator, None, "") is not None
            or check_period(period, None, "")[0] != period
            or row is None
            or row <= header_row
            or (indicator, period) in lines
            or row in by_row
        ):
            raise damaged
        lines[(indicator, period)] = row
        by_row[row] = (indicator, period)
    return _Key(round_key, org_unit, header_row, lines, by_row)


def _check_header(sheet: Worksheet, header_row: int) -> None:
    """Refuse a data sheet whose headers moved: columns are read by position."""
    problems = [
        Problem(
            _where(column),
            f"表头应为“{title}”，实际为“{shown(_text(sheet.cell(header_row, column).value))}”（请勿修改表头或插入列）",
            f"the header should be {title!r}, not {shown(_text(sheet.cell(header_row, column).value))!r} "
            "(do not change headers or insert columns)",
            header_row,
        )
        for column, title in enumerate(HEADERS, start=1)
        if _text(sheet.cell(header_row, column).value) != title
    ]
    if problems:
        raise InvalidInput(problems)


def _check_layout(sheet: Worksheet, header_row: int) -> list[Problem]:
    """Merged cells in the data area, and content right of the template's columns."""
    problems = [
        Problem(
            cell_range.coord,
            f"数据区域中有合并单元格 {cell_range.coord}，请取消合并",
            f"merged cells {cell_range.coord} in the data area; unmerge them",
            cell_range.min_row,
        )
        for cell_range in sorted(sheet.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
        if cell_range.max_row >= header_row
    ]
    # A value typed one column too far would otherwise vanish without a word.
    for row in sheet.iter_rows(min_row=header_row, min_col=len(HEADERS) + 1):
        problems.extend(
            Problem(
                cell.coordinate,
                f"单元格 {cell.coordinate} 不在模板的填报列中，其内容不会被读取；请填写在“数值”或“备注”列",
                f"cell {cell.coordinate} is outside the template's columns and would be ignored; "
                "use the value or comment column",
                cell.row,
            )
            for cell in row
            if isinstance(cell, Cell) and _text(cell.value)
        )
    return problems


def _match_line(key: _Key, row: int, indicator: str, period_text: str) -> tuple[tuple[str, str] | None, list[Problem]]:
    """Find a sheet row's line in the key by code and period, wherever the row now is."""
    if not indicator:
        return None, [Problem(_where(_CODE), "指标代码为空", "the indicator code is empty", row)]
    period, problem = check_period(period_text, row, _where(_PERIOD))
    if problem is not None or period is None:
        return None, [problem] if problem else []
    if (indicator, period) in key.lines:
        return (indicator, period), []
    was = key.by_row.get(row)
    hint_zh = f"（此行原为 {was[0]} / {was[1]}）" if was else ""
    hint_en = f" (this row was {was[0]} / {was[1]})" if was else ""
    if any(code == indicator for code, _ in key.lines):
        return None, [
            Problem(
                _where(_PERIOD),
                f"模板中没有指标 {shown(indicator)} 的报告期 {period}{hint_zh}；请勿修改报告期",
                f"the template has no period {period} for indicator {shown(indicator)}{hint_en}; do not change periods",
                row,
            )
        ]
    return None, [
        Problem(
            _where(_CODE),
            f"指标代码“{shown(indicator)}”不在模板中{hint_zh}；请勿修改指标代码或新增行",
            f"indicator code {shown(indicator)!r} is not in the template{hint_en}; do not change codes or add rows",
            row,
        )
    ]


def _cell_number(raw: object, number_format: str, row: int) -> tuple[Decimal | None, Problem | None]:
    """Turn a value cell's content into a Decimal the way the user sees it, or say why not."""
    field = _where(_VALUE)
    if isinstance(raw, bool):  # before int: bool is an int
        return None, Problem(field, "这是逻辑值（TRUE/FALSE），不是数字", "this is TRUE/FALSE, not a number", row)
    if isinstance(raw, int | float):
        if "%" in number_format:
            # Typing "80%" stores 0.8 with a percent format: neither reading is safe to guess.
            return None, Problem(
                field,
                "单元格为百分比格式（显示 80% 时实际值为 0.8）；请将格式改为“常规”后直接填写数字，如 80",
                'the cell has a percent format (80% is stored as 0.8); set the format to "General" '
                "and type the plain number, e.g. 80",
                row,
            )
        # Excel keeps 15 significant digits; more would be binary noise such as 0.30000000000000004.
        return check_value(str(raw) if isinstance(raw, int) else format(raw, ".15g"), row, field)
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        return None, Problem(
            field,
            "这是日期或时间，不是数字（请将单元格格式改为“常规”）",
            'this is a date or time, not a number (set the cell format to "General")',
            row,
        )
    text = str(raw)
    if text.strip().startswith("="):
        return None, Problem(
            field,
            "单元格中是公式文本，不是数值；请将公式替换为数值",
            "the cell holds formula text, not a value; replace formulas by values",
            row,
        )
    return check_value(text, row, field)


def _text(value: object) -> str:
    """A cell's content as trimmed text; integral numbers without ".0" (Excel turns "2022" into 2022)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value).strip()


def _integer(value: object) -> int | None:
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None
