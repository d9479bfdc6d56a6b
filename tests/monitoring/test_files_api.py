"""Values in and out: CSV and Excel files through ``import_file``, and the JSON API."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db.models import F
from django.test import Client

import lantu.monitoring
from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, NotFound
from lantu.accounts.services import create_api_token
from lantu.core import tabular
from lantu.monitoring import files
from lantu.monitoring.models import Aggregate, DataValue, ReportingRound, ValueState
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services import approval as approval_service
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

HEADER = "indicator,org_unit,period,value,unit,comment\r\n"
PUBLISHED = Path(lantu.monitoring.__file__).parent / "data" / "zhejiang_published.csv"


def _csv(*lines: str) -> str:
    return HEADER + "".join(line + "\r\n" for line in lines)


def _problems(info: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[int | None, str]]:
    return [(p.row, p.field) for p in info.value.problems]


def _current(code: str, unit: str = "330106", period: str = "2022") -> DataValue:
    return (
        ValueState.objects.select_related("current")
        .get(indicator__code=code, org_unit__code=unit, period=period)
        .current
    )


# --- CSV -----------------------------------------------------------------------------------


def test_utf8_with_bom_and_a_thousands_separator(county_reporter: Any) -> None:
    text = _csv('GDP,330106,2022,"1,234.5",亿元,西湖区统计公报', "DE_TOTAL,330106,2022,0.05,万亿元,")
    result = files.import_file(county_reporter, "xihu.csv", ("\ufeff" + text).encode("utf-8"))
    assert (result.written, result.unchanged) == (2, 0)
    gdp = _current("GDP")
    assert (gdp.value, gdp.comment, gdp.source) == (Decimal("1234.5"), "西湖区统计公报", "xihu.csv")
    assert _current("DE_TOTAL").value == Decimal(500)


def test_gb18030_as_chinese_excel_saves_it(county_reporter: Any) -> None:
    text = _csv("GDP,330106,2022,2345,亿元,来源：西湖区统计局", "POPULATION,330106,2022,118.2,万人,年末常住人口")
    data = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    assert files.import_file(county_reporter, "xihu.csv", data).written == 2
    assert _current("GDP").comment == "来源：西湖区统计局"
    assert _current("POPULATION").value == Decimal("118.2")


def test_file_level_errors_are_listed_by_row_and_nothing_written(county_reporter: Any) -> None:
    text = _csv(
        "GDP,330106,2022,100,,",
        "GDP,330106,2022,200,,",  # row 3: the same series again
        "DE_TOTAL,330106,2022,N/A,,",  # row 4: not a number
    )
    with pytest.raises(InvalidInput) as info:
        files.import_file(county_reporter, "bad.csv", text.encode())
    assert _problems(info) == [(3, "indicator,org_unit,period"), (4, "value")]
    assert "与第 2 行重复" in info.value.problems[0].message_zh
    assert not DataValue.objects.exists()


def test_framework_errors_are_listed_by_row_and_nothing_written(county_reporter: Any) -> None:
    text = _csv(
        "GDP,330106,2022,100,,",
        "NOPE,330106,2022,1,,",  # row 3: no such indicator
        "GDP,330104,2022,1,,",  # row 4: 江干区 no longer existed at the end of 2022
        "DE_TOTAL,330106,2022,3,%,",  # row 5: a percentage is no amount of money
    )
    with pytest.raises(InvalidInput) as info:
        files.import_file(county_reporter, "bad.csv", text.encode())
    assert _problems(info) == [(3, "indicator"), (4, "org_unit"), (5, "unit")]
    assert "未知指标代码“NOPE”" in info.value.problems[0].message_zh
    assert "330104 在 2022-12-31 无效" in info.value.problems[1].message_zh
    assert not DataValue.objects.exists()
    assert not AuditEvent.objects.filter(action="monitoring.values.record").exists()


def test_a_dry_run_checks_everything_and_writes_nothing(county_reporter: Any) -> None:
    data = _csv("GDP,330106,2022,100,,", "DE_TOTAL,330106,2022,40,,").encode()
    result = files.import_file(county_reporter, "xihu.csv", data, dry_run=True)
    assert (result.dry_run, result.written) == (True, 2)
    assert not DataValue.objects.exists()
    assert not ValueState.objects.exists()
    assert not Aggregate.objects.exists()
    assert not AuditEvent.objects.filter(action="monitoring.values.record").exists()
    with pytest.raises(InvalidInput):  # and still refuses what is wrong
        files.import_file(county_reporter, "x.csv", _csv("GDP,330104,2022,1,,").encode(), dry_run=True)


def test_export_then_import_writes_nothing_new(system: Any) -> None:
    files.import_file(system, PUBLISHED.name, PUBLISHED.read_bytes())
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal("2345.678"), comment='含"引号", 逗号')])
    exported = files.export_csv(system, basis="preliminary")
    rows = tabular.read_values_csv(exported)
    assert len(rows) == 19
    assert exported.startswith("\ufeff".encode())
    versions = DataValue.objects.count()
    result = files.import_file(system, "export.csv", exported)
    assert (result.written, result.unchanged) == (0, 19)
    assert DataValue.objects.count() == versions
    # The official export holds only approved values: none yet.
    with pytest.raises(InvalidInput, match="只有表头"):
        tabular.read_values_csv(files.export_csv(system))


def test_an_export_holds_only_what_the_reader_may_see(system: Any, county_reporter: Any) -> None:
    record_values(
        system,
        [ValueEntry("GDP", "330106", "2022", Decimal(1)), ValueEntry("GDP", "330110", "2022", Decimal(2))],
        approved=True,
    )
    rows = tabular.read_values_csv(files.export_csv(county_reporter))
    assert [(r.indicator, r.org_unit, r.value) for r in rows] == [("GDP", "330106", Decimal(1))]


# --- Excel template ------------------------------------------------------------------------


def _fill(template: bytes, values: dict[str, tuple[float, str]]) -> bytes:
    """Fill the template's value and comment cells the way a user does in Excel."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook["填报"]
    filled = set()
    for row in sheet.iter_rows():
        code = row[0].value
        if isinstance(code, str) and code in values:
            row[4].value, row[5].value = values[code]
            filled.add(code)
    assert filled == set(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_template_round_trip_stores_the_values_in_the_round(county_reporter: Any, make_round: MakeRound) -> None:
    rnd = make_round("XH2022", ["GDP", "DE_TOTAL", "FIBRE_USERS"], ["330106"])
    template = files.template("XH2022", "330106")
    assert template.startswith(b"PK")
    filled = _fill(template, {"GDP": (2345.6, "初步核算"), "DE_TOTAL": (1200, ""), "FIBRE_USERS": (98.5, "")})
    result = files.import_file(county_reporter, "XH2022-330106.xlsx", filled)
    assert (result.written, result.unchanged) == (3, 0)
    states = ValueState.objects.select_related("round", "current").order_by("indicator__code")
    assert [(s.indicator.code, s.current.value, s.round) for s in states] == [
        ("DE_TOTAL", Decimal(1200), rnd),
        ("FIBRE_USERS", Decimal("98.5"), rnd),
        ("GDP", Decimal("2345.6"), rnd),
    ]
    assert _current("GDP").comment == "初步核算"
    # A fresh template shows what was entered, and sending it back changes nothing.
    again = files.template("XH2022", "330106")
    upload = tabular.read_template(again)
    assert {r.indicator: r.value for r in upload.rows} == {
        "GDP": Decimal("2345.6"),
        "DE_TOTAL": Decimal(1200),
        "FIBRE_USERS": Decimal("98.5"),
    }
    assert files.import_file(county_reporter, "again.xlsx", again).unchanged == 3


def test_a_template_is_for_its_own_round_and_unit(
    county_reporter: Any, other_county_reporter: Any, make_round: MakeRound
) -> None:
    make_round("XH2022", ["GDP"], ["330106", "330110"])
    make_round("YH2022", ["GDP"], ["330110"])
    filled = _fill(files.template("XH2022", "330106"), {"GDP": (1, "")})
    with pytest.raises(InvalidInput, match="模板属于填报任务"):
        files.import_file(county_reporter, "x.xlsx", filled, round_code="YH2022")
    with pytest.raises(NotFound):  # another county's reporter cannot upload 西湖区's template
        files.import_file(other_county_reporter, "x.xlsx", filled)
    with pytest.raises(InvalidInput, match="没有填写任何数值"):
        files.import_file(county_reporter, "empty.xlsx", files.template("XH2022", "330106"))
    assert not DataValue.objects.exists()


def test_no_template_for_a_unit_outside_the_round(make_round: MakeRound) -> None:
    make_round("YH2022", ["GDP"], ["330110"])
    with pytest.raises(NotFound):  # 西湖区 does not report in 余杭区's round
        files.template("YH2022", "330106")


# --- JSON API ------------------------------------------------------------------------------


def _post(client: Client, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return client.post("/api/v1/values", body, content_type="application/json", headers=headers)


def test_bulk_entry_by_session(client: Client, county_reporter: Any) -> None:
    client.force_login(county_reporter)
    body = {
        "values": [
            {"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": "1,234.5"},
            {"indicator": "DE_TOTAL", "org_unit": "330106", "period": "2022", "value": 0.05, "unit": "万亿元"},
        ]
    }
    response = _post(client, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"written": 2, "unchanged": 0, "dry_run": False, "warnings": []}
    assert _current("DE_TOTAL").value == Decimal(500)
    assert _current("GDP").source == "api"
    assert _post(client, body).json()["unchanged"] == 2


def test_bulk_entry_by_bearer_token(client: Client, system: Any, county_reporter: Any) -> None:
    _, token = create_api_token(system, "xihu_reporter", "统计局数据接口")
    body = {"values": [{"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": 2000}]}
    response = _post(client, body, token)
    assert response.status_code == 200, response.content
    assert _current("GDP").created_by == county_reporter
    assert _post(client, body).status_code == 401
    assert _post(client, body, "lantu_wrong").status_code == 401


def test_bulk_entry_is_all_or_nothing(client: Client, county_reporter: Any) -> None:
    client.force_login(county_reporter)
    good = {"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": 1}
    response = _post(
        client,
        {
            "values": [
                good,
                {"indicator": "NOPE", "org_unit": "330106", "period": "2022", "value": 1},
                {"indicator": "GDP", "org_unit": "330104", "period": "2022", "value": 1},
                {"indicator": "DE_TOTAL", "org_unit": "330106", "period": "2022Q1", "value": 1},
            ]
        },
    )
    assert response.status_code == 422
    assert [(d["row"], d["field"]) for d in response.json()["detail"]] == [
        (2, "indicator"),
        (3, "org_unit"),
        (4, "period"),
    ]
    response = _post(
        client, {"values": [good, {"indicator": "GDP", "org_unit": "330106", "period": "2021", "value": "N/A"}]}
    )
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert (detail["row"], detail["field"]) == (2, "value")
    assert detail["message_zh"]
    assert detail["message_en"]
    # Another county's unit is outside the reporter's scope: not even acknowledged.
    response = _post(client, {"values": [good, {**good, "org_unit": "330110"}]})
    assert response.status_code == 404
    assert not DataValue.objects.exists()


def test_a_dry_run_through_the_api(client: Client, county_reporter: Any) -> None:
    client.force_login(county_reporter)
    body = {"dry_run": True, "values": [{"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": 1}]}
    assert _post(client, body).json() == {"written": 1, "unchanged": 0, "dry_run": True, "warnings": []}
    assert not DataValue.objects.exists()


def test_reading_values_is_scoped(client: Client, system: Any, county_reporter: Any, leader: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("GDP", "330106", "2022", Decimal(1)),
            ValueEntry("GDP", "330110", "2022", Decimal(2)),
            ValueEntry("GDP", "330000", "2022", Decimal(77715)),
        ],
    )
    client.force_login(county_reporter)
    rows = client.get("/api/v1/values").json()
    assert [(r["org_unit"], r["value"], r["status"], r["approved_value"]) for r in rows] == [
        ("330106", 1, "draft", None)
    ]
    assert client.get("/api/v1/values?org_unit=330110").json() == []
    client.force_login(leader)
    assert [r["org_unit"] for r in client.get("/api/v1/values").json()] == ["330000", "330106", "330110"]
    assert [r["org_unit_key"] for r in client.get("/api/v1/values?org_unit=330110").json()] == ["330110@2021-04-09"]
    client.logout()
    assert client.get("/api/v1/values").status_code == 401


def test_submit_return_and_approve_through_the_api(
    client: Client, make_round: MakeRound, county_reporter: Any, city_approver: Any, other_county_reporter: Any
) -> None:
    make_round("HZ2022", ["GDP"], ["330106", "330110"])
    client.force_login(county_reporter)
    value = {"indicator": "GDP", "org_unit": "330106", "period": "2022", "value": 2000}
    assert _post(client, {"round": "HZ2022", "values": [value]}).status_code == 200
    rounds = client.get("/api/v1/rounds").json()
    assert [(r["code"], r["status"], r["indicators"], r["org_units"]) for r in rounds] == [
        ("HZ2022", "open", ["GDP"], ["330106", "330110"])
    ]
    # Another county's unit: 404 for submitting it.
    assert client.post("/api/v1/rounds/HZ2022/units/330110/submit").status_code == 404
    response = client.post("/api/v1/rounds/HZ2022/units/330106/submit")
    assert response.status_code == 200, response.content
    assert response.json() == {"moved": 1, "approved": 0}

    client.force_login(city_approver)
    url = "/api/v1/rounds/HZ2022/units/330106/values/GDP/return"
    assert client.post(url, {"comment": ""}, content_type="application/json").status_code == 422
    response = client.post(url, {"comment": "请核实"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["return_comment"]) == ("returned", "请核实")

    client.force_login(county_reporter)
    assert _post(client, {"round": "HZ2022", "values": [{**value, "value": 2100}]}).status_code == 200
    assert client.post("/api/v1/rounds/HZ2022/units/330106/submit").status_code == 200
    approve = "/api/v1/rounds/HZ2022/units/330106/approve"
    # The reporter sees the unit but may not approve: 403; another county's reporter: 404.
    assert client.post(approve, {}, content_type="application/json").status_code == 403
    client.force_login(other_county_reporter)
    assert client.post(approve, {}, content_type="application/json").status_code == 404

    client.force_login(city_approver)
    response = client.post(approve, {"comment": "同意"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"moved": 1, "approved": 1}
    (row,) = client.get("/api/v1/values?round=HZ2022").json()
    assert (row["status"], row["value"], row["approved_value"], row["version"]) == ("approved", 2100, 2100, 2)
    assert client.post(approve, {}, content_type="application/json").status_code == 422  # nothing left
    assert client.post("/api/v1/rounds/NOPE/units/330106/submit").status_code == 404


def test_approval_that_loses_a_race_is_a_409(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    make_round: MakeRound,
    county_reporter: Any,
    city_approver: Any,
) -> None:
    make_round("HZ2022", ["GDP"], ["330106"])
    record_values(county_reporter, [ValueEntry("GDP", "330106", "2022", Decimal(1))], round_code="HZ2022")
    approval_service.submit_values(county_reporter, "HZ2022", "330106")
    real_move = approval_service._move

    def someone_else_first(actor: Any, state: ValueState, *args: Any, **kwargs: Any) -> None:
        # Another approver moves the row between our read and our write.
        ValueState.objects.filter(pk=state.pk).update(revision=F("revision") + 1)
        real_move(actor, state, *args, **kwargs)

    monkeypatch.setattr(approval_service, "_move", someone_else_first)
    client.force_login(city_approver)
    response = client.post("/api/v1/rounds/HZ2022/units/330106/approve", {}, content_type="application/json")
    assert response.status_code == 409
    assert "已被他人处理" in response.json()["detail"]
    state = ValueState.objects.get()
    assert (state.status, state.levels_done, state.approved) == ("submitted", 0, None)
    assert ReportingRound.objects.get().status == "open"
