"""Unit tests for okrsheet.domain.scoring: progress, pace, status, grades and the lagging report.

Every date is fixed; nothing here depends on today.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from okrsheet.domain.model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Plan,
    Settings,
    Status,
)
from okrsheet.domain.scoring import (
    GRADE_BAND,
    Lag,
    days_since_checkin,
    expected_progress,
    forecast,
    grade,
    grade_band,
    lag_reasons,
    lagging,
    objective_expected,
    objective_grade,
    objective_progress,
    objective_status,
    overachievement,
    progress,
    progress_at,
    quiet_owners,
    raw_progress,
    score_kr,
    score_plan,
    status,
    weighted_mean,
)

# A 100-day cycle makes elapsed fractions exact: day n is n/100 of the way.
START = date(2026, 1, 1)
END = START + timedelta(days=100)  # 2026-04-11
CYCLE = Cycle(name="test", start=START, end=END)
Q4 = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
DEFAULTS = Settings()


def day(n: int) -> date:
    return START + timedelta(days=n)


def kr(**overrides: Any) -> KeyResult:
    fields: dict[str, Any] = {
        "id": "KR1",
        "objective_id": "O1",
        "title": "Grow pipeline",
        "owner": "Ana",
        "kind": KRKind.INCREASE,
        "start": 0.0,
        "target": 100.0,
        "due": END,
    }
    fields.update(overrides)
    return KeyResult(**fields)


def milestone(current: float | None = None, **overrides: Any) -> KeyResult:
    return kr(kind=KRKind.MILESTONE, start=0, target=1, current=current, **overrides)


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    "key_result",
    [
        kr(),
        kr(kind=KRKind.DECREASE, start=9, target=6),
        kr(kind=KRKind.KEEP_ABOVE, start=0, target=50),
        kr(kind=KRKind.KEEP_BELOW, start=0, target=5),
        milestone(),
        kr(baseline=True, start=None),
    ],
    ids=["increase", "decrease", "keep-above", "keep-below", "milestone", "baseline"],
)
def test_progress_at_many_values_is_progress_at_each(key_result: KeyResult) -> None:
    at = progress_at(key_result)
    for value in (-1e9, -3.0, 0.0, -0.0, 0.5, 1.0, 5.0, 6.0, 7.5, 40.0, 50.0, 99.9, 100.0, 250.0):
        assert at(value) == progress(key_result, value), value


@pytest.mark.parametrize(
    ("start", "target", "current", "expected"),
    [
        (0, 100, None, 0.0),
        (0, 100, 0, 0.0),
        (0, 100, 25, 0.25),
        (0, 100, 100, 1.0),
        (20, 120, 70, 0.5),
        (-10, 10, 0, 0.5),
        (1000, 2000, 1500, 0.5),
    ],
)
def test_progress_increase(
    start: float, target: float, current: float | None, expected: float
) -> None:
    result = progress(kr(start=start, target=target, current=current))
    assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (None, 0.0),
        (9, 0.0),
        (8, 1 / 3),
        (7.5, 0.5),
        (7, 2 / 3),
        (6, 1.0),
    ],
)
def test_progress_decrease_lower_is_better(current: float | None, expected: float) -> None:
    # "reduce time to close from 9 to 6 months"
    k = kr(kind=KRKind.DECREASE, start=9, target=6, current=current)
    assert progress(k) == pytest.approx(expected)


def test_decrease_going_the_wrong_way_scores_zero_not_negative() -> None:
    k = kr(kind=KRKind.DECREASE, start=9, target=6, current=12)
    assert raw_progress(k) == pytest.approx(-1.0)
    assert progress(k) == 0.0
    assert overachievement(k) == 0.0


def test_decrease_overachieved() -> None:
    k = kr(kind=KRKind.DECREASE, start=9, target=6, current=4.5)
    assert progress(k) == 1.0
    assert overachievement(k) == pytest.approx(0.5)


def test_increase_below_start_clamps_to_zero() -> None:
    k = kr(start=50, target=100, current=25)
    assert raw_progress(k) == pytest.approx(-0.5)
    assert progress(k) == 0.0


@pytest.mark.parametrize(
    ("current", "clamped", "extra"),
    [(150, 1.0, 0.5), (300, 1.0, 2.0), (100, 1.0, 0.0), (99, 0.99, 0.0)],
)
def test_overachievement_is_kept_apart(current: float, clamped: float, extra: float) -> None:
    k = kr(current=current)
    assert progress(k) == pytest.approx(clamped)
    assert overachievement(k) == pytest.approx(extra)


@pytest.mark.parametrize(("current", "expected"), [(None, 0.0), (0, 0.0), (1, 1.0)])
def test_progress_milestone(current: float | None, expected: float) -> None:
    assert progress(milestone(current)) == expected
    assert overachievement(milestone(current)) == 0.0


@pytest.mark.parametrize(
    ("kind", "target", "current", "expected"),
    [
        (KRKind.KEEP_ABOVE, 95, 96, 1.0),
        (KRKind.KEEP_ABOVE, 95, 95, 1.0),
        (KRKind.KEEP_ABOVE, 95, 94.9, 0.0),
        (KRKind.KEEP_BELOW, 5, 4, 1.0),
        (KRKind.KEEP_BELOW, 5, 5, 1.0),
        (KRKind.KEEP_BELOW, 5, 5.1, 0.0),
    ],
)
def test_progress_thresholds(kind: KRKind, target: float, current: float, expected: float) -> None:
    k = kr(kind=kind, start=target, target=target, current=current)
    assert progress(k) == expected
    assert overachievement(k) == 0.0


# --------------------------------------------------------------------------- expected progress


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (START - timedelta(days=5), 0.0),
        (START, 0.0),
        (day(10), 0.10),
        (day(50), 0.5),
        (day(99), 0.99),
        (END, 1.0),
        (END + timedelta(days=30), 1.0),
    ],
)
def test_expected_progress_from_cycle_start_to_due(as_of: date, expected: float) -> None:
    assert expected_progress(kr(), CYCLE, as_of) == pytest.approx(expected)


def test_expected_progress_uses_the_kr_due_date_not_the_cycle_end() -> None:
    early = kr(due=day(40))
    assert expected_progress(early, CYCLE, day(20)) == pytest.approx(0.5)
    assert expected_progress(early, CYCLE, day(40)) == 1.0
    assert expected_progress(early, CYCLE, day(70)) == 1.0  # due date in the past


def test_expected_progress_due_on_cycle_start() -> None:
    k = kr(due=START)
    assert expected_progress(k, CYCLE, START - timedelta(days=1)) == 0.0
    assert expected_progress(k, CYCLE, START) == 1.0


@pytest.mark.parametrize("kind", [KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW])
def test_thresholds_are_expected_to_hold_all_the_time(kind: KRKind) -> None:
    assert expected_progress(kr(kind=kind, start=5, target=5), CYCLE, day(1)) == 1.0


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("as_of", "current", "expected"),
    [
        # expected 0.5 on day 50
        (day(50), 50, Status.ON_TRACK),
        (day(50), 40, Status.ON_TRACK),  # gap exactly 0.10
        (day(50), 39.9, Status.AT_RISK),  # just over 0.10
        (day(50), 25, Status.AT_RISK),  # gap exactly 0.25
        (day(50), 24.9, Status.OFF_TRACK),  # just over 0.25
        (day(50), 0, Status.OFF_TRACK),
        (day(50), 90, Status.ON_TRACK),  # ahead of pace
        # float noise must not push an exact boundary over
        (day(40), 30, Status.ON_TRACK),  # 0.4 - 0.3 = 0.10000000000000003
        (day(70), 60, Status.ON_TRACK),
        (day(35), 10, Status.AT_RISK),  # 0.35 - 0.10 = 0.25 (approximately)
        (day(85), 60, Status.AT_RISK),
    ],
)
def test_status_gap_rule_default_thresholds(as_of: date, current: float, expected: Status) -> None:
    assert status(kr(current=current), CYCLE, as_of, DEFAULTS) is expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (45, Status.ON_TRACK),  # gap 0.05
        (44, Status.AT_RISK),  # gap 0.06
        (35, Status.AT_RISK),  # gap 0.15
        (34, Status.OFF_TRACK),  # gap 0.16
    ],
)
def test_status_gap_rule_custom_thresholds(current: float, expected: Status) -> None:
    settings = Settings(on_track_gap=0.05, at_risk_gap=0.15)
    assert status(kr(current=current), CYCLE, day(50), settings) is expected


def test_status_custom_thresholds_differ_from_defaults() -> None:
    k = kr(current=42)  # gap 0.08
    assert status(k, CYCLE, day(50), DEFAULTS) is Status.ON_TRACK
    assert status(k, CYCLE, day(50), Settings(on_track_gap=0.05, at_risk_gap=0.3)) is (
        Status.AT_RISK
    )


@pytest.mark.parametrize("as_of", [day(10), day(50), END, END + timedelta(days=10)])
def test_status_done_when_target_reached(as_of: date) -> None:
    assert status(kr(current=100), CYCLE, as_of, DEFAULTS) is Status.DONE
    assert status(kr(current=130), CYCLE, as_of, DEFAULTS) is Status.DONE


def test_status_done_for_decrease_at_target() -> None:
    k = kr(kind=KRKind.DECREASE, start=9, target=6, current=6)
    assert status(k, CYCLE, day(20), DEFAULTS) is Status.DONE


def test_status_overdue_after_due_date() -> None:
    k = kr(current=95)
    assert status(k, CYCLE, END, DEFAULTS) is Status.ON_TRACK  # on the due day: gap 0.05
    assert status(k, CYCLE, END + timedelta(days=1), DEFAULTS) is Status.OVERDUE


def test_status_overdue_for_a_kr_due_before_cycle_end() -> None:
    k = kr(due=day(30), current=10)
    assert status(k, CYCLE, day(31), DEFAULTS) is Status.OVERDUE


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (START, Status.NOT_STARTED),
        (day(5), Status.NOT_STARTED),
        (day(10), Status.NOT_STARTED),  # gap exactly 0.10, still early
        (day(20), Status.AT_RISK),  # no value and already behind
        (day(60), Status.OFF_TRACK),
    ],
)
def test_status_not_started_only_while_early(as_of: date, expected: Status) -> None:
    assert status(kr(current=None), CYCLE, as_of, DEFAULTS) is expected


@pytest.mark.parametrize(
    ("current", "as_of", "expected"),
    [
        (None, day(90), Status.NOT_STARTED),
        (0, day(90), Status.ON_TRACK),  # a milestone has no pace before its due date
        (1, day(10), Status.DONE),
        (0, END + timedelta(days=1), Status.OVERDUE),
        (None, END + timedelta(days=1), Status.OVERDUE),
    ],
)
def test_status_milestone(current: float | None, as_of: date, expected: Status) -> None:
    assert status(milestone(current), CYCLE, as_of, DEFAULTS) is expected


@pytest.mark.parametrize(
    ("kind", "current", "as_of", "expected"),
    [
        (KRKind.KEEP_ABOVE, 96, day(50), Status.ON_TRACK),  # holds, but the cycle is not over
        (KRKind.KEEP_ABOVE, 94, day(50), Status.OFF_TRACK),
        (KRKind.KEEP_ABOVE, None, day(50), Status.NOT_STARTED),
        (KRKind.KEEP_ABOVE, 96, END, Status.DONE),
        (KRKind.KEEP_ABOVE, 94, END + timedelta(days=1), Status.OVERDUE),
        (KRKind.KEEP_BELOW, 94, day(50), Status.ON_TRACK),
        (KRKind.KEEP_BELOW, 96, day(50), Status.OFF_TRACK),
        (KRKind.KEEP_BELOW, 94, END, Status.DONE),
    ],
)
def test_status_thresholds(
    kind: KRKind, current: float | None, as_of: date, expected: Status
) -> None:
    k = kr(kind=kind, start=95, target=95, current=current)
    assert status(k, CYCLE, as_of, DEFAULTS) is expected


# --------------------------------------------------------------------------- grades


@pytest.mark.parametrize(
    ("current", "expected"),
    [(0, 0.0), (65, 0.65), (66.666, 0.67), (100, 1.0), (140, 1.0), (-20, 0.0)],
)
def test_grade_increase_rounds_to_two_places(current: float, expected: float) -> None:
    assert grade(kr(current=current)) == expected


def test_grade_decrease() -> None:
    assert grade(kr(kind=KRKind.DECREASE, start=9, target=6, current=7)) == 0.67


@pytest.mark.parametrize(("current", "expected"), [(None, 0.0), (0, 0.0), (1, 1.0)])
def test_grade_milestone_is_zero_or_one(current: float | None, expected: float) -> None:
    assert grade(milestone(current)) == expected


@pytest.mark.parametrize(
    ("kind", "current", "expected"),
    [
        (KRKind.KEEP_ABOVE, 95, 1.0),
        (KRKind.KEEP_ABOVE, 94.99, 0.0),
        (KRKind.KEEP_BELOW, 95, 1.0),
        (KRKind.KEEP_BELOW, 95.01, 0.0),
    ],
)
def test_grade_thresholds_are_zero_or_one(kind: KRKind, current: float, expected: float) -> None:
    assert grade(kr(kind=kind, start=95, target=95, current=current)) == expected


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0.0, "learning"),
        (0.3, "learning"),
        (0.59, "learning"),
        (0.6, "in the band"),
        (0.65, "in the band"),
        (0.7, "in the band"),
        (0.71, "above the band"),
        (0.99, "above the band"),
        (1.0, "maybe too easy"),
    ],
)
def test_grade_band(value: float, band: str) -> None:
    assert grade_band(value) == band


def test_grade_band_constant() -> None:
    assert GRADE_BAND == (0.6, 0.7)


# --------------------------------------------------------------------------- roll-ups


def test_weighted_mean() -> None:
    assert weighted_mean([(1.0, 3.0), (0.0, 1.0)]) == 0.75
    assert weighted_mean([(0.5, 1.0)]) == 0.5
    assert weighted_mean([]) is None


def test_objective_progress_is_the_weighted_mean() -> None:
    heavy_done = kr(id="A", current=100, weight=3)
    light_none = kr(id="B", current=0, weight=1)
    assert objective_progress([heavy_done, light_none]) == pytest.approx(0.75)
    # swapping the weights changes the answer: weights matter
    heavy_none = kr(id="A", current=0, weight=3)
    light_done = kr(id="B", current=100, weight=1)
    assert objective_progress([heavy_none, light_done]) == pytest.approx(0.25)


def test_objective_progress_equal_weights_is_plain_mean() -> None:
    krs = [kr(id="A", current=20), kr(id="B", current=40), kr(id="C", current=90)]
    assert objective_progress(krs) == pytest.approx(0.5)


def test_objective_progress_uses_clamped_progress() -> None:
    krs = [kr(id="A", current=300), kr(id="B", current=0)]
    assert objective_progress(krs) == pytest.approx(0.5)


def test_objective_progress_of_nothing_is_none() -> None:
    assert objective_progress([]) is None
    assert objective_grade([]) is None
    assert objective_expected([], CYCLE, day(50)) is None


def test_objective_expected() -> None:
    krs = [kr(id="A", due=day(50), weight=1), kr(id="B", due=END, weight=1)]
    assert objective_expected(krs, CYCLE, day(25)) == pytest.approx((0.5 + 0.25) / 2)


def test_objective_grade_weighted_and_rounded() -> None:
    krs = [milestone(1, id="A", weight=2), kr(id="B", current=33.3, weight=1)]
    assert objective_grade(krs) == round((2 * 1.0 + 0.33) / 3, 2)


def test_objective_status_is_the_worst() -> None:
    assert objective_status([Status.DONE, Status.ON_TRACK, Status.AT_RISK]) is Status.AT_RISK
    assert objective_status([Status.OFF_TRACK, Status.OVERDUE]) is Status.OVERDUE
    assert objective_status([Status.DONE, Status.NOT_STARTED]) is Status.NOT_STARTED
    assert objective_status([Status.DONE]) is Status.DONE
    assert objective_status([]) is None


def test_score_kr() -> None:
    score = score_kr(kr(current=30), CYCLE, day(50), DEFAULTS)
    assert score.progress == pytest.approx(0.3)
    assert score.expected == pytest.approx(0.5)
    assert score.status is Status.AT_RISK
    assert score.days_to_due == 50
    assert score.overachievement == 0.0


def test_score_plan() -> None:
    objective = Objective(id="O1", title="Win", level=Level.CORPORATE, owner="Ana")
    plan = Plan(
        cycle=CYCLE,
        objectives=(objective,),
        key_results=(kr(id="A", current=100), kr(id="B", current=0, objective_id="O1")),
    )
    [scored] = score_plan(plan, day(50))
    assert scored.objective == objective
    assert scored.progress == pytest.approx(0.5)
    assert scored.expected == pytest.approx(0.5)
    assert [s.status for s in scored.key_results] == [Status.DONE, Status.OFF_TRACK]
    assert scored.status is Status.OFF_TRACK


def test_the_same_plan_on_the_same_day_is_scored_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import okrsheet.domain.scoring as scoring

    objective = Objective(id="O1", title="Win", level=Level.CORPORATE, owner="Ana")
    plan = Plan(cycle=CYCLE, objectives=(objective,), key_results=(kr(id="A", current=40),))
    scored: list[date] = []
    real = scoring.score_key_results

    def counted(plan: Plan, as_of: date) -> Any:
        scored.append(as_of)
        return real(plan, as_of)

    monkeypatch.setattr(scoring, "score_key_results", counted)
    first = score_plan(plan, day(50))
    again = score_plan(plan, day(50))
    assert again == first and again is not first  # a list of its own for each caller
    assert scored == [day(50)]
    # Another day, or another plan (even an equal copy), is scored afresh.
    later = score_plan(plan, day(90))
    assert later[0].key_results[0].status != first[0].key_results[0].status
    assert score_plan(plan.model_copy(), day(90)) == later
    assert scored == [day(50), day(90), day(90)]


# --------------------------------------------------------------------------- lag reasons


def lag_of(k: KeyResult, as_of: date, settings: Settings = DEFAULTS) -> Lag:
    return lag_reasons(score_kr(k, CYCLE, as_of, settings), CYCLE, as_of, settings)


def test_behind_pace_wording_gives_points() -> None:
    k = kr(current=30, last_checkin=day(49))
    lag = lag_of(k, day(50))
    assert lag.codes == ("behind",)
    assert lag.sentences == ("20 points behind pace",)


def test_off_track_also_behind() -> None:
    lag = lag_of(kr(current=10, last_checkin=day(49)), day(50))
    assert lag.score.status is Status.OFF_TRACK
    assert lag.reasons == (("behind", "40 points behind pace"),)


def test_on_track_fresh_confident_kr_does_not_lag() -> None:
    lag = lag_of(kr(current=45, confidence=0.8, last_checkin=day(48)), day(50))
    assert lag.reasons == ()


def test_overdue_reason_counts_days() -> None:
    lag = lag_of(kr(current=50, last_checkin=END), END + timedelta(days=4))
    assert ("overdue", "overdue by 4 day(s)") in lag.reasons
    assert "behind" not in lag.codes


@pytest.mark.parametrize(
    ("kind", "current", "sentence"),
    [
        (KRKind.KEEP_ABOVE, 90, "below the threshold of 95"),
        (KRKind.KEEP_BELOW, 99, "above the threshold of 95"),
    ],
)
def test_threshold_lag_wording(kind: KRKind, current: float, sentence: str) -> None:
    k = kr(kind=kind, start=95, target=95, current=current, last_checkin=day(49))
    assert lag_of(k, day(50)).reasons == (("behind", sentence),)


@pytest.mark.parametrize(
    ("idle", "stale"),
    [(0, False), (7, False), (10, False), (11, True), (30, True)],
)
def test_stale_after_cadence_plus_grace(idle: int, stale: bool) -> None:
    as_of = day(60)
    k = kr(current=60, last_checkin=as_of - timedelta(days=idle))
    lag = lag_of(k, as_of)
    assert ("stale" in lag.codes) is stale
    if stale:
        assert lag.sentences == (f"no check-in for {idle} days",)


def test_stale_limits_come_from_settings() -> None:
    settings = Settings(cadence_days=14, stale_grace_days=0)
    as_of = day(60)
    assert lag_of(kr(current=60, last_checkin=day(46)), as_of, settings).reasons == ()
    assert lag_of(kr(current=60, last_checkin=day(45)), as_of, settings).codes == ("stale",)


def test_stale_without_any_checkin_counts_from_cycle_start() -> None:
    lag = lag_of(kr(current=None), day(5))
    assert lag.reasons == ()  # early, not started, not stale yet
    lag = lag_of(kr(current=None), day(12))
    assert "stale" in lag.codes
    assert "no check-in this cycle (12 days)" in lag.sentences


@pytest.mark.parametrize(
    ("confidence", "low"), [(0.2, True), (0.49, True), (0.5, False), (0.9, False), (None, False)]
)
def test_low_confidence(confidence: float | None, low: bool) -> None:
    k = kr(current=50, confidence=confidence, last_checkin=day(49))
    lag = lag_of(k, day(50))
    assert ("low-confidence" in lag.codes) is low
    if low:
        assert confidence is not None
        assert lag.sentences == (f"confidence {confidence * 100:.0f}% (below 50%)",)


def test_low_confidence_limit_from_settings() -> None:
    settings = Settings(low_confidence=0.8)
    lag = lag_of(kr(current=50, confidence=0.7, last_checkin=day(49)), day(50), settings)
    assert lag.reasons == (("low-confidence", "confidence 70% (below 80%)"),)


def test_several_reasons_together() -> None:
    k = kr(current=10, confidence=0.3, last_checkin=day(20))
    lag = lag_of(k, day(50))
    assert lag.codes == ("behind", "stale", "low-confidence")


def test_done_kr_never_lags() -> None:
    k = kr(current=100, confidence=0.1, last_checkin=day(1))
    assert lag_of(k, day(90)).reasons == ()


def test_nothing_lags_before_the_cycle_starts() -> None:
    k = kr(current=None, confidence=0.1)
    assert lag_of(k, START - timedelta(days=3)).reasons == ()


def _plan(krs: list[KeyResult], settings: Settings = DEFAULTS) -> Plan:
    objective = Objective(id="O1", title="Win", level=Level.CORPORATE, owner="Ana")
    return Plan(cycle=CYCLE, settings=settings, objectives=(objective,), key_results=tuple(krs))


def test_lagging_lists_only_krs_that_need_attention_worst_first() -> None:
    plan = _plan(
        [
            kr(id="FINE", current=50, last_checkin=day(49)),
            kr(id="RISK", current=30, last_checkin=day(49)),
            kr(id="OFF", current=5, last_checkin=day(49)),
            kr(id="DONE", current=100, last_checkin=day(2)),
            kr(id="SHAKY", current=50, confidence=0.2, last_checkin=day(49)),
            kr(id="OVER", current=10, due=day(40), last_checkin=day(39)),
        ]
    )
    ids = [lag.score.kr.id for lag in lagging(plan, day(50))]
    assert ids == ["OVER", "OFF", "RISK", "SHAKY"]


def test_lagging_ties_broken_by_number_of_reasons() -> None:
    plan = _plan(
        [
            kr(id="ONE", current=30, last_checkin=day(49)),
            kr(id="THREE", current=30, confidence=0.1, last_checkin=day(20)),
        ]
    )
    assert [lag.score.kr.id for lag in lagging(plan, day(50))] == ["THREE", "ONE"]


def test_lagging_empty_plan() -> None:
    assert lagging(_plan([]), day(50)) == []


# --------------------------------------------------------------------------- quiet owners


def test_quiet_owners() -> None:
    as_of = day(50)
    plan = _plan(
        [
            kr(id="A1", owner="Ana", current=50, last_checkin=day(48)),
            kr(id="A2", owner="Ana", current=50, last_checkin=day(20)),
            kr(id="B1", owner="Ben", current=50, last_checkin=day(30)),
            kr(id="B2", owner="Ben", current=50, last_checkin=day(40)),
            kr(id="C1", owner="Cy", current=None),
            kr(id="D1", owner="Dee", current=100, last_checkin=day(1)),  # all done
        ]
    )
    quiet = quiet_owners(plan, as_of)
    assert [(q.owner, q.last_checkin, q.key_results) for q in quiet] == [
        ("Ben", day(40), 2),
        ("Cy", None, 1),
    ]


def test_quiet_owners_ignores_checkins_after_as_of() -> None:
    plan = _plan([kr(owner="Ana", current=50, last_checkin=day(60))])
    [quiet] = quiet_owners(plan, day(50))
    assert quiet.owner == "Ana"
    assert quiet.last_checkin is None


def test_quiet_owners_uses_the_cadence_setting() -> None:
    krs = [kr(owner="Ana", current=50, last_checkin=day(40))]
    assert [q.owner for q in quiet_owners(_plan(krs), day(50))] == ["Ana"]
    assert quiet_owners(_plan(krs, Settings(cadence_days=14)), day(50)) == []


# --------------------------------------------------------------------------- days since check-in


def test_days_since_checkin() -> None:
    assert days_since_checkin(kr(last_checkin=day(40)), CYCLE, day(50)) == 10
    assert days_since_checkin(kr(last_checkin=day(50)), CYCLE, day(50)) == 0
    assert days_since_checkin(kr(), CYCLE, day(50)) == 50  # none: since the cycle start


def test_days_since_checkin_in_q4() -> None:
    k = kr(due=Q4.end, last_checkin=date(2026, 11, 2))
    assert days_since_checkin(k, Q4, date(2026, 11, 16)) == 14


# --------------------------------------------------------------------------- forecast


def test_forecast_on_a_clean_linear_series() -> None:
    points = [(day(n), 10 + 2 * n) for n in (0, 7, 14, 21)]
    assert forecast(points, day(28)) == pytest.approx(66.0)
    assert forecast(points, day(100)) == pytest.approx(210.0)
    assert forecast(points, day(7)) == pytest.approx(24.0)


def test_forecast_on_a_falling_series() -> None:
    points = [(day(0), 9.0), (day(10), 8.0), (day(20), 7.0)]
    assert forecast(points, day(30)) == pytest.approx(6.0)


def test_forecast_flat_series() -> None:
    points = [(day(0), 5.0), (day(10), 5.0)]
    assert forecast(points, day(90)) == pytest.approx(5.0)


def test_forecast_least_squares_through_noise() -> None:
    # scattered points: the fit is the least-squares line, not a line through any two
    points = [(day(0), 1.0), (day(1), 0.0), (day(2), 3.0), (day(3), 2.0)]
    # slope 0.6, intercept 0.6
    assert forecast(points, day(10)) == pytest.approx(0.6 + 0.6 * 10)


@pytest.mark.parametrize(
    "points",
    [
        [],
        [(day(0), 5.0)],
        [(day(3), 5.0), (day(3), 8.0)],  # two values, one date: no trend
    ],
)
def test_forecast_with_too_few_points(points: list[tuple[date, float]]) -> None:
    assert forecast(points, day(50)) is None


def test_forecast_accepts_checkin_dates() -> None:
    checkins = [
        CheckIn(date=date(2026, 10, 5), kr_id="KR1", value=10),
        CheckIn(date=date(2026, 10, 19), kr_id="KR1", value=24),
    ]
    points = [(c.date, c.value) for c in checkins]
    assert forecast(points, date(2026, 11, 2)) == pytest.approx(38.0)
