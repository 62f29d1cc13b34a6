"""Steps several report commands share: load the filtered plan, warn about unreadable rows."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from okrsheet.layout import ParsedWorkbook
    from okrsheet.model import Plan
    from okrsheet.vocab import Level


def load_plan(
    workbook: str | None,
    *,
    as_of: date,
    owner: str | None = None,
    level: Level | None = None,
    objective: str | None = None,
) -> tuple[ParsedWorkbook, Plan]:
    """Read the workbook once, as it stood on `as_of`, and keep what the filters select."""
    from okrsheet import service
    from okrsheet.model import filter_plan, rewind

    parsed = service.load(service.resolve_location(workbook))
    plan = rewind(parsed.plan, as_of)
    return parsed, filter_plan(plan, owner=owner, level=level, objective_id=objective)


def warn_unreadable(parsed: ParsedWorkbook) -> None:
    """Reports show what could be read; say on stderr what could not."""
    from okrsheet.render import console

    if parsed.errors:
        console.err().print(
            f"warning: {len(parsed.errors)} row(s) or cell(s) could not be read and are left "
            "out; run `okr validate` to see where."
        )
