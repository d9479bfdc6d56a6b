"""The seam between assessments and the composite-index engine (:mod:`lantu.core.index`).

Nothing here aggregates or normalises: it calls the engine's method parser, ``pipeline.build``,
``aggregate.contributions`` and ``robustness.run`` and turns their answers into plain numbers per
unit that the assessment stores.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lantu.core.index.method import Method
from lantu.core.index.method import parse_method as _parse
from lantu.core.index.model import IndexInputError, Table, Tree
from lantu.core.index.robustness import WeightNoise
from lantu.core.problems import InvalidInput


def parse_method(text: str) -> Method:
    """The engine's method parser; its refusal becomes an :class:`InvalidInput` naming the rule."""
    try:
        return _parse(text)
    except IndexInputError as exc:
        raise InvalidInput.one("method", exc.message_zh, exc.message_en) from exc


def method_hash(meta: Sequence[Mapping[str, Any]], method_yaml: str) -> str:
    """SHA-256 over the canonical framework (rows as sorted JSON) and the method's own canonical hash."""
    canonical = json.dumps(
        {"meta": [dict(sorted(row.items())) for row in meta], "method": parse_method(method_yaml).sha256},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _num(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass
class UnitOutcome:
    unit: str
    score: float | None
    rank: int | None
    rank_low: float | None = None
    rank_high: float | None = None
    rank_median: float | None = None
    scores: dict[str, float | None] = field(default_factory=dict)
    ranks: dict[str, float | None] = field(default_factory=dict)
    contributions: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Computed:
    units: list[UnitOutcome]
    weights: dict[str, float]
    notes: list[str]
    has_intervals: bool
    audit_tables: dict[str, Any] = field(default_factory=dict)


def screen_columns(table: Table, tree: Tree) -> tuple[Table, Tree, list[str]]:
    """Leave out indicators that cannot be normalised: no value at all, or the same value for every
    unit that has one (e.g. a rubric item only one unit has been scored on yet). Units with no value
    at all are left out too. The notes say what was left out and why."""
    from lantu.assessment.framework import prune

    notes: list[str] = []
    drop: list[str] = []
    for code in tree.indicators:
        column = table.column(code)
        present = column[~np.isnan(column)]
        if present.size == 0:
            drop.append(code)
            notes.append(f"指标“{code}”没有任何数据，本次未参与计算")
        elif np.unique(present).size < 2:
            drop.append(code)
            notes.append(f"指标“{code}”只有{present.size}个单位有数据且取值相同，无法标准化，本次未参与计算")
    if drop:
        tree = prune(tree, drop)
        table = table.select(tree.indicators)
    empty = np.all(np.isnan(table.values), axis=1)
    if empty.any():
        notes.extend(f"单位“{u}”没有任何指标数据，未参与排名" for u, e in zip(table.units, empty, strict=True) if e)
        table = table.rows(~empty)
    return table, tree, notes


def compute(table: Table, tree: Tree, method_yaml: str, *, noise: float, runs: int, seed: int) -> Computed:
    """Build the index with the method and the rank intervals under weight noise."""
    units = list(table.units)
    used, used_tree, notes = screen_columns(table, tree)
    try:
        return _compute(units, used, used_tree, parse_method(method_yaml), notes, noise=noise, runs=runs, seed=seed)
    except IndexInputError as exc:
        raise InvalidInput.one("method", exc.message_zh, exc.message_en) from exc


def _compute(
    all_units: list[str],
    table: Table,
    tree: Tree,
    method: Method,
    notes: list[str],
    *,
    noise: float,
    runs: int,
    seed: int,
) -> Computed:
    from lantu.core.index import aggregate, audit, pipeline, robustness

    built = pipeline.build(table, tree, method)
    notes = [*notes, *built.notes]
    scores, ranks = built.scores, built.ranks
    root = built.tree.root
    aggregate_step = method.step("aggregate")
    aggregate_options = dict(aggregate_step.options) if aggregate_step is not None else {}
    additive = True
    intervals: dict[str, tuple[float, float, float]] = {}
    analysis = robustness.run(
        table,
        built.tree,
        method,
        [WeightNoise(codes=tuple(c for c in built.tree.order if c != root), fraction=noise)],
        n=runs,
        seed=seed,
    )
    for i, unit in enumerate(analysis.units):
        intervals[unit] = (float(analysis.rank_low[i]), float(analysis.rank_high[i]), float(analysis.median_rank[i]))
    notes.append(f"稳健性：权重在±{noise:.0%}内随机扰动，{runs}次模拟（随机种子{seed}）")
    outcomes: list[UnitOutcome] = []
    present = set(scores.units)
    for unit in all_units:
        if unit not in present:
            outcomes.append(UnitOutcome(unit, None, None))
            continue
        i = scores.units.index(unit)
        row_scores = {c: _num(float(scores.values[i, j])) for j, c in enumerate(scores.codes)}
        row_ranks = {c: _num(float(ranks.values[i, j])) for j, c in enumerate(ranks.codes)}
        contributions: dict[str, float | None] = {}
        if additive:
            try:
                contributions = {
                    c: _num(v)
                    for c, v in aggregate.contributions(
                        built.normalised,
                        built.tree,
                        built.weights,
                        unit,
                        method=aggregate_options.get("method", "arithmetic"),
                        dat_thresh=aggregate_options.get("dat_thresh"),
                    ).items()
                }
            except IndexInputError as exc:
                additive = False
                notes.append(f"贡献分解不可用：{exc.message_zh}")
        rank = row_ranks.get(root)
        low, high, median = intervals.get(unit, (math.nan, math.nan, math.nan))
        outcomes.append(
            UnitOutcome(
                unit,
                row_scores.get(root),
                int(rank) if rank is not None else None,
                _num(low),
                _num(high),
                _num(median),
                row_scores,
                row_ranks,
                contributions,
            )
        )
    tables: dict[str, Any] = {}
    try:
        result = audit.audit(built.tree, built.normalised, built.aggregated, stages=built.stages)
        for name, rows in result.tables().items():
            if rows:
                header = list(rows[0].keys())
                tables[name] = {"header": header, "rows": [[_cell(r.get(k)) for k in header] for r in rows]}
    except (IndexInputError, ValueError) as exc:
        notes.append(f"统计审计不可用：{exc}")
    return Computed(outcomes, {k: float(v) for k, v in built.weights.items()}, notes, bool(intervals), tables)


def _cell(value: object) -> Any:
    """A JSON- and Excel-friendly cell."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float | np.floating):
        return _num(float(value))
    return str(value)
