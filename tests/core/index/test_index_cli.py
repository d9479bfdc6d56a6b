"""`lantu index build` and `lantu index audit` through the console entry point (no database needed)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from lantu.cli import main
from lantu.core.index.io import read_data, read_meta
from lantu.core.index.method import read_method

META = """code,name,parent,weight,direction,level,denominator
INDEX,数字化发展指数,,1,1,3,
P1,基础设施,INDEX,1,1,2,
P2,应用,INDEX,1,1,2,
x1,5G基站,P1,1,1,1,pop
x2,宽带资费,P1,1,-1,1,
x3,电商额,P2,2,1,1,
x4,政务上网率,P2,1,1,1,
"""
DATA = """unit,city,x1,x2,x3,x4,pop
A,杭州,100,30,5,0.9,10
B,杭州,200,25,,0.8,20
C,宁波,150,40,7,0.5,5
D,宁波,90,35,3,,9
E,温州,300,20,20,0.7,30
"""
CONSTANT_X4 = """unit,city,x1,x2,x3,x4,pop
A,杭州,100,30,5,0.7,10
B,杭州,200,25,6,0.7,20
C,宁波,150,40,7,0.7,5
D,宁波,90,35,3,0.7,9
"""
METHOD = """version: 3
name: 数字化发展指数
steps:
  - denominate: {}
  - screen: {dat_thresh: 0.5}
  - impute: {method: group_mean, group: city}
  - treat: {}
  - normalise: {method: minmax, low: 0, high: 100}
  - weight: {method: manual}
  - aggregate: {method: arithmetic}
"""


def files(tmp_path: Path, meta: str = META, data: str = DATA, method: str = METHOD) -> list[str]:
    (tmp_path / "META.csv").write_text(meta, encoding="utf-8")
    (tmp_path / "DATA.csv").write_text(data, encoding="utf-8")
    (tmp_path / "METHOD.yaml").write_text(method, encoding="utf-8")
    return [
        "--data",
        str(tmp_path / "DATA.csv"),
        "--meta",
        str(tmp_path / "META.csv"),
        "--method",
        str(tmp_path / "METHOD.yaml"),
    ]


def test_build_writes_every_stage_and_the_method_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["index", "build", *files(tmp_path), "--out", str(out)]) == 0
    expected = {
        "raw.csv",
        "denominated.csv",
        "screened.csv",
        "imputed.csv",
        "treated.csv",
        "normalised.csv",
        "aggregated.csv",
        "ranks.csv",
        "weights.csv",
        "notes.txt",
        "method.yaml",
    }
    names = {p.name for p in out.iterdir()}
    assert expected <= names
    assert {"audit_statistics.csv", "audit_correlations.csv", "audit_flags.csv"} <= names
    method = read_method(tmp_path / "METHOD.yaml")
    used = (out / "method.yaml").read_text(encoding="utf-8")
    assert used.startswith(f"# sha256: {method.sha256}")
    assert read_method(out / "method.yaml").sha256 == method.sha256
    tree = read_meta(tmp_path / "META.csv")
    raw = read_data(out / "raw.csv", tree)
    assert raw.codes == ("x1", "x2", "x3", "x4", "pop")
    assert raw.groups["city"][0] == "杭州"
    normalised = np.genfromtxt(out / "normalised.csv", delimiter=",", skip_header=1)[:, 2:]
    assert np.nanmin(normalised) == 0.0
    assert np.nanmax(normalised) == 100.0
    aggregated = (out / "aggregated.csv").read_text(encoding="utf-8").splitlines()
    assert aggregated[0] == "unit,city,P1,P2,INDEX"
    assert len(aggregated) == 6
    ranks = (out / "ranks.csv").read_text(encoding="utf-8").splitlines()
    assert ranks[0] == "unit,city,x1,x2,x3,x4,P1,P2,INDEX"
    notes = (out / "notes.txt").read_text(encoding="utf-8")
    assert f"sha256: {method.sha256}" in notes
    assert "【插补】按组内均值插补2个缺失值" in notes
    weights = (out / "weights.csv").read_text(encoding="utf-8").splitlines()
    assert "x3,电商额,1,P2,0.6666666666666666,0.3333333333333333" in weights
    printed = capsys.readouterr().out
    assert "数字化发展指数" in printed
    assert method.sha256 in printed


def test_build_stage_values_read_back(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["index", "build", *files(tmp_path), "--out", str(out), "--no-audit"]) == 0
    assert not any(p.name.startswith("audit_") for p in out.iterdir())
    text = (out / "imputed.csv").read_text(encoding="utf-8").splitlines()
    # B's missing x3 takes the mean of 杭州 (A: 5) ; D's missing x4 the mean of 宁波 (C: 0.5)
    assert text[2].split(",")[4] == "5"
    assert text[4].split(",")[5] == "0.5"
    row_a = (out / "denominated.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
    assert float(row_a[2]) == 10.0  # 100 / 10


@pytest.mark.parametrize(
    ("meta", "data", "method", "message"),
    [
        (META.replace("P2,应用,INDEX", "P2,应用,P3"), DATA, METHOD, "“P2”的上级“P3”不存在"),
        (META.replace("x3,电商额,P2,2", "x3,电商额,P2,-2"), DATA, METHOD, "“x3”的权重须为非负有限数"),
        (META, DATA.replace("D,宁波,90,35,3,,9", "D,宁波,90,35,abc,,9"), METHOD, "DATA.csv第5行“x3”列不是数字：abc"),
        (META, DATA, METHOD.replace("treat: {}", "treat: {winmax: 3}"), "步骤“treat”没有选项“winmax”"),
        (META, DATA, METHOD.replace("- screen", "- sieve"), "方法中没有“sieve”这一步骤"),
        (
            META,
            DATA.replace("D,宁波,90,35,3,,9", "D,宁波,,,,,9"),
            METHOD.replace("dat_thresh: 0.5", "force_include: [D]"),
            "单位“D”没有任何指标数据",
        ),
        (META, CONSTANT_X4, METHOD, "指标“x4”在各单位取值相同（最大值等于最小值），minmax归一化会除以0"),
    ],
)
def test_bad_input_is_refused_with_the_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], meta: str, data: str, method: str, message: str
) -> None:
    out = tmp_path / "out"
    assert main(["index", "build", *files(tmp_path, meta, data, method), "--out", str(out)]) == 2
    printed = capsys.readouterr().out
    assert message in printed.replace("\n", "")
    assert "error:" in printed
    assert not out.exists()  # nothing partial written


def test_audit_prints_flags_alpha_and_pca_and_writes_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "audit"
    assert main(["index", "audit", *files(tmp_path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Cronbach" in printed
    assert "PCA" in printed
    assert (out / "audit_cronbach.csv").exists()
    header = (out / "audit_statistics.csv").read_text(encoding="utf-8").splitlines()[0]
    assert re.match(r"stage,code,level,", header)


def test_build_without_a_method_uses_the_defaults(tmp_path: Path) -> None:
    args = files(tmp_path)[:4]
    out = tmp_path / "out"
    assert main(["index", "build", *args, "--out", str(out), "--no-audit"]) == 0
    normalised = np.genfromtxt(out / "normalised.csv", delimiter=",", skip_header=1)[:, 2:]
    assert np.nanmax(normalised) == 100.0
    assert np.nanmin(normalised) == 0.0


def test_robustness_writes_rank_intervals_and_sobol_indices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rob"
    args = ["index", "robustness", *files(tmp_path), "--out", str(out), "--runs", "64", "--seed", "7"]
    assert main([*args, "--normalise", "minmax,rank", "--sobol"]) == 0
    with (out / "rank_intervals.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(DATA.strip().splitlines()) - 1
    for row in rows:  # every interval holds the median rank
        assert float(row["rank_p05"]) <= float(row["median_rank"]) <= float(row["rank_p95"])
    with (out / "sobol.csv").open(encoding="utf-8") as f:
        factors = [r["factor"] for r in csv.DictReader(f)]
    assert factors == ["weights all ±25%", "normalise.method"]
    assert "次运行" in capsys.readouterr().out


def test_robustness_without_an_uncertain_input_is_refused(tmp_path: Path) -> None:
    args = ["index", "robustness", *files(tmp_path), "--out", str(tmp_path / "r"), "--noise", "0"]
    assert main(args) == 2
    assert not (tmp_path / "r").exists()
