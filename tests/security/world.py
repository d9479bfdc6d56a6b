"""The objects the authorization matrix points its URLs at, built once per module.

Everything of 西湖区 (330106): a round with its submitted values, a task it leads with an evidence
file, a project located there, a policy measure it carries out. The county reporter of 西湖区 owns
them; the reporter of 余杭区 (330110) and the department reporter (DSJ) are of another unit; the
杭州市 approver is above them. Besides: a small city assessment open for scoring (the evaluator is
assigned), and an open-data dataset with one published version and one draft.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

ROUND = "AZ2023"
TASK = "AZ-T1"
PROJECT = "AZ-P1"
POLICY = "AZ-POL1"
ASSESSMENT = "AZ-LIGHT"
DATASET = "az-dataset"
OWN_UNIT = "330106"  # 西湖区
OTHER_UNIT = "330110"  # 余杭区
CITY = "330100"  # 杭州市

#: The personas, in the order of every expectation tuple in ``authz_table``.
PERSONAS = ("admin", "dept", "city", "county", "other", "leader", "evaluator", "anon")

#: username, role, scope of each signed-in persona.
PERSONA_ROLES: dict[str, tuple[str, str, dict[str, str]]] = {
    "admin": ("az_admin", "programme_admin", {}),
    "dept": ("az_dept", "department_reporter", {"department": "DSJ"}),
    "city": ("az_city", "approver", {"org_unit": CITY}),
    "county": ("az_county", "unit_reporter", {"org_unit": OWN_UNIT}),
    "other": ("az_other", "unit_reporter", {"org_unit": OTHER_UNIT}),
    "leader": ("az_leader", "leader", {}),
    "evaluator": ("az_evaluator", "evaluator", {}),
}


@dataclass
class World:
    """Primary keys of the objects whose URLs carry a number."""

    ids: dict[str, int] = field(default_factory=dict)


def build(media_root: str) -> World:
    """Create the personas and objects through the services (as the system actor)."""
    from lantu.accounts.permissions import SystemActor
    from lantu.accounts.services import assign_role, create_user
    from lantu.assessment.services import (
        AssessmentSpec,
        RubricSpec,
        assign_evaluator,
        create_assessment,
        create_method_version,
        set_status,
    )
    from lantu.monitoring.entries import ValueEntry
    from lantu.monitoring.services.approval import submit_values
    from lantu.monitoring.services.rounds import RoundSpec, create_round, set_round_status
    from lantu.monitoring.services.values import record_values
    from lantu.policies.models import PolicyMeasure
    from lantu.policies.services import MeasureSpec, PolicySpec, add_measure, create_policy
    from lantu.projects.models import ProjectMilestone
    from lantu.projects.services import ProjectSpec, add_project_milestone, create_project
    from lantu.publishing.services import create_dataset, create_version
    from lantu.tasks.models import Evidence, TaskMilestone
    from lantu.tasks.services.tasks import (
        EvidenceFile,
        ReportSpec,
        TaskSpec,
        add_task_milestone,
        create_task,
        report_progress,
    )
    from tests.publishing.conftest import load_approved_values, publisher_for, spec

    system = SystemActor("system:authz")
    for username, role, scope in PERSONA_ROLES.values():
        create_user(system, username, "x", check_password=False)
        assign_role(
            system, username, role, org_unit_code=scope.get("org_unit"), department_code=scope.get("department")
        )
    office_b = create_user(system, "az_office_b", "x", check_password=False)
    assign_role(system, "az_office_b", "programme_admin")

    # A round of 西湖区 and 余杭区; 西湖区 has entered and submitted its figures.
    create_round(
        system,
        RoundSpec(
            code=ROUND,
            programme_code="DZJ",
            title_zh="2023年度数据填报（权限测试）",
            period="2023",
            opens_on=dt.date(2024, 1, 1),
            deadline=dt.date(2024, 3, 31),
            indicator_codes=("DE_TOTAL", "GDP"),
            org_unit_codes=(OWN_UNIT, OTHER_UNIT),
            approval_levels=1,
        ),
    )
    set_round_status(system, ROUND, "open")
    record_values(
        system,
        [ValueEntry("DE_TOTAL", OWN_UNIT, "2023", Decimal(3300)), ValueEntry("GDP", OWN_UNIT, "2023", Decimal(6600))],
        round_code=ROUND,
    )
    submit_values(system, ROUND, OWN_UNIT)

    # A task 西湖区 leads, with a milestone and a progress report carrying an evidence file.
    create_task(
        system,
        TaskSpec(
            TASK,
            "DZJ",
            "西湖区数字化改革（权限测试）",
            lead_org_unit=OWN_UNIT,
            start=dt.date(2024, 1, 1),
            deadline=dt.date(2030, 12, 31),
        ),
    )
    add_task_milestone(system, TASK, "方案印发", dt.date(2024, 3, 31))
    report_progress(
        system,
        ReportSpec(TASK, dt.date(2024, 6, 30), Decimal(10), "进展", [EvidenceFile("az.pdf", b"%PDF-1.4 az")]),
    )

    # A project located in 西湖区, with a milestone.
    create_project(system, ProjectSpec(PROJECT, "DZJ", "西湖区算力中心（权限测试）", org_unit=OWN_UNIT, is_demo=True))
    add_project_milestone(system, PROJECT, "开工", dt.date(2024, 6, 30))

    # A policy with a measure carried out by 西湖区.
    create_policy(system, PolicySpec(POLICY, "DZJ", "西湖区数字化政策（权限测试）", is_demo=True))
    add_measure(system, POLICY, MeasureSpec(text="建设试点区", org_units=[OWN_UNIT]))

    # A city assessment open for scoring, the evaluator assigned (unpublished: office and evaluator only).
    create_method_version(
        system,
        "AZ-LIGHT",
        "测试方法",
        [
            {"code": "I", "name": "指数", "level": 2},
            {"code": "TASKS", "name": "任务", "parent": "I", "level": 1, "source": "tasks:on_time"},
            {"code": "R1", "name": "评分一", "parent": "I", "level": 1, "source": "rubric:R1"},
        ],
        "version: 1\nname: 测试\nsteps:\n  - normalise: {method: minmax, low: 0, high: 100}\n",
    )
    create_assessment(
        system,
        AssessmentSpec(
            code=ASSESSMENT,
            programme_code="DZJ",
            title_zh="权限测试评估",
            year=2023,
            subject="cities",
            method_code="AZ-LIGHT",
            rubric=(RubricSpec("R1", "工作成效", Decimal(10)),),
        ),
    )
    assign_evaluator(system, ASSESSMENT, "az_evaluator")
    set_status(system, ASSESSMENT, "scoring")

    # An open-data dataset: version 1 published, version 2 a draft.
    from django.contrib.auth.models import User

    load_approved_values(system)
    create_dataset(system, spec(code=DATASET))
    publisher_for((User.objects.get(username="az_admin"), office_b))(DATASET)
    create_version(system, DATASET, note="草稿")

    # Sharing (按需共享): 西湖区's reporter asked for the dataset over 西湖区 three times — one request
    # pending, one approved and not collected, one approved with its token collected.
    from lantu.sharing.services import RequestSpec, approve_request, collect_token, create_request

    requester = User.objects.get(username="az_county")
    admin = User.objects.get(username="az_admin")
    ask = RequestSpec(datasets=(DATASET,), units=(OWN_UNIT,), purpose="权限测试", days=30, system_name="区数据平台")
    pending = create_request(requester, ask)
    uncollected = approve_request(admin, create_request(requester, ask).pk)
    collected = approve_request(admin, create_request(requester, ask).pk)
    token, _plain = collect_token(requester, collected.pk)

    world = World()
    world.ids["share_pending"] = pending.pk
    world.ids["share_uncollected"] = uncollected.pk
    world.ids["share_token"] = token.pk
    world.ids["evidence"] = Evidence.objects.get(report__task__code=TASK).pk
    world.ids["task_milestone"] = TaskMilestone.objects.get(task__code=TASK).pk
    world.ids["project_milestone"] = ProjectMilestone.objects.get(project__code=PROJECT).pk
    world.ids["measure"] = PolicyMeasure.objects.get(policy__code=POLICY).pk
    return world


def fill(template: str, world: World) -> str:
    """Put the world's primary keys into a path such as ``/tasks/evidence/{evidence}/``."""
    return template.format(**world.ids)


def user_of(persona: str) -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username=PERSONA_ROLES[persona][0])
