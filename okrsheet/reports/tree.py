"""The alignment tree: corporate objectives and what serves them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from itertools import islice
from typing import ClassVar

from okrsheet.domain.model import Plan
from okrsheet.domain.names import person_key
from okrsheet.domain.scoring import score_plan
from okrsheet.reports.base import CycleReport, ReportModel, Row, round4


class AlignedSummary(ReportModel):
    """How the objectives aligned beneath one (at any depth) are doing."""

    objectives: int
    by_status: dict[str, int]
    mean_progress: float | None


class TreeNode(ReportModel):
    id: str
    title: str
    level: str
    owner: str
    progress: float | None
    expected: float | None
    status: str | None
    aligned: AlignedSummary
    children: list[TreeNode]
    # committed or aspirational, as in `okr status` (a blank cell: the Settings default).
    commitment: str = "aspirational"


class TreeReport(CycleReport):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "depth",
        "id",
        "title",
        "level",
        "owner",
        "parent",
        "progress",
        "expected",
        "status",
        "aligned_objectives",
        "aligned_mean_progress",
    )

    roots: list[TreeNode]
    # Objectives aligned to nothing, or to an id that does not exist (or that align in a circle).
    orphans: list[TreeNode]

    def rows(self) -> list[Row]:
        """Every node depth first, its title indented two spaces per level; orphans' parent
        is `(not aligned)`."""
        out: list[Row] = []

        def walk(node: TreeNode, depth: int, parent: str) -> None:
            out.append(
                {
                    "depth": depth,
                    "id": node.id,
                    "title": ("  " * depth) + node.title,
                    "level": node.level,
                    "owner": node.owner,
                    "parent": parent,
                    "progress": node.progress,
                    "expected": node.expected,
                    "status": node.status,
                    "aligned_objectives": node.aligned.objectives,
                    "aligned_mean_progress": node.aligned.mean_progress,
                }
            )
            for child in node.children:
                walk(child, depth + 1, node.id)

        for root in self.roots:
            walk(root, 0, "")
        for orphan in self.orphans:
            walk(orphan, 0, "(not aligned)")
        return out


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
            progress=round4(score.progress),
            expected=round4(score.expected),
            status=score.status.value if score.status else None,
            aligned=AlignedSummary(
                objectives=len(below),
                by_status=by_status,
                mean_progress=round4(sum(progresses) / len(progresses)) if progresses else None,
            ),
            children=kids,
            commitment=o.commitment_in(plan.settings).value,
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
    return TreeReport.of(
        plan,
        as_of,
        roots=roots,
        orphans=orphans,
    )


def _flatten(node: TreeNode) -> list[TreeNode]:
    out = [node]
    for child in node.children:
        out.extend(_flatten(child))
    return out


def _chain(objective_id: str, plan: Plan) -> Iterator[str]:
    """The objective, then what it aligns to, and so on up (once round a loop)."""
    parents = {o.id: o.aligns_to for o in plan.objectives}
    seen: set[str] = set()
    node: str | None = objective_id
    while node is not None and node not in seen:
        yield node
        seen.add(node)
        node = parents.get(node)


def _reaches(objective_id: str, plan: Plan, corporate: Sequence[str]) -> bool:
    """Whether following 'Aligns to' from this objective ends at a corporate one."""
    return any(node in corporate for node in _chain(objective_id, plan))


def _has_orphan_ancestor(objective_id: str, plan: Plan, orphans: set[str]) -> bool:
    """An orphan listed under another orphan is not listed again at the top of the branch."""
    return any(node in orphans for node in islice(_chain(objective_id, plan), 1, None))


def _prune(node: TreeNode, owner: str) -> TreeNode | None:
    """Keep the branches that hold an objective of this owner (with their ancestors)."""
    kids = [k for k in (_prune(c, owner) for c in node.children) if k is not None]
    if person_key(node.owner) == person_key(owner) or kids:
        return node.model_copy(update={"children": kids})
    return None
