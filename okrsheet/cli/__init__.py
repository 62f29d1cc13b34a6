"""The `okr` command line: thin commands over the okrsheet library."""

import os
from pathlib import Path
from typing import Annotated

import typer

from okrsheet import __version__
from okrsheet.cli.commands import (
    auth,
    checkin,
    deps,
    grade,
    history,
    init,
    lagging,
    rollover,
    status,
    templates,
    todo,
    transfer,
    tree,
    validate,
)
from okrsheet.cli.errors import handle_errors

app = typer.Typer(
    name="okr",
    help="Keep a company's OKRs honest in a spreadsheet: validate, check in, score, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"okr {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
    credentials: Annotated[
        Path | None,
        typer.Option(
            "--credentials",
            help="Google credentials file (service account key or authorized-user JSON) for "
            "Google Sheets workbooks. Default: GOOGLE_APPLICATION_CREDENTIALS, then gspread's "
            "files, then Application Default Credentials.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Keep a company's OKRs honest in a spreadsheet: validate, check in, score, report.

    The workbook is a local .xlsx (default ./okr.xlsx) or a Google Sheets spreadsheet
    (a URL or gsheet:ID). Start with `okr init --example demo.xlsx` and `okr status -w demo.xlsx`.
    """
    if credentials is not None:
        from okrsheet.stores.google_auth import CREDENTIALS_ENV

        os.environ[CREDENTIALS_ENV] = str(credentials)


app.command("init")(handle_errors(init.init))
app.command("validate")(handle_errors(validate.validate))
app.command("status")(handle_errors(status.status))
app.command("checkin")(handle_errors(checkin.checkin))
app.command("lagging")(handle_errors(lagging.lagging))
app.command("grade")(handle_errors(grade.grade))
app.command("rollover")(handle_errors(rollover.rollover))
app.command("history")(handle_errors(history.history))
app.command("todo")(handle_errors(todo.todo))
app.command("tree")(handle_errors(tree.tree))
app.command("deps")(handle_errors(deps.deps))
app.command("templates")(handle_errors(templates.templates))
app.command("push")(handle_errors(transfer.push))
app.command("pull")(handle_errors(transfer.pull))
app.add_typer(auth.app, name="auth")


def main() -> None:
    app(prog_name="okr")  # also under `python -m okrsheet`
