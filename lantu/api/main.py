"""The NinjaAPI instance: routers, and errors turned into JSON with row/field/reason."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja.errors import ValidationError

from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError, Problem
from lantu.api import assessment, exchange, framework, maps, monitoring, orgunits, policies, projects, publishing, tasks
from lantu.api.errors import LantuAPI, problems_body, validation_problems
from lantu.core.errors import LantuValueError

# LantuAPI declares in the OpenAPI document the error responses the handlers below produce.
api = LantuAPI(
    title="Lantu 蓝图 API",
    version="1",
    description="Programmes, areas, indicators with baselines and targets, org units and departments. "
    "JSON field names are English; names come in zh-Hans (name_zh) and English (name_en).",
    urls_namespace="api-v1",
)
api.add_router("/", framework.router)
api.add_router("/", orgunits.router)
api.add_router("/", monitoring.router)
api.add_router("/", maps.router)
api.add_router("/", projects.router)
api.add_router("/", policies.router)
api.add_router("/", tasks.router)
api.add_router("/", assessment.router)
api.add_router("/", publishing.router)
api.add_router("/", exchange.router)
api.add_router("/", "lantu.api.sharing.router")  # 按需共享: /sharing/… (users), /shared/… (share tokens)


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(request, problems_body(exc.problems), status=422)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A request that does not fit the operation's schema gets the same 422 body as any other bad input."""
    return api.create_response(request, problems_body(validation_problems(exc)), status=422)


@api.exception_handler(LantuValueError)
def invalid_value(request: HttpRequest, exc: LantuValueError) -> HttpResponse:
    """A value refused by a pure core (a period, a unit, a number) that no endpoint turned into a problem."""
    return api.create_response(request, problems_body([Problem("", exc.message_zh, exc.message_en)]), status=422)


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDeniedError)
def denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=403)
