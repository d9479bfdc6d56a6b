"""Rebuilding the stored aggregates: after bulk loads, or to check them against the values."""

from __future__ import annotations

from lantu.accounts.permissions import Actor
from lantu.accounts.service import NotFound, audit, service
from lantu.framework.models import Programme
from lantu.monitoring import aggregation
from lantu.monitoring.models import Basis


@service("framework.manage")
def rebuild_aggregates(actor: Actor, programme_code: str) -> dict[str, int]:
    """Recompute every roll-up and computed value of a programme, on both bases."""
    programme = Programme.objects.filter(code=programme_code).first()
    if programme is None:
        raise NotFound("规划", programme_code)
    counts = {str(basis): aggregation.rebuild(programme, basis) for basis in (Basis.APPROVED, Basis.PRELIMINARY)}
    audit(actor, "monitoring.aggregates.rebuild", programme, after=counts)
    return counts
