"""`okr auth`: sign a person in to Google, and say which identity okr will use."""

from pathlib import Path
from typing import Annotated

import typer

from okrsheet.cli.errors import handle_errors

app = typer.Typer(
    name="auth",
    help="Sign in to Google and see which identity okr uses for Google Sheets.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,  # `okr completion SHELL` covers every command
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("status")
@handle_errors
def status() -> None:
    """Say which Google identity okr will use, and where its credentials come from.

    Looks in this order: --credentials FILE, GOOGLE_APPLICATION_CREDENTIALS, gspread's
    service_account.json, the file `okr auth login` writes (gspread's authorized_user.json), then
    Application Default Credentials. Prints an email address, never a key or token.

    Example:

      okr auth status
    """
    from okrsheet.render.text import strip_controls
    from okrsheet.stores.google.auth import find_credentials

    found = find_credentials()
    typer.echo(strip_controls(f"okr uses the {found.identity.describe()}"))
    if found.identity.kind == "service account":
        typer.echo(
            f"Share each spreadsheet with {found.identity.email} (as Editor) so okr can open it."
        )


@app.command("login")
@handle_errors
def login(
    client_secrets: Annotated[
        Path | None,
        typer.Option(
            "--client-secrets",
            help="The OAuth client file (type 'Desktop app') from the Google Cloud console. "
            "Default: gspread's credentials.json.",
            dir_okay=False,
        ),
    ] = None,
    no_browser: Annotated[
        bool,
        typer.Option("--no-browser", help="Print the sign-in address instead of opening it."),
    ] = False,
) -> None:
    """Sign in as a person (OAuth in the browser) and keep the token for later commands.

    The token is saved, readable by you only, where gspread also looks for it
    (~/.config/gspread/authorized_user.json). Only Sheets and Drive (files okr creates or is
    given) access is asked for.

    Example:

      okr auth login --client-secrets ~/Downloads/client_secret.json
    """
    from okrsheet.render.text import strip_controls
    from okrsheet.stores.google.auth import client_secrets_file
    from okrsheet.stores.google.auth import login as run_login

    identity = run_login(client_secrets or client_secrets_file(), open_browser=not no_browser)
    typer.echo(strip_controls(f"Signed in: okr now uses the {identity.describe()}"))
