"""The weekly digest for readers: what went well, what is behind, who has gone quiet, which
interlocks fall short and which KPIs are unhealthy, in one report.

Every figure comes from the other reports (lagging, quiet owners, dependencies) or from the
check-in log: a win is a key result that reached its target this week, or that moved the most
since the same day a week ago (the plan rewound to that day, as `--as-of` does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import ClassVar

from okrsheet.domain.model import Plan, rewind
from okrsheet.domain.scoring import KRScore, score_key_results, score_kr
from okrsheet.domain.vocab import Status
from okrsheet.reports.base import CycleReport, ReportModel, Row, round4
from okrsheet.reports.deps import DependencyLink, dependency_links
from okrsheet.reports.lagging import (
    KPILagRow,
    LaggingRow,
    QuietOwnerRow,
    lagging_report,
    quiet_owners_report,
)

#: A digest looks back this many days for its wins.
WEEK = 7
#: At most this many key results are named as most improved.
MOST_IMPROVED = 5
#: A key result must have moved at least this much (a percentage point) to count as a win.
MIN_GAIN = 0.01
#: Dependency links whose state is worth a reader's attention.
INTERLOCK_STATES = ("short", "late", "lagging")


class WinRow(ReportModel):
    """A key result that reached its target this week (`done`), or one that moved the most."""

    id: str
    title: str
    owner: str
    objective_id: str
    progress: float
    previous_progress: float
    # progress - previous_progress: what the week added.
    gain: float
    current: float | None
    target: float
    unit: str
    status: str
    done: bool
    # increase, decrease, ...: `85 days, target 70 days` reads right where `85 of 70` does not.
    kind: str = "increase"


class DigestReport(CycleReport):
    """The week in one report: wins, what is behind, stale owners, interlocks, KPIs."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("section", "id", "title", "owner", "detail")

    # The week the wins are counted over: since < check-in date <= as_of.
    since: date
    cadence_days: int
    # How many key results have each status today (only the statuses present).
    statuses: dict[str, int]
    key_results: int
    # Of the `not started` ones, those still measuring their baseline.
    measuring_baseline: int = 0
    wins: list[WinRow]
    behind: list[LaggingRow]
    stale_owners: list[QuietOwnerRow]
    interlocks: list[DependencyLink]
    kpis: list[KPILagRow]
    # Where the full `okr report` page is published, when the sender gave one.
    report_url: str | None = None

    @property
    def nothing_behind(self) -> bool:
        """A quiet week: no key result behind, nobody stale, no interlock short, no KPI."""
        return not (self.behind or self.stale_owners or self.interlocks or self.kpis)

    def rows(self) -> list[Row]:
        """One row per item of each section, its detail in words."""
        rows: list[Row] = []
        for win in self.wins:
            what = "reached its target" if win.done else f"up {round(win.gain * 100)} points"
            rows.append(_row("win", win.id, win.title, win.owner, what))
        for lag in self.behind:
            rows.append(_row("behind", lag.id, lag.title, lag.owner, "; ".join(lag.reasons)))
        for quiet in self.stale_owners:
            last = f"last check-in {quiet.last_checkin}" if quiet.last_checkin else "none"
            rows.append(_row("stale owner", "", "", quiet.owner, last))
        for link in self.interlocks:
            title = f"needs {link.upstream} {link.upstream_title}".strip()
            rows.append(_row("interlock", link.downstream, title, link.downstream_owner, link.why))
        for kpi in self.kpis:
            rows.append(_row("kpi", kpi.id, kpi.name, kpi.owner, "; ".join(kpi.reasons)))
        return rows


def _row(section: str, id: str, title: str, owner: str, detail: str) -> Row:
    return {"section": section, "id": id, "title": title, "owner": owner, "detail": detail}


def digest_report(plan: Plan, as_of: date, *, report_url: str | None = None) -> DigestReport:
    """The digest of the week ending on `as_of` (the plan as it stood that day)."""
    since = as_of - timedelta(days=WEEK)
    lagging = lagging_report(plan, as_of)
    now = score_key_results(plan, as_of)
    counts = Counter(score.status for score in now.values())
    return DigestReport.of(
        plan,
        as_of,
        since=since,
        cadence_days=plan.settings.cadence_days,
        statuses={status.value: counts[status] for status in Status if counts[status]},
        key_results=len(plan.key_results),
        measuring_baseline=sum(1 for kr in plan.key_results if kr.measuring_baseline),
        wins=wins(plan, as_of, since, now),
        behind=lagging.lagging,
        stale_owners=quiet_owners_report(plan, as_of).owners,
        interlocks=[
            link for link in dependency_links(plan, as_of) if link.link in INTERLOCK_STATES
        ],
        kpis=lagging.kpis,
        report_url=report_url,
    )


def wins(
    plan: Plan, as_of: date, since: date, now: Mapping[str, KRScore] | None = None
) -> list[WinRow]:
    """Key results done this week (they were not on `since`), then the most improved ones.

    Only a key result with a check-in this week can have moved: those alone are rewound to
    `since` (a year's log of a large company is not sorted again for the others)."""
    if as_of < plan.cycle.start:
        return []
    moved = {c.kr_id for c in plan.checkins if since < c.date <= as_of}
    if not moved:
        return []
    now = score_key_results(plan, as_of) if now is None else now
    week = plan.model_copy(
        update={
            "key_results": tuple(k for k in plan.key_results if k.id in moved),
            "checkins": tuple(c for c in plan.checkins if c.kr_id in moved),
            "kpis": (),
        }
    )
    # Done or not, and progress, are a key result's own: blockers change neither.
    before = {
        kr.id: score_kr(kr, plan.cycle, since, plan.settings)
        for kr in rewind(week, since).key_results
    }
    done: list[WinRow] = []
    improved: list[WinRow] = []
    for kr_id, then in before.items():
        score = now.get(kr_id)
        if score is None:
            continue
        previous = then.progress
        reached = score.status is Status.DONE and then.status is not Status.DONE
        gain = score.progress - previous
        if not reached and gain < MIN_GAIN:
            continue
        kr = score.kr
        row = WinRow(
            id=kr.id,
            title=kr.title,
            owner=kr.owner,
            objective_id=kr.objective_id,
            progress=round4(score.progress) or 0.0,
            previous_progress=round4(previous) or 0.0,
            gain=round4(gain) or 0.0,
            current=kr.current,
            target=kr.target_value,
            unit=kr.unit,
            status=score.status.value,
            done=reached,
            kind=kr.kind.value,
        )
        (done if reached else improved).append(row)
    improved.sort(key=lambda row: -row.gain)
    return done + improved[:MOST_IMPROVED]
