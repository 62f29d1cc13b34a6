"""Pure scoring functions: progress, expected progress, status, grade and roll-ups.

Every function that depends on time takes an explicit `as_of` date, so that a report is
reproducible and tests never depend on today.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from okrsheet.domain.initiatives import InitiativeStatus
from okrsheet.domain.interlock import Need, needs
from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import (
    Commitment,
    Cycle,
    KeyResult,
    Objective,
    Plan,
    Settings,
    Status,
    amount,
)
from okrsheet.sources.status import source_lag_reasons


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _met(kr: KeyResult, value: float | None = None) -> bool:
    if kr.measuring_baseline:
        return False
    value = kr.value if value is None else value
    return kr.kind.met(value, kr.start_value, kr.target_value)


def raw_progress(kr: KeyResult, value: float | None = None) -> float:
    """Where the current value (or `value`, e.g. a past check-in's) sits between start and
    target, unclamped.

    Each kind says how (okrsheet/domain/kinds/): (current - start) / (target - start) for both
    directions (positive when a lower-is-better value goes down); keep-above/below KRs score 1
    while the threshold holds.
    """
    if kr.measuring_baseline:
        return 0.0  # nothing to measure progress from yet
    value = kr.value if value is None else value
    return kr.kind.progress(value, kr.start_value, kr.target_value)


def progress(kr: KeyResult, value: float | None = None) -> float:
    """Progress from 0 to 1 at the current value (or at `value`); overachievement is reported
    apart by `overachievement`."""
    return _clamp(raw_progress(kr, value))


def progress_at(kr: KeyResult) -> Callable[[float], float]:
    """`progress` of one key result as a function of the value: the kind, start and target
    looked up once for the many values of its history (a year of check-ins of every key
    result is tens of thousands of values)."""
    if kr.measuring_baseline:
        return lambda value: 0.0
    kind_progress, start, target = kr.kind.progress, kr.start_value, kr.target_value
    return lambda value: max(0.0, min(1.0, kind_progress(value, start, target)))


def overachievement(kr: KeyResult) -> float:
    """How far past the target the KR went, as a fraction of the start-to-target distance."""
    return max(0.0, raw_progress(kr) - 1.0)


def expected_progress(kr: KeyResult, cycle: Cycle, as_of: date) -> float:
    """The elapsed fraction of time from the cycle start to the KR's due date.

    Kinds that hold all the time (keep above/below) are expected at 1.
    """
    if kr.kind.holds:
        return 1.0
    begin, due = cycle.start, kr.due_date
    if due <= begin:
        return 1.0 if as_of >= due else 0.0
    return _clamp((as_of - begin).days / (due - begin).days)


def on_track_gap_of(kr: KeyResult, settings: Settings) -> float:
    """How far behind pace a key result may be and still be on track: the Settings gap for an
    aspirational one, none for a committed one (any expected shortfall is at risk)."""
    return 0.0 if kr.committed else settings.on_track_gap


def status(kr: KeyResult, cycle: Cycle, as_of: date, settings: Settings) -> Status:
    """Status by the gap rule (docs/scoring.md).

    done when the target is reached; overdue when past due and not reached; not started when no
    value was ever recorded and it is still early (for milestones and thresholds: no value yet);
    a milestone is on track until its due date; a threshold is on track while it holds;
    otherwise the gap between expected and actual progress decides: on track up to
    `on_track_gap` (0 for a key result of a committed objective), at risk up to `at_risk_gap`,
    else off track.
    """
    if kr.measuring_baseline:
        return Status.OVERDUE if as_of > kr.due_date else Status.NOT_STARTED
    keep = kr.kind.holds
    if _met(kr) and (not keep or as_of >= kr.due_date):
        return Status.DONE
    if as_of > kr.due_date:
        return Status.OVERDUE
    if kr.current is None and not kr.kind.paced:
        return Status.NOT_STARTED
    if keep:
        return Status.ON_TRACK if _met(kr) else Status.OFF_TRACK
    if not kr.kind.paced:
        # A milestone is done or not: there is no pace to fall behind before its due date.
        return Status.ON_TRACK
    gap = expected_progress(kr, cycle, as_of) - progress(kr)
    on_track_gap = on_track_gap_of(kr, settings)
    if kr.current is None and gap <= on_track_gap:
        return Status.NOT_STARTED
    if gap <= on_track_gap + 1e-9:
        return Status.ON_TRACK
    if gap <= settings.at_risk_gap + 1e-9:
        return Status.AT_RISK
    return Status.OFF_TRACK


def grade(kr: KeyResult) -> float:
    """End-of-cycle grade from 0.0 to 1.0: milestones and thresholds score 0 or 1."""
    if not kr.kind.paced:
        return 1.0 if _met(kr) else 0.0
    return round(progress(kr), 2)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """Mean of (value, weight) pairs; None when there is nothing to average."""
    total = sum(weight for _, weight in pairs)
    if not pairs or total <= 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def scored(krs: Sequence[KeyResult]) -> list[KeyResult]:
    """The key results an objective rolls up: all but those still measuring their baseline."""
    return [k for k in krs if not k.measuring_baseline]


def objective_progress(krs: Sequence[KeyResult]) -> float | None:
    return weighted_mean([(progress(k), k.weight) for k in scored(krs)])


def objective_expected(krs: Sequence[KeyResult], cycle: Cycle, as_of: date) -> float | None:
    return weighted_mean([(expected_progress(k, cycle, as_of), k.weight) for k in scored(krs)])


def objective_confidence(krs: Sequence[KeyResult]) -> float | None:
    """The weighted mean confidence of the key results that have one (None when none has)."""
    return weighted_mean(
        [(k.confidence, k.weight) for k in scored(krs) if k.confidence is not None]
    )


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
class Blocker:
    """An upstream key result holding this one back: lagging, not done by the date needed, or
    forecast short of the quantity this one needs from it."""

    upstream: KRScore
    needed_by: date | None
    reason: str  # "lagging", "late" or "short"
    short: LinkForecast | None = None

    def sentence(self) -> str:
        up = self.upstream
        if self.short is not None:
            link = self.short
            assert link.forecast is not None and link.need.need is not None
            unit = up.kr.unit
            # As precise as the need: 682 leads, not 681.62 leads.
            digits = 0 if abs(link.need.need) >= 100 else 2
            return (
                f"short upstream: {up.kr.id} ({up.kr.owner}) is forecast at "
                f"{amount(round(link.forecast, digits), unit)} by {link.when.day} {link.when:%b}, "
                f"{amount(link.need.need, unit)} needed"
            )
        text = f"blocked by {up.kr.owner}: {up.kr.id} {up.kr.title} at {up.progress * 100:.0f}%"
        if self.needed_by is not None:
            text += f", needed by {self.needed_by.day} {self.needed_by:%b}"
        return text


#: How many of the latest check-ins the trend forecast follows (`okr history`, `okr deps`).
FORECAST_POINTS = 6


def trend_forecast(plan: Plan, kr: KeyResult, day: date, as_of: date) -> float | None:
    """Where a key result's recent trend leads by `day`: a straight line through its last
    check-ins of the cycle up to `as_of` (None with fewer than two dates)."""
    entries = [c for c in plan.checkins_of(kr.id) if plan.cycle.start <= c.date <= as_of]
    return forecast([(c.date, c.value) for c in entries[-FORECAST_POINTS:]], day)


@dataclass(frozen=True)
class LinkForecast:
    """A quantified link during the cycle: need, plan, and the upstream's forecast at the date
    it is needed by (else the downstream's due date)."""

    need: Need
    when: date
    forecast: float | None

    @property
    def short(self) -> bool:
        need = self.need.need
        return need is not None and self.forecast is not None and self.forecast < need - 1e-9


def link_forecasts(plan: Plan, as_of: date) -> dict[tuple[str, str], LinkForecast]:
    """Every quantified link of the plan (shown key results and their upstream), by
    (downstream id, upstream id)."""
    found: dict[tuple[str, str], LinkForecast] = {}
    trends: dict[tuple[str, date], float | None] = {}
    for need in needs(plan, (*plan.key_results, *plan.upstream)):
        kr = need.downstream
        when = dict(kr.needed_by).get(need.upstream.id, kr.due_date)
        predicted: float | None = None
        if need.need is not None:
            key = (need.upstream.id, when)
            if key not in trends:
                trends[key] = trend_forecast(plan, need.upstream, when, as_of)
            predicted = trends[key]
        found[(kr.id, need.upstream.id)] = LinkForecast(need, when, predicted)
    return found


@dataclass(frozen=True)
class KRScore:
    kr: KeyResult
    progress: float
    overachievement: float
    expected: float
    status: Status
    days_to_due: int
    blocked_by: tuple[Blocker, ...] = ()
    # The status by the key result's own numbers, when blockers raised `status` to at risk.
    own_status: Status | None = None


@dataclass(frozen=True)
class ObjectiveScore:
    objective: Objective
    key_results: tuple[KRScore, ...]
    progress: float | None
    expected: float | None
    status: Status | None
    commitment: Commitment = Commitment.ASPIRATIONAL
    # Rolled up from its key results' confidences, weighted; None when none has one.
    confidence: float | None = None
    # The status by its key results' own numbers, as the sheet's Status column shows it.
    own_status: Status | None = None


def score_kr(kr: KeyResult, cycle: Cycle, as_of: date, settings: Settings) -> KRScore:
    return KRScore(
        kr=kr,
        progress=progress(kr),
        overachievement=overachievement(kr),
        expected=expected_progress(kr, cycle, as_of),
        status=status(kr, cycle, as_of, settings),
        days_to_due=(kr.due_date - as_of).days,
    )


def blockers(
    kr: KeyResult,
    scores: dict[str, KRScore],
    cycle: Cycle,
    as_of: date,
    forecasts: dict[tuple[str, str], LinkForecast] | None = None,
) -> tuple[Blocker, ...]:
    """What this key result depends on that is lagging, or will not be done by the date this
    one needs it (at its pace so far; milestones only once that date has passed), or is
    forecast short of the quantity this one needs from it."""
    needed = dict(kr.needed_by)
    found: list[Blocker] = []
    for upstream_id in kr.depends_on:
        upstream = scores.get(upstream_id)
        if upstream is None or upstream_id == kr.id or upstream.status is Status.DONE:
            continue
        by = needed.get(upstream_id)
        link = (forecasts or {}).get((kr.id, upstream_id))
        # A quantified link with a trend is judged by it: the quantity needed by the date,
        # not the upstream's whole target.
        forecast_known = (
            link is not None and link.need.need is not None and link.forecast is not None
        )
        if link is not None and link.short:
            found.append(Blocker(upstream, by, "short", link))
        elif by is not None and not forecast_known and _late(upstream, by, cycle, as_of):
            found.append(Blocker(upstream, by, "late"))
        elif upstream.status in (Status.AT_RISK, Status.OFF_TRACK, Status.OVERDUE):
            found.append(Blocker(upstream, by, "lagging"))
    return tuple(found)


def _late(upstream: KRScore, by: date, cycle: Cycle, as_of: date) -> bool:
    if as_of > by:
        return True
    if not upstream.kr.kind.paced:
        return False
    elapsed = (as_of - cycle.start).days
    if elapsed <= 0:
        return False
    projected = upstream.progress / elapsed * (by - cycle.start).days
    return projected < 1.0 - 1e-9


def score_key_results(plan: Plan, as_of: date) -> dict[str, KRScore]:
    """Every key result's score, with what blocks it: a key result whose own pace is fine but
    that depends on a lagging or late one is at risk."""
    every = (*plan.key_results, *plan.upstream)
    base = {k.id: score_kr(k, plan.cycle, as_of, plan.settings) for k in every}
    current = dict(base)
    forecasts = link_forecasts(plan, as_of) if any(k.ratios for k in every) else {}
    # A blocked key result is at risk, which may block the ones that depend on it in turn:
    # repeat until nothing changes (statuses only ever rise to at risk, so this ends).
    for _ in range(len(base) + 1):
        changed = False
        for kr_id, score in base.items():
            if not score.kr.depends_on:
                continue
            blocked = blockers(score.kr, current, plan.cycle, as_of, forecasts)
            flagged = bool(blocked) and score.status in (Status.ON_TRACK, Status.NOT_STARTED)
            updated = replace(
                score,
                blocked_by=blocked,
                status=Status.AT_RISK if flagged else score.status,
                own_status=score.status if flagged else None,
            )
            if updated != current[kr_id]:
                current[kr_id] = updated
                changed = True
        if not changed:
            break
    shown = {k.id for k in plan.key_results}
    return {kr_id: score for kr_id, score in current.items() if kr_id in shown}


#: The plan last scored (held, so that its identity is not reused), the day, its scores: the
#: visual report asks for the same plan's scores three times (status, tree, lagging).
_last_scored: tuple[Plan, date, tuple[ObjectiveScore, ...]] | None = None


def score_plan(plan: Plan, as_of: date) -> list[ObjectiveScore]:
    """Score every objective of the plan, in workbook order (a plan is frozen: the same plan
    as of the same day is scored once)."""
    global _last_scored
    last = _last_scored
    if last is not None and last[0] is plan and last[1] == as_of:
        return list(last[2])
    scores = _score_plan(plan, as_of)
    _last_scored = (plan, as_of, tuple(scores))
    return scores


def _score_plan(plan: Plan, as_of: date) -> list[ObjectiveScore]:
    scores: list[ObjectiveScore] = []
    by_id = score_key_results(plan, as_of)
    grouped = plan.krs_by_objective()
    for objective in plan.objectives:
        krs = grouped.get(objective.id, ())
        kr_scores = tuple(by_id[k.id] for k in krs)
        scores.append(
            ObjectiveScore(
                objective=objective,
                key_results=kr_scores,
                progress=objective_progress(krs),
                expected=objective_expected(krs, plan.cycle, as_of),
                status=objective_status([s.status for s in kr_scores]),
                commitment=objective.commitment_in(plan.settings),
                confidence=objective_confidence(krs),
                own_status=objective_status([s.own_status or s.status for s in kr_scores]),
            )
        )
    return scores


@dataclass(frozen=True)
class Lag:
    """Why a key result needs attention: each reason has a stable code and a sentence."""

    score: KRScore
    reasons: tuple[tuple[str, str], ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.reasons)

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.reasons)


def days_since_checkin(kr: KeyResult, cycle: Cycle, as_of: date) -> int:
    """Days since the last check-in; since the cycle start when there was none."""
    return (as_of - (kr.last_checkin or cycle.start)).days


def lag_reasons(score: KRScore, cycle: Cycle, as_of: date, settings: Settings) -> Lag:
    """Behind pace (at risk / off track), overdue, stale, or low confidence; done KRs never lag."""
    kr = score.kr
    reasons: list[tuple[str, str]] = []
    if score.status is Status.DONE or as_of < cycle.start:
        return Lag(score, ())
    if score.status is Status.OVERDUE:
        reasons.append(("overdue", f"overdue by {-score.days_to_due} day(s)"))
    elif (score.own_status or score.status) in (Status.AT_RISK, Status.OFF_TRACK):
        if kr.kind.behind is not None:
            text = kr.kind.behind.format(
                start=kr.start_value,
                target=kr.target_value,
                start_text=amount(kr.start_value, kr.unit),
                target_text=amount(kr.target_value, kr.unit),
            )
            reasons.append(("behind", text))
        else:
            points = round((score.expected - score.progress) * 100)
            text = f"{points} points behind pace"
            if kr.committed:
                text = text if points else "behind pace"
                text = f"committed, {text}: expected to reach 1.0"
            reasons.append(("behind", text))
    idle = days_since_checkin(kr, cycle, as_of)
    if idle > settings.cadence_days + settings.stale_grace_days:
        if kr.last_checkin is None:
            reasons.append(("stale", f"no check-in this cycle ({idle} days)"))
        else:
            reasons.append(("stale", f"no check-in for {idle} days"))
    if kr.source:
        reasons.extend(
            source_lag_reasons(
                kr.source,
                kr.source_status,
                behind=bool({"behind", "overdue"} & {code for code, _ in reasons}),
                last_change=kr.last_checkin,
                cadence_days=settings.cadence_days,
                as_of=as_of,
            )
        )
    if kr.confidence is not None and kr.confidence < settings.low_confidence:
        floor = f"{settings.low_confidence * 100:.0f}%"
        reasons.append(("low-confidence", f"confidence {kr.confidence * 100:.0f}% (below {floor})"))
    reasons.extend(
        ("short" if blocker.reason == "short" else "blocked", blocker.sentence())
        for blocker in score.blocked_by
    )
    return Lag(score, tuple(reasons))


NO_INITIATIVE = "no initiative in progress"


def lagging(plan: Plan, as_of: date) -> list[Lag]:
    """Every key result that needs attention, worst first. When the workbook lists
    initiatives, a key result behind pace with none in progress says so."""
    lags = [
        lag_reasons(score, plan.cycle, as_of, plan.settings)
        for objective in score_plan(plan, as_of)
        for score in objective.key_results
    ]
    if plan.initiatives:
        moving = {i.kr_id for i in plan.initiatives if i.status is InitiativeStatus.IN_PROGRESS}
        lags = [
            replace(lag, reasons=(*lag.reasons, ("no-initiative", NO_INITIATIVE)))
            if lag.score.kr.id not in moving and {"behind", "overdue"} & set(lag.codes)
            else lag
            for lag in lags
        ]
    found = [lag for lag in lags if lag.reasons]
    return sorted(found, key=lambda lag: (_SEVERITY.index(lag.score.status), -len(lag.reasons)))


def kpi_lag_reasons(
    kpi: KPI, settings: Settings, as_of: date, cycle_start: date | None = None
) -> tuple[tuple[str, str], ...]:
    """Why a KPI needs attention: outside its healthy range, or not updated within the
    check-in cadence and its grace days (as for a stale key result). A value typed without an
    Updated date (at set-up) counts from `cycle_start`, as a key result without check-ins."""
    reasons: list[tuple[str, str]] = []
    if kpi.healthy is False and kpi.current is not None:
        low, high = kpi.healthy_from, kpi.healthy_to
        value = amount(kpi.current, kpi.unit)
        if low is not None and kpi.current < low:
            reasons.append(("unhealthy", f"{value}, below the healthy {amount(low, kpi.unit)}"))
        elif high is not None:
            reasons.append(("unhealthy", f"{value}, above the healthy {amount(high, kpi.unit)}"))
    idle = kpi.days_since_update(as_of)
    grace = settings.cadence_days + settings.stale_grace_days
    if idle is None and kpi.current is not None and cycle_start is not None:
        since = (as_of - cycle_start).days
        if since > grace:
            reasons.append(("stale", f"not updated this cycle ({since} days)"))
    elif idle is None:
        reasons.append(("stale", "never updated"))
    elif idle > settings.cadence_days + settings.stale_grace_days:
        reasons.append(("stale", f"not updated for {idle} days"))
    reasons.extend(
        source_lag_reasons(
            kpi.source,
            kpi.source_status,
            behind=kpi.healthy is False,
            last_change=kpi.updated,
            cadence_days=settings.cadence_days,
            as_of=as_of,
        )
    )
    return tuple(reasons)


@dataclass(frozen=True)
class QuietOwner:
    owner: str
    last_checkin: date | None
    key_results: int


def quiet_owners(plan: Plan, as_of: date) -> list[QuietOwner]:
    """Owners with open key results and no check-in within the last cadence."""
    window_start = as_of.toordinal() - plan.settings.cadence_days
    by_owner: dict[str, list[KeyResult]] = {}
    for kr in plan.key_results:
        if status(kr, plan.cycle, as_of, plan.settings) is not Status.DONE:
            by_owner.setdefault(kr.owner, []).append(kr)
    quiet = []
    for owner, krs in sorted(by_owner.items()):
        dates = [k.last_checkin for k in krs if k.last_checkin and k.last_checkin <= as_of]
        last = max(dates) if dates else None
        if last is None or last.toordinal() <= window_start:
            quiet.append(QuietOwner(owner, last, len(krs)))
    return quiet


GRADE_BAND = (0.6, 0.7)


#: The band of a committed key result that fell short of 1.0: a miss that needs a reason.
COMMITTED_MISS = "committed miss"
#: The band of a key result whose baseline was never measured: its 0 is not a result to learn
#: from (or a committed miss) but a number nobody has checked in yet.
NOT_MEASURED = "baseline not measured"


def grade_band(value: float, *, committed: bool = False) -> str:
    """Where a grade sits: 0.6-0.7 is success for an aspirational KR; 1.0 may mean too easy.
    A committed KR is expected to reach 1.0: it is met, or a committed miss."""
    if committed:
        return "met" if value >= 1.0 else COMMITTED_MISS
    low, high = GRADE_BAND
    if value >= 1.0:
        return "maybe too easy"
    if value > high:
        return "above the band"
    if value >= low:
        return "in the band"
    return "learning"


def forecast(points: Sequence[tuple[date, float]], day: date) -> float | None:
    """The value on `day` by a least-squares line through the recent points (at least two
    distinct dates); None when there is no trend to follow."""
    if len({d for d, _ in points}) < 2:
        return None
    xs = [d.toordinal() for d, _ in points]
    ys = [v for _, v in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return mean_y + slope * (day.toordinal() - mean_x)
