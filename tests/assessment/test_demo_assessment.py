"""The demo city assessment end to end: data assembly for 2023, results with contributions, rubric
scores feeding the table once accepted, publication with the report and the frozen method."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from lantu.accounts.service import InvalidInput
from lantu.assessment import selectors
from lantu.assessment.assembly import assemble, units_for
from lantu.assessment.framework import parse_meta
from lantu.assessment.models import Assessment, AssessmentStatus
from lantu.assessment.services import (
    change_method,
    declare_conflict,
    publish_assessment,
    review_submission,
    run_assessment,
    score_item,
    set_status,
    submit_scores,
)
from lantu.framework.models import Indicator
from lantu.monitoring.mapdata import values_for

pytestmark = pytest.mark.django_db
CODE = "DEMO-CITY-2023"


def test_the_table_of_the_11_cities_in_2023(demo_assessment: Assessment) -> None:
    framework = parse_meta(demo_assessment.method.meta)
    assembled = assemble(demo_assessment, framework)
    table = assembled.table
    assert len(table.units) == 11
    assert table.units[0] == "330100"
    assert assembled.is_demo
    # value: the city's 2023 value (an aggregate of its counties), as the rankings page reads it
    share = Indicator.objects.get(code="DE_GDP_SHARE")
    units = [u.org_unit for u in units_for(demo_assessment)]
    found = values_for(share, units, ["2023"])  # type: ignore[arg-type]
    assert table.column("DE_SHARE")[0] == pytest.approx(float(found[(units[0].pk, "2023")].value))  # type: ignore[union-attr]
    # growth: against 2022, in per cent
    total = Indicator.objects.get(code="DE_TOTAL")
    both = values_for(total, units, ["2022", "2023"])  # type: ignore[arg-type]
    now, before = both[(units[1].pk, "2023")].value, both[(units[1].pk, "2022")].value  # type: ignore[union-attr]
    assert table.column("DE_GROWTH")[1] == pytest.approx(float((now / before - 1) * 100))
    # tasks: each city's demo task has four 2023 milestones, so the share is a multiple of 25 %
    on_time = table.column("TASKS")
    assert all(v in (0.0, 25.0, 50.0, 75.0, 100.0) for v in on_time)
    assert all(math.isnan(v) for v in table.column("R1"))  # nothing accepted yet


def test_results_ranks_and_contributions(demo_assessment: Assessment) -> None:
    run = selectors.current_run(demo_assessment)
    assert run is not None
    assert run.method_sha256 == demo_assessment.method.sha256
    rows = selectors.results(run)
    assert sorted(r.rank for r in rows) == list(range(1, 12))  # type: ignore[type-var]
    top = rows[0]
    assert top.score == max(r.score for r in rows)  # type: ignore[type-var]
    assert sum(v for v in top.contributions.values() if v is not None) == pytest.approx(top.score)
    assert set(top.scores) >= {"INDEX", "P_ECON", "P_INFRA", "P_GOV"}
    for r in rows:  # the rank interval from 500 seeded weight-noise runs holds the nominal rank
        assert r.rank_low is not None
        assert r.rank_high is not None
        assert r.rank is not None
        assert r.rank_low <= r.rank <= r.rank_high
    assert run.robustness == {"noise": 0.2, "runs": 500, "seed": 20240101, "available": True}
    assert {"statistics", "correlations", "flags"} <= set(run.audit_tables)
    assert any("R1" in note for note in run.notes)  # the unscored rubric item is named as left out


def test_publish_needs_reviewed_scores_then_freezes(
    demo_assessment: Assessment, evaluator: Any, admin_user: Any
) -> None:
    declare_conflict(evaluator, CODE, "330100", has_conflict=False)
    declare_conflict(evaluator, CODE, "330200", has_conflict=False)
    score_item(evaluator, CODE, "330100", "R1", "9", evidence=["https://example.org/hz"])
    score_item(evaluator, CODE, "330200", "R1", "3", comment="推进缓慢")
    set_status(admin_user, CODE, "review")
    with pytest.raises(InvalidInput, match="还有2个评分未经审核通过"):
        publish_assessment(admin_user, CODE)
    submission = submit_scores(evaluator, CODE)
    review_submission(admin_user, CODE, submission.pk, "accept")
    report = publish_assessment(admin_user, CODE)
    demo_assessment.refresh_from_db()
    assert demo_assessment.status == AssessmentStatus.PUBLISHED
    assert demo_assessment.published_at
    assert report.method_sha256 == demo_assessment.method.sha256
    assert report.method_sha256 in report.html
    assert "杭州市" in report.html
    assert "示例数据" in report.text
    run = selectors.current_run(demo_assessment)
    assert run is not None
    assert report.run_id == run.pk
    assert run.number == 2
    r1 = run.inputs["codes"].index("R1")
    by_unit = dict(zip(run.inputs["units"], run.inputs["values"], strict=True))
    assert by_unit["330100"][r1] == 9.0
    assert by_unit["330200"][r1] == 3.0
    hangzhou = next(r for r in run.results.all() if r.unit_code == "330100")
    assert (hangzhou.contributions.get("R1") or 0) > 0  # the accepted score now counts
    with pytest.raises(InvalidInput, match="已发布"):
        run_assessment(admin_user, CODE)
    with pytest.raises(InvalidInput, match="已发布"):
        change_method(admin_user, CODE, 1)
    assert Decimal(9) == selectors.latest_scores(demo_assessment)[0].score


def test_last_years_rank_is_carried(demo_assessment: Assessment, system: Any) -> None:
    from lantu.assessment.services import AssessmentSpec, RubricSpec, create_assessment

    rubric = (RubricSpec("R1", "a", Decimal(10)), RubricSpec("R2", "b", Decimal(10)))
    for year in (2022, 2024):
        create_assessment(
            system,
            AssessmentSpec(
                code=f"CITY-{year}",
                programme_code="DZJ",
                title_zh=str(year),
                year=year,
                subject="cities",
                method_code="DEMO-CITY",
                rubric=rubric,
            ),
        )
    with pytest.raises(InvalidInput, match="没有任何指标有足够数据"):
        run_assessment(system, "CITY-2024")  # no 2024 values, no 2024 milestones: refused, named
    earlier = run_assessment(system, "CITY-2022")
    assert any("DE_GROWTH" in n for n in earlier.notes)  # no 2021 values here: growth left out, said so
    last_year = {r.unit_code: r.rank for r in earlier.results.all()}
    now = run_assessment(system, CODE)
    assert {r.unit_code: r.previous_rank for r in now.results.all()} == last_year
