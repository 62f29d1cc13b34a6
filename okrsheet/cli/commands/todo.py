from typing import Annotated

import typer

from okrsheet.cli.options import AsOfOption, FormatOption, WorkbookOption
from okrsheet.render import OutputFormat


def todo(
    owner: Annotated[str, typer.Option("--owner", help="Whose list.")],
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """What needs this person now: check-ins due, lagging key results, missing confidences.

    Examples:

      okr todo --owner "Lena Okafor"
    """
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.errors import UsageError
    from okrsheet.model import owners
    from okrsheet.render import console, tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import todo_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    warn_unreadable(parsed)
    # Owners of key results, and of initiatives alone.
    known = {o.casefold(): o for o in [*(i.owner for i in plan.initiatives), *owners(plan)]}
    if owner.casefold() not in known:
        raise UsageError(
            f"{owner!r} owns nothing in this workbook (owners: {', '.join(known.values())})",
            option="--owner",
        )
    owner = known[owner.casefold()]  # as the workbook spells it
    report = todo_report(plan, owner, day)
    if not report.items and output_format is OutputFormat.TABLE:
        console.err().print(f"Nothing to do for {owner} today.")
        return
    emit(output_format, report, table=lambda: tables.todo_table(report))
