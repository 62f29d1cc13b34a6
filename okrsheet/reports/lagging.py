"""Key results that need help, and owners who have gone quiet."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from okrsheet.domain.model import Objective, Plan
from okrsheet.domain.scoring import kpi_lag_reasons, lagging, quiet_owners
from okrsheet.reports.base import (
    CycleInfo,
    CycleReport,
    Report,
    ReportModel,
    Row,
    cycle_info,
    round4,
)
from okrsheet.reports.kpi_rows import KPIRow, kpi_row


class LaggingRow(ReportModel):
    id: str
    title: str
    owner: str
    objective_id: str
    objective: str
    level: str
    progress: float
    expected: float
    status: str
    confidence: float | None
    due: date
    days_to_due: int
    last_checkin: date | None
    reasons: list[str]
    codes: list[str]
    # Of a committed objective: at risk as soon as it falls behind pace.
    committed: bool = False
    # Start "baseline" and no value yet: not scored, its progress reads "measuring the
    # baseline" (0 here), as in `okr status`.
    measuring_baseline: bool = False


class KPILagRow(KPIRow):
    reasons: list[str]
    codes: list[str]


class LaggingReport(CycleReport):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "title",
        "owner",
        "objective_id",
        "objective",
        "progress",
        "expected",
        "status",
        "confidence",
        "due",
        "last_checkin",
        "why",
    )

    lagging: list[LaggingRow]
    # KPIs outside their healthy range or not updated within the cadence.
    kpis: list[KPILagRow] = []

    def rows(self) -> list[Row]:
        """The lagging key results, then the KPIs in the same columns (status `KPI`)."""
        krs: list[Row] = [
            {**row.model_dump(mode="json"), "why": "; ".join(row.reasons)} for row in self.lagging
        ]
        kpis: list[Row] = [
            {
                "id": k.id,
                "title": k.name,
                "owner": k.owner,
                "status": "KPI",
                "last_checkin": k.updated,
                "why": "; ".join(k.reasons),
            }
            for k in self.kpis
        ]
        return krs + kpis


def lagging_report(plan: Plan, as_of: date) -> LaggingReport:
    rows = []
    # Each objective by ID, the first of an ID as `plan.objective` finds it (a large company's
    # lagging list is a thousand key results, its plan hundreds of objectives).
    objectives: dict[str, Objective] = {}
    for each in plan.objectives:
        objectives.setdefault(each.id, each)
    for lag in lagging(plan, as_of):
        kr = lag.score.kr
        objective = objectives.get(kr.objective_id)
        assert objective is not None
        rows.append(
            LaggingRow(
                id=kr.id,
                title=kr.title,
                owner=kr.owner,
                objective_id=objective.id,
                objective=objective.title,
                level=objective.level.value,
                progress=round4(lag.score.progress) or 0.0,
                expected=round4(lag.score.expected) or 0.0,
                status=lag.score.status.value,
                confidence=round4(kr.confidence),
                due=kr.due_date,
                days_to_due=lag.score.days_to_due,
                last_checkin=kr.last_checkin,
                reasons=list(lag.sentences),
                codes=list(lag.codes),
                committed=kr.committed,
                measuring_baseline=kr.measuring_baseline,
            )
        )
    kpis = []
    for kpi in plan.kpis:
        reasons = kpi_lag_reasons(kpi, plan.settings, as_of, plan.cycle.start)
        if reasons and as_of >= plan.cycle.start:
            kpis.append(
                KPILagRow(
                    **kpi_row(kpi, plan, as_of).model_dump(),
                    reasons=[text for _, text in reasons],
                    codes=[code for code, _ in reasons],
                )
            )
    return LaggingReport.of(plan, as_of, lagging=rows, kpis=kpis)


class QuietOwnerRow(ReportModel):
    owner: str
    last_checkin: date | None
    open_key_results: int


class QuietOwnersReport(Report):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "owner",
        "last_checkin",
        "open_key_results",
    )
    ROWS = "owners"

    cycle: CycleInfo
    as_of: date
    cadence_days: int
    owners: list[QuietOwnerRow]


def quiet_owners_report(plan: Plan, as_of: date) -> QuietOwnersReport:
    return QuietOwnersReport(
        cycle=cycle_info(plan),
        as_of=as_of,
        cadence_days=plan.settings.cadence_days,
        owners=[
            QuietOwnerRow(
                owner=q.owner, last_checkin=q.last_checkin, open_key_results=q.key_results
            )
            for q in quiet_owners(plan, as_of)
        ],
    )
