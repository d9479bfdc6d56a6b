"""The programme office's supervision list (督办清单): tasks that are late or slipping, and notices.

Thin: the lights come from ``tasks.selectors`` (the rule in ``core/supervision.py``), the notices
and their history from ``tasks/services/reminders.py`` and the audit log.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import has_perm
from lantu.accounts.service import InvalidInput, NotFound, problem_text
from lantu.core.supervision import RULE_EN, RULE_ZH
from lantu.tasks import selectors
from lantu.tasks.models import Task
from lantu.tasks.services.reminders import REMIND_ACTION, send_supervision_notice

NOTICE_ACTION = "tasks.task.supervise"


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    """Red and yellow tasks, worst first, with the last notice each got and a form to press the lead."""
    can_notice = has_perm(request.user, "framework.manage")
    if request.method == "POST":
        if not can_notice:
            raise PermissionDenied
        code = request.POST.get("task", "")
        try:
            names = send_supervision_notice(request.user, code, request.POST.get("message", ""))
            messages.success(request, f"{code}：督办通知已发送给 {'、'.join(names)}")
        except InvalidInput as exc:
            for p in exc.problems:
                messages.error(request, f"{code}：{problem_text(p)}")
        except NotFound as exc:
            messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("tasks-supervision"))
    today = dt.date.today()
    found = [r for r in selectors.rows(None, today) if r.colour in ("red", "yellow")]
    found.sort(key=lambda r: (r.colour != "red", r.task.deadline or dt.date.max, r.task.code))
    last: dict[str, AuditEvent] = {}
    ids = [str(r.task.pk) for r in found]
    for event in AuditEvent.objects.filter(
        object_type=Task._meta.label_lower, object_id__in=ids, action__in=[NOTICE_ACTION, REMIND_ACTION]
    ).order_by("at"):
        last[event.object_id] = event  # later events overwrite earlier ones
    rows = [{"row": r, "last": last.get(str(r.task.pk))} for r in found]
    return render(
        request,
        "web/supervision.html",
        {"rows": rows, "can_notice": can_notice, "rule_zh": RULE_ZH, "rule_en": RULE_EN, "today": today},
    )
