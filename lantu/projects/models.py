"""Major projects (重大项目) managed as a list: where, who, how much planned and completed, by when.

Investment is money in 亿元, the unit the province's project lists use. The planned total is a
field on the project (its changes are in the audit log); the investment completed is reported per
period as versioned rows that are never overwritten: a correction is a new version, so what was
reported for 2023Q2 last month stays readable.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Area, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.tasks.models import Task


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("谋划中")
    UNDER_CONSTRUCTION = "under_construction", _("在建")
    COMPLETED = "completed", _("已建成")
    SUSPENDED = "suspended", _("已暂停")


class MajorProject(models.Model):
    """One project of the major-project list."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="projects", verbose_name=_("规划"))
    code = models.CharField(_("项目代码"), max_length=48, unique=True)
    name_zh = models.CharField(_("项目名称"), max_length=300)
    name_en = models.CharField(_("英文名称"), max_length=400, blank=True)
    description = models.TextField(_("建设内容"), blank=True)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="projects", verbose_name=_("领域")
    )
    tasks = models.ManyToManyField(Task, blank=True, related_name="projects", verbose_name=_("相关任务"))
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="projects", verbose_name=_("所在地")
    )
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    owner = models.CharField(_("项目业主"), max_length=200, blank=True)
    lead_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("责任部门"),
    )
    planned_investment = models.DecimalField(
        _("计划总投资（亿元）"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    start = models.DateField(_("开工日期"), null=True, blank=True)
    end = models.DateField(_("计划建成日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=24, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    is_platform = models.BooleanField(_("“万亩千亿”新产业平台"), default=False)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    source_text = models.TextField(_("依据原文"), blank=True)
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("重大项目")
        verbose_name_plural = _("重大项目清单")
        ordering = ("programme", "order", "code")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="project_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(planned_investment__isnull=True) | Q(planned_investment__gte=0),
                name="project_planned_not_negative",
            ),
            models.CheckConstraint(
                condition=(Q(longitude__isnull=True) & Q(latitude__isnull=True))
                | (Q(longitude__isnull=False) & Q(latitude__isnull=False)),
                name="project_coordinates_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class InvestmentReport(models.Model):
    """Investment completed in one period, as reported; a correction is a new version."""

    project = models.ForeignKey(
        MajorProject, on_delete=models.PROTECT, related_name="investments", verbose_name=_("项目")
    )
    period = models.CharField(_("报告期"), max_length=8)
    version = models.PositiveIntegerField(_("版本"))
    amount = models.DecimalField(_("完成投资（亿元）"), max_digits=14, decimal_places=4)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报人"),
    )
    actor_label = models.CharField(_("填报人标识"), max_length=150)

    class Meta:
        verbose_name = _("完成投资")
        verbose_name_plural = _("完成投资")
        ordering = ("project", "period", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("project", "period", "version"), name="investment_version_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="investment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.period} v{self.version}: {self.amount}"


class ProjectMilestone(models.Model):
    """A dated step of a project (开工, 主体完工, 投产 …)."""

    project = models.ForeignKey(
        MajorProject, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("项目")
    )
    name_zh = models.CharField(_("名称"), max_length=300)
    due = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("项目节点")
        verbose_name_plural = _("项目节点")
        ordering = ("project", "due", "id")

    def __str__(self) -> str:
        return f"{self.project.code} · {self.name_zh} · {self.due}"
