"""The statistical audit of an index: indicator statistics, correlations, Cronbach's alpha, PCA, flags.

Follows COINr's analysis functions:

* statistics per column (``get_stats``): n, available count and share, min, max, mean, median,
  standard deviation (sample, ``n - 1``), skewness and kurtosis as COINr's ``skew``/``kurt``
  (the e1071 "type 2" estimators, i.e. Excel's ``SKEW``/``KURT``: sample skewness
  ``G1 = g1·√(n(n-1))/(n-2)``, excess kurtosis ``((n+1)(r-3)+6)(n-1)/((n-2)(n-3))`` with
  ``r = n·Σd⁴/(Σd²)²``; ``NaN`` below 3 and 4 values), non-zero, unique and most-repeated counts,
  and COINr's flags with its default thresholds (``t_avail`` 0.65, ``t_zero`` 0.5, ``t_unq``
  0.5, ``t_skew`` 2, ``t_kurt`` 3.5; like COINr the non-zero and unique flags divide by all
  rows, the ``frc_*`` shares by the available ones). *Deviation*: COINr rounds the table to 3
  significant figures by default; here the numbers are full precision.
* correlations (``get_corr``): Pearson and Spearman on pairwise-complete observations
  (``use = "pairwise.complete.obs"``; Spearman = Pearson on average ranks of the complete pairs),
  for every pair of nodes within and across levels, labelled by relation (sibling, parent,
  ancestor, same level, other), with the number of pairs and a two-sided p-value from the
  t distribution with ``n - 2`` degrees of freedom. *Deviation*: COINr blanks correlations with
  p > 0.05 by default; here every correlation is kept and the p-value reported (R's Spearman test
  uses an exact distribution for small samples, so p-values of Spearman correlations can differ
  slightly; the correlations themselves do not).
* Cronbach's alpha per aggregate on its children (``get_cronbach``): ``alpha = k²·c̄/Σ C`` with ``C``
  the pairwise-complete covariance matrix and ``c̄`` the mean of its off-diagonal entries.
* PCA per aggregate on its children (``get_PCA``): complete rows, centred and scaled; variance,
  share and cumulative share of every component, and the first component's loadings.
* flags: collinearity (siblings with ``|r| > collinear``, default 0.9 as ``get_corr_flags``),
  negative correlation between siblings (``r < negative``, default -0.4), and a weak correlation
  of a node with its parent (``|r| < weak``, default 0.2); Pearson unless ``flag_method`` says
  otherwise.

For a panel (a table with years) every part is computed per year, as COINr audits each coin of a
purse, and every row carries its year.

>>> import numpy as np
>>> x = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
>>> round(skew(x), 6), round(kurt(x), 6)
(1.697056, 3.152)
>>> pairwise_correlation(np.array([1.0, 2.0, 3.0, np.nan]), np.array([2.0, 4.0, 7.0, 1.0]))
(0.9933992677987828, 3)
>>> round(cronbach(np.array([[1.0, 2.0], [2.0, 3.0], [3.0, 5.0]])), 6)
0.947368
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

from lantu.core.index.model import Table, Tree
from lantu.core.index.steps import bad_option, choice_option, number_option

__all__ = ["Audit", "audit", "column_statistics", "cronbach", "kurt", "pairwise_correlation", "skew"]

Array = npt.NDArray[np.float64]
Row = dict[str, object]
CORRELATIONS: tuple[str, ...] = ("pearson", "spearman")


def skew(x: Array) -> float:
    """COINr's ``skew``: sample skewness (e1071 type 2); ``NaN`` with fewer than 3 values."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 3:
        return float("nan")
    d = v - v.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        g1 = np.sqrt(n) * np.sum(d**3) / np.sum(d**2) ** 1.5
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x: Array) -> float:
    """COINr's ``kurt``: sample excess kurtosis (e1071 type 2); ``NaN`` with fewer than 4 values."""
    v = x[~np.isnan(x)]
    n = v.size
    if n < 4:
        return float("nan")
    d = v - v.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        r = n * np.sum(d**4) / np.sum(d**2) ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def pairwise_correlation(x: Array, y: Array, method: str = "pearson") -> tuple[float, int]:
    """Correlation on the rows where both have a value, and how many rows that is.

    ``NaN`` when fewer than 2 rows remain or one side is constant on them (R gives ``NA``).
    Spearman: Pearson on the average ranks of those rows (R's ``cor(method = "spearman")``).
    """
    both = ~(np.isnan(x) | np.isnan(y))
    n = int(both.sum())
    if n < 2:
        return float("nan"), n
    a, b = x[both], y[both]
    if method == "spearman":
        a, b = sps.rankdata(a), sps.rankdata(b)
    da, db = a - a.mean(), b - b.mean()
    denominator = np.sqrt(np.sum(da**2) * np.sum(db**2))
    if not denominator > 0:
        return float("nan"), n
    return float(np.clip(np.sum(da * db) / denominator, -1.0, 1.0)), n


def _p_value(r: float, n: int) -> float:
    """Two-sided p-value of a correlation from the t distribution with n - 2 degrees of freedom."""
    if not np.isfinite(r) or n < 3:
        return float("nan")
    if abs(r) >= 1:
        return 0.0
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return float(2 * sps.t.sf(abs(t), n - 2))


def cronbach(x: Array) -> float:
    """Cronbach's alpha of the columns of ``x`` (COINr's ``get_cronbach``), pairwise-complete covariances.

    ``NaN`` with fewer than 2 columns.
    """
    k = x.shape[1]
    if k < 2:
        return float("nan")
    cov = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            both = ~(np.isnan(x[:, i]) | np.isnan(x[:, j]))
            if both.sum() >= 2:
                a, b = x[both, i], x[both, j]
                cov[i, j] = cov[j, i] = float(np.sum((a - a.mean()) * (b - b.mean())) / (both.sum() - 1))
    total = float(np.nansum(cov))
    off = (total - float(np.nansum(np.diag(cov)))) / (k * (k - 1))
    if total == 0:
        return float("nan")
    return float(k * k * off / total)


def column_statistics(
    x: Array,
    *,
    t_skew: float = 2.0,
    t_kurt: float = 3.5,
    t_avail: float = 0.65,
    t_zero: float = 0.5,
    t_unq: float = 0.5,
) -> Row:
    """COINr's ``get_stats`` row for one column (full precision, flags ``ok``/``LOW``/``OUT``).

    >>> s = column_statistics(np.array([0.0, 1.0, 1.0, np.nan]))
    >>> s["n_avail"], s["frc_avail"], round(s["sd"], 5), s["n_same"], s["flag_avail"]
    (3, 0.75, 0.57735, 2, 'ok')
    """
    n = x.size
    v = x[~np.isnan(x)]
    n_avail = int(v.size)
    unique, counts = np.unique(v, return_counts=True)
    n_nonzero = int(np.count_nonzero(v))
    n_unique = int(unique.size)
    n_same = int(counts.max()) if counts.size else 0
    sk, kt = skew(x), kurt(x)
    nan = float("nan")

    def share(count: int, of: int) -> float:
        return count / of if of else nan

    return {
        "n": n,
        "n_avail": n_avail,
        "frc_avail": share(n_avail, n),
        "min": float(v.min()) if n_avail else nan,
        "max": float(v.max()) if n_avail else nan,
        "mean": float(v.mean()) if n_avail else nan,
        "median": float(np.median(v)) if n_avail else nan,
        "sd": float(v.std(ddof=1)) if n_avail > 1 else nan,
        "skew": sk,
        "kurt": kt,
        "n_nonzero": n_nonzero,
        "n_unique": n_unique,
        "n_same": n_same,
        "frc_nonzero": share(n_nonzero, n_avail),
        "frc_unique": share(n_unique, n_avail),
        "frc_same": share(n_same, n_avail),
        "flag_avail": "ok" if share(n_avail, n) >= t_avail else "LOW",
        "flag_nonzero": "ok" if share(n_nonzero, n) >= t_zero else "LOW",
        "flag_unique": "ok" if share(n_unique, n) >= t_unq else "LOW",
        "flag_skewkurt": "OUT" if abs(sk) > t_skew and kt > t_kurt else "ok",
    }


@dataclass(frozen=True)
class Audit:
    """The audit tables, one list of rows (dicts with the same keys) per table.

    Attributes
    ----------
    statistics
        One row per stage and column (see :func:`column_statistics`), with ``stage``, ``code``, ``level``.
    correlations
        One row per correlation method and pair of nodes: ``method``, ``code_a``, ``level_a``,
        ``code_b``, ``level_b`` (``level_a <= level_b``), ``relation``, ``r``, ``p``, ``n``.
    cronbach
        One row per aggregate: ``code``, ``level``, ``k`` (children), ``alpha``.
    pca
        One row per aggregate and component: ``code``, ``level``, ``component``, ``variance``,
        ``share``, ``cumulative``, ``n`` (complete rows), ``note`` (why it could not be done).
    pca_loadings
        First-component loadings per aggregate and child (oriented to sum positive).
    flags
        ``kind`` (``collinear``, ``negative``, ``weak``), ``parent``, ``code_a``, ``code_b``,
        ``r``, ``threshold`` and the message in Chinese and English.
    """

    statistics: list[Row] = field(default_factory=list)
    correlations: list[Row] = field(default_factory=list)
    cronbach: list[Row] = field(default_factory=list)
    pca: list[Row] = field(default_factory=list)
    pca_loadings: list[Row] = field(default_factory=list)
    flags: list[Row] = field(default_factory=list)

    def tables(self) -> dict[str, list[dict[str, object]]]:
        """Every table by name, ready to be written as one CSV each."""
        return {
            "statistics": self.statistics,
            "correlations": self.correlations,
            "cronbach": self.cronbach,
            "pca": self.pca,
            "pca_loadings": self.pca_loadings,
            "flags": self.flags,
        }


def _relation(tree: Tree, a: str, b: str) -> str:
    na, nb = tree.nodes[a], tree.nodes[b]
    if na.parent is not None and na.parent == nb.parent:
        return "sibling"
    if na.parent == b or nb.parent == a:
        return "parent"
    for low, high in ((a, b), (b, a)):
        current = tree.nodes[low].parent
        while current is not None:
            if current == high:
                return "ancestor"
            current = tree.nodes[current].parent
    return "same_level" if na.level == nb.level else "other"


def audit(
    tree: Tree,
    normalised: Table,
    aggregated: Table,
    *,
    stages: Mapping[str, Table] | None = None,
    **options: object,
) -> Audit:
    """Audit a build: statistics of each stage, and correlations, alpha, PCA and flags of the scores.

    ``normalised`` holds the normalised indicators and ``aggregated`` the aggregates (same rows);
    ``stages`` maps stage names to tables for the statistics (default: these two). Options:
    ``correlation`` (list of methods, default both), ``flag_method`` (default ``pearson``),
    ``collinear`` (0.9), ``negative`` (-0.4), ``weak`` (0.2), and the statistics thresholds
    ``t_skew``, ``t_kurt``, ``t_avail``, ``t_zero``, ``t_unq``.

    >>> from lantu.core.index.model import Node
    >>> tree = Tree.build([Node("I", "指数", None, 1, 1, 2), Node("a", "a", "I", 1, 1, 1),
    ...                    Node("b", "b", "I", 1, 1, 1)])
    >>> norm = Table(("甲", "乙", "丙"), ("a", "b"), np.array([[0.0, 0.1], [0.5, 0.5], [1.0, 0.9]]))
    >>> agg = Table(norm.units, ("I",), norm.values.mean(axis=1, keepdims=True))
    >>> result = audit(tree, norm, agg)
    >>> [(f["kind"], f["code_a"], f["code_b"]) for f in result.flags]
    [('collinear', 'a', 'b')]
    >>> sorted(result.tables())
    ['correlations', 'cronbach', 'flags', 'pca', 'pca_loadings', 'statistics']
    """
    allowed = {"correlation", "flag_method", "collinear", "negative", "weak", "t_skew", "t_kurt", "t_avail"}
    allowed |= {"t_zero", "t_unq"}
    for option in options:
        if option not in allowed:
            raise bad_option("audit", option, f"unknown option (known: {', '.join(sorted(allowed))})")
    methods_opt = options.get("correlation", CORRELATIONS)
    methods = [methods_opt] if isinstance(methods_opt, str) else list(methods_opt)  # type: ignore[call-overload]
    for m in methods:
        if m not in CORRELATIONS:
            raise bad_option("audit", "correlation", f"must be among {', '.join(CORRELATIONS)}, not {m!r}")
    flag_method = choice_option("audit", options, "flag_method", "pearson", CORRELATIONS)
    thresholds = {name: number_option("audit", options, name, default) for name, default in _DEFAULTS.items()}
    if normalised.units != aggregated.units:
        raise ValueError("normalised and aggregated tables must have the same rows")
    if stages is None:
        stages = {"normalised": normalised, "aggregated": aggregated}
    result = Audit()
    blocks: list[tuple[int | None, npt.NDArray[np.bool_]]]
    if normalised.years is None:
        blocks = [(None, np.ones(len(normalised.units), dtype=bool))]
    else:
        years = np.asarray(normalised.years)
        blocks = [(int(y), years == y) for y in sorted(set(normalised.years))]
    for year, mask in blocks:
        extra: Row = {} if year is None else {"year": year}
        for stage, table in stages.items():
            t = table if year is None or table.years is None else table.rows(np.asarray(table.years) == year)
            for j, code in enumerate(t.codes):
                level = tree.nodes[code].level if code in tree.nodes else None
                stat = column_statistics(t.values[:, j], **_stat_thresholds(thresholds))
                result.statistics.append({**extra, "stage": stage, "code": code, "level": level, **stat})
        values = {c: normalised.column(c)[mask] for c in tree.indicators}
        values.update({c: aggregated.column(c)[mask] for c in tree.aggregates})
        _scores_audit(tree, values, methods, flag_method, thresholds, extra, result)
    return result


_DEFAULTS = {"collinear": 0.9, "negative": -0.4, "weak": 0.2, "t_skew": 2.0, "t_kurt": 3.5}
_DEFAULTS |= {"t_avail": 0.65, "t_zero": 0.5, "t_unq": 0.5}


def _stat_thresholds(thresholds: Mapping[str, float]) -> dict[str, float]:
    return {k: v for k, v in thresholds.items() if k.startswith("t_")}


def _scores_audit(
    tree: Tree,
    values: Mapping[str, Array],
    methods: Sequence[str],
    flag_method: str,
    thresholds: Mapping[str, float],
    extra: Row,
    result: Audit,
) -> None:
    nodes = sorted(tree.order, key=lambda c: (tree.nodes[c].level, tree.order.index(c)))
    corr: dict[tuple[str, str, str], float] = {}
    for method in dict.fromkeys([*methods, flag_method]):
        for i, a in enumerate(nodes):
            for b in nodes[i + 1 :]:
                r, n = pairwise_correlation(values[a], values[b], method)
                corr[(method, a, b)] = corr[(method, b, a)] = r
                if method in methods:
                    result.correlations.append(
                        {
                            **extra,
                            "method": method,
                            "code_a": a,
                            "level_a": tree.nodes[a].level,
                            "code_b": b,
                            "level_b": tree.nodes[b].level,
                            "relation": _relation(tree, a, b),
                            "r": r,
                            "p": _p_value(r, n),
                            "n": n,
                        }
                    )
    for agg in tree.aggregates:
        kids = tree.children(agg)
        x = np.column_stack([values[c] for c in kids])
        level = tree.nodes[agg].level
        result.cronbach.append({**extra, "code": agg, "level": level, "k": len(kids), "alpha": cronbach(x)})
        _pca_rows(agg, level, kids, x, extra, result)
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                r = corr[(flag_method, a, b)]
                if abs(r) > thresholds["collinear"]:
                    result.flags.append(_flag("collinear", agg, a, b, r, thresholds["collinear"], extra))
                if r < thresholds["negative"]:
                    result.flags.append(_flag("negative", agg, a, b, r, thresholds["negative"], extra))
        for c in kids:
            r = corr[(flag_method, c, agg)]
            if abs(r) < thresholds["weak"]:
                result.flags.append(_flag("weak", agg, c, agg, r, thresholds["weak"], extra))


def _pca_rows(agg: str, level: int, kids: Sequence[str], x: Array, extra: Row, result: Audit) -> None:
    complete = x[~np.isnan(x).any(axis=1)]
    note = ""
    if len(kids) < 2:
        note = "只有一个下级 / a single child"
    elif complete.shape[0] < 2:
        note = "同时有数据的单位不足2个 / fewer than 2 complete units"
    elif not (complete.std(axis=0, ddof=1) > 0).all():
        note = "有下级取值相同 / a child is constant"
    if note:
        result.pca.append(
            {
                **extra,
                "code": agg,
                "level": level,
                "component": None,
                "variance": None,
                "share": None,
                "cumulative": None,
                "n": int(complete.shape[0]),
                "note": note,
            }
        )
        return
    z = (complete - complete.mean(axis=0)) / complete.std(axis=0, ddof=1)
    _, s, vt = np.linalg.svd(z, full_matrices=False)
    variance = s**2 / (complete.shape[0] - 1)
    share = variance / variance.sum()
    cumulative = np.cumsum(share)
    for i in range(variance.size):
        result.pca.append(
            {
                **extra,
                "code": agg,
                "level": level,
                "component": i + 1,
                "variance": float(variance[i]),
                "share": float(share[i]),
                "cumulative": float(cumulative[i]),
                "n": int(complete.shape[0]),
                "note": "",
            }
        )
    loadings = vt[0] if vt[0].sum() >= 0 else -vt[0]
    for code, loading in zip(kids, loadings, strict=True):
        result.pca_loadings.append({**extra, "code": agg, "child": code, "loading": float(loading)})


_FLAG_TEXT = {
    "collinear": ("“{a}”与“{b}”（同属“{p}”）高度相关（r = {r:.3f}，|r| > {t:g}），可能重复计算", "{a} and {b} (both under {p}) are highly correlated (r = {r:.3f}, |r| > {t:g}): possible double counting"),
    "negative": ("“{a}”与“{b}”（同属“{p}”）负相关（r = {r:.3f} < {t:g}），聚合时会相互抵消", "{a} and {b} (both under {p}) are negatively correlated (r = {r:.3f} < {t:g}): they cancel out when aggregated"),
    "weak": ("“{a}”与其上级“{p}”相关很弱（r = {r:.3f}，|r| < {t:g}），对上级影响小", "{a} is weakly correlated with its parent {p} (r = {r:.3f}, |r| < {t:g}): it has little influence on it"),
}  # fmt: skip


def _flag(kind: str, parent: str, a: str, b: str, r: float, threshold: float, extra: Row) -> Row:
    zh, en = _FLAG_TEXT[kind]
    words = {"a": a, "b": b, "p": parent, "r": r, "t": threshold}
    return {
        **extra,
        "kind": kind,
        "parent": parent,
        "code_a": a,
        "code_b": b,
        "r": r,
        "threshold": threshold,
        "message_zh": zh.format(**words),
        "message_en": en.format(**words),
    }
