"""The whole build: stages in order, weights, scores and ranks of every level, notes and the method hash."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.method import parse_method
from lantu.core.index.model import IndexInputError, Node, Table, Tree
from lantu.core.index.pipeline import build

NAN = np.nan


def framework() -> Tree:
    return Tree.build(
        [
            Node("INDEX", "指数", None, 1, 1, 3),
            Node("P1", "支柱一", "INDEX", 1, 1, 2),
            Node("P2", "支柱二", "INDEX", 1, 1, 2),
            Node("a", "a", "P1", 1, 1, 1, denominator="pop"),
            Node("b", "b", "P1", 1, -1, 1),
            Node("c", "c", "P2", 2, 1, 1),
            Node("d", "d", "P2", 1, 1, 1),
        ]
    )


def data(**changes: tuple[int, str, float]) -> Table:
    values = np.array(
        [
            # a,   b,  c,  d, pop
            [10.0, 50, 0, 3, 10],
            [40.0, 10, 10, 3, 20],
            [15.0, 30, 5, 6, 5],
            [40.0, 20, 20, 9, 10],
            [25.0, 40, 15, 12, 5],
        ]
    )
    return Table(
        ("U1", "U2", "U3", "U4", "U5"), ("a", "b", "c", "d", "pop"), values, {"city": ("h", "h", "n", "n", "w")}
    )


FULL = """
version: 7
name: 测试方法
steps:
  - denominate: {}
  - screen: {dat_thresh: 0.5}
  - impute: {method: mean}
  - treat: {}
  - normalise: {method: minmax, low: 0, high: 100}
  - weight: {method: manual}
  - aggregate: {method: arithmetic}
"""


def test_full_method_gives_hand_computed_scores_and_ranks() -> None:
    result = build(data(), framework(), parse_method(FULL))
    assert list(result.stages) == ["raw", "denominated", "screened", "imputed", "treated", "normalised", "aggregated"]
    # a / pop = [1, 2, 3, 4, 5] → minmax [0, 25, 50, 75, 100]
    # -b = [-50, -10, -30, -20, -40] → [0, 100, 50, 75, 25]
    # c → [0, 50, 25, 100, 75]; d → [0, 0, 100/3, 200/3, 100]
    np.testing.assert_allclose(
        result.normalised.values,
        np.array(
            [[0, 0, 0, 0], [25, 100, 50, 0], [50, 50, 25, 100 / 3], [75, 75, 100, 200 / 3], [100, 25, 75, 100]],
            dtype=np.float64,
        ),
    )
    # P1 = (a + b) / 2; P2 = (2c + d) / 3; INDEX = (P1 + P2) / 2
    p1 = np.array([0, 62.5, 50, 75, 62.5])
    p2 = np.array([0, 100 / 3, (50 + 100 / 3) / 3, (200 + 200 / 3) / 3, 250 / 3])
    np.testing.assert_allclose(result.aggregated.values, np.column_stack([p1, p2, (p1 + p2) / 2]), rtol=0, atol=1e-12)
    assert result.scores.codes == ("a", "b", "c", "d", "P1", "P2", "INDEX")
    assert result.ranks.column("INDEX").tolist() == [5, 3, 4, 1, 2]
    assert result.ranks.column("P1").tolist() == [5, 2, 4, 1, 2]  # ties share the better rank
    assert result.weights["c"] == pytest.approx(2 / 3)
    assert result.sha256 == parse_method(FULL).sha256
    assert result.notes[0] == "【分母处理】指标“a”除以“pop”"
    assert result.index.values.ravel().tolist() == pytest.approx(((p1 + p2) / 2).tolist())


def test_missing_steps_fall_back_to_defaults_and_say_so() -> None:
    result = build(data(), framework(), parse_method("version: 1\nsteps: [treat]"))
    assert "screened" not in result.stages
    np.testing.assert_array_equal(result.stages["denominated"].values, data().values[:, :4])
    assert any("默认min-max" in n for n in result.notes)
    assert any("META中的权重" in n for n in result.notes)


def test_missing_values_are_explicit_in_the_aggregates() -> None:
    table = data()
    values = table.values.copy()
    values[0, 1] = NAN  # U1 has no b: P1 is a alone (weights re-scaled)
    result = build(table.with_values(values), framework(), parse_method("version: 1\nsteps: [normalise]"))
    # without denomination a = [10, 40, 15, 40, 25] → U1 0; -b over U2..U5 = [-10, -30, -20, -40]
    assert result.aggregated.column("P1")[0] == 0.0
    assert np.isnan(result.normalised.values[0, 1])


def test_a_unit_with_no_data_is_refused_unless_screened_out() -> None:
    table = data()
    values = table.values.copy()
    values[2, :4] = NAN
    with pytest.raises(IndexInputError) as excinfo:
        build(table.with_values(values), framework(), parse_method("version: 1\nsteps: [impute]"))
    assert excinfo.value.code == "unit_no_data"
    assert excinfo.value.params == {"unit": "U3"}
    result = build(table.with_values(values), framework(), parse_method("version: 1\nsteps: [screen, impute]"))
    assert result.scores.units == ("U1", "U2", "U4", "U5")


def test_weight_and_aggregate_options_reach_engine_b() -> None:
    method = parse_method(
        "version: 1\nsteps: [{normalise: {low: 1}}, {weight: {method: equal}}, {aggregate: {method: geometric}}]"
    )
    result = build(data(), framework(), method)
    assert result.weights["c"] == 0.5
    a, b = result.normalised.column("a"), result.normalised.column("b")
    np.testing.assert_allclose(result.aggregated.column("P1"), np.sqrt(a * b))
    with pytest.raises(IndexInputError):
        build(data(), framework(), parse_method("version: 1\nsteps: [{weight: {method: heavy}}]"))


def test_panel_ranks_are_within_each_year() -> None:
    table = data()
    panel = Table(
        table.units * 2,
        table.codes,
        np.vstack([table.values, table.values[::-1]]),
        years=(2021,) * 5 + (2022,) * 5,
    )
    result = build(panel, framework(), parse_method("version: 1\nsteps: [normalise]"))
    ranks = result.ranks.column("INDEX")
    assert sorted(ranks[:5].tolist()) == [1, 2, 3, 4, 5]
    assert sorted(ranks[5:].tolist()) == [1, 2, 3, 4, 5]


def test_missing_indicator_column_is_refused() -> None:
    with pytest.raises(IndexInputError) as excinfo:
        build(data().select(["a", "b", "c"]), framework())
    assert excinfo.value.code == "missing_column"
    assert excinfo.value.params == {"code": "d"}
