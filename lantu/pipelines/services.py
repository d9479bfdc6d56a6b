"""Running a pipeline: compute on an engine, then write the values through ``record_values``.

A run computes first and writes afterwards, in one transaction: the run row (always, so every
attempt is on record) and, if the data passed its thresholds and the values their checks, the
values as **drafts** with the run's provenance as their ``source``. They then go through the
normal submit/approve path. A failed run writes no value. Re-running the same inputs writes no new
version: ``record_values`` leaves identical values alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import InvalidInput, NotFound, Problem, audit, problem_text, require, service
from lantu.core.errors import LantuValueError
from lantu.core.periods import Period, parse_period
from lantu.core.pipelines import engine as pipeline_engine
from lantu.core.pipelines.definitions import PIPELINES
from lantu.core.pipelines.engine import EngineName, PipelineError, SourceData
from lantu.core.pipelines.spec import Pipeline
from lantu.core.pipelines.synthetic import MARKER
from lantu.framework.models import Indicator
from lantu.monitoring.services.values import ValueEntry, record_values
from lantu.pipelines import selectors
from lantu.pipelines.models import PipelineDefinition, PipelineRun, RunStatus


def _definition_row(actor: Actor, pipeline: Pipeline) -> PipelineDefinition:
    """The stored version matching the code's definition; a new version row if it changed."""
    fingerprint = pipeline.fingerprint()
    latest = selectors.latest_definition(pipeline.name)
    if latest is not None and latest.fingerprint == fingerprint:
        return latest
    row = PipelineDefinition.objects.create(
        name=pipeline.name,
        version=(latest.version + 1) if latest else 1,
        title_zh=pipeline.title_zh,
        indicators=pipeline.indicators,
        definition=pipeline.describe(),
        fingerprint=fingerprint,
        created_by=user_of(actor),
        actor_label=label_of(actor),
        reason="首次登记 (first registration)"
        if latest is None
        else "定义或计算代码已变更 (definition or code changed)",
    )
    audit(actor, "pipelines.definition.register", row, after={"version": row.version, "fingerprint": fingerprint})
    return row


@service("values.report")
def register_definitions(actor: Actor) -> list[PipelineDefinition]:
    """Store a new version of every shipped pipeline whose definition changed; return the current ones."""
    return [_definition_row(actor, p) for p in PIPELINES.values()]


def _sources(pipeline: Pipeline, period: Period, given: Mapping[str, str]) -> dict[str, SourceData]:
    """``given`` maps source names to paths; the key ``""`` is a data folder holding all of them."""
    root = given.get("")
    found: dict[str, SourceData] = {}
    problems: list[Problem] = []
    unknown = sorted(set(given) - {"", *(s.name for s in pipeline.sources)})
    for name in unknown:
        problems.append(Problem("source", f"管道没有名为“{name}”的数据源", f"the pipeline has no source {name!r}"))
    for source in pipeline.sources:
        location = given.get(source.name) or (str(Path(root) / source.default_path) if root else None)
        if location is None:
            problems.append(Problem("source", f"未指定数据源 {source.name}", f"source {source.name} not given"))
            continue
        try:
            found[source.name] = pipeline_engine.resolve_source(pipeline, source.name, location, period)
        except PipelineError as exc:
            problems.append(Problem("source", exc.message_zh, exc.message_en))
    if problems:
        raise InvalidInput(problems)
    return found


def _is_synthetic(sources: Mapping[str, SourceData]) -> bool:
    """Data made by the synthetic generator carries a marker file in its folder (or a parent)."""
    for data in sources.values():
        for f in data.files:
            for folder in Path(f.path).parents:
                if (folder / MARKER).is_file():
                    return True
    return False


@service("values.report", scoped=True)
def run_pipeline(
    actor: Actor,
    name: str,
    period: str,
    *,
    engine: EngineName = "duckdb",
    sources: Mapping[str, str],
    spark: Any = None,
    progress: Callable[[str], None] | None = None,
) -> PipelineRun:
    """Run pipeline ``name`` for ``period`` and record the run; values go in as drafts.

    Bad arguments (unknown pipeline, a period of the wrong kind, missing source files or columns)
    raise :class:`InvalidInput` and record nothing. A run whose rejected rows exceed a threshold,
    or whose values fail monitoring's checks, is recorded as failed and writes no value.
    """
    pipeline = PIPELINES.get(name)
    if pipeline is None:
        raise NotFound("数据管道", name)
    if engine not in pipeline_engine.ENGINES:
        raise InvalidInput.one("engine", f"未知引擎“{engine}”", f"unknown engine {engine!r}")
    indicators = {
        i.code: i for i in Indicator.objects.filter(code__in=pipeline.indicators).select_related("programme__org_unit")
    }
    missing = [code for code in pipeline.indicators if code not in indicators]
    if missing:
        raise InvalidInput.one(
            "indicator",
            f"规划中没有该管道所供的指标：{', '.join(missing)}",
            f"the programme lacks the indicators this pipeline feeds: {', '.join(missing)}",
        )
    try:
        parsed = parse_period(period, pipeline.frequency)
        for indicator in indicators.values():
            parse_period(period, indicator.frequency)  # type: ignore[arg-type]
    except LantuValueError as exc:
        raise InvalidInput.one("period", exc.message_zh, exc.message_en) from exc
    for indicator in indicators.values():
        require(actor, "values.report", org_unit=indicator.programme.org_unit, department=indicator.department)

    found = _sources(pipeline, parsed, sources)
    definition = _definition_row(actor, pipeline)
    started = timezone.now()
    try:
        result = pipeline_engine.run(
            pipeline, parsed, found, selectors.unit_rows(parsed.end), engine=engine, spark=spark, progress=progress
        )
    except PipelineError as exc:
        raise InvalidInput.one("source", exc.message_zh, exc.message_en) from exc

    run = PipelineRun.objects.create(
        definition=definition,
        period=str(parsed),
        engine=engine,
        status=RunStatus.FAILED,
        sources=[s.as_dict() for s in result.sources],
        rows_in_scope=result.rows_in_scope,
        rejected=result.rejected,
        results=[
            {"indicator": v.indicator, "level": v.level, "org_unit": v.unit_code, "value": str(v.value), "unit": v.unit}
            for v in result.values
        ],
        is_demo=_is_synthetic(found),
        started_at=started,
        finished_at=timezone.now(),
        seconds=result.seconds,
        actor=user_of(actor),
        actor_label=label_of(actor),
    )
    failures = [
        {
            "reason": reason,
            "rows": rows,
            "limit": limit,
            "message_zh": f"剔除原因“{reason}”的记录 {rows} 条，占 {rows / result.rows_in_scope:.2%}，超过阈值 {limit:.2%}",
            "message_en": f"{rows} rows rejected as {reason} ({rows / result.rows_in_scope:.2%}), over the limit {limit:.2%}",
        }
        for reason, rows, limit in result.threshold_failures(pipeline)
    ]
    if not failures and not result.values:
        failures.append(
            {"reason": "no_values", "message_zh": "报告期内没有可计算的数据", "message_en": "no values for the period"}
        )
    if not failures:
        entries = [ValueEntry(v.indicator, v.unit_code, str(parsed), v.value, v.unit) for v in result.values]
        try:
            with transaction.atomic():
                recorded = record_values(actor, entries, source=run.provenance, demo=run.is_demo)
        except InvalidInput as exc:
            failures = [
                {"reason": "monitoring_checks", "message_zh": problem_text(p), "message_en": p.message_en}
                for p in exc.problems[:50]
            ]
        else:
            run.status = RunStatus.SUCCEEDED
            run.values_written = recorded.written
            run.values_unchanged = recorded.unchanged
    run.failures = failures
    run.finished_at = timezone.now()
    run.save()
    audit(
        actor,
        "pipelines.run",
        run,
        after={
            "pipeline": name,
            "version": definition.version,
            "period": run.period,
            "engine": engine,
            "status": run.status,
            "rows_in_scope": run.rows_in_scope,
            "rejected": run.rejected,
            "written": run.values_written,
            "unchanged": run.values_unchanged,
        },
    )
    return run
