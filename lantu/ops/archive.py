"""The backup archive format, without Django: a zip of JSON Lines files and a manifest.

Layout (format ``lantu-backup``, version 1)::

    manifest.json            what is inside: versions, migration state, tables, files
    tables/NNN-app.model.jsonl   one row per line, a JSON array in the manifest's column order
    media/<name>             uploaded files the rows refer to (evidence), byte for byte

The manifest is written last and names, for each member, its row count and SHA-256, so a
reader can check the whole archive before anything is restored. Members are written and read
as streams: a million rows never need to be in memory at once.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "lantu-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class ArchiveError(ValueError):
    """The archive cannot be used: not ours, another format version, damaged or incomplete."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} ({message_en})")


def line(row: Iterable[Any]) -> bytes:
    """One row as a canonical JSON line (sorted keys inside JSON values, UTF-8, no spaces)."""
    return json.dumps(list(row), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode() + b"\n"


@dataclass
class TableEntry:
    """A table's member in the archive."""

    label: str  # app_label.model_name
    table: str
    columns: list[str]
    file: str = ""
    rows: int = 0
    sha256: str = ""


@dataclass
class FileEntry:
    """An uploaded file's member in the archive."""

    name: str
    file: str
    size: int = 0
    sha256: str = ""


@dataclass
class Manifest:
    lantu_version: str
    engine: str
    created_at: str
    migrations: list[list[str]]
    tables: list[TableEntry] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "lantu_version": self.lantu_version,
            "engine": self.engine,
            "created_at": self.created_at,
            "migrations": self.migrations,
            "tables": [vars(t) for t in self.tables],
            "files": [vars(f) for f in self.files],
        }

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ArchiveError("不是蓝图备份文件", "not a Lantu backup archive")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ArchiveError(
                f"备份格式版本 {version} 不受支持（支持 {FORMAT_VERSION}）",
                f"backup format version {version} is not supported (this Lantu reads {FORMAT_VERSION})",
            )
        try:
            return cls(
                lantu_version=str(data["lantu_version"]),
                engine=str(data["engine"]),
                created_at=str(data["created_at"]),
                migrations=[[str(a), str(n)] for a, n in data["migrations"]],
                tables=[TableEntry(**t) for t in data["tables"]],
                files=[FileEntry(**f) for f in data["files"]],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError("备份清单不完整", f"the backup manifest is incomplete: {exc}") from exc


class _Member:
    """A member being written: counts lines and hashes bytes as they stream into the zip."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()
        self.rows = 0
        self.size = 0

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.hash.update(data)
        self.size += len(data)


class ArchiveWriter:
    """Write an archive member by member; :meth:`close` adds the manifest."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6, allowZip64=True)

    def write_table(self, entry: TableEntry, rows: Iterable[Iterable[Any]]) -> None:
        entry.file = f"tables/{len(self.manifest.tables):03d}-{entry.label}.jsonl"
        with self.zip.open(entry.file, "w", force_zip64=True) as stream:
            member = _Member(stream)
            for row in rows:
                member.write(line(row))
                member.rows += 1
        entry.rows, entry.sha256 = member.rows, member.hash.hexdigest()
        self.manifest.tables.append(entry)

    def write_file(self, name: str, source: IO[bytes]) -> None:
        entry = FileEntry(name=name, file=f"media/{name}")
        with self.zip.open(entry.file, "w", force_zip64=True) as stream:
            member = _Member(stream)
            while chunk := source.read(_CHUNK):
                member.write(chunk)
        entry.size, entry.sha256 = member.size, member.hash.hexdigest()
        self.manifest.files.append(entry)

    def close(self) -> None:
        data = json.dumps(self.manifest.as_json(), ensure_ascii=False, indent=1, sort_keys=True)
        self.zip.writestr(MANIFEST, data.encode())
        self.zip.close()


def _damaged(path: Path, exc: BaseException) -> ArchiveError:
    return ArchiveError(f"备份文件已损坏或不完整：{path.name}", f"the backup file is damaged or truncated: {exc}")


class ArchiveReader:
    """Open an archive, read its manifest, check every member, then stream rows and files."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path, "r")
            raw = self.zip.read(MANIFEST)
        except KeyError as exc:
            raise ArchiveError("备份文件中没有清单", "the archive has no manifest") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(path, exc) from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ArchiveError("备份清单无法读取", "the backup manifest is not valid JSON") from exc
        self.manifest = Manifest.from_json(data)

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.zip.close()

    def _open(self, name: str) -> IO[bytes]:
        try:
            return self.zip.open(name)
        except KeyError as exc:
            raise ArchiveError(f"备份文件缺少 {name}", f"the archive lacks {name}") from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(self.path, exc) from exc

    def verify(self) -> None:
        """Check each member's SHA-256 (and a table's row count) against the manifest."""
        members: list[tuple[str, str, int | None]] = [(t.file, t.sha256, t.rows) for t in self.manifest.tables]
        members += [(f.file, f.sha256, None) for f in self.manifest.files]
        for name, expected, rows in members:
            digest = hashlib.sha256()
            lines = 0
            try:
                with self._open(name) as stream:
                    while chunk := stream.read(_CHUNK):
                        digest.update(chunk)
                        lines += chunk.count(b"\n")
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise _damaged(self.path, exc) from exc
            if digest.hexdigest() != expected:
                raise ArchiveError(f"{name} 的校验和不符", f"checksum mismatch in {name}")
            if rows is not None and lines != rows:
                raise ArchiveError(f"{name} 的行数不符", f"row count mismatch in {name}")

    def rows(self, entry: TableEntry) -> Iterator[list[Any]]:
        """The rows of one table, decoded one line at a time."""
        try:
            with self._open(entry.file) as stream:
                for raw in stream:
                    row = json.loads(raw)
                    if not isinstance(row, list) or len(row) != len(entry.columns):
                        raise ArchiveError(f"{entry.file} 中有格式错误的行", f"malformed row in {entry.file}")
                    yield row
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _damaged(self.path, exc) from exc
        except ValueError as exc:
            if isinstance(exc, ArchiveError):
                raise
            raise ArchiveError(f"{entry.file} 中有格式错误的行", f"malformed row in {entry.file}") from exc

    def open_file(self, entry: FileEntry) -> IO[bytes]:
        return self._open(entry.file)
