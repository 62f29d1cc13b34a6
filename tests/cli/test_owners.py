"""One person, one owner: `Zoe Muller` on a row and `Zoë Müller` in People are the same person
to every filter and report, `validate` checks owners against People with a "did you mean", and
every command words an unknown `--owner` the same way."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from okrsheet.domain.names import closest_person, person_key
from tests.cli.conftest import add_rows

DUE = dt.date(2026, 12, 31)


def kr(kr_id: str, objective: str, owner: str | None) -> list[Any]:
    return ["Key result", kr_id, objective, f"Result {kr_id}", None, owner, None, None,
            0, 10, 4, "deals", DUE, 1, 0.6]  # fmt: skip


@pytest.fixture
def zoe(shop: Path) -> Path:
    """The shop, with Zoë Müller in People and her name typed two ways on her rows."""
    add_rows(shop, "People", [["Ana Lima", "Shop"], ["Zoë Müller", "Shop"]])
    add_rows(shop, "Corporate", [
        ["Objective", "CORP-2", None, "Open a second shop", "corporate", "Zoe Muller"],
        kr("CORP-2.1", "CORP-2", None),
        ["Objective", "CORP-3", None, "Sell abroad", "corporate", "Zoë Müller"],
        kr("CORP-3.1", "CORP-3", "zoë  MÜLLER"),
    ])  # fmt: skip
    return shop


def test_owner_filter_finds_every_spelling_of_one_person(okr: Any, zoe: Path) -> None:
    for typed in ("Zoë Müller", "zoe muller", " ZOE   MÜLLER "):
        result = okr("status", "--owner", typed, "--format", "json", "-w", str(zoe))
        assert result.exit_code == 0, result.stderr
        objectives = json.loads(result.stdout)["objectives"]
        assert [o["id"] for o in objectives] == ["CORP-2", "CORP-3"], typed
        owners = {o["owner"] for o in objectives} | {
            k["owner"] for o in objectives for k in o["key_results"]
        }
        assert owners == {"Zoë Müller"}  # as People writes her name, everywhere


def test_validate_names_owners_spelled_otherwise_or_missing_from_people(
    okr: Any, zoe: Path
) -> None:
    add_rows(zoe, "Corporate", [kr("CORP-3.2", "CORP-3", "Zoe Mueller")])

    result = okr("validate", "--format", "json", "-w", str(zoe))

    found = {
        f["where"]: f["message"]
        for f in json.loads(result.stdout)["findings"]
        if f["code"] in ("owner-spelling", "unknown-owner")
    }
    assert set(found) == {"Corporate!F6", "Corporate!F10"}
    assert "'Zoe Muller' is written 'Zoë Müller' on the People tab" in found["Corporate!F6"]
    assert (
        "'Zoe Mueller' is not on the People tab; did you mean 'Zoë Müller'?"
        in (found["Corporate!F10"])
    )


def test_no_people_tab_rows_means_no_owner_findings(okr: Any, shop: Path) -> None:
    result = okr("validate", "--format", "json", "-w", str(shop))
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert not codes & {"owner-spelling", "unknown-owner"}


@pytest.mark.parametrize(
    "command",
    [["status"], ["report", "--out", "-"], ["todo"], ["checkin"], ["lagging"]],
)
def test_an_unknown_owner_is_worded_one_way_with_did_you_mean(
    okr: Any, example: Path, command: list[str]
) -> None:
    result = okr(*command, "--owner", "Marcus", "-w", str(example))

    assert result.exit_code == 2, result.stderr
    assert "error: --owner: no owner named 'Marcus' in the workbook" in result.stderr
    assert "did you mean 'Marcus Webb'?" in result.stderr


def test_names_compare_without_case_accents_or_extra_spaces() -> None:
    assert person_key("  Zoë   MÜLLER ") == person_key("zoe muller") == "zoe muller"
    assert person_key("Zoë Müller") != person_key("Zoe Mueller")
    people = ["Marcus Webb", "Zoë Müller", "Mara Lind"]
    assert closest_person("Marcus", people) == "Marcus Webb"
    assert closest_person("Zoe Mueller", people) == "Zoë Müller"
    assert closest_person("Ma", people) is None  # too short to mean one person
    assert closest_person("Somebody Else", people) is None
