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
    from okrsheet.errors import UsageError
    from okrsheet.render import console
    from okrsheet.render.html import render_page
    from okrsheet.report_page import page_report

    given = [name for name, value in (("--owner", owner), ("--team", team)) if value]
    if len(given) > 1:
        raise UsageError("give --owner or --team, not both", option="--owner/--team")
    destination = out if out is not None else ("-" if not sys.stdout.isatty() else DEFAULT_OUT)
    target = None if destination == "-" else _check_out(destination)
    # --as-of is read with the workbook's date order; page_report applies the filters itself,
    # keeping the objectives above the chosen ones for context.
    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    check_filters(parsed, plan, owner=owner, objective=objective)
    warn_unreadable(parsed)
    members: list[str] | None = None
    scope: str | None = f"objective {objective}" if objective else None
    who: str | None = None
    if owner:
        members, who, scope = [owner], owner, f"owner {owner}"
    elif team:
        members = [name for name, t in parsed.people.items() if t.casefold() == team.casefold()]
        if not members:
            teams = sorted({t for t in parsed.people.values() if t}, key=str.casefold)
            raise UsageError(
                f"no team named {team!r} in the People tab",
                option="--team",
                hint=f"teams: {', '.join(teams)}" if teams else "fill the Team column of People",
            )
        members.append(team)  # a team tab's key results may be owned by the team itself
        who, scope = team, f"team {team}"
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
    """Write whole or not at all: a temporary file beside the target, then renamed over it."""
    import os
    import tempfile
    from pathlib import Path

    from okrsheet.errors import UsageError

    path = Path(name)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temporary, 0o666 & ~mask)  # as any new file, not mkstemp's owner-only
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {name}: {exc.strerror or exc}", option="--out") from None
