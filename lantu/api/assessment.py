"""Appraisal and third-party evaluation: assessments, results with rank intervals, the method,
run (office), conflict declarations, rubric scores and submission (evaluators), review and publish
(office). Visibility as the pages: office all, evaluators their assessments, readers published ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from lantu.api.auth import AUTH
from lantu.assessment import selectors, services
from lantu.assessment.models import Assessment, UnitResult

router = Router(tags=["assessment"], auth=AUTH)


class AssessmentOut(Schema):
    code: str
    title_zh: str
    year: int
    subject: str
    peer_group: str
    status: str
    method: str
    method_version: int
    method_sha256: str
    published_at: dt.datetime | None
    is_demo: bool


class ResultOut(Schema):
    unit: str
    name: str
    score: float | None
    rank: int | None
    rank_low: float | None
    rank_high: float | None
    rank_median: float | None
    previous_rank: int | None
    scores: dict[str, float | None]
    contributions: dict[str, float | None]


class ResultsOut(Schema):
    assessment: AssessmentOut
    run: int | None
    method_sha256: str | None
    notes: list[str]
    results: list[ResultOut]


class MethodOut(Schema):
    code: str
    version: int
    name_zh: str
    sha256: str
    meta: list[dict[str, Any]]
    method_yaml: str
    versions: list[int]


class DeclarationIn(Schema):
    unit: str
    has_conflict: bool
    statement: str = ""


class ScoreIn(Schema):
    unit: str
    item: str
    score: str
    comment: str = ""
    evidence: list[str] = []


class ReviewIn(Schema):
    submission: int
    decision: str
    comment: str = ""


class DoneOut(Schema):
    id: int
    version: int | None = None


def _out(a: Assessment) -> AssessmentOut:
    return AssessmentOut(
        code=a.code,
        title_zh=a.title_zh,
        year=a.year,
        subject=a.subject,
        peer_group=a.peer_group,
        status=a.status,
        method=a.method.code,
        method_version=a.method.version,
        method_sha256=a.method.sha256,
        published_at=a.published_at,
        is_demo=a.is_demo,
    )


def _result(r: UnitResult) -> ResultOut:
    return ResultOut(
        unit=r.unit_code,
        name=r.unit_name,
        score=r.score,
        rank=r.rank,
        rank_low=r.rank_low,
        rank_high=r.rank_high,
        rank_median=r.rank_median,
        previous_rank=r.previous_rank,
        scores=r.scores,
        contributions=r.contributions,
    )


@router.get("/assessments", response=list[AssessmentOut], summary="Assessments the caller may see")
def list_assessments(request: HttpRequest) -> list[AssessmentOut]:
    return [_out(a) for a in selectors.visible(request.user).order_by("-year", "code")]


@router.get("/assessments/{code}", response=ResultsOut, summary="An assessment with its current results")
def get_assessment(request: HttpRequest, code: str) -> ResultsOut:
    a = selectors.assessment_for(request.user, code)
    run = selectors.current_run(a)
    return ResultsOut(
        assessment=_out(a),
        run=run.number if run else None,
        method_sha256=run.method_sha256 if run else None,
        notes=list(run.notes) if run else [],
        results=[_result(r) for r in selectors.results(run)] if run else [],
    )


@router.get("/assessments/{code}/method", response=MethodOut, summary="The method used, with its hash")
def get_method(request: HttpRequest, code: str) -> MethodOut:
    m = selectors.assessment_for(request.user, code).method
    return MethodOut(
        code=m.code,
        version=m.version,
        name_zh=m.name_zh,
        sha256=m.sha256,
        meta=list(m.meta),
        method_yaml=m.method_yaml,
        versions=[v.version for v in selectors.method_history(m.code)],
    )


@router.post("/assessments/{code}/run", response=DoneOut, summary="Compute again (programme office)")
def run(request: HttpRequest, code: str) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    found = services.run_assessment(request.user, a.code)
    return DoneOut(id=found.pk, version=found.number)


@router.post("/assessments/{code}/declarations", response=DoneOut, summary="Declare a conflict of interest (evaluator)")
def declare(request: HttpRequest, code: str, payload: DeclarationIn) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    d = services.declare_conflict(
        request.user, a.code, payload.unit, has_conflict=payload.has_conflict, statement=payload.statement
    )
    return DoneOut(id=d.pk, version=d.version)


@router.post("/assessments/{code}/scores", response=DoneOut, summary="Score a rubric item for a unit (evaluator)")
def score(request: HttpRequest, code: str, payload: ScoreIn) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    s = services.score_item(
        request.user,
        a.code,
        payload.unit,
        payload.item,
        payload.score,
        comment=payload.comment,
        evidence=payload.evidence,
    )
    return DoneOut(id=s.pk, version=s.version)


@router.post("/assessments/{code}/submit", response=DoneOut, summary="Submit one's scores for review (evaluator)")
def submit(request: HttpRequest, code: str) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    s = services.submit_scores(request.user, a.code)
    return DoneOut(id=s.pk, version=s.number)


@router.post("/assessments/{code}/reviews", response=DoneOut, summary="Accept or return a submission (office)")
def review(request: HttpRequest, code: str, payload: ReviewIn) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    r = services.review_submission(request.user, a.code, payload.submission, payload.decision, comment=payload.comment)
    return DoneOut(id=r.pk)


@router.post("/assessments/{code}/publish", response=DoneOut, summary="Publish and write the report (office)")
def publish(request: HttpRequest, code: str) -> DoneOut:
    a = selectors.assessment_for(request.user, code)
    report = services.publish_assessment(request.user, a.code)
    return DoneOut(id=report.pk, version=report.version)
