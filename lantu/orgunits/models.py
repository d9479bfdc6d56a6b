"""Org units with effective dates, departments and groups."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("地市级")
    COUNTY = "county", _("县级")


class Kind(models.TextChoices):
    PROVINCE = "province", _("省")
    PREFECTURE_CITY = "prefecture_city", _("地级市")
    DISTRICT = "district", _("市辖区")
    COUNTY_CITY = "county_city", _("县级市")
    COUNTY = "county", _("县")
    AUTONOMOUS_COUNTY = "autonomous_county", _("自治县")


#: Oldest record first; a record valid "since before our data" (no valid_from) is the oldest.
#: Spelled out because SQLite and PostgreSQL sort NULLs at opposite ends by default.
CHRONOLOGICAL = (models.F("valid_from").asc(nulls_first=True),)
NEWEST_FIRST = (models.F("valid_from").desc(nulls_last=True),)

LEVEL_DEPTH = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2}


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def valid_on(self, day: dt.date) -> OrgUnitQuerySet:
        """Units that exist on ``day`` (both ends of the validity are inclusive)."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class OrgUnit(models.Model):
    """An administrative unit as it existed between ``valid_from`` and ``valid_to``.

    A GB/T 2260 code can name several records over time (上城区 330102 before and after the
    2021 redistricting covers different ground), so the stable identity is ``key``; a code
    plus a date finds exactly one record. ``path`` lists the keys from the root so that
    "this unit and its descendants" is a prefix match, on any date.
    """

    key = models.CharField(_("标识"), max_length=32, unique=True)
    code = models.CharField(_("区划代码"), max_length=6, db_index=True)
    name_zh = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = models.CharField(_("路径"), max_length=255, db_index=True, editable=False)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        verbose_name=_("承继单位"),
    )
    change_note = models.TextField(_("变更说明"), blank=True)
    source = models.TextField(_("来源"), blank=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ("code", *CHRONOLOGICAL)
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_to_after_from",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    def is_valid_on(self, day: dt.date) -> bool:
        """Whether the unit exists on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def name(self, language: str) -> str:
        """The name in ``language`` (``en`` or anything else for Chinese)."""
        return self.name_en if language.startswith("en") else self.name_zh


class Department(models.Model):
    """A government department, e.g. 省发展改革委, attached to the unit it belongs to."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200)
    short_name_zh = models.CharField(_("简称"), max_length=32, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属区划")
    )
    source = models.TextField(_("来源"), blank=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.short_name_zh or self.name_zh

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_zh


class GroupKind(models.TextChoices):
    LEADING = "leading", _("领导小组")
    SPECIAL = "special", _("专项工作小组")


class WorkGroup(models.Model):
    """The leading group and special working groups; members are departments."""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=GroupKind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subgroups",
        verbose_name=_("上级小组"),
    )
    members = models.ManyToManyField(Department, blank=True, related_name="work_groups", verbose_name=_("成员部门"))
    source_text = models.TextField(_("依据原文"), blank=True)

    class Meta:
        verbose_name = _("工作小组")
        verbose_name_plural = _("工作小组")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name_zh
