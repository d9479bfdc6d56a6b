"""Third-party evaluation: conflicts of interest, rubric scores (versioned, bounded, commented, with
evidence), submission, review by the programme office; scope and assignment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.assessment import selectors
from lantu.assessment.assembly import accepted_scores
from lantu.assessment.models import Assessment, RubricScore
from lantu.assessment.services import (
    declare_conflict,
    review_submission,
    score_item,
    submit_scores,
)

pytestmark = pytest.mark.django_db
CODE = "LIGHT-2023"
HANGZHOU, NINGBO = "330100", "330200"


def test_no_score_before_declaring_and_none_after_declaring_a_conflict(light: Assessment, evaluator: Any) -> None:
    with pytest.raises(InvalidInput, match="请先就“杭州市”作出利益冲突声明"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "8")
    with pytest.raises(InvalidInput, match="须说明情况"):
        declare_conflict(evaluator, CODE, NINGBO, has_conflict=True)
    declare_conflict(evaluator, CODE, NINGBO, has_conflict=True, statement="曾为宁波市提供咨询服务")
    with pytest.raises(InvalidInput, match="存在利益冲突，不能为其评分"):
        score_item(evaluator, CODE, NINGBO, "R1", "8")
    with pytest.raises(InvalidInput, match="不能撤回"):
        declare_conflict(evaluator, CODE, NINGBO, has_conflict=False)
    declare_conflict(evaluator, CODE, HANGZHOU, has_conflict=False)
    assert score_item(evaluator, CODE, HANGZHOU, "R1", "8").version == 1
    assert AuditEvent.objects.filter(action="assessment.conflict.declare").count() == 2


def test_scores_are_bounded_commented_below_half_and_versioned(light: Assessment, evaluator: Any) -> None:
    declare_conflict(evaluator, CODE, HANGZHOU, has_conflict=False)
    with pytest.raises(InvalidInput, match="应在0到10之间，现为11"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "11")
    with pytest.raises(InvalidInput, match="不是数字"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "abc")
    with pytest.raises(InvalidInput, match="低于满分的一半（5）时须填写评语"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "4")
    with pytest.raises(InvalidInput) as exc:
        score_item(evaluator, CODE, HANGZHOU, "R1", "7", evidence=["ftp://x", "evidence:999999"])
    assert [p.row for p in exc.value.problems] == [1, 2]
    with pytest.raises(NotFound):
        score_item(evaluator, CODE, HANGZHOU, "R9", "7")
    first = score_item(evaluator, CODE, HANGZHOU, "R1", "4", comment="进展较慢", evidence=["https://example.org/r"])
    second = score_item(evaluator, CODE, HANGZHOU, "R1", "7.5")
    same = score_item(evaluator, CODE, HANGZHOU, "R1", "7.5")
    assert (first.version, second.version, same.pk) == (1, 2, second.pk)
    first.refresh_from_db()
    assert first.score == Decimal(4)
    assert first.evidence == [{"url": "https://example.org/r"}]
    assert RubricScore.objects.count() == 2


def test_submit_review_return_rescore_accept(light: Assessment, evaluator: Any, admin_user: Any) -> None:
    declare_conflict(evaluator, CODE, HANGZHOU, has_conflict=False)
    with pytest.raises(InvalidInput, match="还没有任何评分"):
        submit_scores(evaluator, CODE)
    score_item(evaluator, CODE, HANGZHOU, "R1", "6")
    first = submit_scores(evaluator, CODE)
    with pytest.raises(InvalidInput, match="正在审核"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "9")
    with pytest.raises(InvalidInput, match="退回时须填写审核意见"):
        review_submission(admin_user, CODE, first.pk, "return")
    with pytest.raises(PermissionDeniedError):
        review_submission(evaluator, CODE, first.pk, "accept")
    review_submission(admin_user, CODE, first.pk, "return", comment="请补充佐证")
    with pytest.raises(Conflict):
        review_submission(admin_user, CODE, first.pk, "accept")
    assert accepted_scores(light) == {}
    score_item(evaluator, CODE, HANGZHOU, "R1", "9", evidence=["https://example.org/proof"])
    second = submit_scores(evaluator, CODE)
    assert second.number == 2
    review_submission(admin_user, CODE, second.pk, "accept", comment="同意")
    assert accepted_scores(light) == {("R1", HANGZHOU): [Decimal(9)]}
    assert selectors.unreviewed(light) == []
    score_item(evaluator, CODE, HANGZHOU, "R1", "8")  # a new version is not yet reviewed
    assert len(selectors.unreviewed(light)) == 1
    assert accepted_scores(light) == {}


def test_only_assigned_evaluators_in_scope_may_score(light: Assessment, make_user: Any, outsider: Any) -> None:
    other = make_user("other_evaluator", "evaluator")
    with pytest.raises(PermissionDeniedError):
        declare_conflict(other, CODE, HANGZHOU, has_conflict=False)
    with pytest.raises((PermissionDeniedError, NotFound)):
        declare_conflict(outsider, CODE, HANGZHOU, has_conflict=False)
    scoped = make_user("hz_evaluator", "evaluator", org_unit=HANGZHOU)
    from lantu.accounts.permissions import SystemActor
    from lantu.assessment.services import assign_evaluator

    assign_evaluator(SystemActor("t"), CODE, "hz_evaluator")
    declare_conflict(scoped, CODE, HANGZHOU, has_conflict=False)
    with pytest.raises(NotFound):  # a unit outside the evaluator's scope is not even named
        declare_conflict(scoped, CODE, NINGBO, has_conflict=False)
    with pytest.raises(InvalidInput, match="没有第三方评估员角色"):
        assign_evaluator(SystemActor("t"), CODE, "outsider")


def test_scoring_is_closed_while_drafting(system: Any, light: Assessment, evaluator: Any) -> None:
    Assessment.objects.filter(pk=light.pk).update(status="drafting")
    declare_conflict(evaluator, CODE, HANGZHOU, has_conflict=False)
    with pytest.raises(InvalidInput, match="不接受评分"):
        score_item(evaluator, CODE, HANGZHOU, "R1", "6")
