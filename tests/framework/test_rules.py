"""Framework rules: bad input is refused with a message and nothing written; changes are versioned."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, PermissionDeniedError
from lantu.framework import services as fw
from lantu.framework.models import Area, Indicator, IndicatorVersion, Programme, Target

pytestmark = pytest.mark.django_db


def indicator_spec(**kw: Any) -> fw.IndicatorSpec:
    base: dict[str, Any] = {
        "code": "TEST_IND",
        "goal_code": "ECON_TWO_WHEELS",
        "name_zh": "测试指标",
        "name_en": "Test",
        "unit": "亿元",
        "direction": "higher",
        "aggregation": "sum",
    }
    return fw.IndicatorSpec(**(base | kw))


def test_target_without_a_year_is_refused(system: Any) -> None:
    before = Target.objects.count()
    with pytest.raises(InvalidInput, match="目标必须有年份"):
        fw.set_target(system, fw.TargetSpec("DE_TOTAL", "330000", None, ">=", Decimal(5), "万亿元"))
    assert Target.objects.count() == before


def test_target_with_unknown_unit_code_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="未知区划代码“339999”"):
        fw.set_target(system, fw.TargetSpec("DE_TOTAL", "339999", 2022, ">=", Decimal(5), "万亿元"))


def test_target_for_unit_not_valid_in_that_year_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="2023 年无效"):
        fw.set_target(system, fw.TargetSpec("DE_TOTAL", "330104", 2023, ">=", Decimal(1), "亿元"))


def test_target_in_an_incompatible_unit_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="量纲不同"):
        fw.set_target(system, fw.TargetSpec("DE_TOTAL", "330000", 2022, ">=", Decimal(5), "%"))


def test_target_with_bad_comparator_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput, match="比较符"):
        fw.set_target(system, fw.TargetSpec("DE_TOTAL", "330000", 2022, "≈", Decimal(5), "万亿元"))


def test_changing_a_target_keeps_the_old_version(system: Any, admin_user: Any) -> None:
    fw.set_target(
        admin_user, fw.TargetSpec("DE_TOTAL", "330000", 2022, ">=", Decimal("4.2"), "万亿元"), reason="调整目标"
    )
    versions = list(Target.objects.filter(indicator__code="DE_TOTAL", year=2022).order_by("version"))
    assert [(v.version, v.value) for v in versions] == [(1, Decimal(4)), (2, Decimal("4.2"))]
    assert versions[1].created_by == admin_user
    assert versions[1].reason == "调整目标"
    assert versions[0].actor_label == "system:test"


def test_withdrawing_a_target_adds_a_version(system: Any) -> None:
    fw.withdraw_target(system, "FIBRE_SHARE", "330000", 2022, reason="测试撤销")
    rows = Target.objects.filter(indicator__code="FIBRE_SHARE").order_by("version")
    assert [r.withdrawn for r in rows] == [False, True]


def test_cycle_in_area_tree_is_refused(system: Any) -> None:
    fw.create_area(system, "DZJ", fw.AreaSpec("T_CHILD", "子", "child", "sub_area", parent_code="TECH_BASE"))
    with pytest.raises(InvalidInput, match="成环"):
        fw.move_area(system, "DZJ", "TECH", "T_CHILD")
    with pytest.raises(InvalidInput, match="成环"):
        fw.move_area(system, "DZJ", "TECH", "TECH")
    assert Area.objects.get(code="TECH").parent is None


def test_formula_referring_to_a_missing_indicator_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        fw.create_indicator(system, "DZJ", indicator_spec(formula="100 * DE_TOTAL / NO_SUCH"))
    assert info.value.problems[0].field == "formula"
    assert "NO_SUCH" in info.value.problems[0].message_zh
    assert not Indicator.objects.filter(code="TEST_IND").exists()


def test_formula_referring_to_itself_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        fw.create_indicator(system, "DZJ", indicator_spec(formula="TEST_IND + 1"))
    assert info.value.problems[0].field == "formula"


def test_formulas_forming_a_cycle_are_refused(system: Any) -> None:
    fw.create_indicator(system, "DZJ", indicator_spec(formula="2 * GDP"))
    with pytest.raises(InvalidInput) as info:
        fw.update_indicator(system, "GDP", {"formula": "TEST_IND / 2"}, reason="试图成环")
    assert "TEST_IND" in info.value.problems[0].message_zh


def test_weighted_mean_needs_a_weight(system: Any) -> None:
    with pytest.raises(InvalidInput, match="权重"):
        fw.create_indicator(system, "DZJ", indicator_spec(aggregation="weighted_mean"))


def test_unknown_unit_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        fw.create_indicator(system, "DZJ", indicator_spec(unit="斤"))
    assert info.value.problems[0].field == "unit"


def test_definition_change_is_a_new_version_with_who_when_why(admin_user: Any) -> None:
    fw.update_indicator(admin_user, "GDP", {"definition_zh": "按当年价格计算的地区生产总值。"}, reason="补充定义")
    indicator = Indicator.objects.get(code="GDP")
    assert indicator.version == 2
    v1, v2 = IndicatorVersion.objects.filter(indicator=indicator).order_by("version")
    assert v1.definition["definition_zh"] == ""
    assert v2.definition["definition_zh"] == "按当年价格计算的地区生产总值。"
    assert (v2.created_by, v2.reason) == (admin_user, "补充定义")
    event = AuditEvent.objects.filter(action="framework.indicator.update").latest("id")
    assert event.before is not None
    assert event.after is not None
    assert (event.before["definition_zh"], event.after["definition_zh"]) == ("", "按当年价格计算的地区生产总值。")


def test_definition_change_needs_a_reason(system: Any) -> None:
    with pytest.raises(InvalidInput, match="原因"):
        fw.update_indicator(system, "GDP", {"definition_zh": "x"}, reason=" ")


def test_reporter_may_not_change_the_framework(county_reporter: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        fw.update_indicator(county_reporter, "GDP", {"definition_zh": "x"}, reason="r")
    assert Indicator.objects.get(code="GDP").version == 1


def test_descriptive_edits_are_audited_and_limited(admin_user: Any) -> None:
    fw.update_area(admin_user, "DZJ", "TECH", {"description_zh": "关键动力"}, reason="补充说明")
    assert Area.objects.get(code="TECH").description_zh == "关键动力"
    event = AuditEvent.objects.filter(action="framework.area.update").latest("id")
    assert (event.before, event.after, event.reason) == (
        {"description_zh": ""},
        {"description_zh": "关键动力"},
        "补充说明",
    )
    with pytest.raises(InvalidInput, match="不能修改的字段"):
        fw.update_area(admin_user, "DZJ", "TECH", {"programme": None})
    with pytest.raises(InvalidInput, match="名称不能为空"):
        fw.update_goal(admin_user, "ECON_DEMO", {"name_zh": " "})
    with pytest.raises(InvalidInput, match="规划期"):
        fw.update_goal(admin_user, "ECON_DEMO", {"target_year": 1990})
    fw.update_programme(admin_user, "DZJ", {"name_en": "Deepening Digital Zhejiang (2019-2022)"})
    assert Programme.objects.get(code="DZJ").name_en.endswith("(2019-2022)")
