"""`okr checkin --from-mail/--from-maildir/--from-imap`: replies to `okr remind`, recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from okrsheet.delivery import Channel
    from okrsheet.mailboxes import Incoming
    from okrsheet.stores import Location


def check_in_replies(location: Location, flag: str, source: str, *, answer: bool) -> None:
    """Record each reply; report each on stdout (recorded) or stderr (refused, bad lines).

    One message (--from-mail) fails as any check-in does: its error, exit code 2. A mailbox
    goes on past a refused reply and exits 2 at the end when any was refused or had bad
    lines; those are marked seen too (they are reported once). A workbook that cannot be read
    or written stops the run, leaving the rest unseen for the next poll."""
    from okrsheet import mailboxes
    from okrsheet.delivery.config import ENV_MAIL_URL, ENV_MAILBOX_URL, configured_url
    from okrsheet.errors import UsageError

    channel = None
    if answer:
        url = configured_url(None, env=ENV_MAIL_URL, key="mail_url")
        if url is None:
            raise UsageError(
                f"--answer mails through ${ENV_MAIL_URL} or mail_url in okr.toml; neither is set",
                option="--answer",
            )
        from okrsheet.delivery import channel_for

        channel = channel_for(url, option=ENV_MAIL_URL)
    if flag == "--from-mail":
        _one(location, mailboxes.from_file(source), channel)
        return
    if flag == "--from-maildir":
        _many(location, mailboxes.from_maildir(source), channel)
        return
    url = configured_url(None if source == "-" else source, env=ENV_MAILBOX_URL, key="mailbox_url")
    if url is None:
        raise UsageError("say which mailbox to read", option="--from-imap")
    with mailboxes.from_imap(url) as incoming:
        _many(location, incoming, channel)


def _one(location: Location, message: Incoming, channel: Channel | None) -> None:
    from okrsheet import replies
    from okrsheet.cli.options import pinned_today
    from okrsheet.errors import UsageError

    reply = replies.read_reply(message.data, source=message.name)
    if reply.auto:
        _say(False, f"{message.name}: an automatic reply (Auto-Submitted); nothing to record")
        return
    try:
        outcome = replies.record_reply(location, reply, today=pinned_today())
    except replies.ReplyRefused:
        raise
    except UsageError as error:
        if channel is not None and error.details:
            _send(channel, replies.answer_for_problems(reply, error))
        raise
    _said_outcome(outcome)
    if channel is not None:
        _send(channel, replies.answer_for_outcome(outcome))


def _many(location: Location, incoming: list[Incoming], channel: Channel | None) -> None:
    """Each message in turn. A refused reply or one with bad lines is reported and marked
    seen (exit 2 at the end); one whose key result's row cannot be read now is reported and
    left unseen, to be read again once the row is fixed (exit 3 at the end)."""
    from okrsheet.errors import ExitCode, InvalidWorkbook, UsageError

    bad = unreadable = 0
    for message in incoming:
        try:
            _one(location, message, channel)
        except UsageError as error:  # refused, or bad lines: reported, not recorded
            bad += 1
            _report(error)
        except InvalidWorkbook as error:
            unreadable += 1
            _report(error)
            continue
        message.done()
    if not incoming:
        _say(True, "No new replies.", err=True)
    if bad:
        raise typer.Exit(int(ExitCode.USAGE))
    if unreadable:
        raise typer.Exit(int(ExitCode.INVALID_CONTENT))


def _report(error: object) -> None:
    from okrsheet.errors import OkrError
    from okrsheet.render import console
    from okrsheet.render.rich_tables import safe

    assert isinstance(error, OkrError)
    err = console.err()
    err.print(safe("error: ", "bold red") + safe(error.message))
    for line in error.details:
        err.print(safe(f"  {line}"))
    if error.hint:
        err.print(safe(f"hint: {error.hint}", "dim"))


def _said_outcome(outcome: object) -> None:
    from okrsheet.replies import ReplyOutcome

    assert isinstance(outcome, ReplyOutcome)
    source = outcome.reply.source
    if outcome.recorded:
        values = ", ".join(
            f"{c.kr_id} {outcome.typed.get(c.kr_id, '')}".strip() for c in outcome.recorded
        )
        _say(True, f"{source}: recorded {len(outcome.recorded)} check-in(s) by {outcome.owner}: "
             f"{values}")  # fmt: skip
    elif outcome.already:
        _say(True, f"{source}: already recorded (this reply was read before); nothing new")
    else:
        _say(True, f"{source}: every line as prefilled; nothing to record")


def _send(channel: Channel, message: object) -> None:
    from okrsheet.delivery import Message
    from okrsheet.errors import BackendError

    assert isinstance(message, Message)
    try:
        channel.send([message])
    except BackendError as exc:
        _say(False, f"warning: the answer to {message.to} was not sent: {exc.message}")


def _say(ok: bool, text: str, *, err: bool = False) -> None:
    from okrsheet.render import console
    from okrsheet.render.text import strip_controls

    stream = console.out() if ok and not err else console.err()
    stream.print(strip_controls(text), markup=False, highlight=False, soft_wrap=True)
