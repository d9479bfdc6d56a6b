"""Exchange formats, pure Python (no Django): SDMX 2.1 (SDMX-ML, SDMX-CSV 2.0) and DHIS2 (dataValueSets JSON, ADX).

Writers take plain observations; readers return plain rows and raise :class:`FormatError` for a
payload that is not the format at all (HTTP 400), and :class:`lantu.core.problems.Problem` lists
for rows that are the format but carry bad values (HTTP 422).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lantu.core.problems import Problem


class FormatError(ValueError):
    """The payload is not well-formed in the format claimed (malformed XML, JSON or CSV header)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} ({message_en})")


@dataclass(frozen=True)
class Observation:
    """One value to export: Lantu codes, a Lantu period text (2023, 2023Q1, 2023-01)."""

    indicator: str
    ref_area: str
    period: str
    value: Decimal
    unit: str
    status: str  # "approved" or "preliminary"
    comment: str = ""


@dataclass(frozen=True)
class ImportRow:
    """One value read from a file, codes and period still in the file's own terms."""

    row: int
    indicator: str
    ref_area: str
    period: str
    value: Decimal
    unit: str = ""
    comment: str = ""


def number_text(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: ``Decimal("39300.000000")`` → ``"39300"``.

    >>> number_text(Decimal("1.500000")), number_text(Decimal("100")), number_text(Decimal("-0.25"))
    ('1.5', '100', '-0.25')
    """
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"", "-0"} else text


def parse_number(text: str, row: int, field: str = "value") -> tuple[Decimal | None, Problem | None]:
    """A plain decimal number from a file (no thousands separators, no units)."""
    cleaned = (text or "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        return None, Problem(field, f"“{cleaned}”不是数字", f"{cleaned!r} is not a number", row)
    return value, None


_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)


def parse_xml(data: bytes, what: str) -> ET.Element:
    """Parse XML refusing DTDs and entities (no entity expansion, no external fetches)."""
    if _DOCTYPE.search(data):
        raise FormatError(f"{what} 不接受 DTD 或实体声明", f"{what}: DTDs and entity declarations are refused")
    try:
        return ET.fromstring(data)  # noqa: S314 - DTDs refused above; expat fetches nothing external
    except ET.ParseError as exc:
        raise FormatError(f"{what} 不是格式正确的 XML：{exc}", f"{what} is not well-formed XML: {exc}") from exc
    except (LookupError, ValueError) as exc:
        # The declaration names an encoding Python does not know (e.g. encoding="utf--47").
        raise FormatError(
            f"{what} 的编码无法识别：{exc}", f"{what} has an encoding that cannot be read: {exc}"
        ) from exc
