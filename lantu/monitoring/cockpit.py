"""The cockpit (驾驶舱): where every headline target of a programme stands, for one unit, at a glance.

Read-only. Every headline (non-supporting) indicator's progress comes from the same
:func:`lantu.monitoring.progress.compute` the progress page and the API use, fed by one batched
:func:`~lantu.monitoring.progress.load`, so the whole page costs a fixed number of queries
(see ``tests/web/test_cockpit.py``) however many indicators the programme has:

areas (with the programme and its unit) · indicators · targets · baselines · values ·
task lights (signed-in users) · returned values in the user's scope (signed-in users).

Who sees what mirrors the progress page and the API: anyone sees approved figures; the
preliminary basis needs ``values.read`` over the unit; task lights need a signed-in user (the
task list page needs one); returned values are those the user may read (``scope_queryset``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Subquery, Window

from lantu.accounts.permissions import active_assignments, has_perm, scope_queryset
from lantu.accounts.service import NotFound
from lantu.framework.models import Area, Indicator, Programme
from lantu.monitoring import progress
from lantu.monitoring.models import Basis, ValueState, ValueStatus
from lantu.orgunits.models import OrgUnit
from lantu.orgunits.selectors import resolve_org_unit
from lantu.tasks import selectors as task_selectors

LIGHTS = ("green", "yellow", "red", "grey")
# Worst first: the order of the "most off track" list before the size of the shortfall.
_SEVERITY = {"red": 0, "yellow": 1, "green": 2, "grey": 3}


@dataclass
class Headline:
    """One headline indicator on the cockpit: its progress and where the path expects it now."""

    p: progress.IndicatorProgress
    # Share of the baseline→target distance the path expects covered by the latest period (for
    # the marker on the bar); None when nothing can be judged.
    expected_pct: float | None = None
    # How far short of where it should be, in percent: of the threshold once the target year has
    # data, else of the expected value. Positive = behind; None when nothing can be judged.
    shortfall_pct: float | None = None


@dataclass
class Card:
    """One key task (a top-level area) and its headline indicators."""

    area: Area
    headlines: list[Headline] = field(default_factory=list)


@dataclass
class Cockpit:
    programme: Programme
    unit: OrgUnit
    basis: str
    can_preliminary: bool
    cards: list[Card]
    counts: dict[str, int]
    off_track: list[Headline]
    latest_period: str | None
    is_demo: bool
    # None: not shown to this user (signed out, or no scope).
    late_tasks: list[task_selectors.TaskRow] | None = None
    returned: list[ValueState] | None = None
    returned_count: int = 0

    @property
    def headlines(self) -> list[Headline]:
        return [h for card in self.cards for h in card.headlines]


def _expected_pct(p: progress.IndicatorProgress) -> float | None:
    if p.expected is None or p.baseline is None or p.threshold is None:
        return None
    distance = float(p.threshold) - float(p.baseline.value)
    if distance == 0:
        return None
    return (p.expected - float(p.baseline.value)) / distance * 100


def _shortfall_pct(p: progress.IndicatorProgress) -> float | None:
    if p.attainment is not None:
        return None if p.attainment.margin_pct is None else -p.attainment.margin_pct
    if p.expected is None or p.latest is None or p.expected == 0:
        return None
    behind = p.expected - float(p.latest.value)
    if p.indicator.direction == "lower":
        behind = -behind
    return behind / abs(p.expected) * 100


def _areas(programme_code: str | None) -> list[Area]:
    """Every area of the programme (first by code unless named), with the programme and its unit."""
    areas = Area.objects.select_related("programme__org_unit").order_by("order", "code")
    if programme_code:
        return list(areas.filter(programme__code=programme_code))
    first = Programme.objects.order_by("code").values("pk")[:1]
    return list(areas.filter(programme_id=Subquery(first)))


def _late_tasks(programme: Programme, today: dt.date) -> list[task_selectors.TaskRow]:
    return [row for row in task_selectors.lights(programme.code, today) if row.colour == "red"]


def _returned(user: AbstractBaseUser | AnonymousUser, programme: Programme, limit: int) -> tuple[list[ValueState], int]:
    """Returned values the user may read, newest first, and how many there are (one query)."""
    states = scope_queryset(
        ValueState.objects.filter(status=ValueStatus.RETURNED, indicator__programme=programme),
        user,
        "values.read",
        department_field="indicator__department",
    )
    annotated = (
        states.select_related("indicator", "org_unit", "round")
        .annotate(total=Window(Count("pk")))
        .order_by("-updated_at", "-pk")[:limit]
    )
    rows = list(annotated)
    # The window counts every matching row, not just the ones the LIMIT keeps.
    return list[ValueState](rows), (int(rows[0].total) if rows else 0)


def cockpit(
    user: AbstractBaseUser | AnonymousUser,
    *,
    programme_code: str | None = None,
    org_unit_code: str | None = None,
    basis: str = Basis.APPROVED,
    today: dt.date | None = None,
    top: int = 5,
    returned_limit: int = 10,
) -> Cockpit:
    """Everything the cockpit shows for ``user``; the unit defaults to the programme's own (the province).

    Raises
    ------
    NotFound
        No such programme, or no such org unit.
    """
    today = today or dt.date.today()
    areas = _areas(programme_code)
    if not areas:
        raise NotFound("规划", programme_code or "")
    programme = areas[0].programme
    unit = programme.org_unit
    if org_unit_code and org_unit_code != unit.code:
        unit = resolve_org_unit(org_unit_code)
    # Anyone may read approved figures; the preliminary ones need values.read over the unit.
    can_preliminary = has_perm(user, "values.read", org_unit=unit)
    if basis not in Basis.values or not can_preliminary:
        basis = Basis.APPROVED

    indicators = list(
        Indicator.objects.filter(programme=programme, is_supporting=False)
        .select_related("goal")
        .order_by("order", "code")
    )
    for indicator in indicators:
        indicator.programme = programme  # the baseline rule reads the programme's start year
    inputs = progress.load(indicators, unit, basis)

    by_pk = {a.pk: a for a in areas}

    def root(area: Area) -> Area:
        while area.parent_id is not None and area.parent_id in by_pk:
            area = by_pk[area.parent_id]
        return area

    cards = {a.pk: Card(a) for a in areas if a.parent_id is None}
    for indicator in indicators:
        p = progress.compute(indicator, unit, inputs[indicator.pk], basis=basis)
        card = cards.get(root(by_pk[indicator.goal.area_id]).pk) if indicator.goal.area_id in by_pk else None
        if card is not None:
            card.headlines.append(Headline(p, _expected_pct(p), _shortfall_pct(p)))
    found = Cockpit(
        programme=programme,
        unit=unit,
        basis=basis,
        can_preliminary=can_preliminary,
        cards=list(cards.values()),
        counts=dict.fromkeys(LIGHTS, 0),
        off_track=[],
        latest_period=None,
        is_demo=False,
    )
    headlines = found.headlines
    for h in headlines:
        found.counts[h.p.light] += 1
    behind = [h for h in headlines if h.p.light in ("red", "yellow")]
    behind.sort(key=lambda h: (_SEVERITY[h.p.light], -(h.shortfall_pct or 0.0), h.p.indicator.code))
    found.off_track = behind[:top]
    latest = [h.p.latest for h in headlines if h.p.latest is not None]
    if latest:
        found.latest_period = max(latest, key=lambda point: (point.year, point.period)).period
    found.is_demo = any(h.p.is_demo for h in headlines)
    if user.is_authenticated:
        found.late_tasks = _late_tasks(programme, today)
        if active_assignments(user) or getattr(user, "is_superuser", False):
            found.returned, found.returned_count = _returned(user, programme, returned_limit)
    return found
