"""`okr share`: give people edit access to a Google Sheets workbook."""

from typing import Annotated

import typer


def share(
    workbook: Annotated[str, typer.Argument(help="The Google spreadsheet: gsheet:ID or its URL.")],
    emails: Annotated[list[str], typer.Argument(help="Email addresses to give edit access.")],
    notify: Annotated[
        bool,
        typer.Option("--notify/--no-notify", help="Let Google email each person a link."),
    ] = True,
) -> None:
    """Give people edit access to a Google Sheets workbook (one Drive call per person).

    Also a way to finish `okr init` or `okr push` when sharing failed after the spreadsheet
    was made (the error names the spreadsheet and the command): it then counts as finished,
    so the same `gsheet:new` command run again makes a new one.

    Example:

      okr share gsheet:1AbC... ceo@acme.com coo@acme.com
    """
    from okrsheet import service
    from okrsheet.render import console

    location = service.resolve_location(workbook)
    service.share(location, emails, notify=notify)
    for email in emails:
        console.err().print(f"Shared {location} with {email} (editor).", markup=False)
