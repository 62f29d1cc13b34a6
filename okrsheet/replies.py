"""Check-in by reply: read an owner's answer to `okr remind` and record its new numbers.

A reply is read the way people write them: above the quoted reminder (Gmail, Outlook), or
inside the quote (Apple Mail, a phone), as plain text or HTML only, with a signature, with
lines edited, left alone or deleted, decimal commas, `%` typed or not. Each key result's line is
compared with the line the reminder prefilled (kept in the Reminders tab): only a line that
differs is a check-in, and a line above the quote wins over one inside it.

Only the owner may check in by reply: the reply must carry the reminder's token, whose hash
the Reminders tab holds, and come from the owner's address in People. A From header is easy to
forge; the token, which only the owner's mailbox received, is the real check (docs/rhythm.md).
Each check-in's id is derived from the reply's Message-ID and the key result, so a reply
recorded twice records nothing the second time.
"""

from __future__ import annotations

import email
import hashlib
import hmac
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parseaddr

from okrsheet import checkins
from okrsheet.checkins import CheckInRequest
from okrsheet.delivery import Message
from okrsheet.domain.model import CheckIn, KeyResult, Plan
from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.layout import cells
from okrsheet.layout.reminders_tab import SentReminder, people_emails, read_reminders
from okrsheet.mailtext import body_text
from okrsheet.reminders import TOKEN_PREFIX, hash_token
from okrsheet.stores import Location
from okrsheet.stores.base import RawWorkbook


class ReplyRefused(UsageError):
    """A reply that may not check anyone in: no valid token, or not from the owner. Nothing
    is written (exit code 2)."""


# Reading the reply ----------------------------------------------------------------------------

_TOKEN = re.compile(re.escape(TOKEN_PREFIX) + r"[ \t]*([0-9A-Za-z]+)", re.IGNORECASE)
_QUOTE = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_LINE = re.compile(r"^[\s*•·\-–]*(?P<id>[A-Za-z0-9][A-Za-z0-9._-]{0,63})[ \t]*\|(?P<rest>.*)$")
#: A line above the quote that may be a check-in written without `|` (`SALES-1.2: 80%`).
_UNPIPED = re.compile(
    r"^[\s*•·\-–]*(?P<id>[A-Za-z][A-Za-z0-9_]*-[A-Za-z0-9._-]+)[:=\s]+"
    r"(?P<rest>(?:[$€£]?\s*-?[\d.,]+|done|not done|yes|no)(?:\W.*)?)$",
    re.IGNORECASE,
)
#: Lines after which everything is the quoted original, even without `>` marks.
_DIVIDERS = (
    re.compile(r"^\s*on\b.*\bwrote:\s*$", re.IGNORECASE),  # Gmail, Apple Mail
    re.compile(r"^\s*-{2,}\s*(original|forwarded) message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule
    re.compile(r"^\s*(from|von|de|da):\s.*$", re.IGNORECASE),  # Outlook's header block
)


@dataclass(frozen=True)
class ReplyLine:
    """A line of the reply that names a key result: `ID | value | confidence | note`."""

    kr_id: str
    value: str
    confidence: str
    note: str
    #: 0 above the quote (what the owner wrote), 1 + quote depth inside it.
    rank: int
    #: The 1-based line number in the reply's text, and the line as written.
    number: int
    text: str
    #: False for a line above the quote that starts with an ID but has no `|` (`SALES-1.2 80%`).
    piped: bool = True

    def where(self) -> str:
        return f"line {self.number} ({self.text.strip()!r})"


@dataclass(frozen=True)
class Reply:
    """One received reply, as read (nothing checked yet)."""

    sender: str
    message_id: str
    subject: str
    tokens: tuple[str, ...]
    lines: tuple[ReplyLine, ...]
    source: str
    auto: bool = False


def _quote_depth(line: str) -> tuple[int, str]:
    match = _QUOTE.match(line)
    if not match:
        return 0, line
    return match.group(1).count(">"), line[match.end() :]


def _is_divider(lines: Sequence[str], index: int) -> bool:
    line = lines[index]
    if (
        re.match(r"^\s*on\b", line, re.IGNORECASE)
        and index + 1 < len(lines)
        and re.search(r"\bwrote:\s*$", lines[index + 1], re.IGNORECASE)
    ):
        return True  # "On ... <address>" wrapped before "wrote:"
    if not any(p.match(line) for p in _DIVIDERS):
        return False
    if re.match(r"^\s*(from|von|de|da):", line, re.IGNORECASE):
        # Outlook's block: From: ... then Sent:/Date: within the next lines.
        following = lines[index + 1 : index + 5]
        return any(
            re.match(r"^\s*(sent|date|gesendet|envoyé|enviado):", f, re.I) for f in following
        )
    return True


def reply_lines(text: str) -> list[ReplyLine]:
    """Every line of the text that names a key result, with its rank (0 above the quote)."""
    raw_lines = text.split("\n")
    plain = [_quote_depth(line)[1] for line in raw_lines]
    quoted_from: int | None = None
    signature = False
    found: list[ReplyLine] = []
    for index, line in enumerate(raw_lines):
        depth, content = _quote_depth(line)
        if depth == 0 and quoted_from is None and _is_divider(plain, index):
            quoted_from = index
        if depth == 0 and quoted_from is None and content.rstrip() == "--":
            signature = True  # the sender's signature, up to the quote
        if signature and depth == 0 and quoted_from is None:
            continue
        match = _LINE.match(content)
        if not match:
            loose = _UNPIPED.match(content) if depth == 0 and quoted_from is None else None
            if loose:
                found.append(
                    ReplyLine(loose.group("id"), loose.group("rest").strip(), "", "", 0,
                              index + 1, content, piped=False)
                )  # fmt: skip
            continue
        fields = [f.strip() for f in match.group("rest").split("|", 2)]
        fields += [""] * (3 - len(fields))
        rank = 0 if depth == 0 and quoted_from is None else 1 + depth
        found.append(
            ReplyLine(
                kr_id=match.group("id"),
                value=fields[0],
                confidence=fields[1],
                note=fields[2].rstrip("|").strip(),
                rank=rank,
                number=index + 1,
                text=content,
            )
        )
    return found


def read_reply(data: bytes, *, source: str = "the reply") -> Reply:
    """A reply from its bytes (RFC 5322, as saved or piped by a mail program)."""
    mail = email.message_from_bytes(data, policy=default)
    assert isinstance(mail, EmailMessage)
    text = body_text(mail)
    senders = getaddresses([str(mail.get("From", ""))])
    sender = senders[0][1] if senders else ""
    message_id = str(mail.get("Message-ID", "")).strip()
    if not message_id:
        # Without one, the bytes name the reply: the same file fed twice is still one reply.
        message_id = "<sha256-" + hashlib.sha256(data).hexdigest()[:32] + "@okr>"
    auto = str(mail.get("Auto-Submitted", "no")).strip().casefold() not in ("", "no")
    tokens = tuple(dict.fromkeys(t.casefold() for t in _TOKEN.findall(text)))
    return Reply(
        sender=sender,
        message_id=message_id,
        subject=str(mail.get("Subject", "")),
        tokens=tokens,
        lines=tuple(reply_lines(text)),
        source=source,
        auto=auto,
    )


# Checking and choosing lines ------------------------------------------------------------------


def checkin_id(message_id: str, kr_id: str) -> str:
    """The id of the check-in a reply makes for a key result: the same reply, the same id."""
    digest = hashlib.sha256(f"{message_id.strip()}\n{kr_id.casefold()}".encode()).hexdigest()
    return f"mail-{digest[:20]}"


def _reminder_for(reply: Reply, sent: Sequence[SentReminder]) -> SentReminder:
    """The reminder whose token the reply carries, or why the reply is refused."""
    if not reply.tokens:
        raise ReplyRefused(
            f"{reply.source}: the reply carries no '{TOKEN_PREFIX}' line; nothing was written",
            hint="only a reply to an okr reminder, with its token line kept, is recorded",
        )
    matches: dict[str, SentReminder] = {}
    for token in reply.tokens:
        digest = hash_token(token)
        for row in sent:
            if hmac.compare_digest(digest, row.token_hash):
                matches[row.message_id] = row
    if not matches:
        raise ReplyRefused(
            f"{reply.source}: the reply's token matches no reminder sent from this workbook; "
            "nothing was written",
            hint="the token line was changed, or the reminder came from another workbook",
        )
    if len(matches) > 1:
        raise ReplyRefused(
            f"{reply.source}: the reply carries the tokens of {len(matches)} reminders; "
            "nothing was written",
            hint="answer each reminder in a reply of its own",
        )
    return next(iter(matches.values()))


def _check_sender(reply: Reply, reminder: SentReminder, emails: dict[str, str]) -> None:
    owner_address = parseaddr(emails.get(reminder.owner.casefold(), ""))[1]
    if not owner_address:
        raise ReplyRefused(
            f"{reply.source}: {reminder.owner} has no e-mail address in People; nothing was "
            "written",
            hint="fill the Email column of People, then feed the reply again",
        )
    if reply.sender.casefold() != owner_address.casefold():
        raise ReplyRefused(
            f"{reply.source}: the reply comes from {reply.sender or 'no address'}, not from "
            f"{reminder.owner}'s address in People; nothing was written",
            hint="only the owner may check in by reply, from the address in People",
        )


@dataclass(frozen=True)
class _Said:
    """What a line says once read for its key result (None: it cannot be read)."""

    value: float
    confidence: float | None
    note: str


def _normal_number(text: str) -> str:
    """A number as `okr checkin` reads it: decimal commas (`0,78`, `78,5%`, `1.234,5`) become
    dots; a comma before exactly three digits stays a thousands separator (`1,250`)."""
    compact = text.strip().replace("\u202f", "").replace("\xa0", "")
    if re.fullmatch(r"[^\d]*\d{1,3}(\.\d{3})+,\d+[^\d]*", compact):  # 1.234,5
        return compact.replace(".", "").replace(",", ".")
    if re.fullmatch(r"[^\d,.]*\d+,(\d{1,2}|\d{4,})[^\d,.]*", compact):  # 0,78 / 78,5%
        return compact.replace(",", ".")
    return compact


def _value(kr: KeyResult, text: str) -> float:
    """A reply's value for a key result; a percent key result takes `78` as 78%."""
    typed = _normal_number(text)
    value = checkins.parse_value(kr, typed)
    if checkins.units_problem(kr, value, typed) and kr.unit == "%" and "%" not in typed:
        value = checkins.parse_value(kr, typed + "%")
        typed += "%"
    problem = checkins.units_problem(kr, value, typed)
    if problem:
        raise cells.CellValueError(problem)
    return value


def _confidence(text: str) -> float | None:
    typed = _normal_number(text)
    if not typed:
        return None
    if re.fullmatch(r"\d{2,3}(\.\d+)?", typed) and 10 <= float(typed) <= 100:
        typed += "%"  # 70 means 70%
    return cells.parse_confidence(typed)


def _said(kr: KeyResult, line: ReplyLine) -> _Said:
    return _Said(_value(kr, line.value), _confidence(line.confidence), line.note.strip())


@dataclass
class Screened:
    """What a reply came to: the owner and reminder, and what each line meant."""

    reminder: SentReminder | None = None
    requests: list[CheckInRequest] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    not_answered: list[str] = field(default_factory=list)
    #: Each recorded key result's value as the owner typed it.
    typed: dict[str, str] = field(default_factory=dict)


def screen_reply(raw: RawWorkbook, plan: Plan, reply: Reply, out: Screened) -> list[CheckInRequest]:
    """Check the reply against the workbook as it is now and choose its lines: the requests
    to record. Raises `ReplyRefused` (token, sender) or `UsageError` (bad lines)."""
    reminder = _reminder_for(reply, read_reminders(raw))
    _check_sender(reply, reminder, people_emails(raw))
    sent = reminder.sent_at
    if sent is not None and sent.date() < plan.cycle.start:
        raise ReplyRefused(
            f"{reply.source}: the reply answers a reminder of an earlier cycle (sent "
            f"{sent.date().isoformat()}, before {plan.cycle.name} began); nothing was written",
            hint="answer this cycle's reminder, or check in with okr checkin",
        )
    out.reminder = reminder
    asked = {k.casefold(): k for k in reminder.key_results}
    prefilled = {line.kr_id.casefold(): line for line in reply_lines("\n".join(reminder.prefilled))}
    krs = {kr.id.casefold(): kr for kr in plan.key_results}
    problems: list[str] = []
    by_kr: dict[str, list[ReplyLine]] = {}
    for line in reply.lines:
        key = line.kr_id.casefold()
        if not line.piped:
            if key in asked:
                problems.append(
                    f"{line.where()}: separate the fields with '|': "
                    f"{_fix_hint(krs[key], line) if key in krs else 'ID | value | confidence'}"
                )
            continue
        if key not in asked:
            if line.rank == 0 and line.value:
                problems.append(
                    f"{line.where()}: {line.kr_id} is not one of the key results this reminder "
                    f"asked about ({', '.join(reminder.key_results)})"
                )
            continue
        by_kr.setdefault(key, []).append(line)
    requests: list[CheckInRequest] = []
    missing: list[str] = []
    for key, kr_id in asked.items():
        kr = krs.get(key)
        lines = by_kr.get(key, [])
        if kr is None:
            if lines:
                missing.append(f"{lines[0].where()}: {kr_id}")
            continue
        before = prefilled.get(key)
        try:
            was = _said(kr, before) if before is not None else None
        except ValueError:
            was = None
        changed: list[tuple[ReplyLine, _Said | None, str]] = []
        for line in lines:
            try:
                said: _Said | None = _said(kr, line)
                why = ""
            except ValueError as exc:
                said, why = None, str(exc)
            same_text = before is not None and _same_text(line, before)
            if same_text or (said is not None and said == was):
                continue
            changed.append((line, said, why))
        if not changed:
            (out.unchanged if lines else out.not_answered).append(kr.id)
            continue
        best = min(line.rank for line, _, _ in changed)
        chosen = [c for c in changed if c[0].rank == best]
        bad = [(line, why) for line, said, why in chosen if said is None]
        if bad:
            for line, why in bad:
                problems.append(f"{line.where()}: {why}; {_fix_hint(kr, line)}")
            continue
        meanings = {said for _, said, _ in chosen}
        if len(meanings) > 1:
            problems.append(
                f"{chosen[1][0].where()}: {kr.id} is answered twice with different numbers "
                f"(also on line {chosen[0][0].number}); keep one line"
            )
            continue
        line, said, _ = chosen[0]
        assert said is not None
        out.typed[kr.id] = line.value
        requests.append(
            CheckInRequest(
                kr_id=kr.id,
                value=said.value,
                confidence=said.confidence,
                note=said.note,
                author=reminder.owner,
                source=f"{reply.source}: {line.where()}",
                checkin_id=checkin_id(reply.message_id, kr.id),
            )
        )
    if missing:
        raise InvalidWorkbook(
            f"{reply.source}: the reply answers key results whose rows cannot be read now "
            "(deleted, or a cell is broken); nothing was written",
            details=missing,
            hint="`okr validate` names the cells; a mailbox keeps the reply unread until then",
        )
    if problems:
        raise UsageError(
            f"{reply.source}: {len(problems)} line(s) of the reply cannot be read; "
            "nothing was written",
            details=problems,
            hint="fix the line(s) and reply again: ID | value | confidence | note",
        )
    out.requests = requests
    return requests


def _same_text(line: ReplyLine, before: ReplyLine) -> bool:
    def norm(text: str) -> str:
        return "".join(text.split()).casefold()

    return (norm(line.value), norm(line.confidence), norm(line.note)) == (
        norm(before.value),
        norm(before.confidence),
        norm(before.note),
    )


def _fix_hint(kr: KeyResult, line: ReplyLine) -> str:
    if kr.kind.value_words:
        example = "done"
    elif kr.unit == "%":
        example = "72%"
    else:
        example = "1250"
    return f"write it as {kr.id} | {example} | 70% | a note"


# Recording -----------------------------------------------------------------------------------


@dataclass
class ReplyOutcome:
    reply: Reply
    owner: str
    recorded: list[CheckIn]
    #: Key results whose line was the prefilled one (or recorded by an earlier run).
    unchanged: list[str]
    already: int = 0
    typed: dict[str, str] = field(default_factory=dict)


def record_reply(
    location: Location,
    reply: Reply,
    *,
    today: date | None = None,
) -> ReplyOutcome:
    """Check the reply and record its check-ins in one write (or none): the workbook is read
    once, the Reminders tab and People checked on that read, and the log and KR rows written."""
    screened = Screened()
    # Every line the reply could make, with its final id: a retried write recognises them.
    candidates = [
        CheckInRequest(
            kr_id=line.kr_id,
            value=line.value,
            checkin_id=checkin_id(reply.message_id, line.kr_id),
        )
        for line in reply.lines
    ]

    def screen(
        raw: RawWorkbook, plan: Plan, _requests: Sequence[CheckInRequest]
    ) -> list[CheckInRequest]:
        return screen_reply(raw, plan, reply, screened)

    recorded = checkins.record(location, candidates, today=today, screen=screen)
    assert screened.reminder is not None
    return ReplyOutcome(
        reply=reply,
        owner=screened.reminder.owner,
        recorded=recorded,
        unchanged=list(screened.unchanged),
        already=len(screened.requests) - len(recorded),
        typed=dict(screened.typed),
    )


# Answers ---------------------------------------------------------------------------------------


def _answer(reply: Reply, to: str, text: str) -> Message:
    subject = reply.subject.strip() or "your check-in"
    if not subject.casefold().startswith("re:"):
        subject = f"Re: {subject}"
    headers = {"In-Reply-To": reply.message_id, "References": reply.message_id}
    return Message(to=to, subject=subject, text=text, headers=headers)


def answer_for_problems(reply: Reply, error: UsageError) -> Message:
    """The answer to a reply with bad lines: what to fix, line by line (nothing was written)."""
    lines = ["Your check-in could not be recorded: nothing was written.", ""]
    for detail in error.details:
        lines += textwrap.wrap(detail, width=76, subsequent_indent="  ") or [detail]
    lines += [
        "",
        "Fix the line(s) and reply to the reminder again, keeping its okr-token line.",
        "Each line reads: ID | value | confidence | note (confidence and note may be",
        "left empty), for example SALES-1.2 | 78% | 70% | two deals slipped.",
    ]
    return _answer(reply, reply.sender, "\n".join(lines) + "\n")


def answer_for_outcome(outcome: ReplyOutcome) -> Message:
    """The receipt for a recorded reply: what was recorded, what was left as it was."""
    lines = [f"Thank you, {outcome.owner.split(' ')[0]}. Recorded:"]
    for checkin in outcome.recorded:
        confidence = "" if checkin.confidence is None else f", confidence {checkin.confidence:.0%}"
        value = outcome.typed.get(checkin.kr_id) or f"{checkin.value:g}"
        lines += [f"  {checkin.kr_id}: {value}{confidence}"]
    if not outcome.recorded:
        lines = ["Nothing new was recorded from your reply: every line was as prefilled, or"]
        lines += ["already recorded from this reply."]
    if outcome.unchanged:
        lines += ["", "Left as they were: " + ", ".join(outcome.unchanged)]
    return _answer(outcome.reply, outcome.reply.sender, "\n".join(lines) + "\n")
