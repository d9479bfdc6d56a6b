"""Stored roll-ups through the database: effective-dated trees, aggregation kinds, bases, increments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lantu.monitoring.models import Aggregate, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.aggregates import rebuild_aggregates
from lantu.monitoring.services.approval import approve_values, submit_values
from lantu.orgunits.models import OrgUnit
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

# GDP of Hangzhou's districts, in 亿元 (made-up round numbers, easy to add up).
GDP_2020 = {
    "330102": 100,  # 上城区 before the 2021 redrawing
    "330103": 200,  # 下城区, dissolved in 2021
    "330104": 300,  # 江干区, dissolved in 2021
    "330106": 400,  # 西湖区
    "330110": 500,  # 余杭区 before it was split
}
GDP_2022 = {
    "330102": 1000,  # the new 上城区 (same code, another record)
    "330106": 2000,
    "330110": 3000,  # the new, smaller 余杭区
    "330113": 4000,  # 临平区, new in 2021
    "330114": 5000,  # 钱塘区, new in 2021
}


def _gdp(year: str, figures: dict[str, int]) -> list[ValueEntry]:
    return [ValueEntry("GDP", code, year, Decimal(value)) for code, value in figures.items()]


def _agg(code: str, unit: str, period: str, basis: str = "preliminary") -> Aggregate | None:
    return Aggregate.objects.filter(indicator__code=code, org_unit__key=unit, period=period, basis=basis).first()


def _value(code: str, unit: str, period: str, basis: str = "preliminary") -> Decimal | None:
    found = _agg(code, unit, period, basis)
    return None if found is None else found.value


def _children(parent: str, year: int) -> int:
    return OrgUnit.objects.valid_on(dt.date(year, 12, 31)).filter(parent__key=parent).count()


def _table() -> set[tuple[str, str, str, str, Decimal, int, int, bool, bool]]:
    return set(
        Aggregate.objects.values_list(
            "indicator__code",
            "org_unit__key",
            "period",
            "basis",
            "value",
            "contributors",
            "expected",
            "computed",
            "is_demo",
        )
    )


def test_hangzhou_sums_the_districts_valid_at_each_year_end(system: Any) -> None:
    record_values(system, _gdp("2020", GDP_2020) + _gdp("2022", GDP_2022))
    hz_2020, hz_2022 = _agg("GDP", "330100", "2020"), _agg("GDP", "330100", "2022")
    assert hz_2020 is not None
    assert hz_2022 is not None
    assert hz_2020.value == Decimal(1500)
    assert hz_2022.value == Decimal(15000)
    # Coverage: 5 districts reported, out of those that existed on 31 December of that year.
    assert (hz_2020.contributors, hz_2020.expected) == (5, _children("330100", 2020))
    assert (hz_2022.contributors, hz_2022.expected) == (5, _children("330100", 2022))
    assert hz_2020.expected == hz_2022.expected == 13  # 4 districts went, 2 came, 3 were redrawn
    assert not hz_2020.computed
    # The old and the new 上城区 share a code; each year's value went to that year's record.
    assert set(ValueState.objects.filter(org_unit__code="330102").values_list("org_unit__key", "period")) == {
        ("330102", "2020"),
        ("330102@2021-04-09", "2022"),
    }


def test_nothing_is_counted_twice(system: Any) -> None:
    record_values(system, _gdp("2020", GDP_2020) + _gdp("2022", GDP_2022))
    # 杭州市's own published figure wins over the sum of its districts for the province …
    record_values(
        system,
        [ValueEntry("GDP", "330100", "2022", Decimal(18753)), ValueEntry("GDP", "330200", "2022", Decimal(15704))],
    )
    assert _value("GDP", "330000", "2022") == Decimal(18753 + 15704)
    # … while the districts' sum is still kept for 杭州市, to compare.
    assert _value("GDP", "330100", "2022") == Decimal(15000)
    province = _agg("GDP", "330000", "2022")
    assert province is not None
    assert (province.contributors, province.expected) == (2, 11)
    # 2020 has no city figure: the province is the roll-up of the districts, once.
    assert _value("GDP", "330000", "2020") == Decimal(1500)


def test_a_ratio_of_sums_is_not_a_mean_of_ratios(system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("FIBRE_USERS", "330106", "2022", Decimal(90)),
            ValueEntry("BROADBAND_USERS", "330106", "2022", Decimal(100)),  # 90%
            ValueEntry("FIBRE_USERS", "330108", "2022", Decimal(40)),
            ValueEntry("BROADBAND_USERS", "330108", "2022", Decimal(50)),  # 80%
            ValueEntry("FIBRE_USERS", "330110", "2022", Decimal(10)),  # no denominator: left out
        ],
    )
    share = _agg("FIBRE_SHARE", "330100", "2022")
    assert share is not None
    assert share.value == Decimal("86.666667")  # 100 × 130 / 150, not (90 + 80) / 2
    assert share.contributors == 2
    # Each district's own share is computed from its formula.
    xihu = _agg("FIBRE_SHARE", "330106", "2022")
    assert xihu is not None
    assert (xihu.value, xihu.computed) == (Decimal(90), True)
    assert _value("FIBRE_SHARE", "330110", "2022") is None
    assert _value("FIBRE_USERS", "330100", "2022") == Decimal(140)


def test_a_weighted_mean_is_weighted_by_population(system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("INTERNET_PENETRATION", "330106", "2022", Decimal(80)),
            ValueEntry("POPULATION", "330106", "2022", Decimal(100)),
            ValueEntry("INTERNET_PENETRATION", "330108", "2022", Decimal(90)),
            ValueEntry("POPULATION", "330108", "2022", Decimal(300)),
            ValueEntry("INTERNET_PENETRATION", "330110", "2022", Decimal(70)),  # no population: left out
        ],
    )
    rate = _agg("INTERNET_PENETRATION", "330100", "2022")
    assert rate is not None
    assert (rate.value, rate.contributors) == (Decimal("87.5"), 2)  # (80×100 + 90×300) / 400
    assert _value("POPULATION", "330100", "2022") == Decimal(400)


def test_a_computed_indicator_at_a_unit_with_both_inputs(system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330106", "2022", Decimal(500)),
            ValueEntry("GDP", "330106", "2022", Decimal(2000)),
            ValueEntry("DE_TOTAL", "330108", "2022", Decimal(3)),  # no GDP: no share
        ],
    )
    share = _agg("DE_GDP_SHARE", "330106", "2022")
    assert share is not None
    assert (share.value, share.computed) == (Decimal(25), True)
    assert _value("DE_GDP_SHARE", "330108", "2022") is None
    hangzhou = _agg("DE_GDP_SHARE", "330100", "2022")
    assert hangzhou is not None
    assert (hangzhou.value, hangzhou.computed, hangzhou.contributors) == (Decimal(25), False, 1)
    # A reported share wins at the unit itself: nothing is computed over it.
    record_values(system, [ValueEntry("DE_GDP_SHARE", "330106", "2022", Decimal(26))])
    assert _agg("DE_GDP_SHARE", "330106", "2022") is None


def test_a_change_rewrites_only_the_cells_it_can_affect(system: Any) -> None:
    fibre = [
        ValueEntry("FIBRE_USERS", "330106", "2022", Decimal(90)),
        ValueEntry("BROADBAND_USERS", "330106", "2022", Decimal(100)),
    ]
    record_values(system, _gdp("2020", GDP_2020) + _gdp("2022", GDP_2022) + fibre)
    before = {
        (a.indicator.code, a.org_unit.key, a.period, a.basis): (a.pk, a.updated_at, a.value)
        for a in Aggregate.objects.select_related("indicator", "org_unit")
    }
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(2500))])
    after = {
        (a.indicator.code, a.org_unit.key, a.period, a.basis): (a.pk, a.updated_at, a.value)
        for a in Aggregate.objects.select_related("indicator", "org_unit")
    }
    assert after[("GDP", "330100", "2022", "preliminary")][2] == Decimal(15500)
    assert after[("GDP", "330000", "2022", "preliminary")][2] == Decimal(15500)
    assert set(after) == set(before)
    assert after[("GDP", "330100", "2022", "preliminary")][:2] != before[("GDP", "330100", "2022", "preliminary")][:2]
    # Every 2020 row is the very same row: not even rewritten with the same value.
    for key, row in before.items():
        if key[2] == "2020":
            assert after[key] == row, key
    # In 2022 too, cells GDP cannot reach (the fibre share) stay as they were.
    assert (
        after[("FIBRE_SHARE", "330100", "2022", "preliminary")]
        == before[("FIBRE_SHARE", "330100", "2022", "preliminary")]
    )


def test_preliminary_and_approved_differ_until_approval(
    system: Any, make_round: MakeRound, make_user: Callable[..., Any], county_reporter: Any, city_approver: Any
) -> None:
    binjiang = make_user("binjiang_reporter", "unit_reporter", org_unit="330108")
    make_round("HZ2022", ["GDP"], ["330106", "330108"])
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(2000))], round_code="HZ2022")
    record_values(binjiang, [ValueEntry("GDP", "330108", "2022", Decimal(3000))], round_code="HZ2022")
    assert _value("GDP", "330100", "2022") == Decimal(5000)
    assert _value("GDP", "330100", "2022", "approved") is None  # nothing is official yet

    submit_values(county_reporter, "HZ2022", "330106")
    submit_values(binjiang, "HZ2022", "330108")
    approve_values(city_approver, "HZ2022", "330106")
    assert _value("GDP", "330100", "2022", "approved") == Decimal(2000)
    approved = _agg("GDP", "330100", "2022", "approved")
    assert approved is not None
    assert approved.contributors == 1
    assert _value("GDP", "330100", "2022") == Decimal(5000)

    approve_values(city_approver, "HZ2022", "330108")
    assert _value("GDP", "330100", "2022", "approved") == _value("GDP", "330100", "2022") == Decimal(5000)
    assert _value("GDP", "330000", "2022", "approved") == Decimal(5000)


def test_rebuilding_gives_the_incrementally_kept_table(
    system: Any, make_round: MakeRound, county_reporter: Any, city_approver: Any
) -> None:
    record_values(system, _gdp("2020", GDP_2020) + _gdp("2022", GDP_2022))
    record_values(
        system,
        [
            ValueEntry("DE_TOTAL", "330102", "2020", Decimal(40)),
            ValueEntry("DE_TOTAL", "330114", "2022", Decimal(2100)),
            ValueEntry("FIBRE_USERS", "330113", "2022", Decimal(80)),
            ValueEntry("BROADBAND_USERS", "330113", "2022", Decimal(90)),
            ValueEntry("INTERNET_PENETRATION", "330104", "2020", Decimal(75)),
            ValueEntry("POPULATION", "330104", "2020", Decimal(120)),
        ],
    )
    record_values(system, [ValueEntry("GDP", "330000", "2020", Decimal(64613))], approved=True)
    record_values(system, [ValueEntry("GDP", "330114", "2022", Decimal(5200))])  # a correction
    make_round("XH2021", ["GDP", "DE_TOTAL"], ["330106"], period="2021")
    record_values(
        county_reporter,
        [ValueEntry("GDP", "330106", "2021", Decimal(1900)), ValueEntry("DE_TOTAL", "330106", "2021", Decimal(800))],
        round_code="XH2021",
    )
    submit_values(county_reporter, "XH2021", "330106")
    approve_values(city_approver, "XH2021", "330106")
    kept = _table()
    assert {row[3] for row in kept} == {"approved", "preliminary"}
    assert len(kept) > 30
    counts = rebuild_aggregates(system, "DZJ")
    assert _table() == kept
    assert counts == {
        "approved": sum(1 for row in kept if row[3] == "approved"),
        "preliminary": sum(1 for row in kept if row[3] == "preliminary"),
    }
