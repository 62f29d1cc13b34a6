"""Typed report models built from a scored plan. Renderers turn them into tables, JSON, CSV or
Markdown; the JSON shape is documented in docs/output.md and kept stable."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from okrsheet.initiatives import Initiative, InitiativeStatus, by_key_result
from okrsheet.kpis import KPI
from okrsheet.layout import Finding
from okrsheet.model import CheckIn, KeyResult, Plan, checkin_order
from okrsheet.scoring import (
    FORECAST_POINTS,
    KRScore,
    ObjectiveScore,
    days_since_checkin,
    forecast,
    grade,
    grade_band,
    kpi_lag_reasons,
    lag_reasons,
    lagging,
    link_forecasts,
    objective_grade,
    progress,
    quiet_owners,
    score_key_results,
    score_kr,
    score_plan,
)


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


class _Report(BaseModel):
    model_config = ConfigDict(frozen=True)


class CycleInfo(_Report):
    name: str
    start: date
    end: date


class InitiativeRow(_Report):
    id: str
    key_result: str
    title: str
    owner: str
    status: str
    due: date | None
    overdue: bool
    notes: str


def initiative_row(initiative: Initiative, as_of: date) -> InitiativeRow:
    return InitiativeRow(
        id=initiative.id,
        key_result=initiative.kr_id,
        title=initiative.title,
        owner=initiative.owner,
        status=initiative.status.value,
        due=initiative.due,
        overdue=initiative.overdue(as_of),
        notes=initiative.notes,
    )


class KPIRow(_Report):
    id: str
    name: str
    owner: str
    current: float | None
    healthy_from: float | None
    healthy_to: float | None
    unit: str
    updated: date | None
    days_since_update: int | None
    # Inside the healthy range; null without a value or a range.
    healthy: bool | None
    # Not updated within the check-in cadence (and its grace days).
    stale: bool


def kpi_row(kpi: KPI, plan: Plan, as_of: date) -> KPIRow:
    return KPIRow(
        id=kpi.id,
        name=kpi.name,
        owner=kpi.owner,
        current=kpi.current,
        healthy_from=kpi.healthy_from,
        healthy_to=kpi.healthy_to,
        unit=kpi.unit,
        updated=kpi.updated,
        days_since_update=kpi.days_since_update(as_of),
        healthy=kpi.healthy,
        stale=any(code == "stale" for code, _ in kpi_lag_reasons(kpi, plan.settings, as_of)),
    )


class KRRow(_Report):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    start: float
    target: float
    current: float | None
    unit: str
    due: date
    days_to_due: int
    weight: float
    confidence: float | None
    progress: float
    overachievement: float
    expected: float
    status: str
    last_checkin: date | None
    # What this KR depends on that is lagging or late (okr deps has the whole picture).
    blocked_by: list[str] = []
    # The KPI it names (KPI column), and the work planned to move it (Initiatives tab).
    kpi: str | None = None
    initiatives: list[InitiativeRow] = []


class ObjectiveRow(_Report):
    id: str
    title: str
    level: str
    owner: str
    aligns_to: str | None
    progress: float | None
    expected: float | None
    status: str | None
    key_results: list[KRRow]


class StatusReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    objectives: list[ObjectiveRow]
    kpis: list[KPIRow] = []


def cycle_info(plan: Plan) -> CycleInfo:
    return CycleInfo(name=plan.cycle.name, start=plan.cycle.start, end=plan.cycle.end)


def kr_row(
    score: KRScore, initiatives: Sequence[Initiative] = (), as_of: date | None = None
) -> KRRow:
    kr = score.kr
    return KRRow(
        id=kr.id,
        objective_id=kr.objective_id,
        title=kr.title,
        owner=kr.owner,
        kind=kr.kind.value,
        start=kr.start_value,
        target=kr.target_value,
        current=kr.current,
        unit=kr.unit,
        due=kr.due_date,
        days_to_due=score.days_to_due,
        weight=kr.weight,
        confidence=_r(kr.confidence),
        progress=_r(score.progress) or 0.0,
        overachievement=_r(score.overachievement) or 0.0,
        expected=_r(score.expected) or 0.0,
        status=score.status.value,
        last_checkin=kr.last_checkin,
        blocked_by=[b.sentence() for b in score.blocked_by],
        kpi=kr.kpi,
        initiatives=[initiative_row(i, as_of or kr.due_date) for i in initiatives],
    )


def objective_row(
    score: ObjectiveScore,
    initiatives: dict[str, list[Initiative]] | None = None,
    as_of: date | None = None,
) -> ObjectiveRow:
    objective = score.objective
    work = initiatives or {}
    return ObjectiveRow(
        id=objective.id,
        title=objective.title,
        level=objective.level.value,
        owner=objective.owner,
        aligns_to=objective.aligns_to,
        progress=_r(score.progress),
        expected=_r(score.expected),
        status=score.status.value if score.status else None,
        key_results=[kr_row(k, work.get(k.kr.id, ()), as_of) for k in score.key_results],
    )


def status_report(plan: Plan, as_of: date) -> StatusReport:
    work = by_key_result(plan.initiatives)
    return StatusReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        objectives=[objective_row(s, work, as_of) for s in score_plan(plan, as_of)],
        kpis=[kpi_row(k, plan, as_of) for k in plan.kpis],
    )


class FindingRow(_Report):
    severity: str
    code: str
    where: str | None
    message: str


class ValidationReport(_Report):
    errors: int
    warnings: int
    findings: list[FindingRow]


def validation_report(findings: Sequence[Finding]) -> ValidationReport:
    ordered = sorted(findings, key=lambda f: f.severity != "error")
    return ValidationReport(
        errors=sum(f.severity == "error" for f in findings),
        warnings=sum(f.severity == "warning" for f in findings),
        findings=[
            FindingRow(severity=f.severity, code=f.code, where=f.where, message=f.message)
            for f in ordered
        ],
    )


class LaggingRow(_Report):
    id: str
    title: str
    owner: str
    objective_id: str
    objective: str
    level: str
    progress: float
    expected: float
    status: str
    confidence: float | None
    due: date
    days_to_due: int
    last_checkin: date | None
    reasons: list[str]
    codes: list[str]


class KPILagRow(KPIRow):
    reasons: list[str]
    codes: list[str]


class LaggingReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    lagging: list[LaggingRow]
    # KPIs outside their healthy range or not updated within the cadence.
    kpis: list[KPILagRow] = []


def lagging_report(plan: Plan, as_of: date) -> LaggingReport:
    rows = []
    for lag in lagging(plan, as_of):
        kr = lag.score.kr
        objective = plan.objective(kr.objective_id)
        assert objective is not None
        rows.append(
            LaggingRow(
                id=kr.id,
                title=kr.title,
                owner=kr.owner,
                objective_id=objective.id,
                objective=objective.title,
                level=objective.level.value,
                progress=_r(lag.score.progress) or 0.0,
                expected=_r(lag.score.expected) or 0.0,
                status=lag.score.status.value,
                confidence=_r(kr.confidence),
                due=kr.due_date,
                days_to_due=lag.score.days_to_due,
                last_checkin=kr.last_checkin,
                reasons=list(lag.sentences),
                codes=list(lag.codes),
            )
        )
    kpis = []
    for kpi in plan.kpis:
        reasons = kpi_lag_reasons(kpi, plan.settings, as_of)
        if reasons and as_of >= plan.cycle.start:
            kpis.append(
                KPILagRow(
                    **kpi_row(kpi, plan, as_of).model_dump(),
                    reasons=[text for _, text in reasons],
                    codes=[code for code, _ in reasons],
                )
            )
    return LaggingReport(
        company=plan.settings.company, cycle=cycle_info(plan), as_of=as_of, lagging=rows, kpis=kpis
    )


class QuietOwnerRow(_Report):
    owner: str
    last_checkin: date | None
    open_key_results: int


class QuietOwnersReport(_Report):
    cycle: CycleInfo
    as_of: date
    cadence_days: int
    owners: list[QuietOwnerRow]


def quiet_owners_report(plan: Plan, as_of: date) -> QuietOwnersReport:
    return QuietOwnersReport(
        cycle=cycle_info(plan),
        as_of=as_of,
        cadence_days=plan.settings.cadence_days,
        owners=[
            QuietOwnerRow(
                owner=q.owner, last_checkin=q.last_checkin, open_key_results=q.key_results
            )
            for q in quiet_owners(plan, as_of)
        ],
    )


class KRGradeRow(_Report):
    id: str
    objective_id: str
    title: str
    owner: str
    kind: str
    grade: float
    band: str


class ObjectiveGradeRow(_Report):
    id: str
    title: str
    owner: str
    grade: float | None


class OwnerGradeRow(_Report):
    owner: str
    key_results: int
    mean_grade: float
    in_band: int
    maybe_too_easy: int


class GradeReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    provisional: bool
    share_in_band: float | None
    maybe_too_easy: list[str]
    key_results: list[KRGradeRow]
    objectives: list[ObjectiveGradeRow]
    owners: list[OwnerGradeRow]


def grade_report(plan: Plan, as_of: date) -> GradeReport:
    grouped = plan.krs_by_objective()
    krs = [
        KRGradeRow(
            id=k.id,
            objective_id=k.objective_id,
            title=k.title,
            owner=k.owner,
            kind=k.kind.value,
            grade=grade(k),
            band=grade_band(grade(k)),
        )
        for k in plan.key_results
    ]
    owners: dict[str, list[KRGradeRow]] = {}
    for row in krs:
        owners.setdefault(row.owner, []).append(row)
    in_band = [r for r in krs if r.band == "in the band"]
    return GradeReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        provisional=as_of < plan.cycle.end,
        share_in_band=_r(len(in_band) / len(krs)) if krs else None,
        maybe_too_easy=[r.id for r in krs if r.band == "maybe too easy"],
        key_results=krs,
        objectives=[
            ObjectiveGradeRow(
                id=o.id, title=o.title, owner=o.owner, grade=objective_grade(grouped.get(o.id, ()))
            )
            for o in plan.objectives
        ],
        owners=[
            OwnerGradeRow(
                owner=owner,
                key_results=len(rows),
                mean_grade=round(sum(r.grade for r in rows) / len(rows), 2),
                in_band=sum(r.band == "in the band" for r in rows),
                maybe_too_easy=sum(r.band == "maybe too easy" for r in rows),
            )
            for owner, rows in sorted(owners.items())
        ],
    )


class HistoryPoint(_Report):
    date: date
    value: float
    confidence: float | None
    note: str
    author: str
    progress: float


class HistoryReport(_Report):
    id: str
    title: str
    owner: str
    unit: str
    start: float
    target: float
    due: date
    as_of: date
    checkins: list[HistoryPoint]
    forecast_at_due: float | None
    forecast_progress: float | None


def history_report(plan: Plan, kr_id: str, as_of: date) -> HistoryReport | None:
    """The check-in timeline of one KR this cycle and where its recent trend leads by the due
    date (a straight line through the last six check-ins)."""
    kr = next((k for k in plan.key_results if k.id.casefold() == kr_id.casefold()), None)
    if kr is None:
        return None
    return _history(plan, kr, plan.checkins_of(kr.id), as_of)


def history_reports(
    plan: Plan, as_of: date, *, max_points: int | None = None
) -> dict[str, HistoryReport]:
    """`history_report` for every key result, by ID, reading the check-in log once (the
    visual report draws one chart per key result).

    With `max_points`, each timeline keeps at most that many check-ins: the most recent ones
    the forecast follows, and the earlier ones evenly spread with the first kept, so the
    forecast is the same as with every check-in."""
    logs: dict[str, list[CheckIn]] = {}
    for checkin in sorted(plan.checkins, key=checkin_order):
        if plan.cycle.start <= checkin.date <= as_of:
            logs.setdefault(checkin.kr_id, []).append(checkin)
    if max_points is not None:
        logs = {kr_id: _thin(log, max_points) for kr_id, log in logs.items()}
    return {kr.id: _history(plan, kr, logs.get(kr.id, ()), as_of) for kr in plan.key_results}


def _thin(log: list[CheckIn], limit: int) -> list[CheckIn]:
    recent = min(FORECAST_POINTS, limit)
    if len(log) <= limit:
        return log
    earlier, kept = log[:-recent], limit - recent
    if kept <= 0:
        return log[-recent:]
    step = len(earlier) / kept
    return [earlier[int(i * step)] for i in range(kept)] + log[-recent:]


def _history(plan: Plan, kr: KeyResult, log: Sequence[CheckIn], as_of: date) -> HistoryReport:
    entries = [c for c in log if plan.cycle.start <= c.date <= as_of]
    # The log was validated when it was read: building each point unchecked keeps a year of
    # check-ins for every key result (the visual report) fast.
    points = [
        HistoryPoint.model_construct(
            date=c.date,
            value=c.value,
            confidence=c.confidence,
            note=c.note,
            author=c.author,
            progress=_r(progress(kr, c.value)) or 0.0,
        )
        for c in entries
    ]
    recent = [(p.date, p.value) for p in points[-FORECAST_POINTS:]]
    predicted = forecast(recent, kr.due_date)
    predicted_progress = None if predicted is None else _r(progress(kr, predicted))
    return HistoryReport(
        id=kr.id,
        title=kr.title,
        owner=kr.owner,
        unit=kr.unit,
        start=kr.start_value,
        target=kr.target_value,
        due=kr.due_date,
        as_of=as_of,
        checkins=points,
        forecast_at_due=None if predicted is None else round(predicted, 6),
        forecast_progress=predicted_progress,
    )


class TodoItem(_Report):
    id: str
    title: str
    action: str
    why: str


class TodoReport(_Report):
    owner: str
    as_of: date
    items: list[TodoItem]


def todo_report(plan: Plan, owner: str, as_of: date) -> TodoReport:
    """What one person should do now: check in what is due, look at what lags, set missing
    confidences."""
    items: list[TodoItem] = []
    for kr in plan.key_results:
        if kr.owner.casefold() != owner.casefold():
            continue
        score = score_kr(kr, plan.cycle, as_of, plan.settings)
        if score.status.value == "done":
            continue
        idle = days_since_checkin(kr, plan.cycle, as_of)
        if idle >= plan.settings.cadence_days:
            when = f"last check-in {idle} days ago" if kr.last_checkin else "no check-in yet"
            items.append(TodoItem(id=kr.id, title=kr.title, action="check in", why=when))
        lag = lag_reasons(score, plan.cycle, as_of, plan.settings)
        behind = [text for code, text in lag.reasons if code in ("behind", "overdue")]
        if behind:
            items.append(
                TodoItem(id=kr.id, title=kr.title, action="ask for help", why="; ".join(behind))
            )
        if kr.confidence is None:
            items.append(
                TodoItem(id=kr.id, title=kr.title, action="set a confidence", why="none recorded")
            )
    for initiative in plan.initiatives:
        if initiative.owner.casefold() != owner.casefold():
            continue
        shown = initiative.id or initiative.kr_id
        if initiative.status is InitiativeStatus.BLOCKED:
            items.append(
                TodoItem(
                    id=shown,
                    title=initiative.title,
                    action="unblock",
                    why=f"initiative for {initiative.kr_id} is blocked",
                )
            )
        elif initiative.overdue(as_of):
            assert initiative.due is not None
            items.append(
                TodoItem(
                    id=shown,
                    title=initiative.title,
                    action="finish or re-plan",
                    why=f"initiative for {initiative.kr_id} was due {initiative.due.isoformat()} "
                    f"({(as_of - initiative.due).days} days ago), {initiative.status.value}",
                )
            )
    return TodoReport(owner=owner, as_of=as_of, items=items)


# Alignment tree -------------------------------------------------------------------------------


class AlignedSummary(_Report):
    """How the objectives aligned beneath one (at any depth) are doing."""

    objectives: int
    by_status: dict[str, int]
    mean_progress: float | None


class TreeNode(_Report):
    id: str
    title: str
    level: str
    owner: str
    progress: float | None
    expected: float | None
    status: str | None
    aligned: AlignedSummary
    children: list[TreeNode]


class TreeReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    roots: list[TreeNode]
    # Objectives aligned to nothing, or to an id that does not exist (or that align in a circle).
    orphans: list[TreeNode]


def tree_report(
    plan: Plan, as_of: date, *, objective: str | None = None, owner: str | None = None
) -> TreeReport:
    """Corporate objectives as roots, the objectives aligned to each beneath them (any depth).

    Each node's own progress comes from its key results only; beside it, `aligned` sums up the
    objectives beneath it. The two are not combined: the aligned objectives serve the parent
    but do not measure it, and adding them in would count the same work twice."""
    scores = {s.objective.id: s for s in score_plan(plan, as_of)}
    children: dict[str, list[str]] = {}
    for o in plan.objectives:
        if o.aligns_to and o.aligns_to in scores and o.aligns_to != o.id:
            children.setdefault(o.aligns_to, []).append(o.id)

    def build(node_id: str, path: frozenset[str]) -> TreeNode:
        score = scores[node_id]
        kids = [build(c, path | {c}) for c in children.get(node_id, []) if c not in path]
        below = [n for kid in kids for n in _flatten(kid)]
        by_status: dict[str, int] = {}
        for n in below:
            if n.status:
                by_status[n.status] = by_status.get(n.status, 0) + 1
        progresses = [n.progress for n in below if n.progress is not None]
        o = score.objective
        return TreeNode(
            id=o.id,
            title=o.title,
            level=o.level.value,
            owner=o.owner,
            progress=_r(score.progress),
            expected=_r(score.expected),
            status=score.status.value if score.status else None,
            aligned=AlignedSummary(
                objectives=len(below),
                by_status=by_status,
                mean_progress=_r(sum(progresses) / len(progresses)) if progresses else None,
            ),
            children=kids,
        )

    corporate = [o.id for o in plan.objectives if o.level.value == "corporate"]
    roots = [build(i, frozenset({i})) for i in corporate]
    placed = {n.id for root in roots for n in _flatten(root)}
    orphan_ids = [
        o.id
        for o in plan.objectives
        if o.id not in placed
        and not (o.aligns_to and o.aligns_to in scores and _reaches(o.id, plan, corporate))
    ]
    orphans = [
        build(i, frozenset({i}))
        for i in orphan_ids
        if not _has_orphan_ancestor(i, plan, set(orphan_ids))
    ]
    if objective is not None:
        wanted = objective.casefold()
        found = [
            n for top in (*roots, *orphans) for n in _flatten(top) if n.id.casefold() == wanted
        ]
        roots, orphans = found[:1], []
    if owner is not None:
        roots = [n for n in (_prune(r, owner) for r in roots) if n is not None]
        orphans = [n for n in (_prune(r, owner) for r in orphans) if n is not None]
    return TreeReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        roots=roots,
        orphans=orphans,
    )


def _flatten(node: TreeNode) -> list[TreeNode]:
    out = [node]
    for child in node.children:
        out.extend(_flatten(child))
    return out


def _reaches(objective_id: str, plan: Plan, corporate: Sequence[str]) -> bool:
    """Whether following 'Aligns to' from this objective ends at a corporate one."""
    parents = {o.id: o.aligns_to for o in plan.objectives}
    seen: set[str] = set()
    node: str | None = objective_id
    while node is not None and node not in seen:
        if node in corporate:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def _has_orphan_ancestor(objective_id: str, plan: Plan, orphans: set[str]) -> bool:
    """An orphan listed under another orphan is not listed again at the top of the branch."""
    parents = {o.id: o.aligns_to for o in plan.objectives}
    seen = {objective_id}
    node = parents.get(objective_id)
    while node is not None and node not in seen:
        if node in orphans:
            return True
        seen.add(node)
        node = parents.get(node)
    return False


def _prune(node: TreeNode, owner: str) -> TreeNode | None:
    """Keep the branches that hold an objective of this owner (with their ancestors)."""
    kids = [k for k in (_prune(c, owner) for c in node.children) if k is not None]
    if node.owner.casefold() == owner.casefold() or kids:
        return node.model_copy(update={"children": kids})
    return None


# Dependencies ---------------------------------------------------------------------------------


class DependencyLink(_Report):
    """One key result depending on another: who needs what from whom, by when, and how it
    stands."""

    downstream: str
    downstream_title: str
    downstream_owner: str
    upstream: str
    upstream_title: str
    upstream_owner: str
    needed_by: date | None
    upstream_progress: float
    upstream_status: str
    link: str  # ok, lagging, late, short or unknown
    why: str
    # Quantified links (`MARKET-1.1 × 5`): units of the upstream per unit of the downstream's
    # target, what is needed (that target × ratio), planned (the upstream's target) and
    # forecast (the upstream's trend at the needed-by date, else the downstream's due date),
    # all in the upstream's unit. `check` says why a link cannot be checked.
    ratio: float | None = None
    need: float | None = None
    plan: float | None = None
    forecast: float | None = None
    forecast_date: date | None = None
    unit: str = ""
    short: bool = False
    check: str = ""


class DepsReport(_Report):
    company: str
    cycle: CycleInfo
    as_of: date
    # Whose links: an owner, a team, or everyone.
    who: str | None
    depends_on: list[DependencyLink]
    depended_on_by: list[DependencyLink]


def deps_report(
    plan: Plan, as_of: date, *, members: Sequence[str] | None = None, who: str | None = None
) -> DepsReport:
    """Every dependency link with its state; with `members`, split into what they depend on
    and who depends on them."""
    scores = score_key_results(plan.model_copy(update={"upstream": ()}), as_of)
    quantified = link_forecasts(plan.model_copy(update={"upstream": ()}), as_of)
    links: list[DependencyLink] = []
    for score in scores.values():
        kr = score.kr
        needed = dict(kr.needed_by)
        blocked = {b.upstream.kr.id: b for b in score.blocked_by}
        for upstream_id in kr.depends_on:
            up = scores.get(upstream_id)
            if up is None:
                links.append(
                    DependencyLink(
                        downstream=kr.id,
                        downstream_title=kr.title,
                        downstream_owner=kr.owner,
                        upstream=upstream_id,
                        upstream_title="",
                        upstream_owner="",
                        needed_by=needed.get(upstream_id),
                        upstream_progress=0.0,
                        upstream_status="",
                        link="unknown",
                        why=f"{upstream_id} is not a key result in this workbook",
                    )
                )
                continue
            blocker = blocked.get(upstream_id)
            q = quantified.get((kr.id, upstream_id))
            quantity: dict[str, object] = {}
            if q is not None:
                quantity = {
                    "ratio": q.need.ratio,
                    "need": q.need.need,
                    "plan": q.need.plan,
                    "forecast": None if q.forecast is None else round(q.forecast, 6),
                    "forecast_date": q.when,
                    "unit": up.kr.unit,
                    "short": q.short,
                    "check": q.need.why_unchecked,
                }
            links.append(
                DependencyLink(
                    **quantity,  # type: ignore[arg-type]
                    downstream=kr.id,
                    downstream_title=kr.title,
                    downstream_owner=kr.owner,
                    upstream=up.kr.id,
                    upstream_title=up.kr.title,
                    upstream_owner=up.kr.owner,
                    needed_by=needed.get(upstream_id),
                    upstream_progress=_r(up.progress) or 0.0,
                    upstream_status=up.status.value,
                    link=blocker.reason if blocker else "ok",
                    why=blocker.sentence() if blocker else "",
                )
            )
    if members is None:
        return DepsReport(
            company=plan.settings.company,
            cycle=cycle_info(plan),
            as_of=as_of,
            who=who,
            depends_on=links,
            depended_on_by=[],
        )
    wanted = {m.casefold() for m in members}
    return DepsReport(
        company=plan.settings.company,
        cycle=cycle_info(plan),
        as_of=as_of,
        who=who,
        depends_on=[
            link
            for link in links
            if link.downstream_owner.casefold() in wanted
            and link.upstream_owner.casefold() not in wanted
        ],
        depended_on_by=[
            link
            for link in links
            if link.upstream_owner.casefold() in wanted
            and link.downstream_owner.casefold() not in wanted
        ],
    )
