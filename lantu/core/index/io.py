"""Reading META and DATA tables from CSV, writing stages back, with errors that name row and column.

**META.csv** (one row per node; header names in English, any column order)::

    code,name,parent,weight,direction,level,denominator,target
    INDEX,数字化发展指数,,1,1,3,,
    P1,数字基础设施,INDEX,0.5,1,2,,
    x1,5G基站数,P1,1,1,1,pop,
    x2,宽带资费,P1,1,-1,1,,20

``code`` is required. ``name`` defaults to the code; an empty ``parent`` marks the root (the
index); ``weight`` (relative to the siblings) defaults to 1 only for the root; ``direction``
(1 more is better, -1 less is better) defaults to 1 for aggregates and is required for
indicators; ``level`` (indicators 1, each parent one more, as COINr's ``Level``) is inferred when
the column is absent or a cell is empty. ``denominator`` names a DATA column to divide the
indicator by; ``target`` is used by distance-to-target normalisation. The tree is checked by
:meth:`~lantu.core.index.model.Tree.build` (cycles, orphans, weights …).

**DATA.csv** (one row per unit, or per unit and year in a panel)::

    unit,year,city,x1,x2,pop
    西湖区,2022,杭州,1200,35,118

``unit`` (or COINr's ``uCode``) is required; ``year`` (or ``Time``) makes a panel; ``name`` (or
``uName``) is ignored. Indicator columns must all be present. Denominator columns named in META
are read as numbers. Group columns (used by group imputation) are those named ``group_X`` or
``group:X`` (the group is then ``X``), or any other column holding text; a column of numbers that
is neither an indicator nor a denominator is refused as unknown (a misspelt indicator code).
Empty cells and ``NA``, ``NaN``, ``-``, ``..`` are missing values.

Row numbers in errors are those of a spreadsheet: the header is row 1.

>>> meta = "code,parent,weight,direction,level\\nI,,1,1,2\\na,I,1,1,1\\nb,I,1,-1,1\\n"
>>> tree = parse_meta(meta)
>>> tree.indicators
('a', 'b')
>>> table = parse_data("unit,a,b\\nA,1,2\\nB,3,\\n", tree)
>>> table.values.tolist()
[[1.0, 2.0], [3.0, nan]]
>>> parse_data("unit,a,b\\nA,1,x\\n", tree)
Traceback (most recent call last):
...
lantu.core.index.model.IndexInputError: DATA.csv第2行“b”列不是数字：x
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from lantu.core.index.model import IndexInputError, Node, Table, Tree

__all__ = [
    "MISSING",
    "format_number",
    "parse_data",
    "parse_meta",
    "read_data",
    "read_meta",
    "table_csv",
    "write_table",
]

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "—", "..", "…"})
_UNIT = ("unit", "ucode")
_YEAR = ("year", "time")
_NAME = ("name", "uname")


def _read_text(path: Path) -> str:
    try:
        # utf-8-sig: spreadsheets save CSV with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexInputError("csv_unreadable", {"file": path.name, "reason": type(exc).__name__}) from exc


def _rows(text: str, file: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header (stripped) and the non-blank rows with their spreadsheet row numbers."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise IndexInputError("csv_unreadable", {"file": file, "reason": str(exc)}) from exc
    if not lines:
        raise IndexInputError("csv_header", {"file": file, "column": "code" if file.startswith("META") else "unit"})
    header = [h.strip() for h in lines[0]]
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            raise IndexInputError(
                "csv_columns", {"file": file, "row": number, "found": len(line), "expected": len(header)}
            )
        rows.append((number, [cell.strip() for cell in line]))
    return header, rows


def _number(text: str, file: str, row: int, column: str) -> float:
    """A float, NaN for a missing marker; a cell that is neither is refused naming row and column."""
    if text.lower() in MISSING:
        return math.nan
    try:
        value = float(text.replace(",", "")) if _thousands(text) else float(text)
    except ValueError:
        raise IndexInputError("csv_number", {"file": file, "row": row, "column": column, "value": text}) from None
    if not math.isfinite(value):
        raise IndexInputError("csv_number", {"file": file, "row": row, "column": column, "value": text})
    return value


def _thousands(text: str) -> bool:
    """``1,234,567.8`` style (groups of three after each comma)."""
    head, *groups = text.split(",")
    return bool(groups) and head.lstrip("+-").isdigit() and all(len(g.split(".")[0]) == 3 for g in groups)


def _column(header: Sequence[str], names: Sequence[str]) -> int | None:
    lowered = [h.lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def parse_meta(text: str, file: str = "META.csv") -> Tree:
    """Parse a META table (see the module doc) into a checked :class:`Tree`."""
    header, rows = _rows(text, file)
    col = {name: _column(header, [name]) for name in ("code", "name", "parent", "weight", "direction", "level")}
    col["denominator"] = _column(header, ["denominator"])
    col["target"] = _column(header, ["target"])
    if col["code"] is None:
        raise IndexInputError("csv_header", {"file": file, "column": "code"})

    def cell(line: list[str], key: str) -> str:
        index = col[key]
        return line[index] if index is not None else ""

    codes = [cell(line, "code") for _, line in rows]
    parents = {cell(line, "code"): cell(line, "parent") or None for _, line in rows}
    has_children = {p for p in parents.values() if p is not None}
    levels = _infer_levels(parents)
    nodes: list[Node] = []
    for (number, line), code in zip(rows, codes, strict=True):
        if not code:
            raise IndexInputError("csv_empty", {"file": file, "row": number, "column": "code"})
        parent = parents[code]
        is_indicator = code not in has_children
        weight_text = cell(line, "weight")
        if weight_text == "" and parent is not None:
            raise IndexInputError("csv_empty", {"file": file, "row": number, "column": "weight"})
        weight = 1.0 if weight_text == "" else _number(weight_text, file, number, "weight")
        if math.isnan(weight):
            raise IndexInputError("csv_empty", {"file": file, "row": number, "column": "weight"})
        direction_text = cell(line, "direction")
        if direction_text == "" and is_indicator:
            raise IndexInputError("csv_empty", {"file": file, "row": number, "column": "direction"})
        direction = 1.0 if direction_text == "" else _number(direction_text, file, number, "direction")
        if direction not in (1.0, -1.0):
            raise IndexInputError("bad_direction", {"code": code, "direction": direction_text})
        level_text = cell(line, "level")
        level = levels.get(code, 1) if level_text == "" else _number(level_text, file, number, "level")
        if math.isnan(level) or level != int(level):
            raise IndexInputError("csv_number", {"file": file, "row": number, "column": "level", "value": level_text})
        target_text = cell(line, "target")
        target = None if target_text == "" else _number(target_text, file, number, "target")
        nodes.append(
            Node(
                code=code,
                name=cell(line, "name") or code,
                parent=parent,
                weight=weight,
                direction=int(direction),
                level=int(level),
                denominator=cell(line, "denominator") or None,
                target=None if target is None or math.isnan(target) else target,
            )
        )
    return Tree.build(nodes)


def _infer_levels(parents: Mapping[str, str | None]) -> dict[str, int]:
    """Levels from the tree: leaves 1, a parent one more than its highest child.

    A cycle or an orphan is left for :meth:`Tree.build` to report; levels there are guesses.
    """
    children: dict[str, list[str]] = {}
    for code, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(code)
    levels: dict[str, int] = {}

    def level(code: str, path: frozenset[str]) -> int:
        if code in levels:
            return levels[code]
        if code in path:
            return 1
        kids = children.get(code, [])
        result = 1 + max((level(k, path | {code}) for k in kids), default=0)
        levels[code] = result
        return result

    for code in parents:
        level(code, frozenset())
    return levels


def read_meta(path: Path | str) -> Tree:
    path = Path(path)
    return parse_meta(_read_text(path), path.name)


def parse_data(text: str, tree: Tree, file: str = "DATA.csv") -> Table:
    """Parse a DATA table (see the module doc) into a :class:`Table`.

    Columns: the indicators of ``tree`` (META order), then the denominators named in META.
    """
    header, rows = _rows(text, file)
    unit_col = _column(header, _UNIT)
    if unit_col is None:
        raise IndexInputError("csv_header", {"file": file, "column": "unit"})
    year_col = _column(header, _YEAR)
    name_col = _column(header, _NAME)
    seen_headers: set[str] = set()
    for h in header:
        if h in seen_headers:
            raise IndexInputError("duplicate_code", {"code": h})
        seen_headers.add(h)
    for code in tree.indicators:
        if code not in header:
            raise IndexInputError("missing_column", {"code": code})
    denominators = list(dict.fromkeys(n.denominator for n in tree.nodes.values() if n.denominator))
    for code in tree.indicators:
        denominator = tree.nodes[code].denominator
        if denominator and denominator not in header:
            raise IndexInputError("denominator_missing", {"code": code, "denominator": denominator})
    codes = [*tree.indicators, *(d for d in denominators if d not in tree.indicators)]
    reserved = {i for i in (unit_col, year_col, name_col) if i is not None}
    group_cols: dict[str, int] = {}
    for index, h in enumerate(header):
        if index in reserved or h in codes or h in tree.nodes:
            continue
        for prefix in ("group_", "group:"):
            if h.lower().startswith(prefix) and len(h) > len(prefix):
                group_cols[h[len(prefix) :]] = index
                break
        else:
            texts = [line[index] for _, line in rows]
            if all(t.lower() in MISSING or _is_number(t) for t in texts):
                raise IndexInputError("unknown_column", {"code": h})
            group_cols[h] = index
    if not rows:
        raise IndexInputError("no_units", {})

    units: list[str] = []
    years: list[int] = []
    values = np.full((len(rows), len(codes)), np.nan)
    seen: dict[tuple[str, int | None], int] = {}
    for i, (number, line) in enumerate(rows):
        unit = line[unit_col]
        if not unit:
            raise IndexInputError("csv_empty", {"file": file, "row": number, "column": header[unit_col]})
        year: int | None = None
        if year_col is not None:
            year_value = _number(line[year_col], file, number, header[year_col])
            if math.isnan(year_value) or year_value != int(year_value):
                raise IndexInputError(
                    "csv_number", {"file": file, "row": number, "column": header[year_col], "value": line[year_col]}
                )
            year = int(year_value)
            years.append(year)
        if (unit, year) in seen:
            where = f" ({file}:{seen[(unit, year)]}, {number}{'' if year is None else f'; {year}'})"
            raise IndexInputError("duplicate_unit", {"unit": unit, "where": where})
        seen[(unit, year)] = number
        units.append(unit)
        for j, code in enumerate(codes):
            values[i, j] = _number(line[header.index(code)], file, number, code)
    groups = {name: tuple(line[index] for _, line in rows) for name, index in group_cols.items()}
    return Table(tuple(units), tuple(codes), values, groups, tuple(years) if year_col is not None else None)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "") if _thousands(text) else text)
    except ValueError:
        return False
    return True


def read_data(path: Path | str, tree: Tree) -> Table:
    path = Path(path)
    return parse_data(_read_text(path), tree, path.name)


def format_number(value: float) -> str:
    """Shortest text that reads back to the same float; empty for NaN.

    >>> format_number(0.1), format_number(float("nan")), format_number(3.0)
    ('0.1', '', '3')
    """
    if math.isnan(value):
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def table_csv(table: Table, extra: Mapping[str, Sequence[str]] | None = None) -> str:
    """A stage as CSV text: ``unit``, ``year`` (panels), group columns, extra columns, then values."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    groups = list(table.groups)
    extra = dict(extra or {})
    writer.writerow(["unit", *(["year"] if table.years is not None else []), *groups, *extra, *table.codes])
    for i, unit in enumerate(table.units):
        writer.writerow(
            [
                unit,
                *([str(table.years[i])] if table.years is not None else []),
                *(table.groups[g][i] for g in groups),
                *(column[i] for column in extra.values()),
                *(format_number(float(v)) for v in table.values[i]),
            ]
        )
    return out.getvalue()


def write_table(table: Table, path: Path | str, extra: Mapping[str, Sequence[str]] | None = None) -> None:
    Path(path).write_text(table_csv(table, extra), encoding="utf-8")
