"""DHIS2 exchange formats: ``dataValueSets`` JSON and ADX XML (IHE QRPH ADX, ``urn:ihe:qrph:adx:2015``).

Values here carry DHIS2's own identifiers (data element and org unit UIDs or codes) and periods;
mapping them to Lantu codes is the caller's business (a mapping table). Periods in dataValueSets
use DHIS2's forms (2023, 2023Q1, 202301); ADX uses ISO 8601 start/duration (2023-01-01/P1Y).
"""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lantu.core.exchange import FormatError, number_text, parse_number, parse_xml
from lantu.core.problems import Problem

ADX_NS = "urn:ihe:qrph:adx:2015"
ET.register_namespace("", ADX_NS)
ADX_MEDIA_TYPE = "application/adx+xml"
JSON_MEDIA_TYPE = "application/json"


@dataclass(frozen=True)
class DhisValue:
    """One DHIS2 data value (the file's identifiers); ``row`` is its position (1-based) in the file."""

    data_element: str
    period: str
    org_unit: str
    value: Decimal
    comment: str = ""
    category_option_combo: str = ""
    attribute_option_combo: str = ""
    row: int = 0


def write_data_value_sets(values: Sequence[DhisValue], *, data_set: str = "") -> bytes:
    """``{"dataSet"?: …, "dataValues": [{"dataElement", "period", "orgUnit", "value", "comment"?, …}]}``."""
    items: list[dict[str, str]] = []
    for v in values:
        item = {"dataElement": v.data_element, "period": v.period, "orgUnit": v.org_unit, "value": number_text(v.value)}
        if v.category_option_combo:
            item["categoryOptionCombo"] = v.category_option_combo
        if v.attribute_option_combo:
            item["attributeOptionCombo"] = v.attribute_option_combo
        if v.comment:
            item["comment"] = v.comment
        items.append(item)
    body: dict[str, Any] = {"dataSet": data_set} if data_set else {}
    body["dataValues"] = items
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


_DV_KEYS = {
    "dataElement",
    "period",
    "orgUnit",
    "value",
    "comment",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "storedBy",
    "created",
    "lastUpdated",
    "followup",
    "followUp",
    "deleted",
}


def read_data_value_sets(data: bytes) -> tuple[list[DhisValue], list[Problem]]:
    """Read a dataValueSets JSON document; a non-JSON body or a wrong shape raises :class:`FormatError`."""
    try:
        body = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"不是有效的 JSON：{exc}", f"not valid JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("dataValues"), list):
        raise FormatError(
            "dataValueSets 应为带有 dataValues 数组的 JSON 对象",
            "dataValueSets must be an object with a dataValues array",
        )
    default_period = body.get("period", "")
    default_unit = body.get("orgUnit", "")
    values: list[DhisValue] = []
    problems: list[Problem] = []
    for row, item in enumerate(body["dataValues"], start=1):
        if not isinstance(item, dict):
            problems.append(Problem("dataValues", "每个数据值应为 JSON 对象", "each data value must be an object", row))
            continue
        unknown = sorted(set(item) - _DV_KEYS)
        if unknown:
            problems.append(
                Problem("dataValues", f"未知字段 {', '.join(unknown)}", f"unknown field(s) {', '.join(unknown)}", row)
            )
            continue
        if item.get("deleted") is True:
            problems.append(Problem("deleted", "不支持删除数据值", "deleting values is not supported", row))
            continue
        fields = {
            k: item.get(k, d) for k, d in (("dataElement", ""), ("period", default_period), ("orgUnit", default_unit))
        }
        missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
        if missing:
            problems.append(Problem(missing[0], f"缺少 {', '.join(missing)}", f"missing {', '.join(missing)}", row))
            continue
        raw = item.get("value")
        if not isinstance(raw, (str, int, float)) or isinstance(raw, bool):
            problems.append(Problem("value", "缺少数值或数值不是数字", "value missing or not a number", row))
            continue
        value, problem = parse_number(str(raw), row)
        if problem is not None or value is None:
            problems.append(problem or Problem("value", "缺少数值", "no value", row))
            continue
        comment = item.get("comment") or ""
        values.append(
            DhisValue(
                data_element=str(fields["dataElement"]).strip(),
                period=str(fields["period"]).strip(),
                org_unit=str(fields["orgUnit"]).strip(),
                value=value,
                comment=comment if isinstance(comment, str) else str(comment),
                category_option_combo=str(item.get("categoryOptionCombo") or ""),
                attribute_option_combo=str(item.get("attributeOptionCombo") or ""),
                row=row,
            )
        )
    return values, problems


def write_adx(values: Sequence[DhisValue], *, data_set: str, exported: dt.datetime) -> bytes:
    """ADX: one ``<group orgUnit period dataSet>`` per org unit and period; periods must be ADX already."""
    root = ET.Element(f"{{{ADX_NS}}}adx", {"exported": exported.replace(microsecond=0).isoformat()})
    groups: dict[tuple[str, str], list[DhisValue]] = {}
    for v in values:
        groups.setdefault((v.org_unit, v.period), []).append(v)
    for (org_unit, period), items in sorted(groups.items()):
        group = ET.SubElement(root, f"{{{ADX_NS}}}group", {"orgUnit": org_unit, "period": period, "dataSet": data_set})
        for v in items:
            attrs = {"dataElement": v.data_element, "value": number_text(v.value)}
            if v.comment:
                attrs["comment"] = v.comment
            ET.SubElement(group, f"{{{ADX_NS}}}dataValue", attrs)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def read_adx(data: bytes) -> tuple[list[DhisValue], list[Problem]]:
    """Read ADX; rows count the ``dataValue`` elements in document order (1-based)."""
    root = parse_xml(data, "ADX")
    if root.tag != f"{{{ADX_NS}}}adx":
        raise FormatError(f"根元素应为 {{{ADX_NS}}}adx", f"the root element must be adx in namespace {ADX_NS}")
    values: list[DhisValue] = []
    problems: list[Problem] = []
    row = 0
    for group in root:
        if group.tag != f"{{{ADX_NS}}}group":
            raise FormatError(f"未知元素 {group.tag}", f"unexpected element {group.tag}")
        org_unit, period = group.get("orgUnit", "").strip(), group.get("period", "").strip()
        for item in group:
            if item.tag != f"{{{ADX_NS}}}dataValue":
                raise FormatError(f"未知元素 {item.tag}", f"unexpected element {item.tag}")
            row += 1
            if not org_unit or not period:
                problems.append(Problem("group", "group 缺少 orgUnit 或 period", "group lacks orgUnit or period", row))
                continue
            element = item.get("dataElement", "").strip()
            if not element:
                problems.append(Problem("dataElement", "缺少 dataElement", "missing dataElement", row))
                continue
            value, problem = parse_number(item.get("value", ""), row)
            if problem is not None or value is None:
                problems.append(problem or Problem("value", "缺少数值", "no value", row))
                continue
            values.append(DhisValue(element, period, org_unit, value, item.get("comment", ""), row=row))
    return values, problems
