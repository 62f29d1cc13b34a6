"""`okr rollover` moves the old cycle's check-ins out of the live log (into its archive, or an
archive workbook the Settings link), and `okr history` still finds them when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from okrsheet import cycles
from okrsheet.domain.model import cycle_from_name
from okrsheet.layout import log_archive
from okrsheet.stores import parse_location
from okrsheet.stores.base import AppendRows, RawWorkbook
from okrsheet.stores.xlsx.store import XlsxStore
from tests.cli.conftest import read_tab
from tests.conftest import Google, type_cells

KR = "CORP-1.1"


def log_ids(rows: list[list[Any]]) -> list[str]:
    return [str(r[1]) for r in rows[1:] if r and r[1]]


def history(okr: Any, w: str, *args: str) -> dict[str, Any]:
    result = okr("history", KR, "-w", w, "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    found: dict[str, Any] = result.json()
    return found


def test_rollover_moves_the_cycles_checkins_and_history_reads_them_back(
    okr: Any, example: Path
) -> None:
    w = str(example)
    before = history(okr, w)
    log = read_tab(example, "Check-ins")
    krs_logged = [i for i in log_ids(log) if not i.startswith("KPI-")]
    assert len(before["checkins"]) >= 5

    rolled = okr("rollover", "--to", "2027-Q1", "--yes", "-w", w)

    assert rolled.exit_code == 0, rolled.stderr
    assert f"{len(krs_logged)} check-in(s) moved out of the live log" in rolled.stderr
    # The live log keeps only the KPIs' check-ins: their trend runs across cycles.
    assert all(i.startswith("KPI-") for i in log_ids(read_tab(example, "Check-ins")))
    moved = read_tab(example, "Archive 2026-Q4 check-ins")
    assert log_ids(moved) == krs_logged
    assert moved[0] == log[0]  # under the log's own headers
    assert okr("validate", "-w", w, "-f", "json").json()["errors"] == 0
    # This cycle has none yet; the old one is asked by name or by a day in it.
    assert history(okr, w, "--as-of", "2027-01-05")["checkins"] == []
    by_name = history(okr, w, "--cycle", "2026-Q4")
    by_day = history(okr, w, "--as-of", before["as_of"])
    for past in (by_name, by_day):
        assert past["checkins"] == before["checkins"]
        assert past["start"] == before["start"] and past["target"] == before["target"]
    # Asked as of the day it was asked before, the forecast is the one it was.
    assert by_day["forecast_at_due"] == before["forecast_at_due"]
    unknown = okr("history", KR, "-w", w, "--cycle", "2025-Q1")
    assert unknown.exit_code == 2
    assert "no archived cycle '2025-Q1' (archived: 2026-Q4)" in unknown.stderr


def test_a_finished_key_result_has_its_history_in_the_archive(okr: Any, example: Path) -> None:
    w = str(example)
    assert okr("checkin", "CORP-2.3", "--value", "done", "-w", w).exit_code == 0
    assert okr("rollover", "--to", "2027-Q1", "--yes", "-w", w).exit_code == 0

    past = okr("history", "CORP-2.3", "-w", w, "--cycle", "2026-Q4", "-f", "json")

    assert past.exit_code == 0, past.stderr
    assert past.json()["checkins"][-1]["value"] == 1.0
    gone = okr("history", "CORP-2.3", "-w", w, "--as-of", "2027-01-05")  # not in the new cycle
    assert gone.exit_code == 2


def test_an_archive_workbook_takes_the_old_cycles_and_settings_remember_it(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = str(example)
    before = history(okr, w)

    rolled = okr("rollover", "--to", "2027-Q1", "--yes", "--archive-to", "old-cycles.xlsx", "-w", w)

    assert rolled.exit_code == 0, rolled.stderr
    archive = example.parent / "old-cycles.xlsx"  # relative to the live workbook
    assert "of old-cycles.xlsx" in rolled.stderr
    live = XlsxStore(example).read()
    assert not [t for t in live.titles if t.startswith("Archive ")]
    settings = {r[0]: r[1] for r in read_tab(example, "Settings") if r}
    assert settings["Archive workbooks"] == "old-cycles.xlsx"
    assert XlsxStore(archive).read().titles == ["Archive 2026-Q4", "Archive 2026-Q4 check-ins"]
    assert history(okr, w, "--cycle", "2026-Q4")["checkins"] == before["checkins"]

    # The next rollover goes to the same archive without being told.
    monkeypatch.setenv("OKR_TODAY", "2027-02-01")
    assert okr("checkin", KR, "--value", "2700000", "-w", w).exit_code == 0
    again = okr("rollover", "--to", "2027-Q2", "--yes", "-w", w)
    assert again.exit_code == 0, again.stderr
    assert XlsxStore(archive).read().titles[2:] == ["Archive 2027-Q1", "Archive 2027-Q1 check-ins"]
    q1 = history(okr, w, "--cycle", "2027-Q1")
    assert [(c["date"], c["value"]) for c in q1["checkins"]] == [("2027-02-01", 2700000.0)]
    assert history(okr, w, "--cycle", "2026-Q4")["checkins"] == before["checkins"]


def test_a_rollover_cut_short_after_the_archive_write_is_finished_by_running_it_again(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = str(example)
    live_before = example.read_bytes()

    def cut(*args: Any) -> Any:
        raise KeyboardInterrupt  # the process stops between the two writes

    with monkeypatch.context() as m:
        m.setattr(cycles, "archive_workbook_changes", cut)
        with pytest.raises(KeyboardInterrupt):
            cycles.rollover(parse_location(w), cycle_from_name("2027-Q1"), archive_to="a.xlsx")
    assert example.read_bytes() == live_before  # the live workbook's write is all or nothing
    archived = read_tab(example.parent / "a.xlsx", "Archive 2026-Q4 check-ins")

    again = okr("rollover", "--to", "2027-Q1", "--yes", "--archive-to", "a.xlsx", "-w", w)

    assert again.exit_code == 0, again.stderr
    # Nothing archived twice, nothing lost.
    assert read_tab(example.parent / "a.xlsx", "Archive 2026-Q4 check-ins") == archived
    assert all(i.startswith("KPI-") for i in log_ids(read_tab(example, "Check-ins")))
    third = okr("rollover", "--to", "2027-Q1", "--yes", "-w", w)
    assert third.exit_code == 2 and "2027-Q1" in third.stderr  # done once


def test_a_checkin_logged_between_the_two_writes_stays_until_the_next_rollover(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check-in of the old cycle recorded after the archive's write and before the live one
    stays in the live log (the next rollover moves it) rather than being lost."""
    w = str(example)
    log = read_tab(example, "Check-ins")
    late = [*log[-1]]
    late[0], late[1], late[2], late[7] = log[1][0], KR, 2500000, "late-one"
    original = log_archive.held_keys

    def meanwhile(raw: RawWorkbook, title: str) -> set[tuple[object, ...]]:
        XlsxStore(example).update(lambda _raw: [AppendRows("Check-ins", [late])])
        return original(raw, title)

    monkeypatch.setattr(cycles, "held_keys", meanwhile)
    cycles.rollover(parse_location(w), cycle_from_name("2027-Q1"), archive_to="a.xlsx")
    monkeypatch.undo()

    archive = example.parent / "a.xlsx"
    assert "late-one" not in [r[7] for r in read_tab(archive, "Archive 2026-Q4 check-ins")]
    assert "late-one" in [r[7] for r in read_tab(example, "Check-ins")]
    monkeypatch.setenv("OKR_TODAY", "2027-03-31")
    assert okr("rollover", "--to", "2027-Q2", "--yes", "-w", w).exit_code == 0
    assert "late-one" in [r[7] for r in read_tab(archive, "Archive 2027-Q1 check-ins")]
    values = [c["value"] for c in history(okr, w, "--cycle", "2026-Q4")["checkins"]]
    assert 2500000.0 in values  # found by its date, in whichever archive tab it went


def test_rollover_on_google_moves_the_log_into_an_archive_spreadsheet(
    okr: Any, google: Google, gexample: str
) -> None:
    fake = google.fake
    live = gexample.removeprefix("gsheet:")
    before = history(okr, gexample)
    archive = fake.add_spreadsheet({"Sheet1": []}, title="OKR archive", owner=google_bot())
    log_rows = fake.sheet(live, "Check-ins").last_content_row()

    rolled = okr(
        "rollover", "--to", "2027-Q1", "--yes", "--archive-to", f"gsheet:{archive}", "-w", gexample
    )

    assert rolled.exit_code == 0, rolled.stderr
    titles = [s.title for s in fake.spreadsheet(archive).sheets]
    assert titles == ["Sheet1", "Archive 2026-Q4", "Archive 2026-Q4 check-ins"]
    moved = fake.sheet(archive, "Archive 2026-Q4 check-ins").last_content_row() - 1
    left = fake.sheet(live, "Check-ins").last_content_row()
    assert moved > 0 and left == log_rows - moved
    assert not [s.title for s in fake.spreadsheet(live).sheets if s.title.startswith("Archive")]
    assert history(okr, gexample, "--cycle", "2026-Q4")["checkins"] == before["checkins"]


def google_bot() -> str:
    from tests.conftest import BOT

    return BOT


def test_lint_compares_with_the_cycles_in_the_archive_workbook(okr: Any, example: Path) -> None:
    w = str(example)
    rolled = okr("rollover", "--to", "2027-Q1", "--yes", "--archive-to", "a.xlsx", "-w", w)
    assert rolled.exit_code == 0, rolled.stderr
    row = next(n for n, r in enumerate(read_tab(example, "Corporate"), 1) if r[1] == KR)
    target = read_tab(example, "Corporate")[0].index("Target") + 1
    type_cells(example, {"Corporate": {(row, target): 2_500_000}})  # below where it ended

    found = okr("lint", "-w", w, "--check", "status-quo", "-f", "json").json()["findings"]

    assert [(f["id"], f["code"]) for f in found] == [(KR, "status-quo")]
    assert "reached in 2026-Q4" in found[0]["message"]


def test_a_rollover_warns_when_its_archive_workbook_nears_googles_limit(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet.layout import budget

    monkeypatch.setattr(budget, "GOOGLE_MAX_CELLS", 1_000)

    rolled = okr(
        "rollover", "--to", "2027-Q1", "--yes", "--archive-to", "a.xlsx", "-w", str(example)
    )

    assert rolled.exit_code == 0, rolled.stderr
    assert "warning: the archive workbook " in rolled.stderr
    assert "give the next rollover a new one" in rolled.stderr


def test_a_day_before_the_cycle_with_no_archive_holding_it_shows_this_cycle(
    okr: Any, example: Path
) -> None:
    before = history(okr, str(example), "--as-of", "2026-09-30")  # nothing rolled over yet

    assert before["checkins"] == [] and before["due"] == "2026-12-31"


ARCHIVES = ("Archive 2026-Q4", "Archive 2026-Q4 check-ins")


def archives_read(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """For each read of the workbook's cells, the archive tabs whose cells it read."""
    looked_at: list[list[str]] = []
    grids = XlsxStore._grids

    def spied(store: XlsxStore, *a: Any, **k: Any) -> RawWorkbook:
        read = k.get("read")
        looked_at.append([t for t in ARCHIVES if read is None or read(t)])
        return grids(store, *a, **k)

    monkeypatch.setattr(XlsxStore, "_grids", spied)
    return looked_at


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--format", "json"),
        ("lagging", "--format", "json"),
        ("report", "--out", "page.html"),
        ("digest", "--format", "json"),
        ("todo", "--owner", "Priya Raman", "--format", "json"),
        ("tree", "--format", "json"),
        ("deps", "--format", "json"),
    ],
    ids=lambda a: a[0],
)
def test_reports_of_the_live_cycle_leave_the_archived_cycles_unread(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    """After a rollover the archive tabs hold the old cycle (its plan and its check-ins): a
    report of the live cycle does not read their cells, so its cost stays that of one cycle;
    and it says what it says when they are read."""
    from okrsheet.layout import schema

    w = str(example)
    assert okr("rollover", "--to", "2027-Q1", "--yes", "-w", w).exit_code == 0
    monkeypatch.setenv("OKR_TODAY", "2027-01-20")
    assert okr("checkin", KR, "--value", "2900000", "-w", w).exit_code == 0
    looked_at = archives_read(monkeypatch)
    out = example.parent / "page.html"
    argv = [a if a != "page.html" else str(out) for a in args]

    def run() -> str:
        result = okr(*argv, "-w", w)
        assert result.exit_code == 0, result.stderr
        return out.read_text(encoding="utf-8") if out.exists() else result.stdout

    unread = run()
    assert looked_at == [[]]
    with monkeypatch.context() as m:
        m.setattr(schema, "is_archive", lambda title: False)
        read = run()
    assert looked_at[1] == list(ARCHIVES)
    assert read == unread
    assert "2027-01" in unread  # of the live cycle


@pytest.mark.parametrize("command", ["status", "lagging"])
def test_on_google_a_report_of_the_live_cycle_does_not_ask_for_the_archives(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """On Google, the values read leaves the archive tabs out of its ranges (fewer bytes
    received), and the report says what it says when they are read."""
    from okrsheet.layout import schema

    assert okr("rollover", "--to", "2027-Q1", "--yes", "-w", gexample).exit_code == 0
    book = google.fake.spreadsheets[google.sheet_id()]
    archives = {s.sheet_id for t in ARCHIVES if (s := book.sheet_by_title(t)) is not None}
    assert len(archives) == 2

    def asked() -> tuple[str, set[int], int]:
        before = google.fake.bytes_received()
        result = okr(command, "--format", "json", "-w", gexample)
        assert result.exit_code == 0, result.stderr
        _meta, values = google.fake.sheets_reads()[-2:]
        ids = {f["gridRange"]["sheetId"] for f in values.body["dataFilters"]}
        return result.stdout, ids, google.fake.bytes_received() - before

    unread, ids, lean = asked()
    with monkeypatch.context() as m:
        m.setattr(schema, "is_archive", lambda title: False)
        read, all_ids, whole = asked()

    assert not ids & archives and archives <= all_ids
    assert read == unread and lean < whole


def test_a_checkin_after_a_rollover_leaves_the_archives_unread_and_as_they_were(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check-in's write does not read the archived cycle's tabs (after a few rollovers they
    would be most of what it reads), and leaves their bytes as they were."""
    import zipfile

    from okrsheet.stores.xlsx.package import Package
    from okrsheet.stores.xlsx.parts import sheet_parts

    w = str(example)
    assert okr("rollover", "--to", "2027-Q1", "--yes", "-w", w).exit_code == 0
    parts = {t: p for t, p in sheet_parts(Package.open(example)).items() if t in ARCHIVES}
    assert len(parts) == 2

    def archived() -> dict[str, bytes]:
        with zipfile.ZipFile(example) as z:
            return {p: z.read(p) for p in parts.values()}

    before = archived()
    looked_at = archives_read(monkeypatch)
    monkeypatch.setenv("OKR_TODAY", "2027-01-20")

    result = okr("checkin", KR, "--value", "2900000", "-w", w)

    assert result.exit_code == 0, result.stderr
    assert looked_at and all(seen == [] for seen in looked_at)
    assert archived() == before
    assert history(okr, w, "--cycle", "2026-Q4")["checkins"]
    assert history(okr, w)["checkins"][-1]["value"] == 2900000


def test_on_google_a_checkin_after_a_rollover_does_not_ask_for_the_archives(
    okr: Any, google: Google, gexample: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Google a check-in reads the workbook in one call, as it writes; the archived
    cycle's tabs are left out of it (after a few rollovers kept in the spreadsheet they would
    be most of what it receives), and the check-in lands as it does when they are read."""
    from dataclasses import replace

    from okrsheet import checkins

    assert okr("rollover", "--to", "2027-Q1", "--yes", "-w", gexample).exit_code == 0
    book = google.fake.spreadsheets[google.sheet_id()]
    archives = {s.sheet_id for t in ARCHIVES if (s := book.sheet_by_title(t)) is not None}
    assert len(archives) == 2
    monkeypatch.setenv("OKR_TODAY", "2027-01-20")

    def check_in(value: str) -> tuple[set[int], int]:
        before, reads = google.fake.bytes_received(), len(google.fake.sheets_reads())
        result = okr("checkin", KR, "--value", value, "-w", gexample)
        assert result.exit_code == 0, result.stderr
        asked = {
            f["gridRange"]["sheetId"]
            for call in google.fake.sheets_reads()[reads:]
            for f in (call.body or {}).get("dataFilters", ())
        }
        return asked, google.fake.bytes_received() - before

    ids, lean = check_in("2900000")
    with monkeypatch.context() as m:  # the archives read, as before
        m.setattr(checkins, "RECORD_SKIM", replace(checkins.RECORD_SKIM, unread=lambda t: False))
        all_ids, whole = check_in("2950000")

    assert ids and not ids & archives and archives <= all_ids
    assert lean < whole
    assert [c["value"] for c in history(okr, gexample)["checkins"][-2:]] == [2900000, 2950000]
    assert history(okr, gexample, "--cycle", "2026-Q4")["checkins"]
