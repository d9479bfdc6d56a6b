"""The ``lantu`` console script: init, demo, serve, check.

Each command sets up Django and calls service functions; it holds no rules of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console()


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantu.settings")
    import django

    django.setup()


def progress_bar() -> Progress:
    """The progress bar every long command shows (description, bar, n of N, elapsed)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def cmd_init(args: argparse.Namespace) -> int:
    """Migrate, load org units and the default programme, create the admin user."""
    from lantu import bootstrap

    with progress_bar() as progress:

        def step(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=total)
            return lambda n: progress.advance(task, n)

        result = bootstrap.initialise(step=step, fresh=getattr(args, "fresh", False))
    for line in result.messages:
        console.print(line)
    if result.admin_password:
        console.print(f"[bold green]管理员 admin 的密码 (admin password, shown once):[/] {result.admin_password}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Init plus generated demo data (示例数据) and demo users."""
    from lantu import bootstrap, demo

    with progress_bar() as progress:

        def step(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=total)
            return lambda n: progress.advance(task, n)

        result = bootstrap.initialise(step=step, fresh=args.fresh)
        summary = demo.generate(step=step, seed=args.seed)
    for line in result.messages:
        console.print(line)
    console.print(f"示例数据 / demo data: {summary.values} 个数据值, 2017–2023 (generated, not real statistics)")
    console.print(f"公开发布的真实数据 (real published figures, with sources): {summary.published} 个")
    for note in summary.notes:
        console.print(note)
    console.print("示例填报任务 (demo round): DEMO-2024, open for the 90 county-level units")
    console.print("登录 (log in) at http://127.0.0.1:8000/accounts/login/ :")
    if result.admin_password:
        console.print(f"  admin / {result.admin_password}  (规划管理员 programme admin; shown once)")
    for persona in summary.personas:
        console.print(f"  {persona.username} / {summary.password}  ({persona.description})")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve Lantu with gunicorn (static files through WhiteNoise)."""
    from django.conf import settings
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    bind = f"{args.host}:{args.port}"
    console.print(f"Lantu 蓝图 serving at http://{bind}/  (debug={settings.DEBUG}; Ctrl-C to stop)")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    # Replace this process: signals (Ctrl-C) then go straight to gunicorn. --preload: the app and
    # its URLconf are imported once in the master (see lantu/wsgi.py), the workers fork from it.
    os.execv(  # noqa: S606 - a fixed program path and argument list, no shell
        gunicorn,
        [
            gunicorn,
            "lantu.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(args.workers),
            # Threads (gunicorn's gthread worker) unless told otherwise: browsers open idle
            # speculative connections, and a sync worker without a buffering proxy in front waits on
            # such a socket until its timeout (30 s) while every other request queues behind it.
            "--threads",
            str(args.threads),
            "--preload",
            "--access-logfile",
            "-",
        ],
    )
    return 0  # pragma: no cover - execv does not return


def cmd_check(args: argparse.Namespace) -> int:
    """Run Django's checks and report what the database holds."""
    from django.core.management import call_command

    from lantu import bootstrap
    from lantu.env import SETTINGS, env_str

    call_command("check", deploy=args.deploy)
    report = bootstrap.status()
    for line in report:
        console.print(line)
    console.print("环境变量 (environment settings):")
    for setting in SETTINGS:
        shown = "(set)" if setting.name == "LANTU_SECRET_KEY" and env_str(setting.name) else env_str(setting.name)
        console.print(f"  {setting.name}={shown!s}  # {setting.meaning}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lantu", description="Lantu 蓝图: plan, monitor, evaluate.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="migrate, load the default programme, create the admin")
    p_init.set_defaults(func=cmd_init, fresh=False)
    p_demo = sub.add_parser("demo", help="init plus generated demo data (示例数据)")
    p_demo.add_argument("--fresh", action="store_true", help="delete the SQLite database first")
    p_demo.add_argument("--seed", type=int, default=2019, help="random seed of the demo data")
    p_demo.set_defaults(func=cmd_demo)
    p_serve = sub.add_parser("serve", help="serve the web pages and the API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=8000)
    p_serve.add_argument("--workers", type=int, default=2)
    p_serve.add_argument(
        "--threads", type=int, default=4, help="threads per worker (1 = gunicorn's sync worker, behind a proxy)"
    )
    p_serve.set_defaults(func=cmd_serve)
    p_check = sub.add_parser("check", help="check settings and the database")
    p_check.add_argument("--deploy", action="store_true", help="also run Django's deployment checks")
    p_check.set_defaults(func=cmd_check)
    from lantu.monitoring import cli as monitoring_cli

    monitoring_cli.register(sub)
    from lantu.projects import cli as projects_cli

    projects_cli.register(sub)
    from lantu.tasks import cli as tasks_cli

    tasks_cli.register(sub)
    from lantu.pipelines import cli as pipelines_cli

    pipelines_cli.register(sub)
    from lantu import index_cli

    index_cli.register(sub)
    from lantu.assessment import cli as assessment_cli

    assessment_cli.register(sub)
    from lantu.publishing import cli as publishing_cli

    publishing_cli.register(sub)
    from lantu.reports import cli as reports_cli

    reports_cli.register(sub)
    from lantu.exchange import cli as exchange_cli

    exchange_cli.register(sub)
    from lantu.ops import cli as ops_cli

    ops_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``lantu`` console script."""
    args = build_parser().parse_args(argv)
    _setup()
    from lantu.accounts.service import Conflict, InvalidInput, NotFound, PermissionDeniedError, problem_text

    try:
        return int(args.func(args))
    except InvalidInput as exc:
        for problem in exc.problems:
            console.print(f"[red]错误 (error):[/] {problem_text(problem)}")
        return 2
    except (NotFound, PermissionDeniedError, Conflict) as exc:
        console.print(f"[red]错误 (error):[/] {exc}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
