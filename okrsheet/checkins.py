"""Recording check-ins: turn what a person typed (flags, prompts, a CSV) into validated
`CheckIn`s against the current plan, then write them in one atomic update."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from okrsheet.csvfile import read_csv
from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.kpis import KPI
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.changes import checkin_changes, checkin_table, logged_ids, looks_like_log
from okrsheet.layout.reader import Unreadable
from okrsheet.model import CheckIn, KeyResult, KRKind, Plan
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import Change, RawWorkbook, Skim


@dataclass(frozen=True)
class CheckInRequest:
    """One check-in as typed, before validation. `source` says where it came from
    (`updates.csv:4`; empty for the command line, whose errors name the option instead)."""

    kr_id: str
    value: str | float
    confidence: str | float | None = None
    note: str = ""
    day: date | None = None
    # A date as typed (a CSV cell, --date), read with the workbook's date order.
    day_text: str = ""
    author: str | None = None
    source: str = ""
    # Given once, before any write is tried: a retried write recognises what already landed.
    checkin_id: str = ""


#: Where a command-line check-in's fields came from, for error messages.
_OPTIONS = {"kr": "KR_ID", "date": "--date", "value": "--value", "confidence": "--confidence"}


def fingerprint(request: CheckInRequest, today: date) -> str:
    """A check-in id derived from what was typed: running the same command again (after a
    failure whose outcome was unclear) names the same check-in, which the log then already
    holds, so it is not recorded twice. Two genuinely different check-ins always differ in
    one of these fields."""
    fields = (
        request.kr_id.strip().upper(),
        str(request.value).strip(),
        "" if request.confidence is None else str(request.confidence).strip(),
        request.note.strip(),
        request.day.isoformat() if request.day else request.day_text or today.isoformat(),
        (request.author or "").strip(),
        request.source,  # a CSV's file and line: two equal rows of one batch stay two
    )
    digest = hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
    return f"ci-{digest[:16]}"


def parse_value(kr: KeyResult | KPI, value: str | float) -> float:
    milestone = isinstance(kr, KeyResult) and kr.kind is KRKind.MILESTONE
    parsed = cells.parse_done(value) if milestone else cells.parse_number(value)
    if parsed is None:
        raise cells.CellValueError("a value is required")
    return parsed


def units_problem(kr: KeyResult, value: float, typed: str | float) -> str | None:
    """A value whose units cannot be meant for this key result (78 on an 85% target), or None
    (see `cells.implausible`)."""
    return cells.implausible(
        value,
        typed=typed,
        start=kr.start_value,
        target=kr.target_value,
        unit=kr.unit,
        kind=kr.kind,
    )


def day_problem(plan: Plan, day: date, today: date) -> str | None:
    """Why a check-in cannot be dated `day`, or None when it can."""
    if not plan.cycle.contains(day):
        return (
            f"{day.isoformat()} is outside the cycle {plan.cycle.name} "
            f"({plan.cycle.start.isoformat()} to {plan.cycle.end.isoformat()})"
        )
    if day > today:
        return f"{day.isoformat()} is in the future"
    return None


def prepare(
    plan: Plan,
    requests: Sequence[CheckInRequest],
    *,
    today: date,
    now: datetime,
    unreadable: Mapping[str, Unreadable] | None = None,
) -> list[CheckIn]:
    """Validate every request; raise one `UsageError` listing all problems, or return them all.

    A key result whose row could not be read (`unreadable`) is named with its problems; when
    those are the only problems, the error is about the workbook's content."""
    problems: list[str] = []
    prepared: list[CheckIn] = []
    by_id: dict[str, KeyResult | KPI] = {kpi.id.casefold(): kpi for kpi in plan.kpis}
    by_id.update({kr.id.casefold(): kr for kr in plan.key_results})  # a KPI is checked in alike
    broken = {i.casefold(): u for i, u in (unreadable or {}).items()}
    broken_rows = 0
    for request in requests:
        source = request.source

        def problem(message: str, field: str = "value", source: str = source) -> None:
            problems.append(f"{source or _OPTIONS[field]}: {message}")

        kr = by_id.get(request.kr_id.strip().casefold())
        if kr is None and request.kr_id.strip().casefold() in broken:
            problem(str(broken[request.kr_id.strip().casefold()]), "kr")
            broken_rows += 1
            continue
        if kr is None:
            problem(f"no key result with ID {request.kr_id!r}", "kr")
            continue
        day = request.day or today
        if request.day is None and request.day_text:
            try:
                day = cells.parse_date(request.day_text, order=plan.settings.date_order) or today
            except cells.CellValueError as exc:
                problem(f"date: {exc}" if source else str(exc), "date")
                continue
        wrong_day = day_problem(plan, day, today)
        if wrong_day:
            problem(wrong_day, "date")
            continue
        try:
            value = parse_value(kr, request.value)
        except cells.CellValueError as exc:
            problem(f"value for {kr.id}: {exc}")
            continue
        # A KPI has a healthy range, not a start and a target to measure units against.
        implausible = units_problem(kr, value, request.value) if isinstance(kr, KeyResult) else None
        if implausible:
            problem(f"value for {kr.id}: {implausible}")
            continue
        try:
            confidence = cells.parse_confidence(request.confidence)
        except cells.CellValueError as exc:
            problem(f"confidence for {kr.id}: {exc}", "confidence")
            continue
        try:
            prepared.append(
                CheckIn(
                    date=day,
                    kr_id=kr.id,
                    value=value,
                    confidence=confidence,
                    note=request.note.strip(),
                    author=(request.author or kr.owner).strip(),
                    recorded_at=now.replace(microsecond=0),
                    checkin_id=request.checkin_id or fingerprint(request, today),
                )
            )
        except ValidationError as exc:
            problem("; ".join(str(e["msg"]) for e in exc.errors()))
    if problems and broken_rows == len(problems):
        raise InvalidWorkbook(
            f"{len(problems)} key result(s) cannot take a check-in until their rows are fixed; "
            "nothing was written",
            details=problems,
            hint="`okr validate` lists every problem with its cell",
        )
    if problems:
        raise UsageError(
            f"{len(problems)} check-in(s) are not valid; nothing was written", details=problems
        )
    return prepared


def record(
    location: Location,
    requests: Sequence[CheckInRequest],
    *,
    today: date,
    clock: Callable[[], datetime] = datetime.now,
) -> list[CheckIn]:
    """Validate against a fresh read and write the log rows and KR rows in one atomic update.

    `Recorded at` comes from `clock` when the write is planned, under the store's lock: a
    command that waited for another one's write is stamped after it, as it is written after it.

    Each check-in gets its id before the first attempt, so when a store retries after a write
    whose outcome it could not see, the planner finds what already landed and skips it.
    """
    requests = [
        r if r.checkin_id else replace(r, checkin_id=fingerprint(r, today)) for r in requests
    ]
    recorded: list[CheckIn] = []
    seen: set[str] | None = None  # the ids the log held before this run (not before a retry)

    def planner(raw: RawWorkbook) -> list[Change]:
        nonlocal seen
        parsed = parse_workbook(raw, with_log=False)
        plan = parsed.plan
        checkins = prepare(plan, requests, today=today, now=clock(), unreadable=parsed.unreadable)
        # Each KR row keeps the date of its newest check-in: a back-dated one must not
        # overwrite the current value.
        logged = {kr.id: kr.last_checkin for kr in plan.key_results if kr.last_checkin}
        logged.update({k.id: k.updated for k in plan.kpis if k.updated and k.id not in logged})
        if seen is None:
            seen = logged_ids(raw, checkin_table(raw))
        recorded[:] = [c for c in checkins if c.checkin_id not in seen]
        return checkin_changes(raw, checkins, logged)

    # Of the log, the planner needs the header and whether these ids are in it already: the
    # store may leave its other rows unread (94,000 of them take a second to parse).
    ids = frozenset(r.checkin_id for r in requests)
    open_store(location).update(planner, skim=Skim(needles=ids, wanted=looks_like_log))
    return recorded


#: The columns of a check-in file and the other header spellings each accepts.
BATCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "kr_id": ("kr", "id", "key result", "key result id"),
    "value": ("new value", "current"),
    "confidence": (),
    "note": ("notes", "comment"),
    "date": ("day",),
    "author": ("by",),
}


def read_batch(source: str | Path, *, notices: list[str] | None = None) -> list[CheckInRequest]:
    """A CSV with a header row: kr_id, value, and optionally confidence, note, date, author;
    `-` reads standard input. Dates stay as typed until the workbook's date order is known.
    Notices (a file read as Windows-1252) go to `notices`."""
    table = read_csv(source, columns=BATCH_COLUMNS, required=("kr_id", "value"), option="--from")
    if notices is not None:
        notices.extend(table.notices)
    requests = [
        CheckInRequest(
            kr_id=row.get("kr_id").strip(),
            value=row.get("value").strip(),
            confidence=row.get("confidence").strip() or None,
            note=row.get("note"),
            day_text=row.get("date").strip(),
            author=row.get("author").strip() or None,
            source=table.where(row.line),
        )
        for row in table.rows
    ]
    if not requests:
        raise UsageError(f"{table.name} holds no check-ins", option="--from")
    return requests
