"""One key result's check-in timeline and forecast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, NamedTuple

from okrsheet.domain.model import CheckIn, KeyResult, Plan, log_index
from okrsheet.domain.scoring import FORECAST_POINTS, forecast, progress, progress_at
from okrsheet.reports.base import Report, ReportModel, round4


class HistoryPoint(ReportModel):
    date: date
    value: float
    confidence: float | None
    note: str
    author: str
    progress: float


class Point(NamedTuple):
    """A history point as the report page draws it: `HistoryPoint`'s figures without its
    validation (a year of check-ins of every key result is tens of thousands of points, each
    of values the check-in's own validation already checked)."""

    date: date
    value: float
    confidence: float | None
    progress: float


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the report page draws of a key result's history: the `HistoryReport`'s points
    and forecast, the same figures (`timelines`)."""

    as_of: date
    checkins: list[Point]
    forecast_at_due: float | None
    forecast_progress: float | None
    count: int  # the check-ins of the cycle up to `as_of`, drawn or not


class HistoryReport(Report):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "date",
        "value",
        "progress",
        "confidence",
        "author",
        "note",
    )
    ROWS = "checkins"

    id: str
    title: str
    owner: str
    unit: str
    # null while the baseline is being measured (Start "baseline", nothing recorded yet).
    start: float | None
    target: float
    due: date
    as_of: date
    checkins: list[HistoryPoint]
    forecast_at_due: float | None
    forecast_progress: float | None


def history_report(plan: Plan, kr_id: str, as_of: date) -> HistoryReport | None:
    """The check-in timeline of one KR this cycle and where its recent trend leads by the due
    date (a straight line through the last six check-ins)."""
    kr = next((k for k in plan.key_results if k.id.casefold() == kr_id.casefold()), None)
    if kr is None:
        return None
    return _history(plan, kr, plan.checkins_of(kr.id), as_of)


def past_history_report(
    plan: Plan, kr: KeyResult, log: Sequence[CheckIn], as_of: date
) -> HistoryReport:
    """`history_report` of a key result of a finished cycle (`plan.cycle` is that cycle), from
    the check-ins its archive holds, in order."""
    return _history(plan, kr, log, as_of)


def history_reports(
    plan: Plan, as_of: date, *, max_points: int | None = None
) -> dict[str, HistoryReport]:
    """`history_report` for every key result, by ID, reading the check-in log once.

    With `max_points`, each timeline keeps at most that many check-ins: the most recent ones
    the forecast follows, and the earlier ones evenly spread with the first kept, so the
    forecast is the same as with every check-in."""
    logs = _thinned(_logs(plan, as_of), max_points)
    return {kr.id: _history(plan, kr, logs.get(kr.id, ()), as_of) for kr in plan.key_results}


def timelines(plan: Plan, as_of: date, *, max_points: int | None = None) -> dict[str, Timeline]:
    """`history_reports` as the visual report draws them (one chart per key result): the same
    points and forecasts, as plain tuples rather than validated models."""
    whole = _logs(plan, as_of)
    logs = _thinned(whole, max_points)
    out: dict[str, Timeline] = {}
    for kr in plan.key_results:
        entries, progresses, predicted, predicted_progress = _figures(
            plan, kr, logs.get(kr.id, ()), as_of
        )
        points = list(
            map(
                Point,
                [c.date for c in entries],
                [c.value for c in entries],
                [c.confidence for c in entries],
                progresses,
            )
        )
        count = len(whole.get(kr.id, ()))
        out[kr.id] = Timeline(as_of, points, predicted, predicted_progress, count)
    return out


def _logs(plan: Plan, as_of: date) -> dict[str, list[CheckIn]]:
    """Each key result's check-ins of the cycle up to `as_of`, in the log's order."""
    start = plan.cycle.start
    logs: dict[str, list[CheckIn]] = {kr.id: [] for kr in plan.key_results}
    for checkin in log_index(plan.checkins).ordered():
        log = logs.get(checkin.kr_id)
        if log is not None and start <= checkin.date <= as_of:
            log.append(checkin)
    return logs


def _thinned(logs: dict[str, list[CheckIn]], max_points: int | None) -> dict[str, list[CheckIn]]:
    if max_points is None:
        return logs
    return {kr_id: _thin(log, max_points) for kr_id, log in logs.items()}


def _thin(log: list[CheckIn], limit: int) -> list[CheckIn]:
    recent = min(FORECAST_POINTS, limit)
    if len(log) <= limit:
        return log
    earlier, kept = log[:-recent], limit - recent
    if kept <= 0:
        return log[-recent:]
    step = len(earlier) / kept
    return [earlier[int(i * step)] for i in range(kept)] + log[-recent:]


def _figures(
    plan: Plan, kr: KeyResult, log: Sequence[CheckIn], as_of: date
) -> tuple[list[CheckIn], list[float], float | None, float | None]:
    """A key result's check-ins this cycle up to `as_of`, the progress of each, the value its
    recent trend leads to by the due date and that value's progress."""
    start = plan.cycle.start
    entries = [c for c in log if start <= c.date <= as_of]
    # The kind, start and target are looked up once per key result, not once per point.
    at = progress_at(kr)
    progresses = [round(at(c.value), 4) or 0.0 for c in entries]
    recent = [(c.date, c.value) for c in entries[-FORECAST_POINTS:]]
    predicted = forecast(recent, kr.due_date)
    # A start still being measured (`baseline`) is no number yet: it does not count here.
    counted = [
        *(() if kr.start is None else (kr.start_value,)),
        kr.target_value,
        *(c.value for c in entries),
    ]
    if predicted is not None and kr.unit != "%" and all(v % 1 == 0 for v in counted):
        # Whole things (opportunities, customers) are forecast whole: 131 opps, not 131.31.
        predicted = float(round(predicted))
    predicted_progress = None if predicted is None else round4(progress(kr, predicted))
    return (
        entries,
        progresses,
        None if predicted is None else round(predicted, 6),
        predicted_progress,
    )


def _history(plan: Plan, kr: KeyResult, log: Sequence[CheckIn], as_of: date) -> HistoryReport:
    entries, progresses, predicted, predicted_progress = _figures(plan, kr, log, as_of)
    # Validated as built: pydantic's validator (compiled) costs about half what building a
    # point unchecked (`model_construct`, in Python) does.
    points = [
        HistoryPoint(
            date=c.date,
            value=c.value,
            confidence=c.confidence,
            note=c.note,
            author=c.author,
            progress=p,
        )
        for c, p in zip(entries, progresses, strict=True)
    ]
    return HistoryReport.copying(
        kr,
        start=kr.start,
        target=kr.target_value,
        due=kr.due_date,
        as_of=as_of,
        checkins=points,
        forecast_at_due=predicted,
        forecast_progress=predicted_progress,
    )
