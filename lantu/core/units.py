"""Measurement units, exact conversion and number parsing.

Every unit belongs to a dimension (``"currency"``, ``"bandwidth"``, ...) and
has a ``factor`` to that dimension's base unit, so that
``value_in_base = value * factor``. All arithmetic uses :class:`decimal.Decimal`
so that 3.93 万亿元 is exactly 39300 亿元.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import decimal
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from lantu.core.errors import LantuValueError

__all__ = [
    "MAX_MAGNITUDE",
    "NumberError",
    "Unit",
    "UnitError",
    "all_dimensions",
    "all_units",
    "compatible",
    "convert",
    "format_cn",
    "get_unit",
    "parse_number",
    "units_of",
]

#: Largest absolute value :func:`parse_number` accepts; far above any real
#: indicator, so anything bigger is a typo or a unit mix-up.
MAX_MAGNITUDE = Decimal(10) ** 18
MIN_EXPONENT = -30


class UnitError(LantuValueError):
    """A unit is unknown, or two units cannot be converted into each other."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "unknown_unit": "未知单位“{symbol}”",
        "unknown_dimension": "未知量纲“{dimension}”",
        "incompatible": "单位“{from_unit}”与“{to_unit}”量纲不同，无法换算",
        "not_finite": "数值“{value}”不是有限数，无法换算",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "unknown_unit": "unknown unit {symbol}",
        "unknown_dimension": "unknown dimension {dimension}",
        "incompatible": ("unit {from_unit} is not convertible to {to_unit}: different dimensions"),
        "not_finite": "value {value} is not a finite number and cannot be converted",
    }


class NumberError(LantuValueError):
    """A text is not a plain number, or the number is out of range."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "not_a_number": "“{text}”不是有效数字（单位请填在单位栏）",
        "out_of_range": "“{text}”超出允许范围（绝对值不能超过 10^18）",
        "too_precise": "“{text}”的小数位过多（有效数字不能小于 10^-30）",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "not_a_number": '"{text}" is not a number (put units in the unit field)',
        "out_of_range": '"{text}" is out of range (magnitude must not exceed 1e18)',
        "too_precise": '"{text}" has too many decimals (nothing finer than 1e-30)',
    }


@dataclass(frozen=True)
class Unit:
    """A unit of measurement.

    Attributes
    ----------
    symbol : str
        Canonical symbol, e.g. ``"亿元"``.
    dimension : str
        What is measured, e.g. ``"currency"``; only units of the same
        dimension convert into each other.
    factor : Decimal
        How many base units one of this unit is.
    name_zh, name_en : str
        Display names.
    """

    symbol: str
    dimension: str
    factor: Decimal
    name_zh: str
    name_en: str


_UNITS: dict[str, Unit] = {}
# Keys are case-folded so that "gbps" and "GBPS" find Gbps.
_ALIASES: dict[str, str] = {}


def _register(
    symbol: str,
    dimension: str,
    factor: int | str,
    name_zh: str,
    name_en: str,
    *aliases: str,
) -> None:
    unit = Unit(symbol, dimension, Decimal(factor), name_zh, name_en)
    _UNITS[symbol] = unit
    for alias in (symbol, *aliases):
        key = _normalise_symbol(alias).casefold()
        # Two units sharing a spelling would make lookups depend on order.
        assert key not in _ALIASES, f"duplicate unit alias {alias!r}"
        _ALIASES[key] = symbol


def _normalise_symbol(symbol: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", symbol).split())


_register("元", "currency", 1, "元", "yuan", "yuan")
_register("万元", "currency", 10**4, "万元", "10k yuan", "10k yuan")
_register("亿元", "currency", 10**8, "亿元", "100m yuan", "100m yuan")
_register("万亿元", "currency", 10**12, "万亿元", "trillion yuan", "trillion yuan")

# Percent is the base so that the common case needs no conversion.
_register("‰", "ratio", "0.1", "千分比", "per mille", "per mille")
_register("%", "ratio", 1, "百分比", "percent", "percent")
_register("ratio", "ratio", 100, "比值（0~1）", "ratio (0 to 1)")

_register("bps", "bandwidth", 1, "比特每秒", "bits per second", "b/s")
_register("Kbps", "bandwidth", 10**3, "千比特每秒", "kilobits per second", "Kb/s")
_register("Mbps", "bandwidth", 10**6, "兆比特每秒", "megabits per second", "Mb/s")
_register("Gbps", "bandwidth", 10**9, "吉比特每秒", "gigabits per second", "Gb/s")
_register("Tbps", "bandwidth", 10**12, "太比特每秒", "terabits per second", "Tb/s")

_register("个", "count", 1, "个", "units")
_register("万个", "count", 10**4, "万个", "10k units")
_register("户", "households", 1, "户", "households")
_register("万户", "households", 10**4, "万户", "10k households")
_register("人", "persons", 1, "人", "persons")
_register("万人", "persons", 10**4, "万人", "10k persons")
_register("项", "items", 1, "项", "items")
_register("家", "enterprises", 1, "家", "enterprises")

_register("秒", "time", 1, "秒", "seconds", "s")
_register("分钟", "time", 60, "分钟", "minutes", "min")
_register("小时", "time", 3600, "小时", "hours", "h")
_register("天", "time", 86400, "天", "days", "d")

_register("个/万人", "density", 1, "个每万人", "per 10k persons")
_register("无", "dimensionless", 1, "无单位", "no unit")


def get_unit(symbol: str) -> Unit:
    """Look up a unit by symbol or alias.

    Surrounding whitespace is ignored, full-width forms are NFKC-normalised
    and ASCII aliases are case-insensitive (``"gbps"`` is Gbps).

    Raises
    ------
    UnitError
        ``unknown_unit`` if nothing matches.
    """
    canonical = _ALIASES.get(_normalise_symbol(symbol).casefold())
    if canonical is None:
        raise UnitError("unknown_unit", {"symbol": symbol.strip()})
    return _UNITS[canonical]


def compatible(a: str, b: str) -> bool:
    """Tell whether two known units share a dimension.

    Raises
    ------
    UnitError
        ``unknown_unit`` if either symbol is unknown.
    """
    return get_unit(a).dimension == get_unit(b).dimension


def all_units() -> list[Unit]:
    """Return every registered unit, grouped by dimension, smallest first."""
    return list(_UNITS.values())


def all_dimensions() -> list[str]:
    """Return every dimension name, in registration order."""
    return list(dict.fromkeys(unit.dimension for unit in _UNITS.values()))


def units_of(dimension: str) -> list[Unit]:
    """Return the units of one dimension, smallest first.

    Raises
    ------
    UnitError
        ``unknown_dimension`` if no unit has that dimension.
    """
    found = [unit for unit in _UNITS.values() if unit.dimension == dimension]
    if not found:
        raise UnitError("unknown_dimension", {"dimension": dimension})
    return found


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Convert ``value`` between two units of the same dimension.

    The result is exact whenever it has a finite decimal expansion, which is
    always the case between units whose factors are powers of ten. Otherwise
    (e.g. seconds to minutes) it is rounded to 28 significant digits.

    Raises
    ------
    UnitError
        ``unknown_unit``, ``incompatible`` or ``not_finite``.

    Examples
    --------
    >>> convert(Decimal("3.93"), "万亿元", "亿元")
    Decimal('39300.00')
    >>> convert(Decimal("39300"), "亿元", "万亿元")
    Decimal('3.93')
    >>> convert(Decimal("1.5"), "Tbps", "Gbps")
    Decimal('1500.0')
    >>> convert(Decimal("0.93"), "ratio", "%")
    Decimal('93.00')
    >>> convert(Decimal("1"), "亿元", "%")
    Traceback (most recent call last):
    ...
    lantu.core.units.UnitError: 单位“亿元”与“%”量纲不同，无法换算
    """
    source, target = get_unit(from_unit), get_unit(to_unit)
    if source.dimension != target.dimension:
        raise UnitError("incompatible", {"from_unit": source.symbol, "to_unit": target.symbol})
    if not value.is_finite():
        raise UnitError("not_finite", {"value": str(value)})
    if source is target:
        return value
    # Enough digits that the product is exact and an exact quotient fits.
    digits = len(value.as_tuple().digits) + 40
    exact = decimal.Context(prec=digits, traps=[decimal.Inexact, decimal.Overflow])
    product = exact.multiply(value, source.factor)
    try:
        return exact.divide(product, target.factor)
    except decimal.Inexact:
        return decimal.Context(prec=28).divide(product, target.factor)


# Only width variants and no-break spaces are folded before parsing: a full
# NFKC would turn "10²" into "102" and "①" into "1", silently changing values.
_WIDTH_TAGS = ("<wide>", "<narrow>", "<noBreak>")
_NUMBER = re.compile(
    r"""
    [+-]?
    (?: [0-9]{1,3} (?:,[0-9]{3})+ (?:\.[0-9]+)?   # 1,234,567.89
      | [0-9]+ (?:\.[0-9]*)?                      # 1234 or 1234.5 or 1234.
      | \.[0-9]+                                  # .5
    )
    (?: [eE][+-]?[0-9]+ )?                        # 1.2E+05 as spreadsheets export
    """,
    re.VERBOSE | re.ASCII,
)


def _fold_width(text: str) -> str:
    return "".join(
        unicodedata.normalize("NFKC", char) if unicodedata.decomposition(char).startswith(_WIDTH_TAGS) else char
        for char in text
    )


def parse_number(text: str) -> Decimal:
    """Parse a plain number as typed or pasted by a person.

    Accepts an optional sign, digits with an optional fraction, well-formed
    thousands separators (``"1,234.5"``), an exponent (``"1.2E+05"``),
    surrounding whitespace and full-width characters. Refuses anything
    carrying a unit or a qualifier (``"80%"``, ``"3.93万亿"``, ``"约80"``),
    placeholders (``"N/A"``, ``"—"``, ``""``), ``nan`` and ``inf``.

    Raises
    ------
    NumberError
        ``not_a_number``, or ``out_of_range`` beyond :data:`MAX_MAGNITUDE`.
    """
    cleaned = _fold_width(text).strip()
    if _NUMBER.fullmatch(cleaned) is None:
        raise NumberError("not_a_number", {"text": text})
    try:
        value = Decimal(cleaned.replace(",", ""))
        too_big = abs(value) > MAX_MAGNITUDE
        # "1e-999999999" parses, but writing it out in digits would take a gigabyte.
        too_fine = not value.is_zero() and _finest_exponent(value) < MIN_EXPONENT
    except (decimal.InvalidOperation, decimal.Overflow):
        # Exponents too large for decimal itself get here.
        raise NumberError("out_of_range", {"text": text}) from None
    if too_big:
        raise NumberError("out_of_range", {"text": text})
    if too_fine:
        raise NumberError("too_precise", {"text": text})
    # "-0" is a typing accident, not a different value.
    return value.copy_abs() if value.is_zero() else value


def _finest_exponent(value: Decimal) -> int:
    """The exponent of the last non-zero digit (normalize() would underflow on 1e-999999999)."""
    _sign, digits, exponent = value.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return int(exponent) + trailing


_CURRENCY_SCALES = ("万亿元", "亿元", "万元")
_CENT = Decimal("0.01")


def _format_decimal(value: Decimal) -> str:
    """Round half up to two decimals and drop trailing zeros."""
    context = decimal.Context(prec=max(28, value.adjusted() + 5))
    rounded = value.quantize(_CENT, rounding=decimal.ROUND_HALF_UP, context=context)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def format_cn(value: Decimal, unit: str) -> str:
    """Render a value for display, the way Chinese reports write numbers.

    Currency is shown in the largest of 元/万元/亿元/万亿元 that keeps the
    (rounded) value at least 1. Other values are shown with up to two
    decimals followed by the canonical unit symbol; a plain ratio is shown
    as a percentage and the dimensionless unit 无 adds no symbol.

    Raises
    ------
    UnitError
        ``unknown_unit`` or ``not_finite``.

    Examples
    --------
    >>> format_cn(Decimal("39300"), "亿元")
    '3.93万亿元'
    >>> format_cn(Decimal("12345"), "万元")
    '1.23亿元'
    >>> format_cn(Decimal("0.5"), "元")
    '0.5元'
    >>> format_cn(Decimal("93.00"), "%")
    '93%'
    >>> format_cn(Decimal("0.931"), "ratio")
    '93.1%'
    >>> format_cn(Decimal("60"), "tbps")
    '60Tbps'
    """
    source = get_unit(unit)
    if not value.is_finite():
        raise UnitError("not_finite", {"value": str(value)})
    if source.dimension == "currency":
        # Judge by the rounded figure so 9999.999亿元 shows as 1万亿元.
        for scale in _CURRENCY_SCALES:
            shown = _format_decimal(convert(value, source.symbol, scale))
            if abs(Decimal(shown)) >= 1:
                return shown + scale
        return _format_decimal(convert(value, source.symbol, "元")) + "元"
    if source.symbol == "ratio":
        return _format_decimal(convert(value, "ratio", "%")) + "%"
    suffix = "" if source.dimension == "dimensionless" else source.symbol
    return _format_decimal(value) + suffix
