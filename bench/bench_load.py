"""Load test: 200 concurrent users against gunicorn + PostgreSQL on the demo data (issue 9).

Run under a throwaway PostgreSQL (the script refuses anything else)::

    scripts/with-postgres.sh .venv/bin/python bench/bench_load.py [--users 200] [--duration 90]

What it does, in order:

1. ``lantu demo`` into the empty database (migrate, org units, the default programme, the demo
   values, personas, round, projects, policies and dataset), timed.
2. ``lantu serve --host 127.0.0.1 --workers W --threads 1`` (collectstatic, then gunicorn's sync workers, as measured;
   W defaults to 2 × CPUs + 1) with production-like settings: ``LANTU_DEBUG=false``, a random
   ``LANTU_SECRET_KEY``, static files from ``collectstatic`` through WhiteNoise, the access log
   written to a file as ``lantu serve`` writes it; and ``LANTU_HTTPS=false``, the documented switch
   for plain http (no redirect to https, no Secure cookies): there is no TLS proxy on the loopback.
   Timed until the first page answers.
3. A warm-up: every public page, a few times per worker, so caches are loaded.
4. ``locust --headless`` with bench/locustfile.py (the mix and its weights are described there):
   ``--users`` users started at ``--spawn-rate`` per second, for ``--duration`` seconds in all,
   each waiting ``--wait`` MIN MAX seconds between requests.
   The figures cover a window that opens ``--settle`` seconds after the last user has started
   (so ramp-up and logins are left out) and runs to the end.
5. Meanwhile, every second, the RSS and USS (memory unique to the process) of the gunicorn
   master and of each worker, with psutil, and the machine's CPU use; over the whole run, the CPU
   time the workers and the PostgreSQL backends spent per request served.

Printed: throughput, p50/p95/p99 latency overall, per user kind (endpoint group) and per
endpoint, errors by kind, 5xx lines of the access log, the peak memory of each worker. Goals
(issue 9): no errors; memory per worker ≤ 250 MB. The same figures are written as JSON to
var/bench/load-<UTC time>.json. Tests never assert times; docs/benchmarks.md holds the record.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
GOAL_MB = 250.0
MB = 1024 * 1024
# The public pages (the others need a login; the settling time before measuring warms them).
WARM_PATHS = (
    "/",
    "/programme/",
    "/data/",
    "/data/demo-digital-indicators/",
    "/accounts/login/",
    "/api/v1/indicators",
    "/api/v1/org-units?date=2020-06-30&level=county",
    "/api/v1/programmes/DZJ/areas",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def server_env(var_dir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        LANTU_VAR_DIR=var_dir,
        LANTU_DEBUG="false",
        LANTU_SECRET_KEY=secrets.token_urlsafe(50),
        LANTU_ALLOWED_HOSTS=HOST,
        # The documented switch for a plain-http box: no redirect to https, no HSTS, cookies
        # without the Secure flag. The load runs on the loopback, where no TLS proxy sits in front.
        LANTU_HTTPS="false",
    )
    return env


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer here (e.g. to https), not something to follow."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def fetch(url: str) -> int:
    try:
        with OPENER.open(url, timeout=30) as response:
            response.read()
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped with status {server.returncode}; see its log")
        try:
            status = fetch(url)
        except OSError:
            status = 0
        if status == 200:
            return
        if 300 <= status < 400:
            sys.exit(f"{url} answers {status}: a redirect (to https?) on the plain-http loopback")
        time.sleep(0.25)
    sys.exit(f"the server did not answer {url} within {timeout:.0f} s")


class MemorySampler(threading.Thread):
    """Every ``interval`` seconds: RSS and USS of the gunicorn master and of each worker, and CPU %."""

    def __init__(self, master_pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.interval = interval
        self.stopping = threading.Event()
        self.peak_rss: dict[int, int] = defaultdict(int)
        self.peak_uss: dict[int, int] = defaultdict(int)
        self.last_rss: dict[int, int] = {}
        self.master_peak_rss = 0
        self.cpu: list[float] = []
        self.samples = 0

    def run(self) -> None:
        psutil.cpu_percent(interval=None)
        while not self.stopping.wait(self.interval):
            self.cpu.append(psutil.cpu_percent(interval=None))
            self.samples += 1
            try:
                self.master_peak_rss = max(self.master_peak_rss, self.master.memory_info().rss)
                workers = self.master.children()
            except psutil.NoSuchProcess:
                return
            for worker in workers:
                try:
                    info = worker.memory_full_info()
                except psutil.NoSuchProcess:  # a worker restarted between listing and reading
                    continue
                self.peak_rss[worker.pid] = max(self.peak_rss[worker.pid], info.rss)
                self.peak_uss[worker.pid] = max(self.peak_uss[worker.pid], info.uss)
                self.last_rss[worker.pid] = info.rss

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """User + system CPU seconds used so far by each process still alive."""
    used = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[process.pid] = times.user + times.system
    return used


def postgres_backends() -> list[psutil.Process]:
    """The server processes of with-postgres.sh's cluster (its postmaster's children)."""
    pid_file = Path(os.environ.get("PGHOST", "/nonexistent")) / "data" / "postmaster.pid"
    try:
        return list(psutil.Process(int(pid_file.read_text().split()[0])).children())
    except (OSError, ValueError, IndexError, psutil.Error):
        return []


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (p in 0–100)."""
    if not sorted_ms:
        return float("nan")
    rank = max(1, -(-len(sorted_ms) * p // 100))  # ceil(n·p/100), at least 1
    return sorted_ms[int(rank) - 1]


def summarise(rows: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    times = sorted(r["ms"] for r in rows)
    errors = sum(1 for r in rows if r["error"])
    return {
        "requests": len(rows),
        "rps": round(len(rows) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
        "mean_ms": round(statistics.fmean(times), 1) if times else 0.0,
        "errors": errors,
    }


def table_row(label: str, s: dict[str, Any]) -> str:
    return (
        f"| {label} | {s['requests']:,} | {s['rps']:.1f} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} | "
        f"{s['p99_ms']:.0f} | {s['max_ms']:.0f} | {s['errors']} |"
    )


def access_log_5xx(path: Path) -> list[str]:
    """Lines of gunicorn's access log (common log format) whose status is 5xx."""
    bad = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split('"')
        if len(parts) >= 3:
            status = parts[2].split()[:1]
            if status and status[0].startswith("5"):
                bad.append(line)
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="users started per second (default 20)")
    parser.add_argument("--duration", type=int, default=90, help="seconds of load in all, ramp-up included")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds after the ramp-up before measuring")
    parser.add_argument("--wait", type=float, nargs=2, default=(5.0, 15.0), help="think time, seconds (default 5 15)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, locust CSV)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("run this under scripts/with-postgres.sh: it needs an empty PostgreSQL database in DATABASE_URL")

    # with-postgres.sh passes TERM on: leave through the finally below, which stops gunicorn.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    var_dir = tempfile.mkdtemp(prefix="lantu-bench-load-")
    env = server_env(var_dir)
    lantu = str(BIN / "lantu")
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GB")

    start = time.perf_counter()
    demo = subprocess.run([lantu, "demo"], env=env, capture_output=True, text=True, check=False)
    demo_s = time.perf_counter() - start
    if demo.returncode:
        print(demo.stdout[-3000:], demo.stderr[-3000:], sep="\n")
        sys.exit("lantu demo failed")
    print(f"lantu demo on PostgreSQL: {demo_s:.1f} s")

    port = free_port()
    base = f"http://{HOST}:{port}"
    access_log = Path(var_dir) / "access.log"
    error_log = Path(var_dir) / "server.log"
    start = time.perf_counter()
    with access_log.open("wb") as out, error_log.open("wb") as err:
        server = subprocess.Popen(
            [lantu, "serve", "--host", HOST, "--port", str(port), "--workers", str(args.workers), "--threads", "1"],
            env=env,
            stdout=out,
            stderr=err,
        )
    try:
        wait_until_up(f"{base}/", server)
        serve_s = time.perf_counter() - start
        print(f"lantu serve (collectstatic + gunicorn, {args.workers} workers) answering after {serve_s:.1f} s")
        start = time.perf_counter()
        with ThreadPoolExecutor(args.workers) as pool:
            statuses = Counter(pool.map(fetch, [base + p for p in WARM_PATHS * 2 * args.workers]))
        if set(statuses) != {200}:
            sys.exit(f"warm-up answers {dict(statuses)}: a public page fails before any load")
        print(f"warm-up: {sum(statuses.values())} requests in {time.perf_counter() - start:.1f} s")

        samples_path = Path(var_dir) / "samples.jsonl"
        locust_env = dict(
            os.environ,
            LANTU_LOAD_SAMPLES=str(samples_path),
            LANTU_LOAD_SETTLE=str(args.settle),
            LANTU_LOAD_WAIT=",".join(f"{w:g}" for w in args.wait),
        )
        command = [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            f"{args.duration}s",
            "--stop-timeout",
            "10",
            "--host",
            base,
            "--csv",
            str(Path(var_dir) / "locust"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        sampler = MemorySampler(server.pid)
        sampler.start()
        print(
            f"locust: {args.users} users, {args.spawn_rate:g}/s, think time {args.wait[0]:g}–{args.wait[1]:g} s,"
            f" {args.duration} s …",
            flush=True,
        )
        locust_log = Path(var_dir) / "locust.log"
        # CPU spent per request served, over the whole locust run: what the server needs, whatever
        # else the machine is doing (other processes only stretch the latencies).
        gunicorn_workers = psutil.Process(server.pid).children()
        load_before = os.getloadavg()
        cpu_before = cpu_seconds(gunicorn_workers), cpu_seconds(postgres_backends())
        lines_before = len(access_log.read_bytes().splitlines())
        with locust_log.open("wb") as log:
            locust = subprocess.run(command, env=locust_env, stdout=log, stderr=subprocess.STDOUT, check=False)
        served = len(access_log.read_bytes().splitlines()) - lines_before
        cpu_after = cpu_seconds(gunicorn_workers), cpu_seconds(postgres_backends())
        load_after = os.getloadavg()
        sampler.stop()
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    lines = [json.loads(line) for line in samples_path.read_text(encoding="utf-8").splitlines() if line]
    rows = [line for line in lines if "name" in line]
    if not rows:
        print(locust_log.read_text(encoding="utf-8", errors="replace")[-3000:])
        sys.exit(f"locust recorded no request in the window (exit status {locust.returncode})")
    window_opens = next(line["window_opens"] for line in lines if "window_opens" in line)
    seconds = max(r["t"] for r in rows) - window_opens
    overall = summarise(rows, seconds)
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_name: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_group[r["name"].split(" ", 1)[0]].append(r)
        by_name[r["name"]].append(r)
    errors = Counter(f"{r['error']} on {r['name']}" for r in rows if r["error"])
    bad_lines = access_log_5xx(access_log)
    server_log = error_log.read_text(encoding="utf-8", errors="replace")
    timeouts = server_log.count("WORKER TIMEOUT")
    tracebacks = server_log.count("Traceback")

    workers = sorted(sampler.peak_rss)
    peak_rss_mb = {pid: sampler.peak_rss[pid] / MB for pid in workers}
    peak_uss_mb = {pid: sampler.peak_uss[pid] / MB for pid in workers}
    worst = max(peak_rss_mb.values(), default=0.0)
    cpu_mean = statistics.fmean(sampler.cpu) if sampler.cpu else 0.0

    print(
        f"\nWindow: the last {seconds:.1f} s, from {args.settle:g} s after the ramp-up;"
        f" machine CPU {cpu_mean:.0f}% on average during the run"
    )
    print("\n| requests | count | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(table_row("**all**", overall))
    for group in sorted(by_group, key=lambda g: -len(by_group[g])):
        print(table_row(f"{group} (group)", summarise(by_group[group], seconds)))
    for name in sorted(by_name):
        print(table_row(f"`{name}`", summarise(by_name[name], seconds)))
    gunicorn_cpu = sum(cpu_after[0].values()) - sum(cpu_before[0].values())
    postgres_cpu = sum(v - cpu_before[1].get(pid, 0.0) for pid, v in cpu_after[1].items())
    cpu_ms = {
        "gunicorn_workers": round(1000 * gunicorn_cpu / served, 1) if served else 0.0,
        "postgres": round(1000 * postgres_cpu / served, 1) if served else 0.0,
    }
    print(
        f"\nCPU per request served ({served:,} in the locust run): gunicorn workers {cpu_ms['gunicorn_workers']:.1f} ms,"
        f" PostgreSQL {cpu_ms['postgres']:.1f} ms; load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    print(f"\nErrors (goal: none): {overall['errors']}")
    for what, count in errors.most_common():
        print(f"  {count} × {what}")
    print(
        f"Access log 5xx lines: {len(bad_lines)}; worker timeouts: {timeouts}; tracebacks in the server log: {tracebacks}"
    )
    for line in bad_lines[:5]:
        print(f"  {line}")
    print(f"\n| gunicorn process | peak RSS MB | peak USS MB | goal ≤ {GOAL_MB:.0f} MB |")
    print("|---|---:|---:|---|")
    for n, pid in enumerate(workers, 1):
        verdict = "met" if peak_rss_mb[pid] <= GOAL_MB else "not met"
        print(f"| worker {n} (pid {pid}) | {peak_rss_mb[pid]:.0f} | {peak_uss_mb[pid]:.0f} | {verdict} |")
    print(f"| master | {sampler.master_peak_rss / MB:.0f} | | |")
    print(f"Memory samples: {sampler.samples} (one a second)")

    result = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "cpu_percent_mean": round(cpu_mean, 1),
        },
        "settings": {
            "users": args.users,
            "spawn_rate": args.spawn_rate,
            "duration_s": args.duration,
            "settle_s": args.settle,
            "workers": args.workers,
            "worker_class": "sync",
            "debug": False,
            "think_time_s": list(args.wait),
        },
        "setup_s": {"lantu_demo": round(demo_s, 1), "lantu_serve_until_answering": round(serve_s, 1)},
        "window_s": round(seconds, 1),
        "cpu_ms_per_request": cpu_ms,
        "requests_served_in_run": served,
        "load_average_1min": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)},
        "overall": overall,
        "groups": {g: summarise(v, seconds) for g, v in by_group.items()},
        "endpoints": {n: summarise(v, seconds) for n, v in by_name.items()},
        "errors": dict(errors),
        "server": {"access_log_5xx": len(bad_lines), "worker_timeouts": timeouts, "tracebacks": tracebacks},
        "memory_mb": {
            "workers_peak_rss": [round(peak_rss_mb[p], 1) for p in workers],
            "workers_peak_uss": [round(peak_uss_mb[p], 1) for p in workers],
            "master_peak_rss": round(sampler.master_peak_rss / MB, 1),
            "goal_per_worker": GOAL_MB,
        },
        "goals": {"no_errors": overall["errors"] == 0 and not bad_lines, "memory_per_worker": worst <= GOAL_MB},
        "locust_exit_status": locust.returncode,
    }
    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / f"load-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out_path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nWritten: {out_path.relative_to(ROOT)}")
    if args.keep:
        print(f"Kept: {var_dir} (access.log, server.log, locust.log, locust_*.csv, samples.jsonl)")
    else:
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
