"""Tests for lantu.core.rollup (pure: no database)."""

from __future__ import annotations

import doctest
import math
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lantu.core import rollup as rollup_module
from lantu.core.formula import FormulaError, evaluate, parse
from lantu.core.periods import parse_period
from lantu.core.rollup import Aggregate, Cell, Engine, RollupError, RollupResult, Rule, Unit

Y = "2022"


def test_doctests() -> None:
    result = doctest.testmod(rollup_module)
    assert result.attempted > 0
    assert result.failed == 0


# --- a small hand-made tree ---------------------------------------------------
#
#   R ─┬─ A ─┬─ A1
#      │     └─ A2
#      ├─ B
#      └─ C

TREE = [Unit("R", None), Unit("A", "R"), Unit("A1", "A"), Unit("A2", "A"), Unit("B", "R"), Unit("C", "R")]


def run(rules: list[Rule], values: Mapping[tuple[str, str], float]) -> tuple[RollupResult, dict[Cell, float]]:
    reported = {(code, unit, Y): value for (code, unit), value in values.items()}
    return Engine(TREE, rules, [Y]).rollup(reported), reported


def agg(result: RollupResult, code: str, unit: str) -> Aggregate | None:
    return result.aggregates.get((code, unit, Y))


def test_sum_skips_missing_children_and_reports_coverage() -> None:
    result, reported = run([Rule("X", "sum")], {("X", "A1"): 1.0, ("X", "B"): 2.0})
    assert agg(result, "X", "A") == Aggregate(1.0, contributors=1, expected=2)
    assert agg(result, "X", "R") == Aggregate(3.0, contributors=2, expected=3)
    assert result.effective(("X", "R", Y), reported) == 3.0
    assert result.effective(("X", "C", Y), reported) is None
    assert result.computed == {}


def test_missing_is_never_zero() -> None:
    result, _ = run([Rule("X", "sum")], {("X", "B"): 0.0})
    assert agg(result, "X", "A") is None  # no child of A has a value: no aggregate, not 0
    assert agg(result, "X", "R") == Aggregate(0.0, 1, 3)  # a reported 0 is a value
    result, _ = run([Rule("X", "sum")], {})
    assert result.aggregates == {}


def test_mean_is_the_plain_mean_of_the_children_with_a_value() -> None:
    result, _ = run([Rule("M", "mean")], {("M", "A1"): 1.0, ("M", "A2"): 3.0, ("M", "B"): 5.0})
    assert agg(result, "M", "A") == Aggregate(2.0, 2, 2)
    assert agg(result, "M", "R") == Aggregate(3.5, 2, 3)  # mean of A (2) and B (5); C has none


def test_weighted_mean_skips_children_without_value_or_weight() -> None:
    rules = [Rule("V", "weighted_mean", weight="W"), Rule("W", "sum")]
    values = {("V", "A1"): 10.0, ("W", "A1"): 1.0, ("V", "A2"): 20.0, ("W", "A2"): 3.0}
    values |= {("V", "B"): 5.0, ("W", "C"): 2.0}  # B has no weight, C no value
    result, _ = run(rules, values)
    assert agg(result, "V", "A") == Aggregate((10 + 60) / 4, 2, 2)
    assert agg(result, "W", "A") == Aggregate(4.0, 2, 2)
    assert agg(result, "V", "R") == Aggregate(17.5, 1, 3)  # only A has both value and weight


def test_weighted_mean_with_zero_total_weight_is_missing() -> None:
    rules = [Rule("V", "weighted_mean", weight="W"), Rule("W", "sum")]
    values = {("V", "A1"): 1.0, ("W", "A1"): 0.0, ("V", "A2"): 2.0, ("W", "A2"): 0.0}
    result, _ = run(rules, values)
    assert agg(result, "V", "A") is None
    assert agg(result, "V", "R") is None  # A has no effective V, nobody else has one
    assert agg(result, "W", "R") == Aggregate(0.0, 1, 3)


def test_ratio_of_sums_uses_complete_pairs_only() -> None:
    rules = [Rule("RATE", "ratio_of_sums", numerator="NUM", denominator="DEN", scale=100)]
    rules += [Rule("NUM", "sum"), Rule("DEN", "sum")]
    values = {("NUM", "A1"): 1.0, ("DEN", "A1"): 4.0, ("NUM", "A2"): 1.0}  # A2 has no denominator
    values |= {("NUM", "B"): 3.0, ("DEN", "B"): 6.0, ("DEN", "C"): 5.0}  # C has no numerator
    result, _ = run(rules, values)
    assert agg(result, "RATE", "A") == Aggregate(25.0, 1, 2)  # 100 · 1/4, A2 left out
    # At R the children's effective NUM and DEN are used: A (2, 4) and B (3, 6); C is incomplete.
    assert agg(result, "RATE", "R") == Aggregate(50.0, 2, 3)


def test_ratio_of_sums_with_zero_denominator_is_missing() -> None:
    rules = [Rule("RATE", "ratio_of_sums", numerator="NUM", denominator="DEN"), Rule("NUM", "sum")]
    rules.append(Rule("DEN", "sum"))
    result, _ = run(rules, {("NUM", "B"): 3.0, ("DEN", "B"): 0.0})
    assert agg(result, "RATE", "R") is None
    assert agg(result, "DEN", "R") == Aggregate(0.0, 1, 3)


def test_none_is_never_aggregated() -> None:
    result, reported = run([Rule("N", "none")], {("N", "A1"): 1.0, ("N", "B"): 2.0})
    assert result.aggregates == {}
    assert result.effective(("N", "R", Y), reported) is None


def test_reported_value_at_a_parent_wins_but_the_aggregate_is_kept() -> None:
    values = {("X", "A1"): 1.0, ("X", "A2"): 2.0, ("X", "A"): 10.0, ("X", "B"): 5.0}
    result, reported = run([Rule("X", "sum")], values)
    assert agg(result, "X", "A") == Aggregate(3.0, 2, 2)
    assert result.effective(("X", "A", Y), reported) == 10.0
    assert agg(result, "X", "R") == Aggregate(15.0, 2, 3)  # the reported 10 goes up, not the sum 3


def test_formula_at_leaf_and_at_parent_over_an_aggregate() -> None:
    # Listed before its input: the engine orders by dependency, not by position.
    rules = [Rule("F", "none", formula="X * 2 + 1"), Rule("X", "sum")]
    result, reported = run(rules, {("X", "A1"): 1.0, ("X", "A2"): 2.0, ("F", "B"): 7.0})
    assert result.computed[("F", "A1", Y)] == 3.0
    assert result.computed[("F", "A", Y)] == 7.0  # over the aggregate 3 of X at A
    assert result.computed[("F", "R", Y)] == 7.0  # X at R is 3 (only A contributes)
    assert ("F", "B", Y) not in result.computed  # reported there
    assert ("F", "C", Y) not in result.computed  # X is missing at C
    assert result.effective(("F", "B", Y), reported) == 7.0


def test_formula_is_the_fallback_after_the_aggregate() -> None:
    rules = [Rule("G", "sum", formula="X + 1"), Rule("X", "none")]
    result, _ = run(rules, {("X", "A1"): 1.0, ("X", "A2"): 2.0, ("X", "A"): 100.0, ("X", "C"): 5.0})
    assert result.computed[("G", "A1", Y)] == 2.0
    assert agg(result, "G", "A") == Aggregate(5.0, 2, 2)  # 2 + 3; the formula (101) is not used
    assert ("G", "A", Y) not in result.computed
    assert agg(result, "G", "R") == Aggregate(11.0, 2, 3)  # A 5, C 6, B has nothing


def test_ratio_of_two_sums_and_a_formula_over_it() -> None:
    rules = [
        Rule("SHARE", "none", formula="RATE / 100"),
        Rule("RATE", "ratio_of_sums", numerator="NUM", denominator="DEN", scale=100),
        Rule("NUM", "sum"),
        Rule("DEN", "sum"),
    ]
    values = {("NUM", "A1"): 1.0, ("DEN", "A1"): 2.0, ("NUM", "A2"): 3.0, ("DEN", "A2"): 2.0}
    result, _ = run(rules, values)
    assert agg(result, "RATE", "R") == Aggregate(100.0, 1, 3)
    assert result.computed[("SHARE", "R", Y)] == 1.0
    assert result.computed[("SHARE", "A", Y)] == 1.0


def test_formula_division_by_zero_is_missing() -> None:
    result, _ = run([Rule("F", "none", formula="1 / X"), Rule("X", "none")], {("X", "B"): 0.0, ("X", "C"): 4.0})
    assert result.computed == {("F", "C", Y): 0.25}


def test_formula_without_references_has_a_value_everywhere() -> None:
    result, _ = run([Rule("K", "none", formula="6 / 4")], {})
    assert {cell[1] for cell in result.computed} == {"R", "A", "A1", "A2", "B", "C"}
    assert set(result.computed.values()) == {1.5}


def test_rollup_arrays_matches_the_dict_api() -> None:
    rules = [Rule("X", "sum"), Rule("M", "mean"), Rule("F", "none", formula="X - M")]
    engine = Engine(TREE, rules, [Y, "2023"])
    reported = {("X", "A1", Y): 1.0, ("X", "B", "2023"): 2.0, ("M", "A2", Y): 4.0, ("M", "A1", Y): 2.0}
    result = engine.rollup(reported)
    arrays = engine.rollup_arrays(result.arrays.reported)
    assert engine.shape == arrays.effective.shape == (3, 6, 2)
    for name in ("effective", "aggregate", "contributors", "computed", "expected"):
        np.testing.assert_array_equal(getattr(arrays, name), getattr(result.arrays, name))
    x, r = engine.codes.index("X"), engine.unit_keys.index("R")
    assert arrays.aggregate[x, r].tolist() == [1.0, 2.0]
    assert arrays.expected[r].tolist() == [3, 3]
    assert np.isnan(arrays.aggregate[x, engine.unit_keys.index("B")]).all()


def test_affected_follows_ancestors_and_readers() -> None:
    rules = [
        Rule("X", "sum"),
        Rule("W", "weighted_mean", weight="X"),
        Rule("F", "none", formula="2 * X"),
        Rule("N", "none"),
    ]
    engine = Engine(TREE, rules, [Y, "2023"])
    assert engine.affected([("X", "A1", Y)]) == {
        ("X", "A1", Y),
        ("F", "A1", Y),
        ("X", "A", Y),
        ("W", "A", Y),
        ("F", "A", Y),
        ("X", "R", Y),
        ("W", "R", Y),
        ("F", "R", Y),
    }
    assert engine.affected([("N", "A1", Y)]) == {("N", "A1", Y)}
    assert engine.affected([("W", "B", "2023")]) == {("W", "B", "2023"), ("W", "R", "2023")}


def test_update_recomputes_and_leaves_the_old_result_alone() -> None:
    rules = [Rule("X", "sum"), Rule("F", "none", formula="X / 2")]
    engine = Engine(TREE, rules, [Y])
    reported = {("X", "A1", Y): 1.0, ("X", "A2", Y): 2.0, ("X", "B", Y): 4.0}
    before = engine.rollup(reported)
    snapshot = dict(before.aggregates)
    changed = {**reported, ("X", "A1", Y): 11.0}
    del changed[("X", "B", Y)]
    after = engine.update(before, changed, [("X", "A1", Y), ("X", "B", Y)])
    assert after.aggregates == engine.rollup(changed).aggregates
    assert after.aggregates[("X", "R", Y)] == Aggregate(13.0, 1, 3)
    assert ("F", "B", Y) not in after.computed  # X withdrawn at B
    assert before.aggregates == snapshot


# --- the 2021 Hangzhou redistricting -----------------------------------------------

CUT = date(2021, 4, 9)
OLD_END = CUT - timedelta(days=1)
HANGZHOU = [
    Unit("330000", None),  # 浙江省
    Unit("330100", "330000"),  # 杭州市
    Unit("330102", "330100", valid_to=OLD_END),  # 上城区 (old)
    Unit("330104", "330100", valid_to=OLD_END),  # 江干区
    Unit("330102@2021-04-09", "330100", valid_from=CUT),  # 上城区 (new)
    Unit("330103", "330100", valid_to=OLD_END),  # 下城区
    Unit("330105", "330100", valid_to=OLD_END),  # 拱墅区 (old)
    Unit("330105@2021-04-09", "330100", valid_from=CUT),  # 拱墅区 (new)
    Unit("330110", "330100", valid_to=OLD_END),  # 余杭区 (old)
    Unit("330110@2021-04-09", "330100", valid_from=CUT),  # 余杭区 (new)
    Unit("330113", "330100", valid_from=CUT),  # 临平区
    Unit("330114", "330100", valid_from=CUT),  # 钱塘区
    Unit("330106", "330100"),  # 西湖区, unchanged
]
OLD = ["330102", "330104", "330103", "330105", "330110"]
NEW = ["330102@2021-04-09", "330105@2021-04-09", "330110@2021-04-09", "330113", "330114"]
HZ_PERIODS = ["2020", "2021Q1", "2021Q2", "2021", "2022"]


@pytest.fixture
def hangzhou() -> tuple[Engine, RollupResult]:
    engine = Engine(HANGZHOU, [Rule("GDP", "sum")], HZ_PERIODS)
    reported: dict[Cell, float] = {}
    # Distinct powers of two: any value counted twice, or wrongly, changes the sum's bits.
    for period in HZ_PERIODS:
        for k, key in enumerate([*OLD, *NEW, "330106"]):
            reported["GDP", key, period] = float(2**k)
    return engine, engine.rollup(reported)


def power_sum(keys: list[str]) -> float:
    order = [*OLD, *NEW, "330106"]
    return float(sum(2 ** order.index(key) for key in keys))


def test_hangzhou_children_follow_the_period_end(hangzhou: tuple[Engine, RollupResult]) -> None:
    engine, _ = hangzhou
    assert engine.children("330100", "2020") == [*OLD, "330106"]
    assert engine.children("330100", "2021Q1") == engine.children("330100", "2020")
    assert set(engine.children("330100", "2021")) == {*NEW, "330106"}
    assert set(engine.children("330100", parse_period("2022"))) == {*NEW, "330106"}
    assert engine.children("330104", "2022") == []


def test_hangzhou_values_roll_into_the_city_once(hangzhou: tuple[Engine, RollupResult]) -> None:
    _, result = hangzhou
    city = result.aggregates
    # 江干区's 2020 value is in 杭州市 2020; its (stray) 2022 value is in no sum.
    assert city["GDP", "330100", "2020"] == Aggregate(power_sum([*OLD, "330106"]), 6, 6)
    assert city["GDP", "330100", "2021Q1"] == Aggregate(power_sum([*OLD, "330106"]), 6, 6)
    for period in ("2021Q2", "2021", "2022"):
        assert city["GDP", "330100", period] == Aggregate(power_sum([*NEW, "330106"]), 6, 6)
    assert city["GDP", "330000", "2020"] == Aggregate(power_sum([*OLD, "330106"]), 1, 1)
    assert {cell[1] for cell in city} == {"330000", "330100"}


# --- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ([Rule("A", "none", formula="B + 1"), Rule("B", "none", formula="A * 2")], ["A", "B", "A"]),
        ([Rule("A", "weighted_mean", weight="A")], ["A", "A"]),
        (
            [
                Rule("A", "ratio_of_sums", numerator="B", denominator="C"),
                Rule("B", "sum", formula="A"),
                Rule("C", "sum"),
            ],
            ["A", "B", "A"],
        ),
    ],
)
def test_cycle_is_refused_and_named(rules: list[Rule], path: list[str]) -> None:
    with pytest.raises(RollupError) as info:
        Engine(TREE, rules, [Y])
    assert info.value.code == "cycle"
    assert info.value.params["path"] in (path, [path[1], path[0], path[1]])
    assert " → ".join(info.value.params["path"]) in info.value.message_zh  # type: ignore[arg-type]
    assert "cycle" in info.value.message_en


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ([Rule("A", "weighted_mean")], "missing_field"),
        ([Rule("A", "ratio_of_sums", numerator="B"), Rule("B", "sum")], "missing_field"),
        ([Rule("A", "sum", weight="B"), Rule("B", "sum")], "extra_field"),
        ([Rule("A", "ratio_of_sums", numerator="B", denominator="B", scale=math.inf), Rule("B", "sum")], "bad_scale"),
        ([Rule("A", "none", formula="B + C"), Rule("B", "sum")], "unknown_reference"),
        ([Rule("A", "sum"), Rule("A", "mean")], "duplicate"),
    ],
)
def test_bad_rules_are_refused(rules: list[Rule], code: str) -> None:
    with pytest.raises(RollupError) as info:
        Engine(TREE, rules, [Y])
    assert info.value.code == code
    assert "{" not in info.value.message_zh
    assert "{" not in info.value.message_en


def test_bad_formula_is_a_formula_error() -> None:
    with pytest.raises(FormulaError):
        Engine(TREE, [Rule("A", "none", formula="B ** 2"), Rule("B", "sum")], [Y])


@pytest.mark.parametrize(
    ("units", "code"),
    [
        ([Unit("R", None), Unit("R", None)], "duplicate"),
        ([Unit("R", "X")], "unknown_parent"),
        ([Unit("R", None), Unit("A", "B"), Unit("B", "A")], "unit_cycle"),
    ],
)
def test_bad_units_are_refused(units: list[Unit], code: str) -> None:
    with pytest.raises(RollupError) as info:
        Engine(units, [Rule("X", "sum")], [Y])
    assert info.value.code == code
    assert "{" not in info.value.message_zh


def test_bad_cells_and_values_are_refused() -> None:
    engine = Engine(TREE, [Rule("X", "sum")], [Y])
    for cell in [("Z", "A1", Y), ("X", "Z", Y), ("X", "A1", "2023")]:
        with pytest.raises(RollupError) as info:
            engine.rollup({cell: 1.0})
        assert info.value.code == "unknown_cell"
        with pytest.raises(RollupError):
            engine.affected([cell])
    for value in (math.nan, math.inf):
        with pytest.raises(RollupError) as info:
            engine.rollup({("X", "A1", Y): 1.0, ("X", "B", Y): value})
        assert info.value.code == "not_finite"
        assert "X / B / 2022" in info.value.message_en
    result = engine.rollup({})
    with pytest.raises(RollupError):
        engine.update(result, {("X", "A1", Y): math.inf}, [("X", "A1", Y)])
    with pytest.raises(RollupError) as info:
        engine.rollup_arrays(np.zeros((1, 6, 2)))
    assert info.value.code == "bad_shape"
    with pytest.raises(RollupError):
        engine.rollup_arrays(np.full((1, 6, 1), -math.inf))
    with pytest.raises(RollupError) as info:
        Engine(TREE, [Rule("X", "sum")], [Y, parse_period(Y)])
    assert info.value.code == "duplicate"


# --- formulas in float against the Decimal reference -------------------------------

FORMULAS = [
    "100 * (A + B) / C",
    "min(A, B, C) / max(abs(A), 1)",
    "-(A - B) * C / 7",
    "abs(A) + abs(B) * 0.5",
    "(A + B + C) / (A - C)",
    "2022 / 0 + A",
]
finite = st.floats(-1e6, 1e6).filter(lambda x: x == 0 or abs(x) > 1e-6)


@given(st.sampled_from(FORMULAS), st.lists(st.one_of(st.none(), finite), min_size=3, max_size=3))
def test_float_formulas_match_decimal_evaluate(text: str, values: list[float | None]) -> None:
    inputs = dict(zip("ABC", values, strict=True))
    rules = [Rule("F", "none", formula=text)] + [Rule(code, "none") for code in "ABC"]
    reported = {(code, "B", Y): value for code, value in inputs.items() if value is not None}
    result = Engine(TREE, rules, [Y]).rollup(reported)
    want = evaluate(parse(text), {code: None if v is None else Decimal(v) for code, v in inputs.items()})
    got = result.computed.get(("F", "B", Y))
    if want is None:
        assert got is None
    else:
        assert got is not None
        assert math.isclose(got, float(want), rel_tol=1e-9, abs_tol=1e-12)


# --- property tests on random trees ---------------------------------------------------

YEARS = ["2019", "2020", "2021", "2022"]
CHANGES = [date(2019, 7, 1), date(2020, 12, 31), date(2021, 4, 9), date(2022, 6, 30)]


@st.composite
def trees(draw: st.DrawFn) -> list[Unit]:
    """A root and 1–3 levels of records; each chain of records splits or merges at change dates.

    A chain is one place over time: a record ends and its successor starts the next day,
    perhaps under another parent (any record of the level above, valid then or not).
    A chain may start late (a new unit) or stop early (an abolished one).
    """
    units = [Unit("root", None)]
    above = ["root"]
    for level in range(draw(st.integers(1, 3))):
        records: list[str] = []
        for chain in range(draw(st.integers(1, 4))):
            cuts = sorted(draw(st.sets(st.sampled_from(CHANGES), max_size=2)))
            bounds: list[date | None] = [None, *cuts, None]
            segments = list(range(len(cuts) + 1))
            created, abolished = draw(st.booleans()), draw(st.booleans())
            if cuts and created:
                segments = segments[1:]  # created at the first cut
            if len(segments) > 1 and abolished:
                segments = segments[:-1]  # abolished at the last cut
            for s in segments:
                start, end = bounds[s], bounds[s + 1]
                key = f"L{level}C{chain}S{s}"
                last_day = None if end is None else end - timedelta(days=1)
                units.append(Unit(key, draw(st.sampled_from(above)), start, last_day))
                records.append(key)
        above = records
    return units


def leaves(units: list[Unit]) -> list[Unit]:
    parents = {unit.parent for unit in units}
    return [unit for unit in units if unit.key not in parents and unit.parent is not None]


def _unit(units: list[Unit], key: str) -> Unit:
    return next(unit for unit in units if unit.key == key)


def counted(units: list[Unit], unit: Unit, day: date) -> bool:
    """Whether a value of ``unit`` reaches the root on ``day``: the record and all its ancestors are valid."""
    by_key = {u.key: u for u in units}
    current: Unit | None = unit
    while current is not None:
        if not current.valid_on(day):
            return False
        current = by_key[current.parent] if current.parent is not None else None
    return True


@settings(max_examples=150, deadline=None)
@given(trees(), st.data())
def test_sum_at_the_root_counts_each_valid_leaf_value_once(units: list[Unit], data: st.DataObject) -> None:
    engine = Engine(units, [Rule("X", "sum")], YEARS)
    reported: dict[Cell, float] = {}
    for period in YEARS:
        for k, leaf in enumerate(leaves(units)):
            if data.draw(st.booleans()):
                reported["X", leaf.key, period] = float(2**k)  # distinct bits expose double counting
    result = engine.rollup(reported)
    for period in YEARS:
        day = parse_period(period).end
        want = [v for (_, key, p), v in reported.items() if p == period and counted(units, _unit(units, key), day)]
        root = result.aggregates.get(("X", "root", period))
        assert (root.value if root else None) == (sum(want) if want else None)
        for (_, key, p), aggregate in result.aggregates.items():
            if p == period:
                assert 1 <= aggregate.contributors <= aggregate.expected == len(engine.children(key, period))


UPDATE_RULES = [
    Rule("X", "sum"),
    Rule("Y", "sum"),
    Rule("M", "mean"),
    Rule("W", "weighted_mean", weight="Y"),
    Rule("R", "ratio_of_sums", numerator="X", denominator="Y", scale=100),
    Rule("F", "none", formula="X / Y + M"),
    Rule("G", "sum", formula="max(X, W) - 1"),
]
# Small integers make Σw = 0 and Σden = 0 happen often; any floats check that the update is exact.
small = st.one_of(st.integers(-2, 9).map(float), st.floats(-1e6, 1e6))


@st.composite
def panels(draw: st.DrawFn) -> tuple[list[Unit], dict[Cell, float]]:
    units = draw(trees())
    cells = st.tuples(st.sampled_from("XYMWFG"), st.sampled_from([u.key for u in units]), st.sampled_from(YEARS))
    return units, draw(st.dictionaries(cells, small, max_size=40))


@settings(max_examples=150, deadline=None)
@given(panels(), st.data())
def test_update_equals_a_full_rollup(panel: tuple[list[Unit], dict[Cell, float]], data: st.DataObject) -> None:
    units, reported = panel
    engine = Engine(units, UPDATE_RULES, YEARS)
    result = engine.rollup(reported)
    keys = [u.key for u in units]
    cell = st.tuples(st.sampled_from("XYMWFG"), st.sampled_from(keys), st.sampled_from(YEARS))
    changes = data.draw(st.dictionaries(cell, st.one_of(st.none(), small), min_size=1, max_size=5))
    new = dict(reported)
    for changed_cell, value in changes.items():
        if value is None:
            new.pop(changed_cell, None)
        else:
            new[changed_cell] = value
    updated = engine.update(result, new, changes)
    fresh = engine.rollup(new)
    assert updated.aggregates == fresh.aggregates
    assert updated.computed == fresh.computed
    np.testing.assert_array_equal(updated.arrays.effective, fresh.arrays.effective)
    assert engine.rollup(reported).aggregates == result.aggregates  # the old result is untouched
    # Whatever changed lies inside affected().
    affected = engine.affected(changes)
    moved = {
        c
        for c in result.aggregates.keys() | fresh.aggregates.keys()
        if result.aggregates.get(c) != fresh.aggregates.get(c)
    }
    moved |= {
        c for c in result.computed.keys() | fresh.computed.keys() if result.computed.get(c) != fresh.computed.get(c)
    }
    assert moved <= affected


@settings(max_examples=100, deadline=None)
@given(trees(), st.floats(-1e6, 1e6), st.data())
def test_mean_of_identical_values_is_that_value(units: list[Unit], value: float, data: st.DataObject) -> None:
    engine = Engine(units, [Rule("M", "mean")], YEARS)
    cells = [("M", leaf.key, p) for leaf in leaves(units) for p in YEARS]
    reported = {cell: value for cell in cells if data.draw(st.booleans())}
    for aggregate in engine.rollup(reported).aggregates.values():
        assert aggregate.value == pytest.approx(value, rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(trees(), st.floats(0.5, 1e3), st.data())
def test_weighted_mean_with_equal_weights_is_the_mean(units: list[Unit], weight: float, data: st.DataObject) -> None:
    rules = [Rule("V", "weighted_mean", weight="W"), Rule("W", "mean"), Rule("M", "mean")]
    engine = Engine(units, rules, YEARS)
    reported: dict[Cell, float] = {}
    for leaf in leaves(units):
        for period in YEARS:
            reported["W", leaf.key, period] = weight  # the mean of equal weights stays equal going up
            value = data.draw(st.one_of(st.none(), st.floats(-1e6, 1e6)))
            if value is not None:
                reported["V", leaf.key, period] = reported["M", leaf.key, period] = value
    result = engine.rollup(reported)
    means = {cell[1:]: a for cell, a in result.aggregates.items() if cell[0] == "M"}
    weighted = {cell[1:]: a for cell, a in result.aggregates.items() if cell[0] == "V"}
    assert weighted.keys() == means.keys()
    for place, mean in means.items():
        assert weighted[place].contributors == mean.contributors
        assert weighted[place].value == pytest.approx(mean.value, rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(panels(), st.sampled_from([1.0, 100.0, 1000.0]))
def test_ratio_of_sums_over_complete_pairs(panel: tuple[list[Unit], dict[Cell, float]], scale: float) -> None:
    units, reported = panel
    rules = [Rule("R", "ratio_of_sums", numerator="X", denominator="Y", scale=scale), Rule("X", "sum")]
    rules += [Rule(code, "sum") for code in "YMWFG"]
    engine = Engine(units, rules, YEARS)
    result = engine.rollup(reported)
    for unit in units:
        for period in YEARS:
            pairs = [
                (result.effective(("X", child, period), reported), result.effective(("Y", child, period), reported))
                for child in engine.children(unit.key, period)
            ]
            complete = [(x, y) for x, y in pairs if x is not None and y is not None]
            below = sum(y for _, y in complete)
            got = result.aggregates.get(("R", unit.key, period))
            if not complete or below == 0:
                assert got is None
            else:
                assert got is not None
                assert got.contributors == len(complete)
                assert got.value == pytest.approx(scale * sum(x for x, _ in complete) / below)
