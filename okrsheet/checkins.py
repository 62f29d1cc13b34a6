"""Recording check-ins: turn what a person typed (flags, prompts, a CSV) into validated
`CheckIn`s against the current plan, then write them in one atomic update."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from okrsheet.csvfile import comma_number, read_csv
from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import CheckIn, KeyResult, Plan
from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.changes import checkin_changes, checkin_table, logged_ids
from okrsheet.layout.checkin_log import looks_like_log, named_as_log
from okrsheet.layout.kpis_tab import kpi_percent_points
from okrsheet.layout.reader import ParsedWorkbook, Unreadable, reuse_tab_reads
from okrsheet.layout.results import with_room
from okrsheet.layout.schema import is_archive
from okrsheet.memory import bulk_load
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import Change, RawWorkbook, Skim, WorkbookStore


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
    # A CSV's value and confidence as typed, in a file that does not settle its decimal sign:
    # the workbook's `Decimal sign` setting says how to read them.
    decimal_open: bool = False
    # Given once, before any write is tried: a retried write recognises what already landed.
    checkin_id: str = ""


#: Where a command-line check-in's fields came from, for error messages.
_OPTIONS = {
    "kr": "KR_ID",
    "date": "--date",
    "value": "--value",
    "confidence": "--confidence",
    "note": "--note",
    "author": "--by",
}
#: The most characters a spreadsheet cell holds (Excel; Google Sheets allows more).
CELL_LIMIT = 32_767


def new_checkin_id() -> str:
    """A check-in id of its own: one per check-in of one run of a command."""
    return f"ci-{secrets.token_hex(8)}"


def comparable(checkin: CheckIn) -> str:
    """What a check-in says once read: the value as a number, the confidence as a fraction,
    the author as resolved (`--by`, `OKR_AUTHOR` or the owner), the date. `90` and `90.0`,
    `0.7` and `70%` compare equal; the file or line a check-in was typed on does not count."""
    return json.dumps(
        [
            checkin.kr_id,
            checkin.date.isoformat(),
            float(checkin.value),
            None if checkin.confidence is None else round(checkin.confidence, 12),
            checkin.note,
            checkin.author,
        ]
    )


class RetryJournal:
    """The check-ins this person sent to each Google spreadsheet whose outcome is not known,
    by key result.

    A write to Google can land without its answer arriving; okr then says it could not confirm
    it, and the person runs the same command again. Each check-in of a run gets a fresh id;
    before the first write is tried, the ids are kept here with what each check-in says
    (`comparable`), and once the write is confirmed they are forgotten. A later run whose
    check-in for a key result says what an unconfirmed one said reuses its id, so if that one
    had landed, the log already holds it and it is not recorded twice. Nothing else is ever a
    repeat: after a confirmed write, the same command records again (as on a local workbook),
    and a correction back to an earlier value (A, B, A) has an id of its own. Local workbooks
    need none of this: their writes land whole or not at all, under a lock.
    """

    def __init__(self, path: Path, location: str) -> None:
        self.path = path
        self.location = location

    @classmethod
    def default(cls, location: str) -> RetryJournal:
        state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
        return cls(Path(state) / "okrsheet" / "sent-checkins.json", location)

    def _load(self) -> dict[str, dict[str, list[list[str]]]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def assign(self, checkins: Sequence[CheckIn]) -> list[str]:
        """The id each check-in goes with: a retried one's earlier id, or its own."""
        journal = self._load()
        sent = journal.get(self.location, {})
        if not isinstance(sent, dict):
            sent = {}
        unused = {kr: list(entries) for kr, entries in sent.items() if isinstance(entries, list)}
        ids: list[str] = []
        now_sent: dict[str, list[list[str]]] = {}
        for checkin in checkins:
            said = comparable(checkin)
            earlier = unused.get(checkin.kr_id, [])
            match = next((e for e in earlier if isinstance(e, list) and e[:1] == [said]), None)
            if match is not None and len(match) == 2:
                earlier.remove(match)
                ids.append(str(match[1]))
            else:
                ids.append(checkin.checkin_id or new_checkin_id())
            now_sent.setdefault(checkin.kr_id, []).append([said, ids[-1]])
        journal[self.location] = {**sent, **now_sent}
        self._save(journal)
        return ids

    def settle(self, ids: Sequence[str]) -> None:
        """The write of `ids` is confirmed: they are no longer anyone's retry."""
        journal = self._load()
        sent = journal.get(self.location)
        if not isinstance(sent, dict):
            return
        done = set(ids)
        kept = {
            kr: left
            for kr, entries in sent.items()
            if isinstance(entries, list)
            and (
                left := [
                    e for e in entries if not (isinstance(e, list) and e[1:2] and e[1] in done)
                ]
            )
        }
        if kept:
            journal[self.location] = kept
        else:
            journal.pop(self.location, None)
        self._save(journal)

    def _save(self, journal: dict[str, dict[str, list[list[str]]]]) -> None:
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, name = tempfile.mkstemp(prefix=".sent-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(journal, handle)
                os.replace(name, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(name)


def parse_value(kr: KeyResult | KPI, value: str | float) -> float:
    kind = kr.kind if isinstance(kr, KeyResult) else None
    parsed = cells.parse_number(value) if kind is None else cells.kind_value(value, kind)
    if parsed is None:
        raise cells.CellValueError("a value is required")
    return parsed


def units_problem(kr: KeyResult, value: float, typed: str | float) -> str | None:
    """A value whose units cannot be meant for this key result (78 on an 85% target), or None
    (see `cells.implausible`). A first value of a baseline is its start: nothing to hold it to."""
    if kr.start is None:
        return None
    return cells.implausible(
        value,
        typed=typed,
        start=kr.start_value,
        target=kr.target_value,
        unit=kr.unit,
        kind=kr.kind,
    )


def kpi_units_problem(kpi: KPI, value: float, typed: str | float) -> str | None:
    """A value for a percent KPI typed on the 0-100 scale (74 where its healthy range is
    0.7-0.85, that is 70-85%), or None. A KPI whose bounds are themselves on that scale is
    left to `okr validate`, which names them."""
    slips = kpi_percent_points(kpi, value, typed)
    if "current" not in slips or {"healthy_from", "healthy_to"} & slips.keys():
        return None
    return cells.percent_points_message(value, "a percent KPI")


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
        key = request.kr_id.strip().casefold()
        kr = by_id.get(key)
        try:
            if kr is None and key in broken:
                broken_rows += 1
                raise _Problem(str(broken[key]), "kr")
            if kr is None:
                raise _Problem(f"no key result with ID {request.kr_id!r}", "kr")
            prepared.append(_prepare_one(plan, kr, request, today=today, now=now))
        except _Problem as problem:
            problems.append(f"{request.source or _OPTIONS[problem.field]}: {problem.message}")
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


class _Problem(Exception):
    """Why one check-in cannot be recorded, and the option (`_OPTIONS`) it is about."""

    def __init__(self, message: str, field: str = "value") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _prepare_one(
    plan: Plan, kr: KeyResult | KPI, request: CheckInRequest, *, today: date, now: datetime
) -> CheckIn:
    """One request as a check-in, or the first `_Problem` with it."""
    day = _day_of(plan, request, today)
    if request.decimal_open and plan.settings.decimal_sign == "comma":
        request = replace(
            request,
            value=comma_number(str(request.value)),
            confidence=comma_number(str(request.confidence)) if request.confidence else None,
        )
    try:
        value = parse_value(kr, request.value)
    except cells.CellValueError as exc:
        raise _Problem(f"value for {kr.id}: {exc}") from None
    if isinstance(kr, KeyResult):
        implausible = units_problem(kr, value, request.value)
    else:
        implausible = kpi_units_problem(kr, value, request.value)
    if implausible:
        raise _Problem(f"value for {kr.id}: {implausible}")
    try:
        confidence = cells.parse_confidence(request.confidence)
    except cells.CellValueError as exc:
        raise _Problem(f"confidence for {kr.id}: {exc}", "confidence") from None
    for field, text in (("note", request.note), ("author", request.author or "")):
        if len(text.strip()) > CELL_LIMIT:
            raise _Problem(
                f"{field} for {kr.id} is {len(text.strip()):,} characters long; a spreadsheet "
                f"cell holds at most {CELL_LIMIT:,}",
                field,
            )
    try:
        return CheckIn(
            date=day,
            kr_id=kr.id,
            value=value,
            confidence=confidence,
            note=request.note.strip(),
            author=(request.author or kr.owner).strip(),
            recorded_at=now.replace(microsecond=0),
            checkin_id=request.checkin_id or new_checkin_id(),
        )
    except ValidationError as exc:
        raise _Problem("; ".join(str(e["msg"]) for e in exc.errors())) from None


def _day_of(plan: Plan, request: CheckInRequest, today: date) -> date:
    """The request's date (typed dates read with the workbook's date order), else today;
    a date the cycle cannot take is a `_Problem`."""
    day = request.day or today
    if request.day is None and request.day_text:
        try:
            day = cells.parse_date(request.day_text, order=plan.settings.date_order) or today
        except cells.CellValueError as exc:
            raise _Problem(f"date: {exc}" if request.source else str(exc), "date") from None
    wrong_day = day_problem(plan, day, today)
    if wrong_day:
        raise _Problem(wrong_day, "date")
    return day


def _now() -> datetime:
    return datetime.now(UTC)


#: Given a fresh read of the workbook, its plan and the requests: the requests to record.
Screen = Callable[[RawWorkbook, Plan, Sequence["CheckInRequest"]], Sequence["CheckInRequest"]]


#: What `record` reads of a long check-in log: its head, and the rows holding the ids it
#: records (`needles`, given per write); and nothing of an archived cycle's tabs.
RECORD_SKIM = Skim(
    needles=frozenset(), wanted=looks_like_log, titles=named_as_log, unread=is_archive
)


def record(
    location: Location,
    requests: Sequence[CheckInRequest],
    *,
    today: date | None = None,
    clock: Callable[[], datetime] = _now,
    screen: Screen | None = None,
    also: Callable[[RawWorkbook], Sequence[Change]] | None = None,
    store: WorkbookStore | None = None,
    known: tuple[RawWorkbook, ParsedWorkbook] | None = None,
) -> list[CheckIn]:
    """Validate against a fresh read and write the log rows and KR rows in one atomic update.

    `screen`, when given, sees that fresh read first and says which of the requests to record
    (a reply by mail is checked against the Reminders tab there); it may raise to refuse all.
    `also` adds changes of its own to that same write, planned on the same fresh read (what
    `okr sync` says in the Synced cells). `store`, when given, is the location's store, opened
    by the caller (which may have kept a read of it for this write: see `RECORD_SKIM`), and
    `known` that read with its parse (`parse_workbook(raw, with_log=False)`), used when the
    store hands the planner that very read.

    `Recorded at` comes from `clock` when the write is planned, under the store's lock: a
    command that waited for another one's write is stamped after it, as it is written after it.
    It is kept with its offset from UTC, in the workbook's time zone (the Settings tab's Time
    zone, else this computer's), and a check-in without a date is for today in that zone
    (`today`, when given, pins it instead: `OKR_TODAY`).

    Each check-in gets its id before the first attempt, so when a store retries after a write
    whose outcome it could not see, the planner finds what already landed and skips it. On
    Google, a run of the same command after one whose outcome stayed unknown reuses the ids of
    the check-ins it repeats (see `RetryJournal`); nothing else is ever taken for a repeat.
    """
    requests = [r if r.checkin_id else replace(r, checkin_id=new_checkin_id()) for r in requests]
    journal = RetryJournal.default(str(location)) if location.remote else None
    recorded: list[CheckIn] = []
    seen: set[str] | None = None  # the ids the log held before this run (not before a retry)
    ids: list[str] | None = None  # with a journal: the id of each check-in, fixed once

    def planner(raw: RawWorkbook) -> list[Change]:
        nonlocal seen, ids
        if known is not None and known[0] is raw:
            parsed = known[1]
        else:
            parsed = parse_workbook(raw, with_log=False)
        plan = parsed.plan
        now = clock().astimezone(cells.time_zone(plan.settings.time_zone))
        wanted = requests if screen is None else list(screen(raw, plan, requests))
        try:
            checkins = prepare(
                plan, wanted, today=today or now.date(), now=now, unreadable=parsed.unreadable
            )
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
        if journal is not None:
            if ids is None:
                ids = journal.assign(checkins)
            checkins = [replace(c, checkin_id=i) for c, i in zip(checkins, ids, strict=True)]
        # Each KR row keeps the date of its newest check-in: a back-dated one must not
        # overwrite the current value.
        logged = {kr.id: kr.last_checkin for kr in plan.key_results if kr.last_checkin}
        logged.update({k.id: k.updated for k in plan.kpis if k.updated and k.id not in logged})
        if seen is None:
            seen = logged_ids(raw, checkin_table(raw))
        recorded[:] = [c for c in checkins if c.checkin_id not in seen]
        changes = checkin_changes(raw, checkins, logged) if checkins else []
        return [*changes, *(also(raw) if also is not None else ())]

    # Of the log, the planner needs the header and whether these ids are in it already: the
    # store may leave its other rows unread (94,000 of them take a second to parse).
    needles = frozenset(r.checkin_id for r in requests)
    store = open_store(location) if store is None else store
    # The plan's tabs are read once for both the plan and the results written beside okr's
    # formulas (`reuse_tab_reads`); what was kept for that is let go before the write.
    planned = with_room(planner)

    def planned_once(raw: RawWorkbook) -> Sequence[Change]:
        with reuse_tab_reads():
            return planned(raw)

    with bulk_load():  # a read, a plan and a write of as many objects as a load
        store.update(planned_once, skim=replace(RECORD_SKIM, needles=needles))
    if journal is not None and ids is not None:
        journal.settle(ids)
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


def read_batch(
    source: str | Path, *, notices: list[str] | None = None, decimal_comma: bool | None = None
) -> list[CheckInRequest]:
    """A CSV with a header row: kr_id, value, and optionally confidence, note, date, author;
    `-` reads standard input. Dates stay as typed until the workbook's date order is known;
    numbers are read by `decimal_comma` (`--decimal`), else by the file's convention (decimal
    commas where `;` separates columns), else by the workbook's `Decimal sign` setting.
    Notices (a file read as Windows-1252, columns left out) go to `notices`."""
    table = read_csv(source, columns=BATCH_COLUMNS, required=("kr_id", "value"), option="--from")
    if decimal_comma is not None:  # --decimal: chosen, not guessed
        table.decimal = "," if decimal_comma else "."
    if notices is not None:
        notices.extend(table.notices)
    requests = [
        CheckInRequest(
            kr_id=row.get("kr_id").strip(),
            value=table.number(row.get("value").strip()),
            confidence=table.number(row.get("confidence").strip()) or None,
            note=row.get("note"),
            day_text=row.get("date").strip(),
            author=row.get("author").strip() or None,
            source=table.where(row.line),
            decimal_open=not table.decimal_evident,
        )
        for row in table.rows
    ]
    if not requests:
        raise UsageError(f"{table.name} holds no check-ins", option="--from")
    return requests
