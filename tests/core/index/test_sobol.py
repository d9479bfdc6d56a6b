"""Saltelli designs and Sobol estimators on functions whose indices are known analytically."""

from __future__ import annotations

import numpy as np
import pytest

from lantu.core.index.model import Array
from lantu.core.index.sobol import SaltelliDesign, saltelli_design, sobol_indices

# Ishigami (a = 7, b = 0.1) on [-π, π]³: Homma & Saltelli (1996); Saltelli et al. (2010).
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x: Array) -> Array:
    z = -np.pi + 2 * np.pi * x
    y: Array = np.sin(z[:, 0]) + 7 * np.sin(z[:, 1]) ** 2 + 0.1 * z[:, 2] ** 4 * np.sin(z[:, 0])
    return y


def test_design_matrices_follow_saltelli_and_coinr_order() -> None:
    design = saltelli_design(5, 3, np.random.default_rng(0))
    stacked = design.stacked()
    assert stacked.shape == (5 * (3 + 2), 3)
    np.testing.assert_array_equal(stacked[:5], design.a)
    np.testing.assert_array_equal(stacked[5:10], design.b)
    for i in range(3):
        block = stacked[10 + 5 * i : 15 + 5 * i]
        np.testing.assert_array_equal(block[:, i], design.b[:, i])
        others = [j for j in range(3) if j != i]
        np.testing.assert_array_equal(block[:, others], design.a[:, others])
    assert np.all((stacked >= 0) & (stacked < 1))
    # A and B are independent draws, not copies.
    assert not np.allclose(design.a, design.b)


def test_split_inverts_stacking_with_trailing_output_axes() -> None:
    design = saltelli_design(4, 2, np.random.default_rng(1))
    y = np.arange(16 * 3, dtype=float).reshape(16, 3)
    y_a, y_b, y_ab = design.split(y)
    assert y_a.shape == (4, 3)
    assert y_b.shape == (4, 3)
    assert y_ab.shape == (2, 4, 3)
    np.testing.assert_array_equal(y_ab[1], y[12:16])
    with pytest.raises(ValueError, match="expected 16 outputs"):
        design.split(y[:15])


def test_same_seed_same_design_and_different_seed_differs() -> None:
    one = saltelli_design(8, 2, np.random.default_rng(42)).stacked()
    two = saltelli_design(8, 2, np.random.default_rng(42)).stacked()
    three = saltelli_design(8, 2, np.random.default_rng(43)).stacked()
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, three)


def test_bad_designs_are_refused() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="power of two"):
        saltelli_design(100, 2, rng, sampling="sobol")
    with pytest.raises(ValueError, match="n ≥ 2"):
        saltelli_design(1, 2, rng)


@pytest.mark.parametrize("sampling", ["random", "sobol"])
@pytest.mark.parametrize("first_order", ["saltelli", "jansen"])
def test_ishigami_indices(sampling: str, first_order: str) -> None:
    rng = np.random.default_rng(2024)
    design = saltelli_design(8192, 3, rng, sampling=sampling)  # type: ignore[arg-type]
    ind = sobol_indices(*design.split(design.evaluate(ishigami)), first_order=first_order, n_boot=300, rng=rng)  # type: ignore[arg-type]
    tolerance = 0.02 if sampling == "sobol" else 0.04
    np.testing.assert_allclose(ind.first, ISHIGAMI_S1, atol=tolerance)
    np.testing.assert_allclose(ind.total, ISHIGAMI_ST, atol=tolerance)
    assert ind.first_interval is not None
    assert ind.total_interval is not None
    assert ind.first_interval.shape == (2, 3)
    assert ind.n_boot == 300
    # The intervals are ordered and hold the estimate.
    assert np.all(ind.first_interval[0] <= ind.first)
    assert np.all(ind.first <= ind.first_interval[1])
    assert np.all(ind.total_interval[0] <= ind.total)
    assert np.all(ind.total <= ind.total_interval[1])
    # Ishigami's analytic variance: a²/8 + b π⁴/5 + b² π⁸/18 + 1/2.
    variance = 7**2 / 8 + 0.1 * np.pi**4 / 5 + 0.1**2 * np.pi**8 / 18 + 0.5
    assert ind.variance == pytest.approx(variance, rel=0.05)


def test_linear_model_indices_are_the_variance_shares() -> None:
    # y = Σ c_i x_i with x_i ~ U(0, 1): S_i = ST_i = c_i² / Σ c_j² (no interactions).
    coefficients = np.array([1.0, 2.0, 3.0, 0.0])
    expected = coefficients**2 / np.sum(coefficients**2)
    rng = np.random.default_rng(5)
    design = saltelli_design(4096, 4, rng, sampling="sobol")
    ind = sobol_indices(*design.split(design.evaluate(lambda x: x @ coefficients)), n_boot=300, rng=rng)
    np.testing.assert_allclose(ind.first, expected, atol=0.01)
    np.testing.assert_allclose(ind.total, expected, atol=0.01)
    assert ind.first_interval is not None
    assert ind.total_interval is not None
    tolerance = 0.005  # the intervals are Monte-Carlo intervals: allow a hair beyond them
    assert np.all(ind.first_interval[0] - tolerance <= expected)
    assert np.all(expected <= ind.first_interval[1] + tolerance)
    # The factor that does nothing has a total index of exactly 0: y_A = y_AB there.
    assert ind.total[3] == 0.0


def test_matrix_outputs_get_their_own_indices() -> None:
    # Output 0 depends on x1 only, output 1 on x2 only, output 2 is constant (indices undefined).
    rng = np.random.default_rng(9)
    design = saltelli_design(2048, 2, rng, sampling="sobol")
    y = design.evaluate(lambda x: np.stack([x[:, 0], 5 * x[:, 1] ** 2, np.ones(len(x))], axis=1))
    ind = sobol_indices(*design.split(y), n_boot=100, rng=rng)
    assert ind.first.shape == (2, 3)
    assert ind.total.shape == (2, 3)
    np.testing.assert_allclose(ind.first[:, :2], np.eye(2), atol=0.02)
    np.testing.assert_allclose(ind.total[:, :2], np.eye(2), atol=0.02)
    assert np.all(np.isnan(ind.first[:, 2]))
    assert np.all(np.isnan(ind.total[:, 2]))
    assert ind.variance[2] == 0
    assert ind.first_interval is not None
    assert ind.first_interval.shape == (2, 2, 3)


def test_bootstrap_is_deterministic_with_a_seed_and_chunking_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    design = saltelli_design(64, 3, np.random.default_rng(0))
    y = design.split(design.evaluate(lambda x: x[:, 0] * x[:, 1] + x[:, 2]))
    one = sobol_indices(*y, n_boot=50, rng=np.random.default_rng(11))
    # Force one resample per chunk: the same draws in the same order give the same intervals.
    monkeypatch.setattr("lantu.core.index.sobol._BOOT_CHUNK_ELEMENTS", 1)
    two = sobol_indices(*y, n_boot=50, rng=np.random.default_rng(11))
    assert one.first_interval is not None
    assert two.first_interval is not None
    assert one.total_interval is not None
    assert two.total_interval is not None
    np.testing.assert_array_equal(one.first_interval, two.first_interval)
    np.testing.assert_array_equal(one.total_interval, two.total_interval)


def test_sobol_indices_refuses_mismatched_inputs() -> None:
    with pytest.raises(ValueError, match="shapes do not match"):
        sobol_indices(np.zeros(4), np.zeros(4), np.zeros((2, 5)))
    with pytest.raises(ValueError, match="seeded numpy Generator"):
        sobol_indices(np.arange(4.0), np.arange(4.0), np.ones((1, 4)), n_boot=10)
    with pytest.raises(ValueError, match="confidence"):
        sobol_indices(np.arange(4.0), np.arange(4.0), np.ones((1, 4)), confidence=1.0)


def test_design_dataclass_shape_properties() -> None:
    design = SaltelliDesign(np.zeros((3, 2)), np.ones((3, 2)))
    assert (design.n, design.k) == (3, 2)
    np.testing.assert_array_equal(design.ab(0), [[1.0, 0.0]] * 3)
