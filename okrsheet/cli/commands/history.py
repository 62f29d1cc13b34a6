from typing import Annotated

import typer

from okrsheet.cli.options import AsOfOption, FormatOption, WorkbookOption
from okrsheet.render import OutputFormat


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
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.errors import InvalidWorkbook, UsageError
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import history_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    warn_unreadable(parsed)
    report = history_report(plan, kr_id, day)
    if report is None:
        broken = {i.casefold(): u for i, u in parsed.unreadable.items()}.get(kr_id.casefold())
        if broken is not None:
            raise InvalidWorkbook(
                str(broken), hint="`okr validate` lists every problem with its cell"
            )
        raise UsageError(f"no key result with ID {kr_id!r}", option="KR_ID")
    emit(output_format, report, table=lambda: tables.history_table(report))
