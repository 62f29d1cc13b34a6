"""`okr remind`: one personal message to each owner whose key results are due for a check-in.

A key result is due when it is not done, the cycle is running, and it has had no check-in
within the Settings cadence. Its owner gets one message listing those key results as they stand
(last value, target, due date, last check-in, status, and why it lags), with a reply block
prefilled with one line per key result (`SALES-1.2 | 72% | 88% |`) and a token that proves the
reply answers this message. What was sent goes to the Reminders tab (the token only as a hash),
so the next run skips owners reminded within the cadence and `okr checkin --from-mail` can
check a reply. See docs/rhythm.md.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from email.utils import formataddr, parseaddr

from okrsheet.delivery import Channel, Message
from okrsheet.domain import scoring
from okrsheet.domain.model import KeyResult, Plan, amount
from okrsheet.domain.vocab import MEASURING_BASELINE, Status
from okrsheet.errors import BackendError
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.checkin_log import looks_like_log
from okrsheet.layout.reminders_tab import (
    SentReminder,
    people_emails,
    read_reminders,
    reminder_changes,
)
from okrsheet.render.text import strip_controls
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import Change, RawWorkbook, SetCells, Skim, WriteValue

#: The widest line of a reminder's text part (mail reads well at 72-80 columns).
WIDTH = 76
#: The lines around the reply block, and the token line inside it.
BLOCK_START = "--- okr check-in: edit the lines below ---"
BLOCK_END = "--- end of check-in ---"
TOKEN_PREFIX = "okr-token:"
TOKEN_HEADER = "X-Okr-Token"


def mail_address(cell: str) -> str:
    """The one address a People Email cell holds (`ana@acme.com`, `Ana <ana@acme.com>`), or ""
    when it holds none, or text that is not one."""
    name, address = parseaddr(cell.strip())
    del name
    if not re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+", address):
        return ""
    return address


def hash_token(token: str) -> str:
    """What the Reminders tab keeps of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.strip().casefold().encode()).hexdigest()


def new_token() -> str:
    """A reply token: 128 random bits in hex (no letters a mail program could change)."""
    return secrets.token_hex(16)


# Due key results -----------------------------------------------------------------------------


def due_key_results(plan: Plan, as_of: date) -> dict[str, list[KeyResult]]:
    """Each owner's key results due for a check-in on `as_of`, in workbook order: not done,
    the cycle running, and no check-in within the cadence (the last one `cadence_days` or more
    days ago, or none)."""
    if not plan.cycle.contains(as_of):
        return {}
    window = plan.settings.cadence_days
    due: dict[str, list[KeyResult]] = {}
    for kr in plan.key_results:
        if scoring.status(kr, plan.cycle, as_of, plan.settings) is Status.DONE:
            continue
        last = kr.last_checkin
        if last is not None and last <= as_of and (as_of - last).days < window:
            continue
        due.setdefault(kr.owner, []).append(kr)
    return due


# Reply lines ---------------------------------------------------------------------------------


def value_text(value: float, kr: KeyResult) -> str:
    """A value as a reply line shows it, in a form `okr checkin` reads back as the same number:
    `72%` for a percent, a milestone's `done`/`not done`, else digits without separators."""
    if kr.kind.value_words:
        return "done" if value >= 1 else "not done"
    if kr.unit == "%":
        return f"{value * 100:.6g}%"
    return f"{value:.10g}" if value % 1 else f"{value:.0f}"


def reply_line(kr: KeyResult) -> str:
    """The prefilled line of a key result: `ID | value | confidence | note`; the value is left
    empty while the baseline is measured (there is no value yet, and the first one becomes the
    start: a number prefilled there would be taken for it)."""
    confidence = "" if kr.confidence is None else f"{kr.confidence * 100:.0f}%"
    value = "" if kr.measuring_baseline else value_text(kr.value, kr)
    return f"{kr.id} | {value} | {confidence} |"


# Composing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KRLine:
    """What a reminder says of one key result."""

    kr: KeyResult
    status: str
    progress: float
    expected: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Outgoing:
    """One reminder: to whom, the message, and the row the Reminders tab gets for it."""

    owner: str
    email: str
    message: Message
    record: SentReminder
    token: str = field(repr=False)


def _amount(value: float | None, unit: str) -> str:
    return "no value yet" if value is None else amount(value, unit)


def _value(kr: KeyResult) -> str:
    if kr.kind.value_words:
        return "done" if (kr.current or 0) >= 1 else "not done"
    return _amount(kr.current, kr.unit) if kr.current is not None else "no value yet"


def _target(kr: KeyResult) -> str:
    if kr.kind.value_words:
        return "done"
    return _amount(kr.target_value, kr.unit)


def _clean(text: str) -> str:
    """Workbook text for a mail: no control characters, one line."""
    return " ".join(strip_controls(text).split())


def _wrap(text: str, indent: str = "", first: str | None = None) -> list[str]:
    lines = textwrap.wrap(
        text,
        width=WIDTH,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    )
    return lines or [indent.rstrip()]


def kr_lines(plan: Plan, krs: Sequence[KeyResult], as_of: date) -> list[KRLine]:
    lags = {lag.score.kr.id: lag for lag in scoring.lagging(plan, as_of)}
    out = []
    for kr in krs:
        score = scoring.score_kr(kr, plan.cycle, as_of, plan.settings)
        lag = lags.get(kr.id)
        out.append(
            KRLine(
                kr=kr,
                status=score.status.value,
                progress=score.progress,
                expected=score.expected,
                reasons=lag.sentences if lag else (),
            )
        )
    return out


def _pace(line: KRLine) -> str:
    """`40% of 55% expected`, or what to do while the baseline is measured."""
    if line.kr.measuring_baseline:
        return f"{MEASURING_BASELINE}: the first value you send becomes the start"
    return f"{line.progress:.0%} of {line.expected:.0%} expected"


def _standing(line: KRLine) -> str:
    """`at risk (progress 40%, expected 55%)`, or the baseline still to measure."""
    if line.kr.measuring_baseline:
        return _pace(line) if line.status == Status.NOT_STARTED else f"{line.status}, {_pace(line)}"
    return f"{line.status} (progress {line.progress:.0%}, expected {line.expected:.0%})"


def compose_text(
    *,
    owner: str,
    company: str,
    cycle: str,
    cadence: int,
    lines: Sequence[KRLine],
    token: str,
) -> str:
    first_name = _clean(owner).split(" ")[0] or _clean(owner)
    out = [*_wrap(f"Hello {first_name},"), ""]
    where = f"{cycle} at {_clean(company)}" if company.strip() else cycle
    count = len(lines)
    out += _wrap(
        f"It is time for your check-in on {where}: {count} of your key "
        f"result{'s' if count != 1 else ''} had no check-in in the last {cadence} days."
    )
    out.append("")
    for line in lines:
        kr = line.kr
        out += _wrap(_clean(kr.title), indent="    ", first=f"{kr.id}  ")
        last = kr.last_checkin.isoformat() if kr.last_checkin else "never"
        now = (
            "no value yet"
            if kr.current is None and kr.last_checkin is None
            else f"last {_value(kr)} (checked in: {last})"
        )
        out += _wrap(f"{now}; target {_target(kr)} by {kr.due_date.isoformat()}", indent="    ")
        out += _wrap(f"status: {_standing(line)}", indent="    ")
        for reason in line.reasons:
            out += _wrap(_clean(reason), indent="      ", first="    - ")
        out.append("")
    out += _wrap(
        # No wrapped line may start with `ID |`: a reply that keeps this text unquoted would
        # have it read as a check-in line.
        "To check in, reply to this message and change the numbers on the lines below. Each "
        "line reads: ID | value | confidence | note (confidence and note may be left "
        "empty). A line left as it is, or deleted, records nothing. Reply above the quoted "
        "text or edit the lines inside it; keep the okr-token line."
    )
    out += ["", BLOCK_START]
    out += [reply_line(line.kr) for line in lines]
    out += [f"{TOKEN_PREFIX} {token}", BLOCK_END, ""]
    out += _wrap(
        "Values are read as in the workbook: 72%, 0.72, 1250 or 1,250, a decimal comma "
        "(0,72) too; a milestone takes done or not done. Only a reply from this address "
        "with this token is recorded."
    )
    return "\n".join(line.rstrip() for line in out) + "\n"


_STATUS_COLOURS = {
    "done": "#1e7b34",
    "on track": "#1e7b34",
    "at risk": "#9a6700",
    "off track": "#b42318",
    "overdue": "#b42318",
    "not started": "#57606a",
}


def compose_html(
    *,
    owner: str,
    company: str,
    cycle: str,
    cadence: int,
    lines: Sequence[KRLine],
    token: str,
) -> str:
    """The HTML alternative: one table, inline styles only, no scripts, no images."""
    e = html.escape
    first_name = _clean(owner).split(" ")[0] or _clean(owner)
    where = f"{cycle} at {_clean(company)}" if company.strip() else cycle
    cell = "padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top"
    rows = []
    for line in lines:
        kr = line.kr
        colour = _STATUS_COLOURS.get(line.status, "#24292f")
        why = "".join(f"<li>{e(_clean(r))}</li>" for r in line.reasons)
        rows.append(
            "<tr>"
            f'<td style="{cell};white-space:nowrap"><b>{e(kr.id)}</b></td>'
            f'<td style="{cell}">{e(_clean(kr.title))}'
            + (f'<ul style="margin:4px 0 0 16px;padding:0;color:#57606a">{why}</ul>' if why else "")
            + "</td>"
            f'<td style="{cell};white-space:nowrap">{e(_value(kr))}</td>'
            f'<td style="{cell};white-space:nowrap">{e(_target(kr))}</td>'
            f'<td style="{cell};white-space:nowrap">{e(kr.due_date.isoformat())}</td>'
            f'<td style="{cell};white-space:nowrap">'
            f"{e(kr.last_checkin.isoformat() if kr.last_checkin else 'never')}</td>"
            f'<td style="{cell};white-space:nowrap;color:{colour}"><b>{e(line.status)}</b>'
            f"<br>{e(_pace(line))}</td>"
            "</tr>"
        )
    head = "".join(
        f'<th style="{cell};background:#f6f8fa">{h}</th>'
        for h in ("ID", "Key result", "Last value", "Target", "Due", "Last check-in", "Status")
    )
    block = "\n".join(
        [
            BLOCK_START,
            *(reply_line(line.kr) for line in lines),
            f"{TOKEN_PREFIX} {token}",
            BLOCK_END,
        ]
    )
    count = len(lines)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>Check-in due: {e(where)}</title></head>"
        '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#24292f">'
        f"<p>Hello {e(first_name)},</p>"
        f"<p>It is time for your check-in on {e(where)}: {count} of your key "
        f"result{'s' if count != 1 else ''} had no check-in in the last {cadence} days.</p>"
        f'<table style="border-collapse:collapse" cellspacing="0"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        "<p>To check in, reply to this message. Change the numbers on the lines below: "
        "<b>ID | value | confidence | note</b> (confidence and note may be left empty). "
        "A line left as it is, or deleted, records nothing. Keep the okr-token line.</p>"
        '<pre style="font-family:Menlo,Consolas,monospace;font-size:13px;background:#f6f8fa;'
        f'padding:8px;border:1px solid #d0d7de">{e(block)}</pre>'
        '<p style="color:#57606a">Values are read as in the workbook: 72%, 0.72, 1250 or '
        "1,250, a decimal comma (0,72) too; a milestone takes done or not done. Only a reply "
        "from this address with this token is recorded.</p>"
        "</body></html>"
    )


def compose(
    plan: Plan,
    owner: str,
    email: str,
    krs: Sequence[KeyResult],
    *,
    as_of: date,
    token: str,
    message_id: str,
    sent_at: datetime,
    lines: Sequence[KRLine] | None = None,
) -> Outgoing:
    lines = list(lines) if lines is not None else kr_lines(plan, krs, as_of)
    args = {
        "owner": owner,
        "company": plan.settings.company,
        "cycle": plan.cycle.name,
        "cadence": plan.settings.cadence_days,
        "lines": lines,
        "token": token,
    }
    count = len(krs)
    subject = (
        f"Check-in due: {count} key result{'s' if count != 1 else ''} ({_clean(plan.cycle.name)})"
    )
    message = Message(
        to=formataddr((_clean(owner), email)),
        subject=subject,
        text=compose_text(**args),  # type: ignore[arg-type]
        html=compose_html(**args),  # type: ignore[arg-type]
        headers={"Message-ID": message_id, TOKEN_HEADER: token},
    )
    record = SentReminder(
        sent_at=sent_at,
        owner=owner,
        email=email,
        message_id=message_id,
        token_hash=hash_token(token),
        key_results=tuple(kr.id for kr in krs),
        prefilled=tuple(reply_line(kr) for kr in krs),
    )
    return Outgoing(owner, email, message, record, token)


# Running ---------------------------------------------------------------------------------------


@dataclass
class RemindResult:
    """What one run did (or, with `dry_run`, would do)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    #: Owners due but reminded within the cadence already (skipped without --force).
    reminded: list[str] = field(default_factory=list)
    #: Owners due but without an e-mail address in People.
    no_email: list[str] = field(default_factory=list)
    #: Reminders the channel could not deliver (their rows were taken back).
    failed: list[tuple[Outgoing, str]] = field(default_factory=list)
    dry_run: bool = False


def _reminded_recently(
    sent: Sequence[SentReminder], owner: str, today: date, cadence: int, tz: tzinfo
) -> SentReminder | None:
    """The owner's reminder sent within the cadence up to today, if any."""
    for row in reversed(sent):
        if row.owner.casefold() != owner.casefold() or row.sent_at is None:
            continue
        moment = row.sent_at
        day = moment.astimezone(tz).date() if moment.tzinfo else moment.date()
        if day <= today and (today - day).days < cadence:
            return row
    return None


@dataclass
class _Ids:
    """Each owner's token and Message-ID, fixed at the first plan: a store that plans again
    (after a write whose outcome it could not see) finds its own rows by them."""

    domain: str
    by_owner: dict[str, tuple[str, str]] = field(default_factory=dict)

    def of(self, owner: str) -> tuple[str, str]:
        key = owner.casefold()
        if key not in self.by_owner:
            self.by_owner[key] = (
                new_token(),
                f"<okr-remind.{secrets.token_hex(12)}@{self.domain}>",
            )
        return self.by_owner[key]


def plan_reminders(
    raw: RawWorkbook,
    *,
    today: date | None,
    now: datetime,
    force: bool,
    ids: _Ids,
) -> RemindResult:
    """Who gets what, from one read of the workbook."""
    parsed = parse_workbook(raw, with_log=False)
    plan = parsed.plan
    tz = cells.time_zone(plan.settings.time_zone)
    now = now.astimezone(tz).replace(microsecond=0)
    if today is not None and today != now.date():
        # A pinned today (OKR_TODAY) is the day the reminders are sent, as a check-in's date.
        now = datetime.combine(today, now.timetz())
    day = now.date()
    due = due_key_results(plan, day)
    emails = people_emails(raw)
    sent = read_reminders(raw)
    ours = {message_id for _, message_id in ids.by_owner.values()}
    result = RemindResult()
    lags = {lag.score.kr.id: lag for lag in scoring.lagging(plan, day)} if due else {}
    for owner, krs in due.items():
        email = mail_address(emails.get(owner.casefold(), ""))
        if not email:
            result.no_email.append(owner)
            continue
        earlier = _reminded_recently(sent, owner, day, plan.settings.cadence_days, tz)
        if earlier is not None and earlier.message_id not in ours and not force:
            result.reminded.append(owner)
            continue
        token, message_id = ids.of(owner)
        lines = []
        for kr in krs:
            score = scoring.score_kr(kr, plan.cycle, day, plan.settings)
            lag = lags.get(kr.id)
            lines.append(
                KRLine(kr, score.status.value, score.progress, score.expected,
                       lag.sentences if lag else ())
            )  # fmt: skip
        result.outgoing.append(
            compose(
                plan,
                owner,
                email,
                krs,
                as_of=day,
                token=token,
                message_id=message_id,
                sent_at=now,
                lines=lines,
            )
        )
    return result


def _now() -> datetime:
    return datetime.now(UTC)


def _domain(channel: Channel | None) -> str:
    sender = str(getattr(channel, "sender", "") or "")
    domain = sender.rpartition("@")[2].strip(" <>")
    return domain or "okr.localhost"


#: Only the head of a long check-in log is read: reminders need the KR rows, not the history.
_SKIM = Skim(needles=frozenset(), wanted=looks_like_log)


def remind(
    location: Location,
    channel: Channel | None,
    *,
    today: date | None = None,
    force: bool = False,
    dry_run: bool = False,
    clock: Callable[[], datetime] = _now,
) -> RemindResult:
    """Compose the reminders due, record them in the Reminders tab and send them.

    The Reminders rows are written first, in one atomic update planned on a fresh read (so two
    runs at once cannot both send); then each message is sent. Rows of messages the channel
    could not deliver are taken back afterwards, so the next run tries them again. With
    `dry_run` (or no channel) nothing is written or sent: one read, and what would be sent.
    """
    ids = _Ids(_domain(channel))
    store = open_store(location)
    if dry_run or channel is None:
        result = plan_reminders(store.read(), today=today, now=clock(), force=force, ids=ids)
        result.dry_run = True
        return result
    planned: list[RemindResult] = []

    def planner(raw: RawWorkbook) -> list[Change]:
        result = plan_reminders(raw, today=today, now=clock(), force=force, ids=ids)
        planned[:] = [result]
        return reminder_changes(raw, [o.record for o in result.outgoing])

    store.update(planner, skim=_SKIM)
    result = planned[0]
    for outgoing in result.outgoing:
        try:
            channel.send([outgoing.message])
        except BackendError as exc:
            result.failed.append((outgoing, exc.message))
    if result.failed:
        _take_back(location, [o.record.message_id for o, _ in result.failed])
    return result


def _take_back(location: Location, message_ids: Sequence[str]) -> None:
    """Blank the Reminders rows of messages that were not delivered (cells cleared rather than
    rows deleted: a patch, never a rewrite of the workbook; the next append fills them)."""
    from okrsheet.layout.reminders_tab import reminders_table

    wanted = set(message_ids)

    def planner(raw: RawWorkbook) -> list[Change]:
        table = reminders_table(raw)
        if table is None:
            return []
        width = max(table.columns.values())
        id_col = table.columns["message_id"]
        rows = [r for r in read_reminders(raw) if r.message_id in wanted]
        if not rows:
            return []
        cells: dict[tuple[int, int], WriteValue] = {
            (r.row, col): None for r in rows for col in range(1, width + 1)
        }
        anchors = {r.row: (id_col, r.message_id) for r in rows}
        return [SetCells(table.title, cells, anchors)]

    open_store(location).update(planner, skim=_SKIM)
