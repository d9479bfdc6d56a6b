"""What a dataset version freezes: the approved rows it covers, read at approval time.

Read-only. Indicator series are read the way :mod:`lantu.monitoring.mapdata` and
:func:`lantu.monitoring.progress.series_for` read official figures: the approved version of a
reported value where there is one, else the approved aggregate of the unit (never a draft or a
preliminary figure). An assessment result is the current run of a *published* assessment.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from lantu.assessment import selectors as assessment_selectors
from lantu.assessment.models import Assessment, AssessmentStatus
from lantu.core.periods import parse_period
from lantu.framework.models import Indicator
from lantu.monitoring.models import Aggregate, Basis, ValueState
from lantu.orgunits.models import OrgUnit
from lantu.publishing.models import Dataset, DatasetKind


def decimal_text(value: Decimal | float) -> str:
    """An exact, plain decimal string: ``Decimal("39300.000000")`` → ``"39300"``."""
    text = format(Decimal(str(value)).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _in_range(period: str, start: dt.date, end: dt.date) -> bool:
    try:
        parsed = parse_period(period)
    except ValueError:
        return False
    return start <= parsed.start and parsed.end <= end


def _indicator_rows(dataset: Dataset) -> list[dict[str, Any]]:
    start = parse_period(dataset.period_from).start
    end = parse_period(dataset.period_to).end
    indicators = {i.pk: i for i in Indicator.objects.filter(code__in=dataset.indicator_codes)}
    prefix = dataset.spatial.path
    units: dict[int, OrgUnit] = {}
    found: dict[tuple[int, int, str], dict[str, Any]] = {}
    states = (
        ValueState.objects.filter(
            indicator_id__in=indicators, approved__isnull=False, org_unit__path__startswith=prefix
        )
        .select_related("approved", "org_unit")
        .order_by()
    )
    for state in states:
        if not _in_range(state.period, start, end) or state.approved is None:
            continue
        units[state.org_unit_id] = state.org_unit
        found[(state.indicator_id, state.org_unit_id, state.period)] = {
            "value": state.approved.value,
            "origin": "reported",
            "is_demo": state.approved.is_demo,
        }
    aggregates = (
        Aggregate.objects.filter(indicator_id__in=indicators, basis=Basis.APPROVED, org_unit__path__startswith=prefix)
        .select_related("org_unit")
        .order_by()
    )
    for agg in aggregates:
        key = (agg.indicator_id, agg.org_unit_id, agg.period)
        if key in found or not _in_range(agg.period, start, end):
            continue
        units[agg.org_unit_id] = agg.org_unit
        found[key] = {"value": agg.value, "origin": "computed" if agg.computed else "aggregate", "is_demo": agg.is_demo}
    rows = []
    for (indicator_id, unit_id, period), cell in found.items():
        indicator, unit = indicators[indicator_id], units[unit_id]
        rows.append(
            {
                "indicator_code": indicator.code,
                "indicator_name": indicator.name_zh,
                "org_unit_code": unit.code,
                "org_unit_key": unit.key,
                "org_unit_name": unit.name_zh,
                "period": period,
                "value": decimal_text(cell["value"]),
                "unit_of_measure": indicator.unit,
                "approval_status": "approved",
                "origin": cell["origin"],
                "is_demo": bool(cell["is_demo"]),
            }
        )
    rows.sort(key=lambda r: (r["indicator_code"], parse_period(r["period"]).end, r["org_unit_key"]))
    return rows


def _assessment_rows(dataset: Dataset) -> list[dict[str, Any]]:
    assessment = Assessment.objects.filter(code=dataset.assessment_code, status=AssessmentStatus.PUBLISHED).first()
    run = assessment_selectors.current_run(assessment) if assessment else None
    if assessment is None or run is None:
        return []
    rows = []
    for result in assessment_selectors.results(run):
        unit = result.org_unit
        for code, name, value, measure in (
            (f"{assessment.code}:score", f"{assessment.title_zh}·总得分", result.score, "分"),
            (f"{assessment.code}:rank", f"{assessment.title_zh}·排名", result.rank, "位"),
        ):
            if value is None:
                continue
            rows.append(
                {
                    "indicator_code": code,
                    "indicator_name": name,
                    "org_unit_code": result.unit_code,
                    "org_unit_key": unit.key if unit else result.unit_code,
                    "org_unit_name": result.unit_name,
                    "period": str(assessment.year),
                    "value": decimal_text(value),
                    "unit_of_measure": measure,
                    "approval_status": "published",
                    "origin": "assessment",
                    "is_demo": assessment.is_demo,
                }
            )
    return rows


def current_rows(dataset: Dataset) -> list[dict[str, Any]]:
    """The rows the dataset would freeze now (a preview for reviewers; frozen at approval)."""
    if dataset.kind == DatasetKind.ASSESSMENT_RESULT:
        return _assessment_rows(dataset)
    return _indicator_rows(dataset)


def checksum(rows: list[dict[str, Any]]) -> str:
    """SHA-256 of the rows as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
