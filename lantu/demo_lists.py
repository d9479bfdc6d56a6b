"""Generated demo projects and policies (示例数据 / demo data) for the list pages and the map.

The seed names no project locations, investments or policy documents, so everything here is
invented by code, stored with ``is_demo=True`` and named with a 示例 prefix; document numbers
read 示例〔年〕号 so that nobody can mistake them for real ones. Coordinates are scattered around
each city's seat so the map has points to show.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from lantu.accounts.permissions import SystemActor
from lantu.policies.models import Policy
from lantu.policies.services import (
    MeasureSpec,
    PolicySpec,
    add_measure,
    create_policy,
    set_measure_status,
    set_policy_status,
)
from lantu.projects.models import MajorProject
from lantu.projects.services import (
    ProjectSpec,
    add_project_milestone,
    complete_project_milestone,
    create_project,
    record_investment,
    set_project_status,
)

SYSTEM = SystemActor("system:demo")
#: Approximate seats of the 11 cities (longitude, latitude), the centres the demo points scatter around.
CITY_SEATS = {
    "330100": ("杭州", 120.15, 30.28),
    "330200": ("宁波", 121.55, 29.87),
    "330300": ("温州", 120.70, 28.00),
    "330400": ("嘉兴", 120.76, 30.75),
    "330500": ("湖州", 120.09, 30.89),
    "330600": ("绍兴", 120.58, 30.03),
    "330700": ("金华", 119.65, 29.08),
    "330800": ("衢州", 118.87, 28.94),
    "330900": ("舟山", 122.21, 29.99),
    "331000": ("台州", 121.42, 28.66),
    "331100": ("丽水", 119.92, 28.45),
}
KINDS = (
    ("ECON", "数字产业园", False),
    ("ECON", "“万亩千亿”数字产业平台", True),
    ("CLOUD", "数据中心", False),
    ("CLOUD", "5G网络建设工程", False),
    ("GOV", "城市大脑", False),
    ("SOC", "智慧医疗示范工程", False),
)
YEARS = ("2021", "2022", "2023", "2024")
TODAY = dt.date(2025, 6, 30)  # the demo's "today", so generated histories do not depend on the run date


def generate_projects(seed: int = 2019) -> int:
    """Two or three demo projects per city with investment 2021–2024; returns how many were made."""
    if MajorProject.objects.filter(is_demo=True).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    count = 0
    for city, (short, lon, lat) in CITY_SEATS.items():
        for n in range(2 + (int(city[2:4]) % 2)):
            area, kind, platform = KINDS[(int(city[2:4]) + n) % len(KINDS)]
            code = f"DEMO_{city}_{n + 1}"
            planned = Decimal(rng.randrange(20, 400)) / Decimal(2)
            start = dt.date(2021, rng.randrange(1, 12), 1)
            end = dt.date(2025 + rng.randrange(0, 3), 12, 31)
            create_project(
                SYSTEM,
                ProjectSpec(
                    code=code,
                    programme_code="DZJ",
                    name_zh=f"示例：{short}{kind}",
                    name_en=f"Demo: {kind} in {short}",
                    description="示例数据，由程序生成，非真实项目。",
                    area_code=area,
                    task_codes=["T04"] if platform else ["T02"],
                    org_unit=city,
                    longitude=Decimal(str(round(lon + rng.uniform(-0.15, 0.15), 4))),
                    latitude=Decimal(str(round(lat + rng.uniform(-0.12, 0.12), 4))),
                    owner=f"示例{short}建设投资有限公司",
                    planned_investment=planned,
                    start=start,
                    end=end,
                    is_platform=platform,
                    is_demo=True,
                    order=1000 + count,
                ),
            )
            share = Decimal(0)
            for year in YEARS:
                if int(year) < start.year:
                    continue
                part = Decimal(str(round(rng.uniform(0.08, 0.24), 3)))
                share += part
                record_investment(SYSTEM, code, year, (planned * part).quantize(Decimal("0.01")), today=TODAY)
            step = add_project_milestone(SYSTEM, code, "主体工程完工", dt.date(2024, 6, 30))
            add_project_milestone(SYSTEM, code, "竣工验收", end)
            if rng.random() < 0.6:
                complete_project_milestone(SYSTEM, code, step.pk, dt.date(2024, 6, 20), today=TODAY)
            set_project_status(SYSTEM, code, "under_construction", reason="示例数据")
            count += 1
    return count


def generate_policies() -> int:
    """Three demo policies in different stages, with measures for demo personas' units."""
    if Policy.objects.filter(is_demo=True).exists():
        return 0
    specs = (
        ("DEMO_POL_1", "示例：数字经济高质量发展若干政策", "T06", "ECON", 1),
        ("DEMO_POL_2", "示例：公共数据开放与安全管理办法", "T07", "DATA", 2),
        ("DEMO_POL_3", "示例：5G与数据中心建设支持措施", "T06", "CLOUD", 0),
    )
    for code, title, task, area, stage in specs:
        create_policy(
            SYSTEM,
            PolicySpec(
                code=code,
                programme_code="DZJ",
                title_zh=title,
                title_en=f"Demo policy {code[-1]}",
                issuer="示例发文机关",
                issuer_department="DSJ",
                task_codes=[task],
                area_codes=[area],
                is_demo=True,
            ),
        )
        m1 = add_measure(SYSTEM, code, MeasureSpec(text="设立专项资金，明确支持方向和标准", departments=["DSJ"]))
        m2 = add_measure(
            SYSTEM, code, MeasureSpec(text="在西湖区开展试点", org_units=["330106"], due=dt.date(2025, 12, 31))
        )
        if stage >= 1:
            set_policy_status(SYSTEM, code, "issued", doc_number=f"示例〔2023〕{code[-1]}号", on=dt.date(2023, 3, 1))
            set_measure_status(SYSTEM, m1.pk, "in_progress", "示例数据")
        if stage >= 2:
            set_policy_status(SYSTEM, code, "in_force", on=dt.date(2023, 4, 1))
            set_measure_status(SYSTEM, m1.pk, "implemented", "示例数据")
            set_measure_status(SYSTEM, m2.pk, "in_progress", "示例数据")
    return len(specs)


def generate_datasets(now: dt.datetime | None = None) -> int:
    """One published demo dataset on the open-data catalogue, taken through the whole review.

    The version is submitted by one actor and approved by another (the review needs two
    people), scheduled with an embargo that has already passed, and published. Its rows carry
    the ``is_demo`` flag of every generated value, so the catalogue labels it 示例数据.
    """
    from django.utils import timezone

    from lantu.publishing.models import Dataset
    from lantu.publishing.services import (
        DatasetSpec,
        approve_version,
        create_dataset,
        create_version,
        publish_due,
        schedule_version,
        submit_version,
    )

    if Dataset.objects.filter(code="demo-digital-indicators").exists():
        return 0
    moment = now or timezone.now()
    earlier = moment - dt.timedelta(hours=1)
    create_dataset(
        SYSTEM,
        DatasetSpec(
            code="demo-digital-indicators",
            title_zh="示例：数字经济与网络基础设施主要指标（浙江省，2017—2023年）",
            title_en="Demo: digital economy and network indicators (Zhejiang, 2017–2023)",
            publisher="DSJ",
            spatial="330000",
            period_from="2017",
            period_to="2023",
            indicator_codes=["DE_TOTAL", "DE_GDP_SHARE", "INTERNET_PENETRATION", "INTERPROV_BANDWIDTH"],
            description_zh="示例数据集：含程序生成的示例数据和部分公开发布的真实数据，每行注明。",
            description_en="Demo dataset: generated demo values and some real published figures, each row marked.",
            keywords_zh=["数字经济", "网络基础设施"],
            keywords_en=["digital economy", "network infrastructure"],
        ),
    )
    version = create_version(SYSTEM, "demo-digital-indicators")
    submit_version(SYSTEM, "demo-digital-indicators", version.number, now=earlier)
    reviewer = SystemActor("system:demo-reviewer")
    approve_version(reviewer, "demo-digital-indicators", version.number, comment="示例", now=earlier)
    schedule_version(
        reviewer, "demo-digital-indicators", version.number, earlier + dt.timedelta(minutes=1), now=earlier
    )
    publish_due(reviewer, now=moment)
    return 1
