"""The Initiatives tab: its columns, reading it (each bad cell a finding) and laying it
out for `okr init` (docs/workbook.md)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from okrsheet.domain.initiatives import STATUS_CHOICES, Initiative, parse_status
from okrsheet.domain.model import Cycle
from okrsheet.layout import cells
from okrsheet.layout.schema import Column, column, date_column
from okrsheet.layout.side_tabs import (
    INITIATIVES_TAB,
    ExtraTabs,
    _index,
    _parse_cell,
    _rows,
)
from okrsheet.layout.tables import Finding, Table
from okrsheet.layout.tables import column_number as _column_number
from okrsheet.layout.tables import pydantic_messages as _pydantic_messages
from okrsheet.stores.base import (
    CellValue,
    Grid,
    TabSpec,
    WriteValue,
)

INITIATIVE_COLUMNS: tuple[Column, ...] = (
    column("id", "ID", "initiative id", width=10, number_format="text"),
    column(
        "kr_id",
        "Key result",
        "kr",
        "kr id",
        "key result id",
        required=True,
        width=12,
        number_format="text",
        note="The ID of the key result this work moves.",
    ),
    column("title", "Title", "initiative", "description", "name", required=True, width=44),
    column("owner", "Owner", width=16, note="Blank: the key result's owner."),
    column(
        "status",
        "Status",
        width=13,
        choices=STATUS_CHOICES,
        note="not started, in progress, done or blocked.",
    ),
    date_column("due", "Due", "due date", "deadline"),
    column("notes", "Notes", "note", "comments", "comment", width=40),
)


def _read_initiatives(
    grid: Grid,
    table: Table,
    out: ExtraTabs,
    cycle: Cycle,
    order: cells.DateOrder,
    kr_owners: Mapping[str, str],
    unreadable_krs: Collection[str],
) -> None:
    by_folded = {k.casefold(): k for k in kr_owners}
    unreadable = {k.casefold() for k in unreadable_krs}
    for row, get in _rows(grid, table):
        bad: list[Finding] = []

        def parse(key: str, parser: Callable[[CellValue], Any]) -> Any:
            return _parse_cell(table, row, get, key, parser, INITIATIVE_COLUMNS, bad)  # noqa: B023

        kr_id = parse("kr_id", cells.parse_id)
        status = parse("status", lambda v: parse_status(cells.parse_text(v)))
        due = parse("due", lambda v: cells.parse_date(v, order=order))
        if bad:
            # Every problem of the row at once: a bad cell does not hide an unknown key result.
            known = by_folded.get(kr_id.casefold()) if kr_id else None
            if kr_id and known is None and kr_id.casefold() not in unreadable:
                bad.append(_unknown_kr(table, row, kr_id))
            out.findings.extend(sorted(bad, key=lambda f: _column_number(f.where)))
            continue
        if kr_id is None:
            out.findings.append(
                Finding(
                    "error",
                    "invalid",
                    "Key result: name the key result this initiative moves",
                    table.ref(row, "kr_id"),
                )
            )
            continue
        known = by_folded.get(kr_id.casefold())
        if known is None and kr_id.casefold() in unreadable:
            continue
        if known is None:
            out.findings.append(_unknown_kr(table, row, kr_id))
            continue
        try:
            initiative = Initiative(
                id=cells.parse_text(get("id")),
                kr_id=known,
                title=cells.parse_text(get("title")),
                owner=cells.parse_text(get("owner")) or kr_owners[known],
                status=status,
                due=due,
                notes=cells.parse_text(get("notes")),
            )
        except ValidationError as exc:
            for name, message in _pydantic_messages(exc):
                out.findings.append(
                    Finding("error", "invalid", f"{name}: {message}", table.ref(row, name or "id"))
                )
            continue
        if due is not None and not cycle.contains(due):
            out.findings.append(
                Finding(
                    "warning",
                    "initiative-due-outside-cycle",
                    f"due date {due.isoformat()} is outside the cycle {cycle.name} "
                    f"({cycle.start.isoformat()} to {cycle.end.isoformat()})",
                    table.ref(row, "due"),
                )
            )
        out.initiatives.append(initiative)


def _unknown_kr(table: Table, row: int, kr_id: str) -> Finding:
    return Finding(  # a warning: rollover archives finished key results, not their work
        "warning",
        "unknown-key-result",
        f"initiative for {kr_id}, which is not a key result in this workbook; it is left out",
        table.ref(row, "kr_id"),
    )


def initiatives_tab(initiatives: Sequence[Initiative] = ()) -> TabSpec:
    """The Initiatives tab; its Status column gets a dropdown of the four statuses."""
    rows: list[list[WriteValue]] = []
    for item in initiatives:
        values: dict[str, WriteValue] = {
            "id": item.id or None,
            "kr_id": item.kr_id,
            "title": item.title,
            "owner": item.owner or None,
            "status": item.status.value,
            "due": item.due,
            "notes": item.notes or None,
        }
        rows.append([values.get(c.key) for c in INITIATIVE_COLUMNS])
    index = _index(INITIATIVE_COLUMNS)
    return TabSpec(
        title=INITIATIVES_TAB,
        columns=[c.spec for c in INITIATIVE_COLUMNS],
        rows=rows,
        wrap_columns=(index["title"], index["notes"]),
        color="8064A2",
    )
