"""Demo appraisal (示例): a small method over the demo indicators, task completion and two rubric
items, an assessment of the 11 cities for 2023, and the `evaluator` persona assigned to it.

Everything is labelled 示例 / demo: the method and assessment carry ``is_demo``; the demo tasks that
give the cities milestones to complete are titled 示例 and described as generated.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from lantu.accounts.permissions import SystemActor
from lantu.assessment.models import Assessment
from lantu.assessment.services import (
    AssessmentSpec,
    RubricSpec,
    assign_evaluator,
    create_assessment,
    create_method_version,
    run_assessment,
    set_status,
)
from lantu.orgunits.models import Level, OrgUnit
from lantu.tasks.models import Task
from lantu.tasks.services import TaskSpec, add_task_milestone, complete_milestone, create_task, set_task_status

SYSTEM = SystemActor("system:demo")
METHOD_CODE = "DEMO-CITY"
ASSESSMENT_CODE = "DEMO-CITY-2023"
YEAR = 2023

#: A three-level framework: indicators → pillars → the index. ``source`` says where each
#: indicator's data comes from (see lantu/assessment/framework.py for the vocabulary).
META: list[dict[str, object]] = [
    {"code": "INDEX", "name": "数字化发展绩效指数（示例）", "parent": None, "weight": 1, "direction": 1, "level": 3},
    {"code": "P_ECON", "name": "数字经济", "parent": "INDEX", "weight": 0.4, "direction": 1, "level": 2},
    {"code": "P_INFRA", "name": "数字基础设施", "parent": "INDEX", "weight": 0.3, "direction": 1, "level": 2},
    {"code": "P_GOV", "name": "数字政府与工作推进", "parent": "INDEX", "weight": 0.3, "direction": 1, "level": 2},
    {
        "code": "DE_SHARE",
        "name": "数字经济增加值占GDP比重",
        "parent": "P_ECON",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "value:DE_GDP_SHARE",
    },
    {
        "code": "DE_GROWTH",
        "name": "数字经济增加值增速",
        "parent": "P_ECON",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "growth:DE_TOTAL",
    },
    {
        "code": "FIBRE",
        "name": "光纤宽带用户率",
        "parent": "P_INFRA",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "value:FIBRE_SHARE",
    },
    {
        "code": "NET",
        "name": "互联网普及率",
        "parent": "P_INFRA",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "value:INTERNET_PENETRATION",
    },
    {
        "code": "MOBILE",
        "name": "政务服务事项掌上办理率",
        "parent": "P_GOV",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "value:GOV_MOBILE_SHARE",
    },
    {
        "code": "TASKS",
        "name": "任务节点按时完成率",
        "parent": "P_GOV",
        "weight": 1,
        "direction": 1,
        "level": 1,
        "source": "tasks:on_time",
    },
    {
        "code": "R1",
        "name": "评估员评分：数字化改革工作成效",
        "parent": "P_GOV",
        "weight": 0.5,
        "direction": 1,
        "level": 1,
        "source": "rubric:R1",
    },
    {
        "code": "R2",
        "name": "评估员评分：群众和企业满意度",
        "parent": "P_GOV",
        "weight": 0.5,
        "direction": 1,
        "level": 1,
        "source": "rubric:R2",
    },
]

METHOD_YAML = """\
# 示例方法（demo method）：仅用于演示，并非正式考评办法。
version: 1
name: 示例：设区市数字化发展绩效评估
steps:
  - normalise: {method: minmax, low: 0, high: 100}
  - weight: {method: manual}
  - aggregate: {method: arithmetic}
"""

RUBRIC = (
    RubricSpec("R1", "数字化改革重点工作推进成效（示例评分项）", Decimal(10)),
    RubricSpec("R2", "群众和企业对数字化服务的满意度（示例评分项）", Decimal(10)),
)


def _demo_tasks(seed: int) -> None:
    """One demo task per city with four 2023 milestones, all done, some late (for task completion)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data
    end = dt.date(YEAR, 12, 31)
    for city in OrgUnit.objects.valid_on(end).filter(level=Level.CITY).order_by("code"):
        code = f"DEMO-A-{city.code}"
        if Task.objects.filter(code=code).exists():
            continue
        create_task(
            SYSTEM,
            TaskSpec(
                code=code,
                programme_code="DZJ",
                title_zh=f"示例：{city.name_zh}{YEAR}年数字化改革重点任务",
                title_en=f"Demo: {city.name_en} digital reform tasks {YEAR}",
                description="示例数据，由程序生成，用于演示绩效评估中的任务完成情况。",
                lead_org_unit=city.code,
                start=dt.date(YEAR, 1, 1),
                deadline=end,
                order=900,
            ),
        )
        for quarter in range(4):
            due = dt.date(YEAR, 3 * quarter + 3, 28)
            milestone = add_task_milestone(SYSTEM, code, f"示例：第{quarter + 1}季度节点", due)
            late = rng.random() < 0.3
            done = min(due + dt.timedelta(days=rng.randrange(5, 40)), end) if late else due
            complete_milestone(SYSTEM, code, milestone.pk, done)
        set_task_status(SYSTEM, code, "done", done_on=end, reason="示例")


def generate_assessment(notes: list[str], seed: int = 2019) -> None:
    """Create the demo method, tasks and city assessment (once); add a line to `lantu demo`'s notes."""
    if Assessment.objects.filter(code=ASSESSMENT_CODE).exists():
        return
    _demo_tasks(seed)
    create_method_version(
        SYSTEM, METHOD_CODE, "示例：设区市数字化发展绩效评估方法", META, METHOD_YAML, reason="示例", is_demo=True
    )
    create_assessment(
        SYSTEM,
        AssessmentSpec(
            code=ASSESSMENT_CODE,
            programme_code="DZJ",
            title_zh=f"{YEAR}年度设区市数字化发展绩效评估（示例）",
            year=YEAR,
            subject="cities",
            method_code=METHOD_CODE,
            rubric=RUBRIC,
            is_demo=True,
        ),
    )
    assign_evaluator(SYSTEM, ASSESSMENT_CODE, "evaluator")
    run_assessment(SYSTEM, ASSESSMENT_CODE)
    set_status(SYSTEM, ASSESSMENT_CODE, "scoring", reason="示例")
    notes.append(f"示例绩效评估 {ASSESSMENT_CODE}：11个设区市，评估员 evaluator (demo assessment)")
