"""Load a programme's major-project list from YAML through ``create_project`` (all or nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from lantu.accounts.permissions import Actor
from lantu.accounts.service import service
from lantu.core.yamlfile import parse_yaml
from lantu.projects.services import ProjectSpec, create_project

DEFAULT_PROJECTS = Path(__file__).parent / "data" / "digital_zhejiang_projects.yaml"


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    name_zh: str
    name_en: str = ""
    description: str = ""
    area: str | None = None
    tasks: list[str] = Field(default_factory=list)
    org_unit: str | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    owner: str = ""
    lead_department: str | None = None
    planned_investment: Decimal | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    is_platform: bool = False
    source_text: str = ""


class ProjectFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    programme: str
    projects: list[ProjectIn]


def parse_project_file(text: str) -> ProjectFile:
    """Check the YAML against the schema; problems name the path inside the file."""
    return parse_yaml(ProjectFile, text)


@service("framework.manage")
def load_projects(actor: Actor, path: Path = DEFAULT_PROJECTS) -> int:
    """Create every project of the file; return how many."""
    data = parse_project_file(path.read_text(encoding="utf-8"))
    for order, p in enumerate(data.projects):
        create_project(
            actor,
            ProjectSpec(
                code=p.code,
                programme_code=data.programme,
                name_zh=p.name_zh,
                name_en=p.name_en,
                description=p.description,
                area_code=p.area,
                task_codes=p.tasks,
                org_unit=p.org_unit,
                longitude=p.longitude,
                latitude=p.latitude,
                owner=p.owner,
                lead_department=p.lead_department,
                planned_investment=p.planned_investment,
                start=p.start,
                end=p.end,
                is_platform=p.is_platform,
                source_text=p.source_text,
                order=order,
            ),
        )
    return len(data.projects)
