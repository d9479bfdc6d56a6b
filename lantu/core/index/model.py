"""The shared data model of the composite-index engine: the indicator tree and the data table.

Everything in :mod:`lantu.core.index` is pure Python and NumPy (no Django), so the engine can run
on any table from Python or the ``lantu index`` command line.

* A :class:`Tree` is the index framework read from a META table: indicators (level 1) grouped into
  pillars (level 2), sub-indices … up to one root (the index), any depth. Each node has a weight
  relative to its siblings and a direction (+1: more is better, -1: less is better). Levels are
  numbered from the indicators up, as in COINr (``Level = 1`` for indicators).
* A :class:`Table` holds values for units × columns as a float64 array with ``NaN`` for missing,
  the unit codes, optional group columns (e.g. 山区26县 = yes/no, city) and, for panels, the year
  of each row. Every stage of a build (raw, denominated, imputed, treated, normalised, aggregated)
  is a Table with the same units, so stages can be compared cell by cell and written as CSV.

>>> tree = Tree.build([
...     Node("INDEX", "指数", None, 1.0, 1, 3),
...     Node("P1", "支柱一", "INDEX", 1.0, 1, 2),
...     Node("a", "指标a", "P1", 1.0, 1, 1),
...     Node("b", "指标b", "P1", 2.0, -1, 1),
... ])
>>> tree.indicators
('a', 'b')
>>> tree.children("P1")
('a', 'b')
>>> tree.root
'INDEX'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from lantu.core.errors import LantuValueError

__all__ = ["IndexInputError", "Node", "Table", "Tree"]

Array = npt.NDArray[np.float64]


class IndexInputError(LantuValueError):
    """An index framework, data table or method was refused; the message names the code and the rule."""

    templates_zh: ClassVar[Mapping[str, str]] = {
        "duplicate_code": "代码“{code}”重复出现",
        "unknown_parent": "“{code}”的上级“{parent}”不存在（孤立节点）",
        "cycle": "指标体系存在循环：{path}",
        "no_root": "指标体系没有唯一的总指数（顶层节点）：{roots}",
        "bad_weight": "“{code}”的权重须为非负有限数，现为{weight}",
        "zero_weights": "“{code}”下各项权重之和为0，无法加权",
        "bad_direction": "“{code}”的方向须为1或-1，现为{direction}",
        "bad_level": "“{code}”的层级为{level}，应为{expected}（指标为1，上级逐层加1）",
        "leaf_not_indicator": "“{code}”没有下级，但层级不是1（不是指标）",
        "indicator_has_children": "指标“{code}”（层级1）不能有下级",
        "missing_column": "数据中缺少指标“{code}”的列",
        "unknown_column": "数据列“{code}”不在指标体系中",
        "no_units": "数据中没有任何单位",
        "duplicate_unit": "单位“{unit}”重复出现{where}",
        "unit_no_data": "单位“{unit}”没有任何指标数据",
        "constant": "指标“{code}”在各单位取值相同，无法{step}",
        "unknown_step": "方法中没有“{step}”这一步骤（可用：{known}）",
        "bad_option": "步骤“{step}”的选项“{option}”无效：{reason}",
        "bad_value": "“{unit}”的“{code}”不是数字：{value}",
        # engine steps, io and method (engine-a)
        "unknown_option": "步骤“{step}”没有选项“{option}”（可用：{known}）",
        "constant_indicator": "指标“{code}”在各单位取值相同（最大值等于最小值），{method}归一化会除以0",
        "target_at_min": "指标“{code}”的目标值{target}等于其最小值，距目标归一化会除以0",
        "reference_at_min": "参照单位“{unit}”在指标“{code}”上的值等于最小值（或缺失），距参照归一化会除以0",
        "max_zero": "指标“{code}”的最大值为0，占最大值比例归一化会除以0",
        "missing_target": "指标“{code}”没有目标值（META的target列或选项targets），无法做距目标归一化",
        "indicator_no_data": "指标“{code}”没有任何单位有数据（步骤：{step}）",
        "denominator_missing": "指标“{code}”的分母“{denominator}”不在数据列中",
        "unknown_unit": "找不到单位“{unit}”（{where}）",
        "unknown_group": "数据中没有分组列“{group}”（{where}）",
        "csv_header": "{file}缺少必需的列“{column}”",
        "csv_number": "{file}第{row}行“{column}”列不是数字：{value}",
        "csv_empty": "{file}第{row}行“{column}”列不能为空",
        "csv_columns": "{file}第{row}行的列数为{found}，表头有{expected}列",
        "csv_unreadable": "无法读取{file}：{reason}",
        "method_file": "方法文件无效：{reason}",
        "unknown_method": "“{step}”没有“{method}”这一方法（可用：{known}）",
        "agg_nonpositive": "“{code}”用{method}聚合需要全部为正的值，但“{unit}”的“{child}”为{value}",
        "agg_zero": "“{code}”用调和平均聚合时值不能为0，但“{unit}”的“{child}”为0",
        "agg_undefined": "“{code}”用幂次为{p}的广义平均聚合，“{unit}”的结果无定义（负数的非整数次幂，或p为0）",
        "missing_option": "“{step}”的方法“{method}”需要选项“{option}”",
        "pca_negative": "“{code}”的第一主成分中“{child}”的载荷为负（{value}），不能作为权重（可设 negative: zero 将其置为0）",
        "pca_rows": "“{code}”下各项都有数据的单位只有{n}个，主成分分析至少需要{need}个",
        "budget_missing": "预算分配给了“{code}”下的部分项，但缺少“{child}”的分值",
        "arithmetic_only": "贡献分解只适用于算术平均，“{code}”用的是{method}",
        "unknown_code": "指标体系中没有“{code}”",
        "pca_constant": "“{code}”下的“{child}”在各单位取值相同，无法做主成分分析",
    }
    templates_en: ClassVar[Mapping[str, str]] = {
        "duplicate_code": "code {code} appears twice",
        "unknown_parent": "the parent {parent} of {code} does not exist (orphan)",
        "cycle": "the framework has a cycle: {path}",
        "no_root": "the framework has no single root (index): {roots}",
        "bad_weight": "the weight of {code} must be a non-negative finite number, not {weight}",
        "zero_weights": "the weights under {code} sum to 0: nothing can be weighted",
        "bad_direction": "the direction of {code} must be 1 or -1, not {direction}",
        "bad_level": "{code} has level {level}, expected {expected} (indicators are 1, each parent one more)",
        "leaf_not_indicator": "{code} has no children but is not at level 1 (not an indicator)",
        "indicator_has_children": "indicator {code} (level 1) cannot have children",
        "missing_column": "the data has no column for indicator {code}",
        "unknown_column": "data column {code} is not in the framework",
        "no_units": "the data has no units",
        "duplicate_unit": "unit {unit} appears twice{where}",
        "unit_no_data": "unit {unit} has no data for any indicator",
        "constant": "indicator {code} has the same value for every unit: cannot {step}",
        "unknown_step": "the method has no step {step} (known: {known})",
        "bad_option": "option {option} of step {step} is invalid: {reason}",
        "bad_value": "{code} of {unit} is not a number: {value}",
        # engine steps, io and method (engine-a)
        "unknown_option": "step {step} has no option {option} (known: {known})",
        "constant_indicator": "indicator {code} has the same value for every unit (max equals min): "
        "{method} normalisation would divide by zero",
        "target_at_min": "the target {target} of indicator {code} equals its minimum: "
        "distance-to-target normalisation would divide by zero",
        "reference_at_min": "the value of reference unit {unit} on indicator {code} equals the minimum (or is missing): "
        "distance-to-reference normalisation would divide by zero",
        "max_zero": "the maximum of indicator {code} is 0: fraction-of-maximum normalisation would divide by zero",
        "missing_target": "indicator {code} has no target (META column target or option targets): "
        "cannot normalise by distance to target",
        "indicator_no_data": "indicator {code} has no data for any unit (step: {step})",
        "denominator_missing": "the denominator {denominator} of indicator {code} is not a data column",
        "unknown_unit": "unit {unit} not found ({where})",
        "unknown_group": "the data has no group column {group} ({where})",
        "csv_header": "{file} lacks the required column {column}",
        "csv_number": "{file} row {row}, column {column}: not a number: {value}",
        "csv_empty": "{file} row {row}, column {column}: must not be empty",
        "csv_columns": "{file} row {row} has {found} columns, the header has {expected}",
        "csv_unreadable": "cannot read {file}: {reason}",
        "method_file": "the method file is invalid: {reason}",
        "unknown_method": "{step} has no method {method} (known: {known})",
        "agg_nonpositive": "{code}: the {method} needs positive values, but {child} of {unit} is {value}",
        "agg_zero": "{code}: the harmonic mean cannot take a zero, but {child} of {unit} is 0",
        "agg_undefined": "{code}: the generalised mean with power {p} is undefined for {unit} (a fractional power of a negative number, or p = 0)",
        "missing_option": "method {method} of {step} needs option {option}",
        "pca_negative": "{code}: the first principal component gives {child} a negative loading ({value}), which cannot be a weight (set negative: zero to use 0)",
        "pca_rows": "{code}: only {n} units have data for all its children; PCA needs at least {need}",
        "budget_missing": "the budget allocation under {code} gives no points to {child}",
        "arithmetic_only": "contributions exist only for the arithmetic mean, but {code} uses {method}",
        "unknown_code": "the framework has no {code}",
        "pca_constant": "{code}: {child} has the same value for every unit, so PCA cannot scale it",
    }


@dataclass(frozen=True)
class Node:
    """One node of the framework: an indicator (level 1) or an aggregate (pillar, sub-index, index)."""

    code: str
    name: str
    parent: str | None
    weight: float
    direction: int
    level: int
    denominator: str | None = None
    target: float | None = None


@dataclass(frozen=True)
class Tree:
    """A checked framework; build it with :meth:`Tree.build`, which refuses bad ones."""

    nodes: Mapping[str, Node]
    order: tuple[str, ...]
    _children: Mapping[str, tuple[str, ...]] = field(repr=False)

    @classmethod
    def build(cls, nodes: Sequence[Node]) -> Tree:
        """Check and index a framework: unique codes, known parents, one root, no cycle,
        levels consistent (indicators 1, a parent one above its highest child), weights
        non-negative with a positive sum under every parent, directions ±1.
        """
        by_code: dict[str, Node] = {}
        for node in nodes:
            if node.code in by_code:
                raise IndexInputError("duplicate_code", {"code": node.code})
            by_code[node.code] = node
        children: dict[str, list[str]] = {code: [] for code in by_code}
        for node in nodes:
            if not np.isfinite(node.weight) or node.weight < 0:
                raise IndexInputError("bad_weight", {"code": node.code, "weight": node.weight})
            if node.direction not in (1, -1):
                raise IndexInputError("bad_direction", {"code": node.code, "direction": node.direction})
            if node.parent is not None:
                if node.parent not in by_code:
                    raise IndexInputError("unknown_parent", {"code": node.code, "parent": node.parent})
                children[node.parent].append(node.code)
        roots = [n.code for n in nodes if n.parent is None]
        if len(roots) != 1:
            raise IndexInputError("no_root", {"roots": "、".join(roots) or "—"})
        for node in nodes:  # walking up from every node must reach the root without revisiting
            seen = [node.code]
            current = node
            while current.parent is not None:
                if current.parent in seen:
                    raise IndexInputError("cycle", {"path": " → ".join([*seen, current.parent])})
                seen.append(current.parent)
                current = by_code[current.parent]
        for code, kids in children.items():
            node = by_code[code]
            if not kids and node.level != 1:
                raise IndexInputError("leaf_not_indicator", {"code": code})
            if kids and node.level == 1:
                raise IndexInputError("indicator_has_children", {"code": code})
            if kids:
                expected = max(by_code[k].level for k in kids) + 1
                if node.level != expected:
                    raise IndexInputError("bad_level", {"code": code, "level": node.level, "expected": expected})
                if sum(by_code[k].weight for k in kids) <= 0:
                    raise IndexInputError("zero_weights", {"code": code})
        return cls(by_code, tuple(n.code for n in nodes), {k: tuple(v) for k, v in children.items()})

    @property
    def root(self) -> str:
        return next(code for code in self.order if self.nodes[code].parent is None)

    @property
    def indicators(self) -> tuple[str, ...]:
        """Indicator codes (level 1) in the order of the META table."""
        return tuple(code for code in self.order if self.nodes[code].level == 1)

    @property
    def aggregates(self) -> tuple[str, ...]:
        """Aggregate codes from the lowest level up (each after all of its children)."""
        return tuple(
            sorted(
                (c for c in self.order if self.nodes[c].level > 1),
                key=lambda c: (self.nodes[c].level, self.order.index(c)),
            )
        )

    @property
    def depth(self) -> int:
        return self.nodes[self.root].level

    def children(self, code: str) -> tuple[str, ...]:
        return self._children[code]

    def level_codes(self, level: int) -> tuple[str, ...]:
        return tuple(code for code in self.order if self.nodes[code].level == level)

    def ancestor(self, code: str, level: int) -> str:
        """The node at ``level`` above ``code`` (``code`` itself at its own level)."""
        current = self.nodes[code]
        while current.level < level and current.parent is not None:
            current = self.nodes[current.parent]
        return current.code

    def with_weights(self, weights: Mapping[str, float]) -> Tree:
        """The same framework with some weights replaced (checked again)."""
        return Tree.build(
            [replace(self.nodes[c], weight=float(weights.get(c, self.nodes[c].weight))) for c in self.order]
        )

    def without(self, codes: Sequence[str]) -> Tree:
        """The framework with some indicators or aggregates (and everything below them) removed."""
        dropped = set(codes)
        changed = True
        while changed:
            changed = False
            for code in self.order:
                parent = self.nodes[code].parent
                if code not in dropped and parent is not None and parent in dropped:
                    dropped.add(code)
                    changed = True
        return Tree.build([self.nodes[c] for c in self.order if c not in dropped])


@dataclass(frozen=True)
class Table:
    """Values of units × columns (float64, NaN = missing), with unit codes, groups and panel years.

    ``values[i, j]`` is unit ``units[i]`` (in ``years[i]`` for a panel) and column ``codes[j]``.
    """

    units: tuple[str, ...]
    codes: tuple[str, ...]
    values: Array
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    years: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.units), len(self.codes)):
            raise ValueError(
                f"values {self.values.shape} do not match {len(self.units)} units × {len(self.codes)} codes"
            )

    def column(self, code: str) -> Array:
        return self.values[:, self.codes.index(code)]

    def select(self, codes: Sequence[str]) -> Table:
        """The same units with only these columns, in this order."""
        index = [self.codes.index(c) for c in codes]
        return replace(self, codes=tuple(codes), values=self.values[:, index])

    def rows(self, mask: npt.NDArray[np.bool_]) -> Table:
        """The rows where ``mask`` is true (groups and years follow)."""
        keep = np.flatnonzero(mask)
        return Table(
            tuple(self.units[i] for i in keep),
            self.codes,
            self.values[keep],
            {g: tuple(v[i] for i in keep) for g, v in self.groups.items()},
            tuple(self.years[i] for i in keep) if self.years is not None else None,
        )

    def with_values(self, values: Array, codes: Sequence[str] | None = None) -> Table:
        """A new stage: same units, groups and years, new values (and columns)."""
        return replace(self, values=values, codes=tuple(codes) if codes is not None else self.codes)
