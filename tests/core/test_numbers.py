"""Numbers, months and periods in Chinese or English page style (lantu.core.numbers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core.numbers import format_month, format_number, format_period


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345678, "1234.57万"),
        (3.2e8, "3.2亿"),
        (Decimal("9999.994"), "9999.99"),
        (Decimal("9999.995"), "1万"),  # rounds up into the next scale
        (99999999, "1亿"),
        (10000, "1万"),
        (0, "0"),
        (Decimal("-0.001"), "0"),
        (-45000, "-4.5万"),
        (Decimal("1.2E+13"), "120000亿"),  # no unit above 亿: 万亿 would read as a currency unit
    ],
)
def test_chinese_numbers_group_by_wan_and_yi(value: Decimal | int | float, expected: str) -> None:
    assert format_number(value, "zh-hans") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12345, "12,345"),
        (Decimal("999999.99"), "999,999.99"),
        (12345678, "12.35 million"),
        (3.2e8, "320 million"),
        (Decimal("1.5E+9"), "1.5 billion"),
        (Decimal("2E+12"), "2 trillion"),
        (-1234.5, "-1,234.5"),
    ],
)
def test_english_numbers_use_thousands_and_million(value: Decimal | int | float, expected: str) -> None:
    assert format_number(value, "en") == expected
    assert format_number(value, "en-us") == expected


def test_not_finite_numbers_are_shown_as_such() -> None:
    assert format_number(Decimal("NaN")) == "NaN"


@given(st.decimals(min_value=-(10**15), max_value=10**15, allow_nan=False, places=2))
def test_chinese_scale_reads_back_to_within_rounding(value: Decimal) -> None:
    text = format_number(value)
    factor = Decimal(10**8) if text.endswith("亿") else Decimal(10**4) if text.endswith("万") else Decimal(1)
    shown = Decimal(text.rstrip("亿万")) * factor
    assert abs(shown - value) <= factor * Decimal("0.005")


def test_months() -> None:
    assert format_month(dt.date(2022, 3, 1)) == "2022年3月"
    assert format_month(dt.date(2022, 12, 31), "en") == "Dec 2022"


@pytest.mark.parametrize(
    ("period", "zh", "en"),
    [
        ("2022Q1", "2022年第一季度", "Q1 2022"),
        ("2022Q4", "2022年第四季度", "Q4 2022"),
        ("2022-03", "2022年3月", "Mar 2022"),
        ("2022-11", "2022年11月", "Nov 2022"),
        ("2022", "2022年", "2022"),
        ("", "", ""),
        ("2022Q5", "2022Q5", "2022Q5"),
    ],
)
def test_periods(period: str, zh: str, en: str) -> None:
    assert format_period(period) == zh
    assert format_period(period, "en") == en
