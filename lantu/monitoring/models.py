"""Data values: one row per version of the value of an indicator for a unit and period."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from lantu.framework.models import Indicator, VersionedRow
from lantu.orgunits.models import OrgUnit


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class DataValue(VersionedRow):
    """A value in the indicator's own unit. A change is a new row with the next version.

    ``is_demo`` marks generated demonstration data (示例数据): every page and export that
    shows such a value must say so.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("指标"))
    org_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政区划"))
    period = models.CharField(_("报告期"), max_length=8)
    value = models.DecimalField(_("数据值"), max_digits=24, decimal_places=6)
    status = models.CharField(_("状态"), max_length=16, choices=ValueStatus.choices, default=ValueStatus.DRAFT)
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
