"""Admin for users, role assignments and the audit log (read-only)."""

from __future__ import annotations

from contextvars import ContextVar
from functools import partial
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import AbstractUser
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from lantu.accounts.admin_base import ServiceAdmin
from lantu.accounts.models import ApiToken, AuditEvent, Notification, RoleAssignment
from lantu.accounts.services import (
    assign_role,
    create_user,
    revoke_api_token,
    revoke_role,
    set_user_password,
    update_user,
)

User = get_user_model()
admin.site.site_header = "蓝图 Lantu 管理后台"
admin.site.site_title = "蓝图 Lantu"
admin.site.index_title = "管理"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ("at", "actor_label", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_repr", "object_id", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAdmin[RoleAssignment]):
    list_display = ("user", "role", "org_unit", "department", "granted_at", "revoked_at")
    list_filter = ("role", "revoked_at")
    autocomplete_fields = ("org_unit", "department")
    fields = ("user", "role", "org_unit", "department")
    actions = ("revoke",)

    def create(self, request: HttpRequest, form: ModelForm[RoleAssignment]) -> RoleAssignment:
        data = form.cleaned_data
        return assign_role(
            request.user,
            data["user"].get_username(),
            data["role"],
            org_unit_code=data["org_unit"].code if data.get("org_unit") else None,
            department_code=data["department"].code if data.get("department") else None,
        )

    @admin.action(description="撤销所选角色授权")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        calls = [
            partial(revoke_role, request.user, pk, reason="管理后台撤销")
            for pk in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True)
        ]
        self.run_action(request, "已撤销角色授权", calls)


admin.site.unregister(User)

#: The admin user changing a password, for the form's save (the form is built without the request).
_PASSWORD_ACTOR: ContextVar[Any] = ContextVar("lantu_password_actor")


if TYPE_CHECKING:
    _PasswordForm = AdminPasswordChangeForm[AbstractUser]
else:  # not subscriptable at runtime
    _PasswordForm = AdminPasswordChangeForm


class ServicePasswordChangeForm(_PasswordForm):
    """The admin's set-password form, saving through ``set_user_password`` (validated and audited).

    Django's option to make a password unusable is removed: it would change the user outside the
    services, unaudited; deactivating the user (``is_active``) is the audited way to stop a login.
    """

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True

    def save(self, commit: bool = True) -> Any:
        return set_user_password(_PASSWORD_ACTOR.get(), self.user.get_username(), self.cleaned_data["password1"])


@admin.register(User)
class LantuUserAdmin(UserAdmin[AbstractUser], ServiceAdmin[AbstractUser]):
    """Django's user admin, with creation and edits going through the account services."""

    editable_on_change = ("first_name", "email", "is_active", "is_staff")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "username",
                    "first_name",
                    "email",
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "last_login",
                    "date_joined",
                )
            },
        ),
    )

    change_password_form = ServicePasswordChangeForm

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        token = _PASSWORD_ACTOR.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _PASSWORD_ACTOR.reset(token)

    def create(self, request: HttpRequest, form: ModelForm[AbstractUser]) -> AbstractUser:
        data = form.cleaned_data
        return create_user(request.user, data["username"], data["password1"])

    def change(self, request: HttpRequest, obj: AbstractUser, form: ModelForm[AbstractUser]) -> AbstractUser:
        data = form.cleaned_data
        return update_user(
            request.user,
            obj.get_username(),
            full_name=data.get("first_name", obj.first_name),
            email=data.get("email", obj.email),
            is_active=data.get("is_active", obj.is_active),
            is_staff=data.get("is_staff", obj.is_staff),
        )


@admin.register(Notification)
class NotificationAdmin(ServiceAdmin[Notification]):
    list_display = ("created_at", "user", "subject", "read_at")
    search_fields = ("subject", "user__username")


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin[ApiToken]):
    """Tokens are issued with `lantu token create`; here they can be seen and revoked."""

    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ("revoke",)

    @admin.action(description="撤销所选令牌")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        calls = [
            partial(revoke_api_token, request.user, pk, reason="管理后台撤销")
            for pk in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True)
        ]
        self.run_action(request, "已撤销令牌", calls)
