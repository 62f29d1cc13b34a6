"""The check-in log is put in order at most once per read, and not at all when nothing in it
is after the as-of date."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

import okrsheet.domain.model
from okrsheet.domain.model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    LogIndex,
    Plan,
    checkin_order,
    log_index,
    rewind,
)
from okrsheet.layout import parse_workbook
from okrsheet.layout.schema import normalize_header
from okrsheet.stores.xlsx.store import XlsxStore

CYCLE = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))


def random_log(seed: int, size: int = 400) -> tuple[CheckIn, ...]:
    rng = random.Random(seed)
    zones = [None, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9))]
    log = []
    for n in range(size):
        day = date(2026, 10, 1) + timedelta(days=rng.randrange(20))
        moment: datetime | None = None
        if rng.random() < 0.8:
            moment = datetime(2026, 10, 1, rng.randrange(24), rng.choice((0, 30)))
            moment += timedelta(days=rng.randrange(20))
            zone = rng.choice(zones)
            moment = moment if zone is None else moment.replace(tzinfo=zone)
        kr = f"K-{rng.randrange(5)}"
        log.append(CheckIn(date=day, kr_id=kr, value=float(n), recorded_at=moment))
    return tuple(log)


@pytest.mark.parametrize("seed", range(5))
def test_the_index_keeps_the_order_of_the_log(seed: int) -> None:
    log = random_log(seed)
    index = LogIndex(log)
    assert index.ordered() == sorted(log, key=checkin_order)
    for kr in {c.kr_id for c in log}:
        assert index.of(kr) == tuple(sorted((c for c in log if c.kr_id == kr), key=checkin_order))
    assert index.of("nobody") == ()


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    built: list[int] = []
    real = LogIndex.__init__

    def init(self: LogIndex, checkins: tuple[CheckIn, ...]) -> None:
        built.append(len(checkins))
        real(self, checkins)

    monkeypatch.setattr(LogIndex, "__init__", init)
    monkeypatch.setattr(okrsheet.domain.model, "_last_index", None)
    return built


def test_nothing_after_as_of_needs_no_order(monkeypatch: pytest.MonkeyPatch) -> None:
    built = counting(monkeypatch)
    log = random_log(1)
    plan = Plan(cycle=CYCLE, checkins=log)
    last = max(c.date for c in log)
    assert rewind(plan, last).checkins == log
    assert built == []
    rewound = rewind(plan, last - timedelta(days=3))
    assert built == [len(log)]
    assert all(c.date <= last - timedelta(days=3) for c in rewound.checkins)


def test_a_read_and_a_rewind_sort_the_log_once(
    example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = parse_workbook(XlsxStore(example).read())
    assert parsed.plan.checkins, "the example has a log"
    built = counting(monkeypatch)
    plan = parse_workbook(XlsxStore(example).read()).plan
    first = min(c.date for c in plan.checkins)
    rewind(plan, first)
    for kr in plan.key_results:
        plan.checkins_of(kr.id)
    assert built == [len(plan.checkins)]
    assert log_index(plan.checkins) is log_index(plan.checkins)


def test_a_read_and_a_report_of_every_history_work_out_the_order_keys_once(
    example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the workbook holds each key result's row against its newest check-in (the
    log's order keys, in its row order); a report of every history then sorts the log by the
    same keys, not worked out again."""
    from okrsheet.reports import history_reports

    keyed: list[int] = []
    order_keys = okrsheet.domain.model.order_keys

    def counted(checkins: Any) -> Any:
        keyed.append(len(checkins))
        return order_keys(checkins)

    monkeypatch.setattr(okrsheet.domain.model, "order_keys", counted)
    plan = parse_workbook(XlsxStore(example).read()).plan
    assert keyed == [len(plan.checkins)]
    last = max(c.date for c in plan.checkins)
    histories = history_reports(rewind(plan, last), last)
    assert keyed == [len(plan.checkins)]
    assert sum(len(h.checkins) for h in histories.values()) > 0


def test_headers_are_normalised_once_each() -> None:
    normalize_header.cache_clear()
    for _ in range(1000):
        assert normalize_header("Due  date") == "due date"
        assert normalize_header("KR-ID") == "kr id"
    info = normalize_header.cache_info()
    assert (info.misses, info.hits) == (2, 1998)


def test_status_as_of_today_never_sorts_the_log(
    example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the workbook and rewinding it to a day after its last check-in (the usual
    report) puts nothing in order: the newest check-in of each key result is found in one
    pass, and nothing is after the day."""
    built = counting(monkeypatch)
    parsed = parse_workbook(XlsxStore(example).read())
    plan = parsed.plan
    assert plan.checkins
    rewind(plan, max(c.date for c in plan.checkins))
    assert built == []


@pytest.mark.parametrize("seed", range(5))
def test_the_newest_check_in_of_each_key_result_is_the_last_in_order(seed: int) -> None:
    log = random_log(seed) + (
        CheckIn(date=date(2026, 9, 30), kr_id="K-0", value=-1.0),  # before the cycle
    )
    krs = tuple(
        KeyResult(
            id=f"K-{n}", objective_id="O", title="t", owner="a", kind=KRKind.INCREASE,
            start=0, target=1000,
            due=CYCLE.end,
        )
        for n in range(5)
    )  # fmt: skip
    plan = Plan(cycle=CYCLE, key_results=krs, checkins=log)
    in_cycle = [c for c in sorted(log, key=checkin_order) if c.date >= CYCLE.start]
    expected = {c.kr_id: c for c in in_cycle}
    found = {
        kr.id: (index, entry) for _, kr, index, entry in okrsheet.domain.model._disagreements(plan)
    }
    assert {kr: entry for kr, (_, entry) in found.items()} == expected
    assert all(log[index] is entry for index, entry in found.values())
