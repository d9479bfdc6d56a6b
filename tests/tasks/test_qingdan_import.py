"""Importing a 清单 sheet: preview writes nothing, import is all or nothing, export round-trips."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import openpyxl
import pytest

from lantu.accounts.models import AuditEvent
from lantu.accounts.service import InvalidInput, PermissionDeniedError
from lantu.tasks.models import Task
from lantu.tasks.selectors import export_task_list
from lantu.tasks.services.qingdan import import_task_list, preview_task_list

pytestmark = pytest.mark.django_db


def sheet(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["2024年重点任务清单"])
    ws.append(["时间节点", "序号", "任务名称", "牵头单位", "配合单位", "备注"])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


GOOD = [
    ["2024年底前", "1", "建设一体化智能化公共数据平台", "省大数据局", "省经信厅、杭州市", ""],
    ["2024年6月底前", "1.1", "完成平台方案", "浙江省大数据发展管理局", "", ""],
    ["持续推进", "2", "推进数据开放", "西湖区、省大数据局", "", "备注列被忽略"],
]


def test_preview_shows_what_would_happen_and_writes_nothing(system: Any) -> None:
    before = (Task.objects.count(), AuditEvent.objects.count())
    result = preview_task_list(system, "DZJ", sheet(GOOD))
    assert [(r.code, r.action, r.parent_code) for r in result.rows] == [
        ("QD-1", "create", None),
        ("QD-1-1", "create", "QD-1"),
        ("QD-2", "create", None),
    ]
    assert result.problems == []
    assert (Task.objects.count(), AuditEvent.objects.count()) == before


def test_import_creates_with_units_resolved_by_name(system: Any) -> None:
    result = import_task_list(system, "DZJ", sheet(GOOD))
    assert (result.created, result.updated) == (3, 0)
    t1 = Task.objects.get(code="QD-1")
    assert t1.lead_department.code == "DSJ"  # type: ignore[union-attr]
    assert {d.code for d in t1.cooperating_departments.all()} == {"JXT"}
    assert {u.code for u in t1.cooperating_org_units.all()} == {"330100"}
    assert t1.deadline == dt.date(2024, 12, 31)
    assert Task.objects.get(code="QD-1-1").parent == t1
    t2 = Task.objects.get(code="QD-2")
    # First department and first unit named in 责任单位 both lead.
    assert (t2.lead_org_unit.code, t2.lead_department.code, t2.deadline) == ("330106", "DSJ", None)  # type: ignore[union-attr]
    again = import_task_list(system, "DZJ", sheet(GOOD))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(system: Any) -> None:
    rows = [
        ["2024年底前", "1", "甲", "省大数据局", "不存在的厅", ""],
        ["2025年6月底前", "1.1", "乙（晚于上级任务）", "省大数据局", "", ""],
        ["2024年6月", "2", "丙", "省经信厅", "", ""],
        ["明年", "3", "丁", "省经信厅", "", ""],
    ]
    before = Task.objects.count()
    with pytest.raises(InvalidInput) as info:
        import_task_list(system, "DZJ", sheet(rows))
    found = {(p.row, p.field) for p in info.value.problems}
    assert (3, "配合单位") in found
    assert (4, "序号") in found  # its parent row has problems
    assert (6, "时间节点") in found
    assert Task.objects.count() == before
    preview = preview_task_list(system, "DZJ", sheet(rows))
    assert [r.action for r in preview.rows] == ["error", "error", "create", "error"]


def test_sub_task_after_parent_deadline_is_refused_at_its_row(system: Any) -> None:
    rows = [["2024年底前", "1", "甲", "省大数据局", "", ""], ["2025年6月底前", "1.1", "乙", "省大数据局", "", ""]]
    with pytest.raises(InvalidInput) as info:
        import_task_list(system, "DZJ", sheet(rows))
    assert [(p.row, p.field) for p in info.value.problems] == [(4, "时间节点")]


def test_export_then_import_changes_nothing(system: Any) -> None:
    import_task_list(system, "DZJ", sheet(GOOD))
    data = export_task_list("DZJ")
    audits = AuditEvent.objects.count()
    result = import_task_list(system, "DZJ", data)
    assert result.created == 0
    assert result.updated == 0
    assert result.unchanged == Task.objects.filter(programme__code="DZJ").count()
    assert AuditEvent.objects.count() == audits
    assert export_task_list("DZJ") == data or _same_cells(export_task_list("DZJ"), data)


def _same_cells(a: bytes, b: bytes) -> bool:
    def cells(data: bytes) -> list[tuple[object, ...]]:
        ws = openpyxl.load_workbook(io.BytesIO(data)).active
        assert ws is not None
        return list(ws.iter_rows(values_only=True))

    return cells(a) == cells(b)


def test_export_edit_import_updates_the_task(system: Any) -> None:
    data = export_task_list("DZJ")
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    assert ws is not None
    for row in ws.iter_rows(min_row=3):
        if row[6].value == "T02":
            row[2].value = "省发展改革委"
            row[4].value = "2025年6月底前"
    out = io.BytesIO()
    book.save(out)
    result = import_task_list(system, "DZJ", out.getvalue())
    assert (result.updated, result.created) == (1, 0)
    t02 = Task.objects.get(code="T02")
    assert (t02.lead_department.code, t02.deadline) == ("FGW", dt.date(2025, 6, 30))  # type: ignore[union-attr]
    assert t02.source_text  # what the sheet does not carry is kept


def test_only_the_office_imports(county_reporter: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        preview_task_list(county_reporter, "DZJ", sheet(GOOD))
