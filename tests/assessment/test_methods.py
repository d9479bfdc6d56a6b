"""Method versions: checked framework and method, errors naming the code and the rule, versions and hashes."""

from __future__ import annotations

from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, PermissionDeniedError
from lantu.assessment.models import AssessmentMethod
from lantu.assessment.services import AssessmentSpec, RubricSpec, create_assessment, create_method_version
from tests.assessment.conftest import LIGHT_META, LIGHT_METHOD

pytestmark = pytest.mark.django_db


def _messages(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return " | ".join(f"{p.field}:{p.message_zh}:{p.message_en}:{p.row}" for p in exc.value.problems)


def test_a_new_version_is_a_new_row_and_the_same_content_writes_nothing(system: Any) -> None:
    v1 = create_method_version(system, "M", "方法", LIGHT_META, LIGHT_METHOD)
    again = create_method_version(system, "M", "方法", LIGHT_META, LIGHT_METHOD)
    assert again.pk == v1.pk
    changed = [dict(r) for r in LIGHT_META]
    changed[1]["weight"] = 2
    v2 = create_method_version(system, "M", "方法", changed, LIGHT_METHOD, reason="任务权重加倍")
    assert (v1.version, v2.version) == (1, 2)
    assert v1.sha256 != v2.sha256
    assert len(v2.sha256) == 64
    v1.refresh_from_db()
    assert v1.meta[1].get("weight") is None  # the old version is untouched
    assert AuditEvent.objects.filter(action="assessment.method.create").count() == 2


def test_a_cycle_names_the_codes(system: Any) -> None:
    meta = [
        {"code": "I", "level": 3},
        {"code": "P", "parent": "Q", "level": 2},
        {"code": "Q", "parent": "P", "level": 2},
        {"code": "a", "parent": "P", "level": 1, "source": "tasks:on_time"},
    ]
    with pytest.raises(InvalidInput) as exc:
        create_method_version(system, "M", "方法", meta, LIGHT_METHOD)
    assert "循环" in _messages(exc) or "cycle" in _messages(exc)
    assert not AssessmentMethod.objects.exists()


def test_an_orphan_a_negative_weight_and_a_bad_source_are_named(system: Any) -> None:
    orphan = [*LIGHT_META, {"code": "x", "parent": "NOPE", "level": 1, "source": "value:GDP"}]
    with pytest.raises(InvalidInput) as exc:
        create_method_version(system, "M", "方法", orphan, LIGHT_METHOD)
    assert "“x”的上级“NOPE”不存在" in _messages(exc)
    negative = [dict(r) for r in LIGHT_META]
    negative[1]["weight"] = -1
    with pytest.raises(InvalidInput) as exc:
        create_method_version(system, "M", "方法", negative, LIGHT_METHOD)
    assert "“TASKS”的权重须为非负有限数" in _messages(exc)
    bad_source = [dict(r) for r in LIGHT_META]
    bad_source[1]["source"] = "tasks:late"
    with pytest.raises(InvalidInput) as exc:
        create_method_version(system, "M", "方法", bad_source, LIGHT_METHOD)
    text = _messages(exc)
    assert "TASKS" in text
    assert "tasks:late" in text
    assert ":2" in text


def test_an_unknown_method_step_is_named_with_the_framework_problems(system: Any) -> None:
    bad_source = [dict(r) for r in LIGHT_META]
    bad_source[2]["source"] = "nonsense"
    with pytest.raises(InvalidInput) as exc:
        create_method_version(system, "M", "方法", bad_source, "version: 1\nsteps: [normalize]\n")
    text = _messages(exc)
    assert "normalize" in text
    assert "R1" in text


def test_only_the_office_writes_methods(system: Any, evaluator: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        create_method_version(evaluator, "M", "方法", LIGHT_META, LIGHT_METHOD)


def test_rubric_items_must_match_the_method(system: Any) -> None:
    from decimal import Decimal

    create_method_version(system, "M", "方法", LIGHT_META, LIGHT_METHOD)
    spec = AssessmentSpec(
        code="A1",
        programme_code="DZJ",
        title_zh="评估",
        year=2023,
        subject="counties",
        method_code="M",
        peer_group="MOUNTAIN26",
        rubric=(RubricSpec("R9", "多余", Decimal(10)), RubricSpec("R9", "", Decimal(0))),
    )
    with pytest.raises(InvalidInput) as exc:
        create_assessment(system, spec)
    text = _messages(exc)
    assert "R9" in text
    assert "rubric:R9" in text
    assert "满分须大于0" in text
    assert "重复" in text
    assert "方法引用了评分项“R1”，但未定义" in text
    wrong_group = AssessmentSpec(
        code="A2",
        programme_code="DZJ",
        title_zh="评估",
        year=2023,
        subject="cities",
        method_code="M",
        peer_group="MOUNTAIN26",
        rubric=(RubricSpec("R1", "成效", Decimal(10)),),
    )
    with pytest.raises(InvalidInput, match="只适用于"):
        create_assessment(system, wrong_group)
