"""Unit tests for okrsheet.domain.model (and okrsheet.domain.vocab): validation rules and
plan-wide checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from okrsheet.domain import vocab
from okrsheet.domain.model import (
    BENCHMARK_HINT,
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Plan,
    Problem,
    Settings,
    Status,
    check_plan,
    checkin_order,
    current_quarter,
    cycle_from_name,
    filter_plan,
    infer_kind,
    next_cycle_name,
    owners,
    reconcile,
    rewind,
    unlogged_and_unapplied,
)

Q4 = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))


def make_kr(**overrides: Any) -> KeyResult:
    fields: dict[str, Any] = {
        "id": "KR1",
        "objective_id": "O1",
        "title": "Grow pipeline",
        "owner": "Ana",
        "kind": KRKind.INCREASE,
        "start": 0.0,
        "target": 100.0,
        "due": date(2026, 12, 31),
    }
    fields.update(overrides)
    return KeyResult(**fields)


def make_objective(**overrides: Any) -> Objective:
    fields: dict[str, Any] = {
        "id": "O1",
        "title": "Win the mid-market",
        "level": Level.CORPORATE,
        "owner": "Ana",
    }
    fields.update(overrides)
    return Objective(**fields)


def krs_for(objective_id: str, count: int, owner: str = "Ana") -> list[KeyResult]:
    return [
        make_kr(id=f"{objective_id}-KR{n}", objective_id=objective_id, owner=owner)
        for n in range(1, count + 1)
    ]


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def error_text(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " | ".join(f"{e['loc']}: {e['msg']}" for e in exc.value.errors())


# --------------------------------------------------------------------------- vocab


def test_vocab_is_reexported_by_the_model() -> None:
    assert KRKind is vocab.KRKind
    assert Level is vocab.Level
    assert Status is vocab.Status


@pytest.mark.parametrize(
    ("member", "text"),
    [
        (KRKind.INCREASE, "increase"),
        (KRKind.DECREASE, "decrease"),
        (KRKind.MILESTONE, "milestone"),
        (KRKind.KEEP_ABOVE, "keep above"),
        (KRKind.KEEP_BELOW, "keep below"),
        (Level.CORPORATE, "corporate"),
        (Level.TEAM, "team"),
        (Level.INDIVIDUAL, "individual"),
        (Status.DONE, "done"),
        (Status.ON_TRACK, "on track"),
        (Status.AT_RISK, "at risk"),
        (Status.OFF_TRACK, "off track"),
        (Status.OVERDUE, "overdue"),
        (Status.NOT_STARTED, "not started"),
    ],
)
def test_vocab_values_are_the_words_people_read(member: str, text: str) -> None:
    assert member == text
    assert str(member) == text


# --------------------------------------------------------------------------- settings


def test_settings_defaults() -> None:
    s = Settings()
    assert (s.cadence_days, s.stale_grace_days) == (7, 3)
    assert (s.on_track_gap, s.at_risk_gap) == (0.10, 0.25)
    assert s.low_confidence == 0.5
    assert s.max_objectives_per_owner == 3
    assert (s.min_krs_per_objective, s.max_krs_per_objective) == (3, 5)
    assert s.date_order == "MDY"


def test_settings_at_risk_gap_below_on_track_gap_is_invalid() -> None:
    with pytest.raises(ValidationError, match="at-risk gap"):
        Settings(on_track_gap=0.3, at_risk_gap=0.2)


def test_settings_equal_gaps_are_allowed() -> None:
    assert Settings(on_track_gap=0.2, at_risk_gap=0.2).at_risk_gap == 0.2


def test_settings_max_krs_below_min_is_invalid() -> None:
    with pytest.raises(ValidationError, match="maximum KRs"):
        Settings(min_krs_per_objective=4, max_krs_per_objective=2)


@pytest.mark.parametrize(
    "fields",
    [
        {"cadence_days": 0},
        {"cadence_days": 367},
        {"stale_grace_days": -1},
        {"on_track_gap": 1.5},
        {"low_confidence": -0.1},
        {"max_objectives_per_owner": 0},
        {"date_order": "YMD"},
        {"colour": "blue"},
    ],
)
def test_settings_rejects_out_of_range_values(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**fields)


def test_settings_are_frozen() -> None:
    with pytest.raises(ValidationError):
        Settings().cadence_days = 14


# --------------------------------------------------------------------------- cycle


def test_cycle_end_before_start_is_invalid() -> None:
    with pytest.raises(ValidationError) as info:
        Cycle(name="bad", start=date(2026, 12, 31), end=date(2026, 10, 1))
    assert "2026-10-01" in str(info.value)
    assert "2026-12-31" in str(info.value)
    assert "before it starts" in str(info.value)


def test_cycle_of_one_day_is_invalid() -> None:
    with pytest.raises(ValidationError, match="on or before"):
        Cycle(name="bad", start=date(2026, 10, 1), end=date(2026, 10, 1))


def test_cycle_needs_a_name() -> None:
    with pytest.raises(ValidationError):
        Cycle(name="", start=date(2026, 10, 1), end=date(2026, 12, 31))


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2026, 9, 30), False),
        (date(2026, 10, 1), True),
        (date(2026, 11, 16), True),
        (date(2026, 12, 31), True),
        (date(2027, 1, 1), False),
    ],
)
def test_cycle_contains_is_inclusive(day: date, inside: bool) -> None:
    assert Q4.contains(day) is inside


def test_cycle_days() -> None:
    assert Q4.days == 91


# --------------------------------------------------------------------------- objective


def test_objective_level_from_text() -> None:
    assert make_objective(level="team").level is Level.TEAM


@pytest.mark.parametrize("field", ["id", "title", "owner"])
def test_objective_required_text_cannot_be_blank(field: str) -> None:
    with pytest.raises(ValidationError):
        make_objective(**{field: "   "})


def test_objective_strips_whitespace() -> None:
    assert make_objective(title="  Win  ").title == "Win"


# --------------------------------------------------------------------------- key result


def test_valid_key_result() -> None:
    kr = make_kr(current=40, confidence=0.7, weight=2)
    assert kr.start_value == 0
    assert kr.target_value == 100
    assert kr.due_date == date(2026, 12, 31)
    assert kr.value == 40


def test_value_falls_back_to_start_when_nothing_recorded() -> None:
    assert make_kr(start=12.0, target=20.0).value == 12.0


def test_missing_start_suggests_benchmarking() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(start=None)
    text = error_text(info)
    assert "start" in text
    assert "missing" in text
    assert BENCHMARK_HINT in text
    assert "benchmark" in BENCHMARK_HINT


def test_start_omitted_entirely_is_still_reported() -> None:
    fields: dict[str, Any] = {
        "id": "KR1",
        "objective_id": "O1",
        "title": "t",
        "owner": "Ana",
        "kind": "increase",
        "target": 10,
        "due": date(2026, 12, 31),
    }
    with pytest.raises(ValidationError) as info:
        KeyResult(**fields)
    assert BENCHMARK_HINT in error_text(info)


def test_missing_target_is_invalid() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(target=None)
    assert "target is missing" in error_text(info)


def test_missing_due_date_is_invalid() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(due=None)
    assert "due date is missing" in error_text(info)
    assert "time-bound" in error_text(info)


def test_missing_all_three_reports_all_three() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(start=None, target=None, due=None)
    fields = {e["loc"][0] for e in info.value.errors()}
    assert {"start", "target", "due"} <= fields


@pytest.mark.parametrize("kind", [KRKind.INCREASE, KRKind.DECREASE])
def test_start_equal_to_target_is_invalid_for_directional_kinds(kind: KRKind) -> None:
    with pytest.raises(ValidationError, match="nothing to move"):
        make_kr(kind=kind, start=50, target=50)


@pytest.mark.parametrize("kind", [KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW])
def test_start_equal_to_target_is_fine_for_thresholds(kind: KRKind) -> None:
    assert make_kr(kind=kind, start=50, target=50).target == 50


def test_increase_with_target_below_start_is_invalid() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(kind=KRKind.INCREASE, start=9, target=6)
    assert "below the start" in error_text(info)
    assert "decrease" in error_text(info)


def test_decrease_with_target_above_start_is_invalid() -> None:
    with pytest.raises(ValidationError) as info:
        make_kr(kind=KRKind.DECREASE, start=6, target=9)
    assert "above the start" in error_text(info)


def test_decrease_going_down_is_valid() -> None:
    kr = make_kr(kind=KRKind.DECREASE, start=9, target=6)
    assert (kr.start, kr.target) == (9, 6)


@pytest.mark.parametrize(("start", "target"), [(0, 2), (1, 0), (0, 0), (1, 1), (0, 100)])
def test_milestone_must_go_from_zero_to_one(start: float, target: float) -> None:
    with pytest.raises(ValidationError, match="milestone goes from 0"):
        make_kr(kind=KRKind.MILESTONE, start=start, target=target)


def test_milestone_zero_to_one_is_valid() -> None:
    assert make_kr(kind=KRKind.MILESTONE, start=0, target=1).kind is KRKind.MILESTONE


@pytest.mark.parametrize("weight", [0, -1, -0.5, float("nan"), float("inf")])
def test_weight_must_be_positive(weight: float) -> None:
    with pytest.raises(ValidationError, match="weight must be a positive number"):
        make_kr(weight=weight)


@pytest.mark.parametrize("weight", [0.1, 1, 3])
def test_positive_weights_are_valid(weight: float) -> None:
    assert make_kr(weight=weight).weight == weight


@pytest.mark.parametrize("confidence", [-0.01, 1.01, 7, 70, -1, float("nan")])
def test_confidence_outside_zero_to_one_is_invalid(confidence: float) -> None:
    with pytest.raises(ValidationError, match="confidence must lie between 0 and 1"):
        make_kr(confidence=confidence)


@pytest.mark.parametrize("confidence", [0, 0.5, 1, None])
def test_confidence_inside_zero_to_one_is_valid(confidence: float | None) -> None:
    assert make_kr(confidence=confidence).confidence == confidence


@pytest.mark.parametrize("grade", [-0.1, 1.1])
def test_grade_outside_zero_to_one_is_invalid(grade: float) -> None:
    with pytest.raises(ValidationError, match="grade must lie between"):
        make_kr(grade=grade)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("start", float("nan")),
        ("start", float("inf")),
        ("target", float("-inf")),
        ("current", float("nan")),
    ],
)
def test_values_must_be_finite(field: str, value: float) -> None:
    with pytest.raises(ValidationError, match="finite"):
        make_kr(**{field: value})


def test_key_result_rejects_unknown_fields_and_is_frozen() -> None:
    with pytest.raises(ValidationError):
        make_kr(colour="red")
    kr = make_kr()
    with pytest.raises(ValidationError):
        kr.current = 5


# --------------------------------------------------------------------------- infer_kind


@pytest.mark.parametrize(
    ("start", "target", "kind"),
    [
        (0, 100, KRKind.INCREASE),
        (9, 6, KRKind.DECREASE),
        (-5, -10, KRKind.DECREASE),
        (-10, -5, KRKind.INCREASE),
        (0.3, 0.2, KRKind.DECREASE),
        (None, 10, KRKind.INCREASE),
        (10, None, KRKind.INCREASE),
        (None, None, KRKind.INCREASE),
    ],
)
def test_infer_kind(start: float | None, target: float | None, kind: KRKind) -> None:
    assert infer_kind(start, target) is kind


def test_inferred_kind_always_makes_a_valid_kr() -> None:
    kr = make_kr(kind=infer_kind(9, 6), start=9, target=6)
    assert kr.kind is KRKind.DECREASE


# --------------------------------------------------------------------------- check-in


def test_valid_checkin() -> None:
    c = CheckIn(date=date(2026, 11, 2), kr_id="KR1", value=40, confidence=0.6, note=" ok ")
    assert c.value == 40.0
    assert c.note == "ok"


@pytest.mark.parametrize(
    "fields",
    [
        {"value": float("nan")},
        {"value": float("inf")},
        {"value": float("-inf")},
        {"confidence": 1.5},
        {"confidence": -0.1},
        {"kr_id": ""},
        {"kr_id": "   "},
        {"date": "someday"},
        {"mood": "happy"},
    ],
)
def test_checkin_constraints(fields: dict[str, Any]) -> None:
    base: dict[str, Any] = {"date": date(2026, 11, 2), "kr_id": "KR1", "value": 40}
    base.update(fields)
    with pytest.raises(ValidationError):
        CheckIn(**base)


def test_checkin_order_uses_recorded_time_within_a_day() -> None:
    early = CheckIn(
        date=date(2026, 11, 2), kr_id="KR1", value=1, recorded_at=datetime(2026, 11, 2, 9)
    )
    late = CheckIn(
        date=date(2026, 11, 2), kr_id="KR1", value=2, recorded_at=datetime(2026, 11, 2, 17)
    )
    undated = CheckIn(date=date(2026, 11, 2), kr_id="KR1", value=3)
    assert sorted([late, undated, early], key=checkin_order) == [undated, early, late]


# --------------------------------------------------------------------------- plan helpers


def test_plan_lookups() -> None:
    o1, o2 = make_objective(id="O1"), make_objective(id="O2")
    k1 = make_kr(id="KR1", objective_id="O1")
    k2 = make_kr(id="KR2", objective_id="O2")
    c_late = CheckIn(date=date(2026, 11, 9), kr_id="KR1", value=20)
    c_early = CheckIn(date=date(2026, 11, 2), kr_id="KR1", value=10)
    plan = Plan(cycle=Q4, objectives=(o1, o2), key_results=(k1, k2), checkins=(c_late, c_early))
    assert plan.objective("O2") == o2
    assert plan.objective("O9") is None
    assert plan.key_result("KR2") == k2
    assert plan.key_result("KR9") is None
    assert plan.krs_by_objective() == {"O1": (k1,), "O2": (k2,)}
    assert plan.checkins_of("KR1") == (c_early, c_late)
    assert plan.checkins_of("KR2") == ()


# --------------------------------------------------------------------------- reconcile


def _plan_with(krs: list[KeyResult], checkins: list[CheckIn]) -> Plan:
    return Plan(
        cycle=Q4,
        objectives=(make_objective(),),
        key_results=tuple(krs),
        checkins=tuple(checkins),
    )


def test_reconcile_a_newer_checkin_is_reported_and_the_row_counts() -> None:
    kr = make_kr(current=None, confidence=0.9)
    plan = _plan_with(
        [kr],
        [
            CheckIn(date=date(2026, 11, 9), kr_id="KR1", value=30, confidence=0.6),
            CheckIn(date=date(2026, 11, 2), kr_id="KR1", value=10, confidence=0.8),
        ],
    )
    updated, problems = reconcile(plan)
    assert updated == plan  # the row is what the sheet shows: it counts
    [problem] = problems
    assert (problem.severity, problem.code, problem.item_id, problem.field) == (
        "warning",
        "unapplied-checkin",
        "checkin#0",
        "value",
    )
    assert "30 on 2026-11-09" in problem.message and "--fix" in problem.message
    unlogged, unapplied = unlogged_and_unapplied(plan)
    assert unlogged == [] and unapplied["KR1"].value == 30


def test_reconcile_same_day_later_recorded_is_the_newest() -> None:
    day = date(2026, 11, 9)
    plan = _plan_with(
        [make_kr()],
        [
            CheckIn(date=day, kr_id="KR1", value=50, recorded_at=datetime(2026, 11, 9, 17)),
            CheckIn(date=day, kr_id="KR1", value=40, recorded_at=datetime(2026, 11, 9, 9)),
        ],
    )
    _, unapplied = unlogged_and_unapplied(plan)
    assert unapplied["KR1"].value == 50


def test_reconcile_ignores_entries_before_the_cycle() -> None:
    kr = make_kr(current=None)
    plan = _plan_with([kr], [CheckIn(date=date(2026, 9, 30), kr_id="KR1", value=99)])
    updated, problems = reconcile(plan)
    assert updated.key_results[0].current is None
    assert updated.key_results[0].last_checkin is None
    assert problems == []


def test_reconcile_entry_on_cycle_start_counts() -> None:
    plan = _plan_with([make_kr()], [CheckIn(date=Q4.start, kr_id="KR1", value=5)])
    _, unapplied = unlogged_and_unapplied(plan)
    assert unapplied["KR1"].date == Q4.start


def test_reconcile_a_current_typed_over_the_newest_checkin_is_drift_and_counts() -> None:
    kr = make_kr(current=25, last_checkin=date(2026, 11, 9))
    plan = _plan_with([kr], [CheckIn(date=date(2026, 11, 9), kr_id="KR1", value=30)])
    updated, problems = reconcile(plan)
    assert updated.key_results[0].current == 25
    [drift] = problems
    assert (drift.severity, drift.code, drift.item_id, drift.field) == (
        "warning",
        "drift",
        "KR1",
        "current",
    )
    assert "25" in drift.message
    assert "30" in drift.message
    assert "2026-11-09" in drift.message
    assert unlogged_and_unapplied(plan) == ([kr], {})


def test_reconcile_nothing_to_say_when_row_and_log_agree() -> None:
    kr = make_kr(current=30.0, last_checkin=date(2026, 11, 9))
    plan = _plan_with([kr], [CheckIn(date=date(2026, 11, 9), kr_id="KR1", value=30)])
    _, problems = reconcile(plan)
    assert problems == []
    assert unlogged_and_unapplied(plan) == ([], {})


def test_reconcile_leaves_krs_without_checkins_alone() -> None:
    kr1 = make_kr(id="KR1", current=12, last_checkin=date(2026, 11, 10))
    kr2 = make_kr(id="KR2", current=7)
    plan = _plan_with([kr1, kr2], [CheckIn(date=date(2026, 11, 9), kr_id="KR1", value=30)])
    updated, problems = reconcile(plan)
    assert updated.key_result("KR2") == kr2
    assert codes(problems) == ["drift"]


# --------------------------------------------------------------------------- rewind


def _history_plan() -> Plan:
    kr = make_kr(current=30, confidence=0.4, last_checkin=date(2026, 11, 16))
    other = make_kr(id="KR2", current=5, last_checkin=date(2026, 10, 5))
    return _plan_with(
        [kr, other],
        [
            CheckIn(date=date(2026, 9, 20), kr_id="KR1", value=1, confidence=0.1),
            CheckIn(date=date(2026, 10, 5), kr_id="KR1", value=10, confidence=0.8),
            CheckIn(date=date(2026, 11, 2), kr_id="KR1", value=20),
            CheckIn(date=date(2026, 11, 16), kr_id="KR1", value=30, confidence=0.4),
            CheckIn(date=date(2026, 10, 5), kr_id="KR2", value=5),
        ],
    )


def test_rewind_to_a_day_between_checkins() -> None:
    rewound = rewind(_history_plan(), date(2026, 11, 9))
    kr = rewound.key_result("KR1")
    assert kr is not None
    assert kr.current == 20
    assert kr.confidence == 0.8  # the last confidence known by then
    assert kr.last_checkin == date(2026, 11, 2)
    assert all(c.date <= date(2026, 11, 9) for c in rewound.checkins)
    assert len(rewound.checkins) == 4


def test_rewind_on_a_checkin_day_includes_it() -> None:
    kr = rewind(_history_plan(), date(2026, 11, 2)).key_result("KR1")
    assert kr is not None
    assert kr.current == 20


def test_rewind_before_any_checkin_this_cycle_clears_the_value() -> None:
    kr = rewind(_history_plan(), date(2026, 10, 3)).key_result("KR1")
    assert kr is not None
    assert kr.current is None
    assert kr.confidence is None
    assert kr.last_checkin is None


def test_rewind_leaves_krs_not_updated_since() -> None:
    plan = _history_plan()
    rewound = rewind(plan, date(2026, 11, 9))
    assert rewound.key_result("KR2") == plan.key_result("KR2")


def test_rewind_to_today_or_later_changes_nothing() -> None:
    plan = _history_plan()
    assert rewind(plan, date(2026, 11, 16)).key_results == plan.key_results
    assert rewind(plan, date(2026, 12, 31)) == plan


# --------------------------------------------------------------------------- check_plan


def _plan(
    objectives: list[Objective],
    krs: list[KeyResult],
    settings: Settings | None = None,
    checkins: list[CheckIn] | None = None,
) -> Plan:
    return Plan(
        cycle=Q4,
        settings=settings or Settings(),
        objectives=tuple(objectives),
        key_results=tuple(krs),
        checkins=tuple(checkins or ()),
    )


def test_a_sound_plan_has_no_problems() -> None:
    corp = make_objective(id="O1")
    team = make_objective(id="O2", level=Level.TEAM, owner="Ben", aligns_to="O1")
    plan = _plan([corp, team], krs_for("O1", 3) + krs_for("O2", 5, owner="Ben"))
    assert check_plan(plan) == []


@pytest.mark.parametrize(("count", "warned"), [(1, False), (3, False), (4, True), (6, True)])
def test_too_many_objectives_per_owner(count: int, warned: bool) -> None:
    objectives = [make_objective(id=f"O{n}") for n in range(1, count + 1)]
    krs = [kr for o in objectives for kr in krs_for(o.id, 3)]
    problems = [p for p in check_plan(_plan(objectives, krs)) if p.code == "many-objectives"]
    assert bool(problems) is warned
    if warned:
        assert problems[0].severity == "warning"
        assert problems[0].item_id == "O1"
        assert problems[0].field == "owner"
        assert f"Ana has {count} objectives" in problems[0].message


def test_objectives_per_owner_limit_comes_from_settings() -> None:
    objectives = [make_objective(id=f"O{n}") for n in range(1, 3)]
    krs = [kr for o in objectives for kr in krs_for(o.id, 3)]
    assert "many-objectives" not in codes(check_plan(_plan(objectives, krs)))
    strict = Settings(max_objectives_per_owner=1)
    problems = check_plan(_plan(objectives, krs, strict))
    assert codes(problems) == ["many-objectives"]
    assert "more than 1" in problems[0].message


def test_objectives_are_counted_per_owner() -> None:
    objectives = [make_objective(id=f"A{n}", owner="Ana") for n in range(3)] + [
        make_objective(id=f"B{n}", owner="Ben") for n in range(4)
    ]
    krs = [kr for o in objectives for kr in krs_for(o.id, 3, owner=o.owner)]
    problems = [p for p in check_plan(_plan(objectives, krs)) if p.code == "many-objectives"]
    assert [p.item_id for p in problems] == ["B0"]


@pytest.mark.parametrize(
    ("count", "code"),
    [
        (0, "no-key-results"),
        (1, "few-key-results"),
        (2, "few-key-results"),
        (3, None),
        (5, None),
        (6, "many-key-results"),
    ],
)
def test_krs_per_objective(count: int, code: str | None) -> None:
    problems = check_plan(_plan([make_objective()], krs_for("O1", count)))
    assert codes(problems) == ([code] if code else [])
    if code:
        assert problems[0].severity == "warning"
        assert problems[0].item_id == "O1"


def test_krs_per_objective_limits_come_from_settings() -> None:
    settings = Settings(min_krs_per_objective=1, max_krs_per_objective=2)
    assert check_plan(_plan([make_objective()], krs_for("O1", 1), settings)) == []
    problems = check_plan(_plan([make_objective()], krs_for("O1", 3), settings))
    assert codes(problems) == ["many-key-results"]
    assert "more than 2" in problems[0].message
    settings = Settings(min_krs_per_objective=4, max_krs_per_objective=8)
    problems = check_plan(_plan([make_objective()], krs_for("O1", 3), settings))
    assert codes(problems) == ["few-key-results"]
    assert "4 to 8" in problems[0].message


@pytest.mark.parametrize("level", [Level.TEAM, Level.INDIVIDUAL])
def test_orphan_objective_aligned_to_nothing(level: Level) -> None:
    corp = make_objective(id="O1")
    child = make_objective(id="O2", level=level, owner="Ben")
    problems = check_plan(_plan([corp, child], krs_for("O1", 3) + krs_for("O2", 3)))
    assert codes(problems) == ["orphan"]
    assert problems[0].severity == "warning"
    assert problems[0].item_id == "O2"
    assert problems[0].field == "aligns_to"
    assert str(level) in problems[0].message


def test_orphan_objective_aligned_to_a_missing_id() -> None:
    child = make_objective(id="O2", level=Level.INDIVIDUAL, aligns_to="O99")
    problems = check_plan(_plan([child], krs_for("O2", 3)))
    assert codes(problems) == ["orphan"]
    assert "O99" in problems[0].message
    assert "does not exist" in problems[0].message


def test_corporate_objective_needs_no_alignment() -> None:
    assert check_plan(_plan([make_objective()], krs_for("O1", 3))) == []


def test_unknown_dependency() -> None:
    krs = krs_for("O1", 3)
    krs[0] = krs[0].model_copy(update={"depends_on": ("KR-NOPE",)})
    problems = check_plan(_plan([make_objective()], krs))
    assert codes(problems) == ["unknown-dependency"]
    assert problems[0].severity == "error"
    assert problems[0].item_id == krs[0].id
    assert problems[0].field == "depends_on"
    assert "KR-NOPE" in problems[0].message


def test_self_dependency() -> None:
    krs = krs_for("O1", 3)
    krs[1] = krs[1].model_copy(update={"depends_on": (krs[1].id,)})
    problems = check_plan(_plan([make_objective()], krs))
    assert codes(problems) == ["self-dependency"]
    assert problems[0].item_id == krs[1].id


def test_known_dependency_is_fine() -> None:
    krs = krs_for("O1", 3)
    krs[1] = krs[1].model_copy(update={"depends_on": (krs[0].id, krs[2].id)})
    assert check_plan(_plan([make_objective()], krs)) == []


@pytest.mark.parametrize(
    ("due", "outside"),
    [
        (date(2026, 9, 30), True),
        (date(2026, 10, 1), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), True),
    ],
)
def test_due_outside_cycle_is_a_problem(due: date, outside: bool) -> None:
    krs = krs_for("O1", 3)
    krs[0] = make_kr(id=krs[0].id, due=due)
    problems = check_plan(_plan([make_objective()], krs))
    assert ("due-outside-cycle" in codes(problems)) is outside
    if outside:
        problem = next(p for p in problems if p.code == "due-outside-cycle")
        assert problem.severity == "error"
        assert problem.field == "due"
        assert due.isoformat() in problem.message
        assert "2026-Q4" in problem.message


def test_kr_of_unknown_objective() -> None:
    krs = krs_for("O1", 3) + [make_kr(id="KRX", objective_id="O9")]
    problems = check_plan(_plan([make_objective()], krs))
    assert codes(problems) == ["unknown-objective"]
    assert problems[0].item_id == "KRX"
    assert problems[0].severity == "error"


def test_checkin_for_unknown_kr_this_cycle() -> None:
    krs = krs_for("O1", 3)
    checkins = [
        CheckIn(date=date(2026, 11, 2), kr_id="GHOST", value=1),
        CheckIn(date=date(2026, 9, 2), kr_id="OLD", value=1),  # history: not reported
    ]
    problems = check_plan(_plan([make_objective()], krs, checkins=checkins))
    assert codes(problems) == ["unknown-checkin-kr"]
    assert "GHOST" in problems[0].message
    assert problems[0].item_id == "checkin#0"


# --------------------------------------------------------------------------- filters, owners


def _team_plan() -> Plan:
    corp = make_objective(id="O1", owner="Ana")
    sales = make_objective(id="O2", owner="Ben", level=Level.TEAM, aligns_to="O1")
    ops = make_objective(id="O3", owner="Cy", level=Level.INDIVIDUAL, aligns_to="O1")
    krs = [
        make_kr(id="KR1", objective_id="O1", owner="Ana"),
        make_kr(id="KR2", objective_id="O2", owner="Ben"),
        make_kr(id="KR3", objective_id="O2", owner="Dee"),
        make_kr(id="KR4", objective_id="O3", owner="Cy"),
    ]
    return _plan([corp, sales, ops], krs)


def test_owners_includes_objective_and_kr_owners_sorted() -> None:
    assert owners(_team_plan()) == ["Ana", "Ben", "Cy", "Dee"]


def test_filter_by_owner_of_objective() -> None:
    result = filter_plan(_team_plan(), owner="ben")
    assert [o.id for o in result.objectives] == ["O2"]
    assert [k.id for k in result.key_results] == ["KR2", "KR3"]


def test_filter_by_owner_of_a_kr_keeps_its_objective() -> None:
    result = filter_plan(_team_plan(), owner="DEE")
    assert [o.id for o in result.objectives] == ["O2"]
    assert [k.id for k in result.key_results] == ["KR2", "KR3"]


def test_filter_by_level() -> None:
    result = filter_plan(_team_plan(), level=Level.INDIVIDUAL)
    assert [o.id for o in result.objectives] == ["O3"]
    assert [k.id for k in result.key_results] == ["KR4"]


def test_filter_by_objective_id_is_case_insensitive() -> None:
    result = filter_plan(_team_plan(), objective_id="o1")
    assert [o.id for o in result.objectives] == ["O1"]
    assert [k.id for k in result.key_results] == ["KR1"]


def test_filters_combine() -> None:
    plan = _team_plan()
    assert filter_plan(plan, owner="Ben", level=Level.CORPORATE).objectives == ()
    assert [o.id for o in filter_plan(plan, owner="Ana", level=Level.CORPORATE).objectives] == [
        "O1"
    ]


def test_no_filter_keeps_everything() -> None:
    plan = _team_plan()
    assert filter_plan(plan) == plan


def test_filter_by_unknown_owner_keeps_nothing() -> None:
    result = filter_plan(_team_plan(), owner="Zed")
    assert result.objectives == ()
    assert result.key_results == ()


# --------------------------------------------------------------------------- cycle names


@pytest.mark.parametrize(
    ("name", "canonical", "start", "end"),
    [
        ("2026-Q1", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q2", "2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
        ("2026-Q3", "2026-Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (" 2026-q1 ", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-H1", "2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026-H2", "2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026-T1", "2026-T1", date(2026, 1, 1), date(2026, 4, 30)),
        ("2026-T2", "2026-T2", date(2026, 5, 1), date(2026, 8, 31)),
        ("2026-T3", "2026-T3", date(2026, 9, 1), date(2026, 12, 31)),
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2028-Q1", "2028-Q1", date(2028, 1, 1), date(2028, 3, 31)),
    ],
)
def test_cycle_from_name(name: str, canonical: str, start: date, end: date) -> None:
    cycle = cycle_from_name(name)
    assert cycle == Cycle(name=canonical, start=start, end=end)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("2026-Q5", "not a cycle name"),
        ("2026-Q0", "not a cycle name"),
        ("Q4", "not a cycle name"),
        ("26-Q4", "not a cycle name"),
        ("2026-X1", "not a cycle name"),
        ("next quarter", "not a cycle name"),
        ("", "not a cycle name"),
        ("2026-H3", "only 2 H periods"),
        ("2026-T4", "only 3 T periods"),
    ],
)
def test_cycle_from_name_rejects(name: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        cycle_from_name(name)


@pytest.mark.parametrize(
    ("today", "name"),
    [
        (date(2026, 1, 1), "2026-Q1"),
        (date(2026, 3, 31), "2026-Q1"),
        (date(2026, 4, 1), "2026-Q2"),
        (date(2026, 9, 30), "2026-Q3"),
        (date(2026, 11, 16), "2026-Q4"),
        (date(2026, 12, 31), "2026-Q4"),
    ],
)
def test_current_quarter(today: date, name: str) -> None:
    cycle = current_quarter(today)
    assert cycle.name == name
    assert cycle.contains(today)


@pytest.mark.parametrize(
    ("name", "following"),
    [
        ("2026-Q1", "2026-Q2"),
        ("2026-Q3", "2026-Q4"),
        ("2026-Q4", "2027-Q1"),
        ("2026-H1", "2026-H2"),
        ("2026-H2", "2027-H1"),
        ("2026-T2", "2026-T3"),
        ("2026-T3", "2027-T1"),
        ("2026", "2027"),
    ],
)
def test_next_cycle_name(name: str, following: str) -> None:
    assert next_cycle_name(cycle_from_name(name)) == following
    # and the following cycle starts the day after this one ends
    this, nxt = cycle_from_name(name), cycle_from_name(following)
    assert (nxt.start - this.end).days == 1


def test_next_cycle_name_of_a_custom_cycle_is_unknown() -> None:
    custom = Cycle(name="Autumn push", start=date(2026, 9, 1), end=date(2026, 11, 30))
    assert next_cycle_name(custom) is None
