"""The Dashboard's Confidence column: read from each tab's Objective confidence, and blank
(not an error, nor a missing Dashboard) for a tab made before that column existed."""

from __future__ import annotations

from okrsheet.layout.dashboard import _CONFIDENCE, _REG_LETTERS, dashboard_tab, fits
from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.base import Formula

FULL = {c.key: i for i, c in enumerate(OKR_COLUMNS, start=1)}
OLDER = {key: col for key, col in FULL.items() if key != "objective_confidence"}


def test_a_tab_without_objective_confidence_still_joins_the_dashboard() -> None:
    assert fits(OLDER) and fits(FULL)
    spec = dashboard_tab([("Corporate", FULL), ("Sales", OLDER)])
    letter = _REG_LETTERS["objective_confidence"] - 1
    register = [row[letter] for row in spec.rows[:2]]

    assert spec.columns[_CONFIDENCE - 1].header == "Confidence"
    assert spec.columns[_CONFIDENCE - 1].number_format == "percent"
    assert register[0] and register[1] == ""  # the older tab's letter is blank
    shown = spec.rows[0][_CONFIDENCE - 1]
    assert isinstance(shown, Formula) and "INDIRECT" in shown.text
