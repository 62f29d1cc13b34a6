"""Pure scoring functions: progress, expected progress, status, grade and roll-ups.

Every function that depends on time takes an explicit `as_of` date, so that a report is
reproducible and tests never depend on today.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from okrsheet.model import Cycle, KeyResult, KRKind, Objective, Plan, Settings, Status


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _met(kr: KeyResult) -> bool:
    if kr.kind is KRKind.KEEP_ABOVE:
        return kr.value >= kr.target_value
    if kr.kind is KRKind.KEEP_BELOW:
        return kr.value <= kr.target_value
    return kr.value >= 1 if kr.kind is KRKind.MILESTONE else raw_progress(kr) >= 1


def raw_progress(kr: KeyResult) -> float:
    """Where the current value sits between start and target, unclamped.

    Works for both directions: (current - start) / (target - start) is positive when a
    lower-is-better value goes down. Keep-above/below KRs score 1 while the threshold holds.
    """
    if kr.kind is KRKind.MILESTONE:
        return 1.0 if kr.value >= 1 else 0.0
    if kr.kind in (KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW):
        return 1.0 if _met(kr) else 0.0
    return (kr.value - kr.start_value) / (kr.target_value - kr.start_value)


def progress(kr: KeyResult) -> float:
    """Progress from 0 to 1; overachievement is reported apart by `overachievement`."""
    return _clamp(raw_progress(kr))


def overachievement(kr: KeyResult) -> float:
    """How far past the target the KR went, as a fraction of the start-to-target distance."""
    return max(0.0, raw_progress(kr) - 1.0)


def expected_progress(kr: KeyResult, cycle: Cycle, as_of: date) -> float:
    """The elapsed fraction of time from the cycle start to the KR's due date.

    Keep-above/below KRs are expected to hold all the time, so their expectation is 1.
    """
    if kr.kind in (KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW):
        return 1.0
    begin, due = cycle.start, kr.due_date
    if due <= begin:
        return 1.0 if as_of >= due else 0.0
    return _clamp((as_of - begin).days / (due - begin).days)


def status(kr: KeyResult, cycle: Cycle, as_of: date, settings: Settings) -> Status:
    """Status by the gap rule (docs/scoring.md).

    done when the target is reached; overdue when past due and not reached; not started when no
    value was ever recorded and it is still early; otherwise the gap between expected and actual
    progress decides: on track up to `on_track_gap`, at risk up to `at_risk_gap`, else off track.
    """
    keep = kr.kind in (KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW)
    if _met(kr) and (not keep or as_of >= kr.due_date):
        return Status.DONE
    if as_of > kr.due_date:
        return Status.OVERDUE
    if keep:
        return Status.ON_TRACK if _met(kr) else Status.OFF_TRACK
    gap = expected_progress(kr, cycle, as_of) - progress(kr)
    if kr.current is None and gap <= settings.on_track_gap:
        return Status.NOT_STARTED
    if gap <= settings.on_track_gap + 1e-9:
        return Status.ON_TRACK
    if gap <= settings.at_risk_gap + 1e-9:
        return Status.AT_RISK
    return Status.OFF_TRACK


def grade(kr: KeyResult) -> float:
    """End-of-cycle grade from 0.0 to 1.0: milestones and thresholds score 0 or 1."""
    if kr.kind in (KRKind.MILESTONE, KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW):
        return 1.0 if _met(kr) else 0.0
    return round(progress(kr), 2)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there is nothing to average."""
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def objective_progress(krs: Sequence[KeyResult]) -> float | None:
    return weighted_mean([(progress(k), k.weight) for k in krs])


def objective_expected(krs: Sequence[KeyResult], cycle: Cycle, as_of: date) -> float | None:
    return weighted_mean([(expected_progress(k, cycle, as_of), k.weight) for k in krs])


def objective_grade(krs: Sequence[KeyResult]) -> float | None:
    value = weighted_mean([(grade(k), k.weight) for k in krs])
    return None if value is None else round(value, 2)


_SEVERITY = [
    Status.OVERDUE,
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.ON_TRACK,
    Status.NOT_STARTED,
    Status.DONE,
]


def objective_status(statuses: Sequence[Status]) -> Status | None:
    """An objective is as healthy as its least healthy key result."""
    if not statuses:
        return None
    return min(statuses, key=_SEVERITY.index)


@dataclass(frozen=True)
class KRScore:
    kr: KeyResult
    progress: float
    overachievement: float
    expected: float
    status: Status
    days_to_due: int


@dataclass(frozen=True)
class ObjectiveScore:
    objective: Objective
    key_results: tuple[KRScore, ...]
    progress: float | None
    expected: float | None
    status: Status | None


def score_kr(kr: KeyResult, cycle: Cycle, as_of: date, settings: Settings) -> KRScore:
    return KRScore(
        kr=kr,
        progress=progress(kr),
        overachievement=overachievement(kr),
        expected=expected_progress(kr, cycle, as_of),
        status=status(kr, cycle, as_of, settings),
        days_to_due=(kr.due_date - as_of).days,
    )


def score_plan(plan: Plan, as_of: date) -> list[ObjectiveScore]:
    """Score every objective of the plan, in workbook order."""
    scores: list[ObjectiveScore] = []
    for objective in plan.objectives:
        krs = plan.krs_of(objective.id)
        kr_scores = tuple(score_kr(k, plan.cycle, as_of, plan.settings) for k in krs)
        scores.append(
            ObjectiveScore(
                objective=objective,
                key_results=kr_scores,
                progress=objective_progress(krs),
                expected=objective_expected(krs, plan.cycle, as_of),
                status=objective_status([s.status for s in kr_scores]),
            )
        )
    return scores
