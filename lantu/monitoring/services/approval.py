"""Submission and approval, value by value, with compare-and-set transitions.

A series moves draft/returned → submitted → (one approval per level) → approved, or back to
returned with a comment. Each move is an UPDATE guarded by the row's ``revision``: if someone
else moved the row first, the update touches nothing and the whole action is refused, so two
approvers acting at once can never both win or lose an update.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import F, QuerySet

from lantu.accounts.models import Role, RoleAssignment
from lantu.accounts.notifications import notify
from lantu.accounts.permissions import Actor, has_perm, label_of, user_of
from lantu.accounts.service import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
    Problem,
    audit,
    require,
    service,
)
from lantu.monitoring import aggregation
from lantu.monitoring.models import (
    ApprovalAction,
    ApprovalEvent,
    Basis,
    ReportingRound,
    RoundKind,
    ValueState,
    ValueStatus,
)
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import unit_on


@dataclass
class ApprovalResult:
    """What an approval action moved."""

    moved: int = 0
    approved: int = 0
    missing: list[str] = field(default_factory=list)


def _round(code: str) -> ReportingRound:
    rnd = ReportingRound.objects.select_related("programme").filter(code=code).first()
    if rnd is None:
        raise NotFound("填报任务", code)
    return rnd


def _unit(code: str, rnd: ReportingRound) -> OrgUnit:
    from lantu.core.periods import parse_period

    end = parse_period(rnd.period).end
    unit = unit_on(code, end)
    if unit is None:
        raise NotFound("行政区划", code)
    return unit


def _approving_unit(state: ValueState, rnd: ReportingRound | None, level: int) -> OrgUnit | None:
    """Whose approver acts at ``level``: the unit's parent for level 1, its grandparent for 2 …

    Department rounds (and values outside any round) are approved by the programme office,
    which holds an unscoped approval right: None here.
    """
    if rnd is None or rnd.kind == RoundKind.DEPARTMENTS:
        return None
    unit = state.org_unit
    for _ in range(level):
        if unit.parent is None:
            break
        unit = unit.parent
    return unit


def _require_approver(actor: Actor, unit: OrgUnit, approving: OrgUnit | None) -> None:
    """Refuse unless the actor approves at ``approving`` (the unit above ``unit`` at this level).

    Whoever may not see ``unit``'s data is told it does not exist (404); whoever may see it but
    not approve at this level (a reporter, or a city approver at the province's level) is
    refused (403), not told that the unit above is "not found".
    """
    require(actor, "values.read", org_unit=unit)
    if not has_perm(actor, "values.approve", org_unit=approving):
        raise PermissionDeniedError(actor, "values.approve")


def _approved_earlier_level(state: ValueState, actor: Actor) -> bool:
    """Whether ``actor`` approved a lower level of the value's current submission."""
    user = user_of(actor)
    if user is None:
        return False
    last_submit = state.events.filter(action=ApprovalAction.SUBMIT).order_by("-at", "-id").first()
    since = state.events.filter(action=ApprovalAction.APPROVE, actor=user)
    if last_submit is not None:
        since = since.filter(id__gt=last_submit.pk)
    return since.exists()


def _levels(rnd: ReportingRound | None) -> int:
    return rnd.approval_levels if rnd is not None and rnd.kind == RoundKind.UNITS else 1


def _states(rnd: ReportingRound, unit: OrgUnit | None, indicator_codes: Sequence[str] | None) -> QuerySet[ValueState]:
    states = ValueState.objects.filter(round=rnd).select_related("org_unit__parent", "indicator", "current")
    if unit is not None:
        states = states.filter(org_unit=unit)
    if indicator_codes:
        states = states.filter(indicator__code__in=indicator_codes)
    return states.order_by("indicator__code")


def _move(
    actor: Actor, state: ValueState, action: str, to_status: str, level: int, comment: str = "", **extra: object
) -> None:
    """Compare-and-set one state, record the event; raise Conflict if someone moved it first."""
    updated = ValueState.objects.filter(pk=state.pk, revision=state.revision, status=state.status).update(
        status=to_status, levels_done=level, revision=F("revision") + 1, **extra
    )
    if updated != 1:
        raise Conflict(f"{state.indicator.code}/{state.org_unit.code}/{state.period}")
    ApprovalEvent.objects.create(
        state=state,
        value=state.current,
        action=action,
        from_status=state.status,
        to_status=to_status,
        level=level,
        actor=user_of(actor),
        actor_label=label_of(actor),
        comment=comment,
    )


def _approvers_of(unit: OrgUnit | None) -> list[User]:
    roles = RoleAssignment.objects.filter(revoked_at__isnull=True).select_related("user")
    # The programme office approves department rounds; unit rounds go to the unit's approvers.
    roles = roles.filter(role=Role.PROGRAMME_ADMIN) if unit is None else roles.filter(role=Role.APPROVER, org_unit=unit)
    return [r.user for r in roles]


@service("values.report", scoped=True)
def submit_values(
    actor: Actor, round_code: str, org_unit_code: str, *, department_code: str | None = None
) -> ApprovalResult:
    """Submit a unit's (or a department's) values of a round; refuse if the round is incomplete."""
    rnd = _round(round_code)
    unit = _unit(org_unit_code, rnd)
    department = None
    if department_code:
        department = rnd.departments.filter(code=department_code).first()
        if department is None:
            raise NotFound("部门", department_code)
    require(actor, "values.report", org_unit=unit, department=department)
    expected = rnd.indicators.all()
    if department is not None:
        expected = expected.filter(department=department)
    # The round's series wherever they were entered (also before the round opened, or with no
    # round): the entry grid and the template show them, so they are not "missing" here.
    states = list(
        ValueState.objects.filter(period=rnd.period, org_unit=unit, indicator__in=expected)
        .select_related("org_unit__parent", "indicator", "current")
        .order_by("indicator__code")
    )
    have = {s.indicator.code for s in states}
    missing = sorted(set(expected.values_list("code", flat=True)) - have)
    if missing:
        raise InvalidInput(
            [Problem("indicator", f"缺少指标 {code} 的数据", f"no value for {code}") for code in missing]
        )
    movable = [s for s in states if s.status in (ValueStatus.DRAFT, ValueStatus.RETURNED)]
    if not movable:
        raise InvalidInput.one("status", "没有可提交的数据（均已提交或已审核）", "nothing to submit")
    for state in movable:
        _move(
            actor,
            state,
            ApprovalAction.SUBMIT,
            ValueStatus.SUBMITTED,
            0,
            submitted_by=user_of(actor),
            return_comment="",
            round=rnd,  # approved in this round from now on
        )
    audit(actor, "monitoring.values.submit", rnd, after={"org_unit": unit.code, "count": len(movable)})
    notify(
        _approvers_of(_approving_unit(movable[0], rnd, 1)),
        f"待审核：{rnd.title_zh} · {unit.name_zh}（{len(movable)} 项）",
        f"{label_of(actor)} 提交了 {unit.name_zh} 的 {len(movable)} 项数据，请审核。",
        f"/monitoring/rounds/{rnd.code}/approve/{unit.code}/",
    )
    return ApprovalResult(moved=len(movable))


@service("values.approve", scoped=True)
def approve_values(
    actor: Actor,
    round_code: str,
    org_unit_code: str,
    *,
    indicator_codes: Sequence[str] | None = None,
    comment: str = "",
) -> ApprovalResult:
    """Approve a unit's submitted values at the next level (all of them, or the listed ones)."""
    rnd = _round(round_code)
    unit = _unit(org_unit_code, rnd)
    states = [s for s in _states(rnd, unit, indicator_codes) if s.status == ValueStatus.SUBMITTED]
    if not states:
        require(actor, "values.approve", org_unit=unit)
        raise InvalidInput.one("status", "没有待审核的数据", "nothing is waiting for approval")
    levels = _levels(rnd)
    result = ApprovalResult()
    final_cells: list[tuple[str, str, str]] = []
    for state in states:
        level = state.levels_done + 1
        _require_approver(actor, unit, _approving_unit(state, rnd, level))
        if state.submitted_by_id is not None and state.submitted_by_id == getattr(actor, "pk", None):
            raise InvalidInput.one("actor", "不能审核自己提交的数据", "you cannot approve your own submission")
        if level > 1 and _approved_earlier_level(state, actor):
            # Two levels mean two pairs of eyes: whoever approved a lower level may not add the next.
            raise InvalidInput.one("actor", "同一人不能审核同一数据的两个层级", "one person cannot approve two levels")
        final = level >= levels
        _move(
            actor,
            state,
            ApprovalAction.APPROVE,
            ValueStatus.APPROVED if final else ValueStatus.SUBMITTED,
            level,
            comment,
            **({"approved": state.current} if final else {}),
        )
        result.moved += 1
        if final:
            result.approved += 1
            final_cells.append((state.indicator.code, state.org_unit.key, state.period))
    audit(
        actor,
        "monitoring.values.approve",
        rnd,
        after={"org_unit": unit.code, "count": result.moved, "final": result.approved},
        reason=comment,
    )
    if final_cells:
        aggregation.refresh(final_cells, Basis.APPROVED)
        submitters = User.objects.filter(pk__in={s.submitted_by_id for s in states if s.submitted_by_id})
        notify(
            submitters,
            f"已审核通过：{rnd.title_zh} · {unit.name_zh}",
            f"{result.approved} 项数据已审核通过。",
            f"/monitoring/rounds/{rnd.code}/enter/{unit.code}/",
        )
    if result.approved < result.moved:
        notify(
            _approvers_of(_approving_unit(states[0], rnd, states[0].levels_done + 2)),
            f"待审核：{rnd.title_zh} · {unit.name_zh}",
            "下级已审核，请继续审核。",
            f"/monitoring/rounds/{rnd.code}/approve/{unit.code}/",
        )
    return result


@service("values.approve", scoped=True)
def return_value(actor: Actor, round_code: str, org_unit_code: str, indicator_code: str, comment: str) -> ValueState:
    """Send one submitted value back to its reporter with a comment saying why."""
    rnd = _round(round_code)
    unit = _unit(org_unit_code, rnd)
    state = _states(rnd, unit, [indicator_code]).first()
    if state is None:
        raise NotFound("数据值", f"{indicator_code}/{org_unit_code}/{rnd.period}")
    _require_approver(actor, unit, _approving_unit(state, rnd, state.levels_done + 1))
    if not comment.strip():
        raise InvalidInput.one("comment", "退回必须填写意见", "a return needs a comment")
    if state.status != ValueStatus.SUBMITTED:
        raise InvalidInput.one("status", "只能退回待审核的数据", "only submitted values can be returned")
    _move(actor, state, ApprovalAction.RETURN, ValueStatus.RETURNED, 0, comment, return_comment=comment)
    audit(
        actor,
        "monitoring.values.return",
        state,
        after={"indicator": indicator_code, "org_unit": unit.code},
        reason=comment,
    )
    if state.submitted_by is not None:
        notify(
            [state.submitted_by],
            f"数据被退回：{state.indicator.name_zh} · {unit.name_zh}",
            comment,
            f"/monitoring/rounds/{rnd.code}/enter/{unit.code}/",
        )
    state.refresh_from_db()
    return state
