"""`okr lagging`, the cron job: silent when all is well, specific when not."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest


def checkin(okr: Any, path: Path, kr_id: str, value: str, *extra: str) -> None:
    result = okr("checkin", kr_id, "--value", value, "-w", str(path), *extra)
    assert result.exit_code == 0, result.stderr


@pytest.fixture
def healthy(okr: Any, shop: Path) -> Path:
    """Every key result checked in today, on pace and with good confidence."""
    checkin(okr, shop, "CORP-1.1", "55", "--confidence", "0.8")
    checkin(okr, shop, "CORP-1.2", "14", "--confidence", "0.7")
    checkin(okr, shop, "CORP-1.3", "no", "--confidence", "0.9")
    return shop


def test_silent_when_nothing_lags(okr: Any, healthy: Path) -> None:
    for fmt in ("table", "csv", "md"):
        result = okr("lagging", "-w", str(healthy), "--format", fmt, "--fail")
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize("extra", [(), ("--missing-checkins",)])
def test_json_is_a_document_when_nothing_lags(
    okr: Any, healthy: Path, extra: tuple[str, ...]
) -> None:
    """A script parsing the JSON gets the usual envelope with an empty list, not nothing."""
    result = okr("lagging", "-w", str(healthy), "--format", "json", "--fail", *extra)

    assert (result.exit_code, result.stderr) == (0, "")
    document = result.json()
    listed = document["owners"] if extra else document["lagging"]
    assert listed == []
    assert document["as_of"] == "2026-11-16"
    assert document["cycle"]["name"] == "2026-Q4"


def test_each_row_says_why(okr: Any, healthy: Path) -> None:
    # Eighteen days later nobody has checked in again, and Days to deliver slipped back.
    result = okr("lagging", "-w", str(healthy), "-f", "json", "--as-of", "2026-12-04")

    assert result.exit_code == 0
    report = result.json()
    assert report["as_of"] == "2026-12-04"
    by_id = {row["id"]: row for row in report["lagging"]}
    assert set(by_id) == {"CORP-1.1", "CORP-1.2", "CORP-1.3"}
    assert by_id["CORP-1.1"]["codes"] == ["behind", "stale"]
    # 64 of 91 days gone: expected 0.7033, progress 0.55, 15 points behind.
    assert by_id["CORP-1.1"]["reasons"] == [
        "15 points behind pace",
        "no check-in for 18 days",
    ]
    assert by_id["CORP-1.1"]["expected"] == 0.7033
    assert by_id["CORP-1.1"]["owner"] == "Ana Lima"
    assert by_id["CORP-1.1"]["objective"] == "Become the easiest shop to buy from"


def test_overdue_and_low_confidence(okr: Any, healthy: Path) -> None:
    checkin(okr, healthy, "CORP-1.2", "15", "--confidence", "30%")

    result = okr("lagging", "-w", str(healthy), "-f", "json", "--as-of", "2026-12-16")

    by_id = {row["id"]: row for row in result.json()["lagging"]}
    assert "overdue" in by_id["CORP-1.3"]["codes"]
    assert any("overdue" in reason for reason in by_id["CORP-1.3"]["reasons"])
    assert "low-confidence" in by_id["CORP-1.2"]["codes"]
    assert "confidence 30% (below 50%)" in by_id["CORP-1.2"]["reasons"]


def test_fail_exits_six(okr: Any, shop: Path) -> None:
    result = okr("lagging", "-w", str(shop), "--fail")

    assert result.exit_code == 6
    assert "CORP-1.2" in result.stdout


def test_off_a_terminal_lines_fit_columns_and_nothing_is_cut(
    okr: Any, shop: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("COLUMNS", "40")

    result = okr("lagging", "-w", str(shop))

    assert max(len(line) for line in result.stdout.splitlines()) <= 40
    assert "no check-in this cycle (46 days)" in " ".join(result.stdout.split())
    assert "…" not in result.stdout
    for token in ("CORP-1.1", "CORP-1.2", "CORP-1.3", "2026-12-31", "2026-12-15", "off track"):
        assert token in result.stdout


def test_csv_and_markdown(okr: Any, shop: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(okr("lagging", "-w", str(shop), "-f", "csv").stdout)))
    assert {r["id"] for r in rows} == {"CORP-1.1", "CORP-1.2", "CORP-1.3"}
    assert all(r["why"] for r in rows)

    markdown = okr("lagging", "-w", str(shop), "-f", "md").stdout
    assert markdown.count("\n- **CORP-1.") == 3


def test_filters(okr: Any, shop: Path) -> None:
    assert okr("lagging", "-w", str(shop), "--level", "team", "--fail").stdout == ""
    assert okr("lagging", "-w", str(shop), "--owner", "Nobody").exit_code == 2
    corporate = okr("lagging", "-w", str(shop), "--level", "corporate", "-f", "json")
    assert len(corporate.json()["lagging"]) == 3


def test_missing_checkins(okr: Any, shop: Path) -> None:
    result = okr("lagging", "-w", str(shop), "--missing-checkins", "-f", "json")

    assert result.exit_code == 0
    assert result.json()["owners"] == [
        {"owner": "Ana Lima", "last_checkin": None, "open_key_results": 3}
    ]
    assert result.json()["cadence_days"] == 7


def test_missing_checkins_silent_when_everyone_checked_in(okr: Any, healthy: Path) -> None:
    result = okr("lagging", "-w", str(healthy), "--missing-checkins", "--fail")

    assert (result.exit_code, result.stdout) == (0, "")


def test_untrusted_text_is_escaped(okr: Any, shop: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(shop)
    book["Corporate"]["D3"] = "=1+1 | pipes"  # a title typed as text
    book["Corporate"]["D3"].data_type = "s"
    book.save(shop)

    markdown = okr("lagging", "-w", str(shop), "-f", "md").stdout
    rows = list(csv.reader(io.StringIO(okr("lagging", "-w", str(shop), "-f", "csv").stdout)))

    assert r"=1+1 \| pipes" in markdown  # the pipe cannot break the table
    assert "'=1+1 | pipes" in [cell for row in rows for cell in row]  # no CSV formula


@pytest.mark.parametrize(
    "args",
    [
        ("lagging",),
        ("lagging", "--missing-checkins"),
        ("status",),
        ("grade",),
        ("tree",),
        ("deps",),
        ("validate",),
        ("todo", "--owner", "Nobody"),  # an error: the envelope, still JSON
        ("history", "NOPE-1"),
    ],
    ids=lambda a: "-".join(a),
)
def test_every_report_prints_json_on_a_fresh_cycle(
    okr: Any, blank: Path, args: tuple[str, ...]
) -> None:
    result = okr(*args, "-w", str(blank), "--format", "json")

    document = result.json()  # a valid JSON document, whatever the outcome
    assert isinstance(document, dict)
    if "error" in document:
        assert result.exit_code == document["error"]["exit_code"] == 2
    else:
        assert result.exit_code == 0, result.stderr
