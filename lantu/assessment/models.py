"""Appraisal (绩效考评) and third-party evaluation (第三方评估).

* :class:`AssessmentMethod` — a framework (META rows) and a method (YAML) under a code; a change
  is a new version row, never an edit, and every version carries the SHA-256 of both.
* :class:`Assessment` — the cities, counties (optionally a peer group such as 山区26县) or
  departments of one year, assessed with one method version; drafting → scoring → review → published.
* :class:`AssessmentRun` and :class:`UnitResult` — each computation is a new run; the newest is
  the current result. Results keep every aggregate's score, the contributions and the rank interval.
* Evaluators: :class:`EvaluatorAssignment`, :class:`ConflictDeclaration`, :class:`RubricScore`
  (versioned), :class:`Submission` and its :class:`Review` by the programme office.
* :class:`EvaluationReport` — an HTML snapshot written at publication, with the method hash.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Programme
from lantu.orgunits.models import Department, OrgUnit


class Authored(models.Model):
    """Who wrote a row, when, and why (rows of these models are never edited)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150)

    class Meta:
        abstract = True


class AssessmentMethod(Authored):
    """One version of an assessment method: the framework (META rows) and the method YAML."""

    code = models.CharField(_("代码"), max_length=48)
    version = models.PositiveIntegerField(_("版本"))
    name_zh = models.CharField(_("名称"), max_length=200)
    meta = models.JSONField(_("指标体系"))
    method_yaml = models.TextField(_("方法文件"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    reason = models.TextField(_("变更原因"), blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("评估方法")
        verbose_name_plural = _("评估方法")
        ordering = ("code", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="assessment_method_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Subject(models.TextChoices):
    CITIES = "cities", _("设区市")
    COUNTIES = "counties", _("县（市、区）")
    DEPARTMENTS = "departments", _("省级部门")


class AssessmentStatus(models.TextChoices):
    DRAFTING = "drafting", _("起草中")
    SCORING = "scoring", _("评分中")
    REVIEW = "review", _("审核中")
    PUBLISHED = "published", _("已发布")


class Assessment(Authored):
    """An appraisal of one kind of unit for one year with one method version."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("规划")
    )
    code = models.CharField(_("代码"), max_length=48, unique=True)
    title_zh = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年度"))
    subject = models.CharField(_("评估对象"), max_length=16, choices=Subject.choices)
    peer_group = models.CharField(_("比较组"), max_length=48, blank=True)
    method = models.ForeignKey(
        AssessmentMethod, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("评估方法")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFTING
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    is_demo = models.BooleanField(_("示例数据"), default=False)

    class Meta:
        verbose_name = _("绩效评估")
        verbose_name_plural = _("绩效评估")
        ordering = ("-year", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.title_zh}"


class AssessmentRun(Authored):
    """One computation of an assessment; the highest number is the current result."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="runs", verbose_name=_("评估"))
    number = models.PositiveIntegerField(_("序号"))
    method_sha256 = models.CharField(_("方法SHA-256"), max_length=64)
    inputs = models.JSONField(_("输入数据"))  # {"units": [...], "codes": [...], "values": [[...]], "origins": {...}}
    weights = models.JSONField(_("权重"), default=dict)
    notes = models.JSONField(_("计算说明"), default=list)
    robustness = models.JSONField(_("稳健性设置"), default=dict)
    audit_tables = models.JSONField(_("统计审计"), default=dict, blank=True)

    class Meta:
        verbose_name = _("评估计算")
        verbose_name_plural = _("评估计算")
        ordering = ("assessment", "-number")
        constraints: ClassVar = [models.UniqueConstraint(fields=["assessment", "number"], name="assessment_run_unique")]

    def __str__(self) -> str:
        return f"{self.assessment.code} #{self.number}"


class UnitResult(models.Model):
    """One unit's result in a run: index score, rank, rank interval, scores of every level, contributions."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("计算"))
    unit_code = models.CharField(_("单位代码"), max_length=32)
    unit_name = models.CharField(_("单位名称"), max_length=128)
    org_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划")
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("部门")
    )
    score = models.FloatField(_("总得分"), null=True)
    rank = models.PositiveIntegerField(_("排名"), null=True)
    rank_low = models.FloatField(_("排名区间下限"), null=True)
    rank_high = models.FloatField(_("排名区间上限"), null=True)
    rank_median = models.FloatField(_("排名中位数"), null=True)
    scores = models.JSONField(_("各层得分"), default=dict)
    ranks = models.JSONField(_("各层排名"), default=dict)
    contributions = models.JSONField(_("贡献分解"), default=dict)
    previous_rank = models.PositiveIntegerField(_("上年排名"), null=True)

    class Meta:
        verbose_name = _("评估结果")
        verbose_name_plural = _("评估结果")
        ordering = ("run", "rank", "unit_code")
        constraints: ClassVar = [models.UniqueConstraint(fields=["run", "unit_code"], name="unit_result_unique")]

    def __str__(self) -> str:
        return f"{self.unit_name}: {self.score}"


class RubricItem(models.Model):
    """An item evaluators score per unit (0..max), feeding a pillar through a META row ``rubric:CODE``."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="rubric_items", verbose_name=_("评估")
    )
    code = models.CharField(_("代码"), max_length=32)
    text_zh = models.TextField(_("评分内容"))
    max_score = models.DecimalField(_("满分"), max_digits=7, decimal_places=2)
    weight = models.DecimalField(_("权重"), max_digits=9, decimal_places=4, default=1)
    pillar = models.CharField(_("所属支柱"), max_length=48)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ("assessment", "order", "code")
        constraints: ClassVar = [models.UniqueConstraint(fields=["assessment", "code"], name="rubric_item_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.text_zh[:40]}"


class EvaluatorAssignment(Authored):
    """An evaluator account assigned to an assessment: what it may read and score."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evaluators", verbose_name=_("评估")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估员")
    )

    class Meta:
        verbose_name = _("评估员指派")
        verbose_name_plural = _("评估员指派")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assessment", "evaluator"], name="evaluator_assignment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assessment.code}: {self.evaluator}"


class ConflictDeclaration(Authored):
    """An evaluator's declaration for one unit: no conflict, or a conflict with a statement.

    Versioned: a new declaration is a new row; the highest version holds.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="declarations", verbose_name=_("评估")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估员")
    )
    unit_code = models.CharField(_("单位代码"), max_length=32)
    version = models.PositiveIntegerField(_("版本"))
    has_conflict = models.BooleanField(_("存在利益冲突"))
    statement = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("利益冲突声明")
        verbose_name_plural = _("利益冲突声明")
        ordering = ("assessment", "evaluator", "unit_code", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["assessment", "evaluator", "unit_code", "version"], name="declaration_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(has_conflict=False) | ~Q(statement=""), name="declaration_conflict_has_statement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluator} · {self.unit_code}: {'conflict' if self.has_conflict else 'none'}"


class RubricScore(Authored):
    """One version of an evaluator's score of one item for one unit; a change is a new row."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("评估"))
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="scores", verbose_name=_("评分项"))
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估员")
    )
    unit_code = models.CharField(_("单位代码"), max_length=32)
    version = models.PositiveIntegerField(_("版本"))
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    comment = models.TextField(_("评语"), blank=True)
    evidence = models.JSONField(_("佐证"), default=list, blank=True)  # [{"evidence": id} | {"url": "…"}]

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ("assessment", "unit_code", "item", "evaluator", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["item", "evaluator", "unit_code", "version"], name="rubric_score_version_unique"
            ),
            models.CheckConstraint(condition=Q(score__gte=0), name="rubric_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.unit_code} v{self.version} = {self.score}"


class Submission(Authored):
    """An evaluator hands their current scores to the programme office for review."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="submissions", verbose_name=_("评估")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评估员")
    )
    number = models.PositiveIntegerField(_("序号"))
    scores = models.ManyToManyField(RubricScore, related_name="submissions", verbose_name=_("评分"))

    class Meta:
        verbose_name = _("评分提交")
        verbose_name_plural = _("评分提交")
        ordering = ("assessment", "evaluator", "-number")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assessment", "evaluator", "number"], name="submission_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assessment.code} · {self.evaluator} #{self.number}"


class Decision(models.TextChoices):
    ACCEPT = "accept", _("通过")
    RETURN = "return", _("退回")


class Review(Authored):
    """The programme office's decision on a submission (one per submission)."""

    submission = models.OneToOneField(
        Submission, on_delete=models.PROTECT, related_name="review", verbose_name=_("评分提交")
    )
    decision = models.CharField(_("审核结论"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("评分审核")
        verbose_name_plural = _("评分审核")

    def __str__(self) -> str:
        return f"{self.submission}: {self.decision}"


class EvaluationReport(Authored):
    """The evaluation report as published: an HTML snapshot with the method's hash; versioned."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reports", verbose_name=_("评估"))
    version = models.PositiveIntegerField(_("版本"))
    run = models.ForeignKey(AssessmentRun, on_delete=models.PROTECT, related_name="+", verbose_name=_("计算"))
    method_sha256 = models.CharField(_("方法SHA-256"), max_length=64)
    html = models.TextField(_("报告正文"))
    text = models.TextField(_("纯文本"))

    class Meta:
        verbose_name = _("评估报告")
        verbose_name_plural = _("评估报告")
        ordering = ("assessment", "-version")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assessment", "version"], name="evaluation_report_unique")
        ]

    def __str__(self) -> str:
        return f"{self.assessment.code} report v{self.version}"
