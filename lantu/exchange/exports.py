"""Exports: SDMX-ML structure and data, SDMX-CSV 2.0, DHIS2 dataValueSets JSON and ADX."""

from __future__ import annotations

from django.utils import timezone

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, Problem
from lantu.core.exchange import Observation, dhis2, sdmx
from lantu.core.exchange.periods import to_adx, to_dhis2
from lantu.exchange import selectors
from lantu.exchange.models import MappingKind
from lantu.monitoring.models import Basis

FORMATS = ("sdmx", "sdmx-csv", "dhis2", "adx")


def structure(programme: str = "DZJ") -> bytes:
    """The SDMX-ML 2.1 structure message (DSD, dataflow, codelists) of a programme."""
    indicators, areas = selectors.codelists(programme)
    return sdmx.structure_message(indicators, areas, prepared=timezone.now())


def _dhis2_values(obs: list[Observation], system: str, *, adx: bool) -> list[dhis2.DhisValue]:
    table = selectors.mapping(system)
    elements, units = table[MappingKind.DATA_ELEMENT], table[MappingKind.ORG_UNIT]
    problems: list[Problem] = []
    for code in sorted({o.indicator for o in obs} - set(elements)):
        problems.append(
            Problem("indicator", f"指标“{code}”在“{system}”中没有映射", f"indicator {code} has no mapping in {system}")
        )
    for code in sorted({o.ref_area for o in obs} - set(units)):
        problems.append(
            Problem("org_unit", f"区划“{code}”在“{system}”中没有映射", f"org unit {code} has no mapping in {system}")
        )
    if problems:
        raise InvalidInput(problems)
    return [
        dhis2.DhisValue(
            data_element=elements[o.indicator],
            period=to_adx(o.period) if adx else to_dhis2(o.period),
            org_unit=units[o.ref_area],
            value=o.value,
            comment=o.comment,
        )
        for o in obs
    ]


def export(
    actor: Actor,
    fmt: str,
    *,
    indicators: list[str] | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    basis: str = Basis.APPROVED,
    system: str | None = None,
    data_set: str = "",
) -> bytes:
    """Values the actor may read in one of :data:`FORMATS`; DHIS2 formats need a mapping ``system``.

    For DHIS2 without an indicator filter, only the indicators the system maps are exported;
    any exported indicator or org unit without a mapping is refused (422, codes named).
    """
    if fmt not in FORMATS:
        raise InvalidInput.one("format", f"格式应为 {'、'.join(FORMATS)}", f"format is one of {', '.join(FORMATS)}")
    if fmt in {"dhis2", "adx"}:
        if not system:
            raise InvalidInput.one("system", "DHIS2 格式需要指定映射系统", "DHIS2 formats need a mapping system")
        table = selectors.mapping(system)
        codes = indicators or sorted(table[MappingKind.DATA_ELEMENT])
        obs = (
            selectors.observations(actor, indicators=codes, period=period, org_unit=org_unit, basis=basis)
            if codes
            else []
        )
        values = _dhis2_values(obs, system, adx=fmt == "adx")
        if fmt == "adx":
            return dhis2.write_adx(values, data_set=data_set or system, exported=timezone.now())
        return dhis2.write_data_value_sets(values, data_set=data_set)
    obs = selectors.observations(actor, indicators=indicators, period=period, org_unit=org_unit, basis=basis)
    if fmt == "sdmx-csv":
        return sdmx.write_csv(obs)
    return sdmx.generic_data_message(obs, prepared=timezone.now())
