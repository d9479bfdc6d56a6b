"""Reporting periods: years (``2022``), quarters (``2022Q1``) and months (``2022-03``).

>>> parse_period("2022Q1")
Period(kind='quarter', year=2022, index=1)
>>> parse_period("2022-03").end
datetime.date(2022, 3, 31)
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from lantu.core.errors import LantuValueError

PeriodKind = Literal["year", "quarter", "month"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class PeriodError(LantuValueError):
    """A period text that is not a year, quarter or month, or one of the wrong kind."""

    templates_zh = {
        "bad_period": "“{text}”不是有效的报告期（应为 2022、2022Q1 或 2022-03）",
        "wrong_kind": "报告期“{text}”是{kind_zh}，该指标为{expected_zh}指标",
    }
    templates_en = {
        "bad_period": "{text!r} is not a period (use 2022, 2022Q1 or 2022-03)",
        "wrong_kind": "period {text} is a {kind}; the indicator is reported by {expected}",
    }


_KIND_ZH = {"year": "年度", "quarter": "季度", "month": "月度"}


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period; ``index`` is 1 for a year, 1–4 for a quarter, 1–12 for a month."""

    kind: PeriodKind
    year: int
    index: int

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        if self.kind == "year":
            return dt.date(self.year, 1, 1)
        if self.kind == "quarter":
            return dt.date(self.year, 3 * self.index - 2, 1)
        return dt.date(self.year, self.index, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period (inclusive)."""
        if self.kind == "year":
            return dt.date(self.year, 12, 31)
        month = 3 * self.index if self.kind == "quarter" else self.index
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        if self.kind == "year":
            return f"{self.year}"
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return f"{self.year}-{self.index:02d}"


def parse_period(text: str, expected: PeriodKind | None = None) -> Period:
    """Parse a period; with ``expected``, refuse a period of another kind."""
    cleaned = text.strip()
    period: Period | None = None
    if m := _YEAR.match(cleaned):
        period = Period("year", int(m[1]), 1)
    elif m := _QUARTER.match(cleaned):
        period = Period("quarter", int(m[1]), int(m[2]))
    elif m := _MONTH.match(cleaned):
        period = Period("month", int(m[1]), int(m[2]))
    if period is None or not 1900 <= period.year <= 2200:
        raise PeriodError("bad_period", {"text": text})
    if expected is not None and period.kind != expected:
        raise PeriodError(
            "wrong_kind",
            {
                "text": cleaned,
                "kind": period.kind,
                "kind_zh": _KIND_ZH[period.kind],
                "expected": expected,
                "expected_zh": _KIND_ZH[expected],
            },
        )
    return period
