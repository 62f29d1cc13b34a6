"""The base every report model shares: frozen, rounded, with the cycle it covers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

from okrsheet.domain.model import Plan


def round4(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class ReportModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def copying(cls, source: object, **fields: Any) -> Self:
        """This model from `fields`, every other field read from `source`'s attribute of the
        same name: the row builders name only what they rename or compute."""
        copied = {name: getattr(source, name) for name in cls.model_fields if name not in fields}
        return cls(**copied, **fields)


#: One flat row of a report, keyed by its report's COLUMNS (what CSV prints).
Row = dict[str, object]


class Report(ReportModel):
    """A whole report: JSON prints the model; CSV prints `rows()` under `COLUMNS`.

    The columns and rows are the CSV contract (docs/output.md), kept here beside the model so
    that they are tested without the command line and shared by every caller. Most reports
    print one row per item of one list: ROWS names that list; the others override `rows()`."""

    COLUMNS: ClassVar[tuple[str, ...]]
    ROWS: ClassVar[str]

    def rows(self) -> list[Row]:
        """The report as flat rows, each keyed by (a subset of) COLUMNS."""
        items: Sequence[BaseModel] = getattr(self, self.ROWS)
        return [item.model_dump(mode="json") for item in items]


class CycleInfo(ReportModel):
    name: str
    start: date
    end: date


def cycle_info(plan: Plan) -> CycleInfo:
    return CycleInfo(name=plan.cycle.name, start=plan.cycle.start, end=plan.cycle.end)


class CycleReport(Report):
    """A report on one cycle of the plan: the company, the cycle and the day it is scored on
    lead its JSON."""

    company: str
    cycle: CycleInfo
    as_of: date

    @classmethod
    def of(cls, plan: Plan, as_of: date, **fields: Any) -> Self:
        return cls(company=plan.settings.company, cycle=cycle_info(plan), as_of=as_of, **fields)
