"""Robustness of a composite index: Monte Carlo over uncertain choices, rank intervals, Sobol indices.

An index rests on choices — the weights, the normalisation and aggregation methods, how gaps are
imputed, how far outliers are winsorised, which indicators are in. :func:`run` rebuilds the index
many times with those choices drawn at random and reports how far each unit's rank moves: the
median rank and the 5th–95th percentile interval per unit, the mean and spread of its score, a
rank-change table, and (in a sensitivity analysis) first-order and total Sobol indices saying
which choice moves the ranks most. This follows COINr's ``get_sensitivity()`` (Saltelli et al.
2005, doi:10.1111/j.1467-985X.2005.00350.x):

* ``analysis="UA"`` (uncertainty analysis) runs ``n`` random draws of the choices;
  ``analysis="SA"`` (sensitivity analysis) runs a Saltelli design of ``n (k + 2)`` draws for
  ``k`` factors (:mod:`lantu.core.index.sobol`). As in COINr, the rank statistics of an SA use
  only its ``2n`` independent runs (``A`` and ``B``).
* Each factor is one uniform number per run in ``[0, 1)``, mapped to one of its alternatives
  (COINr's ``sample_2_para``, discrete). Weight noise is one factor too: as COINr's
  ``get_noisy_weights`` it draws ``sets`` perturbed weight sets, each weight ``w (1 + u)`` with
  ``u`` uniform in ``[-fraction, +fraction]``, and the factor picks one set per run.
* The output whose variance is split is COINr's: the mean absolute rank change against the
  nominal ranks, over all units, one number per run (``sensitivity``). The indices of every
  unit's own rank are also given (``unit_sensitivity``, no bootstrap) with their average over the
  units whose rank varies (``mean_unit_first`` / ``mean_unit_total``).

Speed. Weight noise and the aggregation method act after normalisation, so runs that differ only
in those share everything up to the normalised table: the **fast path** normalises once, draws
all weight sets as one array (runs × weights) and aggregates every run at once with the batch
kernels of :mod:`lantu.core.index.aggregate`, then ranks them all at once. Other factors
(normalisation, imputation, treatment, screening, dropping an indicator or a pillar, the weighting
method) go through :func:`lantu.core.index.pipeline.build`, once per **distinct configuration** of
those factors — not once per run — and each configuration's runs then share the fast path.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2)]
...                   + [Node(c, c, "I", 1, 1, 1) for c in ("a", "b", "c")])
>>> table = Table(("甲", "乙", "丙", "丁"), ("a", "b", "c"),
...               np.array([[1, 9, 5], [2, 8, 1], [3, 1, 9], [9, 2, 3]], dtype=float))
>>> result = run(table, tree, None, [WeightNoise(level=1, fraction=0.5)], n=200, seed=1)
>>> result.nominal_rank.tolist(), result.median_rank.tolist()
([1.0, 4.0, 3.0, 2.0], [1.0, 4.0, 3.0, 2.0])
>>> result.rank_low.tolist(), result.rank_high.tolist()
([1.0, 2.0, 1.0, 1.0], [3.0, 4.0, 4.0, 4.0])
>>> bool(np.all((result.rank_low <= result.nominal_rank) & (result.nominal_rank <= result.rank_high)))
True
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# The per-aggregate option lookup (one value, or a mapping by code / level / "default") is the
# aggregation module's rule; the fast path must resolve options exactly as ``aggregate`` does.
from lantu.core.index.aggregate import aggregate_values
from lantu.core.index.aggregate import option_for as aggregate_option
from lantu.core.index.method import STEPS, Method, Step, parse_method
from lantu.core.index.model import Array, IndexInputError, Table, Tree
from lantu.core.index.pipeline import DEFAULT_METHOD, Build, build
from lantu.core.index.ranks import rank
from lantu.core.index.sobol import SobolIndices, saltelli_design, sobol_indices

__all__ = [
    "Analysis",
    "Choice",
    "Drop",
    "Factor",
    "RankChange",
    "Robustness",
    "WeightNoise",
    "run",
]

Analysis = Literal["UA", "SA"]
AGGREGATE_STEP = "aggregate"

# Runs are aggregated in chunks so that one chunk's (runs × units × children) stays below this
# many numbers (about 32 MB of float64 per temporary array).
_RUN_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class WeightNoise:
    """Perturb weights by up to ±``fraction`` of their nominal values (COINr's ``NoiseFactor``).

    The perturbed nodes are those at ``level`` (1 = the indicators' weights within their pillars,
    2 = the pillars' weights …) and/or the listed ``codes``; with neither, every weight. ``sets`` perturbed weight sets are
    drawn (default: one per base run) and the factor picks one per run. Weights stay relative
    within each parent, so a noise of 25 % on every sibling is a noise on their shares.
    """

    level: int | None = None
    codes: tuple[str, ...] = ()
    fraction: float = 0.25
    sets: int | None = None
    name: str | None = None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        where = [f"L{self.level}"] if self.level is not None else []
        where += list(self.codes)
        return f"weights {'+'.join(where) or 'all'} ±{self.fraction:.0%}"


@dataclass(frozen=True)
class Choice:
    """Pick one of ``values`` for option ``option`` of method step ``step``, e.g.
    ``Choice("normalise", "method", ("minmax", "zscore"))``, ``Choice("aggregate", "method",
    ("arithmetic", "geometric"))`` or ``Choice("treat", "winmax", (1, 2, 3, 4, 5))``.

    With ``option=None`` each value is a mapping of options that replaces the step's options
    wholesale (COINr's alternatives such as ``{"method": "zscore", "mean": 10, "sd": 2}``).
    """

    step: str
    option: str | None
    values: tuple[Any, ...]
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or (f"{self.step}.{self.option}" if self.option else self.step)


@dataclass(frozen=True)
class Drop:
    """Leave out one of ``codes`` (an indicator or an aggregate with everything below it), or,
    with ``keep_all`` (default), none of them: the alternatives are ``none, code1, code2, …``."""

    codes: tuple[str, ...]
    keep_all: bool = True
    name: str | None = None

    @property
    def alternatives(self) -> tuple[str | None, ...]:
        return ((None,) if self.keep_all else ()) + tuple(self.codes)

    @property
    def label(self) -> str:
        return self.name or "drop " + "/".join(self.codes)


Factor = WeightNoise | Choice | Drop


@dataclass(frozen=True)
class RankChange:
    """How one unit's rank moved over the runs (shift = run rank - nominal rank; negative = better)."""

    unit: str
    nominal: float
    median: float
    low: float
    high: float
    mean_abs_shift: float
    best_shift: float
    worst_shift: float
    unchanged: float  # share of runs with the nominal rank
    within_1: float  # share of runs within ±1 place
    within_3: float
    distribution: Mapping[int, int]  # shift → number of runs


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not objects
class Robustness:
    """The result of :func:`run`; per-unit arrays follow ``units`` (the nominal build's units).

    ``design`` is the runs × factors matrix of uniform numbers that chose each run's
    alternatives; ``scores`` and ``ranks`` are runs × units of the ``target`` (NaN where a
    configuration screened a unit out). The statistics (``median_rank`` …) use every run of a UA
    and the ``2n`` runs ``A`` and ``B`` of an SA, as COINr.
    """

    analysis: Analysis
    target: str
    method_sha256: str
    units: tuple[str, ...]
    factors: tuple[str, ...]
    design: Array
    scores: Array
    ranks: Array
    nominal_score: Array
    nominal_rank: Array
    median_rank: Array
    mean_rank: Array
    rank_low: Array  # 5th percentile
    rank_high: Array  # 95th percentile
    mean_score: Array
    sd_score: Array
    mean_abs_rank_change: Array  # per run: mean |rank - nominal| over units (COINr's SA output)
    sensitivity: SobolIndices | None  # of mean_abs_rank_change, with bootstrap intervals (SA only)
    unit_sensitivity: SobolIndices | None  # of each unit's rank, (k, units), no bootstrap (SA only)
    rebuilds: int  # full pipeline builds run, the nominal one included
    configurations: int  # distinct configurations of the factors that need a rebuild
    plan: _Plan = field(repr=False)

    @property
    def n_runs(self) -> int:
        return int(self.scores.shape[0])

    @property
    def mean_unit_first(self) -> Array:
        """Per factor: the first-order index of a unit's rank, averaged over units whose rank varies."""
        return _mean_over_units(self.unit_sensitivity, first=True)

    @property
    def mean_unit_total(self) -> Array:
        """Per factor: the total index of a unit's rank, averaged over units whose rank varies."""
        return _mean_over_units(self.unit_sensitivity, first=False)

    def describe(self, run_index: int) -> dict[str, object]:
        """The alternatives run ``run_index`` used, by factor label (weight noise: the multiplier
        of every perturbed weight)."""
        return self.plan.describe(run_index)

    def rank_changes(self) -> list[RankChange]:
        """The rank-change table: one row per unit, in the order of ``units``."""
        ranks = self.ranks[: _stat_runs(self.analysis, self.n_runs, len(self.factors))]
        rows = []
        for j, unit in enumerate(self.units):
            nominal = float(self.nominal_rank[j])
            r = ranks[:, j]
            r = r[~np.isnan(r)]
            if np.isnan(nominal) or r.size == 0:
                nan = float("nan")
                rows.append(RankChange(unit, nominal, nan, nan, nan, nan, nan, nan, nan, nan, nan, {}))
                continue
            shift = r - nominal
            values, counts = np.unique(np.rint(shift).astype(np.int64), return_counts=True)
            rows.append(
                RankChange(
                    unit=unit,
                    nominal=nominal,
                    median=float(np.median(r)),
                    low=float(np.quantile(r, 0.05)),
                    high=float(np.quantile(r, 0.95)),
                    mean_abs_shift=float(np.mean(np.abs(shift))),
                    best_shift=float(shift.min()),
                    worst_shift=float(shift.max()),
                    unchanged=float(np.mean(shift == 0)),
                    within_1=float(np.mean(np.abs(shift) <= 1)),
                    within_3=float(np.mean(np.abs(shift) <= 3)),
                    distribution={int(v): int(c) for v, c in zip(values, counts, strict=True)},
                )
            )
        return rows


def _stat_runs(analysis: Analysis, runs: int, k: int) -> int:
    """How many leading runs the statistics use: all of a UA, ``A`` and ``B`` of an SA (COINr)."""
    return 2 * (runs // (k + 2)) if analysis == "SA" else runs


def _mean_over_units(ind: SobolIndices | None, *, first: bool) -> Array:
    if ind is None:
        return np.array([], dtype=np.float64)
    values = ind.first if first else ind.total
    varies = ind.variance > 0
    if not np.any(varies):
        return np.full(values.shape[0], np.nan)
    return np.asarray(values[:, varies].mean(axis=1), dtype=np.float64)


# --- the plan: which alternative every run takes ------------------------------------------------


def _error(option: str, reason: str) -> IndexInputError:
    return IndexInputError("bad_option", {"step": "robustness", "option": option, "reason": reason})


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not objects
class _Plan:
    """The factors, the alternative each run picks, and the perturbed weight sets."""

    factors: tuple[Factor, ...]
    picks: npt.NDArray[np.intp]  # runs × factors: index of the alternative
    noise_codes: tuple[tuple[str, ...], ...]  # per factor: the perturbed codes (empty if not noise)
    noise_sets: tuple[Array, ...]  # per factor: sets × codes multipliers (0 × 0 if not noise)

    def describe(self, i: int) -> dict[str, object]:
        out: dict[str, object] = {}
        for f, factor in enumerate(self.factors):
            pick = int(self.picks[i, f])
            if isinstance(factor, WeightNoise):
                out[factor.label] = dict(zip(self.noise_codes[f], self.noise_sets[f][pick].tolist(), strict=True))
            elif isinstance(factor, Choice):
                out[factor.label] = factor.values[pick]
            else:
                out[factor.label] = factor.alternatives[pick]
        return out

    def multipliers(self, rows: npt.NDArray[np.intp], codes: Sequence[str]) -> Array:
        """Weight multipliers of ``rows`` (runs) for ``codes``: the product over noise factors."""
        out = np.ones((len(rows), len(codes)))
        position = {c: j for j, c in enumerate(codes)}
        for f, factor in enumerate(self.factors):
            if not isinstance(factor, WeightNoise):
                continue
            cols = [(position[c], m) for m, c in enumerate(self.noise_codes[f]) if c in position]
            if not cols:
                continue
            target, source = zip(*cols, strict=True)
            out[:, list(target)] *= self.noise_sets[f][self.picks[rows, f]][:, list(source)]
        return out


def _noise_codes(tree: Tree, factor: WeightNoise) -> tuple[str, ...]:
    chosen = set(factor.codes)
    if factor.level is not None:
        chosen.update(tree.level_codes(factor.level))
    elif not factor.codes:
        chosen.update(tree.order)
    chosen.discard(tree.root)  # the root's weight means nothing
    return tuple(c for c in tree.order if c in chosen)


def _check_factors(tree: Tree, factors: Sequence[Factor]) -> None:
    if not factors:
        raise _error("factors", "no factor to vary")
    labels = [f.label for f in factors]
    if len(set(labels)) != len(labels):
        raise _error("factors", "two factors have the same name: " + ", ".join(labels))
    for factor in factors:
        if isinstance(factor, WeightNoise):
            if not (0 <= factor.fraction < 1):
                raise _error("fraction", f"must lie in [0, 1), not {factor.fraction}")
            if factor.sets is not None and factor.sets < 1:
                raise _error("sets", f"must be at least 1, not {factor.sets}")
            if factor.level is not None and factor.level not in {n.level for n in tree.nodes.values()}:
                raise _error("level", f"the framework has no level {factor.level}")
            for code in factor.codes:
                if code not in tree.nodes:
                    raise IndexInputError("unknown_code", {"code": code})
            if not _noise_codes(tree, factor):
                raise _error("level", f"{factor.label}: no weight to perturb (give a level below the index, or codes)")
        elif isinstance(factor, Choice):
            if factor.step not in STEPS:
                raise IndexInputError("unknown_step", {"step": factor.step, "known": STEPS})
            if not factor.values:
                raise IndexInputError(
                    "bad_option",
                    {"step": factor.step, "option": factor.option or "—", "reason": "no values to choose from"},
                )
            if factor.option is None and not all(isinstance(v, Mapping) for v in factor.values):
                raise IndexInputError(
                    "bad_option",
                    {
                        "step": factor.step,
                        "option": "—",
                        "reason": "without an option name every value is a mapping of options",
                    },
                )
        else:
            if not factor.alternatives:
                raise _error("drop", "nothing to drop")
            for code in factor.codes:
                if code not in tree.nodes:
                    raise IndexInputError("unknown_code", {"code": code})
                if code == tree.root:
                    raise _error("drop", f"cannot drop the index {code}")


def _alternatives(factor: Factor, sets: int) -> int:
    if isinstance(factor, WeightNoise):
        return factor.sets or sets
    if isinstance(factor, Choice):
        return len(factor.values)
    return len(factor.alternatives)


def _pick(u: Array, count: int) -> npt.NDArray[np.intp]:
    """Uniforms in [0, 1) → alternatives 0 … count - 1 in equal slices (COINr's ``cut``)."""
    return np.minimum((u * count).astype(np.intp), count - 1)


def _is_fast(factor: Factor) -> bool:
    """Factors acting after normalisation: the runs they separate share one build."""
    return isinstance(factor, WeightNoise) or (isinstance(factor, Choice) and factor.step == AGGREGATE_STEP)


# --- building one configuration ------------------------------------------------------------------


def _configure(method: Method, choices: Sequence[tuple[Choice, Any]]) -> Method:
    """``method`` with the chosen options set, checked like a method file (unknown options refused)."""
    steps = {s.name: dict(s.options) for s in method.steps}
    for choice, value in choices:
        options = steps.setdefault(choice.step, {})
        if choice.option is None:
            steps[choice.step] = dict(value)
        else:
            options[choice.option] = value
    ordered = tuple(Step(name, steps[name]) for name in STEPS if name in steps)
    variant = Method(method.version, ordered, method.name, method.description)
    # Round-trip through the parser so a misspelt option is refused naming the step and option.
    return parse_method(variant.to_yaml())


@dataclass(frozen=True)
class _Stage:
    """One build, as the fast path needs it."""

    build: Build
    aggregate_options: Mapping[str, Any]


def _stage(table: Table, tree: Tree, method: Method) -> _Stage:
    result = build(table, tree, method)
    step = method.step(AGGREGATE_STEP)
    return _Stage(result, dict(step.options) if step is not None else {})


def _aggregate_runs(
    stage: _Stage, target: str, weights: Array, codes: Sequence[str], options: Mapping[str, Any]
) -> Array:
    """Scores of ``target`` for every run (rows of ``weights``, columns ``codes``): runs × units.

    The same computation as :func:`lantu.core.index.aggregate.aggregate` — level by level, each
    aggregate from its children with :func:`aggregate_values` and the same per-aggregate options —
    but with a leading axis of runs, so thousands of weight draws cost one call per aggregate.
    """
    tree = stage.build.tree
    normalised = stage.build.normalised
    position = {c: j for j, c in enumerate(codes)}
    method = options.get("method", "arithmetic")
    p = options.get("p")
    dat_thresh = options.get("dat_thresh")
    runs = weights.shape[0]
    if tree.nodes[target].level == 1:
        return np.broadcast_to(normalised.column(target), (runs, len(normalised.units))).copy()
    below = _subtree(tree, target)
    columns: dict[str, Array] = {}
    for agg in tree.aggregates:
        if agg not in below:
            continue
        kids = tree.children(agg)
        level = tree.nodes[agg].level
        if all(c not in columns for c in kids):
            x = normalised.select(kids).values  # units × kids: indicators, shared by every run
        else:  # runs × units × kids (an indicator child next to aggregates repeats for every run)
            shape = (runs, len(normalised.units))
            x = np.stack(
                [columns[c] if c in columns else np.broadcast_to(normalised.column(c), shape) for c in kids], axis=-1
            )
        w = weights[:, [position[c] for c in kids]]
        columns[agg] = aggregate_values(
            x,
            w,
            aggregate_option(method, agg, level, "arithmetic"),
            p=aggregate_option(p, agg, level, None),
            dat_thresh=aggregate_option(dat_thresh, agg, level, None),
            code=agg,
            children=kids,
            units=normalised.units,
        )
    return columns[target]


def _without(tree: Tree, codes: Sequence[str]) -> Tree:
    """The tree without ``codes``; a parent left with no child goes too (dropping the only
    indicator of a pillar drops the pillar)."""
    gone: set[str] = set()
    for code in codes:
        gone |= _subtree(tree, code)
    changed = True
    while changed:
        changed = False
        for agg in tree.aggregates:
            if agg not in gone and all(c in gone for c in tree.children(agg)):
                if agg == tree.root:
                    raise _error("drop", f"dropping {', '.join(codes)} leaves the index empty")
                gone.add(agg)
                changed = True
    return tree.without([c for c in codes if c in tree.nodes] + sorted(gone - set(codes)))


def _subtree(tree: Tree, code: str) -> set[str]:
    out = {code}
    stack = [code]
    while stack:
        for child in tree.children(stack.pop()):
            out.add(child)
            stack.append(child)
    return out


def _distinct_rows(picks: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The distinct rows of ``picks`` (runs × some factors) and, per run, which one it is."""
    if picks.shape[1] == 0:
        return np.zeros((1, 0), np.intp), np.zeros(picks.shape[0], np.intp)
    keys, inverse = np.unique(picks, axis=0, return_inverse=True)
    return keys.astype(np.intp), np.asarray(inverse, dtype=np.intp).reshape(-1)


# --- the analysis -----------------------------------------------------------------------------


def run(
    table: Table,
    tree: Tree,
    method: Method | None,
    factors: Sequence[Factor],
    n: int,
    seed: int,
    *,
    analysis: Analysis = "UA",
    target: str | None = None,
    n_boot: int = 100,
    confidence: float = 0.9,
    sampling: Literal["random", "sobol"] = "random",
) -> Robustness:
    """Rebuild the index under random draws of ``factors`` and summarise how the ranks move.

    Parameters
    ----------
    table, tree, method
        As for :func:`lantu.core.index.pipeline.build` (``method=None``: the default method);
        their build is the *nominal* result every run is compared with.
    factors
        The uncertain choices: :class:`WeightNoise`, :class:`Choice`, :class:`Drop`.
    n
        UA: the number of runs. SA: the base sample size; the runs are ``n (k + 2)``.
    seed
        Seed of the ``numpy`` generator behind every random draw: same seed, same result.
    analysis
        ``"UA"`` (uncertainty analysis) or ``"SA"`` (adds Sobol indices), as COINr's ``SA_type``.
    target
        The aggregate (or indicator) whose ranks are studied; default the index.
    n_boot, confidence
        Bootstrap resamples and coverage of the Sobol intervals (COINr's ``Nboot``; 5–95 %).
    sampling
        ``"random"`` uniforms (COINr) or a scrambled Sobol' sequence (SA; ``n`` a power of two).
    """
    method = method or DEFAULT_METHOD
    if table.years is not None:
        raise _error("table", "a panel: select one year first (robustness ranks one cross-section)")
    target = target or tree.root
    if target not in tree.nodes:
        raise IndexInputError("unknown_code", {"code": target})
    if analysis not in ("UA", "SA"):
        raise _error("analysis", f"must be UA or SA, not {analysis}")
    if n < 2:
        raise _error("n", f"must be at least 2, not {n}")
    _check_factors(tree, factors)
    for factor in factors:  # every alternative must make a valid method (a misspelt option is named)
        if isinstance(factor, Choice):
            for value in factor.values:
                _configure(method, [(factor, value)])
    k = len(factors)
    rng = np.random.default_rng(seed)
    if analysis == "SA":
        design = saltelli_design(n, k, rng, sampling=sampling)
        uniforms = design.stacked()
    else:
        uniforms = rng.random((n, k)) if sampling == "random" else saltelli_design(n, k, rng, sampling=sampling).a
    runs = uniforms.shape[0]
    noise_codes = tuple(_noise_codes(tree, f) if isinstance(f, WeightNoise) else () for f in factors)
    noise_sets = tuple(
        1 + rng.uniform(-f.fraction, f.fraction, size=(f.sets or n, len(noise_codes[i])))
        if isinstance(f, WeightNoise)
        else np.ones((0, 0))
        for i, f in enumerate(factors)
    )
    picks = np.column_stack([_pick(uniforms[:, i], _alternatives(f, n)) for i, f in enumerate(factors)])
    plan = _Plan(tuple(factors), picks, noise_codes, noise_sets)

    nominal = _stage(table, tree, method)
    units = nominal.build.normalised.units
    unit_index = {u: j for j, u in enumerate(units)}
    nominal_score = nominal.build.scores.column(target).copy() if target in nominal.build.scores.codes else None
    if nominal_score is None:
        raise IndexInputError("unknown_code", {"code": target})
    nominal_rank = nominal.build.ranks.column(target).copy()

    slow = [i for i, f in enumerate(factors) if not _is_fast(f)]
    fast_choices = [i for i, f in enumerate(factors) if isinstance(f, Choice) and f.step == AGGREGATE_STEP]
    keys, groups = _distinct_rows(picks[:, slow])
    # Build every configuration first, so a bad option is refused before the long part.
    stages: list[tuple[_Stage, Tree]] = []
    rebuilds = 1
    for key in keys:
        choices: list[tuple[Choice, Any]] = []
        dropped: list[str] = []
        for f, pick in zip(slow, key, strict=True):
            factor = factors[f]
            if isinstance(factor, Choice):
                choices.append((factor, factor.values[int(pick)]))
            elif isinstance(factor, Drop) and factor.alternatives[int(pick)] is not None:
                dropped.append(str(factor.alternatives[int(pick)]))
        if not choices and not dropped:
            stages.append((nominal, tree))
            continue
        variant_tree = _without(tree, dropped) if dropped else tree
        if target not in variant_tree.nodes:
            raise _error("drop", f"dropping {', '.join(dropped)} removes the target {target}")
        variant = _configure(method, choices)
        if not dropped and variant.sha256 == method.sha256:  # an alternative equal to the nominal method
            stages.append((nominal, tree))
            continue
        stages.append((_stage(table, variant_tree, variant), variant_tree))
        rebuilds += 1

    scores = np.full((runs, len(units)), np.nan)
    for g, (stage, _) in enumerate(stages):
        rows = np.flatnonzero(groups == g)
        if rows.size == 0:
            continue
        b = stage.build
        codes = tuple(c for c in b.tree.order if c != b.tree.root)
        base = np.array([b.weights[c] for c in codes])
        weights = base * plan.multipliers(rows, codes)
        columns = np.array([unit_index[u] for u in b.normalised.units], dtype=np.intp)
        # Runs that share the aggregation options are aggregated together.
        combos, which = _distinct_rows(picks[rows][:, fast_choices])
        widest = max((len(b.tree.children(a)) for a in b.tree.aggregates), default=1)
        chunk = max(1, _RUN_CHUNK_ELEMENTS // max(1, len(b.normalised.units) * widest))
        for c, combo in enumerate(combos):
            options = dict(stage.aggregate_options)
            for f, pick in zip(fast_choices, combo, strict=True):
                choice = factors[f]
                assert isinstance(choice, Choice)
                value = choice.values[int(pick)]
                if choice.option is None:
                    options = dict(value)
                else:
                    options[choice.option] = value
            members = np.flatnonzero(which == c)
            for start in range(0, members.size, chunk):
                part = members[start : start + chunk]
                out = _aggregate_runs(stage, target, weights[part], codes, options)
                scores[rows[part][:, np.newaxis], columns[np.newaxis, :]] = out
    ranks = rank(scores)
    stat = _stat_runs(analysis, runs, k)
    with warnings.catch_warnings():
        # A unit screened out of every run has only NaN: its statistics are NaN, not a warning.
        warnings.simplefilter("ignore", RuntimeWarning)
        r = ranks[:stat]
        median_rank = np.nanmedian(r, axis=0)
        mean_rank = np.nanmean(r, axis=0)
        rank_low, rank_high = np.nanquantile(r, [0.05, 0.95], axis=0)
        mean_score = np.nanmean(scores[:stat], axis=0)
        sd_score = np.nanstd(scores[:stat], axis=0, ddof=1)
        mean_abs_change = np.nanmean(np.abs(ranks - nominal_rank), axis=1)
    sensitivity = unit_sensitivity = None
    if analysis == "SA":
        y_a, y_b, y_ab = design.split(mean_abs_change)
        sensitivity = sobol_indices(y_a, y_b, y_ab, n_boot=n_boot, confidence=confidence, rng=rng)
        unit_sensitivity = sobol_indices(*design.split(ranks))
    return Robustness(
        analysis=analysis,
        target=target,
        method_sha256=method.sha256,
        units=units,
        factors=tuple(f.label for f in factors),
        design=uniforms,
        scores=scores,
        ranks=ranks,
        nominal_score=nominal_score,
        nominal_rank=nominal_rank,
        median_rank=median_rank,
        mean_rank=mean_rank,
        rank_low=rank_low,
        rank_high=rank_high,
        mean_score=mean_score,
        sd_score=sd_score,
        mean_abs_rank_change=mean_abs_change,
        sensitivity=sensitivity,
        unit_sensitivity=unit_sensitivity,
        rebuilds=rebuilds,
        configurations=len(keys),
        plan=plan,
    )
