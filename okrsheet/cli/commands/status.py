from __future__ import annotations

from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    LevelOption,
    OwnerOption,
    WorkbookOption,
    as_of_date,
)
from okrsheet.render import OutputFormat

KR_COLUMNS = [
    "objective_id",
    "objective",
    "id",
    "title",
    "owner",
    "kind",
    "start",
    "target",
    "current",
    "unit",
    "progress",
    "expected",
    "status",
    "confidence",
    "due",
    "days_to_due",
    "last_checkin",
]


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
    from okrsheet import service
    from okrsheet.model import filter_plan
    from okrsheet.render import console, machine, tables
    from okrsheet.render.text import percent
    from okrsheet.reports import status_report

    day = as_of_date(as_of)
    parsed = service.load(service.resolve_location(workbook))
    plan = filter_plan(parsed.plan, owner=owner, level=level, objective_id=objective)
    report = status_report(plan, day)
    if output_format is OutputFormat.JSON:
        typer.echo(machine.to_json(report), nl=False)
    elif output_format in (OutputFormat.CSV, OutputFormat.MD):
        rows = [
            {"objective": o.title, **kr.model_dump(mode="json")}
            for o in report.objectives
            for kr in o.key_results
        ]
        if output_format is OutputFormat.CSV:
            typer.echo(machine.to_csv(rows, KR_COLUMNS), nl=False)
        else:
            for row in rows:
                for key in ("progress", "expected", "confidence"):
                    value = row[key]
                    row[key] = percent(value) if isinstance(value, float) else value
            title = f"{report.company} {report.cycle.name} status as of {report.as_of}".strip()
            typer.echo(machine.to_markdown(rows, KR_COLUMNS, title=title), nl=False)
    else:
        console.out().print(tables.status_table(report))
    if parsed.errors:
        console.err().print(
            f"{len(parsed.errors)} row(s) or cell(s) could not be read and are left out; "
            "run `okr validate` to see where."
        )
