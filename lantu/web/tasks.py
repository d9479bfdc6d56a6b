"""Task-list pages: the list with filters, a timeline, the unit scorecard, a task's page with its
forms, evidence downloads, and the 清单 import (upload → preview → confirm) and export.

Thin: reads go through ``lantu.tasks.selectors``, writes through the task services, whose
problems are shown beside the form fields they concern.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError, Problem, problem_text
from lantu.core.supervision import RULE_EN, RULE_ZH
from lantu.core.tabular import check_size
from lantu.core.tabular.qingdan import QINGDAN_MAX_BYTES
from lantu.framework.models import Area
from lantu.tasks import selectors
from lantu.tasks.models import Evidence, Task, TaskStatus
from lantu.tasks.services import (
    EVIDENCE_TYPES,
    EvidenceFile,
    ReportSpec,
    complete_milestone,
    report_progress,
    set_task_status,
)
from lantu.tasks.services.qingdan import import_task_list, preview_task_list
from lantu.web.files import user_file_response
from lantu.web.refusals import raise_if_denied

REFUSED = (InvalidInput, NotFound, PermissionDeniedError, Conflict)
_CHECKSUM = re.compile(r"[0-9a-f]{64}")


def _counts(found: list[selectors.TaskRow]) -> dict[str, int]:
    return {c: sum(r.colour == c for r in found) for c in selectors.LIGHTS}


def _filters(request: HttpRequest) -> selectors.TaskFilters:
    get = request.GET
    return selectors.TaskFilters(
        area=get.get("area", ""), unit=get.get("unit", ""), status=get.get("status", ""), light=get.get("light", "")
    )


def _default_programme() -> str:
    from lantu.framework.selectors import programmes

    programme = programmes().first()
    if programme is None:
        raise Http404("no programme")
    return programme.code


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The task list with filters (area, unit, status, light); HTMX requests get the table only."""
    filters = _filters(request)
    found = selectors.filtered_rows(filters, dt.date.today())
    context = {
        "rows": found,
        "counts": _counts(found),
        "filters": filters,
        "areas": Area.objects.filter(tasks__isnull=False).distinct().order_by("order", "code"),
        "units": selectors.unit_choices(),
        "statuses": TaskStatus.choices,
        "rule_zh": RULE_ZH,
        "rule_en": RULE_EN,
        "can_manage": has_perm(request.user, "framework.manage"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/tasks/_table.html", context)
    return render(request, "web/tasks/list.html", context)


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    """Tasks as bars on a time axis (with milestones), and the same in a table."""
    filters = _filters(request)
    today = dt.date.today()
    found = selectors.filtered_rows(filters, today)
    return render(
        request,
        "web/tasks/timeline.html",
        {"timeline": selectors.timeline(found, today), "filters": filters, "rows": found},
    )


@login_required
def scorecard(request: HttpRequest) -> HttpResponse:
    """Per lead department or unit: tasks by light, done on time, done late, overdue."""
    return render(request, "web/tasks/units.html", {"scores": selectors.scorecard(None, dt.date.today())})


def _may_see_evidence(request: HttpRequest, task: Task) -> bool:
    unit, department = task.lead_org_unit, task.lead_department
    return has_perm(request.user, "tasks.report", org_unit=unit, department=department) or has_perm(
        request.user, "values.read", org_unit=unit, department=department
    )


def _field_errors(exc: Exception) -> dict[str, list[str]]:
    """Problems by form field ("" for the form as a whole)."""
    if not isinstance(exc, InvalidInput):
        return {"": [str(exc)]}
    errors: dict[str, list[str]] = {}
    for p in exc.problems:
        name = "files" if p.field.startswith("files[") else p.field
        errors.setdefault(name, []).append(problem_text(p) if name == "" else _message(p))
    return errors


def _message(problem: Problem) -> str:
    from django.utils import translation

    return problem.message_en if (translation.get_language() or "").startswith("en") else problem.message_zh


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(name, "请填写日期，如 2024-06-30", "enter a date such as 2024-06-30") from None


def _post_action(request: HttpRequest, task: Task) -> str:
    """Run the posted form's action; return the success message (raises the services' errors)."""
    action = request.POST.get("action", "")
    post = request.POST
    if action == "report":
        try:
            pct = Decimal(post.get("progress_pct", "").strip())
        except InvalidOperation:
            raise InvalidInput.one("progress_pct", "进度应为0到100之间的数", "progress must be a number") from None
        uploads = [f for f in request.FILES.getlist("files") if isinstance(f, UploadedFile)]
        files = [EvidenceFile(f.name or "file", f.read(), f.content_type or "") for f in uploads]
        report_progress(
            request.user, ReportSpec(task.code, _date(post.get("as_of", ""), "as_of"), pct, post.get("text", ""), files)
        )
        return "已报送进展"
    if action == "milestone":
        try:
            milestone_id = int(post.get("milestone", ""))
        except ValueError:
            raise NotFound("时间节点", post.get("milestone", "")) from None
        complete_milestone(request.user, task.code, milestone_id, _date(post.get("done_on", ""), "done_on"))
        return "时间节点已完成"
    if action == "status":
        done_text = post.get("done_on", "").strip()
        set_task_status(
            request.user,
            task.code,
            post.get("status", ""),
            done_on=_date(done_text, "done_on") if done_text else None,
            reason=post.get("reason", ""),
        )
        return "状态已更新"
    raise InvalidInput.one("", "未知操作", "unknown action")


@login_required
def detail(request: HttpRequest, code: str) -> HttpResponse:
    """One task: milestones, sub-tasks, reports with evidence, and the forms its lead may use."""
    task = selectors.detail(code)
    if task is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    form_action = ""
    if request.method == "POST":
        form_action = request.POST.get("action", "")
        try:
            done = _post_action(request, task)
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = _field_errors(exc)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(request.path)
    today = dt.date.today()
    row = selectors.light_of(task, today)
    context: dict[str, Any] = {
        "task": task,
        "row": row,
        "milestone_lights": dict(
            zip((str(m.pk) for m in task.milestones.all()), row.light.milestones if row.light else (), strict=False)
        ),
        "subtasks": [selectors.light_of(t, today) for t in selectors.tasks().filter(parent=task)],
        "can_report": has_perm(
            request.user, "tasks.report", org_unit=task.lead_org_unit, department=task.lead_department
        ),
        "can_see_evidence": _may_see_evidence(request, task),
        "statuses": TaskStatus.choices,
        "errors": errors,
        "all_errors": [message for messages_ in errors.values() for message in messages_],
        "form_action": form_action,
        "post": request.POST if request.method == "POST" else {},
        "today": today.isoformat(),
        "lead": selectors.lead_name(task),
    }
    return render(request, "web/tasks/detail.html", context, status=422 if errors else 200)


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """Download an evidence file: for the task's lead, the office, and readers of the lead's data."""
    found = Evidence.objects.select_related("report__task__lead_org_unit", "report__task__lead_department").filter(
        pk=pk
    )
    item = found.first()
    if item is None or not _may_see_evidence(request, item.report.task):
        raise Http404
    # The type stored at upload (checked against the suffix and the first bytes), never a guess
    # from the user's file name; always an attachment (lantu.web.files).
    return user_file_response(item.file.open("rb"), item.original_name, item.content_type, EVIDENCE_TYPES.values())


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "qingdan"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a 清单 sheet, see the preview with every row's problems, then confirm.

    The upload is kept server-side in a file named by its SHA-256 (and the checksum in the
    session); nothing is written to the database before the confirmation.
    """
    if not has_perm(request.user, "framework.manage"):
        raise Http404
    programme = _default_programme()
    context: dict[str, Any] = {"errors": [], "result": None, "checksum": ""}
    if request.method == "POST" and request.POST.get("confirm"):
        checksum = request.POST.get("checksum", "")
        if not _CHECKSUM.fullmatch(checksum) or checksum not in request.session.get("qingdan_uploads", []):
            raise Http404
        stored = _upload_dir() / f"{checksum}.xlsx"
        if not stored.is_file():
            raise Http404
        try:
            result = import_task_list(request.user, programme, stored.read_bytes())
        except REFUSED as exc:
            context["errors"] = [problem_text(p) for p in exc.problems] if isinstance(exc, InvalidInput) else [str(exc)]
        else:
            stored.unlink(missing_ok=True)
            request.session["qingdan_uploads"] = [c for c in request.session["qingdan_uploads"] if c != checksum]
            messages.success(
                request,
                f"已导入：新建 {result.created} 项，更新 {result.updated} 项，未变化 {result.unchanged} 项",
            )
            return HttpResponseRedirect(reverse("tasks"))
    elif request.method == "POST":
        upload = request.FILES.get("file")
        if not isinstance(upload, UploadedFile):
            context["errors"] = ["请选择要上传的Excel文件"]
        else:
            try:
                check_size(upload.size or 0, QINGDAN_MAX_BYTES)
                data = upload.read()
                result = preview_task_list(request.user, programme, data)
            except REFUSED as exc:
                context["errors"] = (
                    [problem_text(p) for p in exc.problems] if isinstance(exc, InvalidInput) else [str(exc)]
                )
            else:
                checksum = hashlib.sha256(data).hexdigest()
                (_upload_dir() / f"{checksum}.xlsx").write_bytes(data)
                request.session["qingdan_uploads"] = [*request.session.get("qingdan_uploads", [])[-9:], checksum]
                context.update(result=result, checksum=checksum, name=upload.name)
    return render(request, "web/tasks/import.html", context)


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The task list as an Excel sheet in the 清单 layout."""
    data = selectors.export_task_list(_default_programme())
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="tasks-{dt.date.today().isoformat()}.xlsx"'
    return response
