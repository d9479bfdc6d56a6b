"""The monitoring commands of the ``lantu`` console script: import, export, template, rollup."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lantu.cli import main
from lantu.core import tabular
from lantu.monitoring.models import Aggregate, DataValue, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

HEADER = "indicator,org_unit,period,value,unit,comment\n"


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "values.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_import_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "GDP,330106,2022,2000,,", 'DE_TOTAL,330106,2022,"1,200",亿元,')
    assert main(["import", "values", str(path), "--dry-run"]) == 0
    assert "未写入" in capsys.readouterr().out
    assert not DataValue.objects.exists()
    assert main(["import", "values", str(path)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert ValueState.objects.get(indicator__code="DE_TOTAL").current.value == Decimal(1200)
    assert DataValue.objects.get(indicator__code="GDP").actor_label == "cli"


def test_a_bad_file_returns_2_and_names_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "GDP,330106,2022,2000,,", "NOPE,330106,2022,1,,", "GDP,330104,2022,1,,")
    assert main(["import", "values", str(path)]) == 2
    out = capsys.readouterr().out
    assert "第 3 行" in out
    assert "NOPE" in out
    assert "第 4 行" in out
    assert not DataValue.objects.exists()
    assert main(["import", "values", str(tmp_path / "missing.csv")]) == 2
    assert "文件不存在" in capsys.readouterr().out


def test_import_as_a_user_is_scoped(tmp_path: Path, county_reporter: Any, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "GDP,330110,2022,2000,,")
    assert main(["import", "values", str(path), "--as", "xihu_reporter"]) == 2
    assert "330110" in capsys.readouterr().out
    assert main(["import", "values", str(path), "--as", "nobody"]) == 2
    assert not DataValue.objects.exists()


def test_export_writes_the_import_format(system: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record_values(
        system,
        [
            ValueEntry("GDP", "330000", "2022", Decimal(77715)),
            ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元"),
        ],
        approved=True,
    )
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(2000))])  # a draft
    out = tmp_path / "export.csv"
    assert main(["export", "values", "--out", str(out)]) == 0
    assert "2 行" in capsys.readouterr().out
    rows = tabular.read_values_csv(out.read_bytes())
    assert [(r.indicator, r.org_unit, r.period, r.value, r.unit) for r in rows] == [
        ("DE_TOTAL", "330000", "2022", Decimal(39300), "亿元"),
        ("GDP", "330000", "2022", Decimal(77715), "亿元"),
    ]
    assert main(["export", "values", "--basis", "preliminary", "--indicator", "GDP", "--out", str(out)]) == 0
    assert [r.org_unit for r in tabular.read_values_csv(out.read_bytes())] == ["330000", "330106"]


def test_template_for_a_round_and_unit(
    tmp_path: Path, make_round: MakeRound, capsys: pytest.CaptureFixture[str]
) -> None:
    make_round("XH2022", ["GDP", "DE_TOTAL"], ["330106"])
    out = tmp_path / "xihu.xlsx"
    assert main(["template", "XH2022", "330106", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out.replace("\n", "")
    upload = tabular.read_template(out.read_bytes())
    assert (upload.round_key, upload.org_unit, upload.rows) == ("XH2022", "330106", [])
    assert main(["template", "XH2022", "330104", "--out", str(out)]) == 2  # 江干区 was gone by 2022
    assert main(["template", "NOPE", "330106", "--out", str(tmp_path / "nope.xlsx")]) == 2
    assert not (tmp_path / "nope.xlsx").exists()


def test_rollup_rebuilds_the_aggregates(system: Any, capsys: pytest.CaptureFixture[str]) -> None:
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(2000))])
    Aggregate.objects.all().delete()
    assert main(["rollup"]) == 0
    assert "已重算汇总值" in capsys.readouterr().out
    hangzhou = Aggregate.objects.get(indicator__code="GDP", org_unit__key="330100", basis="preliminary")
    assert hangzhou.value == Decimal(2000)
    assert main(["rollup", "--programme", "NOPE"]) == 2
