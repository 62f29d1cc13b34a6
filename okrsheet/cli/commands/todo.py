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
    from okrsheet.cli.shared import everyone, load_plan_as_of, resolve_owner, warn_unreadable
    from okrsheet.domain.model import owners
    from okrsheet.domain.names import find_person
    from okrsheet.errors import UsageError
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import todo_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, archives=False)
    warn_unreadable(parsed)
    # Owners of key results, and of initiatives alone.
    known = sorted({*(i.owner for i in plan.initiatives), *owners(plan)}, key=str.casefold)
    if find_person(owner, known) is None and find_person(owner, everyone(parsed, plan)):
        raise UsageError(
            f"{owner} owns no key result or initiative in this workbook",
            option="--owner",
            hint="owners: " + ", ".join(known),
        )
    owner = resolve_owner(owner, known)  # as the workbook spells it
    report = todo_report(plan, owner, day)
    if not report.items and output_format is OutputFormat.TABLE:
        console.err().print(f"Nothing to do for {owner} today.")
        return
    emit(output_format, report, table=lambda: tables.todo_table(report))
