"""The task list in the usual 清单 layout: 序号, 任务, 责任单位, 配合单位, 时间节点, 进展情况.

Government task lists come as Excel sheets that people made by hand: a title row or two above
the header, headers worded differently (牵头单位 for 责任单位, 完成时限 for 时间节点), columns in
any order, extra columns, and cells merged over several rows (one 责任单位 for a block of
tasks). :func:`read_qingdan` finds the header row by the header names, copies each merged
cell's value into every cell it covers, and turns each data row into a :class:`QingdanRow`;
:func:`write_qingdan` writes the same layout back.

Rows and their hierarchy come from 序号: ``1``, ``2`` … are tasks; ``1.1`` (or ``1-1``) and
``(1)`` / ``（1）`` under the last task are its sub-tasks; a row numbered ``一、`` or ``（一）`` is
a section heading and is skipped. 时间节点 text such as "2022年6月底前", "2022年底", "2022-06-30",
"2021—2022年" or "持续推进" is read by :func:`parse_time`.

Pure (no Django): whether a unit name exists is the service's business.

>>> parse_time("2022年6月底前")
TimeSpan(start=None, deadline=datetime.date(2022, 6, 30))
>>> split_units("省发展改革委、省经信厅，省科技厅等")
('省发展改革委', '省经信厅', '省科技厅')
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lantu.core.problems import InvalidInput, Problem
from lantu.core.tabular import check_size, megabytes, shown

__all__ = [
    "COLUMNS",
    "HEADERS",
    "QINGDAN_MAX_BYTES",
    "Qingdan",
    "QingdanRow",
    "TimeError",
    "TimeSpan",
    "format_time",
    "parse_number",
    "parse_time",
    "read_qingdan",
    "split_units",
    "write_qingdan",
]

#: A task list of a few hundred rows is far below this.
QINGDAN_MAX_BYTES = 5 * 1024 * 1024
_UNZIPPED_FACTOR = 20
_HEADER_SEARCH_ROWS = 10

#: Column keys, in the order of the written layout.
COLUMNS = ("number", "title", "lead", "cooperating", "time", "progress", "code")
#: The header each column is written with, and the names it is recognised by (compared without
#: spaces; a header containing one of the names also matches, the longest name winning).
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号"),
    "title": ("任务", "工作内容", "重点任务", "任务名称", "主要任务", "具体任务", "任务内容", "工作任务"),
    "lead": ("责任单位", "牵头单位", "牵头部门", "责任部门", "牵头责任单位"),
    "cooperating": ("配合单位", "协同单位", "参与单位", "配合部门", "协办单位"),
    "time": ("时间节点", "完成时限", "完成时间", "时间安排", "时间进度"),
    "progress": ("进展情况", "工作进展", "完成情况", "推进情况"),
    "code": ("任务代码", "代码"),
}
_REQUIRED = ("number", "title", "lead", "time")


class TimeError(ValueError):
    """A 时间节点 text that names no date we can read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.message_zh = (
            f"无法识别时间节点“{shown(text)}”：请写成“2022年6月底前”“2022年底”“2022-06-30”"
            "“2021—2022年”“2022年1月起”或“持续推进”"
        )
        self.message_en = (
            f"cannot read the time {shown(text)!r}: write e.g. 2022年6月底前, 2022年底, 2022-06-30, "
            "2021—2022年, 2022年1月起 or 持续推进 (ongoing)"
        )
        super().__init__(self.message_en)


@dataclass(frozen=True)
class TimeSpan:
    """What a 时间节点 says: an optional start and an optional deadline (both None: ongoing)."""

    start: dt.date | None
    deadline: dt.date | None


_ONGOING = ("持续推进", "持续", "长期", "常态化", "每年", "逐年", "动态", "按年度")
_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4}
_YEAR = r"((?:19|20)\d{2})"
# One date expression; each gives its first and last day (a month, quarter, half or year).
_DATE = re.compile(
    _YEAR + r"(?:"
    r"[-/.](\d{1,2})[-/.](\d{1,2})"  # 2022-06-30, 2022/6/30, 2022.6.30
    r"|[-/.](\d{1,2})(?![\d])"  # 2022-06, 2022.6
    r"|\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]"  # 2022年6月30日
    r"|\s*年\s*(\d{1,2})\s*月(上旬|中旬|下旬|底|末|中)?"  # 2022年6月, 2022年6月底
    r"|\s*年\s*(?:第)?([一二三四1-4])\s*季度"  # 2022年一季度, 2022年第3季度
    r"|\s*年\s*(上半年|下半年)"  # 2022年上半年
    r"|\s*年"  # 2022年, 2022年底, 2022年内
    r")?"
)
# Text is NFKC-normalised first, so full-width tildes and hyphens arrive here as ~ and -.
_YEAR_RANGE = re.compile(_YEAR + r"\s*[-—–~至到]\s*" + _YEAR + r"\s*年")
_RANGE_SEP = re.compile(r"至|到|—|–|~")


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _span(match: re.Match[str], text: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date expression covers; ``ValueError`` for 2022-13-40."""
    g = match.groups()
    year = int(g[0])
    if g[1] is not None:  # full numeric date
        day = dt.date(year, int(g[1]), int(g[2]))
        return day, day
    if g[3] is not None:
        month = int(g[3])
        return dt.date(year, month, 1), _month_end(year, month)
    if g[4] is not None:
        day = dt.date(year, int(g[4]), int(g[5]))
        return day, day
    if g[6] is not None:
        month, part = int(g[6]), g[7]
        first = dt.date(year, month, 1)
        if part == "上旬":
            return first, dt.date(year, month, 10)
        if part in ("中旬", "中"):
            return dt.date(year, month, 11), dt.date(year, month, 20)
        if part == "下旬":
            return dt.date(year, month, 21), _month_end(year, month)
        return first, _month_end(year, month)
    if g[8] is not None:
        quarter = _CN_NUMBERS.get(g[8]) or int(g[8])
        return dt.date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter)
    if g[9] is not None:
        if g[9] == "上半年":
            return dt.date(year, 1, 1), dt.date(year, 6, 30)
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def parse_time(text: str) -> TimeSpan:
    """Read a 时间节点: the latest date named is the deadline; "A至B" or "A起" also give a start.

    Text naming no date but saying the work is ongoing (持续推进, 长期, 常态化, 每年 …) and empty
    text give no dates. Anything else raises :class:`TimeError`.

    >>> parse_time("2021—2022年")
    TimeSpan(start=datetime.date(2021, 1, 1), deadline=datetime.date(2022, 12, 31))
    >>> parse_time("2022年一季度").deadline, parse_time("2022年6月起").start
    (datetime.date(2022, 3, 31), datetime.date(2022, 6, 1))
    >>> parse_time("持续推进")
    TimeSpan(start=None, deadline=None)
    """
    norm = unicodedata.normalize("NFKC", text or "").strip()
    if not norm:
        return TimeSpan(None, None)
    years = _YEAR_RANGE.search(norm)
    if years:
        first, last = int(years.group(1)), int(years.group(2))
        if last < first:
            raise TimeError(text)
        return TimeSpan(dt.date(first, 1, 1), dt.date(last, 12, 31))
    spans: list[tuple[int, int, dt.date, dt.date]] = []
    for match in _DATE.finditer(norm):
        if match.group(0) == match.group(1) and norm != match.group(1):
            continue  # a bare four-digit number inside other text ("新建2000个基站") is not a year
        try:
            first_day, last_day = _span(match, norm)
        except ValueError:
            raise TimeError(text) from None
        spans.append((match.start(), match.end(), first_day, last_day))
    if not spans:
        if any(word in norm for word in _ONGOING):
            return TimeSpan(None, None)
        raise TimeError(text)
    if len(spans) == 2 and _RANGE_SEP.search(norm[spans[0][1] : spans[1][0]]):
        start, deadline = spans[0][2], spans[1][3]
        if deadline < start:
            raise TimeError(text)
        return TimeSpan(start, deadline)
    if len(spans) == 1 and re.match(r"\s*(起|开始|以后|之后)", norm[spans[0][1] :]):
        return TimeSpan(spans[0][2], None)
    return TimeSpan(None, max(s[3] for s in spans))


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def format_time(span: TimeSpan) -> str:
    """Write a span so that :func:`parse_time` reads it back unchanged.

    >>> format_time(TimeSpan(dt.date(2022, 1, 1), dt.date(2022, 6, 30)))
    '2022年1月1日至2022年6月30日'
    >>> format_time(TimeSpan(None, dt.date(2022, 6, 30)))
    '2022年6月30日前'
    """
    if span.start and span.deadline:
        return f"{_cn_date(span.start)}至{_cn_date(span.deadline)}"
    if span.deadline:
        return f"{_cn_date(span.deadline)}前"
    if span.start:
        return f"{_cn_date(span.start)}起"
    return ""


_UNIT_SEP = re.compile(r"[、，,;；/\s]+")
_NOTE = re.compile(r"[（(][^）)]*[）)]$")


def split_units(text: str) -> tuple[str, ...]:
    """Split a 责任单位 / 配合单位 cell into unit names (、，, ; and spaces; a trailing 等 dropped).

    A note in brackets after a name ("省大数据局（牵头）") is dropped too.
    """
    names: list[str] = []
    for part in _UNIT_SEP.split(unicodedata.normalize("NFKC", text or "")):
        name = _NOTE.sub("", part.strip()).removesuffix("等").strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


_TOP = re.compile(r"^(\d+)[.、]?$")
_SUB = re.compile(r"^(\d+(?:[.\-]\d+)+)[.、]?$")
_PAREN = re.compile(r"^[(（](\d+)[)）]$|^(\d+)[)）]$")
_SECTION = re.compile(r"^[(（]?[一二三四五六七八九十百]+[)）、.]?")


def parse_number(text: str) -> tuple[str, str] | None:
    """Classify a 序号: ``("top", "3")``, ``("sub", "1.2")``, ``("paren", "2")``, ``("section", "")``.

    None when the text is none of these.

    >>> parse_number("1-2"), parse_number("（3）"), parse_number("二、")
    (('sub', '1.2'), ('paren', '3'), ('section', ''))
    """
    norm = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if m := _TOP.match(norm):
        return "top", str(int(m.group(1)))
    if m := _SUB.match(norm):
        return "sub", ".".join(str(int(p)) for p in re.split(r"[.\-]", m.group(1)))
    if m := _PAREN.match(norm):
        return "paren", str(int(m.group(1) or m.group(2)))
    if _SECTION.match(norm):
        return "section", ""
    return None


@dataclass(frozen=True)
class QingdanRow:
    """One task row: ``key`` is the normalised 序号 ("3", "3.2"), ``parent_key`` its parent's."""

    row: int
    number: str
    key: str
    parent_key: str | None
    code: str
    title: str
    lead: tuple[str, ...]
    cooperating: tuple[str, ...]
    time_text: str
    span: TimeSpan
    progress: str


@dataclass
class Qingdan:
    """A sheet as read: rows, per-row problems (not raised: a preview shows them beside the rows)."""

    sheet: str
    header_row: int
    headers: dict[str, str]
    rows: list[QingdanRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sections: list[int] = field(default_factory=list)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _column_of(header: str) -> str | None:
    """Which column a header names: an exact name first, else the longest name it contains."""
    text = _squash(header)
    if not text:
        return None
    best: tuple[int, str] | None = None
    for key, names in HEADERS.items():
        for name in names:
            if text == name:
                return key
            if name in text and (best is None or len(name) > best[0]):
                best = (len(name), key)
    return best[1] if best else None


def _load(data: bytes, max_bytes: int) -> openpyxl.Workbook:
    check_size(len(data), max_bytes)
    not_xlsx = InvalidInput.one("", "这不是 Excel 工作簿（.xlsx）文件", "this is not an Excel workbook (.xlsx)")
    if not data.startswith(b"PK"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except Exception:  # zipfile raises many types on junk
        raise not_xlsx from None
    if inflated > _UNZIPPED_FACTOR * max_bytes:
        got = megabytes(inflated, round_up=True)
        raise InvalidInput.one("", f"工作簿解压后有 {got} MB，过大", f"the workbook inflates to {got} MB: too large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
    except Exception:  # damaged parts raise anything from KeyError to XML errors
        raise InvalidInput.one("", "无法读取该 Excel 工作簿，文件可能已损坏", "the workbook cannot be read") from None


def _unmerge(sheet: Worksheet) -> None:
    """Copy each merged range's top-left value into every cell it covers."""
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for column in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, column).value = value


def _find_header(sheet: Worksheet) -> tuple[int, dict[str, int]]:
    """The first row among the first ten naming at least three columns, with the columns found."""
    best: tuple[int, dict[str, int]] | None = None
    for number in range(1, min(sheet.max_row, _HEADER_SEARCH_ROWS) + 1):
        found: dict[str, int] = {}
        for column in range(1, sheet.max_column + 1):
            key = _column_of(_text(sheet.cell(number, column).value))
            if key is not None and key not in found:
                found[key] = column
        if len(found) >= 3 and (best is None or len(found) > len(best[1])):
            best = (number, found)
            if all(key in found for key in _REQUIRED):
                break
    if best is None:
        expected = "、".join(HEADERS[k][0] for k in _REQUIRED)
        raise InvalidInput.one(
            "",
            f"前 {_HEADER_SEARCH_ROWS} 行中找不到表头：应有{expected}等列",
            f"no header row in the first {_HEADER_SEARCH_ROWS} rows: expected columns such as "
            + ", ".join(HEADERS[k][0] for k in _REQUIRED),
        )
    number, found = best
    missing = [k for k in _REQUIRED if k not in found]
    if missing:
        raise InvalidInput(
            [
                Problem(
                    HEADERS[k][0],
                    f"第 {number} 行表头中缺少“{HEADERS[k][0]}”列（也可写作{'、'.join(HEADERS[k][1:])}）",
                    f"the header in row {number} has no {HEADERS[k][0]!r} column "
                    f"(also accepted: {', '.join(HEADERS[k][1:])})",
                    number,
                )
                for k in missing
            ]
        )
    return number, found


def read_qingdan(data: bytes, *, sheet_name: str | None = None, max_bytes: int = QINGDAN_MAX_BYTES) -> Qingdan:
    """Read a task list sheet (the first, or ``sheet_name``); see the module docstring.

    Problems of the file as a whole (not a workbook, no header, a required column missing) are
    raised as :class:`InvalidInput`; problems of single rows are collected in ``problems``.
    """
    workbook = _load(data, max_bytes)
    if sheet_name is not None and sheet_name not in workbook.sheetnames:
        raise InvalidInput.one("sheet", f"没有名为“{shown(sheet_name)}”的工作表", f"no sheet named {sheet_name!r}")
    sheet = workbook[sheet_name] if sheet_name else workbook.worksheets[0]
    if not isinstance(sheet, Worksheet):
        raise InvalidInput.one("sheet", "第一个工作表不是表格", "the first sheet is not a worksheet")
    _unmerge(sheet)
    header_row, columns = _find_header(sheet)
    result = Qingdan(
        sheet=sheet.title,
        header_row=header_row,
        headers={k: _text(sheet.cell(header_row, c).value) for k, c in columns.items()},
    )
    seen: dict[str, int] = {}
    last_top: str | None = None

    def cell(number: int, key: str) -> str:
        return _text(sheet.cell(number, columns[key]).value) if key in columns else ""

    for number in range(header_row + 1, sheet.max_row + 1):
        values = {key: cell(number, key) for key in COLUMNS}
        if not any(values.values()):
            continue
        problems: list[Problem] = []

        def add(key: str, zh: str, en: str, row: int = number, problems: list[Problem] = problems) -> None:
            problems.append(Problem(result.headers.get(key, HEADERS[key][0]), zh, en, row))

        kind = parse_number(values["number"]) if values["number"] else None
        if kind is not None and kind[0] == "section":
            result.sections.append(number)
            continue
        if not values["title"]:
            add("title", "任务内容为空", "the task text is empty")
        key, parent_key = "", None
        if kind is None:
            add(
                "number",
                f"序号“{shown(values['number'])}”无法识别：应为 1、1.1 或（1）",
                f"cannot read the number {shown(values['number'])!r}: use 1, 1.1 or (1)",
            )
        elif kind[0] == "top":
            key = last_top = kind[1]
        elif kind[0] == "sub":
            key, parent_key = kind[1], kind[1].rsplit(".", 1)[0]
        elif last_top is None:
            add("number", "子任务（1）前面没有上级任务", "a sub-task (1) comes before any task")
        else:
            key, parent_key = f"{last_top}.{kind[1]}", last_top
        if key and key in seen:
            add("number", f"序号与第 {seen[key]} 行重复", f"the number repeats row {seen[key]}")
        elif parent_key is not None and parent_key not in seen:
            add("number", f"找不到上级任务“{parent_key}”", f"no parent task {parent_key!r} above this row")
        span = TimeSpan(None, None)
        try:
            span = parse_time(values["time"])
        except TimeError as error:
            add("time", error.message_zh, error.message_en)
        if problems:
            result.problems.extend(problems)
        if key and key not in seen:
            seen[key] = number
        result.rows.append(
            QingdanRow(
                row=number,
                number=values["number"],
                key=key,
                parent_key=parent_key,
                code=values["code"],
                title=values["title"],
                lead=split_units(values["lead"]),
                cooperating=split_units(values["cooperating"]),
                time_text=values["time"],
                span=span,
                progress=values["progress"],
            )
        )
    if not result.rows and not result.problems:
        result.problems.append(Problem("", "表中没有任务行", "the sheet has no task rows", header_row))
    return result


@dataclass(frozen=True)
class QingdanLine:
    """A row to write: ``depth`` 0 for a task, 1 for a sub-task (numbered 1.1, 1.2 …)."""

    depth: int
    code: str
    title: str
    lead: Sequence[str]
    cooperating: Sequence[str]
    span: TimeSpan
    progress: str = ""


_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WIDTHS = (8, 48, 22, 28, 26, 40, 12)


def write_qingdan(lines: Sequence[QingdanLine], *, title: str, demo: bool = False) -> bytes:
    """Write the 清单 layout (title row, header row, one row per task); :func:`read_qingdan` reads it.

    ``lines`` come parents first, each followed by its sub-tasks (any depth); 序号 is written
    from that order (1, 1.1, 1.1.1 …), so only the order matters.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "任务清单"
    heading = f"{title}（示例数据 / demo data）" if demo else title
    sheet.cell(1, 1, ILLEGAL_CHARACTERS_RE.sub("", heading)).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    for column, key in enumerate(COLUMNS, start=1):
        cell = sheet.cell(2, column, HEADERS[key][0])
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = _BOX
        sheet.column_dimensions[get_column_letter(column)].width = _WIDTHS[column - 1]
    counters: list[int] = []
    for offset, line in enumerate(lines):
        counters = [*counters[: line.depth], (counters[line.depth] if len(counters) > line.depth else 0) + 1]
        number = ".".join(str(n) for n in counters)
        values = (
            number,
            line.title,
            "、".join(line.lead),
            "、".join(line.cooperating),
            format_time(line.span),
            line.progress,
            line.code,
        )
        for column, value in enumerate(values, start=1):
            # Control characters typed into a task (the API accepts them) cannot be stored in a worksheet.
            cell = sheet.cell(3 + offset, column, ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.border = _BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            # Text, so that Excel keeps "1.10" as typed and does not turn it into 1.1.
            cell.number_format = "@"
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
