"""Use cases of the task list: define tasks and milestones, report progress with evidence, close."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import Changes, InvalidInput, NotFound, Problem, audit, require, service
from lantu.framework.models import Area, Goal, Indicator, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.tasks.models import Evidence, ProgressReport, Task, TaskMilestone, TaskStatus

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")
#: Evidence files: office documents, PDFs and pictures, at most settings.UPLOAD_MAX_BYTES each
#: (LANTU_UPLOAD_MAX_MB); this is its default.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
#: The first bytes each allowed type starts with: a renamed file of another kind is refused.
EVIDENCE_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
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


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class _Resolved:
    """A spec checked against the database: the rows it names."""

    programme: Programme
    parent: Task | None
    lead_department: Department | None
    lead_org_unit: OrgUnit | None
    links: dict[str, list[object]]


def _window_problems(spec: TaskSpec, parent: Task | None, task: Task | None) -> list[Problem]:
    """Dates: deadline not before start; inside the parent's window; around sub-tasks and milestones.

    A sub-task must fit inside its parent (start not earlier, deadline not later, where both are
    set): a parent reported done while a sub-task still runs would make the lights lie.
    """
    problems: list[Problem] = []
    start, deadline = spec.start, spec.deadline
    if start and deadline and deadline < start:
        problems.append(
            Problem(
                "deadline",
                f"完成时限{deadline}早于开始日期{start}",
                f"the deadline {deadline} is before the start {start}",
            )
        )
    if parent is not None:
        if parent.start and start and start < parent.start:
            problems.append(
                Problem(
                    "start",
                    f"开始日期{start}早于上级任务“{parent.code}”的开始日期{parent.start}",
                    f"the start {start} is before the start {parent.start} of parent task {parent.code}",
                )
            )
        if parent.deadline and deadline and deadline > parent.deadline:
            problems.append(
                Problem(
                    "deadline",
                    f"完成时限{deadline}晚于上级任务“{parent.code}”的完成时限{parent.deadline}",
                    f"the deadline {deadline} is after the deadline {parent.deadline} of parent task {parent.code}",
                )
            )
    if task is None:
        return problems
    for child in task.subtasks.all():
        if start and child.start and child.start < start:
            problems.append(
                Problem(
                    "start",
                    f"子任务“{child.code}”的开始日期{child.start}早于新的开始日期{start}",
                    f"sub-task {child.code} starts on {child.start}, before the new start {start}",
                )
            )
        if deadline and child.deadline and child.deadline > deadline:
            problems.append(
                Problem(
                    "deadline",
                    f"子任务“{child.code}”的完成时限{child.deadline}晚于新的完成时限{deadline}",
                    f"sub-task {child.code} is due on {child.deadline}, after the new deadline {deadline}",
                )
            )
    for milestone in task.milestones.all():
        problem = _milestone_problem(milestone.name_zh, milestone.due, start, deadline)
        if problem is not None:
            problems.append(problem)
    return problems


def _milestone_problem(name: str, due: dt.date, start: dt.date | None, deadline: dt.date | None) -> Problem | None:
    """A milestone must fall inside its task's start..deadline."""
    if start and due < start:
        return Problem(
            "due",
            f"时间节点“{name}”（{due}）早于任务开始日期{start}",
            f"milestone {name!r} ({due}) is before the task starts ({start})",
        )
    if deadline and due > deadline:
        return Problem(
            "due",
            f"时间节点“{name}”（{due}）晚于任务完成时限{deadline}",
            f"milestone {name!r} ({due}) is after the task deadline ({deadline})",
        )
    return None


def _is_descendant(candidate: Task, of: Task) -> bool:
    """Whether ``candidate`` is ``of`` itself or lies below it (walks up from the candidate)."""
    seen: set[int] = set()
    node: Task | None = candidate
    while node is not None and node.pk not in seen:
        if node.pk == of.pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _resolve(spec: TaskSpec, task: Task | None) -> _Resolved:
    """Check a spec for a new task (``task`` None) or a change to ``task``; every problem at once."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    if task is None and (not _CODE.match(spec.code) or Task.objects.filter(code=spec.code).exists()):
        problems.append(
            Problem("code", f"任务代码“{spec.code}”无效或已存在", f"task code {spec.code!r} invalid or taken")
        )
    if task is not None and task.programme_id != programme.pk:
        problems.append(Problem("programme", "任务不能移到另一个规划", "a task cannot move to another programme"))
    if not spec.title_zh.strip():
        problems.append(Problem("title_zh", "任务名称不能为空", "the task title is empty"))
    parent = None
    if spec.parent_code:
        parent = Task.objects.select_related("parent").filter(code=spec.parent_code, programme=programme).first()
        if parent is None:
            problems.append(Problem("parent", f"上级任务“{spec.parent_code}”不存在", "unknown parent task"))
        elif task is not None and _is_descendant(parent, task):
            problems.append(
                Problem(
                    "parent",
                    f"上级任务“{spec.parent_code}”是本任务或其子任务，会形成循环",
                    f"parent {spec.parent_code} is this task or one of its sub-tasks: that would make a cycle",
                )
            )
            parent = None
    problems.extend(_window_problems(spec, parent, task))
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
    return _Resolved(programme, parent, lead_department, lead_unit, links)


_LINKS = ("areas", "goals", "indicators", "cooperating_departments", "cooperating_org_units")


def _link_codes(task: Task) -> dict[str, list[str]]:
    return {name: sorted(str(o.code) for o in getattr(task, name).all()) for name in _LINKS}


def _create(actor: Actor, spec: TaskSpec) -> Task:
    """Create a task (no permission check: callers are services that made it)."""
    resolved = _resolve(spec, None)
    task = Task.objects.create(
        programme=resolved.programme,
        parent=resolved.parent,
        code=spec.code,
        title_zh=spec.title_zh.strip(),
        title_en=spec.title_en,
        description=spec.description,
        lead_department=resolved.lead_department,
        lead_org_unit=resolved.lead_org_unit,
        start=spec.start,
        deadline=spec.deadline,
        source_text=spec.source_text,
        order=spec.order,
    )
    for name, objects in resolved.links.items():
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
            "deadline": _day(spec.deadline),
        },
    )
    return task


def _update(actor: Actor, spec: TaskSpec, *, reason: str = "") -> tuple[Task, bool]:
    """Apply a spec to the existing task of its code; return the task and whether anything changed."""
    task = _task(spec.code)
    resolved = _resolve(spec, task)
    changes = Changes()
    for name, value in (
        ("parent", resolved.parent),
        ("title_zh", spec.title_zh.strip()),
        ("title_en", spec.title_en),
        ("description", spec.description),
        ("lead_department", resolved.lead_department),
        ("lead_org_unit", resolved.lead_org_unit),
        ("start", spec.start),
        ("deadline", spec.deadline),
        ("source_text", spec.source_text),
        ("order", spec.order),
    ):
        changes.set(task, name, value)
    if changes:
        task.save(update_fields=list(changes.after))
    before_links = _link_codes(task)
    for name, objects in resolved.links.items():
        after = sorted(str(o.code) for o in objects)  # type: ignore[attr-defined]
        if after != before_links[name]:
            getattr(task, name).set(objects)
            changes.before[name] = before_links[name]
            changes.after[name] = after
    if changes:
        audit(actor, "tasks.task.update", task, before=changes.before, after=changes.after, reason=reason)
    return task, bool(changes)


@service("framework.manage")
def create_task(actor: Actor, spec: TaskSpec) -> Task:
    """Add a task to the programme's list; every link must exist, nothing partial is written."""
    return _create(actor, spec)


@service("framework.manage")
def update_task(actor: Actor, spec: TaskSpec, *, reason: str = "") -> Task:
    """Replace a task's fields and links with ``spec`` (found by its code); audited before/after.

    Refused, with every problem listed: a deadline before the start, a milestone outside the
    new start..deadline, a parent that is the task itself or one of its sub-tasks (a cycle), a
    window that leaves the parent's or no longer holds a sub-task's, unknown links.
    """
    return _update(actor, spec, reason=reason)[0]


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
    problem = _milestone_problem(name_zh.strip(), due, task.start, task.deadline)
    if problem is not None:
        raise InvalidInput([problem])
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
        if len(f.content) > settings.UPLOAD_MAX_BYTES:
            limit = f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g} MB"
            problems.append(Problem(f"files[{index}]", f"“{f.name}”超过 {limit}", f"{f.name} is larger than {limit}"))
        elif not f.content:
            problems.append(Problem(f"files[{index}]", f"“{f.name}”是空文件", f"{f.name} is empty"))
        elif suffix in EVIDENCE_MAGIC and not f.content.startswith(EVIDENCE_MAGIC[suffix]):
            problems.append(
                Problem(
                    f"files[{index}]",
                    f"“{f.name}”的内容不是{suffix}文件",
                    f"{f.name}: the content is not a {suffix} file",
                )
            )
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
