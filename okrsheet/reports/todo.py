"""What one person should do now."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from okrsheet.domain.initiatives import InitiativeStatus
from okrsheet.domain.model import Plan
from okrsheet.domain.names import person_key
from okrsheet.domain.scoring import days_since_checkin, lag_reasons, score_kr
from okrsheet.domain.vocab import MEASURING_BASELINE
from okrsheet.reports.base import Report, ReportModel


class TodoItem(ReportModel):
    id: str
    title: str
    action: str
    why: str


class TodoReport(Report):
    """What one person should do now; in CSV, a row per item with its fields as they are."""

    COLUMNS: ClassVar[tuple[str, ...]] = tuple(TodoItem.model_fields)
    ROWS = "items"

    owner: str
    as_of: date
    items: list[TodoItem]


def todo_report(plan: Plan, owner: str, as_of: date) -> TodoReport:
    """What one person should do now: check in what is due, look at what lags, set missing
    confidences."""
    items: list[TodoItem] = []
    for kr in plan.key_results:
        if person_key(kr.owner) != person_key(owner):
            continue
        score = score_kr(kr, plan.cycle, as_of, plan.settings)
        if score.status.value == "done":
            continue
        idle = days_since_checkin(kr, plan.cycle, as_of)
        if kr.measuring_baseline:
            # Nothing is scored until it is measured: that is the first thing to do.
            why = f"{MEASURING_BASELINE} (the first value checked in becomes the start)"
            items.append(TodoItem(id=kr.id, title=kr.title, action="check in", why=why))
        elif idle >= plan.settings.cadence_days:
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
        if person_key(initiative.owner) != person_key(owner):
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
