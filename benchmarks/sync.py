"""Benchmark of `okr sync` on the large workbook: 150 person tabs (1,800 key results, a year of
check-ins), one key result per tab fed by a Source, 150 sources across 10 source workbooks.

    python benchmarks/sync.py [--runs 3]

Times whole `okr sync` processes (start-up included), median of several runs on fresh copies,
wall time and CPU time (on a shared machine the CPU time is the steadier figure):
the first sync (150 numbers change: 150 check-ins and 150 Synced cells, one write) and a second
one on the synced copy (nothing changed: nothing written). Target: under 5 s each. The large
workbook comes from benchmarks/generate.py (made on first use); the source workbooks are written
here with okr's own store.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import OKR, today, workbook  # type: ignore[import-not-found]  # noqa: E402
from scale import announce, runs  # type: ignore[import-not-found]  # noqa: E402

from okrsheet.layout import cells  # noqa: E402
from okrsheet.layout.schema import OKR_COLUMNS  # noqa: E402
from okrsheet.stores.base import Change, ColumnSpec, SetCells, TabSpec, WriteValue  # noqa: E402
from okrsheet.stores.xlsx.patch import patch  # noqa: E402
from okrsheet.stores.xlsx.store import XlsxStore  # noqa: E402

TARGET_SECONDS = 5.0
BOOKS = 10
#: The first column right of an OKR tab's table: the Source column.
SOURCE_COL = len(OKR_COLUMNS) + 1


def feed(path: Path, folder: Path) -> int:
    """A Source on the first key result of every person tab, each naming a cell of one of 10
    source workbooks that holds a number between the key result's start and target (so that
    the units guard takes it); returns how many."""
    raw = XlsxStore(path).read()
    changes: list[Change] = []
    values: dict[int, list[list[WriteValue]]] = {n: [] for n in range(BOOKS)}
    count = 0
    for grid in raw.grids:
        if not grid.title.startswith("Person "):
            continue
        row = next(i for i, r in enumerate(grid.rows, start=1) if r and r[0] == "Key result")
        start, target = (cells.parse_number(grid.cell(row, col)) or 0.0 for col in (9, 10))
        book = count % BOOKS
        values[book].append([f"KR {len(values[book]) + 1}", start + (target - start) * 0.6])
        source = f"dept{book + 1:02d}.xlsx!Numbers!B{len(values[book]) + 1}"  # under the header
        changes.append(SetCells(grid.title, {(1, SOURCE_COL): "Source", (row, SOURCE_COL): source}))
        count += 1
    out = io.BytesIO()
    patch(str(path), out, changes)
    path.write_bytes(out.getvalue())
    for book, rows in values.items():
        spec = TabSpec("Numbers", [ColumnSpec("Key result"), ColumnSpec("Value")], rows)
        XlsxStore(folder / f"dept{book + 1:02d}.xlsx").create([spec], overwrite=True)
    return count


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall time and CPU time (user and system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    spent = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return spent, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.runs = runs(args.runs)
    announce()
    large = workbook("large")
    env = {**os.environ, "OKR_TODAY": today("large"), "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="okr-sync-") as tmp:
        folder = Path(tmp)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        env["OKR_CONFIG"] = str(folder / "config.toml")
        (folder / "config.toml").write_text("[sync]\ntimeout = 10\n", encoding="utf-8")
        fed = folder / "fed.xlsx"
        shutil.copy(large, fed)
        count = feed(fed, folder)
        print(f"large: {large.stat().st_size / 1e6:.1f} MB, {count} sourced key results, "
              f"{BOOKS} source workbooks; median of {args.runs} runs")  # fmt: skip
        first: list[tuple[float, float]] = []
        second: list[tuple[float, float]] = []
        for n in range(args.runs + 1):
            copy = folder / f"run{n}.xlsx"
            shutil.copy(fed, copy)
            one = timed([OKR, "sync", "-w", str(copy)], env)
            two = timed([OKR, "sync", "-w", str(copy)], env)
            if n:  # the first round warms the bytecode cache and the disk
                first.append(one)
                second.append(two)
            copy.unlink()
        for label, times in ((f"okr sync ({count} numbers change)", first),
                             ("okr sync again (nothing changed)", second)):  # fmt: skip
            seconds = statistics.median(t for t, _ in times)
            cpu = statistics.median(c for _, c in times)
            ok = "ok" if seconds < TARGET_SECONDS else "OVER"
            print(
                f"  {label:<34} {seconds * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms CPU  "
                f"target < {TARGET_SECONDS:g} s: {ok}"
            )
        load = os.getloadavg()[0]
        print(f"  load average while measured: {load:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
