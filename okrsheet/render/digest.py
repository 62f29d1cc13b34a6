"""The weekly digest in each form it is read in: plain text (at most 78 columns), HTML for
mail (tables and inline styles, no script, nothing fetched), a Slack message (Block Kit with
mrkdwn) and a Microsoft Teams message (an Adaptive Card), all worded once by `sections`.

`messages` puts the forms together as the `Message`s a delivery channel sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Any

from okrsheet.render.extra import healthy_range, quantity
from okrsheet.render.tables import number
from okrsheet.render.text import percent, strip_controls
from okrsheet.reports import DependencyLink, DigestReport, WinRow
from okrsheet.vocab import MEASURING_BASELINE

if TYPE_CHECKING:
    from jinja2 import Template

    from okrsheet.delivery import Message

#: The plain text's widest line: readable in any mail client and at an 80-column terminal.
TEXT_WIDTH = 78
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


def _facts(item: Item) -> list[str]:
    return [strip_controls(f) for f in (*item.facts, item.owner) if f]


# --- plain text --------------------------------------------------------------------------


def text(report: DigestReport, width: int = TEXT_WIDTH, *, attached: bool = False) -> str:
    """The digest as plain text, no line wider than `width` (a link to the full report is
    kept whole on its own line, as a link must be)."""
    from okrsheet.render import blocks, compact

    body = blocks.to_text(compact.doc_for(report.model_copy(update={"report_url": None})), width)
    if report.report_url:
        body += f"\nFull report:\n{report.report_url}\n"
    if attached:
        body += f"\nThe full report is attached as {REPORT_FILE}: open it in a browser.\n"
    return body


# --- HTML for mail -----------------------------------------------------------------------

#: Inline colours of a status in the mail (mail clients drop style sheets).
STATUS_COLOURS = {
    "done": "#1a7f37",
    "on track": "#1a7f37",
    "at risk": "#9a6700",
    "off track": "#cf222e",
    "overdue": "#cf222e",
    "not started": "#57606a",
}


@cache
def _template() -> Template:
    from okrsheet.render.html import environment

    return environment().get_template("digest.html.j2")


def html(report: DigestReport, *, attached: bool = False) -> str:
    """The digest as an HTML mail body: tables and inline styles, escaped workbook text."""
    return _template().render(
        report=report,
        title=title(report),
        summary=summary(report),
        sections=sections(report),
        facts=_facts,
        colours=STATUS_COLOURS,
        attached=attached,
        report_file=REPORT_FILE,
    )


# --- Slack -------------------------------------------------------------------------------

#: Slack's limits: characters in a section's text, blocks in a message, a header's text.
SLACK_SECTION = 3000
SLACK_BLOCKS = 50
SLACK_HEADER = 150


def slack_escape(value: str) -> str:
    """Text a person typed, safe in mrkdwn: `&`, `<` and `>` are what Slack asks to escape
    (so that `<!channel>` in a title never notifies a whole channel)."""
    return strip_controls(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_item(item: Item) -> str:
    head = f"• *{slack_escape(item.key)}*"
    if item.title:
        head += f" {slack_escape(item.title)}"
    facts = " · ".join(slack_escape(f) for f in _facts(item))
    line = f"{head}\n      {facts}" if facts else head
    return f"{line}\n      _{slack_escape(item.note)}_" if item.note else line


def _chunks(heading: str, lines: Sequence[str]) -> list[str]:
    """Section texts of at most SLACK_SECTION characters, the heading on the first."""
    chunks: list[str] = []
    current = f"*{heading}*"
    for line in lines:
        line = line if len(line) < SLACK_SECTION - 20 else line[: SLACK_SECTION - 21] + "…"
        if len(current) + 1 + len(line) > SLACK_SECTION:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}"
    chunks.append(current)
    return chunks


def slack(report: DigestReport) -> dict[str, Any]:
    """A Slack incoming-webhook message: `text` (the notification and fallback) and `blocks`
    (a header, the summary, one section per part, the link to the full report)."""

    def section(mrkdwn: str) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}

    heading = title(report)
    if len(heading) > SLACK_HEADER:
        heading = heading[: SLACK_HEADER - 1] + "…"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": heading}},
        section(slack_escape(summary(report))),
    ]
    body: list[dict[str, Any]] = []
    for part in sections(report):
        lines = [_slack_item(item) for item in part.items] or [slack_escape(part.empty)]
        if part.more:
            lines.append(f"_{part.more_text}_")
        body.append({"type": "divider"})
        body.extend(section(chunk) for chunk in _chunks(slack_escape(part.heading), lines))
    tail: list[dict[str, Any]] = []
    if report.report_url:
        tail.append(section(f"<{report.report_url}|Open the full report>"))
    tail.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"okr digest · as of {report.as_of}"}],
        }
    )
    room = SLACK_BLOCKS - len(blocks) - len(tail)
    if len(body) > room:  # a very long week: the full report has the rest
        body = body[: room - 1] + [section("_…and more: see the full report._")]
    return {"text": f"{heading}: {summary(report)}", "blocks": [*blocks, *body, *tail]}


# --- Microsoft Teams ---------------------------------------------------------------------


def teams(report: DigestReport) -> dict[str, Any]:
    """A Teams webhook message (a Workflows "post to a channel" hook or an incoming webhook
    connector): one Adaptive Card 1.4, full width, with a button to the full report."""
    from okrsheet.delivery.webhook import ADAPTIVE_CARD

    def block(value: str, **style: Any) -> dict[str, Any]:
        return {"type": "TextBlock", "text": value, "wrap": True, **style}

    body: list[dict[str, Any]] = [
        block(title(report), size="Large", weight="Bolder"),
        block(summary(report), isSubtle=True, spacing="Small"),
    ]
    for part in sections(report):
        body.append(
            block(part.heading, weight="Bolder", size="Medium", spacing="Large", separator=True)
        )
        if not part.items:
            body.append(block(part.empty, spacing="Small"))
        for item in part.items:
            name = f"**{strip_controls(item.key)}** {strip_controls(item.title)}".rstrip()
            body.append(block(name, spacing="Small"))
            body.append(block(" · ".join(_facts(item)), isSubtle=True, spacing="None"))
            if item.note:
                body.append(block(strip_controls(item.note), size="Small", spacing="None"))
        if part.more:
            body.append(block(part.more_text, isSubtle=True, spacing="Small"))
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    }
    if report.report_url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the full report", "url": report.report_url}
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}],
    }


# --- the messages ------------------------------------------------------------------------


def messages(
    report: DigestReport, recipients: Sequence[str], *, attachment: str | None = None
) -> list[Message]:
    """One message per recipient (a mail address, or the channel of a webhook), every form
    in each: the channel sends the one it speaks. `attachment` is the `okr report` page."""
    from okrsheet.delivery import Message

    body = text(report, attached=attachment is not None)
    mail = html(report, attached=attachment is not None)
    payloads = {
        "slack": slack(report),
        "teams": teams(report),
        "json": {
            "subject": subject(report),
            "text": body,
            "digest": report.model_dump(mode="json"),
        },
    }
    files = [] if attachment is None else [(REPORT_FILE, "text/html", attachment.encode())]
    return [
        Message(
            to=to,
            subject=subject(report),
            text=body,
            html=mail,
            attachments=files,
            payloads=payloads,
        )
        for to in recipients
    ]
