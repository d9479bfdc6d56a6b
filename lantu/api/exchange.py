"""Exchange endpoints: SDMX (structure, data, SDMX-CSV import) and DHIS2 (dataValueSets, ADX)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from lantu.api.auth import AUTH
from lantu.core.exchange import FormatError, dhis2, sdmx
from lantu.exchange import exports, imports
from lantu.monitoring.services.values import RecordResult

router = Router(tags=["exchange"], auth=AUTH)


def _bad_request(exc: FormatError) -> JsonResponse:
    return JsonResponse(
        {"detail": [{"row": None, "field": "", "message_zh": exc.message_zh, "message_en": exc.message_en}]}, status=400
    )


def _result(result: RecordResult) -> JsonResponse:
    return JsonResponse(
        {
            "written": result.written,
            "unchanged": result.unchanged,
            "dry_run": result.dry_run,
            "warnings": [
                {
                    "indicator": f.cell[0],
                    "org_unit": f.cell[1],
                    "period": f.cell[2],
                    "message_zh": f.message_zh,
                    "message_en": f.message_en,
                }
                for f in result.flags
            ],
        }
    )


def _import(request: HttpRequest, fmt: str, system: str | None, dry_run: bool) -> HttpResponse:
    try:
        return _result(imports.import_payload(request.user, fmt, request.body, system=system, dry_run=dry_run))
    except FormatError as exc:
        return _bad_request(exc)


def _codes(indicator: str | None) -> list[str] | None:
    return [c.strip() for c in indicator.split(",") if c.strip()] if indicator else None


@router.get("/exchange/sdmx/structure", summary="SDMX-ML 2.1 structure (DSD, dataflow, codelists)")
def sdmx_structure(request: HttpRequest, programme: str = "DZJ") -> HttpResponse:
    return HttpResponse(exports.structure(programme), content_type=sdmx.STRUCTURE_MEDIA_TYPE)


@router.get("/exchange/sdmx/data", summary="Values as SDMX-ML 2.1 GenericData (xml) or SDMX-CSV 2.0 (csv)")
def sdmx_data(
    request: HttpRequest,
    indicator: str | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    basis: str = "approved",
    format: str = "xml",
) -> HttpResponse:
    """Values the caller may read (``values.read``); ``indicator`` may list codes separated by commas."""
    fmt = "sdmx-csv" if format == "csv" else "sdmx" if format == "xml" else format
    data = exports.export(
        request.user, fmt, indicators=_codes(indicator), period=period, org_unit=org_unit, basis=basis
    )
    media = sdmx.CSV_MEDIA_TYPE if fmt == "sdmx-csv" else sdmx.GENERIC_MEDIA_TYPE
    return HttpResponse(data, content_type=f"{media}; charset=utf-8")


@router.post("/exchange/sdmx/data", summary="Import SDMX-CSV as drafts (all or nothing)")
def sdmx_import(request: HttpRequest, dry_run: bool = False) -> HttpResponse:
    return _import(request, "sdmx-csv", None, dry_run)


def _mapped_export(
    request: HttpRequest,
    fmt: str,
    system: str,
    indicator: str | None,
    period: str | None,
    org_unit: str | None,
    basis: str,
    data_set: str,
) -> HttpResponse:
    """DHIS2 JSON or ADX: the same export through the system's mapping table, in its media type."""
    data = exports.export(
        request.user,
        fmt,
        indicators=_codes(indicator),
        period=period,
        org_unit=org_unit,
        basis=basis,
        system=system,
        data_set=data_set,
    )
    media = dhis2.JSON_MEDIA_TYPE if fmt == "dhis2" else dhis2.ADX_MEDIA_TYPE
    return HttpResponse(data, content_type=media)


@router.get("/exchange/dhis2/dataValueSets", summary="Values as DHIS2 dataValueSets JSON, codes mapped")
def dhis2_export(
    request: HttpRequest,
    system: str,
    indicator: str | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    basis: str = "approved",
    data_set: str = "",
) -> HttpResponse:
    return _mapped_export(request, "dhis2", system, indicator, period, org_unit, basis, data_set)


@router.post("/exchange/dhis2/dataValueSets", summary="Import DHIS2 dataValueSets JSON as drafts (all or nothing)")
def dhis2_import(request: HttpRequest, system: str, dry_run: bool = False) -> HttpResponse:
    return _import(request, "dhis2", system, dry_run)


@router.get("/exchange/dhis2/adx", summary="Values as ADX XML, codes mapped")
def adx_export(
    request: HttpRequest,
    system: str,
    indicator: str | None = None,
    period: str | None = None,
    org_unit: str | None = None,
    basis: str = "approved",
    data_set: str = "",
) -> HttpResponse:
    return _mapped_export(request, "adx", system, indicator, period, org_unit, basis, data_set)


@router.post("/exchange/dhis2/adx", summary="Import ADX XML as drafts (all or nothing)")
def adx_import(request: HttpRequest, system: str, dry_run: bool = False) -> HttpResponse:
    return _import(request, "adx", system, dry_run)
