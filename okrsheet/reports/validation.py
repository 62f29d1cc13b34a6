"""What `okr validate` found, error first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from okrsheet.layout import Finding
from okrsheet.reports.base import Report, ReportModel


class FindingRow(ReportModel):
    severity: str
    code: str
    where: str | None
    message: str


class ValidationReport(Report):
    COLUMNS: ClassVar[tuple[str, ...]] = ("severity", "where", "code", "message")
    ROWS = "findings"

    errors: int
    warnings: int
    findings: list[FindingRow]


def validation_report(findings: Sequence[Finding]) -> ValidationReport:
    ordered = sorted(findings, key=lambda f: f.severity != "error")
    return ValidationReport(
        errors=sum(f.severity == "error" for f in findings),
        warnings=sum(f.severity == "warning" for f in findings),
        findings=[
            FindingRow(severity=f.severity, code=f.code, where=f.where, message=f.message)
            for f in ordered
        ],
    )
