"""End of cycle: writing grades, and rolling over into the next cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from okrsheet.domain.closing import carried_over, dropped
from okrsheet.domain.model import Cycle, Plan, cycle_from_name, rewind
from okrsheet.domain.scoring import grade, objective_grade, status
from okrsheet.domain.vocab import Status
from okrsheet.errors import UsageError
from okrsheet.layout import ParsedWorkbook, parse_workbook
from okrsheet.layout.budget import archive_budget
from okrsheet.layout.changes import (
    Rollover,
    archive_title,
    archive_workbook_changes,
    grade_changes,
    rollover_changes,
)
from okrsheet.layout.log_archive import (
    LogMove,
    archive_log_changes,
    held_keys,
    log_archive_tab,
    log_archive_title,
    log_to_move,
    move_changes,
)
from okrsheet.layout.results import with_room
from okrsheet.reports import GradeReport, HistoryReport, grade_report
from okrsheet.service import archive_raws, require_valid_plan
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import AddTab, Change, Grid, RawWorkbook


def days_left_if_nearly_over(cycle: Cycle, today: date) -> int | None:
    """Days left in `cycle` when today falls in its last third (a quarter's last 30 days or
    so): too late to start planning it without saying so. None otherwise."""
    if not cycle.contains(today):
        return None
    left = (cycle.end - today).days
    return left if left * 3 <= cycle.days else None


def write_grades(location: Location, as_of: date) -> GradeReport:
    """Grade every KR and objective as of `as_of` and store the grades in the Grade column."""
    reports: list[GradeReport] = []

    def planner(raw: RawWorkbook) -> list[Change]:
        plan = rewind(parse_workbook(raw).plan, as_of)
        report = grade_report(plan, as_of, propose_finals=True)
        reports.append(report)
        grades: dict[str, float | None] = {k.id: k.grade for k in report.key_results}
        grades.update({o.id: o.grade for o in report.objectives})
        # The computed grade is proposed as the final one where the owner has not judged yet.
        judged = {o.id for o in plan.objectives if o.closing.final_grade is not None}
        judged |= {k.id for k in plan.key_results if k.closing.final_grade is not None}
        finals = {i: g for i, g in grades.items() if i not in judged}
        return grade_changes(raw, grades, finals)

    open_store(location).update(with_room(planner))
    return reports[-1]


@dataclass
class RolloverResult:
    old: Cycle
    new: Cycle
    archive_tab: str
    carried: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    #: Check-ins moved out of the live log into the archive (layout/log_archive.py).
    moved_checkins: int = 0
    #: The archive workbook the old cycle went to ("" for this workbook's own tabs).
    archive_workbook: str = ""
    #: What a person should know (an archive workbook nearing Google's cell limit).
    notices: list[str] = field(default_factory=list)


def plan_rollover(plan: Plan, new: Cycle) -> Rollover:
    """Unfinished KRs (not done at the old cycle's end) and their objectives go on."""
    old = plan.cycle
    if new.start <= old.start:
        raise UsageError(
            f"the new cycle ({new.name}, from {new.start}) must start after the current one "
            f"({old.name}, from {old.start})",
            option="--to",
        )
    # The owner's answer (Next cycle: carry over or drop) decides; blank, unfinished key
    # results and their objectives go on. A dropped objective takes its key results with it.
    dropping = {o.id for o in plan.objectives if dropped(o)}
    carried: set[str] = {o.id for o in plan.objectives if carried_over(o)}
    for kr in plan.key_results:
        if kr.objective_id in dropping or dropped(kr):
            continue
        unfinished = status(kr, old, old.end, plan.settings) is not Status.DONE
        if unfinished or carried_over(kr):
            carried.update((kr.id, kr.objective_id))
    grouped = plan.krs_by_objective()
    for objective in plan.objectives:
        if not grouped.get(objective.id) and objective.id not in dropping:
            carried.add(objective.id)
    grades: dict[str, float | None] = {k.id: grade(k) for k in plan.key_results}
    grades.update({o.id: objective_grade(grouped.get(o.id, ())) for o in plan.objectives})
    return Rollover(old=old, new=new, carried=frozenset(carried), grades=grades)


def _result(
    raw: RawWorkbook,
    parsed: ParsedWorkbook,
    new: Cycle,
    *,
    here: bool = True,
    only: set[tuple[object, ...]] | None = None,
) -> tuple[RolloverResult, list[Change], LogMove | None]:
    """What a rollover of this workbook into `new` carries, archives and writes; refuses a
    workbook with errors, a new cycle that does not come later, and a second rollover.

    The check-ins dated before `new` leave the live log: with `here`, into a tab of this
    workbook beside the Archive tab; otherwise (an archive workbook) only those whose
    `row_key` is in `only`, already written there, and the Archive tab is not added here."""
    plan = parsed.plan
    require_valid_plan(parsed)
    decision = plan_rollover(plan, new)
    ids = [o.id for o in plan.objectives] + [k.id for k in plan.key_results]
    result = RolloverResult(
        old=plan.cycle,
        new=new,
        archive_tab=archive_title(plan.cycle),
        carried=[i for i in ids if i in decision.carried],
        archived=[i for i in ids if i not in decision.carried],
    )
    changes = rollover_changes(raw, plan, decision)
    if not here:
        changes = [
            c for c in changes if not (isinstance(c, AddTab) and c.spec.title == result.archive_tab)
        ]
    move = log_to_move(
        raw,
        new.start,
        keep_ids=[k.id for k in plan.kpis],
        order=plan.settings.date_order,
        only=only,
    )
    if move is not None:
        result.moved_checkins = len(move.rows)
        changes.extend(move_changes(raw, move, log_archive_title(plan.cycle), here=here))
    return result, changes, move


def preview_rollover(location: Location, new: Cycle) -> RolloverResult:
    """`rollover` without writing: one read, the same checks, the same decisions."""
    raw = open_store(location).read()
    parsed = parse_workbook(raw)
    result, _changes, _move = _result(raw, parsed, new)
    result.archive_workbook = (parsed.plan.settings.archive_workbooks or ("",))[-1]
    return result


def rollover(location: Location, new: Cycle, *, archive_to: str | None = None) -> RolloverResult:
    """Start the next cycle in one atomic write (see `rollover_changes`); the old cycle's
    check-ins leave the live log for its archive.

    With an archive workbook (`archive_to`, else the Settings' Archive workbook), the old
    cycle's Archive tab and check-ins are written there first (rows it already holds from an
    earlier run that was cut short are not written twice), then the live workbook is rolled
    over in one atomic write that deletes from its log only the rows the archive holds. A run
    killed between the two writes is finished by the same command run again."""
    if archive_to:
        return _rollover_elsewhere(location, new, archive_to)
    results: list[RolloverResult] = []

    def planner(raw: RawWorkbook) -> list[Change]:
        parsed = parse_workbook(raw)
        plan = parsed.plan
        if results and plan.cycle == new and raw.grid(results[-1].archive_tab) is not None:
            # A store re-reads after a write whose outcome it could not see: this run's
            # rollover already landed, so there is nothing left to write.
            return []
        if plan.settings.archive_workbooks and plan.cycle != new:
            raise _Elsewhere(plan.settings.archive_workbooks[-1])
        result, changes, _move = _result(raw, parsed, new)
        results.append(result)
        return changes

    try:
        open_store(location).update(with_room(planner))
    except _Elsewhere as elsewhere:  # the Settings name an archive workbook: nothing written
        return _rollover_elsewhere(location, new, elsewhere.location)
    return results[-1]


class _Elsewhere(Exception):
    def __init__(self, location: str) -> None:
        self.location = location


def archive_location(location: Location, text: str) -> Location:
    """The archive workbook's location (a relative path is relative to the live workbook)."""
    from okrsheet.service import linked_location

    return linked_location(location, text)


def _rollover_elsewhere(location: Location, new: Cycle, archive_to: str) -> RolloverResult:
    store = open_store(location)
    raw = store.read()
    parsed = parse_workbook(raw)
    result, changes, move = _result(raw, parsed, new)
    spec = next(
        c.spec for c in changes if isinstance(c, AddTab) and c.spec.title == result.archive_tab
    )
    log_title = log_archive_title(parsed.plan.cycle)
    archive = open_store(archive_location(location, archive_to))
    if archive.exists():

        def archive_planner(held: RawWorkbook) -> list[Change]:
            out: list[Change] = []
            if held.grid(spec.title) is None:
                out.append(AddTab(spec))
            if move is not None:
                out.extend(archive_log_changes(held, log_title, move))
            return out

        archive.update(archive_planner)
    else:
        archive.create(
            [spec, *([log_archive_tab(log_title, move)] if move is not None else [])],
            overwrite=False,
        )
    held = archive.read()
    only = held_keys(held, log_title)
    notices = [str(f) for f in archive_budget(held, archive.location)]
    results: list[RolloverResult] = []

    def planner(fresh: RawWorkbook) -> list[Change]:
        parsed = parse_workbook(fresh)
        if results and parsed.plan.cycle == new:
            return []  # this run's rollover already landed (a re-read after an unseen outcome)
        result, changes, _move = _result(fresh, parsed, new, here=False, only=only)
        result.archive_workbook = archive_to
        result.notices = notices
        results.append(result)
        return [*changes, *archive_workbook_changes(fresh, archive_to)]

    store.update(with_room(planner))
    return results[-1]


def past_history(
    location: Location, plan: Plan, kr_id: str, cycle_name: str | None, as_of: date
) -> HistoryReport | None:
    """`okr history` for a cycle rolled over already: the key result as its Archive tab
    recorded it, and its check-ins from the archived logs (this workbook's and the archive
    workbook's its Settings name), with the live log's stragglers. The cycle is the one
    named, else the archived one that contains `as_of`. None when it has no such key result,
    or when no archived cycle contains `as_of`; `UsageError` when no archived cycle has the
    name asked."""
    from okrsheet.domain.model import log_index
    from okrsheet.layout.archive import archived_cycles, archived_key_result
    from okrsheet.layout.log_archive import archived_checkins
    from okrsheet.reports.history import past_history_report

    raws = [open_store(location).read(), *archive_raws(location, plan.settings)]
    found: dict[str, Grid] = {}
    for raw in raws:
        found.update(archived_cycles(raw))
    cycles = {name: _cycle_named(name) for name in found}
    if cycle_name is not None:
        name = next((n for n in found if n.casefold() == cycle_name.strip().casefold()), None)
    else:
        name = next((n for n, c in cycles.items() if c and c.start <= as_of <= c.end), None)
    if name is None and cycle_name is None:
        return None
    if name is None:
        known = ", ".join(sorted(found)) or "none"
        raise UsageError(f"no archived cycle {cycle_name!r} (archived: {known})", option="--cycle")
    cycle = cycles[name]
    kr = archived_key_result(found[name], kr_id, cycle.end if cycle else None)
    if kr is None:
        return None
    logs = archived_checkins(raws, plan.settings, tab=None if cycle else log_archive_title(name))
    mine = [c for c in (*logs, *plan.checkins) if c.kr_id.casefold() == kr.id.casefold()]
    if cycle is None:  # a name okr cannot read as dates: its own tab, up to its due date
        first = min((c.date for c in mine), default=kr.due_date)
        cycle = Cycle(name=name, start=min(first, kr.due_date - timedelta(days=1)), end=kr.due_date)
    entries = [c for c in log_index(tuple(mine)).ordered() if cycle.start <= c.date <= cycle.end]
    day = min(as_of, cycle.end) if cycle_name is not None or as_of > cycle.end else as_of
    return past_history_report(plan.model_copy(update={"cycle": cycle}), kr, entries, day)


def _cycle_named(name: str) -> Cycle | None:
    try:
        return cycle_from_name(name)
    except ValueError:
        return None
