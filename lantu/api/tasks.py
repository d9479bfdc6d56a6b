"""The task list: read with filters, create and update (office), report progress with evidence
files, complete milestones, change status, import (preview and commit) and export the 清单 sheet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from lantu.accounts.service import NotFound
from lantu.api.auth import AUTH
from lantu.tasks import selectors
from lantu.tasks.models import Task
from lantu.tasks.services import (
    EvidenceFile,
    ReportSpec,
    TaskSpec,
    complete_milestone,
    create_task,
    report_progress,
    set_task_status,
    update_task,
)
from lantu.tasks.services.qingdan import ImportResult, import_task_list, preview_task_list

router = Router(tags=["tasks"], auth=AUTH)


class TaskMilestoneOut(Schema):
    id: int
    name_zh: str
    deliverable: str
    due: dt.date
    done_on: dt.date | None
    light: str | None


class TaskOut(Schema):
    code: str
    programme: str
    parent: str | None
    title_zh: str
    title_en: str
    description: str
    areas: list[str]
    goals: list[str]
    indicators: list[str]
    lead_department: str | None
    lead_org_unit: str | None
    cooperating_departments: list[str]
    cooperating_org_units: list[str]
    start: dt.date | None
    deadline: dt.date | None
    status: str
    progress_pct: float | None
    done_on: dt.date | None
    light: str
    light_reason_zh: str
    light_reason_en: str
    milestones: list[TaskMilestoneOut]


class ReportOut(Schema):
    id: int
    as_of: dt.date
    progress_pct: float
    text: str
    by: str
    evidence: list[dict[str, str | int]]


class TaskDetailOut(TaskOut):
    subtasks: list[str]
    reports: list[ReportOut]


class TaskIn(Schema):
    code: str
    programme: str = "DZJ"
    parent: str | None = None
    title_zh: str
    title_en: str = ""
    description: str = ""
    areas: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    lead_department: str | None = None
    lead_org_unit: str | None = None
    cooperating_departments: list[str] = Field(default_factory=list)
    cooperating_org_units: list[str] = Field(default_factory=list)
    start: dt.date | None = None
    deadline: dt.date | None = None
    source_text: str = ""
    order: int = 0
    reason: str = ""


class MilestoneDoneIn(Schema):
    done_on: dt.date


class TaskStatusIn(Schema):
    status: str
    done_on: dt.date | None = None
    reason: str = ""


class ProblemOut(Schema):
    row: int | None
    field: str
    message_zh: str
    message_en: str


class ImportRowOut(Schema):
    row: int
    number: str
    code: str
    parent: str | None
    title: str
    lead: str
    cooperating: str
    time_text: str
    start: dt.date | None
    deadline: dt.date | None
    action: str
    problems: list[ProblemOut]


class ImportOut(Schema):
    committed: bool
    sheet: str
    header_row: int
    created: int
    updated: int
    unchanged: int
    rows: list[ImportRowOut]
    problems: list[ProblemOut]


def _task_out(row: selectors.TaskRow) -> dict[str, object]:
    t = row.task
    lights = {m.key: m.light for m in row.light.milestones} if row.light else {}
    return {
        "code": t.code,
        "programme": t.programme.code,
        "parent": t.parent.code if t.parent else None,
        "title_zh": t.title_zh,
        "title_en": t.title_en,
        "description": t.description,
        "areas": [a.code for a in t.areas.all()],
        "goals": [g.code for g in t.goals.all()],
        "indicators": [i.code for i in t.indicators.all()],
        "lead_department": t.lead_department.code if t.lead_department else None,
        "lead_org_unit": t.lead_org_unit.code if t.lead_org_unit else None,
        "cooperating_departments": [d.code for d in t.cooperating_departments.all()],
        "cooperating_org_units": [u.code for u in t.cooperating_org_units.all()],
        "start": t.start,
        "deadline": t.deadline,
        "status": t.status,
        "progress_pct": float(t.progress_pct) if t.progress_pct is not None else None,
        "done_on": t.done_on,
        "light": row.colour,
        "light_reason_zh": row.reason_zh,
        "light_reason_en": row.reason_en,
        "milestones": [
            {
                "id": m.pk,
                "name_zh": m.name_zh,
                "deliverable": m.deliverable,
                "due": m.due,
                "done_on": m.done_on,
                "light": lights.get(str(m.pk)),
            }
            for m in t.milestones.all()
        ],
    }


def _detail(code: str) -> dict[str, object]:
    task = selectors.detail(code)
    if task is None:
        raise NotFound("任务", code)
    out = _task_out(selectors.light_of(task, dt.date.today()))
    out["subtasks"] = [s.code for s in task.subtasks.all()]
    out["reports"] = [
        {
            "id": r.pk,
            "as_of": r.as_of,
            "progress_pct": float(r.progress_pct),
            "text": r.text,
            "by": r.actor_label,
            "evidence": [
                {"name": e.original_name, "size": e.size, "content_type": e.content_type, "sha256": e.sha256}
                for e in r.evidence.all()
            ],
        }
        for r in task.reports.all()
    ]
    return out


@router.get("/tasks", response=list[TaskOut], summary="The task list with supervision lights")
def list_tasks(
    request: HttpRequest, area: str = "", unit: str = "", status: str = "", light: str = "", programme: str = ""
) -> list[dict[str, object]]:
    """Filters as on the page: ``unit`` is ``dept:CODE`` or ``unit:CODE`` (lead or cooperating);
    ``light`` is red, yellow, green or grey."""
    filters = selectors.TaskFilters(area=area, unit=unit, status=status, light=light, programme=programme)
    return [_task_out(r) for r in selectors.filtered_rows(filters, dt.date.today())]


@router.get("/tasks/export.xlsx", summary="The task list as an Excel sheet in the 清单 layout")
def export_tasks(request: HttpRequest, programme: str = "DZJ") -> HttpResponse:
    response = HttpResponse(
        selectors.export_task_list(programme),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="tasks.xlsx"'
    return response


def _import_out(result: ImportResult) -> dict[str, object]:
    def problems(items: list[object]) -> list[dict[str, object]]:
        return [
            {"row": p.row, "field": p.field, "message_zh": p.message_zh, "message_en": p.message_en}  # type: ignore[attr-defined]
            for p in items
        ]

    return {
        "committed": result.committed,
        "sheet": result.sheet,
        "header_row": result.header_row,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rows": [
            {
                "row": r.row,
                "number": r.number,
                "code": r.code,
                "parent": r.parent_code,
                "title": r.title,
                "lead": r.lead,
                "cooperating": r.cooperating,
                "time_text": r.time_text,
                "start": r.start,
                "deadline": r.deadline,
                "action": r.action,
                "problems": problems(list(r.problems)),
            }
            for r in result.rows
        ],
        "problems": problems(list(result.problems)),
    }


@router.post(
    "/tasks/import", response=ImportOut, summary="Import a 清单 sheet (preview with dry_run, else all or nothing)"
)
def import_tasks(
    request: HttpRequest,
    file: File[UploadedFile],
    programme: Form[str] = "DZJ",
    dry_run: Form[bool] = False,
) -> dict[str, object]:
    """A preview (``dry_run``) answers 200 with every row and its problems; a commit with any
    problem answers 422 and writes nothing."""
    data = file.read()
    if dry_run:
        return _import_out(preview_task_list(request.user, programme, data))
    return _import_out(import_task_list(request.user, programme, data))


@router.get("/tasks/{code}", response=TaskDetailOut, summary="One task with milestones and reports")
def get_task(request: HttpRequest, code: str) -> dict[str, object]:
    return _detail(code)


def _spec(body: TaskIn) -> TaskSpec:
    return TaskSpec(
        code=body.code,
        programme_code=body.programme,
        title_zh=body.title_zh,
        title_en=body.title_en,
        description=body.description,
        parent_code=body.parent,
        area_codes=body.areas,
        goal_codes=body.goals,
        indicator_codes=body.indicators,
        lead_department=body.lead_department,
        lead_org_unit=body.lead_org_unit,
        cooperating_departments=body.cooperating_departments,
        cooperating_org_units=body.cooperating_org_units,
        start=body.start,
        deadline=body.deadline,
        source_text=body.source_text,
        order=body.order,
    )


@router.post("/tasks", response={201: TaskDetailOut}, summary="Add a task (programme office)")
def post_task(request: HttpRequest, body: TaskIn) -> tuple[int, dict[str, object]]:
    create_task(request.user, _spec(body))
    return 201, _detail(body.code)


@router.put("/tasks/{code}", response=TaskDetailOut, summary="Replace a task's fields and links (programme office)")
def put_task(request: HttpRequest, code: str, body: TaskIn) -> dict[str, object]:
    """Every field is replaced; fields left out take their defaults (empty)."""
    if body.code != code:
        from lantu.accounts.service import InvalidInput

        raise InvalidInput.one("code", "路径中的任务代码与请求体不一致", "the code in the path and the body differ")
    if not Task.objects.filter(code=code).exists():
        raise NotFound("任务", code)
    update_task(request.user, _spec(body), reason=body.reason)
    return _detail(code)


@router.post("/tasks/{code}/reports", response={201: TaskDetailOut}, summary="Report progress with evidence files")
def post_report(
    request: HttpRequest,
    code: str,
    as_of: Form[dt.date],
    progress_pct: Form[Decimal],
    text: Form[str],
    files: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> tuple[int, dict[str, object]]:
    """multipart/form-data: ``as_of``, ``progress_pct``, ``text`` and any number of ``files``."""
    evidence = [EvidenceFile(f.name or "file", f.read(), f.content_type or "") for f in files or []]
    report_progress(request.user, ReportSpec(code, as_of, progress_pct, text, evidence))
    return 201, _detail(code)


@router.post("/tasks/{code}/milestones/{milestone_id}/done", response=TaskDetailOut, summary="Mark a milestone done")
def post_milestone_done(request: HttpRequest, code: str, milestone_id: int, body: MilestoneDoneIn) -> dict[str, object]:
    complete_milestone(request.user, code, milestone_id, body.done_on)
    return _detail(code)


@router.post("/tasks/{code}/status", response=TaskDetailOut, summary="Change a task's status")
def post_status(request: HttpRequest, code: str, body: TaskStatusIn) -> dict[str, object]:
    set_task_status(request.user, code, body.status, done_on=body.done_on, reason=body.reason)
    return _detail(code)
