"""A reminder's HTML part in a real browser: headless Chromium shows the table and the reply
block, asks for nothing over the network and runs no script. A screenshot is saved in
tests/artifacts/ (ignored by git) to look at."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from tests.render.test_html_browser import ARTIFACTS, browser, chromium


def test_the_reminder_renders(okr: Any, company: Path, tmp_path: Path) -> None:
    assert okr("remind", "--out", str(tmp_path / "outbox")).exit_code == 0
    mail = email.message_from_bytes(
        (tmp_path / "outbox" / "marcus@northwind.example.eml").read_bytes(), policy=default
    )
    assert isinstance(mail, EmailMessage)
    part = mail.get_body(("html",))
    assert isinstance(part, EmailMessage)
    page = tmp_path / "reminder.html"
    page.write_text(str(part.get_content()), encoding="utf-8")

    binary = browser()
    run = chromium(binary, page.as_uri(), "--dump-dom")
    assert run.requests == []
    assert run.console == []
    dom = run.stdout
    assert "<script" not in dom and "<img" not in dom
    for text in ("SALES-1.1", "Qualified opportunities created", "63 opps", "180 opps",
                 "2026-12-31", "2026-11-12", "at risk", "SALES-1.2 | 71.99% | 88% |",
                 f"okr-token: {mail['X-Okr-Token']}"):  # fmt: skip
        assert text in dom, text
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "reminder.png"
    chromium(binary, page.as_uri(), "--window-size=1000,900", f"--screenshot={shot}")
    assert shot.stat().st_size > 10_000
