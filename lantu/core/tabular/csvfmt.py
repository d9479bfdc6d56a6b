"""The CSV long format: one value per row under the header ``indicator,org_unit,period,value,unit,comment``.

Reading accepts what people actually upload: UTF-8 with or without BOM, GB18030 (what
Chinese Excel saves as "CSV (comma delimited)"), CRLF or LF, blank lines, stray spaces, and
quoted numbers with thousands separators. Everything else is reported, all at once, with
the row number the user sees and the column name as ``field``.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal

from lantu.core.problems import InvalidInput, Problem
from lantu.core.tabular import (
    CSV_MAX_BYTES,
    ValueRow,
    check_indicator,
    check_org_unit,
    check_period,
    check_size,
    check_value,
    duplicate,
    plain_decimal,
    shown,
)

__all__ = ["CSV_COLUMNS", "CsvRecord", "read_values_csv", "write_values_csv"]

#: The header, in its fixed order.
CSV_COLUMNS = ("indicator", "org_unit", "period", "value", "unit", "comment")

#: A row to write given as a tuple, in :data:`CSV_COLUMNS` order.
CsvRecord = tuple[str, str, str, Decimal, str, str]

_LABELS = {
    "indicator": ("指标代码", "indicator"),
    "org_unit": ("行政区划代码", "org_unit"),
    "period": ("报告期", "period"),
    "value": ("数值", "value"),
}
# The key of the duplicate check; a duplicate is a whole-row problem, named by these columns.
_KEY_FIELD = "indicator,org_unit,period"
_ZIP_MAGIC = b"PK\x03\x04"
_SAVE_AS_ZH = "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”"
_SAVE_AS_EN = 'save it from Excel as "CSV UTF-8 (comma delimited)"'


#: The longest field a CSV cell may hold (Python's default). The csv module's limit is global and
#: other libraries raise it at import (frictionless does), so each read sets it for its duration.
FIELD_LIMIT = 131_072


def read_values_csv(data: bytes, *, max_bytes: int = CSV_MAX_BYTES) -> list[ValueRow]:
    """Read a CSV upload into value rows, in file order.

    Raises
    ------
    InvalidInput
        With every problem found: file-level problems (size, encoding, empty, header) have
        ``row`` 1 or ``None``; row problems name the row and the column. Nothing else is
        raised, whatever ``data`` holds.
    """
    check_size(len(data), max_bytes)
    previous = csv.field_size_limit(FIELD_LIMIT)
    try:
        return _read(_decode(data))
    finally:
        csv.field_size_limit(previous)


def _read(text: str) -> list[ValueRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    rows: list[ValueRow] = []
    first_of: dict[tuple[str, str, str], int] = {}
    header_seen = False
    # Excel pads every line of a sheet that once had more columns with empty fields, the
    # header included; as wide as the header is therefore not "too many columns".
    width = len(CSV_COLUMNS)
    number = 0
    while True:
        # Read record by record so that a broken quote late in the file still reports the
        # problems before it.
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            problems.append(_malformed(number + 1, error))
            break
        # One record is one row as Excel shows it, even when a quoted comment spans lines.
        number += 1
        fields = [field.strip() for field in fields]
        if not any(fields):
            continue  # blank lines (and ",,,,," lines Excel leaves behind) carry nothing
        if not header_seen:
            header_seen = True
            width = max(width, len(fields))
            header_problems = _check_header(_drop_empty_tail(fields), number)
            if header_problems:
                # Columns are read by position, which a wrong header no longer vouches for.
                raise InvalidInput(header_problems)
            continue
        row, key, row_problems = _read_row(fields, number, width)
        problems.extend(row_problems)
        if key is not None and key in first_of:
            problems.append(duplicate(number, first_of[key], _KEY_FIELD))
        elif key is not None:
            first_of[key] = number
        if row is not None and not problems:
            rows.append(row)
    if not header_seen:
        raise InvalidInput.one("", "文件为空", "the file is empty: no data rows")
    if problems:
        raise InvalidInput(problems)
    if not rows:
        raise InvalidInput.one("", "文件为空：只有表头，没有数据行", "no data rows: the file has only the header")
    return rows


def write_values_csv(rows: Iterable[ValueRow | CsvRecord], *, bom: bool = True) -> bytes:
    """Write value rows as CSV that :func:`read_values_csv` reads back to the same rows.

    The output is UTF-8 with CRLF line ends, the header first; with ``bom`` it starts with a
    byte order mark, without which Excel opens UTF-8 as the local code page and garbles
    Chinese. Values are plain decimals (``1000``, never ``1E+3``). Tuples are taken in
    :data:`CSV_COLUMNS` order. Row numbers of :class:`ValueRow` are ignored: a written file
    numbers its rows from 2.

    Raises
    ------
    ValueError
        A value is not a finite :class:`~decimal.Decimal` (a float would lose digits).
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in rows:
        if isinstance(item, ValueRow):
            item = (item.indicator, item.org_unit, item.period, item.value, item.unit, item.comment)
        indicator, org_unit, period, value, unit, comment = item
        if not isinstance(value, Decimal):
            raise ValueError(f"value {value!r} for {indicator} is not a Decimal")
        writer.writerow((indicator, org_unit, period, plain_decimal(value), unit, comment))
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _decode(data: bytes) -> str:
    """Decode UTF-8 (BOM or not), else GB18030; refuse what is clearly not CSV text."""
    if data.startswith(_ZIP_MAGIC):
        raise InvalidInput.one(
            "",
            f"这是 Excel 工作簿（.xlsx），不是 CSV 文件；{_SAVE_AS_ZH}，或改用 Excel 模板上传",
            f"this is an Excel workbook (.xlsx), not a CSV file; {_SAVE_AS_EN}, or upload it as a template",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # What Chinese Excel writes for "CSV (comma delimited)"; GB2312 and GBK are subsets.
            text = data.decode("gb18030").removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InvalidInput.one(
                "",
                f"无法识别文件编码：既不是 UTF-8 也不是 GB18030。{_SAVE_AS_ZH}",
                f"the file is neither UTF-8 nor GB18030 text; {_SAVE_AS_EN}",
            ) from None
    if "\x00" in text:
        # Real CSV never holds NUL, PostgreSQL text cannot store it, and it is the mark of
        # UTF-16 ("Unicode text") exports and binary files.
        raise InvalidInput.one(
            "",
            f"文件含有空字符，不是文本 CSV 文件（可能是 UTF-16 或二进制文件）。{_SAVE_AS_ZH}",
            f"the file contains NUL characters, so it is not CSV text (UTF-16 or binary?); {_SAVE_AS_EN}",
        )
    return text


def _drop_empty_tail(fields: list[str]) -> list[str]:
    """Drop empty trailing fields (Excel's padding)."""
    end = len(fields)
    while end and not fields[end - 1]:
        end -= 1
    return fields[:end]


def _malformed(row: int, error: csv.Error) -> Problem:
    return Problem(
        "",
        f"CSV 格式错误，无法继续读取（可能是英文双引号不配对）：{error}",
        f"malformed CSV, reading stopped (unbalanced double quotes?): {error}",
        row,
    )


def _check_header(names: list[str], row: int) -> list[Problem]:
    """Compare the header with :data:`CSV_COLUMNS`, naming each missing, misspelt or extra column."""
    if tuple(names) == CSV_COLUMNS:
        return []
    problems: list[Problem] = []
    missing = [column for column in CSV_COLUMNS if column not in names]
    extra = [index for index, name in enumerate(names) if name not in CSV_COLUMNS]
    # An unknown name where a missing column belongs is that column misspelt.
    for index in list(extra):
        if index < len(CSV_COLUMNS) and CSV_COLUMNS[index] in missing:
            expected = CSV_COLUMNS[index]
            problems.append(
                Problem(
                    expected,
                    f"列名“{shown(names[index])}”有误，应为“{expected}”",
                    f"column {shown(names[index])!r} should be {expected!r}",
                    row,
                )
            )
            missing.remove(expected)
            extra.remove(index)
    problems.extend(Problem(column, f"缺少列“{column}”", f"column {column!r} is missing", row) for column in missing)
    problems.extend(
        Problem(
            names[index],
            f"多余的列“{shown(names[index])}”（第 {index + 1} 列）",
            f"unexpected column {shown(names[index])!r} (column {index + 1})",
            row,
        )
        for index in extra
    )
    problems.extend(
        Problem(
            column, f"列“{column}”出现了 {names.count(column)} 次", f"column {column!r} appears more than once", row
        )
        for column in CSV_COLUMNS
        if names.count(column) > 1
    )
    if not problems:
        order = ",".join(CSV_COLUMNS)
        problems.append(Problem("", f"列的顺序应为 {order}", f"the columns must be in the order {order}", row))
    return problems


def _read_row(
    fields: list[str], row: int, width: int
) -> tuple[ValueRow | None, tuple[str, str, str] | None, list[Problem]]:
    """Check one data row; ``width`` is the header's field count, padding included.

    Returns the row (only if it has no problem at all), its duplicate-check key (whenever
    indicator, org unit and period are valid, so that a duplicate is caught even when a value
    is wrong too) and the problems.
    """
    problems: list[Problem] = []
    used = len(_drop_empty_tail(fields))
    # Wider than the header is too many even when the extra fields are empty: that is what an
    # unquoted "1,234.5" with empty unit and comment looks like.
    count = len(fields) if len(fields) > width else used
    if count > len(CSV_COLUMNS):
        problems.append(
            Problem(
                "",
                f'该行有 {count} 列，多于 {len(CSV_COLUMNS)} 列（含逗号的数值请加英文双引号，如 "1,234.5"）',
                f"the row has {count} columns, more than {len(CSV_COLUMNS)} (quote values "
                'containing commas, e.g. "1,234.5")',
                row,
            )
        )
    for index, column in enumerate(CSV_COLUMNS):
        if column not in _LABELS:
            continue  # unit and comment may be empty
        label_zh, label_en = _LABELS[column]
        if index >= len(fields):
            problems.append(
                Problem(
                    column,
                    f"该行只有 {len(fields)} 列，缺少{label_zh}",
                    f"{label_en} is missing: the row has only {len(fields)} columns",
                    row,
                )
            )
        elif not fields[index]:
            problems.append(Problem(column, f"{label_zh}为空", f"{label_en} is empty", row))
    padded = fields + [""] * (len(CSV_COLUMNS) - len(fields))
    indicator, org_unit, period_text, value_text, unit, comment = padded[: len(CSV_COLUMNS)]
    key_ok = bool(indicator and org_unit)
    if indicator and (problem := check_indicator(indicator, row, "indicator")):
        problems.append(problem)
        key_ok = False
    if org_unit and (problem := check_org_unit(org_unit, row, "org_unit")):
        problems.append(problem)
        key_ok = False
    period: str | None = None
    if period_text:
        period, problem = check_period(period_text, row, "period")
        if problem:
            problems.append(problem)
    value: Decimal | None = None
    if value_text:
        value, problem = check_value(value_text, row, "value")
        if problem:
            problems.append(problem)
    if unit and _is_number(unit):
        # No unit is a number; this is what an unquoted "1,234.5" becomes when the comment
        # column is left out: value "1", unit "234.5".
        problems.append(
            Problem(
                "unit",
                f'单位“{shown(unit)}”是数字；含逗号的数值请加英文双引号，如 "1,234.5"',
                f'the unit {shown(unit)!r} is a number; quote values containing commas, e.g. "1,234.5"',
                row,
            )
        )
    key = (indicator, org_unit, period) if key_ok and period is not None else None
    if problems or key is None or value is None:
        return None, key, problems
    return ValueRow(row, indicator, org_unit, key[2], value, unit, comment), key, []


def _is_number(text: str) -> bool:
    # Nearly every unit has no digit at all; skipping parse_number for those saves the cost of
    # building an error per row (half the read time of a large file).
    if not any(char.isdigit() for char in text):
        return False
    _, problem = check_value(text, None, "")
    return problem is None
