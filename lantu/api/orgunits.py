"""Org units (by date and level), departments and work groups."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Router, Schema

from lantu.accounts.service import InvalidInput, NotFound
from lantu.orgunits.models import CHRONOLOGICAL, Department, Level, OrgUnit, OrgUnitQuerySet, WorkGroup

router = Router(tags=["org units"])


class OrgUnitOut(Schema):
    key: str
    code: str
    name_zh: str
    name_en: str
    level: str
    kind: str
    parent_code: str | None
    parent_key: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    successors: list[str]
    predecessors: list[str]
    change_note: str
    source: str


class DepartmentOut(Schema):
    code: str
    name_zh: str
    name_en: str
    short_name_zh: str
    org_unit_code: str
    source: str


class WorkGroupOut(Schema):
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent_code: str | None
    member_codes: list[str]
    source_text: str


def unit_out(unit: OrgUnit) -> OrgUnitOut:
    return OrgUnitOut(
        key=unit.key,
        code=unit.code,
        name_zh=unit.name_zh,
        name_en=unit.name_en,
        level=unit.level,
        kind=unit.kind,
        parent_code=unit.parent.code if unit.parent else None,
        parent_key=unit.parent.key if unit.parent else None,
        valid_from=unit.valid_from,
        valid_to=unit.valid_to,
        successors=[s.key for s in unit.successors.all()],
        predecessors=[p.key for p in unit.predecessors.all()],
        change_note=unit.change_note,
        source=unit.source,
    )


def _units() -> OrgUnitQuerySet:
    return OrgUnit.objects.select_related("parent").prefetch_related(
        Prefetch("successors", queryset=OrgUnit.objects.only("key")),
        Prefetch("predecessors", queryset=OrgUnit.objects.only("key")),
    )


@router.get("/org-units", response=list[OrgUnitOut], summary="Org units, optionally as on a date")
def list_org_units(
    request: HttpRequest, date: dt.date | None = None, level: str | None = None, parent: str | None = None
) -> list[OrgUnitOut]:
    """All unit records, or with ``date`` only those valid on that day (the tree on that date).

    ``level`` is province, city or county; ``parent`` is a parent's code.
    """
    if level is not None and level not in Level.values:
        raise InvalidInput.one("level", f"未知层级“{level}”", f"unknown level {level!r}; use {Level.values}")
    units = _units()
    if date is not None:
        units = units.valid_on(date)
    if level:
        units = units.filter(level=level)
    if parent:
        units = units.filter(parent__code=parent)
    return [unit_out(u) for u in units.order_by("code", *CHRONOLOGICAL)]


@router.get("/org-units/{code}", response=list[OrgUnitOut], summary="The records of one code")
def get_org_unit(request: HttpRequest, code: str, date: dt.date | None = None) -> list[OrgUnitOut]:
    """Every record a code has had (several when its territory changed), or the one valid on ``date``."""
    units = _units().filter(code=code)
    if date is not None:
        units = units.valid_on(date)
    found = [unit_out(u) for u in units.order_by(*CHRONOLOGICAL)]
    if not found:
        raise NotFound("行政区划", code)
    return found


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def list_departments(request: HttpRequest) -> list[DepartmentOut]:
    return [
        DepartmentOut(
            code=d.code,
            name_zh=d.name_zh,
            name_en=d.name_en,
            short_name_zh=d.short_name_zh,
            org_unit_code=d.org_unit.code,
            source=d.source,
        )
        for d in Department.objects.select_related("org_unit").order_by("code")
    ]


@router.get("/groups", response=list[WorkGroupOut], summary="The leading group and special working groups")
def list_groups(request: HttpRequest) -> list[WorkGroupOut]:
    return [
        WorkGroupOut(
            code=g.code,
            name_zh=g.name_zh,
            name_en=g.name_en,
            kind=g.kind,
            parent_code=g.parent.code if g.parent else None,
            member_codes=sorted(m.code for m in g.members.all()),
            source_text=g.source_text,
        )
        for g in WorkGroup.objects.select_related("parent").prefetch_related("members").order_by("code")
    ]
