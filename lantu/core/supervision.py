"""Supervision (督办) traffic lights for a task in a government task list and its milestones (时间节点).

The rule (:data:`RULE_ZH` / :data:`RULE_EN` state it for the page):

- red: a milestone is past its due date and not done, or the task's deadline is past and the
  task not done;
- yellow: a milestone or the deadline falls due within ``due_soon_days`` days (30 by default)
  and the progress is behind plan by more than ``tolerance_pct`` percentage points (10 by
  default). Behind plan is ``planned_pct - progress_pct``, ``planned_pct`` being the share of
  the start→deadline span elapsed today. When the lag cannot be measured (no progress
  reported yet, or no start date) and something falls due soon, the light is yellow too;
- green otherwise, and for a done task (one done after its deadline says how many days late);
- grey: the task has not started (today is before its start) and nothing falls due soon.

Everything is judged as of ``today``: an item counts as done only if ``done_on <= today``.
Something due today is not late yet; it is late from the next day on. A milestone left undone
when its task is done counts as done together with the task.
"""

# Chinese text uses full-width punctuation on purpose.

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from lantu.core.errors import LantuValueError
from lantu.core.progress import Light

__all__ = [
    "DUE_SOON_DAYS",
    "RULE_EN",
    "RULE_ZH",
    "TOLERANCE_PCT",
    "Light",
    "MilestoneInput",
    "MilestoneLight",
    "SupervisionError",
    "TaskInput",
    "TaskLight",
    "milestone_light",
    "reminders_due",
    "rules",
    "task_light",
]

DUE_SOON_DAYS = 30
TOLERANCE_PCT = 10.0
# A lag equal to the tolerance is allowed; this absorbs float noise such as 60.00000000000001.
_EPS = 1e-9


class SupervisionError(LantuValueError):
    """A task, window, tolerance or reminder schedule was refused."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "bad_dates": "完成时限{deadline}不能早于开始日期{start}",
        "bad_progress": "进度须为0到100之间的数，现为{progress}",
        "bad_window": "临近到期的天数须为非负整数，现为{days}",
        "bad_tolerance": "允许落后的百分点数须为非负有限数，现为{tolerance}",
        "bad_before_days": "提前提醒的天数须为非负整数，现为{days}",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "bad_dates": "the deadline {deadline} cannot come before the start {start}",
        "bad_progress": "progress must be a number from 0 to 100, not {progress}",
        "bad_window": "the due-soon window must be a non-negative number of days, not {days}",
        "bad_tolerance": "the tolerance must be a non-negative finite number of percentage points, not {tolerance}",
        "bad_before_days": "reminder days must be non-negative whole numbers, not {days}",
    }


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def rules(due_soon_days: int = DUE_SOON_DAYS, tolerance_pct: float = TOLERANCE_PCT) -> tuple[str, str]:
    """Return the rule in Chinese and English for the given window and tolerance.

    >>> rules(7, 5.0)[0].split("；")[1]
    '黄：有时间节点或完成时限在7天内到期，且进度落后计划超过5个百分点，或尚未报送进度、未设开始日期而无法判断'
    """
    n, tol = due_soon_days, f"{tolerance_pct:g}"
    return (
        "红：有时间节点逾期未完成，或任务超过完成时限未完成；"
        f"黄：有时间节点或完成时限在{n}天内到期，且进度落后计划超过{tol}个百分点，或尚未报送进度、未设开始日期而无法判断；"
        "绿：其他情况，任务已完成也为绿（逾期完成的注明逾期天数）；"
        f"灰：任务尚未开始且{n}天内无到期事项。计划进度为开始日期至完成时限已经过的时间比例。",
        "red: a milestone is past due and not done, or the deadline is past and the task not done; "
        f"yellow: a milestone or the deadline is due within {_days(n)} and progress is more than {tol} "
        "percentage points behind plan, or cannot be judged (no progress reported, no start date); "
        "green: otherwise, and when the task is done (saying how many days late if it was done late); "
        f"grey: the task has not started and nothing is due within {_days(n)}. "
        "The plan is the share of the start-to-deadline span elapsed.",
    )


RULE_ZH, RULE_EN = rules()


@dataclass(frozen=True)
class MilestoneInput:
    """A milestone: ``done_on`` is None while it is not done."""

    key: str
    due: date
    done_on: date | None


@dataclass(frozen=True)
class TaskInput:
    """A task; ``progress_pct`` (0..100) is None until progress is first reported.

    Raises
    ------
    SupervisionError
        ``bad_dates`` (deadline before start) or ``bad_progress``.
    """

    start: date | None
    deadline: date
    progress_pct: float | None
    done_on: date | None
    milestones: Sequence[MilestoneInput]

    def __post_init__(self) -> None:
        if self.start is not None and self.deadline < self.start:
            raise SupervisionError("bad_dates", {"start": self.start, "deadline": self.deadline})
        if self.progress_pct is not None and not 0 <= self.progress_pct <= 100:  # also refuses NaN
            raise SupervisionError("bad_progress", {"progress": self.progress_pct})


@dataclass(frozen=True)
class MilestoneLight:
    """The light of one milestone; ``days_late`` > 0 when overdue, or when it was done late."""

    key: str
    light: Light
    days_late: int
    reason_zh: str
    reason_en: str


@dataclass(frozen=True)
class TaskLight:
    """The light of a task (see :func:`task_light`); ``late_milestones`` counts the red ones."""

    light: Light
    planned_pct: float | None
    behind_by: float | None
    late_milestones: int
    milestones: tuple[MilestoneLight, ...]
    reason_zh: str
    reason_en: str


def _window(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise SupervisionError("bad_window", {"days": days})


def _done(done_on: date | None, today: date) -> date | None:
    return done_on if done_on is not None and done_on <= today else None


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _item(key: str | None) -> tuple[str, str]:
    """Name a milestone, or the task itself for its deadline (``key`` None)."""
    return ("任务", "the task") if key is None else (f"时间节点“{key}”", f"milestone “{key}”")


def _open(key: str | None, left: int) -> tuple[str, str]:
    """Describe an undone item ``left`` days before (negative: after) its due date."""
    zh, en = _item(key)
    if left < 0:
        return f"{zh}已逾期{-left}天未完成", f"{en} is {_days(-left)} overdue and not done"
    if left == 0:
        return f"{zh}今天到期", f"{en} is due today"
    return f"{zh}还有{left}天到期", f"{en} is due in {_days(left)}"


def _closed(key: str | None, done: date, due: date) -> tuple[str, str]:
    zh, en = _item(key)
    late = (done - due).days
    if late > 0:
        return f"{zh}已于{done}完成，逾期{late}天", f"{en} was done on {done}, {_days(late)} late"
    return f"{zh}已于{done}按时完成", f"{en} was done on {done}, on time"


def milestone_light(m: MilestoneInput, today: date, *, due_soon_days: int = DUE_SOON_DAYS) -> MilestoneLight:
    """Give a milestone its light: red if overdue, yellow if due soon, green if done or not due soon.

    >>> milestone_light(MilestoneInput("方案印发", date(2022, 3, 31), None), date(2022, 4, 12)).reason_zh
    '时间节点“方案印发”已逾期12天未完成'

    Raises
    ------
    SupervisionError
        ``bad_window``.
    """
    _window(due_soon_days)
    done = _done(m.done_on, today)
    if done is not None:
        zh, en = _closed(m.key, done, m.due)
        return MilestoneLight(m.key, "green", max(0, (done - m.due).days), zh, _capital(en))
    left = (m.due - today).days
    light: Light = "red" if left < 0 else "yellow" if left <= due_soon_days else "green"
    zh, en = _open(m.key, left)
    return MilestoneLight(m.key, light, max(0, -left), zh, _capital(en))


def task_light(
    task: TaskInput, today: date, *, due_soon_days: int = DUE_SOON_DAYS, tolerance_pct: float = TOLERANCE_PCT
) -> TaskLight:
    """Give a task and each of its milestones a light, by the rule in the module docstring.

    >>> task = TaskInput(date(2022, 1, 1), date(2022, 12, 31), 30.0, None,
    ...                  [MilestoneInput("中期评估", date(2022, 7, 15), None)])
    >>> result = task_light(task, date(2022, 7, 2))
    >>> result.light, result.planned_pct, result.behind_by
    ('yellow', 50.0, 20.0)
    >>> result.reason_zh
    '时间节点“中期评估”还有13天到期，进度落后计划20.0个百分点（计划50.0%，实际30.0%）'

    Raises
    ------
    SupervisionError
        ``bad_window`` or ``bad_tolerance``.
    """
    _window(due_soon_days)
    if not (math.isfinite(tolerance_pct) and tolerance_pct >= 0):
        raise SupervisionError("bad_tolerance", {"tolerance": tolerance_pct})
    planned: float | None = None
    if task.start is not None:
        span, elapsed = (task.deadline - task.start).days, (today - task.start).days
        share = (1.0 if elapsed >= 0 else 0.0) if span == 0 else min(max(elapsed / span, 0.0), 1.0)
        planned = share * 100
    progress = task.progress_pct
    behind = None if planned is None or progress is None else planned - progress
    done = _done(task.done_on, today)

    if done is not None:
        # Completing the task completes whatever milestones were still open.
        closed = [m if _done(m.done_on, today) else MilestoneInput(m.key, m.due, done) for m in task.milestones]
        lights = tuple(milestone_light(m, today, due_soon_days=due_soon_days) for m in closed)
        zh, en = _closed(None, done, task.deadline)
        return TaskLight("green", planned, behind, 0, lights, zh, _capital(en))

    lights = tuple(milestone_light(m, today, due_soon_days=due_soon_days) for m in task.milestones)
    late = sum(1 for ml in lights if ml.light == "red")
    # Open items as (days left, key); the deadline (key None) comes last, so a tie names a milestone.
    items: list[tuple[int, str | None]] = [
        ((m.due - today).days, m.key) for m in task.milestones if not _done(m.done_on, today)
    ]
    items.append(((task.deadline - today).days, None))
    overdue = sorted((item for item in items if item[0] < 0), key=lambda item: item[0])
    left, key = overdue[0] if overdue else min(items, key=lambda item: item[0])
    zh, en = _open(key, left)
    light: Light
    if overdue:
        light = "red"
        if len(overdue) > 1:
            zh, en = f"{zh}（共{len(overdue)}项逾期）", f"{en} ({len(overdue)} items overdue)"
    elif left > due_soon_days:
        none_zh, none_en = f"{due_soon_days}天内无到期事项", f"nothing is due within {_days(due_soon_days)}"
        if task.start is not None and today < task.start:
            wait = (task.start - today).days
            light, zh = "grey", f"任务尚未开始（{task.start}开始，还有{wait}天），{none_zh}"
            en = f"the task has not started (it starts on {task.start}, in {_days(wait)}); {none_en}"
        else:
            light, zh, en = "green", f"{none_zh}，最近的是{zh}", f"{none_en}; next, {en}"
    elif progress is None:
        light, zh, en = "yellow", f"{zh}，尚未报送进度", f"{en} and no progress has been reported"
    elif planned is None or behind is None:
        light, zh = "yellow", f"{zh}，未设开始日期，无法判断进度是否落后"
        en = f"{en}; with no start date, the lag cannot be judged"
    else:
        light = "yellow" if behind > tolerance_pct + _EPS else "green"
        how_zh = f"进度落后计划{behind:.1f}个百分点" if light == "yellow" else "进度符合计划"
        how_en = f"progress is {behind:.1f} points behind plan" if light == "yellow" else "progress is on plan"
        zh = f"{zh}，{how_zh}（计划{planned:.1f}%，实际{progress:.1f}%）"
        en = f"{en} and {how_en} (plan {planned:.1f}%, actual {progress:.1f}%)"
    return TaskLight(light, planned, behind, late, lights, zh, _capital(en))


def reminders_due(task: TaskInput, today: date, *, before_days: Sequence[int] = (30, 7, 1)) -> list[tuple[str, int]]:
    """List the reminders to send today, milestones in order and then the deadline.

    An open item exactly ``d`` days from due, for ``d`` in ``before_days``, gives
    ``("milestone:<key>", d)`` or ``("deadline", d)``; an overdue one gives ``("late:<key>", -n)``
    or ``("late:deadline", -n)`` every day it stays overdue (the caller chooses how often to send).
    A done task gets no reminders.

    >>> task = TaskInput(None, date(2022, 12, 31), None, None, [MilestoneInput("调研", date(2022, 11, 30), None)])
    >>> reminders_due(task, date(2022, 12, 1))
    [('late:调研', -1), ('deadline', 30)]

    Raises
    ------
    SupervisionError
        ``bad_before_days``.
    """
    for d in before_days:
        if isinstance(d, bool) or not isinstance(d, int) or d < 0:
            raise SupervisionError("bad_before_days", {"days": d})
    if _done(task.done_on, today) is not None:
        return []
    open_items = [
        (f"milestone:{m.key}", f"late:{m.key}", m.due) for m in task.milestones if not _done(m.done_on, today)
    ]
    open_items.append(("deadline", "late:deadline", task.deadline))
    found: list[tuple[str, int]] = []
    for ahead, late, due in open_items:
        left = (due - today).days
        if left < 0:
            found.append((late, left))
        elif left in before_days:
            found.append((ahead, left))
    return found
