"""Shared API field types."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer


def _number(value: Decimal) -> int | float:
    # JSON numbers, not strings: 80 rather than "80.000000". Values are stored with six
    # decimal places, so a float carries them exactly enough for display and exchange.
    return int(value) if value == value.to_integral_value() else float(value)


Number = Annotated[Decimal, PlainSerializer(_number, return_type=int | float, when_used="always")]
