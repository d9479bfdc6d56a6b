"""Every service function declares and checks a permission (permission by construction)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import pytest

import lantu
from lantu.accounts.service import REGISTRY, require, service

# Functions in service modules that read or compute only and touch no database.
PURE_HELPERS = {
    "read_org_unit_rows",
    "parse_programme_file",
    "parse_task_file",
    "parse_project_file",
    "step_count",
    "generate_password",
}


def service_modules() -> list[Any]:
    """Every ``services`` module (or module of a ``services`` package) and loader in lantu."""
    found = []
    for info in pkgutil.walk_packages(lantu.__path__, "lantu."):
        parts = info.name.split(".")
        if info.ispkg:
            continue
        if parts[-1] in {"services", "loader"} or "services" in parts[:-1]:
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
