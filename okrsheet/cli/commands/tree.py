from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    OwnerOption,
    WorkbookOption,
)
from okrsheet.render import OutputFormat

TREE_COLUMNS = [
    "depth",
    "id",
    "title",
    "level",
    "owner",
    "parent",
    "progress",
    "expected",
    "status",
    "aligned_objectives",
    "aligned_mean_progress",
]


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
    from okrsheet.render import tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import TreeNode, tree_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    check_filters(parsed, plan, owner=owner, objective=objective)
    warn_unreadable(parsed)
    report = tree_report(plan, day, objective=objective, owner=owner)

    def rows() -> list[dict[str, object]]:
        out: list[dict[str, object]] = []

        def walk(node: TreeNode, depth: int, parent: str) -> None:
            out.append(
                {
                    "depth": depth,
                    "id": node.id,
                    "title": ("  " * depth) + node.title,
                    "level": node.level,
                    "owner": node.owner,
                    "parent": parent,
                    "progress": node.progress,
                    "expected": node.expected,
                    "status": node.status,
                    "aligned_objectives": node.aligned.objectives,
                    "aligned_mean_progress": node.aligned.mean_progress,
                }
            )
            for child in node.children:
                walk(child, depth + 1, node.id)

        for root in report.roots:
            walk(root, 0, "")
        for orphan in report.orphans:
            walk(orphan, 0, "(not aligned)")
        return out

    emit(
        output_format,
        report,
        rows=rows,
        columns=TREE_COLUMNS,
        table=lambda: tables.tree_table(report),
    )
