"""Open data (开放数据): the public catalogue, dataset pages, downloads, DCAT-AP and the CKAN API.

No login anywhere here: everything is read through :mod:`lantu.publishing.selectors`, which only
ever yields published versions. A dataset or version that was published and is now withdrawn
answers 410 Gone (its date and reason, never its data); anything never published answers 404,
whoever guesses the URL. The CKAN Action API answers CKAN's envelope and error shapes; a withdrawn
package is "Not found" there (404), as CKAN shows deleted packages to nobody but sysadmins.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from lantu.accounts.service import NotFound
from lantu.orgunits.models import Department
from lantu.publishing import ckan, dcat, formats, selectors
from lantu.publishing.models import ROW_FIELDS, UpdateFrequency
from lantu.publishing.selectors import Gone, PublicDataset

PUBLIC_CACHE = "public, max-age=300"


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _gone(request: HttpRequest, exc: Gone) -> HttpResponse:
    return render(request, "publishing/gone.html", {"gone": exc}, status=410)


def _lookup(request: HttpRequest, find: Callable[[], Any]) -> Any:
    try:
        return find()
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Published datasets with search (any words, zh or en) and filters."""
    q = request.GET.get("q", "").strip()[:200]
    publisher = request.GET.get("publisher", "").strip()
    keyword = request.GET.get("keyword", "").strip()[:100]
    frequency = request.GET.get("frequency", "")
    frequency = frequency if frequency in UpdateFrequency.values else ""
    found = selectors.public_datasets(q, publisher=publisher, keyword=keyword, frequency=frequency)
    context = {
        "datasets": found,
        "q": q,
        "publisher": publisher,
        "keyword": keyword,
        "frequency": frequency,
        "publishers": Department.objects.filter(
            code__in={d.dataset.publisher.code for d in selectors.public_datasets()}
        ).order_by("code"),
        "frequencies": UpdateFrequency.choices,
        "has_demo": any(d.is_demo for d in found),
    }
    return render(request, "publishing/catalogue.html", context)


@require_GET
def dataset_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        public: PublicDataset = _lookup(request, lambda: selectors.public_dataset(code))
    except Gone as exc:
        return _gone(request, exc)
    current = public.current
    return render(
        request,
        "publishing/dataset.html",
        {
            "public": public,
            "dataset": public.dataset,
            "current": current,
            "rows": current.rows()[:50],
            "row_count": current.row_count,
            "fields": ROW_FIELDS,
        },
    )


def _version(request: HttpRequest, code: str, number: int) -> tuple[PublicDataset, Any] | HttpResponse:
    try:
        found: tuple[PublicDataset, Any] = _lookup(request, lambda: selectors.public_version(code, number))
    except Gone as exc:
        return _gone(request, exc)
    return found


def _download(content: bytes | str, content_type: str, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Cache-Control"] = PUBLIC_CACHE
    response["Access-Control-Allow-Origin"] = "*"
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def version_csv(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _version(request, code, number)
    if isinstance(found, HttpResponse):
        return found
    version = found[1]
    return _download(formats.csv_bytes(version), "text/csv; charset=utf-8", f"{formats.file_stem(version)}.csv")


@require_GET
def version_json(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _version(request, code, number)
    if isinstance(found, HttpResponse):
        return found
    public, version = found
    text = json.dumps(formats.json_document(public.dataset, version), ensure_ascii=False, indent=1)
    return _download(text, "application/json; charset=utf-8", f"{formats.file_stem(version)}.json")


@require_GET
def version_datapackage(request: HttpRequest, code: str, number: int) -> HttpResponse:
    found = _version(request, code, number)
    if isinstance(found, HttpResponse):
        return found
    public, version = found
    text = json.dumps(formats.datapackage(public.dataset, version, _base(request)), ensure_ascii=False, indent=1)
    return _download(text, "application/json; charset=utf-8")


@require_GET
def version_datapackage_csv(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """The Data Package's resource ``data.csv`` (the same bytes as ``v<n>.csv``)."""
    found = _version(request, code, number)
    if isinstance(found, HttpResponse):
        return found
    return _download(formats.csv_bytes(found[1]), "text/csv; charset=utf-8")


RDF_TYPES = {"jsonld": "application/ld+json; charset=utf-8", "ttl": "text/turtle; charset=utf-8"}


@require_GET
def catalogue_rdf(request: HttpRequest, fmt: str) -> HttpResponse:
    graph = dcat.catalogue_graph(selectors.public_datasets(), _base(request))
    return _download(dcat.serialise(graph, fmt), RDF_TYPES[fmt])


@require_GET
def dataset_rdf(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    try:
        public: PublicDataset = _lookup(request, lambda: selectors.public_dataset(code))
    except Gone as exc:
        return HttpResponse(str(exc), status=410, content_type="text/plain; charset=utf-8")
    return _download(dcat.serialise(dcat.dataset_graph(public, _base(request)), fmt), RDF_TYPES[fmt])


# ---- CKAN Action API (read-only) ----

CKAN_HELP = "{base}/api/3/action/help_show?name={action}"


class _CkanError(Exception):
    def __init__(self, status: int, kind: str, message: str, **fields: list[str]) -> None:
        self.status = status
        self.body: dict[str, Any] = {"__type": kind, "message": message, **fields}
        super().__init__(message)


def _int_param(params: dict[str, Any], name: str, default: int, maximum: int) -> int:
    raw = params.get(name, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _CkanError(409, "Validation Error", f"{name}: Invalid integer", **{name: ["Invalid integer"]}) from None
    if value < 0:
        raise _CkanError(
            409, "Validation Error", f"{name}: Must be a natural number", **{name: ["Must be a natural number"]}
        )
    return min(value, maximum)


def _package_show(params: dict[str, Any], base: str) -> Any:
    key = str(params.get("id") or params.get("name_or_id") or "").strip()
    if not key:
        raise _CkanError(409, "Validation Error", "id: Missing value", id=["Missing value"])
    for public in selectors.public_datasets():
        if key in (public.dataset.code, ckan.package(public, base)["id"]):
            return ckan.package(public, base)
    raise _CkanError(404, "Not Found Error", "Not found")


def _package_search(params: dict[str, Any], base: str) -> Any:
    rows = _int_param(params, "rows", 10, 1000)
    start = _int_param(params, "start", 0, 10**9)
    q = str(params.get("q") or "")
    q = "" if q.strip() in ("*:*", "*") else q
    found = selectors.public_datasets(q)
    return {
        "count": len(found),
        "results": [ckan.package(p, base) for p in found[start : start + rows]],
        "sort": "name asc",
        "facets": {},
        "search_facets": {},
    }


def _organization_list(params: dict[str, Any], base: str) -> Any:
    counts: dict[str, int] = {}
    publishers: dict[str, Department] = {}
    for public in selectors.public_datasets():
        department = public.dataset.publisher
        publishers[department.code] = department
        counts[department.code] = counts.get(department.code, 0) + 1
    all_fields = str(params.get("all_fields", "false")).lower() in ("true", "1", "yes")
    if all_fields:
        return [ckan.organization(publishers[c], count=counts[c]) for c in sorted(publishers)]
    return [publishers[c].code.lower() for c in sorted(publishers)]


CKAN_ACTIONS: dict[str, Callable[[dict[str, Any], str], Any]] = {
    "package_list": lambda params, base: [p.dataset.code for p in selectors.public_datasets()],
    "package_show": _package_show,
    "package_search": _package_search,
    "organization_list": _organization_list,
    "status_show": lambda params, base: {
        "site_title": "Lantu 蓝图",
        "site_url": base,
        "ckan_version": "2.10.0",
        "extensions": [],
        "locale_default": "zh_Hans_CN",
    },
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ckan_action(request: HttpRequest, action: str) -> JsonResponse:
    """One CKAN action: parameters from the query string (GET) or a JSON body (POST)."""
    base = _base(request)
    envelope: dict[str, Any] = {"help": CKAN_HELP.format(base=base, action=action)}
    try:
        if action not in CKAN_ACTIONS:
            raise _CkanError(400, "Bad request - Action Error", f"Action name not known: {action}")
        params: dict[str, Any] = dict(request.GET.items())
        if request.method == "POST" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                raise _CkanError(400, "Bad request - JSON Error", "Could not parse JSON body") from None
            if not isinstance(body, dict):
                raise _CkanError(400, "Bad request - JSON Error", "Request data JSON decoded to a non-dict")
            params.update(body)
        result = CKAN_ACTIONS[action](params, base)
    except _CkanError as exc:
        envelope.update(success=False, error=exc.body)
        return JsonResponse(envelope, status=exc.status, json_dumps_params={"ensure_ascii": False})
    envelope.update(success=True, result=result)
    response = JsonResponse(envelope, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


urlpatterns = [
    path("data/", catalogue, name="opendata"),
    path("data/catalog.jsonld", catalogue_rdf, {"fmt": "jsonld"}, name="opendata-catalog-jsonld"),
    path("data/catalog.ttl", catalogue_rdf, {"fmt": "ttl"}, name="opendata-catalog-ttl"),
    path("data/<slug:code>/", dataset_page, name="opendata-dataset"),
    path("data/<slug:code>/dataset.jsonld", dataset_rdf, {"fmt": "jsonld"}, name="opendata-dataset-jsonld"),
    path("data/<slug:code>/dataset.ttl", dataset_rdf, {"fmt": "ttl"}, name="opendata-dataset-ttl"),
    path("data/<slug:code>/v<int:number>.csv", version_csv, name="opendata-csv"),
    path("data/<slug:code>/v<int:number>.json", version_json, name="opendata-json"),
    path("data/<slug:code>/v<int:number>/datapackage.json", version_datapackage, name="opendata-datapackage"),
    path("data/<slug:code>/v<int:number>/data.csv", version_datapackage_csv, name="opendata-datapackage-csv"),
    path("api/3/action/<str:action>", ckan_action, name="ckan-action"),
    # ckanapi and some harvesters call the unversioned path.
    path("api/action/<str:action>", ckan_action, name="ckan-action-unversioned"),
]
