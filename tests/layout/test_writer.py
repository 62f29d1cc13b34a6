"""Laying out workbooks: tab names, id prefixes, Progress formulas, the tabs `okr init` writes,
and ids for rows that lack them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrsheet.domain.model import (
    CheckIn,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Settings,
    cycle_from_name,
)
from okrsheet.layout import parse_workbook
from okrsheet.layout.formulas import SPARE_ROWS, formula_cells, formulas_fit, number, row_formulas
from okrsheet.layout.okr_tabs import okr_tables
from okrsheet.layout.reader import column_letter
from okrsheet.layout.schema import (
    CALCULATED_KEYS,
    CHECKIN_COLUMNS,
    OKR_COLUMNS,
    SETTING_ROWS,
    normalize_header,
)
from okrsheet.layout.writer import (
    Draft,
    Person,
    assign_missing_ids,
    checkin_row,
    checkins_tab,
    id_prefix,
    okr_row,
    okr_tab,
    people_tab,
    safe_tab_title,
    settings_tab,
    workbook_tabs,
)
from okrsheet.service import fix_workbook
from okrsheet.stores import Location
from okrsheet.stores.base import CellValue, Formula, Grid, RawWorkbook, SetCells
from okrsheet.stores.xlsx.store import XlsxStore

CYCLE = cycle_from_name("2026-Q4")
TODAY = date(2026, 10, 15)
NOW = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
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


# Live formulas --------------------------------------------------------------------------------


def test_every_row_gets_the_same_formulas_by_its_own_row() -> None:
    seven = row_formulas(COL, 7, 2, 120)
    eight = row_formulas(COL, 8, 2, 120)
    assert set(seven) == CALCULATED_KEYS
    for key, formula in seven.items():
        assert isinstance(formula, Formula) and formula.text.startswith("=")
        assert formula.text.count("(") == formula.text.count(")"), key
        # The same formula one row down, apart from the row numbers.
        moved = re.sub(r"(\$[A-Z]+)(\d+)", lambda m: f"{m[1]}{int(m[2]) + 1}", formula.text)
        assert eight[key].text == moved, key
    # Objectives roll up whole columns: however many key results, wherever they are.
    progress = seven["progress"].text
    letter = column_letter(COL["calc_wprogress"])
    assert f"SUMIFS(${letter}:${letter}," in progress
    # The first data row starts the nearest-objective-above chain; later rows continue it.
    # Every row has the same formula (one fill), so the first one's test is on ROW().
    section = column_letter(COL["calc_section"])
    assert f"${section}6" in seven["calc_section"].text
    assert 'IF(ROW()<=2,""' in row_formulas(COL, 2, 2, 120)["calc_section"].text
    assert all(f.fill for f in seven.values())


def test_formulas_follow_the_columns_of_the_tab() -> None:
    moved = {key: col + 3 for key, col in COL.items()}
    text = row_formulas(moved, 4, 2, 50)["calc_start"].text
    assert f"${column_letter(COL['start'] + 3)}4" in text
    assert f"${column_letter(COL['start'])}4" not in text


def test_formulas_fit_needs_every_column() -> None:
    assert formulas_fit(COL)
    assert not formulas_fit({k: v for k, v in COL.items() if k != "weight"})
    assert not formulas_fit({k: v for k, v in COL.items() if k != "calc_row"})
    assert formula_cells({k: v for k, v in COL.items() if k != "status"}, 2, 9) == {}


def test_text_typed_numbers_are_read_like_okr_reads_them() -> None:
    text = number("$I3")
    for sign in ('"$"', '"€"', '"£"', '","', "CHAR(160)"):
        assert sign in text
    assert "VALUE(" in text  # which reads a trailing % itself


# Rows and tabs --------------------------------------------------------------------------------


def test_okr_rows_put_values_under_their_headers() -> None:
    row = dict(zip([c.key for c in OKR_COLUMNS], okr_row(KR_USD), strict=True))
    assert row["type"] == "Key result"
    assert (row["id"], row["objective_id"], row["title"]) == ("O-1.2", "O-1", "Revenue")
    assert (row["kind"], row["start"], row["target"], row["current"]) == ("decrease", 500, 100, 300)
    assert (row["unit"], row["due"], row["weight"]) == ("$", date(2026, 12, 1), 1.0)
    assert (row["last_checkin"], row["grade"], row["notes"]) == (
        date(2026, 11, 2),
        0.5,
        "cost, really",
    )
    assert row["progress"] is None  # the formulas come with the tab
    assert row["level"] is None and row["confidence"] is None and row["depends_on"] is None
    assert dict(zip(HEADER, okr_row(KR_PCT), strict=True))["Depends on"] == "X-1.1, X-1.2"

    objective = dict(zip([c.key for c in OKR_COLUMNS], okr_row(OBJ), strict=True))
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
    # Three items, then empty rows whose formulas wait for people to type.
    assert len(spec.rows) == 3 + SPARE_ROWS
    assert spec.rows[3][COL["type"] - 1] is None
    last = 4 + SPARE_ROWS
    for index in (0, 1, 2, 3, SPARE_ROWS + 2):
        for key, formula in row_formulas(COL, index + 2, 2, last).items():
            assert spec.rows[index][COL[key] - 1] == formula
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
    last = 4 + SPARE_ROWS
    assert sheet[f"{letter}2"].value == row_formulas(COL, 2, 2, last)["progress"].text
    assert sheet[f"{letter}{last}"].value == row_formulas(COL, last, 2, last)["progress"].text
    assert sheet.column_dimensions[column_letter(COL["calc_row"])].hidden
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
        "Dashboard",
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


def test_fixing_assigns_missing_ids_on_a_real_workbook(tmp_path: Path) -> None:
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

    assert fix_workbook(Location(path=path), today=TODAY, now=NOW).ids == 2
    parsed = parse_workbook(XlsxStore(path).read())
    assert parsed.errors == []
    assert [o.id for o in parsed.plan.objectives] == ["ANN-1"]
    assert [k.id for k in parsed.plan.key_results] == ["ANN-1.1", "O-1.2"]
    assert {k.objective_id for k in parsed.plan.key_results} == {"ANN-1"}
    assert openpyxl.load_workbook(path)["Ann Lee"]["U3"].value == "keep"
    # A second run has nothing to do.
    assert fix_workbook(Location(path=path), today=TODAY, now=NOW).ids == 0


def test_headers_of_the_layout_are_their_own_aliases() -> None:
    for column in OKR_COLUMNS:
        assert column.matches(column.header.upper())
        for alias in column.aliases:
            assert alias == normalize_header(alias)


# Every app: Excel, LibreOffice, Google Sheets ------------------------------------------------

#: Functions that Excel 2010+, LibreOffice and Google Sheets all have, under these names and
#: with these argument orders (checked against each app's function list; Google's cannot be
#: evaluated offline).
PORTABLE_FUNCTIONS = {
    "ROW",
    "FIND",
    "AND", "AVERAGE", "AVERAGEIFS", "CHAR", "COUNTIF", "COUNTIFS", "DATEVALUE", "IF",
    "IFERROR", "INDEX", "INDIRECT", "ISLOGICAL", "ISNUMBER", "LEFT", "LEN", "LOWER", "MATCH",
    "MAX", "MIN", "NOT", "OR", "REPT", "RIGHT", "ROUND", "SUBSTITUTE", "SUM", "SUMIFS",
    "SUMPRODUCT", "TODAY", "TRIM", "VALUE", "VLOOKUP",
}  # fmt: skip


def _functions(text: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', text)
    return set(re.findall(r"([A-Z][A-Z0-9.]*)\(", without_strings))


def test_the_formulas_use_only_functions_every_app_has() -> None:
    spec_rows = [*okr_tab("Ann", [OBJ, KR_PCT, KR_USD]).rows]
    from okrsheet.layout.dashboard import dashboard_tab

    spec_rows += dashboard_tab([("Ann", COL), ("Tom Alvarez", COL)]).rows
    formulas = [v.text for row in spec_rows for v in row if isinstance(v, Formula)]
    assert len(formulas) > 1000
    used = set().union(*map(_functions, formulas))
    assert used <= PORTABLE_FUNCTIONS, used - PORTABLE_FUNCTIONS
    for text in formulas:
        assert text.startswith("=") and ";" not in re.sub(r'"[^"]*"', "", text)
        assert text.count("(") == text.count(")")
        assert len(text) < 8192  # Excel's longest formula
