"""Screening: drop units with too little data, as COINr's ``Screen()``.

For each unit (each row: unit and year in a panel, as COINr screens each year's coin):

* ``Dat_Avail = 1 - n_missing / n_indicators``;
* ``Non_Zero = 1 - n_zero / (n_indicators - n_missing)`` (zeros as a share of present values).

``unit_screen`` decides who is dropped: ``byNA`` (default here; COINr has no default) drops units
with ``Dat_Avail < dat_thresh``; ``byzeros`` drops units with ``Non_Zero < nonzero_thresh``;
``byNAandzeros`` drops units failing either. Defaults as COINr: ``dat_thresh = 2/3``,
``nonzero_thresh = 0.05``. ``force_include`` / ``force_exclude`` (lists of unit codes, COINr's
``Force``) override the rule. The dropped units are listed in the notes. A unit with no value at
all has ``Non_Zero`` undefined (0/0); it counts as failing ``byzeros`` here (in R the flag is
``NA``).

>>> import numpy as np
>>> from lantu.core.index.model import Node, Table, Tree
>>> tree = Tree.build([Node("I", "I", None, 1, 1, 2)] + [Node(c, c, "I", 1, 1, 1) for c in "abc"])
>>> t = Table(("A", "B"), ("a", "b", "c"), np.array([[1.0, 2.0, np.nan], [1.0, np.nan, np.nan]]))
>>> result = screen(t, tree)
>>> result.table.units, result.notes[0]
(('A',), '筛除数据不足的单位（数据可得率低于66.67%）1个：B')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lantu.core.index.model import IndexInputError, Table, Tree
from lantu.core.index.steps import StepResult, bad_option, check_options, choice_option, number_option

__all__ = ["OPTIONS", "data_availability", "screen"]

STEP = "screen"
OPTIONS = ("unit_screen", "dat_thresh", "nonzero_thresh", "force_include", "force_exclude")


def data_availability(table: Table, tree: Tree) -> tuple[np.ndarray[Any, np.dtype[np.float64]], ...]:
    """``(Dat_Avail, Non_Zero)`` per row over the indicators (COINr's ``get_data_avail``)."""
    x = table.select(tree.indicators).values
    missing = np.isnan(x).sum(axis=1)
    zeros = (x == 0).sum(axis=1)
    n = x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        non_zero = 1 - zeros / (n - missing)
    return 1 - missing / n, non_zero


def _units(option: str, value: object, table: Table) -> set[str]:
    if value is None:
        return set()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise bad_option(STEP, option, "must be a list of unit codes")
    units = {str(v) for v in value}
    for unit in units:
        if unit not in table.units:
            raise IndexInputError("unknown_unit", {"unit": unit, "where": f"screen: {option}"})
    return units


def screen(table: Table, tree: Tree, **options: Any) -> StepResult:
    """Drop units with too little data; see the module doc."""
    check_options(STEP, options, OPTIONS)
    rule = choice_option(STEP, options, "unit_screen", "byNA", ("byNA", "byzeros", "byNAandzeros"))
    dat_thresh = number_option(STEP, options, "dat_thresh", 2 / 3)
    nonzero_thresh = number_option(STEP, options, "nonzero_thresh", 0.05)
    for name, value in (("dat_thresh", dat_thresh), ("nonzero_thresh", nonzero_thresh)):
        if not 0 <= value <= 1:
            raise bad_option(STEP, name, "must be between 0 and 1")
    include = _units("force_include", options.get("force_include"), table)
    exclude = _units("force_exclude", options.get("force_exclude"), table)
    if include & exclude:
        raise bad_option(STEP, "force_include", "a unit is also in force_exclude")
    avail, non_zero = data_availability(table, tree)
    low_data = avail < dat_thresh
    low_non_zero = ~(non_zero >= nonzero_thresh)  # NaN (no values at all) counts as low
    drop = {"byNA": low_data, "byzeros": low_non_zero, "byNAandzeros": low_data | low_non_zero}[rule]
    units = np.array(table.units, dtype=object)
    drop = drop & ~np.isin(units, list(include)) | np.isin(units, list(exclude))
    if drop.all():
        raise IndexInputError("no_units", {})
    notes: list[str] = []
    dropped = [_label(table, int(i)) for i in np.flatnonzero(drop)]
    reason = {
        "byNA": f"数据可得率低于{dat_thresh:.2%}",
        "byzeros": f"非零值比例低于{nonzero_thresh:.2%}",
        "byNAandzeros": f"数据可得率低于{dat_thresh:.2%}或非零值比例低于{nonzero_thresh:.2%}",
    }[rule]
    if dropped:
        notes.append(f"筛除数据不足的单位（{reason}）{len(dropped)}个：" + "、".join(dropped))
    else:
        notes.append(f"没有单位被筛除（规则：{reason}则筛除）")
    if include:
        notes.append("强制保留：" + "、".join(sorted(include)))
    if exclude:
        notes.append("强制剔除：" + "、".join(sorted(exclude)))
    return StepResult(table.rows(~drop), notes)


def _label(table: Table, i: int) -> str:
    return table.units[i] if table.years is None else f"{table.units[i]}（{table.years[i]}）"
