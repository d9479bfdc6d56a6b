"""Shared fixtures: the reference data loaded once per session, and named personas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from lantu.monitoring.models import ReportingRound


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the org units and the default programme once; each test runs in a rollback."""
    from lantu.accounts.permissions import SystemActor
    from lantu.framework.loader import load_programme
    from lantu.orgunits.loader import load_org_units
    from lantu.projects.loader import load_projects
    from lantu.tasks.loader import load_tasks

    with django_db_blocker.unblock():
        system = SystemActor("system:test")
        load_org_units(system)
        load_programme(system)
        load_tasks(system)
        load_projects(system)


@pytest.fixture
def system() -> Any:
    from lantu.accounts.permissions import SystemActor

    return SystemActor("system:test")


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """Create a user holding one role: ``make_user("xihu", "unit_reporter", org_unit="330106")``."""
    from lantu.accounts.permissions import SystemActor
    from lantu.accounts.services import assign_role, create_user

    def make(
        username: str, role: str | None = None, *, org_unit: str | None = None, department: str | None = None
    ) -> Any:
        system = SystemActor("system:test")
        user = create_user(system, username, "x", check_password=False)
        if role:
            assign_role(system, username, role, org_unit_code=org_unit, department_code=department)
        return user

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., Any]) -> Any:
    return make_user("office_admin", "programme_admin")


@pytest.fixture
def county_reporter(make_user: Callable[..., Any]) -> Any:
    return make_user("xihu_reporter", "unit_reporter", org_unit="330106")


@pytest.fixture
def other_county_reporter(make_user: Callable[..., Any]) -> Any:
    return make_user("yuhang_reporter", "unit_reporter", org_unit="330110")


@pytest.fixture
def city_approver(make_user: Callable[..., Any]) -> Any:
    return make_user("hz_approver", "approver", org_unit="330100")


@pytest.fixture
def leader(make_user: Callable[..., Any]) -> Any:
    return make_user("leader", "leader")


@pytest.fixture
def evaluator(make_user: Callable[..., Any]) -> Any:
    return make_user("evaluator", "evaluator")


@pytest.fixture
def outsider(make_user: Callable[..., Any]) -> Any:
    return make_user("outsider")


MakeRound = Callable[..., ReportingRound]


@pytest.fixture
def province_reporter(make_user: Callable[..., Any]) -> Any:
    """Reports for 浙江省 itself (the province's own published figures)."""
    return make_user("zj_reporter", "unit_reporter", org_unit="330000")


@pytest.fixture
def province_approver(make_user: Callable[..., Any]) -> Any:
    return make_user("zj_approver", "approver", org_unit="330000")


@pytest.fixture
def make_round(system: Any) -> MakeRound:
    """Create a units round through the service and (by default) open it."""
    from lantu.monitoring.services.rounds import RoundSpec, create_round, set_round_status

    def make(
        code: str,
        indicators: Sequence[str],
        units: Sequence[str],
        *,
        period: str = "2022",
        levels: int = 1,
        status: str = "open",
    ) -> ReportingRound:
        create_round(
            system,
            RoundSpec(
                code=code,
                programme_code="DZJ",
                title_zh=f"{period}年度数据填报",
                period=period,
                opens_on=dt.date(int(period[:4]) + 1, 1, 1),
                deadline=dt.date(int(period[:4]) + 1, 3, 31),
                indicator_codes=tuple(indicators),
                org_unit_codes=tuple(units),
                approval_levels=levels,
            ),
        )
        if status != "draft":
            set_round_status(system, code, status)
        return ReportingRound.objects.get(code=code)

    return make
