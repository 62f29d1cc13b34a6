"""Recording check-ins: turn what a person typed (flags, prompts, a CSV) into validated
`CheckIn`s against the current plan, then write them in one atomic update."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.changes import checkin_changes, checkin_table, logged_ids, looks_like_log
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
        (request.day or today).isoformat(),
        (request.author or "").strip(),
        request.source,  # a CSV's file and line: two equal rows of one batch stay two
    )
    digest = hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()
    return f"ci-{digest[:16]}"


def parse_value(kr: KeyResult, value: str | float) -> float:
    parsed = cells.parse_done(value) if kr.kind is KRKind.MILESTONE else cells.parse_number(value)
    if parsed is None:
        raise cells.CellValueError("a value is required")
    return parsed


def prepare(
    plan: Plan,
    requests: Sequence[CheckInRequest],
    *,
    today: date,
    now: datetime,
) -> list[CheckIn]:
    """Validate every request; raise one `UsageError` listing all problems, or return them all."""
    problems: list[str] = []
    prepared: list[CheckIn] = []
    by_id = {kr.id.casefold(): kr for kr in plan.key_results}
    for request in requests:
        source = request.source

        def problem(message: str, field: str = "value", source: str = source) -> None:
            problems.append(f"{source or _OPTIONS[field]}: {message}")

        kr = by_id.get(request.kr_id.strip().casefold())
        if kr is None:
            problem(f"no key result with ID {request.kr_id!r}", "kr")
            continue
        day = request.day or today
        if not plan.cycle.contains(day):
            problem(
                f"{day.isoformat()} is outside the cycle {plan.cycle.name} "
                f"({plan.cycle.start.isoformat()} to {plan.cycle.end.isoformat()})",
                "date",
            )
            continue
        if day > today:
            problem(f"{day.isoformat()} is in the future", "date")
            continue
        try:
            value = parse_value(kr, request.value)
        except cells.CellValueError as exc:
            problem(f"value for {kr.id}: {exc}")
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
        plan = parse_workbook(raw, with_log=False).plan
        try:
            checkins = prepare(plan, requests, today=today, now=clock())
        except UsageError as exc:
            if seen is None:
                raise
            # Valid at the first read, not at this one: a key result's row was deleted while
            # the check-in was being recorded (the workbook changed, not the command).
            raise InvalidWorkbook(
                "the workbook changed while the check-in was being recorded; nothing was written",
                details=exc.details,
                hint="run `okr validate` and `okr status` to see the workbook as it is now",
            ) from None
        # Each KR row keeps the date of its newest check-in: a back-dated one must not
        # overwrite the current value.
        logged = {kr.id: kr.last_checkin for kr in plan.key_results if kr.last_checkin}
        if seen is None:
            seen = logged_ids(raw, checkin_table(raw))
        recorded[:] = [c for c in checkins if c.checkin_id not in seen]
        return checkin_changes(raw, checkins, logged)

    # Of the log, the planner needs the header and whether these ids are in it already: the
    # store may leave its other rows unread (94,000 of them take a second to parse).
    ids = frozenset(r.checkin_id for r in requests)
    open_store(location).update(planner, skim=Skim(needles=ids, wanted=looks_like_log))
    return recorded


BATCH_COLUMNS = ("kr_id", "value", "confidence", "note", "date", "author")


def read_batch(path: Path, *, order: cells.DateOrder = "MDY") -> list[CheckInRequest]:
    """A CSV with a header row: kr_id, value, and optionally confidence, note, date, author."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"no file at {path}", option="--from") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a directory", option="--from") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text", option="--from") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", option="--from") from None
    reader = csv.DictReader(text.splitlines())
    headers = {(h or "").strip().casefold().replace(" ", "_"): h for h in reader.fieldnames or []}
    headers.setdefault("kr_id", headers.get("kr", headers.get("id", "")))
    if not headers.get("kr_id") or "value" not in headers:
        raise UsageError(
            f"{path} needs a header row with kr_id and value (optional: confidence, note, "
            "date, author)",
            option="--from",
        )
    requests: list[CheckInRequest] = []
    problems: list[str] = []
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue

        def get(key: str, row: dict[str, str | None] = row) -> str:
            column = headers.get(key)
            return (row.get(column) or "").strip() if column else ""

        day = None
        if get("date"):
            try:
                day = cells.parse_date(get("date"), order=order)
            except cells.CellValueError as exc:
                problems.append(f"{path.name}:{line}: date: {exc}")
                continue
        requests.append(
            CheckInRequest(
                kr_id=get("kr_id"),
                value=get("value"),
                confidence=get("confidence") or None,
                note=get("note"),
                day=day,
                author=get("author") or None,
                source=f"{path.name}:{line}",
            )
        )
    if problems:
        raise UsageError(
            f"{len(problems)} row(s) of {path.name} are not valid; nothing was written",
            details=problems,
        )
    if not requests:
        raise UsageError(f"{path} holds no check-ins", option="--from")
    return requests
