"""A published version in its open formats: CSV, JSON and a Frictionless Data Package.

Every format is written from :meth:`DatasetVersion.rows` (the snapshot frozen at approval), so
they all carry the same rows. ``base`` is the site's absolute URL without a trailing slash.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from typing import Any

from lantu.publishing.models import ROW_FIELDS, Dataset, DatasetVersion, Licence

LICENCES: dict[str, tuple[str, str]] = {
    Licence.CC_BY_4: ("Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    Licence.CC0: ("Creative Commons Zero 1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
}

#: Descriptions of the columns (zh / en), shared by the Data Package schema and the pages.
FIELD_DOCS: dict[str, tuple[str, str, str]] = {
    # name: (type, Chinese, English)
    "indicator_code": ("string", "指标代码", "indicator code"),
    "indicator_name": ("string", "指标名称", "indicator name (Chinese)"),
    "org_unit_code": ("string", "行政区划代码（GB/T 2260）", "administrative division code (GB/T 2260)"),
    "org_unit_key": ("string", "区划记录标识（代码@生效日期）", "division record key (code@valid-from)"),
    "org_unit_name": ("string", "行政区划名称", "division name (Chinese)"),
    "period": ("string", "报告期（2022、2022Q1、2022-03）", "period (2022, 2022Q1, 2022-03)"),
    "value": ("number", "数据值，单位见 unit_of_measure", "value, in the unit given by unit_of_measure"),
    "unit_of_measure": ("string", "计量单位", "unit of measure"),
    "approval_status": ("string", "审核状态", "approval status"),
    "origin": ("string", "来源：reported 填报、aggregate 汇总、computed 公式", "reported, aggregate or computed"),
    "is_demo": ("boolean", "是否示例数据", "demo data (not statistics)"),
}
PRIMARY_KEY = ["indicator_code", "org_unit_key", "period"]


def file_stem(version: DatasetVersion) -> str:
    return f"{version.dataset.code}-v{version.number}"


def csv_bytes(version: DatasetVersion) -> bytes:
    """The rows as UTF-8 CSV with a header; booleans as ``true``/``false``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROW_FIELDS)
    for row in version.rows():
        writer.writerow(["true" if row[f] is True else "false" if row[f] is False else row[f] for f in ROW_FIELDS])
    return out.getvalue().encode("utf-8")


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def json_document(dataset: Dataset, version: DatasetVersion) -> dict[str, Any]:
    """The version as one JSON document: metadata, then the rows (values as exact decimal strings)."""
    rows = version.rows()
    return {
        "dataset": dataset.code,
        "version": version.number,
        "title_zh": dataset.title_zh,
        "title_en": dataset.title_en,
        "publisher": dataset.publisher.name_zh,
        "licence": dataset.licence,
        "published_at": _iso(version.published_at),
        "note": version.note,
        "sha256": version.sha256,
        "is_demo": any(r.get("is_demo") for r in rows),
        "fields": list(ROW_FIELDS),
        "rows": rows,
    }


def _units(version: DatasetVersion) -> str:
    seen: dict[str, str] = {}
    for row in version.rows():
        seen.setdefault(row["indicator_code"], row["unit_of_measure"])
    return "; ".join(f"{code}: {unit}" for code, unit in seen.items())


def datapackage(dataset: Dataset, version: DatasetVersion, base: str) -> dict[str, Any]:
    """A Frictionless Tabular Data Package whose one resource is ``data.csv`` beside it."""
    data = csv_bytes(version)
    title, url = LICENCES[dataset.licence]
    fields = []
    for name in ROW_FIELDS:
        kind, zh, en = FIELD_DOCS[name]
        entry: dict[str, Any] = {"name": name, "type": kind, "title": zh, "description": f"{zh} / {en}"}
        if name == "value":
            entry["description"] += f" ({_units(version)})"
        if name in PRIMARY_KEY or name == "value":
            entry["constraints"] = {"required": True}
        fields.append(entry)
    return {
        "profile": "tabular-data-package",
        "name": file_stem(version),
        "title": f"{dataset.title_zh} / {dataset.title_en}",
        "description": dataset.description_en or dataset.description_zh,
        "version": str(version.number),
        "homepage": f"{base}/data/{dataset.code}/",
        "created": _iso(version.published_at),
        "keywords": [*dataset.keywords_zh, *dataset.keywords_en],
        "licenses": [{"name": dataset.licence, "title": title, "path": url}],
        "sources": [{"title": dataset.publisher.name_zh}],
        "resources": [
            {
                "name": "data",
                "path": "data.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "bytes": len(data),
                "hash": f"sha256:{hashlib.sha256(data).hexdigest()}",
                "schema": {"fields": fields, "primaryKey": PRIMARY_KEY, "missingValues": [""]},
            }
        ],
    }
