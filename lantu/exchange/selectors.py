"""Reads for exchange: values the actor may read as observations, codelists, mapping tables."""

from __future__ import annotations

from lantu.accounts.permissions import Actor, has_perm, scope_queryset
from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.exchange import Observation
from lantu.core.exchange.sdmx import Code
from lantu.exchange.models import ExchangeMapping, MappingKind
from lantu.framework.models import Indicator
from lantu.monitoring.models import Basis, DataValue, ValueState
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import resolve_org_unit

DEMO_NOTE = "示例数据 / demo data"


def observations(
    actor: Actor,
    *,
    indicators: list[str] | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    basis: str = Basis.APPROVED,
) -> list[Observation]:
    """Values the actor may read (``values.read``, scoped), on the approved or preliminary basis.

    An unknown indicator, or an org unit outside the actor's scope, is not found (404).
    Demo values say so in their comment.
    """
    if basis not in Basis.values:
        raise InvalidInput.one("basis", "口径应为 approved 或 preliminary", "basis is approved or preliminary")
    states = scope_queryset(
        ValueState.objects.select_related("indicator", "org_unit", "current", "approved"),
        actor,
        "values.read",
        department_field="indicator__department",
    )
    if indicators:
        known = set(Indicator.objects.filter(code__in=indicators).values_list("code", flat=True))
        for code in indicators:
            if code not in known:
                raise NotFound("指标", code)
        states = states.filter(indicator__code__in=indicators)
    if org_unit:
        unit = resolve_org_unit(org_unit)
        if not has_perm(actor, "values.read", org_unit=unit):
            raise NotFound("行政区划", org_unit)
        states = states.filter(org_unit__path__startswith=unit.path)
    if period:
        states = states.filter(period=period)
    result: list[Observation] = []
    for state in states.order_by("indicator__code", "org_unit__code", "period"):
        version: DataValue | None = state.approved if basis == Basis.APPROVED else state.current
        if version is None:
            continue
        comment = version.comment
        if version.is_demo:
            comment = f"{DEMO_NOTE}{'；' + comment if comment else ''}"
        approved = state.approved_id is not None and state.approved_id == version.pk
        result.append(
            Observation(
                indicator=state.indicator.code,
                ref_area=state.org_unit.code,
                period=state.period,
                value=version.value,
                unit=state.indicator.unit,
                status="approved" if approved else "preliminary",
                comment=comment,
            )
        )
    return result


def codelists(programme: str = "DZJ") -> tuple[list[Code], list[Code]]:
    """Codes of the programme's indicators and of every org unit (one per GB/T 2260 code, the latest name)."""
    indicators = [
        Code(i.code, i.name_zh, i.name_en) for i in Indicator.objects.filter(programme__code=programme).order_by("code")
    ]
    if not indicators and not Indicator.objects.filter(programme__code=programme).exists():
        from lantu.framework.models import Programme

        if not Programme.objects.filter(code=programme).exists():
            raise NotFound("规划", programme)
    areas: dict[str, Code] = {}
    for unit in OrgUnit.objects.order_by("code", "valid_from"):
        areas[unit.code] = Code(unit.code, unit.name_zh, unit.name_en)
    return indicators, list(areas.values())


def mapping(system: str) -> dict[str, dict[str, str]]:
    """Active mappings of a system: ``{kind: {lantu_code: external_code}}``; an unknown system is 404."""
    rows = list(
        ExchangeMapping.objects.filter(system=system, active=True).values_list("kind", "lantu_code", "external_code")
    )
    if not rows and not ExchangeMapping.objects.filter(system=system).exists():
        raise NotFound("映射表", system)
    table: dict[str, dict[str, str]] = {kind: {} for kind in MappingKind.values}
    for kind, code, external in rows:
        table[kind][code] = external
    return table
