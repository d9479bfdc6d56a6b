"""The map's read side: values per child unit, shapes for units the older boundaries know, query bound."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.service import InvalidInput, NotFound
from lantu.monitoring.mapdata import MAPS_DIR, map_data, map_index
from lantu.monitoring.services import ValueEntry, record_values
from lantu.orgunits.models import OrgUnit

pytestmark = pytest.mark.django_db

GDP_2022 = {
    "330102": 1000,  # the new 上城区 (merged with most of 江干区 in 2021)
    "330106": 2000,  # 西湖区, unchanged
    "330110": 3000,  # the new, smaller 余杭区
    "330113": 4000,  # 临平区, new in 2021
    "330114": 5000,  # 钱塘区, new in 2021
    "330112": 600,  # 临安区: was 临安市 until 2017, same ground
}


def _record(system: Any, figures: dict[str, int], period: str = "2022", *, approved: bool = True) -> None:
    entries = [ValueEntry("GDP", code, period, Decimal(v)) for code, v in figures.items()]
    record_values(system, entries, approved=approved, demo=True)


def test_hangzhou_districts_in_2022_with_values_and_shapes(system: Any) -> None:
    _record(system, GDP_2022)
    data = map_data("GDP", "2022", "330100")
    by_name = {c.unit.name_zh: c for c in data.children}
    assert "临平区" in by_name
    assert "钱塘区" in by_name
    assert "江干区" not in by_name  # dissolved in 2021
    assert "下城区" not in by_name
    assert by_name["临平区"].value == Decimal(4000)
    assert by_name["临平区"].text == "4000亿元"
    assert by_name["临平区"].is_demo
    assert by_name["临平区"].origin == "reported"
    assert by_name["桐庐县"].value is None
    assert by_name["桐庐县"].text == ""
    # The shapes are of early 2017: new units made by splits and mergers have none …
    assert not by_name["临平区"].has_shape
    assert not by_name["钱塘区"].has_shape
    assert not by_name["上城区"].has_shape  # the old 上城区 shape is a smaller area
    assert not by_name["萧山区"].has_shape  # lost five streets to 钱塘区
    # … unchanged units and changes of status over the same ground keep theirs.
    assert by_name["西湖区"].shape_name == "西湖区"
    assert by_name["临安区"].shape_name == "临安市"
    assert data.map_file == "maps/330100.json"
    assert data.unit == "亿元"
    assert data.is_demo
    assert data.periods == ["2022"]
    old = {o.name: o for o in data.old_shapes}
    assert set(old["江干区"].now_in) == {"上城区", "钱塘区"}
    assert set(old["余杭区"].now_in) == {"余杭区", "临平区"}
    assert "西湖区" not in old


def test_shapes_match_their_own_records_before_the_changes(system: Any) -> None:
    data = map_data("GDP", "2020", "330100")
    by_name = {c.unit.name_zh: c for c in data.children}
    assert by_name["江干区"].has_shape
    assert by_name["余杭区"].has_shape
    assert "临平区" not in by_name
    assert data.old_shapes == []


def test_cities_of_the_province_from_aggregates(system: Any) -> None:
    _record(system, GDP_2022)
    data = map_data("GDP", "2022", "330000")
    assert len(data.children) == 11
    hangzhou = next(c for c in data.children if c.unit.code == "330100")
    assert hangzhou.origin == "aggregate"
    assert hangzhou.value == Decimal(sum(GDP_2022.values()))
    assert hangzhou.text == "1.56万亿元"
    assert hangzhou.is_demo
    assert hangzhou.has_map
    assert all(c.has_shape for c in data.children)
    ningbo = next(c for c in data.children if c.unit.code == "330200")
    assert ningbo.value is None


def test_basis_approved_ignores_unapproved_values(system: Any) -> None:
    _record(system, {"330106": 2000})
    _record(system, {"330106": 2500}, approved=False)  # a newer draft
    approved = {c.unit.code: c.value for c in map_data("GDP", "2022", "330100").children}
    preliminary = {c.unit.code: c.value for c in map_data("GDP", "2022", "330100", "preliminary").children}
    assert approved["330106"] == Decimal(2000)
    assert preliminary["330106"] == Decimal(2500)


def test_latest_period_when_none_given(system: Any) -> None:
    _record(system, {"330106": 10}, "2019")
    _record(system, {"330106": 20}, "2021")
    data = map_data("GDP", None, "330100")
    assert data.period == "2021"
    assert data.periods == ["2019", "2021"]


def test_fixed_number_of_queries(system: Any, django_assert_max_num_queries: Any) -> None:
    _record(system, GDP_2022)
    map_index()  # read the shapes' index outside the count
    with django_assert_max_num_queries(8):
        province = map_data("GDP", "2022", "330000")
    with django_assert_max_num_queries(8):
        city = map_data("GDP", "2022", "330100")
    assert len(province.children) == 11
    assert len(city.children) > 11


def test_refusals_say_what_is_wrong(system: Any) -> None:
    with pytest.raises(NotFound):
        map_data("NO_SUCH", "2022")
    with pytest.raises(InvalidInput) as bad_period:
        map_data("GDP", "22")
    assert bad_period.value.problems[0].field == "period"
    assert "不是有效的报告期" in bad_period.value.problems[0].message_zh
    with pytest.raises(InvalidInput) as bad_basis:
        map_data("GDP", "2022", basis="draft")
    assert bad_basis.value.problems[0].field == "basis"
    with pytest.raises(NotFound):
        map_data("GDP", "2022", "339999")


def test_every_current_unit_is_either_shaped_or_listed(system: Any) -> None:
    """Each unit valid today is in the children list of its city; the shapes index covers all cities."""
    index = map_index()
    assert set(index.maps) == {"330000", *(f"33{n:02d}00" for n in range(1, 12))}
    data = map_data("GDP", "2023", "330300")
    longgang = next(c for c in data.children if c.unit.name_zh == "龙港市")
    assert not longgang.has_shape


def test_committed_shapes_match_the_org_units(system: Any) -> None:
    """Every shape names a record under its map's parent, and the files hold what the index says."""
    index = map_index()
    units = {u.key: u for u in OrgUnit.objects.select_related("parent")}
    for parent_code, shapes in index.maps.items():
        geojson = json.loads((MAPS_DIR / f"{parent_code}.json").read_text(encoding="utf-8"))
        assert [f["properties"]["key"] for f in geojson["features"]] == [s.key for s in shapes]
        for shape in shapes:
            unit = units[shape.key]
            assert unit.code == shape.code
            assert unit.parent is not None
            assert unit.parent.code == parent_code
            assert unit.is_valid_on(index.shapes_as_of)
