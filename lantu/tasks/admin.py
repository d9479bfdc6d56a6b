"""Tasks in the admin: read-only views; tasks change through the task services and pages."""

from __future__ import annotations

from django.contrib import admin

from lantu.accounts.admin_base import ServiceAdmin
from lantu.tasks.models import Evidence, ProgressReport, Task, TaskMilestone


@admin.register(Task)
class TaskAdmin(ServiceAdmin[Task]):
    list_display = ("code", "title_zh", "lead_department", "lead_org_unit", "deadline", "status", "progress_pct")
    list_filter = ("status", "programme")
    search_fields = ("code", "title_zh")


@admin.register(TaskMilestone)
class TaskMilestoneAdmin(ServiceAdmin[TaskMilestone]):
    list_display = ("task", "name_zh", "due", "done_on")


@admin.register(ProgressReport)
class ProgressReportAdmin(ServiceAdmin[ProgressReport]):
    list_display = ("task", "as_of", "progress_pct", "actor_label", "created_at")


@admin.register(Evidence)
class EvidenceAdmin(ServiceAdmin[Evidence]):
    list_display = ("original_name", "report", "size", "sha256")
    exclude = ("file",)
