"""KPIs: health metrics kept beside the OKRs, from the KPIs tab.

A KPI is not a goal to move: it has a healthy range (from, to, either end optional) and should
stay in it. It is updated like a key result (`okr checkin KPI-ID --value V`, one line in the
Check-ins log), and the log is its history: its newest line wins over the tab's Current cell.
No I/O here; `okrsheet.layout.kpis_tab` reads the tab.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from okrsheet.domain.model import CheckIn


class KPI(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(min_length=1)]
    name: Annotated[str, Field(min_length=1)]
    owner: str = ""
    current: float | None = None
    healthy_from: float | None = None
    healthy_to: float | None = None
    unit: str = ""
    updated: date | None = None
    # Where `okr sync` reads the number (the Source column), and what it last found there.
    source: str = ""
    source_status: str = ""

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        low, high = self.healthy_from, self.healthy_to
        if low is not None and high is not None and low > high:
            raise ValueError(f"the healthy range runs backwards ({low:g} to {high:g})")
        for value in (self.current, low, high):
            if value is not None and not math.isfinite(value):
                raise ValueError("numbers must be finite")
        return self

    @property
    def healthy(self) -> bool | None:
        """Inside its healthy range (ends included); None without a value or a range."""
        if self.current is None or (self.healthy_from is None and self.healthy_to is None):
            return None
        if self.healthy_from is not None and self.current < self.healthy_from:
            return False
        return not (self.healthy_to is not None and self.current > self.healthy_to)

    def days_since_update(self, as_of: date) -> int | None:
        return None if self.updated is None else (as_of - self.updated).days


def apply_log(kpis: Sequence[KPI], checkins: Sequence[CheckIn]) -> tuple[KPI, ...]:
    """The newest log line of each KPI sets its current value and update date (the log is the
    source of truth, as for key results); a KPI with no line keeps its cells."""
    if not kpis:
        return tuple(kpis)
    ids = {k.id for k in kpis}
    latest: dict[str, CheckIn] = {}
    for checkin in checkins:
        if checkin.kr_id in ids:
            seen = latest.get(checkin.kr_id)
            if seen is None or _order(checkin) >= _order(seen):
                latest[checkin.kr_id] = checkin
    out = []
    for kpi in kpis:
        entry = latest.get(kpi.id)
        if entry is None or (kpi.updated is not None and entry.date < kpi.updated):
            out.append(kpi)
            continue
        out.append(kpi.model_copy(update={"current": entry.value, "updated": entry.date}))
    return tuple(out)


def as_of(kpis: Sequence[KPI], checkins: Sequence[CheckIn], day: date) -> tuple[KPI, ...]:
    """The KPIs as they stood on `day`: one updated later falls back to its last log line on or
    before that day (or to no value)."""
    out = []
    for kpi in kpis:
        if kpi.updated is None or kpi.updated <= day:
            out.append(kpi)
            continue
        known = [c for c in checkins if c.kr_id == kpi.id and c.date <= day]
        last = max(known, key=_order) if known else None
        out.append(
            kpi.model_copy(
                update={
                    "current": last.value if last else None,
                    "updated": last.date if last else None,
                }
            )
        )
    return tuple(out)


def _order(checkin: CheckIn) -> tuple[date, str]:
    return (checkin.date, checkin.recorded_at.isoformat() if checkin.recorded_at else "")
