"""Importer fuzzing: every file importer gets mutated valid files and random bytes.

For each importer the promise is the same: the file is imported, or it is refused with the
project's clear error (``InvalidInput`` with row, field and reason in Chinese and English; the
exchange formats' ``FormatError``; ``NotFound`` for a round or system that does not exist) and
then NOTHING was written: every table of every Lantu app has the rows it had before. Never any
other exception. Importers are called the way the web page, the API and the CLI call them.

Mutations start from a file the importer accepts, then corrupt cells (NaN, inf, 1e309, negative,
huge, impossible dates and periods, unknown codes, control characters), headers, rows
(duplicated, dropped), the encoding, and finally the bytes (truncated, flipped, spliced).
Hypothesis runs derandomized (a fixed seed) with a bounded number of examples per importer.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import IllegalCharacterError

from lantu.accounts.service import InvalidInput, NotFound
from lantu.accounts.services import create_api_token
from lantu.cli import main
from lantu.core.errors import LantuValueError
from lantu.core.exchange import FormatError
from lantu.core.index import io as index_io
from lantu.core.index.method import read_method
from lantu.core.index.pipeline import build
from lantu.exchange import exports, imports
from lantu.exchange.services import load_mappings
from lantu.monitoring import files
from lantu.monitoring.models import DataValue, ReportingRound
from lantu.monitoring.services import ValueEntry, record_values
from lantu.projects.cli import read_investment_csv
from lantu.projects.models import MajorProject
from lantu.projects.services import ProjectSpec, create_project, import_investments
from lantu.tasks.services.qingdan import import_task_list, preview_task_list

pytestmark = pytest.mark.django_db
log = logging.getLogger(__name__)

EXAMPLES = 60


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """Fixed seed (derandomize), no example database, no shrinking: the same files every run."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


# --- what a file can get wrong ------------------------------------------------------------------

EVIL_TEXT = [
    "", " ", "NaN", "nan", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "-5", "-0", "0",
    "9" * 60, "1" + "0" * 400, "1,2", "1，234", "\uff11\uff12\uff13", "1 234", "12%", "1_000", "0x1F", "=1+1", "@SUM(A1)",
    "2022-13", "2022Q5", "2022-02-30", "2022W60", "0000", "99999", "1900", "-2022", "2022-1-1", "二〇二二",
    "ZZZ999", "未知单位", "330199", "000000", "GDP ", " gdp", "\x00", "\ufeff", '"', "'", "\n", "\r", "\t",
    "亿元", "%", "NULL", "None", "true", "—", "…", "a" * 300, "𠀀" * 5, "\u202e反向",
]  # fmt: skip
EVIL_JSON: list[Any] = [None, True, [], {}, -1, 0, 10**30, -(10**30), 1e308, -1e308, 0.1, "NaN", "1e309", ""]


EXTREME_NUMBERS = ["1e30", "-1e30", "1e-30", "99999999999999999999.99", "-0.000001", "123456789012345678", "-7", "0.0"]


def evil_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(EVIL_TEXT),
        st.sampled_from(EXTREME_NUMBERS),
        st.text(max_size=12),
        st.floats().map(repr),
        st.integers().map(str),
    )


def byte_corruption(data: bytes) -> st.SearchStrategy[bytes]:
    """Truncate, flip, splice or leave the bytes alone."""
    size = max(len(data), 1)
    return st.one_of(
        st.just(data),
        st.integers(0, size).map(lambda n: data[:n]),
        st.tuples(st.integers(0, size - 1), st.integers(1, 255)).map(
            lambda t: data[: t[0]] + bytes([(data[t[0]] if t[0] < len(data) else 0) ^ t[1]]) + data[t[0] + 1 :]
        ),
        st.tuples(st.integers(0, size), st.binary(min_size=1, max_size=16)).map(
            lambda t: data[: t[0]] + t[1] + data[t[0] :]
        ),
        st.tuples(st.integers(0, size), st.integers(0, size)).map(lambda t: data[: min(t)] + data[max(t) :]),
    )


def encode(text: str) -> st.SearchStrategy[bytes]:
    return st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "big5"]).map(
        lambda name: text.encode(name, errors="replace")
    )


@st.composite
def mutated_table(draw: st.DrawFn, rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Rows (header first) with cells replaced, rows duplicated or dropped, columns added or lost."""
    table = [list(r) for r in rows]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["cell", "cell", "cell", "duplicate", "drop", "header", "widen", "narrow"]))
        r = draw(st.integers(0, len(table) - 1)) if table else 0
        if not table:
            break
        if kind == "cell" and table[r]:
            table[r][draw(st.integers(0, len(table[r]) - 1))] = draw(evil_text())
        elif kind == "duplicate":
            table.insert(r, list(table[r]))
        elif kind == "drop":
            del table[r]
        elif kind == "header" and table[0]:
            table[0][draw(st.integers(0, len(table[0]) - 1))] = draw(evil_text())
        elif kind == "widen":
            table[r].append(draw(evil_text()))
        elif kind == "narrow" and table[r]:
            table[r].pop()
    return table


def csv_text(table: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    return out.getvalue()


def csv_files(rows: Sequence[Sequence[str]]) -> st.SearchStrategy[bytes]:
    """Mutated valid CSV files (UTF-8 mostly, any encoding, corrupted bytes) and random bytes."""
    tables = mutated_table(rows).map(csv_text)
    utf8 = tables.map(lambda text: text.encode("utf-8"))
    return st.one_of(
        utf8,
        utf8,
        tables.flatmap(encode),
        utf8.flatmap(byte_corruption),
        st.binary(max_size=600),
    )


# --- nothing written ---------------------------------------------------------------------------

_LANTU_APPS = {config.label for config in apps.get_app_configs() if config.name.startswith("lantu.")}


def snapshot() -> dict[str, int]:
    """Row counts of every table of every Lantu app (audit trail included)."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in _LANTU_APPS and not model._meta.proxy
    }


CLEAR_ERRORS = (InvalidInput, FormatError, NotFound)


class Outcomes:
    """Counts what happened, so that the test can show both paths were taken."""

    def __init__(self) -> None:
        self.accepted = 0
        self.rejected = 0

    def attempt(self, call: Callable[[], object], *, writes: bool = True) -> None:
        """Run an import: success, or a clear error after which no table has changed."""
        before = snapshot()
        refused: BaseException | None = None
        try:
            call()
        except CLEAR_ERRORS as exc:
            refused = exc
        if refused is not None:
            check_clear(refused)
            assert snapshot() == before, f"a refused file wrote rows: {refused!r}"
            self.rejected += 1
            return
        if not writes:
            assert snapshot() == before, "a preview or dry run wrote rows"
        self.accepted += 1

    def check_both(self) -> None:
        assert self.rejected > 0, "no file was refused: the fuzzing did not reach the checks"
        assert self.accepted > 0, "no file was accepted: the mutations never left a valid file"


def check_clear(exc: BaseException) -> None:
    """A clear error says what is wrong in Chinese and in English."""
    if isinstance(exc, InvalidInput):
        assert exc.problems
        for problem in exc.problems:
            assert problem.message_zh.strip(), problem
            assert problem.message_en.strip(), problem
            assert problem.row is None or isinstance(problem.row, int)
    elif isinstance(exc, FormatError):
        assert exc.message_zh.strip()
        assert exc.message_en.strip()
    else:
        assert str(exc).strip()


# --- values: CSV long format -------------------------------------------------------------------

VALUES_CSV = [
    ["indicator", "org_unit", "period", "value", "unit", "comment"],
    ["GDP", "330106", "2022", "1,234.5", "亿元", "西湖区统计公报"],
    ["DE_TOTAL", "330106", "2022", "0.05", "万亿元", ""],
    ["GDP", "330110", "2021", "2000", "", "备注"],
]


@fuzz_settings()
@given(data=st.data())
def test_values_csv_import(data: st.DataObject, admin_user: Any) -> None:
    payload = data.draw(csv_files(VALUES_CSV))
    dry_run = data.draw(st.booleans())
    _totals["values_csv"].attempt(
        lambda: files.import_file(admin_user, "values.csv", payload, dry_run=dry_run), writes=not dry_run
    )


# --- values: the Excel template ----------------------------------------------------------------


_valid: dict[str, bytes] = {}  # openpyxl stamps the save time; every example must start from the same file


def _filled_template(make_round: Any) -> bytes:
    if not ReportingRound.objects.filter(code="FUZZ2022").exists():
        make_round("FUZZ2022", ["GDP", "DE_TOTAL", "FIBRE_USERS"], ["330106"])
    if "template" in _valid:
        return _valid["template"]
    workbook = openpyxl.load_workbook(io.BytesIO(files.template("FUZZ2022", "330106")))
    sheet = workbook["填报"]
    for row in sheet.iter_rows():
        if row[0].value in {"GDP", "DE_TOTAL", "FIBRE_USERS"}:
            row[4].value, row[5].value = 123.4, "初步核算"
    out = io.BytesIO()
    workbook.save(out)
    _valid["template"] = out.getvalue()
    return _valid["template"]


@st.composite
def mutated_workbook(draw: st.DrawFn, valid: bytes) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(valid))
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["cell", "cell", "number", "date", "sheet", "drop"]))
        sheet = workbook.worksheets[draw(st.integers(0, len(workbook.worksheets) - 1))]
        row, column = draw(st.integers(1, 25)), draw(st.integers(1, 8))
        if kind == "cell":
            with contextlib.suppress(IllegalCharacterError, AttributeError):  # control characters; merged cells
                sheet.cell(row, column).value = draw(evil_text())
        elif kind == "number":
            sheet.cell(row, column).value = draw(st.one_of(st.floats(allow_nan=False), st.integers(-(10**20), 10**20)))
        elif kind == "date":
            sheet.cell(row, column).value = draw(st.datetimes(min_value=dt.datetime(1900, 3, 1)))
        elif kind == "sheet":
            sheet.title = draw(st.sampled_from(["填报", "Sheet", "说明", "key", "x"]))
        elif kind == "drop" and len(workbook.worksheets) > 1:
            workbook.remove(sheet)
    out = io.BytesIO()
    try:
        workbook.save(out)
    except (ValueError, TypeError):  # openpyxl refuses some titles or values: keep the file as it was
        return valid
    return out.getvalue()


@fuzz_settings(40)
@given(data=st.data())
def test_values_xlsx_import(data: st.DataObject, admin_user: Any, make_round: Any) -> None:
    valid = _filled_template(make_round)
    payload = data.draw(
        st.one_of(
            mutated_workbook(valid),
            mutated_workbook(valid).flatmap(byte_corruption),
            st.binary(max_size=400).map(lambda b: b"PK\x03\x04" + b),
        )
    )
    outcome = _totals["values_xlsx"]
    outcome.attempt(lambda: files.import_file(admin_user, "template.xlsx", payload, round_code="FUZZ2022"))


# --- values: the bulk JSON API -----------------------------------------------------------------

_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def bulk_bodies(draw: st.DrawFn) -> bytes:
    body: dict[str, Any] = {
        "values": [
            {"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": "1,234.5", "unit": "亿元"},
            {"indicator": "DE_TOTAL", "org_unit": "330106", "period": "2022", "value": 0.05, "unit": "万亿元"},
        ]
    }
    for _ in range(draw(st.integers(0, 2))):
        entry = body["values"][draw(st.integers(0, len(body["values"]) - 1))]
        key = draw(st.sampled_from(["indicator", "org_unit", "period", "value", "unit", "comment", "extra"]))
        entry[key] = draw(
            st.one_of(
                st.sampled_from(EXTREME_NUMBERS),
                st.sampled_from([1e30, -1e30, 1e-30, 10**17, -(10**19), 123456789.1234567]),
                st.sampled_from(EVIL_TEXT),
                st.sampled_from(EVIL_JSON),
                _json,
            )
        )
    if draw(st.booleans()):
        body["values"].append(dict(body["values"][0]))
    text = json.dumps(body, ensure_ascii=False)
    valid = text.encode()
    return draw(
        st.one_of(st.just(valid), st.just(valid), byte_corruption(valid), _json.map(lambda j: json.dumps(j).encode()))
    )


@fuzz_settings()
@given(payload=bulk_bodies())
def test_values_bulk_json_api(payload: bytes, admin_user: Any) -> None:
    client = Client()
    _, token = create_api_token(_system(), admin_user.username, "fuzz")
    before = snapshot()
    response = client.post(
        "/api/v1/values", payload, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code in {200, 400, 404, 422}, (response.status_code, response.content[:300])
    if response.status_code == 200:
        _totals["values_json"].accepted += 1
        return
    _totals["values_json"].rejected += 1
    body = response.json()
    assert body["detail"], body
    after = snapshot()
    after["accounts.ApiToken"] = before["accounts.ApiToken"]  # the token is made before the snapshot
    assert after == before


# --- the task list (清单) ----------------------------------------------------------------------

QINGDAN = [
    ["2024年重点任务清单"],
    ["时间节点", "序号", "任务名称", "牵头单位", "配合单位", "备注"],
    ["2024年底前", "1", "建设一体化智能化公共数据平台", "省大数据局", "省经信厅、杭州市", ""],
    ["2024年6月底前", "1.1", "完成平台方案", "浙江省大数据发展管理局", "", ""],
    ["持续推进", "2", "推进数据开放", "西湖区、省大数据局", "", "备注列被忽略"],
]


def _sheet(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@fuzz_settings()
@given(data=st.data())
def test_task_list_import(data: st.DataObject, admin_user: Any) -> None:
    valid = _valid.setdefault("qingdan", _sheet(QINGDAN))
    mutated = mutated_table(QINGDAN).map(_sheet)
    payload = data.draw(st.one_of(mutated, mutated, byte_corruption(valid), st.binary(max_size=400)))
    outcome = _totals["qingdan"]
    if data.draw(st.booleans()):
        outcome.attempt(lambda: preview_task_list(admin_user, "DZJ", payload), writes=False)
    else:
        outcome.attempt(lambda: import_task_list(admin_user, "DZJ", payload))


# --- investment completed (CSV) ----------------------------------------------------------------


@fuzz_settings()
@given(data=st.data())
def test_investment_csv_import(data: st.DataObject, admin_user: Any) -> None:
    codes = ["FZ_XIHU", "FZ_YUHANG"]
    for code, unit in zip(codes, ("330106", "330110"), strict=True):
        if not MajorProject.objects.filter(code=code).exists():
            spec = ProjectSpec(
                code=code, programme_code="DZJ", name_zh=code, org_unit=unit, planned_investment=Decimal(20)
            )
            create_project(_system(), spec)
    rows = [["project", "period", "amount", "note"], [codes[0], "2023Q1", "1.5", ""], [codes[1], "2023", "1,200", "x"]]
    payload = data.draw(csv_files(rows))
    _totals["investment"].attempt(
        lambda: import_investments(admin_user, read_investment_csv(payload), today=dt.date(2024, 12, 31))
    )


# --- exchange: SDMX-CSV, DHIS2 dataValueSets JSON, ADX XML, code mappings -----------------------

MAPPING = (
    "kind,lantu_code,external_code\n"
    "data_element,GDP,fbfJHSPpUQD\n"
    "data_element,DE_TOTAL,cYeuwXTCPkU\n"
    "org_unit,330106,DiszpKrYNg8\n"
    "org_unit,330110,ImspTQPwCqd\n"
)


def _exchange_ready() -> None:
    system = _system()
    if not DataValue.objects.filter(source="fuzz").exists():
        record_values(
            system,
            [
                ValueEntry("GDP", "330106", "2022", Decimal("1234.5")),
                ValueEntry("DE_TOTAL", "330106", "2022", Decimal(5)),
            ],
            approved=True,
            source="fuzz",
        )
        load_mappings(system, "dhis-fuzz", MAPPING.encode())


def _text_mutations(text: str) -> st.SearchStrategy[str]:
    """Replace quoted values, numbers and codes of a JSON or XML text with evil ones."""
    tokens = list(re.finditer(r'"[^"]*"|\b\d[\d.]*\b', text))

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        out = text
        for match in sorted(draw(st.lists(st.sampled_from(tokens), max_size=4, unique_by=lambda m: m.start())),
                            key=lambda m: -m.start()):  # fmt: skip
            value = draw(evil_text())
            new = '"' + value.replace('"', "") + '"' if match.group().startswith('"') else value
            out = out[: match.start()] + new + out[match.end() :]
        return out

    return mutate()


@pytest.mark.parametrize("fmt", ["sdmx-csv", "dhis2", "adx"])
def test_exchange_import(fmt: str, admin_user: Any) -> None:
    _exchange_ready()
    system = "dhis-fuzz" if fmt != "sdmx-csv" else None
    valid = exports.export(_system(), fmt if fmt != "dhis2" else "dhis2", system=system)
    text = valid.decode("utf-8-sig")
    outcome = Outcomes()

    @fuzz_settings(40)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        if fmt == "sdmx-csv":
            payload = data.draw(csv_files(list(csv.reader(io.StringIO(text)))))
        else:
            mutated = _text_mutations(text).map(lambda t: t.encode("utf-8")).flatmap(byte_corruption)
            payload = data.draw(st.one_of(mutated, mutated, st.binary(max_size=400)))
        outcome.attempt(lambda: imports.import_payload(admin_user, fmt, payload, system=system))

    run()
    outcome.check_both()


@fuzz_settings()
@given(data=st.data())
def test_exchange_mapping_load(data: st.DataObject, admin_user: Any) -> None:
    payload = data.draw(csv_files(list(csv.reader(io.StringIO(MAPPING)))))
    _totals["mapping"].attempt(lambda: load_mappings(admin_user, "dhis-map", payload))


# --- appraisal methods from files (the CLI: META.csv and METHOD.yaml) ---------------------------

ASSESS_META = [
    ["code", "name", "parent", "weight", "direction", "level", "source"],
    ["IDX", "指数", "", "1", "1", "3", ""],
    ["P1", "支柱", "IDX", "1", "1", "2", ""],
    ["FIBRE", "光纤", "P1", "1", "1", "1", "value:FIBRE_USERS"],
    ["R9", "评分", "P1", "1", "1", "1", "rubric:R9"],
]
ASSESS_METHOD = "version: 1\nsteps:\n  - normalise: {method: minmax}\n"


def yaml_texts(valid: str) -> st.SearchStrategy[str]:
    lines = valid.splitlines()
    mutated = st.lists(
        st.one_of(st.sampled_from(lines), evil_text(), st.sampled_from(["  - weight: {method: manual}", "steps: []",
                  "version: -1", "  - aggregate: {method: geometric}", "  - normalise: {method: zscore, low: x}",
                  "- [", "{{", "  - treat: {winmax: 1e309}", "  - screen: {dat_thresh: NaN}"])),
        min_size=0, max_size=6,
    ).map("\n".join)  # fmt: skip
    return st.one_of(st.just(valid), mutated, _text_mutations(valid))


@fuzz_settings(40)
@given(data=st.data())
def test_assessment_method_files(data: st.DataObject, admin_user: Any, tmp_path_factory: Any) -> None:
    folder: Path = tmp_path_factory.mktemp("method")
    (folder / "META.csv").write_bytes(data.draw(csv_files(ASSESS_META)))
    (folder / "METHOD.yaml").write_bytes(data.draw(yaml_texts(ASSESS_METHOD).flatmap(encode)))
    before = snapshot()
    code = main(
        ["assess", "method", "FUZZ-M", "--name", "模糊测试", "--meta", str(folder / "META.csv"),
         "--method", str(folder / "METHOD.yaml"), "--as", admin_user.username]
    )  # fmt: skip
    assert code in {0, 2}
    if code == 2:
        assert snapshot() == before
        _totals["assessment"].rejected += 1
    else:
        _totals["assessment"].accepted += 1


# --- the index engine's DATA / META / METHOD readers (pure core) --------------------------------

INDEX_META = [
    ["code", "name", "parent", "weight", "direction", "level", "denominator"],
    ["INDEX", "数字化发展指数", "", "1", "1", "3", ""],
    ["P1", "基础设施", "INDEX", "1", "1", "2", ""],
    ["P2", "应用", "INDEX", "1", "1", "2", ""],
    ["x1", "5G基站", "P1", "1", "1", "1", "pop"],
    ["x2", "宽带资费", "P1", "1", "-1", "1", ""],
    ["x3", "电商额", "P2", "2", "1", "1", ""],
    ["x4", "政务上网率", "P2", "1", "1", "1", ""],
]
INDEX_DATA = [
    ["unit", "city", "x1", "x2", "x3", "x4", "pop"],
    ["A", "杭州", "100", "30", "5", "0.9", "10"],
    ["B", "杭州", "200", "25", "", "0.8", "20"],
    ["C", "宁波", "150", "40", "7", "0.5", "5"],
    ["D", "宁波", "90", "35", "3", "", "9"],
    ["E", "温州", "300", "20", "20", "0.7", "30"],
]
INDEX_METHOD = """version: 3
steps:
  - denominate: {}
  - screen: {dat_thresh: 0.5}
  - impute: {method: group_mean, group: city}
  - treat: {}
  - normalise: {method: minmax, low: 0, high: 100}
  - weight: {method: manual}
  - aggregate: {method: arithmetic}
"""


@fuzz_settings(300)
@given(
    meta=csv_files(INDEX_META),
    table=csv_files(INDEX_DATA),
    method=yaml_texts(INDEX_METHOD).flatmap(encode),
)
def test_index_engine_readers(meta: bytes, table: bytes, method: bytes, tmp_path_factory: Any) -> None:
    """read_meta, read_data, read_method, then a build: results or IndexInputError, nothing else."""
    folder: Path = tmp_path_factory.mktemp("index")
    for name, content in (("META.csv", meta), ("DATA.csv", table), ("METHOD.yaml", method)):
        (folder / name).write_bytes(content)
    outcome = _totals["index"]
    refused: LantuValueError | None = None
    try:
        tree = index_io.read_meta(folder / "META.csv")
        data = index_io.read_data(folder / "DATA.csv", tree)
        parsed = read_method(folder / "METHOD.yaml")
        build(data, tree, parsed)
    except LantuValueError as exc:
        refused = exc
    if refused is None:
        outcome.accepted += 1
        return
    assert refused.message_zh.strip()
    assert refused.message_en.strip()
    assert not refused.message_zh.startswith(f"{refused.code}:"), f"no message template for {refused.code!r}"
    outcome.rejected += 1


# --- pipeline sources (raw records as Parquet files, read by DuckDB) ---------------------------


@pytest.fixture(scope="module")
def pipeline_records(tmp_path_factory: Any) -> Path:
    from lantu.core.pipelines.synthetic import Sizes, generate

    out: Path = tmp_path_factory.mktemp("records")
    sizes = Sizes(transactions=2_000, start="2022-01", months=1, items=50, stations=300, subscribers=500)
    generate(out, sizes, seed=20240301)
    return out


@pytest.mark.parametrize("name", ["gov_services", "fiveg_stations", "fibre_users"])
def test_pipeline_sources(name: str, pipeline_records: Path, tmp_path_factory: Any) -> None:
    """A corrupted source file stops the run with PipelineError (zh and en), never a DuckDB traceback."""
    import shutil

    from lantu.core.periods import parse_period
    from lantu.core.pipelines import engine
    from lantu.core.pipelines.definitions import PIPELINES
    from lantu.core.pipelines.synthetic import unit_rows

    pipeline = PIPELINES[name]
    period = parse_period("2022-01", pipeline.frequency)
    originals = sorted(p for p in pipeline_records.rglob("*") if p.suffix in {".parquet", ".csv"})
    outcome = Outcomes()

    @fuzz_settings(30)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        folder: Path = tmp_path_factory.mktemp("corrupt")
        shutil.copytree(pipeline_records, folder, dirs_exist_ok=True)
        victim = folder / data.draw(st.sampled_from(originals)).relative_to(pipeline_records)
        victim.write_bytes(data.draw(st.one_of(byte_corruption(victim.read_bytes()), st.binary(max_size=200))))
        refused: engine.PipelineError | None = None
        try:
            sources = {
                s.name: engine.resolve_source(pipeline, s.name, str(folder / s.default_path), period)
                for s in pipeline.sources
            }
            engine.run(pipeline, period, sources, unit_rows(period.end))
        except engine.PipelineError as exc:
            refused = exc
        if refused is None:
            outcome.accepted += 1
            return
        assert refused.message_zh.strip()
        assert refused.message_en.strip()
        outcome.rejected += 1

    run()
    assert outcome.rejected > 0


# --- helpers and the final check ---------------------------------------------------------------


def _system() -> Any:
    from lantu.accounts.permissions import SystemActor

    return SystemActor("system:fuzz")


_totals: dict[str, Outcomes] = {
    name: Outcomes()
    for name in ("values_csv", "values_xlsx", "values_json", "qingdan", "investment", "mapping", "assessment", "index")
}


def test_every_importer_took_both_paths() -> None:
    """Run last in this file: each fuzzed importer both accepted and refused some files."""
    ran = {name: (t.accepted, t.rejected) for name, t in _totals.items() if t.accepted or t.rejected}
    log.info("importer fuzz (accepted, refused): %s", ran)
    if len(ran) < len(_totals):
        pytest.skip("only part of this file was selected")
    for tally in _totals.values():
        tally.check_both()


# --- what the fuzzing found, pinned down ------------------------------------------------------


def test_adx_with_an_unknown_encoding_is_a_format_error(admin_user: Any) -> None:
    _exchange_ready()
    before = snapshot()
    with pytest.raises(FormatError) as info:
        imports.import_payload(admin_user, "adx", b'<?xml version="1.0" encoding="utf--47"?><adx/>', system="dhis-fuzz")
    assert "encoding" in info.value.message_en
    assert snapshot() == before


def test_mapping_rows_with_more_cells_than_the_header_are_named(admin_user: Any) -> None:
    with pytest.raises(InvalidInput) as info:
        load_mappings(admin_user, "dhis-x", b"kind,lantu_code,external_code\ndata_element,GDP,abc,surplus\n")
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "file")]


def test_a_method_file_in_no_known_encoding_is_refused(admin_user: Any, tmp_path: Path) -> None:
    (tmp_path / "META.csv").write_bytes(csv_text(ASSESS_META).encode())
    (tmp_path / "METHOD.yaml").write_bytes(b"\xc8o\xa3")  # neither UTF-8 nor GB18030
    args = ["assess", "method", "FUZZ-M", "--name", "x", "--meta", str(tmp_path / "META.csv")]
    before = snapshot()
    assert main([*args, "--method", str(tmp_path / "METHOD.yaml"), "--as", admin_user.username]) == 2
    assert snapshot() == before
