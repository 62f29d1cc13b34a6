"""Build reproducible benchmark workbooks: small, medium and large.

    python benchmarks/generate.py [--out benchmarks/out] [--sizes small,medium,large]

Sizes: small (5 people, one quarter), medium (20 people, one quarter, weekly check-ins),
large (150 person tabs, 12 KRs each, a year of weekly check-ins: about 94,000 log rows).
The history axis: large-3y (the same plan with three years of weekly check-ins in its log,
about 280,000 rows), large-3y-rolled (the same three years as `okr rollover` leaves them: the
live log holds this cycle's 93,600 rows and `Archive 2024 check-ins` and `Archive 2025
check-ins` the years before), huge (500 person tabs, a year: about 312,000 rows) and huge-3y (500
person tabs, three years: about 936,000 rows; building it takes minutes and gigabytes) and
million (535 person tabs, three years: 1,001,520 rows, for the check-in memory target).
The same seed always gives the same workbook.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from okrsheet.domain.model import CheckIn, Cycle, KeyResult, KRKind, Level, Objective, Settings
from okrsheet.layout.log_archive import LogMove, log_archive_tab, log_archive_title
from okrsheet.layout.schema import CHECKINS_TAB
from okrsheet.layout.writer import Draft, Person, checkins_tab, workbook_tabs
from okrsheet.stores.base import TabSpec, WriteValue
from okrsheet.stores.xlsx.store import XlsxStore

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import OUT, people  # type: ignore[import-not-found]  # noqa: E402


@dataclass(frozen=True)
class Size:
    people: int
    objectives_per_person: int
    krs_per_objective: int
    cycle: Cycle
    #: Years of weekly check-ins in the log, the last one in `cycle`.
    years: int = 1
    #: The years before `cycle` rolled over already: their check-ins in `Archive <year>
    #: check-ins` tabs, as `okr rollover` leaves them, and the live log holding one cycle.
    rolled: bool = False


YEAR = Cycle(name="2026", start=date(2026, 1, 1), end=date(2026, 12, 31))
#: Each size (at smoke scale, OKR_BENCH_SMOKE=1, with at most 3 people: see scale.py).
SIZES = {
    "small": Size(5, 2, 3, Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))),
    "medium": Size(
        20, 2, 3, Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
    ),
    "large": Size(150, 4, 3, YEAR),
    "large-3y": Size(150, 4, 3, YEAR, years=3),
    "large-3y-rolled": Size(150, 4, 3, YEAR, years=3, rolled=True),
    "huge": Size(500, 4, 3, YEAR),
    "huge-3y": Size(500, 4, 3, YEAR, years=3),
    # The check-in memory target's workbook: 535 person tabs, three years, 1,001,520 log lines.
    "million": Size(535, 4, 3, YEAR, years=3),
}
SIZES = {name: replace(size, people=people(size.people)) for name, size in SIZES.items()}
AS_OF = {
    "small": date(2026, 11, 20),
    "medium": date(2026, 11, 20),
    **{
        size: date(2026, 12, 31)
        for size in ("large", "large-3y", "large-3y-rolled", "huge", "huge-3y", "million")
    },
}


def build(size: Size, as_of: date, seed: int = 7) -> Draft:
    rng = random.Random(seed)
    cycle = size.cycle
    draft = Draft(cycle=cycle, settings=Settings(company="Benchmark Co"))
    corporate = [
        Objective(
            id=f"CORP-{n}", title=f"Company objective {n}", level=Level.CORPORATE, owner="CEO"
        )
        for n in (1, 2, 3)
    ]
    draft.tabs["Corporate"] = list(corporate)
    for p in range(1, size.people + 1):
        name = f"Person {p:03d}"
        prefix = f"P{p:03d}"
        draft.people.append(Person(name=name, team=f"Team {p % 10}", tab=name))
        items: list[Objective | KeyResult] = []
        for o in range(1, size.objectives_per_person + 1):
            objective_id = f"{prefix}-{o}"
            items.append(
                Objective(
                    id=objective_id,
                    title=f"{name} objective {o}",
                    level=Level.INDIVIDUAL,
                    owner=name,
                    aligns_to=f"CORP-{(o % 3) + 1}",
                )
            )
            for k in range(1, size.krs_per_objective + 1):
                start = float(rng.randint(0, 100))
                target = start + rng.choice([-1, 1]) * rng.randint(10, 200)
                kind = KRKind.INCREASE if target > start else KRKind.DECREASE
                items.append(
                    KeyResult(
                        id=f"{objective_id}.{k}",
                        objective_id=objective_id,
                        title=f"Key result {o}.{k} of {name}",
                        owner=name,
                        kind=kind,
                        start=start,
                        target=target,
                        unit="units",
                        due=cycle.end,
                        confidence=round(rng.uniform(0.3, 0.9), 2),
                    )
                )
        draft.tabs[name] = items
    draft.tabs["Corporate"] = list(corporate)
    _history(draft, as_of, rng, size.years)
    return draft


def _history(draft: Draft, as_of: date, rng: random.Random, years: int = 1) -> None:
    cycle = draft.cycle
    first = cycle.start.replace(year=cycle.start.year - (years - 1))
    for title, items in draft.tabs.items():
        for index, item in enumerate(items):
            if not isinstance(item, KeyResult):
                continue
            pace = rng.uniform(0.3, 1.2)
            day, last = first + timedelta(days=7), None
            while day <= as_of:
                elapsed = (day - cycle.start).days / cycle.days
                value = round(
                    item.start_value + (item.target_value - item.start_value) * pace * elapsed, 1
                )
                last = CheckIn(
                    date=day,
                    kr_id=item.id,
                    value=value,
                    confidence=item.confidence,
                    note="weekly update",
                    author=item.owner,
                    recorded_at=datetime.combine(day, datetime.min.time()),
                    checkin_id=f"b-{item.id}-{day.isoformat()}",
                )
                draft.checkins.append(last)
                day += timedelta(days=7)
            if last is not None:
                items[index] = item.model_copy(
                    update={"current": last.value, "last_checkin": last.date}
                )
        draft.tabs[title] = items
    draft.checkins.sort(key=lambda c: (c.date, c.kr_id))


def tabs(draft: Draft, rolled: bool = False) -> list[TabSpec]:
    """The workbook's tabs; `rolled`: each year before the cycle's check-ins moved out of the
    live log into its archive tab, with the product's own `log_archive_tab` (the rows under the
    live log's headers, as `okr rollover` moves them)."""
    if not rolled:
        return workbook_tabs(draft)
    years = sorted({c.date.year for c in draft.checkins if c.date < draft.cycle.start})
    units = {
        i.id: i.unit for items in draft.tabs.values() for i in items if isinstance(i, KeyResult)
    }
    archives = []
    for year in years:
        held = [c for c in draft.checkins if c.date.year == year and c.date < draft.cycle.start]
        log = checkins_tab(held, units)  # the live log's tab, as the workbook's log is made
        header: list[WriteValue] = [c.header for c in log.columns]
        move = LogMove(CHECKINS_TAB, header, (), list(log.rows), None)
        archives.append(log_archive_tab(log_archive_title(str(year)), move))
    live = [c for c in draft.checkins if c.date >= draft.cycle.start]
    return workbook_tabs(replace(draft, checkins=live)) + archives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--sizes", default="small,medium,large")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.sizes.split(","):
        began = time.perf_counter()
        draft = build(SIZES[name], AS_OF[name])
        path = args.out / f"{name}.xlsx"
        XlsxStore(path).create(tabs(draft, SIZES[name].rolled), overwrite=True)
        print(
            f"{name}: {path} ({len(draft.tabs)} OKR tabs, {len(draft.checkins)} check-ins, "
            f"{path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - began:.1f} s)"
        )


if __name__ == "__main__":
    main()
