"""Validation rules over data values: ranges, comparisons across indicators, year-on-year change.

Pure: the caller passes the values a check may need (the batch being entered merged over the
values already stored) and gets back flags. Whether a flag blocks saving is the rule's severity.

>>> rule = RangeRule("SHARE_MAX", "error", "SHARE", None, Decimal(100), "比例不能超过100", "share above 100")
>>> [f.rule for f in check_cell(("SHARE", "330106", "2022"), {("SHARE", "330106", "2022"): Decimal(101)}, [rule])]
['SHARE_MAX']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from lantu.core import formula as formulas
from lantu.core.periods import Period, parse_period

Cell = tuple[str, str, str]  # (indicator code, org-unit key, period text)
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Flag:
    """A rule a value breaks."""

    cell: Cell
    rule: str
    severity: Severity
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class RangeRule:
    code: str
    severity: Severity
    indicator: str
    minimum: Decimal | None
    maximum: Decimal | None
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class ExpressionRule:
    """``left comparator right`` at the same unit and period, e.g. FIBRE_USERS <= BROADBAND_USERS."""

    code: str
    severity: Severity
    left: formulas.Formula
    comparator: Literal[">=", ">", "<=", "<", "="]
    right: formulas.Formula
    message_zh: str
    message_en: str

    @property
    def references(self) -> frozenset[str]:
        return self.left.references | self.right.references


@dataclass(frozen=True)
class YoYRule:
    """Flag a change against the same period a year earlier larger than ``max_change_pct``."""

    code: str
    severity: Severity
    indicator: str
    max_change_pct: Decimal
    message_zh: str
    message_en: str


Rule = RangeRule | ExpressionRule | YoYRule


def previous_year(period: str) -> str:
    """The same period one year earlier: 2022 → 2021, 2022Q3 → 2021Q3, 2022-03 → 2021-03."""
    p = parse_period(period)
    return str(Period(p.kind, p.year - 1, p.index))


def _compare(left: Decimal, comparator: str, right: Decimal) -> bool:
    return {
        ">=": left >= right,
        ">": left > right,
        "<=": left <= right,
        "<": left < right,
        "=": left == right,
    }[comparator]


def check_cell(cell: Cell, values: Mapping[Cell, Decimal], rules: Sequence[Rule]) -> list[Flag]:
    """Every flag the value at ``cell`` raises. Rules whose inputs are missing stay silent."""
    indicator, unit, period = cell
    value = values.get(cell)
    flags: list[Flag] = []
    for rule in rules:
        if isinstance(rule, RangeRule):
            if rule.indicator != indicator or value is None:
                continue
            if (rule.minimum is not None and value < rule.minimum) or (
                rule.maximum is not None and value > rule.maximum
            ):
                flags.append(Flag(cell, rule.code, rule.severity, rule.message_zh, rule.message_en))
        elif isinstance(rule, ExpressionRule):
            if indicator not in rule.references:
                continue
            inputs = {code: values.get((code, unit, period)) for code in rule.references}
            left = formulas.evaluate(rule.left, inputs)
            right = formulas.evaluate(rule.right, inputs)
            if left is not None and right is not None and not _compare(left, rule.comparator, right):
                flags.append(Flag(cell, rule.code, rule.severity, rule.message_zh, rule.message_en))
        elif isinstance(rule, YoYRule):
            if rule.indicator != indicator or value is None:
                continue
            before = values.get((indicator, unit, previous_year(period)))
            if before is None or before == 0:
                continue  # no base to compare with: say nothing rather than guess
            change = abs(value - before) / abs(before) * 100
            if change > rule.max_change_pct:
                pct = f"{change:.1f}"
                flags.append(
                    Flag(
                        cell,
                        rule.code,
                        rule.severity,
                        f"{rule.message_zh}（同比变化 {pct}%）",
                        f"{rule.message_en} (change {pct}% on a year earlier)",
                    )
                )
    return flags


def check_cells(cells: Iterable[Cell], values: Mapping[Cell, Decimal], rules: Sequence[Rule]) -> list[Flag]:
    """Flags for several cells, each reported once."""
    seen: set[tuple[Cell, str]] = set()
    found: list[Flag] = []
    for cell in cells:
        for flag in check_cell(cell, values, rules):
            if (flag.cell, flag.rule) not in seen:
                seen.add((flag.cell, flag.rule))
                found.append(flag)
    return found


def needed_cells(cells: Iterable[Cell], rules: Sequence[Rule]) -> set[Cell]:
    """The stored values a check of ``cells`` may read: other inputs of expressions, last year's."""
    needed: set[Cell] = set()
    for indicator, unit, period in cells:
        for rule in rules:
            if isinstance(rule, ExpressionRule) and indicator in rule.references:
                needed.update((code, unit, period) for code in rule.references)
            elif isinstance(rule, YoYRule) and rule.indicator == indicator:
                needed.add((indicator, unit, previous_year(period)))
    return needed
