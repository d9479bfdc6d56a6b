"""Benchmarks run by `make bench`; figures are recorded in docs/benchmarks.md.

Each benchmark uses a fresh SQLite database in a temporary directory, so the results do not
depend on what the developer's own database holds. Timings are medians of repeated runs.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial

VAR = tempfile.mkdtemp(prefix="lantu-bench-")
os.environ["LANTU_VAR_DIR"] = VAR
os.environ.setdefault("LANTU_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lantu.settings")
os.environ["DATABASE_URL"] = ""

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from lantu import bootstrap, demo  # noqa: E402


def quiet(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median_ms(func: Callable[[], object], repeat: int = 30) -> float:
    func()  # warm up caches and imports
    return statistics.median(timed(func) for _ in range(repeat)) * 1000


def main() -> int:
    rows: list[tuple[str, str]] = []
    seconds = timed(lambda: bootstrap.initialise(quiet))
    rows.append(("lantu init on an empty SQLite file (migrate, 119 org units, default programme)", f"{seconds:.2f} s"))
    count = 0

    def run_demo() -> None:
        nonlocal count
        count = demo.generate(quiet).values

    seconds = timed(run_demo)
    rows.append((f"demo data: {count} values through record_values", f"{seconds:.2f} s ({count / seconds:,.0f}/s)"))
    client = Client()
    for path in (
        "/api/v1/indicators",
        "/api/v1/org-units?date=2020-06-30",
        "/api/v1/programmes/DZJ/areas",
        "/programme/",
    ):
        ms = median_ms(partial(client.get, path))
        rows.append((f"GET {path} (median of 30)", f"{ms:.1f} ms"))
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, SQLite")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    shutil.rmtree(VAR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
