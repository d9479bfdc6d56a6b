"""Sharing fixtures: approved figures, datasets of two publishers, an owner, requesters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lantu.monitoring.services import ValueEntry, record_values
from lantu.publishing.models import Dataset
from lantu.publishing.services import create_dataset
from lantu.sharing import services
from lantu.sharing.models import ShareRequest
from tests.publishing.conftest import spec

UTC8 = dt.timezone(dt.timedelta(hours=8))
#: A fixed clock for the services' steps (approval, collection, revocation).
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=UTC8)
PROVINCE = "dzj-digital-economy"  # TJJ, 浙江省, DE_TOTAL and GDP, 2020–2022
HANGZHOU = "hz-digital-economy"  # TJJ, 杭州市, DE_TOTAL, 2020–2022
OTHER = "dsj-digital-economy"  # DSJ, 浙江省 (another publisher)


@pytest.fixture
def values(system: Any) -> None:
    """Approved figures of 西湖区, 余杭区, 杭州市, 宁波市 and 浙江省 (and one 2019 outside the range)."""
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330106", "2021", Decimal(2800)),
            ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000)),
            ValueEntry("GDP", "330106", "2022", Decimal(6000)),
            ValueEntry("DE_TOTAL", "330110", "2022", Decimal(1500)),
            ValueEntry("DE_TOTAL", "330100", "2022", Decimal(5600)),
            ValueEntry("DE_TOTAL", "330200", "2022", Decimal(2100)),
            ValueEntry("DE_TOTAL", "330000", "2022", Decimal("8977")),
            ValueEntry("DE_TOTAL", "330000", "2019", Decimal("6229")),
        ],
        approved=True,
    )


@pytest.fixture
def datasets(system: Any, values: None) -> dict[str, Dataset]:
    return {
        PROVINCE: create_dataset(system, spec()),
        HANGZHOU: create_dataset(
            system, spec(code=HANGZHOU, spatial="330100", indicator_codes=("DE_TOTAL",), title_zh="杭州数字经济")
        ),
        OTHER: create_dataset(system, spec(code=OTHER, publisher="DSJ", title_zh="大数据局数字经济")),
    }


@pytest.fixture
def owner(make_user: Callable[..., Any]) -> Any:
    """Approves for 省统计局 (TJJ), the publisher of two of the datasets."""
    return make_user("tjj_approver", "approver", department="TJJ")


@pytest.fixture
def requester(make_user: Callable[..., Any]) -> Any:
    """A reporter of 省大数据局 (DSJ) asking TJJ for its figures."""
    return make_user("dsj_reporter", "department_reporter", department="DSJ")


MakeRequest = Callable[..., ShareRequest]


@pytest.fixture
def make_request(requester: Any, datasets: dict[str, Dataset]) -> MakeRequest:
    def make(
        units: tuple[str, ...] = ("330106",), codes: tuple[str, ...] = (PROVINCE,), days: int = 30, by: Any = None
    ) -> ShareRequest:
        return services.create_request(
            by or requester,
            services.RequestSpec(
                datasets=codes, units=units, purpose="数字经济监测分析", days=days, department="DSJ", system_name=""
            ),
            now=T0,
        )

    return make


IssueFn = Callable[..., tuple[ShareRequest, str]]


@pytest.fixture
def issue(make_request: MakeRequest, owner: Any, requester: Any) -> IssueFn:
    """A request approved by the owner and its token collected; returns (request, secret)."""

    def run(*args: Any, at: dt.datetime | None = None, days: int | None = None, **kwargs: Any) -> tuple[Any, str]:
        request = make_request(*args, **kwargs)
        moment = at or dt.datetime.now(tz=UTC8)
        services.approve_request(owner, request.pk, days=days, now=moment)
        _token, plain = services.collect_token(requester, request.pk, now=moment)
        return ShareRequest.objects.get(pk=request.pk), plain

    return run
