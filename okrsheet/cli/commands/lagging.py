from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    LevelOption,
    OwnerOption,
    WorkbookOption,
    flag_option,
)
from okrsheet.render import OutputFormat


def lagging(
    fail: Annotated[
        bool, flag_option("--fail", "Exit 6 when anything is reported (for alerting).")
    ] = False,
    missing_checkins: Annotated[
        bool,
        flag_option(
            "--missing-checkins",
            "Instead, list owners with no check-in within the cadence in Settings.",
        ),
    ] = False,
    owner: OwnerOption = None,
    level: LevelOption = None,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """List key results that need help: behind pace, overdue, stale, or low confidence.

    Made for cron: prints nothing and exits 0 when nothing lags, so cron mails only real news
    (--format json prints the usual document with an empty list, so scripts always get JSON).
    Off a terminal there is no colour, and lines fit $COLUMNS (default 80) for a mail.

    Examples:

      okr lagging

      okr lagging --format md --as-of 2026-11-30     (paste into chat or email)

      0 8 * * MON  okr lagging -w /srv/okr/acme.xlsx --fail
    """
    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.errors import ExitCode
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import lagging_report, quiet_owners_report

    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, owner=owner, level=level)
    warn_unreadable(parsed)
    if missing_checkins:
        quiet = quiet_owners_report(plan, day)
        found = bool(quiet.owners)
        if not found and output_format is not OutputFormat.JSON:
            return
        emit(output_format, quiet, table=lambda: tables.quiet_owners_table(quiet))
    else:
        report = lagging_report(plan, day)
        found = bool(report.lagging or report.kpis)
        if not found and output_format is not OutputFormat.JSON:
            return
        emit(output_format, report, table=lambda: tables.lagging_table(report))
    if fail and found:
        raise typer.Exit(int(ExitCode.LAGGING))
