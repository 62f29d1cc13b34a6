"""The weekly digest in each form it is read in: plain text (at most 78 columns), HTML for
mail (tables and inline styles, no script, nothing fetched), a Slack message (Block Kit with
mrkdwn) and a Microsoft Teams message (an Adaptive Card), all worded once by `sections`.

`messages` puts the forms together as the `Message`s a delivery channel sends.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from okrsheet.render.digest_words import NOTHING_BEHIND as NOTHING_BEHIND
from okrsheet.render.digest_words import REPORT_FILE as REPORT_FILE
from okrsheet.render.digest_words import SECTION_ITEMS as SECTION_ITEMS
from okrsheet.render.digest_words import Item, summary, title
from okrsheet.render.digest_words import sections as sections
from okrsheet.render.digest_words import subject as subject
from okrsheet.render.text import strip_controls
from okrsheet.reports import DigestReport

if TYPE_CHECKING:
    from jinja2 import Template

    from okrsheet.delivery import Message

#: The plain text's widest line: readable in any mail client and at an 80-column terminal.
TEXT_WIDTH = 78


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
