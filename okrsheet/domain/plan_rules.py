"""Rules that span a plan's items (ids, alignment, dependencies, dates inside the cycle, focus
limits), each broken rule a `Problem` that the layout places at a cell.

No I/O and no pydantic here: the rules read a validated `Plan` (okrsheet/domain/model.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from okrsheet.domain.vocab import Level

if TYPE_CHECKING:
    from okrsheet.domain.model import KeyResult, Objective, Plan, Settings

#: How a problem names a check-in: by its index in `Plan.checkins`.
CHECKIN_KEY_PREFIX = "checkin#"

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """A rule broken by one item (objective, key result, check-in) or by the plan as a whole.

    `item_id` and `field` let the layout point at the exact cell.
    """

    severity: Severity
    code: str
    message: str
    item_id: str | None = None
    field: str | None = None


def dependency_cycles(plan: Plan) -> list[Problem]:
    """Key results that depend on each other in a circle: none of them can ever start."""
    graph = {k.id: [d for d in k.depends_on if d != k.id] for k in plan.key_results}
    seen: set[str] = set()
    reported: set[frozenset[str]] = set()
    problems: list[Problem] = []

    def visit(node: str, path: list[str], on_path: set[str]) -> None:
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if nxt in on_path:
                loop = path[path.index(nxt) :]
                key = frozenset(loop)
                if key not in reported:
                    reported.add(key)
                    first = min(loop)
                    turn = loop.index(first)
                    ordered = [*loop[turn:], *loop[:turn], first]
                    problems.append(
                        Problem(
                            "error",
                            "dependency-cycle",
                            "dependency cycle: " + " → ".join(ordered),
                            first,
                            "depends_on",
                        )
                    )
            elif nxt not in seen:
                seen.add(nxt)
                on_path.add(nxt)
                path.append(nxt)
                visit(nxt, path, on_path)
                path.pop()
                on_path.discard(nxt)

    for start in graph:
        if start not in seen:
            seen.add(start)
            visit(start, [start], {start})
    return problems


def check_plan(
    plan: Plan,
    *,
    unreadable_krs: Mapping[str, str] | None = None,
    unreadable_objectives: Collection[str] = (),
) -> list[Problem]:
    """Rules that span items: ids, alignment, dates inside the cycle, focus limits.

    Key results (id -> objective id) and objectives that exist but could not be read (their own
    cells are reported where they are) still count as existing: no finding follows from another.
    """
    unreadable_krs = unreadable_krs or {}
    objective_ids = {o.id for o in plan.objectives} | set(unreadable_objectives)
    kr_ids = {k.id for k in plan.key_results} | set(unreadable_krs)
    kpi_ids = {k.id for k in plan.kpis}
    problems: list[Problem] = []
    for kr in plan.key_results:
        problems.extend(_kr_problems(plan, kr, objective_ids, kpi_ids))
        problems.extend(_link_problems(kr, kr_ids))
    problems.extend(dependency_cycles(plan))
    grouped = plan.krs_by_objective()
    unread_per_objective = Counter(unreadable_krs.values())
    for objective in plan.objectives:
        count = len(grouped.get(objective.id, ())) + unread_per_objective[objective.id]
        problems.extend(_focus_problems(objective, count, plan.settings))
        problems.extend(_alignment_problems(objective, objective_ids))
    problems.extend(_owner_problems(plan))
    problems.extend(_checkin_problems(plan, kr_ids))
    return problems


def _kr_problems(
    plan: Plan, kr: KeyResult, objective_ids: set[str], kpi_ids: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    if kr.objective_id not in objective_ids:
        problems.append(
            Problem(
                "error",
                "unknown-objective",
                f"key result {kr.id} belongs to objective {kr.objective_id}, which does not exist"
                + _did_you_mean(kr.objective_id, objective_ids),
                kr.id,
                "objective_id",
            )
        )
    if not plan.cycle.contains(kr.due_date):
        problems.append(
            Problem(
                "error",
                "due-outside-cycle",
                f"due date {kr.due_date.isoformat()} is outside the cycle {plan.cycle.name} "
                f"({plan.cycle.start.isoformat()} to {plan.cycle.end.isoformat()})",
                kr.id,
                "due",
            )
        )
    if kr.kpi is not None and kr.kpi not in kpi_ids:
        problems.append(
            Problem(
                "warning",
                "unknown-kpi",
                f"names KPI {kr.kpi}, which is not on the KPIs tab",
                kr.id,
                "kpi",
            )
        )
    return problems


def _link_problems(kr: KeyResult, kr_ids: set[str]) -> list[Problem]:
    """Dependencies on key results that are not there, or on itself."""
    unknown = "which is not a key result in this workbook"
    return [
        Problem("error", "unknown-dependency", f"depends on {up}, {unknown}", kr.id, "depends_on")
        if up not in kr_ids
        else Problem("error", "self-dependency", "depends on itself", kr.id, "depends_on")
        for up in kr.depends_on
        if up not in kr_ids or up == kr.id
    ]


def _focus_problems(objective: Objective, count: int, settings: Settings) -> list[Problem]:
    """Too few or too many key results for one objective (`count` includes unreadable ones)."""
    low, high = settings.min_krs_per_objective, settings.max_krs_per_objective
    if not count:
        code = "no-key-results"
        message = f"objective {objective.id} has no key results: how will you know it is met?"
    elif count < low:
        code = "few-key-results"
        message = (
            f"objective {objective.id} has {count} key result(s); {low} to {high} describe it "
            "better"
        )
    elif count > high:
        code = "many-key-results"
        message = (
            f"objective {objective.id} has {count} key results; more than {high} dilutes focus"
        )
    else:
        return []
    return [Problem("warning", code, message, objective.id, "id")]


def _alignment_problems(objective: Objective, objective_ids: set[str]) -> list[Problem]:
    """A team or individual objective that serves no corporate one (an orphan)."""
    if objective.level is Level.CORPORATE:
        return []
    if not objective.aligns_to:
        message = (
            f"{objective.level} objective {objective.id} aligns to nothing: name the "
            "objective it serves in 'Aligns to'"
        )
    elif objective.aligns_to not in objective_ids:
        message = f"objective {objective.id} aligns to {objective.aligns_to}, which does not exist"
    else:
        return []
    return [Problem("warning", "orphan", message, objective.id, "aligns_to")]


def _owner_problems(plan: Plan) -> list[Problem]:
    """Owners with more objectives than the focus limit, at their first objective."""
    limit = plan.settings.max_objectives_per_owner
    per_owner = Counter(o.owner for o in plan.objectives)
    first = {o.owner: o.id for o in reversed(plan.objectives)}
    return [
        Problem(
            "warning",
            "many-objectives",
            f"{owner} has {count} objectives this cycle; more than {limit} dilutes focus",
            first[owner],
            "owner",
        )
        for owner, count in sorted(per_owner.items())
        if count > limit
    ]


def people_problems(plan: Plan, people: Collection[str], others: Collection[str]) -> list[Problem]:
    """Owners of objectives and key results checked against the People tab (when it names
    anyone): a name with other accents there (`Zoe Muller` for `Zoë Müller`; case and spaces
    do not count) or not there at all, with the name it most likely means. `others` are
    owners that need no row (the company, team and tab names a blank Owner falls back to)."""
    from okrsheet.domain.names import closest_person, find_person, person_key

    if not people:
        return []
    quiet = {person_key(o) for o in others}
    problems: list[Problem] = []
    seen: set[str] = set()
    items: list[Objective | KeyResult] = [*plan.objectives, *plan.key_results]
    for item in items:
        owner = item.owner
        if not owner or owner in seen:
            continue
        listed = find_person(owner, people)
        if listed is not None and _folded(listed) == _folded(owner):
            continue  # case and spaces aside, written alike
        if listed is not None:
            message = (
                f"owner {owner!r} is written {listed!r} on the People tab: one person, "
                "write the name one way"
            )
            problems.append(Problem("warning", "owner-spelling", message, item.id, "owner"))
        elif person_key(owner) not in quiet:
            guess = closest_person(owner, people)
            hint = f"; did you mean {guess!r}?" if guess else "; add them to the People tab"
            message = f"owner {owner!r} is not on the People tab{hint}"
            problems.append(Problem("warning", "unknown-owner", message, item.id, "owner"))
        else:
            continue
        seen.add(owner)
    return problems


def _did_you_mean(typed: str, ids: Collection[str]) -> str:
    """`; did you mean CORP-1?` for an ID typed close to one that exists, else nothing."""
    import difflib

    by_folded = {i.casefold(): i for i in ids}
    close = difflib.get_close_matches(typed.casefold(), list(by_folded), n=1, cutoff=0.7)
    return f"; did you mean {by_folded[close[0]]}?" if close else ""


def _folded(name: str) -> str:
    return " ".join(name.casefold().split())


def _checkin_problems(plan: Plan, kr_ids: set[str]) -> list[Problem]:
    """Check-ins of this cycle for a key result (or KPI) the workbook does not have."""
    logged = kr_ids | {k.id for k in plan.kpis}  # a KPI is checked in like a key result
    unknown = "which is not a key result in this workbook"
    return [
        Problem(
            "warning",
            "unknown-checkin-kr",
            f"check-in for {checkin.kr_id}, {unknown}",
            f"{CHECKIN_KEY_PREFIX}{index}",
            "kr_id",
        )
        for index, checkin in enumerate(plan.checkins)
        if checkin.kr_id not in logged and checkin.date >= plan.cycle.start
    ]
