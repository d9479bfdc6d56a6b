"""Imputation: estimate missing values, with COINr's ``Impute()`` options.

Methods (option ``method``; COINr's function in brackets):

``mean`` / ``median`` (``i_mean`` / ``i_median``, ``impute_by = "column"``)
    A missing value takes the mean / median of the indicator over the units that have it.
``group_mean`` / ``group_median`` (``i_mean_grp`` / ``i_median_grp`` with ``use_group``)
    The same within the unit's group (option ``group``: a DATA group column). A unit with an
    empty group is left as it is (COINr's ``skip_f_na``); a group without any value stays missing.
``unit_mean`` / ``unit_median`` (``i_mean`` / ``i_median`` with ``impute_by = "row"``)
    A missing value takes the mean / median of the unit's other indicators. As in COINr
    (``normalise_first`` defaults to true by row) the indicators are first multiplied by their
    direction and min-max scaled to [0, 1], the row statistic is computed there and the result
    scaled back. ``group_level`` (a level of the framework, e.g. 2) restricts the row to the
    indicators of the same pillar (COINr's ``group_level``). ``normalise_first: false`` skips
    the scaling.
``latest`` (``impute_panel``, ``imp_type = "latest"``; panels only)
    The unit's most recent earlier observation, looking back at most ``max_time`` time points
    of the panel (default: all). Values are never carried backwards in time.
``constant`` / ``linear`` / ``linear_constant`` (``impute_panel`` with ``imp_type``)
    Per unit and indicator over the years (``stats::approx`` with ``rule = 2``): ``constant``
    carries the last observation forward (and the first one backwards before it); ``linear``
    interpolates linearly between observations and holds the end values outside them;
    ``linear_constant`` is ``linear`` but falls back to ``constant`` for a series with a single
    observation.
``none``
    Nothing is imputed.

In a panel the column methods (``mean`` … ``group_median``) and the row methods work year by
year, as COINr imputes each year's coin separately. Every imputed cell is counted in the notes.

Deviations from COINr: an indicator with no value at all (in a year) is refused naming it
(COINr stops with "Input is all NAs"); a unit whose row (or pillar, with ``group_level``) has no
value is left missing and noted (COINr stops); ``linear`` on a series with a single observation
leaves it missing and notes it (COINr's ``approx`` stops). ``max_time`` applies to ``latest``
only.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "I", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1)])
>>> t = Table(("A", "B", "C"), ("a",), np.array([[1.0], [np.nan], [5.0]]))
>>> impute(t, tree, method="mean").table.values.ravel().tolist()
[1.0, 3.0, 5.0]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lantu.core.index.model import Array, IndexInputError, Table, Tree
from lantu.core.index.steps import (
    StepResult,
    bad_option,
    bool_option,
    check_options,
    choice_option,
    year_blocks,
)

__all__ = ["METHODS", "OPTIONS", "impute"]

STEP = "impute"
METHODS = (
    "mean",
    "median",
    "group_mean",
    "group_median",
    "unit_mean",
    "unit_median",
    "latest",
    "constant",
    "linear",
    "linear_constant",
    "none",
)
OPTIONS = ("method", "group", "group_level", "normalise_first", "max_time")
_PANEL = ("latest", "constant", "linear", "linear_constant")
_LABELS = {
    "mean": "指标均值",
    "median": "指标中位数",
    "group_mean": "组内均值",
    "group_median": "组内中位数",
    "unit_mean": "单位其他指标均值",
    "unit_median": "单位其他指标中位数",
    "latest": "最近年份值",
    "constant": "相邻年份值（常数插值）",
    "linear": "线性插值",
    "linear_constant": "线性插值（单一观测时取常数）",
    "none": "不插补",
}


def _stat(method: str) -> Callable[[Array], float]:
    if method.endswith("median"):
        return lambda v: float(np.median(v))
    return lambda v: float(np.mean(v))


def _by_column(x: Array, codes: tuple[str, ...], stat: Callable[[Array], float], where: str) -> None:
    """Fill each column's NaN with ``stat`` of its values (in place)."""
    for j in range(x.shape[1]):
        column = x[:, j]
        ok = ~np.isnan(column)
        if not ok.any():
            raise IndexInputError("indicator_no_data", {"code": codes[j], "step": where})
        column[~ok] = stat(column[ok])


def _by_group(x: Array, groups: tuple[str, ...], stat: Callable[[Array], float], notes: list[str]) -> None:
    labels = np.array(groups, dtype=object)
    for label in sorted(set(groups) - {""}):
        rows = labels == label
        block = x[rows]
        for j in range(block.shape[1]):
            ok = ~np.isnan(block[:, j])
            if ok.any():
                block[~ok, j] = stat(block[ok, j])
        x[rows] = block
    if "" in groups and np.isnan(x[labels == ""]).any():
        notes.append("分组为空的单位未插补")


def _by_row(
    x: Array,
    directions: Array,
    column_groups: list[list[int]],
    stat: Callable[[Array], float],
    normalise_first: bool,
    codes: tuple[str, ...],
) -> int:
    """Row imputation, optionally on min-max scaled data (in place); returns rows left missing."""
    if normalise_first:
        flipped = x * directions
        lo = np.nanmin(np.where(np.isnan(flipped), np.inf, flipped), axis=0)
        hi = np.nanmax(np.where(np.isnan(flipped), -np.inf, flipped), axis=0)
        for j in range(x.shape[1]):
            if not np.isfinite(lo[j]):
                raise IndexInputError("indicator_no_data", {"code": codes[j], "step": "impute: unit"})
            if lo[j] == hi[j]:
                raise IndexInputError("constant_indicator", {"code": codes[j], "method": "impute: unit"})
        work = (flipped - lo) / (hi - lo)
    else:
        work = x.copy()
    left = 0
    for columns in column_groups:
        sub = work[:, columns]
        for i in range(sub.shape[0]):
            missing = np.isnan(sub[i])
            if not missing.any():
                continue
            if missing.all():
                left += 1
                continue
            sub[i, missing] = stat(sub[i, ~missing])
        work[:, columns] = sub
    restored = (work * (hi - lo) + lo) * directions if normalise_first else work
    fill = np.isnan(x) & ~np.isnan(restored)
    x[fill] = restored[fill]
    return left


def _panel(table: Table, x: Array, method: str, max_time: int | None, notes: list[str]) -> None:
    """Impute along the years of each unit (in place)."""
    assert table.years is not None
    years = np.array(table.years)
    all_years = sorted(set(table.years))
    units = np.array(table.units, dtype=object)
    single: list[str] = []
    for unit in dict.fromkeys(table.units):
        rows = np.flatnonzero(units == unit)
        rows = rows[np.argsort(years[rows], kind="stable")]
        t = years[rows].astype(np.float64)
        for j in range(x.shape[1]):
            series = x[rows, j].copy()
            ok = ~np.isnan(series)
            if ok.all() or not ok.any():
                continue
            filled = series.copy()
            if method == "latest":
                for k in np.flatnonzero(~ok):
                    position = all_years.index(int(t[k]))
                    older = all_years[:position][::-1]
                    if max_time is not None:
                        older = older[:max_time]
                    for year in older:
                        match = np.flatnonzero((t == year) & ok)
                        if match.size:
                            filled[k] = series[match[0]]
                            break
            else:
                kind = method
                if method == "linear_constant":
                    kind = "linear" if ok.sum() > 1 else "constant"
                if kind == "linear" and ok.sum() < 2:
                    single.append(f"{unit}/{table.codes[j]}")
                    continue
                filled[~ok] = _approx(t[ok], series[ok], t[~ok], kind)
            x[rows, j] = filled
    if single:
        notes.append("只有一个观测值、无法线性插值（仍缺失）：" + "、".join(single))


def _approx(tx: Array, ty: Array, at: Array, kind: str) -> Array:
    """R's ``approx(tx, ty, xout = at, method = kind, rule = 2)`` for sorted distinct ``tx``."""
    if kind == "linear":
        return np.interp(at, tx, ty)  # np.interp holds the end values outside, as rule = 2
    index = np.searchsorted(tx, at, side="right") - 1  # last observation at or before
    return ty[np.clip(index, 0, len(tx) - 1)]


def impute(table: Table, tree: Tree, **options: Any) -> StepResult:
    """Impute the missing indicator values of ``table``; see the module doc."""
    check_options(STEP, options, OPTIONS)
    method = choice_option(STEP, options, "method", "mean", METHODS)
    data = table.select(tree.indicators)
    x = data.values.copy()
    before = int(np.isnan(x).sum())
    notes: list[str] = []
    if method == "none" or before == 0:
        notes.append("没有缺失值，无需插补" if before == 0 else "未插补（method: none）")
        return StepResult(data.with_values(x), notes)
    if method in _PANEL:
        if table.years is None:
            raise bad_option(STEP, "method", f"{method} needs a panel (a year column)")
        max_time = options.get("max_time")
        if max_time is not None and (isinstance(max_time, bool) or not isinstance(max_time, int) or max_time < 1):
            raise bad_option(STEP, "max_time", "must be a whole number ≥ 1")
        _panel(data, x, method, max_time, notes)
    else:
        stat = _stat(method)
        if method in ("group_mean", "group_median"):
            group = options.get("group")
            if group is None:
                raise bad_option(STEP, "group", f"{method} needs a group column")
            if group not in table.groups:
                raise IndexInputError("unknown_group", {"group": str(group), "where": "impute"})
        for block in year_blocks(table):
            sub = x[block]
            if method in ("mean", "median"):
                _by_column(sub, tree.indicators, stat, f"impute: {method}")
            elif method in ("group_mean", "group_median"):
                groups = table.groups[str(options["group"])]
                _by_group(sub, tuple(groups[i] for i in block), stat, notes)
            else:
                left = _by_row(
                    sub,
                    np.array([tree.nodes[c].direction for c in tree.indicators], dtype=np.float64),
                    _column_groups(tree, options.get("group_level")),
                    stat,
                    bool_option(STEP, options, "normalise_first", True),
                    tree.indicators,
                )
                if left:
                    notes.append(f"{left}个单位（或其支柱）没有任何数据，未插补")
            x[block] = sub
    after = int(np.isnan(x).sum())
    notes.insert(0, f"按{_LABELS[method]}插补{before - after}个缺失值" + (f"，仍缺失{after}个" if after else ""))
    return StepResult(data.with_values(x), notes)


def _column_groups(tree: Tree, group_level: object) -> list[list[int]]:
    if group_level is None:
        return [list(range(len(tree.indicators)))]
    if isinstance(group_level, bool) or not isinstance(group_level, int) or not 1 <= group_level <= tree.depth:
        raise bad_option(STEP, "group_level", f"must be a level from 1 to {tree.depth}")
    groups: dict[str, list[int]] = {}
    for j, code in enumerate(tree.indicators):
        groups.setdefault(tree.ancestor(code, group_level), []).append(j)
    return list(groups.values())
