"""Imports: SDMX-CSV, DHIS2 dataValueSets JSON and ADX, through ``record_values`` (drafts, all or nothing).

A payload that is not the format raises :class:`lantu.core.exchange.FormatError` (HTTP 400).
Rows with bad values and codes the mapping table does not know are problems naming the row and
the code (HTTP 422); nothing is written unless every row is good.
"""

from __future__ import annotations

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, Problem
from lantu.core.exchange import ImportRow, dhis2, sdmx
from lantu.core.exchange.periods import from_adx, from_dhis2
from lantu.exchange import selectors
from lantu.exchange.models import MappingKind
from lantu.monitoring.entries import ValueEntry
from lantu.monitoring.services.values import RecordResult, record_values

IMPORT_FORMATS = ("sdmx-csv", "dhis2", "adx")


def _mapped(values: list[dhis2.DhisValue], system: str, *, adx: bool) -> tuple[list[ImportRow], list[Problem]]:
    table = selectors.mapping(system)
    elements = {ext: code for code, ext in table[MappingKind.DATA_ELEMENT].items()}
    units = {ext: code for code, ext in table[MappingKind.ORG_UNIT].items()}
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    for v in values:
        bad = False
        if v.data_element not in elements:
            problems.append(
                Problem(
                    "dataElement",
                    f"数据元“{v.data_element}”在映射表“{system}”中没有对应指标",
                    f"data element {v.data_element!r} is not mapped in {system}",
                    v.row,
                )
            )
            bad = True
        if v.org_unit not in units:
            problems.append(
                Problem(
                    "orgUnit",
                    f"组织机构“{v.org_unit}”在映射表“{system}”中没有对应区划",
                    f"org unit {v.org_unit!r} is not mapped in {system}",
                    v.row,
                )
            )
            bad = True
        if v.category_option_combo or v.attribute_option_combo:
            problems.append(
                Problem(
                    "categoryOptionCombo",
                    "不支持分类选项组合（蓝图的数值没有分解）",
                    "category/attribute option combos are not supported (Lantu values are not disaggregated)",
                    v.row,
                )
            )
            bad = True
        if bad:
            continue
        period = from_adx(v.period) if adx else from_dhis2(v.period)
        rows.append(ImportRow(v.row, elements[v.data_element], units[v.org_unit], period, v.value, "", v.comment))
    return rows, problems


def parse(fmt: str, data: bytes, *, system: str | None = None) -> tuple[list[ImportRow], list[Problem]]:
    """Rows in Lantu's codes, and the problems found, from a payload of one of :data:`IMPORT_FORMATS`."""
    if fmt not in IMPORT_FORMATS:
        raise InvalidInput.one(
            "format", f"格式应为 {'、'.join(IMPORT_FORMATS)}", f"format is one of {', '.join(IMPORT_FORMATS)}"
        )
    if fmt == "sdmx-csv":
        return sdmx.read_csv(data)
    if not system:
        raise InvalidInput.one("system", "DHIS2 格式需要指定映射系统", "DHIS2 formats need a mapping system")
    selectors.mapping(system)  # an unknown system is 404 before the payload is looked at
    values, problems = dhis2.read_adx(data) if fmt == "adx" else dhis2.read_data_value_sets(data)
    rows, mapping_problems = _mapped(values, system, adx=fmt == "adx")
    return rows, sorted(problems + mapping_problems, key=lambda p: (p.row or 0, p.field))


def import_payload(
    actor: Actor,
    fmt: str,
    data: bytes,
    *,
    system: str | None = None,
    dry_run: bool = False,
    source: str = "",
) -> RecordResult:
    """Parse, map and record as drafts; the source names the format (and system) unless given."""
    rows, problems = parse(fmt, data, system=system)
    if problems:
        raise InvalidInput(problems)
    if not rows:
        raise InvalidInput.one("value", "文件中没有任何数值", "the payload has no values")
    entries = [ValueEntry(r.indicator, r.ref_area, r.period, r.value, r.unit, r.comment, r.row) for r in rows]
    label = source or (f"{fmt}:{system}" if system else fmt)
    return record_values(actor, entries, source=label, dry_run=dry_run)
