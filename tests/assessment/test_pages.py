"""Assessment pages: who sees what, the rankings, method, unit, evaluator, review, report and Excel
export; a bounded number of queries whatever the number of units."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from lantu.assessment.models import Assessment

pytestmark = pytest.mark.django_db
CODE = "DEMO-CITY-2023"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_sees_rankings_method_unit_and_export(demo_assessment: Assessment, admin_user: Any) -> None:
    client = _client(admin_user)
    listing = client.get("/assessments/").content.decode()
    assert "2023年度设区市数字化发展绩效评估（示例）" in listing
    assert "示例" in listing
    page = client.get(f"/assessments/{CODE}/").content.decode()
    assert "杭州市" in page
    assert "排名区间" in page
    assert "示例数据" in page
    assert demo_assessment.method.sha256[:12] in page
    method = client.get(f"/assessments/{CODE}/method/").content.decode()
    assert demo_assessment.method.sha256 in method
    assert "tasks:on_time" in method
    assert "normalise" in method
    unit = client.get(f"/assessments/{CODE}/units/330100/").content.decode()
    assert 'id="assess-unit-data"' in unit
    assert "数字经济" in unit
    assert "得分构成" in unit
    assert client.get(f"/assessments/{CODE}/units/999999/").status_code == 404
    response = client.get(f"/assessments/{CODE}/export.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert {"结果 Results", "各层得分 Scores", "贡献 Contributions", "评分 Scores by evaluator"} <= set(book.sheetnames)
    results = book["结果 Results"]
    assert results["A1"].value.startswith("示例数据")
    assert results.max_row == 2 + 11
    report = client.get(f"/assessments/{CODE}/report/").content.decode()
    assert "预览" in report
    assert demo_assessment.method.sha256 in report


def test_visibility(demo_assessment: Assessment, leader: Any, outsider: Any, make_user: Any) -> None:
    assert _client(outsider).get(f"/assessments/{CODE}/").status_code == 404
    assert _client(leader).get(f"/assessments/{CODE}/").status_code == 404  # not published yet
    other = make_user("unassigned_evaluator", "evaluator")
    assert _client(other).get(f"/assessments/{CODE}/evaluate/").status_code == 404
    assert _client(leader).get(f"/assessments/{CODE}/review/").status_code == 404
    Assessment.objects.filter(pk=demo_assessment.pk).update(status="published")
    assert _client(leader).get(f"/assessments/{CODE}/").status_code == 200


def test_evaluator_forms_and_office_review(demo_assessment: Assessment, evaluator: Any, admin_user: Any) -> None:
    client = _client(evaluator)
    url = f"/assessments/{CODE}/evaluate/"
    refused = client.post(url, {"action": "score", "unit": "330100", "item": "R1", "score": "8"})
    assert refused.status_code == 422
    assert "利益冲突声明" in refused.content.decode()
    client.post(url, {"action": "declare", "unit": "330100", "conflict": "no"})
    low = client.post(url, {"action": "score", "unit": "330100", "item": "R1", "score": "2"})
    assert low.status_code == 422
    assert "须填写评语" in low.content.decode()
    ok = client.post(
        url,
        {
            "action": "score",
            "unit": "330100",
            "item": "R1",
            "score": "8",
            "comment": "好",
            "evidence": "https://example.org/a",
        },
    )
    assert ok.status_code == 302
    assert client.post(url, {"action": "submit"}).status_code == 302
    office = _client(admin_user)
    review = office.get(f"/assessments/{CODE}/review/").content.decode()
    assert "https://example.org/a" in review
    assert "待审核" in review
    from lantu.assessment.models import Submission

    submission = Submission.objects.get()
    done = office.post(
        f"/assessments/{CODE}/review/", {"action": "review", "submission": submission.pk, "decision": "accept"}
    )
    assert done.status_code == 302
    refused = office.post(f"/assessments/{CODE}/review/", {"action": "publish"})
    assert refused.status_code == 422
    assert "审核中" in refused.content.decode()


def test_queries_do_not_grow_with_units(demo_assessment: Assessment, admin_user: Any, evaluator: Any) -> None:
    client = _client(admin_user)
    for path in ("", "method/", "units/330100/", "review/"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/assessments/{CODE}/{path}").status_code == 200
        assert len(ctx) <= 20, (path, len(ctx))
    declare_and_score = _client(evaluator)
    url = f"/assessments/{CODE}/evaluate/"
    for unit in ("330100", "330200", "330300"):
        declare_and_score.post(url, {"action": "declare", "unit": unit, "conflict": "no"})
        declare_and_score.post(url, {"action": "score", "unit": unit, "item": "R1", "score": "8"})
    with CaptureQueriesContext(connection) as ctx:
        assert declare_and_score.get(url).status_code == 200
    assert len(ctx) <= 16
