"""Run a pipeline on DuckDB (embedded, the default) or PySpark, with the same Ibis expressions.

One run: resolve the source files of the period (month partitions), checksum them, read them
with the engine, keep the rows in scope, join the org-unit map of the period end, classify each
row (valid, or rejected under the first reason it meets), aggregate the metrics per county with
the rejection counts in the same pass, add a pass per further level an output needs (city,
province: quantiles do not roll up), and turn the metrics into indicator values.

Org units: a row belongs to the county-level record its ``unit_code`` names **on the last day of
the period**; a code that names no county is ``unknown_unit``, a code whose county no longer (or
not yet) exists then is ``unit_not_valid``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lantu.core.periods import Period
from lantu.core.pipelines.spec import Check, Context, Level, Pipeline

if TYPE_CHECKING:
    import ibis.expr.types as ir
    from ibis.backends import BaseBackend

EngineName = Literal["duckdb", "spark"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")

UNIT_CHECKS = (
    Check(
        "null_unit", "缺少区划代码", "no unit code", lambda t, _c: t.unit_code.isnull() | (t.unit_code.strip() == "")
    ),
    Check(
        "unknown_unit",
        "区划代码不是已知的县级区划",
        "unit code is not a known county-level unit",
        lambda t, _c: t._known.isnull(),
    ),
    Check(
        "unit_not_valid",
        "区划在报告期末无效（已撤销或尚未设立）",
        "unit is not valid on the last day of the period",
        lambda t, _c: t._county.isnull(),
    ),
)


class PipelineError(Exception):
    """A run that cannot start: a missing source, a missing column, an engine not installed."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class UnitRow:
    """One county-level code and, on the last day of the period, its county, city and province codes.

    ``county`` is None when the code names a county that is not valid then.
    """

    code: str
    county: str | None
    city: str | None
    province: str | None


@dataclass(frozen=True)
class SourceFile:
    path: str
    bytes: int
    sha256: str


@dataclass
class SourceData:
    """A source as a run reads it: files (or a table), checksums, row count."""

    name: str
    kind: Literal["parquet", "csv", "table"]
    location: str
    files: list[SourceFile] = field(default_factory=list)
    rows: int | None = None
    table: str = ""  # for kind "table": the table name (location is the DuckDB file, or "" for Spark)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "location": self.location,
            "table": self.table,
            "rows": self.rows,
            "files": [{"path": f.path, "bytes": f.bytes, "sha256": f.sha256} for f in self.files],
        }


@dataclass(frozen=True)
class ComputedValue:
    indicator: str
    level: Level
    unit_code: str
    value: Decimal
    unit: str


@dataclass
class RunResult:
    """What a run computed; nothing is written anywhere by the engine."""

    pipeline: str
    version: int
    period: str
    engine: EngineName
    sources: list[SourceData]
    rows_in_scope: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    metrics: dict[Level, dict[str, dict[str, Any]]] = field(default_factory=dict)  # level → unit → metrics
    values: list[ComputedValue] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def threshold_failures(self, pipeline: Pipeline) -> list[tuple[str, int, float]]:
        """Reasons whose share of the rows in scope exceeds the pipeline's threshold."""
        failures = []
        for reason, count in sorted(self.rejected.items()):
            limit = pipeline.threshold(reason)
            if self.rows_in_scope and count / self.rows_in_scope > limit:
                failures.append((reason, count, limit))
        return failures


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _kind_of(path: Path) -> Literal["parquet", "csv"]:
    return "csv" if path.suffix.lower() in {".csv", ".gz"} and ".csv" in path.name.lower() else "parquet"


def resolve_source(
    pipeline: Pipeline, name: str, location: str, period: Period, *, checksums: bool = True
) -> SourceData:
    """Find the files of one source for a period: a file, a folder of files, or month partitions.

    ``location`` may also be ``duckdb:PATH#TABLE`` (a table of a DuckDB database file) or
    ``table:NAME`` (a table the engine's catalogue knows, e.g. a Spark metastore table).
    """
    source = pipeline.source(name)
    if location.startswith("table:"):
        return SourceData(name, "table", "", table=location.removeprefix("table:"))
    if location.startswith("duckdb:"):
        db, _, table = location.removeprefix("duckdb:").partition("#")
        if not Path(db).is_file() or not table:
            raise PipelineError(f"数据源 {name} 不存在：{location}", f"source {name} not found: {location}")
        return SourceData(name, "table", db, table=table)
    path = Path(location)
    if path.is_file():
        files = [path]
    elif path.is_dir():
        folders = [path]
        if source.by_month and any(p.name.startswith("month=") for p in path.iterdir()):
            months = _months_of(period)
            folders = [path / f"month={m}" for m in months if (path / f"month={m}").is_dir()]
        files = sorted(
            f for folder in folders for f in folder.rglob("*") if f.is_file() and f.suffix in {".parquet", ".csv"}
        )
    else:
        raise PipelineError(f"数据源 {name} 不存在：{location}", f"source {name} not found: {location}")
    if not files:
        raise PipelineError(
            f"数据源 {name} 在 {location} 中没有报告期 {period} 的文件",
            f"source {name} has no files for {period} in {location}",
        )
    kinds = {_kind_of(f) for f in files}
    if len(kinds) > 1:
        raise PipelineError(f"数据源 {name} 混有 CSV 和 Parquet 文件", f"source {name} mixes CSV and Parquet files")
    return SourceData(
        name,
        kinds.pop(),
        str(path),
        [SourceFile(str(f), f.stat().st_size, sha256_of(f) if checksums else "") for f in files],
    )


def _months_of(period: Period) -> list[str]:
    first = period.start
    out = []
    y, m = first.year, first.month
    while (y, m) <= (period.end.year, period.end.month):
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@contextmanager
def connect(engine: EngineName, spark: Any = None) -> Iterator[BaseBackend]:
    """An Ibis backend: an in-process DuckDB, or PySpark on ``spark`` (or a new local session)."""
    import ibis

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        try:
            yield con
        finally:
            con.disconnect()
        return
    if engine == "spark":
        try:
            import pyspark  # noqa: F401 - only to say plainly when the extra is missing
        except ImportError as exc:  # pragma: no cover - depends on the extra being installed
            raise PipelineError(
                "未安装 Spark 引擎（pip install 'lantu[spark]'）", "the Spark engine is not installed (lantu[spark])"
            ) from exc
        own = spark is None
        session = spark or local_spark()
        try:
            yield ibis.pyspark.connect(session)
        finally:
            if own:
                session.stop()
        return
    raise PipelineError(f"未知引擎“{engine}”", f"unknown engine {engine!r}")


def local_spark(partitions: int = 4, memory: str = "4g") -> Any:
    """A local-mode SparkSession with the settings the pipelines rely on (UTC, no UI)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[*]")
        .appName("lantu-pipelines")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", memory)
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )


def _read(con: BaseBackend, engine: EngineName, source: SourceData) -> ir.Table:
    import ibis

    if source.kind == "table":
        if engine == "duckdb" and source.location:
            con.raw_sql(f"ATTACH '{source.location}' AS src_{source.name} (READ_ONLY)")
            return con.table(source.table, database=f"src_{source.name}")
        return con.table(source.table)
    paths = [f.path for f in source.files]
    if engine == "duckdb":
        if source.kind == "parquet":
            return con.read_parquet(paths)
        return con.read_csv(paths)
    session = con._session
    reader = session.read
    frame = reader.parquet(*paths) if source.kind == "parquet" else reader.csv(paths, header=True, inferSchema=True)
    view = f"lantu_{source.name}_{abs(hash(tuple(paths))) % 10**8}"
    frame.createOrReplaceTempView(view)
    del ibis
    return con.table(view)


def _conform(table: ir.Table, columns: Mapping[str, str], name: str) -> ir.Table:
    """Select and cast the columns a source must have; a missing column stops the run."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise PipelineError(
            f"数据源 {name} 缺少列：{', '.join(missing)}", f"source {name} lacks columns: {', '.join(missing)}"
        )
    return table.select(**{c: table[c].cast(t) for c, t in columns.items()})


def _unit_table(units: Sequence[UnitRow]) -> ir.Table:
    import ibis
    import pyarrow as pa

    return ibis.memtable(
        pa.table(
            {
                "_code": pa.array([u.code for u in units], pa.string()),
                "_known": pa.array([True] * len(units), pa.bool_()),
                "_county": pa.array([u.county for u in units], pa.string()),
                "_city": pa.array([u.city for u in units], pa.string()),
                "_province": pa.array([u.province for u in units], pa.string()),
            }
        )
    )


def prepare(pipeline: Pipeline, tables: Mapping[str, ir.Table], ctx: Context, units: Sequence[UnitRow]) -> ir.Table:
    """The rows in scope with the unit map and lookups joined, and ``_reason`` (None = valid)."""
    import ibis

    main = tables[pipeline.main]
    scoped = main.filter(pipeline.in_scope(main, ctx))
    unit_map = _unit_table(units)
    joined = scoped.left_join(unit_map, scoped.unit_code == unit_map._code).drop("_code")
    joined = pipeline.enrich(joined, ctx)
    checks = (*UNIT_CHECKS, *pipeline.checks)
    reason = ibis.cases(*((c.bad(joined, ctx), c.reason) for c in checks), else_=ibis.null("string"))
    return joined.mutate(_reason=reason)


def queries(pipeline: Pipeline, prepared: ir.Table, ctx: Context) -> dict[str, ir.Table]:
    """By county with the rejection counts; then, if outputs need them, by city and province."""
    import ibis

    ok = prepared._reason.isnull()
    reasons = [c.reason for c in (*UNIT_CHECKS, *pipeline.checks)]
    metrics = pipeline.metrics(prepared, ok, ctx)
    county = prepared.group_by(_unit=prepared._county).aggregate(
        _rows=prepared.count(), **{f"_rej_{r}": prepared.count(where=prepared._reason == r) for r in reasons}, **metrics
    )
    out: dict[str, ir.Table] = {"county": county}
    needed = [level for level in ("city", "province") if any(level in o.levels for o in pipeline.outputs)]
    if needed:
        # The higher levels in one statement over the valid rows (a union of one aggregate per
        # level), so the engine can share the scan.
        valid = prepared.filter(ok)
        parts = [
            valid.group_by(_unit=valid[f"_{level}"])
            .aggregate(**pipeline.metrics(valid, valid._reason.isnull(), ctx))
            .mutate(_level=ibis.literal(level))
            for level in needed
        ]
        out["higher"] = ibis.union(*parts) if len(parts) > 1 else parts[0]
    return out


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars from pandas
        return _clean(value.item())
    return value


def run(
    pipeline: Pipeline,
    period: Period,
    sources: Mapping[str, SourceData],
    units: Sequence[UnitRow],
    *,
    engine: EngineName = "duckdb",
    spark: Any = None,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Compute a pipeline for one period; returns the values, the rejections and the row counts."""
    say = progress or (lambda _text: None)
    began = time.perf_counter()
    result = RunResult(pipeline.name, pipeline.version, str(period), engine, list(sources.values()))
    try:
        _compute(pipeline, period, sources, units, engine, spark, say, result)
    except _unreadable(engine) as exc:
        # A corrupt or truncated file (bad Parquet footer, failed decompression) is the file's fault.
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise PipelineError(f"数据源文件无法读取：{detail}", f"a source file cannot be read: {detail}") from exc
    for output in pipeline.outputs:
        for level in output.levels:
            for unit, metrics in sorted(result.metrics.get(level, {}).items()):
                value = output.value(metrics)
                if value is not None:
                    result.values.append(ComputedValue(output.indicator, level, unit, value, output.unit))
    result.seconds = time.perf_counter() - began
    return result


def _unreadable(engine: EngineName) -> tuple[type[BaseException], ...]:
    """The errors that mean a source file could not be read (rather than a bug in a query)."""
    import pyarrow as pa

    errors: list[type[BaseException]] = [pa.ArrowException, OSError]
    if engine == "duckdb":
        import duckdb

        errors.append(duckdb.Error)
    return tuple(errors)


def _compute(
    pipeline: Pipeline,
    period: Period,
    sources: Mapping[str, SourceData],
    units: Sequence[UnitRow],
    engine: EngineName,
    spark: Any,
    say: Callable[[str], None],
    result: RunResult,
) -> None:
    """Read the sources and run the pipeline's queries, filling ``result`` (rows, rejections, metrics)."""
    with connect(engine, spark) as con:
        tables: dict[str, ir.Table] = {}
        for name, data in sources.items():
            say(f"读取 (reading) {name}")
            raw = _read(con, engine, data)
            tables[name] = _conform(raw, pipeline.source(name).columns, name)
            if data.rows is None:
                data.rows = _row_count(data, tables[name], con)
        ctx = Context(str(period), period.start, period.end, tables)
        prepared = prepare(pipeline, tables, ctx, units)
        for level, query in queries(pipeline, prepared, ctx).items():
            say(f"计算 (computing) {level}")
            rows = con.to_pyarrow(query).to_pylist()
            cleaned = [{k: _clean(v) for k, v in row.items()} for row in rows]
            if level == "county":
                result.rows_in_scope = sum(int(r["_rows"] or 0) for r in cleaned)
                for check in (*UNIT_CHECKS, *pipeline.checks):
                    n = sum(int(r[f"_rej_{check.reason}"] or 0) for r in cleaned)
                    if n:
                        result.rejected[check.reason] = n
            for r in cleaned:
                if r["_unit"]:
                    where: Level = r.get("_level") or "county"
                    metrics = {k: v for k, v in r.items() if not k.startswith("_")}
                    result.metrics.setdefault(where, {})[r["_unit"]] = metrics


def _row_count(data: SourceData, table: ir.Table, con: BaseBackend) -> int:
    if data.kind == "parquet":
        import pyarrow.parquet as pq

        return sum(pq.ParquetFile(f.path).metadata.num_rows for f in data.files)
    return int(con.execute(table.count()))
