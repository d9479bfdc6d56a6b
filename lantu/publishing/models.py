"""Datasets for open data and their versions.

* :class:`Dataset` — what is published: a set of indicator series over a unit and its
  descendants and a period range, or the result of a published assessment; with the catalogue's
  metadata in zh-Hans and English.
* :class:`DatasetVersion` — one version of a dataset, moved draft → in review → approved →
  scheduled (embargo) → published → withdrawn by the services in :mod:`lantu.publishing.services`
  (compare-and-set updates). Rows are never deleted, and ``save()`` refuses to rewrite an existing
  one, so the snapshot frozen at approval (with its SHA-256) never changes. A correction is a new
  version with a note.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Programme
from lantu.orgunits.models import Department, OrgUnit


class DatasetKind(models.TextChoices):
    INDICATOR_SERIES = "indicator_series", _("指标数据序列")
    ASSESSMENT_RESULT = "assessment_result", _("评估结果")


class UpdateFrequency(models.TextChoices):
    ANNUAL = "annual", _("每年")
    QUARTERLY = "quarterly", _("每季度")
    MONTHLY = "monthly", _("每月")
    IRREGULAR = "irregular", _("不定期")


class Licence(models.TextChoices):
    CC_BY_4 = "CC-BY-4.0", "CC BY 4.0"
    CC0 = "CC0-1.0", "CC0 1.0"


class Dataset(models.Model):
    """A dataset of the open-data catalogue (its metadata; the data lives in its versions)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+", verbose_name=_("规划"))
    code = models.CharField(_("代码"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=24, choices=DatasetKind.choices)
    title_zh = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=300)
    description_zh = models.TextField(_("说明"), blank=True)
    description_en = models.TextField(_("英文说明"), blank=True)
    publisher = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布单位"))
    licence = models.CharField(_("许可协议"), max_length=16, choices=Licence.choices, default=Licence.CC_BY_4)
    keywords_zh = models.JSONField(_("关键词"), default=list, blank=True)
    keywords_en = models.JSONField(_("英文关键词"), default=list, blank=True)
    update_frequency = models.CharField(
        _("更新频率"), max_length=16, choices=UpdateFrequency.choices, default=UpdateFrequency.ANNUAL
    )
    spatial = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("空间范围"))
    indicator_codes = models.JSONField(_("指标"), default=list, blank=True)
    assessment_code = models.CharField(_("评估代码"), max_length=48, blank=True)
    period_from = models.CharField(_("起始报告期"), max_length=8)
    period_to = models.CharField(_("截止报告期"), max_length=8)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)

    class Meta:
        verbose_name = _("开放数据集")
        verbose_name_plural = _("开放数据集")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    APPROVED = "approved", _("已审核")
    SCHEDULED = "scheduled", _("已排期")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


#: The columns of a frozen row, in order (CSV header, JSON keys, the Frictionless schema).
ROW_FIELDS = (
    "indicator_code",
    "indicator_name",
    "org_unit_code",
    "org_unit_key",
    "org_unit_name",
    "period",
    "value",
    "unit_of_measure",
    "approval_status",
    "origin",
    "is_demo",
)


class DatasetVersion(models.Model):
    """One version of a dataset. Its rows are frozen at approval and never change afterwards."""

    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="versions", verbose_name=_("数据集"))
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    note = models.TextField(_("更正说明"), blank=True)
    snapshot = models.JSONField(_("数据快照"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    embargo_at = models.DateTimeField(_("发布时间（禁发期至）"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_label = models.CharField(_("创建人"), max_length=150)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_label = models.CharField(_("提交人"), max_length=150, blank=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_label = models.CharField(_("审核人"), max_length=150, blank=True)
    scheduled_label = models.CharField(_("排期人"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_label = models.CharField(_("撤回人"), max_length=150, blank=True)
    withdraw_reason = models.TextField(_("撤回原因"), blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("数据集版本")
        verbose_name_plural = _("数据集版本")
        ordering = ("dataset", "-number")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["dataset", "number"], name="publishing_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Versions are created once; every later step is a compare-and-set UPDATE in the services.
        if self.pk is not None and not self._state.adding:
            raise RuntimeError("DatasetVersion rows are append-only; move them with the publishing services")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("DatasetVersion rows are never deleted; withdraw the version instead")

    def rows(self) -> list[dict[str, Any]]:
        """The frozen data rows as dicts keyed by :data:`ROW_FIELDS` (empty before approval).

        Public and stable: exports (CSV, JSON, Data Package, SDMX/DHIS2 exchange) read this and
        nothing else, so every format carries exactly the approved snapshot. ``value`` is a
        decimal string (exact), ``is_demo`` a bool.
        """
        return [dict(row) for row in (self.snapshot or [])]
