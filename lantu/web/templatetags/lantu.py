"""Template helpers: pick the name in the page's language; numbers, months and periods in its style."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils import translation

from lantu.core.numbers import format_month, format_number, format_period
from lantu.core.units import format_cn

register = template.Library()


@register.filter
def loc(obj: object, field: str = "name") -> str:
    """``{{ area|loc }}`` → ``area.name_en`` on English pages, ``area.name_zh`` otherwise."""
    english = (translation.get_language() or "").startswith("en")
    value = getattr(obj, f"{field}_{'en' if english else 'zh'}", "") or getattr(obj, f"{field}_zh", "")
    return str(value)


def _language() -> str:
    return translation.get_language() or "zh-hans"


@register.filter
def cn_number(value: object) -> str:
    """``{{ n|cn_number }}``: 1234.57万 / 3.2亿 on Chinese pages, 12,345 / 12.35 million in English."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return format_number(number, _language())


@register.filter
def cn_month(value: object) -> str:
    """``{{ day|cn_month }}``: 2022年3月, or Mar 2022 in English."""
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    return format_month(value, _language())


@register.filter
def cn_period(value: object) -> str:
    """``{{ "2022Q1"|cn_period }}``: 2022年第一季度 (Q1 2022); 2022-03 → 2022年3月; 2022 → 2022年."""
    return "" if value is None else format_period(str(value), _language())


@register.filter
def unit_value(value: object, unit: str) -> str:
    """``{{ v|unit_value:indicator.unit }}``: the value in Chinese report style with its unit (format_cn)."""
    if value is None or value == "":
        return ""
    try:
        return format_cn(value if isinstance(value, Decimal) else Decimal(str(value)), unit)
    except (ArithmeticError, ValueError):
        return str(value)
