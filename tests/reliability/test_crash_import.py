"""kill -9 in the middle of a 1,000,000-value import: the database holds all of it or none of it.

The real command line (`lantu import values FILE`) runs in a subprocess against a database of
its own: a SQLite file in a temporary directory, or, when the tests run on PostgreSQL, a
separate database on the same server. The database is prepared (migrated, org units, the
default programme, 50 monthly indicators) and the CSV of a million values (50 indicators ×
the county-level units × months from 2005 on) is written by another subprocess.

The import is killed with SIGKILL once it is demonstrably writing inside its transaction:
on PostgreSQL its backend holds a transaction id and is inserting value rows; on SQLite the
database file has grown by megabytes of uncommitted pages with the rollback journal beside
it. Afterwards none of the file's values (or, had it finished, all of them) are there, the
database is sound (SQLite's integrity check), and a complete import of 10,000 values works.

Not a database test of pytest-django's: nothing here touches the test database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROWS = 1_000_000
SMALL = 10_000
INDICATORS = 50
LANTU = str(Path(sys.executable).parent / "lantu")

PREPARE = f"""
import csv, os, random, sys
import django
django.setup()
from django.core.management import call_command
from lantu.accounts.permissions import SystemActor
from lantu.core.periods import Period
from lantu.framework.loader import load_programme
from lantu.framework.models import Aggregation, Direction, Frequency
from lantu.framework.services import IndicatorSpec, create_indicator
from lantu.orgunits.loader import load_org_units
from lantu.orgunits.models import Level, OrgUnit

system = SystemActor("test:crash")
call_command("migrate", interactive=False, verbosity=0)
load_org_units(system)
load_programme(system)
codes = []
for k in range(1, {INDICATORS} + 1):
    spec = IndicatorSpec(
        code=f"CRASH_{{k:03d}}", goal_code="ECON_TWO_WHEELS", name_zh=f"测试指标{{k:03d}}",
        name_en=f"Crash test indicator {{k}}", unit="万元", direction=Direction.HIGHER,
        aggregation=Aggregation.SUM, frequency=Frequency.MONTH, order=2000 + k,
    )
    codes.append(create_indicator(system, "DZJ", spec).code)
rng = random.Random(9)
rows = int(sys.argv[1])
big, small = sys.argv[2], sys.argv[3]
with open(big, "w", newline="", encoding="utf-8") as out, open(small, "w", newline="", encoding="utf-8") as few:
    writer, head = csv.writer(out), csv.writer(few)
    for w in (writer, head):
        w.writerow(["indicator", "org_unit", "period", "value", "unit", "comment"])
    written = 0
    year, month = 2005, 1
    while written < rows:
        period = Period("month", year, month)
        units = OrgUnit.objects.valid_on(period.end).filter(level=Level.COUNTY).order_by("code")
        for unit in units.values_list("code", flat=True):
            for code in codes:
                value = rng.randrange(1, 10_000_000) / 100
                writer.writerow([code, unit, str(period), f"{{value:.2f}}", "万元", ""])
                if written < {SMALL}:
                    head.writerow([code, unit, str(period), f"{{value + 1:.2f}}", "万元", ""])
                written += 1
                if written == rows:
                    break
            if written == rows:
                break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
print("prepared", written)
"""


@dataclass
class Target:
    """The subprocesses' database: its environment, and how the test looks into it."""

    env: dict[str, str]
    directory: Path
    url: str = ""  # PostgreSQL only

    @property
    def sqlite(self) -> Path:
        return self.directory / "lantu.sqlite3"

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.url:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
        with sqlite3.connect(self.sqlite, timeout=30) as conn:  # opening rolls a hot journal back
            return list(conn.execute(sql, params).fetchall())

    def count(self, source: str) -> int:
        return int(self.query("SELECT count(*) FROM monitoring_datavalue WHERE source = ?", (source,))[0][0])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Target]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(LANTU_VAR_DIR=str(tmp_path), LANTU_DEBUG="true", DJANGO_SETTINGS_MODULE="lantu.settings")
    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        yield Target(env, tmp_path)
        return
    import psycopg

    name = f"lantu_crash_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(server, name)
    env["DATABASE_URL"] = url
    try:
        yield Target(env, tmp_path, url)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _writing(target: Target, baseline: int) -> bool:
    """Whether the import is inside its transaction, with value rows written and not committed."""
    if target.url:
        rows = target.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_xid IS NOT NULL AND query LIKE ?",
            ('INSERT INTO "monitoring_%',),
        )
        return bool(rows[0][0])
    journal = target.sqlite.with_name("lantu.sqlite3-journal")
    return journal.exists() and target.sqlite.stat().st_size > baseline + 8_000_000


def _import(target: Target, path: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LANTU, "import", "values", str(path)], env=target.env, capture_output=True, text=True, timeout=timeout
    )


def test_kill_9_in_the_middle_of_a_million_value_import_leaves_all_or_nothing(target: Target, tmp_path: Path) -> None:
    big, small = tmp_path / "million.csv", tmp_path / "small.csv"
    started = time.monotonic()
    prepared = subprocess.run(
        [sys.executable, "-c", PREPARE, str(ROWS), str(big), str(small)],
        env=target.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    with big.open(encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == ROWS + 1
    prepared_in = time.monotonic() - started
    baseline = 0 if target.url else target.sqlite.stat().st_size

    errors = tmp_path / "import.err"
    with errors.open("w") as stderr:
        process = subprocess.Popen([LANTU, "import", "values", str(big)], env=target.env, stdout=stderr, stderr=stderr)
    try:
        # Parsing and checking a million rows comes first (about 40 s on an idle machine with
        # two cores); the deadline only guards against a hang on a busy one.
        deadline = time.monotonic() + 900
        while not _writing(target, baseline):
            assert process.poll() is None, f"the import ended before it was killed: {errors.read_text()[-3000:]}"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.2)
        time.sleep(2)  # a couple of seconds more into the write phase
        assert process.poll() is None, "the import finished before it could be killed"
        assert _writing(target, baseline)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == -signal.SIGKILL
    killed_in = time.monotonic() - started - prepared_in

    if target.url:
        # The server notices the dead client and rolls its transaction back.
        for _ in range(100):
            others = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if not target.query(others)[0][0]:
                break
            time.sleep(0.1)
    else:
        assert target.query("PRAGMA integrity_check") == [("ok",)]
    after_kill = target.count(big.name)
    assert after_kill in (0, ROWS), after_kill
    # Nothing else of the import either: no value state, event or audit row.
    assert target.query("SELECT count(*) FROM monitoring_valuestate")[0][0] == after_kill
    assert target.query("SELECT count(*) FROM monitoring_approvalevent")[0][0] == after_kill
    if not target.url:
        assert target.query("PRAGMA integrity_check") == [("ok",)]

    # The database takes a complete import afterwards: all 10,000 values of it.
    done = _import(target, small, timeout=240)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert target.count(small.name) == SMALL
    assert target.count(big.name) == after_kill
    assert target.query("SELECT count(*) FROM accounts_auditevent WHERE action = 'monitoring.values.record'") == [(1,)]
    if not target.url:
        assert target.query("PRAGMA integrity_check") == [("ok",)]
    sys.stderr.write(  # the figures, for whoever runs this with -s
        f"\n{(target.env.get('DATABASE_URL') and 'PostgreSQL') or 'SQLite'}: prepared {ROWS:,} values in "
        f"{prepared_in:.0f} s; killed the import after {killed_in:.0f} s; {after_kill:,} of its values stored; "
        f"then {SMALL:,} imported completely\n"
    )
