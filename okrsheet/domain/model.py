"""The OKR domain: cycles, objectives, key results and check-ins, with their validation rules.

No I/O here. Cell-level parsing lives in `okrsheet.layout`; this module receives typed values
and says whether they make a sound OKR.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from okrsheet.domain import kinds
from okrsheet.domain import kpis as kpi_rules
from okrsheet.domain.initiatives import Initiative
from okrsheet.domain.kpis import KPI
from okrsheet.domain.names import person_key

# Re-exported: the plan-wide rules and their findings are part of the model's vocabulary.
from okrsheet.domain.plan_rules import CHECKIN_KEY_PREFIX as CHECKIN_KEY_PREFIX
from okrsheet.domain.plan_rules import Problem as Problem
from okrsheet.domain.plan_rules import Severity as Severity
from okrsheet.domain.plan_rules import check_plan as check_plan
from okrsheet.domain.plan_rules import dependency_cycles as dependency_cycles

# Re-exported: the vocabulary belongs to the model.
from okrsheet.domain.vocab import Commitment as Commitment
from okrsheet.domain.vocab import KRKind as KRKind
from okrsheet.domain.vocab import Level as Level
from okrsheet.domain.vocab import NextCycle as NextCycle
from okrsheet.domain.vocab import Status as Status

BENCHMARK_HINT = (
    "if this metric has never been tracked, benchmark it first and enter today's value as the start"
)

#: What a key result cannot do without, and what to say when it is missing.
MISSING: dict[str, str] = {
    "start": f"the start value is missing; {BENCHMARK_HINT}",
    "target": "the target is missing: a key result needs a number to reach",
    "due": "the due date is missing: a key result must be time-bound",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# A field named `date` hides the type inside a class body: its annotation names this instead.
_Date = date


class Settings(_Model):
    """Company-wide settings, read from the workbook's Settings tab."""

    company: str = ""
    cadence_days: Annotated[int, Field(ge=1, le=366)] = 7
    stale_grace_days: Annotated[int, Field(ge=0, le=366)] = 3
    on_track_gap: Annotated[float, Field(ge=0, le=1)] = 0.10
    at_risk_gap: Annotated[float, Field(ge=0, le=1)] = 0.25
    low_confidence: Annotated[float, Field(ge=0, le=1)] = 0.5
    max_objectives_per_owner: Annotated[int, Field(ge=1)] = 3
    min_krs_per_objective: Annotated[int, Field(ge=0)] = 3
    max_krs_per_objective: Annotated[int, Field(ge=1)] = 5
    date_order: Literal["MDY", "DMY"] = "MDY"
    # Department workbooks read together with this one (paths or Google locations).
    linked_workbooks: tuple[str, ...] = ()
    # Where `okr rollover` moves finished cycles (paths or Google locations; it writes to the
    # last, history reads them all); none: this workbook's own Archive tabs.
    archive_workbooks: tuple[str, ...] = ()
    # The zone that says which day a check-in belongs to and what "today" is: an IANA name,
    # "UTC" or "UTC+HH:MM" (see `cells.parse_time_zone`); "" for each computer's own.
    time_zone: str = ""
    # What an objective with a blank Commitment cell is.
    default_commitment: Commitment = Commitment.ASPIRATIONAL
    # The key-result quality checks to make (okrsheet/lint): None for all of them.
    kr_checks: tuple[str, ...] | None = None
    # The decimal sign of the numbers in a CSV file okr imports whose separator does not say
    # it (`okr checkin --from`): "comma", "dot", or "" for the file's convention.
    decimal_sign: Literal["", "comma", "dot"] = ""

    @model_validator(mode="after")
    def _ordered_thresholds(self) -> Self:
        if self.at_risk_gap < self.on_track_gap:
            raise ValueError("the at-risk gap must not be smaller than the on-track gap")
        if self.max_krs_per_objective < self.min_krs_per_objective:
            raise ValueError("the maximum KRs per objective is below the minimum")
        return self


class Cycle(_Model):
    """An OKR period, usually a quarter."""

    name: Annotated[str, Field(min_length=1)]
    start: date
    end: date

    @model_validator(mode="after")
    def _end_after_start(self) -> Self:
        if self.end <= self.start:
            raise ValueError(
                f"the cycle ends ({self.end.isoformat()}) on or before it starts "
                f"({self.start.isoformat()})"
            )
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class Closing(_Model):
    """The owner's judgement when a cycle closes (docs/workbook.md, "Closing a cycle"): the
    final grade (blank until `okr grade --write` proposes the computed one), the reason when
    it differs from the computed grade, a short retrospective, and carry over or drop."""

    final_grade: Annotated[float | None, Field(ge=0, le=1)] = None
    reason: str = ""
    worked: str = ""
    to_change: str = ""
    next_cycle: NextCycle | None = None


class Objective(_Model):
    id: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=1)]
    level: Level
    owner: Annotated[str, Field(min_length=1)]
    aligns_to: str | None = None
    notes: str = ""
    # Committed or aspirational as typed; None (blank) means the Settings default.
    commitment: Commitment | None = None
    # The Grade cell (written by `okr grade --write`), and the owner's closing judgement.
    grade: Annotated[float | None, Field(ge=0, le=1)] = None
    closing: Closing = Closing()

    def commitment_in(self, settings: Settings) -> Commitment:
        return self.commitment or settings.default_commitment


def _finite(value: float, what: str) -> float:
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{what} must be a finite number")
    return value


_T = TypeVar("_T")


def _known(value: _T | None) -> _T:
    assert value is not None
    return value


class KeyResult(_Model):
    """A measurable, trackable, time-bound result: start, target and due date are mandatory."""

    id: Annotated[str, Field(min_length=1)]
    objective_id: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=1)]
    owner: Annotated[str, Field(min_length=1)]
    kind: KRKind
    # Start typed as "baseline": unknown yet, set by the first check-in. While it is unknown
    # (no value either), the key result is measuring its baseline and is not scored.
    baseline: bool = False
    start: Annotated[float | None, Field(validate_default=True)] = None
    target: Annotated[float | None, Field(validate_default=True)] = None
    current: float | None = None
    unit: str = ""
    due: Annotated[date | None, Field(validate_default=True)] = None
    weight: float = 1.0
    confidence: float | None = None
    depends_on: tuple[str, ...] = ()
    # (upstream id, the date this KR needs it done by), for the dependencies that give one.
    needed_by: tuple[tuple[str, date], ...] = ()
    # (upstream id, its units needed per unit of this KR's target, typed as `ID ≥`), for the
    # quantified dependencies (`MARKET-1.1 × 5`); see okrsheet/domain/interlock.py.
    ratios: tuple[tuple[str, float, bool], ...] = ()
    # The KPI (an ID on the KPIs tab) this key result names in its KPI column.
    kpi: str | None = None
    notes: str = ""
    last_checkin: date | None = None
    grade: float | None = None
    # Where `okr sync` reads the number (the Source column), and what it last found there.
    source: str = ""
    source_status: str = ""
    # Whether its objective is committed (expected to reach 1.0): set by the reader from the
    # objective's Commitment or the Settings default.
    committed: bool = False
    closing: Closing = Closing()

    @field_validator("start")
    @classmethod
    def _start_required(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            if info.data.get("baseline"):
                return None
            raise ValueError(MISSING["start"])
        return _finite(value, "the start value")

    @field_validator("target")
    @classmethod
    def _target_required(cls, value: float | None, info: ValidationInfo) -> float:
        if value is None:
            raise ValueError(MISSING["target"])
        _finite(value, "the target")
        start = info.data.get("start")
        kind = info.data.get("kind")
        if start is None or kind is None:
            return value
        problem = kind.check(start, value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("current")
    @classmethod
    def _current_finite(cls, value: float | None) -> float | None:
        return None if value is None else _finite(value, "the current value")

    @field_validator("due")
    @classmethod
    def _due_required(cls, value: date | None) -> date:
        if value is None:
            raise ValueError(MISSING["due"])
        return value

    @field_validator("weight")
    @classmethod
    def _weight_positive(cls, value: float) -> float:
        if not value > 0 or math.isinf(value):
            raise ValueError(f"the weight must be a positive number, not {value:g}")
        return value

    @field_validator("confidence", "grade")
    @classmethod
    def _fraction(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is not None and not 0 <= value <= 1:
            bounds = "0 and 1" if info.field_name == "confidence" else "0.0 and 1.0"
            raise ValueError(f"the {info.field_name} must lie between {bounds}, not {value:g}")
        return value

    @property
    def measuring_baseline(self) -> bool:
        """Its start is "baseline" and no value has been recorded yet: not scored."""
        return self.start is None

    # After validation target and due are never None, nor start but while the baseline is
    # measured; these give typed access.
    @property
    def start_value(self) -> float:
        return _known(self.start)

    @property
    def target_value(self) -> float:
        return _known(self.target)

    @property
    def due_date(self) -> date:
        return _known(self.due)

    @property
    def value(self) -> float:
        """The latest known value; the start when nothing has been recorded yet (the target
        while the baseline is being measured: never scored, see `scoring`)."""
        if self.current is not None:
            return self.current
        return self.target_value if self.start is None else self.start


#: Lower-is-better when the target sits below the start (the kinds table decides).
infer_kind = kinds.infer


@pydantic_dataclass(
    frozen=True, slots=True, config=ConfigDict(extra="forbid", str_strip_whitespace=True)
)
class CheckIn:
    """One line of the check-in log: a new value for a key result on a date.

    Its rules are plain constraints (no Python validators) so that pydantic checks a log of
    100,000 lines in its compiled core. A pydantic dataclass with slots rather than a model:
    a model instance carries a dict and a set of its own, which for a year's log of a large
    company is 80 MB more.
    """

    date: _Date
    kr_id: Annotated[str, Field(min_length=1)]
    value: Annotated[float, Field(allow_inf_nan=False)]
    confidence: Annotated[float | None, Field(ge=0, le=1)] = None
    note: str = ""
    author: str = ""
    recorded_at: datetime | None = None
    checkin_id: str = ""


class Plan(_Model):
    """Everything one workbook says about one cycle."""

    cycle: Cycle
    settings: Settings = Settings()
    objectives: tuple[Objective, ...] = ()
    key_results: tuple[KeyResult, ...] = ()
    checkins: tuple[CheckIn, ...] = ()
    # Key results left out by a filter that the shown ones depend on (scored for blockers).
    upstream: tuple[KeyResult, ...] = ()
    # The Initiatives and KPIs tabs (empty when a workbook has neither).
    initiatives: tuple[Initiative, ...] = ()
    kpis: tuple[KPI, ...] = ()

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    def key_result(self, kr_id: str) -> KeyResult | None:
        return next((k for k in self.key_results if k.id == kr_id), None)

    def krs_by_objective(self) -> dict[str, tuple[KeyResult, ...]]:
        """Each objective's key results, in workbook order, grouped in one pass (a loop over
        the objectives that filtered all key results for each would be quadratic)."""
        grouped: dict[str, list[KeyResult]] = {}
        for kr in self.key_results:
            grouped.setdefault(kr.objective_id, []).append(kr)
        return {objective_id: tuple(krs) for objective_id, krs in grouped.items()}

    def checkins_of(self, kr_id: str) -> tuple[CheckIn, ...]:
        """A key result's check-ins in the log's order (`checkin_order`)."""
        return log_index(self.checkins).of(kr_id)


_NEVER = datetime.min.replace(tzinfo=UTC)


def checkin_order(checkin: CheckIn) -> tuple[date, datetime]:
    """The order of the log: by date, then by the moment each was recorded, compared as
    instants (`Recorded at` carries its offset from UTC, so the zone a check-in was made in,
    or is read in, changes nothing). A time without an offset, from older versions or typed
    by hand, is taken as this computer's local time."""
    moment = checkin.recorded_at
    if moment is None:
        return (checkin.date, _NEVER)
    if moment.tzinfo is None:
        moment = _local(moment)
    return (checkin.date, moment)


def _local(moment: datetime) -> datetime:
    try:
        return moment.astimezone()
    except (OverflowError, ValueError, OSError):
        return moment.replace(tzinfo=UTC)


def order_keys(checkins: Sequence[CheckIn]) -> list[tuple[date, datetime]]:
    """`checkin_order` of each check-in, each distinct local time converted once."""
    local: dict[datetime, datetime] = {}
    keys: list[tuple[date, datetime]] = []
    for checkin in checkins:
        moment = checkin.recorded_at
        if moment is None:
            keys.append((checkin.date, _NEVER))
            continue
        if moment.tzinfo is None:
            aware = local.get(moment)
            if aware is None:
                aware = local[moment] = _local(moment)
            moment = aware
        keys.append((checkin.date, moment))
    return keys


#: The log whose `order_keys` were last worked out, and those keys (see `log_keys`).
_last_keys: tuple[tuple[CheckIn, ...], list[tuple[date, datetime]]] | None = None


def log_keys(checkins: tuple[CheckIn, ...]) -> list[tuple[date, datetime]]:
    """`order_keys` of a log, worked out at most once for the same log (by identity, as
    `log_index`): `reconcile` needs them in the log's row order, a report sorting the log
    needs them again."""
    global _last_keys
    last = _last_keys
    if last is None or last[0] is not checkins:
        last = _last_keys = (checkins, order_keys(checkins))
    return last[1]


class LogIndex:
    """A log in `checkin_order`, worked out once: reports, `rewind` and `reconcile` each need
    it, and a year's log of a large company is a hundred thousand check-ins."""

    def __init__(self, checkins: tuple[CheckIn, ...]) -> None:
        self.checkins = checkins
        keys = log_keys(checkins)
        #: The positions of the check-ins in the log's order (stable: ties keep their rows).
        self.order: list[int] = sorted(range(len(checkins)), key=keys.__getitem__)
        self._by_kr: dict[str, tuple[CheckIn, ...]] | None = None

    def ordered(self) -> list[CheckIn]:
        return [self.checkins[i] for i in self.order]

    def of(self, kr_id: str) -> tuple[CheckIn, ...]:
        if self._by_kr is None:
            grouped: dict[str, list[CheckIn]] = {}
            for checkin in self.ordered():
                grouped.setdefault(checkin.kr_id, []).append(checkin)
            self._by_kr = {kr: tuple(entries) for kr, entries in grouped.items()}
        return self._by_kr.get(kr_id, ())


#: The index of the log last asked for (by identity: a plan and its copies share one tuple).
_last_index: LogIndex | None = None


def log_index(checkins: tuple[CheckIn, ...]) -> LogIndex:
    """The log's order, sorted at most once for the same log."""
    global _last_index
    index = _last_index
    if index is None or index.checkins is not checkins:
        index = _last_index = LogIndex(checkins)
    return index


def amount(value: float, unit: str = "") -> str:
    """A quantity as people write it: 1,250 leads, $250,000, 35%."""
    if unit == "%":
        return f"{value * 100:,.4g}%"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if unit == "$":
        return f"${text}"
    return f"{text} {unit}".strip()


def reconcile(plan: Plan) -> tuple[Plan, list[Problem]]:
    """Hold the key result rows against the check-in log (docs/workbook.md, "One truth").

    The key result row is the current state: its Current, Confidence and Last check-in are
    what the sheet's formulas show and what okr scores, so the two always agree. The log is
    the history. Where they disagree, a warning says which cell and what `okr validate --fix`
    will do: `drift` for a Current typed over the newest check-in (an unlogged check-in, which
    the fix records in the log), `unapplied-checkin` for a check-in newer than its row (typed
    into the log by hand, which the fix copies to the row). The plan comes back unchanged.
    """
    problems: list[Problem] = []
    for unapplied, kr, index, entry in _disagreements(plan):
        if unapplied:
            shown = "blank" if kr.current is None else amount(kr.current, kr.unit)
            since = f", Last check-in {kr.last_checkin.isoformat()}" if kr.last_checkin else ""
            problems.append(
                Problem(
                    "warning",
                    "unapplied-checkin",
                    f"this check-in of {kr.id} ({amount(entry.value, kr.unit)} on "
                    f"{entry.date.isoformat()}) "
                    f"is newer than its row (Current {shown}{since}); the row counts, in the "
                    "sheet and in okr, until `okr validate --fix` copies the check-in to it",
                    f"{CHECKIN_KEY_PREFIX}{index}",
                    "value",
                )
            )
        else:
            assert kr.current is not None
            problems.append(
                Problem(
                    "warning",
                    "drift",
                    f"Current {amount(kr.current, kr.unit)} differs from the newest check-in "
                    f"({amount(entry.value, kr.unit)} on {entry.date.isoformat()}) and is not "
                    "in the log; "
                    "it counts, in the sheet and in okr; `okr validate --fix` records it as a "
                    "check-in",
                    kr.id,
                    "current",
                )
            )
    # KPIs keep taking their newest logged value (a KPI check-in writes the row and the log alike).
    kpis = kpi_rules.apply_log(plan.kpis, plan.checkins)
    return plan.model_copy(update={"kpis": kpis}), problems


def unlogged_and_unapplied(plan: Plan) -> tuple[list[KeyResult], dict[str, CheckIn]]:
    """What `okr validate --fix` settles: key results whose typed Current is not in the log,
    and, by KR id, check-ins newer than their row."""
    unlogged: list[KeyResult] = []
    unapplied: dict[str, CheckIn] = {}
    for newer, kr, _, entry in _disagreements(plan):
        if newer:
            unapplied[kr.id] = entry
        else:
            unlogged.append(kr)
    return unlogged, unapplied


def _disagreements(plan: Plan) -> Iterator[tuple[bool, KeyResult, int, CheckIn]]:
    """Each key result whose row and newest check-in of the cycle disagree: (True, kr, the
    check-in's index in the log, check-in) when the check-in is newer than the row, (False,
    ...) when the row's Current was typed over it and is not in the log."""
    # The newest check-in of the cycle of each key result, in one pass (the last one of the
    # log's order: on equal keys, the one further down).
    latest: dict[str, tuple[int, CheckIn]] = {}
    newest: dict[str, tuple[date, datetime]] = {}
    start, checkins = plan.cycle.start, plan.checkins
    for index, (checkin, key) in enumerate(zip(checkins, log_keys(checkins), strict=True)):
        # Entries from earlier cycles are history: a carried-over KR starts afresh.
        if checkin.date >= start:
            best = newest.get(checkin.kr_id)
            if best is None or key >= best:
                newest[checkin.kr_id] = key
                latest[checkin.kr_id] = (index, checkin)
    for kr in plan.key_results:
        if kr.id not in latest:
            continue
        index, entry = latest[kr.id]
        newer = kr.current is None or kr.last_checkin is None or entry.date > kr.last_checkin
        same = kr.current is not None and math.isclose(kr.current, entry.value)
        if newer and not (same and kr.last_checkin == entry.date):
            yield True, kr, index, entry
        elif not newer and not same:
            yield False, kr, index, entry


def rewind(plan: Plan, day: date) -> Plan:
    """The plan as it stood on `day`: KRs updated later fall back to their last log entry on or
    before that day (or to no value at all). Used for reports with an explicit as-of date."""
    if all(c.date <= day for c in plan.checkins):  # nothing after `day`: one pass, no sort
        return plan.model_copy(update={"kpis": kpi_rules.as_of(plan.kpis, plan.checkins, day)})
    index = log_index(plan.checkins)
    rewound: list[KeyResult] = []
    for kr in plan.key_results:
        entries = index.of(kr.id)
        if not entries or entries[-1].date <= day:
            rewound.append(kr)
            continue
        known = [c for c in entries if plan.cycle.start <= c.date <= day]
        last = known[-1] if known else None
        confidences = [c.confidence for c in known if c.confidence is not None]
        rewound.append(
            kr.model_copy(
                update={
                    "current": last.value if last else None,
                    "confidence": confidences[-1] if confidences else None,
                    "last_checkin": last.date if last else None,
                }
            )
        )
    return plan.model_copy(
        update={
            "key_results": tuple(rewound),
            "checkins": tuple(c for c in plan.checkins if c.date <= day),
            "kpis": kpi_rules.as_of(plan.kpis, plan.checkins, day),
        }
    )


def owners(plan: Plan) -> list[str]:
    return sorted({o.owner for o in plan.objectives} | {k.owner for k in plan.key_results})


def filter_plan(
    plan: Plan,
    *,
    owner: str | None = None,
    level: Level | None = None,
    objective_id: str | None = None,
) -> Plan:
    """Keep the objectives (and their KRs) that match every given filter.

    An owner matches an objective they own or any KR they own in it.
    """
    grouped = plan.krs_by_objective()

    def keep(objective: Objective) -> bool:
        if objective_id is not None and objective.id.casefold() != objective_id.casefold():
            return False
        if level is not None and objective.level is not level:
            return False
        if owner is None:
            return True
        wanted = person_key(owner)
        return person_key(objective.owner) == wanted or any(
            person_key(k.owner) == wanted for k in grouped.get(objective.id, ())
        )

    objectives = tuple(o for o in plan.objectives if keep(o))
    ids = {o.id for o in objectives}
    kept = tuple(k for k in plan.key_results if k.objective_id in ids)
    kpis = plan.kpis
    if owner is not None or level is not None or objective_id is not None:
        # The KPIs the kept key results watch, and the owner's own.
        watched = {k.kpi for k in kept}
        mine = person_key(owner or "")
        kpis = tuple(k for k in kpis if k.id in watched or (mine and person_key(k.owner) == mine))
    return plan.model_copy(
        update={
            "objectives": objectives,
            "key_results": kept,
            "kpis": kpis,
            # Still scored, not shown: what the kept key results depend on, at any depth.
            "upstream": _upstream_of(kept, (*plan.key_results, *plan.upstream)),
        }
    )


def _upstream_of(
    krs: Sequence[KeyResult], everything: Sequence[KeyResult]
) -> tuple[KeyResult, ...]:
    by_id = {k.id: k for k in everything}
    shown = {k.id for k in krs}
    found: dict[str, KeyResult] = {}
    todo = [d for k in krs for d in k.depends_on]
    while todo:
        kr_id = todo.pop()
        if kr_id in shown or kr_id in found or kr_id not in by_id:
            continue
        found[kr_id] = by_id[kr_id]
        todo.extend(by_id[kr_id].depends_on)
    return tuple(found.values())


_CYCLE_NAME = re.compile(r"^(\d{4})(?:-?(Q|T|H)([1-4]))?$", re.IGNORECASE)
_CYCLE_MONTHS = {"Q": 3, "T": 4, "H": 6}


def cycle_from_name(name: str) -> Cycle:
    """`2026-Q4` (quarter), `2026-T1` (trimester), `2026-H2` (half) or `2026` (year)."""
    match = _CYCLE_NAME.match(name.strip())
    if not match:
        raise ValueError(
            f"{name!r} is not a cycle name; use 2026-Q4, 2026-T1, 2026-H2 or 2026, "
            "or give --start and --end"
        )
    year = int(match[1])
    if not match[2]:
        return Cycle(name=str(year), start=date(year, 1, 1), end=date(year, 12, 31))
    letter, number = match[2].upper(), int(match[3])
    months = _CYCLE_MONTHS[letter]
    if number > 12 // months:
        raise ValueError(f"{name!r}: a year has only {12 // months} {letter} periods")
    first_month = (number - 1) * months + 1
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = (date(year + 1, 1, 1) if end_month > 12 else date(year, end_month, 1)) - timedelta(days=1)
    return Cycle(name=f"{year}-{letter}{number}", start=start, end=end)


def current_quarter(today: date) -> Cycle:
    return cycle_from_name(f"{today.year}-Q{(today.month - 1) // 3 + 1}")


def next_cycle_name(cycle: Cycle) -> str | None:
    match = _CYCLE_NAME.match(cycle.name)
    if not match:
        return None
    year = int(match[1])
    if not match[2]:
        return str(year + 1)
    letter, number = match[2].upper(), int(match[3])
    if number < 12 // _CYCLE_MONTHS[letter]:
        return f"{year}-{letter}{number + 1}"
    return f"{year + 1}-{letter}1"
