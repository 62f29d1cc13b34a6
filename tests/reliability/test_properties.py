"""Properties, checked on generated input (hypothesis).

1. Every cell parser in `okrsheet.layout.cells` takes any cell a store can return (any string,
   number, date, yes/no or blank) and gives back a value or raises `CellValueError` with a
   message; never another exception.
2. A small valid plan written by the layout writer to a real .xlsx and read back by
   `parse_workbook` is the same plan: objectives, key results, check-ins, cycle and settings.
"""

from __future__ import annotations

import inspect
import math
import string
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from okrsheet.domain.model import CheckIn, Cycle, KeyResult, KRKind, Level, Objective, Settings
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.cells import CellValueError
from okrsheet.layout.writer import Draft, Person, workbook_tabs
from okrsheet.stores.xlsx.store import XlsxStore

FAST = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Each example of the round trip writes and reads a real .xlsx (about 0.1 s).
ROUND_TRIP = settings(FAST, max_examples=50)

# 1. Cell parsers ----------------------------------------------------------------------------------


def _parsers() -> dict[str, Callable[..., Any]]:
    """Every public `parse_*` function of the cells module: new parsers are covered too."""
    found: dict[str, Callable[..., Any]] = {
        name: function
        for name, function in vars(cells).items()
        if name.startswith("parse_")
        and inspect.isfunction(function)
        and function.__module__ == cells.__name__
    }
    assert {"parse_number", "parse_date", "parse_confidence", "parse_done"} <= set(found)
    return found


PARSERS = _parsers()


def _orders(function: Callable[..., Any]) -> list[dict[str, str]]:
    """Parsers that read dates take the workbook's date order: try both."""
    if "order" in inspect.signature(function).parameters:
        return [{"order": "MDY"}, {"order": "DMY"}]
    return [{}]


# Text that reaches the parsers' inner branches: digits, signs, separators, units, month names.
_PIECES = st.sampled_from(
    ["0", "1", "9", "12", "31", "2026", "46387", "1e400", "e", "E", ".", ",", "-", "+", "/",
     "%", "$", "€", "(", ")", " ", "\u00a0", "\n", "k", "bn", "T", ":", "@", "Jan", "march",
     "Dec", "st", "th", "TBD", "n/a", "yes", "no", "done", "✓", "١", "１", "—", "x", "SALES-1.1",
     ";", "0000000000"]
)  # fmt: skip
TYPED_TEXT = st.lists(_PIECES, max_size=8).map("".join)
CELLS = st.one_of(
    st.none(),
    st.text(),
    TYPED_TEXT,
    st.text(string.digits, min_size=1, max_size=5000),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),  # NaN and the infinities included
    st.dates(),
    st.datetimes(),
    st.times(),
)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FAST
@given(value=CELLS)
@example(value="1" * 5000)  # int() refuses strings of more than 4,300 digits
@example(value="1" * 400)  # too large for a float
@example(value=float("nan"))
@example(value=10**400)
def test_a_cell_parser_gives_a_value_or_a_cell_value_error(name: str, value: Any) -> None:
    parse = PARSERS[name]
    for options in _orders(parse):
        try:
            parse(value, **options)
        except CellValueError as exc:
            assert str(exc).strip(), "a CellValueError needs a message for the person"


@FAST
@given(number=st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_spelled_out_reads_as_itself(number: float) -> None:
    assert cells.parse_number(repr(number)) == number
    assert cells.parse_number(number) == number


@FAST
@given(day=st.dates())
def test_an_iso_date_and_its_serial_number_read_as_the_date(day: date) -> None:
    assert cells.parse_date(day.isoformat()) == day
    serial = cells.date_to_serial(day)
    if serial >= 1:
        assert cells.parse_date(serial) == day
        assert cells.parse_date(float(serial)) == day


@FAST
@given(share=st.integers(min_value=0, max_value=100))
def test_a_percentage_confidence_reads_as_a_fraction(share: int) -> None:
    parsed = cells.parse_confidence(f"{share}%")
    assert parsed is not None and math.isclose(parsed, share / 100)


@FAST
@given(value=st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not 0 <= v <= 10))
def test_a_confidence_out_of_range_is_refused(value: float) -> None:
    with pytest.raises(CellValueError):
        cells.parse_confidence(value)


# 2. The layout round trip ---------------------------------------------------------------------

CYCLE = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))

# What a person types into a text cell, including control characters (XML cannot hold them:
# the file stores them as `_xHHHH_`) and text that looks like such an escape. Cells are read
# stripped (str.strip, which also takes the separators U+001C-U+001F off the ends).
TEXT = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
    st.from_regex(r"[a-z ]{0,5}_x[0-9A-Fa-f]{4}_[a-z ]{0,5}", fullmatch=True),
).map(str.strip)
WORDS = TEXT.filter(lambda t: t.strip() != "")
# Numbers as people type them (up to six decimals), and a few awkward ones. A spreadsheet keeps
# 15 significant digits, so 255.78841599999998 would come back as 255.788416.
NUMBERS = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9).map(float),
    st.decimals(min_value=-(10**6), max_value=10**6, places=6).map(float),
    st.sampled_from([0.1, 0.25, 1e-6, 2.5e6, -0.5]),
).map(lambda v: 0.0 if v == 0 else v)
FRACTIONS = st.integers(min_value=0, max_value=100).map(lambda n: n / 100)
DAYS = st.dates(min_value=CYCLE.start, max_value=CYCLE.end)


@st.composite
def key_result(draw: st.DrawFn, kr_id: str, objective_id: str, earlier: list[str]) -> KeyResult:
    kind = draw(st.sampled_from(list(KRKind)))
    start = draw(NUMBERS)
    if kind is KRKind.MILESTONE:
        start, target = 0.0, 1.0
        current = draw(st.sampled_from([None, 0.0, 1.0]))
    else:
        target = draw(NUMBERS)
        if kind is KRKind.INCREASE:
            target = round(max(target, start) + draw(st.integers(1, 1000)), 6)
        elif kind is KRKind.DECREASE:
            target = round(min(target, start) - draw(st.integers(1, 1000)), 6)
        current = draw(st.none() | NUMBERS)
    depends = draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2)) if earlier else []
    dated = [d for d in depends if draw(st.booleans())]
    return KeyResult(
        id=kr_id,
        objective_id=objective_id,
        title=draw(WORDS),
        owner=draw(WORDS),
        kind=kind,
        start=start,
        target=target,
        current=current,
        unit=draw(st.sampled_from(["", "%", "$", "days", "leads"])),
        due=draw(DAYS),
        weight=draw(st.sampled_from([1.0, 2.0, 0.5, 3.0])),
        confidence=draw(st.none() | FRACTIONS),
        depends_on=tuple(depends),
        needed_by=tuple((d, draw(DAYS)) for d in dated),
        # Quantities: `× N`, or `≥` (which is × 1 and reads back as such).
        ratios=tuple(
            (d, 1.0, True)
            if draw(st.booleans())
            else (d, draw(st.sampled_from([0.5, 5.0, 12.25])), False)
            for d in depends
            if draw(st.booleans())
        ),
        notes=draw(TEXT).strip(),
        kpi=draw(st.none() | st.sampled_from(["KPI-1", "uptime_2"])),
        last_checkin=draw(st.none() | DAYS),
        grade=draw(st.none() | FRACTIONS),
    )


@st.composite
def drafts(draw: st.DrawFn) -> Draft:
    settings_ = Settings(
        company=draw(TEXT).strip(),
        cadence_days=draw(st.integers(min_value=1, max_value=30)),
        on_track_gap=0.1,
        at_risk_gap=draw(st.sampled_from([0.25, 0.3, 0.5])),
        low_confidence=draw(FRACTIONS),
        min_krs_per_objective=0,
        date_order=draw(st.sampled_from(["MDY", "DMY"])),
    )
    draft = Draft(cycle=CYCLE, settings=settings_)
    titles = ["Corporate", *draw(st.lists(st.sampled_from(["Sales", "Ana Lima", "Ops & IT"]),
                                          unique=True, max_size=2))]  # fmt: skip
    objective_ids: list[str] = []
    kr_ids: list[str] = []
    for number, title in enumerate(titles, start=1):
        items: list[Objective | KeyResult] = []
        for o in range(1, draw(st.integers(min_value=1, max_value=2)) + 1):
            objective_id = f"T{number}-{o}"
            items.append(
                Objective(
                    id=objective_id,
                    title=draw(WORDS),
                    level=draw(st.sampled_from(list(Level))),
                    owner=draw(WORDS),
                    aligns_to=draw(st.none() | st.sampled_from(objective_ids))
                    if objective_ids
                    else None,
                    notes=draw(TEXT).strip(),
                )
            )
            objective_ids.append(objective_id)
            for k in range(1, draw(st.integers(min_value=0, max_value=3)) + 1):
                kr = draw(key_result(f"{objective_id}.{k}", objective_id, list(kr_ids)))
                items.append(kr)
                kr_ids.append(kr.id)
        draft.tabs[title] = items
    draft.people = [Person(name=t, team="Ops", tab=t) for t in titles[1:]]
    krs = {i.id: i for items in draft.tabs.values() for i in items if isinstance(i, KeyResult)}
    if krs:
        for n in range(draw(st.integers(min_value=0, max_value=6))):
            kr = krs[draw(st.sampled_from(sorted(krs)))]
            milestone = kr.kind is KRKind.MILESTONE
            day = draw(DAYS)
            draft.checkins.append(
                CheckIn(
                    date=day,
                    kr_id=kr.id,
                    value=draw(st.sampled_from([0.0, 1.0])) if milestone else draw(NUMBERS),
                    confidence=draw(st.none() | FRACTIONS),
                    note=draw(TEXT).strip(),
                    author=draw(TEXT).strip(),
                    recorded_at=datetime.combine(day, time(9, 30)) + timedelta(seconds=n),
                    checkin_id=f"ci-{n}",
                )
            )
    return _as_the_log_says(draft)


def _as_the_log_says(draft: Draft) -> Draft:
    """A key result's row agrees with its newest check-in, as `okr checkin` keeps it: the log
    is the source of truth, and the round trip compares what the reader makes of both."""
    newest: dict[str, CheckIn] = {}
    for checkin in sorted(draft.checkins, key=lambda c: (c.date, c.recorded_at or datetime.min)):
        newest[checkin.kr_id] = checkin
    for title, items in draft.tabs.items():
        updated: list[Objective | KeyResult] = []
        for item in items:
            entry = newest.get(item.id) if isinstance(item, KeyResult) else None
            if isinstance(item, KeyResult) and entry is not None:
                item = item.model_copy(
                    update={
                        "current": entry.value,
                        "confidence": item.confidence
                        if entry.confidence is None
                        else entry.confidence,
                        "last_checkin": max(entry.date, item.last_checkin or entry.date),
                    }
                )
            updated.append(item)
        draft.tabs[title] = updated
    return draft


@ROUND_TRIP
@given(draft=drafts())
def test_a_plan_written_and_read_back_is_the_same_plan(draft: Draft, tmp_path: Path) -> None:
    path = tmp_path / "round-trip.xlsx"
    XlsxStore(path).create(workbook_tabs(draft), overwrite=True)

    parsed = parse_workbook(XlsxStore(path).read())

    assert parsed.errors == []
    plan = parsed.plan
    assert plan.cycle == draft.cycle
    assert plan.settings == draft.settings
    assert list(plan.objectives) == draft.objectives
    written = [i for items in draft.tabs.values() for i in items if isinstance(i, KeyResult)]
    assert list(plan.key_results) == written
    assert list(plan.checkins) == draft.checkins
    assert parsed.people == {p.name: p.team for p in draft.people}
    assert not [f for f in parsed.findings if f.code == "drift"]


def test_text_that_looks_like_an_xlsx_escape_survives_a_round_trip(tmp_path: Path) -> None:
    objective = Objective(id="CORP-1", title="Ship _x0041_ safely", level=Level.CORPORATE,
                          owner="Ana")  # fmt: skip
    draft = Draft(cycle=CYCLE, settings=Settings(), tabs={"Corporate": [objective]})
    path = tmp_path / "escape.xlsx"
    XlsxStore(path).create(workbook_tabs(draft), overwrite=True)

    plan = parse_workbook(XlsxStore(path).read()).plan

    assert plan.objectives[0].title == "Ship _x0041_ safely"
