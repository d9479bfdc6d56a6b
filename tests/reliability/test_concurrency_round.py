"""100 clients at once on one reporting round (PostgreSQL): no lost update, a serial outcome.

Each client is a thread with its own database connection, calling the same service functions
as the web pages and the API. Reporters (several per county, so they race on the same series)
record and submit their county's two values; city approvers approve level 1 or return a
value; province approvers approve level 2. All start together at a barrier.

Afterwards:

- every successful call's writes are in the history (the versions it wrote, its approval
  events, its audit row), and every refused call was refused with a clear error (Conflict,
  InvalidInput, PermissionDeniedError) and wrote nothing;
- replaying each series' approval events serially, in the order they were written, through
  the same state machine gives exactly the stored state: the outcome is that of some serial
  order of the successful calls;
- the stored aggregates equal a recomputation from scratch.

Transactional test: the database is emptied afterwards and may start empty, so it loads the
reference data it needs itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import SystemActor
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.accounts.services import assign_role, create_user
from lantu.framework.loader import load_programme
from lantu.framework.models import Programme
from lantu.monitoring.models import Aggregate, ApprovalEvent, DataValue, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services import approval as approval_service
from lantu.monitoring.services.aggregates import rebuild_aggregates
from lantu.monitoring.services.rounds import RoundSpec, create_round, set_round_status
from lantu.orgunits.loader import load_org_units
from lantu.orgunits.models import Level, OrgUnit

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real concurrency"),
    pytest.mark.django_db(transaction=True),
]

SYSTEM = SystemActor("system:test")
ROUND = "RACE2022"
PERIOD = "2022"
INDICATORS = ("DE_TOTAL", "GDP")
LEVELS = 2
UNITS = 8  # Hangzhou's first eight counties
REPORTERS_PER_UNIT = 7  # 56 reporters
CITY_APPROVERS = 22
PROVINCE_APPROVERS = 22  # 100 clients in all
ROUNDS_PER_CLIENT = 4
REFUSED = (Conflict, InvalidInput, PermissionDeniedError, NotFound)


@dataclass
class Call:
    """One service call a client made, and how it ended."""

    client: str
    action: str  # record, submit, approve, return
    unit: str
    tag: str = ""  # the comment that marks a record call's versions
    outcome: str = ""  # "ok" or the refusal's class name
    moved: int = 0
    written: int = 0


@dataclass
class Client:
    username: str
    role: str
    unit: str  # the unit the role is held on
    user: Any = None
    calls: list[Call] = field(default_factory=list)


def _counties() -> list[str]:
    end = dt.date(2022, 12, 31)
    units = OrgUnit.objects.valid_on(end).filter(level=Level.COUNTY, parent__code="330100").order_by("code")
    return list(units.values_list("code", flat=True))[:UNITS]


@pytest.fixture
def round_units() -> list[str]:
    if not OrgUnit.objects.exists():
        load_org_units(SYSTEM)
    if not Programme.objects.filter(code="DZJ").exists():
        load_programme(SYSTEM)
    units = _counties()
    assert len(units) == UNITS
    create_round(
        SYSTEM,
        RoundSpec(
            code=ROUND,
            programme_code="DZJ",
            title_zh="2022年度数据填报（并发）",
            period=PERIOD,
            opens_on=dt.date(2023, 1, 1),
            deadline=dt.date(2023, 3, 31),
            indicator_codes=INDICATORS,
            org_unit_codes=tuple(units),
            approval_levels=LEVELS,
        ),
    )
    set_round_status(SYSTEM, ROUND, "open")
    return units


def _clients(units: list[str]) -> list[Client]:
    clients = [Client(f"rep_{unit}_{k}", "unit_reporter", unit) for unit in units for k in range(REPORTERS_PER_UNIT)]
    clients += [Client(f"city_{k}", "approver", "330100") for k in range(CITY_APPROVERS)]
    clients += [Client(f"prov_{k}", "approver", "330000") for k in range(PROVINCE_APPROVERS)]
    for client in clients:
        client.user = create_user(SYSTEM, client.username, "x", check_password=False)
        assign_role(SYSTEM, client.username, client.role, org_unit_code=client.unit)
    return clients


def _attempt(client: Client, call: Call, action: Callable[[], Any]) -> None:
    try:
        result = action()
    except REFUSED as exc:
        call.outcome = type(exc).__name__
    except Exception as exc:  # a refusal must be one of the clear errors above, never a crash
        call.outcome = f"unexpected {type(exc).__name__}: {exc}"
    else:
        call.outcome = "ok"
        call.moved = getattr(result, "moved", 1 if call.action == "return" else 0)
        call.written = getattr(result, "written", 0)
    client.calls.append(call)


def _run_reporter(client: Client, rng: random.Random) -> None:
    for turn in range(ROUNDS_PER_CLIENT):
        tag = f"{client.username}#{turn}"
        base = rng.randrange(1_000, 9_000)
        entries = [
            # DE_TOTAL below GDP, so the programme's rules accept every batch.
            ValueEntry("DE_TOTAL", client.unit, PERIOD, Decimal(base), comment=tag),
            ValueEntry("GDP", client.unit, PERIOD, Decimal(base * 10 + turn), comment=tag),
        ]
        call = Call(client.username, "record", client.unit, tag=tag)
        _attempt(client, call, functools.partial(record_values, client.user, entries, round_code=ROUND))
        call = Call(client.username, "submit", client.unit)
        _attempt(client, call, lambda: approval_service.submit_values(client.user, ROUND, client.unit))
        time.sleep(rng.random() / 5)  # give the approvers a moment before the next attempt


def _run_approver(client: Client, units: list[str], rng: random.Random, reporting: threading.Event) -> None:
    """Approve or return, again and again while reporters are at work, then a few times more."""
    calls_after = 3
    while calls_after > 0 and len(client.calls) < 60:
        if not reporting.is_set():
            calls_after -= 1
        unit = rng.choice(units)
        if rng.random() < 0.3:
            indicator = rng.choice(INDICATORS)
            call = Call(client.username, "return", unit, tag=indicator)
            comment = f"请核实 {client.username}"
            _attempt(
                client,
                call,
                functools.partial(approval_service.return_value, client.user, ROUND, unit, indicator, comment),
            )
        else:
            call = Call(client.username, "approve", unit)
            _attempt(client, call, functools.partial(approval_service.approve_values, client.user, ROUND, unit))
        time.sleep(rng.random() / 20)


def _race(clients: list[Client], units: list[str]) -> None:
    barrier = threading.Barrier(len(clients), timeout=60)
    reporting = threading.Event()
    reporting.set()
    reporters = sum(1 for c in clients if c.role == "unit_reporter")
    finished = threading.Semaphore(0)

    def body(index: int, client: Client) -> None:
        rng = random.Random(index)
        try:
            barrier.wait()
            if client.role == "unit_reporter":
                _run_reporter(client, rng)
                finished.release()
            else:
                _run_approver(client, units, rng, reporting)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=body, args=(i, c)) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for _ in range(reporters):
        assert finished.acquire(timeout=120)
    reporting.clear()
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive()


# --- the serial replay ------------------------------------------------------------------------


@dataclass
class Replayed:
    status: str = ""
    levels_done: int = 0
    revision: int = 0
    current: int | None = None
    approved: int | None = None


def _replay(events: list[ApprovalEvent]) -> Replayed:
    """Apply a series' events one after another; each must be legal from the state before it."""
    s = Replayed()
    for event in events:
        assert event.from_status == s.status, (event.pk, event.action, event.from_status, s)
        if event.action == "enter":
            assert s.status in ("", "draft", "returned", "approved"), s
            s.status, s.levels_done, s.current = "draft", 0, event.value_id
        elif event.action == "submit":
            assert s.status in ("draft", "returned"), s
            assert event.value_id == s.current
            s.status, s.levels_done = "submitted", 0
        elif event.action == "approve":
            assert s.status == "submitted", s
            assert event.level == s.levels_done + 1, (event.level, s)
            assert event.value_id == s.current
            s.levels_done = event.level
            if event.level == LEVELS:
                s.status, s.approved = "approved", s.current
        elif event.action == "return":
            assert s.status == "submitted", s
            s.status, s.levels_done = "returned", 0
        else:  # pragma: no cover - no other action happens in this round
            raise AssertionError(event.action)
        assert event.to_status == s.status, (event.pk, event.to_status, s)
        s.revision += 1
    return s


def _aggregates() -> dict[tuple[int, int, str, str], tuple[Decimal, int, int, bool]]:
    return {
        (a.indicator_id, a.org_unit_id, a.period, a.basis): (a.value, a.contributors, a.expected, a.computed)
        for a in Aggregate.objects.all()
    }


def test_hundred_clients_on_one_round_end_in_a_serial_state(round_units: list[str]) -> None:
    clients = _clients(round_units)
    assert len(clients) == 100
    _race(clients, round_units)
    calls = [call for client in clients for call in client.calls]
    outcomes = Counter((c.action, c.outcome) for c in calls)
    unexpected = [c for c in calls if c.outcome not in ("ok", *(e.__name__ for e in REFUSED))]
    assert not unexpected, unexpected[:5]
    # The race really raced: every kind of call both succeeded and was refused somewhere.
    for action in ("record", "submit", "approve"):
        assert outcomes[(action, "ok")] > 0, outcomes
    assert sum(n for (action, outcome), n in outcomes.items() if outcome != "ok") > 0, outcomes

    # No lost update: each successful record call's two versions are stored, a refused one's none.
    for call in calls:
        if call.action == "record":
            count = DataValue.objects.filter(comment=call.tag).count()
            assert count == (2 if call.outcome == "ok" else 0), (call, count)
            assert call.written == count
            entered = ApprovalEvent.objects.filter(action="enter", comment=call.tag).count()
            assert entered == count, call
    # … and each actor's approval events and audit rows are exactly those of its successful calls.
    audit_action = {
        "record": "monitoring.values.record",
        "submit": "monitoring.values.submit",
        "approve": "monitoring.values.approve",
        "return": "monitoring.values.return",
    }
    for client in clients:
        for action in ("submit", "approve", "return"):
            ok = [c for c in client.calls if c.action == action and c.outcome == "ok"]
            moved = ApprovalEvent.objects.filter(actor=client.user, action=action).count()
            assert moved == sum(c.moved for c in ok), (client.username, action)
        for action, label in audit_action.items():
            succeeded = sum(1 for c in client.calls if c.action == action and c.outcome == "ok")
            audited = AuditEvent.objects.filter(actor=client.user, action=label).count()
            assert audited == succeeded, (client.username, action)

    # Some serial order: each series' events, replayed in the order they were written, give the
    # stored state, and its versions are 1…n without a gap, one per "enter".
    states = ValueState.objects.filter(round__code=ROUND).select_related("current", "indicator", "org_unit")
    assert states.count() == UNITS * len(INDICATORS)
    finals: Counter[str] = Counter()
    for state in states:
        history = list(state.events.order_by("id"))
        times = [e.at for e in history]
        assert times == sorted(times), state
        replayed = _replay(history)
        stored = Replayed(state.status, state.levels_done, state.revision, state.current_id, state.approved_id)
        assert replayed == stored, (state.indicator.code, state.org_unit.code)
        versions = list(
            DataValue.objects.filter(indicator=state.indicator, org_unit=state.org_unit, period=PERIOD)
            .order_by("version")
            .values_list("version", "pk")
        )
        assert [v for v, _ in versions] == list(range(1, len(versions) + 1))
        assert versions[-1][1] == state.current_id
        assert len(versions) == sum(1 for e in history if e.action == "enter")
        finals[state.status] += 1
    assert sum(finals.values()) == UNITS * len(INDICATORS)

    # The aggregates written call by call equal a recomputation from scratch.
    before = _aggregates()
    assert before, "the race approved nothing that could be rolled up"
    rebuild_aggregates(SYSTEM, "DZJ")
    assert _aggregates() == before
