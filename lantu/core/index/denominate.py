"""Denomination: divide an indicator by another variable (GDP by population, …), as COINr's ``Denominate()``.

Each indicator whose META row names a ``denominator`` (a DATA column) is replaced by
``x / (d / scale)`` = ``x · scale / d``, with ``scale`` from the option ``scale_factors``
(COINr's ``ScaleFactor``, default 1). The option ``denominators`` (``{code: column}``)
replaces or adds denominators named in META (COINr's ``denomby``). The result holds the
indicators only (denominator columns are inputs, not indicators).

Deviation from COINr: a denominator of 0 would give ±Inf in R; here the value becomes missing
and the notes list it, so the later steps never see an infinite number. A missing numerator or
denominator gives a missing value, as in R.

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "I", None, 1, 1, 2), Node("gdp", "GDP", "I", 1, 1, 1, denominator="pop")])
>>> t = Table(("A", "B"), ("gdp", "pop"), np.array([[100.0, 4.0], [90.0, 3.0]]))
>>> denominate(t, tree).table.values.tolist()
[[25.0], [30.0]]
>>> denominate(t, tree, scale_factors={"gdp": 1000}).table.values.tolist()
[[25000.0], [30000.0]]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lantu.core.index.model import IndexInputError, Table, Tree
from lantu.core.index.steps import StepResult, bad_option, check_options, number_option

__all__ = ["OPTIONS", "denominate"]

STEP = "denominate"
OPTIONS = ("denominators", "scale_factors")


def _mapping(options: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = options.get(name) or {}
    if not isinstance(value, Mapping):
        raise bad_option(STEP, name, "must map indicator codes to values")
    return value


def denominate(table: Table, tree: Tree, **options: Any) -> StepResult:
    """Denominate the indicators of ``table``; see the module doc."""
    check_options(STEP, options, OPTIONS)
    overrides = _mapping(options, "denominators")
    scales = _mapping(options, "scale_factors")
    for code in (*overrides, *scales):
        if code not in tree.indicators:
            raise IndexInputError("unknown_code", {"code": code})
    values = table.select(tree.indicators).values.copy()
    notes: list[str] = []
    for j, code in enumerate(tree.indicators):
        denominator = overrides.get(code, tree.nodes[code].denominator)
        if not denominator:
            continue
        if denominator not in table.codes:
            raise IndexInputError("denominator_missing", {"code": code, "denominator": denominator})
        scale = number_option(STEP, {"scale_factors": scales.get(code, 1.0)}, "scale_factors", 1.0)
        d = table.column(str(denominator)) / scale
        zero = d == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            values[:, j] = np.where(zero, np.nan, values[:, j] / np.where(zero, 1.0, d))
        note = f"指标“{code}”除以“{denominator}”" + (f"（乘以{scale:g}）" if scale != 1 else "")
        notes.append(note)
        if zero.any():
            units = "、".join(table.units[i] for i in np.flatnonzero(zero))
            notes.append(f"指标“{code}”的分母“{denominator}”为0，以下单位记为缺失：{units}")
    if not notes:
        notes.append("没有指标需要除以分母（META未设denominator）")
    return StepResult(table.with_values(values, tree.indicators), notes)
