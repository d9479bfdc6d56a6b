"""Use cases that change org units, departments and work groups."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, NotFound, Problem, audit, service
from lantu.orgunits.models import LEVEL_DEPTH, Department, Kind, Level, OrgUnit, WorkGroup
from lantu.orgunits.selectors import resolve_org_unit

_CODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class OrgUnitSpec:
    """The fields of a new org unit record, as a loader or form provides them."""

    key: str
    code: str
    name_zh: str
    name_en: str
    level: str
    kind: str
    parent_key: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    change_note: str = ""
    source: str = ""
    successor_keys: tuple[str, ...] = field(default=())


def _spec_problems(spec: OrgUnitSpec, parent: OrgUnit | None, row: int | None) -> list[Problem]:
    problems: list[Problem] = []

    def bad(field_name: str, zh: str, en: str) -> None:
        problems.append(Problem(field_name, zh, en, row))

    if not _CODE.match(spec.code):
        bad("code", f"区划代码“{spec.code}”应为6位数字", f"code {spec.code!r} must be six digits")
    if not spec.name_zh.strip():
        bad("name_zh", "名称不能为空", "name_zh is empty")
    if spec.level not in Level.values:
        bad("level", f"未知层级“{spec.level}”", f"unknown level {spec.level!r}")
    if spec.kind not in Kind.values:
        bad("kind", f"未知类型“{spec.kind}”", f"unknown kind {spec.kind!r}")
    if spec.valid_from and spec.valid_to and spec.valid_to < spec.valid_from:
        bad(
            "valid_to",
            f"失效日期 {spec.valid_to} 早于生效日期 {spec.valid_from}",
            f"valid_to {spec.valid_to} is before valid_from {spec.valid_from}",
        )
    if spec.parent_key and parent is None:
        bad("parent_key", f"上级“{spec.parent_key}”不存在", f"parent {spec.parent_key!r} does not exist")
    if parent is not None and spec.level in Level.values:
        if LEVEL_DEPTH[Level(parent.level)] + 1 != LEVEL_DEPTH[Level(spec.level)]:
            bad("level", "层级与上级不衔接", f"level {spec.level} cannot sit under a {parent.level}")
        starts_before = parent.valid_from and (not spec.valid_from or spec.valid_from < parent.valid_from)
        ends_after = parent.valid_to and (not spec.valid_to or spec.valid_to > parent.valid_to)
        if starts_before or ends_after:
            bad("parent_key", "上级在本单位有效期内并非一直有效", "parent is not valid over the whole validity")
    if parent is None and not spec.parent_key and spec.level != Level.PROVINCE:
        bad("parent_key", "非省级单位必须有上级", "only a province may have no parent")
    return problems


def _overlapping(spec: OrgUnitSpec) -> bool:
    """Whether another record with the same code is valid on any day of ``spec``'s span."""
    others = OrgUnit.objects.filter(code=spec.code)
    if spec.valid_to:
        others = others.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=spec.valid_to))
    if spec.valid_from:
        others = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=spec.valid_from))
    return others.exists()


@service("orgunits.manage")
def create_org_unit(actor: Actor, spec: OrgUnitSpec, *, row: int | None = None) -> OrgUnit:
    """Create one org unit record; refuse bad codes, dates, parents and overlaps."""
    parent = OrgUnit.objects.filter(key=spec.parent_key).first() if spec.parent_key else None
    problems = _spec_problems(spec, parent, row)
    if OrgUnit.objects.filter(key=spec.key).exists():
        problems.append(Problem("key", f"标识“{spec.key}”已存在", f"key {spec.key!r} already exists", row))
    elif not problems and _overlapping(spec):
        problems.append(
            Problem(
                "valid_from",
                f"区划代码 {spec.code} 的有效期与已有记录重叠",
                f"code {spec.code} overlaps an existing record in time",
                row,
            )
        )
    if problems:
        raise InvalidInput(problems)
    unit = OrgUnit(
        key=spec.key,
        code=spec.code,
        name_zh=spec.name_zh.strip(),
        name_en=spec.name_en.strip(),
        level=spec.level,
        kind=spec.kind,
        parent=parent,
        path=f"{parent.path if parent else '/'}{spec.key}/",
        valid_from=spec.valid_from,
        valid_to=spec.valid_to,
        change_note=spec.change_note,
        source=spec.source,
    )
    unit.save()
    audit(actor, "orgunits.create", unit, after=_unit_snapshot(unit))
    return unit


@service("orgunits.manage")
def link_successors(actor: Actor, key: str, successor_keys: list[str], *, row: int | None = None) -> OrgUnit:
    """Record which units took over a unit's territory (after both exist)."""
    unit = OrgUnit.objects.filter(key=key).first()
    if unit is None:
        raise NotFound("行政区划", key)
    successors = list(OrgUnit.objects.filter(key__in=successor_keys))
    missing = sorted(set(successor_keys) - {s.key for s in successors})
    if missing:
        raise InvalidInput.one(
            "successors", f"承继单位不存在：{'、'.join(missing)}", f"unknown successors: {', '.join(missing)}", row
        )
    for successor in successors:
        if unit.valid_to is None or (successor.valid_to is not None and successor.valid_to <= unit.valid_to):
            raise InvalidInput.one(
                "successors",
                f"“{successor.key}”不能承继仍有效或更晚失效的“{unit.key}”",
                f"{successor.key} cannot succeed {unit.key}: {unit.key} must end first",
                row,
            )
    before = sorted(unit.successors.values_list("key", flat=True))
    unit.successors.add(*successors)
    audit(
        actor,
        "orgunits.link_successors",
        unit,
        before={"successors": before},
        after={"successors": sorted(unit.successors.values_list("key", flat=True))},
    )
    return unit


@service("orgunits.manage")
def end_org_unit(actor: Actor, key: str, valid_to: dt.date, *, note: str = "", reason: str = "") -> OrgUnit:
    """Close a unit's validity (it was merged, renamed or abolished on ``valid_to`` + 1)."""
    unit = OrgUnit.objects.filter(key=key).first()
    if unit is None:
        raise NotFound("行政区划", key)
    if unit.valid_from and valid_to < unit.valid_from:
        raise InvalidInput.one(
            "valid_to",
            f"失效日期 {valid_to} 早于生效日期 {unit.valid_from}",
            f"valid_to {valid_to} is before valid_from {unit.valid_from}",
        )
    open_children = unit.children.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_to))
    if open_children.exists():
        raise InvalidInput.one("valid_to", "仍有下级单位在该日期后有效", "some child units stay valid after that date")
    before = _unit_snapshot(unit)
    unit.valid_to = valid_to
    if note:
        unit.change_note = note
    unit.save(update_fields=["valid_to", "change_note"])
    audit(actor, "orgunits.end", unit, before=before, after=_unit_snapshot(unit), reason=reason)
    return unit


def _unit_snapshot(unit: OrgUnit) -> dict[str, object]:
    return {
        "key": unit.key,
        "code": unit.code,
        "name_zh": unit.name_zh,
        "level": unit.level,
        "parent": unit.parent.key if unit.parent else None,
        "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
        "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
    }


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name_zh: str
    name_en: str
    org_unit_code: str
    short_name_zh: str = ""
    source: str = ""


@service("orgunits.manage")
def create_department(actor: Actor, spec: DepartmentSpec) -> Department:
    """Create a department attached to an existing org unit."""
    if Department.objects.filter(code=spec.code).exists():
        raise InvalidInput.one("code", f"部门代码“{spec.code}”已存在", f"department {spec.code!r} exists")
    if not spec.name_zh.strip():
        raise InvalidInput.one("name_zh", "部门名称不能为空", "department name is empty")
    try:
        unit = resolve_org_unit(spec.org_unit_code)
    except NotFound as exc:
        raise InvalidInput.one(
            "org_unit", f"未知区划代码“{spec.org_unit_code}”", f"unknown org unit code {spec.org_unit_code!r}"
        ) from exc
    department = Department.objects.create(
        code=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        short_name_zh=spec.short_name_zh,
        org_unit=unit,
        source=spec.source,
    )
    audit(
        actor,
        "orgunits.department.create",
        department,
        after={"code": spec.code, "name_zh": spec.name_zh, "org_unit": unit.code},
    )
    return department


@dataclass(frozen=True)
class WorkGroupSpec:
    code: str
    name_zh: str
    name_en: str
    kind: str
    parent_code: str | None = None
    member_codes: tuple[str, ...] = ()
    source_text: str = ""


@service("orgunits.manage")
def create_work_group(actor: Actor, spec: WorkGroupSpec) -> WorkGroup:
    """Create the leading group or a special working group with its member departments."""
    if WorkGroup.objects.filter(code=spec.code).exists():
        raise InvalidInput.one("code", f"小组代码“{spec.code}”已存在", f"group {spec.code!r} exists")
    parent = None
    if spec.parent_code:
        parent = WorkGroup.objects.filter(code=spec.parent_code).first()
        if parent is None:
            raise InvalidInput.one("parent", f"上级小组“{spec.parent_code}”不存在", "unknown parent group")
    members = list(Department.objects.filter(code__in=spec.member_codes))
    missing = sorted(set(spec.member_codes) - {d.code for d in members})
    if missing:
        raise InvalidInput.one("members", f"部门不存在：{'、'.join(missing)}", f"unknown departments: {missing}")
    group = WorkGroup.objects.create(
        code=spec.code,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        kind=spec.kind,
        parent=parent,
        source_text=spec.source_text,
    )
    group.members.set(members)
    audit(
        actor,
        "orgunits.group.create",
        group,
        after={"code": spec.code, "name_zh": spec.name_zh, "members": sorted(spec.member_codes)},
    )
    return group
