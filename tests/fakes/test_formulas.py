"""The fake evaluates the formulas okr writes, and computes what LibreOffice computes.

- Every function in the formulas okr writes (an example company laid out on the fake, and the
  same company written to .xlsx) is one the fake evaluates; no formula cell answers `#NAME?`.
- Workbooks in several states (the example; objectives and key results of every kind typed by
  hand; after check-ins; a key result blocked by another) are written by okr to .xlsx and pushed
  by `okr push` to the fake. LibreOffice recalculates the .xlsx; every formula cell of every tab
  is compared with the fake's value for the same formula at the same cell.
- Functions one by one, against Google's documented semantics.

Google and LibreOffice differ in ways okr's formulas do not meet (they are compared as equal or
not met): a formula's TRUE may be saved by LibreOffice as the number 1 (booleans are compared as
1/0); a reference to a blank cell is blank on Google and 0 in LibreOffice (okr's formulas always
test a cell before using it, so no compared cell is such a reference); Google's prepared rows
may reach further down than the .xlsx's, and its Progress bars (SPARKLINE) are Google's only.

Without LibreOffice the comparison skips, except in CI (where `.ci/run` installs it): it fails.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel

import okrsheet.layout.formulas as formulas_module
from tests.cli.test_sheet_agrees import set_cell, set_setting, typed_by_hand
from tests.conftest import Google
from tests.fakes.sheets.formulas import _FUNCTIONS, _LAZY, NOT_EVALUATED, formula_functions
from tests.fakes.sheets_api import FakeGoogle

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NEEDS_SOFFICE = pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice (soffice) is not installed: the fake is not compared with it",
)
#: Functions okr writes that draw rather than compute: the fake answers "not evaluated".
DRAWN = {"SPARKLINE"}


def documented() -> set[str]:
    """The functions okr's formula builders say they use (okrsheet/layout/formulas.py)."""
    listed = re.search(r"comma separators:(.*?)\.\n", formulas_module.__doc__ or "", re.DOTALL)
    assert listed, "okrsheet/layout/formulas.py no longer lists its functions"
    return {w for w in re.split(r"[\s,]+|\band\b", listed.group(1)) if w}


CloseEnough = 1e-9


def implemented() -> set[str]:
    return set(_FUNCTIONS) | set(_LAZY)


def fake_formulas(fake: FakeGoogle, sid: str) -> dict[tuple[str, int, int], str]:
    """Every formula of a spreadsheet on the fake, by (tab, row, column), 1-based."""
    found = {}
    for sheet in fake.spreadsheet(sid).sheets:
        rows = fake.values(sid, sheet.title, value_render_option="FORMULA")
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str) and value.startswith("="):
                    found[(sheet.title, r, c)] = value
    return found


def xlsx_formulas(path: Path) -> dict[tuple[str, int, int], str]:
    book = openpyxl.load_workbook(path)
    return {
        (sheet.title, cell.row, cell.column): cell.value
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
        if isinstance(cell.value, str) and cell.value.startswith("=")
    }


# ---------------------------------------------------------------------------------------------
# Every function okr writes
# ---------------------------------------------------------------------------------------------


def test_the_fake_evaluates_every_function_okr_writes(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    sid = google.sheet_id()
    on_google = fake_formulas(google.fake, sid)
    local = tmp_path / "example.xlsx"
    assert okr("init", str(local), "--example").exit_code == 0
    in_xlsx = xlsx_formulas(local)
    assert len(on_google) > 5000 and len(in_xlsx) > 5000

    written: set[str] = set()
    for text in (*on_google.values(), *in_xlsx.values()):
        written |= formula_functions(text)
    # The list is okr's, as its builders document it (plus what the Dashboard and Google add).
    listed = documented()
    assert len(listed) > 30 and listed <= written
    assert written - listed == {"AVERAGEIFS", "SPARKLINE"}  # the Dashboard's, Google's bar
    missing = written - implemented() - DRAWN
    assert not missing, f"okr writes functions the fake does not evaluate: {sorted(missing)}"

    # And every formula cell has a value: no unknown function, no parse error, no #REF!; the
    # only cells without one are the drawn bars, which say so.
    values = {
        sheet.title: google.fake.values(sid, sheet.title)
        for sheet in google.fake.spreadsheet(sid).sheets
    }
    unevaluated = []
    for (tab, r, c), text in on_google.items():
        value = values[tab][r - 1][c - 1] if c <= len(values[tab][r - 1]) else ""
        if isinstance(value, str) and value.startswith("#"):
            unevaluated.append((tab, r, c, text[:40], value))
    drawn = [u for u in unevaluated if "SPARKLINE" in u[3]]
    assert unevaluated == drawn
    assert drawn  # the progress bars of the key results with a progress
    cell = google.fake.cell(sid, f"'{drawn[0][0]}'!{_a1(drawn[0][1], drawn[0][2])}")
    assert cell["effectiveValue"]["errorValue"]["message"].startswith(NOT_EVALUATED)


def _a1(row: int, col: int) -> str:
    return f"{openpyxl.utils.get_column_letter(col)}{row}"


# ---------------------------------------------------------------------------------------------
# The fake against LibreOffice
# ---------------------------------------------------------------------------------------------


def recalculate(paths: list[Path], out: Path, time_zone: str) -> dict[Path, Path]:
    """Every workbook recalculated and saved by LibreOffice, in one run, with TODAY() taken in
    the spreadsheet's time zone as on Google."""
    if SOFFICE is None:
        pytest.fail("LibreOffice (soffice) is required in CI to check the fake's formulas")
    profile = out / "profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "TZ": time_zone},
    )
    done = {p: out / p.name for p in paths}
    missing = [str(p) for p in done.values() if not p.exists()]
    assert not missing, f"LibreOffice wrote no {missing}"
    return done


def libreoffice_values(path: Path) -> dict[tuple[str, int, int], Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LibreOffice's extensions openpyxl does not know
        book = openpyxl.load_workbook(path, data_only=True)
    return {
        (sheet.title, cell.row, cell.column): cell.value
        for sheet in book.worksheets
        for line in sheet.iter_rows()
        for cell in line
    }


def comparable(value: Any) -> Any:
    """A value as both sides can be compared: dates as serial numbers, booleans as 1/0 (an
    .xlsx saved by LibreOffice may hold a formula's TRUE as the number 1), blank as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return float(to_excel(value))
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return value


def agree(libreoffice: Any, google: Any) -> bool:
    a, b = comparable(libreoffice), comparable(google)
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= CloseEnough
    return bool(a == b)


def states(okr: Any, folder: Path) -> list[Path]:
    """Workbooks okr wrote, in the states the comparison covers."""
    folder.mkdir()
    example = folder / "example.xlsx"
    assert okr("init", str(example), "--example").exit_code == 0
    by_hand = typed_by_hand(okr, folder / "hand")  # every kind, milestones, baselines, text
    later = folder / "later.xlsx"
    shutil.copy(by_hand, later)
    for kr_id, value in (("CORP-1.1", "17000"), ("CORP-1.5", "no"), ("ANA-2.2", "0.7")):
        result = okr("checkin", kr_id, "--value", value, "-w", str(later))
        assert result.exit_code == 0, result.stderr
    set_cell(later, "Ana Lima", "ANA-1.1", "current", 8)  # typed over a check-in
    set_setting(later, "Default commitment", "committed")
    blocked = folder / "blocked.xlsx"
    shutil.copy(later, blocked)
    set_cell(blocked, "Ana Lima", "ANA-1.2", "depends_on", "CORP-1.3")  # behind pace
    result = okr("checkin", "ANA-1.2", "--value", "10", "-w", str(blocked))
    assert result.exit_code == 0, result.stderr
    return [example, by_hand, later, blocked]


@NEEDS_SOFFICE
def test_the_fake_computes_what_libreoffice_computes(
    okr: Any, google: Google, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKR_TODAY", raising=False)  # the sheets' TODAY() is the real date
    books = states(okr, tmp_path / "books")
    pushed: dict[Path, str] = {}
    for path in books:
        result = okr("push", str(path), "--to", "gsheet:new")
        assert result.exit_code == 0, result.stderr
        pushed[path] = google.sheet_id()
    zones = {google.fake.spreadsheet(s).properties["timeZone"] for s in pushed.values()}
    assert len(zones) == 1
    recalculated = recalculate(books, tmp_path / "out", zones.pop())

    compared = 0
    differ: list[tuple[Any, ...]] = []
    other_formula: list[tuple[Any, ...]] = []
    only_google: list[str] = []
    kinds: dict[str, int] = {"number": 0, "text": 0, "blank": 0}
    words: set[str] = set()
    for path in books:
        sid = pushed[path]
        local = xlsx_formulas(path)
        remote = fake_formulas(google.fake, sid)
        lo_values = libreoffice_values(recalculated[path])
        values = {
            sheet.title: google.fake.values(sid, sheet.title)
            for sheet in google.fake.spreadsheet(sid).sheets
        }
        rows_with_formulas = {(tab, r) for tab, r, _ in local}
        only_google += [
            text
            for (tab, r, c), text in remote.items()
            if (tab, r, c) not in local and (tab, r) in rows_with_formulas
        ]
        for key, text in local.items():
            if remote.get(key) != text:
                other_formula.append((path.name, key, text[:50], str(remote.get(key))[:50]))
                continue
            tab, r, c = key
            line = values[tab][r - 1] if r <= len(values[tab]) else []
            google_value = line[c - 1] if c <= len(line) else ""
            compared += 1
            seen = comparable(google_value)
            kinds["blank" if seen == "" else "number" if isinstance(seen, float) else "text"] += 1
            if isinstance(seen, str):
                words.add(seen)
            if not agree(lo_values.get(key), google_value):
                differ.append((path.name, tab, _a1(r, c), lo_values.get(key), google_value))
    print(f"{compared} formula cells compared, {len(differ)} differ: {kinds}")  # with -s
    assert compared > 15_000
    # Real figures, not blanks: numbers, and every status okr's formulas give.
    assert kinds["number"] > 1500 and kinds["text"] > 800, kinds
    assert {"on track", "at risk", "off track", "done", "overdue", "not started"} <= words
    assert not differ, differ[:20]
    assert not other_formula, other_formula[:10]
    # Only on Google, in the rows both have: the progress bars beside the Progress column
    # (Google's prepared rows may also reach further down than the .xlsx's).
    assert only_google
    assert {frozenset(formula_functions(text)) for text in only_google} == {
        frozenset({"IF", "ISNUMBER", "SPARKLINE"})
    }, {t[:60] for t in only_google}


# ---------------------------------------------------------------------------------------------
# Functions one by one, as Google documents them
# ---------------------------------------------------------------------------------------------

#: Cells the formulas below read: A1:C5.
DATA: list[list[Any]] = [
    ["x", 1, "Committed"],
    ["k1", 2, ""],
    ["x", 3, "done"],
    ["k2", "text", None],
    [None, 5, "15%"],
]
TODAY_SERIAL = float((dt.datetime.now(dt.UTC).date() - dt.date(1899, 12, 30)).days)

#: (formula, value Google gives). Errors read as Google shows them.
CASES: list[tuple[str, Any]] = [
    # Comparisons: numbers < text < booleans; text case-insensitive; blank is 0 or "".
    ('="1"=1', False),
    ('="a"="A"', True),
    ('=2<"a"', True),
    ('="b"<TRUE', True),
    ("=E9=0", True),
    ('=E9=""', True),
    # Arithmetic coerces text that reads as a number; other text is #VALUE!.
    ('="3"+1', 4),
    ('="1,000"*2', 2000),
    ('="x"+1', "#VALUE!"),
    ("=1/0", "#DIV/0!"),
    ("=-2^2", 4),
    ("=50%", 0.5),
    ('=""&1.5&TRUE', "1.5TRUE"),
    # Logic: IF needs a boolean (text other than TRUE/FALSE is #VALUE!); lazy branches.
    ('=IF("x",1,2)', "#VALUE!"),
    ("=IF(0,1/0,2)", 2),
    ("=IF(FALSE,1)", False),
    ('=IFERROR(1/0,"none")', "none"),
    ("=IFERROR(1/0)", ""),
    ("=AND(A1:B2)", True),  # text in a range is skipped
    ('=AND("x",TRUE)', "#VALUE!"),
    ("=OR(0,0)", False),
    ("=NOT(0)", True),
    ('=ISNUMBER("1")', False),
    ("=ISNUMBER(B1)", True),
    ("=ISNUMBER(1/0)", False),
    ("=ISLOGICAL(1=1)", True),
    # Text.
    ('=FIND("b","abc")', 2),
    ('=FIND("B","abc")', "#VALUE!"),  # case-sensitive
    ('=FIND("c","abcabc",4)', 6),
    ('=SUBSTITUTE("a-b-c","-"," ")', "a b c"),
    ('=SUBSTITUTE("a-b-c","-"," ",2)', "a-b c"),
    ('=LEFT("abc")', "a"),
    ('=RIGHT("abc",2)', "bc"),
    ('=LEN("abc")', 3),
    ('=TRIM("  a   b  ")', "a b"),
    ('=LEN(TRIM(CHAR(160)&"a"))', 2),  # TRIM removes spaces only
    ("=CHAR(65)", "A"),
    ('=REPT("ab",3)', "ababab"),
    ('=REPT("ab",-1)', "#VALUE!"),
    ('=LOWER("ÀB")', "àb"),
    ('=VALUE("15%")', 0.15),
    ('=VALUE("1,234.5")', 1234.5),
    ('=VALUE("$12")', 12),
    ('=VALUE("2026-12-31")', 46387),
    ('=VALUE("")', 0),
    ('=VALUE("abc")', "#VALUE!"),
    ('=DATEVALUE("2026-12-31")', 46387),
    ('=DATEVALUE("12/31/2026")', 46387),
    ('=DATEVALUE("31 Dec 2026")', 46387),
    ('=DATEVALUE("soon")', "#VALUE!"),
    # Numbers: a range's text, booleans and blanks are skipped.
    ("=SUM(B1:B5)", 11),
    ("=AVERAGE(B1:B5)", 2.75),
    ("=MAX(B1:B5)", 5),
    ("=MIN(C1:C5)", 0.15),  # 15% typed is a number
    ("=E9", ""),  # a blank cell read is blank, not 0
    ("=ROUND(2.5)", 3),
    ("=ROUND(-2.5)", -3),
    ("=ROUND(2.675,2)", 2.68),
    ("=A1:A3*2", "#VALUE!"),  # an array outside SUMPRODUCT or ARRAYFORMULA
    # Criteria (COUNTIF's): equality is case-insensitive, with * and ?; <> counts blanks.
    ('=COUNTIF(A1:A5,"x")', 2),
    ('=COUNTIF(A1:A5,"X")', 2),
    ('=COUNTIF(A1:A5,"k?")', 2),
    ('=COUNTIF(A1:A5,"<>x")', 3),
    ('=COUNTIF(B1:B5,">=2")', 3),
    ('=COUNTIF(B1:B5,">"&3)', 1),
    ("=COUNTIF(B1:B5,5)", 1),
    ('=COUNTIF(C1:C5,"committed")', 1),
    ('=COUNTIF(A1:A5,"")', 1),
    ('=COUNTIFS(A1:A5,"x",B1:B5,">1")', 1),
    ('=SUMIFS(B1:B5,A1:A5,"k*")', 2),  # "text" is not a number: not summed
    ('=AVERAGEIFS(B1:B5,A1:A5,"x")', 2),
    ('=AVERAGEIFS(B1:B5,A1:A5,"none")', "#DIV/0!"),
    ('=COUNTIFS(A1:A5,"x",B1:B4,">1")', "#VALUE!"),  # ranges of different sizes
    # Arrays inside SUMPRODUCT.
    ('=SUMPRODUCT((A1:A3="x")*(B1:B3))', 4),
    ('=SUMPRODUCT(MAX((A1:A3="x")*(B1:B3)))', 3),
    ("=SUMPRODUCT(B1:B5)", 11),
    # Lookups.
    ('=VLOOKUP("K1",A1:C5,2,FALSE)', 2),
    ('=VLOOKUP("none",A1:C5,2,FALSE)', "#N/A"),
    ('=VLOOKUP("x",A1:C5,4,FALSE)', "#REF!"),
    ("=INDEX(B1:B5,3)", 3),
    ("=INDEX(A1:C5,3,3)", "done"),
    ("=MATCH(3,B1:B5,0)", 3),
    ('=MATCH("3",B1:B5,0)', "#N/A"),  # text is not the number
    ('=INDIRECT("B"&2)', 2),
    ("=SUM(INDIRECT(\"'Sheet1'!B:B\"))", 11),
    ('=INDIRECT("not a reference")', "#REF!"),
    # Where a formula is.
    ("=ROW()", 12),  # each formula is written on row 12
    ("=ROW(C7)", 7),
    ("=TODAY()", TODAY_SERIAL),
    # Unknown to Google: #NAME?.
    ("=NOSUCHFUNCTION(1)", "#NAME?"),
]


@pytest.mark.parametrize(("formula", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_function_as_google_documents_it(formula: str, expected: Any) -> None:
    fake = FakeGoogle()
    sid = fake.add_spreadsheet({"Sheet1": DATA})
    fake.set_values(sid, "Sheet1!E12", [[formula]])
    got = fake.values(sid, "Sheet1!E12")
    value = got[0][0] if got and got[0] else ""
    if isinstance(expected, float) and not isinstance(expected, bool):
        assert isinstance(value, int | float) and abs(value - expected) <= 1e-12, value
    else:
        assert value == expected and type(value) is type(expected), value


def test_a_function_google_draws_answers_not_evaluated() -> None:
    fake = FakeGoogle()
    sid = fake.add_spreadsheet({"Sheet1": [[0.5]]})
    fake.set_values(sid, "Sheet1!B1", [['=SPARKLINE(A1,{"charttype","bar";"max",1})']])
    cell = fake.cell(sid, "Sheet1!B1")
    assert cell["effectiveValue"]["errorValue"]["message"].startswith(NOT_EVALUATED)
    assert "SPARKLINE" in cell["effectiveValue"]["errorValue"]["message"]


def test_formulas_follow_rows_inserted_and_deleted_above_them() -> None:
    fake = FakeGoogle()
    sid = fake.add_spreadsheet(
        {
            "Sheet1": [[1], [2], [3], ["=SUM(A1:A3)", "=A3*10", '=INDIRECT("A3")']],
            "Summary": [["=SUM(Sheet1!A1:A3)", "=SUM(Sheet1!A:A)"]],
        }
    )
    fake.insert_rows(sid, "Sheet1", 1, [[10]])  # a row typed between A1 and A2
    # References move, on the sheet and from others; text INDIRECT reads does not (as Google).
    assert fake.values(sid, "Sheet1!A5:C5", value_render_option="FORMULA") == [
        ["=SUM(A1:A4)", "=A4*10", '=INDIRECT("A3")']
    ]
    assert fake.values(sid, "Sheet1!A5:C5") == [[16, 30, 2]]
    assert fake.values(sid, "Summary", value_render_option="FORMULA") == [
        ["=SUM(Sheet1!A1:A4)", "=SUM(Sheet1!A:A)"]
    ]
    fake.delete_rows(sid, "Sheet1", 3, 4)  # the row of the 3: references to it are lost
    assert fake.values(sid, "Sheet1!A4:B4", value_render_option="FORMULA") == [
        ["=SUM(A1:A3)", "=#REF!*10"]
    ]
    assert fake.values(sid, "Sheet1!A4:B4") == [[13, "#REF!"]]
    assert fake.values(sid, "Summary") == [[13, 26]]


def test_only_formulas_naming_the_changed_tab_are_rewritten_and_each_the_same_way() -> None:
    """Rewriting skips a formula on another tab that does not spell the changed tab's title,
    and rewrites a formula text repeated on many rows once: what each cell ends with is what
    a rewrite of each would give."""
    fake = FakeGoogle()
    same = "=SUM('It''s'!A2:A3)  "  # the same text on three rows, trailing blanks kept
    sid = fake.add_spreadsheet(
        {
            "It's": [[1], [2], [3], ["=SUM(A2:A3)", "=It!A3"]],
            "It": [[5], [6], [7]],
            "Other": [
                [same, "=SUM(It!A2:A3)", "=SUM('It''s 2'!A3)"],
                [same, "=INDIRECT(\"'It''s'!A3\")", '=LEN("It\'s")'],
                [same, "=SUM( 'It''s'!A1 , LOG10( 'It''s'!A3 ) )"],
            ],
            "It's 2": [[9], [9], [9]],
        }
    )
    fake.delete_rows(sid, "It's", 0, 1)
    assert fake.values(sid, "Other", value_render_option="FORMULA") == [
        ["=SUM('It''s'!A1:A2)  ", "=SUM(It!A2:A3)", "=SUM('It''s 2'!A3)"],
        ["=SUM('It''s'!A1:A2)  ", "=INDIRECT(\"'It''s'!A3\")", '=LEN("It\'s")'],
        ["=SUM('It''s'!A1:A2)  ", "=SUM( #REF! , LOG10( 'It''s'!A2 ) )"],
    ]
    # On the changed tab its own references move; one to another tab does not.
    assert fake.values(sid, "'It''s'!A3:B3", value_render_option="FORMULA") == [
        ["=SUM(A1:A2)", "=It!A3"]
    ]
    assert fake.values(sid, "Other!A1:B1") == [[5, 13]]


def test_a_tab_is_found_by_id_after_tabs_are_added_deleted_and_moved() -> None:
    fake = FakeGoogle()
    sid = fake.add_spreadsheet({"A": [[1]], "B": [[2]], "C": [[3]]})
    ss = fake.spreadsheet(sid)
    ids = {s.title: s.sheet_id for s in ss.sheets}
    assert [ss.sheet_by_id(ids[t]).title for t in "ABC"] == ["A", "B", "C"]  # type: ignore[union-attr]
    fake.batch_update(
        sid,
        [
            {"deleteSheet": {"sheetId": ids["A"]}},
            {"addSheet": {"properties": {"sheetId": 99, "title": "D", "index": 0}}},
            {"updateSheetProperties": {"properties": {"sheetId": ids["C"], "index": 0},
                                       "fields": "index"}},
        ],
    )  # fmt: skip
    assert ss.sheet_by_id(ids["A"]) is None
    assert [ss.sheet_by_id(i).title for i in (99, ids["B"], ids["C"])] == ["D", "B", "C"]  # type: ignore[union-attr]
    assert [s.title for s in ss.sheets] == ["C", "D", "B"]


def test_formulas_follow_columns_moved() -> None:
    fake = FakeGoogle()
    sid = fake.add_spreadsheet({"Sheet1": [["a", 1, "=B1*2", "=SUM(B:B)"], ["b", 2]]})
    # Column B dragged to the end (before E): B becomes D, C and D move left one.
    fake.batch_update(
        sid,
        [
            {
                "moveDimension": {
                    "source": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 1,
                               "endIndex": 2},
                    "destinationIndex": 4,
                }
            }
        ],
    )  # fmt: skip
    assert fake.values(sid, "Sheet1!A1:D1", value_render_option="FORMULA") == [
        ["a", "=D1*2", "=SUM(D:D)", 1]
    ]
    assert fake.values(sid, "Sheet1!A1:D1") == [["a", 2, 3, 1]]
