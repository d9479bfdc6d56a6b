"""Submission and two-level approval of a units round, returns, notifications, history, compare-and-set."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.db.models import F
from django.test import Client

from lantu.accounts.models import Notification
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.monitoring.models import Aggregate, ApprovalEvent, DataValue, ReportingRound, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.approval import _move, approve_values, return_value, submit_values
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

ROUND = "HZ2022"
CaptureOnCommit = Callable[..., Any]


@pytest.fixture
def rnd(make_round: MakeRound) -> ReportingRound:
    """2022, 西湖区 and 余杭区, two levels: 杭州市 approves, then 浙江省."""
    return make_round(ROUND, ["DE_TOTAL", "GDP"], ["330106", "330110"], levels=2)


def _enter(actor: Any, de_total: int = 3000, gdp: int = 6000, unit: str = "330106") -> None:
    record_values(
        actor,
        [ValueEntry("DE_TOTAL", unit, "2022", Decimal(de_total)), ValueEntry("GDP", unit, "2022", Decimal(gdp))],
        round_code=ROUND,
    )


def _state(code: str, unit: str = "330106") -> ValueState:
    return ValueState.objects.select_related("current", "approved").get(
        indicator__code=code, org_unit__code=unit, period="2022"
    )


def _statuses() -> dict[str, tuple[str, int]]:
    return {code: (_state(code).status, _state(code).levels_done) for code in ("DE_TOTAL", "GDP")}


def _aggregate(code: str, unit: str, basis: str = "approved") -> Decimal | None:
    found = Aggregate.objects.filter(indicator__code=code, org_unit__key=unit, period="2022", basis=basis).first()
    return None if found is None else found.value


def _approve_fully(city_approver: Any, province_approver: Any) -> None:
    approve_values(city_approver, ROUND, "330106")
    approve_values(province_approver, ROUND, "330106")


def test_two_levels_of_approval_make_the_figures_official(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any, province_approver: Any
) -> None:
    _enter(county_reporter)
    assert submit_values(county_reporter, ROUND, "330106").moved == 2
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("submitted", 0)}
    assert _state("GDP").submitted_by == county_reporter

    first = approve_values(city_approver, ROUND, "330106")
    assert (first.moved, first.approved) == (2, 0)
    # One level done of two: still waiting, and not yet official.
    assert _statuses() == {"DE_TOTAL": ("submitted", 1), "GDP": ("submitted", 1)}
    assert _state("DE_TOTAL").approved is None
    assert _aggregate("DE_TOTAL", "330100") is None
    assert _aggregate("DE_TOTAL", "330100", "preliminary") == Decimal(3000)

    # The city's approver cannot also act for the province.
    with pytest.raises(PermissionDeniedError):
        approve_values(city_approver, ROUND, "330106")
    assert _statuses() == {"DE_TOTAL": ("submitted", 1), "GDP": ("submitted", 1)}

    second = approve_values(province_approver, ROUND, "330106")
    assert (second.moved, second.approved) == (2, 2)
    assert _statuses() == {"DE_TOTAL": ("approved", 2), "GDP": ("approved", 2)}
    state = _state("DE_TOTAL")
    assert state.approved == state.current
    assert state.approved is not None
    assert state.approved.value == Decimal(3000)
    # The official roll-ups of 杭州市 and 浙江省 now hold the value, and the computed share.
    for unit in ("330100", "330000"):
        assert _aggregate("DE_TOTAL", unit) == Decimal(3000)
        assert _aggregate("GDP", unit) == Decimal(6000)
        assert _aggregate("DE_GDP_SHARE", unit) == Decimal(50)
    assert _aggregate("DE_GDP_SHARE", "330106") == Decimal(50)  # computed at the district itself

    # Nothing is left to approve.
    with pytest.raises(InvalidInput, match="没有待审核的数据"):
        approve_values(province_approver, ROUND, "330106")


def test_history_lists_every_step(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any, province_approver: Any
) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    return_value(city_approver, ROUND, "330106", "DE_TOTAL", "请按全口径重新测算")
    _enter(county_reporter, de_total=3100)
    submit_values(county_reporter, ROUND, "330106")
    approve_values(city_approver, ROUND, "330106", comment="已核")
    approve_values(province_approver, ROUND, "330106")
    events = ApprovalEvent.objects.filter(state=_state("DE_TOTAL")).order_by("id")
    assert [(e.action, e.from_status, e.to_status, e.level, e.actor_label, e.value.version) for e in events] == [
        ("enter", "", "draft", 0, "xihu_reporter", 1),
        ("submit", "draft", "submitted", 0, "xihu_reporter", 1),
        ("return", "submitted", "returned", 0, "hz_approver", 1),
        ("enter", "returned", "draft", 0, "xihu_reporter", 2),
        ("submit", "draft", "submitted", 0, "xihu_reporter", 2),
        ("approve", "submitted", "submitted", 1, "hz_approver", 2),
        ("approve", "submitted", "approved", 2, "zj_approver", 2),
    ]
    assert [e.comment for e in events if e.comment] == ["请按全口径重新测算", "已核"]
    # GDP was never returned: it waited, submitted, while DE_TOTAL went back and forth.
    gdp = ApprovalEvent.objects.filter(state=_state("GDP")).order_by("id")
    assert [e.action for e in gdp] == ["enter", "submit", "approve", "approve"]


def test_an_incomplete_submission_is_refused_listing_what_is_missing(
    make_round: MakeRound, county_reporter: Any
) -> None:
    make_round(ROUND, ["DE_TOTAL", "GDP", "POPULATION"], ["330106"])
    record_values(county_reporter, [ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000))], round_code=ROUND)
    with pytest.raises(InvalidInput) as info:
        submit_values(county_reporter, ROUND, "330106")
    assert [(p.field, p.message_zh) for p in info.value.problems] == [
        ("indicator", "缺少指标 GDP 的数据"),
        ("indicator", "缺少指标 POPULATION 的数据"),
    ]
    assert _state("DE_TOTAL").status == "draft"
    assert not ApprovalEvent.objects.filter(action="submit").exists()


def test_values_entered_before_the_round_opened_are_submitted_with_it(
    make_round: MakeRound, county_reporter: Any, city_approver: Any
) -> None:
    # Entered with no round (through the API, say), then the round opens.
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(6000))])
    rnd = make_round(ROUND, ["GDP"], ["330106"])
    # Sending the same figure again in the round writes nothing …
    again = record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(6000))], round_code=ROUND)
    assert (again.written, again.unchanged) == (0, 1)
    # … and the value the entry grid shows is the one submitted, not "missing".
    assert submit_values(county_reporter, ROUND, "330106").moved == 1
    state = _state("GDP")
    assert (state.status, state.round) == ("submitted", rnd)
    assert approve_values(city_approver, ROUND, "330106").approved == 1
    assert _aggregate("GDP", "330100") == Decimal(6000)


def test_a_reporter_submits_only_their_own_unit(
    rnd: ReportingRound, county_reporter: Any, other_county_reporter: Any
) -> None:
    _enter(county_reporter)
    # 余杭区's reporter is not told that 西湖区's submission exists.
    with pytest.raises(NotFound):
        submit_values(other_county_reporter, ROUND, "330106")
    with pytest.raises(NotFound):
        submit_values(county_reporter, ROUND, "330110")
    assert _state("GDP").status == "draft"


def test_return_with_a_comment_reaches_the_reporter(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any, client: Client
) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    state = return_value(city_approver, ROUND, "330106", "GDP", "与统计年鉴不符，请核实")
    assert (state.status, state.levels_done, state.return_comment) == ("returned", 0, "与统计年鉴不符，请核实")
    assert _state("DE_TOTAL").status == "submitted"  # only the returned value goes back
    event = ApprovalEvent.objects.filter(state=state).latest("id")
    assert (event.action, event.actor, event.comment) == ("return", city_approver, "与统计年鉴不符，请核实")
    # The reporter reads it where they read their values.
    client.force_login(county_reporter)
    (row,) = client.get("/api/v1/values?indicator=GDP").json()
    assert (row["status"], row["return_comment"]) == ("returned", "与统计年鉴不符，请核实")

    # The correction keeps the comment in view until it is submitted again, which clears it.
    _enter(county_reporter, gdp=6200)
    assert _state("GDP").return_comment == "与统计年鉴不符，请核实"
    assert submit_values(county_reporter, ROUND, "330106").moved == 1  # DE_TOTAL was still submitted
    assert (_state("GDP").status, _state("GDP").return_comment) == ("submitted", "")


def test_return_needs_a_comment_and_a_submitted_value(
    rnd: ReportingRound, county_reporter: Any, other_county_reporter: Any, city_approver: Any
) -> None:
    _enter(county_reporter)
    with pytest.raises(InvalidInput, match="只能退回待审核的数据"):
        return_value(city_approver, ROUND, "330106", "GDP", "请核实")
    submit_values(county_reporter, ROUND, "330106")
    for comment in ("", "   "):
        with pytest.raises(InvalidInput) as info:
            return_value(city_approver, ROUND, "330106", "GDP", comment)
        assert [p.field for p in info.value.problems] == ["comment"]
    with pytest.raises(NotFound):
        return_value(city_approver, ROUND, "330106", "POPULATION", "请核实")
    # The reporter sees the value (their own) but may not approve it: 403, not 404.
    with pytest.raises(PermissionDeniedError):
        return_value(county_reporter, ROUND, "330106", "GDP", "请核实")
    with pytest.raises(NotFound):  # 余杭区's reporter does not even see it
        return_value(other_county_reporter, ROUND, "330106", "GDP", "请核实")
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("submitted", 0)}
    assert not ApprovalEvent.objects.filter(action="return").exists()


def test_a_submitted_value_cannot_be_changed(rnd: ReportingRound, county_reporter: Any) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    with pytest.raises(InvalidInput, match="已提交待审核"):
        _enter(county_reporter, gdp=7000)
    assert DataValue.objects.count() == 2
    assert _state("GDP").current.value == Decimal(6000)
    # Submitting twice moves nothing.
    with pytest.raises(InvalidInput, match="没有可提交的数据"):
        submit_values(county_reporter, ROUND, "330106")


def test_changing_an_approved_value_leaves_the_official_figure_until_reapproved(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any, province_approver: Any
) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    _approve_fully(city_approver, province_approver)
    old = _state("DE_TOTAL").approved

    _enter(county_reporter, de_total=3500)
    state = _state("DE_TOTAL")
    assert (state.status, state.levels_done) == ("draft", 0)
    assert (state.current.version, state.current.value) == (2, Decimal(3500))
    assert state.approved == old  # version 1 is still the official one
    assert _aggregate("DE_TOTAL", "330100") == Decimal(3000)
    assert _aggregate("DE_TOTAL", "330000") == Decimal(3000)
    assert _aggregate("DE_TOTAL", "330100", "preliminary") == Decimal(3500)
    assert _state("GDP").status == "approved"  # unchanged values stay approved

    submit_values(county_reporter, ROUND, "330106")
    _approve_fully(city_approver, province_approver)
    state = _state("DE_TOTAL")
    assert state.approved == state.current
    assert _aggregate("DE_TOTAL", "330100") == Decimal(3500)
    assert _aggregate("DE_TOTAL", "330000") == Decimal(3500)


def test_approving_your_own_submission_is_refused(rnd: ReportingRound, admin_user: Any) -> None:
    # The programme office may both report and approve anywhere, but not its own figures.
    _enter(admin_user)
    submit_values(admin_user, ROUND, "330106")
    with pytest.raises(InvalidInput, match="不能审核自己提交的数据"):
        approve_values(admin_user, ROUND, "330106")
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("submitted", 0)}


def test_approving_only_some_indicators(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any, province_approver: Any
) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    assert approve_values(city_approver, ROUND, "330106", indicator_codes=["GDP"]).moved == 1
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("submitted", 1)}
    assert approve_values(province_approver, ROUND, "330106", indicator_codes=["GDP"]).approved == 1
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("approved", 2)}
    assert _aggregate("GDP", "330100") == Decimal(6000)
    assert _aggregate("DE_TOTAL", "330100") is None


def test_a_reporter_and_an_outsider_cannot_approve(
    rnd: ReportingRound, county_reporter: Any, other_county_reporter: Any, outsider: Any, leader: Any
) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    for who in (county_reporter, leader):  # they may read the values, not approve them
        with pytest.raises(PermissionDeniedError):
            approve_values(who, ROUND, "330106")
    for who in (other_county_reporter, outsider):
        with pytest.raises(NotFound):
            approve_values(who, ROUND, "330106")
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("submitted", 0)}


def test_resending_the_whole_form_after_one_return_is_accepted(
    rnd: ReportingRound, county_reporter: Any, city_approver: Any
) -> None:
    """A template or grid holds every value: the still-submitted ones come back unchanged."""
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    return_value(city_approver, ROUND, "330106", "GDP", "请核实")
    entries = [
        ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3000)),  # still submitted, unchanged
        ValueEntry("GDP", "330106", "2022", Decimal(6100)),  # the correction
    ]
    result = record_values(county_reporter, entries, round_code=ROUND)
    assert (result.written, result.unchanged) == (1, 1)
    assert _statuses() == {"DE_TOTAL": ("submitted", 0), "GDP": ("draft", 0)}
    # Changing the submitted one is still refused, and refuses the whole batch.
    entries[0] = ValueEntry("DE_TOTAL", "330106", "2022", Decimal(3001))
    entries[1] = ValueEntry("GDP", "330106", "2022", Decimal(6200))
    with pytest.raises(InvalidInput) as info:
        record_values(county_reporter, entries, round_code=ROUND)
    assert [(p.row, p.field) for p in info.value.problems] == [(1, "value")]
    assert _state("GDP").current.value == Decimal(6100)


def _with_emails(*users: Any) -> None:
    for user in users:
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def test_notifications_go_to_the_next_approver_and_back_to_the_reporter(
    rnd: ReportingRound,
    county_reporter: Any,
    city_approver: Any,
    province_approver: Any,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    _with_emails(county_reporter, city_approver, province_approver)
    _enter(county_reporter)

    with django_capture_on_commit_callbacks(execute=True):
        submit_values(county_reporter, ROUND, "330106")
    (note,) = Notification.objects.all()
    assert note.user == city_approver
    assert note.subject.startswith("待审核：")
    assert "西湖区" in note.subject
    assert note.url == f"/monitoring/rounds/{ROUND}/approve/330106/"
    assert [m.to for m in mailoutbox] == [["hz_approver@example.org"]]

    with django_capture_on_commit_callbacks(execute=True):
        approve_values(city_approver, ROUND, "330106")
    latest = Notification.objects.latest("id")
    assert (latest.user, latest.subject.startswith("待审核：")) == (province_approver, True)
    assert mailoutbox[-1].to == ["zj_approver@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        approve_values(province_approver, ROUND, "330106")
    latest = Notification.objects.latest("id")
    assert latest.user == county_reporter
    assert latest.subject.startswith("已审核通过：")
    assert mailoutbox[-1].to == ["xihu_reporter@example.org"]
    assert Notification.objects.count() == len(mailoutbox) == 3


def test_a_return_notifies_the_reporter_with_the_comment(
    rnd: ReportingRound,
    county_reporter: Any,
    city_approver: Any,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    _with_emails(county_reporter)  # the approver has no address: in-app only
    _enter(county_reporter)
    with django_capture_on_commit_callbacks(execute=True):
        submit_values(county_reporter, ROUND, "330106")
    assert Notification.objects.get().user == city_approver
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        return_value(city_approver, ROUND, "330106", "GDP", "与统计年鉴不符，请核实")
    note = Notification.objects.get(user=county_reporter)
    assert note.subject.startswith("数据被退回：")
    assert note.body == "与统计年鉴不符，请核实"
    (mail,) = mailoutbox
    assert mail.to == ["xihu_reporter@example.org"]
    assert "与统计年鉴不符，请核实" in str(mail.body)


def test_nothing_is_sent_when_the_action_is_refused(
    rnd: ReportingRound,
    county_reporter: Any,
    mailoutbox: list[EmailMessage],
    django_capture_on_commit_callbacks: CaptureOnCommit,
) -> None:
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(6000))], round_code=ROUND)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
        submit_values(county_reporter, ROUND, "330106")  # DE_TOTAL is missing
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_stale_state_is_a_conflict(rnd: ReportingRound, county_reporter: Any, city_approver: Any) -> None:
    _enter(county_reporter)
    submit_values(county_reporter, ROUND, "330106")
    stale = ValueState.objects.select_related("indicator", "org_unit", "current").get(
        indicator__code="GDP", org_unit__code="330106"
    )
    # Someone else moves the row after we read it.
    ValueState.objects.filter(pk=stale.pk).update(revision=F("revision") + 1)
    with pytest.raises(Conflict, match="GDP/330106/2022"):
        _move(city_approver, stale, "approve", "submitted", 1)
    fresh = _state("GDP")
    assert (fresh.status, fresh.levels_done, fresh.revision) == ("submitted", 0, stale.revision + 1)
    assert not ApprovalEvent.objects.filter(action="approve").exists()


def test_one_person_cannot_approve_two_levels(make_user: Any, make_round: MakeRound) -> None:
    """A province approver's scope covers the city too, but two levels need two people."""
    make_round("TWO", ["GDP"], ["330106"], levels=2)
    reporter = make_user("r1", "unit_reporter", org_unit="330106")
    boss = make_user("p1", "approver", org_unit="330000")
    record_values(reporter, [ValueEntry("GDP", "330106", "2022", Decimal(5))], round_code="TWO")
    submit_values(reporter, "TWO", "330106")
    assert approve_values(boss, "TWO", "330106").moved == 1
    with pytest.raises(InvalidInput, match="两个层级"):
        approve_values(boss, "TWO", "330106")
