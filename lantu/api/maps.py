"""The map of Zhejiang: an indicator's values for the units under a parent, with the map file to draw."""

from __future__ import annotations

from django.http import HttpRequest
from django.templatetags.static import static
from ninja import Router, Schema

from lantu.accounts.permissions import has_perm
from lantu.accounts.service import InvalidInput, NotFound
from lantu.api.auth import AUTH
from lantu.api.types import Number
from lantu.framework.models import Indicator
from lantu.monitoring.mapdata import PROVINCE, MapData, map_data, map_index
from lantu.monitoring.models import Basis
from lantu.orgunits.selectors import resolve_org_unit

router = Router(tags=["maps"], auth=AUTH)


class MapChildOut(Schema):
    code: str
    key: str
    name_zh: str
    name_en: str
    value: Number | None
    text: str
    unit: str
    origin: str
    is_demo: bool
    has_shape: bool
    shape_name: str | None
    drillable: bool


class OldShapeOut(Schema):
    name: str
    key: str
    now_in: list[str]


class MapParentOut(Schema):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


class MapOut(Schema):
    indicator: str
    indicator_name_zh: str
    indicator_name_en: str
    unit: str
    period: str
    basis: str
    parent: MapParentOut
    map_url: str | None
    shapes_as_of: str
    shapes_sources: list[str]
    periods: list[str]
    children: list[MapChildOut]
    old_shapes: list[OldShapeOut]
    is_demo: bool


def map_out(data: MapData) -> MapOut:
    """The JSON answer for a :class:`MapData` (also embedded by the map page)."""
    index = map_index()
    parent = data.parent
    return MapOut(
        indicator=data.indicator.code,
        indicator_name_zh=data.indicator.name_zh,
        indicator_name_en=data.indicator.name_en,
        unit=data.unit,
        period=data.period,
        basis=data.basis,
        parent=MapParentOut(
            code=parent.code,
            name_zh=parent.name_zh,
            name_en=parent.name_en,
            level=parent.level,
            parent_code=parent.parent.code if parent.parent_id and parent.parent else None,
        ),
        map_url=static(data.map_file) if data.map_file else None,
        shapes_as_of=index.shapes_as_of.isoformat(),
        shapes_sources=[f"{s['package']} {s['version']} ({s['registry']}, {s['licence']})" for s in index.sources],
        periods=data.periods,
        children=[
            MapChildOut(
                code=c.unit.code,
                key=c.unit.key,
                name_zh=c.unit.name_zh,
                name_en=c.unit.name_en,
                value=c.value,
                text=c.text,
                unit=data.unit,
                origin=c.origin,
                is_demo=c.is_demo,
                has_shape=c.has_shape,
                shape_name=c.shape_name,
                drillable=c.has_map,
            )
            for c in data.children
        ],
        old_shapes=[OldShapeOut(name=o.name, key=o.key, now_in=list(o.now_in)) for o in data.old_shapes],
        is_demo=data.is_demo,
    )


@router.get("/maps/{indicator_code}", response=MapOut, summary="An indicator's values on the map, by unit")
def get_map(
    request: HttpRequest,
    indicator_code: str,
    period: str | None = None,
    parent: str = PROVINCE,
    basis: str = "approved",
) -> MapOut:
    """Each unit under ``parent`` (330000: the cities; 330100: Hangzhou's districts) valid in ``period``.

    Without ``period``, the latest period with data. ``has_shape`` is false for units made after the
    map shapes (early 2017), e.g. 临平区; they are listed all the same. Reading needs ``values.read``
    on the parent, as for the progress endpoint.
    """
    if basis not in Basis.values:
        raise InvalidInput.one("basis", "口径应为 approved 或 preliminary", "basis is approved or preliminary")
    indicator = Indicator.objects.filter(code=indicator_code).first()
    if indicator is None:
        raise NotFound("指标", indicator_code)
    unit = resolve_org_unit(parent)
    if not has_perm(request.user, "values.read", org_unit=unit, department=indicator.department):
        raise NotFound("行政区划", parent)
    return map_out(map_data(indicator_code, period, parent, basis))
