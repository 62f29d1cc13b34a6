"""The weekly digest's words, the same in every form: its title, subject line and summary,
and its sections of items (render/digest.py puts them into text, HTML, Slack and Teams; the
terminal's compact view, render/compact.py, shows them too)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from okrsheet.domain.vocab import MEASURING_BASELINE
from okrsheet.render.interlock import quantity
from okrsheet.render.kpis import healthy_range
from okrsheet.render.pieces import number
from okrsheet.render.text import percent, strip_controls
from okrsheet.reports import DependencyLink, DigestReport, WinRow

NOTHING_BEHIND = "Nothing behind: every key result is on pace and every owner checked in."
NONE_BEHIND = "No key result is behind pace."
NO_WINS = "No key result moved this week."
#: At most this many items of a section are named in a message: a digest is read in a minute,
#: and chat services limit a message's size (Slack 50 blocks, Teams about 28 KB).
SECTION_ITEMS = 10
#: The file name of the `okr report` page when it is attached.
REPORT_FILE = "okr-report.html"


@dataclass(frozen=True)
class Item:
    """One line of a section: a key (an ID or an owner), a title, short facts and a note."""

    key: str
    title: str
    facts: tuple[str, ...]
    owner: str = ""
    note: str = ""
    status: str = ""


@dataclass(frozen=True)
class Section:
    field: str
    heading: str
    items: tuple[Item, ...]
    #: Said instead of items when there are none.
    empty: str = ""
    #: Items left out past SECTION_ITEMS (the JSON and the full report have them all).
    more: int = 0

    @property
    def more_text(self) -> str:
        return f"…and {self.more} more: see the full report." if self.more else ""


def title(report: DigestReport) -> str:
    company = f"{strip_controls(report.company)} · " if report.company else ""
    return f"{company}OKR digest · {report.cycle.name} · week to {report.as_of}"


def subject(report: DigestReport) -> str:
    """The mail subject: the title, and a word on the week."""
    behind = len(report.behind)
    news = "nothing behind" if report.nothing_behind else f"{behind} key result(s) behind"
    return f"{title(report)} · {news}"


def summary(report: DigestReport) -> str:
    """`15 key results: 7 on track, 7 at risk, 1 off track.`"""
    if not report.key_results:
        return "No key results this cycle yet."
    counts = ", ".join(
        f"{n} {status}" + _measuring(report, status) for status, n in report.statuses.items()
    )
    noun = "key result" if report.key_results == 1 else "key results"
    return f"{report.key_results} {noun}: {counts}."


def _measuring(report: DigestReport, status: str) -> str:
    """` (1 measuring the baseline)` after the not started ones, when some are."""
    if status != "not started" or not report.measuring_baseline:
        return ""
    return f" ({report.measuring_baseline} {MEASURING_BASELINE})"


def _win(win: WinRow) -> Item:
    # `1 of 3 customers`, `21.34% of 25%`; counting down, as `okr status` says it:
    # `$12,979, target $11,000`, `85 days, target 70 days`; a milestone's 1 of 1 says nothing.
    up = win.kind == "increase"
    unit = win.unit if win.unit in ("$", "%") or not up else ""
    shown = win.current is not None and win.kind != "milestone"
    now = number(win.current, unit) if shown else ""
    target = number(win.target, win.unit)
    value = (f"{now} of {target}" if up else f"{now}, target {target}") if now else ""
    moved = "target reached" if win.done else f"+{round(win.gain * 100)} points this week"
    return Item(win.id, win.title, (value, percent(win.progress), moved), win.owner, "", win.status)


def _interlock(link: DependencyLink) -> Item:
    facts = (
        link.downstream_owner,
        f"from {link.upstream_owner}" if link.upstream_owner else "",
        f"by {link.needed_by}" if link.needed_by else "",
        percent(link.upstream_progress),
        link.link,
        quantity(link).plain,
    )
    name = f"needs {link.upstream} {link.upstream_title}".strip()
    return Item(link.downstream, name, facts, "", link.why, link.upstream_status)


def sections(report: DigestReport) -> list[Section]:
    """The digest's sections in reading order; wins and what is behind always appear (a
    quiet week says so), the others only when they have something."""
    behind = tuple(
        Item(
            row.id,
            row.title,
            (MEASURING_BASELINE, row.status)
            if row.measuring_baseline
            else (percent(row.progress), f"expected {percent(row.expected)}", row.status),
            row.owner,
            "why: " + "; ".join(row.reasons),
            row.status,
        )
        for row in report.behind
    )
    stale = tuple(
        Item(
            row.owner,
            "",
            (
                f"last check-in {row.last_checkin}" if row.last_checkin else "none this cycle",
                f"{row.open_key_results} open key result(s)",
            ),
        )
        for row in report.stale_owners
    )
    kpis = tuple(
        Item(
            kpi.id,
            kpi.name,
            (
                number(kpi.current, kpi.unit) if kpi.current is not None else "no value yet",
                f"healthy {healthy_range(kpi)}" if healthy_range(kpi) else "",
            ),
            kpi.owner,
            "why: " + "; ".join(kpi.reasons),
        )
        for kpi in report.kpis
    )
    found = [
        Section("wins", "Wins this week", tuple(_win(w) for w in report.wins), NO_WINS),
        Section(
            "behind", "Behind", behind, NOTHING_BEHIND if report.nothing_behind else NONE_BEHIND
        ),
        Section("stale_owners", f"No check-in in the last {report.cadence_days} days", stale),
        Section(
            "interlocks", "Interlocks at risk", tuple(_interlock(x) for x in report.interlocks)
        ),
        Section("kpis", "KPIs that need attention", kpis),
    ]
    return [
        replace(s, items=s.items[:SECTION_ITEMS], more=max(0, len(s.items) - SECTION_ITEMS))
        for s in found
        if s.items or s.empty
    ]
