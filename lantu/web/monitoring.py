"""Pages for reporters and approvers: rounds, the entry grid, file upload, the approval queue.

Views are thin: they read through querysets scoped to the user and write only by calling the
monitoring services; a refused input comes back as the services' problems, shown in place.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lantu.accounts.models import Notification
from lantu.accounts.permissions import has_perm
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError, problem_text
from lantu.core import tabular
from lantu.core.errors import LantuValueError
from lantu.core.periods import parse_period
from lantu.core.units import parse_number
from lantu.monitoring import files
from lantu.monitoring.entries import ValueEntry
from lantu.monitoring.models import ApprovalEvent, ReportingRound, RoundKind, RoundStatus, ValueState, ValueStatus
from lantu.monitoring.services.approval import approve_values, return_value, submit_values
from lantu.monitoring.services.values import record_values
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import unit_on
from lantu.web.refusals import raise_if_denied

REFUSED = (InvalidInput, NotFound, PermissionDeniedError, Conflict)


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, InvalidInput):
        return [problem_text(p) for p in exc.problems]
    return [str(exc)]


def _round_and_unit(request: HttpRequest, code: str, unit_code: str) -> tuple[ReportingRound, OrgUnit]:
    """The round and the unit record of its period; 404 unless the user may read that unit."""
    rnd = ReportingRound.objects.select_related("programme").filter(code=code).first()
    if rnd is None:
        raise Http404
    end = parse_period(rnd.period).end
    unit = unit_on(unit_code, end)
    if unit is None or not has_perm(request.user, "values.read", org_unit=unit):
        raise Http404
    return rnd, unit


def _rows(rnd: ReportingRound, unit: OrgUnit, can_report: bool) -> list[dict[str, Any]]:
    """One row per indicator of the round, with its current state (3 queries)."""
    indicators = list(rnd.indicators.order_by("order", "code"))
    states = {
        s.indicator_id: s
        for s in ValueState.objects.filter(org_unit=unit, period=rnd.period, indicator__in=indicators).select_related(
            "current", "approved"
        )
    }
    open_round = can_report and rnd.status == RoundStatus.OPEN
    editable = (ValueStatus.DRAFT, ValueStatus.RETURNED)
    return [
        {
            "indicator": i,
            "state": states.get(i.pk),
            # A submitted or approved value is changed only after a return (or as a new version
            # that needs approval again, which the API allows; the grid keeps it simple).
            "editable": open_round and (i.pk not in states or states[i.pk].status in editable),
        }
        for i in indicators
    ]


@login_required
def rounds(request: HttpRequest) -> HttpResponse:
    """Rounds with, for each unit the user may see, how many values are in each state."""
    rows = []
    for rnd in ReportingRound.objects.prefetch_related("org_units", "indicators").order_by("-deadline"):
        units = [u for u in rnd.org_units.all() if has_perm(request.user, "values.read", org_unit=u)]
        counts = Counter(ValueState.objects.filter(round=rnd, org_unit__in=units).values_list("org_unit_id", "status"))
        rows.append(
            {
                "round": rnd,
                "units": [
                    {
                        "unit": u,
                        "counts": {s: counts.get((u.pk, s), 0) for s in ValueStatus.values},
                        "can_report": has_perm(request.user, "values.report", org_unit=u),
                        "can_approve": has_perm(request.user, "values.approve", org_unit=u.parent or u),
                    }
                    for u in units
                ],
            }
        )
    return render(request, "web/monitoring/rounds.html", {"rows": rows})


@login_required
def enter(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    """The entry grid of one unit in one round; also takes a file upload (CSV or template)."""
    rnd, unit = _round_and_unit(request, code, unit_code)
    errors: list[str] = []
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES.get("file")
        assert isinstance(upload, UploadedFile)
        try:
            # Refuse before reading a huge upload into memory.
            tabular.check_size(upload.size or 0, tabular.CSV_MAX_BYTES)
            result = files.import_file(
                request.user,
                upload.name or "upload",
                upload.read(),
                round_code=rnd.code,
                dry_run=bool(request.POST.get("dry_run")),
            )
        except REFUSED as exc:
            raise_if_denied(exc)
            errors = _errors(exc)
        else:
            verb = "校验通过（未写入）" if result.dry_run else "已导入"
            messages.success(request, f"{verb}：{result.written} 项新数据，{result.unchanged} 项未变化")
            return HttpResponseRedirect(request.path)
    can_report = has_perm(request.user, "values.report", org_unit=unit)
    rows = _rows(rnd, unit, can_report)
    context = {
        "round": rnd,
        "unit": unit,
        "rows": rows,
        "errors": errors,
        "can_report": can_report,
        "is_demo": any(r["state"] and r["state"].current.is_demo for r in rows),
    }
    return render(request, "web/monitoring/enter.html", context)


@login_required
@require_POST
def enter_cell(request: HttpRequest, code: str, unit_code: str, indicator: str) -> HttpResponse:
    """Save one cell of the grid (HTMX) and answer with the re-rendered row."""
    rnd, unit = _round_and_unit(request, code, unit_code)
    text = request.POST.get("value", "").strip()
    comment = request.POST.get("comment", "").strip()
    error = ""
    if text:
        try:
            value = parse_number(text)
            record_values(
                request.user,
                [ValueEntry(indicator, unit.code, rnd.period, value, "", comment)],
                round_code=rnd.code,
                source="web",
            )
        except LantuValueError as exc:
            error = exc.message_zh
        except REFUSED as exc:
            raise_if_denied(exc)
            error = "；".join(_errors(exc))
    row = next((r for r in _rows(rnd, unit, True) if r["indicator"].code == indicator), None)
    if row is None:
        raise Http404
    row["error"] = error
    row["entered"] = text if error else ""
    return render(request, "web/monitoring/_row.html", {"row": row, "round": rnd, "unit": unit})


@login_required
@require_POST
def submit(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    rnd, unit = _round_and_unit(request, code, unit_code)
    try:
        result = submit_values(request.user, rnd.code, unit.code)
    except REFUSED as exc:
        raise_if_denied(exc)
        for line in _errors(exc):
            messages.error(request, line)
    else:
        messages.success(request, f"已提交 {result.moved} 项数据，等待审核")
    return HttpResponseRedirect(reverse("monitoring-enter", args=[rnd.code, unit.code]))


@login_required
def template_download(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    rnd, unit = _round_and_unit(request, code, unit_code)
    try:
        content = files.template(rnd.code, unit.code)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{rnd.code}-{unit.code}.xlsx"'
    return response


@login_required
def approve(request: HttpRequest, code: str, unit_code: str) -> HttpResponse:
    """The approval page of one unit-round: approve all or the ticked values, return one with a comment."""
    rnd, unit = _round_and_unit(request, code, unit_code)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "return":
                return_value(
                    request.user,
                    rnd.code,
                    unit.code,
                    request.POST.get("indicator", ""),
                    request.POST.get("comment", ""),
                )
                messages.success(request, "已退回")
            else:
                chosen = request.POST.getlist("indicators") or None
                result = approve_values(
                    request.user, rnd.code, unit.code, indicator_codes=chosen, comment=request.POST.get("comment", "")
                )
                messages.success(request, f"已审核 {result.moved} 项，其中 {result.approved} 项终审通过")
        except REFUSED as exc:
            raise_if_denied(exc)
            for line in _errors(exc):
                messages.error(request, line)
        return HttpResponseRedirect(request.path)
    rows = _rows(rnd, unit, False)
    history = ApprovalEvent.objects.filter(state__round=rnd, state__org_unit=unit).select_related(
        "state__indicator", "value"
    )
    return render(
        request,
        "web/monitoring/approve.html",
        {"round": rnd, "unit": unit, "rows": rows, "history": history.order_by("-at", "-id")[:100]},
    )


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Unit-rounds with values waiting for an approval the user may give; approve several at once."""
    if request.method == "POST":
        done = 0
        for item in request.POST.getlist("items"):
            round_code, _, unit_code = item.partition(":")
            try:
                done += approve_values(request.user, round_code, unit_code).moved
            except REFUSED as exc:
                for line in _errors(exc):
                    messages.error(request, f"{round_code} {unit_code}: {line}")
        if done:
            messages.success(request, f"已审核 {done} 项")
        return HttpResponseRedirect(request.path)
    waiting: dict[tuple[int, int], dict[str, Any]] = {}
    states = ValueState.objects.filter(status=ValueStatus.SUBMITTED, round__isnull=False).select_related(
        "round", "org_unit__parent__parent"
    )
    for state in states:
        rnd = state.round
        assert rnd is not None
        approving = state.org_unit
        if rnd.kind == RoundKind.UNITS:
            for _ in range(state.levels_done + 1):
                approving = approving.parent or approving
            allowed = has_perm(request.user, "values.approve", org_unit=approving)
        else:
            allowed = has_perm(request.user, "values.approve")
        if allowed:
            entry = waiting.setdefault(
                (rnd.pk, state.org_unit_id), {"round": rnd, "unit": state.org_unit, "count": 0, "level": 0}
            )
            entry["count"] += 1
            entry["level"] = max(entry["level"], state.levels_done + 1)
    items = sorted(waiting.values(), key=lambda e: (e["round"].deadline, e["unit"].code))
    return render(request, "web/monitoring/queue.html", {"items": items})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    mine = Notification.objects.filter(user_id=request.user.pk or 0)
    if request.method == "POST":
        mine.filter(read_at__isnull=True).update(read_at=timezone.now())
        return HttpResponseRedirect(request.path)
    return render(request, "web/monitoring/notifications.html", {"items": mine[:200]})
