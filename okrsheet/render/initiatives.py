"""Rich sections for initiatives, shown below the status table with the KPIs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from okrsheet.render.kpis import kpi_table
from okrsheet.render.pieces import safe

if TYPE_CHECKING:
    from okrsheet.reports import StatusReport


INITIATIVE_STYLES = {"done": "green", "in progress": "cyan", "blocked": "bold red"}


def initiatives_table(report: StatusReport) -> Table | None:
    rows = [
        (kr.id, item)
        for objective in report.objectives
        for kr in objective.key_results
        for item in kr.initiatives
    ]
    if not rows:
        return None
    table = Table(title="Initiatives", title_justify="left")
    for name in ("Key result", "Initiative", "Owner", "Status", "Due"):
        table.add_column(name, overflow="fold", no_wrap=name == "Key result")
    for kr_id, item in rows:
        due = Text(item.due.isoformat() if item.due else "")
        if item.overdue:
            due.stylize("red")
        table.add_row(
            safe(kr_id),
            safe(f"{item.id} {item.title}".strip()),
            safe(item.owner),
            Text(item.status, style=INITIATIVE_STYLES.get(item.status, "")),
            due,
        )
    return table


def with_status_extras(main: RenderableType, report: StatusReport) -> RenderableType:
    """The status table, then the initiatives and the KPIs when the workbook has any."""
    parts: list[RenderableType] = [main]
    initiatives = initiatives_table(report)
    if initiatives is not None:
        parts.append(initiatives)
    if report.kpis:
        parts.append(kpi_table(report.kpis))
    return main if len(parts) == 1 else Group(*parts)
