"""Read side of the task list: tasks with their milestones and supervision lights."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from lantu.core import supervision
from lantu.tasks.models import Task, TaskStatus


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


def light_of(task: Task, today: dt.date) -> TaskRow:
    """The task's supervision light; a task without a deadline cannot be supervised yet (grey)."""
    if task.deadline is None:
        return TaskRow(task, None, "未设完成时限，无法督办", "No deadline set: nothing to supervise yet")
    light = supervision.task_light(
        supervision.TaskInput(
            start=task.start,
            deadline=task.deadline,
            progress_pct=float(task.progress_pct) if task.progress_pct is not None else None,
            done_on=task.done_on if task.status == TaskStatus.DONE else None,
            milestones=[supervision.MilestoneInput(str(m.pk), m.due, m.done_on) for m in task.milestones.all()],
        ),
        today,
    )
    # Milestones are keyed by id for the core; name them for people.
    names = {str(m.pk): m.name_zh for m in task.milestones.all()}
    reason_zh, reason_en = light.reason_zh, light.reason_en
    for key, name in names.items():
        reason_zh = reason_zh.replace(f"“{key}”", f"“{name}”")
        reason_en = reason_en.replace(f"“{key}”", f"“{name}”")
    return TaskRow(task, light, reason_zh, reason_en)


def rows(programme_code: str | None, today: dt.date) -> list[TaskRow]:
    return [light_of(t, today) for t in tasks(programme_code)]
