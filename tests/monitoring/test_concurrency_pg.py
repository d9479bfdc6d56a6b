"""Two approvers acting at once on PostgreSQL: compare-and-set lets exactly one of them win.

Each approver runs in its own thread with its own database connection, so the two transactions
really overlap. Both read the submitted values before either writes (a barrier holds them at the
first write); the second UPDATE then waits for the first transaction and, finding the revision
moved on, matches no row: Conflict, and its whole action rolls back.

This is a transactional test: the database is emptied after it, and it may start empty, so it
loads the reference data it needs itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import SystemActor
from lantu.accounts.service import Conflict, InvalidInput
from lantu.accounts.services import assign_role, create_user
from lantu.framework.loader import load_programme
from lantu.framework.models import Programme
from lantu.monitoring.models import ApprovalEvent, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services import approval as approval_service
from lantu.monitoring.services.rounds import RoundSpec, create_round, set_round_status
from lantu.orgunits.loader import load_org_units
from lantu.orgunits.models import OrgUnit

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real concurrency"),
    pytest.mark.django_db(transaction=True),
]

SYSTEM = SystemActor("system:test")
ROUND = "HZ2022"


def _user(username: str, role: str, unit: str) -> Any:
    user = create_user(SYSTEM, username, "x", check_password=False)
    assign_role(SYSTEM, username, role, org_unit_code=unit)
    return user


@pytest.fixture
def submitted() -> None:
    """Reference data, a two-level round, and 西湖区's two values submitted (all committed)."""
    if not OrgUnit.objects.exists():
        load_org_units(SYSTEM)
    if not Programme.objects.filter(code="DZJ").exists():
        load_programme(SYSTEM)
    reporter = _user("xihu_reporter", "unit_reporter", "330106")
    create_round(
        SYSTEM,
        RoundSpec(
            code=ROUND,
            programme_code="DZJ",
            title_zh="2022年度数据填报",
            period="2022",
            opens_on=dt.date(2023, 1, 1),
            deadline=dt.date(2023, 3, 31),
            indicator_codes=("DE_TOTAL", "GDP"),
            org_unit_codes=("330106",),
            approval_levels=2,
        ),
    )
    set_round_status(SYSTEM, ROUND, "open")
    record_values(
        reporter,
        [ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000)), ValueEntry("GDP", "330106", "2022", Decimal(6000))],
        round_code=ROUND,
    )
    approval_service.submit_values(reporter, ROUND, "330106")


def _race(monkeypatch: pytest.MonkeyPatch, approvers: list[Any]) -> list[str]:
    """Let the approvers approve at once; return each one's outcome."""
    barrier = threading.Barrier(len(approvers), timeout=20)
    real_move = approval_service._move
    waited = threading.local()

    def move_together(*args: Any, **kwargs: Any) -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()  # everyone has read the submitted rows; now all write
        real_move(*args, **kwargs)

    monkeypatch.setattr(approval_service, "_move", move_together)
    outcomes: dict[int, str] = {}

    def act(index: int, user: Any) -> None:
        try:
            approval_service.approve_values(user, ROUND, "330106")
            outcomes[index] = "approved"
        except Conflict:
            outcomes[index] = "conflict"
        except InvalidInput as exc:  # arrived after the winner committed: nothing left at this level
            outcomes[index] = f"nothing: {exc}"
        except Exception as exc:
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=act, args=(i, user)) for i, user in enumerate(approvers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    monkeypatch.setattr(approval_service, "_move", real_move)
    return [outcomes[i] for i in range(len(approvers))]


def _states() -> dict[str, tuple[str, int, int]]:
    return {
        s.indicator.code: (s.status, s.levels_done, s.revision)
        for s in ValueState.objects.select_related("indicator").order_by("indicator__code")
    }


def _approvals() -> list[tuple[str, int, str]]:
    return sorted(
        ApprovalEvent.objects.filter(action="approve").values_list("state__indicator__code", "level", "actor_label")
    )


@pytest.mark.usefixtures("submitted")
def test_two_approvers_at_once_one_wins_at_each_level(monkeypatch: pytest.MonkeyPatch) -> None:
    city = [_user("hz_approver_a", "approver", "330100"), _user("hz_approver_b", "approver", "330100")]
    province = [_user("zj_approver_a", "approver", "330000"), _user("zj_approver_b", "approver", "330000")]
    # entered (revision 1), submitted (2)
    assert _states() == {"DE_TOTAL": ("submitted", 0, 2), "GDP": ("submitted", 0, 2)}

    outcomes = _race(monkeypatch, city)
    assert sorted(outcomes) == ["approved", "conflict"], outcomes
    winner = city[outcomes.index("approved")].username
    # Exactly as if one had approved and the other come too late: one step, not two.
    assert _states() == {"DE_TOTAL": ("submitted", 1, 3), "GDP": ("submitted", 1, 3)}
    assert _approvals() == [("DE_TOTAL", 1, winner), ("GDP", 1, winner)]
    assert AuditEvent.objects.filter(action="monitoring.values.approve").count() == 1

    outcomes = _race(monkeypatch, province)
    assert sorted(outcomes) == ["approved", "conflict"], outcomes
    final = province[outcomes.index("approved")].username
    assert _states() == {"DE_TOTAL": ("approved", 2, 4), "GDP": ("approved", 2, 4)}
    assert _approvals() == [("DE_TOTAL", 1, winner), ("DE_TOTAL", 2, final), ("GDP", 1, winner), ("GDP", 2, final)]
    for state in ValueState.objects.all():
        assert state.approved_id == state.current_id
    assert AuditEvent.objects.filter(action="monitoring.values.approve").count() == 2


@pytest.mark.usefixtures("submitted")
def test_unsynchronised_approvers_still_move_each_level_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the barrier the loser either conflicts or comes after and finds the level done."""
    approvers = [_user(f"hz_approver_{i}", "approver", "330100") for i in range(4)]
    outcomes: list[str] = []
    lock = threading.Lock()

    def act(user: Any) -> None:
        try:
            approval_service.approve_values(user, ROUND, "330106")
            result = "approved"
        except Conflict:
            result = "conflict"
        except Exception as exc:
            result = f"{type(exc).__name__}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=act, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("approved") == 1, outcomes
    # The others lost the race, or came late and were refused: level 2 is the province's.
    assert set(outcomes) - {"approved"} <= {"conflict", "PermissionDeniedError"}, outcomes
    assert _states() == {"DE_TOTAL": ("submitted", 1, 3), "GDP": ("submitted", 1, 3)}
    assert [level for _, level, _ in _approvals()] == [1, 1]
