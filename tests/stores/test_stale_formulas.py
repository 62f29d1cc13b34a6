"""Which cached formula results a write may have made wrong (`stale_formulas`): the indexed
analysis finds exactly what a plain fixpoint over every formula finds, on okr's own computed
columns and on formulas people type, and parses each repeated column formula once."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from okrsheet.layout.formulas import formula_cells
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.xlsx import patch as xlsx_patch
from okrsheet.stores.xlsx.patch import _ANY_ROW, NS, _Cells, _reads, stale_formulas

COLUMNS = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}


def reference(
    formulas: dict[str, dict[tuple[int, int], Any]], changed: dict[str, _Cells]
) -> dict[str, set[tuple[int, int]]]:
    """The plain fixpoint: every formula read from its own text, looked at again and again
    until no more turn stale (what the patcher did before it indexed the reads)."""
    reads = {}
    for tab, cells in formulas.items():
        for (row, col), formula in cells.items():
            shared = formula.get("t") == "shared" and not (formula.text or "").strip()
            reads[(tab, row, col)] = None if shared else _reads(formula.text or "", tab)
    marks = {tab.casefold(): _Cells() for tab in formulas}
    written = {tab.casefold(): cells for tab, cells in changed.items()}
    stale: dict[str, set[tuple[int, int]]] = {tab: set() for tab in formulas}

    def is_stale(rectangles: Any) -> bool:
        if rectangles is None:
            return True
        for sheet, top, left, bottom, right in rectangles:
            for source in (written.get(sheet.casefold()), marks.get(sheet.casefold())):
                if source is not None and source.meets(top or 1, left, bottom or _ANY_ROW, right):
                    return True
        return False

    pending = dict(reads)
    while True:
        found = [key for key, rectangles in pending.items() if is_stale(rectangles)]
        if not found:
            return stale
        for tab, row, col in found:
            del pending[(tab, row, col)]
            stale[tab].add((row, col))
            marks[tab.casefold()].add(row, col)


def element(text: str, shared: bool = False, result: bool = True) -> Any:
    """A formula cell's `<f>`, followed by a cached result unless `result` is False."""
    cell = etree.Element(f"{{{NS}}}c")
    made = etree.SubElement(cell, f"{{{NS}}}f")
    made.text = text
    if shared:
        made.set("t", "shared")
    if result:
        etree.SubElement(cell, f"{{{NS}}}v").text = "7"
    return made


def okr_tab(last: int) -> dict[tuple[int, int], Any]:
    return {
        key: element(formula.text.removeprefix("="))
        for key, formula in formula_cells(COLUMNS, 2, last).items()
    }


def written(cells: list[tuple[int, int]], rows_from: int | None = None) -> _Cells:
    made = _Cells()
    for row, col in cells:
        made.add(row, col)
    made.rows_from = rows_from
    return made


def test_okr_computed_columns_go_stale_as_the_fixpoint_says() -> None:
    formulas = {"Ana": okr_tab(30), "Bo": okr_tab(20), "Dashboard": {(2, 3): element("Ana!$L5")}}
    formulas["Notes"] = {(4, 2): element("'Ana'!$A$1&\"x\""), (5, 2): element("B4&Bo!$A$3")}
    cases: list[dict[str, _Cells]] = [
        {"Ana": written([(5, COLUMNS["current"])])},  # a check-in on row 5
        {"Ana": written([(1, 40)])},  # a header far right
        {"Bo": written([], rows_from=18)},  # rows appended
        {"Bo": written([(3, 1)])},  # a Type typed over
        {"Other": written([(1, 1)])},  # a tab without formulas
        {},
    ]
    for changed in cases:
        assert stale_formulas(formulas, changed) == reference(formulas, changed), changed


def test_a_repeated_column_formula_is_parsed_once(monkeypatch: Any) -> None:
    xlsx_patch._READS_BY_PATTERN.clear()
    xlsx_patch._READS_BY_TEXT.clear()
    calls: list[str] = []

    def counted(text: str, tab: str) -> Any:
        calls.append(text)
        return _reads(text, tab)

    monkeypatch.setattr(xlsx_patch, "_reads", counted)
    formulas = {f"Person {n}": okr_tab(60) for n in range(1, 6)}
    per_row = len(okr_tab(2))
    stale_formulas(formulas, {"Person 1": written([(5, COLUMNS["current"])])})
    # Each column's formula once per tab (and a few where the row number meets a constant),
    # not once per row: 59 rows of 5 tabs would be 295 parses a column.
    assert len(calls) <= per_row * 5 * 3, len(calls)


# Formulas people type: references near the row's own number, where the cache could go wrong.
_PIECES = [
    "A{r}",
    "$B${r}",
    "B{r}*2",
    "SUM(A1:A{r})",
    "{r}",
    "0.{r}",
    "{r}.5",
    "Sheet{r}!A1",
    "'Q{r} plan'!B{r}",
    "Data!C{r}",
    "C{s}",
    "D{r}{r}",
    "SUM({r}:{r})",
    "SUM(C:C)",
    '"A{r}"',
    "LOG10(A{r})",
    "E{t}",
    "rate{r}",
    "1E{r}",
]


@st.composite
def workbooks(draw: Any) -> tuple[dict[str, dict[tuple[int, int], Any]], dict[str, _Cells]]:
    tabs = ["Data", "Sheet3", "Q4 plan", "data"]
    formulas: dict[str, dict[tuple[int, int], Any]] = {}
    for tab in draw(st.lists(st.sampled_from(tabs), min_size=1, max_size=3, unique=True)):
        cells: dict[tuple[int, int], Any] = {}
        for _ in range(draw(st.integers(0, 12))):
            row, col = draw(st.integers(1, 12)), draw(st.integers(1, 6))
            pieces = draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3))
            other = draw(st.integers(1, 12))
            text = "+".join(pieces).format(r=row, s=other, t=draw(st.integers(1, 12)))
            cells[(row, col)] = element(text, shared=draw(st.booleans()) and not pieces)
        formulas[tab] = cells
    changed: dict[str, _Cells] = {}
    for tab in draw(st.lists(st.sampled_from(tabs), max_size=2, unique=True)):
        spots = draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 6)), max_size=4))
        changed[tab] = written(spots, draw(st.none() | st.integers(1, 12)))
    return formulas, changed


@settings(max_examples=300, deadline=None)
@given(workbooks())
def test_peoples_formulas_go_stale_as_the_fixpoint_says(
    case: tuple[dict[str, dict[tuple[int, int], Any]], dict[str, _Cells]],
) -> None:
    formulas, changed = case
    assert stale_formulas(formulas, changed) == reference(formulas, changed)


def test_a_tab_named_after_the_row_number_is_read_as_named() -> None:
    formulas = {
        "Sheet7": {(7, 1): element("Sheet7!B2*2"), (8, 1): element("Sheet8!B2*2")},
        "Sheet8": {},
    }
    stale = stale_formulas(formulas, {"Sheet8": written([(2, 2)])})
    assert stale == {"Sheet7": {(8, 1)}, "Sheet8": set()}


def test_a_formula_written_again_without_a_result_is_not_looked_at(monkeypatch: Any) -> None:
    """A formula the write set (with no old result kept) has nothing to drop: it is not
    parsed, and what reads it turns stale all the same."""
    parsed: list[str] = []
    formulas = {"Data": {(2, 4): element("B2*2", result=False), (3, 4): element("D2+1")}}

    def counted(text: str, tab: str) -> Any:
        parsed.append(text)
        return _reads(text, tab)

    monkeypatch.setattr(xlsx_patch, "_reads", counted)
    xlsx_patch._READS_BY_PATTERN.clear()
    xlsx_patch._READS_BY_TEXT.clear()
    stale = stale_formulas(formulas, {"Data": written([(2, 4)])})
    assert stale == {"Data": {(3, 4)}}
    assert parsed == ["D9999990+1"]  # D2 on row 3: the row above, as its pattern has it
