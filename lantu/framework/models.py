"""Programme → area (a tree) → goal → indicator, with versioned baselines and targets."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantu.orgunits.models import Department, OrgUnit, WorkGroup


class Programme(models.Model):
    """A programme such as 深化数字浙江建设 (2019–2022)."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300)
    start_year = models.PositiveSmallIntegerField(_("起始年"))
    end_year = models.PositiveSmallIntegerField(_("目标年"))
    summary_zh = models.TextField(_("概述"), blank=True)
    summary_en = models.TextField(_("英文概述"), blank=True)
    source_title = models.CharField(_("依据文件"), max_length=300, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("实施区域")
    )
    leading_group = models.ForeignKey(
        WorkGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
        verbose_name=_("领导小组"),
    )

    class Meta:
        verbose_name = _("规划")
        verbose_name_plural = _("规划")
        ordering = ("code",)
        constraints: ClassVar = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="programme_years_ordered")
        ]

    def __str__(self) -> str:
        return self.name_zh


class OfficeRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    COOPERATING = "cooperating", _("协同")


class ProgrammeDepartment(models.Model):
    """A department in the programme office (牵头 or 协同), as the source text states."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="office", verbose_name=_("规划"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, verbose_name=_("部门"))
    role = models.CharField(_("职责"), max_length=16, choices=OfficeRole.choices)
    source_text = models.TextField(_("依据原文"), blank=True)

    class Meta:
        verbose_name = _("规划办公室成员")
        verbose_name_plural = _("规划办公室成员")
        constraints: ClassVar = [models.UniqueConstraint(fields=["programme", "department"], name="office_unique")]

    def __str__(self) -> str:
        return f"{self.department} ({self.get_role_display()})"


class AreaKind(models.TextChoices):
    KEY_TASK = "key_task", _("重点任务")
    SUB_AREA = "sub_area", _("子领域")


class Area(models.Model):
    """A node of the area tree: a key task, or a sub-area such as one government platform."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="areas", verbose_name=_("规划"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级领域"),
    )
    code = models.CharField(_("代码"), max_length=32)
    name_zh = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300)
    kind = models.CharField(_("类型"), max_length=16, choices=AreaKind.choices)
    role_zh = models.CharField(_("定位"), max_length=64, blank=True)
    role_en = models.CharField(_("英文定位"), max_length=128, blank=True)
    description_zh = models.TextField(_("说明"), blank=True)
    source_text = models.TextField(_("依据原文"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("领域")
        verbose_name_plural = _("领域")
        ordering = ("programme", "order", "code")
        constraints: ClassVar = [models.UniqueConstraint(fields=["programme", "code"], name="area_code_unique")]

    def __str__(self) -> str:
        return self.name_zh


class GoalKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("定量")
    QUALITATIVE = "qualitative", _("定性")


class Goal(models.Model):
    """What an area should achieve by a year; quantified by indicators or by milestones."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="goals", verbose_name=_("领域"))
    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=300)
    name_en = models.CharField(_("英文名称"), max_length=400)
    kind = models.CharField(_("类型"), max_length=16, choices=GoalKind.choices)
    target_year = models.PositiveSmallIntegerField(_("目标年"))
    source_text = models.TextField(_("依据原文"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("目标")
        verbose_name_plural = _("目标")
        ordering = ("area", "order", "code")

    def __str__(self) -> str:
        return self.name_zh


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    ACHIEVED = "achieved", _("已实现")
    MISSED = "missed", _("未实现")


class Milestone(models.Model):
    """A dated, checkable step of a (usually qualitative) goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("目标"))
    name_zh = models.CharField(_("名称"), max_length=300)
    name_en = models.CharField(_("英文名称"), max_length=400)
    due_date = models.DateField(_("时间节点"))
    status = models.CharField(
        _("状态"), max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ("goal", "order", "due_date")

    def __str__(self) -> str:
        return self.name_zh


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Aggregation(models.TextChoices):
    SUM = "sum", _("求和")
    MEAN = "mean", _("平均")
    WEIGHTED_MEAN = "weighted_mean", _("加权平均")
    RATIO_OF_SUMS = "ratio_of_sums", _("分子分母分别求和后相除")
    NONE = "none", _("不汇总")


class Frequency(models.TextChoices):
    YEAR = "year", _("年度")
    QUARTER = "quarter", _("季度")
    MONTH = "month", _("月度")


#: Definition fields copied into every :class:`IndicatorVersion` snapshot.
DEFINITION_FIELDS = (
    "name_zh",
    "name_en",
    "definition_zh",
    "definition_en",
    "unit",
    "direction",
    "aggregation",
    "weight_indicator",
    "numerator",
    "denominator",
    "formula",
    "frequency",
    "department",
    "source",
    "goal",
    "is_supporting",
)


class Indicator(models.Model):
    """An indicator's current definition; every version is kept in :class:`IndicatorVersion`.

    The row holds the latest version so reads need no join; it is only ever changed by
    ``update_indicator``, which writes the new version and the audit row in one transaction.
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("规划")
    )
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("目标"))
    code = models.CharField(_("代码"), max_length=48, unique=True)
    name_zh = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英文名称"), max_length=300)
    definition_zh = models.TextField(_("定义"), blank=True)
    definition_en = models.TextField(_("英文定义"), blank=True)
    unit = models.CharField(_("计量单位"), max_length=16)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices)
    aggregation = models.CharField(_("汇总方式"), max_length=16, choices=Aggregation.choices)
    weight_indicator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("权重指标")
    )
    numerator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("分子指标")
    )
    denominator = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("分母指标")
    )
    formula = models.CharField(_("计算公式"), max_length=500, blank=True)
    frequency = models.CharField(_("频度"), max_length=8, choices=Frequency.choices)
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("责任部门"),
    )
    source = models.TextField(_("数据来源"), blank=True)
    is_supporting = models.BooleanField(_("辅助指标"), default=False, help_text=_("用于计算其他指标，原文未设目标"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ("programme", "order", "code")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"


class VersionedRow(models.Model):
    """Who wrote a version, when and why. Rows of subclasses are only ever inserted."""

    version = models.PositiveIntegerField(_("版本"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("创建人"),
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)
    reason = models.TextField(_("变更原因"), blank=True)

    class Meta:
        abstract = True


class IndicatorVersion(VersionedRow):
    """A snapshot of an indicator's definition as it was from ``created_at`` on."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="versions", verbose_name=_("指标"))
    definition = models.JSONField(_("定义快照"))

    class Meta:
        verbose_name = _("指标定义版本")
        verbose_name_plural = _("指标定义版本")
        ordering = ("indicator", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indicator", "version"], name="indicator_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.version}"


class Baseline(VersionedRow):
    """The value of an indicator for a unit in a base year; the latest version counts."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="baselines", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划"))
    year = models.PositiveSmallIntegerField(_("基期年"))
    value = models.DecimalField(_("基期值"), max_digits=24, decimal_places=6)
    unit = models.CharField(_("单位"), max_length=16)
    source = models.TextField(_("来源"), blank=True)
    withdrawn = models.BooleanField(_("已撤销"), default=False)

    class Meta:
        verbose_name = _("基期值")
        verbose_name_plural = _("基期值")
        ordering = ("indicator", "org_unit", "year", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year", "version"], name="baseline_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.org_unit.code} {self.year}: {self.value}{self.unit}"


class Comparator(models.TextChoices):
    GE = ">=", "≥"
    GT = ">", ">"
    LE = "<=", "≤"
    LT = "<", "<"
    EQ = "=", "="


class Target(VersionedRow):
    """A target for a unit and year: a value, a multiple of a baseline, or both.

    "数字经济总量较2017年翻一番，达到4万亿元以上" is one target with both parts: ≥ 4万亿元 and
    ≥ 2 × the 2017 baseline; it is met only when both hold.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划"))
    year = models.PositiveSmallIntegerField(_("目标年"))
    comparator = models.CharField(_("比较符"), max_length=2, choices=Comparator.choices)
    value = models.DecimalField(_("目标值"), max_digits=24, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    baseline_multiple = models.DecimalField(_("基期倍数"), max_digits=12, decimal_places=6, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基期年"), null=True, blank=True)
    source_text = models.TextField(_("依据原文"), blank=True)
    withdrawn = models.BooleanField(_("已撤销"), default=False)

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        ordering = ("indicator", "org_unit", "year", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["indicator", "org_unit", "year", "version"], name="target_version_unique"),
            models.CheckConstraint(
                condition=Q(withdrawn=True)
                | Q(value__isnull=False)
                | (Q(baseline_multiple__isnull=False) & Q(baseline_year__isnull=False)),
                name="target_has_value_or_multiple",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.org_unit.code} {self.year} {self.comparator} {self.value}{self.unit}"
