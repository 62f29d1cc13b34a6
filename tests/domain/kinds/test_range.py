"""The kinds table: a new kind of key result is one entry, and the whole of okr follows it.

The kind added here is "range: stay between two bounds". It reads the key result's Start as
the lower bound and its Target as the upper bound (so the row needs no new column), and is met
while the value lies between them, bounds included. Like keep above/below it is a condition to
hold all the cycle: expected at 1, on track while it holds, off track when it does not, done
only from its due date on, graded 0 or 1. Nothing outside this file is edited to add it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.model import KeyResult
from okrsheet.domain.scoring import grade, progress
from okrsheet.layout import cells
from okrsheet.layout.formulas import row_formulas
from tests.cli.test_sheet_agrees import COL, SOFFICE, disagreements, recalculate, type_rows
from tests.domain.kinds.sheet import python_says, sheet_says

BOTH = "AND(ISNUMBER({s}),ISNUMBER({t}))"


def _between(value: float, start: float, target: float) -> bool:
    return start <= value <= target


def _bounds(start: float, target: float) -> str | None:
    if target <= start:
        return f"a range needs its upper bound (Target, {target:g}) above its lower bound (Start)"
    return None


RANGE = Kind.define(
    "range",
    words=("stay between", "between"),
    progress=lambda value, start, target: 1.0 if _between(value, start, target) else 0.0,
    met=_between,
    holds=True,
    check=_bounds,
    sheet_progress=f'IF(NOT({BOTH}),"",IF(AND({{v}}>={{s}},{{v}}<={{t}}),1,0))',
    sheet_met="AND({v}>={s},{v}<={t})",
    behind="outside {start:g} to {target:g}",
)


@pytest.fixture
def range_kind() -> Iterator[Kind]:
    """The range kind in the table for one test, and out of it afterwards."""
    kinds.register(RANGE)
    try:
        yield RANGE
    finally:
        kinds.unregister("range")


def _kr(**fields: Any) -> KeyResult:
    base: dict[str, Any] = {
        "id": "R-1.1", "objective_id": "R-1", "title": "Stock days", "owner": "Ana Lima",
        "kind": "range", "start": 20, "target": 30, "due": date(2026, 12, 31),
    }  # fmt: skip
    return KeyResult(**(base | fields))


def test_the_model_and_scoring_take_the_new_kind(range_kind: Kind) -> None:
    kr = _kr(current=25)
    assert kr.kind is range_kind and kr.kind == "range"
    assert (progress(kr), grade(kr)) == (1.0, 1.0)
    assert (progress(_kr(current=31)), grade(_kr(current=19))) == (0.0, 0.0)
    with pytest.raises(ValueError, match="upper bound"):
        _kr(start=30, target=20)
    assert cells.parse_kind("Stay-Between") is range_kind


def test_the_kind_leaves_the_table_with_its_fixture() -> None:
    assert "range" not in kinds.names()
    assert kinds.from_word("between") is None
    with pytest.raises(ValueError, match="is not a kind"):
        _kr(current=25)
    with pytest.raises(cells.CellValueError, match="is not a kind; use one of: increase"):
        cells.parse_kind("range")


def test_a_name_or_word_already_in_the_table_is_refused() -> None:
    twin = Kind.define("steady", words=("above",), progress=RANGE.progress, met=RANGE.met,
                       sheet_progress="1", sheet_met="TRUE")  # fmt: skip
    with pytest.raises(ValueError, match="above already name a kind"):
        kinds.register(twin)
    assert "steady" not in kinds.names()


def test_the_sheet_formulas_know_the_new_kind(range_kind: Kind) -> None:
    made = {key: f.text for key, f in row_formulas(COL, 5, 2, 50).items()}
    assert '"|range|stay between|between|"' in made["calc_kind"]
    value, low, high = (
        f"${cells_letter(COL[k])}5" for k in ("calc_value", "calc_start", "calc_target")
    )
    assert f"IF(AND({value}>={low},{value}<={high}),1,0)" in made["calc_progress"]
    # Held all the cycle: expected at 1, like keep above/below.
    assert f'{cells_letter(COL["calc_kind"])}5="range"' in made["calc_expected"]


def cells_letter(col: int) -> str:
    return str(openpyxl.utils.get_column_letter(col))


def _workbook(okr: Any, folder: Path) -> Path:
    path = folder / "range.xlsx"
    assert okr("init", str(path), "--cycle", "2026-Q4", "--company", "Shop").exit_code == 0
    kr = "Key result"
    type_rows(
        path,
        "Corporate",
        [
            {"type": "Objective", "id": "R-1", "title": "Keep the shop healthy",
             "owner": "Ana Lima", "level": "corporate"},
            {"type": kr, "id": "R-1.1", "title": "Days of stock", "kind": "range",
             "start": 20, "target": 30, "current": 25, "due": date(2026, 12, 31),
             "last_checkin": date(2026, 11, 14)},
            {"type": kr, "id": "R-1.2", "title": "Support queue", "kind": "Stay between",
             "start": "5", "target": "15", "current": 18, "due": date(2026, 12, 31),
             "last_checkin": date(2026, 11, 14)},
            {"type": kr, "id": "R-1.3", "title": "Warehouse temperature", "kind": "between",
             "start": 15, "target": 21, "due": date(2026, 12, 31)},
        ],
    )  # fmt: skip
    return path


def test_a_range_row_validates_and_scores_through_okr(
    okr: Any, tmp_path: Path, range_kind: Kind
) -> None:
    path = _workbook(okr, tmp_path)
    validate = okr("validate", "-w", str(path), "-f", "json")
    assert validate.exit_code == 0, validate.stdout
    assert [f for f in validate.json()["findings"] if f["severity"] == "error"] == []

    status = okr("status", "-w", str(path), "-f", "json")
    assert status.exit_code == 0, status.stderr
    (objective,) = status.json()["objectives"]
    scored = {k["id"]: k for k in objective["key_results"]}
    assert {
        i: (k["kind"], k["progress"], k["expected"], k["status"]) for i, k in scored.items()
    } == {
        "R-1.1": ("range", 1.0, 1.0, "on track"),
        "R-1.2": ("range", 0.0, 1.0, "off track"),
        "R-1.3": ("range", 1.0, 1.0, "not started"),
    }
    lagging = okr("lagging", "-w", str(path), "-f", "json")
    assert "outside 5 to 15" in lagging.stdout

    # The formulas okr wrote name the kind too: the sheet scores a range row on its own.
    sheet = openpyxl.load_workbook(path)["Corporate"]
    assert '"range"' in str(sheet.cell(3, COL["calc_kind"]).value)


def test_a_range_with_its_bounds_upside_down_is_reported_at_its_target(
    okr: Any, tmp_path: Path, range_kind: Kind
) -> None:
    path = _workbook(okr, tmp_path)
    type_rows(path, "Corporate", [{"type": "KR", "id": "R-1.4", "title": "Refunds",
              "kind": "range", "start": 9, "target": 3, "due": date(2026, 12, 31)}])  # fmt: skip
    result = okr("validate", "-w", str(path), "-f", "json")
    errors = [f for f in result.json()["findings"] if f["severity"] == "error"]
    assert [(f["where"], f["message"]) for f in errors] == [
        (
            f"Corporate!{cells_letter(COL['target'])}6",
            "target: a range needs its upper bound (Target, 3) above its lower bound (Start)",
        )
    ]


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_sheet_and_okr_agree_on_range_rows(
    okr: Any, tmp_path: Path, range_kind: Kind, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKR_TODAY", raising=False)  # the sheet's TODAY() is the real date
    path = _workbook(okr, tmp_path)
    status = okr("status", "-w", str(path), "-f", "json", "--as-of", date.today().isoformat())
    assert status.exit_code == 0, status.stderr
    out = tmp_path / "out"
    copied = shutil.copy(path, tmp_path / "copy.xlsx")
    recalculated = recalculate([Path(copied)], out)[Path(copied)]
    assert disagreements(recalculated, status.json()) == []


def test_the_range_formulas_say_in_the_sheet_what_its_rules_say(range_kind: Kind) -> None:
    cases = [(19, 20, 30), (20, 20, 30), (25, 20, 30), (30, 20, 30), (31, 20, 30)]
    assert sheet_says(range_kind, cases) == python_says(range_kind, cases)
    assert [met for _, met in sheet_says(range_kind, cases)] == [False, True, True, True, False]
