"""``lantu index build`` and ``lantu index audit``: the composite-index engine from the command line.

``lantu index build --data DATA.csv --meta META.csv --method METHOD.yaml --out DIR`` writes to DIR:
``raw.csv``, ``denominated.csv``, ``screened.csv`` (when the method screens), ``imputed.csv``,
``treated.csv``, ``normalised.csv``, ``aggregated.csv`` (the scores of every aggregate),
``ranks.csv`` (ranks of every indicator and aggregate, 1 = best), ``weights.csv``, ``notes.txt``,
``method.yaml`` (the method as used, its SHA-256 in a header comment) and the audit tables
``audit_*.csv``. ``lantu index audit`` builds the same way and prints the audit (flags, Cronbach's
alpha, PCA), writing the tables with ``--out``.

The engine itself (``lantu.core.index``) needs no Django; this module only reads files, calls it
and prints. Bad input is reported as the engine's error (Chinese, then English), exit code 2.
"""

from __future__ import annotations

import argparse
import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from lantu.core.index import audit as audit_module
from lantu.core.index.io import format_number, read_data, read_meta, table_csv
from lantu.core.index.method import read_method
from lantu.core.index.model import IndexInputError
from lantu.core.index.pipeline import Build, build

__all__ = ["register"]

console = Console()


def register(sub: Any) -> None:
    """Add ``lantu index build``, ``audit`` and ``robustness`` to the ``lantu`` parser."""
    p_index = sub.add_parser("index", help="composite index: build scores and ranks, audit them")
    index_sub = p_index.add_subparsers(dest="index_command", required=True)
    p_build = index_sub.add_parser("build", help="run a method on DATA and META, write every stage as CSV")
    _inputs(p_build)
    p_build.add_argument("--out", required=True, type=Path, help="output directory (created if needed)")
    p_build.add_argument("--no-audit", action="store_true", help="skip the statistical audit files")
    p_build.add_argument("--top", type=int, default=10, help="units shown in the summary (default 10)")
    p_build.set_defaults(func=cmd_build)
    p_audit = index_sub.add_parser("audit", help="build, then print the statistical audit")
    _inputs(p_audit)
    p_audit.add_argument("--out", type=Path, help="also write the audit tables as CSV here")
    p_audit.set_defaults(func=cmd_audit)
    p_rob = index_sub.add_parser(
        "robustness", help="Monte Carlo over weights, methods and dropped indicators: rank intervals, Sobol indices"
    )
    _inputs(p_rob)
    p_rob.add_argument("--out", required=True, type=Path, help="output directory (created if needed)")
    p_rob.add_argument("--runs", type=int, default=1000, help="UA: runs; SA: base sample (runs = n·(k+2))")
    p_rob.add_argument("--seed", type=int, default=1, help="seed of every random draw (same seed, same result)")
    p_rob.add_argument("--noise", type=float, default=0.25, help="weight noise, a fraction (0 = none)")
    p_rob.add_argument("--noise-level", type=int, help="perturb only the weights at this level (1 = indicators)")
    p_rob.add_argument(
        "--aggregate", help="alternative aggregation methods, comma-separated (e.g. arithmetic,geometric)"
    )
    p_rob.add_argument("--normalise", help="alternative normalisation methods, comma-separated (e.g. minmax,zscore)")
    p_rob.add_argument("--drop", help="indicators or pillars that may be left out, comma-separated")
    p_rob.add_argument("--sobol", action="store_true", help="sensitivity analysis: Sobol indices (SA) as well")
    p_rob.add_argument("--top", type=int, default=10, help="units shown (widest intervals first, default 10)")
    p_rob.set_defaults(func=cmd_robustness)


def _inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, type=Path, help="DATA.csv: one row per unit (and year)")
    parser.add_argument("--meta", required=True, type=Path, help="META.csv: the indicator tree")
    parser.add_argument("--method", type=Path, help="METHOD.yaml (default: min-max, META weights, mean)")


def _run(args: argparse.Namespace) -> Build:
    tree = read_meta(args.meta)
    table = read_data(args.data, tree)
    method = read_method(args.method) if args.method else None
    return build(table, tree, method)


def _refused(exc: IndexInputError) -> int:
    console.print(f"[red]错误:[/] {exc.message_zh}")
    console.print(f"[red]error:[/] {exc.message_en}")
    return 2


def cmd_build(args: argparse.Namespace) -> int:
    try:
        result = _run(args)
        audit = (
            None
            if args.no_audit
            else audit_module.audit(result.tree, result.normalised, result.aggregated, stages=result.stages)
        )
    except IndexInputError as exc:
        return _refused(exc)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = write_build(result, out)
    if audit is not None:
        written += write_audit(audit, out)
    _summary(result, args.top)
    console.print(f"已写出 (written) {len(written)} 个文件到 {out}: " + ", ".join(p.name for p in written))
    return 0


def _factors(args: argparse.Namespace) -> list[Any]:
    from lantu.core.index.robustness import Choice, Drop, WeightNoise

    def listed(text: str | None) -> tuple[str, ...]:
        return tuple(part.strip() for part in (text or "").split(",") if part.strip())

    factors: list[Any] = []
    if args.noise:
        factors.append(WeightNoise(level=args.noise_level, fraction=args.noise))
    if listed(args.aggregate):
        factors.append(Choice("aggregate", "method", listed(args.aggregate)))
    if listed(args.normalise):
        factors.append(Choice("normalise", "method", listed(args.normalise)))
    if listed(args.drop):
        factors.append(Drop(listed(args.drop)))
    return factors


def cmd_robustness(args: argparse.Namespace) -> int:
    """Write rank_intervals.csv (and sobol.csv with --sobol) and print the widest intervals."""
    from lantu.core.index import robustness

    factors = _factors(args)
    if not factors:
        console.print("[red]错误:[/] 没有不确定因素：请给出 --noise、--aggregate、--normalise 或 --drop")
        console.print("[red]error:[/] no uncertain input: give --noise, --aggregate, --normalise or --drop")
        return 2
    try:
        tree = read_meta(args.meta)
        table = read_data(args.data, tree)
        method = read_method(args.method) if args.method else None
        result = robustness.run(
            table, tree, method, factors, args.runs, args.seed, analysis="SA" if args.sobol else "UA"
        )
    except IndexInputError as exc:
        return _refused(exc)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rows = [
        [
            c.unit,
            format_number(c.nominal),
            format_number(c.median),
            format_number(c.low),
            format_number(c.high),
            format_number(c.mean_abs_shift),
            format_number(c.unchanged),
            format_number(c.within_3),
        ]
        for c in result.rank_changes()
    ]
    header = ["unit", "nominal_rank", "median_rank", "rank_p05", "rank_p95", "mean_abs_shift", "unchanged", "within_3"]
    written = [_write(out / "rank_intervals.csv", _csv(header, rows))]
    s = result.sensitivity
    if s is not None:
        sobol_rows = []
        for i, label in enumerate(result.factors):
            low_high = []
            for interval in (s.first_interval, s.total_interval):
                low_high += (
                    [format_number(float(interval[0, i])), format_number(float(interval[1, i]))]
                    if interval is not None
                    else ["", ""]
                )
            sobol_rows.append(
                [
                    label,
                    format_number(float(s.first[i])),
                    low_high[0],
                    low_high[1],
                    format_number(float(s.total[i])),
                    low_high[2],
                    low_high[3],
                ]
            )
        sobol_header = ["factor", "first_order", "first_low", "first_high", "total", "total_low", "total_high"]
        written.append(_write(out / "sobol.csv", _csv(sobol_header, sobol_rows)))
    widest = RichTable("单位 unit", "名义排名 nominal", "中位排名 median", "5%–95% 区间 interval")
    for c in sorted(result.rank_changes(), key=lambda c: -(c.high - c.low) if c.high == c.high else 0)[
        : args.top if hasattr(args, "top") else 10
    ]:
        widest.add_row(
            c.unit, format_number(c.nominal), format_number(c.median), f"{format_number(c.low)}–{format_number(c.high)}"
        )
    console.print(widest)
    console.print(
        f"{result.n_runs} 次运行 (runs), {result.rebuilds} 次完整构建 (full builds); 已写出 (written): "
        + ", ".join(p.name for p in written)
    )
    return 0


def write_build(result: Build, out: Path) -> list[Path]:
    """Write every stage, ranks, weights, notes and the method of ``result`` into ``out``."""
    written: list[Path] = []
    for name, stage in result.stages.items():
        written.append(_write(out / f"{name}.csv", table_csv(stage)))
    written.append(_write(out / "ranks.csv", table_csv(result.ranks)))
    effective = _effective(result)
    buffer: list[list[str]] = []
    for code in result.tree.order:
        node = result.tree.nodes[code]
        buffer.append(
            [
                code,
                node.name,
                str(node.level),
                node.parent or "",
                format_number(result.weights.get(code, math.nan)),
                format_number(effective.get(code, math.nan)),
            ]
        )
    written.append(
        _write(out / "weights.csv", _csv(["code", "name", "level", "parent", "weight", "effective_weight"], buffer))
    )
    header = [
        f"方法 (method): {result.method.name or '—'}  版本 (version) {result.method.version}",
        f"sha256: {result.sha256}",
        "",
    ]
    written.append(_write(out / "notes.txt", "\n".join([*header, *result.notes]) + "\n"))
    written.append(_write(out / "method.yaml", result.method.to_yaml()))
    return written


def _effective(result: Build) -> dict[str, float]:
    from lantu.core.index.aggregate import effective_weights

    return effective_weights(result.tree, result.weights)


def write_audit(audit: audit_module.Audit, out: Path) -> list[Path]:
    written: list[Path] = []
    for name, rows in audit.tables().items():
        keys: list[str] = list(dict.fromkeys(k for row in rows for k in row))
        body = [[_cell(row.get(k)) for k in keys] for row in rows]
        written.append(_write(out / f"audit_{name}.csv", _csv(keys, body)))
    return written


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return str(value)


def _csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _summary(result: Build, top: int) -> None:
    tree = result.tree
    root = tree.root
    scores = result.scores
    ranks = result.ranks
    title = f"{tree.nodes[root].name}（{result.method.name or '默认方法'} v{result.method.version}）"
    table = RichTable(title=title)
    table.add_column("名次 rank", justify="right")
    table.add_column("单位 unit")
    if scores.years is not None:
        table.add_column("年份 year", justify="right")
    table.add_column(f"{root}", justify="right")
    pillars = [c for c in tree.children(root) if tree.nodes[c].level > 1][:4]
    for code in pillars:
        table.add_column(code, justify="right")
    index_scores = scores.column(root)
    index_ranks = ranks.column(root)
    order = sorted(
        range(len(scores.units)),
        key=lambda i: (
            -(scores.years[i] if scores.years is not None else 0),
            math.inf if math.isnan(index_ranks[i]) else index_ranks[i],
        ),
    )
    for i in order[:top]:
        cells = [_rank(index_ranks[i]), scores.units[i]]
        if scores.years is not None:
            cells.append(str(scores.years[i]))
        cells.append(_score(index_scores[i]))
        cells.extend(_score(scores.column(c)[i]) for c in pillars)
        table.add_row(*cells)
    console.print(table)
    for line in result.notes:
        console.print(f"  {line}", markup=False)
    console.print(f"sha256: {result.sha256}")


def _rank(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:g}"


def _score(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def cmd_audit(args: argparse.Namespace) -> int:
    try:
        result = _run(args)
        audit = audit_module.audit(result.tree, result.normalised, result.aggregated, stages=result.stages)
    except IndexInputError as exc:
        return _refused(exc)
    flags = RichTable(title="问题提示 (flags)")
    for column in ("kind", "parent", "a", "b", "r", "说明"):
        flags.add_column(column)
    for row in audit.flags:
        flags.add_row(
            str(row["kind"]),
            str(row["parent"]),
            str(row["code_a"]),
            str(row["code_b"]),
            _cell_r(row.get("r")),
            str(row["message_zh"]),
        )
    console.print(flags if audit.flags else "没有问题提示 (no flags)")
    alpha = RichTable(title="Cronbach's alpha")
    for column in ("aggregate", "level", "k", "alpha"):
        alpha.add_column(column)
    for row in audit.cronbach:
        alpha.add_row(str(row["code"]), str(row["level"]), str(row["k"]), _cell_r(row.get("alpha")))
    console.print(alpha)
    pca = RichTable(title="PCA (first component)")
    for column in ("aggregate", "share", "n"):
        pca.add_column(column)
    for row in audit.pca:
        if row.get("component") == 1:
            pca.add_row(str(row["code"]), _cell_r(row.get("share")), str(row.get("n", "")))
    console.print(pca)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        written = write_audit(audit, args.out)
        console.print(f"已写出 (written) {len(written)} 个文件到 {args.out}")
    return 0


def _cell_r(value: object) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}"
    return "—" if value is None else str(value)
