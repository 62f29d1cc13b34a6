from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from okrsheet.cli.options import (
    ForceOption,
    WorkbookOption,
    location_to_write,
    parse_date_option,
    pinned_today,
    today,
)

if TYPE_CHECKING:
    from okrsheet.checkins import CheckInRequest
    from okrsheet.model import Plan


def checkin(
    kr_id: Annotated[
        str | None,
        typer.Argument(
            help="The key result to update; omit it to be walked through yours.", show_default=False
        ),
    ] = None,
    value: Annotated[
        str | None,
        typer.Option(
            "--value", help="The new value (1,234 / 15% / yes for milestones).", show_default=False
        ),
    ] = None,
    confidence: Annotated[
        str | None,
        typer.Option(
            "--confidence",
            help="How sure you are to hit the target: 0.7, 70% or 7/10.",
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str, typer.Option("--note", help="A note for the log; stored as text, never as a formula.")
    ] = "",
    day: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Date of the check-in (default today); must fall in the cycle.",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Who is checking in (default $OKR_AUTHOR, else the KR owner).",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="CSV of check-ins: kr_id,value[,confidence,note,date,author].",
            show_default=False,
        ),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", help="Walk this owner's key results (interactive mode).", show_default=False
        ),
    ] = None,
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
    """
    import os

    from okrsheet import checkins, service
    from okrsheet.errors import UsageError
    from okrsheet.render import console

    location = location_to_write(workbook, force)
    author = by or os.environ.get("OKR_AUTHOR") or None
    # `--date today` is the default: today in the workbook's time zone (see checkins.record).
    today_meant = day is not None and day.strip().casefold() == "today" and not pinned_today()
    when = None if today_meant else parse_date_option(day, "--date")
    if from_file is not None:
        if kr_id or value is not None:
            raise UsageError(
                "give either --from FILE or a KR_ID with --value, not both", option="--from"
            )
        requests = checkins.read_batch(from_file)
        if author:
            requests = [r if r.author else _with_author(r, author) for r in requests]
    elif kr_id is not None:
        if value is None:
            raise UsageError(f"say the new value of {kr_id} with --value", option="--value")
        requests = [
            checkins.CheckInRequest(
                kr_id=kr_id, value=value, confidence=confidence, note=note, day=when, author=author
            )
        ]
    else:
        if value is not None or confidence is not None:
            raise UsageError("--value and --confidence need a KR_ID", option="--value")
        requests = _interactive(service.load(location).plan, owner, when, author)
        if not requests:
            console.err().print("Nothing was written.")
            return
    recorded = checkins.record(location, requests, today=pinned_today())
    skipped = len(requests) - len(recorded)
    message = f"Recorded {len(recorded)} check-in(s) in {location}."
    if skipped:
        message += f" {skipped} were already in the log (sent by an earlier run of this command)."
    console.err().print(message)


def _with_author(request: CheckInRequest, author: str) -> CheckInRequest:
    from dataclasses import replace

    return replace(request, author=author)


def _interactive(
    plan: Plan, owner: str | None, when: object, author: str | None
) -> list[CheckInRequest]:
    from datetime import date

    from rich.table import Table

    from okrsheet import checkins, scoring
    from okrsheet.errors import UsageError
    from okrsheet.layout.cells import CellValueError, parse_confidence
    from okrsheet.model import owners
    from okrsheet.render import console, tables
    from okrsheet.render.text import percent

    out = console.err()
    day = when if isinstance(when, date) else today()
    names = owners(plan)
    if not names:
        raise UsageError("the workbook has no key results to check in")
    if owner is None:
        for number, name in enumerate(names, start=1):
            out.print(f"  {number}. ", tables.safe(name), sep="")
        answer = typer.prompt("Whose key results? (number or name)", err=True).strip()
        owner = (
            names[int(answer) - 1] if answer.isdigit() and 0 < int(answer) <= len(names) else answer
        )
    krs = [k for k in plan.key_results if k.owner.casefold() == owner.casefold()]
    if not krs:
        raise UsageError(
            f"{owner} owns no key results (owners: {', '.join(names)})", option="--owner"
        )

    requests: list[checkins.CheckInRequest] = []
    summary = Table(title="About to record", title_justify="left")
    for column in ("KR", "Value", "Confidence", "Note"):
        summary.add_column(column)
    out.print(
        f"Check-in for {owner}, {day.isoformat()}: Enter keeps a value, '-' skips a key result."
    )
    for kr in krs:
        score = scoring.score_kr(kr, plan.cycle, day, plan.settings)
        out.print()
        out.print(tables.safe(f"{kr.id}  ", "bold") + tables.safe(kr.title, "bold"))
        last = (
            f"{tables.number(kr.current, kr.unit)} on {kr.last_checkin}"
            if kr.last_checkin
            else "no check-in yet"
        )
        out.print(
            tables.safe(f"  last: {last} · target {tables.number(kr.target, kr.unit)} · progress "),
            tables.bar(score.progress),
            f" vs expected {percent(score.expected)} (",
            tables.status_text(score.status.value),
            f") · confidence {percent(kr.confidence) or 'not set'}",
            sep="",
        )
        while True:
            raw = typer.prompt("  New value", default="", show_default=False, err=True).strip()
            if raw == "-":
                break
            try:
                new_value = kr.value if raw == "" else checkins.parse_value(kr, raw)
            except CellValueError as exc:
                out.print(tables.safe(f"  {exc}", "red"))
                continue
            break
        if raw == "-":
            continue
        while True:
            shown = percent(kr.confidence)
            raw_confidence = typer.prompt(
                f"  Confidence (0.7, 70% or 7){f' [{shown}]' if shown else ''}",
                default="",
                show_default=False,
                err=True,
            ).strip()
            try:
                new_confidence = (
                    parse_confidence(raw_confidence) if raw_confidence else kr.confidence
                )
            except CellValueError as exc:
                out.print(tables.safe(f"  {exc}", "red"))
                continue
            break
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
        old, new = tables.number(kr.value, kr.unit), tables.number(new_value, kr.unit)
        shown_value = f"{new} (unchanged)" if new_value == kr.value else f"{old} → {new}"
        summary.add_row(
            tables.safe(kr.id),
            tables.safe(shown_value),
            percent(new_confidence),
            tables.safe(new_note),
        )
    if not requests:
        return []
    out.print()
    out.print(summary)
    if not typer.confirm(f"Record {len(requests)} check-in(s)?", default=True, err=True):
        return []
    return requests
