from typing import Annotated

import typer

from okrsheet.cli.options import AsOfOption, FormatOption, WorkbookOption
from okrsheet.render import OutputFormat


def history(
    kr_id: Annotated[str, typer.Argument(help="The key result's ID.")],
    as_of: AsOfOption = None,
    cycle: Annotated[
        str | None,
        typer.Option(
            "--cycle",
            help="An earlier cycle, rolled over already (e.g. 2026-Q3): its check-ins from the "
            "archive. An --as-of before this cycle's start picks the archived one holding it.",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show a key result's check-ins this cycle, a sparkline, and a forecast for its due date.

    Examples:

      okr history SALES-1.2

      okr history SALES-1.2 --format csv

      okr history SALES-1.2 --cycle 2026-Q3     (a finished cycle, from its archive)
    """
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.errors import InvalidWorkbook, UsageError
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import history_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    warn_unreadable(parsed)
    asked = (
        None if cycle is None or cycle.strip().casefold() == plan.cycle.name.casefold() else cycle
    )
    if asked is not None or day < plan.cycle.start:
        from okrsheet import cycles, service

        location = service.resolve_location(workbook)
        past = cycles.past_history(location, parsed.plan, kr_id, asked, day)
        if past is not None:
            emit(output_format, past, table=lambda: tables.history_table(past))
            return
        if asked is not None:
            raise UsageError(
                f"no key result with ID {kr_id!r} in the archived cycle {asked}", option="KR_ID"
            )
        # A day before this cycle that no archive holds (or a key result it lacks): this
        # cycle's history, as before any rollover.
    report = history_report(plan, kr_id, day)
    if report is None:
        broken = {i.casefold(): u for i, u in parsed.unreadable.items()}.get(kr_id.casefold())
        if broken is not None:
            raise InvalidWorkbook(
                str(broken), hint="`okr validate` lists every problem with its cell"
            )
        raise UsageError(f"no key result with ID {kr_id!r}", option="KR_ID")
    emit(output_format, report, table=lambda: tables.history_table(report))
