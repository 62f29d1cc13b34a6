"""A key result still measuring its baseline reads the same in every command: "measuring the
baseline", never a 0 % of progress nor a pace it cannot have; and its first value, checked in
or synced, becomes its start. And a digest win counting down reads as `okr status` reads it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.base import Change, DeleteRows, SetCells
from okrsheet.stores.xlsx.store import XlsxStore
from tests.cli.conftest import kr_row
from tests.conftest import type_cells

COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
MEASURING = "measuring the baseline"


def measuring(path: Path, tab: str, kr_id: str) -> None:
    """Make a key result one whose baseline is unknown, as a person plans it: Start typed as
    "baseline", no Current, no Last check-in and nothing in the log."""
    book = openpyxl.load_workbook(path, read_only=True)
    row = next(
        r
        for r, values in enumerate(book[tab].iter_rows(values_only=True), start=1)
        if values[COL["id"] - 1] == kr_id
    )
    logged = tuple(
        r
        for r, values in enumerate(book["Check-ins"].iter_rows(values_only=True), start=1)
        if values[1] == kr_id
    )
    book.close()
    blank = {(row, COL["current"]): None, (row, COL["last_checkin"]): None}
    changes: list[Change] = [
        SetCells(tab, {(row, COL["start"]): "baseline", **blank}),
        DeleteRows("Check-ins", logged, id_column=2),
    ]
    XlsxStore(path).update(lambda raw: changes)


def kr_json(okr: Any, path: Path, kr_id: str) -> dict[str, Any]:
    report = okr("status", "-w", str(path), "-f", "json").json()
    return next(k for o in report["objectives"] for k in o["key_results"] if k["id"] == kr_id)


def block(text: str, kr_id: str) -> str:
    """The lines of a text report from the key result's own up to the next entry's."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(kr_id))
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if not lines[i].strip() or re.match(r"\s*[A-Z]+-[0-9]|\S", lines[i])
        ),
        len(lines),
    )
    return " ".join(line.strip() for line in lines[start:end])


def test_status_lagging_digest_and_todo_say_measuring_the_baseline(okr: Any, example: Path) -> None:
    measuring(example, "Corporate", "CORP-1.3")
    w = ("-w", str(example))
    assert kr_json(okr, example, "CORP-1.3")["measuring_baseline"] is True

    status = block(okr("status", *w, "--objective", "CORP-1").stdout, "CORP-1.3")
    lagging = okr("lagging", *w)
    digest = okr("digest", "--to", "-", *w)
    todo = okr("todo", "--owner", "Priya Raman", *w)
    lag_json = okr("lagging", *w, "-f", "json").json()

    # Behind on nothing but its silence: no progress to show, and no pace to fall behind.
    for shown in (status, block(lagging.stdout, "CORP-1.3"), block(digest.stdout, "CORP-1.3")):
        assert MEASURING in shown, shown
        assert not re.search(r"(?<![\d.])0%", shown) and "expected" not in shown, shown
    assert "1 not started (1 measuring the baseline)" in " ".join(digest.stdout.split())
    row = next(r for r in lag_json["lagging"] if r["id"] == "CORP-1.3")
    assert row["measuring_baseline"] is True and row["status"] == "not started"
    # The other key results keep their figures.
    assert "expected" in block(lagging.stdout, "CORP-1.2")
    # What to do: measure it, whatever the cadence says.
    assert f"check in: {MEASURING}" in " ".join(todo.stdout.split())


def test_a_synced_first_value_becomes_the_start(okr: Any, example: Path) -> None:
    measuring(example, "Corporate", "CORP-1.3")
    (example.parent / "rates.csv").write_text("Week,Win rate\n1,0.19\n2,0.2\n", encoding="utf-8")
    source = len(OKR_COLUMNS) + 1
    row = next(
        r
        for r, values in enumerate(
            openpyxl.load_workbook(example)["Corporate"].iter_rows(values_only=True), start=1
        )
        if values[COL["id"] - 1] == "CORP-1.3"
    )
    type_cells(example, {"Corporate": {(1, source): "Source", (row, source): "rates.csv!Win rate"}})

    dry = okr("sync", "--dry-run", "-w", str(example))
    synced = okr("sync", "-w", str(example))

    assert dry.exit_code == 0 and synced.exit_code == 0, synced.stderr
    cells = kr_row(example, "CORP-1.3")
    assert cells["Start"] == 0.2 and cells["Current"] == 0.2  # the same write set both
    after = kr_json(okr, example, "CORP-1.3")
    assert after["measuring_baseline"] is False and after["start"] == 0.2
    assert after["progress"] == 0.0
    # A second run finds nothing new: the start stays the first value.
    (example.parent / "rates.csv").write_text("Week,Win rate\n1,0.19\n2,0.23\n", encoding="utf-8")
    assert okr("sync", "-w", str(example)).exit_code == 0
    assert kr_row(example, "CORP-1.3")["Start"] == 0.2
    assert kr_row(example, "CORP-1.3")["Current"] == 0.23


def test_a_win_counting_down_reads_as_okr_status_reads_it(okr: Any, example: Path) -> None:
    """`$12,979, target $11,000`, as `okr status` says it, not `$12,979 of $11,000`."""
    w = ("-w", str(example))
    digest = block(okr("digest", "--to", "-", *w).stdout, "MARKET-1.2")
    status = block(okr("status", *w, "--objective", "MARKET-1").stdout, "MARKET-1.2")
    wins = okr("digest", "--to", "-", *w, "-f", "json").json()["wins"]

    assert "$12,979, target $11,000" in digest and "$12,979, target $11,000" in status
    assert next(win["kind"] for win in wins if win["id"] == "MARKET-1.2") == "decrease"
    assert "1 of 3 customers" in block(okr("digest", "--to", "-", *w).stdout, "TOM-1.2")


def test_a_history_without_check_ins_heads_as_one_with_them(example: Path) -> None:
    """The table (a wide terminal) and the compact text (a narrow one, a pipe) head a key
    result's history alike, with or without check-ins."""
    from rich.console import Console

    from okrsheet import service
    from okrsheet.render import blocks, compact
    from okrsheet.render import rich_tables as tables
    from okrsheet.reports.history import history_report
    from okrsheet.stores import Location
    from tests.conftest import TODAY

    measuring(example, "Corporate", "CORP-1.3")
    plan = service.load(Location(path=example)).plan
    for kr_id in ("CORP-1.3", "CORP-1.1"):
        report = history_report(plan, kr_id, TODAY)
        assert report is not None
        console = Console(width=200, record=True, color_system=None)
        console.print(tables.history_table(report))
        table_head = console.export_text().splitlines()[1]
        text_head = blocks.to_text(compact.doc_for(report), 200).splitlines()
        assert table_head in text_head, (table_head, text_head)
        assert table_head.startswith("Owner Priya Raman · ") and f"as of {TODAY}" in table_head


def test_a_committed_objective_is_marked_in_status_tree_and_grade(okr: Any, example: Path) -> None:
    """CORP-2 is committed in the example: every view of objectives says so, and only of it."""
    w = ("-w", str(example))
    for command in (("status",), ("tree",), ("grade",)):
        shown = okr(*command, *w).stdout
        assert "committed" in block(shown, "CORP-2"), command
        assert "committed" not in block(shown, "CORP-1"), command
    nodes = okr("tree", *w, "-f", "json").json()["roots"]
    assert {n["id"]: n["commitment"] for n in nodes} == {
        "CORP-1": "aspirational",
        "CORP-2": "committed",
    }


def test_the_report_page_lists_a_baseline_as_measuring(okr: Any, example: Path) -> None:
    measuring(example, "Corporate", "CORP-1.3")
    type_cells(example, {"Corporate": {(5, COL["confidence"]): 0.3}})  # low: it lags
    page = example.parent / "r.html"
    assert okr("report", "--out", str(page), "-w", str(example)).exit_code == 0
    rows = re.findall(r"<tr>.*?</tr>", page.read_text(encoding="utf-8"), re.S)
    lagging = next(row for row in rows if "CORP-1.3" in row and "confidence 30%" in row)
    assert MEASURING in lagging and "0% /" not in lagging


def test_the_report_page_words_a_decrease_as_status_does(okr: Any, example: Path) -> None:
    page = example.parent / "r.html"
    assert okr("report", "--out", str(page), "-w", str(example)).exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "now 86 days, target 70 days (from 94 days)" in text  # CORP-1.2, decrease
    assert "now 63 opps of 180 opps (from 0 opps)" in text  # SALES-1.1, increase


def test_a_forecast_is_no_more_precise_than_a_trend(okr: Any, example: Path) -> None:
    shown = " ".join(okr("history", "CORP-1.1", "-w", str(example)).stdout.split())
    forecast = re.search(r"Forecast at 2026-12-31: (\S+) ", shown)
    assert forecast is not None and re.fullmatch(r"\$[\d,]+", forecast[1]), shown
