"""Importing investment completed: all or nothing, every bad row named with its field; the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lantu.accounts.service import InvalidInput
from lantu.cli import main
from lantu.projects.cli import read_investment_csv
from lantu.projects.models import InvestmentReport
from lantu.projects.services import (
    InvestmentRow,
    ProjectSpec,
    create_project,
    import_investments,
    record_investment,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2024, 12, 31)


@pytest.fixture
def projects(system: Any) -> None:
    for code, unit in (("P_XIHU", "330106"), ("P_YUHANG", "330110")):
        create_project(
            system,
            ProjectSpec(
                code=code,
                programme_code="DZJ",
                name_zh=code,
                org_unit=unit,
                planned_investment=Decimal(20),
                start=dt.date(2023, 1, 1),
            ),
        )


def rows(*lines: tuple[str, str, str]) -> list[InvestmentRow]:
    return [InvestmentRow(n, *line) for n, line in enumerate(lines, start=2)]


def test_good_rows_are_written_and_a_reimport_writes_nothing(system: Any, projects: None) -> None:
    lines = rows(("P_XIHU", "2023Q1", "1.5"), ("P_XIHU", "2023Q2", "2"), ("P_YUHANG", "2023", "1,200"))
    first = import_investments(system, lines, today=TODAY)
    assert (first.written, first.unchanged) == (3, 0)
    result = import_investments(system, lines, today=TODAY)
    assert (result.written, result.unchanged) == (0, 3)
    assert InvestmentReport.objects.get(project__code="P_YUHANG").amount == Decimal(1200)


def test_one_bad_row_writes_nothing_and_every_problem_is_named(system: Any, projects: None) -> None:
    record_investment(system, "P_YUHANG", "2023", Decimal(1), today=TODAY)
    lines = rows(
        ("P_XIHU", "2023Q1", "1.5"),  # good
        ("P_NOPE", "2023Q1", "1"),  # unknown project
        ("P_XIHU", "2023Q9", "1"),  # bad period
        ("P_XIHU", "2023Q2", "-4"),  # negative
        ("P_XIHU", "2023Q1", "2"),  # duplicates row 2
        ("P_YUHANG", "2023Q3", "1"),  # mixes kinds with the reported 2023
        ("P_XIHU", "2025Q1", "1"),  # not begun
        ("P_XIHU", "2023-05", "abc"),  # not a number
    )
    with pytest.raises(InvalidInput) as info:
        import_investments(system, lines, today=TODAY)
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {
        (3, "project"),
        (4, "period"),
        (5, "amount"),
        (6, "period"),
        (7, "period"),
        (8, "period"),
        (9, "amount"),
    }
    assert all(p.message_zh and p.message_en for p in info.value.problems)
    assert InvestmentReport.objects.filter(project__code="P_XIHU").count() == 0
    assert InvestmentReport.objects.filter(project__code="P_YUHANG").count() == 1


def test_a_reporter_imports_only_for_their_unit(county_reporter: Any, projects: None) -> None:
    with pytest.raises(InvalidInput) as info:
        import_investments(county_reporter, rows(("P_XIHU", "2023", "1"), ("P_YUHANG", "2023", "1")), today=TODAY)
    assert [(p.row, p.field) for p in info.value.problems] == [(3, "project")]
    assert not InvestmentReport.objects.exists()
    assert import_investments(county_reporter, rows(("P_XIHU", "2023", "1")), today=TODAY).written == 1


def test_empty_import_is_refused(system: Any) -> None:
    with pytest.raises(InvalidInput):
        import_investments(system, [])


def test_csv_headers_in_chinese_or_english() -> None:
    chinese = read_investment_csv('项目代码,报告期,完成投资,说明\nP_XIHU,2023,"1,234.5",初报\n\n'.encode("gb18030"))
    english = read_investment_csv(b"\xef\xbb\xbfProject,Period,Amount\nP_XIHU,2023,1234.5\n")
    assert chinese == [InvestmentRow(2, "P_XIHU", "2023", "1,234.5", "初报")]
    assert english == [InvestmentRow(2, "P_XIHU", "2023", "1234.5", "")]
    with pytest.raises(InvalidInput) as info:
        read_investment_csv("项目,报告期,金额\n".encode())
    assert {(p.row, p.field) for p in info.value.problems} == {(1, "项目"), (1, "金额"), (1, "project"), (1, "amount")}


def test_cli_imports_all_or_nothing(projects: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("项目代码,报告期,完成投资\nP_XIHU,2023,1\nP_XIHU,2023Q7,x\n", encoding="utf-8")
    assert main(["projects", "investment", "import", str(bad)]) == 2
    out = capsys.readouterr().out
    assert "第 3 行" in out
    assert "字段 period" in out
    assert "字段 amount" in out
    assert not InvestmentReport.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text("project,period,amount,note\nP_XIHU,2023,1,first\nP_YUHANG,2023,2.5,\n", encoding="utf-8")
    assert main(["projects", "investment", "import", str(good)]) == 0
    assert "2 个新版本" in capsys.readouterr().out
    assert InvestmentReport.objects.count() == 2


def test_cli_list_and_rollup(projects: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["projects", "list", "--unit", "330100"]) == 0
    out = capsys.readouterr().out
    assert "P_XIHU" in out
    assert "P_YUHANG" in out
    assert "P_ZJLAB" not in out
    assert main(["projects", "rollup", "--by", "city"]) == 0
    out = capsys.readouterr().out
    assert "杭州市" in out
    assert "没有计划总投资" in out  # 之江实验室 has no plan
    assert main(["projects", "rollup", "--by", "area"]) == 0
    assert main(["policies", "list"]) == 0
    assert "政策" in capsys.readouterr().out
