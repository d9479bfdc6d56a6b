"""Use cases of on-demand sharing (按需共享): request, decide, collect the token, revoke.

Who may do what:

* **request** — any signed-in user with an active role; a requesting department must be one the
  requester holds a role for (a programme admin may name any).
* **decide** (approve / reject) — the *owner*: a holder of ``values.approve`` over the datasets'
  publisher department, or a programme admin; never the requester. Others get 404 (the request
  is not theirs to know about); the requester, who does know it, gets 403.
* **cancel**, **collect** — the requester only (404 for anyone else).
* **revoke** — the owner, the requester, or a programme admin (404 for anyone else).

Every step is a compare-and-set UPDATE on the status (``Conflict`` if someone moved it first),
in one transaction, with an audit row ``sharing.…``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from lantu.accounts.models import token_digest
from lantu.accounts.permissions import Actor, SystemActor, active_assignments, has_perm, label_of, user_of
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
from lantu.orgunits.models import NEWEST_FIRST, Department, OrgUnit
from lantu.publishing.models import Dataset
from lantu.sharing.models import TOKEN_PREFIX, RequestStatus, ShareRequest, ShareToken
from lantu.sharing.rules import is_owner, is_requester, may_revoke

MAX_DAYS = 365


@dataclass(frozen=True)
class RequestSpec:
    datasets: Sequence[str]  # dataset codes, all of one publisher
    units: Sequence[str]  # org-unit codes inside every dataset's spatial coverage
    purpose: str
    days: int
    department: str = ""  # the requesting department's code
    system_name: str = ""  # or (and) the requesting system, e.g. 省公共数据平台
    is_demo: bool = False


def _require_role(actor: Actor) -> None:
    """Any signed-in user with an active role (or Lantu itself) may act as a requester."""
    if isinstance(actor, SystemActor) or getattr(actor, "is_superuser", False):
        require(actor, "values.read")
        return
    assignments = active_assignments(actor)
    if not assignments:
        require(actor, "values.read")  # raises: no role, no sharing
        return
    first = assignments[0]
    require(actor, "values.read", org_unit=first.org_unit, department=first.department)


def _unit(code: str) -> OrgUnit | None:
    # A code names the newest record with it (units are picked by their current code).
    return OrgUnit.objects.filter(code=code.strip()).order_by(*NEWEST_FIRST).first()


@service("values.read", scoped=True)
def create_request(actor: Actor, spec: RequestSpec, *, now: dt.datetime | None = None) -> ShareRequest:
    """File a request; every problem is reported at once and nothing is written unless all is well."""
    _require_role(actor)
    user = user_of(actor)
    if user is None:
        raise InvalidInput.one("requester", "须以用户身份申请", "a request needs a signed-in user")
    problems: list[Problem] = []
    department = None
    if spec.department.strip():
        department = Department.objects.filter(code=spec.department.strip()).first()
        if department is None:
            problems.append(
                Problem("department", f"部门“{spec.department}”不存在", f"unknown department {spec.department!r}")
            )
        elif not (has_perm(actor, "values.read", department=department) or has_perm(actor, "framework.manage")):
            problems.append(
                Problem("department", "只能以本人所在部门的名义申请", "you may request only for your own department")
            )
    system_name = spec.system_name.strip()
    if len(system_name) > 100:
        problems.append(Problem("system_name", "系统名称不超过100字", "the system name is longer than 100"))
    if not spec.department.strip() and not system_name:
        problems.append(Problem("department", "请填写申请部门或申请系统", "name the requesting department or system"))
    if not spec.purpose.strip():
        problems.append(Problem("purpose", "请说明用途", "the purpose is required"))
    if not isinstance(spec.days, int) or not 1 <= spec.days <= MAX_DAYS:
        problems.append(Problem("days", f"有效期须为1至{MAX_DAYS}天", f"the validity must be 1 to {MAX_DAYS} days"))
    codes = list(dict.fromkeys(c.strip() for c in spec.datasets if c.strip()))
    datasets = list(Dataset.objects.filter(code__in=codes).select_related("publisher", "spatial"))
    missing = sorted(set(codes) - {d.code for d in datasets})
    if not codes:
        problems.append(Problem("datasets", "至少选择一个数据集", "choose at least one dataset"))
    elif missing:
        problems.append(
            Problem("datasets", f"数据集不存在：{'、'.join(missing)}", f"unknown datasets: {', '.join(missing)}")
        )
    publishers = {d.publisher_id for d in datasets}
    if len(publishers) > 1:
        problems.append(
            Problem(
                "datasets",
                "一次申请的数据集须属于同一提供部门，请分别申请",
                "the datasets of one request must have one publisher; file one request per publisher",
            )
        )
    unit_codes = list(dict.fromkeys(c.strip() for c in spec.units if c.strip()))
    units: list[OrgUnit] = []
    if not unit_codes:
        problems.append(Problem("units", "至少选择一个行政区划", "choose at least one org unit"))
    for code in unit_codes:
        unit = _unit(code)
        if unit is None:
            problems.append(Problem("units", f"行政区划“{code}”不存在", f"unknown org unit {code!r}"))
            continue
        outside = [d.code for d in datasets if not unit.path.startswith(d.spatial.path)]
        if outside:
            problems.append(
                Problem(
                    "units",
                    f"行政区划“{code}”不在数据集 {'、'.join(outside)} 的空间范围内",
                    f"org unit {code} lies outside the coverage of {', '.join(outside)}",
                )
            )
        units.append(unit)
    if problems:
        raise InvalidInput(problems)
    request = ShareRequest.objects.create(
        requester=user,
        department=department,
        system_name=system_name,
        publisher=datasets[0].publisher,
        purpose=spec.purpose.strip(),
        days=spec.days,
        is_demo=spec.is_demo,
        created_at=now or timezone.now(),
    )
    request.datasets.set(datasets)
    request.units.set(units)
    audit(
        actor,
        "sharing.request.create",
        request,
        after={
            "datasets": [d.code for d in datasets],
            "units": [u.code for u in units],
            "days": spec.days,
            "department": department.code if department else "",
            "system_name": system_name,
            "publisher": datasets[0].publisher.code,
        },
        reason=request.purpose,
    )
    return request


def _request(pk: int) -> ShareRequest:
    found = ShareRequest.objects.select_related("publisher", "requester").filter(pk=pk).first()
    if found is None:
        raise NotFound("共享申请", str(pk))
    return found


def _move(actor: Actor, request: ShareRequest, to: str, **fields: object) -> ShareRequest:
    if request.status != RequestStatus.PENDING:
        raise InvalidInput.one(
            "status",
            f"申请状态为“{RequestStatus(request.status).label}”，不能再处理",
            f"the request is {request.status}; only a pending request can be decided or cancelled",
        )
    moved = ShareRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(status=to, **fields)
    if moved != 1:
        raise Conflict(str(request))
    audit(
        actor,
        f"sharing.request.{to}",
        request,
        before={"status": request.status},
        after={"status": to, **{k: v if isinstance(v, str | int | None) else str(v) for k, v in fields.items()}},
        reason=str(fields.get("decision_comment") or ""),
    )
    return _request(request.pk)


def _decidable(actor: Actor, pk: int) -> ShareRequest:
    request = _request(pk)
    if is_requester(actor, request):
        # The requester knows the request exists (so 403, not 404); nobody decides their own.
        raise PermissionDeniedError(actor, "values.approve")
    if not is_owner(actor, request.publisher):
        raise NotFound("共享申请", str(pk))
    if has_perm(actor, "values.approve", department=request.publisher):
        require(actor, "values.approve", department=request.publisher)
    else:
        require(actor, "framework.manage")
    return request


@service("values.approve", scoped=True)
def approve_request(
    actor: Actor, pk: int, *, days: int | None = None, comment: str = "", now: dt.datetime | None = None
) -> ShareRequest:
    """Approve, for the requested days or fewer; the access expires that many days from now."""
    request = _decidable(actor, pk)
    granted = request.days if days is None else days
    if not isinstance(granted, int) or not 1 <= granted <= request.days:
        raise InvalidInput.one(
            "days",
            f"批准有效期须为1至{request.days}天（不超过申请的天数）",
            f"the approved validity must be 1 to {request.days} days (at most what was requested)",
        )
    moment = now or timezone.now()
    return _move(
        actor,
        request,
        RequestStatus.APPROVED,
        decided_at=moment,
        decided_by=user_of(actor),
        decided_label=label_of(actor),
        decision_comment=comment.strip(),
        approved_days=granted,
        expires_at=moment + dt.timedelta(days=granted),
    )


@service("values.approve", scoped=True)
def reject_request(actor: Actor, pk: int, comment: str, *, now: dt.datetime | None = None) -> ShareRequest:
    """Reject with a comment for the requester."""
    request = _decidable(actor, pk)
    if not comment.strip():
        raise InvalidInput.one("comment", "驳回须填写意见", "a rejection needs a comment")
    return _move(
        actor,
        request,
        RequestStatus.REJECTED,
        decided_at=now or timezone.now(),
        decided_by=user_of(actor),
        decided_label=label_of(actor),
        decision_comment=comment.strip(),
    )


def _own(actor: Actor, pk: int) -> ShareRequest:
    _require_role(actor)
    request = _request(pk)
    if not is_requester(actor, request):
        if is_owner(actor, request.publisher):
            # The owner sees the request (so 403, not 404), but only its requester withdraws it or
            # collects its token.
            raise PermissionDeniedError(actor, "values.read")
        raise NotFound("共享申请", str(pk))
    return request


@service("values.read", scoped=True)
def cancel_request(actor: Actor, pk: int) -> ShareRequest:
    """The requester withdraws a pending request."""
    return _move(actor, _own(actor, pk), RequestStatus.CANCELLED)


@service("values.read", scoped=True)
def collect_token(actor: Actor, pk: int, *, now: dt.datetime | None = None) -> tuple[ShareToken, str]:
    """The requester collects the token of an approved request; the secret is returned once only."""
    request = _own(actor, pk)
    # Two collects at once (a double click, two API calls): the row lock makes the second one see
    # the first one's token and be refused, instead of failing on the one-to-one key.
    ShareRequest.objects.select_for_update().filter(pk=request.pk).values_list("pk", flat=True).first()
    moment = now or timezone.now()
    if request.status != RequestStatus.APPROVED:
        raise InvalidInput.one("status", "申请尚未批准", "the request is not approved")
    if ShareToken.objects.filter(request=request).exists():
        raise InvalidInput.one(
            "token", "令牌已领取，只显示一次；如已遗失请撤销后重新申请", "the token was collected already"
        )
    assert request.expires_at is not None
    if request.expires_at <= moment:
        raise InvalidInput.one("status", "批准的有效期已过", "the approved period has ended")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ShareToken.objects.create(
        request=request,
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        key_hash=token_digest(plain),
        issued_at=moment,
        expires_at=request.expires_at,
        rate_per_minute=settings.LANTU_SHARE_RATE_PER_MINUTE,
    )
    audit(
        actor,
        "sharing.token.collect",
        token,
        after={"request": request.pk, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, plain


@service("values.read", scoped=True)
def revoke_token(actor: Actor, token_id: int, reason: str, *, now: dt.datetime | None = None) -> ShareToken:
    """Revoke a token at once (owner, requester or the office); a reason is required."""
    token = ShareToken.objects.select_related("request__publisher").filter(pk=token_id).first()
    if token is None or not may_revoke(actor, token):
        raise NotFound("共享令牌", str(token_id))
    if is_requester(actor, token.request):
        _require_role(actor)
    elif has_perm(actor, "values.approve", department=token.request.publisher):
        require(actor, "values.approve", department=token.request.publisher)
    else:
        require(actor, "framework.manage")
    if not reason.strip():
        raise InvalidInput.one("reason", "撤销须说明原因", "a revocation needs a reason")
    moment = now or timezone.now()
    moved = ShareToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=moment, revoked_by=user_of(actor), revoked_label=label_of(actor), revoke_reason=reason.strip()
    )
    if moved != 1:
        raise InvalidInput.one("status", "令牌已撤销", "the token is revoked already")
    audit(actor, "sharing.token.revoke", token, after={"prefix": token.prefix}, reason=reason.strip())
    return ShareToken.objects.select_related("request").get(pk=token.pk)
