"""Load a programme from its YAML data file through the framework services.

The file is checked against strict schemas first (a typo in a field name is an error, not a
silently ignored key), then every part is created by the same service functions the admin,
the API and the CLI use, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lantu.accounts.permissions import Actor
from lantu.accounts.service import service
from lantu.core.yamlfile import parse_yaml
from lantu.framework import services as fw
from lantu.orgunits import services as ou

DEFAULT_PROGRAMME = Path(__file__).parent / "data" / "digital_zhejiang.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TargetIn(_Strict):
    org_unit: str
    year: int
    comparator: Literal[">=", ">", "<=", "<", "="]
    value: Decimal | None = None
    unit: str = ""
    baseline_multiple: Decimal | None = None
    baseline_year: int | None = None
    source_text: str = ""


class BaselineIn(_Strict):
    org_unit: str
    year: int
    value: Decimal
    unit: str
    source: str


class IndicatorIn(_Strict):
    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    aggregation: str
    frequency: str = "year"
    definition_zh: str = ""
    definition_en: str = ""
    weight_indicator: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    formula: str = ""
    department: str | None = None
    source: str = ""
    supporting: bool = False
    baselines: list[BaselineIn] = Field(default_factory=list)
    targets: list[TargetIn] = Field(default_factory=list)


class MilestoneIn(_Strict):
    name_zh: str
    name_en: str
    due: dt.date


class GoalIn(_Strict):
    code: str
    kind: Literal["quantitative", "qualitative"]
    name_zh: str
    name_en: str
    target_year: int | None = None
    source_text: str = ""
    indicators: list[IndicatorIn] = Field(default_factory=list)
    milestones: list[MilestoneIn] = Field(default_factory=list)


class AreaIn(_Strict):
    code: str
    name_zh: str
    name_en: str
    role_zh: str = ""
    role_en: str = ""
    description_zh: str = ""
    source_text: str = ""
    children: list[AreaIn] = Field(default_factory=list)
    goals: list[GoalIn] = Field(default_factory=list)


class DepartmentIn(_Strict):
    code: str
    name_zh: str
    name_en: str
    org_unit: str
    short_name_zh: str = ""
    source: str = ""


class GroupIn(_Strict):
    code: str
    kind: Literal["leading", "special"]
    name_zh: str
    name_en: str
    parent: str | None = None
    members: list[str] = Field(default_factory=list)
    source_text: str = ""


class OfficeIn(_Strict):
    department: str
    role: Literal["lead", "cooperating"]
    source_text: str = ""


class ProgrammeHeaderIn(_Strict):
    code: str
    name_zh: str
    name_en: str
    start_year: int
    end_year: int
    org_unit: str
    source_title: str = ""
    summary_zh: str = ""
    summary_en: str = ""
    leading_group: str | None = None


class ProgrammeFile(_Strict):
    programme: ProgrammeHeaderIn
    departments: list[DepartmentIn] = Field(default_factory=list)
    groups: list[GroupIn] = Field(default_factory=list)
    office: list[OfficeIn] = Field(default_factory=list)
    areas: list[AreaIn]


def parse_programme_file(text: str) -> ProgrammeFile:
    """Parse and check the YAML; problems name the path inside the file (e.g. areas.0.code)."""
    return parse_yaml(ProgrammeFile, text)


def step_count(data: ProgrammeFile) -> int:
    """How many progress steps :func:`load_programme` reports: one per area and per indicator."""
    areas = list(_walk(data.areas))
    return len(areas) + sum(len(goal.indicators) for area, _ in areas for goal in area.goals)


def _walk(areas: list[AreaIn], parent: str | None = None) -> Iterator[tuple[AreaIn, str | None]]:
    for area in areas:
        yield area, parent
        yield from _walk(area.children, area.code)


@service("framework.manage")
def load_programme(
    actor: Actor, path: Path = DEFAULT_PROGRAMME, *, progress: Callable[[int], None] | None = None
) -> str:
    """Create the departments, groups and the programme in ``path``; return its code."""
    data = parse_programme_file(path.read_text(encoding="utf-8"))
    tick = progress or (lambda _n: None)
    for d in data.departments:
        ou.create_department(
            actor, ou.DepartmentSpec(d.code, d.name_zh, d.name_en, d.org_unit, d.short_name_zh, d.source)
        )
    for g in data.groups:
        ou.create_work_group(
            actor, ou.WorkGroupSpec(g.code, g.name_zh, g.name_en, g.kind, g.parent, tuple(g.members), g.source_text)
        )
    p = data.programme
    fw.create_programme(
        actor,
        fw.ProgrammeSpec(
            p.code,
            p.name_zh,
            p.name_en,
            p.start_year,
            p.end_year,
            p.org_unit,
            p.summary_zh,
            p.summary_en,
            p.source_title,
            p.leading_group,
        ),
    )
    for member in data.office:
        fw.add_office_department(actor, p.code, member.department, member.role, member.source_text)
    indicators: list[tuple[GoalIn, IndicatorIn, int]] = []
    order = 0
    for position, (area, parent) in enumerate(_walk(data.areas)):
        fw.create_area(
            actor,
            p.code,
            fw.AreaSpec(
                area.code,
                area.name_zh,
                area.name_en,
                "sub_area" if parent else "key_task",
                parent,
                area.role_zh,
                area.role_en,
                area.description_zh,
                area.source_text,
                position,
            ),
        )
        for g_order, goal in enumerate(area.goals):
            fw.create_goal(
                actor,
                p.code,
                area.code,
                fw.GoalSpec(
                    goal.code,
                    goal.name_zh,
                    goal.name_en,
                    goal.kind,
                    goal.target_year or p.end_year,
                    goal.source_text,
                    g_order,
                ),
            )
            for m_order, m in enumerate(goal.milestones):
                fw.add_milestone(actor, goal.code, m.name_zh, m.name_en, m.due, m_order)
            for ind in goal.indicators:
                order += 1
                indicators.append((goal, ind, order))
        tick(1)
    # Indicators refer to each other (weights, numerators, formulas): create the plain ones
    # first, then those that refer, so every reference already exists when it is checked.
    for goal, ind, position in sorted(indicators, key=lambda t: _refers(t[1])):
        fw.create_indicator(
            actor,
            p.code,
            fw.IndicatorSpec(
                code=ind.code,
                goal_code=goal.code,
                name_zh=ind.name_zh,
                name_en=ind.name_en,
                unit=ind.unit,
                direction=ind.direction,
                aggregation=ind.aggregation,
                frequency=ind.frequency,
                definition_zh=ind.definition_zh,
                definition_en=ind.definition_en,
                weight_indicator=ind.weight_indicator,
                numerator=ind.numerator,
                denominator=ind.denominator,
                formula=ind.formula,
                department=ind.department,
                source=ind.source,
                is_supporting=ind.supporting,
                order=position,
            ),
            reason="载入默认规划 (default programme)",
        )
        for b in ind.baselines:
            fw.set_baseline(actor, ind.code, b.org_unit, b.year, b.value, b.unit, source=b.source)
        for t in ind.targets:
            fw.set_target(
                actor,
                fw.TargetSpec(
                    ind.code,
                    t.org_unit,
                    t.year,
                    t.comparator,
                    t.value,
                    t.unit,
                    t.baseline_multiple,
                    t.baseline_year,
                    t.source_text,
                ),
            )
        tick(1)
    return p.code


def _refers(ind: IndicatorIn) -> bool:
    return bool(ind.formula or ind.weight_indicator or ind.numerator or ind.denominator)
