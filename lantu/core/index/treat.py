"""Outlier treatment: COINr's default ``Treat()`` procedure, indicator by indicator.

1. **Test** (COINr ``check_SkewKurt``): an indicator passes when ``|skew| < skew`` **or**
   ``kurtosis < kurtosis`` (defaults 2 and 3.5). Skewness and kurtosis are the sample estimators
   of e1071 ``type = 2`` (Excel's SKEW and KURT; kurtosis is the excess over 3), computed on the
   present values::

       d = x - mean(x);  m2 = Σd², m3 = Σd³, m4 = Σd⁴
       skew = √n · m3 / m2^1.5 · √(n(n-1)) / (n-2)
       kurt = ((n+1)(n·m4/m2² - 3) + 6) · (n-1) / ((n-2)(n-3))

2. **Winsorise** (COINr ``winsorise``) while the test fails and fewer than ``max_points`` points
   (COINr ``winmax``, default 5) have been changed: if the skew is ≥ 0 every value equal to the
   maximum is set to the next lower value, otherwise every value equal to the minimum is set to
   the next higher value; then test again. As in COINr the count of changed points is the number
   of values sitting at the replaced extreme on the last high-side step plus on the last low-side
   step (tied extremes count together, so a step can overshoot ``max_points``).
3. **Fallback** if the winsorised indicator still fails: the transformation ``fallback`` is
   applied to the *original* values (COINr's ``combine_treat = FALSE``; set ``combine: true`` to
   transform the winsorised values instead) and the winsorisation is discarded. Fallbacks:
   ``log_ct`` (default, COINr ``log_CT``: ``ln(x - min + 0.01(max - min))``), ``log_ct_plus``
   (COINr ``log_CT_plus``: the same when skew > 0, else ``-ln(max + 0.01(max - min) - x)``),
   ``log_ct_orig`` (``ln(x - min + 1)``), ``boxcox`` (``x - min + 1`` then Box-Cox with
   ``boxcox_lambda``), ``none`` (keep the winsorised values).

Options: ``method`` (``winsorise`` | ``none``), ``skew``, ``kurtosis``, ``max_points`` (``null``
for no limit), ``fallback``, ``boxcox_lambda``, ``combine``, ``force`` (COINr ``force_win``:
winsorise up to ``max_points`` even when the test passes) and ``indicators``
(``{code: {…}}`` or ``{code: none}``, COINr's ``indiv_specs``). In a panel each year is treated on
its own (COINr's ``Treat.purse`` treats each coin). An indicator with fewer than 4 values, or
whose skewness cannot be computed (all values equal), is left untreated with a note, as COINr's
``Treat()`` catches that error and returns it untreated. Every change is listed in the notes.

>>> import numpy as np
>>> x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100], dtype=float)
>>> round(skewness(x), 6), round(kurtosis(x), 6)
(3.063241, 9.741391)
>>> treated = treat_column(x, TreatSpec())
>>> treated.values.tolist()[-2:], treated.winsorised_high, round(treated.skew_after, 6)
([30.0, 30.0], 1, 1.712038)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lantu.core.index.model import Array, IndexInputError, Table, Tree
from lantu.core.index.steps import (
    StepResult,
    bad_option,
    bool_option,
    check_options,
    choice_option,
    number_option,
    year_blocks,
)

__all__ = ["OPTIONS", "TreatSpec", "Treated", "kurtosis", "skewness", "treat", "treat_column"]

STEP = "treat"
_SPEC_OPTIONS = ("method", "skew", "kurtosis", "max_points", "fallback", "boxcox_lambda", "combine", "force")
OPTIONS = (*_SPEC_OPTIONS, "indicators")
FALLBACKS = ("log_ct", "log_ct_plus", "log_ct_orig", "boxcox", "none")


def skewness(x: Array) -> float:
    """Sample skewness, e1071 type 2 (Excel SKEW), of the non-NaN values (NaN if < 3 or constant)."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 3:
        return float("nan")
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0:
        return float("nan")
    g = np.sqrt(n) * float(np.sum(d**3)) / m2**1.5
    return float(g * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: Array) -> float:
    """Sample excess kurtosis, e1071 type 2 (Excel KURT), of the non-NaN values (NaN if < 4 or constant)."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 4:
        return float("nan")
    d = v - v.mean()
    m2 = float(np.sum(d**2))
    if m2 == 0:
        return float("nan")
    r = n * float(np.sum(d**4)) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


@dataclass(frozen=True)
class TreatSpec:
    """The treatment of one indicator (defaults: COINr's ``Treat()`` defaults)."""

    method: str = "winsorise"
    skew: float = 2.0
    kurtosis: float = 3.5
    max_points: int | None = 5
    fallback: str = "log_ct"
    boxcox_lambda: float | None = None
    combine: bool = False
    force: bool = False


@dataclass(frozen=True)
class Treated:
    """What happened to one indicator."""

    values: Array
    winsorised_high: int = 0
    winsorised_low: int = 0
    transform: str | None = None
    skipped: str | None = None  # why it was left untreated
    skew_before: float = float("nan")
    kurt_before: float = float("nan")
    skew_after: float = float("nan")
    kurt_after: float = float("nan")
    passes: bool | None = None


def _passes(x: Array, spec: TreatSpec) -> bool | None:
    """COINr's ``check_SkewKurt``; ``None`` when skew or kurtosis cannot be computed."""
    sk, kt = skewness(x), kurtosis(x)
    if np.isnan(sk) or np.isnan(kt):
        return None
    return bool(abs(sk) < spec.skew or kt < spec.kurtosis)


def _winsorise(x: Array, spec: TreatSpec) -> tuple[Array, int, int] | None:
    """COINr's ``winsorise``; ``None`` when the test becomes undefined on the way (COINr errors)."""
    x = x.copy()
    passing = _passes(x, spec)
    if passing is None:
        return None
    high: Array = np.empty(0)
    low: Array = np.empty(0)
    count = 0
    if passing and not spec.force:
        return x, 0, 0
    while (not passing or spec.force) and (spec.max_points is None or count < spec.max_points):
        present = ~np.isnan(x)
        if skewness(x) >= 0:
            top = np.max(x[present])
            at = present & (x == top)
            rest = x[present & ~at]
            if rest.size == 0:
                return None
            high = np.flatnonzero(at).astype(np.float64)
            x[at] = np.max(rest)
        else:
            bottom = np.min(x[present])
            at = present & (x == bottom)
            rest = x[present & ~at]
            if rest.size == 0:
                return None
            low = np.flatnonzero(at).astype(np.float64)
            x[at] = np.min(rest)
        count = high.size + low.size
        result = _passes(x, spec)
        if result is None:
            return None
        passing = result
    return x, high.size, low.size


def _transform(x: Array, spec: TreatSpec) -> tuple[Array, str]:
    present = x[~np.isnan(x)]
    lo, hi = float(np.min(present)), float(np.max(present))
    a = 0.01 * (hi - lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        if spec.fallback == "log_ct":
            return np.log(x - lo + a), "log_CT"
        if spec.fallback == "log_ct_plus":
            if skewness(x) > 0:
                return np.log(x - lo + a), "log_CT"
            return -np.log(hi + a - x), "log_CT_neg"
        if spec.fallback == "log_ct_orig":
            return np.log(x - lo + 1), "log_CT_orig"
        # boxcox: COINr's makepos shift, then Box-Cox with the given lambda
        assert spec.boxcox_lambda is not None
        shifted = x - lo + 1
        lam = spec.boxcox_lambda
        return (np.log(shifted) if lam == 0 else (shifted**lam - 1) / lam), f"Box-Cox(λ={lam:g})"


def treat_column(x: Array, spec: TreatSpec) -> Treated:
    """Treat one indicator (NaN = missing) following COINr's ``Treat.numeric``; see the module doc."""
    x = np.asarray(x, dtype=np.float64)
    skew0, kurt0 = skewness(x), kurtosis(x)
    if spec.method == "none":
        return Treated(x.copy(), skipped="none")
    if int((~np.isnan(x)).sum()) < 4:
        return Treated(x.copy(), skipped="too_few")
    passing = _passes(x, spec)
    if passing is None:
        return Treated(x.copy(), skipped="undefined")
    if passing and not spec.force:
        return Treated(x.copy(), passes=True, skew_after=skew0, kurt_after=kurt0, skew_before=skew0, kurt_before=kurt0)
    wins = _winsorise(x, spec)
    if wins is None:
        return Treated(x.copy(), skipped="undefined", skew_before=skew0, kurt_before=kurt0)
    winsorised, n_high, n_low = wins
    passing = _passes(winsorised, spec)
    if passing is None:
        return Treated(x.copy(), skipped="undefined", skew_before=skew0, kurt_before=kurt0)
    if passing or spec.fallback == "none":
        return Treated(
            winsorised,
            n_high,
            n_low,
            passes=passing,
            skew_after=skewness(winsorised),
            kurt_after=kurtosis(winsorised),
            skew_before=skew0,
            kurt_before=kurt0,
        )
    source = winsorised if spec.combine else x
    transformed, name = _transform(source, spec)
    final = _passes(transformed, spec)
    if final is None or not np.isfinite(transformed[~np.isnan(transformed)]).all():
        # COINr returns the untreated vector when the check after the transform is undefined.
        return Treated(x.copy(), skipped="undefined", skew_before=skew0, kurt_before=kurt0)
    kept_high, kept_low = (n_high, n_low) if spec.combine else (0, 0)
    return Treated(
        transformed,
        kept_high,
        kept_low,
        transform=name,
        passes=final,
        skew_after=skewness(transformed),
        kurt_after=kurtosis(transformed),
        skew_before=skew0,
        kurt_before=kurt0,
    )


def _spec(options: Mapping[str, Any], base: TreatSpec) -> TreatSpec:
    spec = replace(
        base,
        method=choice_option(STEP, options, "method", base.method, ("winsorise", "none")),
        skew=number_option(STEP, options, "skew", base.skew),
        kurtosis=number_option(STEP, options, "kurtosis", base.kurtosis),
        fallback=choice_option(STEP, options, "fallback", base.fallback, FALLBACKS),
        combine=bool_option(STEP, options, "combine", base.combine),
        force=bool_option(STEP, options, "force", base.force),
    )
    if "max_points" in options:
        points = options["max_points"]
        if points is not None and (isinstance(points, bool) or not isinstance(points, int) or points < 0):
            raise bad_option(STEP, "max_points", "must be a whole number ≥ 0 or null")
        spec = replace(spec, max_points=points)
    if spec.skew <= 0:
        raise bad_option(STEP, "skew", "must be positive")
    if "boxcox_lambda" in options:
        spec = replace(spec, boxcox_lambda=number_option(STEP, options, "boxcox_lambda", 1.0))
    if spec.fallback == "boxcox" and spec.boxcox_lambda is None:
        raise bad_option(STEP, "boxcox_lambda", "boxcox needs boxcox_lambda")
    if spec.force and spec.max_points is None:
        raise bad_option(STEP, "max_points", "force needs a limit")
    return spec


def treat(table: Table, tree: Tree, **options: Any) -> StepResult:
    """Treat outliers in every indicator of ``table``; see the module doc."""
    check_options(STEP, options, OPTIONS)
    general = _spec({k: v for k, v in options.items() if k != "indicators"}, TreatSpec())
    exceptions = options.get("indicators") or {}
    if not isinstance(exceptions, Mapping):
        raise bad_option(STEP, "indicators", "must map indicator codes to options")
    specs: dict[str, TreatSpec] = {}
    for code in tree.indicators:
        spec = exceptions.get(code)
        if spec is None:
            specs[code] = general
        elif spec == "none":
            specs[code] = replace(general, method="none")
        elif isinstance(spec, Mapping):
            check_options(STEP, spec, _SPEC_OPTIONS)
            specs[code] = _spec(spec, general)
        else:
            raise bad_option(STEP, "indicators", f"{code}: options or none")
    for code in exceptions:
        if code not in tree.indicators:
            raise IndexInputError("unknown_code", {"code": code})

    data = table.select(tree.indicators)
    x = data.values.copy()
    notes: list[str] = []
    blocks = year_blocks(table)
    for j, code in enumerate(tree.indicators):
        for block in blocks:
            result = treat_column(x[block, j], specs[code])
            x[block, j] = result.values
            note = _note(code, result, None if table.years is None else table.years[block[0]])
            if note:
                notes.append(note)
    if not notes:
        notes.append(f"所有指标均通过偏度/峰度检验（|偏度|<{general.skew:g}或峰度<{general.kurtosis:g}），未处理")
    return StepResult(data.with_values(x), notes)


def _note(code: str, r: Treated, year: int | None) -> str | None:
    where = f"指标“{code}”" + (f"（{year}年）" if year is not None else "")
    if r.skipped == "too_few":
        return f"{where}有效值少于4个，无法检验偏度/峰度，未处理"
    if r.skipped == "undefined":
        return f"{where}的偏度/峰度无法计算（取值相同，或缩尾后全部相同），未处理"
    if r.skipped is not None or (r.passes and not r.winsorised_high and not r.winsorised_low and not r.transform):
        return None
    stats = f"偏度{r.skew_before:.3f}→{r.skew_after:.3f}，峰度{r.kurt_before:.3f}→{r.kurt_after:.3f}"
    parts = []
    if r.winsorised_high:
        parts.append(f"高端缩尾{r.winsorised_high}个值")
    if r.winsorised_low:
        parts.append(f"低端缩尾{r.winsorised_low}个值")
    if r.transform:
        parts.append(f"缩尾后仍未达标，改用{r.transform}变换")
    if not r.passes:
        parts.append("处理后仍未通过检验")
    return f"{where}：" + "，".join(parts) + f"（{stats}）"
