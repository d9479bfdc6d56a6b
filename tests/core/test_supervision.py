"""Tests for lantu.core.supervision."""

from __future__ import annotations

import doctest
import math
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lantu.core import supervision
from lantu.core.errors import LantuValueError
from lantu.core.supervision import (
    DUE_SOON_DAYS,
    RULE_EN,
    RULE_ZH,
    TOLERANCE_PCT,
    Light,
    MilestoneInput,
    SupervisionError,
    TaskInput,
    milestone_light,
    reminders_due,
    rules,
    task_light,
)

START, DEADLINE = date(2022, 1, 1), date(2022, 12, 31)
MID = date(2022, 7, 2)  # 182 of 364 days: exactly half-way
RANK: dict[Light, int] = {"green": 0, "grey": 0, "yellow": 1, "red": 2}


def task(
    milestones: list[MilestoneInput] | None = None,
    progress: float | None = 50.0,
    *,
    start: date | None = START,
    deadline: date = DEADLINE,
    done_on: date | None = None,
) -> TaskInput:
    return TaskInput(start, deadline, progress, done_on, milestones or [])


def ms(key: str, due: date, done_on: date | None = None) -> MilestoneInput:
    return MilestoneInput(key, due, done_on)


def test_doctests() -> None:
    result = doctest.testmod(supervision)
    assert result.attempted >= 4
    assert result.failed == 0


def test_rule_texts_state_the_defaults() -> None:
    assert (DUE_SOON_DAYS, TOLERANCE_PCT) == (30, 10.0)
    assert "30天内" in RULE_ZH
    assert "10个百分点" in RULE_ZH
    assert "30 days" in RULE_EN
    assert "10 percentage points" in RULE_EN
    for word in ("红", "黄", "绿", "灰"):
        assert word in RULE_ZH
    zh, en = rules(7, 5.5)
    assert "7天内" in zh
    assert "5.5个百分点" in zh
    assert "7 days" in en
    assert "5.5 percentage" in en


# --- milestone_light ------------------------------------------------------------

DUE = date(2022, 6, 30)


def test_milestone_due_today_is_yellow_not_late() -> None:
    light = milestone_light(ms("A", DUE), DUE)
    assert (light.light, light.days_late) == ("yellow", 0)
    assert light.reason_zh == "时间节点“A”今天到期"
    assert light.reason_en == "Milestone “A” is due today"


def test_milestone_one_day_after_due_is_red() -> None:
    light = milestone_light(ms("A", DUE), DUE + timedelta(days=1))
    assert (light.light, light.days_late) == ("red", 1)
    assert light.reason_zh == "时间节点“A”已逾期1天未完成"
    assert light.reason_en == "Milestone “A” is 1 day overdue and not done"


def test_milestone_window_edges() -> None:
    inside = milestone_light(ms("A", DUE), DUE - timedelta(days=30))
    outside = milestone_light(ms("A", DUE), DUE - timedelta(days=31))
    assert (inside.light, inside.reason_zh) == ("yellow", "时间节点“A”还有30天到期")
    assert (outside.light, outside.reason_en) == ("green", "Milestone “A” is due in 31 days")
    assert milestone_light(ms("A", DUE), DUE - timedelta(days=3), due_soon_days=2).light == "green"
    assert milestone_light(ms("A", DUE), DUE, due_soon_days=0).light == "yellow"


def test_milestone_done_on_time_and_late() -> None:
    on_time = milestone_light(ms("A", DUE, DUE), DUE + timedelta(days=100))
    assert (on_time.light, on_time.days_late) == ("green", 0)
    assert on_time.reason_zh == "时间节点“A”已于2022-06-30按时完成"
    late = milestone_light(ms("A", DUE, DUE + timedelta(days=12)), DUE + timedelta(days=20))
    assert (late.light, late.days_late) == ("green", 12)
    assert late.reason_zh == "时间节点“A”已于2022-07-12完成，逾期12天"
    assert late.reason_en == "Milestone “A” was done on 2022-07-12, 12 days late"


def test_milestone_done_after_today_is_not_done_yet() -> None:
    light = milestone_light(ms("A", DUE, DUE + timedelta(days=10)), DUE + timedelta(days=5))
    assert (light.light, light.days_late) == ("red", 5)


# --- task_light: planned progress ---------------------------------------------------


def test_planned_pct_is_the_elapsed_share() -> None:
    result = task_light(task(progress=50.0), MID)
    assert result.planned_pct == pytest.approx(50.0)
    assert result.behind_by == pytest.approx(0.0)
    assert task_light(task(progress=20.0), MID).behind_by == pytest.approx(30.0)
    assert task_light(task(), START).planned_pct == 0.0
    assert task_light(task(), START - timedelta(days=40)).planned_pct == 0.0
    assert task_light(task(), DEADLINE).planned_pct == 100.0
    assert task_light(task(), DEADLINE + timedelta(days=40)).planned_pct == 100.0


def test_planned_pct_for_a_one_day_task_and_without_start() -> None:
    day = date(2022, 5, 1)
    one_day = task(start=day, deadline=day)
    assert task_light(one_day, day - timedelta(days=1)).planned_pct == 0.0
    assert task_light(one_day, day).planned_pct == 100.0
    result = task_light(task(start=None), MID)
    assert (result.planned_pct, result.behind_by) == (None, None)
    assert task_light(task(progress=None), MID).behind_by is None


# --- task_light: the colours ---------------------------------------------------------


def test_overdue_milestone_makes_the_task_red() -> None:
    result = task_light(task([ms("方案印发", date(2022, 6, 20))], progress=90.0), MID)
    assert (result.light, result.late_milestones) == ("red", 1)
    assert result.reason_zh == "时间节点“方案印发”已逾期12天未完成"
    assert result.reason_en == "Milestone “方案印发” is 12 days overdue and not done"
    assert [m.light for m in result.milestones] == ["red"]


def test_milestone_due_today_does_not_make_the_task_red() -> None:
    result = task_light(task([ms("A", MID)], progress=60.0), MID)
    assert (result.light, result.late_milestones) == ("green", 0)
    assert result.reason_zh == "时间节点“A”今天到期，进度符合计划（计划50.0%，实际60.0%）"


def test_several_overdue_items_name_the_latest_and_count_them() -> None:
    items = [ms("A", date(2022, 6, 25)), ms("B", date(2022, 5, 1)), ms("C", date(2022, 6, 1), date(2022, 6, 1))]
    result = task_light(task(items, deadline=date(2022, 6, 30)), MID)
    assert (result.light, result.late_milestones) == ("red", 2)
    assert result.reason_zh == "时间节点“B”已逾期62天未完成（共3项逾期）"
    assert result.reason_en == "Milestone “B” is 62 days overdue and not done (3 items overdue)"


def test_deadline_passed_is_red_from_the_next_day() -> None:
    assert task_light(task(progress=100.0), DEADLINE).light == "green"
    result = task_light(task(progress=100.0), DEADLINE + timedelta(days=1))
    assert (result.light, result.late_milestones) == ("red", 0)
    assert result.reason_zh == "任务已逾期1天未完成"
    assert result.reason_en == "The task is 1 day overdue and not done"


def test_behind_plan_with_something_due_soon_is_yellow() -> None:
    due_soon = [ms("中期评估", MID + timedelta(days=13))]
    result = task_light(task(due_soon, progress=30.0), MID)
    assert result.light == "yellow"
    assert result.behind_by == pytest.approx(20.0)
    assert result.reason_zh == "时间节点“中期评估”还有13天到期，进度落后计划20.0个百分点（计划50.0%，实际30.0%）"
    assert "20.0 points behind plan" in result.reason_en
    # A lag of exactly the tolerance is allowed.
    assert task_light(task(due_soon, progress=40.0), MID).light == "green"
    assert task_light(task(due_soon, progress=39.9), MID).light == "yellow"
    assert task_light(task(due_soon, progress=30.0), MID, tolerance_pct=20.0).light == "green"


def test_behind_plan_with_nothing_due_soon_is_green() -> None:
    later = [ms("A", MID + timedelta(days=31))]
    result = task_light(task(later, progress=0.0), MID)
    assert result.light == "green"
    assert result.reason_zh == "30天内无到期事项，最近的是时间节点“A”还有31天到期"
    assert task_light(task(later, progress=0.0), MID, due_soon_days=31).light == "yellow"


def test_deadline_due_soon_counts_like_a_milestone() -> None:
    today = DEADLINE - timedelta(days=30)
    result = task_light(task(progress=50.0), today)
    assert result.light == "yellow"
    assert result.reason_zh.startswith("任务还有30天到期，进度落后计划")
    assert task_light(task(progress=50.0), today - timedelta(days=1)).light == "green"


def test_no_progress_reported() -> None:
    soon = task([ms("A", MID + timedelta(days=5))], progress=None)
    result = task_light(soon, MID)
    assert result.light == "yellow"
    assert result.reason_zh == "时间节点“A”还有5天到期，尚未报送进度"
    assert result.reason_en == "Milestone “A” is due in 5 days and no progress has been reported"
    assert task_light(task([ms("A", MID + timedelta(days=45))], progress=None), MID).light == "green"


def test_no_start_date_cannot_judge_the_lag() -> None:
    soon = task([ms("A", MID + timedelta(days=5))], progress=100.0, start=None)
    result = task_light(soon, MID)
    assert result.light == "yellow"
    assert "未设开始日期" in result.reason_zh
    assert "no start date" in result.reason_en
    assert task_light(task(progress=0.0, start=None), MID).light == "green"  # nothing due soon


def test_grey_before_start_unless_something_is_due_soon() -> None:
    start = date(2022, 9, 1)
    result = task_light(task(progress=None, start=start), MID)
    assert (result.light, result.planned_pct) == ("grey", 0.0)
    assert result.reason_zh == "任务尚未开始（2022-09-01开始，还有61天），30天内无到期事项"
    soon = [ms("A", MID + timedelta(days=10))]
    assert task_light(task(soon, progress=None, start=start), MID).light == "yellow"
    assert task_light(task(soon, progress=0.0, start=start), MID).light == "green"
    assert task_light(task([ms("A", MID - timedelta(days=1))], start=start), MID).light == "red"


def test_done_task_is_green_and_says_how_late() -> None:
    on_time = task_light(task(progress=100.0, done_on=date(2022, 12, 1)), date(2023, 3, 1))
    assert on_time.light == "green"
    assert on_time.reason_zh == "任务已于2022-12-01按时完成"
    late = task_light(task([ms("A", date(2022, 6, 1))], progress=None, done_on=date(2023, 1, 15)), date(2023, 3, 1))
    assert (late.light, late.late_milestones) == ("green", 0)
    assert late.reason_zh == "任务已于2023-01-15完成，逾期15天"
    assert late.reason_en == "The task was done on 2023-01-15, 15 days late"
    # The open milestone is closed together with the task, and was late by then.
    assert (late.milestones[0].light, late.milestones[0].days_late) == ("green", 228)


def test_task_done_after_today_is_judged_as_not_done() -> None:
    result = task_light(task(progress=90.0, done_on=date(2023, 1, 10)), date(2023, 1, 5))
    assert (result.light, result.reason_zh) == ("red", "任务已逾期5天未完成")


# --- reminders_due -------------------------------------------------------------------


def test_reminders_on_exact_days() -> None:
    t = task([ms("A", date(2022, 8, 1)), ms("B", date(2022, 7, 9))])
    assert reminders_due(t, date(2022, 7, 2)) == [("milestone:A", 30), ("milestone:B", 7)]
    assert reminders_due(t, date(2022, 7, 3)) == []
    assert reminders_due(t, date(2022, 7, 8)) == [("milestone:B", 1)]
    assert reminders_due(t, date(2022, 12, 1)) == [("late:A", -122), ("late:B", -145), ("deadline", 30)]
    assert reminders_due(t, date(2022, 12, 30)) == [("late:A", -151), ("late:B", -174), ("deadline", 1)]
    assert reminders_due(t, DEADLINE, before_days=(0,))[-1] == ("deadline", 0)
    assert reminders_due(t, DEADLINE, before_days=(1, 1)) == [("late:A", -152), ("late:B", -175)]


def test_overdue_reminders_repeat_every_day() -> None:
    t = task([ms("A", date(2022, 7, 1))])
    for n in range(1, 5):
        assert reminders_due(t, date(2022, 7, 1) + timedelta(days=n)) == [("late:A", -n)]
    assert reminders_due(t, DEADLINE + timedelta(days=3))[-1] == ("late:deadline", -3)


def test_no_reminders_for_done_items() -> None:
    t = task([ms("A", date(2022, 7, 1), date(2022, 6, 30)), ms("B", date(2022, 7, 9))])
    assert reminders_due(t, date(2022, 7, 2)) == [("milestone:B", 7)]
    done = task([ms("B", date(2022, 7, 9))], done_on=date(2022, 7, 1))
    assert reminders_due(done, date(2022, 7, 2)) == []
    assert reminders_due(done, date(2023, 7, 2)) == []


# --- refusals --------------------------------------------------------------------------


def test_deadline_before_start_is_refused() -> None:
    with pytest.raises(SupervisionError) as caught:
        task(start=date(2022, 3, 1), deadline=date(2022, 2, 28))
    error = caught.value
    assert isinstance(error, LantuValueError)
    assert error.code == "bad_dates"
    assert error.message_zh == "完成时限2022-02-28不能早于开始日期2022-03-01"
    assert error.message_en == "the deadline 2022-02-28 cannot come before the start 2022-03-01"


@pytest.mark.parametrize("progress", [-0.1, 100.5, math.nan, math.inf])
def test_progress_outside_0_to_100_is_refused(progress: float) -> None:
    with pytest.raises(SupervisionError) as caught:
        task(progress=progress)
    assert caught.value.code == "bad_progress"
    assert "0到100" in caught.value.message_zh
    assert "from 0 to 100" in caught.value.message_en


def test_bounds_are_accepted() -> None:
    assert task(progress=0.0).progress_pct == 0.0
    assert task(progress=100.0).progress_pct == 100.0


def test_bad_window_tolerance_and_reminder_days_are_refused() -> None:
    with pytest.raises(SupervisionError, match="非负整数") as window:
        task_light(task(), MID, due_soon_days=-1)
    assert window.value.code == "bad_window"
    with pytest.raises(SupervisionError) as window:
        milestone_light(ms("A", DUE), DUE, due_soon_days=-1)
    assert window.value.code == "bad_window"
    for tolerance in (-1.0, math.nan):
        with pytest.raises(SupervisionError) as bad:
            task_light(task(), MID, tolerance_pct=tolerance)
        assert bad.value.code == "bad_tolerance"
    with pytest.raises(SupervisionError) as days:
        reminders_due(task(), MID, before_days=(7, -1))
    assert days.value.code == "bad_before_days"
    assert "-1" in days.value.message_en


# --- properties ------------------------------------------------------------------------

DAYS = st.dates(date(2020, 1, 1), date(2025, 12, 31))
PROGRESS = st.one_of(st.none(), st.floats(0, 100))


@st.composite
def tasks(draw: st.DrawFn, done: bool | None = None) -> TaskInput:
    start = draw(st.one_of(st.none(), DAYS))
    deadline = draw(DAYS if start is None else st.dates(start, date(2026, 12, 31)))
    milestones = draw(st.lists(st.builds(MilestoneInput, st.text(max_size=3), DAYS, st.none() | DAYS), max_size=4))
    done_on = draw(st.none() | DAYS) if done is None else (draw(DAYS) if done else None)
    return TaskInput(start, deadline, draw(PROGRESS), done_on, milestones)


WINDOWS = st.integers(0, 90)
TOLERANCES = st.floats(0, 100)


@given(tasks(), DAYS, WINDOWS, TOLERANCES)
def test_task_light_never_raises_and_is_consistent(t: TaskInput, today: date, window: int, tol: float) -> None:
    result = task_light(t, today, due_soon_days=window, tolerance_pct=tol)
    assert len(result.milestones) == len(t.milestones)
    assert result.late_milestones == sum(m.light == "red" for m in result.milestones)
    assert result.reason_zh
    assert result.reason_en
    if result.planned_pct is not None:
        assert 0.0 <= result.planned_pct <= 100.0
    reminders_due(t, today)


@given(tasks(done=False), st.data(), WINDOWS, TOLERANCES)
def test_an_overdue_open_milestone_always_makes_the_task_red(
    t: TaskInput, data: st.DataObject, window: int, tol: float
) -> None:
    due = data.draw(DAYS)
    today = data.draw(st.dates(due + timedelta(days=1), date(2027, 1, 1)))
    late = TaskInput(t.start, t.deadline, t.progress_pct, None, [*t.milestones, MilestoneInput("late", due, None)])
    result = task_light(late, today, due_soon_days=window, tolerance_pct=tol)
    assert result.light == "red"
    assert result.late_milestones >= 1


@given(tasks(), DAYS, PROGRESS, PROGRESS, WINDOWS, TOLERANCES)
def test_more_progress_never_makes_the_light_worse(
    t: TaskInput, today: date, a: float | None, b: float | None, window: int, tol: float
) -> None:
    # None (never reported) counts as the least progress.
    low, high = sorted((a, b), key=lambda p: -1.0 if p is None else p)
    lights = [
        task_light(
            TaskInput(t.start, t.deadline, p, t.done_on, t.milestones), today, due_soon_days=window, tolerance_pct=tol
        ).light
        for p in (low, high)
    ]
    assert RANK[lights[1]] <= RANK[lights[0]]
