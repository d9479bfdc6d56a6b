"""Tasks of the programme's task list, their milestones (时间节点) and progress reports."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Area, Goal, Indicator, Programme
from lantu.orgunits.models import Department, OrgUnit


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    SUSPENDED = "suspended", _("已暂停")


class Task(models.Model):
    """A task of the list: what, linked to which targets, who leads, by when."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("规划"))
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subtasks", verbose_name=_("上级任务")
    )
    code = models.CharField(_("代码"), max_length=48, unique=True)
    title_zh = models.CharField(_("名称"), max_length=300)
    title_en = models.CharField(_("英文名称"), max_length=400, blank=True)
    description = models.TextField(_("说明"), blank=True)
    areas = models.ManyToManyField(Area, blank=True, related_name="tasks", verbose_name=_("领域"))
    goals = models.ManyToManyField(Goal, blank=True, related_name="tasks", verbose_name=_("目标"))
    indicators = models.ManyToManyField(Indicator, blank=True, related_name="tasks", verbose_name=_("指标"))
    lead_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
        verbose_name=_("牵头部门"),
    )
    lead_org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("牵头地区")
    )
    cooperating_departments = models.ManyToManyField(
        Department, blank=True, related_name="cooperating_tasks", verbose_name=_("配合部门")
    )
    cooperating_org_units = models.ManyToManyField(
        OrgUnit, blank=True, related_name="cooperating_tasks", verbose_name=_("配合地区")
    )
    start = models.DateField(_("开始日期"), null=True, blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    progress_pct = models.DecimalField(_("进度（%）"), max_digits=5, decimal_places=1, null=True, blank=True)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    source_text = models.TextField(_("依据原文"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务清单")
        ordering = ("programme", "order", "code")
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(start__isnull=True) | Q(deadline__isnull=True) | Q(deadline__gte=models.F("start")),
                name="task_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__isnull=True) | (Q(progress_pct__gte=0) & Q(progress_pct__lte=100)),
                name="task_progress_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"


class TaskMilestone(models.Model):
    """A dated step (时间节点) of a task with its deliverable."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("任务"))
    name_zh = models.CharField(_("名称"), max_length=300)
    deliverable = models.CharField(_("交付成果"), max_length=300, blank=True)
    due = models.DateField(_("时间节点"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("任务时间节点")
        verbose_name_plural = _("任务时间节点")
        ordering = ("task", "due", "order")

    def __str__(self) -> str:
        return f"{self.task.code} · {self.name_zh} · {self.due}"


class ProgressReport(models.Model):
    """A periodic report on a task: progress and what was done, with evidence files. Never edited."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports", verbose_name=_("任务"))
    as_of = models.DateField(_("截至日期"))
    progress_pct = models.DecimalField(_("进度（%）"), max_digits=5, decimal_places=1)
    text = models.TextField(_("进展情况"))
    created_at = models.DateTimeField(_("报告时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("报告人"),
    )
    actor_label = models.CharField(_("报告人标识"), max_length=150)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ("task", "-as_of", "-id")

    def __str__(self) -> str:
        return f"{self.task.code} {self.as_of}: {self.progress_pct}%"


class Evidence(models.Model):
    """A file attached to a progress report, stored outside the database with its SHA-256."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("报告")
    )
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self) -> str:
        return self.original_name
