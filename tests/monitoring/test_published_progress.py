"""Done when: Zhejiang's published figures load, and progress towards the 2022 targets reads right.

The figures are the real published ones in ``lantu/monitoring/data/zhejiang_published.csv``
(sources in its comment column), in mixed units: 亿元 and 万亿元.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

import lantu.monitoring
from lantu.accounts.service import PermissionDeniedError
from lantu.monitoring.files import import_file
from lantu.monitoring.models import Aggregate, DataValue, ValueState
from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db

CSV = Path(lantu.monitoring.__file__).parent / "data" / "zhejiang_published.csv"
ROWS = 18


@pytest.fixture
def published(province_reporter: Any, admin_user: Any) -> None:
    """The province's reporter loads the file as a draft; the programme office then approves it."""
    data = CSV.read_bytes()
    draft = import_file(province_reporter, CSV.name, data)
    assert (draft.written, draft.unchanged) == (ROWS, 0)
    official = import_file(admin_user, CSV.name, data, approved=True, source="浙江省公开发布数据")
    assert official.written == ROWS


def _progress(client: Client, code: str, basis: str = "approved", org_unit: str = "330000") -> dict[str, Any]:
    response = client.get(f"/api/v1/indicators/{code}/progress?org_unit={org_unit}&basis={basis}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def _point(body: dict[str, Any], period: str) -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in body["series"] if p["period"] == period)
    return found


def test_the_file_loads_in_mixed_units_as_a_draft(province_reporter: Any) -> None:
    result = import_file(province_reporter, CSV.name, CSV.read_bytes())
    assert (result.written, result.unchanged, result.flags) == (ROWS, 0, [])

    def stored(code: str, period: str) -> DataValue:
        return ValueState.objects.select_related("current").get(indicator__code=code, period=period).current

    # "3.93 万亿元" is kept as 39300 亿元, the indicator's unit; what was typed is kept too.
    de_2022 = stored("DE_TOTAL", "2022")
    assert (de_2022.value, de_2022.entered_value, de_2022.entered_unit) == (Decimal(39300), "3.93", "万亿元")
    assert stored("DE_TOTAL", "2021").value == Decimal(35700)
    assert stored("DE_TOTAL", "2020").value == Decimal(30218)  # given in 亿元
    assert stored("GDP", "2020").value == Decimal(65000)  # "6.5 万亿元"
    assert stored("GDP", "2022").value == Decimal(77715)
    assert "2022年浙江省国民经济和社会发展统计公报" in stored("GDP", "2022").comment
    assert set(ValueState.objects.values_list("status", flat=True)) == {"draft"}
    assert set(ValueState.objects.values_list("org_unit__key", flat=True)) == {"330000"}
    # Drafts count for the preliminary figures only.
    assert Aggregate.objects.filter(basis="preliminary").exists()
    assert not Aggregate.objects.filter(basis="approved").exists()
    # Loading the same file again writes nothing.
    again = import_file(province_reporter, CSV.name, CSV.read_bytes())
    assert (again.written, again.unchanged) == (0, ROWS)


def test_a_reporter_cannot_load_figures_as_approved(province_reporter: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        import_file(province_reporter, CSV.name, CSV.read_bytes(), approved=True)
    assert not DataValue.objects.exists()


@pytest.mark.usefixtures("published")
def test_digital_economy_size_missed_the_doubling(client: Client, leader: Any) -> None:
    client.force_login(leader)
    body = _progress(client, "DE_TOTAL")
    assert body["basis"] == "approved"
    assert (body["target_year"], body["comparator"]) == (2022, ">=")
    # "翻一番" of 2017's 20658 亿元 is 41316 亿元, stricter than "4万亿元以上".
    assert body["threshold"] == 41316
    assert body["baseline"] == {"period": "2017", "value": 20658, "origin": "reported", "is_demo": False}
    assert body["baseline_source"] == "2017年数据值"
    assert _point(body, "2022")["value"] == 39300
    assert body["status"] == "not_met"
    assert body["attainment"]["met"] is False
    assert body["attainment"]["margin"] == pytest.approx(39300 - 41316)
    assert body["attainment"]["text_zh"].startswith("未完成")
    assert body["is_demo"] is False
    assert [p["period"] for p in body["series"]] == ["2017", "2020", "2021", "2022", "2023"]


@pytest.mark.usefixtures("published")
def test_digital_economy_share_is_computed_for_2022(client: Client, leader: Any) -> None:
    client.force_login(leader)
    body = _progress(client, "DE_GDP_SHARE")
    point = _point(body, "2022")
    # No published share for 2022: it is computed, 100 × 39300 / 77715.
    assert point["origin"] == "computed"
    assert point["value"] == pytest.approx(100 * 39300 / 77715, abs=1e-6)
    assert f"{point['value']:.2f}" == "50.57"
    assert _point(body, "2021") == {"period": "2021", "value": 48.6, "origin": "reported", "is_demo": False}
    assert body["threshold"] == 55
    assert body["status"] == "not_met"
    assert body["attainment"]["met"] is False
    assert body["baseline"]["period"] == "2017"
    assert body["baseline"]["value"] == 39.9


@pytest.mark.usefixtures("published")
def test_an_indicator_with_one_value_is_grey_with_a_note(client: Client, leader: Any) -> None:
    client.force_login(leader)
    body = _progress(client, "INTERNET_PENETRATION")  # only 2018 is published
    assert [p["period"] for p in body["series"]] == ["2018"]
    assert (body["light"], body["status"]) == ("grey", "grey")
    assert body["attainment"] is None
    assert body["notes"] == ["只有一期数据，无法判断进度"]
    # The fibre share is computed for 2020 from the two user counts, once: grey as well.
    fibre = _progress(client, "FIBRE_SHARE")
    assert [(p["period"], p["origin"]) for p in fibre["series"]] == [("2020", "computed")]
    assert fibre["series"][0]["value"] == pytest.approx(100 * 2692.9 / 2938.8, abs=1e-6)
    assert fibre["light"] == "grey"
    assert fibre["notes"] == ["只有一期数据，无法判断进度"]


@pytest.mark.usefixtures("published")
def test_the_preliminary_basis_shows_a_newer_draft(client: Client, leader: Any, province_reporter: Any) -> None:
    # A revised 2022 figure, entered but not yet approved.
    record_values(province_reporter, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("4.2"), "万亿元")])
    client.force_login(leader)
    official = _progress(client, "DE_TOTAL")
    preliminary = _progress(client, "DE_TOTAL", basis="preliminary")
    assert (official["basis"], preliminary["basis"]) == ("approved", "preliminary")
    assert _point(official, "2022")["value"] == 39300
    assert _point(preliminary, "2022")["value"] == 42000
    assert (official["status"], preliminary["status"]) == ("not_met", "met")
    share = _progress(client, "DE_GDP_SHARE", basis="preliminary")
    assert _point(share, "2022")["value"] == pytest.approx(100 * 42000 / 77715, abs=1e-6)
    assert _point(_progress(client, "DE_GDP_SHARE"), "2022")["value"] == pytest.approx(100 * 39300 / 77715, abs=1e-6)


@pytest.mark.usefixtures("published")
def test_who_may_read_the_province_s_progress(
    client: Client, county_reporter: Any, province_reporter: Any, outsider: Any
) -> None:
    url = "/api/v1/indicators/DE_TOTAL/progress?org_unit=330000"
    assert client.get(url).status_code == 401
    client.force_login(county_reporter)  # 西湖区 does not see unpublished province figures
    assert client.get(url).status_code == 404
    assert client.get("/api/v1/indicators/DE_TOTAL/progress?org_unit=330106").status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(province_reporter)
    assert client.get(url).status_code == 200
    assert client.get(url + "&basis=official").status_code == 422
    assert client.get("/api/v1/indicators/NOPE/progress").status_code == 404
