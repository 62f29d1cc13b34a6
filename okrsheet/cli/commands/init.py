from pathlib import Path
from typing import Annotated

import typer

from okrsheet.cli.options import WorkbookOption, parse_date_option, today


def init(
    path: Annotated[
        str | None,
        typer.Argument(
            help="Where to create the workbook (default: see --workbook).", show_default=False
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template",
            "-t",
            help="Template (see `okr templates`). Default: blank, or sales with --example.",
            show_default=False,
        ),
    ] = None,
    cycle: Annotated[
        str | None,
        typer.Option(
            "--cycle",
            help="Cycle name: 2026-Q4, 2026-T1, 2026-H2 or 2026. Default: this quarter.",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", help="Cycle start date (with --end).", show_default=False),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Cycle end date (with --start).", show_default=False)
    ] = None,
    people: Annotated[
        Path | None,
        typer.Option(
            "--people",
            help="CSV with a header row: name, team (optional), email (optional).",
            show_default=False,
        ),
    ] = None,
    company: Annotated[
        str | None,
        typer.Option("--company", help="Company name for the Settings tab.", show_default=False),
    ] = None,
    example: Annotated[
        bool,
        typer.Option("--example", help="Fill a realistic company with weeks of check-in history."),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing workbook.")] = False,
    title: Annotated[
        str | None,
        typer.Option(
            "--title",
            help="Google Sheets only: the new spreadsheet's title (default: '<company> OKRs').",
            show_default=False,
        ),
    ] = None,
    share: Annotated[
        list[str] | None,
        typer.Option(
            "--share",
            help="Google Sheets only: give this email edit access (repeat for several).",
            show_default=False,
        ),
    ] = None,
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
    from okrsheet.templates import DEFAULT_TEMPLATE, EXAMPLE_TEMPLATE, read_people_csv

    location = service.resolve_location(path or workbook)
    chosen = service.choose_cycle(
        service.CycleChoice(
            name=cycle,
            start=parse_date_option(start, "--start"),
            end=parse_date_option(end, "--end"),
        ),
        today(),
    )
    if (title or share) and not location.is_google:
        raise UsageError(
            "--title and --share are for Google Sheets workbooks", option="--title/--share"
        )
    from okrsheet.render.progress import steps

    with steps() as step:
        draft, location = service.init_workbook(
            location,
            template=template or (EXAMPLE_TEMPLATE if example else DEFAULT_TEMPLATE),
            cycle=chosen,
            people=read_people_csv(people) if people else None,
            example=example,
            force=force,
            company=company,
            today=today(),
            title=title,
            share=share or (),
            steps=step,
        )
    tabs = len(draft.tabs)
    console.err().print(
        f"Created {location}: cycle {chosen.name} ({chosen.start} to {chosen.end}), "
        f"{tabs} OKR tab(s), {len(draft.objectives)} objective(s), "
        f"{len(draft.checkins)} check-in(s).",
        markup=False,
    )
    tell_where_google_workbook_is(location)
    tell_next_commands(location, example=example)
