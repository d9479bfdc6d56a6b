"""`lantu backup` and `lantu restore`: a database round-trips, a bad archive changes nothing.

A database with the reference data (org units, the default programme, tasks, projects), users
and roles, a reporting round whose values were entered, submitted and approved, published
statistics, aggregates, a progress report with an evidence file and the audit rows of all of
it is backed up, emptied back to a freshly migrated state, restored, and backed up again.
Every table's full export (each row, every column, by primary key) is the same before and
after; the only new row is the restore's own audit row. Damaged archives (a wrong checksum,
a truncated file, another format version, rows that do not fit together) and a non-empty
target are refused with a message in both languages, and nothing is written.

Transactional tests: restore runs its own transaction, as it does from the command line. Run
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import SystemActor
from lantu.accounts.service import InvalidInput
from lantu.accounts.services import assign_role, create_user
from lantu.cli import main
from lantu.framework.loader import load_programme
from lantu.framework.models import Programme
from lantu.monitoring.models import DataValue
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services import approval as approval_service
from lantu.monitoring.services.rounds import RoundSpec, create_round, set_round_status
from lantu.ops.services import restore_database
from lantu.orgunits.loader import load_org_units
from lantu.orgunits.models import OrgUnit
from lantu.projects.loader import load_projects
from lantu.tasks.loader import load_tasks
from lantu.tasks.models import Evidence, Task
from lantu.tasks.services.tasks import EvidenceFile, ReportSpec, report_progress

pytestmark = pytest.mark.django_db(transaction=True)

SYSTEM = SystemActor("system:test")
AUDIT = "accounts.auditevent"
PDF = b"%PDF-1.4 \xe8\xaf\x81\xe6\x98\x8e evidence of progress"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def populated(media: Path) -> None:
    """A database with a bit of everything, all written through the services."""
    if not OrgUnit.objects.exists():
        load_org_units(SYSTEM)
    if not Programme.objects.filter(code="DZJ").exists():
        load_programme(SYSTEM)
    if not Task.objects.exists():
        load_tasks(SYSTEM)
        load_projects(SYSTEM)
    reporter = create_user(SYSTEM, "xihu_reporter", "x", check_password=False)
    assign_role(SYSTEM, "xihu_reporter", "unit_reporter", org_unit_code="330106")
    approver = create_user(SYSTEM, "hz_approver", "x", check_password=False)
    assign_role(SYSTEM, "hz_approver", "approver", org_unit_code="330100")
    create_round(
        SYSTEM,
        RoundSpec(
            code="BK2022",
            programme_code="DZJ",
            title_zh="2022年度数据填报",
            period="2022",
            opens_on=dt.date(2023, 1, 1),
            deadline=dt.date(2023, 3, 31),
            indicator_codes=("DE_TOTAL", "GDP"),
            org_unit_codes=("330106", "330110"),
        ),
    )
    set_round_status(SYSTEM, "BK2022", "open")
    entries = [
        ValueEntry("DE_TOTAL", "330106", "2022", Decimal("3000.5")),
        ValueEntry("GDP", "330106", "2022", Decimal(6000)),
    ]
    record_values(reporter, entries, round_code="BK2022")
    approval_service.submit_values(reporter, "BK2022", "330106")
    approval_service.approve_values(approver, "BK2022", "330106", comment="同意")
    published = [
        ValueEntry(code, unit, str(year), Decimal(1000 + year - 2017 + k), comment="统计公报")
        for year in range(2017, 2022)
        for k, unit in enumerate(("330106", "330110", "330102"))
        for code in ("DE_TOTAL", "GDP")
    ]
    record_values(SYSTEM, published, approved=True, source="统计公报")
    task = Task.objects.order_by("code").first()
    assert task is not None
    report_progress(
        SYSTEM,
        ReportSpec(task.code, dt.date(2024, 6, 30), Decimal(40), "完成方案编制", [EvidenceFile("证明.pdf", PDF)]),
    )


def _export() -> dict[str, list[str]]:
    """Every row of every table, each column as stored, by primary key: the full export."""
    tables: dict[str, list[str]] = {}
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        columns = [f.attname for f in model._meta.concrete_fields]
        rows = model._base_manager.order_by("pk").values_list(*columns)
        tables[model._meta.label_lower] = [json.dumps(list(r), default=str, sort_keys=True) for r in rows]
    return tables


def _fresh() -> None:
    """Back to a freshly migrated database: only the rows `migrate` itself creates."""
    call_command("flush", interactive=False, verbosity=0)  # re-creates content types and permissions
    assert all(
        not rows for label, rows in _export().items() if label not in ("contenttypes.contenttype", "auth.permission")
    )


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _manifest(path: Path) -> dict[str, Any]:
    return dict(json.loads(_members(path)["manifest.json"]))


def _rewrite(source: Path, target: Path, edit: Callable[[dict[str, bytes]], None]) -> Path:
    members = _members(source)
    edit(members)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


@pytest.mark.usefixtures("populated")
def test_backup_restore_backup_gives_the_same_database(tmp_path: Path, media: Path) -> None:
    before = _export()
    assert len(before["monitoring.datavalue"]) == 32
    assert before["tasks.evidence"]
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    assert main(["backup", str(first)]) == 0
    assert AuditEvent.objects.filter(action="ops.backup").count() == 1
    manifest = _manifest(first)
    assert manifest["format"] == "lantu-backup"
    assert manifest["format_version"] == 1
    assert {t["table"] for t in manifest["tables"]} >= {"monitoring_datavalue", "accounts_auditevent"}
    evidence = Evidence.objects.get()
    stored_file = media / evidence.file.name
    assert stored_file.read_bytes() == PDF

    _fresh()
    stored_file.unlink()  # the uploaded files are gone too, as on a new server
    assert main(["restore", str(first)]) == 0
    after = _export()
    # The same rows, column for column; the audit log has one row more: the restore's own.
    restore_row = json.loads(after[AUDIT][-1])
    assert AuditEvent.objects.order_by("-id").first().action == "ops.restore"  # type: ignore[union-attr]
    assert after[AUDIT][:-1] == before[AUDIT], "audit rows changed"
    assert {k: v for k, v in after.items() if k != AUDIT} == {k: v for k, v in before.items() if k != AUDIT}
    assert restore_row
    assert stored_file.read_bytes() == PDF

    # A second backup holds the same bytes for every table (the audit table: plus that row).
    assert main(["backup", str(second)]) == 0
    a, b = _members(first), _members(second)
    tables_a = {t["label"]: t for t in _manifest(first)["tables"]}
    tables_b = {t["label"]: t for t in _manifest(second)["tables"]}
    assert tables_a.keys() == tables_b.keys()
    for label, entry in tables_a.items():
        if label == AUDIT:
            lines_a, lines_b = a[entry["file"]].splitlines(), b[tables_b[label]["file"]].splitlines()
            assert lines_b[:-1] == lines_a
            assert len(lines_b) == len(lines_a) + 1
        else:
            assert (entry["sha256"], entry["rows"]) == (tables_b[label]["sha256"], tables_b[label]["rows"]), label
    assert [f["sha256"] for f in _manifest(second)["files"]] == [hashlib.sha256(PDF).hexdigest()]

    # Ids go on after the restored ones (PostgreSQL's sequences were moved past them).
    record_values(SYSTEM, [ValueEntry("GDP", "330110", "2022", Decimal(7000))])
    assert DataValue.objects.order_by("-id").values_list("value", flat=True)[0] == Decimal(7000)


def _refused(path: Path, *, zh: str, en: str) -> None:
    with pytest.raises(InvalidInput) as info:
        restore_database(SYSTEM, path)
    problem = info.value.problems[0]
    assert zh in problem.message_zh, problem.message_zh
    assert en in problem.message_en, problem.message_en


@pytest.mark.usefixtures("populated")
def test_damaged_archives_and_full_databases_are_refused_with_nothing_written(tmp_path: Path, media: Path) -> None:
    good = tmp_path / "good.zip"
    assert main(["backup", str(good)]) == 0
    # Into a database that already holds data: refused, in both languages.
    _refused(good, zh="目标数据库不是空的", en="not empty")
    assert main(["restore", str(good)]) == 2

    manifest = _manifest(good)
    values = next(t for t in manifest["tables"] if t["label"] == "monitoring.datavalue")

    def flip_a_digit(members: dict[str, bytes]) -> None:
        members[values["file"]] = members[values["file"]].replace(b"3000.5", b"3900.5", 1)

    def other_version(members: dict[str, bytes]) -> None:
        members["manifest.json"] = json.dumps({**manifest, "format_version": 99}).encode()

    def dangling_row(members: dict[str, bytes]) -> None:
        # Checksums fine, but a value of an indicator that does not exist: refused at the end,
        # after every row before it was inserted, so the whole transaction rolls back.
        data = members[values["file"]]
        row = json.loads(data.splitlines()[-1])
        row[0] = int(row[0]) + 1000
        row[values["columns"].index("indicator_id")] = 999999
        data += json.dumps(row).encode() + b"\n"
        members[values["file"]] = data
        entry = next(t for t in manifest["tables"] if t["file"] == values["file"])
        entry.update(rows=entry["rows"] + 1, sha256=hashlib.sha256(data).hexdigest())
        members["manifest.json"] = json.dumps(manifest).encode()

    bad_sum = _rewrite(good, tmp_path / "bad-sum.zip", flip_a_digit)
    version = _rewrite(good, tmp_path / "version.zip", other_version)
    dangling = _rewrite(good, tmp_path / "dangling.zip", dangling_row)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])

    _fresh()
    for old in media.rglob("*"):
        if old.is_file():
            old.unlink()
    empty = _export()
    _refused(bad_sum, zh="校验和不符", en="checksum mismatch")
    _refused(truncated, zh="已损坏或不完整", en="damaged or truncated")
    _refused(version, zh="备份格式版本 99 不受支持", en="format version 99 is not supported")
    _refused(dangling, zh="不能写入", en="do not fit")
    for path in (bad_sum, truncated, version, dangling):
        assert main(["restore", str(path)]) == 2
    assert _export() == empty  # not a row, not even an audit row
    assert not [p for p in media.rglob("*") if p.is_file()]
    assert ContentType.objects.exists()
    assert Permission.objects.exists()

    # The good archive still restores into that database, and with --replace over itself.
    assert main(["restore", str(good)]) == 0
    assert DataValue.objects.count() == 32
    restored = _export()
    assert main(["restore", "--replace", str(good)]) == 0
    again = _export()
    assert again[AUDIT][:-1] == restored[AUDIT][:-1]  # the replaced log is gone: the archive's, then this restore
    assert {k: v for k, v in again.items() if k != AUDIT} == {k: v for k, v in restored.items() if k != AUDIT}


CROSS = """
import sys
import django
django.setup()
from decimal import Decimal
from pathlib import Path
from django.core.management import call_command
from django.db import connection
from lantu.accounts.permissions import SystemActor
from lantu.framework.loader import load_programme
from lantu.monitoring.services import ValueEntry, record_values
from lantu.ops.services import backup_database
from lantu.orgunits.loader import load_org_units

system = SystemActor("test:cross")
call_command("migrate", interactive=False, verbosity=0)
load_org_units(system)
load_programme(system)
record_values(system, [ValueEntry("GDP", "330106", "2021", Decimal("6000.25"), comment="甲")], approved=True)
backup_database(system, Path(sys.argv[1]))
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="restores a SQLite archive into PostgreSQL")
def test_a_sqlite_backup_restores_into_postgresql(tmp_path: Path, media: Path) -> None:
    archive, again = tmp_path / "sqlite.zip", tmp_path / "postgresql.zip"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(LANTU_VAR_DIR=str(tmp_path), LANTU_DEBUG="true", DJANGO_SETTINGS_MODULE="lantu.settings")
    made = subprocess.run(
        [sys.executable, "-c", CROSS, str(archive)], env=env, capture_output=True, text=True, timeout=600
    )
    assert made.returncode == 0, made.stderr[-3000:]
    assert _manifest(archive)["engine"] == "sqlite"
    _fresh()
    assert main(["restore", str(archive)]) == 0
    assert main(["backup", str(again)]) == 0
    a, b = _members(archive), _members(again)
    tables_a = {t["label"]: t for t in _manifest(archive)["tables"]}
    tables_b = {t["label"]: t for t in _manifest(again)["tables"]}
    for label, entry in tables_a.items():
        lines_a, lines_b = a[entry["file"]].splitlines(), b[tables_b[label]["file"]].splitlines()
        # Byte for byte the same rows on the other engine; the audit log has the restore's row more.
        assert lines_b == lines_a + ([lines_b[-1]] if label == AUDIT else []), label
    assert DataValue.objects.get().value == Decimal("6000.25")
