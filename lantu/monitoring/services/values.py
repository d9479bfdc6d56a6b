"""Recording data values: one service behind the grid, Excel, CSV, the JSON API and pipelines.

A batch is checked as a whole (codes, periods, units, duplicates, scope, round, validation
rules) and written as new versions only if nothing is wrong; otherwise every problem is listed
by row and nothing is written. Re-entering the value a series already has writes nothing, so a
re-run import or pipeline is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import Conflict, InvalidInput, NotFound, Problem, audit, require, service
from lantu.core import checks
from lantu.monitoring import aggregation
from lantu.monitoring.entries import Resolved, ValueEntry, resolve_entries
from lantu.monitoring.models import (
    ApprovalAction,
    ApprovalEvent,
    Basis,
    DataValue,
    ReportingRound,
    RoundKind,
    RoundStatus,
    ValueState,
    ValueStatus,
)
from lantu.monitoring.validation import rules_for, stored_values

__all__ = ["RecordResult", "ValueEntry", "record_values"]


@dataclass
class RecordResult:
    """What a batch did: versions written, values that were already so, warnings raised."""

    written: int = 0
    unchanged: int = 0
    flags: list[checks.Flag] = field(default_factory=list)
    dry_run: bool = False


def _round_problems(rnd: ReportingRound, items: list[Resolved]) -> list[Problem]:
    problems: list[Problem] = []
    if rnd.status != RoundStatus.OPEN:
        problems.append(Problem("round", f"填报任务“{rnd.code}”未开放", f"round {rnd.code} is not open"))
        return problems
    indicator_ids = set(rnd.indicators.values_list("pk", flat=True))
    unit_ids = set(rnd.org_units.values_list("pk", flat=True))
    department_ids = set(rnd.departments.values_list("pk", flat=True))
    for item in items:
        if item.period != rnd.period:
            problems.append(
                Problem("period", f"报告期应为 {rnd.period}", f"the round's period is {rnd.period}", item.row)
            )
        if item.indicator.pk not in indicator_ids:
            problems.append(
                Problem("indicator", "该指标不在本填报任务中", "indicator is not part of this round", item.row)
            )
        if rnd.kind == RoundKind.UNITS and item.unit.pk not in unit_ids:
            problems.append(
                Problem("org_unit", "该区划不在本填报任务中", "org unit is not part of this round", item.row)
            )
        if rnd.kind == RoundKind.DEPARTMENTS and item.indicator.department_id not in department_ids:
            problems.append(
                Problem(
                    "indicator",
                    "该指标的责任部门不在本填报任务中",
                    "indicator's department is not in this round",
                    item.row,
                )
            )
    return problems


def _check_rules(items: list[Resolved]) -> tuple[list[Problem], list[checks.Flag]]:
    """Run the programme's rules over the batch merged onto stored values."""
    if not items:
        return [], []
    rules = rules_for(items[0].indicator.programme)
    if not rules:
        return [], []
    cells = [item.cell for item in items]
    values = stored_values(checks.needed_cells(cells, rules))
    values.update({item.cell: item.value for item in items})
    flags = checks.check_cells(cells, values, rules)
    row_of = {item.cell: item.row for item in items}
    errors = [Problem("value", f.message_zh, f.message_en, row_of.get(f.cell)) for f in flags if f.severity == "error"]
    return errors, [f for f in flags if f.severity == "warning"]


def _create_versions(
    changed: list[Resolved],
    states: dict[tuple[int, int, str], ValueState],
    rnd: ReportingRound | None,
    source: str,
    demo: bool,
    user: User | None,
    label: str,
) -> list[DataValue]:
    """Write each changed value as the next version of its series."""
    return DataValue.objects.bulk_create(
        [
            DataValue(
                indicator=item.indicator,
                org_unit=item.unit,
                period=item.period,
                value=item.value,
                entered_value=str(item.entry.value),
                entered_unit=item.entry.unit,
                round=rnd,
                source=source,
                comment=item.entry.comment,
                is_demo=demo,
                created_by=user,
                actor_label=label,
                version=(states[item.series].current.version + 1) if item.series in states else 1,
            )
            for item in changed
        ],
        batch_size=2000,
    )


@service("values.report", scoped=True)
def record_values(
    actor: Actor,
    entries: Sequence[ValueEntry],
    *,
    round_code: str | None = None,
    source: str = "",
    demo: bool = False,
    approved: bool = False,
    dry_run: bool = False,
) -> RecordResult:
    """Check every entry, then write each changed value as the next version of its series.

    ``approved=True`` records values as already approved (published statistics loaded by the
    programme office); it needs the approval permission on every unit as well.
    ``dry_run=True`` runs every check and rolls back.
    """
    items, problems = resolve_entries(entries)
    rnd = None
    if round_code:
        rnd = ReportingRound.objects.filter(code=round_code).first()
        if rnd is None:
            raise NotFound("填报任务", round_code)
        problems.extend(_round_problems(rnd, items))
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: (p.row or 0, p.field)))
    # Scope: the actor must hold the right over each unit (or the indicator's department).
    checked: set[tuple[int, int | None]] = set()
    for item in items:
        key = (item.unit.pk, item.indicator.department_id)
        if key not in checked:
            checked.add(key)
            require(actor, "values.report", org_unit=item.unit, department=item.indicator.department)
            if approved:
                require(actor, "values.approve", org_unit=item.unit)
    if not items:
        require(actor, "values.report")
        return RecordResult(dry_run=dry_run)
    errors, warnings = _check_rules(items)
    if errors:
        raise InvalidInput(sorted(errors, key=lambda p: (p.row or 0, p.field)))

    states_query = ValueState.objects.filter(
        indicator__in={i.indicator.pk for i in items},
        org_unit__in={i.unit.pk for i in items},
        period__in={i.period for i in items},
    ).select_related("current")
    if connection.features.has_select_for_update:
        # Serialise writers of the same series. Only the state rows, and always in the order
        # submission and approval move them (by indicator code), so that two writers never
        # wait for each other's rows: no deadlock.
        states_query = states_query.select_for_update(of=("self",)).order_by(
            "indicator__code", "org_unit__code", "period"
        )
    states = {(s.indicator_id, s.org_unit_id, s.period): s for s in states_query}

    result = RecordResult(flags=warnings, dry_run=dry_run)
    changed: list[Resolved] = []
    for item in items:
        state = states.get(item.series)
        same = state is not None and state.current.value == item.value and state.current.comment == item.entry.comment
        # Re-sending a submitted value unchanged (a whole template after one value was returned)
        # is no attempt to change it.
        if state is not None and state.status == ValueStatus.SUBMITTED and (approved or not same):
            problems.append(
                Problem(
                    "value",
                    "该数据已提交待审核，需审核人退回后才能修改",
                    "submitted for approval: ask the approver to return it first",
                    item.row,
                )
            )
        elif state is not None and same:
            if not approved or state.status == ValueStatus.APPROVED:
                result.unchanged += 1
                continue
            changed.append(item)
        else:
            changed.append(item)
    if problems:
        raise InvalidInput(problems)

    user, label = user_of(actor), label_of(actor)
    try:
        new_values = _create_versions(changed, states, rnd, source, demo, user, label)
    except IntegrityError as exc:
        # A series nobody had yet was just created by a concurrent writer (its version 1 is
        # taken): the same refusal as a lost compare-and-set, and the whole batch rolls back.
        raise Conflict(", ".join(sorted({"/".join(i.cell) for i in changed}))[:200]) from exc
    flags_by_cell: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for flag in warnings:
        flags_by_cell.setdefault(flag.cell, []).append(
            {"rule": flag.rule, "message_zh": flag.message_zh, "message_en": flag.message_en}
        )
    status = ValueStatus.APPROVED if approved else ValueStatus.DRAFT
    fresh: list[ValueState] = []
    events: list[ApprovalEvent] = []
    for item, value in zip(changed, new_values, strict=True):
        state = states.get(item.series)
        cell_flags = flags_by_cell.get(item.cell, [])
        if state is None:
            state = ValueState(
                indicator=item.indicator,
                org_unit=item.unit,
                period=item.period,
                round=rnd,
                current=value,
                approved=value if approved else None,
                status=status,
                flags=cell_flags,
            )
            fresh.append(state)
            from_status = ""
        else:
            from_status = state.status
            state.current = value
            state.status = status
            state.levels_done = 0
            state.return_comment = "" if approved else state.return_comment
            state.flags = cell_flags
            state.revision += 1
            state.round = rnd or state.round
            if approved:
                state.approved = value
            state.save()
        events.append(
            ApprovalEvent(
                state=state,
                value=value,
                action=ApprovalAction.ENTER,
                from_status=from_status,
                to_status=status,
                actor=user,
                actor_label=label,
                comment=item.entry.comment,
            )
        )
    try:
        ValueState.objects.bulk_create(fresh, batch_size=2000)
    except IntegrityError as exc:  # as above: a concurrent writer created the series first
        keys = sorted({f"{s.indicator.code}/{s.org_unit.code}/{s.period}" for s in fresh})
        raise Conflict(", ".join(keys)[:200]) from exc
    ApprovalEvent.objects.bulk_create(events, batch_size=2000)
    result.written = len(new_values)
    if new_values:
        audit(
            actor,
            "monitoring.values.record",
            new_values[0],
            after={
                "count": len(new_values),
                "unchanged": result.unchanged,
                "round": round_code,
                "source": source,
                "approved": approved,
                "demo": demo,
                "indicators": sorted({i.indicator.code for i in changed}),
            },
        )
    if dry_run:
        transaction.set_rollback(True)
        return result
    cells = [item.cell for item in changed]
    aggregation.refresh(cells, Basis.PRELIMINARY)
    if approved:
        aggregation.refresh(cells, Basis.APPROVED)
    return result
