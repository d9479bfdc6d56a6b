"""The cockpit (驾驶舱) home page on the full demo data: content, scope, demo mark, a fixed query count."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from lantu import demo
from lantu.framework.models import Indicator
from lantu.monitoring.cockpit import cockpit
from lantu.monitoring.models import Basis
from lantu.monitoring.progress import progress_for
from lantu.monitoring.services import ValueEntry, record_values
from lantu.monitoring.services.approval import return_value, submit_values
from lantu.orgunits.selectors import resolve_org_unit
from lantu.tasks import selectors as task_selectors

pytestmark = pytest.mark.django_db


def _quiet(description: str, total: int) -> Callable[[int], None]:
    return lambda n: None


@pytest.fixture
def demo_data() -> None:
    """What `lantu demo` puts in the database: personas, published figures, 2017–2023 demo values."""
    demo.generate(_quiet)


def _persona(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _count(page: str, light: str) -> int:
    found = re.search(rf'id="count-{light}">(\d+)<', page)
    assert found, light
    return int(found.group(1))


def test_home_is_the_cockpit_and_the_overview_moved(client: Client) -> None:
    assert reverse("cockpit") == "/"
    assert reverse("overview") == "/programme/"
    page = client.get("/").content.decode()
    assert "驾驶舱" in page
    assert 'id="cockpit-map"' in page
    assert 'href="/map/"' in page
    assert "深化数字浙江建设" in client.get("/programme/").content.decode()


@pytest.mark.usefixtures("demo_data")
def test_full_demo_province_in_at_most_ten_queries(client: Client, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(10):
        assert client.get("/").status_code == 200
    client.force_login(_persona("leader"))
    with django_assert_max_num_queries(10):
        page = client.get("/").content.decode()
    assert 'id="late-h"' in page
    assert 'id="returned-h"' in page


@pytest.mark.usefixtures("demo_data")
def test_six_key_tasks_headlines_and_latest_period(client: Client) -> None:
    client.force_login(_persona("leader"))
    page = client.get("/").content.decode()
    for area in ("数字科技创新", "云上浙江", "数据强省", "政府数字化转型", "经济数字化转型", "社会数字化转型"):
        assert area in page, area
    assert page.count('class="cockpit-card"') == 6
    headlines = Indicator.objects.filter(programme__code="DZJ", is_supporting=False)
    for code in headlines.values_list("code", flat=True):
        assert f'id="headline-{code}"' in page, code
    assert page.count('class="cockpit-chart"') == 3  # the areas with quantitative targets
    assert "2023年" in page  # the demo values run to 2023
    assert '<script id="cockpit-data" type="application/json">' in page
    assert "≥ 4万亿元，且 ≥ 2017年的2倍" in page


@pytest.mark.usefixtures("demo_data")
def test_light_counts_agree_with_the_progress_page(client: Client) -> None:
    province = resolve_org_unit("330000")
    lights = [
        progress_for(i, province, basis=Basis.APPROVED).light
        for i in Indicator.objects.select_related("programme").filter(programme__code="DZJ", is_supporting=False)
    ]
    client.force_login(_persona("leader"))
    page = client.get("/").content.decode()
    progress_page = client.get("/progress/").content.decode()
    for light in ("green", "yellow", "red", "grey"):
        assert _count(page, light) == lights.count(light), light
        assert progress_page.count(f'class="light light-{light}"') == lights.count(light), light
    assert sum(lights.count(x) for x in ("red", "yellow")) > 0  # the demo data has something off track
    found = cockpit(_persona("leader"))
    worst = found.off_track[0]
    assert worst.p.light == "red"
    assert all(h.p.light in ("red", "yellow") for h in found.off_track)
    assert f'href="/indicators/{worst.p.indicator.code}/?org_unit=330000&amp;basis=approved"' in page
    client.logout()  # the indicator page needs a login; visitors are taken to the row on this page
    assert f'href="#headline-{worst.p.indicator.code}"' in client.get("/").content.decode()


@pytest.mark.usefixtures("demo_data")
def test_demo_banner_with_demo_data(client: Client) -> None:
    page = client.get("/").content.decode()
    assert 'class="demo-banner"' in page
    assert "示例数据" in page


def test_no_demo_banner_without_demo_data(client: Client, system: Any) -> None:
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元")], approved=True)
    page = client.get("/").content.decode()
    assert "示例数据" not in page
    assert "3.93万亿元" in page
    assert "2022年" in page


def test_anonymous_visitors_see_approved_figures_only(client: Client, system: Any) -> None:
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元")], approved=True)
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("4.2"), "万亿元")])  # a newer draft
    page = client.get("/?basis=preliminary").content.decode()
    assert "正式数据" in page
    assert "3.93万亿元" in page
    assert "4.2万亿元" not in page
    assert "显示初步数据" not in page  # no switch without values.read
    assert 'id="late-h"' not in page
    assert 'id="returned-h"' not in page


def test_leader_may_switch_to_preliminary(client: Client, system: Any, leader: Any) -> None:
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("3.93"), "万亿元")], approved=True)
    record_values(system, [ValueEntry("DE_TOTAL", "330000", "2022", Decimal("4.2"), "万亿元")])
    client.force_login(leader)
    assert "显示初步数据" in client.get("/").content.decode()
    page = client.get("/?basis=preliminary").content.decode()
    assert "初步数据" in page
    assert "4.2万亿元" in page


def test_unknown_org_unit_is_404(client: Client) -> None:
    assert client.get("/?org_unit=999999").status_code == 404


@pytest.mark.usefixtures("demo_data")
def test_returned_values_show_within_scope_only(client: Client, make_user: Callable[..., Any]) -> None:
    reporter, approver = _persona("xihu_reporter"), _persona("hz_approver")
    values = demo.county_series("330106", 2024, random.Random(1))
    entries = [ValueEntry(code, "330106", "2024", value) for code, value in values.items()]
    record_values(reporter, entries, round_code=demo.DEMO_ROUND)
    submit_values(reporter, demo.DEMO_ROUND, "330106")
    return_value(approver, demo.DEMO_ROUND, "330106", "GDP", "与统计年鉴不符，请核实")
    for user in (reporter, approver, _persona("leader")):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert 'id="returned-count">1<' in page, user
        assert "与统计年鉴不符，请核实" in page
        assert f'href="/monitoring/rounds/{demo.DEMO_ROUND}/enter/330106/"' in page
    client.force_login(make_user("yuhang_reporter", "unit_reporter", org_unit="330110"))
    page = client.get("/").content.decode()
    assert 'id="returned-count">0<' in page
    assert "请核实" not in page
    client.logout()
    assert "请核实" not in client.get("/").content.decode()


def test_late_tasks_for_signed_in_users(client: Client, leader: Any) -> None:
    client.force_login(leader)
    page = client.get("/").content.decode()
    late = [r for r in task_selectors.rows("DZJ", dt.date.today()) if r.colour == "red"]
    assert late, "the seed's 2022 deadlines have passed"
    assert f"逾期任务 <small>{len(late)}</small>" in page
    assert f'href="/tasks/#task-{late[0].task.code}"' in page


def test_batched_task_lights_match_the_task_list(django_assert_num_queries: Any) -> None:
    today = dt.date(2022, 6, 30)
    expected = [(r.task.code, r.colour, r.reason_zh) for r in task_selectors.rows("DZJ", today)]
    with django_assert_num_queries(1):
        found = [(r.task.code, r.colour, r.reason_zh) for r in task_selectors.lights("DZJ", today)]
    assert found == expected


def test_english_cockpit(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "Cockpit" in page
    assert "Target lights" in page
