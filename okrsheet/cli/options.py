"""Options shared by several commands, defined once so they mean the same everywhere."""

from __future__ import annotations

import os
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from okrsheet.domain.vocab import Level
from okrsheet.errors import UsageError
from okrsheet.render import OutputFormat

if TYPE_CHECKING:
    from okrsheet.stores import Location

WorkbookOption = Annotated[
    str | None,
    typer.Option(
        "--workbook",
        "-w",
        help="Workbook: a .xlsx path, a Google Sheets URL or gsheet:ID. "
        "Default: $OKR_WORKBOOK, else 'workbook' in ./okr.toml, else ./okr.xlsx.",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table for people; json, csv or md (Markdown) for machines and chat.",
        case_sensitive=False,
    ),
]


def text_option(flag: str, help: str) -> Any:
    """An option that takes a value and has no default to show: `--flag TEXT`."""
    return typer.Option(flag, help=help, show_default=False)


def flag_option(flag: str, help: str) -> Any:
    """An on/off switch: `--flag`, off unless given."""
    return typer.Option(flag, help=help)


AsOfOption = Annotated[
    str | None, text_option("--as-of", "Score as of this date (YYYY-MM-DD) instead of today.")
]
OwnerOption = Annotated[
    str | None, text_option("--owner", "Only this owner's objectives and key results.")
]
LevelOption = Annotated[
    Level | None,
    typer.Option("--level", help="Only objectives at this level.", case_sensitive=False),
]


def today() -> date:
    """Today, or the date in $OKR_TODAY (YYYY-MM-DD) for reproducible reports and demos."""
    pinned = os.environ.get("OKR_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            raise UsageError(f"OKR_TODAY must be a date (YYYY-MM-DD), not {pinned!r}") from None
    return date.today()


def pinned_today() -> date | None:
    """The date in $OKR_TODAY, if set; otherwise None (the caller decides what today is:
    a check-in takes it in the workbook's time zone)."""
    return today() if os.environ.get("OKR_TODAY", "").strip() else None


def parse_date_option(
    value: str | None, option: str, order: Literal["MDY", "DMY"] = "MDY"
) -> date | None:
    """Dates on the command line take the same forms as in the workbook; slashed ones are read
    in `order`, the workbook's date order where a workbook is read first."""
    if value is None:
        return None
    from okrsheet.layout.cells import CellValueError, parse_date

    if not value.strip():
        raise UsageError("a date is required (YYYY-MM-DD)", option=option)
    if value.strip().casefold() == "today":
        return today()
    try:
        return parse_date(value, order=order)
    except CellValueError as exc:
        raise UsageError(str(exc), option=option) from None


def check_date_option(value: str | None, option: str) -> None:
    """Refuse, before any workbook is read, a date that no date order can read."""
    try:
        parse_date_option(value, option, "MDY")
    except UsageError:
        parse_date_option(value, option, "DMY")


def as_of_date(value: str | None, order: Literal["MDY", "DMY"] = "MDY") -> date:
    return parse_date_option(value, "--as-of", order) or today()


# Where okr creates a Google spreadsheet (init, push): its title and who may edit it.
TitleOption = Annotated[
    str | None,
    text_option(
        "--title", "For gsheet:new, the new spreadsheet's title (default: '<company> OKRs')."
    ),
]
ShareOption = Annotated[
    list[str] | None,
    typer.Option(
        "--share",
        help="Give this email edit access to the Google spreadsheet (repeat for several).",
        show_default=False,
        metavar="<email>",
    ),
]

ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write even when Excel's or LibreOffice's lock file says the workbook is open "
        "there (its next save there would overwrite this change).",
    ),
]


def location_to_write(workbook: str | None, force: bool) -> Location:
    """Where a writing command writes; with `force`, also while a spreadsheet program has
    the workbook open."""
    from dataclasses import replace

    from okrsheet.service import resolve_location

    location = resolve_location(workbook)
    return replace(location, force=True) if force else location
