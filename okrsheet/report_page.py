"""The one-page visual report (`okr report`): the report models the other outputs use, put
together for one page. Nothing is scored here; every figure comes from `okrsheet.reports`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, InstanceOf

from okrsheet.domain.model import Plan
from okrsheet.domain.names import person_key
from okrsheet.domain.scoring import weighted_mean
from okrsheet.memory import bulk_load
from okrsheet.reports import (
    AlignedSummary,
    CycleInfo,
    DependencyLink,
    GradeReport,
    InitiativeRow,
    KPILagRow,
    KPIRow,
    KRRow,
    LaggingRow,
    ObjectiveRow,
    TreeNode,
    cycle_info,
    deps_report,
    grade_report,
    kpi_row,
    lagging_report,
    status_report,
    tree_report,
)
from okrsheet.reports.history import Timeline, timelines

#: At most this many check-ins per key result are kept for its chart, so that a year of weekly
#: check-ins for a large company stays a small file.
CHART_POINTS = 30


class _Page(BaseModel):
    model_config = ConfigDict(frozen=True)


class PageKR(_Page):
    """A key result as the status report has it, with its check-in history and forecast."""

    row: KRRow
    # At most CHART_POINTS check-ins (the forecast still follows the most recent ones): the
    # `HistoryReport`'s figures as plain tuples (taken as they are, not validated again).
    history: InstanceOf[Timeline]
    # How many check-ins this cycle, drawn or not.
    checkins: int


class PageObjective(_Page):
    """An objective in the alignment tree. `context` objectives are not in the selection
    (--owner, --team) but hold one beneath them: shown folded, without their key results."""

    row: ObjectiveRow
    context: bool
    aligned: AlignedSummary
    key_results: list[PageKR]
    children: list[PageObjective]


class Overall(_Page):
    """The key results in the report taken together: progress and expected progress are
    weighted means (by each key result's weight), as for an objective."""

    objectives: int
    key_results: int
    progress: float | None
    expected: float | None
    by_status: dict[str, int]


class PageReport(_Page):
    company: str
    cycle: CycleInfo
    as_of: date
    days_left: int
    # What the page is limited to ("owner Marcus Webb", "team Sales", "objective CORP-1").
    scope: str | None
    # The owner or team the page is limited to: dependencies split into what they need from
    # others and who needs them.
    who: str | None
    overall: Overall
    roots: list[PageObjective]
    # Objectives aligned to nothing (or to an ID that does not exist).
    orphans: list[PageObjective]
    lagging: list[LaggingRow]
    stale: list[LaggingRow]
    depends_on: list[DependencyLink]
    depended_on_by: list[DependencyLink]
    # Only once the cycle has ended; before, grades would be provisional.
    grades: GradeReport | None
    # The KPIs beside the shown key results (all of them, or the selection's: owned by its
    # people or named by its key results), with their health, as `okr status` lists them.
    kpis: list[KPIRow] = []
    # Those of them out of their healthy range or not updated, with why (as `okr lagging`).
    kpi_attention: list[KPILagRow] = []
    # The initiatives of the shown key results, as `okr status` lists them.
    initiatives: list[InitiativeRow] = []
    # Those of them blocked or overdue.
    initiative_attention: list[InitiativeRow] = []


def page_report(
    plan: Plan,
    as_of: date,
    *,
    objective: str | None = None,
    members: Sequence[str] | None = None,
    who: str | None = None,
    scope: str | None = None,
) -> PageReport:
    """Everything `okr report` shows. `objective` keeps that objective and what aligns to it
    (as `okr tree --objective`); `members` keeps the objectives these people own or own a key
    result in (as `okr status --owner`), with the objectives above them for context."""
    # The page is a few hundred thousand models (scores, rows, each key result's history),
    # none of them in reference cycles, as a load's: the collector is paused while they are
    # made (it walked them twice on the large benchmark, a quarter of this function's time).
    with bulk_load():
        return _page_report(plan, as_of, objective=objective, members=members, who=who, scope=scope)


def _page_report(
    plan: Plan,
    as_of: date,
    *,
    objective: str | None,
    members: Sequence[str] | None,
    who: str | None,
    scope: str | None,
) -> PageReport:
    roots, orphans = _branches(plan, as_of, objective=objective, members=members)
    shown = [n for top in (*roots, *orphans) for n in _flatten(top) if not n.context]
    shown_krs = [k for n in shown for k in n.row.key_results]
    kr_ids = {k.id for k in shown_krs}
    attach = _chart_attacher(plan, as_of, kr_ids)
    roots, orphans = [attach(n) for n in roots], [attach(n) for n in orphans]
    lagging = lagging_report(plan, as_of)
    lag = [row for row in lagging.lagging if row.id in kr_ids]
    kpi_ids = _kpi_ids(plan, shown_krs, members=members, whole=objective is None)
    initiatives = [i for k in shown_krs for i in k.initiatives]
    depends_on, depended_on_by = _links(plan, as_of, members=members, who=who, kr_ids=kr_ids)
    return PageReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        days_left=max(0, (plan.cycle.end - as_of).days),
        scope=scope,
        who=who if members is not None else None,
        overall=_overall(shown, shown_krs),
        roots=roots,
        orphans=orphans,
        lagging=[row for row in lag if set(row.codes) - {"stale"}],
        stale=[row for row in lag if "stale" in row.codes],
        depends_on=depends_on,
        depended_on_by=depended_on_by,
        grades=_grades(plan, as_of, {n.row.id for n in shown}, kr_ids),
        kpis=[kpi_row(k, plan, as_of) for k in plan.kpis if k.id in kpi_ids],
        kpi_attention=[k for k in lagging.kpis if k.id in kpi_ids],
        initiatives=initiatives,
        initiative_attention=[i for i in initiatives if i.status == "blocked" or i.overdue],
    )


def _kpi_ids(
    plan: Plan, shown_krs: Sequence[KRRow], *, members: Sequence[str] | None, whole: bool
) -> set[str]:
    """The KPIs a page shows: every one on a whole-company page; else those its key results
    name and, for a selection of people, those they own."""
    named = {k.kpi for k in shown_krs if k.kpi}
    if whole and members is None:
        return {k.id for k in plan.kpis}
    wanted = {person_key(m) for m in members or ()}
    return named | {k.id for k in plan.kpis if person_key(k.owner) in wanted}


def _branches(
    plan: Plan, as_of: date, *, objective: str | None, members: Sequence[str] | None
) -> tuple[list[PageObjective], list[PageObjective]]:
    """The alignment tree's roots and orphans, kept to the chosen objectives and the ones
    above them (marked `context`), still without key results."""
    status = {o.id: o for o in status_report(plan, as_of).objectives}
    tree = tree_report(plan, as_of, objective=objective)
    wanted = None if members is None else {person_key(m) for m in members}

    def selected(row: ObjectiveRow) -> bool:
        if wanted is None:
            return True
        return person_key(row.owner) in wanted or any(
            person_key(k.owner) in wanted for k in row.key_results
        )

    def build(node: TreeNode) -> PageObjective | None:
        kids = [c for c in (build(child) for child in node.children) if c is not None]
        row = status[node.id]
        if not selected(row) and not kids:
            return None
        return PageObjective(
            row=row,
            context=not selected(row),
            aligned=node.aligned,
            key_results=[],
            children=kids,
        )

    roots = [n for n in (build(r) for r in tree.roots) if n is not None]
    orphans = [n for n in (build(r) for r in tree.orphans) if n is not None]
    return roots, orphans


def _chart_attacher(
    plan: Plan, as_of: date, kr_ids: set[str]
) -> Callable[[PageObjective], PageObjective]:
    """What adds to a branch its shown key results, each with its chart and check-in count
    (the check-in log read once for all of them: each history counts its check-ins)."""
    histories = timelines(
        plan.model_copy(
            update={"key_results": tuple(k for k in plan.key_results if k.id in kr_ids)}
        ),
        as_of,
        max_points=CHART_POINTS,
    )

    def attach(node: PageObjective) -> PageObjective:
        krs = [] if node.context else node.row.key_results
        return node.model_copy(
            update={
                "key_results": [
                    PageKR(row=k, history=histories[k.id], checkins=histories[k.id].count)
                    for k in krs
                ],
                "children": [attach(c) for c in node.children],
            }
        )

    return attach


def _links(
    plan: Plan,
    as_of: date,
    *,
    members: Sequence[str] | None,
    who: str | None,
    kr_ids: set[str],
) -> tuple[list[DependencyLink], list[DependencyLink]]:
    """The members' links both ways; for everyone, the links that touch a shown key result."""
    if members is not None:
        deps = deps_report(plan, as_of, members=members, who=who)
        return deps.depends_on, deps.depended_on_by
    links = deps_report(plan, as_of).depends_on
    return [x for x in links if x.downstream in kr_ids or x.upstream in kr_ids], []


def _grades(plan: Plan, as_of: date, ids: set[str], kr_ids: set[str]) -> GradeReport | None:
    """Once the cycle has ended, the grades of the shown objectives and key results."""
    if as_of < plan.cycle.end:
        return None
    return grade_report(
        plan.model_copy(
            update={
                "objectives": tuple(o for o in plan.objectives if o.id in ids),
                "key_results": tuple(k for k in plan.key_results if k.id in kr_ids),
            }
        ),
        as_of,
    )


def _overall(shown: Sequence[PageObjective], shown_krs: Sequence[KRRow]) -> Overall:
    by_status: dict[str, int] = {}
    for kr in shown_krs:
        by_status[kr.status] = by_status.get(kr.status, 0) + 1
    return Overall(
        objectives=len(shown),
        key_results=len(shown_krs),
        progress=_mean([(k.progress, k.weight) for k in shown_krs]),
        expected=_mean([(k.expected, k.weight) for k in shown_krs]),
        by_status=by_status,
    )


def _mean(pairs: list[tuple[float, float]]) -> float | None:
    value = weighted_mean(pairs)
    return None if value is None else round(value, 4)


def _flatten(node: PageObjective) -> list[PageObjective]:
    out = [node]
    for child in node.children:
        out.extend(_flatten(child))
    return out


def flatten(nodes: Sequence[PageObjective]) -> list[PageObjective]:
    """Every objective of these branches, parents before their children."""
    return [n for top in nodes for n in _flatten(top)]
