"""Every service function declares and checks a permission (permission by construction)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import lantu
from lantu.accounts.service import REGISTRY, require, service

#: Public functions of service modules that are not services, each with the reason. They read or
#: compute only and touch no database (``test_helpers_write_nothing`` reads their source to hold
#: them to it); anything that writes must be a declared service.
PURE_HELPERS: dict[str, str] = {
    "read_org_unit_rows": "parses the org-unit CSV shipped with Lantu into rows; the loader's service writes",
    "parse_programme_file": "parses a programme YAML into specs; load_programme (a service) writes",
    "parse_task_file": "parses the task-list YAML into specs; load_tasks (a service) writes",
    "parse_project_file": "parses the project YAML into specs; load_projects (a service) writes",
    "step_count": "counts an index method's steps, pure arithmetic",
    "generate_password": "makes a random password string; create_user (a service) stores it",
}


def service_modules() -> list[Any]:
    """Every service module in lantu: ``services.py``, ``services_*.py``, a ``services`` package (its
    ``__init__`` too, which could define functions) and its modules, and the loaders."""
    found = []
    for info in pkgutil.walk_packages(lantu.__path__, "lantu."):
        parts = info.name.split(".")
        if parts[-1].startswith("services") or parts[-1] == "loader" or "services" in parts[:-1]:
            found.append(importlib.import_module(info.name))
    return found


def test_service_modules_are_found() -> None:
    names = {m.__name__ for m in service_modules()}
    assert {
        "lantu.framework.services",
        "lantu.orgunits.services",
        "lantu.accounts.services",
        "lantu.monitoring.services.values",
        "lantu.monitoring.services.approval",
        "lantu.monitoring.services.rounds",
        "lantu.monitoring.services",  # the package itself
        "lantu.tasks.services.tasks",
        "lantu.orgunits.loader",
    } <= names


@pytest.mark.parametrize("module", service_modules(), ids=lambda m: m.__name__)
def test_every_public_function_is_a_declared_service(module: Any) -> None:
    undeclared = [
        name
        for name, func in inspect.getmembers(module, inspect.isfunction)
        if func.__module__ == module.__name__
        and not name.startswith("_")
        and not hasattr(func, "__lantu_service__")
        and name not in PURE_HELPERS
    ]
    assert undeclared == []


def test_registry_has_a_permission_for_each() -> None:
    assert REGISTRY
    assert all(info.permission for info in REGISTRY.values())


@pytest.mark.django_db
def test_scoped_service_that_forgets_to_check_fails(system: Any) -> None:
    @service("values.report", scoped=True)
    def forgetful(actor: Any) -> int:
        return 1

    with pytest.raises(RuntimeError, match="never called require"):
        forgetful(system)

    @service("values.report", scoped=True)
    def careful(actor: Any) -> int:
        require(actor, "values.report")
        return 1

    assert careful(system) == 1


def test_every_helper_exists_and_writes_nothing() -> None:
    """A listed helper that no longer exists is dropped from the list; one that writes is a service."""
    import ast
    import textwrap

    functions = {
        name: func
        for module in service_modules()
        for name, func in inspect.getmembers(module, inspect.isfunction)
        if func.__module__ == module.__name__
    }
    assert sorted(set(PURE_HELPERS) - set(functions)) == []
    writes = {"save", "create", "bulk_create", "update", "bulk_update", "delete", "get_or_create", "update_or_create"}
    for name in PURE_HELPERS:
        tree = ast.parse(textwrap.dedent(inspect.getsource(functions[name])))
        called = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        assert not called & writes, f"{name} calls {sorted(called & writes)}: declare it a service"
