"""The org-unit tree on any date: the 2021 Hangzhou redistricting and earlier changes."""

from __future__ import annotations

import datetime as dt

import pytest

from lantu.accounts.service import InvalidInput
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import resolve_org_unit, units_on

pytestmark = pytest.mark.django_db


def names_on(day: str) -> set[str]:
    return {u.name_zh for u in units_on(dt.date.fromisoformat(day))}


def test_2023_has_102_units_1_11_90() -> None:
    units = units_on(dt.date(2023, 6, 30))
    assert len(units) == 102
    assert [sum(u.level == lv for u in units) for lv in ("province", "city", "county")] == [1, 11, 90]


def test_2020_has_the_old_hangzhou_districts() -> None:
    names = names_on("2020-06-30")
    assert {"江干区", "下城区"} <= names
    assert not {"临平区", "钱塘区"} & names


def test_2016_has_linan_city_fenghua_city_yuhuan_county() -> None:
    names = names_on("2016-06-30")
    assert {"临安市", "奉化市", "玉环县", "江东区"} <= names
    assert not {"临安区", "奉化区", "玉环市", "龙港市"} & names


def test_2023_has_the_new_units() -> None:
    names = names_on("2023-06-30")
    assert {"临平区", "钱塘区", "龙港市", "临安区", "奉化区", "玉环市"} <= names
    assert not {"江干区", "下城区", "临安市"} & names


def test_one_code_two_records_resolved_by_date() -> None:
    old = resolve_org_unit("330102", dt.date(2020, 6, 30))
    new = resolve_org_unit("330102", dt.date(2022, 6, 30))
    assert old.pk != new.pk
    assert old.valid_to == dt.date(2021, 4, 8)
    assert new.valid_from == dt.date(2021, 4, 9)
    assert new in old.successors.all()


def test_jianggan_is_succeeded_by_shangcheng_and_qiantang() -> None:
    jianggan = OrgUnit.objects.get(code="330104")
    assert {s.name_zh for s in jianggan.successors.all()} == {"上城区", "钱塘区"}


def test_code_not_valid_on_date_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        resolve_org_unit("330104", dt.date(2022, 1, 1))
    assert "330104" in str(info.value)


def test_paths_make_descendants_a_prefix_match() -> None:
    hangzhou = OrgUnit.objects.get(code="330100")
    under = OrgUnit.objects.filter(path__startswith=hangzhou.path).exclude(pk=hangzhou.pk)
    assert {"江干区", "钱塘区", "临安市", "临安区"} <= {u.name_zh for u in under}
    assert all(u.parent is not None and u.parent.code == "330100" for u in under)


def test_every_record_has_a_source() -> None:
    assert not OrgUnit.objects.filter(source="").exists()
