from typing import Annotated

import typer

from okrsheet.cli.options import (
    ForceOption,
    FormatOption,
    WorkbookOption,
    flag_option,
    location_to_write,
    pinned_today,
    text_option,
)
from okrsheet.render import OutputFormat


def sync(
    dry_run: Annotated[
        bool, flag_option("--dry-run", "Say what would change; write nothing.")
    ] = False,
    kr: Annotated[str | None, text_option("--kr", "Sync this key result (or KPI) only.")] = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Read each key result's Source and record the numbers that changed (for cron).

    Every source is read once, however many key results name it; a check-in is recorded for
    each number that changed (author sync:<source>; confidence stays the owner's), and each
    Synced cell says what was found, all in one write. Nothing changed: nothing is written and
    nothing is printed. A source that fails does not stop the others; the command then exits 8.
    With --format json or csv, every sourced key result is listed: its source, the old and the
    new number, changed, unchanged or failed (and why), and whether a check-in was written.
    Sources and the machine's config: docs/sources.md.

    Examples:

      okr sync --dry-run

      okr sync --kr SALES-1.2

      okr sync --dry-run --format json

      0 6 * * *  cd /srv/okr && .venv/bin/okr sync -w acme.xlsx
    """
    from okrsheet import sync as syncing
    from okrsheet.errors import ExitCode
    from okrsheet.render import console
    from okrsheet.sources import shown

    location = location_to_write(workbook, force)
    result = syncing.sync(location, only=kr, dry_run=dry_run, today=pinned_today())
    if output_format is not OutputFormat.TABLE:
        from okrsheet.render.emit import emit
        from okrsheet.reports import sync_report

        report = sync_report(result, dry_run=dry_run)
        emit(output_format, report, table=lambda: "")
    if result.notice:
        console.err().print(f"note: {result.notice}", markup=False, highlight=False)
        return
    out = console.out()
    for outcome in result.changed if output_format is OutputFormat.TABLE else ():
        before = "blank" if outcome.before is None else f"{outcome.before:,.10g}"
        out.print(
            f"{outcome.item_id}: {before} -> {outcome.value:,.10g}  from {outcome.source}",
            markup=False,
            highlight=False,
        )
    err = console.err()
    for outcome in result.failed:
        err.print(
            f"error: {outcome.item_id}: source {shown(outcome.source)} unreadable: {outcome.error}",
            markup=False,
            highlight=False,
        )
    if dry_run:
        err.print(
            f"Dry run: {len(result.changed)} number(s) would change, {len(result.failed)} "
            f"source(s) failed; nothing was written.",
            markup=False,
            highlight=False,
        )
    elif result.written:
        err.print(
            f"Recorded {result.recorded} check-in(s) from {len(result.reads)} source(s) in "
            f"{location}; {len(result.failed)} source(s) failed.",
            markup=False,
            highlight=False,
        )
    elif result.failed:
        err.print(
            f"No number changed and nothing new to say: nothing was written; "
            f"{len(result.failed)} source(s) still fail.",
            markup=False,
            highlight=False,
        )
    if result.failed:
        raise typer.Exit(int(ExitCode.SOURCE_FAILED))
