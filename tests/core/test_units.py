"""Tests for lantu.core.units."""

# Chinese text uses full-width punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import doctest
import itertools
import pickle
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core import units
from lantu.core.errors import LantuValueError
from lantu.core.units import (
    MAX_MAGNITUDE,
    NumberError,
    UnitError,
    all_dimensions,
    all_units,
    compatible,
    convert,
    format_cn,
    get_unit,
    parse_number,
    units_of,
)

CURRENCY_POWERS = {"元": 0, "万元": 4, "亿元": 8, "万亿元": 12}


def test_doctests() -> None:
    result = doctest.testmod(units)
    assert result.attempted > 0
    assert result.failed == 0


# --- registry ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "symbol"),
    [
        ("元", "元"),
        ("yuan", "元"),
        ("10k yuan", "万元"),
        ("  100m   yuan ", "亿元"),
        ("Trillion Yuan", "万亿元"),
        ("％", "%"),
        ("percent", "%"),
        ("‰", "‰"),
        ("ratio", "ratio"),
        ("gbps", "Gbps"),
        ("Gb/s", "Gbps"),
        ("tbps", "Tbps"),
        (" ＧＢＰＳ ", "Gbps"),
        ("kbps", "Kbps"),
        ("s", "秒"),
        ("min", "分钟"),
        ("h", "小时"),
        ("d", "天"),
        ("个/万人", "个/万人"),
        ("无", "无"),
    ],
)
def test_get_unit_accepts_aliases(alias: str, symbol: str) -> None:
    assert get_unit(alias).symbol == symbol


@pytest.mark.parametrize("symbol", ["", "  ", "元人民币", "kg", "亿", "%%"])
def test_get_unit_refuses_unknown(symbol: str) -> None:
    with pytest.raises(UnitError) as info:
        get_unit(symbol)
    assert info.value.code == "unknown_unit"
    assert info.value.params == {"symbol": symbol.strip()}


def test_unknown_unit_messages() -> None:
    error = UnitError("unknown_unit", {"symbol": "kg"})
    assert error.message_zh == "未知单位“kg”"
    assert error.message_en == "unknown unit kg"


def test_every_dimension_has_a_base_unit_and_units_are_listed() -> None:
    symbols = {unit.symbol for unit in all_units()}
    assert {"元", "万亿元", "%", "Tbps", "万户", "万人", "项", "家", "天"} <= symbols
    for dimension in all_dimensions():
        factors = [unit.factor for unit in units_of(dimension)]
        assert Decimal(1) in factors
        assert factors == sorted(factors), "units_of lists smallest first"


def test_units_of_currency() -> None:
    assert [unit.symbol for unit in units_of("currency")] == list(CURRENCY_POWERS)


def test_units_of_unknown_dimension() -> None:
    with pytest.raises(UnitError) as info:
        units_of("mass")
    assert info.value.code == "unknown_dimension"
    assert "mass" in info.value.message_en


def test_compatible() -> None:
    assert compatible("亿元", "万元")
    assert compatible("gbps", "Tbps")
    assert compatible("ratio", "‰")
    assert not compatible("亿元", "%")
    assert not compatible("个", "万户")
    assert not compatible("个/万人", "个")


# --- convert ----------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(CURRENCY_POWERS, 2)))
def test_currency_every_direction(source: str, target: str) -> None:
    exponent = CURRENCY_POWERS[source] - CURRENCY_POWERS[target]
    expected = Decimal(10) ** exponent
    assert convert(Decimal(1), source, target) == expected
    assert convert(Decimal("2.5"), source, target) == Decimal("2.5") * expected


def test_trillions_to_hundred_millions_is_exact() -> None:
    assert convert(Decimal("3.93"), "万亿元", "亿元") == Decimal("39300")
    assert convert(Decimal("39300"), "亿元", "万亿元") == Decimal("3.93")
    assert str(convert(Decimal("39300"), "亿元", "万亿元")) == "3.93"
    assert convert(Decimal("3.93"), "trillion yuan", "100m yuan") == Decimal(39300)


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        ("5", "‰", "%", "0.5"),
        ("0.5", "%", "‰", "5"),
        ("0.93", "ratio", "%", "93"),
        ("93", "%", "ratio", "0.93"),
        ("1.5", "Tbps", "Gbps", "1500"),
        ("2500", "Mbps", "Gbps", "2.5"),
        ("1", "Gbps", "bps", "1000000000"),
        ("1", "kbps", "bps", "1000"),
        ("3", "万个", "个", "30000"),
        ("45678", "户", "万户", "4.5678"),
        ("1.2", "万人", "人", "12000"),
        ("90", "分钟", "小时", "1.5"),
        ("1", "天", "秒", "86400"),
        ("2", "h", "min", "120"),
    ],
)
def test_convert_other_dimensions(value: str, source: str, target: str, expected: str) -> None:
    assert convert(Decimal(value), source, target) == Decimal(expected)


def test_convert_same_unit_returns_value() -> None:
    assert convert(Decimal("1.50"), "亿元", "100m yuan") == Decimal("1.50")


def test_convert_with_non_terminating_result_rounds_to_28_digits() -> None:
    assert convert(Decimal(1), "秒", "分钟") == Decimal("0.01666666666666666666666666667")


def test_convert_incompatible_is_refused_with_message() -> None:
    with pytest.raises(UnitError) as info:
        convert(Decimal(1), "亿元", "％")
    error = info.value
    assert isinstance(error, LantuValueError)
    assert isinstance(error, ValueError)
    assert error.code == "incompatible"
    assert error.params == {"from_unit": "亿元", "to_unit": "%"}
    assert error.message_zh == "单位“亿元”与“%”量纲不同，无法换算"
    assert error.message_en == "unit 亿元 is not convertible to %: different dimensions"
    assert str(error) == error.message_zh


def test_convert_unknown_unit() -> None:
    with pytest.raises(UnitError) as info:
        convert(Decimal(1), "亿元", "亿")
    assert info.value.code == "unknown_unit"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN"])
def test_convert_refuses_non_finite(value: str) -> None:
    with pytest.raises(UnitError) as info:
        convert(Decimal(value), "元", "万元")
    assert info.value.code == "not_finite"


def test_errors_survive_pickling() -> None:
    error = UnitError("incompatible", {"from_unit": "亿元", "to_unit": "%"})
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.params, str(copy)) == (error.code, error.params, str(error))


# Units whose factors are powers of ten: conversion between them is exact.
DECIMAL_UNITS = [unit for unit in all_units() if unit.factor.normalize().as_tuple().digits == (1,)]
DECIMAL_PAIRS = [
    (a.symbol, b.symbol) for a, b in itertools.product(DECIMAL_UNITS, repeat=2) if a.dimension == b.dimension
]
bounded_decimals = st.decimals(
    min_value=Decimal("-1e15"),
    max_value=Decimal("1e15"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(value=bounded_decimals, pair=st.sampled_from(DECIMAL_PAIRS))
def test_round_trip_is_exact(value: Decimal, pair: tuple[str, str]) -> None:
    source, target = pair
    assert convert(convert(value, source, target), target, source) == value


@given(value=bounded_decimals, pair=st.sampled_from(DECIMAL_PAIRS))
def test_conversion_preserves_base_amount(value: Decimal, pair: tuple[str, str]) -> None:
    source, target = pair
    converted = convert(value, source, target)
    assert converted * get_unit(target).factor == value * get_unit(source).factor


# --- parse_number -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.5", "1234.5"),
        ("1234.5", "1234.5"),
        (" 80 ", "80"),
        ("1,234,567", "1234567"),
        ("-12.5", "-12.5"),
        ("+3", "3"),
        (".5", "0.5"),
        ("7.", "7"),
        ("1.2E+05", "120000"),
        ("１２３４．５", "1234.5"),
        ("１，２３４", "1234"),
        ("\u3000 42\u00a0", "42"),
        ("-0", "0"),
        ("1000000000000000000", "1e18"),
        ("-1,000,000,000,000,000,000", "-1e18"),
    ],
)
def test_parse_number_accepts(text: str, expected: str) -> None:
    assert parse_number(text) == Decimal(expected)


def test_parse_number_keeps_written_precision() -> None:
    assert str(parse_number("80.50")) == "80.50"
    assert str(parse_number("-0")) == "0"


@pytest.mark.parametrize(
    "text",
    [
        "80%",
        "3.93万亿",
        "12亿元",
        "N/A",
        "—",
        "-",
        "约80",
        "80左右",
        "",
        "   ",
        "nan",
        "NaN",
        "inf",
        "-Infinity",
        "1,2,3",
        "12,34",
        "1,2345",
        "1234,567",
        "1.234,5",
        "1 234",
        "12.5.3",
        "--1",
        "1e",
        "0x10",
        "1_000",
        "10²",
        "①",
        "٣",
        ",5",
    ],
)
def test_parse_number_refuses(text: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text)
    assert info.value.code == "not_a_number"
    assert info.value.params == {"text": text}


@pytest.mark.parametrize(
    "text",
    ["1e400", "1000000000000000001", "-1e19", "1e99999999999999999999", "1,000e18"],
)
def test_parse_number_refuses_out_of_range(text: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text)
    assert info.value.code == "out_of_range"


def test_parse_number_messages_name_the_text() -> None:
    with pytest.raises(NumberError) as info:
        parse_number("80%")
    assert info.value.message_zh == "“80%”不是有效数字（单位请填在单位栏）"
    assert info.value.message_en == '"80%" is not a number (put units in the unit field)'
    with pytest.raises(NumberError) as info:
        parse_number("1e400")
    assert "1e400" in info.value.message_zh
    assert "1e400" in info.value.message_en


def test_parse_number_shortens_long_text_in_messages_only() -> None:
    text = "x" * 500
    with pytest.raises(NumberError) as info:
        parse_number(text)
    assert info.value.params["text"] == text
    assert len(info.value.message_zh) < 100
    assert "…" in info.value.message_en


@given(st.text())
def test_parse_number_only_raises_lantu_errors(text: str) -> None:
    try:
        value = parse_number(text)
    except LantuValueError:
        return
    assert value.is_finite()
    assert abs(value) <= MAX_MAGNITUDE


@given(
    st.decimals(
        min_value=-MAX_MAGNITUDE,
        max_value=MAX_MAGNITUDE,
        allow_nan=False,
        allow_infinity=False,
    ).filter(lambda d: d.is_zero() or units._finest_exponent(d) >= units.MIN_EXPONENT)
)
def test_parse_number_reads_back_formatted_decimals(value: Decimal) -> None:
    assert parse_number(f"{value:f}") == value
    assert parse_number(f"{value:,f}") == value
    assert parse_number(f"  {value:,f}\t") == value


# --- format_cn --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("39300", "亿元", "3.93万亿元"),
        ("3.93", "万亿元", "3.93万亿元"),
        ("12345", "万元", "1.23亿元"),
        ("9999.999", "亿元", "1万亿元"),
        ("5000", "元", "5000元"),
        ("15000", "元", "1.5万元"),
        ("0.5", "元", "0.5元"),
        ("0", "亿元", "0元"),
        ("-39300", "亿元", "-3.93万亿元"),
        ("0.125", "元", "0.13元"),
        ("93.00", "%", "93%"),
        ("0.931", "ratio", "93.1%"),
        ("2.5", "‰", "2.5‰"),
        ("60", "tbps", "60Tbps"),
        ("1234.567", "万户", "1234.57万户"),
        ("1E+3", "个", "1000个"),
        ("-0.001", "人", "0人"),
        ("3.14159", "无", "3.14"),
        ("12", "个/万人", "12个/万人"),
    ],
)
def test_format_cn(value: str, unit: str, expected: str) -> None:
    assert format_cn(Decimal(value), unit) == expected


def test_format_cn_refuses_unknown_unit_and_non_finite() -> None:
    with pytest.raises(UnitError):
        format_cn(Decimal(1), "kg")
    with pytest.raises(UnitError):
        format_cn(Decimal("NaN"), "元")


@pytest.mark.parametrize(
    ("text", "code"), [("1e1000000", "out_of_range"), ("1e-999999999", "too_precise"), ("1e-31", "too_precise")]
)
def test_extreme_exponents_are_refused(text: str, code: str) -> None:
    with pytest.raises(NumberError) as info:
        parse_number(text)
    assert info.value.code == code
