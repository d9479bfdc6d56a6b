"""Load a programme's validation rules into the pure checker, and read the values they need."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from lantu.core import checks
from lantu.core import formula as formulas
from lantu.framework.models import Programme
from lantu.monitoring.models import RuleKind, ValidationRule, ValueState


def rules_for(programme: Programme) -> list[checks.Rule]:
    """The programme's rules as pure-core rule objects."""
    found: list[checks.Rule] = []
    for r in ValidationRule.objects.filter(programme=programme).select_related("indicator").order_by("code"):
        severity: checks.Severity = "error" if r.severity == "error" else "warning"
        message_en = r.message_en or r.message_zh
        if r.kind == RuleKind.RANGE and r.indicator is not None:
            found.append(
                checks.RangeRule(r.code, severity, r.indicator.code, r.minimum, r.maximum, r.message_zh, message_en)
            )
        elif r.kind == RuleKind.EXPRESSION:
            found.append(
                checks.ExpressionRule(
                    r.code,
                    severity,
                    formulas.parse(r.left),
                    r.comparator,  # type: ignore[arg-type]
                    formulas.parse(r.right),
                    r.message_zh,
                    message_en,
                )
            )
        elif r.kind == RuleKind.YOY and r.indicator is not None and r.max_change_pct is not None:
            found.append(checks.YoYRule(r.code, severity, r.indicator.code, r.max_change_pct, r.message_zh, message_en))
    return found


def stored_values(cells: Iterable[checks.Cell]) -> dict[checks.Cell, Decimal]:
    """Current values of the given (indicator code, unit key, period) cells, in one query."""
    wanted = set(cells)
    if not wanted:
        return {}
    # Filter by each coordinate and drop the extra combinations in Python: one simple query
    # instead of an OR of thousands of conditions.
    rows = ValueState.objects.filter(
        indicator__code__in={c[0] for c in wanted},
        org_unit__key__in={c[1] for c in wanted},
        period__in={c[2] for c in wanted},
    ).values_list("indicator__code", "org_unit__key", "period", "current__value")
    return {(i, u, p): v for i, u, p, v in rows if (i, u, p) in wanted}
