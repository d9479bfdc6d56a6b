"""Exchange: SDMX and DHIS2 out and back in, read by sdmx1, ADX validated, bad input refused."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sdmx
from django.test import Client
from lxml import etree  # type: ignore[import-untyped]
from sdmx.reader.csv import Reader as SdmxCsvReader

import lantu.core.exchange
from lantu.accounts.service import InvalidInput, NotFound
from lantu.core.exchange import FormatError
from lantu.exchange import exports, imports
from lantu.exchange.services import load_mappings
from lantu.monitoring.models import DataValue, ValueState
from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db
XSD = Path(lantu.core.exchange.__file__).parent / "schemas" / "adx_lantu.xsd"
MAPPING = (
    "kind,lantu_code,external_code\n"
    "data_element,GDP,fbfJHSPpUQD\n"
    "data_element,DE_TOTAL,cYeuwXTCPkU\n"
    "org_unit,330106,DiszpKrYNg8\n"
    "org_unit,330110,ImspTQPwCqd\n"
)


@pytest.fixture
def values(system: Any) -> None:
    record_values(
        system,
        [
            ValueEntry("GDP", "330106", "2022", Decimal("1234.5"), comment="公报"),
            ValueEntry("DE_TOTAL", "330106", "2022", Decimal(500)),
            ValueEntry("GDP", "330110", "2022", Decimal(2000)),
        ],
        approved=True,
        source="test",
    )
    load_mappings(system, "dhis-demo", MAPPING.encode())


def _series() -> dict[tuple[str, str, str], tuple[Decimal, str, int]]:
    return {
        (s.indicator.code, s.org_unit.code, s.period): (s.current.value, s.current.comment, s.current.version)
        for s in ValueState.objects.select_related("indicator", "org_unit", "current")
    }


def test_structure_is_read_by_sdmx1(values: None) -> None:
    msg: Any = sdmx.read_sdmx(io.BytesIO(exports.structure()))
    dsd = msg.structure["DSD_LANTU"]
    assert [d.id for d in dsd.dimensions.components] == ["INDICATOR", "REF_AREA", "TIME_PERIOD"]
    assert {a.id for a in dsd.attributes.components} == {"UNIT_MEASURE", "OBS_STATUS", "COMMENT"}
    assert "GDP" in msg.codelist["CL_INDICATOR"]
    assert "330106" in msg.codelist["CL_AREA"]
    assert set(msg.codelist["CL_OBS_STATUS"].items) == {"A", "P"}
    assert msg.dataflow["DF_LANTU"].structure.id == "DSD_LANTU"


def test_sdmx_ml_data_read_by_sdmx1(values: None, system: Any) -> None:
    structure: Any = sdmx.read_sdmx(io.BytesIO(exports.structure()))
    data = exports.export(system, "sdmx", indicators=["GDP"], period="2022")
    msg: Any = sdmx.read_sdmx(io.BytesIO(data), structure=structure.structure["DSD_LANTU"])
    got = {
        (o.series_key.values["REF_AREA"].value, o.dimension.values["TIME_PERIOD"].value): (
            Decimal(str(o.value)),
            o.attached_attribute["OBS_STATUS"].value,
            o.attached_attribute["UNIT_MEASURE"].value,
        )
        for o in msg.data[0].obs
    }
    assert got == {
        ("330106", "2022"): (Decimal("1234.5"), "A", "亿元"),
        ("330110", "2022"): (Decimal(2000), "A", "亿元"),
    }


def test_sdmx_csv_read_by_sdmx1_and_round_trip(values: None, system: Any) -> None:
    data = exports.export(system, "sdmx-csv", period="2022")
    assert (
        data.splitlines()[0]
        == b"STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,COMMENT"
    )
    structure: Any = sdmx.read_sdmx(io.BytesIO(exports.structure()))
    flow = structure.dataflow["DF_LANTU"]
    msg: Any = SdmxCsvReader().convert(io.BytesIO(data), structure=flow)
    got = {(o.dimension["INDICATOR"].value, o.dimension["REF_AREA"].value): o.value for o in msg.data[0].obs}
    assert got == {("DE_TOTAL", "330106"): "500", ("GDP", "330106"): "1234.5", ("GDP", "330110"): "2000"}
    before = _series()
    result = imports.import_payload(system, "sdmx-csv", data)
    assert (result.written, result.unchanged) == (0, 3)
    assert _series() == before
    # A changed value comes in as a new draft version with the source recorded.
    changed = data.replace(b",1234.5,", b",1300,")
    assert imports.import_payload(system, "sdmx-csv", changed).written == 1
    state: Any = ValueState.objects.select_related("current", "approved").get(
        indicator__code="GDP", org_unit__code="330106"
    )
    assert (state.status, state.current.value, state.current.source, state.approved.value) == (
        "draft",
        Decimal(1300),
        "sdmx-csv",
        Decimal("1234.5"),
    )


@pytest.mark.parametrize("fmt", ["dhis2", "adx"])
def test_dhis2_round_trip(values: None, system: Any, fmt: str) -> None:
    data = exports.export(system, fmt, period="2022", system="dhis-demo")
    if fmt == "dhis2":
        body = json.loads(data)
        assert {
            "dataElement": "fbfJHSPpUQD",
            "period": "2022",
            "orgUnit": "DiszpKrYNg8",
            "value": "1234.5",
            "comment": "公报",
        } in body["dataValues"]
    else:
        etree.XMLSchema(etree.parse(str(XSD))).assertValid(etree.fromstring(data))
        assert b'period="2022-01-01/P1Y"' in data
    before = _series()
    assert imports.import_payload(system, fmt, data, system="dhis-demo").unchanged == 3
    assert _series() == before
    bumped = data.replace(b"1234.5", b"1240")
    assert imports.import_payload(system, fmt, bumped, system="dhis-demo").written == 1
    assert ValueState.objects.get(indicator__code="GDP", org_unit__code="330106").current.source == f"{fmt}:dhis-demo"


def test_adx_xsd_refuses_a_broken_document() -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    bad = b'<adx xmlns="urn:ihe:qrph:adx:2015"><group orgUnit="x" period="2022"><dataValue dataElement="a" value="x"/></group></adx>'
    assert not schema.validate(etree.fromstring(bad))


def test_periods_to_dhis2_and_adx() -> None:
    from lantu.core.exchange import periods

    assert periods.to_dhis2("2023-01") == "202301"
    assert periods.from_dhis2("202301") == "2023-01"
    assert periods.to_adx("2023Q1") == "2023-01-01/P3M"
    assert periods.from_adx("2023-01-01/P1M") == "2023-01"
    assert periods.from_adx("2023-02-01/P3M") == "2023-02-01/P3M"  # not a quarter: left for the importer to refuse


def test_unmapped_codes_named_and_nothing_written(values: None, system: Any) -> None:
    body = {
        "dataValues": [
            {"dataElement": "fbfJHSPpUQD", "period": "2022", "orgUnit": "DiszpKrYNg8", "value": "1"},
            {"dataElement": "NoSuchDe001", "period": "2022", "orgUnit": "DiszpKrYNg8", "value": "2"},
            {"dataElement": "fbfJHSPpUQD", "period": "2022", "orgUnit": "NoSuchOU", "value": "3"},
        ]
    }
    count = DataValue.objects.count()
    with pytest.raises(InvalidInput) as info:
        imports.import_payload(system, "dhis2", json.dumps(body).encode(), system="dhis-demo")
    problems = [(p.row, p.field, p.message_en) for p in info.value.problems]
    assert problems == [
        (2, "dataElement", "data element 'NoSuchDe001' is not mapped in dhis-demo"),
        (3, "orgUnit", "org unit 'NoSuchOU' is not mapped in dhis-demo"),
    ]
    assert DataValue.objects.count() == count


@pytest.mark.parametrize(
    ("fmt", "payload"),
    [
        ("dhis2", b"{not json"),
        ("dhis2", b'{"values": []}'),
        ("adx", b"<adx><unclosed></adx>"),
        ("adx", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><adx xmlns="urn:ihe:qrph:adx:2015"/>'),
        ("adx", b'<adx xmlns="urn:other"/>'),
        ("sdmx-csv", b"indicator,org_unit,period,value\nGDP,330106,2022,1\n"),
        ("sdmx-csv", b"\xff\xfe\x00garbage"),
    ],
)
def test_malformed_payloads_are_format_errors(values: None, system: Any, fmt: str, payload: bytes) -> None:
    with pytest.raises(FormatError):
        imports.import_payload(system, fmt, payload, system="dhis-demo")


def test_bad_sdmx_rows_listed(values: None, system: Any) -> None:
    data = (
        b"STRUCTURE,STRUCTURE_ID,ACTION,INDICATOR,REF_AREA,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,COMMENT\n"
        b"dataflow,LANTU:DF_LANTU(1.0),I,GDP,330106,2022,abc,,A,\n"
        b"dataflow,LANTU:DF_LANTU(1.0),I,NOPE,330106,2022,1,,A,\n"
        b"dataflow,LANTU:DF_LANTU(1.0),D,GDP,330106,2022,1,,A,\n"
    )
    with pytest.raises(InvalidInput) as info:
        imports.import_payload(system, "sdmx-csv", data)
    assert [(p.row, p.field) for p in info.value.problems] == [(2, "OBS_VALUE"), (4, "ACTION")]


def test_mapping_load_checks_every_row(system: Any) -> None:
    bad = b"kind,lantu_code,external_code\nfoo,GDP,x\ndata_element,NOPE,y\norg_unit,330106,\ndata_element,GDP,a\ndata_element,GDP,b\n"
    with pytest.raises(InvalidInput) as info:
        load_mappings(system, "s", bad)
    assert [(p.row, p.field) for p in info.value.problems] == [
        (2, "kind"),
        (3, "lantu_code"),
        (4, "external_code"),
        (6, "lantu_code"),
    ]


# --- API and permissions -------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_exports_and_content_types(values: None, county_reporter: Any) -> None:
    client = _client(county_reporter)
    response = client.get("/api/v1/exchange/sdmx/structure")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.sdmx.structure+xml;version=2.1"
    response = client.get("/api/v1/exchange/sdmx/data?format=csv&period=2022")
    assert response.status_code == 200
    # Only 西湖区 is in the reporter's scope.
    assert {line.split(b",")[4] for line in response.content.splitlines()[1:]} == {b"330106"}
    assert client.get("/api/v1/exchange/sdmx/data?org_unit=330110").status_code == 404
    assert client.get("/api/v1/exchange/sdmx/data?indicator=NOPE").status_code == 404
    response = client.get("/api/v1/exchange/dhis2/dataValueSets?system=dhis-demo&period=2022")
    assert response.status_code == 200
    assert {v["orgUnit"] for v in response.json()["dataValues"]} == {"DiszpKrYNg8"}
    assert client.get("/api/v1/exchange/dhis2/adx?system=nope").status_code == 404


def test_api_imports(values: None, county_reporter: Any, other_county_reporter: Any) -> None:
    body = {"dataValues": [{"dataElement": "fbfJHSPpUQD", "period": "2022", "orgUnit": "DiszpKrYNg8", "value": "1500"}]}
    url = "/api/v1/exchange/dhis2/dataValueSets?system=dhis-demo"
    count = DataValue.objects.count()
    # Another county's reporter cannot import into 330106 (and is not told it exists).
    response = _client(other_county_reporter).post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 404
    assert DataValue.objects.count() == count
    client = _client(county_reporter)
    response = client.post(url, b"{oops", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"][0]["message_en"]
    bad = {
        "dataValues": [
            *body["dataValues"],
            {"dataElement": "x", "period": "2022", "orgUnit": "DiszpKrYNg8", "value": "1"},
        ]
    }
    response = client.post(url, json.dumps(bad), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["row"] == 2
    assert DataValue.objects.count() == count
    response = client.post(url + "&dry_run=true", json.dumps(body), content_type="application/json")
    assert (response.status_code, response.json()["written"], response.json()["dry_run"]) == (200, 1, True)
    assert DataValue.objects.count() == count
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert (response.status_code, response.json()["written"]) == (200, 1)
    response = client.post("/api/v1/exchange/dhis2/adx?system=dhis-demo", b"<adx", content_type="application/adx+xml")
    assert response.status_code == 400
    sdmx_csv = exports.export(county_reporter, "sdmx-csv", period="2022", basis="preliminary")
    response = client.post("/api/v1/exchange/sdmx/data", sdmx_csv, content_type="text/csv")
    assert (response.status_code, response.json()["unchanged"]) == (200, 2)


def test_anonymous_is_refused(values: None) -> None:
    assert Client().get("/api/v1/exchange/sdmx/data").status_code == 401


def test_cli(values: None, tmp_path: Path, system: Any) -> None:
    from lantu.cli import main

    mapping = tmp_path / "map.csv"
    mapping.write_text(MAPPING)
    assert main(["exchange", "mapping", "load", str(mapping), "--system", "dhis-cli"]) == 0
    out = tmp_path / "out.xml"
    assert main(["exchange", "export", "adx", "--period", "2022", "--system", "dhis-cli", "--out", str(out)]) == 0
    assert main(["exchange", "import", str(out), "--format", "adx", "--system", "dhis-cli", "--dry-run"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert main(["exchange", "import", str(bad), "--format", "dhis2", "--system", "dhis-cli"]) == 2
    with pytest.raises(NotFound):
        exports.export(system, "dhis2", system="unknown")
