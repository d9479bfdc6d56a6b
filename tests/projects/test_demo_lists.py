"""Demo projects, policies and the open dataset: generated, labelled, spread over every city, idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.permissions import SystemActor
from lantu.demo_lists import generate_policies, generate_projects
from lantu.policies.models import Policy
from lantu.projects import selectors

pytestmark = pytest.mark.django_db


def test_demo_lists() -> None:
    assert generate_projects() > 20
    assert generate_projects() == 0
    assert generate_policies() == 3
    rows = selectors.rows(selectors.projects().filter(is_demo=True))
    assert all(r.project.name_zh.startswith("示例") for r in rows)
    r = selectors.rollup(rows)
    assert len(r.by_city) == 11
    assert all(0 < (g.rate or 0) < 1 for _, g in r.by_city)
    assert len(selectors.map_points(rows)) == len(rows)
    assert Policy.objects.filter(is_demo=True, status="in_force").count() == 1


def test_demo_dataset_goes_through_review_to_the_catalogue(client: Any) -> None:
    from lantu.demo_lists import generate_datasets
    from lantu.monitoring.services import ValueEntry, record_values
    from lantu.publishing.models import Dataset

    system = SystemActor("system:test")
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal(39300))], approved=True, demo=True)
    assert generate_datasets() == 1
    assert generate_datasets() == 0
    dataset = Dataset.objects.get(code="demo-digital-indicators")
    assert dataset.versions.get().status == "published"
    page = client.get("/data/").content.decode()
    assert "demo-digital-indicators" in page or "数字经济与网络基础设施" in page
    assert "示例数据" in page
