"""Period texts of Lantu (2023, 2023Q1, 2023-01), SDMX (2023, 2023-Q1, 2023-01), DHIS2 (2023, 2023Q1, 202301) and ADX.

ADX gives a period as an ISO 8601 start date and duration: ``2023-01-01/P1Y``, ``2023-04-01/P3M``,
``2023-03-01/P1M``. A text that is none of these is returned unchanged, so the importer reports it
as a bad period with its row.

>>> to_sdmx("2023Q1"), from_sdmx("2023-Q1"), to_dhis2("2023-03"), from_dhis2("202303")
('2023-Q1', '2023Q1', '202303', '2023-03')
>>> to_adx("2023Q2"), from_adx("2023-04-01/P3M"), from_adx("2023-01-01/P1Y")
('2023-04-01/P3M', '2023Q2', '2023')
"""

from __future__ import annotations

import re

_LANTU_Q = re.compile(r"^(\d{4})Q([1-4])$")
_LANTU_M = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")


def to_sdmx(period: str) -> str:
    if m := _LANTU_Q.match(period):
        return f"{m[1]}-Q{m[2]}"
    return period


def from_sdmx(text: str) -> str:
    text = text.strip()
    if m := re.match(r"^(\d{4})-Q([1-4])$", text):
        return f"{m[1]}Q{m[2]}"
    if m := re.match(r"^(\d{4})-A1$", text):
        return m[1]
    return text


def to_dhis2(period: str) -> str:
    if m := _LANTU_M.match(period):
        return f"{m[1]}{m[2]}"
    return period


def from_dhis2(text: str) -> str:
    text = text.strip()
    if m := re.match(r"^(\d{4})(0[1-9]|1[0-2])$", text):
        return f"{m[1]}-{m[2]}"
    return text


def to_adx(period: str) -> str:
    if m := _LANTU_Q.match(period):
        return f"{m[1]}-{3 * int(m[2]) - 2:02d}-01/P3M"
    if m := _LANTU_M.match(period):
        return f"{m[1]}-{m[2]}-01/P1M"
    if _YEAR.match(period):
        return f"{period}-01-01/P1Y"
    return period


def from_adx(text: str) -> str:
    text = text.strip()
    m = re.match(r"^(\d{4})-(\d{2})-01/P(1Y|12M|3M|1M)$", text)
    if m is None:
        return text
    year, month, duration = m[1], int(m[2]), m[3]
    if duration in {"1Y", "12M"} and month == 1:
        return year
    if duration == "3M" and month in {1, 4, 7, 10}:
        return f"{year}Q{(month - 1) // 3 + 1}"
    if duration == "1M" and 1 <= month <= 12:
        return f"{year}-{month:02d}"
    return text
