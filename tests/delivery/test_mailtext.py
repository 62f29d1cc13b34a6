"""A received mail's text as a person reads it, and the lines of a reply."""

from __future__ import annotations

from email.message import EmailMessage

from okrsheet.mailtext import body_text, html_to_text
from okrsheet.replies import reply_lines


def test_html_becomes_lines_with_quotes_marked() -> None:
    page = (
        "<html><head><style>p{margin:0}</style><title>x</title></head><body>"
        "<div>SALES-1.2 | 80&nbsp;% | 70% | A&amp;B</div><p>Thanks<br>Ana</p>"
        "<script>alert(1)</script>"
        "<blockquote><div>On Monday okr wrote:</div><blockquote><pre>SALES-1.2 | 72% |\n"
        "okr-token: abc</pre></blockquote></blockquote>"
        "<table><tr><td>SALES-1.1</td><td>Opps</td></tr></table></body></html>"
    )
    assert html_to_text(page).splitlines() == [
        "SALES-1.2 | 80 % | 70% | A&B",
        "Thanks",
        "Ana",
        "> On Monday okr wrote:",
        "> > SALES-1.2 | 72% |",
        "> > okr-token: abc",
        "SALES-1.1 Opps",
    ]


def test_flowed_text_is_joined_where_the_sender_wrapped_it() -> None:
    mail = EmailMessage()
    mail.set_content("x")
    flowed = (
        "SALES-1.2 | 80% | 70% | two deals \r\nslipped to next month\r\n"
        "-- \r\nAna\r\n> SALES-1.1 | 63 \r\n> | 43% |\r\n"
    )
    mail.set_payload(flowed.encode(), charset="utf-8")
    mail.replace_header("Content-Type", 'text/plain; charset="utf-8"; format=flowed')
    text = body_text(mail)
    assert text.splitlines()[:4] == [
        "SALES-1.2 | 80% | 70% | two deals slipped to next month",
        "-- ",
        "Ana",
        "> SALES-1.1 | 63 | 43% |",
    ]
    lines = reply_lines(text)
    assert [(line.kr_id, line.note, line.rank) for line in lines] == [
        ("SALES-1.2", "two deals slipped to next month", 0),
        ("SALES-1.1", "", 2),
    ]


def test_dividers_start_the_quote() -> None:
    for divider in (
        "On Fri, Nov 20, 2026 at 9:00 AM okr <okr@x.example> wrote:",
        "-----Original Message-----",
        "________________________________",
        "From: okr <okr@x.example>\nSent: Friday, November 20, 2026 09:00",
    ):
        text = f"SALES-1.2 | 80% | |\n\n{divider}\nSALES-1.2 | 72% | |\n"
        assert [line.rank for line in reply_lines(text)] == [0, 1], divider
    # A From: line alone (no Sent: below it) is not Outlook's block.
    assert [line.rank for line in reply_lines("From: the team\nSALES-1.2 | 1 | |")] == [0]


def test_a_prefilled_line_has_one_space_in_an_empty_field_and_reads_back() -> None:
    from datetime import date

    from okrsheet.domain.model import KeyResult
    from okrsheet.reminders import reply_line

    def kr(**fields: object) -> KeyResult:
        base: dict[str, object] = {"id": "A-1", "objective_id": "A", "title": "Orders"}
        base |= {"owner": "Ana", "kind": "increase", "target": 10.0, "due": date(2026, 12, 31)}
        return KeyResult.model_validate(base | fields)

    lines = [
        reply_line(kr(baseline=True, confidence=0.83)),  # no value while measuring the baseline
        reply_line(kr(start=0.0, current=5.0)),  # no confidence given yet
    ]

    assert lines == ["A-1 | | 83% |", "A-1 | 5 | |"]
    read = reply_lines("\n".join(lines))
    assert [(r.value, r.confidence, r.note) for r in read] == [("", "83%", ""), ("5", "", "")]
