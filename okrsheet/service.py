"""What commands do, as a library: find the workbook, read it, create it, change it.

Commands call these functions and render what they return; a script can call them too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.layout import ParsedWorkbook, parse_workbook
from okrsheet.layout.writer import Draft, Person, assign_missing_ids, workbook_tabs
from okrsheet.model import Cycle, current_quarter, cycle_from_name
from okrsheet.stores import Location, open_store, parse_location
from okrsheet.stores.base import SetCells, WorkbookStore

ENV_WORKBOOK = "OKR_WORKBOOK"
CONFIG_FILE = "okr.toml"
DEFAULT_WORKBOOK = "okr.xlsx"


def resolve_location(
    workbook: str | None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Location:
    """--workbook, else $OKR_WORKBOOK, else `workbook` in ./okr.toml, else ./okr.xlsx."""
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    if workbook:
        return parse_location(workbook, option="--workbook")
    if environ.get(ENV_WORKBOOK, "").strip():
        return parse_location(environ[ENV_WORKBOOK], option=ENV_WORKBOOK)
    config = cwd / CONFIG_FILE
    if config.is_file():
        try:
            settings = tomllib.loads(config.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{config} is not valid TOML: {exc}") from exc
        value = settings.get("workbook")
        if value is not None:
            if not isinstance(value, str):
                raise UsageError(f"{config}: 'workbook' must be a string")
            location = parse_location(value, option=f"{CONFIG_FILE} workbook")
            if location.path is not None and not location.path.is_absolute():
                location = Location(path=cwd / location.path)
            return location
    return Location(path=Path(DEFAULT_WORKBOOK))


def store_for(location: Location) -> WorkbookStore:
    return open_store(location)


def load(location: Location) -> ParsedWorkbook:
    """Read and parse the whole workbook (one read from the store)."""
    return parse_workbook(store_for(location).read())


def require_valid_plan(parsed: ParsedWorkbook) -> None:
    """Refuse to write on top of a workbook that has errors."""
    if parsed.errors:
        raise InvalidWorkbook(
            f"the workbook has {len(parsed.errors)} error(s); nothing was written",
            details=[str(f) for f in parsed.errors],
            hint="run `okr validate` to see them all",
        )


@dataclass(frozen=True)
class CycleChoice:
    name: str | None = None
    start: date | None = None
    end: date | None = None
    name_option: str = "--cycle"


def choose_cycle(choice: CycleChoice, today: date) -> Cycle:
    """A named cycle, explicit dates, or the current quarter."""
    if choice.start is not None or choice.end is not None:
        if choice.start is None or choice.end is None:
            raise UsageError("give both --start and --end, or neither", option="--start/--end")
        if choice.end <= choice.start:
            raise UsageError("the end must come after the start", option="--end")
        name = choice.name or f"{choice.start.isoformat()}..{choice.end.isoformat()}"
        return Cycle(name=name, start=choice.start, end=choice.end)
    if choice.name:
        try:
            return cycle_from_name(choice.name)
        except ValueError as exc:
            raise UsageError(str(exc), option=choice.name_option) from None
    return current_quarter(today)


def init_workbook(
    location: Location,
    *,
    template: str,
    cycle: Cycle,
    people: list[Person] | None,
    example: bool,
    force: bool,
    company: str | None,
    today: date,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Callable[[str, int], None] | None = None,
) -> tuple[Draft, Location]:
    """Build the workbook from a template and create it; returns the draft and where it now
    lives (for `gsheet:new`, the new spreadsheet's id)."""
    from okrsheet.templates import build_draft, load_template

    draft = build_draft(
        load_template(template),
        cycle,
        company=company,
        people=people,
        example=example,
        today=today,
    )
    store = open_store(
        location,
        title=title or (f"{draft.settings.company} OKRs" if draft.settings.company else None),
        share=share,
        steps=steps,
    )
    store.create(workbook_tabs(draft), overwrite=force)
    if location.is_google:
        location = parse_location(store.location)
    return draft, location


def transfer(
    source: Location,
    target: Location,
    *,
    force: bool,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Callable[[str, int], None] | None = None,
) -> tuple[int, Location]:
    """Copy the whole workbook at `source` to `target` (`okr push`, `okr pull`); returns the
    number of tabs copied and where the copy now lives. The source must be an okrsheet workbook
    (it has Settings); nothing is written when it is not."""
    from okrsheet.layout.transfer import copy_tabs

    raw = open_store(source).read()
    parsed = parse_workbook(raw, with_log=False)  # refuses a workbook without Settings
    store = open_store(
        target,
        title=title
        or (f"{parsed.plan.settings.company} OKRs" if parsed.plan.settings.company else None),
        share=share,
        steps=steps,
    )
    tabs = copy_tabs(raw)
    store.create(tabs, overwrite=force)
    if target.is_google:
        target = parse_location(store.location)
    return len(tabs), target


def fix_ids(location: Location) -> int:
    """Give every objective and KR row without an id one; returns how many were assigned."""
    changes = store_for(location).update(assign_missing_ids)
    return sum(len(c.cells) for c in changes if isinstance(c, SetCells))
