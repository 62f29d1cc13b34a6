"""What the Synced cell beside a Source says, written by `okr sync` and read by everyone else.

    synced 2026-12-07                                  the day sync last brought the number
    unreadable since 2026-12-01: tab 'P&L' not found   the first day of the failure, and why

The state lives in the sheet, where people see it, so `okr validate` and `okr lagging` report a
failing source without reading it again. A run that finds the same number and the same state
writes nothing, so the date of `synced` is the day the number last changed (or the source first
answered, or recovered). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_SYNCED = re.compile(r"^synced (\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_FAILING = re.compile(r"^unreadable since (\d{4}-\d{2}-\d{2}): (.+)$", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class SourceState:
    ok: bool
    since: date
    reason: str = ""

    def text(self) -> str:
        if self.ok:
            return f"synced {self.since.isoformat()}"
        return f"unreadable since {self.since.isoformat()}: {self.reason}"


def read_state(text: str) -> SourceState | None:
    """The state a Synced cell holds; None when blank or not written by sync."""
    text = text.strip()
    try:
        failing = _FAILING.match(text)
        if failing:
            return SourceState(False, date.fromisoformat(failing[1]), failing[2].strip())
        synced = _SYNCED.match(text)
        if synced:
            return SourceState(True, date.fromisoformat(synced[1]))
    except ValueError:
        return None
    return None


def next_state(
    before: SourceState | None, today: date, *, error: str | None, changed: bool
) -> SourceState | None:
    """The state to write after a run, or None when the cell stays as it is: a failure keeps
    the day it began, a success is dated when the number changed or the source recovered."""
    if error is not None:
        if before is not None and not before.ok:
            return None if before.reason == error else SourceState(False, before.since, error)
        return SourceState(False, today, error)
    if before is not None and before.ok and (not changed or before.since == today):
        return None
    return SourceState(True, today)


def failing_sentence(source: str, state: SourceState) -> str:
    from okrsheet.sources import shown

    return f"source {shown(source)} unreadable since {state.since.isoformat()}: {state.reason}"


def source_lag_reasons(
    source: str,
    status: str,
    *,
    behind: bool,
    last_change: date | None,
    cadence_days: int,
    as_of: date,
) -> list[tuple[str, str]]:
    """Why a sourced key result (or KPI) needs attention because of its source: the source
    fails, or its number has not moved for longer than the cadence while the result is behind."""
    if not source:
        return []
    state = read_state(status)
    if state is not None and not state.ok:
        return [("source-failing", failing_sentence(source, state))]
    if behind and last_change is not None and (as_of - last_change).days > cadence_days:
        from okrsheet.sources import shown

        return [
            (
                "source-stale",
                f"source {shown(source)} unchanged since {last_change.isoformat()} while behind",
            )
        ]
    return []
