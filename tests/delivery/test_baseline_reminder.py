"""A reminder for a key result still measuring its baseline: it says so, prefills no number
(a number there would be taken for the baseline), and the value a reply brings becomes the
start; a reply that pastes the whole reminder back unquoted still reads."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from okrsheet import service
from okrsheet.stores import Location
from tests.cli.test_baseline_everywhere import measuring
from tests.delivery.replies import gmail, prefilled, text_of
from tests.delivery.smtp_server import SmtpServer
from tests.delivery.test_replies import feed, remind

MEASURING = "measuring the baseline"


def start_of(path: Path, kr_id: str) -> tuple[float | None, float | None]:
    kr = service.load(Location(path=path)).plan.key_result(kr_id)
    assert kr is not None
    return kr.start, kr.current


def test_the_reminder_asks_for_the_baseline_and_the_reply_sets_the_start(
    okr: Any, company: Path, smtp: SmtpServer
) -> None:
    measuring(company, "Corporate", "CORP-1.3")
    reminder = remind(okr, smtp)["Priya Raman"]
    text = " ".join(text_of(reminder).split())
    page = text_of(reminder, "html")

    assert prefilled(reminder)["CORP-1.3"] == "CORP-1.3 | | 83% |"  # one space, as typed
    assert prefilled(reminder)["CORP-1.2"].startswith("CORP-1.2 | 86 |")  # the others keep theirs
    assert f"status: {MEASURING}: the first value you send becomes the start" in text
    assert "no value yet; target 25%" in text
    assert MEASURING in page and "0% of" not in page.split("CORP-1.3", 1)[1].split("</tr>")[0]

    # Only the confidence changed: no value to take for the baseline, so nothing is written.
    only = feed(okr, gmail(reminder, {"CORP-1.3": "CORP-1.3 | | 60% |"}), "only.eml")
    assert only.exit_code == 2 and "a value is required" in only.stderr
    assert start_of(company, "CORP-1.3") == (None, None)

    answered = feed(okr, gmail(reminder, {"CORP-1.3": "CORP-1.3 | 19% | 60% |"}))
    assert answered.exit_code == 0, answered.stderr
    assert start_of(company, "CORP-1.3") == (0.19, 0.19)


def test_a_reply_that_pastes_the_reminder_back_unquoted_reads(
    okr: Any, company: Path, smtp: SmtpServer
) -> None:
    reminder = remind(okr, smtp)["Marcus Webb"]
    body = text_of(reminder).replace(prefilled(reminder)["SALES-1.3"], "SALES-1.3 | 5 | 30% |")
    reply = EmailMessage(policy=SMTP)
    reply["From"] = str(reminder["To"])
    reply["To"] = str(reminder["From"])
    reply["Subject"] = "Re: " + str(reminder["Subject"])
    reply["Message-ID"] = "<unquoted@mail.example>"
    reply["In-Reply-To"] = str(reminder["Message-ID"])
    reply.set_content(body)

    result = feed(okr, reply.as_bytes())

    assert result.exit_code == 0, result.stderr
    assert "recorded 1 check-in(s)" in result.stdout
