"""Admin for org units, departments and work groups; writes go through the services."""

from __future__ import annotations

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from lantu.accounts.admin_base import ServiceAdmin
from lantu.orgunits.models import Department, OrgUnit, WorkGroup
from lantu.orgunits.services import (
    DepartmentSpec,
    OrgUnitSpec,
    WorkGroupSpec,
    create_department,
    create_org_unit,
    create_work_group,
    end_org_unit,
)


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdmin[OrgUnit]):
    list_display = ("code", "name_zh", "name_en", "level", "kind", "parent", "valid_from", "valid_to")
    list_filter = ("level", "kind")
    search_fields = ("code", "name_zh", "name_en", "key")
    fields = (
        "key",
        "code",
        "name_zh",
        "name_en",
        "level",
        "kind",
        "parent",
        "valid_from",
        "valid_to",
        "successors",
        "change_note",
        "source",
    )
    editable_on_change = ("valid_to",)
    autocomplete_fields = ("parent",)

    def create(self, request: HttpRequest, form: ModelForm[OrgUnit]) -> OrgUnit:
        d = form.cleaned_data
        return create_org_unit(
            request.user,
            OrgUnitSpec(
                key=d["key"],
                code=d["code"],
                name_zh=d["name_zh"],
                name_en=d["name_en"],
                level=d["level"],
                kind=d["kind"],
                parent_key=d["parent"].key if d.get("parent") else None,
                valid_from=d.get("valid_from"),
                valid_to=d.get("valid_to"),
                change_note=d.get("change_note", ""),
                source=d.get("source", ""),
            ),
        )

    def change(self, request: HttpRequest, obj: OrgUnit, form: ModelForm[OrgUnit]) -> OrgUnit:
        valid_to = form.cleaned_data.get("valid_to")
        if valid_to is None:
            return obj
        return end_org_unit(request.user, obj.key, valid_to, reason="管理后台")


@admin.register(Department)
class DepartmentAdmin(ServiceAdmin[Department]):
    list_display = ("code", "name_zh", "short_name_zh", "org_unit")
    search_fields = ("code", "name_zh", "short_name_zh", "name_en")
    autocomplete_fields = ("org_unit",)

    def create(self, request: HttpRequest, form: ModelForm[Department]) -> Department:
        d = form.cleaned_data
        return create_department(
            request.user,
            DepartmentSpec(
                d["code"],
                d["name_zh"],
                d["name_en"],
                d["org_unit"].code,
                d.get("short_name_zh", ""),
                d.get("source", ""),
            ),
        )


@admin.register(WorkGroup)
class WorkGroupAdmin(ServiceAdmin[WorkGroup]):
    list_display = ("code", "name_zh", "kind", "parent")
    filter_horizontal = ("members",)

    def create(self, request: HttpRequest, form: ModelForm[WorkGroup]) -> WorkGroup:
        d = form.cleaned_data
        return create_work_group(
            request.user,
            WorkGroupSpec(
                d["code"],
                d["name_zh"],
                d["name_en"],
                d["kind"],
                d["parent"].code if d.get("parent") else None,
                tuple(m.code for m in d.get("members", [])),
                d.get("source_text", ""),
            ),
        )
