"""Weights: manual (META), equal, PCA-based, budget allocation, optimised toward a correlation profile.

:func:`weights` returns a weight for every node, relative within its parent and re-scaled to sum
to 1 under each parent (the root gets 1). Every aggregation method of :mod:`aggregate` divides
by the sum of the weights, so this re-scaling changes no score; it only makes the weights
readable and comparable between methods.

``manual``
    The weights of the META table (option ``weights``: a mapping that overrides some of them).
``equal``
    Every child of a parent gets the same weight.
``pca`` (COINr ``get_PCA``)
    For each aggregate whose children are at level ``level`` (default 1, the indicators; a list
    is accepted), a principal component analysis of its children on the units with data for all
    of them (COINr drops incomplete rows, ``na.omit``), centred and scaled (``prcomp(center =
    TRUE, scale = TRUE)``): the loadings of the first component are the weights. ``by_groups``
    (default true, COINr's default) does one analysis per parent; false does one over the whole
    level. The sign of a component is arbitrary (LAPACK decides it in R); since the weights are
    relative within the parent, the loadings are oriented to sum positive under each parent,
    which leaves every COINr mean unchanged. A loading that is still negative is refused
    (``negative: error``, default) or set to 0 (``negative: zero``): COINr would aggregate with
    a negative weight, which the framework here does not accept. For a level above 1 the
    children are first aggregated (``aggregation``, default arithmetic) with the weights found
    for the lower levels.
``budget``
    Budget allocation: ``points`` maps each child to the points one expert gave it, or to a list
    of points, one per expert. Under a parent, each expert's points are re-scaled to sum to 1 and
    the experts averaged. Parents whose children got no points keep their META weights; a parent
    where only some children got points is refused.
``optimise`` (COINr ``get_opt_weights``)
    The weights of every node at level ``level`` (default: the children of the index) are
    optimised with Nelder–Mead so that the correlations of those nodes with the index, re-scaled
    to sum to 1, come close to ``target`` (``"equal"``, default, or a mapping code → relative
    importance): COINr's ``balance`` objective ``log(mean((target - r/Σr)²))``. ``optype:
    infomax`` maximises the sum of the correlations instead. ``correlation``: ``pearson``
    (default) or ``spearman``; ``aggregation``: the method used to recompute the index
    (default arithmetic). *Deviations*: COINr stops R's ``optim`` at ``reltol = 0.1`` (a coarse
    stop, so its result depends on R's Nelder–Mead path); here SciPy's Nelder–Mead runs to its
    own tolerances (``maxiter`` 500 × the number of weights by default), with weights bounded
    at 0 so that no weight turns negative. Results agree with COINr where both reach the optimum.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
...                    Node("b", "b", "I", 3, 1, 1)])
>>> t = Table(("甲", "乙"), ("a", "b"), np.array([[0.1, 0.2], [0.3, 0.4]]))
>>> weights(tree, t, "manual")
{'I': 1.0, 'a': 0.25, 'b': 0.75}
>>> weights(tree, t, "equal")
{'I': 1.0, 'a': 0.5, 'b': 0.5}
>>> weights(tree, t, "budget", points={"a": [30, 50], "b": [70, 50]})
{'I': 1.0, 'a': 0.4, 'b': 0.6}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from lantu.core.index.aggregate import aggregate, method_name
from lantu.core.index.audit import pairwise_correlation
from lantu.core.index.model import IndexInputError, Table, Tree
from lantu.core.index.steps import bad_option, check_options, choice_option

__all__ = ["WEIGHT_METHODS", "first_component", "weights"]

Array = npt.NDArray[np.float64]
WEIGHT_METHODS: tuple[str, ...] = ("manual", "equal", "pca", "budget", "optimise")


def weights(tree: Tree, normalised: Table, method: str = "manual", **options: object) -> dict[str, float]:
    """Weights of every node (root 1), summing to 1 within each parent; see the module text.

    ``normalised`` is the normalised indicator table (PCA and optimisation use it; the other
    methods ignore it).
    """
    if method == "optimize":
        method = "optimise"
    if method not in WEIGHT_METHODS:
        raise IndexInputError("unknown_method", {"step": "weights", "method": method, "known": WEIGHT_METHODS})
    if method == "manual":
        check_options("weights", options, ["weights"])
        given = options.get("weights") or {}
        if not isinstance(given, Mapping):
            raise bad_option("weights", "weights", "must be a mapping code → weight")
        raw = _tree_weights(tree)
        for code, value in given.items():
            if code not in tree.nodes:
                raise IndexInputError("unknown_code", {"code": code})
            raw[str(code)] = _weight(str(code), value)
        return _within_parents(tree, raw)
    if method == "equal":
        check_options("weights", options, [])
        return _within_parents(tree, dict.fromkeys(tree.order, 1.0))
    if method == "budget":
        check_options("weights", options, ["points"])
        return _budget(tree, options.get("points"))
    if method == "pca":
        check_options("weights", options, ["level", "by_groups", "negative", "aggregation"])
        return _pca_weights(tree, normalised, options)
    check_options("weights", options, ["level", "target", "optype", "correlation", "aggregation", "maxiter"])
    return _optimise(tree, normalised, options)


def _weight(code: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value < 0:
        raise IndexInputError("bad_weight", {"code": code, "weight": value})
    return float(value)


def _tree_weights(tree: Tree) -> dict[str, float]:
    return {code: tree.nodes[code].weight for code in tree.order}


def _within_parents(tree: Tree, raw: Mapping[str, float]) -> dict[str, float]:
    """Re-scale to sum 1 under every parent (the root gets 1)."""
    out = {tree.root: 1.0}
    for agg in tree.aggregates:
        kids = tree.children(agg)
        total = sum(raw[c] for c in kids)
        if not total > 0:
            raise IndexInputError("zero_weights", {"code": agg})
        for c in kids:
            out[c] = raw[c] / total
    return {code: out[code] for code in tree.order}


def _budget(tree: Tree, points: object) -> dict[str, float]:
    if not isinstance(points, Mapping) or not points:
        raise IndexInputError("missing_option", {"step": "weights", "method": "budget", "option": "points"})
    for code in points:
        if code not in tree.nodes or code == tree.root:
            raise IndexInputError("unknown_code", {"code": code})
    raw = _tree_weights(tree)
    for agg in tree.aggregates:
        kids = tree.children(agg)
        given = [c for c in kids if c in points]
        if not given:
            continue
        for c in kids:
            if c not in points:
                raise IndexInputError("budget_missing", {"code": agg, "child": c})
        table = []
        for c in kids:
            value = points[c]
            experts = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
            table.append([_weight(c, v) for v in experts])
        n_experts = {len(row) for row in table}
        if len(n_experts) != 1:
            raise bad_option(
                "weights", "points", f"the children of {agg} have points from different numbers of experts"
            )
        matrix = np.array(table)  # children × experts
        totals = matrix.sum(axis=0)
        if not (totals > 0).all():
            raise IndexInputError("zero_weights", {"code": agg})
        shares = (matrix / totals).mean(axis=1)
        for c, share in zip(kids, shares, strict=True):
            raw[c] = float(share)
    return _within_parents(tree, raw)


def first_component(x: Array) -> tuple[Array, Array]:
    """Loadings of the first principal component and the variance of every component.

    ``x`` is units × variables with no missing value; each column is centred and scaled to unit
    (sample) variance first, as R's ``prcomp(x, center = TRUE, scale. = TRUE)``. The loadings
    are the first right singular vector (sign as computed: callers orient it); the variances are
    the squared singular values over ``n - 1`` (``prcomp``'s ``sdev²``).

    >>> load, var = first_component(np.array([[1.0, 2.0], [2.0, 4.1], [3.0, 5.9]]))
    >>> np.round(np.abs(load), 4).tolist(), np.round(var, 4).tolist()
    ([0.7071, 0.7071], [1.999, 0.001])
    """
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    variances = s**2 / (x.shape[0] - 1)
    return vt[0], variances


def _complete(tree: Tree, group: str, codes: Sequence[str], data: Table) -> Array:
    """The rows of ``codes`` with no missing value, checked for PCA."""
    x = data.select(codes).values
    x = x[~np.isnan(x).any(axis=1)]
    if x.shape[0] < 2:
        raise IndexInputError("pca_rows", {"code": group, "n": x.shape[0], "need": 2})
    sd = x.std(axis=0, ddof=1)
    for code, s in zip(codes, sd, strict=True):
        if not s > 0:
            raise IndexInputError("pca_constant", {"code": group, "child": code})
    return x


def _pca_weights(tree: Tree, normalised: Table, options: Mapping[str, object]) -> dict[str, float]:
    level_opt = options.get("level", 1)
    levels = [level_opt] if not isinstance(level_opt, Sequence) or isinstance(level_opt, str) else list(level_opt)
    child_levels = {tree.nodes[c].level for agg in tree.aggregates for c in tree.children(agg)}
    for lev in levels:
        if isinstance(lev, bool) or not isinstance(lev, int) or lev not in child_levels:
            raise bad_option("weights", "level", f"must be a level that has a parent (one of {sorted(child_levels)})")
    by_groups = options.get("by_groups", True)
    if not isinstance(by_groups, bool):
        raise bad_option("weights", "by_groups", "must be true or false")
    negative = choice_option("weights", options, "negative", "error", ("error", "zero"))
    aggregation = method_name(str(options.get("aggregation", "arithmetic")))
    raw = _tree_weights(tree)
    for lev in sorted(int(v) for v in levels):  # type: ignore[call-overload]
        data = normalised
        if lev > 1:
            aggregated = aggregate(normalised, tree, aggregation, weights=raw)
            data = Table(
                normalised.units,
                (*normalised.codes, *aggregated.codes),
                np.column_stack([normalised.values, aggregated.values]),
                normalised.groups,
                normalised.years,
            )
        parents = [a for a in tree.aggregates if any(tree.nodes[c].level == lev for c in tree.children(a))]
        loadings: dict[str, float] = {}
        if by_groups:
            for agg in parents:
                kids = [c for c in tree.children(agg) if tree.nodes[c].level == lev]
                load, _ = first_component(_complete(tree, agg, kids, data))
                loadings.update(zip(kids, load.tolist(), strict=True))
        else:
            codes = [c for c in tree.level_codes(lev) if tree.nodes[c].parent is not None]
            load, _ = first_component(_complete(tree, f"level {lev}", codes, data))
            loadings.update(zip(codes, load.tolist(), strict=True))
        for agg in parents:
            kids = [c for c in tree.children(agg) if c in loadings]
            sign = 1.0 if sum(loadings[c] for c in kids) >= 0 else -1.0
            for c in kids:
                value = sign * loadings[c]
                if value < 0:
                    if negative == "error":
                        raise IndexInputError("pca_negative", {"code": agg, "child": c, "value": round(value, 6)})
                    value = 0.0
                raw[c] = value
    return _within_parents(tree, raw)


def _optimise(tree: Tree, normalised: Table, options: Mapping[str, object]) -> dict[str, float]:
    level = options.get("level", tree.depth - 1)
    codes = [c for c in tree.level_codes(level) if tree.nodes[c].parent is not None] if isinstance(level, int) else []
    if isinstance(level, bool) or not codes:
        raise bad_option("weights", "level", "must be a level below the index that has nodes")
    optype = choice_option("weights", options, "optype", "balance", ("balance", "infomax"))
    cortype = choice_option("weights", options, "correlation", "pearson", ("pearson", "spearman"))
    aggregation = method_name(str(options.get("aggregation", "arithmetic")))
    maxiter = options.get("maxiter", 500 * len(codes))
    if isinstance(maxiter, bool) or not isinstance(maxiter, int) or maxiter < 1:
        raise bad_option("weights", "maxiter", "must be a positive whole number")
    base = _tree_weights(tree)
    target_opt = options.get("target", "equal")
    if target_opt == "equal":
        target = np.ones(len(codes))
    elif isinstance(target_opt, Mapping):
        for code in target_opt:
            if code not in codes:
                raise IndexInputError("unknown_code", {"code": f"target: {code}"})
        target = np.array([_weight(c, target_opt.get(c, 0.0)) for c in codes])
        if not target.sum() > 0:
            raise bad_option("weights", "target", "the target importances sum to 0")
    else:
        raise bad_option("weights", "target", "must be 'equal' or a mapping code → importance")
    target = target / target.sum()
    big = 1e10

    def correlations(w: Array) -> Array:
        trial = dict(base)
        trial.update(zip(codes, (w / w.sum()).tolist(), strict=True))
        aggregated = aggregate(normalised, tree, aggregation, weights=trial)
        index = aggregated.column(tree.root)
        values = {c: normalised.column(c) for c in tree.indicators}
        values.update({c: aggregated.column(c) for c in tree.aggregates})
        return np.array([pairwise_correlation(values[c], index, cortype)[0] for c in codes])

    def objective(w: Array) -> float:
        if not np.isfinite(w).all() or w.sum() <= 0 or (w < 0).any():
            return big
        try:
            r = correlations(w)
        except IndexInputError:  # e.g. every weight of one parent at 0
            return big
        if not np.isfinite(r).all():
            return big
        if optype == "infomax":
            return float(-r.sum())
        if r.sum() == 0:
            return big
        mse = float(np.mean((target - r / r.sum()) ** 2))
        return float(np.log(max(mse, 1e-300)))

    start = target.copy() if optype == "balance" else np.array([base[c] for c in codes], dtype=np.float64)
    result = minimize(
        objective,
        start,
        method="Nelder-Mead",
        bounds=[(0.0, None)] * len(codes),
        options={"maxiter": maxiter, "xatol": 1e-6, "fatol": 1e-10},
    )
    best = np.asarray(result.x, dtype=np.float64)
    if objective(best) >= big:
        best = start
    raw = dict(base)
    raw.update(zip(codes, (best / best.sum()).tolist(), strict=True))
    return _within_parents(tree, raw)
