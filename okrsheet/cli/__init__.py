"""The `okr` command line: thin commands over the okrsheet library."""

import os
from pathlib import Path
from typing import Annotated

import typer

from okrsheet import __version__
from okrsheet.cli.errors import handle_errors
from okrsheet.cli.lazy import Entry, LazyGroup

#: The commands, in the order `okr --help` lists them: each module is imported, and its command
#: built, only when that command runs or its own help is asked for.
COMMANDS = (
    Entry("init", "init", "Create an OKR workbook: a local .xlsx or Google Sheets."),
    Entry("validate", "validate", "Check every tab and cell; name each problem's cell."),
    Entry("lint", "lint", "Check that each key result is a measurable outcome, not a task."),
    Entry("status", "status", "Progress, expected progress, status and confidence of each KR."),
    Entry("checkin", "checkin", "Record this week's numbers: one KR, a CSV batch, or a prompt."),
    Entry("sync", "sync", "Read each key result's Source; record the numbers that changed."),
    Entry("lagging", "lagging", "Key results behind pace, overdue, stale or low in confidence."),
    Entry("remind", "remind", "Mail each owner whose key results are due for a check-in."),
    Entry("grade", "grade", "Grade the cycle: 0.0-1.0 per key result and objective."),
    Entry("rollover", "rollover", "Start the next cycle: carry unfinished KRs, archive the rest."),
    Entry("history", "history", "A key result's check-ins this cycle, sparkline and forecast."),
    Entry("todo", "todo", "What one person should do now."),
    Entry("tree", "tree", "Corporate objectives with everything aligned beneath them."),
    Entry("deps", "deps", "Who depends on whom, and the state of each link."),
    Entry("digest", "digest", "The week for readers: wins, what is behind, stale owners, KPIs."),
    Entry("report", "report", "A one-page visual report: one HTML file to open, send or print."),
    Entry("templates", "templates", "List the templates `okr init --template` accepts."),
    Entry("push", "transfer", "Copy a local workbook to Google Sheets."),
    Entry("pull", "transfer", "Copy a Google Sheets workbook to a local .xlsx file."),
    Entry("share", "share", "Give people edit access to a Google Sheets workbook."),
    Entry("auth", "auth", "Sign in to Google; say which identity okr uses."),
    Entry("completion", "completion", "Print tab completion for bash, zsh, fish or PowerShell."),
)
#: Set by the completion script (`okr completion SHELL`) when the shell asks what may follow.
COMPLETE_VAR = "_OKR_COMPLETE"

app = typer.Typer(
    name="okr",
    help="Keep a company's OKRs honest in a spreadsheet: validate, check in, score, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    cls=LazyGroup.of(COMMANDS, package="okrsheet.cli.commands", wrap=handle_errors),
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
        from okrsheet.stores.google.auth import CREDENTIALS_ENV

        os.environ[CREDENTIALS_ENV] = str(credentials)


def main() -> None:
    if COMPLETE_VAR in os.environ:  # the shell asks for completions: register its protocol
        from okrsheet.cli.framework import completion_init

        completion_init()
    app(prog_name="okr", complete_var=COMPLETE_VAR)  # also under `python -m okrsheet`
