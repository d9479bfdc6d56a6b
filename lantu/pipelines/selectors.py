"""Read-only queries for pipelines: the org-unit map of a period, definitions, runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from lantu.core.pipelines.engine import UnitRow
from lantu.orgunits.models import Level, OrgUnit
from lantu.pipelines.models import PipelineDefinition, PipelineRun


def unit_rows(day: dt.date) -> list[UnitRow]:
    """Every county-level code with, on ``day``, the county, city and province codes it names.

    A code with no county-level record valid on ``day`` maps to None (rows are then
    ``unit_not_valid``); codes that name no county-level record at all are absent (``unknown_unit``).
    """
    rows: dict[str, UnitRow] = {}
    for unit in OrgUnit.objects.filter(level=Level.COUNTY).select_related("parent__parent").order_by("code"):
        if unit.is_valid_on(day):
            city = unit.parent
            province = city.parent if city is not None else None
            rows[unit.code] = UnitRow(
                unit.code, unit.code, city.code if city else None, province.code if province else None
            )
        else:
            rows.setdefault(unit.code, UnitRow(unit.code, None, None, None))
    return list(rows.values())


def latest_definition(name: str) -> PipelineDefinition | None:
    return PipelineDefinition.objects.filter(name=name).order_by("-version").first()


def definitions() -> QuerySet[PipelineDefinition]:
    return PipelineDefinition.objects.order_by("name", "-version")


def runs(name: str | None = None, period: str | None = None) -> QuerySet[PipelineRun]:
    query = PipelineRun.objects.select_related("definition")
    if name:
        query = query.filter(definition__name=name)
    if period:
        query = query.filter(period=period)
    return query.order_by("-started_at", "-id")
