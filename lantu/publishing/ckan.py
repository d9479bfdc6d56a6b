"""The catalogue as CKAN Action API dictionaries (``package_show`` and friends), read-only.

Ids are stable UUIDs derived from the codes, so harvesters see the same id on every run. A
package is a public dataset; its resources are the current version's files; organizations are
the publishing departments.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lantu.orgunits.models import Department
from lantu.publishing.formats import LICENCES, file_stem
from lantu.publishing.selectors import PublicDataset

_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/lantu/lantu/publishing")


def _id(kind: str, code: str) -> str:
    return str(uuid.uuid5(_NS, f"{kind}:{code}"))


def _ckan_time(moment: dt.datetime | None) -> str | None:
    """CKAN's timestamps: naive UTC ISO 8601."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat()


def organization(department: Department, *, count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": _id("org", department.code),
        "name": department.code.lower(),
        "title": department.name_zh,
        "display_name": department.name_zh,
        "description": department.name_en,
        "type": "organization",
        "is_organization": True,
        "state": "active",
        "approval_status": "approved",
    }
    if count is not None:
        found["package_count"] = count
    return found


def package(public: PublicDataset, base: str) -> dict[str, Any]:
    """A CKAN package dict with the fields harvesters read."""
    dataset, version = public.dataset, public.current
    package_id = _id("dataset", dataset.code)
    stem = f"{base}/data/{dataset.code}/v{version.number}"
    resources = [
        {
            "id": _id("resource", f"{dataset.code}/v{version.number}{suffix}"),
            "package_id": package_id,
            "url": stem + suffix,
            "format": fmt,
            "mimetype": media,
            "name": f"{file_stem(version)}{suffix}",
            "description": description,
            "position": position,
            "state": "active",
            "last_modified": _ckan_time(version.published_at),
        }
        for position, (suffix, fmt, media, description) in enumerate(
            (
                (".csv", "CSV", "text/csv", "数据（CSV）"),
                (".json", "JSON", "application/json", "数据（JSON）"),
                ("/datapackage.json", "JSON", "application/json", "Frictionless Data Package"),
            )
        )
    ]
    tags = [{"name": word, "display_name": word, "state": "active"} for word in dataset.keywords_zh]
    tags += [{"name": word, "display_name": word, "state": "active"} for word in dataset.keywords_en]
    extras = {
        "title_en": dataset.title_en,
        "notes_en": dataset.description_en,
        "spatial_coverage": f"{dataset.spatial.code} {dataset.spatial.name_zh}",
        "temporal_start": dataset.period_from,
        "temporal_end": dataset.period_to,
        "frequency": dataset.update_frequency,
        "publisher_name": dataset.publisher.name_zh,
        "version_note": version.note,
        "sha256": version.sha256,
        "dcat_uri": f"{base}/data/{dataset.code}/",
        "is_demo": "true" if public.is_demo else "false",
    }
    return {
        "id": package_id,
        "name": dataset.code,
        "title": dataset.title_zh,
        "notes": dataset.description_zh,
        "url": f"{base}/data/{dataset.code}/",
        "version": str(version.number),
        "license_id": dataset.licence,
        "license_title": LICENCES[dataset.licence][0],
        "license_url": LICENCES[dataset.licence][1],
        "owner_org": _id("org", dataset.publisher.code),
        "organization": organization(dataset.publisher),
        "author": dataset.publisher.name_zh,
        "maintainer": dataset.publisher.name_zh,
        "metadata_created": _ckan_time(public.issued),
        "metadata_modified": _ckan_time(public.modified),
        "private": False,
        "state": "active",
        "type": "dataset",
        "resources": resources,
        "num_resources": len(resources),
        "tags": tags,
        "num_tags": len(tags),
        "groups": [],
        "extras": [{"key": key, "value": value} for key, value in extras.items()],
    }
