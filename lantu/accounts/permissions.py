"""Who may do what, and where: roles → permissions, scopes, and the one queryset-scoping helper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias, TypeVar, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Model, Q, QuerySet

from lantu.accounts.models import Role, RoleAssignment

if TYPE_CHECKING:
    from lantu.orgunits.models import Department, OrgUnit

Permission = Literal[
    "framework.manage",  # programme, areas, goals, indicators, baselines, targets
    "orgunits.manage",  # org units, departments, groups
    "accounts.manage",  # users and role assignments
    "values.report",  # enter indicator values for a unit or department
    "values.approve",  # approve or return submitted values
    "values.read",  # read unpublished values
    "evaluation.score",  # third-party evaluators
    "tasks.report",  # report progress on tasks a unit or department leads
]

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.PROGRAMME_ADMIN: frozenset(
        {
            "framework.manage",
            "orgunits.manage",
            "accounts.manage",
            "values.report",
            "values.approve",
            "values.read",
            "tasks.report",
        }
    ),
    Role.DEPARTMENT_REPORTER: frozenset({"values.report", "values.read", "tasks.report"}),
    Role.UNIT_REPORTER: frozenset({"values.report", "values.read", "tasks.report"}),
    Role.APPROVER: frozenset({"values.approve", "values.read"}),
    Role.LEADER: frozenset({"values.read"}),
    Role.EVALUATOR: frozenset({"evaluation.score", "values.read"}),
}


@dataclass(frozen=True)
class SystemActor:
    """Lantu itself acting (``lantu init``, loaders): holds every permission, audited by label."""

    label: str = "system"


Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | SystemActor"
M = TypeVar("M", bound=Model)


def user_of(actor: Actor) -> User | None:
    """The user row behind an actor (None for the system actor or an anonymous visitor)."""
    if isinstance(actor, SystemActor) or not actor.is_authenticated:
        return None
    return cast(User, actor)


def label_of(actor: Actor) -> str:
    """How an actor is named in audit rows and version rows."""
    if isinstance(actor, SystemActor):
        return actor.label
    return str(actor.get_username()) if actor.is_authenticated else "anonymous"


def active_assignments(user: AbstractBaseUser | AnonymousUser) -> list[RoleAssignment]:
    """The user's unrevoked role assignments, with their scope objects loaded."""
    if not user.is_authenticated or not user.is_active:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_lantu_assignments", None)
    if cached is None:
        cached = list(
            RoleAssignment.objects.filter(user_id=user.pk, revoked_at__isnull=True).select_related(
                "org_unit", "department"
            )
        )
        # Cached on the user object for the request; services that change roles clear it.
        user._lantu_assignments = cached  # type: ignore[attr-defined]
    return cached


def clear_cache(user: AbstractBaseUser) -> None:
    """Forget cached assignments after a role change."""
    if hasattr(user, "_lantu_assignments"):
        del user._lantu_assignments


def has_perm(
    actor: Actor,
    permission: Permission,
    *,
    org_unit: OrgUnit | None = None,
    department: Department | None = None,
) -> bool:
    """Whether ``actor`` holds ``permission`` over the given unit or department (or globally)."""
    if isinstance(actor, SystemActor):
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    if getattr(actor, "is_superuser", False):
        return True
    for assignment in active_assignments(actor):
        if permission not in ROLE_PERMISSIONS.get(assignment.role, frozenset()):
            continue
        if assignment.org_unit is None and assignment.department is None:
            return True  # unscoped: the whole programme
        in_unit = org_unit is not None and assignment.org_unit is not None
        if in_unit and org_unit.path.startswith(assignment.org_unit.path):  # type: ignore[union-attr]
            return True
        if department is not None and assignment.department_id == department.pk:
            return True
    return False


def scope_queryset(
    queryset: QuerySet[M],
    actor: Actor,
    permission: Permission,
    *,
    unit_field: str | None = "org_unit",
    department_field: str | None = None,
) -> QuerySet[M]:
    """Restrict ``queryset`` to the rows the actor may see under ``permission``.

    This is the one place that turns role scopes into a filter: a unit scope covers the
    unit and all its descendants (on any date), a department scope covers that department.
    """
    if isinstance(actor, SystemActor) or getattr(actor, "is_superuser", False):
        return queryset
    condition = Q(pk__in=[])
    for assignment in active_assignments(actor):
        if permission not in ROLE_PERMISSIONS.get(assignment.role, frozenset()):
            continue
        if assignment.org_unit is None and assignment.department is None:
            return queryset
        if assignment.org_unit is not None and unit_field:
            condition |= Q(**{f"{unit_field}__path__startswith": assignment.org_unit.path})
        if assignment.department is not None and department_field:
            condition |= Q(**{department_field: assignment.department_id})
    return queryset.filter(condition)
