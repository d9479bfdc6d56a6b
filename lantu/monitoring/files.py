"""Values in files: CSV long format and Excel templates, in and out.

Parsing and writing are the pure :mod:`lantu.core.tabular`; this module connects them to
rounds, units and the one service that records values, so a file upload, the CLI and the
web page all import the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lantu.accounts.permissions import Actor, scope_queryset
from lantu.accounts.service import InvalidInput, NotFound
from lantu.core import tabular
from lantu.core.periods import parse_period
from lantu.monitoring.entries import ValueEntry
from lantu.monitoring.models import Basis, DataValue, ReportingRound, RoundKind, ValueState
from lantu.monitoring.services.values import RecordResult, record_values
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import unit_on

_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ParsedFile:
    """Entries read from a file, and the round an Excel template names."""

    entries: list[ValueEntry]
    round_code: str | None
    kind: str  # "csv" or "xlsx"


def parse_file(name: str, data: bytes) -> ParsedFile:
    """Read a CSV (long format) or a filled Excel template; every problem by row and column."""
    if data.startswith(_ZIP_MAGIC) or name.lower().endswith((".xlsx", ".xls")):
        upload = tabular.read_template(data)
        rows = [r for r in upload.rows if r.org_unit == upload.org_unit]
        entries = [ValueEntry(r.indicator, r.org_unit, r.period, r.value, r.unit, r.comment, r.row) for r in rows]
        return ParsedFile(entries, upload.round_key, "xlsx")
    rows = tabular.read_values_csv(data)
    return ParsedFile(
        [ValueEntry(r.indicator, r.org_unit, r.period, r.value, r.unit, r.comment, r.row) for r in rows], None, "csv"
    )


def import_file(
    actor: Actor,
    name: str,
    data: bytes,
    *,
    round_code: str | None = None,
    dry_run: bool = False,
    source: str = "",
    approved: bool = False,
    demo: bool = False,
) -> RecordResult:
    """Parse a file and record its values through ``record_values`` (all or nothing)."""
    parsed = parse_file(name, data)
    if parsed.round_code and round_code and parsed.round_code != round_code:
        raise InvalidInput.one(
            "round", f"模板属于填报任务“{parsed.round_code}”，不是“{round_code}”", "the template is for another round"
        )
    if not parsed.entries:
        raise InvalidInput.one("value", "文件中没有填写任何数值", "the file has no values")
    return record_values(
        actor,
        parsed.entries,
        round_code=round_code or parsed.round_code,
        dry_run=dry_run,
        source=source or name,
        approved=approved,
        demo=demo,
    )


def _round_unit(round_code: str, org_unit_code: str) -> tuple[ReportingRound, OrgUnit]:
    rnd = ReportingRound.objects.filter(code=round_code).first()
    if rnd is None:
        raise NotFound("填报任务", round_code)
    end = parse_period(rnd.period).end
    unit = unit_on(org_unit_code, end)
    if unit is None:
        raise NotFound("行政区划", org_unit_code)
    if rnd.kind == RoundKind.UNITS and not rnd.org_units.filter(pk=unit.pk).exists():
        # A template for a unit outside the round could never be uploaded.
        raise NotFound("填报单位", org_unit_code)
    return rnd, unit


def template(round_code: str, org_unit_code: str) -> bytes:
    """The Excel template of one unit in one round, with the values entered so far."""
    rnd, unit = _round_unit(round_code, org_unit_code)
    indicators = list(rnd.indicators.order_by("order", "code"))
    states = {
        s.indicator_id: s
        for s in ValueState.objects.filter(org_unit=unit, period=rnd.period, indicator__in=indicators).select_related(
            "current"
        )
    }
    lines = [
        tabular.TemplateLine(
            indicator=i.code,
            name_zh=i.name_zh,
            unit=i.unit,
            period=rnd.period,
            current=states[i.pk].current.value if i.pk in states else None,
            comment=states[i.pk].current.comment if i.pk in states else "",
        )
        for i in indicators
    ]
    demo = any(s.current.is_demo for s in states.values())
    spec = tabular.TemplateSpec(rnd.code, rnd.title_zh, unit.code, unit.name_zh, lines, demo=demo)
    return tabular.build_template(spec)


def export_csv(
    actor: Actor,
    *,
    indicators: Iterable[str] = (),
    period: str | None = None,
    basis: str = Basis.APPROVED,
) -> bytes:
    """Values the actor may read, in the long CSV format that imports back unchanged.

    Demo values are marked in the comment column ("示例数据 / demo data").
    """
    states = scope_queryset(
        ValueState.objects.select_related("indicator", "org_unit", "current", "approved"),
        actor,
        "values.read",
        department_field="indicator__department",
    )
    codes = list(indicators)
    if codes:
        states = states.filter(indicator__code__in=codes)
    if period:
        states = states.filter(period=period)
    records: list[tabular.CsvRecord] = []
    for state in states.order_by("indicator__code", "org_unit__code", "period"):
        version: DataValue | None = state.approved if basis == Basis.APPROVED else state.current
        if version is None:
            continue
        comment = version.comment
        if version.is_demo:
            comment = f"示例数据 / demo data{'；' + comment if comment else ''}"
        records.append(
            (state.indicator.code, state.org_unit.code, state.period, version.value, state.indicator.unit, comment)
        )
    return tabular.write_values_csv(records)
