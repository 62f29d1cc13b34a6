"""The base every report model shares: frozen, rounded, with the cycle it covers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from okrsheet.model import Plan


def round4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class CycleInfo(ReportModel):
    name: str
    start: date
    end: date


def cycle_info(plan: Plan) -> CycleInfo:
    return CycleInfo(name=plan.cycle.name, start=plan.cycle.start, end=plan.cycle.end)
