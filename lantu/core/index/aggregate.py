"""Aggregation: combine the normalised indicators level by level into pillars, sub-indices and the index.

The methods follow COINr's aggregation functions (``R/aggregate.R``):

``arithmetic`` (COINr ``a_amean``, the default)
    ``y = Σ wᵢxᵢ / Σ wᵢ`` over the children that have a value: the weights of missing children
    are dropped and the others re-scaled to sum to 1. A unit with every child missing gets ``NaN``.
``geometric`` (``a_gmean``)
    ``y = exp(Σ wᵢ ln xᵢ / Σ wᵢ)``; every present value must be > 0, otherwise an error names
    the aggregate, the unit and the child (COINr stops too).
``harmonic`` (``a_hmean``)
    ``y = Σ wᵢ / Σ (wᵢ / xᵢ)``; a zero value is refused (COINr stops); negative values are
    allowed, as in COINr.
``genmean`` (``a_genmean``, option ``p``)
    ``y = (Σ wᵢxᵢᵖ / Σ wᵢ)^(1/p)``; ``p = 0`` is refused (use ``geometric``), with ``p < 0``
    every value must be > 0. *Deviation*: COINr returns ``NA`` as soon as one child is missing
    (its sum has no ``na.rm``); here missing children are skipped and the weights re-scaled like
    every other mean. A result that is undefined (a fractional power of a negative number) is an
    error, where R would give ``NaN``.
``copeland`` (``a_copeland``)
    For every pair of units ``i < j`` the outranking score ``s = Σ w(xᵢ > xⱼ) + ½ Σ w(xᵢ = xⱼ)``
    with the weights re-scaled to sum to 1 over all children and comparisons with a missing value
    left out; the lower triangle is ``1 - s`` (so with missing values the result depends on the
    row order, exactly as in COINr). Entries > 0.5 count +1, < 0.5 count -1, = 0.5 count 0 (an
    absolute tolerance of 1e-9 absorbs float noise); the score is the row sum. *Deviations*: a unit
    with no value at all gets ``NaN`` and is left out of every comparison (COINr compares it and
    gives it an order-dependent score); ``dat_thresh`` masks the scores of units below the
    threshold (COINr ignores ``dat_thresh`` for Copeland because it aggregates the whole table).

``dat_thresh`` (COINr's data availability threshold, 0–1): a unit whose share of present
children is below it gets ``NaN`` for that aggregate; default none. Method, ``p`` and
``dat_thresh`` may be one value for every aggregate, or a mapping keyed by aggregate code or by
level (an ``int``, as COINr's per-level vectors), with ``"default"`` as fallback.

:func:`aggregate_values` is the vectorised kernel: ``values[..., units, k]`` and
``weights[..., k]`` broadcast over any leading batch dimensions (the robustness analysis
aggregates thousands of weight draws in one call).

>>> import numpy as np
>>> x = np.array([[0.2, 0.8], [0.5, np.nan]])
>>> aggregate_values(x, np.array([1.0, 3.0]))
array([0.65, 0.5 ])
>>> aggregate_values(x, np.array([1.0, 1.0]), "geometric").round(6)
array([0.4, 0.5])
>>> aggregate_values(np.array([[1.0, 4.0]]), np.array([1.0, 1.0]), "genmean", p=2).round(6)
array([2.915476])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from lantu.core.index.model import IndexInputError, Table, Tree

__all__ = [
    "METHODS",
    "aggregate",
    "aggregate_values",
    "contributions",
    "effective_weights",
    "method_name",
]

Array = npt.NDArray[np.float64]
T = TypeVar("T")

METHODS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic", "genmean", "copeland")
_ALIASES = {
    "a_amean": "arithmetic",
    "amean": "arithmetic",
    "mean": "arithmetic",
    "a_gmean": "geometric",
    "gmean": "geometric",
    "a_hmean": "harmonic",
    "hmean": "harmonic",
    "a_genmean": "genmean",
    "generalised": "genmean",
    "generalized": "genmean",
    "a_copeland": "copeland",
}
# Copeland's outranking entries are compared with 0.5 up to this absolute tolerance.
_COPELAND_TOL = 1e-9
# Copeland compares every pair of units: batches are cut so one chunk holds at most this many
# pairwise comparisons (chunk × units × units × children).
_COPELAND_CHUNK = 8_000_000


def method_name(method: str) -> str:
    """The canonical name of an aggregation method (COINr's ``a_*`` names are accepted).

    >>> method_name("a_gmean")
    'geometric'
    """
    name = _ALIASES.get(method, method)
    if name not in METHODS:
        raise IndexInputError("unknown_method", {"step": "aggregate", "method": method, "known": METHODS})
    return name


def _label(names: Sequence[str] | None, i: int) -> str:
    return names[i] if names is not None and i < len(names) else f"#{i + 1}"


def aggregate_values(
    values: npt.ArrayLike,
    weights: npt.ArrayLike,
    method: str = "arithmetic",
    *,
    p: float | None = None,
    dat_thresh: float | None = None,
    code: str = "",
    children: Sequence[str] | None = None,
    units: Sequence[str] | None = None,
) -> Array:
    """Aggregate the last axis of ``values[..., units, k]`` with ``weights[..., k]``.

    Leading dimensions of ``values`` and ``weights`` broadcast (e.g. values ``(units, k)`` with
    weights ``(runs, k)`` give ``(runs, units)``). ``NaN`` is missing. ``code``, ``children`` and
    ``units`` only name things in error messages.

    >>> aggregate_values(np.ones((3, 90, 6)), np.full((3, 6), 2.0)).shape
    (3, 90)
    >>> aggregate_values(np.array([[np.nan, np.nan]]), np.array([1.0, 1.0]))
    array([nan])
    >>> aggregate_values(np.array([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0]]), np.array([1.0, 1.0]), "copeland")
    array([0., 0., 0.])
    """
    name = method_name(method)
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(f"values need shape (..., units, k), not {x.shape}")
    if w.ndim < 1 or w.shape[-1] != x.shape[-1]:
        raise ValueError(f"weights {w.shape} do not match {x.shape[-1]} children")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        j = int(np.argwhere(bad)[0][-1])
        raise IndexInputError("bad_weight", {"code": _label(children, j), "weight": float(w[bad].flat[0])})
    if dat_thresh is not None and not 0 <= dat_thresh <= 1:
        raise IndexInputError(
            "bad_option",
            {"step": "aggregate", "option": "dat_thresh", "reason": f"must be in [0, 1], not {dat_thresh}"},
        )
    k = x.shape[-1]
    present = ~np.isnan(x)
    below = None
    if dat_thresh is not None and k > 0:
        below = present.sum(axis=-1) / k < dat_thresh
    if name == "copeland":
        out = _copeland(x, w)
        if below is not None:
            out = np.where(below, np.nan, out)
        return out
    if below is not None:  # COINr does not call the mean for a row below the threshold
        x = np.where(below[..., None], np.nan, x)
        present = ~np.isnan(x)
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-1])
    x = np.broadcast_to(x, (*lead, *x.shape[-2:]))
    present = np.broadcast_to(present, x.shape)
    wb = np.broadcast_to(w[..., None, :], x.shape)
    wp = np.where(present, wb, 0.0)
    sw = wp.sum(axis=-1)
    has = present.any(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        if name == "arithmetic":
            out = np.where(present, (wp / sw[..., None]) * x, 0.0).sum(axis=-1)
        elif name == "geometric":
            _refuse(present & (x <= 0), x, "agg_nonpositive", code, children, units, "geometric")
            out = np.exp(np.where(present, wp * np.log(np.where(present, x, 1.0)), 0.0).sum(axis=-1) / sw)
        elif name == "harmonic":
            _refuse(present & (x == 0), x, "agg_zero", code, children, units, "harmonic")
            out = sw / np.where(present, wp / np.where(present, x, 1.0), 0.0).sum(axis=-1)
        else:
            if p is None:
                raise IndexInputError("missing_option", {"step": "aggregate", "method": "genmean", "option": "p"})
            if p == 0 or not np.isfinite(p):
                raise IndexInputError("agg_undefined", {"code": code, "p": p, "unit": "—"})
            if p < 0:
                _refuse(present & (x <= 0), x, "agg_nonpositive", code, children, units, f"genmean (p = {p:g})")
            powered = np.power(np.where(present, x, 1.0), p)
            out = np.power(np.where(present, wp * powered, 0.0).sum(axis=-1) / sw, 1.0 / p)
            undefined = has & (sw > 0) & ~np.isfinite(out)
            if undefined.any():
                idx = tuple(int(i) for i in np.argwhere(undefined)[0])
                raise IndexInputError("agg_undefined", {"code": code, "p": p, "unit": _label(units, idx[-1])})
    return np.where(has & (sw > 0), out, np.nan)


def _refuse(
    bad: npt.NDArray[np.bool_],
    x: Array,
    error: str,
    code: str,
    children: Sequence[str] | None,
    units: Sequence[str] | None,
    method: str,
) -> None:
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise IndexInputError(
            error,
            {
                "code": code or "—",
                "method": method,
                "unit": _label(units, idx[-2]),
                "child": _label(children, idx[-1]),
                "value": float(x[idx]),
            },
        )


def _copeland(x: Array, w: Array) -> Array:
    """Copeland scores along the units axis (see the module text for COINr's rules)."""
    lead = np.broadcast_shapes(x.shape[:-2], w.shape[:-1])
    n_units, k = x.shape[-2], x.shape[-1]
    xs = np.broadcast_to(x, (*lead, n_units, k)).reshape(-1, n_units, k)
    total = w.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        wn = np.broadcast_to(w / total, (*lead, k)).reshape(-1, k)
    out = np.empty(xs.shape[:2])
    upper = np.triu(np.ones((n_units, n_units), dtype=bool), 1)
    lower = upper.T
    chunk = max(1, _COPELAND_CHUNK // max(1, n_units * n_units * k))
    for start in range(0, xs.shape[0], chunk):
        xc = xs[start : start + chunk]
        wc = wn[start : start + chunk]
        a = xc[:, :, None, :]
        b = xc[:, None, :, :]
        s = ((a > b) * wc[:, None, None, :]).sum(axis=-1) + ((a == b) * wc[:, None, None, :]).sum(axis=-1) / 2
        orm = np.where(upper, s, np.where(lower, 1.0 - np.swapaxes(s, -1, -2), 0.5))
        t = np.where(orm > 0.5 + _COPELAND_TOL, 1.0, np.where(orm < 0.5 - _COPELAND_TOL, -1.0, 0.0))
        empty = np.asarray(np.isnan(xc).all(axis=-1))  # units with no value: out of every comparison
        t = np.where(empty[:, :, None] | empty[:, None, :], 0.0, t)
        out[start : start + chunk] = np.where(empty, np.nan, t.sum(axis=-1))
    return out.reshape(*lead, n_units)


def option_for(spec: T | Mapping[object, T], code: str, level: int, default: T) -> T:
    """One value for all aggregates, or a mapping by code, level (int or its string) and "default"."""
    if isinstance(spec, Mapping):
        for key in (code, level, str(level), f"L{level}", "default"):
            if key in spec:
                return spec[key]
        return default
    return spec


def _check_keys(spec: object, tree: Tree, option: str) -> None:
    if not isinstance(spec, Mapping):
        return
    levels = {tree.nodes[c].level for c in tree.aggregates}
    for key in spec:
        if key == "default" or key in tree.aggregates:
            continue
        text = str(key).removeprefix("L")
        if isinstance(key, int | str) and text.isdigit() and int(text) in levels:
            continue
        raise IndexInputError("unknown_code", {"code": f"{option}: {key}"})


def aggregate(
    normalised: Table,
    tree: Tree,
    method: str | Mapping[object, str] = "arithmetic",
    *,
    weights: Mapping[str, float] | None = None,
    p: float | Mapping[object, float] | None = None,
    dat_thresh: float | Mapping[object, float] | None = None,
) -> Table:
    """Aggregate every level: a Table whose columns are ``tree.aggregates`` (lowest level first).

    ``weights`` replaces the weights of the tree (relative within each parent; codes not given
    keep the tree's weight). Each aggregate is computed from its children's values — normalised
    indicators or aggregates computed before it — in the order of ``tree.aggregates``.

    >>> from lantu.core.index.model import Node
    >>> tree = Tree.build([
    ...     Node("I", "指数", None, 1, 1, 3),
    ...     Node("P", "支柱", "I", 1, 1, 2), Node("Q", "支柱二", "I", 1, 1, 2),
    ...     Node("a", "a", "P", 1, 1, 1), Node("b", "b", "P", 3, 1, 1), Node("c", "c", "Q", 1, 1, 1),
    ... ])
    >>> t = Table(("甲", "乙"), ("a", "b", "c"), np.array([[0.0, 1.0, 0.5], [1.0, np.nan, 0.0]]))
    >>> out = aggregate(t, tree)
    >>> out.codes
    ('P', 'Q', 'I')
    >>> out.values.tolist()
    [[0.75, 0.5, 0.625], [1.0, 0.0, 0.5]]
    """
    _check_keys(method, tree, "method")
    _check_keys(p, tree, "p")
    _check_keys(dat_thresh, tree, "dat_thresh")
    if weights is not None:
        for code in weights:
            if code not in tree.nodes:
                raise IndexInputError("unknown_code", {"code": code})
    columns: dict[str, Array] = {}
    for code in tree.indicators:
        if code not in normalised.codes:
            raise IndexInputError("missing_column", {"code": code})
        columns[code] = normalised.column(code)
    n = len(normalised.units)
    for agg in tree.aggregates:
        level = tree.nodes[agg].level
        kids = tree.children(agg)
        x = np.column_stack([columns[c] for c in kids]) if kids else np.empty((n, 0))
        w = np.array([float(weights[c]) if weights and c in weights else tree.nodes[c].weight for c in kids])
        columns[agg] = aggregate_values(
            x,
            w,
            option_for(method, agg, level, "arithmetic"),
            p=option_for(p, agg, level, None),
            dat_thresh=option_for(dat_thresh, agg, level, None),
            code=agg,
            children=kids,
            units=normalised.units,
        )
    values = np.column_stack([columns[c] for c in tree.aggregates]) if tree.aggregates else np.empty((n, 0))
    return normalised.with_values(values, tree.aggregates)


def effective_weights(tree: Tree, weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each node's share of the index when no value is missing (COINr's ``get_eff_weights``).

    Weights are made to sum to 1 within each parent, then multiplied down from the root (1).

    >>> from lantu.core.index.model import Node
    >>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
    ...                    Node("b", "b", "I", 3, 1, 1)])
    >>> effective_weights(tree)
    {'I': 1.0, 'a': 0.25, 'b': 0.75}
    """
    out: dict[str, float] = {tree.root: 1.0}

    def weight(code: str) -> float:
        return float(weights[code]) if weights is not None and code in weights else tree.nodes[code].weight

    for agg in reversed(tree.aggregates):  # root first, then down
        kids = tree.children(agg)
        total = sum(weight(c) for c in kids)
        for c in kids:
            out[c] = out[agg] * weight(c) / total
    return {code: out[code] for code in tree.order}


def contributions(
    normalised: Table,
    tree: Tree,
    weights: Mapping[str, float] | None,
    unit: str,
    *,
    year: int | None = None,
    method: str | Mapping[object, str] = "arithmetic",
    dat_thresh: float | Mapping[object, float] | None = None,
) -> dict[str, float]:
    """A unit's index score split into indicator contributions (arithmetic aggregation only).

    Each indicator contributes *effective weight × normalised value*, where the effective weight
    is the product of the weights down the tree, re-scaled at each parent over the children that
    have a value (exactly as :func:`aggregate` re-scales them). The contributions therefore sum to
    the unit's index score. Indicators without a value (or under an aggregate that is missing)
    contribute nothing and are left out; a unit whose index is missing gives ``{}``.

    Geometric, harmonic, generalised and Copeland aggregation are not additive, so they are
    refused with an error naming the aggregate and its method.

    >>> from lantu.core.index.model import Node
    >>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
    ...                    Node("b", "b", "I", 3, 1, 1), Node("c", "c", "I", 4, 1, 1)])
    >>> t = Table(("甲",), ("a", "b", "c"), np.array([[0.4, 0.8, np.nan]]))
    >>> contributions(t, tree, None, "甲")
    {'a': 0.1, 'b': 0.6000000000000001}
    """
    for agg in tree.aggregates:
        name = method_name(option_for(method, agg, tree.nodes[agg].level, "arithmetic"))
        if name != "arithmetic":
            raise IndexInputError("arithmetic_only", {"code": agg, "method": name})
    matches = [
        i
        for i, u in enumerate(normalised.units)
        if u == unit and (year is None or normalised.years is None or normalised.years[i] == year)
    ]
    if not matches:
        where = "contributions" if year is None else f"contributions, {year}"
        raise IndexInputError("unknown_unit", {"unit": unit, "where": where})
    row = normalised.rows(np.isin(np.arange(len(normalised.units)), matches[:1]))
    aggregated = aggregate(row, tree, method, weights=weights, dat_thresh=dat_thresh)
    value = {c: float(row.column(c)[0]) for c in tree.indicators}
    value.update({c: float(aggregated.column(c)[0]) for c in tree.aggregates})

    def weight(code: str) -> float:
        return float(weights[code]) if weights is not None and code in weights else tree.nodes[code].weight

    share: dict[str, float] = {}
    if not np.isnan(value[tree.root]):
        share[tree.root] = 1.0
    for agg in reversed(tree.aggregates):
        if agg not in share:
            continue
        kids = [c for c in tree.children(agg) if not np.isnan(value[c])]
        total = sum(weight(c) for c in kids)
        for c in kids:
            share[c] = share[agg] * weight(c) / total
    return {c: share[c] * value[c] for c in tree.indicators if c in share}
