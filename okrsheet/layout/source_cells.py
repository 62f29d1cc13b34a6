"""The Source and Synced columns of OKR tabs and of the KPIs tab: where they are, what a row's
cells say, and the findings they draw (docs/sources.md).

They are optional and recognised wherever a person adds them: among a table's extra columns
(the headers the tab's own schema does not know)."""

from __future__ import annotations

from okrsheet.layout import cells
from okrsheet.layout.schema import SOURCE_COLUMNS
from okrsheet.layout.tables import Finding, Table, cell_ref
from okrsheet.stores.base import Grid


def source_columns(table: Table) -> dict[str, int]:
    """`source` and `source_status` -> their 1-based columns in this table (those present)."""
    found: dict[str, int] = {}
    for column in SOURCE_COLUMNS:
        if column.key in table.columns:
            found[column.key] = table.columns[column.key]
            continue
        for col, text in sorted(table.extra_columns.items()):
            if column.matches(text):
                found[column.key] = col
                break
    return found


def read_source_cells(
    grid: Grid, table: Table, row: int, findings: list[Finding]
) -> dict[str, str]:
    """A row's `source` and `source_status` text (blank when the tab lacks the columns), with a
    finding for a Source that okr refuses or cannot read, and one for a source failing since
    a day the Synced cell names."""
    from okrsheet.sources import SourceError, parse_source
    from okrsheet.sources.status import failing_sentence, read_state

    where = source_columns(table)
    if "source" not in where:
        return {"source": "", "source_status": ""}
    source = cells.parse_text(grid.cell(row, where["source"]))
    status_col = where.get("source_status")
    status = cells.parse_text(grid.cell(row, status_col)) if status_col else ""
    if not source:
        return {"source": "", "source_status": status}
    at = cell_ref(table.title, row, where["source"])
    try:
        parse_source(source)
    except SourceError as exc:
        findings.append(Finding("error", "bad-source", f"Source: {exc.message}", at))
        return {"source": source, "source_status": status}
    state = read_state(status)
    if state is not None and not state.ok and status_col:
        findings.append(
            Finding(
                "warning",
                "source-failing",
                failing_sentence(source, state),
                cell_ref(table.title, row, status_col),
            )
        )
    return {"source": source, "source_status": status}


def objective_source(grid: Grid, table: Table, row: int, findings: list[Finding]) -> None:
    """An objective has no number of its own: a Source on its row is a warning, not read."""
    col = source_columns(table).get("source")
    if col and cells.parse_text(grid.cell(row, col)):
        findings.append(
            Finding(
                "warning",
                "bad-source",
                "Source: an objective takes its progress from its key results; put the Source "
                "on a key result row (okr sync ignores this one)",
                cell_ref(table.title, row, col),
            )
        )
