import sys
from typing import Annotated

import typer

from okrsheet.cli.options import AsOfOption, OwnerOption, WorkbookOption

#: Where the page goes without --out when stdout is a terminal.
DEFAULT_OUT = "report.html"


def report(
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the page to this file ('-' for stdout). Default: stdout when it is "
            f"piped or redirected, else ./{DEFAULT_OUT}.",
            show_default=False,
        ),
    ] = None,
    owner: OwnerOption = None,
    team: Annotated[
        str | None,
        typer.Option(
            "--team",
            help="Only the objectives of a team from the People tab (its members' and the "
            "team's own).",
            show_default=False,
        ),
    ] = None,
    objective: Annotated[
        str | None,
        typer.Option(
            "--objective", help="Only this objective and what aligns to it.", show_default=False
        ),
    ] = None,
    as_of: AsOfOption = None,
    workbook: WorkbookOption = None,
) -> None:
    """Write a one-page visual report: one HTML file to open, forward or print.

    The alignment tree with progress bars and status, a chart per key result (check-ins
    against the expected pace, forecast at the due date, confidence), what lags or is stale,
    dependencies, and grades once the cycle has ended. The file needs nothing else: no
    script, no font or image fetched, so it works offline and as an e-mail attachment.

    Examples:

      okr report                          (writes ./report.html)

      okr report --out weekly.html --as-of 2026-11-30

      okr report --team Sales > sales.html
    """
    from okrsheet.cli.shared import check_filters, load_plan_as_of, warn_unreadable
    from okrsheet.render import console
    from okrsheet.render.html import render_page
    from okrsheet.report_page import page_report
    from okrsheet.reports import deps_scope

    destination = out if out is not None else ("-" if not sys.stdout.isatty() else DEFAULT_OUT)
    target = None if destination == "-" else _check_out(destination)
    # --as-of is read with the workbook's date order; page_report applies the filters itself,
    # keeping the objectives above the chosen ones for context.
    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, archives=False)
    members, who = deps_scope(parsed.people, owner=owner, team=team)
    check_filters(parsed, plan, owner=owner, objective=objective)
    warn_unreadable(parsed)
    scope = f"owner {owner}" if owner else f"team {team}" if team else None
    scope = scope or (f"objective {objective}" if objective else None)
    page = render_page(
        page_report(plan, day, objective=objective, members=members, who=who, scope=scope)
    )
    if target is None:
        typer.echo(page, nl=False)
        return
    _write(target, page)
    console.err().print(
        f"Wrote {target} ({len(page.encode()) / 1000:,.0f} kB).", markup=False, highlight=False
    )


def _check_out(name: str) -> str:
    """The file to write, checked before the workbook is read."""
    from pathlib import Path

    from okrsheet.errors import UsageError

    path = Path(name)
    if path.is_dir():
        raise UsageError(f"{name} is a folder; give a file name", option="--out")
    if not path.parent.is_dir():
        raise UsageError(f"no folder {str(path.parent)!r} to write into", option="--out")
    return name


def _write(name: str, text: str) -> None:
    """Write whole or not at all, leaving no temporary file however the command ends (see
    `okrsheet.cli.files`)."""
    from pathlib import Path

    from okrsheet.cli.files import write_whole
    from okrsheet.errors import UsageError

    try:
        write_whole(Path(name), text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {name}: {exc.strerror or exc}", option="--out") from None
