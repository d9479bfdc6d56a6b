"""The policy system (政策体系): policies and the measures that must be put into effect (落地实施)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Area, Goal, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.tasks.models import Task


class PolicyStatus(models.TextChoices):
    DRAFTING = "drafting", _("起草中")
    ISSUED = "issued", _("已印发")
    IN_FORCE = "in_force", _("施行中")
    EXPIRED = "expired", _("已失效")


class MeasureStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    IMPLEMENTED = "implemented", _("已落地")
    STALLED = "stalled", _("受阻")


class Policy(models.Model):
    """A policy document: who issues it, its document number (文号), its life, what it serves."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="policies", verbose_name=_("规划"))
    code = models.CharField(_("代码"), max_length=48, unique=True)
    title_zh = models.CharField(_("标题"), max_length=300)
    title_en = models.CharField(_("英文标题"), max_length=400, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=200, blank=True)
    issuer_department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("起草部门"),
    )
    doc_number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    in_force_from = models.DateField(_("施行日期"), null=True, blank=True)
    expires_on = models.DateField(_("失效日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=PolicyStatus.choices, default=PolicyStatus.DRAFTING)
    areas = models.ManyToManyField(Area, blank=True, related_name="policies", verbose_name=_("领域"))
    goals = models.ManyToManyField(Goal, blank=True, related_name="policies", verbose_name=_("目标"))
    tasks = models.ManyToManyField(Task, blank=True, related_name="policies", verbose_name=_("任务"))
    url = models.URLField(_("原文链接"), blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)
    source_text = models.TextField(_("依据原文"), blank=True)

    class Meta:
        verbose_name = _("政策")
        verbose_name_plural = _("政策体系")
        ordering = ("programme", "-issued_on", "code")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=("doc_number",), condition=~Q(doc_number=""), name="policy_doc_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(in_force_from__isnull=True)
                | Q(expires_on__gte=models.F("in_force_from")),
                name="policy_expires_after_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title_zh}（{self.doc_number}）" if self.doc_number else self.title_zh


class PolicyMeasure(models.Model):
    """One measure of a policy, with the units responsible for putting it into effect."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="measures", verbose_name=_("政策"))
    order = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("措施内容"))
    departments = models.ManyToManyField(
        Department, blank=True, related_name="policy_measures", verbose_name=_("责任部门")
    )
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="policy_measures", verbose_name=_("责任地区"))
    due = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(
        _("落实情况"), max_length=16, choices=MeasureStatus.choices, default=MeasureStatus.NOT_STARTED
    )
    status_note = models.TextField(_("情况说明"), blank=True)

    class Meta:
        verbose_name = _("政策措施")
        verbose_name_plural = _("政策措施")
        ordering = ("policy", "order")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("policy", "order"), name="measure_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.order}. {self.text[:40]}"
