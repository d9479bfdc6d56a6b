"""Policies in the admin: read-only views; policies change through the pages and the API."""

from __future__ import annotations

from django.contrib import admin

from lantu.accounts.admin_base import ServiceAdmin
from lantu.policies.models import Policy, PolicyMeasure


@admin.register(Policy)
class PolicyAdmin(ServiceAdmin[Policy]):
    list_display = ("code", "title_zh", "issuer", "doc_number", "issued_on", "status", "is_demo")
    list_filter = ("status", "is_demo", "programme")
    search_fields = ("code", "title_zh", "doc_number", "issuer")


@admin.register(PolicyMeasure)
class PolicyMeasureAdmin(ServiceAdmin[PolicyMeasure]):
    list_display = ("policy", "order", "text", "due", "status")
    list_filter = ("status",)
