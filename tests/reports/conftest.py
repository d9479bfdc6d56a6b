"""Fixtures: demo values for 2022–2023 (approved, flagged demo) and the demo city assessment."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lantu.assessment.models import Assessment


@pytest.fixture
def demo_values(system: Any) -> None:
    from lantu.demo import DEMO_SOURCE, demo_entries
    from lantu.monitoring.services import record_values

    rng = random.Random(2019)
    for year in (2022, 2023):
        record_values(system, demo_entries(year, rng), source=DEMO_SOURCE, approved=True, demo=True)


@pytest.fixture
def demo_assessment(demo_values: None, evaluator: Any) -> Assessment:
    from lantu.demo_assessment import ASSESSMENT_CODE, generate_assessment

    generate_assessment([])
    return Assessment.objects.get(code=ASSESSMENT_CODE)
