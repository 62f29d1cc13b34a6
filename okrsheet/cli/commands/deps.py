from typing import Annotated

import typer

from okrsheet.cli.options import (
    AsOfOption,
    FormatOption,
    OwnerOption,
    WorkbookOption,
)
from okrsheet.render import OutputFormat

DEPS_COLUMNS = [
    "direction",
    "downstream",
    "downstream_owner",
    "upstream",
    "upstream_title",
    "upstream_owner",
    "needed_by",
    "upstream_progress",
    "upstream_status",
    "link",
    "why",
    "need",
    "plan",
    "forecast",
    "unit",
    "short",
]


def deps(
    owner: OwnerOption = None,
    team: Annotated[
        str | None,
        typer.Option("--team", help="A team from the People tab (its members' key results)."),
    ] = None,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """Show dependencies between key results: who needs what from whom, by when, and whether
    it is on its way (ok), lagging, or late for the date it is needed.

    With --owner or --team: what they depend on from others, and who depends on them. A key
    result lists what it depends on in its 'Depends on' cell, e.g. `MARKET-1.1@2026-11-15`.

    Examples:

      okr deps

      okr deps --team Sales --format md
    """
    from okrsheet.cli.shared import check_filters, load_plan_as_of, warn_unreadable
    from okrsheet.errors import UsageError
    from okrsheet.render import tables
    from okrsheet.render.emit import emit
    from okrsheet.reports import deps_report

    if owner and team:
        raise UsageError("give --owner or --team, not both", option="--owner/--team")
    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of)
    check_filters(parsed, plan, owner=owner, objective=None)
    warn_unreadable(parsed)
    members: list[str] | None = None
    who: str | None = None
    if owner:
        members, who = [owner], owner
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
        who = team
    report = deps_report(plan, day, members=members, who=who)

    def rows() -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for direction, links in (
            ("needs", report.depends_on),
            ("needed by", report.depended_on_by),
        ):
            for link in links:
                out.append({"direction": direction, **link.model_dump(mode="json")})
        return out

    emit(
        output_format,
        report,
        rows=rows,
        columns=DEPS_COLUMNS,
        table=lambda: tables.deps_table(report),
    )
