"""Publishing fixtures: approved figures, two people of the programme office, a dataset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lantu.monitoring.services import ValueEntry, record_values
from lantu.publishing.models import Dataset, DatasetVersion
from lantu.publishing.services import (
    DatasetSpec,
    approve_version,
    create_dataset,
    create_version,
    publish_due,
    schedule_version,
    submit_version,
)

UTC8 = dt.timezone(dt.timedelta(hours=8))
#: The fixed clock of these tests: 2024-03-01 09:00 in Zhejiang.
T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=UTC8)
CODE = "dzj-digital-economy"


def spec(**changes: Any) -> DatasetSpec:
    values: dict[str, Any] = {
        "code": CODE,
        "title_zh": "数字经济核心产业增加值",
        "title_en": "Value added of the core digital economy",
        "description_zh": "浙江省及各地数字经济核心产业增加值（已审核）。",
        "description_en": "Approved figures for Zhejiang and its units.",
        "publisher": "TJJ",
        "spatial": "330000",
        "period_from": "2020",
        "period_to": "2022",
        "indicator_codes": ("DE_TOTAL", "GDP"),
        "keywords_zh": ("数字经济", "增加值"),
        "keywords_en": ("digital economy",),
    }
    values.update(changes)
    return DatasetSpec(**values)


def load_approved_values(actor: Any) -> None:
    """Approved figures of 西湖区 and 浙江省 for 2021 and 2022 (and a 2019 one outside the range)."""
    record_values(
        actor,
        [
            ValueEntry("DE_TOTAL", "330106", "2021", Decimal(2800)),
            ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000)),
            ValueEntry("GDP", "330106", "2022", Decimal(6000)),
            ValueEntry("DE_TOTAL", "330000", "2022", Decimal("8977")),
            ValueEntry("DE_TOTAL", "330000", "2019", Decimal("6229")),
        ],
        approved=True,
    )


@pytest.fixture
def approved_values(system: Any) -> None:
    load_approved_values(system)


@pytest.fixture
def office(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    """Two people of the programme office: the one who submits, the one who approves."""
    return make_user("office_a", "programme_admin"), make_user("office_b", "programme_admin")


@pytest.fixture
def dataset(system: Any, approved_values: None) -> Dataset:
    return create_dataset(system, spec())


PublishFn = Callable[..., DatasetVersion]


def publisher_for(office: tuple[Any, Any]) -> PublishFn:
    """Take a dataset's next version through review and schedule to published, on the fixed clock."""
    a, b = office

    def run(code: str = CODE, note: str = "", at: dt.datetime = T0) -> DatasetVersion:
        version = create_version(a, code, note=note)
        submit_version(a, code, version.number, now=at)
        approve_version(b, code, version.number, now=at)
        schedule_version(a, code, version.number, at + dt.timedelta(hours=1), now=at)
        publish_due(a, now=at + dt.timedelta(hours=1))
        return DatasetVersion.objects.get(pk=version.pk)

    return run


@pytest.fixture
def publish(office: tuple[Any, Any]) -> PublishFn:
    return publisher_for(office)
