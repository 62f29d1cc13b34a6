"""`okr digest` on the example company: printed, posted to a webhook stand-in (a real local
HTTP server), mailed through a real SMTP server (aiosmtpd), and read from a Google workbook."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

import okrsheet.delivery.webhook as webhook
from okrsheet.render.digest import NOTHING_BEHIND, REPORT_FILE
from tests.conftest import Google
from tests.delivery.smtp_server import smtp_server
from tests.delivery.webhook_server import Hook, webhook_server

SECRET = "s3cr3tT0k3n"
REPORT_URL = "https://intranet.example.com/okr/report.html"


@pytest.fixture(scope="module")
def server() -> Iterator[Hook]:
    with webhook_server() as hook:
        yield hook


@pytest.fixture
def hook(server: Hook, monkeypatch: pytest.MonkeyPatch) -> Hook:
    server.posts.clear()
    server.replies.clear()
    monkeypatch.setattr(webhook, "pause", lambda seconds: None)
    return server


def lines_fit(text: str, width: int = 80) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, long


def test_printed_at_80_columns(okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = okr("digest", "-w", str(example), "--report-url", REPORT_URL)
    assert result.exit_code == 0, result.stderr
    lines_fit(result.stdout)
    out = result.stdout
    assert out.startswith("Northwind Analytics · OKR digest · 2026-Q4 · week to 2026-11-16\n")
    for heading in ("Wins this week", "Behind", "Interlocks at risk", "KPIs that need attention"):
        assert f"\n{heading}\n" in out
    assert out.endswith(f"Full report\n  {REPORT_URL}\n")


def test_json_reuses_the_lagging_and_deps_reports(okr: Any, example: Path) -> None:
    digest = okr("digest", "-w", str(example), "-f", "json").json()
    lagging = okr("lagging", "-w", str(example), "-f", "json").json()
    deps = okr("deps", "-w", str(example), "-f", "json").json()
    assert digest["behind"] == lagging["lagging"]
    assert digest["kpis"] == lagging["kpis"]
    assert [x for x in deps["depends_on"] if x["link"] != "ok"] == digest["interlocks"]
    assert digest["since"] == "2026-11-09" and digest["as_of"] == "2026-11-16"
    gains = [w["gain"] for w in digest["wins"] if not w["done"]]
    assert gains == sorted(gains, reverse=True) and gains[0] > 0
    assert sum(digest["statuses"].values()) == digest["key_results"] == 15


def test_markdown_and_csv(okr: Any, example: Path) -> None:
    md = okr("digest", "-w", str(example), "-f", "md").stdout
    assert md.startswith("**Northwind Analytics · OKR digest")
    assert "### Wins this week" in md and "### Behind" in md
    csv = okr("digest", "-w", str(example), "-f", "csv").stdout.splitlines()
    assert csv[0] == "section,id,title,owner,detail"
    assert {line.split(",")[0] for line in csv[1:]} >= {"win", "behind", "interlock", "kpi"}


def test_posted_to_slack(okr: Any, example: Path, hook: Hook) -> None:
    result = okr(
        "digest", "-w", str(example), "--to", hook.url("slack+http"), "--report-url", REPORT_URL
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"through Slack webhook slack+http://127.0.0.1:{hook.port}/…" in result.stderr
    assert SECRET not in result.stderr
    [post] = hook.posts
    assert post.path.endswith(SECRET)
    body = post.body
    assert body["text"].startswith("Northwind Analytics · OKR digest")
    kinds = [b["type"] for b in body["blocks"]]
    assert kinds[0] == "header" and kinds[-1] == "context" and "divider" in kinds
    texts = [b["text"]["text"] for b in body["blocks"] if b["type"] == "section"]
    assert any(t.startswith("*Behind*\n• *TOM-1.1* Qualified Nordic opportunities") for t in texts)
    assert f"<{REPORT_URL}|Open the full report>" in texts


def test_posted_to_teams_from_the_environment(
    okr: Any, example: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_DIGEST_TO", hook.url("teams+http", "/workflows/abc/run"))
    result = okr("digest", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    [post] = hook.posts
    card = post.body["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    texts = [b["text"] for b in card["body"]]
    assert "Wins this week" in texts and "**TOM-1.1** Qualified Nordic opportunities" in texts


def test_a_quiet_week_is_still_sent_and_says_so(okr: Any, blank: Path, hook: Hook) -> None:
    Path("okr.toml").write_text(f'digest_to = "{hook.url("slack+http")}"\n')
    result = okr("digest", "-w", str(blank))
    assert result.exit_code == 0, result.stderr
    [post] = hook.posts
    texts = [b["text"]["text"] for b in post.body["blocks"] if b["type"] == "section"]
    assert f"*Behind*\n{NOTHING_BEHIND}" in texts


def test_a_failing_webhook_exits_5_without_the_url(okr: Any, example: Path, hook: Hook) -> None:
    hook.replies[:] = [(500, {}, "internal error")] * 3
    result = okr("digest", "-w", str(example), "--to", hook.url("slack+http"))
    assert result.exit_code == 5
    assert "answered 500 (internal error)" in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert len(hook.posts) == 3


def test_dry_run_sends_nothing(okr: Any, example: Path, hook: Hook) -> None:
    result = okr("digest", "-w", str(example), "--to", hook.url("teams+http"), "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert hook.posts == []
    assert "Would send" in result.stderr and "nothing sent" in result.stderr
    assert SECRET not in result.stderr
    lines_fit(result.stdout, 78)
    assert "Wins this week" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--to", "smtp://127.0.0.1:1"], "--recipient: who should get the digest?"),
        (["--attach-report"], "--attach-report: a report is attached to a mail"),
        (["--to", "gopher://x"], "unknown delivery URL scheme 'gopher'"),
        (["--to", "slack+http://127.0.0.1:9/x", "--attach-report"], "carries no files"),
        (["--to", "slack+http://127.0.0.1:9/x", "--recipient", "a@b.c"], "not to addresses"),
        (["--report-url", "javascript:alert(1)"], "--report-url: not a web address"),
        (["--to", "slack+http://127.0.0.1:9/x", "-f", "json"], "--format: --format is for"),
        (["--to", "smtp://127.0.0.1:1", "--recipient", "a@b.c, d@e.f"], "not one mail address"),
    ],
)
def test_bad_options_are_refused_before_anything_is_read(
    okr: Any, args: list[str], says: str
) -> None:
    result = okr("digest", "-w", "missing.xlsx", *args)
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr


def _parts(mail: EmailMessage) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for part in mail.walk():
        if part.get_content_maintype() == "multipart":
            continue
        name = part.get_filename() or part.get_content_type()
        found[name] = part.get_content()
    return found


def test_mailed_through_smtp_with_the_report_attached(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server() as smtp:
        # The mail server okr remind uses: no --to needed for mail.
        url = f"smtp://{smtp.host}:{smtp.port}?from=okr@northwind.example"
        monkeypatch.setenv("OKR_MAIL_URL", url)
        result = okr(
            "digest",
            "-w",
            str(example),
            "--recipient",
            "Priya Raman <priya@northwind.example>",
            "--recipient",
            "all@northwind.example",
            "--attach-report",
        )
    assert result.exit_code == 0, result.stderr
    assert "Sent the digest to Priya Raman <priya@northwind.example>, all@" in result.stderr
    assert [m.rcpt_tos for m in smtp.received] == [
        ["priya@northwind.example"],
        ["all@northwind.example"],
    ]
    mail = smtp.received[0].message
    assert mail["Subject"] == (
        "Northwind Analytics · OKR digest · 2026-Q4 · week to 2026-11-16 · 8 key result(s) behind"
    )
    assert mail["From"] == "okr@northwind.example"
    assert mail.get_content_type() == "multipart/mixed"
    parts = _parts(mail)
    text = parts["text/plain"]
    lines_fit(text)
    assert "Wins this week" in text and "TOM-1.1" in text
    assert text.endswith(f"The full report is attached as {REPORT_FILE}: open it in a browser.\n")
    html = parts["text/html"]
    assert "<script" not in html and "Qualified Nordic opportunities" in html
    report = parts[REPORT_FILE]
    report = report.decode() if isinstance(report, bytes) else report
    assert report.startswith("<!DOCTYPE html>") and "TOM-1.1" in report


def test_on_a_google_workbook_in_one_read(
    okr: Any, gexample: str, google: Google, hook: Hook
) -> None:
    google.fake.reset_calls()
    result = okr("digest", "-w", gexample, "--to", hook.url("slack+http"))
    assert result.exit_code == 0, result.stderr
    digest_reads = google.fake.count("sheets-read")
    google.fake.reset_calls()
    assert okr("lagging", "-w", gexample, "-f", "json").exit_code == 0
    assert digest_reads == google.fake.count("sheets-read") == 2  # the tabs, then the values
    assert google.fake.count("sheets-write") == 0
    texts = [b["text"]["text"] for b in hook.posts[0].body["blocks"] if b["type"] == "section"]
    assert any("*TOM-1.1*" in t for t in texts)
