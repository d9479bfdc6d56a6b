"""The cockpit (驾驶舱) on the full demo data: server time, query count, and the JavaScript it loads.

Builds the demo database (`lantu init` + `lantu demo`) in a temporary directory, then renders
``GET /`` with Django's test client as the leader persona and anonymously, ``--repeat`` times
each. Server time is the client's round trip through the whole middleware stack (no network).
The JavaScript figure is the gzip-compressed size (level 9) of every ``<script src>`` the page
references, read from the static files. Goals (issue 4): median ≤ 50 ms, JavaScript ≤ 1.5 MB.

    .venv/bin/python bench/bench_cockpit.py [--repeat 50]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

VAR = tempfile.mkdtemp(prefix="lantu-bench-cockpit-")
os.environ["LANTU_VAR_DIR"] = VAR
os.environ.setdefault("LANTU_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantu.settings")
os.environ["DATABASE_URL"] = ""

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from lantu import bootstrap, demo  # noqa: E402

GOAL_MS = 50.0
GOAL_JS_BYTES = 1_500_000


def quiet(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def render_times(client: Client, repeat: int) -> tuple[list[float], int, str]:
    """Milliseconds of each of ``repeat`` renders after one warm-up, the query count, the page."""
    page = client.get("/").content.decode()  # warm-up: imports, template and static caches
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: the request closes the connection, which clears its log.
    with connection.execute_wrapper(count):
        client.get("/")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return times, len(queries), page


def scripts(page: str) -> list[tuple[str, int, int]]:
    """(path, bytes, gzip bytes) of every script the page references."""
    found = []
    for src in re.findall(r'<script[^>]*\ssrc="([^"]+)"', page):
        name = src.removeprefix("/static/")
        path = finders.find(name)
        assert isinstance(path, str), f"static file not found: {src}"
        raw = Path(path).read_bytes()
        found.append((src, len(raw), len(gzip.compress(raw, compresslevel=9))))
    return found


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="renders per persona (default 50)")
    args = parser.parse_args()
    bootstrap.initialise(quiet)
    summary = demo.generate(quiet)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, SQLite")
    print(f"demo database: {summary.values} demo values + {summary.published} published figures")
    leader = Client()
    leader.force_login(get_user_model().objects.get(username="leader"))
    rows = []
    pages: dict[str, str] = {}
    for who, client in (("leader", leader), ("anonymous", Client())):
        times, queries, pages[who] = render_times(client, args.repeat)
        median = statistics.median(times)
        rows.append(
            f"| `GET /` as {who} (median / p95 of {args.repeat}) | {median:.1f} ms / {p95(times):.1f} ms | "
            f"{queries} | {'met' if median <= GOAL_MS else 'not met'} |"
        )
    # The leader's page is the heavier one: it loads the full ECharts build and the map.
    js = scripts(pages["leader"])
    total = sum(z for _, _, z in js)
    print("| what | server time | queries | goal ≤ 50 ms |")
    print("|---|---|---|---|")
    print("\n".join(rows))
    print()
    print("| script | bytes | gzip -9 bytes |")
    print("|---|---|---|")
    for src, raw, zipped in js:
        print(f"| `{src}` | {raw:,} | {zipped:,} |")
    verdict = "met" if total <= GOAL_JS_BYTES else "not met"
    print(f"| **total** (goal ≤ 1.5 MB compressed: {verdict}) | {sum(r for _, r, _ in js):,} | {total:,} |")
    shapes = finders.find("maps/330000.json")
    assert isinstance(shapes, str)
    data = Path(shapes).read_bytes()
    print(
        f"\nData the leader's map then fetches (not JavaScript): `maps/330000.json` {len(data):,} bytes, "
        f"{len(gzip.compress(data, compresslevel=9)):,} gzip -9; plus `/api/v1/maps/…` and `/api/v1/projects/points`."
    )
    shutil.rmtree(VAR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
