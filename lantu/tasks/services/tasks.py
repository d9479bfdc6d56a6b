"""Use cases of the task list: define tasks and milestones, report progress with evidence, close."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.core.files.base import ContentFile

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import Changes, InvalidInput, NotFound, Problem, audit, require, service
from lantu.framework.models import Area, Goal, Indicator, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.tasks.models import Evidence, ProgressReport, Task, TaskMilestone, TaskStatus

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")
#: Evidence files: office documents, PDFs and pictures, at most 20 MB each.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class TaskSpec:
    code: str
    programme_code: str
    title_zh: str
    title_en: str = ""
    description: str = ""
    parent_code: str | None = None
    area_codes: Sequence[str] = ()
    goal_codes: Sequence[str] = ()
    indicator_codes: Sequence[str] = ()
    lead_department: str | None = None
    lead_org_unit: str | None = None
    cooperating_departments: Sequence[str] = ()
    cooperating_org_units: Sequence[str] = ()
    start: dt.date | None = None
    deadline: dt.date | None = None
    source_text: str = ""
    order: int = 0


def _missing(model: type, field_name: str, codes: Sequence[str], **extra: object) -> tuple[list[object], list[str]]:
    found = list(model._default_manager.filter(**{f"{field_name}__in": codes}, **extra))  # type: ignore[attr-defined]
    return found, sorted(set(codes) - {getattr(o, field_name) for o in found})


@service("framework.manage")
def create_task(actor: Actor, spec: TaskSpec) -> Task:
    """Add a task to the programme's list; every link must exist, nothing partial is written."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    if not _CODE.match(spec.code) or Task.objects.filter(code=spec.code).exists():
        problems.append(
            Problem("code", f"任务代码“{spec.code}”无效或已存在", f"task code {spec.code!r} invalid or taken")
        )
    if not spec.title_zh.strip():
        problems.append(Problem("title_zh", "任务名称不能为空", "the task title is empty"))
    if spec.start and spec.deadline and spec.deadline < spec.start:
        problems.append(Problem("deadline", "完成时限早于开始日期", "the deadline is before the start"))
    parent = None
    if spec.parent_code:
        parent = Task.objects.filter(code=spec.parent_code, programme=programme).first()
        if parent is None:
            problems.append(Problem("parent", f"上级任务“{spec.parent_code}”不存在", "unknown parent task"))
    links: dict[str, list[object]] = {}
    for name, model, field_name, codes, extra in (
        ("areas", Area, "code", spec.area_codes, {"programme": programme}),
        ("goals", Goal, "code", spec.goal_codes, {"area__programme": programme}),
        ("indicators", Indicator, "code", spec.indicator_codes, {"programme": programme}),
        ("cooperating_departments", Department, "code", spec.cooperating_departments, {}),
        ("cooperating_org_units", OrgUnit, "code", spec.cooperating_org_units, {"valid_to__isnull": True}),
    ):
        found, missing = _missing(model, field_name, codes, **extra)
        links[name] = found
        if missing:
            problems.append(Problem(name, f"不存在：{'、'.join(missing)}", f"unknown: {', '.join(missing)}"))
    lead_department = None
    if spec.lead_department:
        lead_department = Department.objects.filter(code=spec.lead_department).first()
        if lead_department is None:
            problems.append(Problem("lead_department", f"牵头部门“{spec.lead_department}”不存在", "unknown lead"))
    lead_unit = None
    if spec.lead_org_unit:
        lead_unit = OrgUnit.objects.filter(code=spec.lead_org_unit, valid_to__isnull=True).first()
        if lead_unit is None:
            problems.append(Problem("lead_org_unit", f"牵头地区“{spec.lead_org_unit}”不存在", "unknown lead unit"))
    if problems:
        raise InvalidInput(problems)
    task = Task.objects.create(
        programme=programme,
        parent=parent,
        code=spec.code,
        title_zh=spec.title_zh.strip(),
        title_en=spec.title_en,
        description=spec.description,
        lead_department=lead_department,
        lead_org_unit=lead_unit,
        start=spec.start,
        deadline=spec.deadline,
        source_text=spec.source_text,
        order=spec.order,
    )
    for name, objects in links.items():
        getattr(task, name).set(objects)
    audit(
        actor,
        "tasks.task.create",
        task,
        after={
            "code": spec.code,
            "title_zh": spec.title_zh,
            "lead_department": spec.lead_department,
            "lead_org_unit": spec.lead_org_unit,
            "deadline": spec.deadline.isoformat() if spec.deadline else None,
        },
    )
    return task


def _task(code: str) -> Task:
    task = Task.objects.select_related("lead_department", "lead_org_unit").filter(code=code).first()
    if task is None:
        raise NotFound("任务", code)
    return task


def _require_lead(actor: Actor, task: Task) -> None:
    """The lead unit or department reports on a task; the programme office may too."""
    require(actor, "tasks.report", org_unit=task.lead_org_unit, department=task.lead_department)


@service("framework.manage")
def add_task_milestone(
    actor: Actor, task_code: str, name_zh: str, due: dt.date, deliverable: str = ""
) -> TaskMilestone:
    """Add a dated milestone (时间节点) to a task."""
    task = _task(task_code)
    if not name_zh.strip():
        raise InvalidInput.one("name_zh", "时间节点名称不能为空", "milestone name is empty")
    if task.start and due < task.start:
        raise InvalidInput.one("due", "时间节点早于任务开始日期", "milestone due before the task starts")
    milestone = TaskMilestone.objects.create(task=task, name_zh=name_zh.strip(), due=due, deliverable=deliverable)
    audit(actor, "tasks.milestone.create", milestone, after={"task": task_code, "due": due.isoformat()})
    return milestone


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes
    content_type: str = ""


@dataclass
class ReportSpec:
    task_code: str
    as_of: dt.date
    progress_pct: Decimal
    text: str
    files: Sequence[EvidenceFile] = field(default_factory=tuple)


def _evidence_problems(files: Sequence[EvidenceFile]) -> list[Problem]:
    problems = []
    for index, f in enumerate(files, start=1):
        suffix = PurePath(f.name).suffix.lower()
        if suffix not in EVIDENCE_TYPES:
            allowed = "、".join(sorted(EVIDENCE_TYPES))
            problems.append(
                Problem(f"files[{index}]", f"“{f.name}”的类型不允许，只接受 {allowed}", f"{f.name}: type not allowed")
            )
        if len(f.content) > EVIDENCE_MAX_BYTES:
            problems.append(Problem(f"files[{index}]", f"“{f.name}”超过 20 MB", f"{f.name} is larger than 20 MB"))
        if not f.content:
            problems.append(Problem(f"files[{index}]", f"“{f.name}”是空文件", f"{f.name} is empty"))
    return problems


@service("tasks.report", scoped=True)
def report_progress(actor: Actor, spec: ReportSpec) -> ProgressReport:
    """Record a progress report with evidence; the task's progress becomes the reported one."""
    task = _task(spec.task_code)
    _require_lead(actor, task)
    problems = _evidence_problems(spec.files)
    if not Decimal(0) <= spec.progress_pct <= Decimal(100):
        problems.append(Problem("progress_pct", "进度应在0到100之间", "progress must be between 0 and 100"))
    if not spec.text.strip():
        problems.append(Problem("text", "请填写进展情况", "describe the progress"))
    if spec.as_of > dt.date.today():
        problems.append(Problem("as_of", "截至日期不能晚于今天", "as-of date is in the future"))
    if problems:
        raise InvalidInput(problems)
    report = ProgressReport.objects.create(
        task=task,
        as_of=spec.as_of,
        progress_pct=spec.progress_pct,
        text=spec.text.strip(),
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    for f in spec.files:
        suffix = PurePath(f.name).suffix.lower()
        evidence = Evidence(
            report=report,
            original_name=f.name[:255],
            size=len(f.content),
            content_type=EVIDENCE_TYPES[suffix],
            sha256=hashlib.sha256(f.content).hexdigest(),
        )
        # Stored under a name of our choosing: the user's file name is kept only as text.
        evidence.file.save(f"{evidence.sha256[:16]}{suffix}", ContentFile(f.content), save=False)
        evidence.save()
    changes = Changes()
    changes.set(task, "progress_pct", spec.progress_pct)
    if task.status == TaskStatus.NOT_STARTED:
        changes.set(task, "status", TaskStatus.IN_PROGRESS)
    if changes:
        task.save(update_fields=list(changes.after))
    audit(
        actor,
        "tasks.progress.report",
        report,
        before=changes.before,
        after={
            **changes.after,
            "as_of": spec.as_of.isoformat(),
            "files": [f.name for f in spec.files],
        },
    )
    return report


@service("tasks.report", scoped=True)
def complete_milestone(actor: Actor, task_code: str, milestone_id: int, done_on: dt.date) -> TaskMilestone:
    """Mark a milestone done on a date (compare-and-set: done only once)."""
    task = _task(task_code)
    _require_lead(actor, task)
    if done_on > dt.date.today():
        raise InvalidInput.one("done_on", "完成日期不能晚于今天", "done date is in the future")
    updated = TaskMilestone.objects.filter(pk=milestone_id, task=task, done_on__isnull=True).update(done_on=done_on)
    if updated != 1:
        raise NotFound("未完成的时间节点", str(milestone_id))
    milestone = TaskMilestone.objects.get(pk=milestone_id)
    audit(actor, "tasks.milestone.done", milestone, after={"done_on": done_on.isoformat()})
    return milestone


@service("tasks.report", scoped=True)
def set_task_status(
    actor: Actor, task_code: str, status: str, *, done_on: dt.date | None = None, reason: str = ""
) -> Task:
    """Change a task's status; "done" needs a completion date and every milestone done."""
    task = _task(task_code)
    _require_lead(actor, task)
    if status not in TaskStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    if status == TaskStatus.DONE:
        if done_on is None:
            raise InvalidInput.one("done_on", "完成任务需要填写完成日期", "a done task needs a completion date")
        open_milestones = task.milestones.filter(done_on__isnull=True).count()
        if open_milestones:
            raise InvalidInput.one(
                "status", f"还有 {open_milestones} 个时间节点未完成", f"{open_milestones} milestones are not done"
            )
    changes = Changes()
    changes.set(task, "status", status)
    changes.set(task, "done_on", done_on if status == TaskStatus.DONE else None)
    if status == TaskStatus.DONE:
        changes.set(task, "progress_pct", Decimal(100))
    if changes:
        task.save(update_fields=list(changes.after))
        audit(actor, "tasks.task.status", task, before=changes.before, after=changes.after, reason=reason)
    return task
