from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from okrsheet.cli.options import WorkbookOption, flag_option, pinned_today, text_option

if TYPE_CHECKING:
    from okrsheet.reminders import RemindResult

ToOption = Annotated[
    str | None,
    text_option(
        "--to",
        "Where to send: smtp://USER:PASSWORD@HOST:PORT, smtps://..., or dir:FOLDER. "
        "Default: $OKR_MAIL_URL, else 'mail_url' in ./okr.toml.",
    ),
]
#: Reminders carry each owner's reply token: they go by personal mail only.
MAIL_SCHEMES = ("smtp", "smtps", "dir")

OutOption = Annotated[
    str | None,
    text_option("--out", "Write one .eml file per owner into this folder instead of sending."),
]


def remind(
    to: ToOption = None,
    out: OutOption = None,
    dry_run: Annotated[
        bool, flag_option("--dry-run", "Say who would get which key results; send nothing.")
    ] = False,
    force: Annotated[
        bool,
        flag_option("--force", "Send again to owners already reminded within the cadence."),
    ] = False,
    workbook: WorkbookOption = None,
) -> None:
    """Mail each owner whose key results are due for a check-in: one message per owner.

    A key result is due when it is not done, the cycle is running and it had no check-in within
    the Settings cadence. Each message lists the owner's due key results (last value, target,
    due date, last check-in, status and why it lags) and a reply block to edit; a reply is
    recorded by `okr checkin --from-mail`. What was sent is kept in the Reminders tab, so a
    second run within the cadence sends nothing more (--force sends again). Owners without an
    e-mail address in People are listed on stderr. Made for a weekly cron job.

    Examples:

      okr remind --dry-run

      OKR_MAIL_URL='smtps://okr%40acme.com:PASSWORD@mail.acme.com' okr remind

      okr remind --out outbox/          (one .eml per owner, for sendmail or a mail program)
    """
    from okrsheet import reminders
    from okrsheet.delivery import channel_for
    from okrsheet.delivery.config import ENV_MAIL_URL, configured_url
    from okrsheet.errors import UsageError
    from okrsheet.service import resolve_location

    if to and out:
        raise UsageError("give either --to URL or --out FOLDER, not both", option="--out")
    location = resolve_location(workbook)
    channel = None
    if to and to.split(":", 1)[0].strip().casefold() not in MAIL_SCHEMES:
        raise UsageError(
            "reminders are personal mail: give an smtp://, smtps:// or dir: URL",
            option="--to",
            hint="a chat channel would show every owner's reply token to everyone in it",
        )
    if out:
        channel = channel_for(f"dir:{out}", option="--out")
    else:
        url = configured_url(to, env=ENV_MAIL_URL, key="mail_url")
        if url is not None and url.split(":", 1)[0].casefold() not in MAIL_SCHEMES:
            raise UsageError(
                "reminders are personal mail: the mail URL must be smtp://, smtps:// or dir:",
                option=ENV_MAIL_URL,
            )
        if url is not None:
            channel = channel_for(url, option="--to" if to else ENV_MAIL_URL)
        elif not dry_run:
            raise UsageError(
                "no mail URL: say where to send",
                option="--to",
                hint=f'pass --to smtp://..., set {ENV_MAIL_URL}, put mail_url = "smtp://..." '
                "in okr.toml, or use --out FOLDER or --dry-run",
            )
    result = reminders.remind(
        location,
        None if dry_run else channel,
        today=pinned_today(),
        force=force,
        dry_run=dry_run,
    )
    _report(result, where=channel.describe() if channel else "")


def _report(result: RemindResult, *, where: str) -> None:
    from okrsheet.errors import BackendError
    from okrsheet.render import console
    from okrsheet.render.text import strip_controls

    out = console.out()
    err = console.err()

    def say(stream: object, text: str) -> None:
        stream.print(strip_controls(text), markup=False, highlight=False, soft_wrap=True)  # type: ignore[attr-defined]

    failed = {o.record.message_id for o, _ in result.failed}
    delivered = [o for o in result.outgoing if o.record.message_id not in failed]
    if result.dry_run:
        for o in result.outgoing:
            say(out, f"would send to {o.owner} <{o.email}>: {', '.join(o.record.key_results)}")
        if not result.outgoing:
            say(out, f"Nobody would get a reminder: {_why_nobody(result)}.")
    elif delivered:
        say(out, f"Sent {len(delivered)} reminder(s) through {where}:")
        for o in delivered:
            say(out, f"  {o.owner} <{o.email}>: {', '.join(o.record.key_results)}")
    if result.reminded:
        say(
            err,
            "already reminded within the check-in cadence (--force sends again): "
            + ", ".join(result.reminded),
        )
    for o, why in result.failed:
        say(err, f"not delivered to {o.owner} <{o.email}>: {why}")
    if result.no_email:
        say(
            err,
            "no usable e-mail address in People (fill the Email column): "
            + ", ".join(result.no_email),
        )
    if result.failed:
        raise BackendError(
            f"{len(result.failed)} of {len(result.outgoing)} reminder(s) could not be sent; "
            "the next run tries them again"
        )


def _why_nobody(result: RemindResult) -> str:
    """Why a run sends nothing: nobody due, or everyone due is skipped (the lists follow)."""
    if result.none_due:
        return result.none_due
    due = len(result.no_email) + len(result.reminded)
    skipped = []
    if result.no_email:
        skipped.append(f"{len(result.no_email)} without an e-mail address")
    if result.reminded:
        skipped.append(f"{len(result.reminded)} reminded within the cadence already")
    return f"of the {due} owner(s) due, " + " and ".join(skipped) + " (listed below)"
