"""A KPI's row, shown by `okr status` and, when it lags, by `okr lagging`."""

from __future__ import annotations

from datetime import date

from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import Plan
from okrsheet.domain.scoring import kpi_lag_reasons
from okrsheet.reports.base import ReportModel


class KPIRow(ReportModel):
    id: str
    name: str
    owner: str
    current: float | None
    healthy_from: float | None
    healthy_to: float | None
    unit: str
    updated: date | None
    days_since_update: int | None
    # Inside the healthy range; null without a value or a range.
    healthy: bool | None
    # Not updated within the check-in cadence (and its grace days).
    stale: bool


def kpi_row(kpi: KPI, plan: Plan, as_of: date) -> KPIRow:
    return KPIRow.copying(
        kpi,
        days_since_update=kpi.days_since_update(as_of),
        stale=any(
            code == "stale"
            for code, _ in kpi_lag_reasons(kpi, plan.settings, as_of, plan.cycle.start)
        ),
    )
