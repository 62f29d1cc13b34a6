"""End of cycle: writing grades, and rolling over into the next cycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from okrsheet.domain.closing import carried_over, dropped
from okrsheet.domain.model import Cycle, Plan, rewind
from okrsheet.domain.scoring import grade, objective_grade, status
from okrsheet.domain.vocab import Status
from okrsheet.errors import UsageError
from okrsheet.layout import ParsedWorkbook, parse_workbook
from okrsheet.layout.changes import Rollover, archive_title, grade_changes, rollover_changes
from okrsheet.layout.dashboard import with_room
from okrsheet.reports import GradeReport, grade_report
from okrsheet.service import require_valid_plan
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import Change, RawWorkbook


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
    raw: RawWorkbook, parsed: ParsedWorkbook, new: Cycle
) -> tuple[RolloverResult, list[Change]]:
    """What a rollover of this workbook into `new` carries, archives and writes; refuses a
    workbook with errors, a new cycle that does not come later, and a second rollover."""
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
    return result, rollover_changes(raw, plan, decision)


def preview_rollover(location: Location, new: Cycle) -> RolloverResult:
    """`rollover` without writing: one read, the same checks, the same decisions."""
    raw = open_store(location).read()
    result, _changes = _result(raw, parse_workbook(raw), new)
    return result


def rollover(location: Location, new: Cycle) -> RolloverResult:
    """Start the next cycle in one atomic write (see `rollover_changes`)."""
    results: list[RolloverResult] = []

    def planner(raw: RawWorkbook) -> list[Change]:
        parsed = parse_workbook(raw)
        plan = parsed.plan
        if results and plan.cycle == new and raw.grid(results[-1].archive_tab) is not None:
            # A store re-reads after a write whose outcome it could not see: this run's
            # rollover already landed, so there is nothing left to write.
            return []
        result, changes = _result(raw, parsed, new)
        results.append(result)
        return changes

    open_store(location).update(with_room(planner))
    return results[-1]
