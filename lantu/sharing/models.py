"""On-demand sharing (按需共享): requests for datasets, the tokens issued for them, and their use.

* :class:`ShareRequest` — a department or another system asks a dataset owner (the publisher
  department of the datasets) for access to datasets over some units, for a purpose and a number
  of days. Pending → approved / rejected by the owner, or cancelled by the requester.
* :class:`ShareToken` — the bearer token the requester collects after approval. Only its SHA-256
  and a short prefix are stored; the secret is shown once. It expires, and can be revoked.
* :class:`ShareUse` — one row for every use of a share token on ``/api/v1/shared/…``, served or
  refused. Append-only: ``save()`` refuses to rewrite a row and ``delete()`` refuses, like
  :class:`lantu.publishing.models.DatasetVersion`; it is also what the rate limit counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lantu.orgunits.models import Department, OrgUnit
from lantu.publishing.models import Dataset

#: Every share token starts with this, so it is never confused with an accounts.ApiToken (``lantu_…``).
TOKEN_PREFIX = "lantu_share_"  # noqa: S105 - a public marker, not a secret


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    CANCELLED = "cancelled", _("已撤回申请")


class ShareRequest(models.Model):
    """A request for access to datasets of one publisher, over some units, for some days."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_requests", verbose_name=_("申请人")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请部门")
    )
    system_name = models.CharField(_("申请系统"), max_length=100, blank=True)
    publisher = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("数据提供部门")
    )
    datasets = models.ManyToManyField(Dataset, related_name="+", verbose_name=_("数据集"))
    units = models.ManyToManyField(OrgUnit, related_name="+", verbose_name=_("行政区划"))
    purpose = models.TextField(_("用途"))
    days = models.PositiveSmallIntegerField(_("申请有效期（天）"))
    status = models.CharField(_("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    created_at = models.DateTimeField(_("申请时间"))
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_label = models.CharField(_("审批人"), max_length=150, blank=True)
    decision_comment = models.TextField(_("审批意见"), blank=True)
    approved_days = models.PositiveSmallIntegerField(_("批准有效期（天）"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("共享申请")
        verbose_name_plural = _("共享申请")
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"共享申请 #{self.pk}"


class ShareToken(models.Model):
    """The bearer token of an approved request (one per request); only its SHA-256 is stored."""

    request = models.OneToOneField(
        ShareRequest, on_delete=models.PROTECT, related_name="token", verbose_name=_("共享申请")
    )
    prefix = models.CharField(_("前缀"), max_length=24, db_index=True)
    key_hash = models.CharField(_("摘要"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("领取时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    rate_per_minute = models.PositiveIntegerField(_("每分钟调用上限"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_label = models.CharField(_("撤销人"), max_length=150, blank=True)
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("共享令牌")
        verbose_name_plural = _("共享令牌")
        ordering = ("-issued_at", "-id")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def state(self, now: dt.datetime) -> str:
        """``revoked``, ``expired`` or ``active`` at ``now`` (revocation wins: it is a decision)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"


class ShareUse(models.Model):
    """One use of a share token, served or refused (append-only)."""

    token = models.ForeignKey(
        ShareToken, null=True, blank=True, on_delete=models.PROTECT, related_name="uses", verbose_name=_("共享令牌")
    )
    # What was presented, so that guessing with unknown tokens shows in the log (never the secret).
    presented_prefix = models.CharField(_("所用令牌前缀"), max_length=24, blank=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    path = models.CharField(_("路径"), max_length=300)
    dataset_code = models.CharField(_("数据集"), max_length=100, blank=True)
    unit_filter = models.CharField(_("区划筛选"), max_length=32, blank=True)
    period_filter = models.CharField(_("报告期筛选"), max_length=16, blank=True)
    status = models.PositiveSmallIntegerField(_("HTTP 状态"))
    rows = models.PositiveIntegerField(_("返回行数"), default=0)

    class Meta:
        verbose_name = _("共享调用记录")
        verbose_name_plural = _("共享调用记录")
        ordering = ("-at", "-id")
        indexes: ClassVar = [models.Index(fields=["token", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.path} {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("ShareUse rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ShareUse rows are never deleted")
