"""`lantu pipeline run|generate|list`: thin commands over the pipeline services.

The acting user is ``--as USERNAME`` or, by default, the command line as a system actor
(recorded as ``cli``), as for ``lantu import values``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()


def _sources(items: list[str]) -> dict[str, str]:
    """``--source DIR`` (a data folder with every source) or ``--source NAME=PATH`` (repeatable)."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if sep and not Path(item).exists():
            out[name] = path
        else:
            out[""] = item
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from lantu.monitoring.cli import _actor
    from lantu.pipelines.services import run_pipeline

    with console.status(f"数据管道 (pipeline) {args.name} {args.period} [{args.engine}] …") as status:

        def progress(text: str) -> None:
            status.update(f"{args.name} {args.period} [{args.engine}]: {text}")
            console.log(text)

        run = run_pipeline(
            _actor(args), args.name, args.period, engine=args.engine, sources=_sources(args.source), progress=progress
        )
    console.print(
        f"运行 (run) #{run.pk}: {run.get_status_display()} ({run.status}); "
        f"{run.definition.name} v{run.definition.version}, {run.period}, {run.engine}, {run.seconds:.1f} s"
    )
    for source in run.sources:
        files = source.get("files", [])
        console.print(f"  数据源 (source) {source['name']}: {source['rows']} 行 (rows), {len(files)} 个文件 (files)")
    console.print(f"  报告期内记录 (rows in scope): {run.rows_in_scope}")
    for reason, rows in sorted(run.rejected.items()):
        console.print(f"  剔除 (rejected) {reason}: {rows}")
    for failure in run.failures:
        console.print(f"[red]失败 (failed):[/] {failure['message_zh']} ({failure['message_en']})")
    if run.status == "succeeded":
        demo = " — 示例数据 (demo data: synthetic records)" if run.is_demo else ""
        console.print(
            f"已写入草稿 (drafts written): {run.values_written} 个新版本 (new versions), "
            f"{run.values_unchanged} 个未变化 (unchanged){demo}"
        )
        return 0
    return 1


def cmd_generate(args: argparse.Namespace) -> int:
    from rich.progress import Progress, TaskID

    from lantu.core.pipelines.synthetic import Sizes, generate

    sizes = Sizes(
        transactions=args.rows,
        start=args.start,
        months=args.months,
        stations=args.stations,
        subscribers=args.subscribers,
    )
    with Progress(console=console) as bar:
        tasks: dict[str, TaskID] = {}

        def tick(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done)

        counts = generate(Path(args.out), sizes, seed=args.seed, progress=tick)
    console.print(f"合成数据 (synthetic data, not real records) → {args.out}")
    for name, rows in counts.items():
        console.print(f"  {name}: {rows} 行 (rows)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from lantu.monitoring.cli import _actor
    from lantu.pipelines import selectors
    from lantu.pipelines.services import register_definitions

    register_definitions(_actor(args))
    table = Table("name", "version", "period", "indicators", "title")
    for row in selectors.definitions():
        table.add_row(
            row.name,
            str(row.version),
            str(row.definition.get("frequency") or "any"),
            ", ".join(row.indicators),
            row.title_zh,
        )
    console.print(table)
    if args.verbose:
        for row in selectors.definitions():
            console.print(f"[bold]{row.name} v{row.version}[/]: {row.definition['description_zh']}")
            for output in row.definition["outputs"]:
                console.print(f"  {output['indicator']} ({output['unit']}): {output['definition_zh']}")
    runs = list(selectors.runs()[:10])
    if runs:
        console.print("最近的运行 (recent runs):")
        for run in runs:
            console.print(
                f"  #{run.pk} {run.definition} {run.period} [{run.engine}] {run.status} "
                f"written={run.values_written} unchanged={run.values_unchanged} at {run.started_at:%Y-%m-%d %H:%M}"
            )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("pipeline", help="indicator pipelines over raw records (DuckDB or Spark)")
    psub = p.add_subparsers(dest="pipeline_command", required=True)
    p_run = psub.add_parser("run", help="run a pipeline for a period; values are written as drafts")
    p_run.add_argument("name")
    p_run.add_argument("--period", required=True, help="2022, 2022Q1 or 2022-03")
    p_run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    p_run.add_argument(
        "--source", action="append", required=True, help="a data folder, or NAME=PATH for one source (repeatable)"
    )
    p_run.add_argument("--as", dest="as_user", help="act as this user (default: the command line, audited as cli)")
    p_run.set_defaults(func=cmd_run)
    p_gen = psub.add_parser("generate", help="write synthetic records (合成数据) as partitioned Parquet")
    p_gen.add_argument("--rows", type=int, default=1_000_000, help="service transactions")
    p_gen.add_argument("--out", required=True)
    p_gen.add_argument("--seed", type=int, default=2019)
    p_gen.add_argument("--start", default="2020-01", help="first month, YYYY-MM")
    p_gen.add_argument("--months", type=int, default=36)
    p_gen.add_argument("--stations", type=int, default=150_000)
    p_gen.add_argument("--subscribers", type=int, default=500_000)
    p_gen.set_defaults(func=cmd_generate)
    p_list = psub.add_parser("list", help="list pipeline definitions and recent runs")
    p_list.add_argument("-v", "--verbose", action="store_true", help="show every output's definition")
    p_list.add_argument("--as", dest="as_user")
    p_list.set_defaults(func=cmd_list)
