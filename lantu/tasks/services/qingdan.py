"""Import a task list from an Excel sheet in the usual 清单 layout: preview, then all or nothing.

The sheet is read by the pure :mod:`lantu.core.tabular.qingdan`. Each row becomes a
:class:`~lantu.tasks.services.tasks.TaskSpec` and goes through the very helpers ``create_task``
and ``update_task`` use, so a row is checked exactly as a task typed in a form or sent to the API.

Rules, stated once:

* **Codes.** A row's task code is its 任务代码 cell if the sheet has that column (the export
  writes it), else ``{prefix}-{序号}`` with dots as dashes: 序号 3.2 → ``QD-3-2``. A row whose code
  exists updates that task; otherwise a task is created. Re-importing a sheet changes nothing.
* **Units.** Names are matched against departments (full name, short name, and the full name
  with 浙江省 shortened to 省) and org units valid today (name). In 责任单位, the first department
  named leads (牵头部门) and the first org unit named leads (牵头地区); any further names there
  join the cooperating units (配合单位), before those of the 配合单位 column.
* **Time.** 时间节点 gives the deadline (and a start when it says "A至B" or "A起"); an empty cell
  or "持续推进" leaves no deadline. A start not given keeps the task's current start.
* **What is kept.** Areas, goals, indicators, descriptions, English titles and source text of an
  existing task are not in the sheet and are left as they are. 进展情况 is shown in the preview but
  not imported: progress is reported per task, with evidence (``report_progress``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from lantu.accounts.permissions import Actor
from lantu.accounts.service import InvalidInput, NotFound, Problem, service
from lantu.core.tabular import qingdan
from lantu.framework.models import Programme
from lantu.orgunits.models import Department, OrgUnit
from lantu.tasks.models import Task
from lantu.tasks.services.tasks import TaskSpec, _create, _update

DEFAULT_PREFIX = "QD"

# Which sheet column a service problem's field belongs to.
_FIELD_COLUMN = {
    "code": "code",
    "title_zh": "title",
    "parent": "number",
    "lead_department": "lead",
    "lead_org_unit": "lead",
    "cooperating_departments": "cooperating",
    "cooperating_org_units": "cooperating",
    "start": "time",
    "deadline": "time",
    "due": "time",
}


@dataclass
class PreviewRow:
    """One sheet row as it would be imported: ``action`` is create, update, unchanged or error."""

    row: int
    number: str
    code: str
    parent_code: str | None
    title: str
    lead: str
    cooperating: str
    time_text: str
    start: dt.date | None
    deadline: dt.date | None
    progress: str
    action: str = "error"
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportResult:
    """What an import did (or, for a preview, would do)."""

    sheet: str
    header_row: int
    rows: list[PreviewRow]
    problems: list[Problem]
    sections: list[int]
    committed: bool = False

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count("create")

    @property
    def updated(self) -> int:
        return self.count("update")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


class _Rollback(Exception):  # noqa: N818 - internal signal, not an error
    pass


def _unit_names(today: dt.date) -> dict[str, set[tuple[str, str]]]:
    """Every name a unit goes by → the units (kind, code) it may mean."""
    names: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for d in Department.objects.all():
        for name in (d.name_zh, d.short_name_zh, d.name_zh.replace("浙江省", "省", 1)):
            if name:
                names[name].add(("department", d.code))
    for u in OrgUnit.objects.valid_on(today):
        names[u.name_zh].add(("org_unit", u.code))
    return names


def _column(result: qingdan.Qingdan, key: str) -> str:
    return result.headers.get(key, qingdan.HEADERS[key][0])


def _resolve_units(
    names: tuple[str, ...], known: dict[str, set[tuple[str, str]]], column: str, row: int
) -> tuple[list[tuple[str, str]], list[Problem]]:
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for name in names:
        matches = known.get(name, set())
        if len(matches) == 1:
            unit = next(iter(matches))
            if unit not in found:
                found.append(unit)
        elif not matches:
            problems.append(
                Problem(column, f"未知单位“{name}”：不是部门或现行行政区划的名称", f"unknown unit {name!r}", row)
            )
        else:
            problems.append(
                Problem(column, f"单位名称“{name}”对应多个单位，请写全称", f"{name!r} names several units", row)
            )
    return found, problems


def _spec(
    programme: Programme,
    line: qingdan.QingdanRow,
    code: str,
    parent_code: str | None,
    lead: list[tuple[str, str]],
    cooperating: list[tuple[str, str]],
    existing: Task | None,
    order: int,
) -> TaskSpec:
    departments = [c for kind, c in lead if kind == "department"]
    units = [c for kind, c in lead if kind == "org_unit"]
    co_departments = list(departments[1:] + [c for k, c in cooperating if k == "department"])
    co_units = list(units[1:] + [c for k, c in cooperating if k == "org_unit"])
    start = line.span.start or (existing.start if existing else None)
    if existing is None:
        return TaskSpec(
            code=code,
            programme_code=programme.code,
            title_zh=line.title,
            parent_code=parent_code,
            lead_department=departments[0] if departments else None,
            lead_org_unit=units[0] if units else None,
            cooperating_departments=list(dict.fromkeys(co_departments)),
            cooperating_org_units=list(dict.fromkeys(co_units)),
            start=start,
            deadline=line.span.deadline,
            order=order,
        )
    return TaskSpec(
        code=code,
        programme_code=programme.code,
        title_zh=line.title,
        title_en=existing.title_en,
        description=existing.description,
        parent_code=parent_code,
        area_codes=[a.code for a in existing.areas.all()],
        goal_codes=[g.code for g in existing.goals.all()],
        indicator_codes=[i.code for i in existing.indicators.all()],
        lead_department=departments[0] if departments else None,
        lead_org_unit=units[0] if units else None,
        cooperating_departments=list(dict.fromkeys(co_departments)),
        cooperating_org_units=list(dict.fromkeys(co_units)),
        start=start,
        deadline=line.span.deadline,
        source_text=existing.source_text,
        order=existing.order,
    )


def _run(actor: Actor, programme_code: str, data: bytes, prefix: str, *, commit: bool) -> ImportResult:
    programme = Programme.objects.filter(code=programme_code).first()
    if programme is None:
        raise NotFound("规划", programme_code)
    sheet = qingdan.read_qingdan(data)
    known = _unit_names(dt.date.today())
    result = ImportResult(sheet.sheet, sheet.header_row, [], list(sheet.problems), sheet.sections)
    row_problems: dict[int, list[Problem]] = defaultdict(list)
    for p in sheet.problems:
        if p.row is not None:
            row_problems[p.row].append(p)
    codes: dict[str, str] = {}  # 序号 key → task code
    code_rows: dict[str, int] = {}
    failed: set[str] = set()
    next_order = (max(Task.objects.filter(programme=programme).values_list("order", flat=True), default=0) or 0) + 1
    try:
        with transaction.atomic():
            for offset, line in enumerate(sheet.rows):
                code = line.code or f"{prefix}-{line.key.replace('.', '-')}"
                parent_code = codes.get(line.parent_key) if line.parent_key else None
                problems = row_problems.get(line.row, [])
                lead, lead_problems = _resolve_units(line.lead, known, _column(sheet, "lead"), line.row)
                co, co_problems = _resolve_units(line.cooperating, known, _column(sheet, "cooperating"), line.row)
                problems += lead_problems + co_problems
                if code in code_rows:
                    problems.append(
                        Problem(
                            _column(sheet, "code" if line.code else "number"),
                            f"任务代码“{code}”与第 {code_rows[code]} 行重复",
                            f"task code {code} repeats row {code_rows[code]}",
                            line.row,
                        )
                    )
                else:
                    code_rows[code] = line.row
                if line.parent_key and line.parent_key in failed:
                    problems.append(
                        Problem(
                            _column(sheet, "number"),
                            f"上级任务（序号 {line.parent_key}）有错误，本行未导入",
                            f"the parent task (number {line.parent_key}) has problems",
                            line.row,
                        )
                    )
                if line.key:
                    codes[line.key] = code
                preview = PreviewRow(
                    row=line.row,
                    number=line.number,
                    code=code,
                    parent_code=parent_code,
                    title=line.title,
                    lead="、".join(line.lead),
                    cooperating="、".join(line.cooperating),
                    time_text=line.time_text,
                    start=line.span.start,
                    deadline=line.span.deadline,
                    progress=line.progress,
                )
                result.rows.append(preview)
                existing = Task.objects.filter(code=code, programme=programme).first()
                if not problems:
                    spec = _spec(programme, line, code, parent_code, lead, co, existing, next_order + offset)
                    try:
                        with transaction.atomic():
                            if existing is None:
                                _create(actor, spec)
                                preview.action = "create"
                            else:
                                changed = _update(actor, spec, reason=f"清单导入第 {line.row} 行")[1]
                                preview.action = "update" if changed else "unchanged"
                    except InvalidInput as exc:
                        problems = [
                            Problem(
                                _column(sheet, _FIELD_COLUMN.get(p.field, "title")),
                                p.message_zh,
                                p.message_en,
                                line.row,
                            )
                            for p in exc.problems
                        ]
                if problems:
                    preview.problems = problems
                    preview.action = "error"
                    if line.key:
                        failed.add(line.key)
                    result.problems.extend(p for p in problems if p not in sheet.problems)
            result.problems.sort(key=lambda p: p.row or 0)
            if result.problems or not commit:
                raise _Rollback
    except _Rollback:
        pass
    if commit and result.problems:
        raise InvalidInput(result.problems)
    result.committed = commit
    return result


@service("framework.manage")
def preview_task_list(actor: Actor, programme_code: str, data: bytes, *, prefix: str = DEFAULT_PREFIX) -> ImportResult:
    """What importing the sheet would do, row by row, with every problem; nothing is written.

    The rows are run through the same checks as a real import inside a transaction that is
    then rolled back, so the preview cannot disagree with the import.
    """
    return _run(actor, programme_code, data, prefix, commit=False)


@service("framework.manage")
def import_task_list(actor: Actor, programme_code: str, data: bytes, *, prefix: str = DEFAULT_PREFIX) -> ImportResult:
    """Create and update the sheet's tasks, all or nothing (:class:`InvalidInput` lists every problem)."""
    return _run(actor, programme_code, data, prefix, commit=True)
