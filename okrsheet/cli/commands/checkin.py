from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from okrsheet.cli.options import (
    ForceOption,
    WorkbookOption,
    check_date_option,
    location_to_write,
    pinned_today,
    text_option,
    today,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from datetime import date

    from okrsheet.checkins import CheckInRequest
    from okrsheet.domain.kpis import KPI
    from okrsheet.domain.model import CheckIn, KeyResult, Plan
    from okrsheet.layout.reader import Unreadable
    from okrsheet.stores import Location


KrIdArgument = Annotated[
    str | None,
    typer.Argument(
        help="The key result or KPI to update; omit it to walk through yours.",
        show_default=False,
    ),
]

ValueOption = Annotated[
    str | None, text_option("--value", "The new value (1,234 / 15% / yes for milestones).")
]

ConfidenceOption = Annotated[
    str | None, text_option("--confidence", "How sure you are to hit the target: 0.7, 70% or 7/10.")
]

NoteOption = Annotated[
    str, typer.Option("--note", help="A note for the log; stored as text, never as a formula.")
]

DayOption = Annotated[
    str | None,
    text_option("--date", "Date of the check-in (default today); must fall in the cycle."),
]

ByOption = Annotated[
    str | None, text_option("--by", "Who is checking in (default $OKR_AUTHOR, else the KR owner).")
]

FromFileOption = Annotated[
    str | None,
    text_option(
        "--from", "CSV of check-ins: kr_id,value[,confidence,note,date,author]; '-' reads stdin."
    ),
]

OwnerOption = Annotated[
    str | None, text_option("--owner", "Walk this owner's key results (interactive mode).")
]

FromMailOption = Annotated[
    str | None,
    text_option(
        "--from-mail", "One reply to an `okr remind` message (RFC 5322 file); '-' reads stdin."
    ),
]
FromMaildirOption = Annotated[
    str | None,
    text_option("--from-maildir", "Record the unseen replies in this maildir; marks them seen."),
]
FromImapOption = Annotated[
    str | None,
    text_option(
        "--from-imap",
        "Record the unseen replies of an IMAP folder: imaps://USER:PASSWORD@HOST/FOLDER; "
        "'-' takes $OKR_MAILBOX_URL, else 'mailbox_url' in ./okr.toml. Marks them seen.",
    ),
]
AnswerOption = Annotated[
    bool,
    typer.Option(
        "--answer",
        help="Mail each owner back what was recorded, or which line to fix "
        "(through $OKR_MAIL_URL or 'mail_url' in ./okr.toml).",
    ),
]
DecimalOption = Annotated[
    str | None,
    typer.Option(
        "--decimal",
        help="With --from: the decimal sign of the file's numbers, 'comma' (4,5) or 'dot' "
        "(4.5). Default: comma in a file separated by semicolons, else dot.",
        show_default=False,
        metavar="<comma|dot>",
    ),
]


def checkin(
    kr_id: KrIdArgument = None,
    value: ValueOption = None,
    confidence: ConfidenceOption = None,
    note: NoteOption = "",
    day: DayOption = None,
    by: ByOption = None,
    from_file: FromFileOption = None,
    owner: OwnerOption = None,
    from_mail: FromMailOption = None,
    from_maildir: FromMaildirOption = None,
    from_imap: FromImapOption = None,
    answer: AnswerOption = False,
    decimal: DecimalOption = None,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Record this week's numbers: one KR with flags, a CSV batch, or a guided walk.

    Each check-in is appended to the Check-ins log and updates the KR's current value,
    confidence and last check-in date, in one atomic write. Invalid input writes nothing.

    Examples:

      okr checkin --owner "Marcus Webb"          (prompts for each of Marcus's key results)

      okr checkin SALES-1.2 --value 0.78 --confidence 70% --note "Two deals slipped"

      okr checkin --from updates.csv

      okr checkin --from-mail reply.eml      (a reply to `okr remind`; see docs/rhythm.md)

      okr checkin --from-imap imaps://okr%40acme.com:PASSWORD@imap.acme.com/INBOX --answer
    """
    import os

    from okrsheet import checkins, service
    from okrsheet.errors import UsageError
    from okrsheet.render import console

    location = location_to_write(workbook, force)
    mail_sources = [
        (flag, given)
        for flag, given in (
            ("--from-mail", from_mail),
            ("--from-maildir", from_maildir),
            ("--from-imap", from_imap),
        )
        if given is not None
    ]
    if mail_sources or answer:
        others = [kr_id, value, from_file, owner]
        if len(mail_sources) > 1 or any(o is not None for o in others):
            flag = mail_sources[-1][0] if mail_sources else "--answer"
            raise UsageError(
                "a reply by mail is checked in on its own: give one of --from-mail, "
                "--from-maildir or --from-imap, without KR_ID, --value, --from or --owner",
                option=flag,
            )
        if not mail_sources:
            raise UsageError(
                "--answer goes with --from-mail, --from-maildir or --from-imap", option="--answer"
            )
        from okrsheet.cli.commands.checkin_mail import check_in_replies

        check_in_replies(location, *mail_sources[0], answer=answer)
        return
    author = by or os.environ.get("OKR_AUTHOR") or None
    # A date like 10/11/2026 is read with the workbook's date order, once it has been read.
    day_text = "" if day is None else day.strip()
    check_date_option(day, "--date")  # a date no order can read is refused before any read
    if day_text.casefold() == "today":
        # The default: today in the workbook's time zone (see checkins.record), or $OKR_TODAY.
        day_text = ""
    if from_file is not None:
        if kr_id or value is not None:
            raise UsageError(
                "give either --from FILE or a KR_ID with --value, not both", option="--from"
            )
        notices: list[str] = []
        comma = _decimal_comma(decimal)
        requests = checkins.read_batch(from_file, notices=notices, decimal_comma=comma)
        for notice in notices:
            console.err().print(f"note: {notice}", markup=False, highlight=False)
        if author:
            requests = [r if r.author else _with_author(r, author) for r in requests]
    elif kr_id is not None:
        if value is None:
            raise UsageError(f"say the new value of {kr_id} with --value", option="--value")
        requests = [
            checkins.CheckInRequest(
                kr_id=kr_id,
                value=value,
                confidence=confidence,
                note=note,
                day_text=day_text,
                author=author,
            )
        ]
    else:
        if value is not None or confidence is not None:
            raise UsageError("--value and --confidence need a KR_ID", option="--value")
        parsed = service.load(location)
        with _input_must_last():
            requests = _walk(parsed.plan, owner, day_text, author, parsed.unreadable)
        if not requests:
            console.err().print("Nothing was written.")
            return
    recorded = checkins.record(location, requests, today=pinned_today())
    skipped = len(requests) - len(recorded)
    message = f"Recorded {len(recorded)} check-in(s) in {location}."
    if skipped:
        message += f" {skipped} were already in the log (sent by an earlier run of this command)."
    console.err().print(message)
    if from_file is None and kr_id is None:
        _tell_what_happened(parsed.plan, recorded)
        _tell_where_they_stand(location, recorded)


def _tell_what_happened(plan: Plan, recorded: Sequence[CheckIn]) -> None:
    """A check-in dated before the row's newest one goes to the log only, and a second one
    for the same day takes the row's place: say so, so that nobody wonders."""
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables

    rows = {k.id: k for k in plan.key_results}
    for checkin in recorded:
        kr = rows.get(checkin.kr_id)
        if kr is None or kr.last_checkin is None:
            continue
        if checkin.date < kr.last_checkin:
            text = (
                f"{kr.id}: dated {checkin.date}, before its check-in of {kr.last_checkin}: it "
                f"is in the log; the row keeps {_shown(kr, kr.current)}"
            )
        elif checkin.date == kr.last_checkin:
            text = (
                f"{kr.id}: a second check-in for {checkin.date}: the row now says "
                f"{_shown(kr, checkin.value)} (was {_shown(kr, kr.current)}); both are in the log"
            )
        else:
            continue
        console.err().print(tables.safe(text))


def _tell_where_they_stand(location: Location, recorded: Sequence[CheckIn]) -> None:
    """After a guided check-in, each key result's progress and status as they are now."""
    from okrsheet import service
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.text import percent
    from okrsheet.reports import status_report

    ids = {c.kr_id for c in recorded}
    plan = service.load(location).plan
    report = status_report(plan, pinned_today() or today())
    for objective in report.objectives:
        for kr in objective.key_results:
            if kr.id in ids:
                console.err().print(
                    tables.safe(f"  {kr.id}  now {percent(kr.progress)}, expected "
                                f"{percent(kr.expected)} · "),
                    tables.status_text(kr.status),
                    sep="",
                )  # fmt: skip


def _decimal_comma(decimal: str | None) -> bool | None:
    """--decimal as a choice of the decimal comma (None: the file's convention)."""
    from okrsheet.errors import UsageError

    if decimal is None:
        return None
    choice = decimal.strip().casefold()
    if choice not in ("comma", "dot"):
        raise UsageError(f"{decimal!r} is not 'comma' or 'dot'", option="--decimal")
    return choice == "comma"


def _with_author(request: CheckInRequest, author: str) -> CheckInRequest:
    from dataclasses import replace

    return replace(request, author=author)


def _answers_available() -> bool:
    """Whether questions can be answered: a terminal, or standard input that holds answers
    (a script's pipe). Input at its end (cron, `< /dev/null`) cannot answer anything."""
    import io
    import sys

    stream = sys.stdin
    if stream is None:
        return False
    try:
        if stream.isatty():
            return True
    except ValueError:  # closed
        return False
    buffer = getattr(stream, "buffer", None)
    if isinstance(buffer, io.BytesIO):
        return buffer.tell() < len(buffer.getbuffer())
    peek = getattr(buffer, "peek", None)
    if peek is None:
        return True  # cannot tell: input that ends at a question is refused then
    try:
        return bool(peek(1))
    except (OSError, ValueError):
        return False


NO_TERMINAL = (
    "the guided check-in asks questions and standard input holds no answers (no terminal); "
    "nothing was written"
)
NO_TERMINAL_HINT = (
    "record without questions: `okr checkin KR_ID --value N`, or a batch with "
    "`okr checkin --from updates.csv`"
)


@contextmanager
def _input_must_last() -> Iterator[None]:
    """Everything that can be refused is checked before the first question; standard input
    (a script's pipe) that ends before the last answer is refused as a usage error."""
    import sys

    from okrsheet.errors import UsageError

    try:
        yield
    except typer.Abort:
        if sys.stdin is not None and not sys.stdin.isatty():
            raise UsageError(
                "standard input ended before every question was answered; nothing was written",
                hint=NO_TERMINAL_HINT,
            ) from None
        raise


def _walk(
    plan: Plan,
    owner: str | None,
    day_text: str,
    author: str | None,
    unreadable: Mapping[str, Unreadable],
) -> list[CheckInRequest]:
    from rich.table import Table

    from okrsheet import checkins
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.text import percent

    out = console.err()
    day = _walk_day(plan, day_text)
    owner, krs = _walk_owner(plan, owner, unreadable)
    kpis = [k for k in plan.kpis if k.owner and _same_person(k.owner, owner)]
    requests: list[checkins.CheckInRequest] = []
    summary = Table(title="About to record", title_justify="left")
    for column in ("KR", "Value", "Confidence", "Note"):
        summary.add_column(column)
    out.print(
        f"Check-in for {owner}, {day.isoformat()}: Enter keeps a value, '-' skips a key result."
    )
    try:
        for kr in krs:
            _show_kr(plan, kr, day)
            new_value = _ask_value(kr)
            if new_value is None:
                continue
            new_confidence = _ask_confidence(kr)
            new_note = typer.prompt("  Note", default="", show_default=False, err=True)
            requests.append(
                checkins.CheckInRequest(
                    kr_id=kr.id,
                    value=new_value,
                    confidence=new_confidence,
                    note=new_note,
                    day=day,
                    author=author,
                    source=kr.id,
                )
            )
            old, new = _shown(kr, kr.value), _shown(kr, new_value)
            shown_value = f"{new} (unchanged)" if new_value == kr.value else f"{old} → {new}"
            summary.add_row(
                tables.safe(kr.id),
                tables.safe(shown_value),
                percent(new_confidence),
                tables.safe(new_note),
            )
        for kpi in kpis:  # the owner's health metrics, updated alike
            value = _ask_kpi(kpi)
            if value is None:
                continue
            requests.append(
                checkins.CheckInRequest(
                    kr_id=kpi.id, value=value, day=day, author=author, source=kpi.id
                )
            )
            old, new = tables.number(kpi.current, kpi.unit), tables.number(value, kpi.unit)
            unchanged = value == kpi.current
            summary.add_row(
                tables.safe(kpi.id),
                tables.safe(f"{new} (unchanged)" if unchanged else f"{old or 'none'} → {new}"),
                "",
                "",
            )
    except typer.Abort:
        # Ctrl-C at a terminal part-way through: what was answered need not be lost.
        if not (requests and _at_terminal()):
            raise
        out.print()
        out.print(summary)
        if _confirm(f"Interrupted. Record the {len(requests)} check-in(s) answered so far?"):
            return requests
        return []
    if not requests:
        return []
    out.print()
    out.print(summary)
    if not _confirm(f"Record {len(requests)} check-in(s)?"):
        return []
    return requests


def _confirm(question: str) -> bool:
    return bool(typer.confirm(question, default=True, err=True))


def _at_terminal() -> bool:
    """Questions come from a person at a terminal (a Ctrl-C is theirs), not from a pipe."""
    import sys

    try:
        return bool(sys.stdin is not None and sys.stdin.isatty())
    except ValueError:
        return False


def _same_person(a: str, b: str) -> bool:
    from okrsheet.domain.names import same_person

    return same_person(a, b)


def _shown(kr: KeyResult, value: float | None) -> str:
    """A value as the walk shows it: a milestone's in words (done, not done)."""
    from okrsheet.render import rich_tables as tables

    if kr.kind.value_words:
        return "no value" if value is None else ("done" if value >= 1 else "not done")
    return tables.number(value, kr.unit)


def _walk_day(plan: Plan, day_text: str) -> date:
    """The day of the guided check-ins: --date read with the workbook's date order (default
    today), refused before anything is asked when the cycle cannot take it."""
    from okrsheet import checkins
    from okrsheet.errors import UsageError
    from okrsheet.layout.cells import CellValueError, parse_date

    day = today()
    if day_text:
        try:
            day = parse_date(day_text, order=plan.settings.date_order) or day
        except CellValueError as exc:
            raise UsageError(str(exc), option="--date") from None
    wrong_day = checkins.day_problem(plan, day, today())
    if wrong_day:
        raise UsageError(
            f"{wrong_day}; nothing was asked",
            option="--date",
            hint=f"the cycle starts on {plan.cycle.start.isoformat()}"
            if today() < plan.cycle.start
            else "give a date in the cycle, up to today, with --date",
        )
    return day


def _walk_owner(
    plan: Plan, owner: str | None, unreadable: Mapping[str, Unreadable]
) -> tuple[str, list[KeyResult]]:
    """Whose key results to walk through (asked for when --owner is not given), and those
    key results; rows that cannot be read are named as left out."""
    from okrsheet.cli.shared import resolve_owner
    from okrsheet.domain.model import owners
    from okrsheet.domain.names import same_person
    from okrsheet.errors import InvalidWorkbook, UsageError
    from okrsheet.layout.schema import TYPE_KEY_RESULT
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables

    out = console.err()
    names = owners(plan)
    if not names:
        raise UsageError("the workbook has no key results to check in")
    if owner is not None:
        owner = resolve_owner(owner, names)  # as the workbook spells it
    if not _answers_available():
        raise UsageError(NO_TERMINAL, hint=NO_TERMINAL_HINT)
    if owner is None:
        for number, name in enumerate(names, start=1):
            out.print(f"  {number}. ", tables.safe(name), sep="")
        answer = typer.prompt("Whose key results? (number or name)", err=True).strip()
        owner = (
            names[int(answer) - 1] if answer.isdigit() and 0 < int(answer) <= len(names) else answer
        )
    krs = [k for k in plan.key_results if same_person(k.owner, owner)]
    left_out = [
        u for u in unreadable.values() if u.kind == TYPE_KEY_RESULT and same_person(u.owner, owner)
    ]
    for broken in left_out:
        out.print(tables.safe(f"Left out: {broken}", "yellow"))
    if not krs and left_out:
        raise InvalidWorkbook(
            f"none of {owner}'s key results can take a check-in until their rows are fixed",
            hint="`okr validate` lists every problem with its cell",
        )
    if not krs:
        raise UsageError(
            f"{owner} owns no key results (owners: {', '.join(names)})", option="--owner"
        )
    return owner, krs


def _show_kr(plan: Plan, kr: KeyResult, day: date) -> None:
    """A key result as it stands, before its questions."""
    from okrsheet.domain import scoring
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.text import percent

    out = console.err()
    score = scoring.score_kr(kr, plan.cycle, day, plan.settings)
    out.print()
    out.print(tables.safe(f"{kr.id}  ", "bold") + tables.safe(kr.title, "bold"))
    last = (
        f"{_shown(kr, kr.current)} on {kr.last_checkin}" if kr.last_checkin else "no check-in yet"
    )
    out.print(
        tables.safe(f"  last: {last} · target {_shown(kr, kr.target)} · progress "),
        tables.bar(score.progress),
        f" vs expected {percent(score.expected)} (",
        tables.status_text(score.status.value),
        f") · confidence {percent(kr.confidence) or 'not set'}",
        sep="",
    )


def _ask_value(kr: KeyResult) -> float | None:
    """The new value, asked until it reads; Enter keeps the current one, '-' (None) skips."""
    from okrsheet import checkins
    from okrsheet.layout.cells import CellValueError
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables

    out = console.err()
    now = _shown(kr, kr.value)
    while True:
        raw = typer.prompt(f"  New value [{now}]", default="", show_default=False, err=True)
        raw = raw.strip()
        if raw == "-":
            return None
        try:
            new_value = kr.value if raw == "" else checkins.parse_value(kr, raw)
        except CellValueError as exc:
            out.print(tables.safe(f"  {exc}", "red"))
            continue
        implausible = checkins.units_problem(kr, new_value, raw) if raw else None
        if implausible:
            out.print(tables.safe(f"  {implausible}", "red"))
            continue
        return new_value


def _ask_kpi(kpi: KPI) -> float | None:
    """A KPI's new value, asked until it reads; Enter keeps it as it is (None: skipped, as
    '-' does, when it has no value yet)."""
    from okrsheet import checkins
    from okrsheet.layout.cells import CellValueError, parse_number
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables

    out = console.err()
    out.print()
    now = tables.number(kpi.current, kpi.unit) or "no value yet"
    out.print(tables.safe(f"{kpi.id}  {kpi.name}", "bold") + tables.safe(f"  (KPI) now {now}"))
    while True:
        raw = typer.prompt(f"  New value [{now}]", default="", show_default=False, err=True)
        raw = raw.strip()
        if raw == "-" or (raw == "" and kpi.current is None):
            return None
        if raw == "":
            return kpi.current
        try:
            value = parse_number(raw)
        except CellValueError as exc:
            out.print(tables.safe(f"  {exc}", "red"))
            continue
        if value is None:
            continue
        slip = checkins.kpi_units_problem(kpi, value, raw)
        if slip:
            out.print(tables.safe(f"  {slip}", "red"))
            continue
        return value


def _ask_confidence(kr: KeyResult) -> float | None:
    """The new confidence, asked until it reads; Enter keeps the current one."""
    from okrsheet.layout.cells import CellValueError, parse_confidence
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.text import percent

    out = console.err()
    while True:
        shown = percent(kr.confidence)
        raw_confidence = typer.prompt(
            f"  Confidence (0.7, 70% or 7){f' [{shown}]' if shown else ''}",
            default="",
            show_default=False,
            err=True,
        ).strip()
        try:
            return parse_confidence(raw_confidence) if raw_confidence else kr.confidence
        except CellValueError as exc:
            out.print(tables.safe(f"  {exc}", "red"))
