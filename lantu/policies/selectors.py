"""Read side of the policy system: policies with their measures and how far they are in effect."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from lantu.accounts import selectors as accounts_selectors
from lantu.accounts.models import AuditEvent
from lantu.policies.models import MeasureStatus, Policy


@dataclass(frozen=True)
class PolicyRow:
    policy: Policy
    measures: int
    by_status: dict[str, int]

    @property
    def implemented_share(self) -> float | None:
        """Share of measures already in effect (已落地); None for a policy without measures."""
        return self.by_status.get(MeasureStatus.IMPLEMENTED, 0) / self.measures if self.measures else None


def policies(programme_code: str | None = None) -> QuerySet[Policy]:
    qs = Policy.objects.select_related("issuer_department").prefetch_related(
        "measures__departments", "measures__org_units", "areas", "goals", "tasks"
    )
    if programme_code:
        qs = qs.filter(programme__code=programme_code)
    return qs


def rows(qs: QuerySet[Policy]) -> list[PolicyRow]:
    found = []
    for policy in qs:
        counts = Counter(m.status for m in policy.measures.all())
        found.append(PolicyRow(policy, sum(counts.values()), dict(counts)))
    return found


def filtered(
    programme_code: str | None = None, *, status: str = "", area: str = "", issuer: str = ""
) -> QuerySet[Policy]:
    """Policies by status, linked area (or its sub-areas) and issuer (text or drafting department code)."""
    qs = policies(programme_code)
    if status:
        qs = qs.filter(status=status)
    if area:
        qs = qs.filter(Q(areas__code=area) | Q(areas__parent__code=area)).distinct()
    if issuer:
        qs = qs.filter(Q(issuer__icontains=issuer) | Q(issuer_department__code=issuer))
    return qs


def policy(code: str) -> Policy | None:
    return policies().select_related("programme").filter(code=code).first()


def audit_trail(p: Policy, limit: int = 200) -> QuerySet[AuditEvent]:
    """Audit rows of the policy and of its measures, newest first."""
    return accounts_selectors.audit_trail(p, p.measures.all(), limit)
