"""On-demand sharing (按需共享): the requests' workflow, and the data endpoints for token holders.

* ``/api/v1/sharing/…`` — request, inbox, approve/reject/cancel, collect the token, revoke, the use
  log. Signed-in users (session or ``accounts`` API token), each a thin call of
  :mod:`lantu.sharing.services` or :mod:`lantu.sharing.selectors`.
* ``/api/v1/shared/…`` — the data, for **share tokens only** (``Authorization: Bearer
  lantu_share_…``): a session or an accounts token reads nothing here, and a share token
  authenticates nothing else (``lantu.api.auth.TokenAuth`` looks tokens up in ``ApiToken`` only).
  Every call goes through :func:`lantu.sharing.access.answer` (401 unknown/expired/revoked, 404
  outside the scope — the same answer as for what does not exist —, 429 with Retry-After, every
  call logged).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema

from lantu.accounts.service import InvalidInput
from lantu.api.auth import AUTH
from lantu.sharing import access, selectors, services
from lantu.sharing.models import ShareRequest, ShareToken, ShareUse

router = Router()
manage = Router(tags=["sharing"], auth=AUTH)
shared = Router(tags=["shared data (share token)"], auth=None)


class RequestIn(Schema):
    datasets: list[str]
    units: list[str]
    purpose: str
    days: int
    department: str = ""
    system_name: str = ""


class ApproveIn(Schema):
    days: int | None = None
    comment: str = ""


class CommentIn(Schema):
    comment: str


class ReasonIn(Schema):
    reason: str


class TokenSummary(Schema):
    id: int
    prefix: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoke_reason: str
    rate_per_minute: int


class RequestOut(Schema):
    id: int
    requester: str
    department: str
    system_name: str
    publisher: str
    datasets: list[str]
    units: list[str]
    purpose: str
    days: int
    status: str
    created_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_comment: str
    approved_days: int | None
    expires_at: dt.datetime | None
    is_demo: bool
    token: TokenSummary | None


class CollectedOut(Schema):
    token: str  # shown once; only its SHA-256 is kept
    summary: TokenSummary


class UseOut(Schema):
    at: dt.datetime
    path: str
    dataset_code: str
    unit_filter: str
    period_filter: str
    status: int
    rows: int


class TokenOut(Schema):
    summary: TokenSummary
    request: int
    uses: list[UseOut]


def _token_summary(t: ShareToken) -> TokenSummary:
    return TokenSummary(
        id=t.pk,
        prefix=t.prefix,
        issued_at=t.issued_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
        revoke_reason=t.revoke_reason,
        rate_per_minute=t.rate_per_minute,
    )


def _request_out(r: ShareRequest) -> RequestOut:
    # The reverse one-to-one (loaded by the selectors' select_related); absent until collected.
    token: ShareToken | None = getattr(r, "token", None)
    return RequestOut(
        id=r.pk,
        requester=r.requester.get_username(),
        department=r.department.code if r.department else "",
        system_name=r.system_name,
        publisher=r.publisher.code,
        datasets=sorted(d.code for d in r.datasets.all()),
        units=sorted(u.code for u in r.units.all()),
        purpose=r.purpose,
        days=r.days,
        status=r.status,
        created_at=r.created_at,
        decided_by=r.decided_label,
        decided_at=r.decided_at,
        decision_comment=r.decision_comment,
        approved_days=r.approved_days,
        expires_at=r.expires_at,
        is_demo=r.is_demo,
        token=_token_summary(token) if token else None,
    )


def _use_out(u: ShareUse) -> UseOut:
    return UseOut(
        at=u.at,
        path=u.path,
        dataset_code=u.dataset_code,
        unit_filter=u.unit_filter,
        period_filter=u.period_filter,
        status=u.status,
        rows=u.rows,
    )


@manage.post("/sharing/requests", response={201: RequestOut}, summary="Request access to datasets over units")
def post_request(request: HttpRequest, body: RequestIn) -> tuple[int, RequestOut]:
    created = services.create_request(
        request.user,
        services.RequestSpec(
            datasets=body.datasets,
            units=body.units,
            purpose=body.purpose,
            days=body.days,
            department=body.department,
            system_name=body.system_name,
        ),
    )
    return 201, _request_out(selectors.request_for(request.user, created.pk))


@manage.get("/sharing/requests", response=list[RequestOut], summary="My requests")
def get_my_requests(request: HttpRequest) -> list[RequestOut]:
    return [_request_out(r) for r in selectors.my_requests(request.user)]


@manage.get("/sharing/inbox", response=list[RequestOut], summary="Requests for datasets I own")
def get_inbox(request: HttpRequest, pending: bool = False) -> list[RequestOut]:
    return [_request_out(r) for r in selectors.inbox(request.user, pending_only=pending)]


@manage.get("/sharing/requests/{pk}", response=RequestOut, summary="One request (requester or owner)")
def get_request(request: HttpRequest, pk: int) -> RequestOut:
    return _request_out(selectors.request_for(request.user, pk))


@manage.post("/sharing/requests/{pk}/approve", response=RequestOut, summary="Approve (owner; days ≤ requested)")
def post_approve(request: HttpRequest, pk: int, body: ApproveIn) -> RequestOut:
    services.approve_request(request.user, pk, days=body.days, comment=body.comment)
    return _request_out(selectors.request_for(request.user, pk))


@manage.post("/sharing/requests/{pk}/reject", response=RequestOut, summary="Reject with a comment (owner)")
def post_reject(request: HttpRequest, pk: int, body: CommentIn) -> RequestOut:
    services.reject_request(request.user, pk, body.comment)
    return _request_out(selectors.request_for(request.user, pk))


@manage.post("/sharing/requests/{pk}/cancel", response=RequestOut, summary="Withdraw a pending request (requester)")
def post_cancel(request: HttpRequest, pk: int) -> RequestOut:
    services.cancel_request(request.user, pk)
    return _request_out(selectors.request_for(request.user, pk))


@manage.post(
    "/sharing/requests/{pk}/token", response={201: CollectedOut}, summary="Collect the token (shown once; requester)"
)
def post_collect(request: HttpRequest, pk: int) -> tuple[int, CollectedOut]:
    token, plain = services.collect_token(request.user, pk)
    return 201, CollectedOut(token=plain, summary=_token_summary(token))


@manage.get("/sharing/tokens/{pk}", response=TokenOut, summary="A token and its use log (requester or owner)")
def get_token(request: HttpRequest, pk: int) -> TokenOut:
    token = selectors.token_for(request.user, pk)
    return TokenOut(
        summary=_token_summary(token), request=token.request_id, uses=[_use_out(u) for u in selectors.uses(token)]
    )


@manage.post("/sharing/tokens/{pk}/revoke", response=TokenSummary, summary="Revoke a token with a reason")
def post_revoke(request: HttpRequest, pk: int, body: ReasonIn) -> TokenSummary:
    return _token_summary(services.revoke_token(request.user, pk, body.reason))


# --- the data, for share tokens ---------------------------------------------------------------


def _respond(status: int, body: Any, headers: dict[str, str]) -> HttpResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name] = value
    return response


def _dataset_entry(d: Any) -> dict[str, Any]:
    return {
        "code": d.code,
        "title_zh": d.title_zh,
        "title_en": d.title_en,
        "publisher": d.publisher.code,
        "spatial": d.spatial.code,
        "period_from": d.period_from,
        "period_to": d.period_to,
    }


@shared.get("/shared/datasets", summary="Datasets and units this share token covers")
def shared_datasets(request: HttpRequest) -> HttpResponse:
    def read(token: ShareToken) -> tuple[Any, int]:
        scope = selectors.scope_of(token)
        datasets = [_dataset_entry(d) for d in scope.datasets.values()]
        body = {
            "datasets": datasets,
            "units": [{"code": u.code, "name_zh": u.name_zh, "name_en": u.name_en} for u in scope.units],
            "expires_at": token.expires_at.isoformat(),
            "includes_descendants": True,
        }
        return body, len(datasets)

    return _respond(*access.answer(request, read))


@shared.get(
    "/shared/datasets/{code}/values",
    summary="Live approved values of a dataset for the token's units and their descendants",
)
def shared_values(request: HttpRequest, code: str, unit: str = "", period: str = "") -> HttpResponse:
    def read(token: ShareToken) -> tuple[Any, int]:
        try:
            rows = selectors.shared_values(token, code, unit=unit.strip(), period=period.strip())
        except selectors.OutOfScope:
            raise access.not_found() from None
        except InvalidInput as exc:  # answered here, not by the API's handler, so the use is logged
            problem = exc.problems[0]
            raise access.Refused(
                422, problem.message_zh, problem.message_en, problem_field=problem.field or ""
            ) from None
        return {"dataset": code, "rows": rows, "is_demo": any(r["is_demo"] for r in rows)}, len(rows)

    return _respond(*access.answer(request, read, dataset_code=code, unit=unit, period=period))


router.add_router("", manage)
router.add_router("", shared)
