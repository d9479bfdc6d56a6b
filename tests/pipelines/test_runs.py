"""Runs land in monitoring as drafts with provenance, go through approval, and are idempotent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.pipelines.engine import sha256_of
from lantu.monitoring.models import DataValue, ValueState, ValueStatus
from lantu.monitoring.services.approval import approve_values, submit_values
from lantu.pipelines.models import PipelineDefinition, PipelineRun
from lantu.pipelines.services import register_definitions, run_pipeline
from tests.pipelines.conftest import write_transactions

pytestmark = pytest.mark.django_db


def test_a_run_writes_drafts_with_provenance(system: Any, synthetic_dir: Path) -> None:
    run = run_pipeline(system, "gov_services", "2022-03", sources={"": str(synthetic_dir)})
    assert run.status == "succeeded"
    assert run.values_written == len(run.results) > 90 * 7
    assert run.is_demo  # synthetic records make demo values (示例数据)
    transactions = next(s for s in run.sources if s["name"] == "transactions")
    file = transactions["files"][0]
    assert file["sha256"] == sha256_of(Path(file["path"]))
    assert transactions["rows"] == run.rows_in_scope + 0 or transactions["rows"] >= run.rows_in_scope
    assert run.rejected
    assert sum(run.rejected.values()) < run.rows_in_scope * 0.01
    values = DataValue.objects.filter(source__startswith=f"数据管道 gov_services v1 运行#{run.pk}")
    assert values.count() == run.values_written
    assert all(v.is_demo for v in values)
    states = ValueState.objects.filter(current__in=values)
    assert {s.status for s in states} == {ValueStatus.DRAFT}
    xihu = values.get(indicator__code="GOV_TX_MOBILE_SHARE", org_unit__code="330106")
    expected = next(r for r in run.results if r["indicator"] == "GOV_TX_MOBILE_SHARE" and r["org_unit"] == "330106")
    assert str(xihu.value.normalize()) == str(__import__("decimal").Decimal(expected["value"]).normalize())
    assert values.filter(indicator__code="GOV_TX_TIME_P90", org_unit__code="330000").exists()


def test_rerunning_the_same_inputs_writes_nothing_new(system: Any, synthetic_dir: Path) -> None:
    first = run_pipeline(system, "fiveg_stations", "2022", sources={"": str(synthetic_dir)})
    count = DataValue.objects.count()
    second = run_pipeline(system, "fiveg_stations", "2022", sources={"": str(synthetic_dir)})
    assert (second.status, second.values_written, second.values_unchanged) == ("succeeded", 0, first.values_written)
    assert DataValue.objects.count() == count
    assert PipelineRun.objects.count() == 2  # every attempt is on record
    assert second.definition == first.definition


def test_a_run_over_its_thresholds_fails_and_writes_nothing(system: Any, tmp_path: Path) -> None:
    folder = write_transactions(tmp_path, [{"unit_code": None}] * 5 + [{}] * 45, ["A"])
    before = DataValue.objects.count()
    run = run_pipeline(system, "gov_services", "2022-03", sources={"": str(folder)})
    assert run.status == "failed"
    assert run.rejected == {"null_unit": 5}
    assert run.failures[0]["reason"] == "null_unit"
    assert "超过阈值" in run.failures[0]["message_zh"]
    assert (run.values_written, DataValue.objects.count()) == (0, before)
    assert not run.is_demo  # hand-made files carry no synthetic marker


def test_bad_arguments_record_nothing(system: Any, synthetic_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        run_pipeline(system, "no_such_pipeline", "2022", sources={"": str(synthetic_dir)})
    with pytest.raises(InvalidInput) as wrong_kind:
        run_pipeline(system, "gov_services", "2022", sources={"": str(synthetic_dir)})
    assert wrong_kind.value.problems[0].field == "period"
    with pytest.raises(InvalidInput) as missing:
        run_pipeline(system, "gov_services", "2022-03", sources={"": str(tmp_path)})
    assert {p.field for p in missing.value.problems} == {"source"}
    assert not PipelineRun.objects.exists()


def test_only_province_reporters_may_run(county_reporter: Any, synthetic_dir: Path) -> None:
    with pytest.raises((NotFound, PermissionError)):
        run_pipeline(county_reporter, "fiveg_stations", "2022", sources={"": str(synthetic_dir)})
    assert not PipelineRun.objects.exists()


def test_pipeline_values_go_through_approval(
    system: Any, county_reporter: Any, city_approver: Any, synthetic_dir: Path, make_round: Any
) -> None:
    run = run_pipeline(system, "fibre_users", "2022", sources={"": str(synthetic_dir)})
    assert run.status == "succeeded"
    make_round("PIPE-2022", ["FIBRE_USERS", "BROADBAND_USERS"], ["330106"], period="2022")
    submit_values(county_reporter, "PIPE-2022", "330106")
    approve_values(city_approver, "PIPE-2022", "330106")
    states = ValueState.objects.filter(
        org_unit__code="330106", period="2022", indicator__code__in=["FIBRE_USERS", "BROADBAND_USERS"]
    )
    assert {s.status for s in states} == {ValueStatus.APPROVED}
    assert all(s.approved_id == s.current_id for s in states)
    assert all(s.approved is not None and s.approved.source.startswith("数据管道 fibre_users") for s in states)


def test_definitions_are_versioned_by_fingerprint(system: Any) -> None:
    first = register_definitions(system)
    again = register_definitions(system)
    assert [d.pk for d in first] == [d.pk for d in again]
    assert PipelineDefinition.objects.count() == 4
    row = PipelineDefinition.objects.get(name="gov_services")
    assert row.version == 1
    assert row.definition["outputs"][0]["indicator"] == "GOV_TX_TOTAL"
    PipelineDefinition.objects.filter(pk=row.pk).update(fingerprint="changed")
    assert register_definitions(system)[0].version == 2


def test_cli_lists_and_runs(synthetic_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lantu.cli import main

    assert main(["pipeline", "run", "fibre_users", "--period", "2022", "--source", str(synthetic_dir)]) == 0
    assert main(["pipeline", "list"]) == 0
    out = capsys.readouterr().out
    assert "fibre_users" in out
    assert "drafts written" in out
