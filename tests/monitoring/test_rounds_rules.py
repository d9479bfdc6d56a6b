"""Reporting rounds and validation rules: set-up checks, and what they do to entries."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound, PermissionDeniedError
from lantu.core import checks
from lantu.framework.models import Programme
from lantu.monitoring.models import DataValue, ReportingRound, ValidationRule, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.rounds import RoundSpec, RuleSpec, create_round, create_rule, set_round_status
from lantu.monitoring.validation import rules_for
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

BASE = RoundSpec(
    code="HZ2022",
    programme_code="DZJ",
    title_zh="2022年度数字经济数据填报",
    period="2022",
    opens_on=dt.date(2023, 1, 1),
    deadline=dt.date(2023, 3, 31),
    indicator_codes=("GDP", "DE_TOTAL"),
    org_unit_codes=("330106", "330110"),
    approval_levels=2,
)


def _problems(info: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in info.value.problems]


# --- rounds ------------------------------------------------------------------------------


def test_round_is_created_closed_with_the_records_valid_in_its_period(system: Any) -> None:
    rnd = create_round(system, BASE)
    assert rnd.status == "draft"
    assert rnd.period == "2022"
    assert rnd.approval_levels == 2
    assert sorted(rnd.indicators.values_list("code", flat=True)) == ["DE_TOTAL", "GDP"]
    # 余杭区 330110 was redrawn on 2021-04-09: a 2022 round gets the new record.
    assert sorted(rnd.org_units.values_list("key", flat=True)) == ["330106", "330110@2021-04-09"]
    event = AuditEvent.objects.get(action="monitoring.round.create")
    assert event.after is not None
    assert event.after["org_units"] == ["330106", "330110"]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        pytest.param({"period": "2022年度"}, "period", "不是有效的报告期", id="bad-period"),
        pytest.param({"deadline": dt.date(2022, 12, 31)}, "deadline", "截止日期早于开始日期", id="deadline-first"),
        pytest.param({"indicator_codes": ("GDP", "NOPE")}, "indicators", "未知指标：NOPE", id="unknown-indicator"),
        pytest.param({"period": "2022Q1"}, "period", "指标频度与报告期不符：DE_TOTAL、GDP", id="frequency"),
        # 江干区 330104 was dissolved on 2021-04-09: it cannot report for 2022.
        pytest.param({"org_unit_codes": ("330106", "330104")}, "org_units", "区划 330104 在报告期末无效", id="gone"),
        pytest.param({"org_unit_codes": ()}, "org_units", "按行政区划填报需要填报单位", id="no-units"),
    ],
)
def test_a_bad_round_is_refused_with_a_clear_message_and_nothing_written(
    system: Any, changes: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        create_round(system, dataclasses.replace(BASE, **changes))
    (problem,) = info.value.problems
    assert problem.field == field
    assert words in problem.message_zh
    assert problem.message_en
    assert not ReportingRound.objects.exists()
    assert not AuditEvent.objects.filter(action="monitoring.round.create").exists()


def test_the_same_unit_reports_in_a_2020_round(system: Any) -> None:
    rnd = create_round(system, dataclasses.replace(BASE, period="2020", org_unit_codes=("330104",)))
    assert [u.name_zh for u in rnd.org_units.all()] == ["江干区"]


def test_only_the_programme_office_sets_up_rounds(county_reporter: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        create_round(county_reporter, BASE)
    assert not ReportingRound.objects.exists()


def test_round_status_opens_closes_and_is_audited(system: Any) -> None:
    create_round(system, BASE)
    assert set_round_status(system, "HZ2022", "open").status == "open"
    assert set_round_status(system, "HZ2022", "closed", reason="截止日期已过").status == "closed"
    set_round_status(system, "HZ2022", "closed")  # no change, no audit row
    events = AuditEvent.objects.filter(action="monitoring.round.status").order_by("id")
    assert [(e.before, e.after, e.reason) for e in events] == [
        ({"status": "draft"}, {"status": "open"}, ""),
        ({"status": "open"}, {"status": "closed"}, "截止日期已过"),
    ]
    with pytest.raises(InvalidInput, match="未知状态"):
        set_round_status(system, "HZ2022", "paused")
    with pytest.raises(NotFound):
        set_round_status(system, "NOPE", "open")
    assert ReportingRound.objects.get().status == "closed"


# --- rules -------------------------------------------------------------------------------


def _range_rule(system: Any, severity: str = "error") -> None:
    create_rule(
        system,
        RuleSpec(
            code="SHARE_0_100",
            programme_code="DZJ",
            kind="range",
            severity=severity,
            indicator_code="DE_GDP_SHARE",
            minimum=Decimal(0),
            maximum=Decimal(100),
            message_zh="数字经济占比应在0到100之间",
            message_en="the share must be between 0 and 100",
        ),
    )


def _fibre_rule(system: Any) -> None:
    create_rule(
        system,
        RuleSpec(
            code="FIBRE_LE_BROADBAND",
            programme_code="DZJ",
            kind="expression",
            left="FIBRE_USERS",
            comparator="<=",
            right="BROADBAND_USERS",
            message_zh="光纤用户数不能多于宽带用户数",
            message_en="fibre users cannot exceed broadband users",
        ),
    )


def _yoy_rule(system: Any) -> None:
    create_rule(
        system,
        RuleSpec(
            code="GDP_YOY",
            programme_code="DZJ",
            kind="yoy",
            severity="warning",
            indicator_code="GDP",
            max_change_pct=Decimal(20),
            message_zh="地区生产总值同比变化超过20%，请核实",
            message_en="GDP changed by more than 20% on a year earlier; please check",
        ),
    )


def test_rules_of_each_kind_are_stored_and_loaded_for_checking(system: Any) -> None:
    _range_rule(system)
    _fibre_rule(system)
    _yoy_rule(system)
    stored = {r.code: (r.kind, r.severity) for r in ValidationRule.objects.all()}
    assert stored == {
        "SHARE_0_100": ("range", "error"),
        "FIBRE_LE_BROADBAND": ("expression", "error"),
        "GDP_YOY": ("yoy", "warning"),
    }
    loaded = {r.code: r for r in rules_for(Programme.objects.get(code="DZJ"))}
    share, fibre, yoy = loaded["SHARE_0_100"], loaded["FIBRE_LE_BROADBAND"], loaded["GDP_YOY"]
    assert isinstance(share, checks.RangeRule)
    assert (share.indicator, share.minimum, share.maximum) == ("DE_GDP_SHARE", Decimal(0), Decimal(100))
    assert isinstance(fibre, checks.ExpressionRule)
    assert fibre.references == {"FIBRE_USERS", "BROADBAND_USERS"}
    assert isinstance(yoy, checks.YoYRule)
    assert yoy.max_change_pct == Decimal(20)
    assert AuditEvent.objects.filter(action="monitoring.rule.create").count() == 3


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        pytest.param(RuleSpec("R1", "DZJ", "range", "x", indicator_code="GDP"), "minimum", id="range-no-bounds"),
        pytest.param(
            RuleSpec("R1", "DZJ", "range", "x", indicator_code="GDP", minimum=Decimal(5), maximum=Decimal(1)),
            "maximum",
            id="range-upside-down",
        ),
        pytest.param(RuleSpec("R1", "DZJ", "range", "x", indicator_code="NOPE", minimum=Decimal(0)), "indicator"),
        pytest.param(RuleSpec("R1", "DZJ", "yoy", "x", indicator_code="GDP"), "max_change_pct", id="yoy-no-limit"),
        pytest.param(
            RuleSpec("R1", "DZJ", "expression", "x", left="FIBRE_USERS", comparator="<=", right="NOPE_USERS"),
            "right",
            id="expression-unknown-indicator",
        ),
        pytest.param(
            RuleSpec("R1", "DZJ", "expression", "x", left="GDP", comparator="=>", right="DE_TOTAL"),
            "comparator",
            id="expression-bad-comparator",
        ),
        pytest.param(
            RuleSpec("R1", "DZJ", "range", "", indicator_code="GDP", minimum=Decimal(0)), "message_zh", id="no-text"
        ),
    ],
)
def test_a_bad_rule_is_refused(system: Any, spec: RuleSpec, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        create_rule(system, spec)
    assert [p.field for p in info.value.problems] == [field]
    assert not ValidationRule.objects.exists()


def test_a_range_error_refuses_the_batch_naming_the_row(system: Any) -> None:
    _range_rule(system)
    entries = [
        ValueEntry("GDP", "330106", "2022", Decimal(2000)),
        ValueEntry("DE_GDP_SHARE", "330106", "2022", Decimal(120)),
        ValueEntry("DE_GDP_SHARE", "330108", "2022", Decimal(60)),
    ]
    with pytest.raises(InvalidInput) as info:
        record_values(system, entries)
    assert _problems(info) == [(2, "value")]
    assert info.value.problems[0].message_zh == "数字经济占比应在0到100之间"
    assert not DataValue.objects.exists()
    assert not ValueState.objects.exists()
    # Within the range the same batch goes through.
    entries[1] = ValueEntry("DE_GDP_SHARE", "330106", "2022", Decimal(45))
    assert record_values(system, entries).written == 3


def test_a_range_warning_does_not_block(system: Any) -> None:
    _range_rule(system, severity="warning")
    result = record_values(system, [ValueEntry("DE_GDP_SHARE", "330106", "2022", Decimal(-1))])
    assert result.written == 1
    assert [f.rule for f in result.flags] == ["SHARE_0_100"]


def test_an_expression_reads_a_stored_input_and_one_in_the_batch(system: Any) -> None:
    _fibre_rule(system)
    # Alone, the fibre figure cannot be checked: the rule stays silent until both exist.
    record_values(system, [ValueEntry("FIBRE_USERS", "330106", "2022", Decimal(90))])
    batch = [
        ValueEntry("GDP", "330106", "2022", Decimal(2000)),
        ValueEntry("BROADBAND_USERS", "330106", "2022", Decimal(80)),  # fewer than the stored 90
    ]
    with pytest.raises(InvalidInput) as info:
        record_values(system, batch)
    assert _problems(info) == [(2, "value")]
    assert info.value.problems[0].message_zh == "光纤用户数不能多于宽带用户数"
    assert DataValue.objects.count() == 1
    # Another unit's figures are not compared with 西湖区's.
    record_values(system, [ValueEntry("BROADBAND_USERS", "330108", "2022", Decimal(80))])
    # Nor another year's.
    record_values(system, [ValueEntry("BROADBAND_USERS", "330106", "2021", Decimal(80))])
    batch[1] = ValueEntry("BROADBAND_USERS", "330106", "2022", Decimal(95))
    assert record_values(system, batch).written == 2
    # The other way round: a stored denominator, a new numerator that exceeds it.
    with pytest.raises(InvalidInput) as info:
        record_values(system, [ValueEntry("FIBRE_USERS", "330106", "2022", Decimal(96), row=7)])
    assert _problems(info) == [(7, "value")]
    assert DataValue.objects.filter(indicator__code="FIBRE_USERS").get().value == Decimal(90)


def test_a_yoy_warning_flags_but_writes(system: Any) -> None:
    _yoy_rule(system)
    record_values(system, [ValueEntry("GDP", "330106", "2021", Decimal(1000))])
    result = record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1500))])
    assert result.written == 1
    (flag,) = result.flags
    assert (flag.cell, flag.rule, flag.severity) == (("GDP", "330106", "2022"), "GDP_YOY", "warning")
    assert "同比变化 50.0%" in flag.message_zh
    state = ValueState.objects.get(indicator__code="GDP", period="2022")
    assert state.current.value == Decimal(1500)
    assert state.flags == [{"rule": "GDP_YOY", "message_zh": flag.message_zh, "message_en": flag.message_en}]
    assert ValueState.objects.get(indicator__code="GDP", period="2021").flags == []
    # A correction within the limit clears the stored flag.
    result = record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1100))])
    assert (result.written, result.flags) == (1, [])
    state.refresh_from_db()
    assert state.flags == []


# --- entry into rounds -------------------------------------------------------------------


def test_entry_into_a_round_that_is_not_open_is_refused(
    system: Any, county_reporter: Any, make_round: MakeRound
) -> None:
    make_round("XH2022", ["GDP"], ["330106"], status="draft")
    entry = [ValueEntry("GDP", "330106", "2022", Decimal(2000))]
    with pytest.raises(InvalidInput, match="未开放"):
        record_values(county_reporter, entry, round_code="XH2022")
    set_round_status(system, "XH2022", "closed")
    with pytest.raises(InvalidInput, match="未开放"):
        record_values(county_reporter, entry, round_code="XH2022")
    set_round_status(system, "XH2022", "open")
    assert record_values(county_reporter, entry, round_code="XH2022").written == 1
    assert ValueState.objects.get().round == ReportingRound.objects.get(code="XH2022")
    with pytest.raises(NotFound):
        record_values(county_reporter, entry, round_code="NOPE")


def test_entry_outside_the_round_s_period_indicators_or_units_is_refused(system: Any, make_round: MakeRound) -> None:
    make_round("XH2022", ["GDP", "DE_TOTAL"], ["330106"])
    entries = [
        ValueEntry("GDP", "330106", "2022", Decimal(2000)),
        ValueEntry("GDP", "330106", "2021", Decimal(1900)),  # another period
        ValueEntry("FIBRE_USERS", "330106", "2022", Decimal(90)),  # not in the round
        ValueEntry("GDP", "330108", "2022", Decimal(1000)),  # 滨江区 is not in the round
    ]
    with pytest.raises(InvalidInput) as info:
        record_values(system, entries, round_code="XH2022")
    assert _problems(info) == [(2, "period"), (3, "indicator"), (4, "org_unit")]
    assert "报告期应为 2022" in info.value.problems[0].message_zh
    assert not DataValue.objects.exists()
