"""Fixtures shared by the monitoring tests: province-level personas and reporting rounds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from lantu.monitoring.models import ReportingRound

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
