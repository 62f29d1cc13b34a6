"""Typed report models built from a scored plan. Renderers turn them into tables, JSON, CSV or
Markdown; the JSON shape is documented in docs/output.md and kept stable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from okrsheet.layout import Finding
from okrsheet.model import Plan
from okrsheet.scoring import (
    KRScore,
    ObjectiveScore,
    days_since_checkin,
    forecast,
    grade,
    grade_band,
    lag_reasons,
    lagging,
    objective_grade,
    progress,
    quiet_owners,
    score_kr,
    score_plan,
)


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


class KRGradeRow(_Report):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    grade: float
    band: str


class ObjectiveGradeRow(_Report):
    id: str
    title: str
    owner: str
    grade: float | None


class OwnerGradeRow(_Report):
    owner: str
    key_results: int
    mean_grade: float
    in_band: int
    maybe_too_easy: int


class GradeReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    provisional: bool
    share_in_band: float | None
    maybe_too_easy: list[str]
    key_results: list[KRGradeRow]
    objectives: list[ObjectiveGradeRow]
    owners: list[OwnerGradeRow]


def grade_report(plan: Plan, as_of: date) -> GradeReport:
    krs = [
        KRGradeRow(
            id=k.id,
            objective_id=k.objective_id,
            title=k.title,
            owner=k.owner,
            kind=k.kind.value,
            grade=grade(k),
            band=grade_band(grade(k)),
        )
        for k in plan.key_results
    ]
    owners: dict[str, list[KRGradeRow]] = {}
    for row in krs:
        owners.setdefault(row.owner, []).append(row)
    in_band = [r for r in krs if r.band == "in the band"]
    return GradeReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        provisional=as_of < plan.cycle.end,
        share_in_band=_r(len(in_band) / len(krs)) if krs else None,
        maybe_too_easy=[r.id for r in krs if r.band == "maybe too easy"],
        key_results=krs,
        objectives=[
            ObjectiveGradeRow(
                id=o.id, title=o.title, owner=o.owner, grade=objective_grade(plan.krs_of(o.id))
            )
            for o in plan.objectives
        ],
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


class HistoryPoint(_Report):
    date: date
    value: float
    confidence: float | None
    note: str
    author: str
    progress: float


class HistoryReport(_Report):
    id: str
    title: str
    owner: str
    unit: str
    start: float
    target: float
    due: date
    as_of: date
    checkins: list[HistoryPoint]
    forecast_at_due: float | None
    forecast_progress: float | None


FORECAST_POINTS = 6


def history_report(plan: Plan, kr_id: str, as_of: date) -> HistoryReport | None:
    """The check-in timeline of one KR this cycle and where its recent trend leads by the due
    date (a straight line through the last six check-ins)."""
    kr = next((k for k in plan.key_results if k.id.casefold() == kr_id.casefold()), None)
    if kr is None:
        return None
    entries = [c for c in plan.checkins_of(kr.id) if plan.cycle.start <= c.date <= as_of]
    points = [
        HistoryPoint(
            date=c.date,
            value=c.value,
            confidence=c.confidence,
            note=c.note,
            author=c.author,
            progress=_r(progress(kr.model_copy(update={"current": c.value}))) or 0.0,
        )
        for c in entries
    ]
    recent = [(p.date, p.value) for p in points[-FORECAST_POINTS:]]
    predicted = forecast(recent, kr.due_date)
    predicted_progress = (
        None if predicted is None else _r(progress(kr.model_copy(update={"current": predicted})))
    )
    return HistoryReport(
        id=kr.id,
        title=kr.title,
        owner=kr.owner,
        unit=kr.unit,
        start=kr.start_value,
        target=kr.target_value,
        due=kr.due_date,
        as_of=as_of,
        checkins=points,
        forecast_at_due=None if predicted is None else round(predicted, 6),
        forecast_progress=predicted_progress,
    )


class TodoItem(_Report):
    id: str
    title: str
    action: str
    why: str


class TodoReport(_Report):
    owner: str
    as_of: date
    items: list[TodoItem]


def todo_report(plan: Plan, owner: str, as_of: date) -> TodoReport:
    """What one person should do now: check in what is due, look at what lags, set missing
    confidences."""
    items: list[TodoItem] = []
    for kr in plan.key_results:
        if kr.owner.casefold() != owner.casefold():
            continue
        score = score_kr(kr, plan.cycle, as_of, plan.settings)
        if score.status.value == "done":
            continue
        idle = days_since_checkin(kr, plan.cycle, as_of)
        if idle >= plan.settings.cadence_days:
            when = f"last check-in {idle} days ago" if kr.last_checkin else "no check-in yet"
            items.append(TodoItem(id=kr.id, title=kr.title, action="check in", why=when))
        lag = lag_reasons(score, plan.cycle, as_of, plan.settings)
        behind = [text for code, text in lag.reasons if code in ("behind", "overdue")]
        if behind:
            items.append(
                TodoItem(id=kr.id, title=kr.title, action="ask for help", why="; ".join(behind))
            )
        if kr.confidence is None:
            items.append(
                TodoItem(id=kr.id, title=kr.title, action="set a confidence", why="none recorded")
            )
    return TodoReport(owner=owner, as_of=as_of, items=items)
