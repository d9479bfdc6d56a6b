"""`lantu tasks export`, `lantu tasks import [--dry-run]`, `lantu tasks list`."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from lantu.cli import main
from lantu.tasks.models import Task

pytestmark = pytest.mark.django_db


def test_export_then_dry_run_and_import_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tasks.xlsx"
    assert main(["tasks", "export", str(out)]) == 0
    assert main(["tasks", "import", str(out), "--dry-run"]) == 0
    assert "新建 0" in capsys.readouterr().out
    assert main(["tasks", "import", str(out)]) == 0
    assert "更新 0" in capsys.readouterr().out


def test_bad_rows_are_printed_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["序号", "任务", "责任单位", "时间节点"])
    ws.append(["1", "甲", "某某局", "2025年底前"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    before = Task.objects.count()
    assert main(["tasks", "import", str(path), "--dry-run"]) == 2
    assert "第 2 行" in capsys.readouterr().out
    assert main(["tasks", "import", str(path)]) == 2
    assert "某某局" in capsys.readouterr().out
    assert Task.objects.count() == before


def test_list_by_light(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "list", "--light", "grey"]) == 0
    out = capsys.readouterr().out
    assert "T02" in out
    assert "T15" not in out
