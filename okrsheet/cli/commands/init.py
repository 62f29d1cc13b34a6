from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from okrsheet.cli.options import (
    ShareOption,
    TitleOption,
    WorkbookOption,
    flag_option,
    parse_date_option,
    text_option,
    today,
)

if TYPE_CHECKING:
    from okrsheet.domain.model import Cycle
    from okrsheet.layout.writer import Person


PathArgument = Annotated[
    str | None,
    typer.Argument(
        help="Where to create the workbook (default: see --workbook).", show_default=False
    ),
]
TemplateOption = Annotated[
    str | None,
    typer.Option(
        "--template",
        "-t",
        help="Template (see `okr templates`). Default: blank, or sales with --example.",
        show_default=False,
    ),
]
CycleOption = Annotated[
    str | None,
    text_option(
        "--cycle",
        "Cycle name: 2026-Q4, 2026-T1, 2026-H2, 2026, or next (the next quarter). "
        "Default: this quarter.",
    ),
]
StartOption = Annotated[str | None, text_option("--start", "Cycle start date (with --end).")]
EndOption = Annotated[str | None, text_option("--end", "Cycle end date (with --start).")]
PeopleOption = Annotated[
    str | None,
    text_option(
        "--people",
        "CSV with a header row: name, team (optional), email (optional); '-' reads stdin. "
        "Its people and teams get tabs; the template's sample people do not.",
    ),
]
TabsByOption = Annotated[
    str | None,
    typer.Option(
        "--tabs",
        help="With --people: a tab per 'team' (its members share it) or per 'person'. "
        "Default: per team when the file has a Team column, else as the template says.",
        show_default=False,
        metavar="<team|person>",
    ),
]
CompanyOption = Annotated[
    str | None, text_option("--company", "Company name for the Settings tab.")
]
ExampleOption = Annotated[
    bool,
    flag_option(
        "--example",
        "Fill the template's made-up company (its people, objectives and weeks of check-in "
        "history), to try okr on. Without it, no sample content is written.",
    ),
]
ForceOption = Annotated[bool, flag_option("--force", "Replace an existing workbook.")]


def init(
    path: PathArgument = None,
    template: TemplateOption = None,
    cycle: CycleOption = None,
    start: StartOption = None,
    end: EndOption = None,
    people: PeopleOption = None,
    tabs_by: TabsByOption = None,
    company: CompanyOption = None,
    example: ExampleOption = False,
    force: ForceOption = False,
    title: TitleOption = None,
    share: ShareOption = None,
    workbook: WorkbookOption = None,
) -> None:
    """Create an OKR workbook: guide, settings, corporate and people tabs, check-in log.

    Examples:

      okr init                         (blank workbook for this quarter at ./okr.xlsx)

      okr init acme.xlsx --template sales --cycle 2027-Q1 --people team.csv

      okr init demo.xlsx --example     (a filled-in company to try every report on)

      okr init gsheet:new --title "Acme OKRs" --share lead@acme.com   (on Google Sheets)
    """
    from okrsheet import service
    from okrsheet.cli.shared import tell_next_commands, tell_where_google_workbook_is
    from okrsheet.errors import UsageError
    from okrsheet.render import console
    from okrsheet.templates import PEOPLE_TABS

    if tabs_by is not None and tabs_by.strip().casefold() not in PEOPLE_TABS:
        raise UsageError(f"{tabs_by!r} is not one of: {', '.join(PEOPLE_TABS)}", option="--tabs")
    location = service.resolve_location(path or workbook)
    chosen = _cycle(cycle, start, end, example=example)
    people_list = _people(people) if people else None
    if (title or share) and not location.titled:
        raise UsageError(
            "--title and --share are for Google Sheets workbooks", option="--title/--share"
        )
    from okrsheet.layout.cells import local_time_zone
    from okrsheet.render.progress import steps

    # Recorded in Settings; a new Google spreadsheet gets it as its own time zone (File >
    # Settings), which okr then uses, as the spreadsheet's TODAY() does.
    zone = local_time_zone()
    with steps() as step:
        draft, location = service.init_workbook(
            location,
            cycle=chosen,
            today=today(),
            template=template,
            people=people_list,
            people_tabs=tabs_by,
            example=example,
            force=force,
            company=company,
            title=title,
            share=share or (),
            steps=step,
            time_zone=zone,
        )
    tabs = len(draft.tabs)
    console.err().print(
        f"Created {location}: cycle {chosen.name} ({chosen.start} to {chosen.end}), "
        f"{tabs} OKR tab(s), {len(draft.objectives)} objective(s), "
        f"{len(draft.checkins)} check-in(s).",
        markup=False,
    )
    if draft.people_tabs == "team":
        console.err().print(
            "One OKR tab per team of the people file, shared by its members (people without "
            "a team get their own); `--tabs person` gives everyone a tab.",
            markup=False,
        )
    elif draft.people_tabs == "person":
        console.err().print(
            "One OKR tab per person of the people file; `--tabs team` gives each team one.",
            markup=False,
        )
    tell_where_google_workbook_is(location)
    tell_next_commands(location, example=example)


def _cycle(cycle: str | None, start: str | None, end: str | None, *, example: bool) -> Cycle:
    """--cycle (`next`: the next quarter) or --start/--end, else this quarter; warns when
    the cycle is nearly over, except for the example (whose history runs up to today: the
    next cycle would have no check-ins to show)."""
    from okrsheet import service

    if cycle is not None and cycle.strip().casefold() == "next":
        cycle = next_quarter_name(today())
    chosen = service.choose_cycle(
        service.CycleChoice(
            name=cycle,
            start=parse_date_option(start, "--start"),
            end=parse_date_option(end, "--end"),
        ),
        today(),
    )
    if not example:
        warn_if_nearly_over(chosen, cycle)
    return chosen


def _people(source: str) -> list[Person]:
    """The --people file, with a note for what was guessed in reading it."""
    from okrsheet.render import console
    from okrsheet.templates import read_people_csv

    notices: list[str] = []
    people = read_people_csv(source, notices=notices)
    for notice in notices:
        console.err().print(f"note: {notice}", markup=False, highlight=False)
    return people


def next_quarter_name(day: date) -> str:
    from okrsheet.domain.model import current_quarter, next_cycle_name

    name = next_cycle_name(current_quarter(day))
    assert name is not None  # a quarter always has a next one
    return name


def warn_if_nearly_over(chosen: Cycle, named: str | None) -> None:
    """A workbook for a cycle in its last third is probably meant for the next one."""
    from okrsheet.cycles import days_left_if_nearly_over
    from okrsheet.render import console

    left = days_left_if_nearly_over(chosen, today())
    if left is None:
        return
    following = next_quarter_name(today()) if named is None else None
    offer = (
        f"to plan {following} instead, run the same command with `--cycle next`"
        if following
        else "to plan the next cycle instead, name it with --cycle"
    )
    console.err().print(
        f"warning: the cycle {chosen.name} ends on {chosen.end.isoformat()}, in {left} day(s); "
        f"{offer}.",
        markup=False,
        highlight=False,
    )
