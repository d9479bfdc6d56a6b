"""Variance-based sensitivity analysis: Saltelli designs and Sobol indices with bootstrap intervals.

A model ``y = f(x1, …, xk)`` with independent uncertain inputs spreads its output variance over
the inputs. The *first-order* index ``S_i`` is the share of the variance that ``x_i`` explains on
its own; the *total* index ``ST_i`` adds every interaction ``x_i`` takes part in. Both are
estimated from a Saltelli design: two independent samples ``A`` and ``B`` of ``n`` points in
``[0, 1)^k`` and, for every input ``i``, the matrix ``A_B^i`` — ``A`` with column ``i`` taken
from ``B`` — so the model runs ``n (k + 2)`` times (COINr's ``SA_sample``, in the same order:
``A``, ``B``, ``A_B^1`` … ``A_B^k``). The estimators (Saltelli et al. 2010, *Computer Physics
Communications* 181: 259–270, table 2) are

* first order, Saltelli 2010: ``S_i = mean(y_B (y_ABi - y_A)) / V``;
* first order, Jansen: ``S_i = (V - mean((y_B - y_ABi)²) / 2) / V``;
* total, Jansen: ``ST_i = mean((y_A - y_ABi)²) / (2 V)``;

with ``V`` the variance of ``y_A`` and ``y_B`` together (outputs are first centred on their mean,
which leaves the expectations alone and narrows the spread of the estimates). Outputs may be a vector (one number per
run) or carry trailing dimensions (e.g. the rank of every unit per run): every output gets its own
indices. Confidence intervals come from a bootstrap over the ``n`` base rows (the same rows for
``A``, ``B`` and every ``A_B^i``, and ``V`` recomputed on each resample).

Everything here is pure NumPy/SciPy and takes its randomness from a seeded ``numpy.random.Generator``.

>>> rng = np.random.default_rng(1)
>>> design = saltelli_design(4096, 3, rng)
>>> y = design.evaluate(lambda x: x[:, 0] + 2 * x[:, 1])  # x3 does nothing
>>> ind = sobol_indices(*design.split(y))
>>> np.round(ind.first, 1).tolist(), np.round(ind.total, 1).tolist()
([0.2, 0.8, 0.0], [0.2, 0.8, 0.0])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import qmc

__all__ = ["SaltelliDesign", "SobolIndices", "saltelli_design", "sobol_indices"]

Array = npt.NDArray[np.float64]
FirstOrder = Literal["saltelli", "jansen"]

# Bootstrap resamples are drawn in chunks so that (chunk × k × n × outputs) stays below this many
# numbers (about 256 MB of float64): per-unit outputs of a large run would not fit in one go.
_BOOT_CHUNK_ELEMENTS = 32_000_000


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not objects
class SaltelliDesign:
    """The sample matrices of a Saltelli design of ``n`` base points and ``k`` inputs in ``[0, 1)``.

    Attributes
    ----------
    a, b
        The two independent base samples, ``n × k`` each.
    """

    a: Array
    b: Array

    @property
    def n(self) -> int:
        return int(self.a.shape[0])

    @property
    def k(self) -> int:
        return int(self.a.shape[1])

    def ab(self, i: int) -> Array:
        """``A_B^i``: ``A`` with column ``i`` taken from ``B``."""
        out = self.a.copy()
        out[:, i] = self.b[:, i]
        return out

    def stacked(self) -> Array:
        """All ``n (k + 2)`` runs as rows, in COINr's order ``A, B, A_B^1, …, A_B^k``."""
        return np.vstack([self.a, self.b, *(self.ab(i) for i in range(self.k))])

    def split(self, y: npt.ArrayLike) -> tuple[Array, Array, Array]:
        """Outputs of the stacked runs (first axis ``n (k + 2)``) as ``(y_A, y_B, y_AB)``,
        ``y_AB`` with a leading axis of length ``k``."""
        values = np.asarray(y, dtype=np.float64)
        n, k = self.n, self.k
        if values.shape[0] != n * (k + 2):
            raise ValueError(f"expected {n * (k + 2)} outputs (n (k + 2)), got {values.shape[0]}")
        y_ab = values[2 * n :].reshape((k, n, *values.shape[1:]))
        return values[:n], values[n : 2 * n], y_ab

    def evaluate(self, model: Callable[[Array], npt.ArrayLike]) -> Array:
        """Run a vectorised model (rows of inputs → outputs) over every stacked run."""
        return np.asarray(model(self.stacked()), dtype=np.float64)


def saltelli_design(
    n: int, k: int, rng: np.random.Generator, *, sampling: Literal["random", "sobol"] = "random"
) -> SaltelliDesign:
    """Draw a Saltelli design of ``n`` base points for ``k`` inputs, uniform on ``[0, 1)``.

    ``sampling="random"`` draws independent uniforms as COINr does; ``"sobol"`` takes ``A`` and
    ``B`` from one scrambled Sobol' sequence in ``2k`` dimensions (lower-discrepancy, so the
    estimates converge faster), which needs ``n`` to be a power of two.

    >>> d = saltelli_design(8, 2, np.random.default_rng(0), sampling="sobol")
    >>> d.stacked().shape
    (32, 2)
    >>> bool(np.all(d.ab(1)[:, 0] == d.a[:, 0]) and np.all(d.ab(1)[:, 1] == d.b[:, 1]))
    True
    """
    if n < 2 or k < 1:
        raise ValueError(f"a Saltelli design needs n ≥ 2 and k ≥ 1 (got n={n}, k={k})")
    if sampling == "random":
        base = rng.random((n, 2 * k))
    elif sampling == "sobol":
        if n & (n - 1):
            raise ValueError(f"Sobol' sampling needs n to be a power of two (got {n})")
        base = qmc.Sobol(d=2 * k, scramble=True, seed=rng).random_base2(int(np.log2(n)))
    else:
        raise ValueError(f"unknown sampling {sampling!r} (random or sobol)")
    return SaltelliDesign(np.ascontiguousarray(base[:, :k]), np.ascontiguousarray(base[:, k:]))


@dataclass(frozen=True, eq=False)  # arrays inside: compare fields, not objects
class SobolIndices:
    """First-order and total indices of ``k`` inputs for every output.

    ``first`` and ``total`` have shape ``(k, *outputs)``; the intervals ``(2, k, *outputs)`` (low,
    high) at ``confidence`` from ``n_boot`` bootstrap resamples, or ``None`` without a bootstrap.
    ``variance`` is the output variance (``(*outputs)``); where it is 0 the output does not vary
    and its indices are NaN (undefined).
    """

    first: Array
    total: Array
    variance: Array
    first_interval: Array | None = None
    total_interval: Array | None = None
    confidence: float = 0.9
    n_boot: int = 0


def _estimate(y_a: Array, y_b: Array, y_ab: Array, first_order: FirstOrder) -> tuple[Array, Array, Array]:
    """Indices along the run axis (the last): ``y_a``, ``y_b`` are ``(…, n)``, ``y_ab`` is ``(k, …, n)``."""
    n = y_a.shape[-1]
    both = np.concatenate([y_a, y_b], axis=-1)
    variance = both.var(axis=-1, ddof=1)  # as R's var(), which COINr uses
    # Centring changes no expectation but cuts the spread of the Saltelli estimator a lot when
    # the outputs sit far from 0 (ranks, scores); SALib standardises for the same reason.
    centre = both.mean(axis=-1, keepdims=True)
    a = (y_a - centre)[np.newaxis]
    b = (y_b - centre)[np.newaxis]
    y_ab = y_ab - centre
    if first_order == "saltelli":
        numerator_1 = (b * (y_ab - a)).sum(axis=-1) / n
    else:
        numerator_1 = variance - ((b - y_ab) ** 2).sum(axis=-1) / (2 * n)
    numerator_t = ((a - y_ab) ** 2).sum(axis=-1) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(variance > 0, variance, np.nan)
        return numerator_1 / scale, numerator_t / scale, variance


def sobol_indices(
    y_a: npt.ArrayLike,
    y_b: npt.ArrayLike,
    y_ab: npt.ArrayLike,
    *,
    first_order: FirstOrder = "saltelli",
    n_boot: int = 0,
    confidence: float = 0.9,
    rng: np.random.Generator | None = None,
) -> SobolIndices:
    """Estimate first-order and total Sobol indices from the outputs of a Saltelli design.

    Parameters
    ----------
    y_a, y_b
        Outputs of the ``A`` and ``B`` runs, shape ``(n, *outputs)``.
    y_ab
        Outputs of the ``A_B^i`` runs, shape ``(k, n, *outputs)`` (see :meth:`SaltelliDesign.split`).
    first_order
        ``"saltelli"`` (Saltelli 2010, COINr's choice) or ``"jansen"``; the total index is Jansen's.
    n_boot
        Bootstrap resamples for the confidence intervals (0: none). Resamples draw ``n`` base
        rows with replacement, the same rows for ``A``, ``B`` and every ``A_B^i``.
    confidence
        Central coverage of the intervals: 0.9 gives the 5th and 95th percentiles, as COINr.
    rng
        Generator for the bootstrap; required when ``n_boot > 0``.

    >>> rng = np.random.default_rng(7)
    >>> d = saltelli_design(2048, 2, rng, sampling="sobol")
    >>> y = d.evaluate(lambda x: 3 * x[:, 1])
    >>> ind = sobol_indices(*d.split(y), n_boot=200, rng=rng)
    >>> np.round(ind.first, 2).tolist(), np.round(ind.total, 2).tolist()
    ([0.0, 1.0], [0.0, 1.0])
    >>> ind.first_interval is not None and bool(ind.first_interval[0, 1] <= 1 <= ind.first_interval[1, 1])
    True
    """
    a = np.asarray(y_a, dtype=np.float64)
    b = np.asarray(y_b, dtype=np.float64)
    ab = np.asarray(y_ab, dtype=np.float64)
    if a.shape != b.shape or ab.shape[1:] != a.shape:
        raise ValueError(f"shapes do not match: y_A {a.shape}, y_B {b.shape}, y_AB {ab.shape}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence}")
    # Work with the run axis last: outputs (…, n) and y_AB (k, …, n).
    a_t = np.moveaxis(a, 0, -1)
    b_t = np.moveaxis(b, 0, -1)
    ab_t = np.moveaxis(ab, 1, -1)
    first, total, variance = _estimate(a_t, b_t, ab_t, first_order)
    if n_boot <= 0:
        return SobolIndices(first, total, variance, confidence=confidence)
    if rng is None:
        raise ValueError("a bootstrap needs a seeded numpy Generator (rng)")
    n = a.shape[0]
    k = ab.shape[0]
    per_resample = max(1, (k + 2) * a.size)
    chunk = max(1, _BOOT_CHUNK_ELEMENTS // per_resample)
    boot_first: list[Array] = []
    boot_total: list[Array] = []
    done = 0
    while done < n_boot:
        size = min(chunk, n_boot - done)
        rows = rng.integers(0, n, size=(size, n))
        # Resamples become a batch axis: a_t[..., rows] is (…, size, n) → (size, …, n), and
        # y_AB keeps its input axis first: (k, size, …, n).
        a_r = np.moveaxis(a_t[..., rows], -2, 0)
        b_r = np.moveaxis(b_t[..., rows], -2, 0)
        ab_r = np.moveaxis(ab_t[..., rows], -2, 1)
        f, t, _ = _estimate(a_r, b_r, ab_r, first_order)
        boot_first.append(f)
        boot_total.append(t)
        done += size
    tail = (1 - confidence) / 2
    quantiles = [tail, 1 - tail]
    first_boot = np.concatenate(boot_first, axis=1)  # (k, n_boot, …)
    total_boot = np.concatenate(boot_total, axis=1)
    first_interval = np.quantile(first_boot, quantiles, axis=1)
    total_interval = np.quantile(total_boot, quantiles, axis=1)
    return SobolIndices(
        first,
        total,
        variance,
        np.asarray(first_interval, dtype=np.float64),
        np.asarray(total_interval, dtype=np.float64),
        confidence,
        n_boot,
    )
