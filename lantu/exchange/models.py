"""Mapping tables: Lantu codes ↔ another system's identifiers (a DHIS2 instance's UIDs or codes)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MappingKind(models.TextChoices):
    DATA_ELEMENT = "data_element", _("数据元（指标）")
    ORG_UNIT = "org_unit", _("组织机构（行政区划）")


class ExchangeMapping(models.Model):
    """One Lantu code (indicator or GB/T 2260 code) and the external system's identifier for it."""

    system = models.CharField(_("外部系统"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=MappingKind.choices)
    lantu_code = models.CharField(_("蓝图代码"), max_length=48)
    external_code = models.CharField(_("外部标识"), max_length=64)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("代码映射")
        verbose_name_plural = _("代码映射")
        ordering = ["system", "kind", "lantu_code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "kind", "lantu_code"], name="exchange_mapping_lantu_unique"),
            models.UniqueConstraint(
                fields=["system", "kind", "external_code"],
                condition=models.Q(active=True),
                name="exchange_mapping_external_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.system} {self.kind} {self.lantu_code} ↔ {self.external_code}"
