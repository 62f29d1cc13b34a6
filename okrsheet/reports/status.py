"""The status report: objectives, their key results and initiatives, and the KPIs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from okrsheet.domain.initiatives import Initiative, by_key_result
from okrsheet.domain.model import Plan
from okrsheet.domain.scoring import KRScore, ObjectiveScore, score_plan
from okrsheet.reports.base import CycleReport, ReportModel, Row, round4
from okrsheet.reports.kpi_rows import KPIRow as KPIRow
from okrsheet.reports.kpi_rows import kpi_row as kpi_row


class InitiativeRow(ReportModel):
    id: str
    key_result: str
    title: str
    owner: str
    status: str
    due: date | None
    overdue: bool
    notes: str


def initiative_row(initiative: Initiative, as_of: date) -> InitiativeRow:
    return InitiativeRow.copying(
        initiative,
        key_result=initiative.kr_id,
        status=initiative.status.value,
        overdue=initiative.overdue(as_of),
    )


class KRRow(ReportModel):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    # null while the baseline is being measured (see `measuring_baseline`).
    start: float | None
    target: float
    current: float | None
    unit: str
    due: date
    days_to_due: int
    weight: float
    confidence: float | None
    progress: float
    overachievement: float
    expected: float
    status: str
    last_checkin: date | None
    # Whether its objective is committed (expected to reach 1.0; any shortfall is at risk).
    committed: bool = False
    # Start "baseline" and no value yet: progress reads "measuring the baseline" (0 here).
    measuring_baseline: bool = False
    # What this KR depends on that is lagging or late (okr deps has the whole picture).
    blocked_by: list[str] = []
    # The status by its own numbers, what the sheet's Status column shows: `status` is at
    # risk instead when `blocked_by` is not empty.
    own_status: str = ""
    # The KPI it names (KPI column), and the work planned to move it (Initiatives tab).
    kpi: str | None = None
    initiatives: list[InitiativeRow] = []


class ObjectiveRow(ReportModel):
    id: str
    title: str
    level: str
    owner: str
    aligns_to: str | None
    progress: float | None
    expected: float | None
    status: str | None
    # Its status by its key results' own statuses: what the sheet and its Dashboard show.
    own_status: str | None = None
    key_results: list[KRRow]
    # "committed" or "aspirational" (a blank cell is the Settings default).
    commitment: str = "aspirational"
    # The key results' confidences rolled up, weighted; null when none has one.
    confidence: float | None = None


class StatusReport(CycleReport):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "objective_id",
        "objective",
        "id",
        "title",
        "owner",
        "kind",
        "start",
        "target",
        "current",
        "unit",
        "progress",
        "expected",
        "status",
        "confidence",
        "due",
        "days_to_due",
        "last_checkin",
    )

    objectives: list[ObjectiveRow]
    kpis: list[KPIRow] = []

    def rows(self) -> list[Row]:
        """One row per key result, its objective's title beside it."""
        return [
            {"objective": o.title, **kr.model_dump(mode="json")}
            for o in self.objectives
            for kr in o.key_results
        ]


def kr_row(
    score: KRScore, initiatives: Sequence[Initiative] = (), as_of: date | None = None
) -> KRRow:
    kr = score.kr
    return KRRow.copying(
        kr,
        kind=kr.kind.value,
        start=kr.start,
        target=kr.target_value,
        due=kr.due_date,
        days_to_due=score.days_to_due,
        confidence=round4(kr.confidence),
        progress=round4(score.progress) or 0.0,
        overachievement=round4(score.overachievement) or 0.0,
        expected=round4(score.expected) or 0.0,
        status=score.status.value,
        measuring_baseline=kr.measuring_baseline,
        blocked_by=[b.sentence() for b in score.blocked_by],
        own_status=(score.own_status or score.status).value,
        initiatives=[initiative_row(i, as_of or kr.due_date) for i in initiatives],
    )


def objective_row(
    score: ObjectiveScore,
    initiatives: dict[str, list[Initiative]] | None = None,
    as_of: date | None = None,
) -> ObjectiveRow:
    objective = score.objective
    work = initiatives or {}
    return ObjectiveRow.copying(
        objective,
        level=objective.level.value,
        progress=round4(score.progress),
        expected=round4(score.expected),
        status=score.status.value if score.status else None,
        commitment=score.commitment.value,
        confidence=round4(score.confidence),
        own_status=score.own_status.value if score.own_status else None,
        key_results=[kr_row(k, work.get(k.kr.id, ()), as_of) for k in score.key_results],
    )


def status_report(plan: Plan, as_of: date) -> StatusReport:
    work = by_key_result(plan.initiatives)
    return StatusReport.of(
        plan,
        as_of,
        objectives=[objective_row(s, work, as_of) for s in score_plan(plan, as_of)],
        kpis=[kpi_row(k, plan, as_of) for k in plan.kpis],
    )
