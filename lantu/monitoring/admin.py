"""Data values are read-only in the admin: they change only through monitoring services."""

from __future__ import annotations

from django.contrib import admin

from lantu.accounts.admin_base import ServiceAdmin
from lantu.monitoring.models import DataValue


@admin.register(DataValue)
class DataValueAdmin(ServiceAdmin[DataValue]):
    list_display = ("indicator", "org_unit", "period", "value", "status", "version", "is_demo", "created_at")
    list_filter = ("status", "is_demo", "indicator")
    search_fields = ("indicator__code", "org_unit__code", "org_unit__name_zh", "period")
    list_select_related = ("indicator", "org_unit")
