from typing import Annotated

import typer

from okrsheet.cli.options import ForceOption, FormatOption, WorkbookOption, location_to_write
from okrsheet.render import OutputFormat


def validate(
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="Assign IDs to rows that lack one, settle rows and log (one truth), repair "
            "the live formulas, write percents typed as 38 beside fractions as 38%, and add the "
            "Dashboard tab when missing.",
        ),
    ] = False,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Check every tab and cell; list errors and warnings with the cell they are in.

    Exits 3 when there are errors (or warnings, with --strict). Writes nothing unless --fix.

    Examples:

      okr validate

      okr validate --strict --format json
    """
    from okrsheet import service
    from okrsheet.errors import ExitCode
    from okrsheet.render import console
    from okrsheet.render import rich_tables as tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import validation_report

    location = location_to_write(workbook, force)
    if fix:
        from datetime import datetime

        from okrsheet.cli.options import today
        from okrsheet.layout.cells import local_time_zone

        fixed = service.fix_workbook(
            location, today=today(), now=datetime.now(), time_zone=local_time_zone()
        )
        console.err().print(f"Assigned {fixed.ids} ID(s)." if fixed.ids else "No IDs were missing.")
        if fixed.units:
            console.err().print(
                f"Wrote {fixed.units} percent(s) typed on the 0-100 scale as fractions (38 → 38%)."
            )
        if fixed.dates:
            console.err().print(f"Wrote {fixed.dates} date(s) typed as text as real dates.")
        if fixed.changes:
            console.err().print("Brought key result rows and the check-in log into step.")
        if fixed.formula_tabs:
            console.err().print(f"Rewrote the live formulas of {fixed.formula_tabs} tab(s).")
        if fixed.settings:
            console.err().print(f"Added {fixed.settings} newer setting(s) with their defaults.")
        if fixed.dashboard:
            console.err().print("Added the Dashboard tab.")
        if fixed.time_zone:
            console.err().print(
                f"note: recorded this computer's time zone, {fixed.time_zone}, as the "
                "workbook's Time zone (Settings), so that everyone's check-ins and reports "
                "share one today; change it there if the team works in another zone."
            )
    from okrsheet.cli.options import today as today_
    from okrsheet.sync import stale_findings

    parsed = service.load(location, kr_checks=True)
    day = today_()
    report = validation_report(
        [
            *parsed.findings,
            *stale_findings(parsed, day),
            *service.baseline_findings(parsed, day),
        ]
    )
    if report.findings or output_format is not OutputFormat.TABLE:
        emit(
            output_format,
            report,
            rows=lambda: [f.model_dump() for f in report.findings],
            columns=["severity", "where", "code", "message"],
            table=lambda: tables.findings_table(report),
        )
    summary = f"{report.errors} error(s), {report.warnings} warning(s) in {location}"
    console.err().print(summary if report.findings else f"{location} is valid.")
    if report.errors or (strict and report.warnings):
        raise typer.Exit(int(ExitCode.INVALID_CONTENT))
