"""The benchmarks' scale: full, or smoke when OKR_BENCH_SMOKE=1.

At smoke scale every workbook has at most SMOKE_PEOPLE people (the same cycles, years of
history and layout), every median is of one run, and the workbooks are built into
`benchmarks/out/smoke/`, never over the full-scale ones. It is how the documented benchmark
lines run in a test (tests/test_doc_examples.py) in seconds, through the same code; its figures
say nothing about speed, and each script says so first.
"""

from __future__ import annotations

import os
from pathlib import Path

SMOKE = os.environ.get("OKR_BENCH_SMOKE") == "1"
SMOKE_PEOPLE = 3
#: Where the workbooks are built (made on first use).
OUT = Path(__file__).resolve().parent / "out" / ("smoke" if SMOKE else "")


def people(count: int) -> int:
    return min(count, SMOKE_PEOPLE) if SMOKE else count


def runs(count: int) -> int:
    return min(count, 1) if SMOKE else count


def announce() -> None:
    """Say, before any figure, that the figures are not the benchmark's."""
    if SMOKE:
        print(f"smoke scale (OKR_BENCH_SMOKE=1): at most {SMOKE_PEOPLE} people, one run each")
