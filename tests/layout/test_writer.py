"""Laying out workbooks: tab names, id prefixes, Progress formulas, the tabs `okr init` writes,
and ids for rows that lack them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrsheet.layout import parse_workbook
from okrsheet.layout.reader import column_letter
from okrsheet.layout.schema import (
    CHECKIN_COLUMNS,
    OKR_COLUMNS,
    SETTING_ROWS,
    normalize_header,
)
from okrsheet.layout.writer import (
    Draft,
    Person,
    RowEntry,
    assign_missing_ids,
    checkin_row,
    checkins_tab,
    id_prefix,
    kr_progress_formula,
    objective_progress_formula,
    okr_row,
    okr_tab,
    okr_tables,
    people_tab,
    progress_formulas,
    progress_formulas_fit,
    safe_tab_title,
    settings_tab,
    workbook_tabs,
)
from okrsheet.model import CheckIn, KeyResult, KRKind, Level, Objective, Settings, cycle_from_name
from okrsheet.service import fix_ids
from okrsheet.stores import Location
from okrsheet.stores.base import CellValue, Formula, Grid, RawWorkbook, SetCells
from okrsheet.stores.xlsx import XlsxStore

CYCLE = cycle_from_name("2026-Q4")
COL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
HEADER = [c.header for c in OKR_COLUMNS]

OBJ = Objective(id="O-1", title="Win", level=Level.TEAM, owner="Ann", aligns_to="CORP-1")
KR_PCT = KeyResult(
    id="O-1.1",
    objective_id="O-1",
    title="Conversion",
    owner="Ann",
    kind=KRKind.INCREASE,
    start=0.1,
    target=0.2,
    unit="%",
    due=date(2026, 12, 31),
    weight=2,
    confidence=0.6,
    depends_on=("X-1.1", "X-1.2"),
)
KR_USD = KeyResult(
    id="O-1.2",
    objective_id="O-1",
    title="Revenue",
    owner="Ann",
    kind=KRKind.DECREASE,
    start=500,
    target=100,
    current=300,
    unit="$",
    due=date(2026, 12, 1),
    last_checkin=date(2026, 11, 2),
    grade=0.5,
    notes="cost, really",
)


# Tab titles and id prefixes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Alice Martin", "Alice Martin"),
        ("Q4: Sales/Marketing [draft]", "Q4 Sales Marketing draft"),
        ("a*b?c\\d", "a b c d"),
        ("  'quoted'  ", "quoted"),
        ("   ", "Unnamed"),
        ("[]:*?/\\", "Unnamed"),
        ("x" * 40, "x" * 31),
        ("x" * 30 + " tail", "x" * 30),
        ("tab\twith\nwhitespace", "tab with whitespace"),
    ],
)
def test_safe_tab_title(name: str, title: str) -> None:
    assert safe_tab_title(name) == title


def test_safe_tab_title_never_ends_with_an_apostrophe_after_truncation() -> None:
    """Excel refuses tab names that begin or end with an apostrophe; cutting a long name at
    31 characters must not leave one at the end."""
    title = safe_tab_title("The Platform Engineering Group's OKRs")
    assert len(title) <= 31
    assert not title.startswith("'") and not title.endswith("'")


@given(st.text(max_size=60))
def test_safe_tab_title_is_always_acceptable(name: str) -> None:
    title = safe_tab_title(name)
    assert 1 <= len(title) <= 31
    assert not set(title) & set("[]:*?/\\")
    assert title == title.strip()


@pytest.mark.parametrize(
    ("tab", "taken", "prefix"),
    [
        ("Corporate", (), "CORP"),
        ("  corporate ", (), "CORP"),
        ("Alice Martin", (), "ALICE"),
        ("Marketing", (), "MARKET"),
        ("42 Team", (), "42"),
        ("!!!", (), "T"),
        ("Alice Smith", ("ALICE",), "ALICE2"),
        ("Alice Smith", ("alice", "Alice2"), "ALICE3"),
        ("Corporate", ("CORP",), "CORP2"),
    ],
)
def test_id_prefix(tab: str, taken: tuple[str, ...], prefix: str) -> None:
    assert id_prefix(tab, taken) == prefix


# Progress formulas ----------------------------------------------------------------------------


def test_kr_progress_formula_text() -> None:
    formula = kr_progress_formula(7)
    assert isinstance(formula, Formula)
    assert formula.text == (
        '=IF(OR(I7="",J7=""),"",'
        'IF(H7="milestone",IF(N(K7)>=1,1,0),'
        'IF(H7="keep above",IF(IF(K7="",I7,K7)>=J7,1,0),'
        'IF(H7="keep below",IF(IF(K7="",I7,K7)<=J7,1,0),'
        'IF(J7=I7,"",MAX(0,MIN(1,(IF(K7="",I7,K7)-I7)/(J7-I7))))))))'
    )
    assert formula.text.count("(") == formula.text.count(")")


def test_kr_progress_formula_follows_the_columns_of_the_tab() -> None:
    columns = {"start": 2, "target": 3, "current": 28, "kind": 1}
    text = kr_progress_formula(4, columns).text
    assert text.startswith('=IF(OR(B4="",C4=""),"",IF(A4="milestone",IF(N(AB4)>=1,1,0)')
    assert "I4" not in text and "J4" not in text


def test_objective_progress_formula_text() -> None:
    formula = objective_progress_formula(3, 5)
    assert formula.text == '=IFERROR(SUMPRODUCT(N3:N5,Q3:Q5)/SUM(N3:N5),"")'
    other = objective_progress_formula(10, 12, {"weight": 1, "progress": 27})
    assert other.text == '=IFERROR(SUMPRODUCT(A10:A12,AA10:AA12)/SUM(A10:A12),"")'


def test_progress_formulas_cover_each_objectives_own_block() -> None:
    entries = [
        RowEntry(2, True, "O-1"),
        RowEntry(3, False, "O-1.1", "O-1"),
        RowEntry(4, False, "O-1.2", ""),  # below its objective, no Objective ID
        RowEntry(5, True, "O-2"),
        RowEntry(6, False, "O-2.1", "O-2"),
        RowEntry(8, False, "O-2.2", "O-2"),  # after a gap: not in the block
        RowEntry(9, True, "O-3"),
        RowEntry(10, False, "X-1.1", "X-1"),  # another objective's KR ends the block
        RowEntry(11, True, "O-4"),  # no KRs: no formula
    ]
    formulas = progress_formulas(list(reversed(entries)))
    assert formulas[2] == objective_progress_formula(3, 4)
    assert formulas[5] == objective_progress_formula(6, 6)
    assert 9 not in formulas
    assert 11 not in formulas
    for row in (3, 4, 6, 8, 10):
        assert formulas[row] == kr_progress_formula(row)
    assert set(formulas) == {2, 3, 4, 5, 6, 8, 10}


def test_progress_formulas_fit_needs_every_column() -> None:
    assert progress_formulas_fit(COL)
    assert not progress_formulas_fit({k: v for k, v in COL.items() if k != "weight"})


# Rows and tabs --------------------------------------------------------------------------------


def test_okr_rows_put_values_under_their_headers() -> None:
    row = dict(zip([c.key for c in OKR_COLUMNS], okr_row(KR_USD, Formula("=1")), strict=True))
    assert row["type"] == "Key result"
    assert (row["id"], row["objective_id"], row["title"]) == ("O-1.2", "O-1", "Revenue")
    assert (row["kind"], row["start"], row["target"], row["current"]) == ("decrease", 500, 100, 300)
    assert (row["unit"], row["due"], row["weight"]) == ("$", date(2026, 12, 1), 1.0)
    assert (row["last_checkin"], row["grade"], row["notes"]) == (
        date(2026, 11, 2),
        0.5,
        "cost, really",
    )
    assert row["progress"] == Formula("=1")
    assert row["level"] is None and row["confidence"] is None and row["depends_on"] is None
    assert dict(zip(HEADER, okr_row(KR_PCT, None), strict=True))["Depends on"] == "X-1.1, X-1.2"

    objective = dict(zip([c.key for c in OKR_COLUMNS], okr_row(OBJ, None), strict=True))
    assert objective["type"] == "Objective"
    assert (objective["level"], objective["owner"], objective["aligns_to"]) == (
        "team",
        "Ann",
        "CORP-1",
    )
    assert objective["start"] is None and objective["notes"] is None


def test_okr_tab_lays_out_rows_formulas_and_formats() -> None:
    spec = okr_tab("Ann", [OBJ, KR_PCT, KR_USD])
    assert [c.header for c in spec.columns] == HEADER
    assert len(spec.rows) == 3
    progress = COL["progress"] - 1
    assert spec.rows[0][progress] == objective_progress_formula(3, 4)
    assert spec.rows[1][progress] == kr_progress_formula(3)
    assert spec.rows[2][progress] == kr_progress_formula(4)
    assert spec.emphasized_rows == frozenset({0})
    for key in ("start", "target", "current"):
        assert spec.cell_formats[(1, COL[key])] == "percent1"
        assert spec.cell_formats[(2, COL[key])] == "currency"
    assert spec.wrap_columns == (COL["title"], COL["notes"])
    assert spec.color is None
    assert okr_tab("Corporate", []).color is not None


def test_okr_tab_formulas_land_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    XlsxStore(path).create([okr_tab("Ann", [OBJ, KR_PCT, KR_USD])], overwrite=False)
    sheet = openpyxl.load_workbook(path)["Ann"]
    letter = column_letter(COL["progress"])
    assert sheet[f"{letter}2"].data_type == "f"
    assert sheet[f"{letter}2"].value == objective_progress_formula(3, 4).text
    assert sheet[f"{letter}3"].value == kr_progress_formula(3).text
    assert sheet[f"{column_letter(COL['start'])}3"].number_format == "0.0%"
    assert sheet[f"{column_letter(COL['start'])}4"].number_format == '"$"#,##0'
    assert sheet[f"{column_letter(COL['due'])}3"].is_date


def test_checkin_rows_follow_the_log_columns() -> None:
    checkin = CheckIn(
        date=date(2026, 11, 2),
        kr_id="O-1.1",
        value=0.15,
        confidence=0.5,
        note="ok",
        author="Ann",
        recorded_at=datetime(2026, 11, 2, 9, 0),
        checkin_id="c-9",
    )
    assert checkin_row(checkin) == [
        date(2026, 11, 2),
        "O-1.1",
        0.15,
        0.5,
        "ok",
        "Ann",
        datetime(2026, 11, 2, 9, 0),
        "c-9",
    ]
    bare = checkin_row(CheckIn(date=date(2026, 11, 2), kr_id="O-1.1", value=1))
    assert bare == [date(2026, 11, 2), "O-1.1", 1.0, None, None, None, None, None]
    spec = checkins_tab([checkin])
    assert [c.header for c in spec.columns] == [c.header for c in CHECKIN_COLUMNS]
    assert spec.title == "Check-ins"


def test_settings_and_people_tabs() -> None:
    spec = settings_tab(Settings(company="Acme", cadence_days=14), CYCLE)
    labels = [row[0] for row in spec.rows]
    assert labels == [s.label for s in SETTING_ROWS]
    values = {row[0]: row[1] for row in spec.rows}
    assert values["Company"] == "Acme"
    assert values["Cycle"] == "2026-Q4"
    assert values["Cycle start"] == date(2026, 10, 1)
    assert values["Cycle end"] == date(2026, 12, 31)
    assert values["Check-in cadence (days)"] == 14
    assert values["Date order"] == "MDY"
    people = people_tab([Person("Ann", team="Sales"), Person("Bo", email="bo@x.io", tab="Bo")])
    assert people.rows == [["Ann", "Sales", None, None], ["Bo", None, "bo@x.io", "Bo"]]


def test_workbook_tabs_order() -> None:
    draft = Draft(cycle=CYCLE, settings=Settings(), tabs={"Corporate": [], "Ann": [OBJ, KR_PCT]})
    assert [t.title for t in workbook_tabs(draft)] == [
        "Guide",
        "Settings",
        "Corporate",
        "Ann",
        "People",
        "Check-ins",
        "Initiatives",
        "KPIs",
    ]
    assert draft.objectives == [OBJ]


# Ids for rows that lack them ------------------------------------------------------------------


def _okr_grid(title: str, rows: list[list[CellValue]]) -> Grid:
    """An OKR tab with just Type, ID, Objective ID, Title, Start, Target, Due."""
    header: list[CellValue] = ["Type", "ID", "Objective ID", "Title", "Start", "Target", "Due"]
    return Grid(title, [header, *[r + [None] * (7 - len(r)) for r in rows]])


def test_okr_tables_are_tabs_with_type_and_id() -> None:
    raw = RawWorkbook(
        [
            Grid("Settings", [["Setting", "Value"]]),
            _okr_grid("Ann", []),
            Grid("No ids", [["Type", "Title", "Start", "Target", "Due"]]),
        ]
    )
    assert [t.title for t in okr_tables(raw)] == ["Ann"]


def test_assign_missing_ids() -> None:
    raw = RawWorkbook(
        [
            _okr_grid(
                "Alice Martin",
                [
                    ["Objective", "ALICE-1", "", "First"],
                    ["Key result", "", "", "new under ALICE-1"],
                    ["Key result", "ALICE-1.1", "", "existing"],
                    ["Objective", "", "", "Second"],
                    ["KR", "", "ALICE-1", "names its objective"],
                    ["KR", "", "", "under the second"],
                    ["Task", "", "", "not a row type: left alone"],
                    [None, None, None, "no type: left alone"],
                ],
            ),
            _okr_grid(
                "Alice Smith",
                [["Objective", "", "", "Hers"], ["Key result", "", "", "hers too"]],
            ),
            _okr_grid("Corporate", [["Key result", "", "", "no objective anywhere"]]),
            _okr_grid("Done", [["Objective", "D-1"], ["Key result", "D-1.1", "D-1"]]),
        ]
    )
    changes = assign_missing_ids(raw)
    assert all(isinstance(c, SetCells) for c in changes)
    by_tab = {c.tab: c.cells for c in changes if isinstance(c, SetCells)}
    assert by_tab == {
        "Alice Martin": {
            (3, 2): "ALICE-1.2",
            (5, 2): "ALICE-2",
            (6, 2): "ALICE-1.3",
            (7, 2): "ALICE-2.1",
        },
        "Alice Smith": {(2, 2): "ALICE2-1", (3, 2): "ALICE2-1.1"},
        "Corporate": {(2, 2): "CORP.1"},
    }


def test_assign_missing_ids_changes_nothing_when_all_have_ids() -> None:
    raw = RawWorkbook([_okr_grid("Ann", [["Objective", "A-1"], ["Key result", "A-1.1"]])])
    assert assign_missing_ids(raw) == []


def test_fix_ids_on_a_real_workbook(tmp_path: Path) -> None:
    path = tmp_path / "okr.xlsx"
    draft = Draft(
        cycle=CYCLE,
        settings=Settings(min_krs_per_objective=1),
        tabs={"Ann Lee": [OBJ, KR_PCT.model_copy(update={"depends_on": ()}), KR_USD]},
    )
    XlsxStore(path).create(workbook_tabs(draft), overwrite=False)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Ann Lee"]
    id_col = column_letter(COL["id"])
    parent_col = column_letter(COL["objective_id"])
    sheet[f"{id_col}2"] = None
    sheet[f"{id_col}3"] = None
    sheet[f"{parent_col}3"] = None
    sheet[f"{parent_col}4"] = None
    sheet["U1"] = "My notes"
    sheet["U3"] = "keep"
    workbook.save(path)
    before = parse_workbook(XlsxStore(path).read())
    # Row 4's KR names no objective and the one above it has no id yet: only the missing ids
    # are errors, since assigning them leaves the KR under its objective.
    assert {f.code for f in before.errors} == {"missing-id"}

    assert fix_ids(Location(path=path)) == 2
    parsed = parse_workbook(XlsxStore(path).read())
    assert parsed.errors == []
    assert [o.id for o in parsed.plan.objectives] == ["ANN-1"]
    assert [k.id for k in parsed.plan.key_results] == ["ANN-1.1", "O-1.2"]
    assert {k.objective_id for k in parsed.plan.key_results} == {"ANN-1"}
    assert openpyxl.load_workbook(path)["Ann Lee"]["U3"].value == "keep"
    # A second run has nothing to do.
    assert fix_ids(Location(path=path)) == 0


def test_headers_of_the_layout_are_their_own_aliases() -> None:
    for column in OKR_COLUMNS:
        assert column.matches(column.header.upper())
        for alias in column.aliases:
            assert alias == normalize_header(alias)
