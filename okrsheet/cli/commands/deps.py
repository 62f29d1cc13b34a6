from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    OwnerOption,
    WorkbookOption,
)
from okrsheet.render import OutputFormat


def deps(
    owner: OwnerOption = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="A team from the People tab (its members' key results)."),
    ] = None,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show dependencies between key results: who needs what from whom, by when, and whether
    it is on its way (ok), lagging, or late for the date it is needed.

    With --owner or --team: what they depend on from others, and who depends on them. A key
    result lists what it depends on in its 'Depends on' cell, e.g. `MARKET-1.1@2026-11-15`.

    Examples:

      okr deps

      okr deps --team Sales --format md
    """
    from okrsheet.cli.shared import check_filters, load_plan_as_of, warn_unreadable
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import deps_report, deps_scope

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, archives=False)
    members, who = deps_scope(parsed.people, owner=owner, team=team)
    check_filters(parsed, plan, owner=owner, objective=None)
    warn_unreadable(parsed)
    report = deps_report(plan, day, members=members, who=who)
    emit(output_format, report, table=lambda: tables.deps_table(report))
