"""Task-list use cases: tasks and milestones, progress reports, supervision reminders, Excel lists."""

from lantu.tasks.services.tasks import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    EvidenceFile,
    ReportSpec,
    TaskSpec,
    add_task_milestone,
    complete_milestone,
    create_task,
    report_progress,
    set_task_status,
    update_task,
)

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "EvidenceFile",
    "ReportSpec",
    "TaskSpec",
    "add_task_milestone",
    "complete_milestone",
    "create_task",
    "report_progress",
    "set_task_status",
    "update_task",
]
