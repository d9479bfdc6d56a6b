"""API fuzzing: schemathesis generates requests from /api/v1/openapi.json and checks every answer.

Each operation of the document as it stands when the test runs gets a bounded number of generated
requests (fixed seed, derandomized), sent through the real Django WSGI handler inside the test's
transaction. Checks: no 5xx, the response body matches the declared schema, the status code is
declared. The number of requests actually sent is counted and must reach the promised minimum.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from ninja import Schema
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance
from schemathesis.core.result import Err

from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import create_api_token

log = logging.getLogger(__name__)

pytestmark = pytest.mark.django_db

SCHEMA_PATH = "/api/v1/openapi.json"
#: Generated requests per operation at most (hypothesis stops early when an operation has few inputs).
PER_OPERATION = 20
#: The same for the second, weaker persona (a county reporter): refusals rather than breadth.
PER_OPERATION_REPORTER = 4
#: The promise of issue 9: at least this many requests in one run.
MINIMUM_REQUESTS = 1000
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]


@dataclass
class Tally:
    sent: int = 0
    per_operation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def wsgi_app(settings: Any) -> Iterator[WSGIHandler]:
    """The production WSGI handler, kept from closing the test's connection between requests."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # The test client speaks plain http; the https redirect is not what is being fuzzed.
    settings.SECURE_SSL_REDIRECT = False
    # The handler closes the database connection around each request, which would end the test's
    # transaction; Django's own test client disconnects the same receiver for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _token(username: str) -> str:
    _, plain = create_api_token(SystemActor("system:test"), username, "fuzz")
    return plain


def _fuzz(app: WSGIHandler, token: str, tally: Tally, *, per_operation: int) -> None:
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # an operation the document describes wrongly is a failure too
            tally.failures.append(f"invalid operation in the document: {result.err()}")
            continue
        _run_operation(result.ok(), headers, tally, per_operation)


def _run_operation(operation: Any, headers: dict[str, str], tally: Tally, per_operation: int) -> None:
    label = operation.label

    # derandomize: the examples come from a seed fixed by the test itself, so every run sends the
    # same requests; no example database, no shrinking (failures are collected, not minimised).
    @settings(
        max_examples=per_operation,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        tally.sent += 1
        tally.per_operation[label] = tally.per_operation.get(label, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis raises FailureGroup; collect all
            tally.failures.append(f"{label}: {type(exc).__name__}: {str(exc)[:800]}")

    run()


def test_api_fuzz_as_programme_admin(wsgi_app: WSGIHandler, admin_user: Any) -> None:
    """Every operation, as the office: no 5xx, bodies and status codes as the document declares."""
    tally = Tally()
    _fuzz(wsgi_app, _token(admin_user.username), tally, per_operation=PER_OPERATION)
    log.info("api fuzz (programme admin): %d requests over %d operations", tally.sent, len(tally.per_operation))
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.sent >= MINIMUM_REQUESTS, tally.per_operation


def test_api_fuzz_as_county_reporter(wsgi_app: WSGIHandler, county_reporter: Any) -> None:
    """Every operation again as 西湖区's reporter: refusals are declared 403/404s, never a 5xx."""
    tally = Tally()
    _fuzz(wsgi_app, _token(county_reporter.username), tally, per_operation=PER_OPERATION_REPORTER)
    log.info("api fuzz (county reporter): %d requests over %d operations", tally.sent, len(tally.per_operation))
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.sent >= len(tally.per_operation) > 0


def test_api_schema_names_are_unique() -> None:
    """Two request/response classes with one name share one entry of the OpenAPI document, so one of
    them is described wrongly (issue 9 found RecordOut and MilestoneOut described as other endpoints')."""
    import lantu.api.main  # noqa: F401 - imports every router

    seen: dict[str, list[str]] = {}
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("lantu."):
            seen.setdefault(cls.__name__, []).append(f"{cls.__module__}.{cls.__qualname__}")
    assert {name: where for name, where in seen.items() if len(set(where)) > 1} == {}


def test_request_validation_errors_name_row_and_field(wsgi_app: WSGIHandler, admin_user: Any) -> None:
    """A body that does not fit the schema gets the project's 422: row (list item from 1), field, zh and en."""
    from django.test import Client

    response = Client().post(
        "/api/v1/values",
        {"values": [{"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": 1}, {"indicator": 1}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {_token(admin_user.username)}"},
    )
    assert response.status_code == 422
    problems = {(p["row"], p["field"]): (p["message_zh"], p["message_en"]) for p in response.json()["detail"]}
    assert problems[(2, "indicator")] == ("应为文本", "Input should be a valid string")
    assert problems[(2, "period")] == ("缺少此项", "Field required")


def test_what_the_api_fuzzing_found(wsgi_app: WSGIHandler, admin_user: Any) -> None:
    """Each was a 500 before: a negative offset, a period that does not parse, a NUL character."""
    from django.test import Client

    client = Client(headers={"Authorization": f"Bearer {_token(admin_user.username)}"})
    assert client.get("/api/v1/values", {"offset": -600}).status_code == 200
    response = client.get("/api/v1/projects/rollup", {"up_to": "policy"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "up_to"
    for response in (
        client.get("/api/v1/programmes/DZ%00J"),
        client.get("/api/v1/indicators", {"programme": "DZJ\x00"}),
        client.post("/api/v1/policies", {"code": "P\x00", "title_zh": "x"}, content_type="application/json"),
    ):
        assert response.status_code == 422
        assert response.json()["detail"][0]["message_en"] == "must not contain the NUL character"


def test_a_task_list_with_control_characters_still_exports() -> None:
    """The API accepts any text in a task; the 清单 export (GET /api/v1/tasks/export.xlsx) was a 500 on it."""
    from lantu.core.tabular.qingdan import QingdanLine, TimeSpan, read_qingdan, write_qingdan

    line = QingdanLine(0, "T1", "建设\x01平台\x1f", ["省大数据局"], [], TimeSpan(None, None), progress="进展\x0b")
    data = write_qingdan([line], title="清单\x02")
    assert read_qingdan(data).rows[0].title == "建设平台"
