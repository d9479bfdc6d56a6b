"""Pages of the major-project list: the list with roll-ups, a project's page, create and edit forms.

Views are thin: they read through :mod:`lantu.projects.selectors` and write only by calling the
project services; a refused input comes back as the services' problems, shown next to the field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.core.errors import LantuValueError
from lantu.core.investment import GroupTotals
from lantu.core.numbers import format_period
from lantu.core.units import format_cn, parse_number
from lantu.framework.models import Area
from lantu.orgunits.models import Department
from lantu.projects import selectors
from lantu.projects.models import MajorProject, ProjectStatus
from lantu.projects.services import (
    ProjectSpec,
    add_project_milestone,
    complete_project_milestone,
    create_project,
    record_investment,
    set_project_status,
    update_project,
)
from lantu.tasks.models import Task
from lantu.web.refusals import raise_if_denied

REFUSED = (InvalidInput, NotFound, PermissionDeniedError, Conflict)
PROGRAMME = "DZJ"


def money(value: Decimal | None) -> str:
    """亿元 amounts the Chinese way (3.93万亿元); "—" when there is none."""
    return "—" if value is None else format_cn(value, "亿元")


def percent(rate: Decimal | float | None) -> str:
    return "—" if rate is None else f"{Decimal(str(rate)) * 100:.1f}%"


def field_errors(exc: Exception) -> dict[str, list[str]]:
    """A refusal as messages per field ("" for the form as a whole)."""
    if isinstance(exc, InvalidInput):
        found: dict[str, list[str]] = {}
        for p in exc.problems:
            english = (translation.get_language() or "").startswith("en")
            found.setdefault(p.field, []).append(p.message_en if english else p.message_zh)
        return found
    return {"": [str(exc)]}


def _filters(request: HttpRequest) -> selectors.ProjectFilters:
    platform = {"yes": True, "no": False}.get(request.GET.get("platform", ""))
    status = request.GET.get("status", "")
    return selectors.ProjectFilters(
        area=request.GET.get("area", "").strip(),
        unit=request.GET.get("unit", "").strip(),
        status=status if status in ProjectStatus.values else "",
        platform=platform,
    )


def _group(name: str, g: GroupTotals) -> dict[str, Any]:
    return {
        "name": name,
        "projects": g.projects,
        "platforms": g.platforms,
        "planned": money(g.planned),
        "completed": money(g.completed),
        "rate": percent(g.rate),
        "without_plan": g.without_plan,
    }


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """Projects with planned and completed investment, filtered; roll-ups by city and area below."""
    language = translation.get_language() or "zh-hans"
    filters = _filters(request)
    found = selectors.rows(selectors.filtered(filters, PROGRAMME))
    result = selectors.rollup(found, language)
    context = {
        "rows": [
            {
                "row": r,
                "planned": money(r.project.planned_investment),
                "completed": money(r.completed),
                "rate": percent(r.rate),
            }
            for r in found
        ],
        "by_city": [_group(n, g) for n, g in result.by_city],
        "by_area": [_group(n, g) for n, g in result.by_area],
        "total": _group(gettext("合计"), result.total),
        "has_demo": any(r.project.is_demo for r in found),
        "filters": filters,
        "platform": request.GET.get("platform", ""),
        "areas": Area.objects.filter(programme__code=PROGRAMME).order_by("order", "code"),
        "units": selectors.location_choices(),
        "statuses": ProjectStatus.choices,
        "can_manage": has_perm(request.user, "framework.manage"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/projects/_results.html", context)
    return render(request, "web/projects/list.html", context)


def _project_or_404(code: str) -> MajorProject:
    project = selectors.project(code)
    if project is None:
        raise Http404
    return project


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(field, "请填写日期（如 2024-03-31）", "give a date (e.g. 2024-03-31)") from None


def _act(request: HttpRequest, project: MajorProject) -> str:
    """Run the posted action through its service; return a success message (raises on refusal)."""
    action = request.POST.get("action", "")
    user = request.user
    if action == "investment":
        try:
            amount = parse_number(request.POST.get("amount", ""))
        except LantuValueError as exc:
            raise InvalidInput.one("amount", exc.message_zh, exc.message_en) from None
        period = request.POST.get("period", "").strip()
        report = record_investment(user, project.code, period, amount, request.POST.get("note", "").strip())
        if report is None:
            return gettext("数值与当前填报相同，未写入新版本")
        return gettext("已填报 %(period)s 完成投资（第 %(version)s 版）") % {
            "period": period,
            "version": report.version,
        }
    if action == "milestone_done":
        try:
            milestone_id = int(request.POST.get("milestone", ""))
        except ValueError:
            raise NotFound("项目节点", request.POST.get("milestone", "")) from None
        complete_project_milestone(user, project.code, milestone_id, _date(request.POST.get("done_on", ""), "done_on"))
        return gettext("节点已标记完成")
    if action == "milestone_add":
        due = _date(request.POST.get("due", ""), "due")
        add_project_milestone(user, project.code, request.POST.get("name_zh", ""), due)
        return gettext("已添加节点")
    if action == "status":
        set_project_status(user, project.code, request.POST.get("status", ""), request.POST.get("reason", "").strip())
        return gettext("状态已更新")
    raise Http404


@login_required
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A project: definition, tasks, milestones, investment by period with every version, audit trail."""
    project = _project_or_404(code)
    errors: dict[str, dict[str, list[str]]] = {}
    if request.method == "POST":
        try:
            messages.success(request, _act(request, project))
        except REFUSED as exc:
            raise_if_denied(exc)
            errors[request.POST.get("action", "")] = {k or "all": v for k, v in field_errors(exc).items()}
        else:
            return HttpResponseRedirect(request.path)
        project = _project_or_404(code)
    row = selectors.rows(MajorProject.objects.filter(pk=project.pk).select_related("org_unit", "area"))[0]
    language = translation.get_language() or "zh-hans"
    history = [
        {
            "period": period,
            "label": format_period(period, language),
            "current": money(versions[0].amount),
            "versions": [{"report": v, "amount": money(v.amount)} for v in versions],
        }
        for period, versions in selectors.investment_history(project)
    ]
    context = {
        "project": project,
        "row": row,
        "planned": money(project.planned_investment),
        "completed": money(row.completed),
        "rate": percent(row.rate),
        "history": history,
        "milestones": list(project.milestones.all()),
        "audit": selectors.audit_trail(project),
        "can_report": has_perm(
            request.user, "tasks.report", org_unit=project.org_unit, department=project.lead_department
        ),
        "can_manage": has_perm(request.user, "framework.manage"),
        "statuses": ProjectStatus.choices,
        "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
        "today": dt.date.today().isoformat(),
    }
    return render(request, "web/projects/detail.html", context, status=422 if errors else 200)


class ProjectForm(forms.Form):
    """The definition of a project; the service checks it (the form only parses types)."""

    code = forms.CharField(label=_("项目代码"), max_length=48)
    name_zh = forms.CharField(label=_("项目名称"), max_length=300)
    name_en = forms.CharField(label=_("英文名称"), max_length=400, required=False)
    description = forms.CharField(label=_("建设内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    area = forms.ChoiceField(label=_("领域"), required=False)
    tasks = forms.MultipleChoiceField(label=_("相关任务"), required=False)
    org_unit = forms.ChoiceField(label=_("所在地"), required=False)
    longitude = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)
    latitude = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    owner = forms.CharField(label=_("项目业主"), max_length=200, required=False)
    lead_department = forms.ChoiceField(label=_("责任部门"), required=False)
    planned_investment = forms.DecimalField(
        label=_("计划总投资（亿元）"), required=False, max_digits=14, decimal_places=4
    )
    start = forms.DateField(label=_("开工日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("计划建成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_platform = forms.BooleanField(label=_("“万亩千亿”新产业平台"), required=False)
    source_text = forms.CharField(label=_("依据原文"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    order = forms.IntegerField(label=_("顺序"), required=False, min_value=0)
    reason = forms.CharField(label=_("变更原因"), required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", "—")]
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = empty + [
            (a.code, a.name_zh) for a in Area.objects.filter(programme__code=PROGRAMME).order_by("order", "code")
        ]
        tasks_field = self.fields["tasks"]
        assert isinstance(tasks_field, forms.MultipleChoiceField)
        tasks_field.choices = [
            (t.code, f"{t.code} {t.title_zh}") for t in Task.objects.filter(programme__code=PROGRAMME).order_by("code")
        ]
        unit_field = self.fields["org_unit"]
        assert isinstance(unit_field, forms.ChoiceField)
        unit_field.choices = empty + [(u.code, f"{u.name_zh} {u.code}") for u in selectors.location_choices()]
        department_field = self.fields["lead_department"]
        assert isinstance(department_field, forms.ChoiceField)
        department_field.choices = empty + [(d.code, d.name_zh) for d in Department.objects.order_by("code")]
        if editing:
            self.fields["code"].disabled = True
        else:
            del self.fields["reason"]

    def spec(self) -> ProjectSpec:
        d = self.cleaned_data
        return ProjectSpec(
            code=d["code"].strip(),
            programme_code=PROGRAMME,
            name_zh=d["name_zh"],
            name_en=d["name_en"],
            description=d["description"],
            area_code=d["area"] or None,
            task_codes=tuple(d["tasks"]),
            org_unit=d["org_unit"] or None,
            longitude=d["longitude"],
            latitude=d["latitude"],
            owner=d["owner"],
            lead_department=d["lead_department"] or None,
            planned_investment=d["planned_investment"],
            start=d["start"],
            end=d["end"],
            is_platform=d["is_platform"],
            source_text=d["source_text"],
            order=d["order"] or 0,
        )


def _initial(project: MajorProject) -> dict[str, Any]:
    return {
        "code": project.code,
        "name_zh": project.name_zh,
        "name_en": project.name_en,
        "description": project.description,
        "area": project.area.code if project.area else "",
        "tasks": [t.code for t in project.tasks.all()],
        "org_unit": project.org_unit.code if project.org_unit else "",
        "longitude": project.longitude,
        "latitude": project.latitude,
        "owner": project.owner,
        "lead_department": project.lead_department.code if project.lead_department else "",
        "planned_investment": project.planned_investment,
        "start": project.start,
        "end": project.end,
        "is_platform": project.is_platform,
        "source_text": project.source_text,
        "order": project.order,
    }


def _save(request: HttpRequest, form: ProjectForm, project: MajorProject | None) -> HttpResponse | None:
    """Call the service with the form's spec; put its problems on the fields. None: show the form again."""
    if not form.is_valid():
        return None
    try:
        if project is None:
            saved = create_project(request.user, form.spec())
        else:
            saved = update_project(request.user, form.spec(), reason=form.cleaned_data.get("reason", ""))
    except REFUSED as exc:
        for field, texts in field_errors(exc).items():
            for text in texts:
                form.add_error(field if field in form.fields else None, text)
        return None
    messages.success(request, gettext("已保存"))
    return HttpResponseRedirect(reverse("project", args=[saved.code]))


@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "framework.manage"):
        raise PermissionDenied
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and (done := _save(request, form, None)) is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render(request, "web/projects/form.html", {"form": form, "project": None}, status=status)


@login_required
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    if not has_perm(request.user, "framework.manage"):
        raise PermissionDenied
    project = _project_or_404(code)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["code"] = project.code  # a disabled field is not posted
    form = ProjectForm(data, initial=_initial(project), editing=True)
    if request.method == "POST" and (done := _save(request, form, project)) is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render(request, "web/projects/form.html", {"form": form, "project": project}, status=status)
