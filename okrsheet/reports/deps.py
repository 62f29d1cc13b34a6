"""Dependencies between key results: who needs what from whom, by when."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import ClassVar

from okrsheet.domain.model import KeyResult, Plan
from okrsheet.domain.names import person_key
from okrsheet.domain.scoring import (
    Blocker,
    KRScore,
    LinkForecast,
    link_forecasts,
    score_key_results,
)
from okrsheet.errors import UsageError
from okrsheet.reports.base import CycleReport, ReportModel, Row, round4


class DependencyLink(ReportModel):
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


class DepsReport(CycleReport):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "direction",
        "downstream",
        "downstream_owner",
        "upstream",
        "upstream_title",
        "upstream_owner",
        "needed_by",
        "upstream_progress",
        "upstream_status",
        "link",
        "why",
        "need",
        "plan",
        "forecast",
        "unit",
        "short",
    )

    # Whose links: an owner, a team, or everyone.
    who: str | None
    depends_on: list[DependencyLink]
    depended_on_by: list[DependencyLink]

    def rows(self) -> list[Row]:
        """What is needed (`needs`), then who needs it (`needed by`), one row per link."""
        return [
            {"direction": direction, **link.model_dump(mode="json")}
            for direction, links in (("needs", self.depends_on), ("needed by", self.depended_on_by))
            for link in links
        ]

    def sections(self) -> list[tuple[str, list[DependencyLink]]]:
        """The links under the titles people read: everything under "Depends on", or for one
        owner or team, what they depend on and who depends on them."""
        if self.who is None:
            return [("Depends on", self.depends_on)]
        return [
            (f"What {self.who} depends on", self.depends_on),
            (f"Who depends on {self.who}", self.depended_on_by),
        ]


def deps_report(
    plan: Plan, as_of: date, *, members: Sequence[str] | None = None, who: str | None = None
) -> DepsReport:
    """Every dependency link with its state; with `members`, split into what they depend on
    and who depends on them."""
    links = dependency_links(plan, as_of)
    depends_on, depended_on_by = links, []
    if members is not None:
        wanted = {person_key(m) for m in members}
        depends_on = [
            link
            for link in links
            if person_key(link.downstream_owner) in wanted
            and person_key(link.upstream_owner) not in wanted
        ]
        depended_on_by = [
            link
            for link in links
            if person_key(link.upstream_owner) in wanted
            and person_key(link.downstream_owner) not in wanted
        ]
    return DepsReport.of(
        plan,
        as_of,
        who=who,
        depends_on=depends_on,
        depended_on_by=depended_on_by,
    )


def dependency_links(plan: Plan, as_of: date) -> list[DependencyLink]:
    """Every `Depends on` link of the plan, in the order of the key results."""
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
                links.append(_unknown_link(kr, upstream_id, needed.get(upstream_id)))
                continue
            links.append(
                _link(
                    kr,
                    up,
                    needed.get(upstream_id),
                    blocked.get(upstream_id),
                    quantified.get((kr.id, upstream_id)),
                )
            )
    return links


def _unknown_link(kr: KeyResult, upstream_id: str, needed_by: date | None) -> DependencyLink:
    """A link to an ID that is no key result: shown, as it cannot be checked."""
    return DependencyLink(
        downstream=kr.id,
        downstream_title=kr.title,
        downstream_owner=kr.owner,
        upstream=upstream_id,
        upstream_title="",
        upstream_owner="",
        needed_by=needed_by,
        upstream_progress=0.0,
        upstream_status="",
        link="unknown",
        why=f"{upstream_id} is not a key result in this workbook",
    )


def _link(
    kr: KeyResult,
    up: KRScore,
    needed_by: date | None,
    blocker: Blocker | None,
    q: LinkForecast | None,
) -> DependencyLink:
    """A link to a key result of the plan, with its quantities when it is quantified."""
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
    return DependencyLink(
        **quantity,  # type: ignore[arg-type]
        downstream=kr.id,
        downstream_title=kr.title,
        downstream_owner=kr.owner,
        upstream=up.kr.id,
        upstream_title=up.kr.title,
        upstream_owner=up.kr.owner,
        needed_by=needed_by,
        upstream_progress=round4(up.progress) or 0.0,
        upstream_status=up.status.value,
        link=blocker.reason if blocker else "ok",
        why=blocker.sentence() if blocker else "",
    )


def deps_scope(
    people: Mapping[str, str], *, owner: str | None = None, team: str | None = None
) -> tuple[list[str] | None, str | None]:
    """Whose links `deps_report` shows, as its `members` and `who`: one owner, a team from the
    People tab (`people` maps each person to their team), or everyone (None, None)."""
    if owner and team:
        raise UsageError("give --owner or --team, not both", option="--owner/--team")
    if owner:
        return [owner], owner
    if team:
        return team_members(people, team), team
    return None, None


def team_members(people: Mapping[str, str], team: str) -> list[str]:
    """The People tab's members of `team` (in any case), then the team itself: a team tab's
    key results may be owned by the team. An unknown team is a usage error naming the teams."""
    members = [name for name, t in people.items() if t.casefold() == team.casefold()]
    if not members:
        teams = sorted({t for t in people.values() if t}, key=str.casefold)
        raise UsageError(
            f"no team named {team!r} in the People tab",
            option="--team",
            hint=f"teams: {', '.join(teams)}" if teams else "fill the Team column of People",
        )
    return [*members, team]
