"""Major projects in the admin: read-only views; projects change through the pages and the API."""

from __future__ import annotations

from django.contrib import admin

from lantu.accounts.admin_base import ServiceAdmin
from lantu.projects.models import InvestmentReport, MajorProject, ProjectMilestone


@admin.register(MajorProject)
class MajorProjectAdmin(ServiceAdmin[MajorProject]):
    list_display = ("code", "name_zh", "area", "org_unit", "planned_investment", "status", "is_platform", "is_demo")
    list_filter = ("status", "is_platform", "is_demo", "programme")
    search_fields = ("code", "name_zh", "owner")


@admin.register(InvestmentReport)
class InvestmentReportAdmin(ServiceAdmin[InvestmentReport]):
    list_display = ("project", "period", "version", "amount", "actor_label", "created_at")
    list_filter = ("period",)
    search_fields = ("project__code", "project__name_zh")


@admin.register(ProjectMilestone)
class ProjectMilestoneAdmin(ServiceAdmin[ProjectMilestone]):
    list_display = ("project", "name_zh", "due", "done_on")
