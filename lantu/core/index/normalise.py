"""Normalisation: bring every indicator onto a common scale where higher is better.

As in COINr's ``Normalise()``, each indicator is first multiplied by its ``direction`` (so a
"less is better" indicator is flipped), then scaled by one of the methods below. After this step
every indicator is "higher is better", which is what aggregation expects. In a panel all years
are normalised together (COINr's ``Normalise.purse(global = TRUE)``, its default), so scores are
comparable over time.

Methods (``x`` is the indicator after multiplying by its direction; NaN stays NaN):

==============  =====================================================  ==========================
method          formula                                                COINr
==============  =====================================================  ==========================
``minmax``      ``(x - min) / (max - min) * (high - low) + low``       ``n_minmax``, l_u=c(0,100)
``zscore``      ``(x - mean) / sd * sd_target + mean_target``          ``n_zscore``, m_sd=c(0,1)
                (sd with n - 1)
``rank``        rank, ties get the lowest rank ("min"), 1 = lowest     ``n_rank``
``prank``       ``(rank - 1) / (n_available - 1)`` (percentile rank)   ``n_prank``
``borda``       ``rank - 1``                                           ``n_borda``
``goalposts``   ``(x - lower) / (upper - lower)`` truncated to         ``n_goalposts``
                [0, 1] (``trunc``), times ``scale``; for direction -1
                ``(upper - x) / (upper - lower)``
``dist2targ``   ``(x - min) / (target - min)``, target × direction;    ``n_dist2targ`` via iMeta
                values above 1 capped if ``cap_max``
``dist2max``    ``1 - (max - x) / (max - min)``                        ``n_dist2max``
``dist2ref``    ``1 - (x_ref - x) / (x_ref - min)``, ``x_ref`` the      ``n_dist2ref``
                value of the ``reference`` unit; capped if ``cap_max``
``fracmax``     ``x / max``                                            ``n_fracmax``
``none``        ``x`` (only the direction applied)                     ``f_n = "none"``
==============  =====================================================  ==========================

Options: ``method`` (default ``minmax``), ``low``/``high`` (minmax, default 0 and 100),
``mean``/``sd`` (zscore, default 0 and 1), ``goalposts`` (``{code: [lower, upper]}``, or
``lower``/``upper`` for all indicators), ``scale`` (goalposts, default 100), ``trunc``
(goalposts, default true), ``targets`` (``{code: target}``; default the META ``target`` column),
``cap_max`` (dist2targ / dist2ref, default false), ``reference`` (dist2ref: a unit code) with
``reference_year`` in a panel, and ``indicators`` (``{code: {method: …, …}}``: exceptions for
single indicators, like COINr's ``indiv_specs``).

Deviations from COINr, on purpose:

* Where COINr would divide by zero and return NaN with a warning (a constant indicator in
  min-max, z-score or distance to maximum; a target or reference equal to the minimum; a
  maximum of 0 in ``fracmax``; a single value in ``prank``) this step refuses with an
  :class:`~lantu.core.index.model.IndexInputError` naming the indicator.
* COINr has no default goalpost ``scale`` (``gposts`` must be given); ours is 100, matching the
  default min-max range. The reference of ``dist2ref`` is a unit code rather than a row number.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
...                    Node("b", "b", "I", 1, -1, 1)])
>>> table = Table(("A", "B", "C"), ("a", "b"), np.array([[1.0, 10.0], [2.0, 20.0], [5.0, 30.0]]))
>>> normalise(table, tree).table.values.tolist()
[[0.0, 100.0], [25.0, 50.0], [100.0, 0.0]]
>>> normalise(table, tree, method="borda").table.values.tolist()
[[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import rankdata

from lantu.core.index.model import Array, IndexInputError, Table, Tree
from lantu.core.index.steps import (
    StepResult,
    bad_option,
    bool_option,
    check_options,
    choice_option,
    number_option,
)

__all__ = ["METHODS", "normalise", "normalise_column"]

STEP = "normalise"
METHODS = (
    "minmax",
    "zscore",
    "rank",
    "prank",
    "borda",
    "goalposts",
    "dist2targ",
    "dist2max",
    "dist2ref",
    "fracmax",
    "none",
)
_COLUMN_OPTIONS = (
    "method",
    "low",
    "high",
    "mean",
    "sd",
    "goalposts",
    "lower",
    "upper",
    "scale",
    "trunc",
    "targets",
    "cap_max",
    "reference",
    "reference_year",
)
OPTIONS = (*_COLUMN_OPTIONS, "indicators")

_LABELS = {
    "minmax": "min-max",
    "zscore": "z-score",
    "rank": "排名",
    "prank": "百分位排名",
    "borda": "Borda计分",
    "goalposts": "目标区间（goalposts）",
    "dist2targ": "距目标",
    "dist2max": "距最大值",
    "dist2ref": "距参照单位",
    "fracmax": "占最大值比例",
    "none": "不缩放（仅统一方向）",
}


def _min_rank(x: Array) -> Array:
    """Ranks of the non-NaN values, ties sharing the lowest rank (R's ``ties.method = "min"``)."""
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    out[ok] = rankdata(x[ok], method="min")
    return out


def normalise_column(
    x: Array,
    *,
    code: str,
    direction: int,
    method: str,
    options: Mapping[str, Any],
    target: float | None = None,
    reference_row: int | None = None,
) -> Array:
    """Normalise one indicator column (NaN = missing), applying its direction first.

    >>> normalise_column(np.array([1.0, 3.0, np.nan, 5.0]), code="x", direction=1, method="prank",
    ...                  options={})
    array([0. , 0.5, nan, 1. ])
    """
    x = np.asarray(x, dtype=np.float64) * direction
    ok = ~np.isnan(x)
    if method not in ("none",) and not ok.any():
        raise IndexInputError("indicator_no_data", {"code": code, "step": f"normalise: {method}"})
    if method == "none":
        return x
    xmin, xmax = float(np.min(x[ok])), float(np.max(x[ok]))
    if method in ("minmax", "dist2max", "zscore") and xmin == xmax:
        raise IndexInputError("constant_indicator", {"code": code, "method": method})
    if method == "minmax":
        low = number_option(STEP, options, "low", 0.0)
        high = number_option(STEP, options, "high", 100.0)
        return (x - xmin) / (xmax - xmin) * (high - low) + low
    if method == "zscore":
        mean = number_option(STEP, options, "mean", 0.0)
        sd = number_option(STEP, options, "sd", 1.0)
        if sd <= 0:
            raise bad_option(STEP, "sd", "must be positive")
        if ok.sum() < 2:
            raise IndexInputError("constant_indicator", {"code": code, "method": method})
        values = x[ok]
        centre, spread = float(values.mean()), float(values.std(ddof=1))
        return (x - centre) / spread * sd + mean
    if method == "rank":
        return _min_rank(x)
    if method == "borda":
        return _min_rank(x) - 1
    if method == "prank":
        n = int(ok.sum())
        if n < 2:
            raise IndexInputError("constant_indicator", {"code": code, "method": method})
        return (_min_rank(x) - 1) / (n - 1)
    if method == "dist2max":
        return 1 - (xmax - x) / (xmax - xmin)
    if method == "fracmax":
        if xmax == 0:
            raise IndexInputError("max_zero", {"code": code})
        return x / xmax
    if method == "goalposts":
        lower, upper = _goalposts(code, options)
        scale = number_option(STEP, options, "scale", 100.0)
        trunc = bool_option(STEP, options, "trunc", True)
        # As COINr's iMeta route: for direction -1 the posts are flipped with the data, so the
        # score is the fraction of the way from the upper post down to the lower one.
        y = (x - lower) / (upper - lower) if direction == 1 else (x + upper) / (upper - lower)
        if trunc:
            y = np.where(np.isnan(y), np.nan, np.clip(y, 0.0, 1.0))
        return y * scale
    if method == "dist2targ":
        if target is None or not np.isfinite(target):
            raise IndexInputError("missing_target", {"code": code})
        targ = target * direction
        if targ == xmin:
            raise IndexInputError("target_at_min", {"code": code, "target": target})
        y = (x - xmin) / (targ - xmin)
        return _cap(y, options)
    if method == "dist2ref":
        if reference_row is None:
            raise bad_option(STEP, "reference", "dist2ref needs a reference unit")
        xref = float(x[reference_row])
        if np.isnan(xref) or xref == xmin:
            raise IndexInputError("reference_at_min", {"code": code, "unit": str(options.get("reference"))})
        y = 1 - (xref - x) / (xref - xmin)
        return _cap(y, options)
    raise bad_option(STEP, "method", f"unknown method {method!r}")  # pragma: no cover - checked before


def _cap(y: Array, options: Mapping[str, Any]) -> Array:
    if bool_option(STEP, options, "cap_max", False):
        return np.where(y > 1, 1.0, y)
    return y


def _goalposts(code: str, options: Mapping[str, Any]) -> tuple[float, float]:
    posts = options.get("goalposts")
    if posts is not None:
        if not isinstance(posts, Mapping):
            raise bad_option(STEP, "goalposts", "must map indicator codes to [lower, upper]")
        pair = posts.get(code)
        if pair is not None:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise bad_option(STEP, "goalposts", f"{code}: must be [lower, upper]")
            lower = number_option(STEP, {"lower": pair[0]}, "lower", 0.0)
            upper = number_option(STEP, {"upper": pair[1]}, "upper", 0.0)
            if lower == upper:
                raise bad_option(STEP, "goalposts", f"{code}: lower equals upper")
            return lower, upper
    if "lower" not in options or "upper" not in options:
        raise bad_option(STEP, "goalposts", f"no goalposts for {code}")
    lower = number_option(STEP, options, "lower", 0.0)
    upper = number_option(STEP, options, "upper", 0.0)
    if lower == upper:
        raise bad_option(STEP, "upper", "must differ from lower")
    return lower, upper


def _reference_row(table: Table, options: Mapping[str, Any]) -> int | None:
    unit = options.get("reference")
    if unit is None:
        return None
    rows = [i for i, u in enumerate(table.units) if u == str(unit)]
    year = options.get("reference_year")
    if table.years is not None and year is not None:
        rows = [i for i in rows if table.years[i] == year]
    if not rows:
        raise IndexInputError("unknown_unit", {"unit": str(unit), "where": "normalise: reference"})
    if len(rows) > 1:
        raise bad_option(STEP, "reference_year", "the reference unit has several years: name one")
    return rows[0]


def normalise(table: Table, tree: Tree, **options: Any) -> StepResult:
    """Normalise every indicator of ``table`` (columns: ``tree.indicators``); see the module doc."""
    check_options(STEP, options, OPTIONS)
    exceptions = options.get("indicators") or {}
    if not isinstance(exceptions, Mapping):
        raise bad_option(STEP, "indicators", "must map indicator codes to options")
    for code, spec in exceptions.items():
        if code not in tree.indicators:
            raise bad_option(STEP, "indicators", f"{code} is not an indicator")
        if not isinstance(spec, Mapping):
            raise bad_option(STEP, "indicators", f"{code}: must be a mapping of options")
        check_options(STEP, spec, _COLUMN_OPTIONS)
    general = {k: v for k, v in options.items() if k != "indicators"}
    general_method = choice_option(STEP, general, "method", "minmax", METHODS)
    targets = general.get("targets") or {}
    if not isinstance(targets, Mapping):
        raise bad_option(STEP, "targets", "must map indicator codes to numbers")

    data = table.select(tree.indicators)
    out = np.empty_like(data.values)
    notes: list[str] = []
    for j, code in enumerate(tree.indicators):
        spec = {**general, **exceptions.get(code, {})}
        method = choice_option(STEP, spec, "method", "minmax", METHODS)
        node = tree.nodes[code]
        own_targets = spec.get("targets") or targets
        target = own_targets.get(code, node.target) if isinstance(own_targets, Mapping) else node.target
        if target is not None:
            target = number_option(STEP, {"targets": target}, "targets", 0.0)
        out[:, j] = normalise_column(
            data.values[:, j],
            code=code,
            direction=node.direction,
            method=method,
            options=spec,
            target=target,
            reference_row=_reference_row(table, spec) if method == "dist2ref" else None,
        )
        if code in exceptions:
            notes.append(f"指标“{code}”按{_LABELS[method]}方法归一化（单独设定）")
    flipped = [c for c in tree.indicators if tree.nodes[c].direction == -1]
    summary = f"归一化：{_LABELS[general_method]}"
    if general_method == "minmax":
        summary += f"，区间[{_fmt(general.get('low', 0))}, {_fmt(general.get('high', 100))}]"
    notes.insert(0, summary + f"（{len(tree.indicators)}个指标）")
    if flipped:
        notes.append("逆向指标已反转方向（越小越好→越大越好）：" + "、".join(flipped))
    return StepResult(data.with_values(out), notes)


def _fmt(value: object) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)
