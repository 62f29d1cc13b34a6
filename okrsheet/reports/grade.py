"""End-of-cycle grades per key result, objective and owner."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from okrsheet.domain.model import Closing, Plan
from okrsheet.domain.scoring import COMMITTED_MISS, grade, grade_band, objective_grade
from okrsheet.reports.base import CycleReport, ReportModel, round4


class KRGradeRow(ReportModel):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    grade: float
    band: str
    # Of a committed objective: expected to reach 1.0 (band "met" or "committed miss").
    committed: bool = False
    # The owner's judgement (Final grade, Grade reason, Next cycle); null/"" when not given.
    final_grade: float | None = None
    reason: str = ""
    next_cycle: str | None = None


class ObjectiveGradeRow(ReportModel):
    id: str
    title: str
    owner: str
    grade: float | None
    commitment: str = "aspirational"
    # A committed objective graded below 1.0: the owner says why (docs/scoring.md).
    committed_miss: bool = False
    final_grade: float | None = None
    reason: str = ""
    # The retrospective: what worked, what to change, carry over or drop.
    worked: str = ""
    to_change: str = ""
    next_cycle: str | None = None


class OwnerGradeRow(ReportModel):
    owner: str
    key_results: int
    mean_grade: float
    in_band: int
    maybe_too_easy: int


class GradeReport(CycleReport):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "objective_id",
        "title",
        "owner",
        "kind",
        "grade",
        "band",
        "final_grade",
        "reason",
    )
    # One row per key result (objective and owner grades are in the JSON).
    ROWS = "key_results"

    provisional: bool
    share_in_band: float | None
    maybe_too_easy: list[str]
    # Committed key results graded below 1.0, each a miss that needs an explanation.
    committed_misses: list[str] = []
    key_results: list[KRGradeRow]
    objectives: list[ObjectiveGradeRow]
    owners: list[OwnerGradeRow]


def _final(closing: Closing, computed: float | None, propose: bool) -> float | None:
    return computed if closing.final_grade is None and propose else closing.final_grade


def _next(closing: Closing) -> str | None:
    return closing.next_cycle.value if closing.next_cycle else None


def grade_report(plan: Plan, as_of: date, *, propose_finals: bool = False) -> GradeReport:
    """The grades as of `as_of`, with the owners' judgement beside them; `propose_finals`
    (okr grade --write) shows the computed grade as the final one where none was given."""
    grouped = plan.krs_by_objective()
    krs = [
        KRGradeRow(
            id=k.id,
            objective_id=k.objective_id,
            title=k.title,
            owner=k.owner,
            kind=k.kind.value,
            grade=grade(k),
            band=grade_band(grade(k), committed=k.committed),
            committed=k.committed,
            final_grade=_final(k.closing, grade(k), propose_finals),
            reason=k.closing.reason,
            next_cycle=_next(k.closing),
        )
        for k in plan.key_results
    ]
    aspirational = [r for r in krs if not r.committed]
    owners: dict[str, list[KRGradeRow]] = {}
    for row in krs:
        owners.setdefault(row.owner, []).append(row)
    in_band = [r for r in aspirational if r.band == "in the band"]
    objectives = []
    for o in plan.objectives:
        value = objective_grade(grouped.get(o.id, ()))
        commitment = o.commitment_in(plan.settings).value
        missed = commitment == "committed" and value is not None and value < 1.0
        objectives.append(
            ObjectiveGradeRow(
                id=o.id,
                title=o.title,
                owner=o.owner,
                grade=value,
                commitment=commitment,
                committed_miss=missed,
                final_grade=_final(o.closing, value, propose_finals),
                reason=o.closing.reason,
                worked=o.closing.worked,
                to_change=o.closing.to_change,
                next_cycle=_next(o.closing),
            )
        )
    return GradeReport.of(
        plan,
        as_of,
        provisional=as_of < plan.cycle.end,
        share_in_band=round4(len(in_band) / len(aspirational)) if aspirational else None,
        maybe_too_easy=[r.id for r in krs if r.band == "maybe too easy"],
        committed_misses=[r.id for r in krs if r.band == COMMITTED_MISS],
        key_results=krs,
        objectives=objectives,
        owners=[
            OwnerGradeRow(
                owner=owner,
                key_results=len(rows),
                mean_grade=round(sum(r.grade for r in rows) / len(rows), 2),
                in_band=sum(r.band == "in the band" for r in rows),
                maybe_too_easy=sum(r.band == "maybe too easy" for r in rows),
            )
            for owner, rows in sorted(owners.items())
        ],
    )
