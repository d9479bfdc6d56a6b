"""The programme office's publishing workflow: datasets, versions, review, schedule, withdrawal.

Every endpoint is a thin call of a service in :mod:`lantu.publishing.services`; the public reads
(catalogue, downloads, DCAT-AP, the CKAN Action API) are pages under ``/data/`` and ``/api/3/``.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import PermissionDeniedError
from lantu.api.auth import AUTH
from lantu.publishing import selectors, services
from lantu.publishing.models import Dataset, DatasetVersion

router = Router(tags=["publishing"], auth=AUTH)


class VersionOut(Schema):
    number: int
    status: str
    note: str
    embargo_at: dt.datetime | None
    published_at: dt.datetime | None
    sha256: str
    row_count: int
    submitted_by: str
    approved_by: str
    withdraw_reason: str


class DatasetOut(Schema):
    code: str
    kind: str
    title_zh: str
    title_en: str
    publisher: str
    licence: str
    spatial: str
    period_from: str
    period_to: str
    versions: list[VersionOut]


class VersionIn(Schema):
    note: str = ""


class VersionApproveIn(Schema):
    comment: str = ""


class ScheduleIn(Schema):
    embargo_at: dt.datetime


class VersionReasonIn(Schema):
    reason: str


def _version_out(v: DatasetVersion) -> VersionOut:
    return VersionOut(
        number=v.number,
        status=v.status,
        note=v.note,
        embargo_at=v.embargo_at,
        published_at=v.published_at,
        sha256=v.sha256,
        row_count=v.row_count,
        submitted_by=v.submitted_label,
        approved_by=v.approved_label,
        withdraw_reason=v.withdraw_reason,
    )


def _dataset_out(d: Dataset) -> DatasetOut:
    return DatasetOut(
        code=d.code,
        kind=d.kind,
        title_zh=d.title_zh,
        title_en=d.title_en,
        publisher=d.publisher.code,
        licence=d.licence,
        spatial=d.spatial.code,
        period_from=d.period_from,
        period_to=d.period_to,
        versions=[_version_out(v) for v in sorted(d.versions.all(), key=lambda v: -v.number)],
    )


@router.get("/publishing/datasets", response=list[DatasetOut], summary="Datasets and all their versions (office)")
def list_datasets(request: HttpRequest) -> list[DatasetOut]:
    if not has_perm(request.user, "framework.manage"):
        raise PermissionDeniedError(request.user, "framework.manage")
    return [_dataset_out(d) for d in selectors.office_datasets()]


@router.post(
    "/publishing/datasets/{code}/versions", response={201: VersionOut}, summary="Start the next version (a draft)"
)
def post_version(request: HttpRequest, code: str, body: VersionIn) -> tuple[int, VersionOut]:
    return 201, _version_out(services.create_version(request.user, code, note=body.note))


@router.post("/publishing/datasets/{code}/versions/{number}/submit", response=VersionOut, summary="Send for review")
def post_submit(request: HttpRequest, code: str, number: int) -> VersionOut:
    return _version_out(services.submit_version(request.user, code, number))


@router.post(
    "/publishing/datasets/{code}/versions/{number}/approve",
    response=VersionOut,
    summary="Approve (not by the submitter) and freeze the rows",
)
def post_approve(request: HttpRequest, code: str, number: int, body: VersionApproveIn) -> VersionOut:
    return _version_out(services.approve_version(request.user, code, number, comment=body.comment))


@router.post(
    "/publishing/datasets/{code}/versions/{number}/schedule",
    response=VersionOut,
    summary="Set the embargo (a future time with zone)",
)
def post_schedule(request: HttpRequest, code: str, number: int, body: ScheduleIn) -> VersionOut:
    return _version_out(services.schedule_version(request.user, code, number, body.embargo_at))


@router.post(
    "/publishing/datasets/{code}/versions/{number}/publish",
    response=VersionOut,
    summary="Publish an approved or scheduled version now",
)
def post_publish(request: HttpRequest, code: str, number: int) -> VersionOut:
    return _version_out(services.publish_now(request.user, code, number))


@router.post(
    "/publishing/datasets/{code}/versions/{number}/withdraw", response=VersionOut, summary="Withdraw with a reason"
)
def post_withdraw(request: HttpRequest, code: str, number: int, body: VersionReasonIn) -> VersionOut:
    return _version_out(services.withdraw_version(request.user, code, number, body.reason))
