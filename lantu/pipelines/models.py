"""Stored pipeline definitions (versioned like targets) and runs (with provenance)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import VersionedRow


class PipelineDefinition(VersionedRow):
    """One version of a pipeline's definition; a change is a new row, never an update.

    ``definition`` holds the whole definition as data (sources, checks, outputs with their
    texts, thresholds); ``fingerprint`` also covers the code of its computations.
    """

    name = models.CharField(_("管道名称"), max_length=64)
    title_zh = models.CharField(_("名称"), max_length=200)
    indicators = models.JSONField(_("所供指标"), default=list)
    definition = models.JSONField(_("定义"))
    fingerprint = models.CharField(_("定义指纹"), max_length=64)

    class Meta:
        verbose_name = _("数据管道定义")
        verbose_name_plural = _("数据管道定义")
        ordering = ("name", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["name", "version"], name="pipelinedefinition_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class RunStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class PipelineRun(models.Model):
    """One run of one definition version for one period: what it read, rejected and wrote."""

    definition = models.ForeignKey(
        PipelineDefinition, on_delete=models.PROTECT, related_name="runs", verbose_name=_("定义版本")
    )
    period = models.CharField(_("报告期"), max_length=8)
    engine = models.CharField(_("计算引擎"), max_length=16)
    status = models.CharField(_("状态"), max_length=16, choices=RunStatus.choices)
    sources = models.JSONField(_("数据源"), default=list, help_text=_("文件、SHA-256 校验和与行数"))
    rows_in_scope = models.BigIntegerField(_("报告期内记录数"), default=0)
    rejected = models.JSONField(_("按原因剔除的记录数"), default=dict)
    failures = models.JSONField(_("失败原因"), default=list)
    results = models.JSONField(_("计算结果"), default=list)
    values_written = models.PositiveIntegerField(_("写入的新版本数"), default=0)
    values_unchanged = models.PositiveIntegerField(_("未变化的数据值数"), default=0)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"))
    seconds = models.FloatField(_("计算耗时（秒）"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)

    class Meta:
        verbose_name = _("数据管道运行")
        verbose_name_plural = _("数据管道运行")
        ordering = ("-started_at", "-id")
        indexes: ClassVar = [models.Index(fields=["definition", "period"])]

    def __str__(self) -> str:
        return f"{self.definition} {self.period} [{self.engine}] {self.status}"

    @property
    def provenance(self) -> str:
        """The short text stored as ``source`` on every value the run writes (≤ 300 characters)."""
        files = sum(len(s.get("files", [])) for s in self.sources)
        digest = ",".join(f["sha256"][:12] for s in self.sources for f in s.get("files", [])[:3])
        text = (
            f"数据管道 {self.definition.name} v{self.definition.version} 运行#{self.pk} ({self.engine}); "
            f"{files} 个文件 sha256 {digest}{'…' if files > 3 else ''}; 记录 {self.rows_in_scope} 条"
        )
        return text[:300]
