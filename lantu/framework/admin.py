"""Admin for the programme framework; every write calls a framework service."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from lantu.accounts.admin_base import ReasonForm, ServiceAdmin
from lantu.framework import services as fw
from lantu.framework.models import (
    DEFINITION_FIELDS,
    Area,
    Baseline,
    Goal,
    Indicator,
    IndicatorVersion,
    Milestone,
    Programme,
    ProgrammeDepartment,
    Target,
)


def _code(obj: Any) -> str | None:
    return obj.code if obj is not None else None


@admin.register(Programme)
class ProgrammeAdmin(ServiceAdmin[Programme]):
    list_display = ("code", "name_zh", "start_year", "end_year", "org_unit")
    editable_on_change = fw.PROGRAMME_TEXT_FIELDS
    autocomplete_fields = ("org_unit",)

    def create(self, request: HttpRequest, form: ModelForm[Programme]) -> Programme:
        d = form.cleaned_data
        return fw.create_programme(
            request.user,
            fw.ProgrammeSpec(
                d["code"],
                d["name_zh"],
                d["name_en"],
                d["start_year"],
                d["end_year"],
                d["org_unit"].code,
                d.get("summary_zh", ""),
                d.get("summary_en", ""),
                d.get("source_title", ""),
                _code(d.get("leading_group")),
            ),
        )

    def change(self, request: HttpRequest, obj: Programme, form: ModelForm[Programme]) -> Programme:
        edits = {name: form.cleaned_data[name] for name in form.changed_data if name in fw.PROGRAMME_TEXT_FIELDS}
        return fw.update_programme(request.user, obj.code, edits, reason="管理后台") if edits else obj


@admin.register(ProgrammeDepartment)
class ProgrammeDepartmentAdmin(ServiceAdmin[ProgrammeDepartment]):
    list_display = ("programme", "department", "role")

    def create(self, request: HttpRequest, form: ModelForm[ProgrammeDepartment]) -> ProgrammeDepartment:
        d = form.cleaned_data
        return fw.add_office_department(
            request.user, d["programme"].code, d["department"].code, d["role"], d.get("source_text", "")
        )


@admin.register(Area)
class AreaAdmin(ServiceAdmin[Area]):
    list_display = ("code", "name_zh", "kind", "parent", "programme", "order")
    list_filter = ("programme", "kind")
    search_fields = ("code", "name_zh", "name_en")
    editable_on_change = ("parent", *fw.AREA_TEXT_FIELDS)

    def create(self, request: HttpRequest, form: ModelForm[Area]) -> Area:
        d = form.cleaned_data
        return fw.create_area(
            request.user,
            d["programme"].code,
            fw.AreaSpec(
                d["code"],
                d["name_zh"],
                d["name_en"],
                d["kind"],
                _code(d.get("parent")),
                d.get("role_zh", ""),
                d.get("role_en", ""),
                d.get("description_zh", ""),
                d.get("source_text", ""),
                d.get("order") or 0,
            ),
        )

    def change(self, request: HttpRequest, obj: Area, form: ModelForm[Area]) -> Area:
        d, programme, code = form.cleaned_data, obj.programme.code, obj.code
        edits = {name: d[name] for name in form.changed_data if name in fw.AREA_TEXT_FIELDS}
        if edits:
            fw.update_area(request.user, programme, code, edits, reason="管理后台")
        if "parent" in form.changed_data:
            fw.move_area(request.user, programme, code, _code(d.get("parent")), reason="管理后台")
        return obj


class MilestoneInline(admin.TabularInline[Milestone, Goal]):
    model = Milestone
    extra = 0
    fields = ("name_zh", "due_date", "status")
    readonly_fields = ("name_zh", "due_date", "status")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Goal | None = None) -> bool:
        return False


@admin.register(Goal)
class GoalAdmin(ServiceAdmin[Goal]):
    list_display = ("code", "name_zh", "kind", "target_year", "area")
    list_filter = ("kind", "area__programme")
    search_fields = ("code", "name_zh", "name_en")
    inlines = (MilestoneInline,)
    editable_on_change = fw.GOAL_TEXT_FIELDS

    def create(self, request: HttpRequest, form: ModelForm[Goal]) -> Goal:
        d = form.cleaned_data
        area = d["area"]
        return fw.create_goal(
            request.user,
            area.programme.code,
            area.code,
            fw.GoalSpec(
                d["code"],
                d["name_zh"],
                d["name_en"],
                d["kind"],
                d["target_year"],
                d.get("source_text", ""),
                d.get("order") or 0,
            ),
        )

    def change(self, request: HttpRequest, obj: Goal, form: ModelForm[Goal]) -> Goal:
        edits = {name: form.cleaned_data[name] for name in form.changed_data if name in fw.GOAL_TEXT_FIELDS}
        return fw.update_goal(request.user, obj.code, edits, reason="管理后台") if edits else obj


@admin.register(Milestone)
class MilestoneAdmin(ServiceAdmin[Milestone]):
    list_display = ("name_zh", "goal", "due_date", "status")
    list_filter = ("status",)
    editable_on_change = ("status",)

    def create(self, request: HttpRequest, form: ModelForm[Milestone]) -> Milestone:
        d = form.cleaned_data
        return fw.add_milestone(
            request.user, d["goal"].code, d["name_zh"], d["name_en"], d["due_date"], d.get("order") or 0
        )

    def change(self, request: HttpRequest, obj: Milestone, form: ModelForm[Milestone]) -> Milestone:
        return fw.set_milestone_status(request.user, obj.pk, form.cleaned_data["status"], reason="管理后台")


class IndicatorVersionInline(admin.TabularInline[IndicatorVersion, Indicator]):
    model = IndicatorVersion
    extra = 0
    fields = ("version", "created_at", "actor_label", "reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Indicator | None = None) -> bool:
        return False


@admin.register(Indicator)
class IndicatorAdmin(ServiceAdmin[Indicator]):
    form = ReasonForm
    list_display = ("code", "name_zh", "unit", "direction", "aggregation", "goal", "is_supporting", "version")
    list_filter = ("programme", "is_supporting", "aggregation")
    search_fields = ("code", "name_zh", "name_en")
    editable_on_change = tuple(f for f in DEFINITION_FIELDS if f != "goal")
    inlines = (IndicatorVersionInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Indicator | None = None) -> Any:
        return ("version",) if obj is None else ("programme", "code", "goal", "order", "version")

    def create(self, request: HttpRequest, form: ModelForm[Indicator]) -> Indicator:
        d = form.cleaned_data
        return fw.create_indicator(
            request.user,
            d["programme"].code,
            fw.IndicatorSpec(
                code=d["code"],
                goal_code=d["goal"].code,
                name_zh=d["name_zh"],
                name_en=d["name_en"],
                unit=d["unit"],
                direction=d["direction"],
                aggregation=d["aggregation"],
                frequency=d["frequency"],
                definition_zh=d.get("definition_zh", ""),
                definition_en=d.get("definition_en", ""),
                weight_indicator=_code(d.get("weight_indicator")),
                numerator=_code(d.get("numerator")),
                denominator=_code(d.get("denominator")),
                formula=d.get("formula", ""),
                department=_code(d.get("department")),
                source=d.get("source", ""),
                is_supporting=d.get("is_supporting", False),
                order=d.get("order") or 0,
            ),
            reason=d.get("change_reason", ""),
        )

    def change(self, request: HttpRequest, obj: Indicator, form: ModelForm[Indicator]) -> Indicator:
        d = form.cleaned_data
        changes: dict[str, Any] = {}
        for name in form.changed_data:
            if name in ("weight_indicator", "numerator", "denominator", "department"):
                changes[name] = _code(d.get(name))
            elif name in DEFINITION_FIELDS:
                changes[name] = d.get(name)
        if not changes:
            return obj
        return fw.update_indicator(request.user, obj.code, changes, reason=d.get("change_reason", ""))


@admin.register(IndicatorVersion)
class IndicatorVersionAdmin(ServiceAdmin[IndicatorVersion]):
    list_display = ("indicator", "version", "created_at", "actor_label", "reason")
    list_filter = ("indicator",)


@admin.register(Baseline)
class BaselineAdmin(ServiceAdmin[Baseline]):
    list_display = ("indicator", "org_unit", "year", "value", "unit", "version", "created_at", "actor_label")
    list_filter = ("indicator",)
    fields = ("indicator", "org_unit", "year", "value", "unit", "source", "reason")
    autocomplete_fields = ("org_unit",)

    def create(self, request: HttpRequest, form: ModelForm[Baseline]) -> Baseline:
        d = form.cleaned_data
        return fw.set_baseline(
            request.user,
            d["indicator"].code,
            d["org_unit"].code,
            d["year"],
            d["value"],
            d["unit"],
            source=d.get("source", ""),
            reason=d.get("reason", ""),
        )


@admin.register(Target)
class TargetAdmin(ServiceAdmin[Target]):
    list_display = (
        "indicator",
        "org_unit",
        "year",
        "comparator",
        "value",
        "unit",
        "baseline_multiple",
        "version",
        "withdrawn",
        "actor_label",
    )
    list_filter = ("indicator", "withdrawn")
    fields = (
        "indicator",
        "org_unit",
        "year",
        "comparator",
        "value",
        "unit",
        "baseline_multiple",
        "baseline_year",
        "source_text",
        "reason",
    )
    autocomplete_fields = ("org_unit",)
    actions = ("withdraw",)

    def create(self, request: HttpRequest, form: ModelForm[Target]) -> Target:
        d = form.cleaned_data
        return fw.set_target(
            request.user,
            fw.TargetSpec(
                d["indicator"].code,
                d["org_unit"].code,
                d["year"],
                d["comparator"],
                d.get("value"),
                d.get("unit", ""),
                d.get("baseline_multiple"),
                d.get("baseline_year"),
                d.get("source_text", ""),
            ),
            reason=d.get("reason", ""),
        )

    @admin.action(description="撤销所选目标（生成撤销版本）")
    def withdraw(self, request: HttpRequest, queryset: Any) -> None:
        # Several selected versions of one target are one withdrawal.
        keys = sorted(set(queryset.values_list("indicator__code", "org_unit__code", "year")))
        calls = [
            partial(fw.withdraw_target, request.user, indicator, unit, year, reason="管理后台撤销")
            for indicator, unit, year in keys
        ]
        self.run_action(request, "已撤销目标", calls)
