"""Typed report models built from a scored plan. Renderers turn them into tables, JSON, CSV or
Markdown; the JSON shape is documented in docs/output.md and kept stable.

One module per report; each report model owns its flat-row shape (`COLUMNS` and `rows()`),
the CSV contract. Every name is importable from here; each module is imported when one of
its names is first asked for, so that a command loads only the report it shows."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from okrsheet.reports.base import CycleInfo, Report, ReportModel, Row, cycle_info
    from okrsheet.reports.deps import (
        DependencyLink,
        DepsReport,
        deps_report,
        deps_scope,
        team_members,
    )
    from okrsheet.reports.digest import DigestReport, WinRow, digest_report
    from okrsheet.reports.grade import (
        GradeReport,
        KRGradeRow,
        ObjectiveGradeRow,
        OwnerGradeRow,
        grade_report,
    )
    from okrsheet.reports.history import (
        HistoryPoint,
        HistoryReport,
        history_report,
        history_reports,
    )
    from okrsheet.reports.lagging import (
        KPILagRow,
        LaggingReport,
        LaggingRow,
        QuietOwnerRow,
        QuietOwnersReport,
        lagging_report,
        quiet_owners_report,
    )
    from okrsheet.reports.lint import LintReport, LintRow, lint_report
    from okrsheet.reports.status import (
        InitiativeRow,
        KPIRow,
        KRRow,
        ObjectiveRow,
        StatusReport,
        initiative_row,
        kpi_row,
        kr_row,
        objective_row,
        status_report,
    )
    from okrsheet.reports.sync import SyncReport, SyncRow, sync_report
    from okrsheet.reports.todo import TodoItem, TodoReport, todo_report
    from okrsheet.reports.tree import AlignedSummary, TreeNode, TreeReport, tree_report
    from okrsheet.reports.validation import FindingRow, ValidationReport, validation_report

#: Where each name comes from (a module under this package).
_WHERE = {
    "CycleInfo": "base",
    "Report": "base",
    "ReportModel": "base",
    "Row": "base",
    "cycle_info": "base",
    "DependencyLink": "deps",
    "DepsReport": "deps",
    "deps_report": "deps",
    "deps_scope": "deps",
    "team_members": "deps",
    "DigestReport": "digest",
    "WinRow": "digest",
    "digest_report": "digest",
    "GradeReport": "grade",
    "KRGradeRow": "grade",
    "ObjectiveGradeRow": "grade",
    "OwnerGradeRow": "grade",
    "grade_report": "grade",
    "HistoryPoint": "history",
    "HistoryReport": "history",
    "history_report": "history",
    "history_reports": "history",
    "KPILagRow": "lagging",
    "LaggingReport": "lagging",
    "LaggingRow": "lagging",
    "QuietOwnerRow": "lagging",
    "QuietOwnersReport": "lagging",
    "lagging_report": "lagging",
    "quiet_owners_report": "lagging",
    "LintReport": "lint",
    "LintRow": "lint",
    "lint_report": "lint",
    "InitiativeRow": "status",
    "KPIRow": "kpi_rows",
    "KRRow": "status",
    "ObjectiveRow": "status",
    "StatusReport": "status",
    "initiative_row": "status",
    "kpi_row": "kpi_rows",
    "kr_row": "status",
    "objective_row": "status",
    "status_report": "status",
    "SyncReport": "sync",
    "SyncRow": "sync",
    "sync_report": "sync",
    "TodoItem": "todo",
    "TodoReport": "todo",
    "todo_report": "todo",
    "AlignedSummary": "tree",
    "TreeNode": "tree",
    "TreeReport": "tree",
    "tree_report": "tree",
    "FindingRow": "validation",
    "ValidationReport": "validation",
    "validation_report": "validation",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AlignedSummary",
    "CycleInfo",
    "DependencyLink",
    "DepsReport",
    "DigestReport",
    "FindingRow",
    "GradeReport",
    "HistoryPoint",
    "HistoryReport",
    "InitiativeRow",
    "KPILagRow",
    "KPIRow",
    "KRGradeRow",
    "KRRow",
    "LaggingReport",
    "LaggingRow",
    "LintReport",
    "LintRow",
    "ObjectiveGradeRow",
    "ObjectiveRow",
    "OwnerGradeRow",
    "QuietOwnerRow",
    "QuietOwnersReport",
    "Report",
    "ReportModel",
    "Row",
    "StatusReport",
    "SyncReport",
    "SyncRow",
    "TodoItem",
    "TodoReport",
    "TreeNode",
    "TreeReport",
    "ValidationReport",
    "WinRow",
    "cycle_info",
    "deps_report",
    "deps_scope",
    "digest_report",
    "grade_report",
    "history_report",
    "history_reports",
    "lint_report",
    "initiative_row",
    "kpi_row",
    "kr_row",
    "lagging_report",
    "objective_row",
    "quiet_owners_report",
    "status_report",
    "sync_report",
    "team_members",
    "todo_report",
    "tree_report",
    "validation_report",
]
