"""Use cases of appraisal and third-party evaluation.

The programme office (``framework.manage``) writes methods, assessments, rubric items, assigns
evaluators, runs the computation, reviews evaluators' scores and publishes. Evaluators
(``evaluation.score``, scoped to the units they may evaluate) declare conflicts of interest, score
rubric items with comments and evidence, and submit. Every call is one transaction and one or more
audit rows; a refused input writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, User
from django.utils import timezone

from lantu.accounts.permissions import Actor, has_perm, label_of, user_of
from lantu.accounts.service import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
    Problem,
    audit,
    require,
    service,
)
from lantu.assessment import engine, selectors
from lantu.assessment.assembly import Unit, as_json, assemble, peer_groups, units_for
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
    Review,
    RubricItem,
    RubricScore,
    Subject,
    Submission,
    UnitResult,
)
from lantu.framework.models import Programme
from lantu.tasks.models import Evidence

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")
_URL = re.compile(r"^https?://\S+$")
#: Robustness of ranks: weights perturbed uniformly by ±20 %, 500 seeded runs.
NOISE = 0.2
RUNS = 500
SEED = 20240101


def _dec(value: Decimal) -> str:
    """``Decimal("10.00")`` → ``"10"``, ``Decimal("7.50")`` → ``"7.5"``."""
    return format(value.normalize(), "f")


def _method_problems(meta: Sequence[Mapping[str, Any]], method_yaml: str) -> Framework:
    """Check the framework and the method together; all problems of both at once."""
    problems: list[Problem] = []
    framework = None
    try:
        framework = parse_meta(meta)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    try:
        engine.parse_method(method_yaml)
    except InvalidInput as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidInput(problems)
    assert framework is not None
    return framework


@service("framework.manage")
def create_method_version(
    actor: Actor,
    code: str,
    name_zh: str,
    meta: Sequence[Mapping[str, Any]],
    method_yaml: str,
    *,
    reason: str = "",
    is_demo: bool = False,
) -> AssessmentMethod:
    """Store a new version of method ``code`` (version 1 if new); refused with every problem named.

    Storing the same framework and method as the latest version writes nothing and returns it.
    """
    if not _CODE.match(code or ""):
        raise InvalidInput.one("code", f"方法代码“{code}”无效", f"invalid method code {code!r}")
    if not name_zh.strip():
        raise InvalidInput.one("name_zh", "方法名称不能为空", "the method name is empty")
    _method_problems(meta, method_yaml)
    sha = engine.method_hash(meta, method_yaml)
    latest = AssessmentMethod.objects.filter(code=code).order_by("-version").first()
    if latest is not None and latest.sha256 == sha and latest.name_zh == name_zh.strip():
        return latest
    method = AssessmentMethod.objects.create(
        code=code,
        version=(latest.version + 1) if latest else 1,
        name_zh=name_zh.strip(),
        meta=[dict(row) for row in meta],
        method_yaml=method_yaml,
        sha256=sha,
        reason=reason,
        is_demo=is_demo,
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    audit(actor, "assessment.method.create", method, after={"version": method.version, "sha256": sha}, reason=reason)
    return method


@dataclass(frozen=True)
class RubricSpec:
    code: str
    text_zh: str
    max_score: Decimal
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class AssessmentSpec:
    code: str
    programme_code: str
    title_zh: str
    year: int
    subject: str
    method_code: str
    method_version: int | None = None  # None: the latest
    peer_group: str = ""
    rubric: Sequence[RubricSpec] = field(default_factory=tuple)
    is_demo: bool = False


def _method(code: str, version: int | None) -> AssessmentMethod:
    qs = AssessmentMethod.objects.filter(code=code)
    method = (qs.filter(version=version) if version else qs.order_by("-version")).first()
    if method is None:
        raise NotFound("评估方法", f"{code} v{version}" if version else code)
    return method


def _rubric_problems(framework: Framework, rubric: Sequence[RubricSpec]) -> list[Problem]:
    problems: list[Problem] = []
    wanted = framework.rubric_codes()
    given = [r.code for r in rubric]
    for index, item in enumerate(rubric, start=1):
        if item.code not in wanted:
            problems.append(
                Problem(
                    "rubric",
                    f"评分项“{item.code}”未被方法的任何指标引用（应有 rubric:{item.code}）",
                    f"rubric item {item.code} is not used by the method (no row with source rubric:{item.code})",
                    index,
                )
            )
        if not item.text_zh.strip():
            problems.append(
                Problem("text_zh", f"评分项“{item.code}”内容为空", f"rubric item {item.code} has no text", index)
            )
        if item.max_score <= 0:
            problems.append(
                Problem(
                    "max_score",
                    f"评分项“{item.code}”的满分须大于0",
                    f"the maximum of {item.code} must be positive",
                    index,
                )
            )
        if item.weight < 0:
            problems.append(
                Problem("weight", f"评分项“{item.code}”的权重不能为负", f"weight of {item.code} < 0", index)
            )
        if given.count(item.code) > 1:
            problems.append(Problem("rubric", f"评分项“{item.code}”重复", f"rubric item {item.code} twice", index))
    for code in sorted(set(wanted) - set(given)):
        problems.append(
            Problem(
                "rubric",
                f"方法引用了评分项“{code}”，但未定义",
                f"the method uses rubric item {code}, which is not defined",
            )
        )
    return problems


@service("framework.manage")
def create_assessment(actor: Actor, spec: AssessmentSpec) -> Assessment:
    """Create an assessment with its rubric items (which must match the method's ``rubric:`` rows)."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).select_related("org_unit").first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    method = _method(spec.method_code, spec.method_version)
    framework = parse_meta(method.meta)
    if not _CODE.match(spec.code) or Assessment.objects.filter(code=spec.code).exists():
        problems.append(
            Problem("code", f"评估代码“{spec.code}”无效或已存在", f"assessment code {spec.code!r} invalid or taken")
        )
    if not spec.title_zh.strip():
        problems.append(Problem("title_zh", "评估名称不能为空", "the title is empty"))
    if spec.subject not in Subject.values:
        problems.append(
            Problem(
                "subject", "评估对象应为 cities、counties 或 departments", "subject is cities, counties or departments"
            )
        )
    if not 2000 <= spec.year <= 2100:
        problems.append(Problem("year", f"年度{spec.year}无效", f"invalid year {spec.year}"))
    if spec.peer_group:
        group = peer_groups().get(spec.peer_group)
        if group is None:
            problems.append(
                Problem("peer_group", f"比较组“{spec.peer_group}”不存在", f"unknown peer group {spec.peer_group}")
            )
        elif group.subject != spec.subject:
            problems.append(
                Problem(
                    "peer_group",
                    f"比较组“{group.name_zh}”只适用于{Subject(group.subject).label}",
                    f"peer group {group.code} applies to {group.subject} only",
                )
            )
    problems.extend(_rubric_problems(framework, spec.rubric))
    if problems:
        raise InvalidInput(problems)
    assessment = Assessment.objects.create(
        programme=programme,
        code=spec.code,
        title_zh=spec.title_zh.strip(),
        year=spec.year,
        subject=spec.subject,
        peer_group=spec.peer_group,
        method=method,
        is_demo=spec.is_demo or method.is_demo,
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    rubric_rows = framework.rubric_codes()
    for order, item in enumerate(spec.rubric):
        RubricItem.objects.create(
            assessment=assessment,
            code=item.code,
            text_zh=item.text_zh.strip(),
            max_score=item.max_score,
            weight=item.weight,
            pillar=framework.tree.nodes[rubric_rows[item.code]].parent or "",
            order=order,
        )
    audit(
        actor,
        "assessment.create",
        assessment,
        after={
            "year": spec.year,
            "subject": spec.subject,
            "peer_group": spec.peer_group,
            "method": str(method),
            "rubric": [r.code for r in spec.rubric],
        },
    )
    return assessment


def _assessment(code: str) -> Assessment:
    found = Assessment.objects.select_related("method", "programme", "programme__org_unit").filter(code=code).first()
    if found is None:
        raise NotFound("评估", code)
    return found


def _not_published(assessment: Assessment) -> None:
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise InvalidInput.one(
            "status",
            f"评估“{assessment.code}”已发布，方法和结果已冻结",
            f"assessment {assessment.code} is published: frozen",
        )


@service("framework.manage")
def change_method(actor: Actor, code: str, method_version: int, *, reason: str = "") -> Assessment:
    """Use another version of the same method code (refused once published: the method is frozen)."""
    assessment = _assessment(code)
    _not_published(assessment)
    method = _method(assessment.method.code, method_version)
    parse_meta(method.meta)
    before = str(assessment.method)
    assessment.method = method
    assessment.save(update_fields=["method"])
    audit(
        actor,
        "assessment.method.change",
        assessment,
        before={"method": before},
        after={"method": str(method)},
        reason=reason,
    )
    return assessment


@service("framework.manage")
def assign_evaluator(actor: Actor, code: str, username: str) -> EvaluatorAssignment:
    """Give an evaluator account (a user holding ``evaluation.score``) access to an assessment."""
    assessment = _assessment(code)
    _not_published(assessment)
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("用户", username)
    if not has_perm(user, "evaluation.score") and not _scoped_evaluator(user):
        raise InvalidInput.one(
            "username", f"用户“{username}”没有第三方评估员角色", f"user {username} does not hold the evaluator role"
        )
    existing = EvaluatorAssignment.objects.filter(assessment=assessment, evaluator=user).first()
    if existing is not None:
        return existing
    assignment = EvaluatorAssignment.objects.create(
        assessment=assessment, evaluator=user, created_by=user_of(actor), actor_label=label_of(actor)
    )
    audit(actor, "assessment.evaluator.assign", assignment, after={"evaluator": username})
    return assignment


def _scoped_evaluator(user: AbstractBaseUser) -> bool:
    from lantu.accounts.permissions import ROLE_PERMISSIONS, active_assignments

    return any("evaluation.score" in ROLE_PERMISSIONS.get(a.role, frozenset()) for a in active_assignments(user))


_TRANSITIONS = {
    (AssessmentStatus.DRAFTING, AssessmentStatus.SCORING),
    (AssessmentStatus.SCORING, AssessmentStatus.REVIEW),
    (AssessmentStatus.REVIEW, AssessmentStatus.SCORING),
}


@service("framework.manage")
def set_status(actor: Actor, code: str, status: str, *, reason: str = "") -> Assessment:
    """drafting → scoring → review (and back to scoring); publishing is :func:`publish_assessment`."""
    assessment = _assessment(code)
    if (assessment.status, status) not in _TRANSITIONS:
        raise InvalidInput.one(
            "status",
            f"不能从“{AssessmentStatus(assessment.status).label}”改为“{status}”",
            f"cannot move from {assessment.status} to {status}",
        )
    changed = Assessment.objects.filter(pk=assessment.pk, status=assessment.status).update(status=status)
    if changed != 1:
        raise Conflict("评估状态")
    before = assessment.status
    assessment.status = status
    audit(actor, "assessment.status", assessment, before={"status": before}, after={"status": status}, reason=reason)
    return assessment


def _previous_ranks(assessment: Assessment) -> dict[str, int]:
    """Last year's ranks of the same subject and peer group (the published one first, else the newest)."""
    previous = (
        Assessment.objects.filter(
            programme=assessment.programme,
            subject=assessment.subject,
            peer_group=assessment.peer_group,
            year=assessment.year - 1,
        )
        .order_by("-published_at", "-pk")
        .first()
    )
    if previous is None:
        return {}
    run = previous.runs.order_by("-number").first()
    if run is None:
        return {}
    return {r.unit_code: r.rank for r in run.results.all() if r.rank is not None}


def _run(actor: Actor, assessment: Assessment) -> AssessmentRun:
    framework = parse_meta(assessment.method.meta)
    assembled = assemble(assessment, framework)
    computed = engine.compute(
        assembled.table, framework.tree, assessment.method.method_yaml, noise=NOISE, runs=RUNS, seed=SEED
    )
    latest = assessment.runs.order_by("-number").first()
    run = AssessmentRun.objects.create(
        assessment=assessment,
        number=(latest.number + 1) if latest else 1,
        method_sha256=assessment.method.sha256,
        inputs=as_json(assembled),
        weights=computed.weights,
        notes=[*assembled.notes, *computed.notes],
        robustness={"noise": NOISE, "runs": RUNS, "seed": SEED, "available": computed.has_intervals},
        audit_tables=computed.audit_tables,
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    previous = _previous_ranks(assessment)
    by_code: dict[str, Unit] = {u.code: u for u in assembled.units}
    UnitResult.objects.bulk_create(
        UnitResult(
            run=run,
            unit_code=r.unit,
            unit_name=by_code[r.unit].name_zh,
            org_unit=by_code[r.unit].org_unit,
            department=by_code[r.unit].department,
            score=r.score,
            rank=r.rank,
            rank_low=r.rank_low,
            rank_high=r.rank_high,
            rank_median=r.rank_median,
            scores=r.scores,
            ranks=r.ranks,
            contributions=r.contributions,
            previous_rank=previous.get(r.unit),
        )
        for r in computed.units
    )
    audit(
        actor,
        "assessment.run",
        run,
        after={"number": run.number, "method_sha256": run.method_sha256, "units": len(computed.units)},
    )
    return run


@service("framework.manage")
def run_assessment(actor: Actor, code: str) -> AssessmentRun:
    """Assemble the data table, build the index with the method, run the robustness analysis, store
    the results as a new run. Refused once published (the published run stays the result)."""
    assessment = _assessment(code)
    _not_published(assessment)
    return _run(actor, assessment)


def _target(assessment: Assessment, unit_code: str) -> Unit:
    for unit in units_for(assessment):
        if unit.code == unit_code:
            return unit
    raise NotFound("评估单位", unit_code)


def _require_evaluator(actor: Actor, assessment: Assessment, unit: Unit | None) -> User:
    """The actor holds evaluation.score over the unit and is assigned to the assessment; their user row."""
    if unit is not None:
        require(actor, "evaluation.score", org_unit=unit.org_unit, department=unit.department)
    else:
        require(actor, "evaluation.score")
    user = user_of(actor)
    if user is None or not EvaluatorAssignment.objects.filter(assessment=assessment, evaluator=user).exists():
        raise PermissionDeniedError(actor, "evaluation.score")
    return user


def _open_for_scoring(assessment: Assessment) -> None:
    if assessment.status not in (AssessmentStatus.SCORING, AssessmentStatus.REVIEW):
        raise InvalidInput.one(
            "status",
            f"评估“{assessment.code}”当前状态为“{AssessmentStatus(assessment.status).label}”，不接受评分",
            f"assessment {assessment.code} is {assessment.status}: not open for scoring",
        )


@service("evaluation.score", scoped=True)
def declare_conflict(
    actor: Actor, code: str, unit_code: str, *, has_conflict: bool, statement: str = ""
) -> ConflictDeclaration:
    """Declare, for one unit, no conflict of interest or a conflict with a statement (a new version).

    A declared conflict cannot be withdrawn by the evaluator: scores of that unit are barred.
    """
    assessment = _assessment(code)
    unit = _target(assessment, unit_code)
    user = _require_evaluator(actor, assessment, unit)
    _not_published(assessment)
    latest = (
        ConflictDeclaration.objects.filter(assessment=assessment, evaluator=user, unit_code=unit_code)
        .order_by("-version")
        .first()
    )
    if has_conflict and not statement.strip():
        raise InvalidInput.one("statement", "声明存在利益冲突时须说明情况", "a declared conflict needs a statement")
    if latest is not None and latest.has_conflict and not has_conflict:
        raise InvalidInput.one(
            "has_conflict",
            f"已声明与“{unit.name_zh}”存在利益冲突，不能撤回；如有误请联系规划办公室",
            f"a conflict with {unit.code} was declared and cannot be withdrawn; ask the programme office",
        )
    if latest is not None and latest.has_conflict == has_conflict and latest.statement == statement.strip():
        return latest
    declaration = ConflictDeclaration.objects.create(
        assessment=assessment,
        evaluator=user,
        unit_code=unit_code,
        version=(latest.version + 1) if latest else 1,
        has_conflict=has_conflict,
        statement=statement.strip(),
        created_by=user,
        actor_label=label_of(actor),
    )
    audit(
        actor,
        "assessment.conflict.declare",
        declaration,
        after={"unit": unit_code, "has_conflict": has_conflict, "statement": statement.strip()},
    )
    return declaration


def _evidence(links: Sequence[str]) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Evidence links: an id of an uploaded task evidence file (e.g. ``17`` or ``evidence:17``) or an http(s) URL."""
    found: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ids: dict[int, int] = {}
    for index, raw in enumerate(links, start=1):
        text = raw.strip()
        if not text:
            continue
        key = text.removeprefix("evidence:")
        if key.isdigit():
            ids[int(key)] = index
            found.append({"evidence": int(key)})
        elif _URL.match(text) and len(text) <= 500:
            found.append({"url": text})
        else:
            problems.append(
                Problem(
                    "evidence",
                    f"佐证“{text}”既不是佐证材料编号，也不是 http(s) 链接",
                    f"evidence {text!r} is neither an evidence file id nor an http(s) link",
                    index,
                )
            )
    known = set(Evidence.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for pk, index in ids.items():
        if pk not in known:
            problems.append(Problem("evidence", f"佐证材料{pk}不存在", f"evidence file {pk} does not exist", index))
    return found, problems


def _pending(assessment: Assessment, user: Any) -> Submission | None:
    latest = Submission.objects.filter(assessment=assessment, evaluator=user).order_by("-number").first()
    if latest is not None and not Review.objects.filter(submission=latest).exists():
        return latest
    return None


@service("evaluation.score", scoped=True)
def score_item(
    actor: Actor,
    code: str,
    unit_code: str,
    item_code: str,
    score: Decimal | str,
    *,
    comment: str = "",
    evidence: Sequence[str] = (),
) -> RubricScore:
    """Score one rubric item for one unit (a new version of the evaluator's score).

    Refused: no declaration for the unit yet, or a declared conflict; a score outside 0..max; no
    comment for a score below half of the maximum; unknown evidence; scores under review.
    """
    assessment = _assessment(code)
    unit = _target(assessment, unit_code)
    user = _require_evaluator(actor, assessment, unit)
    _open_for_scoring(assessment)
    item = RubricItem.objects.filter(assessment=assessment, code=item_code).first()
    if item is None:
        raise NotFound("评分项", item_code)
    declaration = (
        ConflictDeclaration.objects.filter(assessment=assessment, evaluator=user, unit_code=unit_code)
        .order_by("-version")
        .first()
    )
    if declaration is None:
        raise InvalidInput.one(
            "declaration",
            f"请先就“{unit.name_zh}”作出利益冲突声明，再评分",
            f"declare any conflict of interest with {unit.code} before scoring it",
        )
    if declaration.has_conflict:
        raise InvalidInput.one(
            "declaration",
            f"已声明与“{unit.name_zh}”存在利益冲突，不能为其评分",
            f"a conflict of interest with {unit.code} was declared: it cannot be scored",
        )
    if _pending(assessment, user) is not None:
        raise InvalidInput.one(
            "status",
            "已提交的评分正在审核，审核完成前不能修改",
            "submitted scores are under review: wait for the review",
        )
    problems: list[Problem] = []
    try:
        value = Decimal(str(score).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        problems.append(Problem("score", f"得分“{score}”不是数字", f"score {score!r} is not a number"))
    elif not Decimal(0) <= value <= item.max_score:
        problems.append(
            Problem(
                "score",
                f"评分项“{item.code}”的得分应在0到{_dec(item.max_score)}之间，现为{_dec(value)}",
                f"the score of {item.code} must be between 0 and {_dec(item.max_score)}, not {_dec(value)}",
            )
        )
    elif value < item.max_score / 2 and not comment.strip():
        problems.append(
            Problem(
                "comment",
                f"得分低于满分的一半（{_dec(item.max_score / 2)}）时须填写评语",
                f"a score below half of the maximum ({_dec(item.max_score / 2)}) needs a comment",
            )
        )
    links, link_problems = _evidence(evidence)
    problems.extend(link_problems)
    if problems:
        raise InvalidInput(problems)
    latest = RubricScore.objects.filter(item=item, evaluator=user, unit_code=unit_code).order_by("-version").first()
    if latest is not None and latest.score == value and latest.comment == comment.strip() and latest.evidence == links:
        return latest
    row = RubricScore.objects.create(
        assessment=assessment,
        item=item,
        evaluator=user,
        unit_code=unit_code,
        version=(latest.version + 1) if latest else 1,
        score=value,
        comment=comment.strip(),
        evidence=links,
        created_by=user,
        actor_label=label_of(actor),
    )
    audit(
        actor,
        "assessment.score",
        row,
        before={"score": str(latest.score), "version": latest.version} if latest else None,
        after={"unit": unit_code, "item": item_code, "score": str(value), "version": row.version, "evidence": links},
    )
    return row


@service("evaluation.score", scoped=True)
def submit_scores(actor: Actor, code: str) -> Submission:
    """Hand the evaluator's current scores to the programme office for review."""
    assessment = _assessment(code)
    user = _require_evaluator(actor, assessment, None)
    _open_for_scoring(assessment)
    if _pending(assessment, user) is not None:
        raise InvalidInput.one("status", "上次提交的评分尚未审核", "the previous submission is still under review")
    scores = selectors.latest_scores(assessment, user.pk)
    if not scores:
        raise InvalidInput.one("scores", "还没有任何评分，无法提交", "there are no scores to submit")
    last = Submission.objects.filter(assessment=assessment, evaluator=user).order_by("-number").first()
    submission = Submission.objects.create(
        assessment=assessment,
        evaluator=user,
        number=(last.number + 1) if last else 1,
        created_by=user,
        actor_label=label_of(actor),
    )
    submission.scores.set(scores)
    audit(actor, "assessment.scores.submit", submission, after={"scores": [s.pk for s in scores]})
    return submission


@service("framework.manage")
def review_submission(actor: Actor, code: str, submission_id: int, decision: str, *, comment: str = "") -> Review:
    """Accept or return an evaluator's submission (a return needs a comment); once per submission."""
    assessment = _assessment(code)
    submission = Submission.objects.filter(pk=submission_id, assessment=assessment).first()
    if submission is None:
        raise NotFound("评分提交", str(submission_id))
    if decision not in Decision.values:
        raise InvalidInput.one("decision", "审核结论应为 accept 或 return", "decision is accept or return")
    if decision == Decision.RETURN and not comment.strip():
        raise InvalidInput.one("comment", "退回时须填写审核意见", "a return needs a comment")
    _not_published(assessment)
    if Review.objects.filter(submission=submission).exists():
        raise Conflict("评分提交")
    newer = Submission.objects.filter(
        assessment=assessment, evaluator=submission.evaluator, number__gt=submission.number
    )
    if newer.exists():
        raise Conflict("评分提交")
    review = Review.objects.create(
        submission=submission,
        decision=decision,
        comment=comment.strip(),
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    audit(actor, "assessment.scores.review", review, after={"decision": decision, "comment": comment.strip()})
    return review


@service("framework.manage")
def publish_assessment(actor: Actor, code: str) -> EvaluationReport:
    """Publish: every rubric score reviewed and accepted; compute once more with the accepted scores,
    freeze the method version and write the evaluation report."""
    from lantu.assessment.report import render_report

    assessment = _assessment(code)
    if assessment.status != AssessmentStatus.REVIEW:
        raise InvalidInput.one(
            "status",
            f"只有“审核中”的评估可以发布，当前为“{AssessmentStatus(assessment.status).label}”",
            f"only an assessment under review can be published, not {assessment.status}",
        )
    open_scores = selectors.unreviewed(assessment)
    if open_scores:
        listed = "、".join(sorted({f"{s.item.code}/{s.unit_code}" for s in open_scores})[:10])
        raise InvalidInput.one(
            "scores",
            f"还有{len(open_scores)}个评分未经审核通过：{listed}",
            f"{len(open_scores)} rubric scores are not reviewed and accepted: {listed}",
        )
    run = _run(actor, assessment)
    now = timezone.now()
    changed = Assessment.objects.filter(pk=assessment.pk, status=AssessmentStatus.REVIEW).update(
        status=AssessmentStatus.PUBLISHED, published_at=now
    )
    if changed != 1:
        raise Conflict("评估状态")
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.published_at = now
    html, text = render_report(assessment, run)
    last = assessment.reports.order_by("-version").first()
    report = EvaluationReport.objects.create(
        assessment=assessment,
        version=(last.version + 1) if last else 1,
        run=run,
        method_sha256=assessment.method.sha256,
        html=html,
        text=text,
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    audit(
        actor,
        "assessment.publish",
        assessment,
        before={"status": AssessmentStatus.REVIEW},
        after={"status": AssessmentStatus.PUBLISHED, "run": run.number, "method_sha256": assessment.method.sha256},
    )
    audit(actor, "assessment.report.create", report, after={"version": report.version})
    return report
