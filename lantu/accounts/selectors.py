"""Read side of the audit log: the trail of an object and the objects that belong to it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model, Q, QuerySet

from lantu.accounts.models import AuditEvent


def audit_trail(owner: Model, parts: Iterable[Model] = (), limit: int = 200) -> QuerySet[AuditEvent]:
    """Audit rows of ``owner`` and of its parts (a project's milestones, a policy's measures), newest first."""
    condition = Q(object_type=owner._meta.label_lower, object_id=str(owner.pk))
    by_type: dict[str, list[str]] = {}
    for part in parts:
        by_type.setdefault(part._meta.label_lower, []).append(str(part.pk))
    for label, ids in by_type.items():
        condition |= Q(object_type=label, object_id__in=ids)
    return AuditEvent.objects.filter(condition).order_by("-at", "-id")[:limit]
