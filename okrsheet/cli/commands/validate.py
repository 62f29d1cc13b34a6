from typing import Annotated

import typer

from okrsheet.cli.options import ForceOption, FormatOption, WorkbookOption, location_to_write
from okrsheet.render import OutputFormat


def validate(
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Assign IDs to rows that lack one; writes nothing else.")
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
    from okrsheet.render import console, tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import validation_report

    location = location_to_write(workbook, force)
    if fix:
        assigned = service.fix_ids(location)
        console.err().print(f"Assigned {assigned} ID(s)." if assigned else "No IDs were missing.")
    report = validation_report(service.load(location).findings)
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
