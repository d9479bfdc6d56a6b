"""Reads of on-demand sharing: requests and tokens as their people see them, and the shared data.

Visibility: a request or token is visible to its requester and to the owner of its datasets (a
holder of ``values.approve`` over the publisher department, or the programme office); anyone else
gets :class:`NotFound`, exactly as for a request that does not exist.

Shared data (``/api/v1/shared/…``): a token reads the datasets of its request, for the units of
its request **and their descendants** — the same rule as a dataset's spatial coverage and a role's
unit scope (an ``OrgUnit.path`` prefix). Values are the *live* approved figures, read by
:func:`lantu.publishing.snapshot.current_rows` (the reader that freezes open-data versions), not a
published snapshot: sharing gives the current official figures before or without publication.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lantu.accounts.permissions import Actor, scope_queryset, user_of
from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.periods import parse_period
from lantu.orgunits.models import OrgUnit
from lantu.publishing import snapshot
from lantu.publishing.models import Dataset
from lantu.sharing.models import RequestStatus, ShareRequest, ShareToken, ShareUse
from lantu.sharing.rules import is_owner, is_requester, may_revoke


def _requests() -> QuerySet[ShareRequest]:
    return (
        ShareRequest.objects.select_related("requester", "department", "publisher", "token")
        .prefetch_related("datasets", "units")
        .order_by("-created_at", "-id")
    )


def my_requests(actor: Actor) -> QuerySet[ShareRequest]:
    """The actor's own requests, newest first."""
    user = user_of(actor)
    return _requests().filter(requester_id=user.pk if user else None)


def inbox(actor: Actor, *, pending_only: bool = False) -> QuerySet[ShareRequest]:
    """Requests for datasets the actor owns (their publisher's approver, or the office), not their own."""
    found = scope_queryset(_requests(), actor, "values.approve", unit_field=None, department_field="publisher")
    user = user_of(actor)
    if user is not None:
        found = found.exclude(requester_id=user.pk)
    return found.filter(status=RequestStatus.PENDING) if pending_only else found


def request_for(actor: Actor, pk: int) -> ShareRequest:
    """A request its requester or its owner may see; NotFound for anyone else."""
    found = _requests().filter(pk=pk).first()
    if found is None or not (is_requester(actor, found) or is_owner(actor, found.publisher)):
        raise NotFound("共享申请", str(pk))
    return found


def token_for(actor: Actor, pk: int) -> ShareToken:
    """A token its requester or its owner may see; NotFound for anyone else."""
    found = (
        ShareToken.objects.select_related("request__publisher", "request__requester", "request__department")
        .prefetch_related("request__datasets", "request__units")
        .filter(pk=pk)
        .first()
    )
    if found is None or not may_revoke(actor, found):
        raise NotFound("共享令牌", str(pk))
    return found


def uses(token: ShareToken, limit: int = 200) -> list[ShareUse]:
    """The newest uses of a token (served and refused)."""
    return list(token.uses.order_by("-at", "-id")[:limit])


def dataset_choices() -> QuerySet[Dataset]:
    """Datasets that may be requested (titles and publishers are not secret; their data is)."""
    return Dataset.objects.select_related("publisher", "spatial").order_by("publisher__code", "code")


# --- what a token may read -------------------------------------------------------------------


class OutOfScope(LookupError):  # noqa: N818 - reads as what happened
    """A dataset or unit the token does not cover, or one that does not exist: the same 404."""


@dataclass(frozen=True)
class Scope:
    datasets: dict[str, Dataset]
    units: list[OrgUnit]


def scope_of(token: ShareToken) -> Scope:
    request = token.request
    datasets = {d.code: d for d in request.datasets.select_related("spatial", "publisher").order_by("code")}
    return Scope(datasets, list(request.units.order_by("path")))


def shared_values(token: ShareToken, code: str, *, unit: str = "", period: str = "") -> list[dict[str, Any]]:
    """The live approved rows of a dataset in scope, for the token's units and their descendants.

    ``unit`` narrows to one unit code (it must lie in scope); ``period`` to one period (a bad
    period is :class:`InvalidInput` on ``period``). Anything outside the scope is :class:`OutOfScope`.
    """
    scope = scope_of(token)
    dataset = scope.datasets.get(code)
    if dataset is None:
        raise OutOfScope(code)
    if period:
        try:
            parsed = parse_period(period)
        except ValueError as exc:
            raise InvalidInput.one(
                "period",
                f"报告期“{period}”无效（应为 2022、2022Q1 或 2022-03）",
                f"bad period {period!r} (use 2022, 2022Q1 or 2022-03)",
            ) from exc
        start, end = parse_period(dataset.period_from).start, parse_period(dataset.period_to).end
        if not (start <= parsed.start and parsed.end <= end):
            raise OutOfScope(period)
        period = str(parsed)
    # The granted units and every unit below them, in one query.
    below = Q(pk__in=[])
    for root in scope.units:
        below |= Q(path__startswith=root.path)
    allowed = set(OrgUnit.objects.filter(below).values_list("key", flat=True))
    if unit:
        wanted = set(OrgUnit.objects.filter(code=unit, key__in=allowed).values_list("key", flat=True))
        if not wanted:
            raise OutOfScope(unit)
        allowed = wanted
    rows = [r for r in snapshot.current_rows(dataset) if r["org_unit_key"] in allowed]
    if period:
        rows = [r for r in rows if r["period"] == period]
    return rows
