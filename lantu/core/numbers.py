"""Numbers, months and periods as a Chinese or an English page writes them.

Chinese reports group large numbers by 万 (10⁴) and 亿 (10⁸), and write dates as 2022年3月;
English pages group digits by thousands and say "12.35 million". Every function takes the
page's language (``"zh-hans"``, ``"en"``...); anything not starting with ``en`` is Chinese.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from lantu.core.periods import parse_period

__all__ = ["format_month", "format_number", "format_period", "is_english"]

_CENT = Decimal("0.01")
_CN_SCALES = ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))
_EN_SCALES = (
    (Decimal(10) ** 12, " trillion"),
    (Decimal(10) ** 9, " billion"),
    (Decimal(10) ** 6, " million"),
)
_CN_DIGITS = "〇一二三四"
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def is_english(language: str) -> bool:
    """Whether ``language`` is English (``en``, ``en-us``...); everything else reads as Chinese."""
    return language.lower().startswith("en")


def _round(value: Decimal) -> Decimal:
    """Half up to two decimals, whatever the magnitude."""
    context = decimal.Context(prec=max(28, value.adjusted() + 5))
    return value.quantize(_CENT, rounding=decimal.ROUND_HALF_UP, context=context)


def _trim(text: str) -> str:
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scaled(value: Decimal, scales: tuple[tuple[Decimal, str], ...]) -> tuple[Decimal, str] | None:
    """The scale a value is written in (largest first), judged by the rounded figure.

    9999.995 rounds to 10000 and so is 1万; 99999999 is 10000.00万 once rounded, so it is 1亿.
    """
    rounded = abs(_round(value))
    for i, (factor, word) in enumerate(scales):
        if rounded >= factor:
            shown = _round(value / factor)
            if i > 0 and abs(shown) >= scales[i - 1][0] / factor:
                factor, word = scales[i - 1]
                shown = _round(value / factor)
            return shown, word
    return None


def format_number(value: Decimal | int | float, language: str = "zh-hans") -> str:
    """Write a number the way a page in ``language`` does, with at most two decimals.

    Chinese: 万 from ten thousand, 亿 from a hundred million. English: thousands separators,
    and million / billion / trillion from a million.

    Examples
    --------
    >>> format_number(12345678)
    '1234.57万'
    >>> format_number(3.2e8)
    '3.2亿'
    >>> format_number(Decimal("9999.5"))
    '9999.5'
    >>> format_number(99999999)
    '1亿'
    >>> format_number(-45000)
    '-4.5万'
    >>> format_number(12345, "en")
    '12,345'
    >>> format_number(12345678, "en")
    '12.35 million'
    >>> format_number(Decimal("3.2E+8"), "en")
    '320 million'
    >>> format_number(Decimal("0.125"), "en")
    '0.13'
    """
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return str(number)
    english = is_english(language)
    found = _scaled(number, _EN_SCALES if english else _CN_SCALES)
    if found is not None:
        shown, word = found
        return _trim(f"{shown:f}") + word
    rounded = _round(number)
    return _trim(f"{rounded:,f}" if english else f"{rounded:f}")


def format_month(day: dt.date, language: str = "zh-hans") -> str:
    """A month: ``2022年3月``, or ``Mar 2022`` in English.

    >>> format_month(dt.date(2022, 3, 15))
    '2022年3月'
    >>> format_month(dt.date(2022, 3, 15), "en")
    'Mar 2022'
    """
    if is_english(language):
        return f"{_EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}年{day.month}月"


def format_period(period: str, language: str = "zh-hans") -> str:
    """A reporting period in words; text that is not a period is returned unchanged.

    >>> format_period("2022Q1")
    '2022年第一季度'
    >>> format_period("2022-03")
    '2022年3月'
    >>> format_period("2022")
    '2022年'
    >>> [format_period(p, "en") for p in ("2022Q1", "2022-03", "2022")]
    ['Q1 2022', 'Mar 2022', '2022']
    >>> format_period("last year")
    'last year'
    """
    try:
        p = parse_period(period)
    except ValueError:
        return period
    english = is_english(language)
    if p.kind == "year":
        return str(p.year) if english else f"{p.year}年"
    if p.kind == "quarter":
        return f"Q{p.index} {p.year}" if english else f"{p.year}年第{_CN_DIGITS[p.index]}季度"
    return format_month(p.start, language)
