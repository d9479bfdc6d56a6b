"""Use cases of publishing: datasets and the review of their versions, up to publication.

A version moves draft → in review → approved → scheduled → published → withdrawn (and back from
review to draft when the reviewer returns it). Each step is a compare-and-set UPDATE on the
version's status (``Conflict`` if someone moved it first) and an audit row. The office holds
``framework.manage``; the approver must be another person than the one who submitted. The rows are
frozen (with their SHA-256) at approval, so what is scheduled and published is exactly what was
approved, and later changes of monitoring values never reach a published version: a correction is
a new version with a note.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import Conflict, InvalidInput, NotFound, Problem, audit, service
from lantu.assessment.models import Assessment
from lantu.core.periods import parse_period
from lantu.framework.models import Indicator, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.publishing import snapshot
from lantu.publishing.models import (
    Dataset,
    DatasetKind,
    DatasetVersion,
    Licence,
    UpdateFrequency,
    VersionStatus,
)

# CKAN's rule for a package name, so the code can be the dataset's name in the CKAN API.
_CODE = re.compile(r"^[a-z0-9][a-z0-9_\-]{1,99}$")

#: Versions that are still on their way to publication; a dataset has at most one of them.
OPEN = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED, VersionStatus.SCHEDULED)


@dataclass(frozen=True)
class DatasetSpec:
    code: str
    title_zh: str
    title_en: str
    publisher: str  # department code
    spatial: str  # org-unit code (the record valid at the end of period_to)
    period_from: str
    period_to: str
    kind: str = DatasetKind.INDICATOR_SERIES
    indicator_codes: Sequence[str] = ()
    assessment_code: str = ""
    description_zh: str = ""
    description_en: str = ""
    licence: str = Licence.CC_BY_4
    keywords_zh: Sequence[str] = ()
    keywords_en: Sequence[str] = ()
    update_frequency: str = UpdateFrequency.ANNUAL
    programme_code: str = "DZJ"


def _clean(words: Sequence[str]) -> list[str]:
    return [w.strip() for w in words if w.strip()]


#: Dataset codes that name pages under /data/ rather than datasets.
RESERVED_CODES = frozenset({"office"})


@service("framework.manage")
def create_dataset(actor: Actor, spec: DatasetSpec) -> Dataset:
    """Register a dataset of the catalogue; every problem is reported at once, nothing partial."""
    problems: list[Problem] = []
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    if not _CODE.match(spec.code):
        problems.append(
            Problem("code", "代码只能由小写字母、数字、- 和 _ 组成（2–100位）", "code: 2–100 of a-z, 0-9, - and _")
        )
    elif spec.code in RESERVED_CODES:
        # /data/<code>/ would be shadowed by the office pages at /data/office/.
        problems.append(Problem("code", f"代码“{spec.code}”为系统保留", f"code {spec.code!r} is reserved"))
    elif Dataset.objects.filter(code=spec.code).exists():
        problems.append(Problem("code", f"数据集代码“{spec.code}”已存在", f"dataset code {spec.code!r} is taken"))
    for name in ("title_zh", "title_en"):
        if not getattr(spec, name).strip():
            problems.append(Problem(name, "名称不能为空", "the title is empty"))
    if spec.kind not in DatasetKind.values:
        problems.append(Problem("kind", f"类型“{spec.kind}”无效", f"unknown kind {spec.kind!r}"))
    if spec.licence not in Licence.values:
        problems.append(
            Problem("licence", f"许可协议“{spec.licence}”不受支持", f"unsupported licence {spec.licence!r}")
        )
    if spec.update_frequency not in UpdateFrequency.values:
        problems.append(Problem("update_frequency", "更新频率无效", f"unknown frequency {spec.update_frequency!r}"))
    publisher = Department.objects.filter(code=spec.publisher).first()
    if publisher is None:
        problems.append(Problem("publisher", f"部门“{spec.publisher}”不存在", f"unknown department {spec.publisher!r}"))
    periods: list[dt.date] = []
    for name in ("period_from", "period_to"):
        try:
            periods.append(parse_period(getattr(spec, name)).end)
        except ValueError:
            problems.append(Problem(name, f"报告期“{getattr(spec, name)}”无效", f"bad period {getattr(spec, name)!r}"))
    if len(periods) == 2 and periods[1] < periods[0]:
        problems.append(Problem("period_to", "截止报告期早于起始报告期", "the period range ends before it starts"))
    spatial = None
    if periods:
        spatial = OrgUnit.objects.valid_on(periods[-1]).filter(code=spec.spatial).first()
    # Without a valid period the unit cannot be looked up (units are valid on dates); the period's
    # own problem is reported instead of a misleading "unknown unit".
    if spatial is None and periods:
        problems.append(Problem("spatial", f"行政区划“{spec.spatial}”不存在", f"unknown org unit {spec.spatial!r}"))
    codes = _clean(spec.indicator_codes)
    if spec.kind == DatasetKind.INDICATOR_SERIES:
        known = set(Indicator.objects.filter(programme=programme, code__in=codes).values_list("code", flat=True))
        missing = [c for c in codes if c not in known]
        if not codes:
            problems.append(Problem("indicator_codes", "至少选择一个指标", "choose at least one indicator"))
        elif missing:
            problems.append(
                Problem(
                    "indicator_codes", f"指标不存在：{'、'.join(missing)}", f"unknown indicators: {', '.join(missing)}"
                )
            )
    elif (
        spec.kind == DatasetKind.ASSESSMENT_RESULT and not Assessment.objects.filter(code=spec.assessment_code).exists()
    ):
        problems.append(Problem("assessment_code", f"评估“{spec.assessment_code}”不存在", "unknown assessment"))
    if problems:
        raise InvalidInput(problems)
    assert publisher is not None
    assert spatial is not None
    dataset = Dataset.objects.create(
        programme=programme,
        code=spec.code,
        kind=spec.kind,
        title_zh=spec.title_zh.strip(),
        title_en=spec.title_en.strip(),
        description_zh=spec.description_zh.strip(),
        description_en=spec.description_en.strip(),
        publisher=publisher,
        licence=spec.licence,
        keywords_zh=_clean(spec.keywords_zh),
        keywords_en=_clean(spec.keywords_en),
        update_frequency=spec.update_frequency,
        spatial=spatial,
        indicator_codes=codes if spec.kind == DatasetKind.INDICATOR_SERIES else [],
        assessment_code=spec.assessment_code if spec.kind == DatasetKind.ASSESSMENT_RESULT else "",
        period_from=spec.period_from.strip(),
        period_to=spec.period_to.strip(),
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    audit(actor, "publishing.dataset.create", dataset, after={"code": dataset.code, "kind": dataset.kind})
    return dataset


def _dataset(code: str) -> Dataset:
    found = Dataset.objects.filter(code=code).first()
    if found is None:
        raise NotFound("数据集", code)
    return found


def _version(code: str, number: int) -> DatasetVersion:
    found = DatasetVersion.objects.select_related("dataset").filter(dataset__code=code, number=number).first()
    if found is None:
        raise NotFound("数据集版本", f"{code} v{number}")
    return found


def _move(actor: Actor, version: DatasetVersion, allowed: Sequence[str], to: str, **fields: Any) -> DatasetVersion:
    """Compare-and-set the status; audit the step; return the version as stored now."""
    if version.status not in allowed:
        raise InvalidInput.one(
            "status",
            f"版本状态为“{VersionStatus(version.status).label}”，不能执行此操作",
            f"the version is {version.status}; this step needs {' or '.join(allowed)}",
        )
    moved = DatasetVersion.objects.filter(pk=version.pk, status=version.status).update(status=to, **fields)
    if moved != 1:
        raise Conflict(str(version))
    audit(
        actor,
        f"publishing.version.{to}",
        version,
        before={"status": version.status},
        after={
            "status": to,
            **{k: v if isinstance(v, str | int | None) else str(v) for k, v in fields.items() if k != "snapshot"},
        },
        reason=str(fields.get("withdraw_reason") or fields.get("review_comment") or ""),
    )
    return DatasetVersion.objects.select_related("dataset").get(pk=version.pk)


@service("framework.manage")
def create_version(actor: Actor, code: str, *, note: str = "") -> DatasetVersion:
    """Start the next version as a draft; a correction (any version after the first) needs a note."""
    dataset = _dataset(code)
    if dataset.versions.filter(status__in=OPEN).exists():
        raise InvalidInput.one("status", "该数据集已有未发布的版本，请先完成或撤回", "an unpublished version is open")
    number = (dataset.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    if number > 1 and not note.strip():
        raise InvalidInput.one("note", "新版本须说明更正内容", "a new version needs a correction note")
    version = DatasetVersion.objects.create(
        dataset=dataset, number=number, note=note.strip(), created_label=label_of(actor)
    )
    audit(actor, "publishing.version.create", version, after={"number": number, "note": version.note})
    return version


@service("framework.manage")
def submit_version(actor: Actor, code: str, number: int, *, now: dt.datetime | None = None) -> DatasetVersion:
    """Send a draft for review; refused if the dataset has no approved data to publish."""
    version = _version(code, number)
    if version.status == VersionStatus.DRAFT and not snapshot.current_rows(version.dataset):
        raise InvalidInput.one("rows", "没有可发布的已审核数据", "there are no approved figures to publish")
    return _move(
        actor,
        version,
        [VersionStatus.DRAFT],
        VersionStatus.IN_REVIEW,
        submitted_at=now or timezone.now(),
        submitted_label=label_of(actor),
    )


def _not_submitter(actor: Actor, version: DatasetVersion) -> None:
    if label_of(actor) == version.submitted_label:
        raise InvalidInput.one(
            "approver", "提交人不能审核自己提交的版本，须由另一人审核", "the submitter cannot review their own version"
        )


@service("framework.manage")
def return_version(actor: Actor, code: str, number: int, comment: str) -> DatasetVersion:
    """Send a version under review back to draft with the reviewer's comment."""
    version = _version(code, number)
    _not_submitter(actor, version)
    if not comment.strip():
        raise InvalidInput.one("comment", "退回须填写意见", "a return needs a comment")
    return _move(actor, version, [VersionStatus.IN_REVIEW], VersionStatus.DRAFT, review_comment=comment.strip())


@service("framework.manage")
def approve_version(
    actor: Actor, code: str, number: int, *, comment: str = "", now: dt.datetime | None = None
) -> DatasetVersion:
    """Approve (a second person) and freeze the rows with their SHA-256; they never change again."""
    version = _version(code, number)
    _not_submitter(actor, version)
    rows = snapshot.current_rows(version.dataset) if version.status == VersionStatus.IN_REVIEW else []
    if version.status == VersionStatus.IN_REVIEW and not rows:
        raise InvalidInput.one("rows", "没有可发布的已审核数据", "there are no approved figures to publish")
    return _move(
        actor,
        version,
        [VersionStatus.IN_REVIEW],
        VersionStatus.APPROVED,
        snapshot=rows,
        sha256=snapshot.checksum(rows),
        row_count=len(rows),
        approved_at=now or timezone.now(),
        approved_label=label_of(actor),
        review_comment=comment.strip(),
    )


@service("framework.manage")
def schedule_version(
    actor: Actor, code: str, number: int, embargo_at: dt.datetime, *, now: dt.datetime | None = None
) -> DatasetVersion:
    """Set the time from which an approved version is public (the embargo); it must be in the future."""
    version = _version(code, number)
    if timezone.is_naive(embargo_at):
        raise InvalidInput.one("embargo_at", "发布时间须带时区", "the embargo needs a time zone")
    if embargo_at <= (now or timezone.now()):
        raise InvalidInput.one("embargo_at", "发布时间须晚于当前时间", "the embargo must be in the future")
    return _move(
        actor,
        version,
        [VersionStatus.APPROVED, VersionStatus.SCHEDULED],
        VersionStatus.SCHEDULED,
        embargo_at=embargo_at,
        scheduled_label=label_of(actor),
    )


@service("framework.manage")
def publish_due(actor: Actor, *, now: dt.datetime | None = None) -> list[DatasetVersion]:
    """Publish every scheduled version whose embargo has passed (``lantu publish due``, run each minute)."""
    moment = now or timezone.now()
    due = DatasetVersion.objects.select_related("dataset").filter(
        status=VersionStatus.SCHEDULED, embargo_at__lte=moment
    )
    return [
        _move(actor, version, [VersionStatus.SCHEDULED], VersionStatus.PUBLISHED, published_at=moment)
        for version in due.order_by("embargo_at", "pk")
    ]


@service("framework.manage")
def publish_now(actor: Actor, code: str, number: int, *, now: dt.datetime | None = None) -> DatasetVersion:
    """Publish an approved (or scheduled) version at once: its embargo becomes this moment."""
    version = _version(code, number)
    moment = now or timezone.now()
    return _move(
        actor,
        version,
        [VersionStatus.APPROVED, VersionStatus.SCHEDULED],
        VersionStatus.PUBLISHED,
        embargo_at=moment,
        scheduled_label=label_of(actor),
        published_at=moment,
    )


@service("framework.manage")
def withdraw_version(
    actor: Actor, code: str, number: int, reason: str, *, now: dt.datetime | None = None
) -> DatasetVersion:
    """Withdraw a version (published or on its way); its data stops being public, the reason is kept."""
    version = _version(code, number)
    if not reason.strip():
        raise InvalidInput.one("reason", "撤回须说明原因", "a withdrawal needs a reason")
    return _move(
        actor,
        version,
        [s for s in VersionStatus.values if s != VersionStatus.WITHDRAWN],
        VersionStatus.WITHDRAWN,
        withdrawn_at=now or timezone.now(),
        withdrawn_label=label_of(actor),
        withdraw_reason=reason.strip(),
    )
