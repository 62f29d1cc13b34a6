"""The digest report and its forms: text, HTML for mail, Slack and Teams payloads."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from okrsheet.domain.model import CheckIn, Cycle, KeyResult, Objective, Plan, Settings
from okrsheet.domain.vocab import KRKind, Level
from okrsheet.render import digest as forms
from okrsheet.reports import DigestReport, digest_report

Q4 = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
AS_OF = date(2026, 11, 16)
DUE = date(2026, 12, 31)


def kr(kr_id: str, owner: str = "Ana Lima", **fields: Any) -> KeyResult:
    base: dict[str, Any] = {
        "id": kr_id,
        "objective_id": "CORP-1",
        "title": f"Key result {kr_id}",
        "owner": owner,
        "kind": KRKind.INCREASE,
        "start": 0.0,
        "target": 100.0,
        "due": DUE,
    }
    return KeyResult(**{**base, **fields})


def log(kr_id: str, day: str, value: float) -> CheckIn:
    return CheckIn(date=date.fromisoformat(day), kr_id=kr_id, value=value, author="Ana Lima")


def quiet_plan(**extra: Any) -> Plan:
    """A good week: one key result moved 30 points, a milestone was reached on Saturday, one
    was done in October; nothing is behind and Ana checked in."""
    return Plan(
        cycle=Q4,
        settings=Settings(company="Shop"),
        objectives=(Objective(id="CORP-1", title="Sell", level=Level.CORPORATE, owner="Ana Lima"),),
        key_results=(
            kr("CORP-1.1", current=50, unit="orders", last_checkin=date(2026, 11, 12)),
            kr(
                "CORP-1.2",
                kind=KRKind.MILESTONE,
                start=0,
                target=1,
                current=1,
                last_checkin=date(2026, 11, 14),
                title="Launch the new checkout",
            ),
            kr("CORP-1.3", target=10, current=10, last_checkin=date(2026, 10, 20)),
            *extra.get("key_results", ()),
        ),
        checkins=(
            log("CORP-1.1", "2026-11-01", 20),
            log("CORP-1.1", "2026-11-12", 50),
            log("CORP-1.2", "2026-11-14", 1),
            log("CORP-1.3", "2026-10-20", 10),
        ),
    )


@pytest.fixture(scope="module")
def quiet() -> DigestReport:
    return digest_report(quiet_plan(), AS_OF)


@pytest.fixture(scope="module")
def busy() -> DigestReport:
    """The same week with Bob behind and silent, his title full of markup."""
    behind = kr(
        "BOB-1.1",
        owner="Bob <!channel> & Co",
        current=5,
        title="<script>alert(1)</script> *Win* the <b>big</b> deal & more",
    )
    return digest_report(
        quiet_plan(key_results=(behind,)), AS_OF, report_url="https://intranet.example/okr.html"
    )


def test_wins_are_reached_this_week_first_then_most_improved(quiet: DigestReport) -> None:
    assert quiet.since == date(2026, 11, 9)
    assert [(w.id, w.done) for w in quiet.wins] == [("CORP-1.2", True), ("CORP-1.1", False)]
    moved = quiet.wins[1]
    assert (moved.previous_progress, moved.progress, moved.gain) == (0.2, 0.5, 0.3)
    # Done in October: not this week's news.
    assert "CORP-1.3" not in {w.id for w in quiet.wins}


def test_a_quiet_week_says_nothing_is_behind(quiet: DigestReport) -> None:
    assert quiet.nothing_behind
    assert quiet.behind == [] and quiet.stale_owners == [] and quiet.interlocks == []
    assert quiet.statuses == {"done": 2, "on track": 1}
    text = forms.text(quiet)
    assert forms.NOTHING_BEHIND in text
    assert "nothing behind" in forms.subject(quiet)
    assert forms.NOTHING_BEHIND in json.dumps(forms.slack(quiet))
    assert forms.NOTHING_BEHIND in json.dumps(forms.teams(quiet))
    assert forms.NOTHING_BEHIND in forms.html(quiet)


def test_behind_and_stale_owners(busy: DigestReport) -> None:
    assert not busy.nothing_behind
    assert [row.id for row in busy.behind] == ["BOB-1.1"]
    assert [q.owner for q in busy.stale_owners] == ["Bob <!channel> & Co"]
    rows = busy.rows()
    assert [r["section"] for r in rows] == ["win", "win", "behind", "stale owner"]
    assert rows[0]["detail"] == "reached its target"
    assert rows[1]["detail"] == "up 30 points"


def test_text_lines_fit_78_columns_and_keep_the_link_whole(busy: DigestReport) -> None:
    text = forms.text(busy)
    assert max(len(line) for line in text.splitlines()) <= forms.TEXT_WIDTH
    assert "https://intranet.example/okr.html\n" in text
    assert "Wins this week" in text and "Behind" in text
    assert "No check-in in the last 7 days" in text


def test_slack_escapes_what_a_person_typed(busy: DigestReport) -> None:
    payload = forms.slack(busy)
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Shop · OKR digest · 2026-Q4 · week to 2026-11-16"},
    }
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    behind = next(s for s in sections if s.startswith("*Behind*"))
    assert "&lt;!channel&gt; &amp; Co" in behind and "<!channel>" not in behind
    assert "&lt;script&gt;" in behind
    assert "<https://intranet.example/okr.html|Open the full report>" in sections
    assert all(len(s) <= forms.SLACK_SECTION for s in sections)


def test_a_huge_week_names_ten_per_section_and_counts_the_rest() -> None:
    many = tuple(
        kr(f"BIG-{n}", owner=f"Owner {n}", title="A long title " * 20, current=1)
        for n in range(400)
    )
    report = digest_report(quiet_plan(key_results=many), AS_OF)
    assert len(report.behind) == 400  # the JSON has them all
    more = "…and 390 more: see the full report."

    slack = forms.slack(report)
    assert len(slack["blocks"]) <= forms.SLACK_BLOCKS
    texts = [b["text"]["text"] for b in slack["blocks"] if b["type"] == "section"]
    assert all(len(t) <= forms.SLACK_SECTION for t in texts)
    everything = "\n".join(texts)  # a long section is cut in several blocks
    assert everything.count("• *BIG-") == forms.SECTION_ITEMS
    assert everything.count(f"_{more}_") == 2  # behind, and owners with no check-in

    teams = forms.teams(report)
    assert len(json.dumps(teams)) < 28_000  # what Teams takes in one message
    assert more in [b["text"] for b in teams["attachments"][0]["content"]["body"]]

    text = forms.text(report)
    assert text.count(more) == 2 and text.count("BIG-") == forms.SECTION_ITEMS
    assert more in forms.html(report)


def test_slack_keeps_to_its_block_limit_whatever_the_sections() -> None:
    payload = forms.slack(digest_report(quiet_plan(), AS_OF))
    assert len(payload["blocks"]) <= forms.SLACK_BLOCKS
    assert payload["blocks"][-1]["type"] == "context"


def test_teams_is_one_adaptive_card_with_a_button(busy: DigestReport) -> None:
    payload = forms.teams(busy)
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert all(b["type"] == "TextBlock" and b["wrap"] for b in card["body"])
    headings = [b["text"] for b in card["body"] if b.get("weight") == "Bolder"]
    assert headings[1:] == ["Wins this week", "Behind", "No check-in in the last 7 days"]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open the full report",
            "url": "https://intranet.example/okr.html",
        }
    ]


def test_html_is_escaped_and_fetches_nothing(busy: DigestReport) -> None:
    page = forms.html(busy, attached=True)
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "<b>big</b>" not in page
    assert "src=" not in page and "<link" not in page and "<style" not in page
    assert 'href="https://intranet.example/okr.html"' in page
    assert f"attached as {forms.REPORT_FILE}" in page


def test_messages_carry_every_form(busy: DigestReport) -> None:
    [one, two] = forms.messages(busy, ["a@shop.example", "b@shop.example"], attachment="<html>")
    assert (one.to, two.to) == ("a@shop.example", "b@shop.example")
    assert one.subject == forms.subject(busy)
    assert one.attachments == [(forms.REPORT_FILE, "text/html", b"<html>")]
    assert set(one.payloads) == {"slack", "teams", "json"}
    assert one.payloads["json"]["digest"]["behind"][0]["id"] == "BOB-1.1"
