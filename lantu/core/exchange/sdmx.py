"""SDMX 2.1 for Lantu's values: the data structure definition, SDMX-ML data, SDMX-CSV 2.0 in and out.

The DSD ``LANTU:DSD_LANTU(1.0)`` has the dimensions INDICATOR (the programme's indicator codes),
REF_AREA (GB/T 2260 codes) and TIME_PERIOD; the primary measure OBS_VALUE; the attributes
UNIT_MEASURE (the indicator's unit, uncoded text), OBS_STATUS (``A`` approved / ``P`` preliminary,
the codes of SDMX's cross-domain CL_OBS_STATUS) and COMMENT. Data are SDMX-ML 2.1 *GenericData*
(self-describing) and SDMX-CSV **2.0** (``STRUCTURE,STRUCTURE_ID,ACTION,…``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from lantu.core.exchange import FormatError, ImportRow, Observation, number_text, parse_number
from lantu.core.exchange.periods import from_sdmx, to_sdmx
from lantu.core.problems import Problem

AGENCY = "LANTU"
VERSION = "1.0"
DSD_ID = "DSD_LANTU"
DATAFLOW_ID = "DF_LANTU"
STRUCTURE_ID = f"{AGENCY}:{DATAFLOW_ID}({VERSION})"
STATUS_CODES = {"approved": "A", "preliminary": "P"}
DIMENSIONS = ("INDICATOR", "REF_AREA", "TIME_PERIOD")
ATTRIBUTES = ("UNIT_MEASURE", "OBS_STATUS", "COMMENT")
CSV_HEADER = ["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "OBS_VALUE", *ATTRIBUTES]
STRUCTURE_MEDIA_TYPE = "application/vnd.sdmx.structure+xml;version=2.1"
GENERIC_MEDIA_TYPE = "application/vnd.sdmx.genericdata+xml;version=2.1"
CSV_MEDIA_TYPE = "application/vnd.sdmx.data+csv;version=2.0.0"

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
    "gen": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


@dataclass(frozen=True)
class Code:
    """One code of a codelist, with its names."""

    id: str
    name_zh: str
    name_en: str = ""


def _sub(parent: ET.Element, prefix: str, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _q(prefix, tag), attrs)
    if text is not None:
        element.text = text
    return element


def _names(parent: ET.Element, zh: str, en: str) -> None:
    _sub(parent, "com", "Name", zh, **{_XML_LANG: "zh"})
    if en:
        _sub(parent, "com", "Name", en, **{_XML_LANG: "en"})


def _header(root: ET.Element, message_id: str, prepared: dt.datetime) -> ET.Element:
    header = _sub(root, "mes", "Header")
    _sub(header, "mes", "ID", message_id)
    _sub(header, "mes", "Test", "false")
    _sub(header, "mes", "Prepared", prepared.replace(microsecond=0).isoformat())
    _sub(header, "mes", "Sender", id=AGENCY)
    return header


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _ref(parent: ET.Element, **attrs: str) -> None:
    ET.SubElement(parent, "Ref", attrs)  # SDMX 2.1 references are unqualified <Ref> elements


def _concept_ref(parent: ET.Element, concept: str) -> None:
    identity = _sub(parent, "str", "ConceptIdentity")
    _ref(identity, id=concept, maintainableParentID="CS_LANTU", maintainableParentVersion=VERSION, agencyID=AGENCY)
    identity[0].set("package", "conceptscheme")
    identity[0].set("class", "Concept")


def _enumeration(parent: ET.Element, codelist: str) -> None:
    rep = _sub(parent, "str", "LocalRepresentation")
    enum = _sub(rep, "str", "Enumeration")
    _ref(enum, id=codelist, version=VERSION, agencyID=AGENCY, package="codelist", **{"class": "Codelist"})


def _text_format(parent: ET.Element, text_type: str) -> None:
    rep = _sub(parent, "str", "LocalRepresentation")
    _sub(rep, "str", "TextFormat", textType=text_type)


_CONCEPTS = {
    "INDICATOR": ("指标", "Indicator"),
    "REF_AREA": ("行政区划（GB/T 2260）", "Reference area (GB/T 2260)"),
    "TIME_PERIOD": ("报告期", "Time period"),
    "OBS_VALUE": ("数值", "Observation value"),
    "UNIT_MEASURE": ("计量单位", "Unit of measure"),
    "OBS_STATUS": ("数据状态", "Observation status"),
    "COMMENT": ("说明", "Comment"),
}


def structure_message(
    indicators: Sequence[Code], areas: Sequence[Code], *, prepared: dt.datetime, dataflow_name: str = ""
) -> bytes:
    """The SDMX-ML 2.1 Structure message: codelists, concepts, the DSD and its dataflow."""
    root = ET.Element(_q("mes", "Structure"))
    _header(root, "LANTU_STRUCTURE", prepared)
    structures = _sub(root, "mes", "Structures")
    urn = "urn:sdmx:org.sdmx.infomodel"

    codelists = _sub(structures, "str", "Codelists")
    for cl_id, zh, en, codes in (
        ("CL_INDICATOR", "指标代码", "Indicators", indicators),
        ("CL_AREA", "行政区划代码（GB/T 2260）", "Administrative divisions (GB/T 2260)", areas),
        (
            "CL_OBS_STATUS",
            "数据状态",
            "Observation status",
            [Code("A", "已审核", "Normal value (approved)"), Code("P", "初步数据（未审核）", "Provisional value")],
        ),
    ):
        cl = _sub(
            codelists,
            "str",
            "Codelist",
            id=cl_id,
            agencyID=AGENCY,
            version=VERSION,
            urn=f"{urn}.codelist.Codelist={AGENCY}:{cl_id}({VERSION})",
        )
        _names(cl, zh, en)
        for code in codes:
            item = _sub(cl, "str", "Code", id=code.id, urn=f"{urn}.codelist.Code={AGENCY}:{cl_id}({VERSION}).{code.id}")
            _names(item, code.name_zh, code.name_en)

    schemes = _sub(structures, "str", "Concepts")
    scheme = _sub(schemes, "str", "ConceptScheme", id="CS_LANTU", agencyID=AGENCY, version=VERSION)
    _names(scheme, "蓝图数据概念", "Lantu concepts")
    for concept_id, (zh, en) in _CONCEPTS.items():
        concept = _sub(scheme, "str", "Concept", id=concept_id)
        _names(concept, zh, en)

    dsds = _sub(structures, "str", "DataStructures")
    dsd = _sub(dsds, "str", "DataStructure", id=DSD_ID, agencyID=AGENCY, version=VERSION)
    _names(dsd, "蓝图指标数据", "Lantu indicator values")
    components = _sub(dsd, "str", "DataStructureComponents")
    dims = _sub(components, "str", "DimensionList", id="DimensionDescriptor")
    for position, (dim_id, codelist) in enumerate((("INDICATOR", "CL_INDICATOR"), ("REF_AREA", "CL_AREA")), start=1):
        dim = _sub(dims, "str", "Dimension", id=dim_id, position=str(position))
        _concept_ref(dim, dim_id)
        _enumeration(dim, codelist)
    time = _sub(dims, "str", "TimeDimension", id="TIME_PERIOD", position="3")
    _concept_ref(time, "TIME_PERIOD")
    _text_format(time, "ObservationalTimePeriod")
    attrs = _sub(components, "str", "AttributeList", id="AttributeDescriptor")
    for attr_id, status in (("UNIT_MEASURE", "Mandatory"), ("OBS_STATUS", "Mandatory"), ("COMMENT", "Conditional")):
        attr = _sub(attrs, "str", "Attribute", id=attr_id, assignmentStatus=status)
        _concept_ref(attr, attr_id)
        if attr_id == "OBS_STATUS":
            _enumeration(attr, "CL_OBS_STATUS")
        else:
            _text_format(attr, "String")
        relation = _sub(attr, "str", "AttributeRelationship")
        measure = _sub(relation, "str", "PrimaryMeasure")
        _ref(measure, id="OBS_VALUE")
    measures = _sub(components, "str", "MeasureList", id="MeasureDescriptor")
    primary = _sub(measures, "str", "PrimaryMeasure", id="OBS_VALUE")
    _concept_ref(primary, "OBS_VALUE")

    flows = _sub(structures, "str", "Dataflows")
    flow = _sub(flows, "str", "Dataflow", id=DATAFLOW_ID, agencyID=AGENCY, version=VERSION)
    _names(flow, dataflow_name or "蓝图指标数据", "Lantu indicator values")
    structure = _sub(flow, "str", "Structure")
    _ref(structure, id=DSD_ID, version=VERSION, agencyID=AGENCY, package="datastructure", **{"class": "DataStructure"})
    return _serialise(root)


def generic_data_message(observations: Sequence[Observation], *, prepared: dt.datetime) -> bytes:
    """SDMX-ML 2.1 GenericData, one series per indicator × area, observations by TIME_PERIOD."""
    root = ET.Element(_q("mes", "GenericData"))
    header = _header(root, "LANTU_DATA", prepared)
    structure = _sub(header, "mes", "Structure", structureID=DSD_ID, dimensionAtObservation="TIME_PERIOD")
    inner = _sub(structure, "com", "Structure")
    _ref(inner, id=DSD_ID, version=VERSION, agencyID=AGENCY)
    dataset = _sub(root, "mes", "DataSet", structureRef=DSD_ID, action="Information")
    series: dict[tuple[str, str], list[Observation]] = {}
    for obs in observations:
        series.setdefault((obs.indicator, obs.ref_area), []).append(obs)
    for (indicator, area), items in sorted(series.items()):
        element = _sub(dataset, "gen", "Series")
        key = _sub(element, "gen", "SeriesKey")
        _sub(key, "gen", "Value", id="INDICATOR", value=indicator)
        _sub(key, "gen", "Value", id="REF_AREA", value=area)
        for obs in sorted(items, key=lambda o: o.period):
            item = _sub(element, "gen", "Obs")
            _sub(item, "gen", "ObsDimension", value=to_sdmx(obs.period))
            _sub(item, "gen", "ObsValue", value=number_text(obs.value))
            attributes = _sub(item, "gen", "Attributes")
            _sub(attributes, "gen", "Value", id="UNIT_MEASURE", value=obs.unit)
            _sub(attributes, "gen", "Value", id="OBS_STATUS", value=STATUS_CODES[obs.status])
            if obs.comment:
                _sub(attributes, "gen", "Value", id="COMMENT", value=obs.comment)
    return _serialise(root)


def write_csv(observations: Sequence[Observation]) -> bytes:
    """SDMX-CSV 2.0.0: one row per observation, ``STRUCTURE=dataflow``, action ``I`` (information)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for obs in observations:
        writer.writerow(
            [
                "dataflow",
                STRUCTURE_ID,
                "I",
                obs.indicator,
                obs.ref_area,
                to_sdmx(obs.period),
                number_text(obs.value),
                obs.unit,
                STATUS_CODES[obs.status],
                obs.comment,
            ]
        )
    return out.getvalue().encode("utf-8")


_REQUIRED = ("STRUCTURE", "STRUCTURE_ID", *DIMENSIONS, "OBS_VALUE")


def read_csv(data: bytes) -> tuple[list[ImportRow], list[Problem]]:
    """Read SDMX-CSV 2.0.0 (or 1.0: ``DATAFLOW`` first) of Lantu's DSD; rows are numbered as lines (header = 1).

    Raises :class:`FormatError` when the file is not SDMX-CSV of this structure.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError("SDMX-CSV 文件应为 UTF-8 编码", "SDMX-CSV must be UTF-8") from exc
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise FormatError("SDMX-CSV 文件为空或无法读取", "the SDMX-CSV file is empty or unreadable") from exc
    # SDMX-CSV 1.0 has DATAFLOW first and no STRUCTURE_ID; columns may carry ": label" suffixes.
    header = [h.split(": ", 1)[0] for h in header]
    version1 = bool(header) and header[0] == "DATAFLOW"
    required = ("DATAFLOW", *DIMENSIONS, "OBS_VALUE") if version1 else _REQUIRED
    missing = [column for column in required if column not in header]
    if missing:
        raise FormatError(
            f"不是本系统结构的 SDMX-CSV：缺少列 {', '.join(missing)}",
            f"not SDMX-CSV of Lantu's structure: missing column(s) {', '.join(missing)}",
        )
    col = {name: header.index(name) for name in header}
    rows: list[ImportRow] = []
    problems: list[Problem] = []
    try:
        records = list(reader)
    except csv.Error as exc:
        raise FormatError(f"SDMX-CSV 无法解析：{exc}", f"SDMX-CSV cannot be parsed: {exc}") from exc
    for line, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(
                Problem(
                    "",
                    f"该行有 {len(record)} 列，表头有 {len(header)} 列",
                    f"{len(record)} fields, header has {len(header)}",
                    line,
                )
            )
            continue

        def get(name: str, record: list[str] = record) -> str:
            return record[col[name]].strip() if name in col else ""

        flow = get("DATAFLOW") if version1 else get("STRUCTURE_ID")
        if not version1 and get("STRUCTURE").lower() not in {"dataflow", "datastructure"}:
            problems.append(
                Problem(
                    "STRUCTURE",
                    "STRUCTURE 应为 dataflow 或 datastructure",
                    "STRUCTURE must be dataflow or datastructure",
                    line,
                )
            )
            continue
        if flow not in {STRUCTURE_ID, f"{AGENCY}:{DSD_ID}({VERSION})"}:
            problems.append(
                Problem(
                    "STRUCTURE_ID",
                    f"未知数据结构“{flow}”（应为 {STRUCTURE_ID}）",
                    f"unknown structure {flow!r} (expected {STRUCTURE_ID})",
                    line,
                )
            )
            continue
        if get("ACTION") not in {"", "I", "A", "R"}:
            problems.append(
                Problem(
                    "ACTION",
                    "只接受 I、A、R（不支持删除）",
                    "only actions I, A and R are accepted (no deletions)",
                    line,
                )
            )
            continue
        status = get("OBS_STATUS")
        if status not in {"", *STATUS_CODES.values()}:
            problems.append(
                Problem(
                    "OBS_STATUS",
                    f"未知数据状态“{status}”（应为 A 或 P）",
                    f"unknown OBS_STATUS {status!r} (A or P)",
                    line,
                )
            )
            continue
        value, problem = parse_number(get("OBS_VALUE"), line, "OBS_VALUE")
        if problem is not None or value is None:
            problems.append(problem or Problem("OBS_VALUE", "缺少数值", "no value", line))
            continue
        rows.append(
            ImportRow(
                row=line,
                indicator=get("INDICATOR"),
                ref_area=get("REF_AREA"),
                period=from_sdmx(get("TIME_PERIOD")),
                value=value,
                unit=get("UNIT_MEASURE"),
                comment=get("COMMENT"),
            )
        )
    return rows, problems
