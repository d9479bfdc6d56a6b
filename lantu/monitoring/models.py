"""Statistical monitoring: reporting rounds, data values, their approval state, rules, aggregates.

Data values are immutable versions. What moves is :class:`ValueState`, one row per series
(indicator × org unit × period) pointing at the current version and, separately, the last
approved version, with the approval status; every move is an :class:`ApprovalEvent` row.
Official figures read the approved version; the "preliminary" switch reads the current one.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Indicator, Programme, VersionedRow
from lantu.orgunits.models import Department, OrgUnit


class RoundKind(models.TextChoices):
    UNITS = "units", _("按行政区划填报")
    DEPARTMENTS = "departments", _("按部门填报")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("未开放")
    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已关闭")


class ReportingRound(models.Model):
    """Which indicators, which units or departments, which period, when, and how approved."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("规划"))
    code = models.CharField(_("代码"), max_length=48, unique=True)
    title_zh = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英文名称"), max_length=300, blank=True)
    kind = models.CharField(_("填报方式"), max_length=16, choices=RoundKind.choices, default=RoundKind.UNITS)
    period = models.CharField(_("报告期"), max_length=8)
    opens_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("截止日期"))
    reminder_days = models.CharField(
        _("提前提醒天数"), max_length=64, default="7,3,1", help_text=_("逗号分隔，例如 7,3,1")
    )
    approval_levels = models.PositiveSmallIntegerField(
        _("审核层级数"),
        default=1,
        help_text=_("按行政区划填报时，逐级向上审核的层数（1 为上级审核，2 为上级和再上级）"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.DRAFT)
    indicators = models.ManyToManyField(Indicator, related_name="rounds", verbose_name=_("指标"))
    org_units = models.ManyToManyField(OrgUnit, blank=True, related_name="rounds", verbose_name=_("填报单位"))
    departments = models.ManyToManyField(Department, blank=True, related_name="rounds", verbose_name=_("填报部门"))

    class Meta:
        verbose_name = _("填报任务")
        verbose_name_plural = _("填报任务")
        ordering = ("-deadline", "code")

    def __str__(self) -> str:
        return f"{self.title_zh} ({self.period})"


class DataValue(VersionedRow):
    """One version of a value, in the indicator's own unit. Never changed after insert.

    ``is_demo`` marks generated demonstration data (示例数据): every page and export that
    shows such a value must say so.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划"))
    period = models.CharField(_("报告期"), max_length=8)
    value = models.DecimalField(_("数据值"), max_digits=24, decimal_places=6)
    entered_value = models.CharField(_("原始填报值"), max_length=64, blank=True)
    entered_unit = models.CharField(_("原始单位"), max_length=16, blank=True)
    round = models.ForeignKey(
        ReportingRound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="values",
        verbose_name=_("填报任务"),
    )
    source = models.CharField(_("来源"), max_length=300, blank=True)
    comment = models.TextField(_("备注"), blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("数据值")
        verbose_name_plural = _("数据值")
        ordering = ("indicator", "org_unit", "period", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["indicator", "org_unit", "period", "version"], name="datavalue_version_unique"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["indicator", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.org_unit.code} {self.period} = {self.value}"


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class ValueState(models.Model):
    """The workflow state of one series; changed only by compare-and-set on ``revision``."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划"))
    period = models.CharField(_("报告期"), max_length=8)
    round = models.ForeignKey(
        ReportingRound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="states",
        verbose_name=_("填报任务"),
    )
    current = models.ForeignKey(DataValue, on_delete=models.PROTECT, related_name="+", verbose_name=_("当前版本"))
    approved = models.ForeignKey(
        DataValue, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("已审核版本")
    )
    status = models.CharField(_("状态"), max_length=16, choices=ValueStatus.choices, default=ValueStatus.DRAFT)
    levels_done = models.PositiveSmallIntegerField(_("已完成审核层级"), default=0)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提交人"),
    )
    return_comment = models.TextField(_("退回意见"), blank=True)
    flags = models.JSONField(_("校验提示"), default=list, blank=True)
    revision = models.PositiveIntegerField(_("修订号"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("数据值状态")
        verbose_name_plural = _("数据值状态")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "period"], name="valuestate_series_unique")
        ]
        indexes: ClassVar = [
            models.Index(fields=["round", "org_unit"]),
            models.Index(fields=["status"]),
            # Roll-ups read one period of a few indicators at a time.
            models.Index(fields=["period", "indicator"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.org_unit_id}/{self.period}: {self.status}"


class ApprovalAction(models.TextChoices):
    ENTER = "enter", _("填报")
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("审核通过")
    RETURN = "return", _("退回")


class ApprovalEvent(models.Model):
    """One step in a series' history: who did what to which version, when and why."""

    state = models.ForeignKey(ValueState, on_delete=models.PROTECT, related_name="events", verbose_name=_("数据值状态"))
    value = models.ForeignKey(DataValue, on_delete=models.PROTECT, related_name="+", verbose_name=_("版本"))
    action = models.CharField(_("操作"), max_length=16, choices=ApprovalAction.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    level = models.PositiveSmallIntegerField(_("审核层级"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")
        ordering = ("state", "at", "id")

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class RuleKind(models.TextChoices):
    RANGE = "range", _("取值范围")
    EXPRESSION = "expression", _("表达式")
    YOY = "yoy", _("同比变化")


class Severity(models.TextChoices):
    ERROR = "error", _("错误（阻止保存）")
    WARNING = "warning", _("提示（不阻止）")


class ValidationRule(models.Model):
    """A check run on entry and import: a range, a comparison of two formulas, or a YoY limit."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="rules", verbose_name=_("规划"))
    code = models.CharField(_("代码"), max_length=48, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=RuleKind.choices)
    severity = models.CharField(_("严重程度"), max_length=8, choices=Severity.choices, default=Severity.ERROR)
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.CASCADE, related_name="rules", verbose_name=_("指标")
    )
    minimum = models.DecimalField(_("最小值"), max_digits=24, decimal_places=6, null=True, blank=True)
    maximum = models.DecimalField(_("最大值"), max_digits=24, decimal_places=6, null=True, blank=True)
    left = models.CharField(_("左式"), max_length=300, blank=True)
    comparator = models.CharField(_("比较符"), max_length=2, blank=True)
    right = models.CharField(_("右式"), max_length=300, blank=True)
    max_change_pct = models.DecimalField(_("同比最大变化（%）"), max_digits=9, decimal_places=3, null=True, blank=True)
    message_zh = models.CharField(_("提示"), max_length=300)
    message_en = models.CharField(_("英文提示"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code}: {self.message_zh}"


class Basis(models.TextChoices):
    APPROVED = "approved", _("已审核数据")
    PRELIMINARY = "preliminary", _("初步数据（含未审核）")


class Aggregate(models.Model):
    """A stored roll-up or computed value; derived data, rebuilt from values at any time."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("行政区划"))
    period = models.CharField(_("报告期"), max_length=8)
    basis = models.CharField(_("口径"), max_length=16, choices=Basis.choices)
    value = models.DecimalField(_("汇总值"), max_digits=24, decimal_places=6)
    contributors = models.PositiveIntegerField(_("参与汇总单位数"), default=0)
    expected = models.PositiveIntegerField(_("应汇总单位数"), default=0)
    computed = models.BooleanField(_("按公式计算"), default=False)
    is_demo = models.BooleanField(_("含示例数据"), default=False)
    updated_at = models.DateTimeField(_("计算时间"), auto_now=True)

    class Meta:
        verbose_name = _("汇总值")
        verbose_name_plural = _("汇总值")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "period", "basis"], name="aggregate_unique")
        ]
        indexes: ClassVar = [models.Index(fields=["basis", "indicator", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.org_unit_id}/{self.period} [{self.basis}] = {self.value}"
