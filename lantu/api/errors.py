"""The API's errors: one body shape per kind, declared in the OpenAPI document for every operation.

Clients (and the schemathesis run in tests/security) can rely on the document: an operation answers
its declared success code, or one of these errors with the body shown, never anything else.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.openapi.schema import OpenAPISchema

from lantu.core.problems import Problem

_MESSAGE = "LantuErrorMessage"
_PROBLEMS = "LantuErrorProblems"

_COMPONENTS: dict[str, Any] = {
    _MESSAGE: {
        "title": _MESSAGE,
        "type": "object",
        "properties": {"detail": {"title": "Detail", "type": "string"}},
        "required": ["detail"],
    },
    _PROBLEMS: {
        "title": _PROBLEMS,
        "type": "object",
        "properties": {
            "detail": {
                "title": "Detail",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "row": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                        "field": {"type": "string"},
                        "message_zh": {"type": "string"},
                        "message_en": {"type": "string"},
                    },
                    "required": ["row", "field", "message_zh", "message_en"],
                },
            }
        },
        "required": ["detail"],
    },
}

_WRITE_METHODS = {"post", "put", "patch", "delete"}


def _response(description: str, component: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


# A body that cannot be parsed at all: a message, or (exchange formats) the file's problems.
_malformed = {
    "description": "Malformed request: the body cannot be parsed",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [{"$ref": f"#/components/schemas/{_MESSAGE}"}, {"$ref": f"#/components/schemas/{_PROBLEMS}"}]
            }
        }
    },
}


def declare_errors(document: OpenAPISchema) -> None:
    """Add the error responses every operation can give, unless the operation declares its own."""
    document.setdefault("components", {}).setdefault("schemas", {}).update(_COMPONENTS)
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = {
                400: _malformed,
                # Share-token endpoints authenticate outside the OpenAPI security schemes, so every
                # operation may answer 401.
                401: _response("Not authenticated", _MESSAGE),
                403: _response("Not allowed for this user", _MESSAGE),
                404: _response("Not found (or not visible to this user)", _MESSAGE),
                422: _response("Invalid input: problems by row and field, in Chinese and English", _PROBLEMS),
            }
            if method in _WRITE_METHODS:
                errors[409] = _response("Conflicts with the current state", _MESSAGE)
            for status, response in errors.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = response


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _nul_field(request: HttpRequest) -> str | None:
    """Where a request carries a NUL character, if it does: the path, the query, or the body."""
    if "\x00" in request.path_info:
        return "path"
    if any(_contains_nul(k) or _contains_nul(v) for k, values in request.GET.lists() for v in values):
        return "query"
    content_type = request.content_type or ""
    if content_type.endswith("json") and b"\\u0000" in request.body:
        try:
            if _contains_nul(json.loads(request.body)):
                return "body"
        except ValueError:
            return None  # not JSON at all: ninja answers 400
    elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded") and any(
        _contains_nul(k) or _contains_nul(v) for k, values in request.POST.lists() for v in values
    ):
        return "body"
    return None


def refuse_nul(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 422 to a request with a NUL character anywhere.

    PostgreSQL cannot store NUL in text (or even compare with it) and Django's forms refuse it; the
    API refuses it too, before a lookup or a write turns it into a database error (a 500).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        field = _nul_field(request)
        if field is not None:
            problem = Problem(field, "不能包含空字符（NUL）", "must not contain the NUL character")
            return JsonResponse(problems_body([problem]), status=422)
        return view(request, *args, **kwargs)

    return wrapper


class LantuAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document also declares the error responses (see ``declare_errors``),
    and which refuses NUL characters in every request (see ``refuse_nul``)."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        for url in urls:
            if isinstance(url, URLPattern):
                url.callback = refuse_nul(url.callback)
        return urls

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_errors(document)
        return document


def problems_body(problems: Iterable[Problem]) -> dict[str, Any]:
    """The 422 body: every problem with its row, field and reason in both languages."""
    return {
        "detail": [
            {"row": p.row, "field": p.field, "message_zh": p.message_zh, "message_en": p.message_en} for p in problems
        ]
    }


#: Chinese for pydantic's commonest error types; others show pydantic's English message.
_ZH = {
    "missing": "缺少此项",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_parsing": "应为日期（如 2024-03-31）",
    "date_from_datetime_parsing": "应为日期（如 2024-03-31）",
    "datetime_parsing": "应为日期时间",
    "json_invalid": "不是有效的 JSON",
    "string_too_long": "文本过长",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
}


def validation_problems(exc: ValidationError) -> list[Problem]:
    """Ninja's request validation errors as problems: the row is the list item (from 1), the field its key.

    ``("body", "payload", "values", 2, "period")`` becomes row 3, field ``period``.
    """
    problems = []
    for error in exc.errors:
        location = list(error.get("loc", ()))
        # ("body", <parameter name>, ...) and ("query", <name>): the parameter name says nothing to a client.
        path = location[2:] if location[:1] == ["body"] and len(location) > 2 else location[1:] or location
        indexes = [part for part in path if isinstance(part, int)]
        names = [str(part) for part in path if not isinstance(part, int)]
        message = str(error.get("msg", "invalid"))
        kind = str(error.get("type", ""))
        problems.append(
            Problem(
                names[-1] if names else "",
                _ZH.get(kind, f"格式不符：{message}"),
                message,
                indexes[0] + 1 if indexes else None,
            )
        )
    return problems
