"""Backup and restore of a whole Lantu database, portable between SQLite and PostgreSQL.

``backup_database`` writes every table of every installed model, in foreign-key order, from
one consistent snapshot, with the uploaded files the rows refer to (format in
:mod:`lantu.ops.archive`). ``restore_database`` checks the whole archive first, then loads it
into an empty, migrated database of the same migration state in one transaction: either all
of it is there afterwards or none of it.

Rows are read and written column by column as stored, not through ``Model.save()``: nothing
is recomputed (``auto_now`` times, versions, audit rows stay as they were), and the audit
table, which refuses UPDATE and DELETE, only receives INSERTs. These are operator commands
(whoever runs them has the server's shell); each appends its own audit row.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.db import DataError, IntegrityError, connection, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.duration import duration_iso_string

from lantu import __version__
from lantu.accounts.models import AuditEvent
from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import InvalidInput, service
from lantu.ops.archive import ArchiveError, ArchiveReader, ArchiveWriter, FileEntry, Manifest, TableEntry

Step = Callable[[str, int], Callable[[int], None]]
Model = type[models.Model]
_BATCH = 2000
# Rows `migrate` itself creates; a freshly migrated database holds them, so they are replaced.
_CREATED_BY_MIGRATE = (ContentType, Permission)


def _no_step(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _models() -> list[Model]:
    """Every table-backed model, parents before the rows that point to them."""
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    ordered: list[Model] = []
    seen: set[Model] = set()

    def visit(model: Model, path: set[Model]) -> None:
        if model in seen or model in path:  # a cycle is fine: the checks are deferred to the commit
            return
        path.add(model)
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if isinstance(target, type) and target is not model and target in candidates:
                visit(target, path)
        path.discard(model)
        seen.add(model)
        ordered.append(model)

    for model in sorted(candidates, key=lambda m: m._meta.label_lower):
        visit(model, set())
    return ordered


def _migrations() -> list[list[str]]:
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def _encoder(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How a stored value becomes JSON (the reverse is the field's own ``to_python``)."""
    kind = f.get_internal_type()
    if kind == "DateTimeField":
        return lambda v: (v.astimezone(dt.UTC) if timezone.is_aware(v) else v).isoformat()
    if kind in ("DateField", "TimeField"):
        return lambda v: v.isoformat()
    if kind == "DurationField":
        return duration_iso_string
    if kind == "BinaryField":
        return lambda v: base64.b64encode(bytes(v)).decode()
    if kind in ("DecimalField", "UUIDField"):
        return str
    return lambda v: v


def _encoded_rows(model: Model, fields: list[models.Field[Any, Any]]) -> Iterator[list[Any]]:
    encoders = [_encoder(f) for f in fields]
    rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    for row in rows.iterator(chunk_size=_BATCH):
        yield [None if v is None else encode(v) for encode, v in zip(encoders, row, strict=True)]


def _file_names(model: Model, fields: list[models.Field[Any, Any]]) -> set[str]:
    names: set[str] = set()
    for f in fields:
        if isinstance(f, models.FileField):
            names.update(n for n in model._base_manager.values_list(f.attname, flat=True) if n)
    return names


def _snapshot() -> None:
    """On PostgreSQL, read every table from one snapshot (the transaction's first statement)."""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _audit(actor: Actor, action: str, path: Path, after: dict[str, Any]) -> None:
    # The database as a whole is the object: there is no row to point to.
    AuditEvent.objects.create(
        actor=user_of(actor),
        actor_label=label_of(actor),
        action=action,
        object_type="database",
        object_id=path.name[:100],
        object_repr=f"{connection.vendor}: {path.name}"[:300],
        after=after,
    )


@service("accounts.manage")
def backup_database(actor: Actor, path: Path, *, step: Step = _no_step) -> Manifest:
    """Write the whole database (and the files its rows name) to a backup archive at ``path``."""
    _snapshot()
    manifest = Manifest(
        lantu_version=__version__,
        engine=connection.vendor,
        created_at=timezone.now().isoformat(),
        migrations=_migrations(),
    )
    targets = _models()
    advance = step("备份数据表 (backing up tables)", len(targets))
    # Written beside the target and moved into place at the end: a failed run (with --overwrite)
    # leaves the previous archive as it was.
    partial = path.with_name(path.name + ".partial")
    writer = ArchiveWriter(partial, manifest)
    files: set[str] = set()
    try:
        for model in targets:
            fields = list(model._meta.concrete_fields)
            entry = TableEntry(model._meta.label_lower, model._meta.db_table, [f.column for f in fields])
            writer.write_table(entry, _encoded_rows(model, fields))
            files |= _file_names(model, fields)
            advance(1)
        present = sorted(name for name in files if default_storage.exists(name))
        advance_files = step("备份上传文件 (backing up uploaded files)", len(present))
        for name in present:
            with default_storage.open(name, "rb") as source:
                writer.write_file(name, source)
            advance_files(1)
        writer.close()
        partial.replace(path)
    except BaseException:
        writer.zip.close()
        partial.unlink(missing_ok=True)
        raise
    rows = sum(t.rows for t in manifest.tables)
    # Written after the snapshot was read: the archive does not hold its own audit row.
    _audit(actor, "ops.backup", path, {"tables": len(manifest.tables), "rows": rows, "files": len(manifest.files)})
    return manifest


def _refuse(message_zh: str, message_en: str) -> InvalidInput:
    return InvalidInput.one("file", message_zh, message_en)


def _check_target(manifest: Manifest, targets: dict[str, Model], replace: bool) -> None:
    if manifest.migrations != _migrations():
        raise _refuse(
            "备份与本数据库的迁移状态不同，请先将两边迁移到同一版本",
            "the backup's migration state differs from this database's: migrate both to the same version first",
        )
    unknown = sorted({t.label for t in manifest.tables} - set(targets))
    if unknown:
        raise _refuse(f"本系统没有这些数据表：{', '.join(unknown)}", f"unknown tables: {', '.join(unknown)}")
    for entry in manifest.tables:
        model = targets[entry.label]
        columns = [f.column for f in model._meta.concrete_fields]
        if entry.columns != columns:
            raise _refuse(f"数据表 {entry.label} 的列与本系统不同", f"the columns of {entry.label} differ")
    if replace:
        return
    filled = [
        m._meta.label_lower for m in targets.values() if m not in _CREATED_BY_MIGRATE and m._base_manager.exists()
    ]
    if filled:
        raise _refuse(
            f"目标数据库不是空的（{', '.join(filled[:5])} 等已有数据）；只能恢复到刚迁移的空数据库，"
            "或使用 --replace 替换其全部内容",
            f"the database is not empty ({', '.join(filled[:5])} hold rows): restore into a freshly migrated "
            "database, or pass --replace to replace everything in it",
        )


def _empty(targets: list[Model], replace: bool) -> None:
    """Remove what the restore replaces: migrate's own rows, or with ``replace`` everything."""
    doomed = targets if replace else [m for m in targets if m in _CREATED_BY_MIGRATE]
    tables = [connection.ops.quote_name(m._meta.db_table) for m in doomed]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and replace:
            # TRUNCATE, not DELETE: the audit table refuses row deletes (and must, for the app).
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - quoted names of our own models


def _decoder(f: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How a JSON value becomes what the database driver is given (the field's own conversions)."""
    if isinstance(f, models.JSONField):
        return lambda v: f.get_db_prep_save(v, connection)
    target = f.target_field if isinstance(f, models.ForeignKey) else f
    return lambda v: f.get_db_prep_save(target.to_python(v), connection)


def _insert(model: Model, entry: TableEntry, rows: Iterator[list[Any]], advance: Callable[[int], None]) -> None:
    fields = list(model._meta.concrete_fields)
    decoders = [_decoder(f) for f in fields]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - quoted names of our own model
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(c) for c in entry.columns),
        ", ".join(["%s"] * len(fields)),
    )
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append([None if v is None else decode(v) for decode, v in zip(decoders, row, strict=True)])
            if len(batch) >= _BATCH:
                cursor.executemany(sql, batch)
                advance(len(batch))
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            advance(len(batch))


def _restore_files(reader: ArchiveReader, entries: list[FileEntry], written: list[str]) -> None:
    for entry in entries:
        if default_storage.exists(entry.name):
            continue  # the same name is the same upload: names carry the upload's path and suffix
        with reader.open_file(entry) as source:
            saved = default_storage.save(entry.name, source)
        written.append(saved)
        if saved != entry.name:
            raise _refuse(f"无法按原名写入上传文件 {entry.name}", f"could not write the uploaded file {entry.name}")


@service("accounts.manage")
def restore_database(actor: Actor, path: Path, *, replace: bool = False, step: Step = _no_step) -> Manifest:
    """Load a backup archive into this (empty, migrated) database: all of it or, on any problem, none."""
    try:
        reader = ArchiveReader(path)
    except ArchiveError as exc:
        raise _refuse(exc.message_zh, exc.message_en) from exc
    written: list[str] = []
    with reader:
        manifest = reader.manifest
        targets = {m._meta.label_lower: m for m in _models()}
        _check_target(manifest, targets, replace)
        advance = step("校验备份文件 (checking the archive)", len(manifest.tables) + len(manifest.files))
        try:
            reader.verify()
            advance(len(manifest.tables) + len(manifest.files))
            _empty(list(targets.values()), replace)
            total = sum(t.rows for t in manifest.tables)
            advance = step("恢复数据 (restoring rows)", total)
            for entry in manifest.tables:
                _insert(targets[entry.label], entry, reader.rows(entry), advance)
            # Foreign keys are checked now, not at the commit, so a bad archive is refused here.
            connection.check_constraints()
            _restore_files(reader, manifest.files, written)
        except (IntegrityError, DataError) as exc:
            _remove(written)
            raise _refuse("备份中的数据不能写入（彼此不一致）", f"the archive's rows do not fit: {exc}") from exc
        except ArchiveError as exc:
            _remove(written)
            raise _refuse(exc.message_zh, exc.message_en) from exc
        except BaseException:
            _remove(written)
            raise
    if connection.vendor == "postgresql":
        # Rows came with their ids: move each id sequence past the largest one.
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), list(targets.values())):
                cursor.execute(statement)
    ContentType.objects.clear_cache()
    rows = sum(t.rows for t in manifest.tables)
    after = {
        "tables": len(manifest.tables),
        "rows": rows,
        "files": len(manifest.files),
        "from": manifest.engine,
        "lantu_version": manifest.lantu_version,
        "created_at": manifest.created_at,
        "replace": replace,
    }
    _audit(actor, "ops.restore", path, after)
    return manifest


def _remove(names: list[str]) -> None:
    """Take back the files a failed restore wrote: nothing of it stays."""
    for name in names:
        default_storage.delete(name)
