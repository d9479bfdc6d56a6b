"""Pages of on-demand sharing (按需共享): my requests and the request form, the owner's inbox, a token.

Views are thin: reads through :mod:`lantu.sharing.selectors`, writes by calling
:mod:`lantu.sharing.services`; a refused input comes back as the services' problems by field. The
collected token is rendered into the answer of the POST itself (never put in the session or a
message), so it is shown exactly once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from lantu.accounts.permissions import active_assignments, has_perm
from lantu.accounts.service import NotFound
from lantu.orgunits.models import Department, OrgUnit
from lantu.sharing import selectors, services
from lantu.sharing.models import RequestStatus, ShareToken
from lantu.web.projects import REFUSED, field_errors
from lantu.web.refusals import raise_if_denied


def _pk(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise Http404 from None


def _departments(request: HttpRequest) -> list[Department]:
    if has_perm(request.user, "framework.manage"):
        return list(Department.objects.order_by("code"))
    return [a.department for a in active_assignments(request.user) if a.department is not None]


def _units() -> list[OrgUnit]:
    # The picker offers the units as they are today, province first, each city before its counties.
    return list(OrgUnit.objects.valid_on(timezone.localdate()).order_by("path"))


def _token_state(token: ShareToken | None, now: dt.datetime) -> str:
    return token.state(now) if token is not None else ""


@login_required
def my_sharing(request: HttpRequest) -> HttpResponse:
    """My requests with their tokens, the new-request form, and the token just collected (once)."""
    errors: dict[str, list[str]] = {}
    collected: dict[str, Any] | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "create":
                post = request.POST
                try:
                    days = int(post.get("days", "") or 0)
                except ValueError:
                    days = 0
                services.create_request(
                    request.user,
                    services.RequestSpec(
                        datasets=post.getlist("datasets"),
                        units=post.getlist("units"),
                        purpose=post.get("purpose", ""),
                        days=days,
                        department=post.get("department", ""),
                        system_name=post.get("system_name", ""),
                    ),
                )
                messages.success(request, gettext("申请已提交，等待数据提供部门审批"))
                return HttpResponseRedirect(reverse("sharing"))
            if action == "cancel":
                services.cancel_request(request.user, _pk(request.POST.get("request", "")))
                messages.success(request, gettext("申请已撤回"))
                return HttpResponseRedirect(reverse("sharing"))
            if action == "collect":
                token, plain = services.collect_token(request.user, _pk(request.POST.get("request", "")))
                collected = {"token": token, "plain": plain}
            else:
                raise Http404
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = {k or "all": v for k, v in field_errors(exc).items()}
    now = timezone.now()
    mine = list(selectors.my_requests(request.user))
    rows = [{"request": r, "state": _token_state(getattr(r, "token", None), now)} for r in mine]
    context = {
        "rows": rows,
        "errors": errors,
        "collected": collected,
        "posted": request.POST if request.method == "POST" and collected is None else {},
        "posted_datasets": request.POST.getlist("datasets") if request.method == "POST" else [],
        "posted_units": request.POST.getlist("units") if request.method == "POST" else [],
        "datasets": selectors.dataset_choices(),
        "units": _units(),
        "departments": _departments(request),
        "has_role": bool(active_assignments(request.user)) or request.user.is_superuser,
        "has_demo": any(r.is_demo for r in mine),
    }
    return render(request, "web/sharing/mine.html", context, status=422 if errors else 200)


@login_required
def review(request: HttpRequest) -> HttpResponse:
    """The owner's inbox: approve (for the requested days or fewer) or reject with a comment."""
    errors: dict[str, dict[str, list[str]]] = {}
    if request.method == "POST":
        pk = _pk(request.POST.get("request", ""))
        action = request.POST.get("action", "")
        try:
            if action == "approve":
                days_text = request.POST.get("days", "").strip()
                try:
                    days = int(days_text) if days_text else None
                except ValueError:
                    days = 0
                services.approve_request(request.user, pk, days=days, comment=request.POST.get("comment", ""))
                messages.success(request, gettext("已批准"))
            elif action == "reject":
                services.reject_request(request.user, pk, request.POST.get("comment", ""))
                messages.success(request, gettext("已驳回"))
            else:
                raise Http404
        except REFUSED as exc:
            raise_if_denied(exc)
            errors[str(pk)] = {k or "all": v for k, v in field_errors(exc).items()}
        else:
            return HttpResponseRedirect(reverse("sharing-review"))
    found = list(selectors.inbox(request.user))
    now = timezone.now()
    context = {
        "pending": [
            {"request": r, "errors": errors.get(str(r.pk), {})} for r in found if r.status == RequestStatus.PENDING
        ],
        "decided": [
            {"request": r, "state": _token_state(getattr(r, "token", None), now)}
            for r in found
            if r.status != RequestStatus.PENDING
        ],
        "has_demo": any(r.is_demo for r in found),
    }
    return render(request, "web/sharing/review.html", context, status=422 if errors else 200)


@login_required
def token_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A token: its scope, state and expiry, the revoke form, and its use log."""
    try:
        token = selectors.token_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.revoke_token(request.user, token.pk, request.POST.get("reason", ""))
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = {k or "all": v for k, v in field_errors(exc).items()}
        else:
            messages.success(request, gettext("令牌已撤销"))
            return HttpResponseRedirect(reverse("sharing-token", args=[token.pk]))
    context = {
        "token": token,
        "share": token.request,
        "state": _token_state(token, timezone.now()),
        "uses": selectors.uses(token),
        "errors": errors,
    }
    return render(request, "web/sharing/token.html", context, status=422 if errors else 200)
