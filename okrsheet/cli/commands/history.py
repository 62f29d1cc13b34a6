from typing import Annotated

import typer

from okrsheet.cli.options import AsOfOption, FormatOption, WorkbookOption, as_of_date
from okrsheet.render import OutputFormat

HISTORY_COLUMNS = ["date", "value", "progress", "confidence", "author", "note"]


def history(
    kr_id: Annotated[str, typer.Argument(help="The key result's ID.")],
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show a key result's check-ins this cycle, a sparkline, and a forecast for its due date.

    Examples:

      okr history SALES-1.2

      okr history SALES-1.2 --format csv
    """
    from okrsheet.cli.shared import load_plan, warn_unreadable
    from okrsheet.errors import UsageError
    from okrsheet.render import tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import history_report

    day = as_of_date(as_of)
    parsed, plan = load_plan(workbook, as_of=day)
    warn_unreadable(parsed)
    report = history_report(plan, kr_id, day)
    if report is None:
        raise UsageError(f"no key result with ID {kr_id!r}", option="KR_ID")
    emit(
        output_format,
        report,
        rows=lambda: [p.model_dump(mode="json") for p in report.checkins],
        columns=HISTORY_COLUMNS,
        table=lambda: tables.history_table(report),
    )
