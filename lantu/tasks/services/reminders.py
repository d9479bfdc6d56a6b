"""Supervision reminders (督办提醒): before a task's milestones and deadline, and notices when late.

Who hears what:

* the lead (the reporters of the lead department or lead org unit) gets a reminder 30, 7 and
  1 days before each open milestone and the deadline, and a notice when it is late;
* the lead's supervisor gets the late notices too: for a lead org unit, the approvers of its
  parent unit (the unit that approves its figures); for a lead department, the programme office
  (programme administrators).

Late notices go out on the first day late and then every seventh day, so a task that stays late
is not a daily flood. Run once a day (``lantu tasks remind``, or cron); running twice on the same
day sends nothing new, because each day's sending is recorded in the audit log and checked first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User

from lantu.accounts.models import AuditEvent, Role, RoleAssignment
from lantu.accounts.notifications import notify
from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, NotFound, audit, service
from lantu.core import supervision
from lantu.tasks.models import Task, TaskStatus
from lantu.tasks.selectors import task_input

REMIND_ACTION = "tasks.task.remind"
#: Days before a milestone or deadline on which the lead is reminded.
BEFORE_DAYS = (30, 7, 1)
#: A late item is announced on its first late day and then every this many days.
LATE_EVERY_DAYS = 7


@dataclass
class TaskReminders:
    """What one run sent: per task code, the items and the user names told."""

    sent: dict[str, list[str]] = field(default_factory=dict)
    recipients: dict[str, list[str]] = field(default_factory=dict)


def _users(role: str, **scope: object) -> list[User]:
    return [
        a.user
        for a in RoleAssignment.objects.filter(role=role, revoked_at__isnull=True, **scope).select_related("user")
    ]


def _lead_users(task: Task) -> list[User]:
    """The reporters of the task's lead unit or department."""
    if task.lead_department_id is not None:
        return _users(Role.DEPARTMENT_REPORTER, department_id=task.lead_department_id)
    if task.lead_org_unit_id is not None:
        return _users(Role.UNIT_REPORTER, org_unit_id=task.lead_org_unit_id)
    return []


def _supervisor_users(task: Task) -> list[User]:
    """Who supervises the lead: the parent unit's approvers, or the programme office."""
    unit = task.lead_org_unit
    if unit is not None and unit.parent_id is not None:
        return _users(Role.APPROVER, org_unit_id=unit.parent_id)
    return _users(Role.PROGRAMME_ADMIN)


def _describe(item: str, days: int, names: dict[str, str], task: Task) -> tuple[str, bool]:
    """Turn a core reminder into a sentence; the flag says whether it is a late notice."""
    kind, _, key = item.partition(":")
    what = "完成时限" if key in ("", "deadline") else f"时间节点“{names.get(key, key)}”"
    if kind == "late":
        return f"{what}已逾期 {-days} 天", True
    return f"{what}还有 {days} 天到期", False


@service("framework.manage")
def send_task_reminders(actor: Actor, today: dt.date) -> TaskReminders:
    """Send today's supervision reminders and late notices for every open task with a deadline."""
    result = TaskReminders()
    already = set(
        AuditEvent.objects.filter(action=REMIND_ACTION, after__day=today.isoformat()).values_list(
            "object_id", flat=True
        )
    )
    tasks = (
        Task.objects.filter(deadline__isnull=False)
        .exclude(status__in=[TaskStatus.DONE, TaskStatus.SUSPENDED])
        .select_related("lead_department", "lead_org_unit")
        .prefetch_related("milestones")
        .order_by("order", "code")
    )
    for task in tasks:
        if str(task.pk) in already or task.deadline is None:
            continue
        due = supervision.reminders_due(task_input(task, task.deadline), today, before_days=BEFORE_DAYS)
        names = {str(m.pk): m.name_zh for m in task.milestones.all()}
        lines: list[str] = []
        late = False
        for item, days in due:
            if days < 0 and (-days - 1) % LATE_EVERY_DAYS:
                continue
            text, is_late = _describe(item, days, names, task)
            lines.append(text)
            late = late or is_late
        if not lines:
            continue
        recipients = {u.pk: u for u in _lead_users(task)}
        if late:
            recipients.update({u.pk: u for u in _supervisor_users(task)})
        subject = f"{'督办通知' if late else '任务提醒'}：{task.code} {task.title_zh}"[:200]
        notify(recipients.values(), subject, "；".join(lines) + "。", f"/tasks/{task.code}/")
        result.sent[task.code] = lines
        result.recipients[task.code] = sorted(u.get_username() for u in recipients.values())
        audit(
            actor,
            REMIND_ACTION,
            task,
            after={"day": today.isoformat(), "items": lines, "recipients": result.recipients[task.code]},
        )
    return result


@service("framework.manage")
def send_supervision_notice(actor: Actor, task_code: str, message: str) -> list[str]:
    """The programme office presses a lead about a task (督办通知); the lead and its supervisor are told."""
    task = Task.objects.select_related("lead_department", "lead_org_unit").filter(code=task_code).first()
    if task is None:
        raise NotFound("任务", task_code)
    if not message.strip():
        raise InvalidInput.one("message", "请填写督办意见", "write what the lead is asked to do")
    recipients = {u.pk: u for u in [*_lead_users(task), *_supervisor_users(task)]}
    if not recipients:
        raise InvalidInput.one(
            "task",
            "该任务没有可通知的牵头单位人员，请先指定牵头单位并分配填报员",
            "nobody to notify: give the task a lead unit with a reporter first",
        )
    notify(recipients.values(), f"督办通知：{task.code} {task.title_zh}"[:200], message.strip(), f"/tasks/{task.code}/")
    names = sorted(u.get_username() for u in recipients.values())
    audit(actor, "tasks.task.supervise", task, after={"message": message.strip(), "recipients": names})
    return names
