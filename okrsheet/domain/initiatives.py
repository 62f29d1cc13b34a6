"""Initiatives: the work planned to move a key result, from the Initiatives tab.

An initiative is not measured (its key result is); it has a status and a due date so that a
key result behind pace with nothing in progress, and work that is overdue or blocked, show up
in the reports. No I/O here; `okrsheet.layout.initiatives_tab` reads the tab.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class InitiativeStatus(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    DONE = "done"
    BLOCKED = "blocked"


STATUS_CHOICES = tuple(s.value for s in InitiativeStatus)

#: Other spellings people type, normalised (lower case, single spaces).
_ALIASES = {
    "": InitiativeStatus.NOT_STARTED,
    "todo": InitiativeStatus.NOT_STARTED,
    "to do": InitiativeStatus.NOT_STARTED,
    "planned": InitiativeStatus.NOT_STARTED,
    "open": InitiativeStatus.NOT_STARTED,
    "doing": InitiativeStatus.IN_PROGRESS,
    "started": InitiativeStatus.IN_PROGRESS,
    "wip": InitiativeStatus.IN_PROGRESS,
    "ongoing": InitiativeStatus.IN_PROGRESS,
    "in-progress": InitiativeStatus.IN_PROGRESS,
    "complete": InitiativeStatus.DONE,
    "completed": InitiativeStatus.DONE,
    "finished": InitiativeStatus.DONE,
    "stuck": InitiativeStatus.BLOCKED,
    "on hold": InitiativeStatus.BLOCKED,
}


def parse_status(text: str) -> InitiativeStatus:
    """A Status cell; `ValueError` (with the choices) for anything else. Blank: not started."""
    key = " ".join(text.casefold().split())
    for status in InitiativeStatus:
        if key == status.value:
            return status
    if key in _ALIASES:
        return _ALIASES[key]
    raise ValueError(f"{text!r} is not a status; use one of: {', '.join(STATUS_CHOICES)}")


class Initiative(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = ""
    kr_id: Annotated[str, Field(min_length=1)]
    title: Annotated[str, Field(min_length=1)]
    # Blank on the tab means the key result's owner (filled in when the tab is read).
    owner: str = ""
    status: InitiativeStatus = InitiativeStatus.NOT_STARTED
    due: date | None = None
    notes: str = ""

    def overdue(self, as_of: date) -> bool:
        """Past its due date and not done."""
        done = self.status is InitiativeStatus.DONE
        return self.due is not None and as_of > self.due and not done

    @property
    def active(self) -> bool:
        return self.status is InitiativeStatus.IN_PROGRESS


def by_key_result(initiatives: tuple[Initiative, ...]) -> dict[str, list[Initiative]]:
    """Each key result's initiatives, in tab order."""
    grouped: dict[str, list[Initiative]] = {}
    for initiative in initiatives:
        grouped.setdefault(initiative.kr_id, []).append(initiative)
    return grouped
