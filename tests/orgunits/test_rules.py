"""Bad org-unit input is refused with a clear message, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput
from lantu.orgunits.loader import load_org_units, read_org_unit_rows
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.services import OrgUnitSpec, create_org_unit, end_org_unit

pytestmark = pytest.mark.django_db


def spec(**kw: Any) -> OrgUnitSpec:
    base: dict[str, Any] = {
        "key": "339901",
        "code": "339901",
        "name_zh": "测试县",
        "name_en": "Test County",
        "level": "county",
        "kind": "county",
        "parent_key": "330100",
    }
    return OrgUnitSpec(**(base | kw))


def test_valid_to_before_valid_from_is_refused(system: Any) -> None:
    before = OrgUnit.objects.count()
    with pytest.raises(InvalidInput) as info:
        create_org_unit(system, spec(valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2019, 1, 1)))
    assert "失效日期 2019-01-01 早于生效日期 2020-01-01" in str(info.value)
    assert OrgUnit.objects.count() == before


def test_unknown_parent_and_bad_code_are_both_reported(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        create_org_unit(system, spec(code="33A", parent_key="999999"))
    fields = {p.field for p in info.value.problems}
    assert fields == {"code", "parent_key"}


def test_overlapping_code_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        create_org_unit(system, spec(key="330106-dup", code="330106"))
    assert "重叠" in str(info.value)


def test_county_under_province_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="层级"):
        create_org_unit(system, spec(parent_key="330000"))


def test_created_unit_is_audited(system: Any) -> None:
    unit = create_org_unit(system, spec(valid_from=dt.date(2024, 1, 1)))
    event = AuditEvent.objects.get(action="orgunits.create", object_id=str(unit.pk))
    assert event.actor_label == "system:test"
    assert event.after is not None
    assert event.after["code"] == "339901"


def test_end_unit_refuses_date_before_start(system: Any) -> None:
    unit = create_org_unit(system, spec(valid_from=dt.date(2024, 1, 1)))
    with pytest.raises(InvalidInput):
        end_org_unit(system, unit.key, dt.date(2023, 1, 1))


def test_loader_reports_every_bad_row_and_writes_nothing(system: Any, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(
        "key,code,name_zh,name_en,level,kind,parent_key,valid_from,valid_to,successors,change_note,source\n"
        "339901,339901,甲县,A,county,county,330100,2020-01-01,2019-01-01,,,t\n"
        "339902,339902,乙县,B,county,county,NOPE,,,,,t\n"
        "339903,339903,丙县,C,county,county,330100,,,,,t\n",
        encoding="utf-8",
    )
    before = OrgUnit.objects.count()
    with pytest.raises(InvalidInput) as info:
        load_org_units(system, bad)
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "valid_to"), (3, "parent_key")]
    assert OrgUnit.objects.count() == before


def test_bad_date_text_names_row_and_column() -> None:
    lines = [
        "key,code,name_zh,name_en,level,kind,parent_key,valid_from,valid_to,successors,change_note,source\n",
        "339901,339901,甲县,A,county,county,330100,2020-13-01,,,,t\n",
    ]
    with pytest.raises(InvalidInput) as info:
        read_org_unit_rows(lines)
    problem = info.value.problems[0]
    assert (problem.row, problem.field) == (2, "valid_from")


def test_missing_column_is_reported() -> None:
    with pytest.raises(InvalidInput, match="缺少列"):
        read_org_unit_rows(["key,code\n"])
