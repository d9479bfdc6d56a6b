"""Recording values: unit conversion, effective dates, scope, versions, all-or-nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.service import InvalidInput, NotFound
from lantu.monitoring.models import DataValue
from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


def test_value_in_another_unit_is_converted(system: Any) -> None:
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元")])
    assert DataValue.objects.get(indicator__code="DE_TOTAL").value == Decimal(39300)


def test_incompatible_unit_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="量纲不同"):
        record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal(1), "%")])


def test_every_problem_is_listed_and_nothing_written(system: Any) -> None:
    entries = [
        ValueEntry("GDP", "330106", "2022", Decimal(1)),
        ValueEntry("NOPE", "330106", "2022", Decimal(1)),
        ValueEntry("GDP", "330104", "2022", Decimal(1)),  # 江干区 no longer exists in 2022
        ValueEntry("GDP", "330106", "2022Q1", Decimal(1)),  # GDP is a yearly indicator
        ValueEntry("GDP", "330106", "2022", Decimal(2)),  # duplicate of row 1
    ]
    with pytest.raises(InvalidInput) as info:
        record_values(system, entries)
    assert [(p.row, p.field) for p in info.value.problems] == [
        (2, "indicator"),
        (3, "org_unit"),
        (4, "period"),
        (5, "indicator"),
    ]
    assert not DataValue.objects.exists()


def test_old_unit_reports_for_its_own_years(system: Any) -> None:
    record_values(system, [ValueEntry("GDP", "330104", "2020", Decimal(1))])
    assert DataValue.objects.get().org_unit.name_zh == "江干区"


def test_a_change_is_a_new_version(system: Any) -> None:
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1))])
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(2), comment="更正")])
    rows = DataValue.objects.order_by("version")
    assert [(r.version, r.value) for r in rows] == [(1, Decimal(1)), (2, Decimal(2))]


def test_reporter_may_write_only_own_unit(county_reporter: Any) -> None:
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(1))])
    # Another county's data is not even acknowledged to exist: 404, not 403.
    with pytest.raises(NotFound):
        record_values(county_reporter, [ValueEntry("GDP", "330110", "2022", Decimal(1))])
    assert DataValue.objects.count() == 1
