"""`okr push` and `okr pull`: move a whole workbook between a local .xlsx and Google Sheets."""

from typing import Annotated

import typer

from okrsheet.cli.options import ShareOption, TitleOption, flag_option

ForceOption = Annotated[bool, flag_option("--force", "Replace what the target already holds.")]


def push(
    source: Annotated[str, typer.Argument(help="The local .xlsx workbook to copy.")],
    to: Annotated[
        str,
        typer.Option(
            "--to", help="The Google spreadsheet: gsheet:ID, its URL, or gsheet:new to create one."
        ),
    ],
    title: TitleOption = None,
    share: ShareOption = None,
    force: ForceOption = False,
) -> None:
    """Copy a local workbook to Google Sheets: every tab, row and column, with dates, formats,
    dropdowns and live Progress formulas.

    Consultants draft offline, then hand the client a Google spreadsheet. An existing
    spreadsheet must be empty, or --force replaces its tabs.

    Examples:

      okr push acme.xlsx --to gsheet:new --title "Acme OKRs" --share ceo@acme.com

      okr push acme.xlsx --to gsheet:1AbC... --force
    """
    _move(source, to, title=title, share=share or (), force=force, to_google=True)


def pull(
    source: Annotated[str, typer.Argument(help="The Google spreadsheet: gsheet:ID or its URL.")],
    to: Annotated[str, typer.Option("--to", help="The local .xlsx file to write.")],
    force: ForceOption = False,
) -> None:
    """Copy a Google Sheets workbook to a local .xlsx file (a snapshot, a backup, or to work
    offline).

    Example:

      okr pull gsheet:1AbC... --to acme-backup.xlsx
    """
    _move(source, to, title=None, share=(), force=force, to_google=False)


def _move(
    source: str,
    target: str,
    *,
    title: str | None,
    share: list[str] | tuple[str, ...],
    force: bool,
    to_google: bool,
) -> None:
    from okrsheet import service
    from okrsheet.cli.shared import tell_where_google_workbook_is
    from okrsheet.errors import UsageError
    from okrsheet.render import console

    src = service.resolve_location(source)
    dst = service.resolve_location(target)
    if to_google and (src.remote or not dst.remote):
        raise UsageError(
            "push copies a local .xlsx to Google Sheets (--to gsheet:ID or gsheet:new)",
            option="--to",
            hint="to copy the other way, use `okr pull`",
        )
    if not to_google and (not src.remote or dst.remote):
        raise UsageError(
            "pull copies a Google Sheets workbook to a local .xlsx (--to FILE.xlsx)",
            option="--to",
            hint="to copy the other way, use `okr push`",
        )
    from okrsheet.render.progress import steps

    with steps() as step:
        tabs, dst = service.transfer(src, dst, force=force, title=title, share=share, steps=step)
    console.err().print(f"Copied {tabs} tab(s) from {src} to {dst}.", markup=False)
    tell_where_google_workbook_is(dst)
