"""The default programme holds the seed's six key tasks and every quantitative 2022 target."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from lantu.framework import selectors
from lantu.framework.models import Area, Goal, Indicator, Milestone, Programme

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "lantu" / "framework" / "data"
SEED = (DATA / "seed_digital_zhejiang.txt").read_text(encoding="utf-8")

# (indicator, comparator, value, unit, baseline multiple) as the seed states them.
SEED_TARGETS = {
    "DE_TOTAL": (">=", Decimal(4), "万亿元", Decimal(2)),
    "DE_GDP_SHARE": (">=", Decimal(55), "%", None),
    "GOV_MOBILE_SHARE": (">=", Decimal(80), "%", None),
    "NET_INTEGRATION": (">=", Decimal(100), "%", None),
    "INTERNET_PENETRATION": (">", Decimal(80), "%", None),
    "FIBRE_SHARE": (">", Decimal(93), "%", None),
    "INTERPROV_BANDWIDTH": (">=", Decimal(60), "Tbps", None),
}


def squash(text: str) -> str:
    """The seed is wrapped and spaced oddly; compare texts without any whitespace."""
    return re.sub(r"\s+", "", text)


def test_six_key_tasks_in_the_seeds_order() -> None:
    programme = Programme.objects.get(code="DZJ")
    roots = Area.objects.filter(programme=programme, parent=None).order_by("order")
    assert [a.name_zh for a in roots] == [
        "数字科技创新",
        "云上浙江",
        "数据强省",
        "政府数字化转型",
        "经济数字化转型",
        "社会数字化转型",
    ]
    assert [a.role_zh for a in roots] == ["一大关键动力"] + ["两大基础支撑"] * 2 + ["三大重点领域"] * 3


def test_every_quantitative_target_is_loaded_with_the_seeds_numbers() -> None:
    found = {}
    for indicator in selectors.indicators().filter(is_supporting=False):
        (target,) = selectors.current(indicator.targets.all())
        found[indicator.code] = (target.comparator, target.value, target.unit, target.baseline_multiple)
        assert target.year == 2022
        assert target.org_unit.code == "330000"
    assert found == SEED_TARGETS


def test_digital_economy_doubles_the_2017_value() -> None:
    (target,) = selectors.current(Indicator.objects.get(code="DE_TOTAL").targets.all())
    assert target.baseline_year == 2017
    assert selectors.target_value_in_indicator_unit(target) == Decimal(40000)  # 4万亿元 in 亿元
    assert selectors.resolved_threshold(target, []) is None  # the seed gives no 2017 value


def test_every_source_text_is_a_quote_from_the_seed() -> None:
    data = yaml.safe_load((DATA / "digital_zhejiang.yaml").read_text(encoding="utf-8"))
    quotes: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            quotes.extend(v for k, v in node.items() if k == "source_text" and isinstance(v, str))
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(data)
    assert len(quotes) > 50
    seed = squash(SEED)
    missing = [q for q in quotes if squash(q) not in seed]
    assert missing == []


def test_named_lists_are_loaded_and_nothing_more() -> None:
    gov = Area.objects.get(code="GOV")
    assert {a.name_zh for a in gov.children.all()} == {"经济监测运行分析平台", "市场监管平台", "党政办公平台"}
    soc = Area.objects.get(code="SOC")
    assert soc.children.count() == 10


def test_qualitative_outcomes_are_goals_with_milestones() -> None:
    qualitative = Goal.objects.filter(kind="qualitative")
    assert {"CLOUD_5G", "CLOUD_IPV6", "ECON_DEMO", "GOV_PIONEER", "SOC_MODEL", "TECH_HIGHLAND"} <= set(
        qualitative.values_list("code", flat=True)
    )
    assert not Indicator.objects.filter(goal__in=qualitative).exists()
    assert all(g.milestones.exists() for g in qualitative)
    assert Milestone.objects.filter(goal__code="SOC_SCENARIOS").count() == 10


def test_supporting_indicators_have_no_targets() -> None:
    supporting = Indicator.objects.filter(is_supporting=True)
    assert supporting.count() >= 8
    assert not any(i.targets.exists() for i in supporting)


def test_share_of_gdp_is_a_formula_over_other_indicators() -> None:
    share = Indicator.objects.get(code="DE_GDP_SHARE")
    assert share.formula == "100 * DE_TOTAL / GDP"
    assert (share.numerator.code, share.denominator.code) == ("DE_TOTAL", "GDP")  # type: ignore[union-attr]


def test_leading_group_and_programme_office() -> None:
    programme = Programme.objects.get(code="DZJ")
    assert programme.leading_group is not None
    assert programme.leading_group.name_zh == "深化数字浙江建设领导小组"
    office = {(m.department.short_name_zh, m.role) for m in programme.office.all()}
    assert office == {
        ("省发展改革委", "lead"),
        ("省经信厅", "cooperating"),
        ("省科技厅", "cooperating"),
        ("省大数据局", "cooperating"),
    }
