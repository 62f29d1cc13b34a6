"""The Reminders tab: what `okr remind` sent, so the next run and the replies can find it.

One row per reminder: when, to whom, its Message-ID, a hash of its reply token (never the
token), the key results it asked about and the reply lines it prefilled (a reply line equal
to one of these is no news). The tab is made by the first `okr remind` that sends something; a
workbook without it reads as before. People's e-mail addresses come from the People tab.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from okrsheet.layout import cells
from okrsheet.layout.schema import PEOPLE_COLUMNS, PEOPLE_TAB, REMINDERS_TAB, Column, column
from okrsheet.layout.tables import Table, find_table, grid_named
from okrsheet.layout.writer import timestamp_text
from okrsheet.stores.base import AddTab, AppendRows, Change, RawWorkbook, TabSpec, WriteValue

REMINDER_COLUMNS: tuple[Column, ...] = (
    column(
        "sent_at",
        "Sent at",
        "sent",
        width=25,
        note="When okr remind sent the reminder, with its offset from UTC.",
    ),
    column("owner", "Owner", required=True, width=18),
    column("email", "Email", "e mail", "to", width=28),
    column("message_id", "Message ID", "message id", required=True, width=40),
    column(
        "token_hash",
        "Token hash",
        required=True,
        width=20,
        note="SHA-256 of the reply token in the message; the token itself is kept nowhere.",
    ),
    column("key_results", "Key results", "krs", width=30),
    column(
        "prefilled",
        "Prefilled",
        width=50,
        note="The reply lines as sent: a reply line equal to one of these is not a check-in.",
    ),
)


@dataclass(frozen=True)
class SentReminder:
    """One row of the Reminders tab (`row` is its 1-based row number)."""

    sent_at: datetime | None
    owner: str
    email: str
    message_id: str
    token_hash: str
    key_results: tuple[str, ...]
    prefilled: tuple[str, ...]
    row: int = 0


def reminders_table(raw: RawWorkbook) -> Table | None:
    grid = grid_named(raw, REMINDERS_TAB)
    return find_table(grid, REMINDER_COLUMNS, min_matches=3) if grid else None


def read_reminders(raw: RawWorkbook) -> list[SentReminder]:
    """Every readable row of the Reminders tab (none when the tab is missing); a row whose
    Sent at cannot be read keeps `sent_at=None` (it counts as sent long ago)."""
    table = reminders_table(raw)
    grid = grid_named(raw, REMINDERS_TAB)
    if table is None or grid is None:
        return []
    found: list[SentReminder] = []
    for row in range(table.header_row + 1, len(grid.rows) + 1):

        def text(key: str, row: int = row) -> str:
            col = table.columns.get(key)
            return cells.parse_text(grid.cell(row, col)) if col else ""

        owner, message_id, token_hash = text("owner"), text("message_id"), text("token_hash")
        if not (owner and message_id and token_hash):
            continue
        col = table.columns.get("sent_at")
        try:
            sent_at = cells.parse_datetime(grid.cell(row, col)) if col else None
        except cells.CellValueError:
            sent_at = None
        found.append(
            SentReminder(
                sent_at=sent_at,
                owner=owner,
                email=text("email"),
                message_id=message_id,
                token_hash=token_hash.casefold(),
                key_results=cells.parse_ids(text("key_results")),
                prefilled=tuple(line for line in text("prefilled").splitlines() if line.strip()),
                row=row,
            )
        )
    return found


def reminder_row(reminder: SentReminder) -> dict[str, WriteValue]:
    return {
        "sent_at": timestamp_text(reminder.sent_at),
        "owner": reminder.owner,
        "email": reminder.email or None,
        "message_id": reminder.message_id,
        "token_hash": reminder.token_hash,
        "key_results": ", ".join(reminder.key_results),
        "prefilled": "\n".join(reminder.prefilled),
    }


def reminders_tab(reminders: Sequence[SentReminder]) -> TabSpec:
    keys = [c.key for c in REMINDER_COLUMNS]
    return TabSpec(
        title=REMINDERS_TAB,
        columns=[c.spec for c in REMINDER_COLUMNS],
        rows=[[reminder_row(r)[k] for k in keys] for r in reminders],
        wrap_columns=(keys.index("prefilled") + 1,),
        color="7F7F7F",
    )


def reminder_changes(raw: RawWorkbook, reminders: Sequence[SentReminder]) -> list[Change]:
    """Append these reminders to the tab, or make the tab with them when it is missing.
    Rows whose Message ID the tab holds already (an earlier attempt of this write) are left
    out."""
    table = reminders_table(raw)
    if table is None:
        if grid_named(raw, REMINDERS_TAB) is not None:
            from okrsheet.errors import InvalidWorkbook

            raise InvalidWorkbook(
                f"the {REMINDERS_TAB!r} tab has no Owner, Message ID and Token hash headers; "
                "nothing was sent",
                hint="restore its header row or delete the tab (docs/rhythm.md)",
            )
        return [AddTab(reminders_tab(reminders))] if reminders else []
    there = {r.message_id for r in read_reminders(raw)}
    fresh = [r for r in reminders if r.message_id not in there]
    if not fresh:
        return []
    width = max(table.columns.values())
    rows: list[list[WriteValue]] = []
    for reminder in fresh:
        values = reminder_row(reminder)
        row: list[WriteValue] = [None] * width
        for key, value in values.items():
            col = table.columns.get(key)
            if col is not None:
                row[col - 1] = value
        rows.append(row)
    formats = {
        table.columns[c.key]: c.spec.number_format
        for c in REMINDER_COLUMNS
        if c.key in table.columns
    }
    return [
        AppendRows(table.title, rows, id_column=table.columns.get("message_id"), formats=formats)
    ]


def people_emails(raw: RawWorkbook) -> dict[str, str]:
    """Each person's e-mail address from the People tab, by name folded to lower case
    (blank addresses left out)."""
    grid = grid_named(raw, PEOPLE_TAB)
    table = find_table(grid, PEOPLE_COLUMNS, min_matches=1) if grid else None
    if grid is None or table is None or "name" not in table.columns or "email" not in table.columns:
        return {}
    emails: dict[str, str] = {}
    for row in range(table.header_row + 1, len(grid.rows) + 1):
        name = cells.parse_text(grid.cell(row, table.columns["name"]))
        email = cells.parse_text(grid.cell(row, table.columns["email"]))
        if name and email:
            emails[name.casefold()] = email
    return emails
