"""The machinery every service function shares: actors, the permission check, errors, audit.

A service function is one use case (``create_indicator``, ``set_target`` …). It is declared with
:func:`service`, which

* registers it, so a meta-test can prove that every service checks permission;
* runs it inside one database transaction, so a refused input writes nothing;
* for ``scoped`` services, fails loudly if the body forgot to call :func:`require` on the object.

Web views, API endpoints and the CLI call these functions and nothing below them.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from django.db import transaction
from django.utils import translation

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import Actor, Permission, has_perm, label_of, user_of

# InvalidInput and Problem live in the pure core; services import them from here with the rest.
from lantu.core.problems import InvalidInput as InvalidInput
from lantu.core.problems import Problem as Problem

if TYPE_CHECKING:
    from django.db.models import Model

    from lantu.orgunits.models import Department, OrgUnit

P = ParamSpec("P")
R = TypeVar("R")


def problem_text(problem: Problem) -> str:
    """A problem's message in the active language."""
    return problem.message(english=(translation.get_language() or "").startswith("en"))


class NotFound(LookupError):  # noqa: N818
    """The object does not exist, or the actor may not know that it exists (404, not 403)."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"未找到{what}“{key}” (not found: {what} {key})")


class Conflict(RuntimeError):  # noqa: N818 - reads as what happened: a conflict
    """Someone else changed the object first (a compare-and-set matched no row); try again."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} 已被他人处理，请刷新后重试 (changed by someone else; reload and retry)")


class PermissionDeniedError(PermissionError):
    """The actor may see the object but not perform this action on it."""

    def __init__(self, actor: Actor, permission: str) -> None:
        self.permission = permission
        super().__init__(f"{label_of(actor)} 无权执行 {permission} (permission denied)")


@dataclass(frozen=True)
class ServiceInfo:
    """What the registry knows of a service function."""

    name: str
    permission: Permission
    scoped: bool


REGISTRY: dict[str, ServiceInfo] = {}
_checked: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("lantu_service_checked", default=None)


def service(permission: Permission, *, scoped: bool = False) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare a service function: its first argument is the acting :data:`Actor`.

    Unscoped services are checked here against the actor's global rights. Scoped services
    must call :func:`require` with the org unit or department they act on; if the body
    returns without having done so, the call fails (and the transaction rolls back).
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        qualname = f"{func.__module__}.{func.__qualname__}"
        REGISTRY[qualname] = ServiceInfo(qualname, permission, scoped)

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = args[0] if args else kwargs.get("actor")
            if not scoped:
                require(actor, permission)  # type: ignore[arg-type]
            marker: list[bool] = []
            token = _checked.set(marker)
            try:
                with transaction.atomic():
                    result = func(*args, **kwargs)
                    if scoped and not marker:
                        raise RuntimeError(f"{qualname} is scoped but never called require()")
            finally:
                _checked.reset(token)
            return result

        wrapper.__lantu_service__ = REGISTRY[qualname]  # type: ignore[attr-defined]
        return wrapper

    return decorate


def require(
    actor: Actor,
    permission: Permission,
    *,
    org_unit: OrgUnit | None = None,
    department: Department | None = None,
) -> None:
    """Raise :class:`PermissionDeniedError` unless the actor holds ``permission`` here."""
    marker = _checked.get()
    if marker is not None:
        marker.append(True)
    if not has_perm(actor, permission, org_unit=org_unit, department=department):
        # Whoever may not even see the unit's data is not told that it exists (404, not 403).
        if org_unit is not None and not has_perm(actor, "values.read", org_unit=org_unit, department=department):
            raise NotFound("行政区划", org_unit.code)
        raise PermissionDeniedError(actor, permission)


def audit(
    actor: Actor,
    action: str,
    obj: Model,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row; called by service functions inside their transaction."""
    return AuditEvent.objects.create(
        actor=user_of(actor),
        actor_label=label_of(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        before=before,
        after=after,
        reason=reason,
    )


@dataclass
class Changes:
    """Before/after snapshots of the fields a service changed, for the audit row."""

    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)

    def set(self, obj: object, name: str, value: Any) -> None:
        """Set ``obj.name = value`` and remember the change if the value differs."""
        old = getattr(obj, name)
        if old != value:
            self.before[name] = _jsonable(old)
            self.after[name] = _jsonable(value)
            setattr(obj, name, value)

    def __bool__(self) -> bool:
        return bool(self.after)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "pk"):
        return str(value)
    return str(value)
