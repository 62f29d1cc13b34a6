from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    LevelOption,
    OwnerOption,
    WorkbookOption,
)
from okrsheet.render import OutputFormat


def status(
    owner: OwnerOption = None,
    level: LevelOption = None,
    objective: Annotated[
        str | None,
        typer.Option("--objective", help="Only this objective (by ID).", show_default=False),
    ] = None,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show objectives and key results with progress, expected progress, status and confidence.

    Examples:

      okr status

      okr status --owner "Marcus Webb" --as-of 2026-11-30

      okr status --format json > status.json
    """
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import status_report

    parsed, plan, day = load_plan_as_of(
        workbook, as_of=as_of, owner=owner, level=level, objective=objective
    )
    report = status_report(plan, day)
    emit(output_format, report, table=lambda: tables.status_table(report))
    warn_unreadable(parsed)
    if not parsed.plan.objectives and not parsed.unreadable:
        from okrsheet.render import console

        tabs = ", ".join(t.title for t in parsed.okr_tables) or "Corporate"
        console.err().print(
            f"No objectives yet: type them on the OKR tabs ({tabs}), one row per objective "
            "with its key results below it (docs/workbook.md); `okr validate` checks them.",
            markup=False,
        )
