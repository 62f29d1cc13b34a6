"""Rich sections for KPIs, shown below the main tables of `status` and `lagging`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from okrsheet.render.pieces import number, safe

if TYPE_CHECKING:
    from okrsheet.reports import KPILagRow, KPIRow


#: A KPI row of a report (status or lagging).
R = TypeVar("R", "KPIRow", "KPILagRow")


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


def kpi_lag_table(rows: Sequence[KPILagRow]) -> Table:
    return _kpis(
        "KPIs that need attention", ("Why",), rows, lambda row: (safe("; ".join(row.reasons)),)
    )
