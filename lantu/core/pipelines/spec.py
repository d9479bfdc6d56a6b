"""What a pipeline is: sources, row checks, outputs and the computation, as data plus Ibis code.

A pipeline is written once, as Ibis expressions over its sources; :mod:`.engine` compiles the
same expressions for DuckDB or PySpark. The computation returns *raw metrics* per org unit
(exact integer counts, and quantiles as doubles); :attr:`Output.value` turns them into the value
of an indicator in Python with :class:`~decimal.Decimal`, so shares are exact on every engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import ibis.expr.types as ir

Level = Literal["county", "city", "province"]
LEVELS: tuple[Level, ...] = ("county", "city", "province")


@dataclass(frozen=True)
class Context:
    """What a computation may use besides its rows: the period and the other sources."""

    period: str
    start: dt.date  # first day of the period
    end: dt.date  # last day of the period (inclusive)
    tables: Mapping[str, ir.Table]


@dataclass(frozen=True)
class Source:
    """A table a pipeline reads: its role, the columns it needs, where it usually lies."""

    name: str
    columns: Mapping[str, str]  # column → Ibis type ("string", "int64", "timestamp", "date")
    description_zh: str
    description_en: str
    default_path: str  # relative to a data folder: a file, or a folder of files
    by_month: bool = False  # the folder holds month=YYYY-MM partitions; a run reads only its months


@dataclass(frozen=True)
class Check:
    """A row-level rule: rows for which ``bad`` is true are rejected with ``reason``.

    Checks run in order and a row counts once, under the first reason it meets.
    """

    reason: str
    message_zh: str
    message_en: str
    bad: Callable[[ir.Table, Context], ir.BooleanValue]


Metrics = Mapping[str, Any]


@dataclass(frozen=True)
class Output:
    """An indicator a pipeline feeds, with its documented definition."""

    indicator: str
    unit: str  # the unit of the value this output gives (converted to the indicator's own)
    definition_zh: str
    definition_en: str
    value: Callable[[Metrics], Decimal | None]
    levels: tuple[Level, ...] = ("county",)


@dataclass(frozen=True)
class Pipeline:
    """A pipeline definition; ``version`` goes up whenever its meaning changes."""

    name: str
    version: int
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    main: str  # the source whose rows are checked and computed over
    sources: tuple[Source, ...]
    frequency: Literal["month", "quarter", "year"] | None  # None: any kind of period
    in_scope: Callable[[ir.Table, Context], ir.BooleanValue]  # rows of ``main`` that belong to the period
    enrich: Callable[[ir.Table, Context], ir.Table]  # joins the lookups the checks need
    checks: tuple[Check, ...]
    # Aggregates of one unit's rows; each must count only rows where ``ok`` (the valid rows) holds.
    metrics: Callable[[ir.Table, ir.BooleanValue, Context], dict[str, ir.Scalar]]
    outputs: tuple[Output, ...]
    max_rejected_share: float = 0.01  # per reason, of the rows in scope; more fails the run
    extra_thresholds: Mapping[str, float] = field(default_factory=dict)  # per-reason overrides

    def source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def threshold(self, reason: str) -> float:
        return self.extra_thresholds.get(reason, self.max_rejected_share)

    @property
    def indicators(self) -> list[str]:
        return [o.indicator for o in self.outputs]

    def describe(self) -> dict[str, Any]:
        """The definition as data: what is stored with each version of it."""
        return {
            "name": self.name,
            "version": self.version,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "frequency": self.frequency,
            "main": self.main,
            "sources": [
                {
                    "name": s.name,
                    "columns": dict(s.columns),
                    "description_zh": s.description_zh,
                    "description_en": s.description_en,
                    "default_path": s.default_path,
                    "by_month": s.by_month,
                }
                for s in self.sources
            ],
            "checks": [
                {"reason": c.reason, "message_zh": c.message_zh, "message_en": c.message_en} for c in self.checks
            ],
            "outputs": [
                {
                    "indicator": o.indicator,
                    "unit": o.unit,
                    "levels": list(o.levels),
                    "definition_zh": o.definition_zh,
                    "definition_en": o.definition_en,
                }
                for o in self.outputs
            ],
            "thresholds": {"max_rejected_share": self.max_rejected_share, **dict(self.extra_thresholds)},
        }

    def fingerprint(self) -> str:
        """SHA-256 of the definition data and of the code of its computations.

        A change in either gives a new fingerprint, and so a new stored version.
        """
        code = "".join(
            inspect.getsource(f)  # type: ignore[arg-type]
            for f in (
                self.in_scope,
                self.enrich,
                self.metrics,
                *(c.bad for c in self.checks),
                *tuple(o.value for o in self.outputs),
            )
        )
        payload = json.dumps(self.describe(), sort_keys=True, ensure_ascii=False) + code
        return hashlib.sha256(payload.encode()).hexdigest()


def share(numerator: str, denominator: str) -> Callable[[Metrics], Decimal | None]:
    """100 × numerator / denominator, exact, or None when the denominator is 0.

    >>> share("a", "b")({"a": 1, "b": 3})
    Decimal('33.333333')
    """

    def value(m: Metrics) -> Decimal | None:
        den = int(m[denominator] or 0)
        if den == 0:
            return None
        return (Decimal(100) * int(m[numerator] or 0) / den).quantize(Decimal("0.000001"))

    return value


def count(name: str) -> Callable[[Metrics], Decimal | None]:
    """An integer metric as it is.

    >>> count("n")({"n": 12})
    Decimal('12')
    """

    def value(m: Metrics) -> Decimal | None:
        return Decimal(int(m[name] or 0))

    return value


def seconds_as_hours(name: str) -> Callable[[Metrics], Decimal | None]:
    """A duration metric in seconds (a double) as hours, to six decimals; None if missing.

    >>> seconds_as_hours("t")({"t": 5400.0})
    Decimal('1.500000')
    """

    def value(m: Metrics) -> Decimal | None:
        raw = m[name]
        if raw is None:
            return None
        return (Decimal(repr(float(raw))) / 3600).quantize(Decimal("0.000001"))

    return value
