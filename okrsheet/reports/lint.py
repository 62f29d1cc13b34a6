"""What `okr lint` found: key results that read as activities, cannot be measured, ask for no
change, start from an unmeasured 0, or belong to an owner whose targets look safe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from okrsheet.reports.base import CycleInfo, Report, ReportModel, cycle_info

if TYPE_CHECKING:
    from okrsheet.domain.model import Plan
    from okrsheet.kr_checks import KRFinding


class LintRow(ReportModel):
    code: str
    where: str | None
    id: str
    title: str
    owner: str
    message: str
    suggestion: str


class LintReport(Report):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "code",
        "where",
        "id",
        "owner",
        "title",
        "message",
        "suggestion",
    )
    ROWS = "findings"

    company: str
    cycle: CycleInfo
    #: The checks that were made (the Settings' `KR checks`, or --check).
    checks: list[str]
    key_results: int
    findings: list[LintRow]


def lint_report(plan: Plan, findings: Sequence[KRFinding], checks: Sequence[str]) -> LintReport:
    return LintReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        checks=list(checks),
        key_results=len(plan.key_results),
        findings=[LintRow.copying(f) for f in findings],
    )
