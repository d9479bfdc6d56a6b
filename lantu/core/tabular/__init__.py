"""Indicator values in files: the CSV long format and the Excel template for offline entry.

Both formats end up as :class:`ValueRow` objects, one per value, carrying the row number the
user sees in the file so that every :class:`~lantu.core.problems.Problem` can point at it.
Readers never stop at the first mistake: they collect every problem and raise one
:class:`~lantu.core.problems.InvalidInput`, and they raise nothing else, whatever the bytes.

This package is pure (no Django): the services decide what a row means for the database
(does the indicator exist, may this user report for this unit, is the unit convertible).

- :mod:`lantu.core.tabular.csvfmt`: :func:`read_values_csv`, :func:`write_values_csv`.
- :mod:`lantu.core.tabular.xlsxfmt`: :func:`build_template`, :func:`read_template`.

>>> rows = read_values_csv(b"indicator,org_unit,period,value,unit,comment\\nDE_TOTAL,330106,2022,\\"1,234.5\\",,\\n")
>>> rows[0].row, rows[0].value
(2, Decimal('1234.5'))
>>> write_values_csv(rows, bom=False).decode().splitlines()[1]
'DE_TOTAL,330106,2022,1234.5,,'
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from lantu.core.periods import PeriodError, parse_period
from lantu.core.problems import InvalidInput, Problem
from lantu.core.units import NumberError, parse_number

__all__ = [
    "CSV_COLUMNS",
    "CSV_MAX_BYTES",
    "MAX_DECIMAL_PLACES",
    "TEMPLATE_MAX_BYTES",
    "CsvRecord",
    "TemplateLine",
    "TemplateSpec",
    "TemplateUpload",
    "ValueRow",
    "build_template",
    "plain_decimal",
    "read_template",
    "read_values_csv",
    "write_values_csv",
]

#: Default upload limit for CSV files: a million rows fit comfortably below it.
CSV_MAX_BYTES = 50 * 1024 * 1024

#: More decimal places than anyone types; the database keeps 6 (the services round or refuse).
MAX_DECIMAL_PLACES = 20

_MIB = 1024 * 1024
# Same rule as lantu.framework.services, plus the length of Indicator.code (32): a code the
# database cannot hold is better refused here, with the row number, than by the database.
_INDICATOR = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
# [0-9], not \d: \d also matches full-width and other scripts' digits, which are not codes.
_ORG_UNIT = re.compile(r"[0-9]{6}")
# Long user input would swamp a message (the same limit as LantuValueError uses).
_MAX_SHOWN = 40


@dataclass(frozen=True)
class ValueRow:
    """One indicator value read from (or written to) a file.

    ``row`` is the 1-based row number as the user sees it: in a CSV file the header is row 1
    and the first data row is row 2; in Excel it is the sheet row number. ``period`` is in
    canonical form (``"2022"``, ``"2022Q1"``, ``"2022-03"``); ``unit`` may be ``""``, which
    means the indicator's own unit.
    """

    row: int
    indicator: str
    org_unit: str
    period: str
    value: Decimal
    unit: str
    comment: str


def plain_decimal(value: Decimal) -> str:
    """Write a decimal without exponent and without trailing zeros, the way people write numbers.

    Unlike ``str(value.normalize())`` this never gives ``"1E+3"`` (which Excel and people
    misread) and never rounds (``normalize`` rounds to the context precision).

    >>> [plain_decimal(Decimal(text)) for text in ("1E+3", "1234.500", "-0.00", "0.000001")]
    ['1000', '1234.5', '0', '0.000001']
    """
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    # parse_number reads "-0" as 0, so write what it will read back.
    return "0" if text == "-0" else text


def shown(text: str) -> str:
    """Shorten user text for a message; the full text is what the user typed anyway."""
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def megabytes(size: int, *, round_up: bool) -> str:
    """Format a byte count in MB with one decimal.

    The file size is rounded up and the limit down, so that a file just over the limit
    never reads "1 MB exceeds 1 MB".

    >>> megabytes(50 * 1024 * 1024, round_up=False), megabytes(50 * 1024 * 1024 + 1, round_up=True)
    ('50', '50.1')
    """
    tenths = size * 10 / _MIB
    rounded = math.ceil(tenths) if round_up else math.floor(tenths)
    text = f"{rounded / 10:.1f}"
    return text.removesuffix(".0")


def check_size(size: int, max_bytes: int) -> None:
    """Refuse a file larger than ``max_bytes`` before anything reads its content."""
    if size > max_bytes:
        got, limit = megabytes(size, round_up=True), megabytes(max_bytes, round_up=False)
        raise InvalidInput.one(
            "",
            f"文件大小 {got} MB，超过上限 {limit} MB",
            f"the file is {got} MB, more than the {limit} MB limit",
        )


def check_indicator(text: str, row: int | None, field: str) -> Problem | None:
    """Check an indicator code's syntax; whether it exists is the service's business."""
    if _INDICATOR.fullmatch(text):
        return None
    return Problem(
        field,
        f"指标代码“{shown(text)}”无效：应由字母、数字和下划线组成，不以数字开头，最长 32 个字符",
        f"indicator code {shown(text)!r} is invalid: use letters, digits and underscores, "
        "not starting with a digit, at most 32 characters",
        row,
    )


def check_org_unit(text: str, row: int | None, field: str) -> Problem | None:
    """Check that an org unit code is six ASCII digits (GB/T 2260)."""
    if _ORG_UNIT.fullmatch(text):
        return None
    return Problem(
        field,
        f"“{shown(text)}”不是六位行政区划代码（GB/T 2260，如 330106）",
        f"{shown(text)!r} is not a six-digit GB/T 2260 code (e.g. 330106)",
        row,
    )


def check_period(text: str, row: int | None, field: str) -> tuple[str | None, Problem | None]:
    """Parse a period; return its canonical text, or the problem."""
    try:
        return str(parse_period(text)), None
    except PeriodError as error:
        return None, Problem(field, error.message_zh, error.message_en, row)


def check_value(text: str, row: int | None, field: str) -> tuple[Decimal | None, Problem | None]:
    """Parse a value as a person typed it (see :func:`lantu.core.units.parse_number`).

    Beyond parse_number, refuses more than :data:`MAX_DECIMAL_PLACES` decimal places:
    ``"1e-999999999"`` is in range, but writing it back without exponent would take a
    gigabyte.
    """
    try:
        value = parse_number(text)
    except NumberError as error:
        return None, Problem(field, error.message_zh, error.message_en, row)
    except ArithmeticError:
        # parse_number lets decimal.Overflow escape for exponents beyond the decimal
        # context ("1e1000000"); that is out of range too.
        too_big = NumberError("out_of_range", {"text": text})
        return None, Problem(field, too_big.message_zh, too_big.message_en, row)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        return None, Problem(
            field,
            f"“{shown(text)}”的小数位数过多（最多 {MAX_DECIMAL_PLACES} 位）",
            f"{shown(text)!r} has too many decimal places (at most {MAX_DECIMAL_PLACES})",
            row,
        )
    return value, None


def duplicate(row: int, first: int, field: str) -> Problem:
    """The problem for a second value of the same indicator, unit and period."""
    return Problem(
        field,
        f"与第 {first} 行重复（同一指标、行政区划和报告期只能有一个数值）",
        f"duplicates row {first} (one value per indicator, org unit and period)",
        row,
    )


# The format modules import the helpers above, so they are imported last; importing either
# of them first still runs this file first, so the order always holds.
from lantu.core.tabular.csvfmt import CSV_COLUMNS, CsvRecord, read_values_csv, write_values_csv  # noqa: E402
from lantu.core.tabular.xlsxfmt import (  # noqa: E402
    TEMPLATE_MAX_BYTES,
    TemplateLine,
    TemplateSpec,
    TemplateUpload,
    build_template,
    read_template,
)
