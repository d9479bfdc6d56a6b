"""Read-only queries over org units; no permission needed (the hierarchy is public)."""

from __future__ import annotations

import datetime as dt

from lantu.accounts.service import InvalidInput, NotFound
from lantu.orgunits.models import CHRONOLOGICAL, OrgUnit


def resolve_org_unit(code: str, on: dt.date | None = None) -> OrgUnit:
    """Find the unit a GB/T 2260 code names on a date (today's when no date is given).

    When a code has several records and no date is given, the current one wins.
    """
    records = list(OrgUnit.objects.filter(code=code).order_by(*CHRONOLOGICAL))
    if not records:
        raise NotFound("行政区划", code)
    day = on or dt.date.today()
    for unit in records:
        if unit.is_valid_on(day):
            return unit
    if on is None:
        return records[-1]
    raise InvalidInput.one(
        "org_unit",
        f"区划代码 {code} 在 {day.isoformat()} 无效",
        f"org unit {code} is not valid on {day.isoformat()}",
    )


def unit_on(code: str, day: dt.date) -> OrgUnit | None:
    """The record of ``code`` valid on ``day`` (with its parent loaded), or None."""
    return next((u for u in OrgUnit.objects.filter(code=code).select_related("parent") if u.is_valid_on(day)), None)


def units_on(day: dt.date, level: str | None = None) -> list[OrgUnit]:
    """The units valid on ``day``, optionally of one level, ordered by code."""
    units = OrgUnit.objects.valid_on(day).select_related("parent")
    if level:
        units = units.filter(level=level)
    return list(units.order_by("code"))
