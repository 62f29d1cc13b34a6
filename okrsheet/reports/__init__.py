"""Typed report models built from a scored plan. Renderers turn them into tables, JSON, CSV or
Markdown; the JSON shape is documented in docs/output.md and kept stable.

One module per report; each report model owns its flat-row shape (`COLUMNS` and `rows()`),
the CSV contract. Every name is importable from here."""

from __future__ import annotations

from okrsheet.reports.base import CycleInfo, Report, ReportModel, Row, cycle_info
from okrsheet.reports.deps import DependencyLink, DepsReport, deps_report, deps_scope, team_members
from okrsheet.reports.digest import DigestReport, WinRow, digest_report
from okrsheet.reports.grade import (
    GradeReport,
    KRGradeRow,
    ObjectiveGradeRow,
    OwnerGradeRow,
    grade_report,
)
from okrsheet.reports.history import HistoryPoint, HistoryReport, history_report, history_reports
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
from okrsheet.reports.todo import TodoItem, TodoReport, todo_report
from okrsheet.reports.tree import AlignedSummary, TreeNode, TreeReport, tree_report
from okrsheet.reports.validation import FindingRow, ValidationReport, validation_report

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
    "team_members",
    "todo_report",
    "tree_report",
    "validation_report",
]
