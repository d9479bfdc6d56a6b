"""The data table of an assessment: one row per unit, one column per META indicator, from the sources
the framework names (values, growth, progress to target, task milestones on time, rubric scores).

Read-only; a fixed number of queries per indicator column whatever the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lantu.assessment.framework import Framework, Source
from lantu.assessment.models import Assessment, RubricItem, Subject
from lantu.core.index.model import Table
from lantu.core.problems import InvalidInput
from lantu.framework import selectors as framework_selectors
from lantu.framework.models import Indicator, Target
from lantu.monitoring.mapdata import values_for
from lantu.monitoring.models import Basis
from lantu.orgunits.models import Department, Level, OrgUnit
from lantu.tasks.models import TaskMilestone

PEER_GROUPS = Path(__file__).parent / "data" / "peer_groups.yaml"


@dataclass(frozen=True)
class PeerGroup:
    code: str
    name_zh: str
    name_en: str
    subject: str
    codes: tuple[str, ...]
    names: tuple[str, ...]


def peer_groups() -> dict[str, PeerGroup]:
    """The peer groups of ``data/peer_groups.yaml`` by code."""
    data = yaml.safe_load(PEER_GROUPS.read_text(encoding="utf-8"))
    return {
        g["code"]: PeerGroup(
            g["code"],
            g["name_zh"],
            g["name_en"],
            g["subject"],
            tuple(str(u["code"]) for u in g["units"]),
            tuple(str(u["name"]) for u in g["units"]),
        )
        for g in data["groups"]
    }


@dataclass(frozen=True)
class Unit:
    """A unit being assessed: an org unit or a department."""

    code: str
    name_zh: str
    name_en: str
    org_unit: OrgUnit | None = None
    department: Department | None = None


def units_for(assessment: Assessment) -> list[Unit]:
    """The units an assessment covers: cities or counties valid at the end of the year (or a peer group),
    or the province's departments."""
    end = dt.date(assessment.year, 12, 31)
    if assessment.subject == Subject.DEPARTMENTS:
        return [
            Unit(d.code, str(d), d.name_en, department=d)
            for d in Department.objects.filter(org_unit=assessment.programme.org_unit).order_by("code")
        ]
    level = Level.CITY if assessment.subject == Subject.CITIES else Level.COUNTY
    qs = OrgUnit.objects.valid_on(end).filter(level=level)
    if assessment.programme.org_unit_id is not None:
        qs = qs.filter(path__startswith=assessment.programme.org_unit.path)
    if assessment.peer_group:
        group = peer_groups().get(assessment.peer_group)
        if group is None:
            raise InvalidInput.one(
                "peer_group", f"比较组“{assessment.peer_group}”不存在", f"unknown peer group {assessment.peer_group}"
            )
        qs = qs.filter(code__in=group.codes)
    return [Unit(u.code, u.name_zh, u.name_en, org_unit=u) for u in qs.order_by("code")]


@dataclass
class Assembled:
    """The raw table, where each cell came from, and whether demo data went into it."""

    table: Table
    units: list[Unit]
    sources: dict[str, str]
    is_demo: bool = False
    notes: list[str] = field(default_factory=list)


def _float(value: Decimal | float | None) -> float:
    return float(value) if value is not None else float("nan")


def _indicator_columns(sources: dict[str, Source], units: list[Unit], year: int) -> tuple[dict[str, list[float]], bool]:
    """Columns of value/growth/progress sources; demo flag if any value used is demo data."""
    columns: dict[str, list[float]] = {}
    is_demo = False
    codes = sorted({s.code for s in sources.values() if s.kind in ("value", "growth", "progress")})
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    missing = sorted(set(codes) - set(indicators))
    if missing:
        raise InvalidInput.one(
            "source", f"指标不存在：{'、'.join(missing)}", f"unknown indicators: {', '.join(missing)}"
        )
    org_units = [u.org_unit for u in units if u.org_unit is not None]
    for column, source in sources.items():
        if source.kind not in ("value", "growth", "progress"):
            continue
        indicator = indicators[source.code]
        if not org_units:  # departments have no indicator values of their own
            columns[column] = [float("nan")] * len(units)
            continue
        found = values_for(indicator, org_units, [str(year), str(year - 1)], Basis.APPROVED)
        is_demo = is_demo or any(v.is_demo for v in found.values())
        targets = _thresholds(indicator, org_units, year) if source.kind == "progress" else {}
        values: list[float] = []
        for unit in units:
            assert unit.org_unit is not None
            now = found.get((unit.org_unit.pk, str(year)))
            before = found.get((unit.org_unit.pk, str(year - 1)))
            if source.kind == "value":
                values.append(_float(now.value if now else None))
            elif source.kind == "growth":
                ok = now is not None and before is not None and before.value != 0
                values.append(float((now.value / before.value - 1) * 100) if ok else float("nan"))  # type: ignore[union-attr]
            else:
                values.append(_progress(now.value if now else None, targets.get(unit.org_unit.pk), indicator))
        columns[column] = values
    return columns, is_demo


def _thresholds(indicator: Indicator, units: list[OrgUnit], year: int) -> dict[int, Decimal]:
    """Each unit's target threshold for the indicator: the current target of the nearest year ≥ ``year``
    (else the latest one)."""
    targets = framework_selectors.current(
        Target.objects.filter(indicator=indicator, org_unit__in=units).select_related("org_unit", "indicator")
    )
    baselines = list(indicator.baselines.all())
    chosen: dict[int, Target] = {}
    for t in targets:
        best = chosen.get(t.org_unit_id)
        if best is None or (best.year < year <= t.year) or (t.year >= year and t.year < best.year):
            chosen[t.org_unit_id] = t
    found: dict[int, Decimal] = {}
    for unit_id, target in chosen.items():
        threshold = framework_selectors.resolved_threshold(target, baselines)
        if threshold is not None and threshold > 0:
            found[unit_id] = threshold
    return found


def _progress(value: Decimal | None, threshold: Decimal | None, indicator: Indicator) -> float:
    """Progress to target in per cent (capped at 100): value/threshold, or threshold/value when lower is better."""
    if value is None or threshold is None:
        return float("nan")
    if indicator.direction == "lower":
        ratio = float(threshold / value) if value > 0 else 1.0
    else:
        ratio = float(value / threshold)
    return min(100.0, max(0.0, 100 * ratio))


def task_on_time(units: list[Unit], year: int) -> list[float]:
    """Per unit: the share (%) of milestones due in ``year`` of tasks it leads (it or a unit below it,
    or the department) that were done by their due date; NaN when none fell due. One query."""
    rows = TaskMilestone.objects.filter(due__year=year).values_list(
        "due", "done_on", "task__lead_org_unit__path", "task__lead_department_id"
    )
    due: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    for milestone_due, done_on, path, department_id in rows:
        for unit in units:
            led = (unit.org_unit is not None and path is not None and path.startswith(unit.org_unit.path)) or (
                unit.department is not None and department_id == unit.department.pk
            )
            if led:
                due[unit.code] += 1
                if done_on is not None and done_on <= milestone_due:
                    on_time[unit.code] += 1
    return [100.0 * on_time[u.code] / due[u.code] if due[u.code] else float("nan") for u in units]


def accepted_scores(assessment: Assessment) -> dict[tuple[str, str], list[Decimal]]:
    """(item code, unit code) → the accepted scores, one per evaluator: the evaluator's latest version,
    if that version was part of a submission the programme office accepted."""
    from lantu.assessment.selectors import latest_scores, score_state

    found: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for score in latest_scores(assessment):
        if score_state(score) == "accepted":
            found[(score.item.code, score.unit_code)].append(score.score)
    return found


def assemble(assessment: Assessment, framework: Framework) -> Assembled:
    """The raw data table of the assessment (columns = META indicator codes, in META order)."""
    units = units_for(assessment)
    if not units:
        raise InvalidInput.one("subject", "没有可评估的单位", "there are no units to assess")
    codes = framework.tree.indicators
    columns, is_demo = _indicator_columns(dict(framework.sources), units, assessment.year)
    needs_tasks = [c for c in codes if framework.sources[c].kind == "tasks"]
    if needs_tasks:
        on_time = task_on_time(units, assessment.year)
        for code in needs_tasks:
            columns[code] = on_time
    rubric = {s.code: c for c, s in framework.sources.items() if s.kind == "rubric"}
    if rubric:
        known = set(RubricItem.objects.filter(assessment=assessment).values_list("code", flat=True))
        unknown = sorted(set(rubric) - known)
        if unknown:
            raise InvalidInput.one(
                "source", f"评分项不存在：{'、'.join(unknown)}", f"unknown rubric items: {', '.join(unknown)}"
            )
        scores = accepted_scores(assessment)
        for item, column in rubric.items():
            columns[column] = [
                float(sum(s) / len(s)) if (s := scores.get((item, u.code))) else float("nan") for u in units
            ]
    values = np.array([columns[c] for c in codes], dtype=np.float64).T.reshape(len(units), len(codes))
    table = Table(tuple(u.code for u in units), tuple(codes), values)
    return Assembled(table, units, {c: str(framework.sources[c]) for c in codes}, is_demo)


def as_json(assembled: Assembled) -> dict[str, Any]:
    """The raw table as stored with a run (NaN as null)."""
    return {
        "units": list(assembled.table.units),
        "codes": list(assembled.table.codes),
        "values": [[None if np.isnan(v) else float(v) for v in row] for row in assembled.table.values],
        "sources": assembled.sources,
        "is_demo": assembled.is_demo,
    }
