"""Read side of the task list: tasks with their milestones and supervision lights."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from lantu.core import supervision
from lantu.tasks.models import Task, TaskMilestone, TaskStatus


@dataclass(frozen=True)
class TaskRow:
    task: Task
    light: supervision.TaskLight | None
    reason_zh: str
    reason_en: str

    @property
    def colour(self) -> str:
        return self.light.light if self.light is not None else "grey"


def tasks(programme_code: str | None = None) -> QuerySet[Task]:
    """Tasks with what the list shows, in a fixed number of queries."""
    qs = Task.objects.select_related("lead_department", "lead_org_unit", "parent").prefetch_related(
        "milestones", "cooperating_departments", "cooperating_org_units", "areas", "goals"
    )
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    return qs.order_by("order", "code")


def task_input(task: Task, deadline: dt.date) -> supervision.TaskInput:
    """The task as the supervision core sees it; milestones are keyed by id."""
    return supervision.TaskInput(
        start=task.start,
        deadline=deadline,
        progress_pct=float(task.progress_pct) if task.progress_pct is not None else None,
        done_on=task.done_on if task.status == TaskStatus.DONE else None,
        milestones=[supervision.MilestoneInput(str(m.pk), m.due, m.done_on) for m in task.milestones.all()],
    )


def light_of(task: Task, today: dt.date) -> TaskRow:
    """The task's supervision light; a task without a deadline cannot be supervised yet (grey)."""
    if task.deadline is None:
        return TaskRow(task, None, "未设完成时限，无法督办", "No deadline set: nothing to supervise yet")
    light = supervision.task_light(task_input(task, task.deadline), today)
    # Milestones are keyed by id for the core; name them for people.
    names = {str(m.pk): m.name_zh for m in task.milestones.all()}
    reason_zh, reason_en = light.reason_zh, light.reason_en
    for key, name in names.items():
        reason_zh = reason_zh.replace(f"“{key}”", f"“{name}”")
        reason_en = reason_en.replace(f"“{key}”", f"“{name}”")
    return TaskRow(task, light, reason_zh, reason_en)


_LIGHT_FIELDS = ("pk", "code", "title_zh", "title_en", "start", "deadline", "status", "progress_pct", "done_on")


def lights(programme_code: str | None, today: dt.date) -> list[TaskRow]:
    """Every task's light in one query (tasks left-joined to their milestones), for summaries.

    The rows carry tasks with the fields in ``_LIGHT_FIELDS`` only: enough to name, link and
    judge them, not to show their departments (use :func:`rows` for that).
    """
    qs = Task.objects.all()
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    joined = qs.order_by("order", "code", "milestones__due", "milestones__order").values_list(
        *_LIGHT_FIELDS, "milestones__pk", "milestones__name_zh", "milestones__due", "milestones__done_on"
    )
    tasks: dict[int, Task] = {}
    milestones: dict[int, list[TaskMilestone]] = {}
    for row in joined:
        pk = row[0]
        if pk not in tasks:
            tasks[pk] = Task(**dict(zip(_LIGHT_FIELDS, row[: len(_LIGHT_FIELDS)], strict=True)))
            milestones[pk] = []
        m_pk, m_name, m_due, m_done = row[len(_LIGHT_FIELDS) :]
        if m_pk is not None:
            milestones[pk].append(TaskMilestone(pk=m_pk, task_id=pk, name_zh=m_name, due=m_due, done_on=m_done))
    for pk, task in tasks.items():
        # What prefetch_related("milestones") would have stored, so light_of reads no more rows.
        task._prefetched_objects_cache = {"milestones": milestones[pk]}  # type: ignore[attr-defined]
    return [light_of(task, today) for task in tasks.values()]


def rows(programme_code: str | None, today: dt.date) -> list[TaskRow]:
    return [light_of(t, today) for t in tasks(programme_code)]


@dataclass(frozen=True)
class TaskFilters:
    """The list's filters; empty strings mean "any"."""

    area: str = ""
    unit: str = ""  # "dept:FGW" or "unit:330106" (lead or cooperating)
    status: str = ""
    light: str = ""
    programme: str = ""


LIGHTS = ("red", "yellow", "green", "grey")


def filtered_rows(filters: TaskFilters, today: dt.date) -> list[TaskRow]:
    """Rows matching the filters; the light is computed, so it is filtered after the query."""
    qs = tasks(filters.programme or None)
    if filters.area:
        qs = qs.filter(areas__code=filters.area)
    kind, _, code = filters.unit.partition(":")
    if kind == "dept" and code:
        qs = qs.filter(Q(lead_department__code=code) | Q(cooperating_departments__code=code))
    elif kind == "unit" and code:
        qs = qs.filter(Q(lead_org_unit__code=code) | Q(cooperating_org_units__code=code))
    if filters.status in TaskStatus.values:
        qs = qs.filter(status=filters.status)
    found = [light_of(t, today) for t in qs.distinct()]
    if filters.light in LIGHTS:
        found = [r for r in found if r.colour == filters.light]
    return found


def lead_name(task: Task) -> str:
    """Who leads, as the list writes it ("省发展改革委、西湖区"), or ""."""
    names = [str(task.lead_department)] if task.lead_department else []
    if task.lead_org_unit:
        names.append(task.lead_org_unit.name_zh)
    return "、".join(names)


def unit_choices() -> list[tuple[str, str]]:
    """Departments and org units that lead or cooperate on some task, for the unit filter."""
    from lantu.orgunits.models import Department, OrgUnit

    departments = Department.objects.filter(Q(led_tasks__isnull=False) | Q(cooperating_tasks__isnull=False))
    units = OrgUnit.objects.filter(Q(led_tasks__isnull=False) | Q(cooperating_tasks__isnull=False))
    return [(f"dept:{d.code}", str(d)) for d in departments.distinct().order_by("code")] + [
        (f"unit:{u.code}", u.name_zh) for u in units.distinct().order_by("code")
    ]


@dataclass
class UnitScore:
    """One lead department or unit on the scorecard."""

    key: str
    name: str
    total: int = 0
    red: int = 0
    yellow: int = 0
    green: int = 0
    grey: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0


def scorecard(programme_code: str | None, today: dt.date) -> list[UnitScore]:
    """Per lead department or unit: tasks by light, done on time, done late, open past deadline.

    A task led by both a department and a unit counts for each; tasks without a lead are
    gathered under the key "" ("未明确牵头单位").
    """
    scores: dict[str, UnitScore] = {}
    for row in rows(programme_code, today):
        task = row.task
        keys: list[tuple[str, str]] = []
        if task.lead_department:
            keys.append((f"dept:{task.lead_department.code}", str(task.lead_department)))
        if task.lead_org_unit:
            keys.append((f"unit:{task.lead_org_unit.code}", task.lead_org_unit.name_zh))
        for key, name in keys or [("", "")]:
            score = scores.setdefault(key, UnitScore(key, name))
            score.total += 1
            setattr(score, row.colour, getattr(score, row.colour) + 1)
            if task.status == TaskStatus.DONE and task.done_on and task.deadline:
                if task.done_on <= task.deadline:
                    score.done_on_time += 1
                else:
                    score.done_late += 1
            elif task.status != TaskStatus.DONE and task.deadline and task.deadline < today:
                score.overdue += 1
    return sorted(scores.values(), key=lambda s: (s.key == "", -s.red, -s.total, s.key))


@dataclass(frozen=True)
class Bar:
    """A task on the timeline: offsets and widths in percent of the shown span."""

    row: TaskRow
    left: float
    width: float
    milestones: tuple[tuple[float, str, str, bool], ...]  # (offset %, name, due, done)


@dataclass(frozen=True)
class Timeline:
    first: dt.date
    last: dt.date
    years: tuple[tuple[int, float, float], ...]  # (year, left %, width %)
    today: float | None
    bars: tuple[Bar, ...]
    undated: tuple[TaskRow, ...]


def timeline(found: list[TaskRow], today: dt.date) -> Timeline:
    """Place tasks with a deadline on a time axis; a task without a start begins at its first milestone
    or at the start of the deadline's year."""
    dated = [r for r in found if r.task.deadline is not None]
    spans: list[tuple[TaskRow, dt.date, dt.date]] = []
    for r in dated:
        deadline = r.task.deadline
        assert deadline is not None
        dues = [m.due for m in r.task.milestones.all()]
        start = r.task.start or min([*dues, dt.date(deadline.year, 1, 1)])
        spans.append((r, start, deadline))
    if not spans:
        return Timeline(today, today, (), None, (), tuple(found))
    first = dt.date(min(s for _, s, _ in spans).year, 1, 1)
    last = dt.date(max(d for _, _, d in spans).year, 12, 31)
    total = (last - first).days + 1

    def pct(day: dt.date) -> float:
        return round(100 * (day - first).days / total, 2)

    bars = tuple(
        Bar(
            r,
            pct(s),
            max(round(100 * ((d - s).days + 1) / total, 2), 0.5),
            tuple((pct(m.due), m.name_zh, m.due.isoformat(), m.done_on is not None) for m in r.task.milestones.all()),
        )
        for r, s, d in spans
    )
    years = tuple(
        (y, pct(dt.date(y, 1, 1)), round(100 * (366 if calendar.isleap(y) else 365) / total, 2))
        for y in range(first.year, last.year + 1)
    )
    return Timeline(
        first,
        last,
        years,
        pct(today) if first <= today <= last else None,
        bars,
        tuple(r for r in found if r.task.deadline is None),
    )


def detail(code: str) -> Task | None:
    """One task with its milestones, sub-tasks, reports and evidence."""
    return (
        Task.objects.select_related("programme", "parent", "lead_department", "lead_org_unit")
        .prefetch_related(
            "milestones",
            "subtasks",
            "areas",
            "goals",
            "indicators",
            "cooperating_departments",
            "cooperating_org_units",
            "reports__evidence",
        )
        .filter(code=code)
        .first()
    )


def _tree(found: list[Task]) -> list[tuple[int, Task]]:
    """Parents first, each followed by its sub-tasks, with depths."""
    codes = {t.pk for t in found}
    children: dict[int | None, list[Task]] = {}
    for t in found:
        parent = t.parent_id if t.parent_id in codes else None
        children.setdefault(parent, []).append(t)
    out: list[tuple[int, Task]] = []

    def walk(parent: int | None, depth: int) -> None:
        for t in children.get(parent, []):
            out.append((depth, t))
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


def export_task_list(programme_code: str) -> bytes:
    """The programme's task list as an Excel sheet in the 清单 layout, which imports back unchanged.

    进展情况 holds the latest progress report (not read back on import).
    """
    from lantu.core.tabular import qingdan
    from lantu.framework.models import Programme

    programme = Programme.objects.filter(code=programme_code).first()
    if programme is None:
        from lantu.accounts.service import NotFound

        raise NotFound("规划", programme_code)
    found = list(tasks(programme_code).prefetch_related("reports"))
    lines = []
    for depth, t in _tree(found):
        lead = [str(t.lead_department)] if t.lead_department else []
        if t.lead_org_unit:
            lead.append(t.lead_org_unit.name_zh)
        cooperating = [str(d) for d in t.cooperating_departments.all()] + [
            u.name_zh for u in t.cooperating_org_units.all()
        ]
        reports = list(t.reports.all())
        progress = ""
        if reports:
            latest = reports[0]
            progress = f"{latest.text}（截至{latest.as_of.year}年{latest.as_of.month}月{latest.as_of.day}日，进度{latest.progress_pct}%）"
        lines.append(
            qingdan.QingdanLine(
                depth, t.code, t.title_zh, lead, cooperating, qingdan.TimeSpan(t.start, t.deadline), progress
            )
        )
    return qingdan.write_qingdan(lines, title=f"{programme.name_zh}任务清单")
