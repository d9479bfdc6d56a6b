"""Role assignments scoped to org units or departments, and the append-only audit log."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of the brief; what each may do is in :mod:`lantu.accounts.permissions`."""

    PROGRAMME_ADMIN = "programme_admin", _("规划管理员")
    DEPARTMENT_REPORTER = "department_reporter", _("部门填报员")
    UNIT_REPORTER = "unit_reporter", _("地区填报员")
    APPROVER = "approver", _("审核员")
    LEADER = "leader", _("领导")
    EVALUATOR = "evaluator", _("第三方评估员")


class RoleAssignment(models.Model):
    """A user holds a role over an org unit (and its descendants) or over a department.

    A programme admin or leader may hold a role with neither scope: the whole programme.
    Revoking sets ``revoked_at``; the row stays so that past permissions remain explainable.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    org_unit = models.ForeignKey(
        "orgunits.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("行政区划"),
    )
    department = models.ForeignKey(
        "orgunits.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="role_assignments",
        verbose_name=_("部门"),
    )
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("授予人"),
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=~(models.Q(org_unit__isnull=False) & models.Q(department__isnull=False)),
                name="role_scope_unit_or_department",
            )
        ]

    def __str__(self) -> str:
        scope = self.org_unit or self.department or _("全部")
        return f"{self.user} · {self.get_role_display()} · {scope}"


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    """Audit rows can be added and read, never changed or removed in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AuditImmutableError

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError


class AuditImmutableError(RuntimeError):
    """Raised when code tries to change or delete an audit row."""

    def __init__(self) -> None:
        super().__init__("审计记录只能追加，不能修改或删除 (audit rows are append-only)")


class AuditEvent(models.Model):
    """One change made through the service layer: who, what, before, after, when and why."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # The label survives even for the system actor (`lantu init`), which has no user row.
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    action = models.CharField(_("操作"), max_length=100, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100)
    object_id = models.CharField(_("对象标识"), max_length=100)
    object_repr = models.CharField(_("对象"), max_length=300)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ("-at", "-id")
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditImmutableError
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError


class Notification(models.Model):
    """An in-app message to a user (a copy also goes out by e-mail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("用户")
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"


def token_digest(plain: str) -> str:
    """What is stored of a bearer secret (an API token, a share token): its SHA-256, in hex."""
    return hashlib.sha256(plain.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for scripts and other systems; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.user} · {self.name} ({self.prefix}…)"


class LoginAttempt(models.Model):
    """A failed login (see :mod:`lantu.accounts.throttle`).

    Kept in the database rather than in a per-process cache so that every gunicorn worker
    counts the same failures; rows older than the lockout window are pruned as new ones come.
    """

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip = models.CharField(_("IP 地址"), max_length=45, db_index=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = _("登录失败")

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip or '?'}"
