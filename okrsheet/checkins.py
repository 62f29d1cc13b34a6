"""Recording check-ins: turn what a person typed (flags, prompts, a CSV) into validated
`CheckIn`s against the current plan, then write them in one atomic update."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from okrsheet.errors import UsageError
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
        long_text = next(
            (
                (field, text)
                for field, text in (("note", request.note), ("author", request.author or ""))
                if len(text.strip()) > CELL_LIMIT
            ),
            None,
        )
        if long_text is not None:
            field, text = long_text
            problem(
                f"{field} for {kr.id} is {len(text.strip()):,} characters long; a spreadsheet "
                f"cell holds at most {CELL_LIMIT:,}",
                field,
            )
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
                    checkin_id=request.checkin_id or new_checkin_id(),
                )
            )
        except ValidationError as exc:
            problem("; ".join(str(e["msg"]) for e in exc.errors()))
    if problems:
        raise UsageError(
            f"{len(problems)} check-in(s) are not valid; nothing was written", details=problems
        )
    return prepared


def _now() -> datetime:
    return datetime.now(UTC)


def record(
    location: Location,
    requests: Sequence[CheckInRequest],
    *,
    today: date | None = None,
    clock: Callable[[], datetime] = _now,
) -> list[CheckIn]:
    """Validate against a fresh read and write the log rows and KR rows in one atomic update.

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
    journal = RetryJournal.default(str(location)) if location.is_google else None
    recorded: list[CheckIn] = []
    seen: set[str] | None = None  # the ids the log held before this run (not before a retry)
    ids: list[str] | None = None  # with a journal: the id of each check-in, fixed once

    def planner(raw: RawWorkbook) -> list[Change]:
        nonlocal seen, ids
        plan = parse_workbook(raw, with_log=False).plan
        now = clock().astimezone(cells.time_zone(plan.settings.time_zone))
        checkins = prepare(plan, requests, today=today or now.date(), now=now)
        if journal is not None:
            if ids is None:
                ids = journal.assign(checkins)
            checkins = [replace(c, checkin_id=i) for c, i in zip(checkins, ids, strict=True)]
        # Each KR row keeps the date of its newest check-in: a back-dated one must not
        # overwrite the current value.
        logged = {kr.id: kr.last_checkin for kr in plan.key_results if kr.last_checkin}
        if seen is None:
            seen = logged_ids(raw, checkin_table(raw))
        recorded[:] = [c for c in checkins if c.checkin_id not in seen]
        return checkin_changes(raw, checkins, logged)

    # Of the log, the planner needs the header and whether these ids are in it already: the
    # store may leave its other rows unread (94,000 of them take a second to parse).
    needles = frozenset(r.checkin_id for r in requests)
    open_store(location).update(planner, skim=Skim(needles=needles, wanted=looks_like_log))
    if journal is not None and ids is not None:
        journal.settle(ids)
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
