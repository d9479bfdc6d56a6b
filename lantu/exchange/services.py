"""Writing mapping tables (the only writes of the exchange app; values go through ``record_values``)."""

from __future__ import annotations

import csv
import io

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, Problem, audit, service
from lantu.exchange.models import ExchangeMapping, MappingKind
from lantu.framework.models import Indicator
from lantu.orgunits.models import OrgUnit

_TRUE = {"", "1", "true", "yes", "y", "是"}
_FALSE = {"0", "false", "no", "n", "否"}


@service("framework.manage")
def load_mappings(actor: Actor, system: str, data: bytes) -> int:
    """Load a mapping CSV (``kind,lantu_code,external_code[,active]``) for one system; all or nothing.

    Rows update the mapping of the same system, kind and Lantu code or add one; mappings not in
    the file stay as they are. Returns the number of rows loaded.
    """
    system = system.strip()
    if not system:
        raise InvalidInput.one("system", "请填写外部系统名称", "the system name is required")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput.one("file", "映射表应为 UTF-8 编码的 CSV", "the mapping table must be UTF-8 CSV") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("kind", "lantu_code", "external_code") if c not in header]
    if missing:
        raise InvalidInput.one(
            "file", f"映射表缺少列 {', '.join(missing)}", f"the mapping table lacks column(s) {', '.join(missing)}"
        )
    problems: list[Problem] = []
    rows: list[tuple[dict[str, str], int]] = []
    try:
        for n, r in enumerate(reader, start=2):
            surplus = r.pop(None, None) or []  # DictReader files surplus cells under None
            if any(str(cell).strip() for cell in surplus):
                problems.append(
                    Problem("file", "该行的单元格比表头多", "the row has more cells than the header has columns", n)
                )
                continue
            rows.append(({(k or "").strip(): (v or "").strip() for k, v in r.items()}, n))
    except csv.Error as exc:
        raise InvalidInput.one("file", f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", reader.line_num) from None
    indicators = set(Indicator.objects.values_list("code", flat=True))
    units = set(OrgUnit.objects.values_list("code", flat=True))
    seen_lantu: dict[tuple[str, str], int] = {}
    seen_external: dict[tuple[str, str], int] = {}
    clean: list[tuple[str, str, str, bool]] = []
    for row, line in rows:
        kind, code, external, active_text = row["kind"], row["lantu_code"], row["external_code"], row.get("active", "")
        if kind not in MappingKind.values:
            problems.append(
                Problem(
                    "kind", f"类别应为 {' 或 '.join(MappingKind.values)}", f"kind is one of {MappingKind.values}", line
                )
            )
            continue
        known = indicators if kind == MappingKind.DATA_ELEMENT else units
        if code not in known:
            problems.append(Problem("lantu_code", f"未知蓝图代码“{code}”", f"unknown Lantu code {code!r}", line))
            continue
        if not external or len(external) > 64:
            problems.append(Problem("external_code", "外部标识为空或过长", "external code empty or too long", line))
            continue
        if active_text.lower() not in _TRUE | _FALSE:
            problems.append(Problem("active", "active 应为 true 或 false", "active is true or false", line))
            continue
        active = active_text.lower() in _TRUE
        for seen, key, zh in ((seen_lantu, (kind, code), "蓝图代码"), (seen_external, (kind, external), "外部标识")):
            if key in seen and (active or seen is seen_lantu):
                problems.append(
                    Problem("lantu_code", f"{zh}与第 {seen[key]} 行重复", f"duplicates line {seen[key]}", line)
                )
                break
        else:
            seen_lantu[(kind, code)] = line
            if active:
                seen_external[(kind, external)] = line
            clean.append((kind, code, external, active))
    if problems:
        raise InvalidInput(problems)
    if not clean:
        raise InvalidInput.one("file", "映射表没有任何行", "the mapping table has no rows")
    # Deactivate first, so that swapping two identifiers does not trip the uniqueness of active ones.
    existing = {(m.kind, m.lantu_code): m for m in ExchangeMapping.objects.filter(system=system)}
    ExchangeMapping.objects.filter(pk__in=[existing[(k, c)].pk for k, c, _e, _a in clean if (k, c) in existing]).update(
        active=False
    )
    others = ExchangeMapping.objects.filter(system=system, active=True).exclude(
        pk__in=[existing[(k, c)].pk for k, c, _e, _a in clean if (k, c) in existing]
    )
    taken = {(m.kind, m.external_code): m.lantu_code for m in others}
    for kind, _code, external, active in clean:
        if active and (kind, external) in taken:
            problems.append(
                Problem(
                    "external_code",
                    f"外部标识“{external}”已映射到“{taken[(kind, external)]}”",
                    f"external code {external!r} is already mapped to {taken[(kind, external)]!r}",
                )
            )
    if problems:
        raise InvalidInput(problems)
    last: ExchangeMapping | None = None
    for kind, code, external, active in clean:
        last, _created = ExchangeMapping.objects.update_or_create(
            system=system, kind=kind, lantu_code=code, defaults={"external_code": external, "active": active}
        )
    assert last is not None
    audit(actor, "exchange.mappings.load", last, after={"system": system, "rows": len(clean)})
    return len(clean)
