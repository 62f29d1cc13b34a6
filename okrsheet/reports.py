"""Typed report models built from a scored plan. Renderers turn them into tables, JSON, CSV or
Markdown; the JSON shape is documented in docs/output.md and kept stable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from okrsheet.layout import Finding
from okrsheet.model import Plan
from okrsheet.scoring import KRScore, ObjectiveScore, lagging, quiet_owners, score_plan


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class CycleInfo(_Report):
    name: str
    start: date
    end: date


class KRRow(_Report):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    start: float
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


class ObjectiveRow(_Report):
    id: str
    title: str
    level: str
    owner: str
    aligns_to: str | None
    progress: float | None
    expected: float | None
    status: str | None
    key_results: list[KRRow]


class StatusReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    objectives: list[ObjectiveRow]


def cycle_info(plan: Plan) -> CycleInfo:
    return CycleInfo(name=plan.cycle.name, start=plan.cycle.start, end=plan.cycle.end)


def kr_row(score: KRScore) -> KRRow:
    kr = score.kr
    return KRRow(
        id=kr.id,
        objective_id=kr.objective_id,
        title=kr.title,
        owner=kr.owner,
        kind=kr.kind.value,
        start=kr.start_value,
        target=kr.target_value,
        current=kr.current,
        unit=kr.unit,
        due=kr.due_date,
        days_to_due=score.days_to_due,
        weight=kr.weight,
        confidence=_r(kr.confidence),
        progress=_r(score.progress) or 0.0,
        overachievement=_r(score.overachievement) or 0.0,
        expected=_r(score.expected) or 0.0,
        status=score.status.value,
        last_checkin=kr.last_checkin,
    )


def objective_row(score: ObjectiveScore) -> ObjectiveRow:
    objective = score.objective
    return ObjectiveRow(
        id=objective.id,
        title=objective.title,
        level=objective.level.value,
        owner=objective.owner,
        aligns_to=objective.aligns_to,
        progress=_r(score.progress),
        expected=_r(score.expected),
        status=score.status.value if score.status else None,
        key_results=[kr_row(k) for k in score.key_results],
    )


def status_report(plan: Plan, as_of: date) -> StatusReport:
    return StatusReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        objectives=[objective_row(s) for s in score_plan(plan, as_of)],
    )


class FindingRow(_Report):
    severity: str
    code: str
    where: str | None
    message: str


class ValidationReport(_Report):
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


class LaggingRow(_Report):
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


class LaggingReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    lagging: list[LaggingRow]


def lagging_report(plan: Plan, as_of: date) -> LaggingReport:
    rows = []
    for lag in lagging(plan, as_of):
        kr = lag.score.kr
        objective = plan.objective(kr.objective_id)
        assert objective is not None
        rows.append(
            LaggingRow(
                id=kr.id,
                title=kr.title,
                owner=kr.owner,
                objective_id=objective.id,
                objective=objective.title,
                level=objective.level.value,
                progress=_r(lag.score.progress) or 0.0,
                expected=_r(lag.score.expected) or 0.0,
                status=lag.score.status.value,
                confidence=_r(kr.confidence),
                due=kr.due_date,
                days_to_due=lag.score.days_to_due,
                last_checkin=kr.last_checkin,
                reasons=list(lag.sentences),
                codes=list(lag.codes),
            )
        )
    return LaggingReport(
        company=plan.settings.company, cycle=cycle_info(plan), as_of=as_of, lagging=rows
    )


class QuietOwnerRow(_Report):
    owner: str
    last_checkin: date | None
    open_key_results: int


class QuietOwnersReport(_Report):
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
