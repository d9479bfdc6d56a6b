"""The API and the CLI call the same selectors and services as the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from lantu.assessment.models import Assessment
from lantu.cli import main

pytestmark = pytest.mark.django_db
CODE = "DEMO-CITY-2023"


def test_api_results_method_and_a_refused_score(demo_assessment: Assessment, admin_user: Any, evaluator: Any) -> None:
    office = Client()
    office.force_login(admin_user)
    body = office.get(f"/api/v1/assessments/{CODE}").json()
    assert body["assessment"]["method_sha256"] == demo_assessment.method.sha256
    assert len(body["results"]) == 11
    assert all(r["rank_low"] <= r["rank"] <= r["rank_high"] for r in body["results"])
    method = office.get(f"/api/v1/assessments/{CODE}/method").json()
    assert method["versions"] == [1]
    ev = Client()
    ev.force_login(evaluator)
    refused = ev.post(
        f"/api/v1/assessments/{CODE}/scores",
        {"unit": "330100", "item": "R1", "score": "8"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert "利益冲突声明" in refused.json()["detail"][0]["message_zh"]
    assert Client().get(f"/api/v1/assessments/{CODE}").status_code == 401


def test_cli_run_and_export(demo_assessment: Assessment, tmp_path: Path, capsys: Any) -> None:
    assert main(["assess", "run", CODE]) == 0
    assert "第 2 次计算" in capsys.readouterr().out
    target = tmp_path / "a.xlsx"
    assert main(["assess", "export", CODE, str(target)]) == 0
    assert "结果 Results" in load_workbook(target).sheetnames


def test_cli_defines_a_method_and_an_assessment_from_files(tmp_path: Path, capsys: Any) -> None:
    meta = tmp_path / "META.csv"
    meta.write_text(
        "code,name,parent,weight,direction,level,source\n"
        "IDX,指数,,1,1,3,\n"
        "P1,支柱,IDX,1,1,2,\n"
        "FIBRE,光纤,P1,1,1,1,value:FIBRE_USERS\n"
        "R9,评分,P1,1,1,1,rubric:R9\n",
        encoding="utf-8-sig",
    )
    method = tmp_path / "METHOD.yaml"
    method.write_text("version: 1\nsteps:\n  - normalise: {method: minmax}\n", encoding="utf-8")
    rubric = tmp_path / "RUBRIC.csv"
    rubric.write_text("code,text,max_score,weight\nR9,工作成效,10,1\n", encoding="utf-8")
    assert (
        main(["assess", "method", "CLI-M", "--name", "命令行方法", "--meta", str(meta), "--method", str(method)]) == 0
    )
    assert "第 1 版" in capsys.readouterr().out
    args = ["assess", "create", "CLI-A", "--title", "命令行评估", "--year", "2023", "--subject", "cities"]
    assert main([*args, "--method", "CLI-M", "--rubric", str(rubric)]) == 0
    assert Assessment.objects.get(code="CLI-A").method.code == "CLI-M"
    # a bad framework is refused with the code and the rule, and nothing is stored
    meta.write_text("code,name,parent,weight,direction,level,source\nIDX,指数,,1,1,2,\nA,a,IDX,-1,1,1,value:GDP\n")
    assert main(["assess", "method", "CLI-M", "--name", "x", "--meta", str(meta), "--method", str(method)]) == 2
    assert "A" in capsys.readouterr().out
