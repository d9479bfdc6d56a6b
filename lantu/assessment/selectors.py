"""Read side of assessments: who may see which, the current results, scores and reviews.

Visibility: the programme office (``framework.manage``) sees every assessment; an evaluator sees
the assessments they are assigned to; anyone who may read values sees published ones. Anything
else is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from lantu.accounts.permissions import Actor, has_perm, user_of
from lantu.accounts.service import NotFound
from lantu.assessment.framework import Framework, parse_meta
from lantu.assessment.models import (
    Assessment,
    AssessmentMethod,
    AssessmentRun,
    AssessmentStatus,
    ConflictDeclaration,
    Decision,
    EvaluationReport,
    EvaluatorAssignment,
    RubricItem,
    RubricScore,
    Submission,
    UnitResult,
)


def is_office(actor: Actor) -> bool:
    return has_perm(actor, "framework.manage")


def visible(actor: Actor) -> QuerySet[Assessment]:
    """The assessments the actor may see."""
    qs = Assessment.objects.select_related("method", "programme")
    if is_office(actor):
        return qs
    user = user_of(actor)
    assigned = (
        EvaluatorAssignment.objects.filter(evaluator=user).values_list("assessment_id", flat=True) if user else []
    )
    if has_perm(actor, "values.read"):
        from django.db.models import Q

        return qs.filter(Q(pk__in=list(assigned)) | Q(status=AssessmentStatus.PUBLISHED))
    return qs.filter(pk__in=list(assigned))


def assessment_for(actor: Actor, code: str) -> Assessment:
    found = visible(actor).filter(code=code).first()
    if found is None:
        raise NotFound("评估", code)
    return found


def is_evaluator_of(actor: Actor, assessment: Assessment) -> bool:
    user = user_of(actor)
    return user is not None and EvaluatorAssignment.objects.filter(assessment=assessment, evaluator=user).exists()


def current_run(assessment: Assessment) -> AssessmentRun | None:
    return assessment.runs.order_by("-number").first()


def results(run: AssessmentRun) -> list[UnitResult]:
    """The run's units, ranked first (by rank), unranked last; one query."""
    rows = list(run.results.all())
    return sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))


def framework_of(method: AssessmentMethod) -> Framework:
    return parse_meta(method.meta)


def method_history(code: str) -> list[AssessmentMethod]:
    return list(AssessmentMethod.objects.filter(code=code).order_by("-version"))


def rubric(assessment: Assessment) -> list[RubricItem]:
    return list(assessment.rubric_items.order_by("order", "code"))


def latest_scores(assessment: Assessment, evaluator_id: int | None = None) -> list[RubricScore]:
    """The latest version of each (item, unit, evaluator) score, with its submissions and reviews."""
    qs = RubricScore.objects.filter(assessment=assessment).select_related("item", "evaluator")
    if evaluator_id is not None:
        qs = qs.filter(evaluator_id=evaluator_id)
    qs = qs.prefetch_related(Prefetch("submissions", queryset=Submission.objects.select_related("review")))
    latest: dict[tuple[int, str, int], RubricScore] = {}
    for s in qs:
        key = (s.item_id, s.unit_code, s.evaluator_id)
        if key not in latest or s.version > latest[key].version:
            latest[key] = s
    return sorted(latest.values(), key=lambda s: (s.unit_code, s.item.order, s.item.code, s.evaluator_id))


def score_state(score: RubricScore) -> str:
    """ "accepted", "returned", "submitted" (under review) or "draft": the state of the latest
    submission that carried this score version (a later decision overrides an earlier one)."""
    subs = sorted(score.submissions.all(), key=lambda s: s.number)
    if not subs:
        return "draft"
    review = getattr(subs[-1], "review", None)
    if review is None:
        return "submitted"
    return "accepted" if review.decision == Decision.ACCEPT else "returned"


def unreviewed(assessment: Assessment) -> list[RubricScore]:
    """Latest scores not covered by an accepted submission (publishing waits for them)."""
    return [s for s in latest_scores(assessment) if score_state(s) != "accepted"]


def declarations(assessment: Assessment, evaluator_id: int) -> dict[str, ConflictDeclaration]:
    """The evaluator's current declaration per unit (highest version)."""
    found: dict[str, ConflictDeclaration] = {}
    for d in ConflictDeclaration.objects.filter(assessment=assessment, evaluator_id=evaluator_id).order_by(
        "unit_code", "version"
    ):
        found[d.unit_code] = d
    return found


def all_declarations(assessment: Assessment) -> list[ConflictDeclaration]:
    current: dict[tuple[int, str], ConflictDeclaration] = {}
    for d in ConflictDeclaration.objects.filter(assessment=assessment).select_related("evaluator").order_by("version"):
        current[(d.evaluator_id, d.unit_code)] = d
    return sorted(current.values(), key=lambda d: (d.unit_code, d.evaluator_id))


@dataclass
class SubmissionView:
    submission: Submission
    scores: list[RubricScore] = field(default_factory=list)

    @property
    def review(self) -> Any:
        return getattr(self.submission, "review", None)


def submissions(assessment: Assessment) -> list[SubmissionView]:
    """Every submission, newest first, with its scores and review (a fixed number of queries)."""
    subs = (
        Submission.objects.filter(assessment=assessment)
        .select_related("evaluator", "review")
        .prefetch_related(Prefetch("scores", queryset=RubricScore.objects.select_related("item")))
        .order_by("-created_at", "-pk")
    )
    return [SubmissionView(s, sorted(s.scores.all(), key=lambda x: (x.unit_code, x.item.code))) for s in subs]


def latest_report(assessment: Assessment) -> EvaluationReport | None:
    return assessment.reports.order_by("-version").first()
