"""Fixtures: demo values for 2022–2023 and the demo city assessment (as `lantu demo` makes it)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lantu.assessment.models import Assessment


@pytest.fixture
def demo_values(system: Any) -> None:
    """The generated demo values of 2022 and 2023 (approved, flagged demo), as `lantu demo` records them."""
    from lantu.demo import DEMO_SOURCE, demo_entries
    from lantu.monitoring.services import record_values

    rng = random.Random(2019)
    for year in (2022, 2023):
        record_values(system, demo_entries(year, rng), source=DEMO_SOURCE, approved=True, demo=True)


@pytest.fixture
def demo_assessment(demo_values: None, evaluator: Any) -> Assessment:
    from lantu.demo_assessment import ASSESSMENT_CODE, generate_assessment

    notes: list[str] = []
    generate_assessment(notes)
    assert notes
    return Assessment.objects.get(code=ASSESSMENT_CODE)


LIGHT_META = [
    {"code": "I", "name": "指数", "level": 2},
    {"code": "TASKS", "name": "任务", "parent": "I", "level": 1, "source": "tasks:on_time"},
    {"code": "R1", "name": "评分一", "parent": "I", "level": 1, "source": "rubric:R1"},
]
LIGHT_METHOD = "version: 1\nname: 测试\nsteps:\n  - normalise: {method: minmax, low: 0, high: 100}\n"


@pytest.fixture
def light(system: Any, evaluator: Any) -> Assessment:
    """A small city assessment open for scoring (no values needed), with `evaluator` assigned."""
    from decimal import Decimal

    from lantu.assessment.services import (
        AssessmentSpec,
        RubricSpec,
        assign_evaluator,
        create_assessment,
        create_method_version,
        set_status,
    )

    create_method_version(system, "LIGHT", "测试方法", LIGHT_META, LIGHT_METHOD)
    create_assessment(
        system,
        AssessmentSpec(
            code="LIGHT-2023",
            programme_code="DZJ",
            title_zh="测试评估",
            year=2023,
            subject="cities",
            method_code="LIGHT",
            rubric=(RubricSpec("R1", "工作成效", Decimal(10)),),
        ),
    )
    assign_evaluator(system, "LIGHT-2023", "evaluator")
    return set_status(system, "LIGHT-2023", "scoring")
