"""The authorization matrix: every URL and every API operation × eight personas.

The URLs are read from the URL resolver and the operations from the OpenAPI document, and a test
fails when one of them has no row in :mod:`tests.security.authz_table` — so a new endpoint cannot
escape the matrix. Each (call, persona) pair is one test id, e.g.
``test_access[GET monitoring-enter-other]``.

The rule checked (``lantu/accounts/service.py``): records of another unit answer 404 (whoever may not
see them is not told they exist), 403 only where the object is visible but the action is not
permitted, anonymous visitors are sent to the login page (pages) or get 401 (API); public pages stay
public.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security import world as w
from tests.security.authz_table import (
    ADMIN_GROUP,
    API_CALLS,
    PAGE_CALLS,
    REDIRECTS_ELSEWHERE,
    UNCHECKED_API,
    UNCHECKED_PAGES,
    Call,
)

#: The API's URLs that are not operations: the document, its browsable view, the root.
API_PAGES = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}


def url_patterns() -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern, walking includes; the key is the namespaced name, or the
    route for an unnamed pattern. The API's operations are listed from the OpenAPI document instead."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace or "") if x)
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
                yield name, route

    yield from walk(get_resolver().url_patterns, "", "")


def page_keys() -> set[str]:
    keys = set()
    for name, _route in url_patterns():
        if name.startswith("admin:") or _route.startswith("admin/"):
            continue  # the admin is one group, ADMIN_GROUP
        if name.startswith("api-v1:") and name not in API_PAGES:
            continue  # the operations, from the OpenAPI document
        keys.add(name)
    return keys


def openapi_operations(client: Client) -> set[str]:
    document = client.get("/api/v1/openapi.json", secure=True).json()
    return {op["operationId"] for ops in document["paths"].values() for op in ops.values()}


def test_every_url_has_a_row() -> None:
    covered = {c.name for c in PAGE_CALLS} | UNCHECKED_PAGES.keys()
    assert sorted(page_keys() - covered) == [], "add a row to tests/security/authz_table.py"
    assert sorted(covered - page_keys()) == [], "a row for a URL that no longer exists"


def test_every_api_operation_has_a_row(client: Client) -> None:
    covered = {c.name for c in API_CALLS} | UNCHECKED_API.keys()
    operations = openapi_operations(client)
    assert sorted(operations - covered) == [], "add a row to tests/security/authz_table.py"
    assert sorted(covered - operations) == [], "a row for an operation that no longer exists"


def test_every_api_url_is_in_the_openapi_document(client: Client) -> None:
    """An API URL hidden from the document (include_in_schema=False) would escape the matrix."""
    document = client.get("/api/v1/openapi.json", secure=True).json()
    documented = {path.removeprefix("/api/v1/").replace("{", "<").replace("}", ">") for path in document["paths"]}
    routes = {
        route.removeprefix("api/v1/")
        for name, route in url_patterns()
        if name.startswith("api-v1:") and name not in API_PAGES
    }
    # Ninja writes typed converters (<int:number>); the document has bare names.
    bare = {r.replace("int:", "").replace("str:", "").replace("path:", "") for r in routes}
    assert sorted(bare - documented) == []


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[w.World]:
    """Build the objects once for the module inside a transaction rolled back at its end; each test
    runs in a savepoint within it."""
    media = tempfile.TemporaryDirectory(prefix="lantu-authz-")
    settings = override_settings(MEDIA_ROOT=media.name)
    settings.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        # Each test's TestCase.tearDownClass closes the connection (in-memory SQLite is spared, a
        # PostgreSQL connection is not), which would end this transaction; keep it open meanwhile.
        connection.close = lambda: None  # type: ignore[method-assign]
        try:
            yield w.build(media.name)
        finally:
            del connection.close
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            settings.disable()
            media.cleanup()


def _request(client: Client, call: Call, world: w.World) -> Any:
    path = w.fill(call.path, world)
    if call.api and call.form:
        return client.post(path, call.data or {}, secure=True)
    if call.api:
        body = json.dumps(call.data) if call.data is not None else None
        if call.method == "GET":
            return client.get(path, secure=True)
        return client.generic(call.method, path, body or "", content_type="application/json", secure=True)
    if call.method == "GET":
        return client.get(path, secure=True)
    form = {k: w.fill(v, world) if isinstance(v, str) else v for k, v in (call.data or {}).items()}
    return client.post(path, form, secure=True)


def _cases() -> list[Any]:
    return [
        pytest.param(call, persona, i, id=f"{call.method} {call.label}-{persona}")
        for call in (*PAGE_CALLS, *API_CALLS)
        for i, persona in enumerate(w.PERSONAS)
    ]


@pytest.mark.parametrize(("call", "persona", "index"), _cases())
def test_access(call: Call, persona: str, index: int, world: w.World, db: None) -> None:
    client = Client()
    if persona != "anon":
        client.force_login(w.user_of(persona))
    response = _request(client, call, world)
    response.close()  # a file download holds its file open until closed
    expected = call.expect[index]
    allowed = expected if isinstance(expected, frozenset) else frozenset({expected})
    assert response.status_code in allowed, (
        f"{call.method} {w.fill(call.path, world)} as {persona}: {response.status_code}, expected {sorted(allowed)}"
    )
    if persona == "anon" and response.status_code == 302 and not call.api and call.name not in REDIRECTS_ELSEWHERE:
        assert response["Location"].startswith("/accounts/login/"), response["Location"]


@pytest.mark.parametrize("persona", w.PERSONAS)
def test_the_admin_is_for_staff_only(persona: str, world: w.World, db: None) -> None:
    """No persona is staff: every admin page sends them to the admin's login."""
    client = Client()
    if persona != "anon":
        client.force_login(w.user_of(persona))
    for path in ADMIN_GROUP:
        response = client.get(path, secure=True)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


def test_every_admin_changelist_refuses_non_staff(world: w.World, db: None) -> None:
    """Each model's change list (not only the index) refuses a signed-in reporter who is not staff."""
    from django.contrib import admin

    client = Client()
    client.force_login(w.user_of("county"))
    for model in admin.site._registry:
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(path, secure=True)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path


# --- lists answer 200 to everyone, so what they hold is checked too ---------------------------


def _get(persona: str, path: str) -> Any:
    client = Client()
    if persona != "anon":
        client.force_login(w.user_of(persona))
    return client.get(path, secure=True)


def test_values_list_holds_only_the_callers_scope(world: w.World, db: None) -> None:
    """西湖区's submitted (unapproved) 2023 figures: its reporter and the 杭州市 approver see them, the
    余杭区 reporter and the DSJ reporter (whose indicators they are not) do not."""

    def xihu_2023(persona: str) -> list[Any]:
        rows = _get(persona, f"/api/v1/values?period=2023&round={w.ROUND}").json()
        return [r for r in rows if r["org_unit"] == w.OWN_UNIT]

    assert len(xihu_2023("county")) == 2
    assert len(xihu_2023("city")) == 2
    assert xihu_2023("other") == []
    assert xihu_2023("dept") == []


def test_sdmx_export_holds_no_unapproved_figure_of_another_unit(world: w.World, db: None) -> None:
    for basis in ("approved", "preliminary"):
        body = _get("other", f"/api/v1/exchange/sdmx/data?format=csv&period=2023&basis={basis}").content.decode()
        assert "3300" not in body, basis  # 西湖区's submitted DE_TOTAL 2023
        assert "6600" not in body, basis


def test_unpublished_assessment_is_listed_for_its_readers_only(world: w.World, db: None) -> None:
    def codes(persona: str) -> set[str]:
        return {a["code"] for a in _get(persona, "/api/v1/assessments").json()}

    assert w.ASSESSMENT in codes("admin")
    assert w.ASSESSMENT in codes("evaluator")
    for persona in ("dept", "city", "county", "other", "leader"):
        assert w.ASSESSMENT not in codes(persona), persona


def test_pages_link_only_to_what_the_reader_may_open(world: w.World, db: None) -> None:
    """The round list offers 余杭区 no entry grid of 西湖区; the task page no evidence download."""
    rounds = _get("other", "/monitoring/rounds/").content.decode()
    assert f"/enter/{w.OWN_UNIT}/" not in rounds
    assert f"/enter/{w.OTHER_UNIT}/" in rounds
    task = _get("other", f"/tasks/{w.TASK}/").content.decode()
    assert "/tasks/evidence/" not in task
    assert "/tasks/evidence/" in _get("county", f"/tasks/{w.TASK}/").content.decode()


def test_the_preliminary_basis_needs_the_right_to_read_it(world: w.World, db: None) -> None:
    """Asking for preliminary figures of another unit gives 404, never the unapproved numbers."""
    progress = _get("other", f"/api/v1/indicators/DE_TOTAL/progress?org_unit={w.OWN_UNIT}&basis=preliminary")
    assert progress.status_code == 404
    assert _get("other", f"/progress/?org_unit={w.OWN_UNIT}&basis=preliminary").status_code == 404
    mine = _get("county", f"/api/v1/indicators/DE_TOTAL/progress?org_unit={w.OWN_UNIT}&basis=preliminary")
    assert mine.status_code == 200
