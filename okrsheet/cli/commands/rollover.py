from typing import Annotated

import typer

from okrsheet.cli.options import (
    ForceOption,
    WorkbookOption,
    location_to_write,
    parse_date_option,
    today,
)


def rollover(
    to: Annotated[
        str,
        typer.Option("--to", help="The next cycle: 2027-Q1, 2027-T1, 2027-H1 or 2027."),
    ],
    start: Annotated[
        str | None, typer.Option("--start", help="Its first day, if not the named period's.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Its last day, if not the named period's.")
    ] = None,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Start the next cycle: unfinished key results go on, finished ones are archived.

    Carried key results keep their IDs and start again from their last value; the whole old
    cycle (final values and grades) is kept readable in a tab named 'Archive <cycle>'. The
    check-in log keeps its history.

    Examples:

      okr rollover --to 2027-Q1

      okr rollover --to 2027-S1 --start 2027-01-04 --end 2027-06-27
    """
    from okrsheet import cycles, service
    from okrsheet.render import console

    new = service.choose_cycle(
        service.CycleChoice(
            name=to,
            start=parse_date_option(start, "--start"),
            end=parse_date_option(end, "--end"),
            name_option="--to",
        ),
        today(),
    )
    result = cycles.rollover(location_to_write(workbook, force), new)
    console.err().print(
        f"Rolled over from {result.old.name} to {result.new.name} "
        f"({result.new.start} to {result.new.end}): {len(result.carried)} item(s) carried, "
        f"{len(result.archived)} archived; the old cycle is in the tab {result.archive_tab!r}."
    )
