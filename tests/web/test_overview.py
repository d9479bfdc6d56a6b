"""The programme overview page: six key tasks, targets with sources, two languages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lantu.monitoring.services import ValueEntry, record_values

pytestmark = pytest.mark.django_db


def test_overview_in_chinese(client: Client) -> None:
    page = client.get("/programme/").content.decode()
    assert '<html lang="zh-hans">' in page
    for text in (
        "深化数字浙江建设",
        "数字科技创新",
        "云上浙江",
        "数据强省",
        "≥ 4万亿元，且 ≥ 2017年的2倍",
        "&gt; 93%",
        "≥ 60Tbps",
        "全省数字经济总量较 2017年翻一番，达到 4万亿元以上",
        "之江实验室",
    ):
        assert text in page, text


def test_chinese_even_for_an_english_browser(client: Client) -> None:
    page = client.get("/programme/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in page


def test_language_switch_to_english(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/programme/"})
    assert response.status_code == 302
    page = client.get("/programme/").content.decode()
    assert '<html lang="en">' in page
    assert "Deepening Digital Zhejiang" in page
    assert "Programme overview" in page or "Cloud Zhejiang" in page
    assert "≥ 4 万亿元 and ≥ 2 × the 2017 value" in page


def test_demo_banner_only_with_demo_data(client: Client, system: Any) -> None:
    assert "示例数据" not in client.get("/programme/").content.decode()
    record_values(system, [ValueEntry("GDP", "330106", "2022", Decimal(1))], demo=True)
    assert "示例数据" in client.get("/programme/").content.decode()


def test_overview_query_count_is_bounded(client: Client) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/programme/").status_code == 200
    assert len(queries) <= 10


def test_login_page_and_login(client: Client, make_user: Any) -> None:
    make_user("someone")
    assert client.get("/accounts/login/").status_code == 200
    response = client.post("/accounts/login/", {"username": "someone", "password": "x"})
    assert response.status_code == 302
    assert "someone" in client.get("/").content.decode()


def test_unknown_programme_is_404(client: Client) -> None:
    assert client.get("/programmes/NOPE/").status_code == 404
