"""Replies to a received reminder, written the way three mail programs write them.

Each builder starts from the reminder as it arrived and changes some of its prefilled lines
(`edits`: KR ID -> the whole new line), as an owner does."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from okrsheet.reminders import BLOCK_END, BLOCK_START


def text_of(reminder: EmailMessage, kind: str = "plain") -> str:
    part = reminder.get_body((kind,))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def prefilled(reminder: EmailMessage) -> dict[str, str]:
    """KR ID -> its prefilled line, from the reminder's text."""
    block = text_of(reminder).split(BLOCK_START, 1)[1].split(BLOCK_END, 1)[0]
    return {
        line.split("|", 1)[0].strip(): line for line in block.strip().splitlines() if "|" in line
    }


def _headers(reminder: EmailMessage, sender: str, message_id: str | None) -> EmailMessage:
    reply = EmailMessage(policy=SMTP)
    reply["From"] = sender
    reply["To"] = str(reminder["From"])
    reply["Subject"] = "Re: " + str(reminder["Subject"])
    reply["Date"] = format_datetime(datetime(2026, 11, 20, 10, 5, tzinfo=UTC))
    reply["Message-ID"] = message_id or make_msgid(domain="mail.example")
    reply["In-Reply-To"] = str(reminder["Message-ID"])
    reply["References"] = str(reminder["Message-ID"])
    return reply


def gmail(
    reminder: EmailMessage,
    edits: dict[str, str],
    *,
    sender: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """Top-posted: the edited lines above 'On ... wrote:' and the `>`-quoted reminder, with
    an HTML alternative that quotes it in a gmail_quote blockquote."""
    sender = sender or str(reminder["To"])
    reply = _headers(reminder, sender, message_id)
    top = "\n".join(edits.values())
    attribution = "On Fri, Nov 20, 2026 at 9:00\u202fAM okr <okr@northwind.example>\nwrote:"
    quoted = "\n".join(">" if not line else f"> {line}" for line in text_of(reminder).splitlines())
    reply.set_content(f"{top}\n\nThanks,\nMarcus\n\n{attribution}\n\n{quoted}\n")
    page = (
        '<div dir="ltr">'
        + "".join(f"<div>{html.escape(line)}</div>" for line in edits.values())
        + "<div><br></div><div>Thanks,</div><div>Marcus</div></div><br>"
        + '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Fri, Nov 20, 2026 '
        + "at 9:00\u202fAM okr &lt;okr@northwind.example&gt; wrote:<br></div>"
        + '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
        + _body_of(text_of(reminder, "html"))
        + "</blockquote></div>"
    )
    reply.add_alternative(page, subtype="html")
    return reply.as_bytes()


def _body_of(page: str) -> str:
    match = re.search(r"<body[^>]*>(.*)</body>", page, re.S)
    assert match
    return match.group(1)


def outlook(
    reminder: EmailMessage,
    edits: dict[str, str],
    *,
    sender: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """HTML only: the new lines on top, Outlook's rule and From/Sent block, then the
    original HTML unquoted (no `>`, no blockquote)."""
    sender = sender or str(reminder["To"])
    reply = _headers(reminder, sender, message_id)
    top = "".join(
        f'<div style="font-family: Aptos, sans-serif; font-size: 12pt;">{html.escape(line)}</div>'
        for line in edits.values()
    )
    divider = (
        '<div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1">'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
        'style="font-size:11pt" color="#000000"><b>From:</b> okr &lt;okr@northwind.example&gt;'
        "<br><b>Sent:</b> Friday, November 20, 2026 09:00<br><b>To:</b> "
        f"{html.escape(str(reminder['To']))}<br><b>Subject:</b> "
        f"{html.escape(str(reminder['Subject']))}</font><div>&nbsp;</div></div>"
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<style type="text/css" style="display:none;"> P {margin:0;} </style></head>'
        f'<body dir="ltr">{top}<div><br></div><div>Best regards,<br>Priya Raman<br>'
        f"VP Revenue</div>{divider}<div>{_body_of(text_of(reminder, 'html'))}</div>"
        "</body></html>"
    )
    reply.set_content(page, subtype="html")
    return reply.as_bytes()


def apple(
    reminder: EmailMessage,
    edits: dict[str, str],
    *,
    sender: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """Edited inside the quote, on a phone: a line above, 'Sent from my iPhone', then the
    quoted reminder with the changed lines typed over the prefilled ones."""
    sender = sender or str(reminder["To"])
    reply = _headers(reminder, sender, message_id)
    original = text_of(reminder)
    for kr_id, line in edits.items():
        original = original.replace(prefilled(reminder)[kr_id], line)
    quoted = "\n".join(
        ">" if not line else f"> {line}"
        for line in [
            "On 20 Nov 2026, at 09:00, okr <okr@northwind.example> wrote:",
            "",
            *original.splitlines(),
        ]
    )
    reply.set_content(f"Numbers updated in the list below.\n\nSent from my iPhone\n\n{quoted}\n")
    return reply.as_bytes()


STYLES = {"gmail": gmail, "outlook": outlook, "apple": apple}
