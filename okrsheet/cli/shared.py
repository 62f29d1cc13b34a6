"""Steps several commands share: load the filtered plan, warn about unreadable rows, say where
a new Google spreadsheet is."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from okrsheet.domain.model import Plan
    from okrsheet.domain.vocab import Level
    from okrsheet.layout import ParsedWorkbook
    from okrsheet.stores import Location


def load_plan_as_of(
    workbook: str | None,
    *,
    as_of: str | date | None,
    owner: str | None = None,
    level: Level | None = None,
    objective: str | None = None,
    skim_log: bool = False,
    archives: bool = True,
) -> tuple[ParsedWorkbook, Plan, date]:
    """`load_plan` for `--as-of` as typed: a slashed date is read with the workbook's date
    order, so the workbook is read first (a date no order can read is refused before that).
    Also returns the day. `skim_log`: the report needs of the check-in log only what can
    change it as of the day (`service.load`'s `log_until`), not its history; without
    `archives`, it does not look at archived cycles' tabs (`skim_log` leaves them out too)."""
    import contextlib
    import re

    from okrsheet import service
    from okrsheet.cli.options import as_of_date, check_date_option
    from okrsheet.domain.model import filter_plan, rewind
    from okrsheet.errors import UsageError

    if not isinstance(as_of, date):
        check_date_option(as_of, "--as-of")
    until = None  # a day on or before the one the report is as of, when known before the read
    if skim_log:
        if isinstance(as_of, date):
            until = as_of
        elif as_of is None or re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", as_of):
            with contextlib.suppress(UsageError):  # said after the read, as without it
                until = as_of_date(as_of)  # the workbook's time zone only moves it later
    location = service.resolve_location(workbook)
    parsed = service.load(location, log_until=until, archives=archives)
    day = as_of if isinstance(as_of, date) else as_of_date(as_of, parsed.plan.settings.date_order)
    day = _in_workbook_zone(day, parsed.plan)
    plan = rewind(parsed.plan, day)
    check_filters(parsed, plan, owner=owner, objective=objective)
    return parsed, filter_plan(plan, owner=owner, level=level, objective_id=objective), day


def _in_workbook_zone(as_of: date, plan: Plan) -> date:
    """Today, where the workbook's Settings name a time zone in which it is already
    tomorrow, is that tomorrow: the day its check-ins of today are dated."""
    import os
    from datetime import datetime

    from okrsheet.layout.cells import time_zone

    if not plan.settings.time_zone or os.environ.get("OKR_TODAY", "").strip():
        return as_of
    if as_of != date.today():
        return as_of
    return max(as_of, datetime.now(time_zone(plan.settings.time_zone)).date())


def check_filters(
    parsed: ParsedWorkbook, plan: Plan, *, owner: str | None, objective: str | None
) -> None:
    """A filter naming nobody is a typo, not an empty report: say so, with the choices."""
    from okrsheet.errors import UsageError

    if owner is not None:
        resolve_owner(owner, everyone(parsed, plan))
    if objective is not None and objective.casefold() not in {
        o.id.casefold() for o in plan.objectives
    }:
        raise UsageError(
            f"no objective with ID {objective!r}",
            option="--objective",
            hint="`okr status` lists the objectives and their IDs.",
        )


def everyone(parsed: ParsedWorkbook, plan: Plan) -> list[str]:
    """Every name the workbook knows: owners of objectives, key results, initiatives and
    KPIs, and the People tab."""
    from okrsheet.domain.model import owners

    extra = {i.owner for i in plan.initiatives} | {k.owner for k in plan.kpis if k.owner}
    return sorted(set(owners(plan)) | set(parsed.people) | extra, key=str.casefold)


def resolve_owner(owner: str, known: Sequence[str]) -> str:
    """`--owner` as the workbook spells it (case, accents and spaces aside); an unknown name is
    a usage error worded the same by every command, with the name it most likely means."""
    from okrsheet.domain.names import closest_person, find_person
    from okrsheet.errors import UsageError

    found = find_person(owner, known)
    if found is not None:
        return found
    guess = closest_person(owner, known)
    listed = "owners: " + (", ".join(known) if known else "none yet")
    raise UsageError(
        f"no owner named {owner!r} in the workbook",
        option="--owner",
        hint=f"did you mean {guess!r}? ({listed})" if guess else listed,
    )


def warn_unreadable(parsed: ParsedWorkbook) -> None:
    """Reports show what could be read; say on stderr what could not."""
    from okrsheet.render import console

    for notice in parsed.notices:
        console.err().print(f"warning: {notice}", markup=False, highlight=False)
    if parsed.errors:
        console.err().print(
            f"warning: {len(parsed.errors)} row(s) or cell(s) could not be read and are left "
            "out; run `okr validate` to see where."
        )


def tell_where_google_workbook_is(location: Location) -> None:
    """After creating a workbook on Google Sheets: its address, and how to use it from now on."""
    url = location.url
    if url is None:
        return
    from okrsheet.render import console

    console.err().print(
        f"Open it at {url}\nUse it with: export OKR_WORKBOOK={location}",
        markup=False,
    )


def program() -> str:
    """How to call okr again: `okr` when that is the one on PATH, else the path it was run by
    (`.venv/bin/okr` from a checkout whose virtual environment is not activated)."""
    import os
    import shutil
    import sys

    called = sys.argv[0] if sys.argv else ""
    if os.path.basename(called) != "okr":
        return "okr"
    found = shutil.which("okr")
    if found and os.path.realpath(found) == os.path.realpath(called):
        return "okr"
    return os.path.relpath(called) if not os.path.isabs(called) else called


def tell_next_commands(location: Location, *, example: bool) -> None:
    """After creating a workbook: the two commands to run next."""
    import shlex

    from okrsheet.render import console

    okr, where = program(), shlex.quote(str(location))
    if example:
        steps = [
            (f"{okr} status -w {where}", "every objective and key result, scored"),
            (f"{okr} lagging -w {where}", "what needs help this week"),
        ]
    else:
        steps = [
            (f"{okr} validate -w {where}", "after filling in objectives and key results"),
            (f"{okr} status -w {where}", "progress against the calendar"),
        ]
    width = max(len(command) for command, _ in steps)
    lines = [f"  {command:<{width}}   # {why}" for command, why in steps]
    console.err().print("Next:\n" + "\n".join(lines), markup=False, highlight=False)
