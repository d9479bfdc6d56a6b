"""Charts of the reports as plain SVG, drawn on the server (no browser): a horizontal bar chart, a
line chart with the target path, and a choropleth of the cities from the committed GeoJSON.

The same SVG text goes inline into the PDF; :func:`to_png` turns it into a PNG for Word and Excel
with CairoSVG (Debian's libcairo2, which WeasyPrint's Pango already brings). Text uses the family
"Noto Sans CJK SC" (Debian's ``fonts-noto-cjk``) so Chinese renders in both.

No Django here: the builders take plain numbers and names.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

FONT = "'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif"
INK = "#1f2933"
GRID = "#d9dee3"
BAR = "#2b6cb0"
ACTUAL = "#c05621"
PATH = "#4a5568"
NO_DATA = "#e2e8f0"
# Five sequential blues (light → dark), readable in greyscale too.
SCALE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
MAPS_DIR = Path(__file__).resolve().parents[1] / "web" / "static" / "maps"


def _t(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _num(value: float) -> str:
    """A short number for axis and bar labels (at most 3 significant decimals)."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_t(title)}" '
        f'font-family="{_t(FONT)}" font-size="12" fill="{INK}">'
        f"<title>{_t(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(body) + "</svg>"
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * step:
            step *= factor
            break
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
    width: int = 640,
) -> str:
    """Horizontal bars, one per label (None draws no bar and writes "无数据"); an optional reference line."""
    row = 26
    label_w = min(220, 14 + 13 * max((len(label) for label in labels), default=4))
    top, bottom, right = 40, 34, 60
    height = top + bottom + row * max(len(labels), 1)
    known = [v for v in values if v is not None]
    low = min([0.0, *known])
    high = max([0.0, *known, *([reference] if reference is not None else [])])
    ticks = _ticks(low, high)
    lo, hi = ticks[0], ticks[-1]
    plot_w = width - label_w - right

    def x(value: float) -> float:
        return label_w + (value - lo) / (hi - lo) * plot_w

    body = [f'<text x="{label_w}" y="20" font-size="14" font-weight="bold">{_t(title)}</text>']
    if unit:
        body.append(f'<text x="{width - 8}" y="20" text-anchor="end" font-size="11">单位：{_t(unit)}</text>')
    axis_y = top + row * len(labels)
    for tick in ticks:
        tx = x(tick)
        body.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{axis_y}" stroke="{GRID}"/>')
        body.append(f'<text x="{tx:.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="10">{_num(tick)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * row
        body.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{_t(label)}</text>')
        if value is None:
            body.append(f'<text x="{x(0) + 4:.1f}" y="{y + 17}" font-size="11" fill="#52606d">无数据</text>')
            continue
        x0, x1 = sorted((x(0), x(value)))
        body.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{max(x1 - x0, 1):.1f}" height="{row - 10}" fill="{BAR}"/>')
        body.append(f'<text x="{x1 + 4:.1f}" y="{y + 17}" font-size="11">{_num(value)}</text>')
    if reference is not None:
        rx = x(reference)
        body.append(
            f'<line x1="{rx:.1f}" y1="{top - 6}" x2="{rx:.1f}" y2="{axis_y}" stroke="{ACTUAL}" '
            f'stroke-width="2" stroke-dasharray="5 3"/>'
        )
        if reference_label:
            body.append(
                f'<text x="{rx:.1f}" y="{top - 9}" text-anchor="middle" font-size="10" fill="{ACTUAL}">'
                f"{_t(reference_label)}</text>"
            )
    return _svg(width, height, body, title)


@dataclass(frozen=True)
class LinePoint:
    x: float  # fractional year
    y: float
    label: str = ""  # the period as written, e.g. 2022 or 2022Q4


def line_chart(
    title: str,
    series: Sequence[LinePoint],
    path: Sequence[LinePoint] = (),
    unit: str = "",
    series_name: str = "实际值",
    path_name: str = "目标路径",
    width: int = 640,
    height: int = 300,
) -> str:
    """The values over time (solid, with dots) and the target path (dashed), on one year axis."""
    left, right, top, bottom = 64, 20, 44, 52
    points = [*series, *path]
    xs = [p.x for p in points] or [0.0, 1.0]
    ys = [p.y for p in points] or [0.0, 1.0]
    x_lo, x_hi = math.floor(min(xs)), math.ceil(max(xs))
    if x_hi == x_lo:
        x_hi = x_lo + 1
    y_ticks = _ticks(min([0.0, *ys]) if min(ys) >= 0 and min(ys) < max(ys) * 0.3 else min(ys), max(ys))
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(v: float) -> float:
        return left + (v - x_lo) / (x_hi - x_lo) * plot_w

    def py(v: float) -> float:
        return top + plot_h - (v - y_lo) / (y_hi - y_lo) * plot_h

    body = [f'<text x="{left}" y="20" font-size="14" font-weight="bold">{_t(title)}</text>']
    if unit:
        body.append(f'<text x="{width - 8}" y="20" text-anchor="end" font-size="11">单位：{_t(unit)}</text>')
    for tick in y_ticks:
        y = py(tick)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{_num(tick)}</text>')
    step = max(1, (x_hi - x_lo) // 8)
    for year in range(x_lo, x_hi + 1, step):
        x = px(year)
        body.append(f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 4}" stroke="{INK}"/>')
        body.append(f'<text x="{x:.1f}" y="{top + plot_h + 17}" text-anchor="middle" font-size="10">{year}</text>')
    body.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>')
    if len(path) >= 2:
        d = " ".join(f"{'M' if i == 0 else 'L'}{px(p.x):.1f},{py(p.y):.1f}" for i, p in enumerate(path))
        body.append(f'<path d="{d}" fill="none" stroke="{PATH}" stroke-width="2" stroke-dasharray="6 4"/>')
        end = path[-1]
        body.append(f'<circle cx="{px(end.x):.1f}" cy="{py(end.y):.1f}" r="4" fill="#ffffff" stroke="{PATH}"/>')
    if series:
        d = " ".join(f"{'M' if i == 0 else 'L'}{px(p.x):.1f},{py(p.y):.1f}" for i, p in enumerate(series))
        body.append(f'<path d="{d}" fill="none" stroke="{ACTUAL}" stroke-width="2.5"/>')
        body.extend(f'<circle cx="{px(p.x):.1f}" cy="{py(p.y):.1f}" r="3" fill="{ACTUAL}"/>' for p in series)
        last = series[-1]
        body.append(
            f'<text x="{px(last.x):.1f}" y="{py(last.y) - 8:.1f}" text-anchor="middle" font-size="10">'
            f"{_num(last.y)}</text>"
        )
    legend_y = height - 12
    body.append(
        f'<line x1="{left}" y1="{legend_y - 4}" x2="{left + 24}" y2="{legend_y - 4}" stroke="{ACTUAL}" '
        f'stroke-width="2.5"/><text x="{left + 30}" y="{legend_y}" font-size="11">{_t(series_name)}</text>'
    )
    if len(path) >= 2:
        body.append(
            f'<line x1="{left + 120}" y1="{legend_y - 4}" x2="{left + 144}" y2="{legend_y - 4}" stroke="{PATH}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{left + 150}" y="{legend_y}" font-size="11">{_t(path_name)}</text>'
        )
    return _svg(width, height, body, title)


def load_geojson(parent_code: str = "330000") -> dict[str, Any]:
    """A committed map file (``lantu/web/static/maps/<code>.json``)."""
    data: dict[str, Any] = json.loads((MAPS_DIR / f"{parent_code}.json").read_text(encoding="utf-8"))
    return data


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def classes(values: Sequence[float], count: int = len(SCALE)) -> list[float]:
    """Equal-interval class breaks (the upper bound of each class but the last)."""
    if not values:
        return []
    low, high = min(values), max(values)
    if high == low:
        return []
    return [low + (high - low) * i / count for i in range(1, count)]


def colour_of(value: float | None, breaks: Sequence[float]) -> str:
    if value is None:
        return NO_DATA
    index = sum(1 for b in breaks if value > b)
    return SCALE[min(index, len(SCALE) - 1)] if breaks else SCALE[2]


def choropleth(
    title: str,
    geojson: dict[str, Any],
    values: dict[str, float | None],
    unit: str = "",
    width: int = 640,
    height: int = 520,
) -> str:
    """The features coloured by ``values`` (keyed by a feature's ``key`` or ``code``), named, with a legend.

    Longitude/latitude are projected equirectangularly with the cosine of the middle latitude, which
    keeps a province's shape true enough at this scale.
    """
    features = geojson.get("features", [])
    coords = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
    legend_w = 150
    body = [f'<text x="12" y="22" font-size="14" font-weight="bold">{_t(title)}</text>']
    if not coords:
        return _svg(width, height, [*body, '<text x="12" y="60">无地图数据</text>'], title)
    lon_lo, lon_hi = min(p[0] for p in coords), max(p[0] for p in coords)
    lat_lo, lat_hi = min(p[1] for p in coords), max(p[1] for p in coords)
    k = math.cos(math.radians((lat_lo + lat_hi) / 2))
    area_w, area_h = width - legend_w - 24, height - 48
    scale = min(area_w / ((lon_hi - lon_lo) * k), area_h / (lat_hi - lat_lo))
    ox = 12 + (area_w - (lon_hi - lon_lo) * k * scale) / 2
    oy = 36 + (area_h - (lat_hi - lat_lo) * scale) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return ox + (lon - lon_lo) * k * scale, oy + (lat_hi - lat) * scale

    known = [v for v in values.values() if v is not None]
    breaks = classes(known)
    labels = []
    for feature in features:
        props = feature.get("properties", {})
        value = values.get(props.get("key", ""), values.get(props.get("code", "")))
        parts = []
        for ring in _rings(feature["geometry"]):
            pts = [project(lon, lat) for lon, lat, *_ in ring]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
        name = str(props.get("name", ""))
        body.append(
            f'<path d="{" ".join(parts)}" fill="{colour_of(value, breaks)}" stroke="#ffffff" stroke-width="1">'
            f"<title>{_t(name)}：{_num(value) if value is not None else '无数据'}</title></path>"
        )
        ring = max(_rings(feature["geometry"]), key=len, default=[])
        if ring:
            cx = sum(p[0] for p in ring) / len(ring)
            cy = sum(p[1] for p in ring) / len(ring)
            labels.append((project(cx, cy), name, value))
    for (x, y), name, value in labels:
        dark = value is not None and breaks and colour_of(value, breaks) in SCALE[3:]
        colour = "#ffffff" if dark else INK
        body.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" font-size="11" fill="{colour}">{_t(name)}</text>'
        )
        if value is not None:
            body.append(
                f'<text x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle" font-size="10" fill="{colour}">'
                f"{_num(value)}</text>"
            )
    lx, ly = width - legend_w, height - 40 - 20 * (len(SCALE) + 1)
    body.append(f'<text x="{lx}" y="{ly - 8}" font-size="11">图例{"（" + _t(unit) + "）" if unit else ""}</text>')
    if breaks:
        bounds = [min(known), *breaks, max(known)]
        entries = [(SCALE[i], f"{_num(bounds[i])}–{_num(bounds[i + 1])}") for i in range(len(SCALE))]
    elif known:
        entries = [(SCALE[2], _num(known[0]))]
    else:
        entries = []
    entries.append((NO_DATA, "无数据"))
    for i, (colour, text) in enumerate(entries):
        y = ly + i * 20
        body.append(f'<rect x="{lx}" y="{y}" width="18" height="14" fill="{colour}" stroke="#a0aec0"/>')
        body.append(f'<text x="{lx + 24}" y="{y + 12}" font-size="11">{_t(text)}</text>')
    return _svg(width, height, body, title)


def to_png(svg: str, scale: float = 2.0) -> bytes:
    """The SVG as a PNG (``scale`` × its size) for Word and Excel."""
    import cairosvg  # type: ignore[import-untyped]

    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
    return png
