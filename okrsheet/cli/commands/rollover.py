from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from okrsheet.cli.options import (
    ForceOption,
    WorkbookOption,
    location_to_write,
    parse_date_option,
    today,
)

if TYPE_CHECKING:
    from okrsheet.cycles import RolloverResult


def rollover(
    to: Annotated[
        str,
        typer.Option("--to", help="The next cycle: 2027-Q1, 2027-T1, 2027-H1 or 2027."),
    ],
    start: Annotated[
        str | None, typer.Option("--start", help="Its first day, if not the named period's.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Its last day, if not the named period's.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Print what would be carried, archived and created; write nothing."
        ),
    ] = False,
    archive_to: Annotated[
        str | None,
        typer.Option(
            "--archive-to",
            help="Move the old cycle (its Archive tab and check-ins) into this workbook (an "
            ".xlsx path, made if missing, or gsheet:ID) instead of this one's own tabs; it is "
            "added to Settings › Archive workbooks, where the next rollovers go too.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask for confirmation on a terminal.")
    ] = False,
    workbook: WorkbookOption = None,
    force: ForceOption = False,
) -> None:
    """Start the next cycle: unfinished key results go on, finished ones are archived.

    Carried key results keep their IDs and start again from their last value; the whole old
    cycle (final values and grades) is kept readable in a tab named 'Archive <cycle>', and
    its check-ins move out of the live log into 'Archive <cycle> check-ins', so that the live
    workbook holds one cycle (`okr history KR --cycle 2026-Q4` still shows them). With
    --archive-to, or an Archive workbook in Settings, both tabs go to that workbook instead.

    Examples:

      okr rollover --to 2027-Q1 --dry-run     (what it would do; writes nothing)

      okr rollover --to 2027-Q1

      okr rollover --to 2027-S1 --start 2027-01-04 --end 2027-06-27

      okr rollover --to 2027-Q1 --archive-to okr-archive.xlsx
    """
    from okrsheet import cycles, service
    from okrsheet.render import console

    new = service.choose_cycle(
        service.CycleChoice(
            name=to,
            start=parse_date_option(start, "--start"),
            end=parse_date_option(end, "--end"),
            name_option="--to",
        ),
        today(),
    )
    location = location_to_write(workbook, force)
    out = console.err()
    if dry_run or (not yes and _on_a_terminal()):
        # One more read, only where a person looks before anything is written.
        plan = cycles.preview_rollover(location, new)
        _warn_if_early(plan)
        out.print(_describe(plan), markup=False, highlight=False)
        if dry_run:
            out.print("Dry run: nothing was written.")
            return
        if not typer.confirm("Roll over now?", default=plan.old.end < today(), err=True):
            out.print("Nothing was written.")
            return
        result = cycles.rollover(location, new, archive_to=archive_to)
    else:
        result = cycles.rollover(location, new, archive_to=archive_to)
        _warn_if_early(result)
    for notice in result.notices:
        out.print(f"warning: {notice}", markup=False, highlight=False)
    where = f" of {result.archive_workbook}" if result.archive_workbook else ""
    out.print(
        f"Rolled over from {result.old.name} to {result.new.name} "
        f"({result.new.start} to {result.new.end}): {len(result.carried)} item(s) carried, "
        f"{len(result.archived)} archived; the old cycle is in the tab {result.archive_tab!r}"
        f"{where}, and {result.moved_checkins} check-in(s) moved out of the live log.",
        markup=False,
        highlight=False,
    )


def _warn_if_early(plan: RolloverResult) -> None:
    from okrsheet.render import console

    left = (plan.old.end - today()).days
    if left >= 0:
        console.err().print(
            f"warning: the cycle {plan.old.name} runs until {plan.old.end} ({left} day(s) "
            "left); rolling over ends it early and grades it as it stands.",
            markup=False,
            highlight=False,
        )


def _on_a_terminal() -> bool:
    import sys

    return sys.stdin is not None and sys.stdin.isatty()


def _describe(plan: RolloverResult) -> str:
    def ids(items: list[str]) -> str:
        return ", ".join(items) if items else "nothing"

    return (
        f"Rollover from {plan.old.name} to {plan.new.name} ({plan.new.start} to "
        f"{plan.new.end}):\n"
        f"  carry   {len(plan.carried)}: {ids(plan.carried)}\n"
        f"  archive {len(plan.archived)}: {ids(plan.archived)}\n"
        f"  create  the tab {plan.archive_tab!r} (the whole old cycle, with grades)"
        f"{' in ' + plan.archive_workbook if plan.archive_workbook else ''}; Settings "
        f"move to {plan.new.name}\n"
        f"  move    {plan.moved_checkins} check-in(s) dated before {plan.new.start} out of the "
        f"live log"
    )
