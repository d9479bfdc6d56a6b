"""The Frictionless Data Package of a version passes `frictionless validate`."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless
import pytest
from django.test import Client

from lantu.publishing.models import Dataset
from tests.publishing.conftest import CODE, PublishFn

pytestmark = pytest.mark.django_db


def _download(client: Client, tmp_path: Path) -> Path:
    package = client.get(f"/data/{CODE}/v1/datapackage.json")
    assert package.status_code == 200
    data = client.get(f"/data/{CODE}/v1/data.csv")
    assert data.status_code == 200
    assert data.content == client.get(f"/data/{CODE}/v1.csv").content
    (tmp_path / "datapackage.json").write_bytes(package.content)
    (tmp_path / "data.csv").write_bytes(data.content)
    return tmp_path / "datapackage.json"


def test_the_data_package_is_valid(dataset: Dataset, publish: PublishFn, client: Client, tmp_path: Path) -> None:
    publish()
    path = _download(client, tmp_path)
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["type", "note"])
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    schema = descriptor["resources"][0]["schema"]
    assert schema["primaryKey"] == ["indicator_code", "org_unit_key", "period"]
    value = next(f for f in schema["fields"] if f["name"] == "value")
    assert value["type"] == "number"
    assert "DE_TOTAL: 亿元" in value["description"]


def test_a_tampered_file_fails_validation(dataset: Dataset, publish: PublishFn, client: Client, tmp_path: Path) -> None:
    """The check can fail: a changed value breaks the declared hash; a duplicate row breaks the key."""
    publish()
    path = _download(client, tmp_path)
    csv = (tmp_path / "data.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "data.csv").write_text("\n".join([*csv, csv[1]]) + "\n", encoding="utf-8")
    report = frictionless.validate(str(path))
    assert not report.valid
    types = {error[0] for error in report.flatten(["type"])}
    assert "primary-key" in types or "hash-count" in types
