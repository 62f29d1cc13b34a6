from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    OwnerOption,
    WorkbookOption,
)
from okrsheet.render import OutputFormat


def tree(
    objective: Annotated[
        str | None,
        typer.Option("--objective", help="Only this objective and what aligns to it."),
    ] = None,
    owner: OwnerOption = None,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show how the organisation aligns: corporate objectives, and beneath each the team and
    individual objectives that serve it, at any depth.

    Each objective shows its progress, status and owner; beside it, how the objectives aligned
    beneath it are doing (count by status, mean progress). Objectives aligned to nothing, or to
    an id that does not exist, get their own branch.

    Examples:

      okr tree

      okr tree --objective CORP-1 --format md

      okr tree --owner "Marcus Webb"      (the branches that hold their objectives)
    """
    from okrsheet.cli.shared import check_filters, load_plan_as_of, warn_unreadable
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import tree_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, archives=False)
    check_filters(parsed, plan, owner=owner, objective=objective)
    warn_unreadable(parsed)
    report = tree_report(plan, day, objective=objective, owner=owner)

    emit(output_format, report, table=lambda: tables.tree_table(report))
