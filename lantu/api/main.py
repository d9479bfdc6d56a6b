"""The NinjaAPI instance: routers, and errors turned into JSON with row/field/reason."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError
from lantu.api import assessment, exchange, framework, maps, monitoring, orgunits, policies, projects, publishing, tasks

api = NinjaAPI(
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


@api.exception_handler(InvalidInput)
def invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    return api.create_response(
        request,
        {
            "detail": [
                {"row": p.row, "field": p.field, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in exc.problems
            ]
        },
        status=422,
    )


@api.exception_handler(NotFound)
def not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=404)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(PermissionDeniedError)
def denied(request: HttpRequest, exc: PermissionDeniedError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=403)
