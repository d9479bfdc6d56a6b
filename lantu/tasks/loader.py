"""Load a programme's task list from YAML through ``create_task`` (all or nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from lantu.accounts.permissions import Actor
from lantu.accounts.service import service
from lantu.core.yamlfile import parse_yaml
from lantu.tasks.services import TaskSpec, create_task

DEFAULT_TASKS = Path(__file__).parent / "data" / "digital_zhejiang_tasks.yaml"


class TaskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    title_zh: str
    title_en: str = ""
    description: str = ""
    areas: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list)
    indicators: list[str] = Field(default_factory=list)
    lead_department: str | None = None
    lead_org_unit: str | None = None
    cooperating_departments: list[str] = Field(default_factory=list)
    cooperating_org_units: list[str] = Field(default_factory=list)
    start: dt.date | None = None
    deadline: dt.date | None = None
    source_text: str = ""
    subtasks: list[TaskIn] = Field(default_factory=list)


class TaskFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    programme: str
    tasks: list[TaskIn]


def parse_task_file(text: str) -> TaskFile:
    """Check the YAML against the schema; problems name the path inside the file."""
    return parse_yaml(TaskFile, text)


def _walk(tasks: list[TaskIn], parent: str | None = None) -> Iterator[tuple[TaskIn, str | None]]:
    for task in tasks:
        yield task, parent
        yield from _walk(task.subtasks, task.code)


@service("framework.manage")
def load_tasks(actor: Actor, path: Path = DEFAULT_TASKS) -> int:
    """Create every task of the file (parents first); return how many."""
    data = parse_task_file(path.read_text(encoding="utf-8"))
    count = 0
    for order, (t, parent) in enumerate(_walk(data.tasks)):
        create_task(
            actor,
            TaskSpec(
                code=t.code,
                programme_code=data.programme,
                title_zh=t.title_zh,
                title_en=t.title_en,
                description=t.description,
                parent_code=parent,
                area_codes=t.areas,
                goal_codes=t.goals,
                indicator_codes=t.indicators,
                lead_department=t.lead_department,
                lead_org_unit=t.lead_org_unit,
                cooperating_departments=t.cooperating_departments,
                cooperating_org_units=t.cooperating_org_units,
                start=t.start,
                deadline=t.deadline,
                source_text=t.source_text,
                order=order,
            ),
        )
        count += 1
    return count
