"""Check-in by reply: each reminder that arrived over SMTP, answered in the three styles."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from okrsheet import service
from okrsheet.domain.model import CheckIn
from okrsheet.stores import Location
from tests.conftest import type_cells
from tests.delivery.conftest import EMAILS, mail_url
from tests.delivery.replies import STYLES, apple, gmail, outlook, prefilled
from tests.delivery.smtp_server import SmtpServer

Style = Callable[..., bytes]


def remind(okr: Any, smtp: SmtpServer) -> dict[str, EmailMessage]:
    """Run `okr remind` and return what arrived, by owner name."""
    result = okr("remind", "--to", mail_url(smtp))
    assert result.exit_code == 0, result.stderr
    by_address = {a.rcpt_tos[0]: a.message for a in smtp.received}
    return {name: by_address[address] for name, address in EMAILS.items()}


def feed(okr: Any, data: bytes, name: str = "reply.eml") -> Any:
    Path(name).write_bytes(data)
    return okr("checkin", "--from-mail", name)


def log(path: Path) -> list[CheckIn]:
    return list(service.load(Location(path=path)).plan.checkins)


def kr_row(path: Path, kr_id: str) -> tuple[float | None, float | None]:
    plan = service.load(Location(path=path)).plan
    kr = plan.key_result(kr_id)
    assert kr is not None
    return kr.current, kr.confidence


#: For each style, each owner's edits and what each must record (value, confidence, note).
ANSWERS: dict[str, dict[str, dict[str, tuple[str, tuple[float, float | None, str]]]]] = {
    "gmail": {
        "Marcus Webb": {
            "SALES-1.1": ("SALES-1.1 | 71 | 50% | three new opps", (71, 0.5, "three new opps")),
            "SALES-1.2": ("SALES-1.2 | 0,78 | 70 | deals slipped", (0.78, 0.7, "deals slipped")),
        },
        "Priya Raman": {
            "CORP-1.1": ("CORP-1.1 | 2,700,000 | 50% |", (2_700_000, 0.5, "")),
            "CORP-2.3": ("CORP-2.3 | done | 90% | live", (1, 0.9, "live")),
        },
    },
    "outlook": {
        "Marcus Webb": {
            "SALES-1.2": ("SALES-1.2 | 81,5 | 60 % | big deal", (0.815, 0.6, "big deal")),
            "SALES-1.3": ("SALES-1.3 | 5 | |", (5, None, "")),
        },
        "Priya Raman": {
            "CORP-1.2": ("CORP-1.2 | 80 | 40% | shorter cycle", (80, 0.4, "shorter cycle")),
        },
    },
    "apple": {
        "Marcus Webb": {
            "SALES-1.1": ("SALES-1.1 | 75 | 55% |", (75, 0.55, "")),
        },
        "Priya Raman": {
            "CORP-1.3": ("CORP-1.3 | 22,5% | 85% | =SUM(A1) text", (0.225, 0.85, "=SUM(A1) text")),
        },
    },
}  # fmt: skip


@pytest.mark.parametrize("style", list(STYLES))
def test_each_reminder_answered_in_each_style(
    okr: Any, company: Path, smtp: SmtpServer, style: str
) -> None:
    arrived = remind(okr, smtp)
    for owner in ("Marcus Webb", "Priya Raman"):
        answers = ANSWERS[style][owner]
        reminder = arrived[owner]
        before = log(company)
        data = STYLES[style](reminder, {k: line for k, (line, _) in answers.items()})
        result = feed(okr, data, f"{owner.split()[0]}-{style}.eml")
        assert result.exit_code == 0, result.stderr
        assert f"recorded {len(answers)} check-in(s) by {owner}" in result.stdout
        new = log(company)[len(before) :]
        assert sorted(c.kr_id for c in new) == sorted(answers)
        for checkin in new:
            value, confidence, note = answers[checkin.kr_id][1]
            assert checkin.value == pytest.approx(value)
            assert checkin.confidence == (None if confidence is None else pytest.approx(confidence))
            assert checkin.note == note
            assert checkin.author == owner
            assert checkin.date.isoformat() == "2026-11-20"
            assert checkin.checkin_id.startswith("mail-")
            current, kr_confidence = kr_row(company, checkin.kr_id)
            assert current == pytest.approx(value)
            if confidence is not None:
                assert kr_confidence == pytest.approx(confidence)
        # The same reply again records nothing.
        again = feed(okr, data, "again.eml")
        assert again.exit_code == 0, again.stderr
        assert "already recorded" in again.stdout
        assert len(log(company)) == len(before) + len(answers)


def test_outlook_reply_leaves_confidence_as_it_was(
    okr: Any, company: Path, smtp: SmtpServer
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    assert feed(okr, outlook(reminder, {"SALES-1.3": "SALES-1.3 | 5 | |"})).exit_code == 0
    current, confidence = kr_row(company, "SALES-1.3")
    assert (current, confidence) == (5, 0.21)


def test_a_note_is_text_in_the_workbook(okr: Any, company: Path, smtp: SmtpServer) -> None:
    reminder = remind(okr, smtp)["Priya Raman"]
    line = "CORP-1.3 | 22% | 85% | =SUM(A1) stays text"
    assert feed(okr, apple(reminder, {"CORP-1.3": line})).exit_code == 0
    rows = CalamineWorkbook.from_path(str(company)).get_sheet_by_name("Check-ins").to_python()
    assert rows[-1][4] == "=SUM(A1) stays text"


def test_unchanged_and_deleted_lines_record_nothing(
    okr: Any, company: Path, smtp: SmtpServer
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    lines = prefilled(reminder)
    before = len(log(company))
    # Every line pasted back above the quote as it was, one respaced, one deleted.
    same = {"SALES-1.1": lines["SALES-1.1"], "SALES-1.2": "SALES-1.2|71.99 %|88%|"}
    result = feed(okr, gmail(reminder, same))
    assert result.exit_code == 0, result.stderr
    assert "nothing to record" in result.stdout
    assert len(log(company)) == before


def test_one_bad_line_writes_nothing_and_names_it(
    okr: Any, company: Path, smtp: SmtpServer
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    before = company.read_bytes()
    edits = {
        "SALES-1.1": "SALES-1.1 | 72 | 50% |",
        "SALES-1.2": "SALES-1.2 | seventy | 70% |",
    }
    result = feed(okr, gmail(reminder, edits))
    assert result.exit_code == 2
    assert "nothing was written" in result.stderr
    assert "'SALES-1.2 | seventy | 70% |'" in result.stderr
    assert "write it as SALES-1.2 | 72% | 70% | a note" in result.stderr
    assert company.read_bytes() == before
    unknown = feed(okr, gmail(reminder, {"X": "SALES-9.9 | 5 | |"}))
    assert unknown.exit_code == 2 and "SALES-9.9 is not one of the key results" in unknown.stderr
    twice = {"a": "SALES-1.3 | 5 | |", "b": "SALES-1.3 | 6 | |"}
    conflict = feed(okr, gmail(reminder, twice))
    assert conflict.exit_code == 2 and "answered twice" in conflict.stderr
    assert company.read_bytes() == before


@pytest.mark.parametrize("style", [gmail, outlook, apple])
def test_replies_not_from_the_owner_or_without_the_token_are_refused(
    okr: Any, company: Path, smtp: SmtpServer, style: Style
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    before = company.read_bytes()
    edits = {"SALES-1.1": "SALES-1.1 | 99 | 90% |"}
    token = str(reminder["X-Okr-Token"])

    forged = feed(okr, style(reminder, edits, sender="Marcus Webb <marcus@evil.example>"))
    assert forged.exit_code == 2
    assert "not from Marcus Webb's address in People" in forged.stderr
    # Lena is in People too, but the reminder was Marcus's.
    other = feed(okr, style(reminder, edits, sender=EMAILS["Lena Okafor"]))
    assert other.exit_code == 2 and "not from Marcus Webb's address" in other.stderr

    altered = style(reminder, edits).replace(token.encode(), token[:-4].encode() + b"beef")
    result = feed(okr, altered)
    assert result.exit_code == 2 and "matches no reminder" in result.stderr

    removed = style(reminder, edits).replace(b"okr-token: " + token.encode(), b"")
    result = feed(okr, removed)
    assert result.exit_code == 2 and "carries no 'okr-token:' line" in result.stderr
    assert company.read_bytes() == before
    assert token not in forged.stderr + other.stderr


def test_reply_from_standard_input(okr: Any, company: Path, smtp: SmtpServer) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    data = gmail(reminder, {"SALES-1.3": "SALES-1.3 | 5 | 40% |"})
    result = okr("checkin", "--from-mail", "-", input=data.decode())
    assert result.exit_code == 0, result.stderr
    assert kr_row(company, "SALES-1.3") == (5, 0.4)


def test_maildir_records_each_new_reply_once(
    okr: Any, company: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    arrived = remind(okr, smtp)
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    marcus = gmail(arrived["Marcus Webb"], {"SALES-1.1": "SALES-1.1 | 80 | 60% |"})
    priya = outlook(arrived["Priya Raman"], {"CORP-1.2": "CORP-1.2 | 79 | 45% |"})
    later = apple(arrived["Marcus Webb"], {"SALES-1.3": "SALES-1.3 | 6 | 80% |"})
    forged = apple(
        arrived["Marcus Webb"], {"SALES-1.2": "SALES-1.2 | 99% | |"}, sender="x@evil.example"
    )
    for number, data in enumerate((marcus, priya, later, forged)):
        (maildir / "new" / f"17000000{number}.M1P1.host").write_bytes(data)
    result = okr("checkin", "--from-maildir", str(maildir))
    assert result.exit_code == 2  # the forged one was refused and reported
    assert result.stdout.count("recorded 1 check-in(s) by Marcus Webb") == 2
    assert "recorded 1 check-in(s) by Priya Raman" in result.stdout
    assert "not from Marcus Webb's address" in result.stderr
    assert kr_row(company, "SALES-1.1") == (80, 0.6)
    assert kr_row(company, "CORP-1.2") == (79, 0.45)
    assert kr_row(company, "SALES-1.3") == (6, 0.8)
    assert kr_row(company, "SALES-1.2")[0] == pytest.approx(0.7199)
    assert list((maildir / "new").iterdir()) == []
    assert all(p.name.endswith(":2,S") for p in (maildir / "cur").iterdir())
    count = len(log(company))
    second = okr("checkin", "--from-maildir", str(maildir))
    assert second.exit_code == 0 and "No new replies" in second.stderr
    # A message put back as unseen is read again, and records nothing new.
    for path in (maildir / "cur").iterdir():
        path.rename(maildir / "new" / path.name.split(":2,")[0])
    third = okr("checkin", "--from-maildir", str(maildir))
    assert third.exit_code == 2 and third.stdout.count("already recorded") == 3
    assert len(log(company)) == count


def test_answer_mails_the_owner_what_to_fix_or_what_was_recorded(
    okr: Any, company: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    monkeypatch.setenv("OKR_MAIL_URL", mail_url(smtp))
    sent = len(smtp.received)
    bad = gmail(reminder, {"SALES-1.1": "SALES-1.1 | lots | 50% |"}, message_id="<bad@x>")
    Path("bad.eml").write_bytes(bad)
    result = okr("checkin", "--from-mail", "bad.eml", "--answer")
    assert result.exit_code == 2
    answer = smtp.received[sent].message
    assert smtp.received[sent].rcpt_tos == [EMAILS["Marcus Webb"]]
    assert answer["In-Reply-To"] == "<bad@x>"
    assert answer["Subject"] == "Re: Check-in due: 3 key results (2026-Q4)"
    text = str(answer.get_content())
    assert "nothing was written" in text
    words = " ".join(text.split())
    assert "'SALES-1.1 | lots | 50% |'" in words and "write it as SALES-1.1 | 1250" in words
    assert max(len(line) for line in text.splitlines()) <= 80

    good = gmail(reminder, {"SALES-1.1": "SALES-1.1 | 66 | 50% |"}, message_id="<good@x>")
    Path("good.eml").write_bytes(good)
    assert okr("checkin", "--from-mail", "good.eml", "--answer").exit_code == 0
    receipt = smtp.received[sent + 1].message
    assert "SALES-1.1: 66, confidence 50%" in str(receipt.get_content())

    forged = gmail(reminder, {"SALES-1.1": "SALES-1.1 | 1 | |"}, sender="x@evil.example")
    Path("forged.eml").write_bytes(forged)
    assert okr("checkin", "--from-mail", "forged.eml", "--answer").exit_code == 2
    assert len(smtp.received) == sent + 2  # a refused reply gets no answer

    monkeypatch.delenv("OKR_MAIL_URL")
    unset = okr("checkin", "--from-mail", "good.eml", "--answer")
    assert unset.exit_code == 2 and "--answer mails through $OKR_MAIL_URL" in unset.stderr
    both = okr("checkin", "SALES-1.1", "--value", "3", "--from-mail", "good.eml")
    assert both.exit_code == 2 and "checked in on its own" in both.stderr


def test_a_line_without_bars_is_named(okr: Any, company: Path, smtp: SmtpServer) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    result = feed(okr, gmail(reminder, {"SALES-1.2": "SALES-1.2: 80%, confidence 70%"}))
    assert result.exit_code == 2
    assert "separate the fields with '|': write it as SALES-1.2 | 72% | 70% | a note" in (
        " ".join(result.stderr.split())
    )


def test_a_reply_for_a_row_that_cannot_be_read_waits(
    okr: Any, company: Path, smtp: SmtpServer, tmp_path: Path
) -> None:
    arrived = remind(okr, smtp)
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.M1P1.host").write_bytes(
        gmail(arrived["Marcus Webb"], {"SALES-1.3": "SALES-1.3 | 5 | |"})
    )
    (maildir / "new" / "2.M1P1.host").write_bytes(
        gmail(arrived["Priya Raman"], {"CORP-1.2": "CORP-1.2 | 80 | |"})
    )
    type_cells(company, {"Sales": {(5, 10): "TBD"}})  # SALES-1.3's Target
    result = okr("checkin", "--from-maildir", str(maildir))
    assert result.exit_code == 3
    assert "rows cannot be read now" in result.stderr and "SALES-1.3" in result.stderr
    assert "recorded 1 check-in(s) by Priya Raman" in result.stdout
    assert [p.name for p in (maildir / "new").iterdir()] == ["1.M1P1.host"]  # left unread


def test_the_library_reminds_and_takes_a_reply(company: Path, smtp: SmtpServer) -> None:
    import datetime as dt

    import okrsheet

    book = okrsheet.Workbook(company)
    day = dt.date(2026, 11, 20)
    dry = book.remind(None, today=day)
    assert dry.dry_run and sorted(o.owner for o in dry.outgoing) == sorted(EMAILS)
    sent = book.remind(mail_url(smtp), today=day)
    assert len(sent.outgoing) == 3 and len(smtp.received) == 3 and sent.no_email == ["Tom Alvarez"]
    reminder = next(a.message for a in smtp.received if a.rcpt_tos == [EMAILS["Lena Okafor"]])
    reply = outlook(
        reminder, {"MARKET-1.1": "MARKET-1.1 | 575 | 45% |"}, sender=EMAILS["Lena Okafor"]
    )
    outcome = book.check_in_reply(reply, today=day)
    assert outcome.owner == "Lena Okafor"
    assert [(c.kr_id, c.value, c.confidence) for c in outcome.recorded] == [
        ("MARKET-1.1", 575, 0.45)
    ]
    assert book.check_in_reply(reply, today=day).recorded == []
    with pytest.raises(okrsheet.OkrError, match="not from Lena Okafor's address"):
        book.check_in_reply(outlook(reminder, {}, sender="x@evil.example"), today=day)


def test_an_automatic_reply_is_skipped(okr: Any, company: Path, smtp: SmtpServer) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    data = gmail(reminder, {"SALES-1.1": "SALES-1.1 | 1 | |"})
    auto = b"Auto-Submitted: auto-replied\r\n" + data
    result = feed(okr, auto)
    assert result.exit_code == 0 and "automatic reply" in result.stderr
    assert kr_row(company, "SALES-1.1")[0] == 63


def test_a_reply_to_an_earlier_cycles_reminder_is_refused(
    okr: Any, company: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2026-09-28")  # the reminder goes out in 2026-Q3...
    type_cells(company, {"Settings": {(4, 2): "2026-09-01"}})  # (a cycle that started then)
    reminder = remind(okr, smtp)["Marcus Webb"]
    type_cells(company, {"Settings": {(4, 2): "2026-10-01"}})  # ...and is answered in Q4
    monkeypatch.setenv("OKR_TODAY", "2026-11-20")
    result = feed(okr, gmail(reminder, {"SALES-1.1": "SALES-1.1 | 70 | |"}))
    assert result.exit_code == 2 and "a reminder of an earlier cycle" in result.stderr
