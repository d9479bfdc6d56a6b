"""How targets read in words, in Chinese or English; shared by the pages and the API."""

from __future__ import annotations

from decimal import Decimal

from lantu.core.units import format_cn
from lantu.framework.models import Target


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def describe_target(target: Target, language: str = "zh-hans") -> str:
    """E.g. "≥ 4万亿元，且 ≥ 2017年的2倍" or "≥ 4 万亿元 and ≥ 2 × the 2017 value"."""
    english = language.startswith("en")
    symbol = target.get_comparator_display()
    parts = []
    if target.value is not None:
        unit = target.unit or target.indicator.unit
        parts.append(
            f"{symbol} {_plain(target.value)} {unit}" if english else f"{symbol} {format_cn(target.value, unit)}"
        )
    if target.baseline_multiple is not None:
        multiple = _plain(target.baseline_multiple)
        parts.append(
            f"{symbol} {multiple} × the {target.baseline_year} value"
            if english
            else f"{symbol} {target.baseline_year}年的{multiple}倍"
        )
    return (" and " if english else "，且 ").join(parts)
