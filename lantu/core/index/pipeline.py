"""A whole index build: every stage, the weights, the scores and ranks of every level, with notes.

:func:`build` runs the steps of a :class:`~lantu.core.index.method.Method` in their fixed order
and keeps every stage as a :class:`~lantu.core.index.model.Table` with the same columns, so stages
can be compared cell by cell:

==============  =================================================================================
stage           content
==============  =================================================================================
``raw``         the data as read (indicators and any denominator columns)
``denominated`` indicators divided by their denominators (unchanged when the step is not listed)
``screened``    the units kept by screening (only when the method screens)
``imputed``     missing values filled (unchanged when the step is not listed)
``treated``     outliers treated (unchanged when the step is not listed)
``normalised``  every indicator on a common scale, higher is better
``aggregated``  the scores of every aggregate, lowest level first, the index last
==============  =================================================================================

After screening, every unit must have at least one indicator value (a unit with no data is
refused, naming it). ``weight`` and ``aggregate`` call :func:`~lantu.core.index.weights.weights`
and :func:`~lantu.core.index.aggregate.aggregate`; ranks come from
:func:`~lantu.core.index.ranks.rank` (highest score first, ties ``min`` as COINr; within each
year in a panel). The build keeps the method and its SHA-256 so every result can be traced.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> from lantu.core.index.method import parse_method
>>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
...                    Node("b", "b", "I", 3, 1, 1)])
>>> data = Table(("甲", "乙", "丙"), ("a", "b"), np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]]))
>>> result = build(data, tree, parse_method("version: 1\\nsteps: [normalise]"))
>>> result.aggregated.values.ravel().tolist()
[0.0, 87.5, 62.5]
>>> result.ranks.column("I").tolist()
[3.0, 1.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lantu.core.index import aggregate as aggregate_module
from lantu.core.index import denominate, impute, normalise, ranks, screen, treat
from lantu.core.index import weights as weights_module
from lantu.core.index.method import AGGREGATE_OPTIONS, Method, Step, parse_method
from lantu.core.index.model import IndexInputError, Table, Tree
from lantu.core.index.steps import StepResult, check_options

__all__ = ["STAGES", "Build", "build", "check_units_have_data"]

STAGES = ("raw", "denominated", "screened", "imputed", "treated", "normalised", "aggregated")
_LABELS = {
    "denominate": "分母处理",
    "screen": "筛选",
    "impute": "插补",
    "treat": "异常值处理",
    "normalise": "归一化",
    "weight": "权重",
    "aggregate": "加总",
}
_DATA_STEPS: Mapping[str, tuple[str, Callable[..., StepResult]]] = {
    "denominate": ("denominated", denominate.denominate),
    "screen": ("screened", screen.screen),
    "impute": ("imputed", impute.impute),
    "treat": ("treated", treat.treat),
    "normalise": ("normalised", normalise.normalise),
}
DEFAULT_METHOD = parse_method("version: 0\nname: default\nsteps: [normalise, weight, aggregate]")


@dataclass(frozen=True)
class Build:
    """The outcome of :func:`build`."""

    method: Method
    tree: Tree
    stages: Mapping[str, Table]
    weights: Mapping[str, float]
    scores: Table
    ranks: Table
    step_notes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """SHA-256 of the method used (see :meth:`Method.canonical`)."""
        return self.method.sha256

    @property
    def normalised(self) -> Table:
        return self.stages["normalised"]

    @property
    def aggregated(self) -> Table:
        return self.stages["aggregated"]

    @property
    def index(self) -> Table:
        """The index (root) score of every unit."""
        return self.aggregated.select([self.tree.root])

    @property
    def notes(self) -> tuple[str, ...]:
        """Every note, prefixed by its step in Chinese (e.g. ``"【插补】按指标均值插补3个缺失值"``)."""
        return tuple(
            f"【{_LABELS.get(step, step)}】{note}" for step, notes in self.step_notes.items() for note in notes
        )


def check_units_have_data(table: Table, tree: Tree) -> None:
    """Refuse a table where a unit (a unit-year in a panel) has no value for any indicator."""
    empty = np.isnan(table.select(tree.indicators).values).all(axis=1)
    if empty.any():
        i = int(np.flatnonzero(empty)[0])
        unit = table.units[i] if table.years is None else f"{table.units[i]} ({table.years[i]})"
        raise IndexInputError("unit_no_data", {"unit": unit})


def build(table: Table, tree: Tree, method: Method | None = None, *, ties: str = "min") -> Build:
    """Run ``method`` (default: min-max 0–100, manual weights, arithmetic mean) on ``table``.

    ``table`` holds the raw data: the indicators of ``tree`` and any denominator columns.
    """
    method = method or DEFAULT_METHOD
    for code in tree.indicators:
        if code not in table.codes:
            raise IndexInputError("missing_column", {"code": code})
    if not table.units:
        raise IndexInputError("no_units", {})
    stages: dict[str, Table] = {"raw": table}
    notes: dict[str, tuple[str, ...]] = {}
    current = table.select(tree.indicators)
    checked = False
    for step_name in ("denominate", "screen", "impute", "treat", "normalise"):
        stage, function = _DATA_STEPS[step_name]
        step = method.step(step_name)
        if step_name == "impute" and not checked:
            check_units_have_data(current, tree)
            checked = True
        if step is None:
            if step_name == "normalise":
                step = Step("normalise")
                notes["normalise"] = ("方法未列出归一化，按默认min-max [0, 100]",)
            elif step_name == "screen":
                continue
            else:
                stages[stage] = current
                continue
        source = table if step_name == "denominate" else current
        result = function(source, tree, **dict(step.options))
        current = result.table
        stages[stage] = current
        notes[step_name] = notes.get(step_name, ()) + tuple(result.notes)

    normalised = stages["normalised"]
    weight_step = method.step("weight") or Step("weight", {"method": "manual"})
    if method.step("weight") is None:
        notes["weight"] = ("方法未列出权重，使用META中的权重（manual）",)
    weight_options = dict(weight_step.options)
    weight_method = str(weight_options.pop("method", "manual"))
    used_weights = weights_module.weights(tree, normalised, weight_method, **weight_options)
    notes["weight"] = (*notes.get("weight", ()), f"权重方法：{weight_method}")

    aggregate_step = method.step("aggregate") or Step("aggregate")
    if method.step("aggregate") is None:
        notes["aggregate"] = ("方法未列出加总，按默认加权算术平均",)
    aggregate_options: dict[str, Any] = dict(aggregate_step.options)
    check_options("aggregate", aggregate_options, AGGREGATE_OPTIONS)
    aggregate_method = aggregate_options.pop("method", "arithmetic")
    aggregated = aggregate_module.aggregate(
        normalised, tree, aggregate_method, weights=used_weights, **aggregate_options
    )
    stages["aggregated"] = aggregated
    notes["aggregate"] = (*notes.get("aggregate", ()), _aggregate_note(aggregate_method, aggregated, tree))

    scores = normalised.with_values(
        np.column_stack([normalised.values, aggregated.values]), (*normalised.codes, *aggregated.codes)
    )
    if scores.years is None:
        rank_values = np.column_stack([ranks.rank(scores.values[:, j], ties) for j in range(len(scores.codes))])
    else:
        rank_values = np.column_stack(
            [ranks.rank_within(scores.values[:, j], scores.years, ties) for j in range(len(scores.codes))]
        )
    return Build(
        method=method,
        tree=tree,
        stages={name: stages[name] for name in STAGES if name in stages},
        weights=dict(used_weights),
        scores=scores,
        ranks=scores.with_values(rank_values.reshape(scores.values.shape)),
        step_notes=notes,
    )


def _aggregate_note(method: object, aggregated: Table, tree: Tree) -> str:
    missing = int(np.isnan(aggregated.column(tree.root)).sum())
    text = f"加总方法：{method}（{len(tree.aggregates)}个上级指标，逐层计算；缺失的下级指标不计入，其余权重按比例放大）"
    if missing:
        text += f"；{missing}个单位的总指数无法计算（缺失）"
    return text
