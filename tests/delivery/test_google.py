"""Reminders and replies on a Google workbook (the in-process fake): the sent-record and the
check-ins land in the spreadsheet, at no more calls than a check-in from a CSV file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Google
from tests.delivery.conftest import DAY, EMAILS, mail_url
from tests.delivery.replies import gmail, outlook
from tests.delivery.smtp_server import SmtpServer

#: One whole read of a workbook: the tab list, then every tab's values.
READ = 2


def rows(google: Google, tab: str) -> list[dict[str, Any]]:
    values = google.fake.values(google.sheet_id(), tab)
    return [dict(zip(values[0], r, strict=False)) for r in values[1:]]


def test_remind_and_reply_on_google(
    okr: Any, google: Google, gexample: str, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", DAY)
    google.fake.set_values(google.sheet_id(), "People!C2:C4", [[EMAILS[n]] for n in EMAILS], "RAW")
    google.fake.reset_calls()
    sent = okr("remind", "-w", gexample, "--to", mail_url(smtp))
    assert sent.exit_code == 0, sent.stderr
    assert google.fake.count("sheets-read") == READ
    remind_writes = google.fake.count("sheets-write")
    assert remind_writes == 1  # the Reminders tab is made, with its rows, in one write
    assert len(smtp.received) == 3
    record = {r["Owner"]: r for r in rows(google, "Reminders")}
    marcus = next(a.message for a in smtp.received if a.rcpt_tos == [EMAILS["Marcus Webb"]])
    assert record["Marcus Webb"]["Message ID"] == marcus["Message-ID"]
    assert marcus["X-Okr-Token"] not in str(google.fake.values(google.sheet_id(), "Reminders"))

    google.fake.reset_calls()
    again = okr("remind", "-w", gexample, "--to", mail_url(smtp))
    assert again.exit_code == 0 and len(smtp.received) == 3
    assert google.fake.count("sheets-write") == 0

    # What a check-in from a CSV file costs, on the same workbook.
    Path("one.csv").write_text("kr_id,value\nMARKET-1.1,560\n")
    google.fake.reset_calls()
    assert okr("checkin", "--from", "one.csv", "-w", gexample).exit_code == 0
    csv_calls = (google.fake.count("sheets-read"), google.fake.count("sheets-write"))

    google.fake.reset_calls()
    reply = gmail(marcus, {"SALES-1.2": "SALES-1.2 | 0,8 | 75% | closing two"})
    Path("reply.eml").write_bytes(reply)
    result = okr("checkin", "--from-mail", "reply.eml", "-w", gexample)
    assert result.exit_code == 0, result.stderr
    calls = (google.fake.count("sheets-read"), google.fake.count("sheets-write"))
    # One read, the write, then deleting the scratch tab that let it be checked.
    assert calls <= csv_calls and calls == (READ, 2)
    sales = {r["ID"]: r for r in rows(google, "Sales")}
    assert sales["SALES-1.2"]["Current"] == 0.8
    assert sales["SALES-1.2"]["Confidence"] == 0.75
    logged = [r for r in rows(google, "Check-ins") if r["KR ID"] == "SALES-1.2"]
    assert logged[-1]["Value"] == 0.8 and logged[-1]["Author"] == "Marcus Webb"
    assert str(logged[-1]["Check-in ID"]).startswith("mail-")

    google.fake.reset_calls()
    twice = okr("checkin", "--from-mail", "reply.eml", "-w", gexample)
    assert twice.exit_code == 0 and "already recorded" in twice.stdout
    assert google.fake.count("sheets-write") == 0
    assert len([r for r in rows(google, "Check-ins") if r["KR ID"] == "SALES-1.2"]) == len(logged)

    google.fake.reset_calls()
    forged = outlook(marcus, {"SALES-1.1": "SALES-1.1 | 99 | |"}, sender="boss@evil.example")
    Path("forged.eml").write_bytes(forged)
    refused = okr("checkin", "--from-mail", "forged.eml", "-w", gexample)
    assert refused.exit_code == 2 and "not from Marcus Webb's address" in refused.stderr
    assert google.fake.count("sheets-write") == 0
    assert {r["ID"]: r for r in rows(google, "Sales")}["SALES-1.1"]["Current"] == 63
