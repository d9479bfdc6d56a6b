"""The statistical audit (lantu.core.index.audit): COINr's get_stats, get_corr, get_cronbach, get_PCA and flags."""

from __future__ import annotations

from typing import cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats as sps

from lantu.core.index.aggregate import aggregate
from lantu.core.index.audit import (
    Audit,
    audit,
    column_statistics,
    cronbach,
    kurt,
    pairwise_correlation,
    skew,
)
from lantu.core.index.model import IndexInputError, Node, Table, Tree

NAN = np.nan


def tree() -> Tree:
    return Tree.build(
        [
            Node("I", "指数", None, 1, 1, 3),
            Node("P", "支柱P", "I", 1, 1, 2),
            Node("Q", "支柱Q", "I", 1, 1, 2),
            Node("a", "a", "P", 1, 1, 1),
            Node("b", "b", "P", 1, 1, 1),
            Node("c", "c", "P", 1, 1, 1),
            Node("d", "d", "Q", 1, 1, 1),
            Node("e", "e", "Q", 1, 1, 1),
        ]
    )


def build(seed: int = 1, n: int = 30, years: tuple[int, ...] | None = None) -> tuple[Table, Table]:
    rng = np.random.default_rng(seed)
    f = rng.random(n)
    cols = [
        f,
        f + 0.01 * rng.random(n),  # collinear with a
        1 - f + 0.05 * rng.random(n),  # negatively correlated with a and b
        rng.random(n),
        rng.random(n),
    ]
    t = Table(tuple(f"u{i}" for i in range(n)), ("a", "b", "c", "d", "e"), np.column_stack(cols), years=years)
    return t, aggregate(t, tree())


def test_skew_and_kurtosis_are_coinrs_e1071_type_2() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, 10.0, NAN])
    # by hand: d = (-3, -2, -1, 0, 6), Σd² = 50, Σd³ = 180, Σd⁴ = 1394, n = 5
    g1 = np.sqrt(5) * 180 / 50**1.5
    assert skew(x) == pytest.approx(g1 * np.sqrt(20) / 3, rel=1e-14)
    r = 5 * 1394 / 50**2
    assert kurt(x) == pytest.approx(((6 * (r - 3) + 6) * 4) / (3 * 2), rel=1e-14)
    assert np.isnan(skew(np.array([1.0, 2.0])))
    assert np.isnan(kurt(np.array([1.0, 2.0, 3.0])))


@settings(deadline=None)
@given(hnp.arrays(np.float64, st.integers(4, 30), elements=st.floats(-100, 100)))
def test_skew_and_kurtosis_match_scipy_unbiased(x: np.ndarray) -> None:
    if np.ptp(x) < 1e-3:
        return
    assert skew(x) == pytest.approx(sps.skew(x, bias=False), rel=1e-9, abs=1e-9)
    assert kurt(x) == pytest.approx(sps.kurtosis(x, bias=False), rel=1e-9, abs=1e-9)


def test_column_statistics_by_hand() -> None:
    s = column_statistics(np.array([0.0, 1.0, 1.0, NAN, 3.0]))
    assert s["n"] == 5
    assert s["n_avail"] == 4
    assert s["frc_avail"] == 0.8
    assert (s["min"], s["max"], s["mean"], s["median"]) == (0.0, 3.0, 1.25, 1.0)
    assert s["sd"] == pytest.approx(np.sqrt(4.75 / 3))
    assert (s["n_nonzero"], s["n_unique"], s["n_same"]) == (3, 3, 2)
    assert (s["frc_nonzero"], s["frc_unique"], s["frc_same"]) == (0.75, 0.75, 0.5)
    assert (s["flag_avail"], s["flag_nonzero"], s["flag_unique"], s["flag_skewkurt"]) == ("ok", "ok", "ok", "ok")
    low = column_statistics(np.array([0.0, 0.0, 0.0, NAN, NAN, NAN]))
    assert (low["flag_avail"], low["flag_nonzero"], low["flag_unique"]) == ("LOW", "LOW", "LOW")
    assert np.isnan(cast(float, low["skew"]))
    out = column_statistics(np.array([0.0] * 20 + [100.0]))
    assert out["flag_skewkurt"] == "OUT"
    empty = column_statistics(np.array([NAN, NAN]))
    assert empty["n_avail"] == 0
    assert np.isnan(cast(float, empty["mean"]))


def test_pairwise_correlations_match_scipy_on_complete_pairs() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0, NAN, 6.0, 2.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 9.0, NAN, 2.0])
    keep = ~(np.isnan(x) | np.isnan(y))
    r, n = pairwise_correlation(x, y)
    assert n == 5
    assert r == pytest.approx(sps.pearsonr(x[keep], y[keep])[0], rel=1e-12)
    rs, _ = pairwise_correlation(x, y, "spearman")
    assert rs == pytest.approx(sps.spearmanr(x[keep], y[keep])[0], rel=1e-12)
    assert np.isnan(pairwise_correlation(np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0]))[0])
    assert np.isnan(pairwise_correlation(np.array([1.0, NAN]), np.array([1.0, 2.0]))[0])


def test_cronbach_alpha_by_hand() -> None:
    # var 1, var 7/3, cov 3/2: alpha = 4 * 1.5 / (1 + 7/3 + 3)
    assert cronbach(np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])) == pytest.approx(6 / (19 / 3), rel=1e-14)
    x = np.random.default_rng(0).random((20, 4))
    c = np.cov(x, rowvar=False)
    k = 4
    assert cronbach(x) == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()), rel=1e-12)
    assert np.isnan(cronbach(x[:, :1]))


def test_audit_tables_and_flags() -> None:
    norm, agg = build()
    result = audit(tree(), norm, agg)
    assert isinstance(result, Audit)
    tables = result.tables()
    assert set(tables) == {"statistics", "correlations", "cronbach", "pca", "pca_loadings", "flags"}
    for rows in tables.values():
        assert rows
        assert all(set(r) == set(rows[0]) for r in rows)
    kinds = {(f["kind"], f["code_a"], f["code_b"]) for f in result.flags}
    assert ("collinear", "a", "b") in kinds
    assert ("negative", "a", "c") in kinds
    assert ("negative", "b", "c") in kinds
    assert ("collinear", "a", "c") in kinds  # |r| > 0.9 also when negative
    assert all(f["parent"] == "P" for f in result.flags if f["kind"] != "weak")
    flag = next(f for f in result.flags if f["kind"] == "collinear")
    assert "a" in str(flag["message_zh"])
    assert "P" in str(flag["message_en"])


def test_audit_correlations_cover_every_pair_with_relations() -> None:
    norm, agg = build()
    result = audit(tree(), norm, agg, correlation="pearson")
    rows = {(r["code_a"], r["code_b"]): r for r in result.correlations}
    assert len(rows) == 8 * 7 // 2
    assert rows[("a", "b")]["relation"] == "sibling"
    assert rows[("a", "P")]["relation"] == "parent"
    assert rows[("a", "I")]["relation"] == "ancestor"
    assert rows[("a", "d")]["relation"] == "same_level"
    assert rows[("a", "Q")]["relation"] == "other"
    r = rows[("a", "P")]
    expected = sps.pearsonr(norm.column("a"), agg.column("P"))
    assert r["r"] == pytest.approx(expected[0], rel=1e-12)
    assert r["p"] == pytest.approx(expected[1], rel=1e-6)
    assert r["n"] == 30
    assert r["level_a"] == 1
    assert r["level_b"] == 2


def test_audit_weak_flag_and_thresholds() -> None:
    norm, agg = build()
    result = audit(tree(), norm, agg, weak=1.0, collinear=0.999999, negative=-1.0)
    weak = {f["code_a"] for f in result.flags if f["kind"] == "weak"}
    assert weak == {"a", "b", "c", "d", "e", "P", "Q"}
    assert not any(f["kind"] == "negative" for f in result.flags)
    with pytest.raises(IndexInputError):
        audit(tree(), norm, agg, colinear=0.8)
    with pytest.raises(IndexInputError):
        audit(tree(), norm, agg, correlation="kendall")


def test_audit_cronbach_and_pca_per_aggregate() -> None:
    norm, agg = build()
    result = audit(tree(), norm, agg)
    alpha = {r["code"]: r["alpha"] for r in result.cronbach}
    assert alpha["Q"] == pytest.approx(cronbach(norm.select(["d", "e"]).values))
    assert alpha["I"] == pytest.approx(cronbach(agg.select(["P", "Q"]).values))
    p_rows = [r for r in result.pca if r["code"] == "P"]
    assert [r["component"] for r in p_rows] == [1, 2, 3]
    assert sum(cast(float, r["share"]) for r in p_rows) == pytest.approx(1.0)
    assert cast(float, p_rows[0]["share"]) > 0.9
    assert p_rows[-1]["cumulative"] == pytest.approx(1.0)
    loadings = [cast(float, r["loading"]) for r in result.pca_loadings if r["code"] == "P"]
    assert sum(x * x for x in loadings) == pytest.approx(1.0)


def test_audit_statistics_of_given_stages() -> None:
    norm, agg = build()
    raw = norm.with_values(norm.values * 100)
    result = audit(tree(), norm, agg, stages={"raw": raw})
    assert {r["stage"] for r in result.statistics} == {"raw"}
    a = next(r for r in result.statistics if r["code"] == "a")
    assert a["mean"] == pytest.approx(100 * norm.column("a").mean())
    assert a["level"] == 1


def test_audit_pca_notes_instead_of_failing() -> None:
    norm, _agg = build()
    const = norm.values.copy()
    const[:, 3] = 0.5
    norm2 = norm.with_values(const)
    result = audit(tree(), norm2, aggregate(norm2, tree()))
    q = [r for r in result.pca if r["code"] == "Q"]
    assert len(q) == 1
    assert q[0]["note"]


def test_panel_audit_is_per_year() -> None:
    norm, agg = build(n=30, years=tuple([2021] * 15 + [2022] * 15))
    result = audit(tree(), norm, agg)
    assert {r["year"] for r in result.statistics} == {2021, 2022}
    assert {r["year"] for r in result.cronbach} == {2021, 2022}
    n = {(r["year"], r["code_a"], r["code_b"], r["method"]): r["n"] for r in result.correlations}
    assert n[(2021, "a", "b", "pearson")] == 15
