"""`okr remind` on the example company, delivered over SMTP to a real server."""

from __future__ import annotations

import email
import html
import re
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from okrsheet.reminders import BLOCK_END, BLOCK_START, TOKEN_HEADER, hash_token
from tests.conftest import type_cells
from tests.delivery.conftest import EMAILS, mail_url
from tests.delivery.smtp_server import SmtpServer


def bodies(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(("plain",))
    page = mail.get_body(("html",))
    assert isinstance(text, EmailMessage) and isinstance(page, EmailMessage)
    return str(text.get_content()), str(page.get_content())


def reminders_tab(path: Path) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Reminders").to_python()
    )
    return rows


def test_remind_mails_each_due_owner_once(okr: Any, company: Path, smtp: SmtpServer) -> None:
    # Lena checked in on all three of hers yesterday: she is not due.
    lena = "kr_id,value\nMARKET-1.1,560\nMARKET-1.2,12800\nMARKET-1.3,no\n"
    Path("lena.csv").write_text(lena)
    assert okr("checkin", "--from", "lena.csv").exit_code == 0
    result = okr("remind", "--to", mail_url(smtp))
    assert result.exit_code == 0, result.stderr
    to = sorted(a for m in smtp.received for a in m.rcpt_tos)
    assert to == sorted([EMAILS["Priya Raman"], EMAILS["Marcus Webb"]])
    assert "no usable e-mail address in People" in result.stderr and "Tom Alvarez" in result.stderr
    assert "Sent 2 reminder(s)" in result.stdout
    for arrived in smtp.received:
        mail = arrived.message
        assert mail.get_content_type() == "multipart/alternative"
        text, page = bodies(mail)
        assert max(len(line) for line in text.splitlines()) <= 80
        assert all(len(line) <= 80 for line in text.splitlines())
        token = mail[TOKEN_HEADER]
        assert re.fullmatch(r"[0-9a-f]{32}", token)
        block = text.split(BLOCK_START, 1)[1].split(BLOCK_END, 1)[0]
        assert f"okr-token: {token}" in block
        assert "<script" not in page.casefold() and "<img" not in page.casefold()
        assert "http" not in page.casefold() and "<table" in page
    marcus = next(m.message for m in smtp.received if m.rcpt_tos == [EMAILS["Marcus Webb"]])
    text, page = bodies(marcus)
    assert "SALES-1.2 | 71.99% | 88% |" in text
    assert "SALES-1.1  Qualified opportunities created" in text
    assert "last 63 opps (checked in: 2026-11-12); target 180 opps by 2026-12-31" in text
    assert "behind pace" in text  # why it lags, from the lagging report
    assert "SALES-1.2 | 71.99% | 88% |" in page

    rows = reminders_tab(company)
    assert rows[0][:6] == ["Sent at", "Owner", "Email", "Message ID", "Token hash", "Key results"]
    by_owner = {r[1]: r for r in rows[1:]}
    assert set(by_owner) == {"Priya Raman", "Marcus Webb"}
    row = by_owner["Marcus Webb"]
    assert row[3] == marcus["Message-ID"]
    assert row[4] == hash_token(marcus[TOKEN_HEADER])
    assert marcus[TOKEN_HEADER] not in str(rows)
    assert row[5] == "SALES-1.1, SALES-1.2, SALES-1.3"
    assert str(row[0]).startswith("2026-11-20 ")

    again = okr("remind", "--to", mail_url(smtp))
    assert again.exit_code == 0, again.stderr
    assert len(smtp.received) == 2
    assert "already reminded" in again.stderr and again.stdout == ""
    assert len(reminders_tab(company)) == 3

    forced = okr("remind", "--to", mail_url(smtp), "--force")
    assert forced.exit_code == 0 and len(smtp.received) == 4


def test_dry_run_and_out_folder(okr: Any, company: Path, tmp_path: Path) -> None:
    dry = okr("remind", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.count("would send to") == 3
    assert "Marcus Webb <marcus@northwind.example>: SALES-1.1, SALES-1.2, SALES-1.3" in dry.stdout
    assert "Reminders" not in CalamineWorkbook.from_path(str(company)).sheet_names
    out = okr("remind", "--out", str(tmp_path / "outbox"))
    assert out.exit_code == 0, out.stderr
    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert files == [f"{a}.eml" for a in sorted(EMAILS.values())]
    assert len(reminders_tab(company)) == 4


def test_nobody_due_sends_nothing(okr: Any, company: Path, smtp: SmtpServer,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("OKR_TODAY", "2026-11-16")  # only Tom's TOM-1.1 is stale, no address
    result = okr("remind", "--to", mail_url(smtp))
    assert result.exit_code == 0
    assert smtp.received == [] and result.stdout == ""
    assert "Tom Alvarez" in result.stderr


def test_undelivered_reminders_are_taken_back(okr: Any, company: Path, smtp: SmtpServer) -> None:
    from tests.delivery.smtp_server import free_port

    down = f"smtp://u:hunter2@127.0.0.1:{free_port()}?timeout=2&starttls=no"
    result = okr("remind", "--to", down)
    assert result.exit_code == 5
    assert "3 of 3 reminder(s) could not be sent" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    assert not any(any(cell != "" for cell in row) for row in reminders_tab(company)[1:])
    # The next run sends them, and the tab holds just those three.
    assert okr("remind", "--to", mail_url(smtp)).exit_code == 0
    assert len(smtp.received) == 3
    assert len([r for r in reminders_tab(company)[1:] if r[1]]) == 3


def test_mail_url_from_environment_or_config(okr: Any, company: Path, smtp: SmtpServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    missing = okr("remind")
    assert missing.exit_code == 2 and "no mail URL" in missing.stderr
    Path("okr.toml").write_text(f'mail_url = "{mail_url(smtp)}"\n')
    assert okr("remind").exit_code == 0
    assert len(smtp.received) == 3
    bad = okr("remind", "--to", "smtp://u:pw@h?colour=red")
    assert bad.exit_code == 2 and "pw" not in bad.stderr.replace("smtp://u:***", "")


def test_one_read_of_the_workbook(
    okr: Any, company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet.stores.xlsx.store import XlsxStore

    calls: list[str] = []
    read, update = XlsxStore.read, XlsxStore._update_once

    def counted_read(self: XlsxStore) -> Any:
        calls.append("read")
        return read(self)

    def counted_update(self: XlsxStore, planner: Any, skim: Any) -> Any:
        calls.append("read and write")
        return update(self, planner, skim)

    monkeypatch.setattr(XlsxStore, "read", counted_read)
    monkeypatch.setattr(XlsxStore, "_update_once", counted_update)
    assert okr("remind", "--dry-run").exit_code == 0
    assert calls == ["read"]
    calls.clear()
    assert okr("remind", "--out", str(tmp_path / "outbox")).exit_code == 0
    assert calls == ["read and write"]  # the Reminders rows, planned on the one read


def test_reminders_go_by_personal_mail_only(okr: Any, company: Path) -> None:
    chat = okr("remind", "--to", "https://hooks.example/T0/B0")
    assert chat.exit_code == 2 and "reminders are personal mail" in chat.stderr


def test_an_address_that_is_not_one_is_listed(okr: Any, company: Path, smtp: SmtpServer) -> None:
    type_cells(company, {"People": {(3, 3): "marcus at northwind"}})
    result = okr("remind", "--to", mail_url(smtp))
    assert result.exit_code == 0
    assert "Marcus Webb" in result.stderr.split("no usable e-mail address", 1)[1]
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == sorted(
        [EMAILS["Priya Raman"], EMAILS["Lena Okafor"]]
    )
    assert smtp.received[0].message["To"] == "Priya Raman <priya@northwind.example>"


def test_long_titles_wrap_within_80_columns(okr: Any, company: Path, tmp_path: Path) -> None:
    long_title = "Grow " + "x" * 120 + " and " + "very long words " * 12 + '=HYPERLINK("a")'
    type_cells(company, {"Sales": {(3, 4): long_title}})  # SALES-1.1's Title
    assert okr("remind", "--out", str(tmp_path / "outbox")).exit_code == 0
    mail = email.message_from_bytes(
        (tmp_path / "outbox" / f"{EMAILS['Marcus Webb']}.eml").read_bytes(), policy=default
    )
    assert isinstance(mail, EmailMessage)
    text, page = bodies(mail)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "x" * 60 in text and "=HYPERLINK(" in text
    assert html.escape('=HYPERLINK("a")') in page
