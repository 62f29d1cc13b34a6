"""Rich sections for initiatives, KPIs and quantified dependencies, shown below the main
tables of `status`, `lagging` and `deps`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from okrsheet.render.pieces import number, safe

if TYPE_CHECKING:
    from okrsheet.reports import DependencyLink, KPILagRow, KPIRow, StatusReport

#: A KPI row of a report (status or lagging).
R = TypeVar("R", "KPIRow", "KPILagRow")

INITIATIVE_STYLES = {"done": "green", "in progress": "cyan", "blocked": "bold red"}


def health_word(row: KPIRow) -> str:
    """`healthy`, `unhealthy`, `no value` or `no range`: the same word on every output."""
    if row.healthy is None:
        return "no value" if row.current is None else "no range"
    return "healthy" if row.healthy else "unhealthy"


def health(row: KPIRow) -> Text:
    style = {"healthy": "green", "unhealthy": "red"}
    word = health_word(row)
    return Text(word, style=style.get(word, "dim"))


def healthy_range(row: KPIRow) -> str:
    low, high = number(row.healthy_from, row.unit), number(row.healthy_to, row.unit)
    if low and high:
        return f"{low} to {high}"
    return f"at least {low}" if low else (f"at most {high}" if high else "")


def kpi_table(rows: Sequence[KPIRow], title: str = "KPIs") -> Table:
    return _kpis(
        title,
        ("Health", "Updated"),
        rows,
        lambda row: (health(row), row.updated.isoformat() if row.updated else ""),
    )


def _kpis(
    title: str,
    more: Sequence[str],
    rows: Sequence[R],
    cells: Callable[[R], Sequence[RenderableType]],
) -> Table:
    """A table of KPIs: what each is and its healthy range, then the `more` columns."""
    table = Table(title=title, title_justify="left")
    for name in ("ID", "KPI", "Owner", "Now", "Healthy", *more):
        table.add_column(name, overflow="fold", no_wrap=name == "ID")
    for row in rows:
        table.add_row(
            safe(row.id),
            safe(row.name),
            safe(row.owner),
            number(row.current, row.unit),
            healthy_range(row),
            *cells(row),
        )
    return table


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


def kpi_lag_table(rows: Sequence[KPILagRow]) -> Table:
    return _kpis(
        "KPIs that need attention", ("Why",), rows, lambda row: (safe("; ".join(row.reasons)),)
    )


def quantity(link: DependencyLink) -> Text:
    """`need 1,250 · plan 900 · forecast 1,010` for a quantified link."""
    if link.ratio is None:
        return Text("")
    if link.check:
        return Text(f"not checked: {link.check}", style="dim")
    parts = [f"need {number(link.need, link.unit)}", f"plan {number(link.plan, link.unit)}"]
    if link.forecast is not None:
        parts.append(f"forecast {number(round(link.forecast), link.unit)}")
    text = Text(" · ".join(parts))
    if link.short or (link.plan is not None and link.need is not None and link.plan < link.need):
        text.stylize("yellow")
    return text
