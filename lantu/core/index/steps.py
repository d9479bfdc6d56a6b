"""The result type shared by every step of an index build.

Every step of the engine (denominate, screen, impute, treat, normalise, …) is a function
``step(table: Table, tree: Tree, **options) -> StepResult``: it returns the new stage and notes
in Chinese saying what it did, so a build can show why each number changed.

>>> import numpy as np
>>> from lantu.core.index.model import Table
>>> result = StepResult(Table(("A",), ("x",), np.array([[1.0]])), ["示例：未做改动"])
>>> result.notes
['示例：未做改动']
>>> result.table.units
('A',)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from lantu.core.index.model import IndexInputError, Table, Tree

__all__ = [
    "StepResult",
    "bad_option",
    "bool_option",
    "check_options",
    "choice_option",
    "number_option",
    "year_blocks",
]


@dataclass(frozen=True)
class StepResult:
    """The stage a step produced and what it did.

    Attributes
    ----------
    table
        The new stage (same units as the input unless the step screens units out).
    notes
        One line per action, in Chinese (e.g. ``"指标x：缩尾2个值"``).
    tree
        The framework after the step when the step changed it (e.g. screening dropped an
        indicator); ``None`` means unchanged.
    """

    table: Table
    notes: list[str] = field(default_factory=list)
    tree: Tree | None = None


def bad_option(step: str, option: str, reason: str) -> IndexInputError:
    """The error for an invalid step option (``raise bad_option(...)``)."""
    return IndexInputError("bad_option", {"step": step, "option": option, "reason": reason})


def check_options(step: str, options: Mapping[str, object], allowed: Iterable[str]) -> None:
    """Refuse options a step does not know, naming the step and the option.

    >>> check_options("normalise", {"method": "minmax"}, ["method", "low", "high"])
    >>> check_options("normalise", {"metod": "minmax"}, ["method"])
    Traceback (most recent call last):
    ...
    lantu.core.index.model.IndexInputError: ...
    """
    known = set(allowed)
    for option in options:
        if option not in known:
            raise IndexInputError("unknown_option", {"step": step, "option": option, "known": tuple(sorted(known))})


def number_option(step: str, options: Mapping[str, object], name: str, default: float) -> float:
    """A finite number option (booleans are refused: ``True`` is not 1 here)."""
    value = options.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(float(value)):
        raise bad_option(step, name, f"must be a finite number, not {value!r}")
    return float(value)


def choice_option(step: str, options: Mapping[str, object], name: str, default: str, choices: Iterable[str]) -> str:
    value = options.get(name, default)
    allowed = tuple(choices)
    if value not in allowed:
        if name == "method":
            raise IndexInputError("unknown_method", {"step": step, "method": str(value), "known": allowed})
        raise bad_option(step, name, f"must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def bool_option(step: str, options: Mapping[str, object], name: str, default: bool) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise bad_option(step, name, f"must be true or false, not {value!r}")
    return value


def year_blocks(table: Table) -> list[npt.NDArray[np.intp]]:
    """Row indices per panel year (one block of all rows for a cross-section).

    COINr keeps one "coin" per year in a panel ("purse") and screens, imputes and treats each
    coin on its own; the steps that do so loop over these blocks.

    >>> t = Table(("A", "B", "A"), ("x",), np.zeros((3, 1)), years=(2021, 2021, 2022))
    >>> [b.tolist() for b in year_blocks(t)]
    [[0, 1], [2]]
    """
    if table.years is None:
        return [np.arange(len(table.units))]
    years = np.asarray(table.years)
    return [np.flatnonzero(years == y) for y in sorted(set(table.years))]
