"""Google's cell budget over years: a company of PEOPLE (12 key results each) on the Sheets fake,
rolled over quarter after quarter with every old cycle moved into archive spreadsheets.

    python benchmarks/cells.py [--people 1000] [--quarters 8] [--every 1]

Google counts every cell of a tab's grid against its limit of 10,000,000 (rows × columns, empty
ones too). The live spreadsheet is made by okr's own Google store; each quarter a check-in for
every key result every `--every` weeks is put straight into the fake's Check-ins tab (as if
people had checked in; `--every 4` makes a coarser, quicker run), then `okr rollover
--archive-to` runs as a person would, through the fake's HTTP API. When an archive spreadsheet
nears the limit (rollover warns), the next rollover is given a new one. Printed: the live
spreadsheet's cells after each rollover and at each quarter's end (its peak), per person,
and whether `okr history` still finds every past check-in.
Target: under 5,000,000 live cells at 1,000 people after 8 rollovers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from okrsheet.domain.model import Cycle, KeyResult, KRKind, Level, Objective, Settings  # noqa: E402
from okrsheet.layout.writer import Draft, Person, workbook_tabs  # noqa: E402
from okrsheet.stores.google.check import _Guard  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from scale import announce, people  # type: ignore[import-not-found]  # noqa: E402

from tests.fakes.sheets_api import (  # noqa: E402
    FakeGoogle,
    authorized_session,
    service_account_info,
)

TARGET_CELLS = 5_000_000
BOT = "okr-bot@fake-project.iam.gserviceaccount.com"
FIRST = Cycle(name="2026-Q1", start=date(2026, 1, 1), end=date(2026, 3, 31))


@dataclass
class Quarter:
    cycle: str
    peak: int  # live cells at the quarter's end, its check-ins logged
    after: int  # live cells after the rollover
    logged: int  # check-ins put in the log this quarter
    archive: str  # where the rollover put them
    seconds: float
    #: The live spreadsheet's cells at the quarter's end: person tabs, the log, the Dashboard
    #: and People (which grow with people too), and the rest.
    parts: dict[str, int] = field(default_factory=dict)


@dataclass
class Run:
    people: int
    person_tab_cells: int
    made: int = 0  # live cells as `okr init`'s layout made the spreadsheet
    quarters: list[Quarter] = field(default_factory=list)
    reachable: bool = False
    history_checked: int = 0
    history_seconds: float = 0.0  # the `okr history` checks (each reads every archive)


def next_quarter(cycle: Cycle) -> Cycle:
    year, q = cycle.start.year, (cycle.start.month - 1) // 3 + 1
    year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    start = date(year, 3 * q - 2, 1)
    end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return Cycle(name=f"{year}-Q{q}", start=start, end=end)


def company(people: int) -> Draft:
    """PEOPLE person tabs of 4 objectives with 3 key results each (the large benchmark's
    shape), no check-ins yet."""
    draft = Draft(cycle=FIRST, settings=Settings(company="Cell budget Co"))
    corporate = [
        Objective(
            id=f"CORP-{n}", title=f"Company objective {n}", level=Level.CORPORATE, owner="CEO"
        )
        for n in (1, 2, 3)
    ]
    draft.tabs["Corporate"] = list(corporate)
    for p in range(1, people + 1):
        name, prefix = f"Person {p:04d}", f"P{p:04d}"
        draft.people.append(Person(name=name, team=f"Team {p % 10}", tab=name))
        items: list[Objective | KeyResult] = []
        for o in range(1, 5):
            oid = f"{prefix}-{o}"
            items.append(
                Objective(
                    id=oid,
                    title=f"{name} objective {o}",
                    level=Level.INDIVIDUAL,
                    owner=name,
                    aligns_to=f"CORP-{o % 3 + 1}",
                )
            )
            items.extend(
                KeyResult(
                    id=f"{oid}.{k}",
                    objective_id=oid,
                    title=f"Key result {o}.{k} of {name}",
                    owner=name,
                    kind=KRKind.INCREASE,
                    start=0.0,
                    target=100.0,
                    unit="units",
                    due=FIRST.end,
                )
                for k in (1, 2, 3)
            )
        draft.tabs[name] = items
    return draft


def live_cells(fake: FakeGoogle, sid: str) -> int:
    """What Google counts: every tab's rowCount × columnCount."""
    return sum(s.row_count * s.column_count for s in fake.spreadsheet(sid).sheets)


def parts(fake: FakeGoogle, sid: str) -> dict[str, int]:
    """The live cells by what they are for (see `Quarter.parts`)."""
    found = dict.fromkeys(("person tabs", "log", "dashboard and people", "rest"), 0)
    for sheet in fake.spreadsheet(sid).sheets:
        title = sheet.title
        part = (
            "person tabs"
            if title.startswith("Person ")
            else "log"
            if title == "Check-ins"
            else "dashboard and people"
            if title in ("Dashboard", "People")
            else "rest"
        )
        found[part] += sheet.row_count * sheet.column_count
    return found


def layout_cells(people: int) -> dict[str, int]:
    """The cells of each tab as okr's Google layout requests make them for PEOPLE, without
    sending them anywhere: the same count the fake shows after creating the spreadsheet,
    in seconds at any size."""
    from okrsheet.stores.google.layout import _tab_requests

    found: dict[str, int] = {}
    for index, tab in enumerate(workbook_tabs(company(people))):
        grid = _tab_requests(tab, index + 1, index)[0]["addSheet"]["properties"]["gridProperties"]
        found[tab.title] = int(grid["rowCount"]) * int(grid["columnCount"])
    return found


def person_tab_cells(fake: FakeGoogle, sid: str) -> int:
    return sum(
        s.row_count * s.column_count
        for s in fake.spreadsheet(sid).sheets
        if s.title.startswith("Person ")
    )


class _Unchecked(_Guard):
    """The check that no person moved rows during a write copies every tab the write changes
    into a scratch tab and deletes it after: no cell is left behind, but the fake copies cell
    by cell in Python (about a minute a rollover per 50 people), so the benchmark skips it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.active = False


def wire(fake: FakeGoogle, folder: Path) -> Callable[..., Any]:
    """okr's Google store pointed at the fake; returns `okr(*args)` (in-process, exit code and
    output)."""
    from typer.testing import CliRunner

    import okrsheet.stores.google.http as google_http
    import okrsheet.stores.google.store as gsheets
    from okrsheet.cli import app

    key = folder / "key.json"
    key.write_text(json.dumps(service_account_info(fake, BOT)))
    os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(key)
    os.environ["NO_GCE_CHECK"] = "true"
    gsheets.new_session = lambda creds: authorized_session(fake, creds)  # type: ignore[assignment]
    google_http.pause = lambda seconds: None
    gsheets._Guard = _Unchecked  # type: ignore[misc]
    runner = CliRunner()

    def okr(*args: str, today: date) -> Any:
        os.environ["OKR_TODAY"] = today.isoformat()
        try:
            return runner.invoke(app, list(args))
        finally:
            # The fake keeps every request's body for tests to look at; nothing here does,
            # and at 1,000 people they would outweigh the spreadsheets.
            fake.reset_calls()

    return okr


def simulate(
    fake: FakeGoogle,
    okr: Callable[..., Any],
    people: int,
    quarters: int,
    *,
    every: int = 1,
    archive_cells: int = 8_000_000,
    say: Callable[[str], None] = lambda line: None,
) -> tuple[Run, str]:
    """The whole run on `fake`, `okr(*args, today=day)` running okr's commands against it;
    returns its figures and the live spreadsheet's id."""
    from okrsheet.stores.google.store import GoogleSheetsStore

    store = GoogleSheetsStore("new")
    store.create(workbook_tabs(company(people)), overwrite=False)
    fake.reset_calls()
    sid = list(fake.spreadsheets)[-1]
    run = Run(people, person_tab_cells(fake, sid), live_cells(fake, sid))
    say(
        f"  made: {live_cells(fake, sid):,} cells "
        f"({run.person_tab_cells / people:,.0f} a person tab)"
    )
    archives: list[str] = []
    cycle, serial = FIRST, 0
    krs = [
        f"P{p:04d}-{o}.{k}" for p in range(1, people + 1) for o in range(1, 5) for k in (1, 2, 3)
    ]
    for _ in range(quarters):
        began = time.perf_counter()
        rows: list[list[Any]] = []
        day = cycle.start + timedelta(days=6)
        week = 0
        while day <= cycle.end:
            if week % every == 0:
                for kr in krs:
                    serial += 1
                    rows.append([day, kr, float(week), None, None, None, None, f"s-{serial}"])
            day += timedelta(days=7)
            week += 1
        log = fake.sheet(sid, "Check-ins")
        first = log.last_content_row() + 1
        fake.set_values(sid, f"'Check-ins'!A{first}", rows)
        logged = len(rows)
        del rows  # the fake holds them now
        peak, full = live_cells(fake, sid), parts(fake, sid)
        if not archives or _cells_of(fake, archives[-1]) >= archive_cells:
            archives.append(
                fake.add_spreadsheet({"Sheet1": []}, row_count=1, column_count=1, owner=BOT)
            )
        new = next_quarter(cycle)
        result = okr(
            "rollover", "--to", new.name, "--yes", "--archive-to", f"gsheet:{archives[-1]}",
            "-w", f"gsheet:{sid}", today=cycle.end,
        )  # fmt: skip
        if result.exit_code != 0:
            raise SystemExit(f"rollover to {new.name} exited {result.exit_code}: {result.stderr}")
        after = live_cells(fake, sid)
        quarter = Quarter(
            cycle.name, peak, after, logged, archives[-1], time.perf_counter() - began, full
        )
        run.quarters.append(quarter)
        say(
            f"  {cycle.name}: {logged:,} check-ins; live {peak:,} cells at its end, "
            f"{after:,} after the rollover ({quarter.seconds:.0f} s, {_resident()})"
        )
        cycle = new
    say(f"  checking that `okr history` finds every past check-in ({_resident()})")
    began = time.perf_counter()
    run.reachable, run.history_checked = _every_checkin_reachable(
        fake, archives, serial, okr, sid, cycle
    )
    run.history_seconds = time.perf_counter() - began
    return run, sid


def _resident() -> str:
    """This process's memory now and at its peak (Linux), for the log of a long run."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return "memory unknown"
    kb = {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS:", "VmHWM:"))
    }
    return f"{kb.get('VmRSS', 0) / 1024:,.0f} MB resident, peak {kb.get('VmHWM', 0) / 1024:,.0f} MB"


def _cells_of(fake: FakeGoogle, sid: str) -> int:
    return live_cells(fake, sid)


def _every_checkin_reachable(
    fake: FakeGoogle,
    archives: list[str],
    serial: int,
    okr: Callable[..., Any],
    sid: str,
    live: Cycle,
) -> tuple[bool, int]:
    """Every check-in id ever logged is in an archive's check-in tabs (or still live), and
    `okr history --cycle` shows a sampled key result's whole quarter from each archive."""
    found: set[str] = set()
    for archive in [*archives, sid]:
        for sheet in fake.spreadsheet(archive).sheets:
            if sheet.title.endswith("check-ins") or sheet.title == "Check-ins":
                for row in fake.values(archive, sheet.title)[1:]:
                    if len(row) >= 8 and row[7]:
                        found.add(str(row[7]))
    every = found >= {f"s-{n}" for n in range(1, serial + 1)}
    checked = 0
    for archive in archives:
        for sheet in fake.spreadsheet(archive).sheets:
            if not sheet.title.endswith(" check-ins"):
                continue
            name = sheet.title.removeprefix("Archive ").removesuffix(" check-ins")
            result = okr(
                "history",
                "P0001-1.1",
                "--cycle",
                name,
                "-f",
                "json",
                "-w",
                f"gsheet:{sid}",
                today=live.start,
            )
            if result.exit_code != 0:
                return False, checked
            logged = [
                r
                for r in fake.values(archive, sheet.title)[1:]
                if len(r) > 1 and r[1] == "P0001-1.1"
            ]
            every = every and len(json.loads(result.stdout)["checkins"]) == len(logged) > 0
            checked += 1
    return every, checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--every", type=int, default=1, help="weeks between check-ins")
    parser.add_argument(
        "--layout",
        action="store_true",
        help="only count the cells okr's layout makes for --people (no fake; seconds)",
    )
    args = parser.parse_args()
    args.people = people(args.people)
    announce()
    if args.layout:
        tabs = layout_cells(args.people)
        made = sum(tabs.values())
        log = tabs["Check-ins"]
        after = made - log + 8  # a rollover leaves the log its header row
        full = after + args.people * 12 * 13 * 8  # a quarter of weekly check-ins
        ok = "ok" if full < TARGET_CELLS else "OVER"
        print(f"layout: {args.people} people, {made:,} cells as made")
        print(f"  person tabs {sum(c for t, c in tabs.items() if t.startswith('Person ')):,}")
        print(f"  after a rollover: {after:,}; at a quarter's end, weekly check-ins: {full:,}")
        print(f"  target < {TARGET_CELLS:,}: {ok}")
        return
    print(f"cell budget: {args.people} people, {args.quarters} quarterly rollovers (Sheets fake)")
    began = time.perf_counter()
    fake = FakeGoogle()
    fake.atomic = False  # no faults are injected here; snapshots would cost minutes
    with tempfile.TemporaryDirectory() as tmp:
        okr = wire(fake, Path(tmp))
        run, _sid = simulate(fake, okr, args.people, args.quarters, every=args.every, say=print)
    last = run.quarters[-1]
    peak = max(q.peak for q in run.quarters)
    print(f"  person tabs: {run.person_tab_cells / run.people:,.0f} cells a person")
    fullest = max(run.quarters, key=lambda q: q.peak)
    for part, cells in fullest.parts.items():
        print(f"    {part:<22} {cells:>11,} cells ({cells / run.people:,.0f} a person)")
    print(
        f"  live after {len(run.quarters)} rollovers: {last.after:,} cells "
        f"({last.after / run.people:,.0f} a person)"
    )
    ok = "ok" if peak < TARGET_CELLS else "OVER"
    print(
        f"  live at the fullest quarter's end: {peak:,} cells "
        f"({peak / run.people:,.0f} a person); target < {TARGET_CELLS:,}: {ok}"
    )
    archives = sorted({q.archive for q in run.quarters})
    print(
        f"  archive spreadsheets: {len(archives)}; every past check-in reachable: "
        f"{run.reachable} ({run.history_checked} history checks, {run.history_seconds:.0f} s)"
    )
    print(f"  ({time.perf_counter() - began:.0f} s, {_resident()})")


if __name__ == "__main__":
    main()
