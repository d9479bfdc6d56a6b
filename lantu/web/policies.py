"""Pages of the policy system: the list, a policy with its measures, and the form to register one.

Views are thin: they read through :mod:`lantu.policies.selectors` and write only by calling the
policy services; a refused input comes back as the services' problems, shown next to the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lantu.accounts.permissions import has_perm
from lantu.framework.models import Area, Goal
from lantu.orgunits.models import Department
from lantu.policies import selectors
from lantu.policies.models import MeasureStatus, Policy, PolicyMeasure, PolicyStatus
from lantu.policies.services import (
    TRANSITIONS,
    MeasureSpec,
    PolicySpec,
    add_measure,
    create_policy,
    set_measure_status,
    set_policy_status,
    update_policy,
)
from lantu.tasks.models import Task
from lantu.web.projects import PROGRAMME, REFUSED, field_errors
from lantu.web.refusals import raise_if_denied


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    """Policies filtered by status, area and issuer, with how far their measures are in effect."""
    status = request.GET.get("status", "")
    status = status if status in PolicyStatus.values else ""
    area = request.GET.get("area", "").strip()
    issuer = request.GET.get("issuer", "").strip()
    found = selectors.rows(selectors.filtered(PROGRAMME, status=status, area=area, issuer=issuer))
    context = {
        "rows": [
            {
                "row": r,
                "share": "—" if r.implemented_share is None else f"{r.implemented_share * 100:.0f}%",
            }
            for r in found
        ],
        "has_demo": any(r.policy.is_demo for r in found),
        "status": status,
        "area": area,
        "issuer": issuer,
        "statuses": PolicyStatus.choices,
        "areas": Area.objects.filter(programme__code=PROGRAMME).order_by("order", "code"),
        "can_manage": has_perm(request.user, "framework.manage"),
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/policies/_results.html", context)
    return render(request, "web/policies/list.html", context)


def _policy_or_404(code: str) -> Policy:
    policy = selectors.policy(code)
    if policy is None:
        raise Http404
    return policy


def may_update(user: Any, measure: PolicyMeasure) -> bool:
    """Whether the page offers the status form: a responsible unit, or a holder for the programme."""
    return (
        has_perm(user, "tasks.report")
        or any(has_perm(user, "tasks.report", department=d) for d in measure.departments.all())
        or any(has_perm(user, "tasks.report", org_unit=u) for u in measure.org_units.all())
    )


def _date(text: str, field: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        from lantu.accounts.service import InvalidInput

        raise InvalidInput.one(field, "请填写日期（如 2024-03-31）", "give a date (e.g. 2024-03-31)") from None


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if c)


def _act(request: HttpRequest, policy: Policy) -> str:
    action = request.POST.get("action", "")
    post = request.POST
    if action == "status":
        set_policy_status(
            request.user,
            policy.code,
            post.get("status", ""),
            doc_number=post.get("doc_number") or None,
            on=_date(post.get("on", ""), "on"),
            reason=post.get("reason", "").strip(),
        )
        return gettext("政策状态已更新")
    if action == "measure_status":
        try:
            measure_id = int(post.get("measure", ""))
        except ValueError:
            raise Http404 from None
        if not policy.measures.filter(pk=measure_id).exists():
            raise Http404
        set_measure_status(request.user, measure_id, post.get("status", ""), post.get("note", ""))
        return gettext("落实情况已更新")
    if action == "measure_add":
        add_measure(
            request.user,
            policy.code,
            MeasureSpec(
                text=post.get("text", ""),
                departments=tuple(post.getlist("departments")),
                org_units=_codes(post.get("org_units", "")),
                due=_date(post.get("due", ""), "due"),
            ),
        )
        return gettext("已添加措施")
    raise Http404


@login_required
def policy_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A policy: its facts and links, its measures with responsible units and status, actions, audit."""
    policy = _policy_or_404(code)
    errors: dict[str, dict[str, list[str]]] = {}
    if request.method == "POST":
        try:
            messages.success(request, _act(request, policy))
        except REFUSED as exc:
            raise_if_denied(exc)
            errors[request.POST.get("action", "")] = {k or "all": v for k, v in field_errors(exc).items()}
        else:
            return HttpResponseRedirect(request.path)
        policy = _policy_or_404(code)
    measures = [{"measure": m, "can_update": may_update(request.user, m)} for m in policy.measures.all()]
    context = {
        "policy": policy,
        "measures": measures,
        "measure_statuses": MeasureStatus.choices,
        "next_statuses": [(s, PolicyStatus(s).label) for s in PolicyStatus.values if s in TRANSITIONS[policy.status]],
        "can_manage": has_perm(request.user, "framework.manage"),
        "departments": Department.objects.order_by("code"),
        "audit": selectors.audit_trail(policy),
        "errors": errors,
        "posted": request.POST if request.method == "POST" else {},
        "today": dt.date.today().isoformat(),
    }
    return render(request, "web/policies/detail.html", context, status=422 if errors else 200)


class PolicyForm(forms.Form):
    """A policy as it is registered (usually while drafted); the service checks it."""

    code = forms.CharField(label=_("代码"), max_length=48)
    title_zh = forms.CharField(label=_("标题"), max_length=300)
    title_en = forms.CharField(label=_("英文标题"), max_length=400, required=False)
    issuer = forms.CharField(label=_("发文机关"), max_length=200, required=False)
    issuer_department = forms.ChoiceField(label=_("起草部门"), required=False)
    doc_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("印发日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    in_force_from = forms.DateField(label=_("施行日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    areas = forms.MultipleChoiceField(label=_("领域"), required=False)
    goals = forms.MultipleChoiceField(label=_("目标"), required=False)
    tasks = forms.MultipleChoiceField(label=_("任务"), required=False)
    url = forms.URLField(label=_("原文链接"), required=False, assume_scheme="https")
    source_text = forms.CharField(label=_("依据原文"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: dict[str, list[tuple[str, str]]] = {
            "issuer_department": [("", "—")] + [(d.code, d.name_zh) for d in Department.objects.order_by("code")],
            "areas": [
                (a.code, a.name_zh) for a in Area.objects.filter(programme__code=PROGRAMME).order_by("order", "code")
            ],
            "goals": [
                (g.code, g.name_zh) for g in Goal.objects.filter(area__programme__code=PROGRAMME).order_by("code")
            ],
            "tasks": [
                (t.code, f"{t.code} {t.title_zh}")
                for t in Task.objects.filter(programme__code=PROGRAMME).order_by("code")
            ],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def spec(self) -> PolicySpec:
        d = self.cleaned_data
        return PolicySpec(
            code=d["code"].strip(),
            programme_code=PROGRAMME,
            title_zh=d["title_zh"],
            title_en=d["title_en"],
            issuer=d["issuer"],
            issuer_department=d["issuer_department"] or None,
            doc_number=d["doc_number"],
            issued_on=d.get("issued_on"),
            in_force_from=d.get("in_force_from"),
            expires_on=d.get("expires_on"),
            area_codes=tuple(d["areas"]),
            goal_codes=tuple(d["goals"]),
            task_codes=tuple(d["tasks"]),
            url=d["url"],
            source_text=d["source_text"],
        )


@login_required
def policy_create(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, "framework.manage"):
        raise PermissionDenied
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = create_policy(request.user, form.spec())
        except REFUSED as exc:
            for field, texts in field_errors(exc).items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, gettext("已保存"))
            return HttpResponseRedirect(reverse("policy", args=[policy.code]))
    status = 422 if request.method == "POST" else 200
    return render(request, "web/policies/form.html", {"form": form}, status=status)


@login_required
def policy_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a policy's description and links (programme office); status changes have their own actions."""
    if not has_perm(request.user, "framework.manage"):
        raise PermissionDenied
    policy = Policy.objects.filter(code=code).select_related("issuer_department").first()
    if policy is None:
        raise Http404
    initial = {
        "code": policy.code,
        "title_zh": policy.title_zh,
        "title_en": policy.title_en,
        "issuer": policy.issuer,
        "issuer_department": policy.issuer_department.code if policy.issuer_department else "",
        "doc_number": policy.doc_number,
        "areas": [a.code for a in policy.areas.all()],
        "goals": [g.code for g in policy.goals.all()],
        "tasks": [t.code for t in policy.tasks.all()],
        "url": policy.url,
        "source_text": policy.source_text,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    for name in ("issued_on", "in_force_from", "expires_on"):
        del form.fields[name]  # dates move with the status actions on the policy page
    if policy.status != PolicyStatus.DRAFTING:
        form.fields["doc_number"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            spec = form.spec()
            update_policy(request.user, spec, reason=request.POST.get("reason", ""))
        except REFUSED as exc:
            for field, texts in field_errors(exc).items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(request, gettext("已保存"))
            return HttpResponseRedirect(reverse("policy", args=[policy.code]))
    status = 422 if request.method == "POST" else 200
    return render(request, "web/policies/form.html", {"form": form, "policy": policy}, status=status)
