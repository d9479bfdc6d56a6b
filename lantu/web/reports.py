"""Report downloads: ``/reports/monitoring.<fmt>?period=2023[&basis=preliminary]`` and
``/reports/assessment/<code>.<fmt>`` (fmt: pdf, xlsx, docx).

Thin: :mod:`lantu.reports.content` builds the report, the renderers lay it out. Who may read what
mirrors the pages: the monitoring report is public on the approved basis (as the cockpit), the
preliminary basis needs ``values.read`` over the province (otherwise approved figures are used);
an assessment report follows the assessment pages (:func:`lantu.assessment.selectors.assessment_for`:
404 for an assessment the user may not see).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from lantu.accounts.service import NotFound
from lantu.core.problems import InvalidInput
from lantu.monitoring.models import Basis
from lantu.reports import content
from lantu.reports.cli import render

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(report: content.Report, fmt: str) -> HttpResponse:
    response = HttpResponse(render(report, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report.slug}.{fmt}"'
    return response


def _refused(exc: InvalidInput) -> HttpResponse:
    return HttpResponseBadRequest("\n".join(p.message(english=False) for p in exc.problems), content_type="text/plain")


@require_GET
def monitoring_report(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    period = request.GET.get("period") or str(dt.date.today().year - 1)
    basis = request.GET.get("basis", Basis.APPROVED)
    try:
        report = content.monitoring_report(
            request.user, period, programme_code=request.GET.get("programme") or None, basis=basis
        )
    except InvalidInput as exc:
        return _refused(exc)
    except NotFound as exc:
        raise Http404 from exc
    return _download(report, fmt)


@require_GET
def assessment_report(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    try:
        report = content.assessment_report(request.user, code)
    except InvalidInput as exc:
        return _refused(exc)
    except NotFound as exc:
        raise Http404 from exc
    return _download(report, fmt)
