from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from okrsheet.cli.options import AsOfOption, FormatOption, WorkbookOption, flag_option, text_option
from okrsheet.render import OutputFormat

if TYPE_CHECKING:
    from okrsheet.delivery import Channel

#: Where the digest goes when --to is not given (then `digest_to` in ./okr.toml).
ENV_TO = "OKR_DIGEST_TO"


def digest(
    to: Annotated[
        str | None,
        text_option(
            "--to",
            "Send it: smtp://... or smtps://... (mail, with --recipient), slack://..., "
            "teams://... or an https:// JSON webhook. '-' prints it instead. "
            f"Default: ${ENV_TO}, else digest_to in ./okr.toml; with --recipient, else the "
            "mail server in $OKR_MAIL_URL or mail_url; else print it.",
        ),
    ] = None,
    recipient: Annotated[
        list[str] | None,
        text_option(
            "--recipient",
            "A mail address to send it to (repeat for several). Default: digest_recipients "
            "in ./okr.toml.",
        ),
    ] = None,
    report_url: Annotated[
        str | None,
        text_option(
            "--report-url", "Link to the full `okr report` page where you publish it (https)."
        ),
    ] = None,
    attach_report: Annotated[
        bool, flag_option("--attach-report", "Attach the `okr report` page (mail only).")
    ] = False,
    dry_run: Annotated[
        bool,
        flag_option("--dry-run", "Print what would be sent, and to whom; send nothing."),
    ] = False,
    as_of: AsOfOption = None,
    output_format: FormatOption = OutputFormat.TABLE,
    workbook: WorkbookOption = None,
) -> None:
    """The week for readers: wins, what is behind, stale owners, interlocks at risk,
    unhealthy KPIs, and a link to (or the file of) the full report.

    Made for a Friday cron line. With a destination it sends one message: a mail with a
    plain-text part (at most 78 columns) and an HTML part, or a Slack or Teams message.
    A quiet week is sent too, and says that nothing is behind. Without a destination it
    prints the digest (--format table, json, csv or md). The URL (a secret) is never
    printed: only its scheme and host.

    Examples:

      okr digest                            (print this week's digest)

      okr digest --to "$SLACK_HOOK" --report-url https://acme.com/okr.html

      okr digest --recipient all@acme.com --attach-report   ($OKR_MAIL_URL)

      0 16 * * FRI  okr digest -w /srv/okr/acme.xlsx
    """
    import os

    from okrsheet.cli.shared import load_plan_as_of, warn_unreadable
    from okrsheet.render import console
    from okrsheet.reports import digest_report

    recipients = _recipients(recipient)
    destination = _destination(to, recipients, os.environ)
    channel = None if destination is None else _channel(destination, recipients, attach_report)
    if channel is None and attach_report:
        from okrsheet.errors import UsageError

        raise UsageError(
            "a report is attached to a mail: give --to smtp://...", option="--attach-report"
        )
    if channel is not None and output_format is not OutputFormat.TABLE:
        from okrsheet.errors import UsageError

        raise UsageError(
            "--format is for printing; a digest sent with --to has the forms of its channel",
            option="--format",
        )
    link = _report_url(report_url)
    parsed, plan, day = load_plan_as_of(workbook, as_of=as_of, archives=False)
    warn_unreadable(parsed)
    report = digest_report(plan, day, report_url=link)
    if channel is None:
        _print(report, output_format)
        return
    from okrsheet.render import digest as forms

    page = None
    if attach_report:
        from okrsheet.render.html import render_page
        from okrsheet.report_page import page_report

        page = render_page(page_report(plan, day))
    mail = getattr(channel, "carries_attachments", True)
    messages = forms.messages(report, recipients if mail else [channel.describe()], attachment=page)
    err = console.err()
    if dry_run:
        typer.echo(messages[0].text, nl=False)
        whom = ", ".join(recipients) if mail else "the channel"
        err.print(
            f"Would send “{messages[0].subject}” to {whom} through {channel.describe()}; "
            "nothing sent (--dry-run).",
            markup=False,
            highlight=False,
        )
        return
    channel.send(messages)
    whom = ", ".join(recipients) if mail else "the channel"
    err.print(
        f"Sent the digest to {whom} through {channel.describe()}.", markup=False, highlight=False
    )


def _print(report: object, output_format: OutputFormat) -> None:
    from okrsheet.reports import DigestReport

    assert isinstance(report, DigestReport)
    if output_format is OutputFormat.TABLE:
        from okrsheet.render import compact, console
        from okrsheet.render.emit import show_doc

        show_doc(compact.doc_for(report, bars=console.out().is_terminal))
        return
    from okrsheet.render.emit import emit

    emit(output_format, report, table=lambda: "")


def _config() -> dict[str, object]:
    """./okr.toml's settings, or nothing (never the workbook: no secret lives there)."""
    import tomllib
    from pathlib import Path

    from okrsheet.errors import UsageError
    from okrsheet.service import CONFIG_FILE

    path = Path(CONFIG_FILE)
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None


def _destination(to: str | None, recipients: list[str], environ: Mapping[str, str]) -> str | None:
    """--to, else $OKR_DIGEST_TO, else `digest_to` in okr.toml; for mail recipients, else the
    mail server `okr remind` uses ($OKR_MAIL_URL, `mail_url`). None (or '-'): print it."""
    from okrsheet.delivery.config import ENV_MAIL_URL, configured_url

    value = configured_url(to, env=ENV_TO, key="digest_to", environ=environ)
    if value is None and to is None and recipients:
        value = configured_url(None, env=ENV_MAIL_URL, key="mail_url", environ=environ)
    return None if value in (None, "-") else value


def _recipients(given: list[str] | None) -> list[str]:
    from okrsheet.errors import UsageError

    if given:
        found = [r.strip() for r in given if r.strip()]
    else:
        configured = _config().get("digest_recipients", [])
        if isinstance(configured, str):
            configured = [configured]
        if not isinstance(configured, list) or not all(isinstance(r, str) for r in configured):
            raise UsageError("okr.toml: 'digest_recipients' must be a list of mail addresses")
        found = [r.strip() for r in configured if r.strip()]
    for address in found:
        if "@" not in address or any(c in address for c in "\r\n,;"):
            raise UsageError(f"not one mail address: {address!r}", option="--recipient")
    return found


def _channel(url: str, recipients: list[str], attach: bool) -> Channel:
    """The channel the URL names, checked against what is to be sent through it."""
    from okrsheet.delivery import channel_for
    from okrsheet.errors import UsageError

    channel = channel_for(url, option="--to")
    mail = getattr(channel, "carries_attachments", True)
    if mail and not recipients:
        raise UsageError(
            f"who should get the digest? {channel.describe()} is mail: give --recipient ADDR",
            option="--recipient",
        )
    if not mail and recipients:
        raise UsageError(
            f"{channel.describe()} posts to a channel, not to addresses", option="--recipient"
        )
    if not mail and attach:
        raise UsageError(
            f"{channel.describe()} carries no files: publish the report and give --report-url",
            option="--attach-report",
        )
    return channel


def _report_url(url: str | None) -> str | None:
    from urllib.parse import urlsplit

    from okrsheet.errors import UsageError

    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"not a web address: {url!r}", option="--report-url")
    if any(c in url.strip() for c in " <>|\"'") or parts.password:
        raise UsageError("a web address without spaces, <, >, | or quotes", option="--report-url")
    return url.strip()
