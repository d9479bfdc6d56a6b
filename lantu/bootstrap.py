"""Bring a database to a working state: migrate, load reference data and the default programme."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from lantu.accounts.models import Role
from lantu.accounts.permissions import SystemActor
from lantu.accounts.services import assign_role, create_user, generate_password
from lantu.env import env_str
from lantu.framework.loader import DEFAULT_PROGRAMME, load_programme, parse_programme_file, step_count
from lantu.framework.models import Programme
from lantu.orgunits.loader import DATA_FILE, load_org_units
from lantu.orgunits.models import OrgUnit
from lantu.projects.loader import DEFAULT_PROJECTS, load_projects
from lantu.projects.models import MajorProject
from lantu.tasks.loader import DEFAULT_TASKS, load_tasks
from lantu.tasks.models import Task

Step = Callable[[str, int], Callable[[int], None]]
SYSTEM = SystemActor("system:init")


@dataclass
class InitResult:
    messages: list[str] = field(default_factory=list)
    admin_password: str | None = None


def _fresh_sqlite() -> None:
    """Delete the SQLite file; refuse for any other database (never drop PostgreSQL data)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        raise SystemExit("--fresh only works with the SQLite database")
    connection.close()
    path = str(db["NAME"])
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)


def initialise(step: Step, *, fresh: bool = False) -> InitResult:
    """Idempotent: each part is loaded only if the database does not have it yet."""
    result = InitResult()
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    if fresh:
        _fresh_sqlite()
    call_command("migrate", interactive=False, verbosity=0)
    result.messages.append("数据库已迁移 (database migrated)")
    if not OrgUnit.objects.exists():
        rows = sum(1 for _ in DATA_FILE.open(encoding="utf-8")) - 1
        count = load_org_units(SYSTEM, DATA_FILE, progress=step("行政区划 org units", rows))
        result.messages.append(f"已载入 {count} 条行政区划记录 (org units loaded)")
    data = parse_programme_file(DEFAULT_PROGRAMME.read_text(encoding="utf-8"))
    code = data.programme.code
    if not Programme.objects.filter(code=code).exists():
        load_programme(SYSTEM, DEFAULT_PROGRAMME, progress=step("默认规划 default programme", step_count(data)))
        result.messages.append(f"已载入默认规划 {code} (default programme loaded)")
    if not Task.objects.filter(programme__code=code).exists():
        count = load_tasks(SYSTEM, DEFAULT_TASKS)
        result.messages.append(f"已载入任务清单 {count} 项 (task list loaded)")
    if not MajorProject.objects.filter(programme__code=code, is_demo=False).exists():
        count = load_projects(SYSTEM, DEFAULT_PROJECTS)
        result.messages.append(f"已载入重大项目清单 {count} 项 (major-project list loaded)")
    user_model = get_user_model()
    if not user_model.objects.filter(username="admin").exists():
        password = env_str("LANTU_ADMIN_PASSWORD")
        generated = not password
        password = password or generate_password()
        create_user(SYSTEM, "admin", password, full_name="规划管理员", is_superuser=True, check_password=not generated)
        assign_role(SYSTEM, "admin", Role.PROGRAMME_ADMIN)
        result.admin_password = password if generated else None
        result.messages.append("已创建管理员 admin (admin user created)")
    return result


def status() -> list[str]:
    """What the database holds, one line per part."""
    from lantu.framework.models import Indicator, Target

    return [
        f"行政区划记录 org unit records: {OrgUnit.objects.count()}",
        f"规划 programmes: {Programme.objects.count()}",
        f"指标 indicators: {Indicator.objects.count()}",
        f"目标值版本 target versions: {Target.objects.count()}",
        f"用户 users: {get_user_model().objects.count()}",
    ]
