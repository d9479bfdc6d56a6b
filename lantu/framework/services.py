"""Use cases that change a programme's framework: areas, goals, indicators, baselines, targets."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import Changes, InvalidInput, NotFound, Problem, audit, service
from lantu.core import formula as formulas
from lantu.core.errors import LantuValueError
from lantu.core.units import compatible, get_unit
from lantu.framework.models import (
    DEFINITION_FIELDS,
    Aggregation,
    Area,
    AreaKind,
    Baseline,
    Comparator,
    Direction,
    Frequency,
    Goal,
    GoalKind,
    Indicator,
    IndicatorVersion,
    Milestone,
    MilestoneStatus,
    OfficeRole,
    Programme,
    ProgrammeDepartment,
    Target,
)
from lantu.orgunits.models import NEWEST_FIRST, Department, OrgUnit, WorkGroup

_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _programme(code: str) -> Programme:
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise NotFound("规划", code)
    return programme


def _unit_in_year(code: str, year: int, field_name: str) -> OrgUnit:
    """The record of ``code`` valid at some time in ``year`` (the latest such record)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    candidates = [
        u
        for u in OrgUnit.objects.filter(code=code).order_by(*NEWEST_FIRST)
        if (u.valid_from is None or u.valid_from <= end) and (u.valid_to is None or u.valid_to >= start)
    ]
    if candidates:
        return candidates[0]
    if OrgUnit.objects.filter(code=code).exists():
        raise InvalidInput.one(
            field_name, f"区划代码 {code} 在 {year} 年无效", f"org unit {code} is not valid in {year}"
        )
    raise InvalidInput.one(field_name, f"未知区划代码“{code}”", f"unknown org unit code {code!r}")


# ---------------------------------------------------------------- programme


@dataclass(frozen=True)
class ProgrammeSpec:
    code: str
    name_zh: str
    name_en: str
    start_year: int
    end_year: int
    org_unit_code: str
    summary_zh: str = ""
    summary_en: str = ""
    source_title: str = ""
    leading_group_code: str | None = None


@service("framework.manage")
def create_programme(actor: Actor, spec: ProgrammeSpec) -> Programme:
    """Create a programme over an org unit."""
    problems: list[Problem] = []
    if not _CODE.match(spec.code):
        problems.append(Problem("code", "代码只能含字母、数字和下划线", "code must be letters, digits, _"))
    if Programme.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"规划代码“{spec.code}”已存在", f"programme {spec.code!r} exists"))
    if spec.end_year < spec.start_year:
        problems.append(Problem("end_year", "目标年早于起始年", "end_year is before start_year"))
    group = None
    if spec.leading_group_code:
        group = WorkGroup.objects.filter(code=spec.leading_group_code).first()
        if group is None:
            problems.append(Problem("leading_group", "领导小组不存在", "unknown leading group"))
    if problems:
        raise InvalidInput(problems)
    unit = _unit_in_year(spec.org_unit_code, spec.start_year, "org_unit")
    programme = Programme.objects.create(
        code=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        start_year=spec.start_year,
        end_year=spec.end_year,
        summary_zh=spec.summary_zh,
        summary_en=spec.summary_en,
        source_title=spec.source_title,
        org_unit=unit,
        leading_group=group,
    )
    audit(actor, "framework.programme.create", programme, after=asdict(spec))
    return programme


@service("framework.manage")
def add_office_department(
    actor: Actor, programme_code: str, department_code: str, role: str, source_text: str = ""
) -> ProgrammeDepartment:
    """Name a department of the programme office, as lead or cooperating."""
    programme = _programme(programme_code)
    department = Department.objects.filter(code=department_code).first()
    if department is None:
        raise InvalidInput.one(
            "department", f"部门“{department_code}”不存在", f"unknown department {department_code!r}"
        )
    if role not in OfficeRole.values:
        raise InvalidInput.one("role", f"未知职责“{role}”", f"unknown office role {role!r}")
    member = ProgrammeDepartment.objects.create(
        programme=programme, department=department, role=role, source_text=source_text
    )
    audit(actor, "framework.office.add", member, after={"department": department_code, "role": role})
    return member


# ---------------------------------------------------------------- areas


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name_zh: str
    name_en: str
    kind: str = AreaKind.KEY_TASK
    parent_code: str | None = None
    role_zh: str = ""
    role_en: str = ""
    description_zh: str = ""
    source_text: str = ""
    order: int = 0


@service("framework.manage")
def create_area(actor: Actor, programme_code: str, spec: AreaSpec) -> Area:
    """Add an area (a key task or a sub-area) to a programme's tree."""
    programme = _programme(programme_code)
    problems: list[Problem] = []
    if not _CODE.match(spec.code):
        problems.append(Problem("code", "代码只能含字母、数字和下划线", "code must be letters, digits, _"))
    if Area.objects.filter(programme=programme, code=spec.code).exists():
        problems.append(Problem("code", f"领域代码“{spec.code}”已存在", f"area {spec.code!r} exists"))
    if spec.kind not in AreaKind.values:
        problems.append(Problem("kind", f"未知类型“{spec.kind}”", f"unknown area kind {spec.kind!r}"))
    parent = None
    if spec.parent_code:
        parent = Area.objects.filter(programme=programme, code=spec.parent_code).first()
        if parent is None:
            problems.append(Problem("parent", f"上级领域“{spec.parent_code}”不存在", "unknown parent area"))
    if problems:
        raise InvalidInput(problems)
    area = Area.objects.create(
        programme=programme,
        parent=parent,
        code=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        kind=spec.kind,
        role_zh=spec.role_zh,
        role_en=spec.role_en,
        description_zh=spec.description_zh,
        source_text=spec.source_text,
        order=spec.order,
    )
    audit(actor, "framework.area.create", area, after=asdict(spec))
    return area


@service("framework.manage")
def move_area(actor: Actor, programme_code: str, code: str, new_parent_code: str | None, reason: str = "") -> Area:
    """Hang an area under another parent; refuse a move that would make a cycle."""
    programme = _programme(programme_code)
    areas = {a.code: a for a in Area.objects.filter(programme=programme)}
    area = areas.get(code)
    if area is None:
        raise NotFound("领域", code)
    parent = None
    if new_parent_code:
        parent = areas.get(new_parent_code)
        if parent is None:
            raise InvalidInput.one("parent", f"上级领域“{new_parent_code}”不存在", "unknown parent area")
        by_id = {a.pk: a for a in areas.values()}
        walker: Area | None = parent
        while walker is not None:
            if walker.pk == area.pk:
                raise InvalidInput.one(
                    "parent",
                    f"不能把“{code}”移到其下级“{new_parent_code}”之下：领域树会成环",
                    f"moving {code} under {new_parent_code} would make a cycle in the area tree",
                )
            walker = by_id.get(walker.parent_id) if walker.parent_id else None
    changes = Changes()
    changes.set(area, "parent", parent)
    if changes:
        area.save(update_fields=["parent"])
        audit(actor, "framework.area.move", area, before=changes.before, after=changes.after, reason=reason)
    return area


# ---------------------------------------------------------------- goals and milestones


@dataclass(frozen=True)
class GoalSpec:
    code: str
    name_zh: str
    name_en: str
    kind: str
    target_year: int
    source_text: str = ""
    order: int = 0


@service("framework.manage")
def create_goal(actor: Actor, programme_code: str, area_code: str, spec: GoalSpec) -> Goal:
    """Add a goal to an area."""
    programme = _programme(programme_code)
    area = Area.objects.filter(programme=programme, code=area_code).first()
    problems: list[Problem] = []
    if area is None:
        problems.append(Problem("area", f"领域“{area_code}”不存在", f"unknown area {area_code!r}"))
    if not _CODE.match(spec.code):
        problems.append(Problem("code", "代码只能含字母、数字和下划线", "code must be letters, digits, _"))
    if Goal.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"目标代码“{spec.code}”已存在", f"goal {spec.code!r} exists"))
    if spec.kind not in GoalKind.values:
        problems.append(Problem("kind", f"未知类型“{spec.kind}”", f"unknown goal kind {spec.kind!r}"))
    if not programme.start_year <= spec.target_year <= programme.end_year + 20:
        problems.append(Problem("target_year", "目标年不在规划期内", "target year is outside the programme"))
    if problems or area is None:
        raise InvalidInput(problems)
    goal = Goal.objects.create(
        area=area,
        code=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        kind=spec.kind,
        target_year=spec.target_year,
        source_text=spec.source_text,
        order=spec.order,
    )
    audit(actor, "framework.goal.create", goal, after=asdict(spec))
    return goal


@service("framework.manage")
def add_milestone(
    actor: Actor, goal_code: str, name_zh: str, name_en: str, due_date: dt.date, order: int = 0
) -> Milestone:
    """Add a dated milestone to a goal."""
    goal = Goal.objects.filter(code=goal_code).first()
    if goal is None:
        raise InvalidInput.one("goal", f"目标“{goal_code}”不存在", f"unknown goal {goal_code!r}")
    if not name_zh.strip():
        raise InvalidInput.one("name_zh", "里程碑名称不能为空", "milestone name is empty")
    milestone = Milestone.objects.create(goal=goal, name_zh=name_zh, name_en=name_en, due_date=due_date, order=order)
    audit(
        actor,
        "framework.milestone.create",
        milestone,
        after={"goal": goal_code, "name_zh": name_zh, "due_date": due_date.isoformat()},
    )
    return milestone


@service("framework.manage")
def set_milestone_status(actor: Actor, milestone_id: int, status: str, reason: str = "") -> Milestone:
    """Mark a milestone achieved or missed (or planned again)."""
    milestone = Milestone.objects.filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound("里程碑", str(milestone_id))
    if status not in MilestoneStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    changes = Changes()
    changes.set(milestone, "status", status)
    if changes:
        milestone.save(update_fields=["status"])
        audit(actor, "framework.milestone.status", milestone, before=changes.before, after=changes.after, reason=reason)
    return milestone


# ---------------------------------------------------------------- descriptive edits

#: Fields the update_* services below may change; everything else has its own use case.
PROGRAMME_TEXT_FIELDS = ("name_zh", "name_en", "summary_zh", "summary_en", "source_title")
AREA_TEXT_FIELDS = ("name_zh", "name_en", "role_zh", "role_en", "description_zh", "source_text", "order")
GOAL_TEXT_FIELDS = ("name_zh", "name_en", "source_text", "order", "target_year")


def _edit(
    actor: Actor, obj: Any, allowed: tuple[str, ...], changes: Mapping[str, Any], action: str, reason: str
) -> None:
    """Apply plain-text edits (names, descriptions, order) and audit them; refuse other fields."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise InvalidInput.one(
            "changes", f"不能修改的字段：{'、'.join(unknown)}", f"fields not changeable here: {', '.join(unknown)}"
        )
    if "name_zh" in changes and not str(changes["name_zh"]).strip():
        raise InvalidInput.one("name_zh", "名称不能为空", "the name is empty")
    diff = Changes()
    for name, value in changes.items():
        diff.set(obj, name, value)
    if diff:
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save(update_fields=list(diff.after))
        audit(actor, action, obj, before=diff.before, after=diff.after, reason=reason)


@service("framework.manage")
def update_programme(actor: Actor, code: str, changes: Mapping[str, Any], reason: str = "") -> Programme:
    """Edit a programme's names, summary or source title."""
    programme = _programme(code)
    _edit(actor, programme, PROGRAMME_TEXT_FIELDS, changes, "framework.programme.update", reason)
    return programme


@service("framework.manage")
def update_area(actor: Actor, programme_code: str, code: str, changes: Mapping[str, Any], reason: str = "") -> Area:
    """Edit an area's names, role, description, source text or order (moving it: ``move_area``)."""
    area = Area.objects.filter(programme=_programme(programme_code), code=code).first()
    if area is None:
        raise NotFound("领域", code)
    _edit(actor, area, AREA_TEXT_FIELDS, changes, "framework.area.update", reason)
    return area


@service("framework.manage")
def update_goal(actor: Actor, code: str, changes: Mapping[str, Any], reason: str = "") -> Goal:
    """Edit a goal's names, source text, order or target year."""
    goal = Goal.objects.select_related("area__programme").filter(code=code).first()
    if goal is None:
        raise NotFound("目标", code)
    year = changes.get("target_year")
    if year is not None and not goal.area.programme.start_year <= int(year) <= goal.area.programme.end_year + 20:
        raise InvalidInput.one("target_year", "目标年不在规划期内", "target year is outside the programme")
    _edit(actor, goal, GOAL_TEXT_FIELDS, changes, "framework.goal.update", reason)
    return goal


# ---------------------------------------------------------------- indicators


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    goal_code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    aggregation: str
    frequency: str = Frequency.YEAR
    definition_zh: str = ""
    definition_en: str = ""
    weight_indicator: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    formula: str = ""
    department: str | None = None
    source: str = ""
    is_supporting: bool = False
    order: int = 0


def _resolve_definition(
    programme: Programme, code: str, fields: Mapping[str, Any]
) -> tuple[dict[str, Any], list[Problem]]:
    """Check definition fields and turn codes into objects. ``fields`` uses spec names."""
    problems: list[Problem] = []
    resolved: dict[str, Any] = {}

    def bad(name: str, zh: str, en: str) -> None:
        problems.append(Problem(name, zh, en))

    for name in ("name_zh", "name_en", "definition_zh", "definition_en", "source", "is_supporting"):
        if name in fields:
            resolved[name] = fields[name]
    if "name_zh" in fields and not str(fields["name_zh"]).strip():
        bad("name_zh", "指标名称不能为空", "indicator name is empty")
    if "unit" in fields:
        try:
            resolved["unit"] = get_unit(str(fields["unit"])).symbol
        except LantuValueError as exc:
            bad("unit", exc.message_zh, exc.message_en)
    for name, choices in (("direction", Direction), ("aggregation", Aggregation), ("frequency", Frequency)):
        if name in fields:
            if fields[name] not in choices.values:
                bad(name, f"“{fields[name]}”不是有效取值", f"{fields[name]!r} is not a valid {name}")
            resolved[name] = fields[name]
    if "goal_code" in fields:
        goal = Goal.objects.filter(code=fields["goal_code"], area__programme=programme).first()
        if goal is None:
            bad("goal", f"目标“{fields['goal_code']}”不存在", f"unknown goal {fields['goal_code']!r}")
        resolved["goal"] = goal
    if "department" in fields:
        department = None
        if fields["department"]:
            department = Department.objects.filter(code=fields["department"]).first()
            if department is None:
                bad("department", f"部门“{fields['department']}”不存在", f"unknown department {fields['department']!r}")
        resolved["department"] = department
    for name in ("weight_indicator", "numerator", "denominator"):
        if name in fields:
            other = None
            ref = fields[name]
            if ref:
                if ref == code:
                    bad(name, "指标不能引用自身", "an indicator cannot refer to itself")
                other = Indicator.objects.filter(programme=programme, code=ref).first()
                if other is None and ref != code:
                    bad(name, f"引用的指标“{ref}”不存在", f"referenced indicator {ref!r} does not exist")
            resolved[name] = other
    if "formula" in fields:
        text = str(fields["formula"] or "").strip()
        resolved["formula"] = text
        if text:
            problems.extend(_formula_problems(programme, code, text))
    return resolved, problems


def _formula_problems(programme: Programme, code: str, text: str) -> list[Problem]:
    try:
        parsed = formulas.parse(text)
        known = set(Indicator.objects.filter(programme=programme).values_list("code", flat=True))
        formulas.check_references(parsed, own_code=code, known_codes=known)
        others = {
            c: formulas.parse(f)
            for c, f in Indicator.objects.filter(programme=programme)
            .exclude(formula="")
            .exclude(code=code)
            .values_list("code", "formula")
        }
        formulas.evaluation_order({**others, code: parsed})
    except LantuValueError as exc:
        return [Problem("formula", exc.message_zh, exc.message_en)]
    return []


def _aggregation_problems(values: Mapping[str, Any]) -> list[Problem]:
    aggregation = values.get("aggregation")
    problems = []
    if aggregation == Aggregation.WEIGHTED_MEAN and values.get("weight_indicator") is None:
        problems.append(
            Problem("weight_indicator", "加权平均需要指定权重指标", "weighted mean needs a weight indicator")
        )
    if aggregation == Aggregation.RATIO_OF_SUMS and (
        values.get("numerator") is None or values.get("denominator") is None
    ):
        problems.append(
            Problem("numerator", "分子分母汇总需要指定分子和分母指标", "ratio of sums needs numerator and denominator")
        )
    return problems


def _snapshot(indicator: Indicator) -> dict[str, Any]:
    snap: dict[str, Any] = {}
    for name in DEFINITION_FIELDS:
        value = getattr(indicator, name)
        if name in ("weight_indicator", "numerator", "denominator") or name in ("department", "goal"):
            snap[name] = value.code if value else None
        else:
            snap[name] = value
    return snap


def _write_version(actor: Actor, indicator: Indicator, reason: str) -> IndicatorVersion:
    return IndicatorVersion.objects.create(
        indicator=indicator,
        version=indicator.version,
        definition=_snapshot(indicator),
        created_by=user_of(actor),
        actor_label=label_of(actor),
        reason=reason,
    )


@service("framework.manage")
def create_indicator(actor: Actor, programme_code: str, spec: IndicatorSpec, reason: str = "") -> Indicator:
    """Define a new indicator (version 1)."""
    programme = _programme(programme_code)
    fields = asdict(spec)
    problems: list[Problem] = []
    if not _CODE.match(spec.code):
        problems.append(
            Problem("code", "代码只能含字母、数字和下划线，且不能以数字开头", "code must match [A-Za-z_][A-Za-z0-9_]*")
        )
    if Indicator.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"指标代码“{spec.code}”已存在", f"indicator {spec.code!r} exists"))
    resolved, more = _resolve_definition(programme, spec.code, fields)
    problems.extend(more)
    problems.extend(_aggregation_problems(resolved))
    if problems:
        raise InvalidInput(problems)
    indicator = Indicator.objects.create(programme=programme, code=spec.code, order=spec.order, version=1, **resolved)
    _write_version(actor, indicator, reason)
    audit(actor, "framework.indicator.create", indicator, after=_snapshot(indicator), reason=reason)
    return indicator


@service("framework.manage")
def update_indicator(actor: Actor, code: str, changes: Mapping[str, Any], reason: str) -> Indicator:
    """Change an indicator's definition: a new version; the old one is kept with who/when/why."""
    indicator = Indicator.objects.select_related("programme").filter(code=code).first()
    if indicator is None:
        raise NotFound("指标", code)
    allowed = {f for f in DEFINITION_FIELDS if f != "goal"} | {"goal_code"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput.one("changes", f"不能修改的字段：{'、'.join(unknown)}", f"fields not changeable: {unknown}")
    if not reason.strip():
        raise InvalidInput.one("reason", "修改指标定义必须说明原因", "a reason is required to change a definition")
    resolved, problems = _resolve_definition(indicator.programme, code, changes)
    merged = {name: getattr(indicator, name) for name in DEFINITION_FIELDS} | resolved
    problems.extend(_aggregation_problems(merged))
    if problems:
        raise InvalidInput(problems)
    before = _snapshot(indicator)
    diff = Changes()
    for name, value in resolved.items():
        diff.set(indicator, name, value)
    if not diff:
        return indicator
    indicator.version += 1
    indicator.save()
    _write_version(actor, indicator, reason)
    audit(actor, "framework.indicator.update", indicator, before=before, after=_snapshot(indicator), reason=reason)
    return indicator


# ---------------------------------------------------------------- baselines and targets


def _indicator(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise InvalidInput.one("indicator", f"未知指标代码“{code}”", f"unknown indicator code {code!r}")
    return indicator


def _check_unit(indicator: Indicator, unit: str) -> str:
    try:
        symbol = get_unit(unit).symbol
    except LantuValueError as exc:
        raise InvalidInput.one("unit", exc.message_zh, exc.message_en) from exc
    if not compatible(symbol, indicator.unit):
        raise InvalidInput.one(
            "unit",
            f"单位“{symbol}”与指标单位“{indicator.unit}”量纲不同",
            f"unit {symbol} is not convertible to the indicator's unit {indicator.unit}",
        )
    return symbol


@service("framework.manage")
def set_baseline(
    actor: Actor,
    indicator_code: str,
    org_unit_code: str,
    year: int | None,
    value: Decimal,
    unit: str,
    *,
    source: str = "",
    reason: str = "",
) -> Baseline:
    """Record a baseline (a new version if one exists for that unit and year)."""
    indicator = _indicator(indicator_code)
    if year is None:
        raise InvalidInput.one("year", "基期值必须有年份", "a baseline needs a year")
    org_unit = _unit_in_year(org_unit_code, year, "org_unit")
    symbol = _check_unit(indicator, unit)
    previous = Baseline.objects.filter(indicator=indicator, org_unit=org_unit, year=year).aggregate(v=Max("version"))[
        "v"
    ]
    baseline = Baseline.objects.create(
        indicator=indicator,
        org_unit=org_unit,
        year=year,
        value=value,
        unit=symbol,
        source=source,
        version=(previous or 0) + 1,
        created_by=user_of(actor),
        actor_label=label_of(actor),
        reason=reason,
    )
    audit(
        actor,
        "framework.baseline.set",
        baseline,
        after={
            "indicator": indicator_code,
            "org_unit": org_unit.code,
            "year": year,
            "value": str(value),
            "unit": symbol,
            "version": baseline.version,
        },
        reason=reason,
    )
    return baseline


@dataclass(frozen=True)
class TargetSpec:
    indicator_code: str
    org_unit_code: str
    year: int | None
    comparator: str
    value: Decimal | None = None
    unit: str = ""
    baseline_multiple: Decimal | None = None
    baseline_year: int | None = None
    source_text: str = ""


@service("framework.manage")
def set_target(actor: Actor, spec: TargetSpec, reason: str = "") -> Target:
    """Record a target; an existing target for that unit and year gets a new version."""
    indicator = _indicator(spec.indicator_code)
    problems: list[Problem] = []
    if spec.year is None:
        problems.append(Problem("year", "目标必须有年份", "a target needs a year"))
    if spec.comparator not in Comparator.values:
        problems.append(
            Problem(
                "comparator",
                f"比较符“{spec.comparator}”无效，应为 >= > <= < =",
                f"invalid comparator {spec.comparator!r}",
            )
        )
    if spec.value is None and spec.baseline_multiple is None:
        problems.append(Problem("value", "目标需要目标值或基期倍数", "a target needs a value or a baseline multiple"))
    if spec.baseline_multiple is not None:
        if spec.baseline_year is None:
            problems.append(Problem("baseline_year", "基期倍数需要基期年", "a baseline multiple needs a baseline year"))
        elif spec.year is not None and spec.baseline_year >= spec.year:
            problems.append(
                Problem("baseline_year", "基期年应早于目标年", "baseline year must be before the target year")
            )
        if spec.baseline_multiple <= 0:
            problems.append(Problem("baseline_multiple", "基期倍数必须大于0", "baseline multiple must be positive"))
    if problems:
        raise InvalidInput(problems)
    assert spec.year is not None
    org_unit = _unit_in_year(spec.org_unit_code, spec.year, "org_unit")
    symbol = _check_unit(indicator, spec.unit or indicator.unit) if spec.value is not None else ""
    previous = Target.objects.filter(indicator=indicator, org_unit=org_unit, year=spec.year).aggregate(
        v=Max("version")
    )["v"]
    target = Target.objects.create(
        indicator=indicator,
        org_unit=org_unit,
        year=spec.year,
        comparator=spec.comparator,
        value=spec.value,
        unit=symbol,
        baseline_multiple=spec.baseline_multiple,
        baseline_year=spec.baseline_year,
        source_text=spec.source_text,
        version=(previous or 0) + 1,
        created_by=user_of(actor),
        actor_label=label_of(actor),
        reason=reason,
    )
    audit(actor, "framework.target.set", target, after=_target_snapshot(target), reason=reason)
    return target


@service("framework.manage")
def withdraw_target(actor: Actor, indicator_code: str, org_unit_code: str, year: int, reason: str) -> Target:
    """Withdraw a target: a new version marked withdrawn, so history still shows the old one."""
    indicator = _indicator(indicator_code)
    org_unit = _unit_in_year(org_unit_code, year, "org_unit")
    current = Target.objects.filter(indicator=indicator, org_unit=org_unit, year=year).order_by("-version").first()
    if current is None or current.withdrawn:
        raise NotFound("目标值", f"{indicator_code}/{org_unit_code}/{year}")
    if not reason.strip():
        raise InvalidInput.one("reason", "撤销目标必须说明原因", "a reason is required to withdraw a target")
    target = Target.objects.create(
        indicator=indicator,
        org_unit=org_unit,
        year=year,
        comparator=current.comparator,
        value=None,
        unit="",
        withdrawn=True,
        version=current.version + 1,
        created_by=user_of(actor),
        actor_label=label_of(actor),
        reason=reason,
    )
    audit(actor, "framework.target.withdraw", target, before=_target_snapshot(current), after=None, reason=reason)
    return target


def _target_snapshot(target: Target) -> dict[str, Any]:
    return {
        "indicator": target.indicator.code,
        "org_unit": target.org_unit.code,
        "year": target.year,
        "comparator": target.comparator,
        "value": None if target.value is None else str(target.value),
        "unit": target.unit,
        "baseline_multiple": None if target.baseline_multiple is None else str(target.baseline_multiple),
        "baseline_year": target.baseline_year,
        "version": target.version,
    }
