"""Monitoring in the admin: rounds and rules are set up through services; values are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from lantu.accounts.admin_base import ServiceAdmin
from lantu.monitoring.models import (
    Aggregate,
    ApprovalEvent,
    DataValue,
    ReportingRound,
    ValidationRule,
    ValueState,
)
from lantu.monitoring.services.rounds import RoundSpec, RuleSpec, create_round, create_rule, set_round_status


@admin.register(ReportingRound)
class ReportingRoundAdmin(ServiceAdmin[ReportingRound]):
    list_display = ("code", "title_zh", "kind", "period", "opens_on", "deadline", "status", "approval_levels")
    list_filter = ("status", "kind", "period")
    filter_horizontal = ("indicators", "org_units", "departments")
    editable_on_change = ("status",)

    def create(self, request: HttpRequest, form: ModelForm[ReportingRound]) -> ReportingRound:
        d = form.cleaned_data
        return create_round(
            request.user,
            RoundSpec(
                code=d["code"],
                programme_code=d["programme"].code,
                title_zh=d["title_zh"],
                title_en=d.get("title_en", ""),
                period=d["period"],
                opens_on=d["opens_on"],
                deadline=d["deadline"],
                indicator_codes=[i.code for i in d["indicators"]],
                org_unit_codes=[u.code for u in d.get("org_units", [])],
                department_codes=[x.code for x in d.get("departments", [])],
                kind=d["kind"],
                approval_levels=d["approval_levels"],
                reminder_days=d["reminder_days"],
            ),
        )

    def change(self, request: HttpRequest, obj: ReportingRound, form: ModelForm[ReportingRound]) -> ReportingRound:
        return set_round_status(request.user, obj.code, form.cleaned_data["status"], reason="管理后台")


@admin.register(ValidationRule)
class ValidationRuleAdmin(ServiceAdmin[ValidationRule]):
    list_display = ("code", "kind", "severity", "indicator", "message_zh")
    list_filter = ("kind", "severity")

    def create(self, request: HttpRequest, form: ModelForm[ValidationRule]) -> ValidationRule:
        d = form.cleaned_data
        return create_rule(
            request.user,
            RuleSpec(
                code=d["code"],
                programme_code=d["programme"].code,
                kind=d["kind"],
                message_zh=d["message_zh"],
                message_en=d.get("message_en", ""),
                severity=d["severity"],
                indicator_code=d["indicator"].code if d.get("indicator") else None,
                minimum=d.get("minimum"),
                maximum=d.get("maximum"),
                left=d.get("left", ""),
                comparator=d.get("comparator", ""),
                right=d.get("right", ""),
                max_change_pct=d.get("max_change_pct"),
            ),
        )


@admin.register(DataValue)
class DataValueAdmin(ServiceAdmin[DataValue]):
    list_display = ("indicator", "org_unit", "period", "value", "version", "is_demo", "actor_label", "created_at")
    list_filter = ("is_demo", "indicator")
    search_fields = ("indicator__code", "org_unit__code", "org_unit__name_zh", "period")
    list_select_related = ("indicator", "org_unit")


@admin.register(ValueState)
class ValueStateAdmin(ServiceAdmin[ValueState]):
    list_display = ("indicator", "org_unit", "period", "status", "levels_done", "round", "updated_at")
    list_filter = ("status", "round")
    search_fields = ("indicator__code", "org_unit__code", "org_unit__name_zh", "period")
    list_select_related = ("indicator", "org_unit", "round")


@admin.register(ApprovalEvent)
class ApprovalEventAdmin(ServiceAdmin[ApprovalEvent]):
    list_display = ("at", "actor_label", "action", "from_status", "to_status", "level", "state")
    list_filter = ("action",)


@admin.register(Aggregate)
class AggregateAdmin(ServiceAdmin[Aggregate]):
    list_display = ("indicator", "org_unit", "period", "basis", "value", "contributors", "expected", "computed")
    list_filter = ("basis", "computed", "indicator")
    list_select_related = ("indicator", "org_unit")
