"""Use cases of the policy system: register policies, move them through their life, track measures."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import Max

from lantu.accounts.permissions import Actor, has_perm
from lantu.accounts.service import (
    Changes,
    InvalidInput,
    NotFound,
    Problem,
    audit,
    require,
    service,
)
from lantu.framework.models import Area, Goal, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.policies.models import MeasureStatus, Policy, PolicyMeasure, PolicyStatus
from lantu.tasks.models import Task

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")

#: The life of a policy. A draft may be abandoned (expired without being issued).
TRANSITIONS: dict[str, set[str]] = {
    PolicyStatus.DRAFTING: {PolicyStatus.ISSUED, PolicyStatus.EXPIRED},
    PolicyStatus.ISSUED: {PolicyStatus.IN_FORCE, PolicyStatus.EXPIRED},
    PolicyStatus.IN_FORCE: {PolicyStatus.EXPIRED},
    PolicyStatus.EXPIRED: set(),
}


@dataclass(frozen=True)
class PolicySpec:
    code: str
    programme_code: str
    title_zh: str
    title_en: str = ""
    issuer: str = ""
    issuer_department: str | None = None
    doc_number: str = ""
    issued_on: dt.date | None = None
    in_force_from: dt.date | None = None
    expires_on: dt.date | None = None
    area_codes: Sequence[str] = ()
    goal_codes: Sequence[str] = ()
    task_codes: Sequence[str] = ()
    url: str = ""
    is_demo: bool = False
    source_text: str = ""


@dataclass(frozen=True)
class MeasureSpec:
    text: str
    departments: Sequence[str] = ()
    org_units: Sequence[str] = ()
    due: dt.date | None = None


def _lookup(
    model: type, codes: Sequence[str], label: str, name: str, **extra: object
) -> tuple[list[object], Problem | None]:
    found = list(model._default_manager.filter(code__in=codes, **extra))  # type: ignore[attr-defined]
    missing = sorted(set(codes) - {o.code for o in found})
    if missing:
        return found, Problem(name, f"{label}不存在：{'、'.join(missing)}", f"unknown {name}: {', '.join(missing)}")
    return found, None


def _check(spec: PolicySpec, existing: Policy | None) -> tuple[Programme, Department | None, dict[str, list[object]]]:
    """Check a policy's definition and look up what it links to; every problem at once."""
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    problems: list[Problem] = []
    if existing is None and (not _CODE.match(spec.code) or Policy.objects.filter(code=spec.code).exists()):
        problems.append(
            Problem("code", f"政策代码“{spec.code}”无效或已存在", f"policy code {spec.code!r} invalid or taken")
        )
    if not spec.title_zh.strip():
        problems.append(Problem("title_zh", "政策标题不能为空", "the title is empty"))
    others = Policy.objects.exclude(pk=existing.pk) if existing else Policy.objects.all()
    if spec.doc_number.strip() and others.filter(doc_number=spec.doc_number.strip()).exists():
        problems.append(Problem("doc_number", f"文号“{spec.doc_number}”已被使用", "document number already used"))
    if spec.in_force_from and spec.expires_on and spec.expires_on < spec.in_force_from:
        problems.append(Problem("expires_on", "失效日期早于施行日期", "expires before it comes into force"))
    if spec.issued_on and spec.in_force_from and spec.in_force_from < spec.issued_on:
        problems.append(Problem("in_force_from", "施行日期早于印发日期", "in force before it is issued"))
    links: dict[str, list[object]] = {}
    for name, model, label, codes, extra in (
        ("areas", Area, "领域", spec.area_codes, {"programme": programme}),
        ("goals", Goal, "目标", spec.goal_codes, {"area__programme": programme}),
        ("tasks", Task, "任务", spec.task_codes, {"programme": programme}),
    ):
        links[name], problem = _lookup(model, codes, label, name, **extra)
        if problem:
            problems.append(problem)
    department = None
    if spec.issuer_department:
        department = Department.objects.filter(code=spec.issuer_department).first()
        if department is None:
            problems.append(Problem("issuer_department", f"部门“{spec.issuer_department}”不存在", "unknown department"))
    if problems:
        raise InvalidInput(problems)
    return programme, department, links


@service("framework.manage")
def create_policy(actor: Actor, spec: PolicySpec) -> Policy:
    """Register a policy (usually while it is drafted); links must exist, nothing partial."""
    programme, department, links = _check(spec, None)
    policy = Policy.objects.create(
        programme=programme,
        code=spec.code,
        title_zh=spec.title_zh.strip(),
        title_en=spec.title_en,
        issuer=spec.issuer,
        issuer_department=department,
        doc_number=spec.doc_number.strip(),
        issued_on=spec.issued_on,
        in_force_from=spec.in_force_from,
        expires_on=spec.expires_on,
        url=spec.url,
        is_demo=spec.is_demo,
        source_text=spec.source_text,
    )
    for name, objects in links.items():
        getattr(policy, name).set(objects)
    audit(actor, "policies.policy.create", policy, after={"code": spec.code, "title_zh": spec.title_zh})
    return policy


@service("framework.manage")
def update_policy(actor: Actor, spec: PolicySpec, reason: str = "") -> Policy:
    """Replace a policy's description and links; its status and dates move only through set_policy_status."""
    policy = _policy(spec.code)
    _, department, links = _check(replace(spec, issued_on=None, in_force_from=None, expires_on=None), policy)
    changes = Changes()
    for name, value in (
        ("title_zh", spec.title_zh.strip()),
        ("title_en", spec.title_en),
        ("issuer", spec.issuer),
        ("issuer_department", department),
        ("url", spec.url),
        ("source_text", spec.source_text),
    ):
        changes.set(policy, name, value)
    if policy.status == PolicyStatus.DRAFTING:  # a 文号 is fixed once the policy is issued
        changes.set(policy, "doc_number", spec.doc_number.strip())
    for name, objects in links.items():
        old = sorted(o.code for o in getattr(policy, name).all())
        new = sorted(getattr(o, "code", "") for o in objects)
        if old != new:
            changes.before[name], changes.after[name] = old, new
            getattr(policy, name).set(objects)
    if changes:
        policy.save()
        audit(actor, "policies.policy.update", policy, before=changes.before, after=changes.after, reason=reason)
    return policy


def _policy(code: str) -> Policy:
    policy = Policy.objects.filter(code=code).first()
    if policy is None:
        raise NotFound("政策", code)
    return policy


@service("framework.manage")
def set_policy_status(
    actor: Actor,
    code: str,
    status: str,
    *,
    doc_number: str | None = None,
    on: dt.date | None = None,
    reason: str = "",
) -> Policy:
    """Move a policy along drafting → issued → in force → expired.

    Issuing needs a document number (文号) and a date; coming into force needs a date on or
    after the issue date; expiring records the date it lapsed.
    """
    policy = _policy(code)
    if status not in PolicyStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    if status not in TRANSITIONS[policy.status]:
        raise InvalidInput.one(
            "status",
            f"不能从“{PolicyStatus(policy.status).label}”改为“{PolicyStatus(status).label}”",
            f"cannot go from {policy.status} to {status}",
        )
    if on is None:
        raise InvalidInput.one("on", "请填写日期", "a date is required")
    changes = Changes()
    changes.set(policy, "status", status)
    if status == PolicyStatus.ISSUED:
        number = (doc_number or policy.doc_number).strip()
        if not number:
            raise InvalidInput.one("doc_number", "印发需要填写文号", "issuing needs a document number")
        if Policy.objects.filter(doc_number=number).exclude(pk=policy.pk).exists():
            raise InvalidInput.one("doc_number", f"文号“{number}”已被使用", "document number already used")
        changes.set(policy, "doc_number", number)
        changes.set(policy, "issued_on", on)
    elif status == PolicyStatus.IN_FORCE:
        if policy.issued_on and on < policy.issued_on:
            raise InvalidInput.one("on", "施行日期早于印发日期", "in force before it was issued")
        changes.set(policy, "in_force_from", on)
    else:
        if policy.in_force_from and on < policy.in_force_from:
            raise InvalidInput.one("on", "失效日期早于施行日期", "expires before it came into force")
        changes.set(policy, "expires_on", on)
    policy.save()
    audit(actor, "policies.policy.status", policy, before=changes.before, after=changes.after, reason=reason)
    return policy


@service("framework.manage")
def add_measure(actor: Actor, policy_code: str, spec: MeasureSpec) -> PolicyMeasure:
    """Add a measure with the departments or units responsible for putting it into effect."""
    policy = _policy(policy_code)
    problems: list[Problem] = []
    if not spec.text.strip():
        problems.append(Problem("text", "措施内容不能为空", "the measure text is empty"))
    if not spec.departments and not spec.org_units:
        problems.append(Problem("departments", "请指定至少一个责任部门或地区", "name at least one responsible unit"))
    departments, problem = _lookup(Department, spec.departments, "责任部门", "departments")
    if problem:
        problems.append(problem)
    units, problem = _lookup(OrgUnit, spec.org_units, "责任地区", "org_units", valid_to__isnull=True)
    if problem:
        problems.append(problem)
    if problems:
        raise InvalidInput(problems)
    order = (policy.measures.aggregate(n=Max("order"))["n"] or 0) + 1
    measure = PolicyMeasure.objects.create(policy=policy, order=order, text=spec.text.strip(), due=spec.due)
    measure.departments.set([d for d in departments if isinstance(d, Department)])
    measure.org_units.set([u for u in units if isinstance(u, OrgUnit)])
    audit(
        actor,
        "policies.measure.create",
        measure,
        after={
            "policy": policy_code,
            "order": order,
            "departments": list(spec.departments),
            "org_units": list(spec.org_units),
        },
    )
    return measure


@service("tasks.report", scoped=True)
def set_measure_status(actor: Actor, measure_id: int, status: str, note: str = "") -> PolicyMeasure:
    """A responsible unit (or the programme office) reports how far a measure has been put into effect."""
    measure = PolicyMeasure.objects.select_related("policy").filter(pk=measure_id).first()
    if measure is None:
        raise NotFound("政策措施", str(measure_id))
    # One of the responsible departments or units, or else a holder for the whole programme.
    all_departments, all_units = list(measure.departments.all()), list(measure.org_units.all())
    departments = [d for d in all_departments if has_perm(actor, "tasks.report", department=d)]
    units = [u for u in all_units if has_perm(actor, "tasks.report", org_unit=u)]
    if departments:
        require(actor, "tasks.report", department=departments[0])
    elif units:
        require(actor, "tasks.report", org_unit=units[0])
    else:
        # A holder for the whole programme passes; a reporter of another unit is told the measure
        # does not exist (404, as for any other unit's record) rather than that it may not act (403).
        require(
            actor,
            "tasks.report",
            org_unit=all_units[0] if all_units else None,
            department=all_departments[0] if all_departments else None,
        )
    if status not in MeasureStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    if status == MeasureStatus.STALLED and not note.strip():
        raise InvalidInput.one("note", "受阻时请说明原因", "say why the measure is stalled")
    if measure.policy.status in (PolicyStatus.DRAFTING, PolicyStatus.EXPIRED) and status != MeasureStatus.NOT_STARTED:
        raise InvalidInput.one("status", "政策尚未印发或已失效，措施不能推进", "the policy is not in effect")
    changes = Changes()
    changes.set(measure, "status", status)
    changes.set(measure, "status_note", note.strip())
    if changes:
        measure.save(update_fields=["status", "status_note"])
        audit(actor, "policies.measure.status", measure, before=changes.before, after=changes.after, reason=note)
    return measure
