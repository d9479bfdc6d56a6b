"""The one service layer, proved: the guards of ``@service`` work, and nothing else writes.

``tests/accounts/test_service_registry.py`` proves every public function of a service module is a
declared service. Here: (1) the guards the decorator adds do what they promise at runtime — an
unscoped service refuses before its body runs, a scoped one that never calls ``require()`` fails and
what it wrote is rolled back, a refusal after a write leaves nothing; (2) the pages, the API and the
CLI write through the ORM nowhere but in the few places listed below with their reason.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import Any, get_args

import pytest
from django.contrib.auth.models import AnonymousUser

import lantu
from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import Permission
from lantu.accounts.service import REGISTRY, NotFound, PermissionDeniedError, ServiceInfo, audit, require, service
from lantu.orgunits.models import OrgUnit
from tests.accounts.test_service_registry import service_modules

pytestmark = pytest.mark.django_db


def _registered() -> list[tuple[str, Any, ServiceInfo]]:
    """(qualified name, callable) of every registered service, importing every service module first."""
    service_modules()
    found = []
    for qualname, info in sorted(REGISTRY.items()):
        module_name, _, func_name = qualname.rpartition(".")
        if "<locals>" in qualname or module_name.startswith("tests."):
            continue  # declared inside a test
        func = getattr(importlib.import_module(module_name), func_name)
        found.append((qualname, func, info))
    return found


def test_every_registered_service_has_a_known_permission() -> None:
    known = set(get_args(Permission))
    assert _registered()
    assert [q for q, _f, info in _registered() if info.permission not in known] == []


def test_every_unscoped_service_refuses_an_anonymous_actor_before_its_body() -> None:
    """The check comes first: called with nothing but an anonymous actor, each refuses (403) — the
    body, which would need the other arguments, never runs."""
    unscoped = [(q, f) for q, f, info in _registered() if not info.scoped]
    assert unscoped
    for qualname, func in unscoped:
        with pytest.raises(PermissionDeniedError):
            func(AnonymousUser())
        assert AuditEvent.objects.filter(actor_label="anonymous").count() == 0, qualname


def test_every_office_service_refuses_a_county_reporter(county_reporter: Any) -> None:
    """Services of the programme office (framework.manage, accounts.manage, orgunits.manage) refuse
    a unit reporter, whatever the arguments."""
    office = [(q, f) for q, f, info in _registered() if not info.scoped and info.permission.endswith(".manage")]
    assert office
    for qualname, func in office:
        with pytest.raises(PermissionDeniedError):
            func(county_reporter)
        assert qualname


def test_a_scoped_service_that_never_checks_fails_and_writes_nothing(system: Any) -> None:
    unit = OrgUnit.objects.filter(code="330106").first()
    assert unit is not None

    @service("values.report", scoped=True)
    def forgetful(actor: Any) -> None:
        audit(actor, "test.forgetful", unit)

    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError, match="never called require"):
        forgetful(system)
    assert AuditEvent.objects.count() == before  # the audit row written before the failure is gone


def test_a_refusal_after_a_write_leaves_nothing(county_reporter: Any) -> None:
    """A scoped service that writes, then is refused on another unit: 404, and the write is undone."""
    own = OrgUnit.objects.filter(code="330106").first()
    other = OrgUnit.objects.filter(code="330110").first()
    assert own is not None
    assert other is not None

    @service("values.report", scoped=True)
    def two_units(actor: Any, first: OrgUnit, second: OrgUnit) -> None:
        require(actor, "values.report", org_unit=first)
        audit(actor, "test.two_units", first)
        require(actor, "values.report", org_unit=second)

    before = AuditEvent.objects.count()
    with pytest.raises(NotFound):  # 余杭区's data is not the 西湖区 reporter's to know of
        two_units(county_reporter, own, other)
    assert AuditEvent.objects.count() == before


def test_visible_but_not_permitted_is_403_and_invisible_is_404(city_approver: Any, county_reporter: Any) -> None:
    """The rule every endpoint inherits from require(): 403 only where the actor may see the unit."""
    xihu = OrgUnit.objects.filter(code="330106").first()
    assert xihu is not None
    with pytest.raises(PermissionDeniedError):  # the 杭州市 approver reads 西湖区 but does not report for it
        require(city_approver, "values.report", org_unit=xihu)
    yuhang = OrgUnit.objects.filter(code="330110").first()
    assert yuhang is not None
    with pytest.raises(NotFound):
        require(county_reporter, "values.report", org_unit=yuhang)


# --- nothing writes outside the services -----------------------------------------------------

#: ORM write methods. ``update``/``create``/``delete`` count only on a queryset-looking receiver
#: (``….objects…``, ``.filter(…)``, ``.exclude(…)``, ``.all()``), as dicts and sets have ``update``.
WRITES_ANYWHERE = {"save", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
WRITES_ON_QUERYSETS = {"update", "create", "delete"}

#: (module, function) writing directly, with the reason it is not a service.
ALLOWED_WRITES: dict[tuple[str, str], str] = {
    ("lantu.api.auth", "authenticate"): "stamps an API token's last use while authenticating; no user's use case",
    ("lantu.web.monitoring", "notifications"): (
        "marks the signed-in user's own notifications read (filtered by request.user); not programme data"
    ),
}


def entry_point_modules() -> list[str]:
    """Pages, API routers, the CLI: the thin layers that must call services to write."""
    names = []
    for info in pkgutil.walk_packages(lantu.__path__, "lantu."):
        parts = info.name.split(".")
        if parts[1] in {"web", "api"} or parts[-1] in {"cli", "index_cli"}:
            names.append(info.name)
    return sorted(names)


def _writes(module_name: str) -> list[tuple[str, str, int]]:
    spec = importlib.util.find_spec(module_name)
    assert spec is not None
    assert spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute):
                method = child.func.attr
                receiver = ast.unparse(child.func.value)
                querysetish = any(m in receiver for m in (".objects", "objects.", ".filter(", ".exclude(", ".all()"))
                if method in WRITES_ANYWHERE or (method in WRITES_ON_QUERYSETS and querysetish):
                    found.append((name, f"{receiver}.{method}(…)", child.lineno))
            visit(child, name)

    visit(tree, "<module>")
    return found


def test_entry_points_are_found() -> None:
    names = entry_point_modules()
    assert {"lantu.web.tasks", "lantu.api.monitoring", "lantu.cli", "lantu.tasks.cli"} <= set(names)


@pytest.mark.parametrize("module_name", entry_point_modules())
def test_entry_points_write_only_through_services(module_name: str) -> None:
    stray = [
        f"{module_name}.{function} line {line}: {call}"
        for function, call, line in _writes(module_name)
        if (module_name, function) not in ALLOWED_WRITES
    ]
    assert stray == [], "write through a @service function (or list it in ALLOWED_WRITES with the reason)"


def test_allowed_writes_still_exist() -> None:
    """An allowance for code that no longer writes is dropped from the list."""
    present = {(m, f) for m in entry_point_modules() for f, _call, _line in _writes(m)}
    assert sorted(set(ALLOWED_WRITES) - present) == []
