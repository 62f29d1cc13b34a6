"""Benchmarks: okr's speed, memory and Google API calls, each beside its floor.

    python benchmarks/run.py [--sizes small,medium,large] [--runs 5] [--no-google]
                             [--history large,large-3y] [--libreoffice] [--memory-million]

Every timing is the median of several runs of a whole process (start-up included), printed with
the floor measured in the same run on the same machine, in turns with the commands compared
with it (so that both see the same load): `python -c pass` for start-up, and a
bare python-calamine parse of the same file for reads. Targets are ratios to those floors, so
figures from a busy machine still compare. The workbooks come from benchmarks/generate.py (made
on first use, seeded). Python's bytecode cache is on for the timed processes (in a temporary
folder, even when PYTHONDONTWRITEBYTECODE is set), as it is for any installed command: without
it every run compiles okrsheet's sources again, about 0.1 s. The Google figures come from the
in-process fake of the Sheets API used by the tests (tests/fakes): calls and bytes, not network
time.

`--history` times `okr status` on workbooks with the same plan and more history (the first is
the base; see benchmarks/generate.py: large-3y, huge, huge-3y). `--libreoffice` also times a
check-in on the workbook as LibreOffice saves it (every text in the shared strings part).
`--memory-million` measures the peak memory of a check-in and of a rollover on the `million`
workbook (1,001,520 log lines). benchmarks/cells.py counts Google's cells over 8 rollovers.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # type: ignore[import-not-found]  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(scale.OUT)  # benchmarks/out, or its smoke/ folder (scale.py)
PYTHON = sys.executable
OKR = str(Path(sys.executable).parent / "okr")
TODAY = {"small": "2026-11-20", "medium": "2026-11-20"}

# Targets (ratios to the floors measured in the same run).
HELP_RATIO = 8.0
REPORT_RATIO = 1.0  # status and lagging against the parse of every sheet
PAGE_RATIO = 1.5  # okr report (the HTML page) against the same parse
HISTORY_RATIO = 1.15  # status with more history against status with a year of it
LIBREOFFICE_RATIO = 1.2  # check-in on a workbook LibreOffice saved against the steady one
CHECKIN_SECONDS = 1.0
MEMORY_MB = 200.0
VISUAL_RATIO = 3.0  # okr report against okr status
VISUAL_MB = 5.0
REMIND_SECONDS = 3.0  # okr remind --out DIR, every owner due

CALAMINE_PARSE = """
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
for name in book.sheet_names:
    book.get_sheet_by_name(name).to_python()
"""

# Runs a command and reports its peak memory (max resident set size of the child, in KB).
PEAK = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def today(size: str) -> str:
    return TODAY.get(size, "2026-12-31")


def timed_together(argvs: Sequence[Sequence[str]], runs: int, env: dict[str, str]) -> list[float]:
    """Median wall time of each command, run in turns (one of each per round, after a warm-up
    round): a floor and the commands compared with it see the same load on a shared machine."""
    times: list[list[float]] = [[] for _ in argvs]
    for attempt in range(runs + 1):
        for argv, spent in zip(argvs, times, strict=True):
            began = time.perf_counter()
            subprocess.run(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env
            )
            if attempt:
                spent.append(time.perf_counter() - began)
    return [statistics.median(spent) for spent in times]


def peak_mb(argv: Sequence[str], env: dict[str, str]) -> float:
    out = subprocess.run(
        [PYTHON, "-c", PEAK, *argv], capture_output=True, text=True, check=True, env=env
    ).stdout
    return int(out.strip()) / 1024


def workbook(size: str) -> Path:
    path = OUT / f"{size}.xlsx"
    if not path.exists():
        subprocess.run(
            [PYTHON, str(ROOT / "benchmarks" / "generate.py"), "--out", str(OUT), "--sizes", size],
            check=True,
        )
    return path


def first_kr(size: str) -> str:
    sys.path.insert(0, str(ROOT / "benchmarks"))

    from generate import AS_OF, SIZES, build  # type: ignore[import-not-found]

    from okrsheet.domain.model import KeyResult

    draft = build(SIZES[size], AS_OF[size])
    last_tab = list(draft.tabs.values())[-1]
    return next(i.id for i in last_tab if isinstance(i, KeyResult))


def line(label: str, seconds: float, floor: float | None = None, target: str = "") -> None:
    ratio = f"{seconds / floor:6.1f}x" if floor else "       "
    print(f"  {label:<38} {seconds * 1000:9.0f} ms {ratio}  {target}")


def environment(size: str, pycache: str) -> dict[str, str]:
    env = {**os.environ, "OKR_TODAY": today(size), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def local(size: str, runs: int, pycache: str, libreoffice: bool) -> None:
    path = workbook(size)
    env = environment(size, pycache)
    print(f"\n{size}: {path.name}, {path.stat().st_size / 1e6:.1f} MB")
    flags = (["--help"], ["--version"], ["status", "--help"])
    start, *starts = timed_together(
        [[PYTHON, "-c", "pass"]] + [[OKR, *a] for a in flags], runs, env
    )
    line("python -c pass (floor)", start)
    for args, seconds in zip(flags, starts, strict=True):
        ok = "ok" if seconds <= HELP_RATIO * start else "OVER"
        line(f"okr {' '.join(args)}", seconds, start, f"target <= {HELP_RATIO:g}x start-up: {ok}")
    reports = ("status", "lagging")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "report.html"
        parse, *reads, drawn = timed_together(
            [[PYTHON, "-c", CALAMINE_PARSE, str(path)]]
            + [[OKR, c, "--format", "json", "-w", str(path)] for c in reports]
            + [[OKR, "report", "--out", str(page), "-w", str(path)]],
            runs,
            env,
        )
        size_mb = page.stat().st_size / 1e6
    line("python-calamine parse (floor)", parse)
    for command, seconds in zip(reports, reads, strict=True):
        ok = "ok" if seconds <= REPORT_RATIO * parse else "OVER"
        line(
            f"okr {command} --format json",
            seconds,
            parse,
            f"target <= {REPORT_RATIO:g}x parse: {ok}",
        )
    ok = "ok" if drawn <= PAGE_RATIO * parse else "OVER"
    line("okr report --out FILE", drawn, parse, f"target <= {PAGE_RATIO:g}x parse: {ok}")
    ok = "ok" if drawn <= VISUAL_RATIO * reads[0] else "OVER"
    print(
        f"  {'  (against status)':<38} {drawn / reads[0]:20.1f}x  target <= {VISUAL_RATIO:g}x: {ok}"
    )
    ok = "ok" if size_mb <= VISUAL_MB else "OVER"
    print(
        f"  {'okr report file size':<38} {size_mb:9.2f} MB"
        f"          target <= {VISUAL_MB:g} MB: {ok}"
    )
    reminders(path, runs, env)
    checkins(size, path, runs, env, libreoffice)


def checkins(size: str, path: Path, runs: int, env: dict[str, str], libreoffice: bool) -> None:
    """The steady check-in (the same copy again and again), the first one after another
    program saved the file (a fresh copy each run), and with `libreoffice` the first one after
    LibreOffice saved it; timed in turns, so the ratios see the same load."""
    kr = first_kr(size)
    saved = libreoffice_copy(path) if libreoffice else None
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        steady_copies = [copy]
        if saved:  # check-ins on one copy LibreOffice saved: steady after its first one
            steady_copies.append(Path(tmp) / "libreoffice-steady.xlsx")
            shutil.copy(saved, steady_copies[-1])
        sources = [path] + ([saved] if saved else [])
        times: list[list[float]] = [[] for _ in range(len(steady_copies) + len(sources))]
        for n in range(runs + 1):
            argvs = [
                [OKR, "checkin", kr, "--value", str(10 + n), "-w", str(c)] for c in steady_copies
            ]
            for k, source in enumerate(sources):
                fresh = Path(tmp) / f"fresh-{k}.xlsx"
                shutil.copy(source, fresh)
                argvs.append([OKR, "checkin", kr, "--value", "7", "-w", str(fresh)])
            for argv, spent in zip(argvs, times, strict=True):
                began = time.perf_counter()
                subprocess.run(
                    argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env
                )
                if n:
                    spent.append(time.perf_counter() - began)
        medians = [statistics.median(t) for t in times]
        steady = medians[0]
        ok = "ok" if steady <= CHECKIN_SECONDS else "OVER"
        line(f"okr checkin {kr} --value V", steady, None, f"target <= {CHECKIN_SECONDS:g} s: {ok}")
        if saved:
            lo_steady, first, lo_first = medians[1:]
            ok = "ok" if lo_steady <= LIBREOFFICE_RATIO * steady else "OVER"
            target = f"target <= {LIBREOFFICE_RATIO:g}x steady: {ok}"
            line("  (on a workbook LibreOffice saved)", lo_steady, steady, target)
            line("  (first after a save elsewhere)", first, steady)
            line("  (first after a LibreOffice save)", lo_first, steady)
            print(f"  {'    against the first after a save':<38} {lo_first / first:20.2f}x")
        else:
            line("  (first after a save elsewhere)", medians[1], steady)
        peaks = {
            "status": peak_mb([OKR, "status", "--format", "json", "-w", str(copy)], env),
            "checkin": peak_mb([OKR, "checkin", kr, "--value", "99", "-w", str(copy)], env),
        }
        if saved:
            fresh = Path(tmp) / "fresh-lo.xlsx"
            shutil.copy(saved, fresh)
            peaks["checkin after LibreOffice"] = peak_mb(
                [OKR, "checkin", kr, "--value", "98", "-w", str(fresh)], env
            )
    for what, peak in peaks.items():
        ok = "ok" if peak <= MEMORY_MB else "OVER"
        print(
            f"  {'peak memory, ' + what:<38} {peak:9.0f} MB"
            f"          target <= {MEMORY_MB:g} MB: {ok}"
        )


def libreoffice_copy(path: Path) -> Path:
    """The workbook as LibreOffice saves it (made once, kept beside the generated ones)."""
    saved = OUT / "libreoffice" / path.name
    if saved.exists() and saved.stat().st_mtime >= path.stat().st_mtime:
        return saved
    saved.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(saved.parent),
                str(path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )
    return saved


def history_axis(sizes: Sequence[str], runs: int, pycache: str) -> None:
    """`okr status` on workbooks with the same plan and more history, against the first."""
    paths = [workbook(size) for size in sizes]
    env = environment(sizes[0], pycache)
    print(f"\nhistory: okr status --format json on {', '.join(sizes)}")
    parse, *spent = timed_together(
        [[PYTHON, "-c", CALAMINE_PARSE, str(paths[0])]]
        + [[OKR, "status", "--format", "json", "-w", str(p)] for p in paths],
        runs,
        env,
    )
    line(f"python-calamine parse of {sizes[0]} (floor)", parse)
    base = spent[0]
    for size, path, seconds in zip(sizes, paths, spent, strict=True):
        lines = log_lines(path)
        line(f"okr status, {size}", seconds, parse)
        print(f"  {'  lines in the live log':<38} {lines:9,}")
        if path != paths[0]:
            ok = "ok" if seconds <= HISTORY_RATIO * base else "OVER"
            print(
                f"  {'  against ' + sizes[0]:<38} {seconds / base:20.2f}x  "
                f"target <= {HISTORY_RATIO:g}x: {ok}"
            )
        peak = peak_mb([OKR, "status", "--format", "json", "-w", str(path)], env)
        print(f"  {'  peak memory':<38} {peak:9.0f} MB")


def log_lines(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Check-ins").to_python()) - 1


def reminders(path: Path, runs: int, env: dict[str, str]) -> None:
    """`okr remind --out DIR` with every owner due: the workbook with an address for each
    person in People and a one-day cadence, on a day without weekly check-ins. Each run is on
    a fresh copy, so each composes every message and adds the Reminders tab (the first run's
    work, the most there is)."""
    from python_calamine import CalamineWorkbook

    from okrsheet.stores.base import SetCells, WriteValue
    from okrsheet.stores.xlsx.patch import patch

    book = CalamineWorkbook.from_path(str(path))
    people = book.get_sheet_by_name("People").to_python()
    settings = book.get_sheet_by_name("Settings").to_python()
    cadence = next(n for n, r in enumerate(settings, 1) if str(r[0]).startswith("Check-in cad"))
    start = next(r[1] for r in settings if r[0] == "Cycle start")
    assert isinstance(start, date)
    day = date.fromisoformat(env["OKR_TODAY"])
    if (day - start).days % 7 == 0:  # the weekly check-ins fall on this day: the day before
        day -= timedelta(days=1)
    addresses: dict[tuple[int, int], WriteValue] = {
        (r, 3): f"person{r - 1:03d}@example.com" for r in range(2, len(people) + 1)
    }
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "due.xlsx"
        with prepared.open("wb") as out:
            patch(
                str(path),
                out,
                [SetCells("People", addresses), SetCells("Settings", {(cadence, 2): 1})],
            )
        times: list[float] = []
        messages = 0
        for n in range(runs):
            copy = Path(tmp) / f"run-{n}.xlsx"
            shutil.copy(prepared, copy)
            outbox = Path(tmp) / f"outbox-{n}"
            argv = [OKR, "remind", "--out", str(outbox), "-w", str(copy)]
            began = time.perf_counter()
            subprocess.run(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                env={**env, "OKR_TODAY": day.isoformat()},
            )  # fmt: skip
            times.append(time.perf_counter() - began)
            messages = len(list(outbox.iterdir()))
            copy.unlink()
    seconds = statistics.median(times)
    ok = "ok" if seconds <= REMIND_SECONDS else "OVER"
    line(
        f"okr remind --out DIR ({messages} owners)",
        seconds,
        None,
        f"target <= {REMIND_SECONDS:g} s: {ok}",
    )


def google(size: str) -> None:
    """API calls and bytes per command on the Google fake, for a workbook of this size: bytes
    as JSON (what a client parses) and gzipped (what crosses the wire: Google compresses its
    answers, and requests asks for that), and the largest single request."""
    sys.path.insert(0, str(ROOT))
    os.environ["NO_GCE_CHECK"] = "true"
    from typer.testing import CliRunner

    import okrsheet.stores.google.http as google_http
    import okrsheet.stores.google.store as gsheets
    from okrsheet.cli import app
    from tests.fakes.sheets_api import FakeGoogle, authorized_session, service_account_info

    fake = FakeGoogle()
    fake.measure_gzip = True
    fake.atomic = False  # no faults are injected here; snapshots would cost minutes
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.json"
        key.write_text(json.dumps(service_account_info(fake)))
        people = Path(tmp) / "people.csv"
        people.write_text(
            "name,team\n" + "".join(f"Person {n:03d},Team {n % 7}\n" for n in range(150))
        )
        os.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(key)
        os.environ["OKR_TODAY"] = today(size)
        gsheets.new_session = lambda creds: authorized_session(fake, creds)  # type: ignore[assignment]
        google_http.pause = lambda seconds: None
        runner = CliRunner()
        kr = first_kr(size)
        print(f"\nGoogle Sheets API calls, {size} workbook (in-process fake):")
        print(
            f"  {'command':<34} {'reads':>5} {'writes':>6} {'drive':>5}"
            f" {'sent':>9} {'(gzip)':>8} {'received':>9} {'(gzip)':>8} {'largest':>9}"
        )
        steps: list[tuple[str, list[str]]] = [
            (
                "init gsheet:new --people (150)",
                ["init", "gsheet:new", "--people", str(people), "--cycle", "2026-Q4"],
            ),
            ("status --format json (fresh 150)", ["status", "--format", "json"]),
            (
                "push --to gsheet:new --share x",
                ["push", str(workbook(size)), "--to", "gsheet:new", "--share", "a@example.com"],
            ),
            ("status --format json", ["status", "--format", "json"]),
            ("lagging --format json", ["lagging", "--format", "json"]),
            ("validate", ["validate"]),
            (f"checkin {kr} --value 42", ["checkin", kr, "--value", "42"]),
            ("grade --write", ["grade", "--write"]),
            ("rollover --to 2027-Q1", ["rollover", "--to", "2027-Q1"]),
        ]
        for label, args in steps:
            fake.reset_calls()
            if args[0] not in ("push", "init"):
                args = [*args, "-w", f"gsheet:{list(fake.spreadsheets)[-1]}"]
            result = runner.invoke(app, args)
            if result.exit_code not in (0, 3, 6):
                print(f"  {label}: exit {result.exit_code}: {result.stderr.strip()[:200]}")
                continue
            sheets = [e for e in fake.exchanges if e.request.kind.startswith("sheets")]
            largest = max((e.request_bytes for e in sheets), default=0)
            print(
                f"  {label:<34} {fake.count('sheets-read'):>5} {fake.count('sheets-write'):>6} "
                f"{fake.count('drive'):>5} {kb(sum(e.request_bytes for e in sheets))} "
                f"{kb(sum(e.request_gzip_bytes for e in sheets), 5)} "
                f"{kb(sum(e.response_bytes for e in sheets), 6)} "
                f"{kb(sum(e.response_gzip_bytes for e in sheets), 5)} {kb(largest, 6)}",
                flush=True,
            )
        print(
            "  targets: a report 2 reads (the tab list, then the values), under 100 kB for the "
            "example, 300 kB for a fresh 150-person workbook, 25 MB for the large one; a "
            "check-in 2 reads + 1 write; no request over 2 MB"
        )


#: Check-in peak memory on the `million` workbook (1,001,520 log lines).
MILLION_MB = 250.0

#: okr with the bound on what it unpacks lifted: the `million` workbook unpacks to about 720 MB,
#: past the 512 MB okr reads (stores/xlsx/bounds.py), which would refuse it unread.
LIFTED = """
import sys
import okrsheet.stores.xlsx.bounds as bounds
bounds.MAX_UNPACKED_BYTES = 1 << 30
from okrsheet.__main__ import main
sys.argv[0] = "okr"
main()
"""


def memory_million(pycache: str) -> None:
    """Peak memory (the child's max resident set size) of one check-in, and of a rollover
    that moves the old cycle's check-ins out of the live log, on the `million` workbook
    (benchmarks/generate.py: 535 people, three years of weekly check-ins), each on a fresh
    copy, with okr's bound on unpacked bytes lifted (`LIFTED`)."""
    path = workbook("million")
    env = environment("million", pycache)
    kr = first_kr("million")
    print(
        f"\nmillion: {path.name}, {path.stat().st_size / 1e6:.1f} MB, {log_lines(path):,} log lines"
    )
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        began = time.perf_counter()
        okr = [PYTHON, "-c", LIFTED]
        peak = peak_mb([*okr, "checkin", kr, "--value", "99", "-w", str(copy)], env)
        spent = time.perf_counter() - began
        ok = "ok" if peak <= MILLION_MB else "OVER"
        print(
            f"  {'peak memory, checkin':<38} {peak:9.0f} MB"
            f"          target <= {MILLION_MB:g} MB: {ok} ({spent:.1f} s)"
        )
        shutil.copy(path, copy)
        began = time.perf_counter()
        try:
            peak = peak_mb([*okr, "rollover", "--to", "2027", "--yes", "-w", str(copy)], env)
        except subprocess.CalledProcessError:
            # A rollover reads the whole log: past the cells okr reads on a tab, it refuses.
            print(f"  {'rollover':<38} refused (the log is past the cells okr reads on a tab)")
            return
        spent = time.perf_counter() - began
        print(
            f"  {'peak memory, rollover':<38} {peak:9.0f} MB"
            f"          ({spent:.1f} s; {log_lines(copy):,} log lines left live)"
        )


def kb(size: int, width: int = 6) -> str:
    return f"{size / 1e3:>{width}.0f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--google-size", default="large")
    parser.add_argument("--no-google", action="store_true")
    parser.add_argument("--history", default="", help="e.g. large,large-3y (the first is the base)")
    parser.add_argument("--libreoffice", action="store_true")
    parser.add_argument(
        "--memory-million",
        action="store_true",
        help="check-in peak memory on a workbook of 1,000,000 log lines (made on first use)",
    )
    args = parser.parse_args()
    args.runs = scale.runs(args.runs)
    scale.announce()
    print(f"python {sys.version.split()[0]} on {sys.platform}; median of {args.runs} runs each")
    with tempfile.TemporaryDirectory(prefix="okr-pycache-") as pycache:
        for size in filter(None, args.sizes.split(",")):
            local(size, args.runs, pycache, args.libreoffice)
        if args.history:
            history_axis(args.history.split(","), args.runs, pycache)
        if args.memory_million:
            memory_million(pycache)
    if not args.no_google:
        google(args.google_size)


if __name__ == "__main__":
    main()
