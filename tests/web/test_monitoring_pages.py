"""The entry grid, file upload, approval page and queue through Django's client (so on PostgreSQL too)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from lantu.monitoring.models import ValueState
from tests.monitoring.conftest import MakeRound

pytestmark = pytest.mark.django_db

GRID = "/monitoring/rounds/G2022/enter/330106/"


@pytest.fixture
def grid_round(make_round: MakeRound) -> None:
    make_round("G2022", ["GDP", "POPULATION"], ["330106", "330110"])


def test_a_cell_saves_through_the_service(client: Client, county_reporter: Any, grid_round: None) -> None:
    client.force_login(county_reporter)
    page = client.get(GRID)
    assert page.status_code == 200
    assert 'id="v-GDP"' in page.content.decode()
    row = client.post(GRID + "cell/GDP/", {"value": "1,234.5", "comment": "初报"}).content.decode()
    assert "草稿" in row
    state = ValueState.objects.get(indicator__code="GDP", org_unit__code="330106")
    assert (state.current.value, state.current.comment) == (Decimal("1234.5"), "初报")
    bad = client.post(GRID + "cell/POPULATION/", {"value": "约80"}).content.decode()
    assert "不是有效数字" in bad
    assert not ValueState.objects.filter(indicator__code="POPULATION").exists()


def test_another_countys_grid_is_404(client: Client, county_reporter: Any, grid_round: None) -> None:
    client.force_login(county_reporter)
    assert client.get("/monitoring/rounds/G2022/enter/330110/").status_code == 404
    assert client.post("/monitoring/rounds/G2022/enter/330110/cell/GDP/", {"value": "1"}).status_code == 404


def test_upload_lists_problems_and_writes_nothing(client: Client, county_reporter: Any, grid_round: None) -> None:
    client.force_login(county_reporter)
    data = "indicator,org_unit,period,value,unit,comment\nGDP,330106,2022,N/A,,\nPOPULATION,330106,2022,12,,\n"
    page = client.post(GRID, {"file": SimpleUploadedFile("v.csv", data.encode())}).content.decode()
    assert "文件未导入" in page
    assert "第 2 行" in page
    assert not ValueState.objects.exists()


def test_template_round_trip_through_the_page(client: Client, county_reporter: Any, grid_round: None) -> None:
    import io

    import openpyxl

    client.force_login(county_reporter)
    response = client.get("/monitoring/rounds/G2022/template/330106/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["填报"]
    for row in sheet.iter_rows():
        if row[0].value == "GDP":
            row[4].value = 2000
        if row[0].value == "POPULATION":
            row[4].value = 95
    out = io.BytesIO()
    book.save(out)
    answer = client.post(GRID, {"file": SimpleUploadedFile("t.xlsx", out.getvalue())})
    assert answer.status_code == 302
    assert ValueState.objects.filter(round__code="G2022", org_unit__code="330106").count() == 2


def test_submit_then_approve_from_the_queue(
    client: Client, county_reporter: Any, city_approver: Any, grid_round: None
) -> None:
    client.force_login(county_reporter)
    client.post(GRID + "cell/GDP/", {"value": "10"})
    client.post(GRID + "cell/POPULATION/", {"value": "20"})
    client.post("/monitoring/rounds/G2022/submit/330106/")
    assert set(ValueState.objects.values_list("status", flat=True)) == {"submitted"}
    client.force_login(city_approver)
    queue = client.get("/monitoring/queue/").content.decode()
    assert "G2022:330106" in queue
    client.post("/monitoring/queue/", {"items": ["G2022:330106"]})
    assert set(ValueState.objects.values_list("status", flat=True)) == {"approved"}
