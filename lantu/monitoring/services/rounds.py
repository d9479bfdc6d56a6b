"""Reporting rounds and validation rules: set up by the programme office."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lantu.accounts.models import Role, RoleAssignment
from lantu.accounts.notifications import notify
from lantu.accounts.permissions import Actor
from lantu.accounts.service import Changes, InvalidInput, NotFound, Problem, audit, service
from lantu.core import formula as formulas
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.framework.models import Indicator, Programme
from lantu.monitoring.models import (
    ReportingRound,
    RoundKind,
    RoundStatus,
    RuleKind,
    Severity,
    ValidationRule,
    ValueState,
    ValueStatus,
)
from lantu.orgunits.models import Department, OrgUnit
from lantu.orgunits.selectors import unit_on

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class RoundSpec:
    code: str
    programme_code: str
    title_zh: str
    period: str
    opens_on: dt.date
    deadline: dt.date
    indicator_codes: Sequence[str]
    org_unit_codes: Sequence[str] = ()
    department_codes: Sequence[str] = ()
    kind: str = RoundKind.UNITS
    approval_levels: int = 1
    reminder_days: str = "7,3,1"
    title_en: str = ""


@service("framework.manage")
def create_round(actor: Actor, spec: RoundSpec) -> ReportingRound:
    """Set up a reporting round (closed until opened)."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        problems.append(Problem("programme", f"规划“{spec.programme_code}”不存在", "unknown programme"))
    if not _CODE.match(spec.code) or ReportingRound.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"代码“{spec.code}”无效或已存在", f"code {spec.code!r} is invalid or taken"))
    try:
        period = parse_period(spec.period)
    except LantuValueError as exc:
        problems.append(Problem("period", exc.message_zh, exc.message_en))
        period = None
    if spec.deadline < spec.opens_on:
        problems.append(Problem("deadline", "截止日期早于开始日期", "deadline is before the opening date"))
    if spec.kind not in RoundKind.values:
        problems.append(Problem("kind", f"未知填报方式“{spec.kind}”", f"unknown round kind {spec.kind!r}"))
    if not 1 <= spec.approval_levels <= 3:
        problems.append(Problem("approval_levels", "审核层级数应为1到3", "approval levels must be 1 to 3"))
    if not re.fullmatch(r"\d+(,\d+)*", spec.reminder_days.replace(" ", "")):
        problems.append(Problem("reminder_days", "提醒天数应为逗号分隔的整数", "reminder days: integers with commas"))
    indicators = list(Indicator.objects.filter(code__in=spec.indicator_codes, programme=programme))
    missing = sorted(set(spec.indicator_codes) - {i.code for i in indicators})
    if missing:
        problems.append(Problem("indicators", f"未知指标：{'、'.join(missing)}", f"unknown indicators: {missing}"))
    if not spec.indicator_codes:
        problems.append(Problem("indicators", "至少需要一个指标", "a round needs at least one indicator"))
    if period is not None:
        wrong = sorted(i.code for i in indicators if i.frequency != period.kind)
        if wrong:
            problems.append(
                Problem(
                    "period", f"指标频度与报告期不符：{'、'.join(wrong)}", f"frequency differs from period: {wrong}"
                )
            )
    units: list[OrgUnit] = []
    if period is not None:
        for code in spec.org_unit_codes:
            unit = unit_on(code, period.end)
            if unit is None:
                problems.append(
                    Problem("org_units", f"区划 {code} 在报告期末无效或不存在", f"org unit {code} not valid")
                )
            else:
                units.append(unit)
    departments = list(Department.objects.filter(code__in=spec.department_codes))
    if len(departments) != len(set(spec.department_codes)):
        problems.append(Problem("departments", "有未知部门", "unknown department in the list"))
    if spec.kind == RoundKind.UNITS and not units and not problems:
        problems.append(Problem("org_units", "按行政区划填报需要填报单位", "a units round needs org units"))
    if spec.kind == RoundKind.DEPARTMENTS and not departments and not problems:
        problems.append(Problem("departments", "按部门填报需要填报部门", "a departments round needs departments"))
    if problems or programme is None:
        raise InvalidInput(problems)
    rnd = ReportingRound.objects.create(
        programme=programme,
        code=spec.code,
        title_zh=spec.title_zh,
        title_en=spec.title_en,
        kind=spec.kind,
        period=str(period),
        opens_on=spec.opens_on,
        deadline=spec.deadline,
        reminder_days=spec.reminder_days,
        approval_levels=spec.approval_levels,
    )
    rnd.indicators.set(indicators)
    rnd.org_units.set(units)
    rnd.departments.set(departments)
    audit(
        actor,
        "monitoring.round.create",
        rnd,
        after={
            "code": spec.code,
            "period": str(period),
            "indicators": sorted(spec.indicator_codes),
            "org_units": sorted(spec.org_unit_codes),
            "departments": sorted(spec.department_codes),
            "approval_levels": spec.approval_levels,
        },
    )
    return rnd


@service("framework.manage")
def set_round_status(actor: Actor, code: str, status: str, reason: str = "") -> ReportingRound:
    """Open or close a round (a closed round can be reopened)."""
    rnd = ReportingRound.objects.filter(code=code).first()
    if rnd is None:
        raise NotFound("填报任务", code)
    if status not in RoundStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    changes = Changes()
    changes.set(rnd, "status", status)
    if changes:
        rnd.save(update_fields=["status"])
        audit(actor, "monitoring.round.status", rnd, before=changes.before, after=changes.after, reason=reason)
    return rnd


@dataclass(frozen=True)
class RuleSpec:
    code: str
    programme_code: str
    kind: str
    message_zh: str
    message_en: str = ""
    severity: str = Severity.ERROR
    indicator_code: str | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    left: str = ""
    comparator: str = ""
    right: str = ""
    max_change_pct: Decimal | None = None


@service("framework.manage")
def create_rule(actor: Actor, spec: RuleSpec) -> ValidationRule:
    """Add a validation rule; expressions may only name indicators of the programme."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    if ValidationRule.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"规则代码“{spec.code}”已存在", f"rule {spec.code!r} exists"))
    if spec.kind not in RuleKind.values:
        problems.append(Problem("kind", f"未知规则类型“{spec.kind}”", f"unknown rule kind {spec.kind!r}"))
    if spec.severity not in Severity.values:
        problems.append(Problem("severity", "严重程度应为 error 或 warning", "severity is error or warning"))
    if not spec.message_zh.strip():
        problems.append(Problem("message_zh", "提示不能为空", "message is empty"))
    indicator = None
    if spec.kind in (RuleKind.RANGE, RuleKind.YOY):
        indicator = Indicator.objects.filter(code=spec.indicator_code or "", programme=programme).first()
        if indicator is None:
            problems.append(Problem("indicator", f"未知指标“{spec.indicator_code}”", "unknown indicator"))
    if spec.kind == RuleKind.RANGE and spec.minimum is None and spec.maximum is None:
        problems.append(Problem("minimum", "范围规则需要最小值或最大值", "a range needs a minimum or a maximum"))
    both = spec.minimum is not None and spec.maximum is not None
    if spec.kind == RuleKind.RANGE and both and spec.maximum < spec.minimum:  # type: ignore[operator]
        problems.append(Problem("maximum", "最大值小于最小值", "maximum is below minimum"))
    if spec.kind == RuleKind.YOY and (spec.max_change_pct is None or spec.max_change_pct <= 0):
        problems.append(Problem("max_change_pct", "同比规则需要正的最大变化百分比", "YoY rule needs a positive limit"))
    if spec.kind == RuleKind.EXPRESSION:
        if spec.comparator not in (">=", ">", "<=", "<", "="):
            problems.append(Problem("comparator", "比较符应为 >= > <= < =", "comparator must be >= > <= < ="))
        known = set(Indicator.objects.filter(programme=programme).values_list("code", flat=True))
        for side, text in (("left", spec.left), ("right", spec.right)):
            try:
                parsed = formulas.parse(text)
                formulas.check_references(parsed, own_code="", known_codes=known)
            except LantuValueError as exc:
                problems.append(Problem(side, exc.message_zh, exc.message_en))
    if problems:
        raise InvalidInput(problems)
    rule = ValidationRule.objects.create(
        programme=programme,
        code=spec.code,
        kind=spec.kind,
        severity=spec.severity,
        indicator=indicator,
        minimum=spec.minimum,
        maximum=spec.maximum,
        left=spec.left,
        comparator=spec.comparator,
        right=spec.right,
        max_change_pct=spec.max_change_pct,
        message_zh=spec.message_zh,
        message_en=spec.message_en,
    )
    audit(actor, "monitoring.rule.create", rule, after={"code": spec.code, "kind": spec.kind})
    return rule


@dataclass
class ReminderResult:
    """Who was reminded of what."""

    reminded_units: list[str]
    days_left: int | None


@service("framework.manage")
def send_reminders(actor: Actor, round_code: str, today: dt.date) -> ReminderResult:
    """Remind reporters whose values are not all submitted, on the round's reminder days.

    Run daily (``lantu remind``): on a day N days before the deadline, with N in the round's
    reminder days, and on every day after the deadline, each unit still missing or holding
    unsubmitted values is told, with what is missing.
    """
    rnd = ReportingRound.objects.filter(code=round_code).first()
    if rnd is None:
        raise NotFound("填报任务", round_code)
    days_left = (rnd.deadline - today).days
    days = {int(d) for d in rnd.reminder_days.replace(" ", "").split(",") if d}
    if rnd.status != RoundStatus.OPEN or (days_left >= 0 and days_left not in days):
        return ReminderResult([], days_left)
    expected = set(rnd.indicators.values_list("pk", flat=True))
    done: dict[int, set[int]] = {}
    for unit_id, indicator_id in ValueState.objects.filter(
        round=rnd, status__in=[ValueStatus.SUBMITTED, ValueStatus.APPROVED]
    ).values_list("org_unit_id", "indicator_id"):
        done.setdefault(unit_id, set()).add(indicator_id)
    reminded: list[str] = []
    for unit in rnd.org_units.all():
        missing = len(expected - done.get(unit.pk, set()))
        if not missing:
            continue
        reporters = [
            a.user
            for a in RoleAssignment.objects.filter(
                role=Role.UNIT_REPORTER, org_unit=unit, revoked_at__isnull=True
            ).select_related("user")
        ]
        when = f"距截止还有 {days_left} 天" if days_left >= 0 else f"已逾期 {-days_left} 天"
        notify(
            reporters,
            f"填报提醒：{rnd.title_zh}（{when}）",
            f"{unit.name_zh} 还有 {missing} 项数据未提交。截止日期 {rnd.deadline:%Y-%m-%d}。",
            f"/monitoring/rounds/{rnd.code}/enter/{unit.code}/",
        )
        reminded.append(unit.code)
    if reminded:
        audit(actor, "monitoring.round.remind", rnd, after={"units": reminded, "days_left": days_left})
    return ReminderResult(reminded, days_left)
