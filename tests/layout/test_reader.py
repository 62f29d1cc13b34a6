"""Reading workbooks: the layout round trip on real .xlsx files, the edits people make by hand,
and findings that name the exact cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.domain.model import (
    CheckIn,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Settings,
    cycle_from_name,
)
from okrsheet.errors import InvalidWorkbook
from okrsheet.layout import Finding, ParsedWorkbook, cell_ref, parse_workbook
from okrsheet.layout.reader import column_letter, find_table, tab_ref
from okrsheet.layout.schema import OKR_COLUMNS, normalize_header
from okrsheet.layout.writer import Draft, Person, workbook_tabs
from okrsheet.service import init_workbook
from okrsheet.stores import Location
from okrsheet.stores.base import Grid, RawWorkbook
from okrsheet.stores.xlsx.store import XlsxStore

CYCLE = cycle_from_name("2026-Q4")
# Column letters of the layout `okr init` writes.
COL = {c.key: column_letter(i) for i, c in enumerate(OKR_COLUMNS, start=1)}

CORP = Objective(id="CORP-1", title="Grow revenue", level=Level.CORPORATE, owner="Priya")
CORP_KRS = (
    KeyResult(
        id="CORP-1.1",
        objective_id="CORP-1",
        title="Annual recurring revenue",
        owner="Priya",
        kind=KRKind.INCREASE,
        start=2_400_000,
        target=3_000_000,
        current=2_500_000,
        unit="$",
        due=date(2026, 12, 31),
        weight=2,
        confidence=0.7,
        last_checkin=date(2026, 11, 9),
    ),
    KeyResult(
        id="CORP-1.2",
        objective_id="CORP-1",
        title="Sales cycle in days",
        owner="Priya",
        kind=KRKind.DECREASE,
        start=94,
        target=70,
        unit="days",
        due=date(2026, 12, 15),
        depends_on=("ALICE-1.1",),
        notes="measured at close",
    ),
)
ALICE = Objective(
    id="ALICE-1",
    title="Open the Nordics",
    level=Level.INDIVIDUAL,
    owner="Alice",
    aligns_to="CORP-1",
)
ALICE_KRS = (
    KeyResult(
        id="ALICE-1.1",
        objective_id="ALICE-1",
        title="Pipeline in dollars",
        owner="Alice",
        kind=KRKind.INCREASE,
        start=100_000,
        target=300_000,
        due=date(2026, 12, 31),
    ),
    KeyResult(
        id="ALICE-1.2",
        objective_id="ALICE-1",
        title="Win rate",
        owner="Alice",
        kind=KRKind.INCREASE,
        start=0.18,
        target=0.25,
        current=0.2,
        unit="%",
        due=date(2026, 11, 30),
        weight=0.5,
    ),
    KeyResult(
        id="ALICE-1.3",
        objective_id="ALICE-1",
        title="Sign a reseller",
        owner="Alice",
        kind=KRKind.MILESTONE,
        start=0,
        target=1,
        current=1,
        due=date(2026, 11, 15),
    ),
)
BOB = Objective(
    id="BOB-1", title="Keep the lights on", level=Level.TEAM, owner="Bob Smith", aligns_to="CORP-1"
)
BOB_KRS = (
    KeyResult(
        id="BOB-1.1",
        objective_id="BOB-1",
        title="Uptime",
        owner="Bob Smith",
        kind=KRKind.KEEP_ABOVE,
        start=0.995,
        target=0.999,
        unit="%",
        due=date(2026, 12, 31),
    ),
    KeyResult(
        id="BOB-1.2",
        objective_id="BOB-1",
        title="Open incidents",
        owner="Bob Smith",
        kind=KRKind.KEEP_BELOW,
        start=4,
        target=5,
        due=date(2026, 12, 31),
    ),
)
CHECKIN = CheckIn(
    date=date(2026, 11, 9),
    kr_id="CORP-1.1",
    value=2_500_000,
    confidence=0.7,
    note="on plan",
    author="Priya",
    recorded_at=datetime(2026, 11, 9, 10, 15),
    checkin_id="c-1",
)


def make_draft() -> Draft:
    return Draft(
        cycle=CYCLE,
        settings=Settings(company="Acme", min_krs_per_objective=1),
        tabs={
            "Corporate": [CORP, *CORP_KRS],
            "Alice": [ALICE, *ALICE_KRS],
            "Bob Smith": [BOB, *BOB_KRS],
        },
        people=[
            Person("Priya", team="Leadership", tab="Corporate"),
            Person("Alice", team="Sales", tab="Alice"),
            Person("Bob Smith", team="Bob Smith", tab="Bob Smith"),
        ],
        checkins=[CHECKIN],
    )


@pytest.fixture(scope="module")
def book_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("reader") / "okr.xlsx"
    XlsxStore(path).create(workbook_tabs(make_draft()), overwrite=False)
    return path.read_bytes()


@pytest.fixture
def book(book_bytes: bytes, tmp_path: Path) -> Path:
    """The draft's workbook as okr writes it (made once, copied into each test)."""
    path = tmp_path / "okr.xlsx"
    path.write_bytes(book_bytes)
    return path


def parse(path: Path) -> ParsedWorkbook:
    return parse_workbook(XlsxStore(path).read())


def edit(path: Path, tab: str, cells: dict[str, Any]) -> None:
    """Change cells the way a person would in a spreadsheet app, and save."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[tab]
    for ref, value in cells.items():
        sheet[ref] = value
    workbook.save(path)


def findings(parsed: ParsedWorkbook, code: str) -> list[Finding]:
    return [f for f in parsed.findings if f.code == code]


def kr(parsed: ParsedWorkbook, kr_id: str) -> KeyResult:
    found = parsed.plan.key_result(kr_id)
    assert found is not None, kr_id
    return found


# The round trip -------------------------------------------------------------------------------


def test_round_trip_gives_back_the_same_plan(book: Path) -> None:
    parsed = parse(book)
    assert parsed.findings == []
    plan = parsed.plan
    assert plan.cycle == CYCLE
    assert plan.settings == Settings(company="Acme", min_krs_per_objective=1)
    assert plan.objectives == (CORP, ALICE, BOB)
    assert plan.key_results == (*CORP_KRS, *ALICE_KRS, *BOB_KRS)
    assert plan.checkins == (CHECKIN,)
    assert parsed.people == {"Priya": "Leadership", "Alice": "Sales", "Bob Smith": "Bob Smith"}
    assert [t.title for t in parsed.okr_tables] == ["Corporate", "Alice", "Bob Smith"]
    assert parsed.checkin_table is not None and parsed.checkin_table.title == "Check-ins"
    table, row = parsed.rows["ALICE-1.2"]
    assert (table.title, row) == ("Alice", 4)
    assert table.header_row == 1
    assert table.extra_columns == {}


def test_round_trip_through_okr_init(tmp_path: Path) -> None:
    path = tmp_path / "example.xlsx"
    draft, _location = init_workbook(
        Location(path=path),
        template="sales",
        cycle=CYCLE,
        people=None,
        example=True,
        force=False,
        company=None,
        today=date(2026, 11, 16),
    )
    parsed = parse(path)
    assert parsed.errors == []
    assert parsed.plan.objectives == tuple(draft.objectives)
    written = [i for items in draft.tabs.values() for i in items if isinstance(i, KeyResult)]
    read = parsed.plan.key_results
    assert [k.id for k in read] == [k.id for k in written]
    for mine, theirs in zip(read, written, strict=True):
        assert (mine.title, mine.kind, mine.start, mine.target, mine.due, mine.weight) == (
            theirs.title,
            theirs.kind,
            theirs.start,
            theirs.target,
            theirs.due,
            theirs.weight,
        )
        assert mine.unit == theirs.unit and mine.objective_id == theirs.objective_id
    assert len(parsed.plan.checkins) == len(draft.checkins)


def test_blank_template_reads_without_errors(blank: Path) -> None:
    parsed = parse(blank)
    assert parsed.errors == []
    assert parsed.plan.cycle == CYCLE


def test_levels_default_from_the_tab_and_people(book: Path) -> None:
    # Blank levels: Corporate tab -> corporate, a team's tab -> team, else individual.
    edit(book, "Corporate", {f"{COL['level']}2": None})
    edit(book, "Alice", {f"{COL['level']}2": None})
    edit(book, "Bob Smith", {f"{COL['level']}2": None})
    objectives = {o.id: o for o in parse(book).plan.objectives}
    assert objectives["CORP-1"].level is Level.CORPORATE
    assert objectives["ALICE-1"].level is Level.INDIVIDUAL
    assert objectives["BOB-1"].level is Level.TEAM


def test_blank_owner_falls_back_to_the_objective_and_tab(book: Path) -> None:
    edit(book, "Alice", {f"{COL['owner']}2": None, f"{COL['owner']}3": None})
    parsed = parse(book)
    assert parsed.plan.objective("ALICE-1").owner == "Alice"  # type: ignore[union-attr]
    assert kr(parsed, "ALICE-1.1").owner == "Alice"


# Cells typed by people ------------------------------------------------------------------------


def test_text_typed_by_people_is_understood(book: Path) -> None:
    edit(
        book,
        "Alice",
        {
            f"{COL['current']}3": "$250,000",
            f"{COL['due']}3": "31 Dec 2026",
            f"{COL['confidence']}3": "70%",
            f"{COL['due']}4": "Nov 30, 2026",
            f"{COL['confidence']}4": "7/10",
            f"{COL['weight']}4": "0.5",
            f"{COL['start']}3": "100,000",
            f"{COL['target']}3": " 300000 ",
            f"{COL['current']}5": "done",
            f"{COL['kind']}5": "Milestone",
            f"{COL['type']}3": "KR",
            f"{COL['type']}2": "objective",
        },
    )
    parsed = parse(book)
    assert parsed.errors == []
    first = kr(parsed, "ALICE-1.1")
    assert first.current == 250_000
    assert first.start == 100_000 and first.target == 300_000
    assert first.due == date(2026, 12, 31)
    assert first.confidence == pytest.approx(0.7)
    second = kr(parsed, "ALICE-1.2")
    assert second.due == date(2026, 11, 30)
    assert second.confidence == pytest.approx(0.7)
    assert second.weight == 0.5
    assert kr(parsed, "ALICE-1.3").current == 1.0


def test_day_first_dates_follow_the_settings(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    settings = workbook["Settings"]
    row = next(r for r in range(1, 20) if settings.cell(r, 1).value == "Date order")
    settings.cell(row, 2).value = "DMY"
    workbook["Alice"][f"{COL['due']}3"] = "1/12/2026"
    workbook.save(book)
    assert kr(parse(book), "ALICE-1.1").due == date(2026, 12, 1)


def test_an_extra_column_is_kept_and_ignored(book: Path) -> None:
    edit(book, "Alice", {"U1": "My notes", "U3": "ask Bob about pricing", "U4": "12"})
    parsed = parse(book)
    assert parsed.findings == []
    table = parsed.rows["ALICE-1.1"][0]
    assert table.extra_columns == {21: "My notes"}
    assert kr(parsed, "ALICE-1.1") == ALICE_KRS[0]


def test_an_extra_column_in_the_middle_shifts_nothing(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Alice"]
    sheet.insert_cols(4)
    sheet["D1"] = "My notes"
    sheet["D3"] = "hand-written"
    workbook.save(book)
    parsed = parse(book)
    assert parsed.errors == []
    table = parsed.rows["ALICE-1.1"][0]
    assert table.extra_columns == {4: "My notes"}
    assert table.columns["title"] == 5
    assert parsed.plan.key_results[2:5] == ALICE_KRS


def test_a_blank_row_inserted_between_rows(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Alice"]
    sheet.insert_rows(3)
    # A KR below the blank row, without an Objective ID, still belongs to the objective above.
    sheet[f"{COL['objective_id']}4"] = None
    workbook.save(book)
    parsed = parse(book)
    assert parsed.errors == []
    assert kr(parsed, "ALICE-1.1") == ALICE_KRS[0]
    assert parsed.rows["ALICE-1.1"][1] == 4
    assert parsed.rows["ALICE-1.3"][1] == 6


def test_renamed_headers_with_other_case_and_spacing(book: Path) -> None:
    edit(
        book,
        "Alice",
        {
            f"{COL['current']}1": "  CURRENT-value ",
            f"{COL['due']}1": "Due date",
            f"{COL['target']}1": "goal",
            f"{COL['title']}1": "  Objective / Key result",
            f"{COL['type']}1": "row_type",
            f"{COL['confidence']}1": "Conf.",
        },
    )
    parsed = parse(book)
    assert parsed.findings == []
    table = parsed.rows["ALICE-1.1"][0]
    assert table.columns["current"] == 11 and table.columns["due"] == 13
    assert table.columns["title"] == 4 and table.columns["type"] == 1
    assert parsed.plan.key_results[2:5] == ALICE_KRS


def test_header_moved_down_below_a_title_row(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["Alice"]
    sheet.insert_rows(1, amount=2)
    sheet["A1"] = "Alice's OKRs for Q4"
    sheet[f"{COL['target']}6"] = "TBD"
    workbook.save(book)
    parsed = parse(book)
    table = next(t for t in parsed.okr_tables if t.title == "Alice")
    assert table.header_row == 3
    assert parsed.rows["ALICE-1.1"][1] == 5
    # The bad cell is named by its real row.
    assert [f.where for f in parsed.errors] == [f"Alice!{COL['target']}6"]
    assert kr(parsed, "ALICE-1.1") == ALICE_KRS[0]


def test_a_header_too_far_down_is_not_found(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    workbook["Alice"].insert_rows(1, amount=10)
    workbook["Alice"]["A1"] = "title"
    workbook.save(book)
    parsed = parse(book)
    assert [(f.code, f.where) for f in findings(parsed, "unknown-tab")] == [
        ("unknown-tab", "Alice")
    ]
    assert parsed.plan.objective("ALICE-1") is None


# Findings that name cells ---------------------------------------------------------------------


def test_a_placeholder_target_names_the_cell(book: Path) -> None:
    edit(book, "Alice", {f"{COL['target']}3": "TBD"})
    edit(book, "Bob Smith", {f"{COL['target']}3": "TBD"})
    parsed = parse(book)
    bad = findings(parsed, "bad-cell")
    assert [f.where for f in bad] == ["Alice!J3", "'Bob Smith'!J3"]
    assert all(f.severity == "error" and "placeholder" in f.message for f in bad)
    assert str(bad[0]).startswith("Alice!J3: target:")
    # The broken KRs are left out; the rest still reads.
    assert parsed.plan.key_result("ALICE-1.1") is None
    assert parsed.plan.key_result("BOB-1.1") is None
    assert kr(parsed, "ALICE-1.2") == ALICE_KRS[1]


@pytest.mark.parametrize(
    ("key", "value", "code", "text"),
    [
        ("due", "someday", "bad-cell", "is not a date"),
        ("start", "", "invalid", "benchmark it first"),
        ("confidence", "150", "bad-cell", "between 0 and 1"),
        ("kind", "sideways", "bad-cell", "is not a kind"),
        ("current", "12k", "bad-cell", "write the number in full"),
        ("weight", "-1", "invalid", "positive"),
        ("type", "Task", "bad-cell", "is not a row type"),
    ],
)
def test_bad_cells_name_their_cell(book: Path, key: str, value: str, code: str, text: str) -> None:
    edit(book, "Bob Smith", {f"{COL[key]}3": value or None})
    parsed = parse(book)
    errors = [f for f in parsed.errors if f.code == code]
    assert [f.where for f in errors] == [f"'Bob Smith'!{COL[key]}3"]
    assert text in errors[0].message


def test_due_outside_the_cycle_is_named(book: Path) -> None:
    edit(book, "Alice", {f"{COL['due']}4": date(2027, 1, 15)})
    errors = findings(parse(book), "due-outside-cycle")
    assert [f.where for f in errors] == [f"Alice!{COL['due']}4"]


def test_missing_required_header(book: Path) -> None:
    edit(book, "Alice", {f"{COL['due']}1": None, f"{COL['target']}1": "Aim"})
    parsed = parse(book)
    missing = findings(parsed, "missing-header")
    assert [f.where for f in missing] == ["Alice!1:1"]
    assert "'Target'" in missing[0].message and "'Due'" in missing[0].message
    # The tab is not read at all rather than read wrong.
    assert parsed.plan.objective("ALICE-1") is None
    assert all(t.title != "Alice" for t in parsed.okr_tables)


def test_a_duplicate_header_is_an_error(book: Path) -> None:
    edit(book, "Alice", {"U1": "Target", "U3": 5})
    dupes = findings(parse(book), "duplicate-header")
    assert [f.where for f in dupes] == ["Alice!U1"]
    assert "Alice!J1" in dupes[0].message


def test_duplicate_kr_ids(book: Path) -> None:
    edit(book, "Bob Smith", {f"{COL['id']}4": "ALICE-1.1"})
    parsed = parse(book)
    dupes = findings(parsed, "duplicate-id")
    assert [f.where for f in dupes] == ["'Bob Smith'!B4"]
    assert "Alice!B3" in dupes[0].message
    assert [k.id for k in parsed.plan.key_results].count("ALICE-1.1") == 1


def test_a_kr_whose_objective_does_not_exist(book: Path) -> None:
    edit(book, "Alice", {f"{COL['objective_id']}4": "NOPE-9"})
    errors = findings(parse(book), "unknown-objective")
    assert [(f.severity, f.where) for f in errors] == [("error", "Alice!C4")]
    assert "NOPE-9" in errors[0].message


def test_an_objective_with_no_key_results(book: Path) -> None:
    edit(
        book,
        "Alice",
        {"A7": "Objective", "B7": "ALICE-2", "D7": "Lonely objective", "G7": "CORP-1"},
    )
    parsed = parse(book)
    lonely = findings(parsed, "no-key-results")
    assert [(f.severity, f.where) for f in lonely] == [("warning", "Alice!B7")]
    assert parsed.plan.objective("ALICE-2") is not None
    assert parsed.errors == []


def test_a_kr_with_no_objective_at_all(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    sheet = workbook.copy_worksheet(workbook["Alice"])
    sheet.title = "Carol"
    sheet.delete_rows(2)
    sheet["C2"] = None
    for row in (3, 4):
        sheet[f"B{row}"] = f"CAROL-{row}"
    sheet["B2"] = "CAROL-X"
    workbook.save(book)
    parsed = parse(book)
    orphans = findings(parsed, "no-objective")
    assert [f.where for f in orphans] == ["Carol!C2"]
    # Its siblings name their objective in 'Objective ID', and so belong to it.
    assert kr(parsed, "CAROL-3").objective_id == "ALICE-1"


def test_rows_without_type_or_id(book: Path) -> None:
    edit(book, "Alice", {"A8": None, "B8": "ALICE-9", "D8": "no type", "A9": "Key result"})
    edit(book, "Alice", {"D9": "no id", "I9": 1, "J9": 2, "M9": date(2026, 12, 1)})
    parsed = parse(book)
    assert [f.where for f in findings(parsed, "missing-type")] == ["Alice!A8"]
    assert [f.where for f in findings(parsed, "missing-id")] == ["Alice!B9"]
    assert "okr validate --fix" in findings(parsed, "missing-id")[0].message


def test_without_a_settings_tab_there_is_no_plan(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    del workbook["Settings"]
    workbook.save(book)
    with pytest.raises(InvalidWorkbook, match="no 'Settings' tab"):
        parse(book)


def test_without_a_checkin_log_there_is_a_warning(book: Path) -> None:
    workbook = openpyxl.load_workbook(book)
    del workbook["Check-ins"]
    workbook.save(book)
    parsed = parse(book)
    assert [f.severity for f in findings(parsed, "no-checkin-log")] == ["warning"]
    assert parsed.checkin_table is None
    assert parsed.plan.checkins == ()


def test_drift_between_the_row_and_the_log_names_the_current_cell(book: Path) -> None:
    edit(book, "Corporate", {f"{COL['current']}3": 2_600_000})
    parsed = parse(book)
    drift = findings(parsed, "drift")
    assert [(f.severity, f.where) for f in drift] == [("warning", "Corporate!K3")]
    assert kr(parsed, "CORP-1.1").current == 2_600_000  # the row counts, as in the sheet


def test_a_checkin_newer_than_its_row_names_the_log_cell(book: Path) -> None:
    raw = XlsxStore(book).read()
    log = raw.grid("Check-ins")
    assert log is not None
    log.rows.append([date(2026, 11, 20), "CORP-1.1", 2_700_000, None, None, None, None, None])
    parsed = parse_workbook(raw)
    [finding] = findings(parsed, "unapplied-checkin")
    assert finding.where == f"'Check-ins'!C{len(log.rows)}"
    assert "CORP-1.1" in finding.message and "2026-11-20" in finding.message
    assert kr(parsed, "CORP-1.1").current == 2_500_000  # the row counts until --fix


def test_without_log_the_row_values_stand(book: Path) -> None:
    edit(book, "Corporate", {f"{COL['current']}3": 2_600_000})
    parsed = parse_workbook(XlsxStore(book).read(), with_log=False)
    assert kr(parsed, "CORP-1.1").current == 2_600_000
    assert parsed.plan.checkins == ()
    assert findings(parsed, "drift") == []


def _with_log(path: Path, rows: list[list[Any]]) -> ParsedWorkbook:
    """The workbook at `path` read as a store returns it, with these rows under the log header."""
    raw = XlsxStore(path).read()
    log = raw.grid("Check-ins")
    assert log is not None
    log.rows = [log.rows[0], *rows]
    return parse_workbook(raw)


def test_a_log_of_plain_cells_and_typed_text_reads_the_same(book: Path) -> None:
    """Columns of the plain types a store returns take a fast path; any typed text in a column
    sends it through the cell parsers. Both give the same check-ins."""
    day, stamp = date(2026, 11, 2), datetime(2026, 11, 2, 9, 30)
    plain = [[day, "CORP-1.1", 2_450_000.0, 0.7, " note ", "Priya", stamp, "id-1"]]
    typed = [["11/2/2026", " CORP-1.1 ", "$2,450,000", "70%", " note ", "Priya",
              "2026-11-02 09:30", "id-1"]]  # fmt: skip
    fast, slow = _with_log(book, plain), _with_log(book, typed)
    assert fast.errors == [] and slow.errors == []
    assert fast.plan.checkins == slow.plan.checkins
    (checkin,) = fast.plan.checkins
    assert (checkin.note, checkin.confidence, checkin.recorded_at) == ("note", 0.7, stamp)


def test_log_cells_of_odd_types_read_as_their_parsers_say(book: Path) -> None:
    rows: list[list[Any]] = [
        [date(2026, 11, 2), "CORP-1.1", -0.0, "", "", "", date(2026, 11, 2), "a"],
        [date(2026, 11, 3), "CORP-1.1", 7.0, 7.0, "", "", "", "b"],  # 7 of 10
        ["", "", "", "", "", "", "", ""],  # blank: skipped, not an error
        [date(2026, 11, 4), "CORP-1.1", 1.0, None, None, None, None, None],
    ]
    parsed = _with_log(book, rows)
    assert parsed.errors == []
    a, b, c = parsed.plan.checkins
    assert str(a.value) == "0.0" and a.confidence is None  # -0 reads as 0
    assert a.recorded_at == datetime(2026, 11, 2)  # a date alone is that day at midnight
    assert b.confidence == 0.7
    assert (c.note, c.checkin_id) == ("", "")


def test_bad_log_rows_are_named_row_by_row_and_the_rest_still_read(book: Path) -> None:
    rows: list[list[Any]] = [
        [date(2026, 11, 2), "CORP-1.1", "lots", "", "", "", "", "a"],  # row 2: bad value
        [date(2026, 11, 3), "", 5.0, "", "", "", "", "b"],  # row 3: no KR id
        ["2026-02-30", "CORP-1.1", 5.0, "150%", "", "", "", "c"],  # row 4: two bad cells
        [date(2026, 11, 5), "CORP-1.1", 6.0, "", "", "", "", "d"],  # row 5: fine
        ["", "CORP-1.1", "", "", "", "", "", ""],  # row 6: date and value missing
    ]
    parsed = _with_log(book, rows)
    named = [(f.code, f.where) for f in parsed.findings if f.severity == "error"]
    assert named == [
        ("bad-cell", "'Check-ins'!C2"),
        ("missing", "'Check-ins'!B3"),
        ("bad-cell", "'Check-ins'!A4"),
        ("bad-cell", "'Check-ins'!D4"),
        ("missing", "'Check-ins'!A6"),
    ]
    assert [c.checkin_id for c in parsed.plan.checkins] == ["d"]


# Names of cells and headers -------------------------------------------------------------------


def test_cell_ref_quotes_tab_names_that_need_it() -> None:
    assert cell_ref("Alice", 7, 7) == "Alice!G7"
    assert cell_ref("Bob Smith", 7, 7) == "'Bob Smith'!G7"
    assert cell_ref("O'Brien", 1, 28) == "'O''Brien'!AB1"
    assert cell_ref("Check-ins", 2, 3) == "'Check-ins'!C2"
    assert tab_ref("Team_2") == "Team_2"
    assert [column_letter(c) for c in (1, 26, 27, 703)] == ["A", "Z", "AA", "AAA"]


def test_normalize_header_ignores_case_spacing_and_punctuation() -> None:
    assert normalize_header("  Due-DATE ") == normalize_header("due date") == "due date"
    assert normalize_header("Confidence %") == "confidence %"


def test_find_table_finds_again_when_the_header_rows_change_in_place() -> None:
    grid = Grid("T", [["Type", "ID", "Title", "Owner"], ["Objective", "O-1", "Grow", "Ana"]])
    first = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert first is not None and first.columns["owner"] == 4
    first.columns["owner"] = 99  # a caller extending its copy changes nothing kept
    again = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert again is not None and again.columns["owner"] == 4
    grid.rows[0] = ["Colour", "Type", "ID", "Title", "Owner"]  # a column inserted, in place
    moved = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert moved is not None and moved.columns["owner"] == 5
    assert moved.extra_columns == {1: "Colour"}
    grid.title = "Renamed"
    renamed = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert renamed is not None and renamed.title == "Renamed"
    grid.rows[0].insert(0, "Note")  # the row itself changed, not replaced
    inserted = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert inserted is not None and inserted.columns["owner"] == 6
    fewer = [c for c in OKR_COLUMNS if c.key != "owner"]  # other columns, looked up apart
    other = find_table(grid, fewer, min_matches=3)
    assert other is not None and "owner" not in other.columns


def test_find_table_needs_enough_known_headers() -> None:
    grid = Grid("T", [["Type", "Notes"], [], ["Type", "ID", "Title", "Start", "Whatever"]])
    table = find_table(grid, OKR_COLUMNS, min_matches=4)
    assert table is not None
    assert table.header_row == 3
    assert table.columns == {"type": 1, "id": 2, "title": 3, "start": 4}
    assert table.extra_columns == {5: "Whatever"}
    assert find_table(Grid("T", [["Type", "ID"]]), OKR_COLUMNS, min_matches=4) is None


def test_parse_workbook_of_plain_grids() -> None:
    raw = RawWorkbook(
        [
            Grid(
                "Settings",
                [
                    ["Setting", "Value"],
                    ["Cycle", "2026-Q4"],
                    ["Cycle start", "2026-10-01"],
                    ["Cycle end", "Dec 31, 2026"],
                ],
            ),
            Grid(
                "Team",
                [
                    ["Type", "ID", "Title", "Start", "Target", "Due"],
                    ["Objective", "T-1", "Ship it", "", "", ""],
                    ["KR", "T-1.1", "Releases", "0", "4", "2026-12-01"],
                ],
            ),
        ]
    )
    parsed = parse_workbook(raw)
    assert parsed.plan.cycle == CYCLE
    assert kr(parsed, "T-1.1").objective_id == "T-1"
    assert kr(parsed, "T-1.1").owner == "Team"
    assert kr(parsed, "T-1.1").kind is KRKind.INCREASE
