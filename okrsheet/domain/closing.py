"""Closing a cycle with judgement: the computed grade, the owner's final grade and the reason
when they differ, the retrospective, and what carries over (docs/workbook.md, "Closing a
cycle"). Pure: a plan in, findings and decisions out."""

from __future__ import annotations

from okrsheet.domain.model import KeyResult, NextCycle, Objective, Plan, Problem
from okrsheet.domain.scoring import grade, objective_grade

#: Grades are shown to two decimals: a final grade within this of the computed one is the same.
SAME_GRADE = 0.005


def computed_grades(plan: Plan) -> dict[str, float | None]:
    """Each objective's and key result's computed grade: the Grade cell `okr grade --write`
    filled, else the grade its numbers give now."""
    grouped = plan.krs_by_objective()
    found: dict[str, float | None] = {
        k.id: k.grade if k.grade is not None else grade(k) for k in plan.key_results
    }
    for o in plan.objectives:
        found[o.id] = o.grade if o.grade is not None else objective_grade(grouped.get(o.id, ()))
    return found


def differs(final: float | None, computed: float | None) -> bool:
    return final is not None and computed is not None and abs(final - computed) > SAME_GRADE


def closing_problems(plan: Plan) -> list[Problem]:
    """An error at the Grade reason cell of every row whose Final grade differs from its
    computed grade without a reason: the owner's judgement needs one."""
    computed = computed_grades(plan)
    items: list[Objective | KeyResult] = [*plan.objectives, *plan.key_results]
    return [
        Problem(
            "error",
            "missing-reason",
            f"Final grade {item.closing.final_grade:g} differs from the computed grade "
            f"{computed[item.id]:g}: say why in Grade reason",
            item.id,
            "grade_reason",
        )
        for item in items
        if differs(item.closing.final_grade, computed[item.id]) and not item.closing.reason
    ]


def dropped(item: Objective | KeyResult) -> bool:
    return item.closing.next_cycle is NextCycle.DROP


def carried_over(item: Objective | KeyResult) -> bool:
    return item.closing.next_cycle is NextCycle.CARRY_OVER
