"""`okr sync --format json|csv|md`: one row per sourced key result or KPI, saying where the
number came from, the number before and after, changed / unchanged / failed (and why), and
whether a check-in was written; a dry run says what would change and writes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.primitives import column_letter
from tests.cli.conftest import kr_row
from tests.conftest import type_cells
from tests.sources_parts import write_config

SOURCE_COL = len(OKR_COLUMNS) + 1


@pytest.fixture
def sourced(example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three Sales key results fed from local files: one that moved, one that did not, and
    one whose column is gone."""
    write_config(tmp_path / "machine.toml", "", monkeypatch)
    (example.parent / "demos.csv").write_text("Week,Demos\n1,4\n2,5\n", encoding="utf-8")
    (example.parent / "stats.json").write_text(json.dumps({"opps": 63}), encoding="utf-8")
    type_cells(
        example,
        {
            "Sales": {
                (1, SOURCE_COL): "Source",
                (3, SOURCE_COL): "stats.json#/opps",  # SALES-1.1 is 63 already
                (4, SOURCE_COL): "demos.csv!Nope",  # SALES-1.2: no such column
                (5, SOURCE_COL): "demos.csv!Demos",  # SALES-1.3: 4 -> 5
            }
        },
    )
    return example


def rows_by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in report["results"]}


def test_json_lists_every_sourced_key_result_and_what_was_written(okr: Any, sourced: Path) -> None:
    result = okr("sync", "--format", "json", "-w", str(sourced))

    assert result.exit_code == 8, result.stderr  # one source failed: cron hears of it
    report = result.json()
    rows = rows_by_id(report)
    assert list(rows) == ["SALES-1.1", "SALES-1.2", "SALES-1.3"]
    assert rows["SALES-1.3"] == {
        "id": "SALES-1.3",
        "source": "demos.csv!Demos",
        "old": 4.0,
        "new": 5.0,
        "status": "changed",
        "reason": None,
        "written": True,
    }
    assert rows["SALES-1.1"]["status"] == "unchanged"
    assert rows["SALES-1.1"]["old"] == rows["SALES-1.1"]["new"] == 63
    assert rows["SALES-1.1"]["written"] is False
    assert rows["SALES-1.2"]["status"] == "failed"
    assert rows["SALES-1.2"]["new"] is None and rows["SALES-1.2"]["written"] is False
    assert "Nope" in rows["SALES-1.2"]["reason"]
    assert (report["changed"], report["unchanged"], report["failed"]) == (1, 1, 1)
    assert report["recorded"] == 1 and report["dry_run"] is False and report["notice"] is None
    assert kr_row(sourced, "SALES-1.3", "Sales")["Current"] == 5
    # The failure is still said on stderr; stdout is the report alone.
    assert "SALES-1.2" in result.stderr


def test_a_dry_run_in_json_says_what_would_change_and_writes_nothing(
    okr: Any, sourced: Path
) -> None:
    before = sourced.read_bytes()

    result = okr("sync", "--dry-run", "-f", "json", "-w", str(sourced))

    assert result.exit_code == 8, result.stderr
    report = result.json()
    assert report["dry_run"] is True and report["recorded"] == 0
    changed = rows_by_id(report)["SALES-1.3"]
    assert (changed["status"], changed["new"], changed["written"]) == ("changed", 5.0, False)
    assert sourced.read_bytes() == before


def test_csv_has_one_row_per_sourced_key_result(okr: Any, sourced: Path) -> None:
    result = okr("sync", "--dry-run", "-f", "csv", "-w", str(sourced))

    assert result.exit_code == 8, result.stderr
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0] == "id,source,old,new,status,reason,written"
    assert [(r["id"], r["old"], r["new"], r["status"], r["written"]) for r in table] == [
        ("SALES-1.1", "63", "63", "unchanged", "false"),
        ("SALES-1.2", "0.7199", "", "failed", "false"),
        ("SALES-1.3", "4", "5", "changed", "false"),
    ]


def test_markdown_names_each_key_result(okr: Any, sourced: Path) -> None:
    result = okr("sync", "--dry-run", "-f", "md", "-w", str(sourced))

    assert result.exit_code == 8, result.stderr
    assert "1 would change · 1 unchanged · 1 failed" in result.stdout
    assert "**SALES-1.3**" in result.stdout and "4 → 5" in result.stdout


def test_nothing_sourced_is_an_empty_list_and_an_error_keeps_the_envelope(
    okr: Any, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "machine.toml", "", monkeypatch)
    empty = okr("sync", "-f", "json", "-w", str(example))
    assert empty.exit_code == 0, empty.stderr
    assert empty.json()["results"] == []

    unknown = okr("sync", "--kr", "NOPE-1", "-f", "json", "-w", str(example))
    assert unknown.exit_code == 2
    assert json.loads(unknown.stdout)["error"]["code"] == "usage"


def test_outside_the_cycle_json_carries_the_notice(
    okr: Any, sourced: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKR_TODAY", "2027-01-04")

    result = okr("sync", "-f", "json", "-w", str(sourced))

    assert result.exit_code == 0, result.stderr
    report = result.json()
    assert report["results"] == [] and "outside the cycle 2026-Q4" in report["notice"]


def test_a_jsonpath_source_syncs_and_a_bad_one_is_a_finding(
    okr: Any, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path / "machine.toml", "", monkeypatch)
    teams = {"teams": [{"name": "Ops", "opps": 3}, {"name": "Sales", "opps": 70}]}
    (example.parent / "teams.json").write_text(json.dumps(teams), encoding="utf-8")
    type_cells(
        example,
        {
            "Sales": {
                (1, SOURCE_COL): "Source",
                (3, SOURCE_COL): "teams.json#$.teams[?@.name == 'Sales'].opps",
                (4, SOURCE_COL): "teams.json#$.teams[[",
                (5, SOURCE_COL): "teams.json#$..opps",
            }
        },
    )

    result = okr("sync", "-f", "json", "-w", str(example))

    rows = rows_by_id(result.json())
    assert (rows["SALES-1.1"]["status"], rows["SALES-1.1"]["new"]) == ("changed", 70.0)
    assert rows["SALES-1.2"]["reason"].startswith("$.teams[[ is not a JSONPath")
    assert "matches 2 values (3, 70)" in rows["SALES-1.3"]["reason"]
    assert kr_row(example, "SALES-1.1", "Sales")["Current"] == 70
    validated = okr("validate", "-f", "json", "-w", str(example))
    bad = [f for f in validated.json()["findings"] if f["code"] == "bad-source"]
    assert [f["where"] for f in bad] == [f"Sales!{column_letter(SOURCE_COL)}4"]
