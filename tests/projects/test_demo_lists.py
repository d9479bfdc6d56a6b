"""Demo projects and policies: generated, labelled, spread over every city, idempotent."""

from __future__ import annotations

import pytest

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
