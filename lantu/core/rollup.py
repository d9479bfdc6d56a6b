"""Roll indicator values up the org-unit tree and evaluate computed indicators.

A pure core (NumPy, no Django). Values are reported per *cell*, a triple
(indicator code, org-unit record key, period text); this module derives every
value that can be derived from them. The rules below are the specification.

Tree
    A unit's children in a period are the unit records whose ``parent`` is that
    unit and which are valid on the period's **last** day (``valid_from`` and
    ``valid_to`` are inclusive; ``None`` is open). Values are attached to the
    record valid at period end, so each value has one path up and is counted
    once: 江干区's 2020 value rolls into 杭州市 2020, and in 2022 江干区 is no
    longer anybody's child. A record not valid on the last day is nobody's child
    in that period, so nothing it holds rolls further up.
Effective value of a cell
    The reported value if there is one; else the aggregate of its children if
    the rule aggregates, at least one child contributed and the aggregate is
    defined (Σw and Σden not 0); else the formula
    value if the rule has a formula and all its inputs have effective values at
    that unit and period; else missing. A reported value at a parent wins over
    the aggregate (official province figures are not sums of counties), but the
    aggregate is still computed and returned, so both can be shown.
Aggregations (over the children's effective values)
    ``sum``: Σv over children with a value. ``mean``: plain mean of those (a
    province mean is the mean of its cities' effective values, not of counties).
    ``weighted_mean``: Σ(w·v)/Σw over children where both v and the weight
    indicator's effective value w exist; Σw = 0 gives missing.
    ``ratio_of_sums``: scale·Σnum/Σden over children where both the numerator
    and the denominator have effective values; Σden = 0 gives missing.
    ``none``: never aggregated.
Missing data
    Missing is never zero: an aggregate over no contributing child is missing.
    Every aggregate carries its coverage: ``contributors`` (children whose
    values entered it) of ``expected`` (children in that period).
Formulas
    :mod:`lantu.core.formula` syntax, evaluated in float64 with the same rules
    as :func:`lantu.core.formula.evaluate`: a missing input or a division by
    zero gives missing; a result beyond float64 range is missing too. Results
    agree with the Decimal evaluation within 1e-9 relative, except where a
    subtraction cancels (a - b with a ≈ b from rounded products).
Order
    An indicator is computed after everything it reads: formula references (at
    the same unit), and the weight, numerator and denominator (at the
    children). A cycle among these is refused with :class:`RollupError`
    ``cycle``, naming it. Within an indicator, units are done bottom-up.

Everything is float64 internally; callers store results rounded as they need.
The dict API (:meth:`Engine.rollup`, :meth:`Engine.update`) converts at the
boundary; :meth:`Engine.rollup_arrays` works on dense ``[indicator, unit,
period]`` arrays with NaN for missing and skips that conversion.

>>> units = [Unit("330100", None), Unit("330102", "330100"), Unit("330106", "330100")]
>>> engine = Engine(units, [Rule("GDP", "sum")], ["2022"])
>>> result = engine.rollup({("GDP", "330102", "2022"): 1.5, ("GDP", "330106", "2022"): 2.0})
>>> result.aggregates[("GDP", "330100", "2022")]
Aggregate(value=3.5, contributors=2, expected=2)
"""

from __future__ import annotations

import ast
import functools
import graphlib
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

import numpy as np
from numpy.typing import NDArray

from lantu.core.errors import LantuValueError
from lantu.core.formula import parse
from lantu.core.periods import Period, parse_period

__all__ = ["Aggregate", "Aggregation", "Cell", "Engine", "RollupArrays", "RollupError", "RollupResult", "Rule", "Unit"]

Aggregation = Literal["sum", "mean", "weighted_mean", "ratio_of_sums", "none"]
#: (indicator code, unit record key, period text such as "2022" or "2022Q1")
Cell = tuple[str, str, str]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
_Columns = slice | IntArray
_Get = Callable[[int], FloatArray]
_Fn = Callable[[_Get], FloatArray]
_Triple = tuple[int, int, int]


class RollupError(LantuValueError):
    """Units, rules, periods or values the roll-up engine cannot work with."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "duplicate": "重复的{what_zh}：{key}",
        "unknown_parent": "组织单元 {key} 的上级 {parent} 不存在",
        "unit_cycle": "组织单元的上下级关系存在循环：{path}",
        "missing_field": "指标 {code} 的汇总方式 {aggregation} 需要填写 {field}",
        "extra_field": "指标 {code} 的汇总方式 {aggregation} 不使用 {field}",
        "bad_scale": "指标 {code} 的比例系数 {scale} 不是有限数",
        "unknown_reference": "指标 {code} 引用了没有汇总规则的指标：{codes}",
        "cycle": "指标之间存在循环依赖（公式、权重或分子分母）：{path}",
        "unknown_cell": "数据单元 {cell} 的指标、组织单元或报告期不在汇总范围内",
        "not_finite": "数据单元 {cell} 的值 {value} 不是有限数",
        "bad_shape": "数组形状应为 {expected}，实为 {shape}",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "duplicate": "duplicate {what}: {key}",
        "unknown_parent": "the parent {parent} of org unit {key} does not exist",
        "unit_cycle": "org units are their own ancestors: {path}",
        "missing_field": "aggregation {aggregation} of {code} needs {field}",
        "extra_field": "aggregation {aggregation} of {code} does not use {field}",
        "bad_scale": "the scale {scale} of {code} is not a finite number",
        "unknown_reference": "{code} refers to indicators without a rule: {codes}",
        "cycle": "indicators depend on each other in a cycle (formula, weight or ratio): {path}",
        "unknown_cell": "cell {cell} has an indicator, unit or period outside the roll-up",
        "not_finite": "value {value} of cell {cell} is not a finite number",
        "bad_shape": "array shape should be {expected}, not {shape}",
    }
    _WHAT_ZH: ClassVar[Mapping[str, str]] = {"unit": "组织单元", "indicator": "指标规则", "period": "报告期"}

    def _display_params(self, lang: str) -> dict[str, object]:
        shown = super()._display_params(lang)
        for key in ("path", "cell", "expected", "shape"):
            value = self.params.get(key)
            if isinstance(value, (list, tuple)):
                shown[key] = (" → " if key == "path" else " / ").join(str(item) for item in value)
        shown["what_zh"] = self._WHAT_ZH.get(str(self.params.get("what")), "")
        return shown


@dataclass(frozen=True)
class Unit:
    """One org-unit record; a code can have several records over time."""

    key: str
    parent: str | None  # key of the parent record; None for a root
    valid_from: date | None = None  # inclusive; None = since forever
    valid_to: date | None = None  # inclusive; None = still valid

    def valid_on(self, day: date) -> bool:
        """Whether the record exists on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Rule:
    """How one indicator is rolled up and/or computed."""

    code: str
    aggregation: Aggregation
    weight: str | None = None  # weighted_mean: code of the weight indicator
    numerator: str | None = None  # ratio_of_sums
    denominator: str | None = None  # ratio_of_sums
    scale: float = 1.0  # ratio_of_sums: value = scale · Σnum / Σden (100 for %)
    formula: str | None = None  # computed indicator, lantu.core.formula syntax


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An aggregate of a unit's children and its coverage."""

    value: float
    contributors: int  # children whose values entered the aggregate
    expected: int  # children of the unit in that period


@dataclass(frozen=True)
class RollupArrays:
    """Dense results on the axes ``Engine.codes × Engine.unit_keys × Engine.periods``; NaN is missing.

    ``contributors`` is 0 wherever ``aggregate`` is NaN; ``expected`` has axes (unit, period).
    ``computed`` holds formula values only where there is no reported value and no aggregate.
    """

    reported: FloatArray
    effective: FloatArray
    aggregate: FloatArray
    contributors: IntArray
    computed: FloatArray
    expected: IntArray


@dataclass
class RollupResult:
    """Aggregates and formula values keyed by cell, plus the arrays they came from."""

    aggregates: dict[Cell, Aggregate]  # every cell whose children gave an aggregate
    computed: dict[Cell, float]  # formula values where no reported value and no aggregate
    arrays: RollupArrays

    def effective(self, cell: Cell, reported: Mapping[Cell, float]) -> float | None:
        """The effective value of ``cell``: reported, else aggregate, else formula, else None."""
        if cell in reported:
            return reported[cell]
        aggregate = self.aggregates.get(cell)
        return aggregate.value if aggregate is not None else self.computed.get(cell)


@dataclass(frozen=True)
class _Level:
    """One step up the tree in a period group: children sorted by parent, for ``np.add.reduceat``."""

    children: IntArray
    parents: IntArray  # distinct parents, in the order of their runs in ``children``
    starts: IntArray  # where each parent's run of children starts


@dataclass(frozen=True)
class _Group:
    """Periods that share one tree; levels run deepest first."""

    columns: _Columns
    levels: tuple[_Level, ...]
    expected: IntArray  # children per unit


class Engine:
    """A roll-up over fixed units, rules and periods; the structure is precomputed once.

    Parameters
    ----------
    units
        All org-unit records, of any date.
    rules
        One rule per indicator; every code a rule reads needs a rule of its own.
    periods
        Period texts (``"2022"``, ``"2022Q1"``, ``"2022-03"``) or :class:`Period` objects.

    Raises
    ------
    RollupError
        ``duplicate``, ``unknown_parent``, ``unit_cycle``, ``missing_field``, ``extra_field``,
        ``bad_scale``, ``unknown_reference`` or ``cycle``; a bad formula raises ``FormulaError``
        and a bad period text ``PeriodError``.
    """

    def __init__(self, units: Sequence[Unit], rules: Sequence[Rule], periods: Sequence[str | Period]) -> None:
        self.unit_keys: tuple[str, ...] = tuple(unit.key for unit in units)
        self.codes: tuple[str, ...] = tuple(rule.code for rule in rules)
        self.periods: tuple[Period, ...] = tuple(p if isinstance(p, Period) else parse_period(p) for p in periods)
        self.period_texts: tuple[str, ...] = tuple(str(p) for p in self.periods)
        self._units = _index(self.unit_keys, "unit")
        self._codes = _index(self.codes, "indicator")
        self._periods = _index(self.period_texts, "period")
        self._rules = tuple(rules)
        inputs = [_check_rule(rule, self._codes) for rule in rules]
        self._order = _order(self.codes, inputs)
        self._formulas = [None if r.formula is None else _compile(parse(r.formula).text, self._codes) for r in rules]
        # Readers of each indicator: at the parent (aggregations) and at the same unit (formulas).
        self._up: list[list[int]] = [[] for _ in rules]
        self._same: list[list[int]] = [[] for _ in rules]
        for i, rule in enumerate(rules):
            if rule.aggregation in ("sum", "mean", "weighted_mean"):
                self._up[i].append(i)
            for code in (rule.weight, rule.numerator, rule.denominator):
                if code is not None and i not in self._up[self._codes[code]]:
                    self._up[self._codes[code]].append(i)
            for code in sorted(parse(rule.formula).references if rule.formula else ()):
                self._same[self._codes[code]].append(i)
        static = _static_parents(units, self._units)
        # parent[p, u]: the parent index of unit u in period p, -1 when u is nobody's child then.
        self._parent: IntArray = np.full((len(self.periods), len(units)), -1, dtype=np.intp)
        for p, period in enumerate(self.periods):
            valid = np.array([unit.valid_on(period.end) for unit in units], dtype=bool)
            self._parent[p] = np.where(valid, static, -1)
        by_tree: dict[bytes, list[int]] = {}
        for p in range(len(self.periods)):
            by_tree.setdefault(self._parent[p].tobytes(), []).append(p)
        top_down = np.argsort(_depths(static, self.unit_keys), kind="stable")
        self._groups = [self._group(cols, top_down) for cols in by_tree.values()]
        self._group_of = {p: g for g, cols in enumerate(by_tree.values()) for p in cols}
        self.shape = (len(self.codes), len(self.unit_keys), len(self.periods))

    def _group(self, periods: list[int], top_down: IntArray) -> _Group:
        parent = self._parent[periods[0]]
        depth = np.zeros(len(parent), dtype=np.intp)
        for u in top_down:  # parents before children
            if parent[u] >= 0:
                depth[u] = depth[parent[u]] + 1
        expected = np.zeros(len(parent), dtype=np.intp)
        levels = []
        for d in range(int(depth.max(initial=0)), 0, -1):
            children = np.flatnonzero(depth == d)
            children = children[np.argsort(parent[children], kind="stable")]
            run_parents = parent[children]
            starts = np.flatnonzero(np.r_[True, run_parents[1:] != run_parents[:-1]])
            levels.append(_Level(children, run_parents[starts], starts))
            expected[run_parents[starts]] = np.diff(np.r_[starts, len(children)])
        contiguous = periods == list(range(periods[0], periods[-1] + 1))
        columns: _Columns = slice(periods[0], periods[-1] + 1) if contiguous else np.array(periods, dtype=np.intp)
        return _Group(columns, tuple(levels), expected)

    def children(self, key: str, period: str | Period) -> list[str]:
        """Keys of the records that are children of ``key`` in ``period``."""
        row = self._parent[self._periods[str(period)]]
        return [self.unit_keys[u] for u in np.flatnonzero(row == self._units[key])]

    # --- full roll-up ---------------------------------------------------------

    def rollup(self, reported: Mapping[Cell, float]) -> RollupResult:
        """Roll everything up from reported values keyed by cell.

        Raises
        ------
        RollupError
            ``unknown_cell`` or ``not_finite``.
        """
        arrays = self.rollup_arrays(self._dense(reported), copy=False)
        return RollupResult(self._aggregate_dict(arrays), self._computed_dict(arrays), arrays)

    def rollup_arrays(self, reported: FloatArray, *, copy: bool = True) -> RollupArrays:
        """Roll everything up from a dense ``[indicator, unit, period]`` array (NaN = missing).

        Raises
        ------
        RollupError
            ``bad_shape``, or ``not_finite`` for an infinite value.
        """
        if reported.shape != self.shape:
            raise RollupError("bad_shape", {"expected": list(self.shape), "shape": list(reported.shape)})
        if np.isinf(reported).any():
            i, u, p = (int(x[0]) for x in np.nonzero(np.isinf(reported)))
            raise RollupError("not_finite", {"cell": list(self._cell(i, u, p)), "value": float(reported[i, u, p])})
        units, periods = self.shape[1], self.shape[2]
        arrays = RollupArrays(
            reported=np.array(reported, dtype=np.float64, copy=copy),
            effective=np.full(self.shape, np.nan),
            aggregate=np.full(self.shape, np.nan),
            contributors=np.zeros(self.shape, dtype=np.intp),
            computed=np.full(self.shape, np.nan),
            expected=np.zeros((units, periods), dtype=np.intp),
        )
        for group in self._groups:
            arrays.expected[:, group.columns] = group.expected[:, None]
        with np.errstate(all="ignore"):  # 0/0, x/0 and overflow are turned into missing values
            for i in self._order:
                for group in self._groups:
                    self._compute(arrays, i, group, group.columns)
        return arrays

    def _compute(self, arrays: RollupArrays, i: int, group: _Group, cols: _Columns) -> None:
        """Compute indicator ``i`` at every unit in the period columns ``cols`` of one tree."""
        rule = self._rules[i]
        reported = arrays.reported[i][:, cols]
        formula = self._formulas[i]
        if formula is None:
            from_formula = np.full(reported.shape, np.nan)
        else:
            value = np.broadcast_to(formula(lambda j: arrays.effective[j][:, cols]), reported.shape)
            from_formula = np.where(np.isfinite(value), value, np.nan)
        missing = np.isnan(reported)
        effective = np.where(missing, from_formula, reported)
        aggregate = np.full(reported.shape, np.nan)
        contributors = np.zeros(reported.shape, dtype=np.intp)
        if rule.aggregation != "none":
            for level in group.levels:  # deepest first, so children are final when read
                value, count = self._aggregate(arrays, rule, level, effective, cols)
                parents = level.parents
                aggregate[parents], contributors[parents] = value, count
                fallback = np.where(np.isnan(value), from_formula[parents], value)
                effective[parents] = np.where(missing[parents], fallback, reported[parents])
        arrays.effective[i][:, cols] = effective
        arrays.aggregate[i][:, cols] = aggregate
        arrays.contributors[i][:, cols] = contributors
        arrays.computed[i][:, cols] = np.where(missing & np.isnan(aggregate), from_formula, np.nan)

    def _aggregate(
        self, arrays: RollupArrays, rule: Rule, level: _Level, own: FloatArray, cols: _Columns
    ) -> tuple[FloatArray, IntArray]:
        """Aggregate one level of children into their parents: (value, contributors) per parent."""
        children = level.children

        def of(code: str | None) -> FloatArray:
            assert code is not None  # _check_rule made sure
            values: FloatArray = arrays.effective[self._codes[code]][:, cols][children]
            return values

        top = own[children]
        bottom: FloatArray | None = None
        if rule.aggregation == "weighted_mean":
            bottom = of(rule.weight)
            top = top * bottom
        elif rule.aggregation == "ratio_of_sums":
            top, bottom = of(rule.numerator), of(rule.denominator)
        ok = ~np.isnan(top) if bottom is None else ~(np.isnan(top) | np.isnan(bottom))
        count = np.add.reduceat(ok, level.starts, axis=0, dtype=np.intp)
        total = np.add.reduceat(np.where(ok, top, 0.0), level.starts, axis=0)
        if rule.aggregation == "sum":
            value = total
        elif rule.aggregation == "mean":
            value = total / count
        else:
            assert bottom is not None
            below = np.add.reduceat(np.where(ok, bottom, 0.0), level.starts, axis=0)
            value = np.where(below != 0, total / below, np.nan)
            if rule.aggregation == "ratio_of_sums":
                value = rule.scale * value
        # A sum of no values is missing, not 0; so is a result beyond float64 range.
        value = np.where((count > 0) & np.isfinite(value), value, np.nan)
        return value, np.where(np.isnan(value), 0, count)

    # --- incremental update ---------------------------------------------------

    def affected(self, changed: Iterable[Cell]) -> set[Cell]:
        """Cells whose aggregate, formula or effective value can change when these reported cells change.

        The changed cells themselves (their formula value may appear or vanish),
        the same indicator at every ancestor in that period, and every
        indicator reading them (weights and ratios at the ancestors, formulas
        at the same unit), transitively. Structural: reported values at
        ancestors, which would stop the change, are not looked at.

        Raises
        ------
        RollupError
            ``unknown_cell``.
        """
        return {self._cell(*t) for t in self._affected([self._locate(cell) for cell in changed])}

    def _affected(self, start: Iterable[_Triple]) -> set[_Triple]:
        seen = set(start)
        queue = deque(seen)
        while queue:
            i, u, p = queue.popleft()
            up = int(self._parent[p, u])
            following = [(d, u, p) for d in self._same[i]]
            if up >= 0:
                following += [(d, up, p) for d in self._up[i]]
            for triple in following:
                if triple not in seen:
                    seen.add(triple)
                    queue.append(triple)
        return seen

    def update(self, result: RollupResult, reported: Mapping[Cell, float], changed: Iterable[Cell]) -> RollupResult:
        """Return the roll-up after the reported values of ``changed`` cells changed.

        ``reported`` is the new complete mapping; a changed cell absent from it
        was withdrawn. Only the indicator × period slices holding affected cells
        are recomputed, and the result equals a full :meth:`rollup` of
        ``reported``. ``result`` is left as it was.

        Raises
        ------
        RollupError
            ``unknown_cell`` or ``not_finite``.
        """
        cells = list(dict.fromkeys(changed))
        located = [self._locate(cell) for cell in cells]
        arrays = RollupArrays(*(np.copy(array) for array in vars(result.arrays).values()))
        for cell, (i, u, p) in zip(cells, located, strict=True):
            value = reported.get(cell)
            if value is not None and not np.isfinite(value):
                raise RollupError("not_finite", {"cell": list(cell), "value": value})
            arrays.reported[i, u, p] = np.nan if value is None else value
        affected = self._affected(located)
        periods_of: dict[int, set[int]] = {}
        for i, _, p in affected:
            periods_of.setdefault(i, set()).add(p)
        with np.errstate(all="ignore"):  # as in rollup_arrays
            for i in self._order:
                by_group: dict[int, list[int]] = {}
                for p in sorted(periods_of.get(i, ())):
                    by_group.setdefault(self._group_of[p], []).append(p)
                for g, cols in by_group.items():
                    self._compute(arrays, i, self._groups[g], np.array(cols, dtype=np.intp))
        aggregates, computed = dict(result.aggregates), dict(result.computed)
        for i, u, p in affected:
            cell = self._cell(i, u, p)
            aggregates.pop(cell, None)
            computed.pop(cell, None)
            if not np.isnan(value := float(arrays.aggregate[i, u, p])):
                aggregates[cell] = Aggregate(value, int(arrays.contributors[i, u, p]), int(arrays.expected[u, p]))
            if not np.isnan(value := float(arrays.computed[i, u, p])):
                computed[cell] = value
        return RollupResult(aggregates, computed, arrays)

    # --- the dict boundary ----------------------------------------------------

    def _locate(self, cell: Cell) -> _Triple:
        try:
            return self._codes[cell[0]], self._units[cell[1]], self._periods[cell[2]]
        except (KeyError, IndexError, TypeError):
            raise RollupError("unknown_cell", {"cell": list(cell)}) from None

    def _cell(self, i: int, u: int, p: int) -> Cell:
        return self.codes[i], self.unit_keys[u], self.period_texts[p]

    def _dense(self, reported: Mapping[Cell, float]) -> FloatArray:
        _, units, periods = self.shape
        # Flat offsets per axis, so a cell's position is three lookups and two additions.
        code_at = {code: i * units * periods for code, i in self._codes.items()}
        unit_at = {key: u * periods for key, u in self._units.items()}
        try:
            flat = np.fromiter(
                (code_at[c] + unit_at[u] + self._periods[p] for c, u, p in reported), np.intp, len(reported)
            )
        except KeyError:
            for cell in reported:
                self._locate(cell)
            raise  # pragma: no cover - _locate raised for the bad cell
        values = np.fromiter(reported.values(), np.float64, len(reported))
        if not np.isfinite(values).all():
            bad = int(np.flatnonzero(~np.isfinite(values))[0])
            cell = next(c for k, c in enumerate(reported) if k == bad)
            raise RollupError("not_finite", {"cell": list(cell), "value": float(values[bad])})
        dense = np.full(self.shape, np.nan)
        dense.reshape(-1)[flat] = values
        return dense

    def _aggregate_dict(self, arrays: RollupArrays) -> dict[Cell, Aggregate]:
        i, u, p = np.nonzero(~np.isnan(arrays.aggregate))
        values = arrays.aggregate[i, u, p].tolist()
        counts = arrays.contributors[i, u, p].tolist()
        expected = arrays.expected[u, p].tolist()
        cells = map(self._cell, i.tolist(), u.tolist(), p.tolist())
        return {cell: Aggregate(*row) for cell, *row in zip(cells, values, counts, expected, strict=True)}

    def _computed_dict(self, arrays: RollupArrays) -> dict[Cell, float]:
        i, u, p = np.nonzero(~np.isnan(arrays.computed))
        cells = map(self._cell, i.tolist(), u.tolist(), p.tolist())
        return dict(zip(cells, arrays.computed[i, u, p].tolist(), strict=True))


# --- building the engine --------------------------------------------------------


def _index(keys: Sequence[str], what: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, key in enumerate(keys):
        if index.setdefault(key, position) != position:
            raise RollupError("duplicate", {"what": what, "key": key})
    return index


_FIELDS = ("weight", "numerator", "denominator")
_NEEDS: Mapping[str, Set[str]] = {"weighted_mean": {"weight"}, "ratio_of_sums": {"numerator", "denominator"}}


def _check_rule(rule: Rule, known: Mapping[str, int]) -> list[str]:
    """Check a rule's fields and return the codes it reads."""
    params: dict[str, object] = {"code": rule.code, "aggregation": rule.aggregation}
    needed = _NEEDS.get(rule.aggregation, set())
    for field in _FIELDS:
        given = getattr(rule, field) is not None
        if given != (field in needed):
            raise RollupError("extra_field" if given else "missing_field", {**params, "field": field})
    if not np.isfinite(rule.scale):
        raise RollupError("bad_scale", {"code": rule.code, "scale": rule.scale})
    reads = [code for code in (getattr(rule, field) for field in _FIELDS) if code is not None]
    if rule.formula is not None:
        reads += sorted(parse(rule.formula).references)
    unknown = sorted({code for code in reads if code not in known})
    if unknown:
        raise RollupError("unknown_reference", {"code": rule.code, "codes": unknown})
    return reads


def _order(codes: Sequence[str], inputs: Sequence[Sequence[str]]) -> list[int]:
    """Indicator indices, each after the indicators it reads."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for code, reads in zip(codes, inputs, strict=True):
        sorter.add(code, *reads)
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError as error:
        # graphlib lists each input before its reader; name the cycle reader first, like formula.find_cycle.
        raise RollupError("cycle", {"path": list(reversed(error.args[1]))}) from None
    position = {code: i for i, code in enumerate(codes)}
    return [position[code] for code in order]


def _static_parents(units: Sequence[Unit], index: Mapping[str, int]) -> IntArray:
    parents = np.full(len(units), -1, dtype=np.intp)
    for u, unit in enumerate(units):
        if unit.parent is not None:
            if unit.parent not in index:
                raise RollupError("unknown_parent", {"key": unit.key, "parent": unit.parent})
            parents[u] = index[unit.parent]
    return parents


def _depths(parents: IntArray, keys: Sequence[str]) -> IntArray:
    """Depth of each unit in the tree of all records; refuses a unit that is its own ancestor."""
    depth = np.full(len(parents), -1, dtype=np.intp)
    for start in range(len(parents)):
        path: list[int] = []
        u = start
        while u >= 0 and depth[u] < 0:
            if u in path:
                cycle = [*path[path.index(u) :], u]
                raise RollupError("unit_cycle", {"path": [keys[x] for x in cycle]})
            path.append(u)
            u = int(parents[u])
        base = -1 if u < 0 else int(depth[u])
        for step, v in enumerate(reversed(path), start=1):
            depth[v] = base + step
    return depth


# --- formulas in float64 ----------------------------------------------------------


_OPERATORS: Mapping[type[ast.operator], np.ufunc] = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}


def _compile(text: str, codes: Mapping[str, int]) -> _Fn:
    """Turn a formula already checked by :func:`lantu.core.formula.parse` into a NumPy function.

    The function maps ``get(indicator index) -> values`` to values; NaN is
    missing and propagates through every operation, like None in
    :func:`lantu.core.formula.evaluate`.
    """

    def build(node: ast.expr) -> _Fn:
        if isinstance(node, ast.Constant):
            # Read the digits from the source, as formula.parse does.
            number = np.asarray(float(ast.get_source_segment(text, node) or "nan"))
            return lambda get: number
        if isinstance(node, ast.Name):
            index = codes[node.id]
            return lambda get: get(index)
        if isinstance(node, ast.UnaryOp):
            operand = build(node.operand)
            return lambda get: -operand(get)
        if isinstance(node, ast.BinOp):
            left, right = build(node.left), build(node.right)
            operator = _OPERATORS.get(type(node.op))
            if operator is not None:
                return lambda get: operator(left(get), right(get))

            def divide(get: _Get) -> FloatArray:
                below = right(get)
                return np.where(below == 0, np.nan, left(get) / below)  # x/0 has no value

            return divide
        assert isinstance(node, ast.Call)
        assert isinstance(node.func, ast.Name)
        args = [build(arg) for arg in node.args]
        if node.func.id == "abs":
            return lambda get: np.abs(args[0](get))
        # np.minimum/np.maximum propagate NaN, so a missing argument makes the result missing.
        combine = np.minimum if node.func.id == "min" else np.maximum

        def extreme(get: _Get) -> FloatArray:
            result: FloatArray = functools.reduce(combine, (arg(get) for arg in args))
            return result

        return extreme

    return build(ast.parse(text, mode="eval").body)
