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
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.render import tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import status_report

    parsed, plan, day = load_plan_as_of(
        workbook, as_of=as_of, owner=owner, level=level, objective=objective
    )
    report = status_report(plan, day)
    emit(
        output_format,
        report,
        rows=lambda: [
            {"objective": o.title, **kr.model_dump(mode="json")}
            for o in report.objectives
            for kr in o.key_results
        ],
        columns=KR_COLUMNS,
        table=lambda: tables.status_table(report),
    )
    warn_unreadable(parsed)
