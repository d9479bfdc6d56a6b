"""Use cases of the major-project list: register and edit projects, report investment, close steps."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Max

from lantu.accounts.permissions import Actor, label_of, user_of
from lantu.accounts.service import (
    Changes,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
    Problem,
    audit,
    require,
    service,
)
from lantu.core.periods import PeriodError, parse_period
from lantu.framework.models import Area, Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.projects.models import InvestmentReport, MajorProject, ProjectMilestone, ProjectStatus
from lantu.tasks.models import Task

_CODE = re.compile(r"^[A-Za-z0-9_\-]+$")


@dataclass(frozen=True)
class ProjectSpec:
    """Everything that defines a project; ``update_project`` replaces all of it."""

    code: str
    programme_code: str
    name_zh: str
    name_en: str = ""
    description: str = ""
    area_code: str | None = None
    task_codes: Sequence[str] = ()
    org_unit: str | None = None
    longitude: Decimal | None = None
    latitude: Decimal | None = None
    owner: str = ""
    lead_department: str | None = None
    planned_investment: Decimal | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    is_platform: bool = False
    is_demo: bool = False
    source_text: str = ""
    order: int = 0


@dataclass
class _Resolved:
    programme: Programme
    area: Area | None
    tasks: list[Task]
    org_unit: OrgUnit | None
    lead_department: Department | None


def _resolve(spec: ProjectSpec, existing: MajorProject | None) -> _Resolved:
    """Check a spec and look up what it names; every problem is reported at once."""
    programme = Programme.objects.filter(code=spec.programme_code).first()
    if programme is None:
        raise NotFound("规划", spec.programme_code)
    problems: list[Problem] = []
    if existing is None and (not _CODE.match(spec.code) or MajorProject.objects.filter(code=spec.code).exists()):
        problems.append(
            Problem("code", f"项目代码“{spec.code}”无效或已存在", f"project code {spec.code!r} is invalid or taken")
        )
    if not spec.name_zh.strip():
        problems.append(Problem("name_zh", "项目名称不能为空", "the project name is empty"))
    if spec.start and spec.end and spec.end < spec.start:
        problems.append(Problem("end", "计划建成日期早于开工日期", "the planned end is before the start"))
    if spec.planned_investment is not None and (not spec.planned_investment.is_finite() or spec.planned_investment < 0):
        problems.append(Problem("planned_investment", "计划总投资应为非负数", "planned investment must be ≥ 0"))
    if (spec.longitude is None) != (spec.latitude is None):
        problems.append(Problem("longitude", "经度和纬度须同时填写或同时留空", "give both coordinates or neither"))
    if spec.longitude is not None and not Decimal(-180) <= spec.longitude <= Decimal(180):
        problems.append(Problem("longitude", "经度应在-180到180之间", "longitude must be within ±180"))
    if spec.latitude is not None and not Decimal(-90) <= spec.latitude <= Decimal(90):
        problems.append(Problem("latitude", "纬度应在-90到90之间", "latitude must be within ±90"))
    area = None
    if spec.area_code:
        area = Area.objects.filter(code=spec.area_code, programme=programme).first()
        if area is None:
            problems.append(Problem("area", f"领域“{spec.area_code}”不存在", f"unknown area {spec.area_code}"))
    tasks = list(Task.objects.filter(programme=programme, code__in=spec.task_codes))
    missing = sorted(set(spec.task_codes) - {t.code for t in tasks})
    if missing:
        problems.append(Problem("tasks", f"任务不存在：{'、'.join(missing)}", f"unknown tasks: {', '.join(missing)}"))
    unit = None
    if spec.org_unit:
        # A project is located in a unit that exists today and lies in the programme's region.
        unit = OrgUnit.objects.filter(code=spec.org_unit, valid_to__isnull=True).first()
        if unit is None or not unit.path.startswith(programme.org_unit.path):
            problems.append(
                Problem("org_unit", f"所在地“{spec.org_unit}”不是本规划范围内的现行区划", "unknown location")
            )
            unit = None
    department = None
    if spec.lead_department:
        department = Department.objects.filter(code=spec.lead_department).first()
        if department is None:
            problems.append(Problem("lead_department", f"责任部门“{spec.lead_department}”不存在", "unknown department"))
    if existing is not None and spec.start is not None:
        early = existing.milestones.filter(due__lt=spec.start).first()
        if early is not None:
            problems.append(Problem("start", f"节点“{early.name_zh}”早于开工日期", "a milestone precedes the start"))
    if existing is not None and spec.end is not None:
        late = existing.milestones.filter(due__gt=spec.end).first()
        if late is not None:
            problems.append(Problem("end", f"节点“{late.name_zh}”晚于计划建成日期", "a milestone follows the end"))
    if problems:
        raise InvalidInput(problems)
    return _Resolved(programme, area, tasks, unit, department)


def _apply(project: MajorProject, spec: ProjectSpec, r: _Resolved) -> Changes:
    changes = Changes()
    values = {
        "name_zh": spec.name_zh.strip(),
        "name_en": spec.name_en,
        "description": spec.description,
        "area": r.area,
        "org_unit": r.org_unit,
        "longitude": spec.longitude,
        "latitude": spec.latitude,
        "owner": spec.owner,
        "lead_department": r.lead_department,
        "planned_investment": spec.planned_investment,
        "start": spec.start,
        "end": spec.end,
        "is_platform": spec.is_platform,
        "source_text": spec.source_text,
        "order": spec.order,
    }
    for name, value in values.items():
        changes.set(project, name, value)
    return changes


@service("framework.manage")
def create_project(actor: Actor, spec: ProjectSpec) -> MajorProject:
    """Add a project to the list; everything it names must exist, nothing partial is written."""
    resolved = _resolve(spec, None)
    project = MajorProject(programme=resolved.programme, code=spec.code, is_demo=spec.is_demo)
    changes = _apply(project, spec, resolved)
    project.save()
    project.tasks.set(resolved.tasks)
    audit(actor, "projects.project.create", project, after={**changes.after, "tasks": sorted(spec.task_codes)})
    return project


def _project(code: str) -> MajorProject:
    project = MajorProject.objects.select_related("org_unit", "lead_department").filter(code=code).first()
    if project is None:
        raise NotFound("重大项目", code)
    return project


@service("framework.manage")
def update_project(actor: Actor, spec: ProjectSpec, reason: str = "") -> MajorProject:
    """Replace a project's definition; the audit row keeps what changed, before and after."""
    project = _project(spec.code)
    resolved = _resolve(spec, project)
    changes = _apply(project, spec, resolved)
    old_tasks = sorted(project.tasks.values_list("code", flat=True))
    if old_tasks != sorted(spec.task_codes):
        changes.before["tasks"], changes.after["tasks"] = old_tasks, sorted(spec.task_codes)
        project.tasks.set(resolved.tasks)
    if changes:
        project.save()
        audit(actor, "projects.project.update", project, before=changes.before, after=changes.after, reason=reason)
    return project


def _require_reporter(actor: Actor, project: MajorProject) -> None:
    """The project's unit or responsible department reports on it; the programme office may too."""
    require(actor, "tasks.report", org_unit=project.org_unit, department=project.lead_department)


def _amount(text: str | Decimal, field_name: str = "amount") -> Decimal:
    """An investment amount in 亿元: a non-negative number, "1,234.5" accepted."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput.one(field_name, f"“{text}”不是数字", f"{text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput.one(field_name, "投资额应为非负数", "an investment amount must be ≥ 0")
    return value


@service("tasks.report", scoped=True)
def record_investment(
    actor: Actor, project_code: str, period: str, amount: Decimal, note: str = "", *, today: dt.date | None = None
) -> InvestmentReport | None:
    """Report the investment completed in a period; a changed figure is a new version.

    A project reports by one kind of period (years, quarters or months), fixed by its first
    report, so that sums over periods never count the same money twice. Re-reporting the
    current figure writes nothing and returns None.
    """
    project = _project(project_code)
    _require_reporter(actor, project)
    amount = _amount(amount)
    today = today or dt.date.today()
    try:
        parsed = parse_period(period)
    except PeriodError as exc:
        raise InvalidInput.one("period", exc.message_zh, exc.message_en) from None
    if parsed.start > today:
        raise InvalidInput.one("period", f"报告期{period}尚未开始", f"period {period} has not begun")
    if project.start and parsed.end < project.start:
        raise InvalidInput.one("period", f"报告期{period}早于项目开工日期", f"period {period} precedes the start")
    other = project.investments.exclude(period=period).values_list("period", flat=True).first()
    if other is not None and parse_period(other).kind != parsed.kind:
        raise InvalidInput.one(
            "period",
            f"该项目按“{other}”这样的报告期填报，不能混用{period}",
            f"this project reports by periods like {other}; {period} mixes kinds",
        )
    current = project.investments.filter(period=period).order_by("-version").first()
    if current is not None and current.amount == amount:
        return None
    latest = project.investments.filter(period=period).aggregate(v=Max("version"))["v"] or 0
    report = InvestmentReport.objects.create(
        project=project,
        period=period,
        version=latest + 1,
        amount=amount,
        note=note,
        created_by=user_of(actor),
        actor_label=label_of(actor),
    )
    audit(
        actor,
        "projects.investment.report",
        project,
        before={"period": period, "amount": str(current.amount)} if current else None,
        after={"period": period, "amount": str(amount), "version": report.version},
        reason=note,
    )
    return report


@service("framework.manage")
def add_project_milestone(actor: Actor, project_code: str, name_zh: str, due: dt.date) -> ProjectMilestone:
    """Add a dated step; it must fall within the project's start and planned end."""
    project = _project(project_code)
    if not name_zh.strip():
        raise InvalidInput.one("name_zh", "节点名称不能为空", "the milestone name is empty")
    if (project.start and due < project.start) or (project.end and due > project.end):
        raise InvalidInput.one("due", "节点日期不在项目开工至建成期间", "the milestone is outside the project's dates")
    milestone = ProjectMilestone.objects.create(project=project, name_zh=name_zh.strip(), due=due)
    audit(actor, "projects.milestone.create", milestone, after={"project": project_code, "due": due.isoformat()})
    return milestone


@service("tasks.report", scoped=True)
def complete_project_milestone(
    actor: Actor, project_code: str, milestone_id: int, done_on: dt.date, *, today: dt.date | None = None
) -> ProjectMilestone:
    """Mark a step done (once: a compare-and-set on the open row)."""
    project = _project(project_code)
    _require_reporter(actor, project)
    if done_on > (today or dt.date.today()):
        raise InvalidInput.one("done_on", "完成日期不能晚于今天", "the done date is in the future")
    updated = ProjectMilestone.objects.filter(pk=milestone_id, project=project, done_on__isnull=True).update(
        done_on=done_on
    )
    if updated != 1:
        raise NotFound("未完成的项目节点", str(milestone_id))
    milestone = ProjectMilestone.objects.get(pk=milestone_id)
    audit(actor, "projects.milestone.done", milestone, after={"done_on": done_on.isoformat()})
    return milestone


@service("framework.manage")
def set_project_status(actor: Actor, project_code: str, status: str, reason: str = "") -> MajorProject:
    """Change a project's status; "completed" needs every milestone done."""
    project = _project(project_code)
    if status not in ProjectStatus.values:
        raise InvalidInput.one("status", f"未知状态“{status}”", f"unknown status {status!r}")
    if status == ProjectStatus.COMPLETED:
        open_steps = project.milestones.filter(done_on__isnull=True).count()
        if open_steps:
            raise InvalidInput.one("status", f"还有 {open_steps} 个节点未完成", f"{open_steps} milestones are open")
    changes = Changes()
    changes.set(project, "status", status)
    if changes:
        project.save(update_fields=["status"])
        audit(actor, "projects.project.status", project, before=changes.before, after=changes.after, reason=reason)
    return project


@dataclass(frozen=True)
class InvestmentRow:
    """One line of an investment import, with the row number the user sees in the file."""

    row: int
    project: str
    period: str
    amount: str | Decimal
    note: str = ""


@dataclass(frozen=True)
class ImportResult:
    written: int
    unchanged: int


@service("tasks.report", scoped=True)
def import_investments(actor: Actor, rows: Sequence[InvestmentRow], *, today: dt.date | None = None) -> ImportResult:
    """Report many periods at once, all or nothing; every bad row is reported with its field.

    Each row goes through :func:`record_investment` (its rules, its permission check); a row it
    refuses becomes a problem with that row's number, and if there is any problem the whole
    transaction is rolled back, so nothing of the file is written.
    """
    if not rows:
        raise InvalidInput.one("", "没有可导入的数据行", "there are no rows to import")
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    written = unchanged = 0
    for line in rows:
        if not line.project.strip():
            problems.append(Problem("project", "项目代码不能为空", "the project code is empty", line.row))
            continue
        key = (line.project.strip(), line.period.strip())
        if key in seen:
            problems.append(
                Problem(
                    "period",
                    f"与第 {seen[key]} 行重复（同一项目同一报告期只能有一个数值）",
                    f"duplicates row {seen[key]} (one amount per project and period)",
                    line.row,
                )
            )
            continue
        seen[key] = line.row
        try:
            amount = _amount(line.amount)
        except InvalidInput as exc:
            problems.extend(Problem(p.field, p.message_zh, p.message_en, line.row) for p in exc.problems)
            try:  # still say what else is wrong with the row, as far as it can be told alone
                parse_period(key[1])
            except PeriodError as error:
                problems.append(Problem("period", error.message_zh, error.message_en, line.row))
            continue
        try:
            # The importer's own scope check (the same rule record_investment applies).
            _require_reporter(actor, _project(key[0]))
            report = record_investment(actor, key[0], key[1], amount, line.note.strip(), today=today)
        except InvalidInput as exc:
            problems.extend(Problem(p.field, p.message_zh, p.message_en, line.row) for p in exc.problems)
        except NotFound:
            problems.append(Problem("project", f"项目“{key[0]}”不存在", f"unknown project {key[0]!r}", line.row))
        except PermissionDeniedError as exc:
            problems.append(Problem("project", f"无权填报该项目：{key[0]}", str(exc), line.row))
        else:
            written += report is not None
            unchanged += report is None
    if problems:
        raise InvalidInput(problems)
    return ImportResult(written, unchanged)
