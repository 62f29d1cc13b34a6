"""The library API end to end, using only what `okrsheet` exports (docs/library.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import okrsheet

TODAY = date(2026, 11, 16)


def test_create_check_in_and_report(tmp_path: Path) -> None:
    book = okrsheet.Workbook.create(
        tmp_path / "acme.xlsx", example=True, cycle="2026-Q4", today=TODAY
    )
    assert (tmp_path / "acme.xlsx").is_file()
    assert book.validate().errors == 0

    before = {row["id"]: row for row in book.status(TODAY).rows()}
    assert before["SALES-1.1"]["current"] != 321

    recorded = book.check_in(
        "sales-1.1", "321", confidence="80%", note="=not a formula", day=TODAY, author="Ann"
    )
    assert [(c.kr_id, c.value, c.confidence) for c in recorded] == [("SALES-1.1", 321, 0.8)]

    status = book.status(TODAY)
    after = {row["id"]: row for row in status.rows()}
    assert after["SALES-1.1"]["current"] == 321
    assert after["SALES-1.1"]["confidence"] == 0.8
    assert after["SALES-1.1"]["last_checkin"] == TODAY.isoformat()
    assert json.loads(status.model_dump_json())["as_of"] == TODAY.isoformat()

    history = book.history("SALES-1.1", TODAY)
    assert history.checkins[-1].note == "=not a formula"
    assert history.checkins[-1].author == "Ann"

    assert book.todo("Marcus Webb", TODAY).owner == "Marcus Webb"
    assert book.tree(TODAY).roots
    assert book.deps(TODAY, team="Sales").who == "Sales"
    assert book.grade(TODAY).provisional
    lagging = book.lagging(TODAY)
    assert isinstance(lagging, okrsheet.Report)
    assert all(row["status"] for row in lagging.rows())
    # 321 of a target of 180: this week's check-in reached it, the digest's first win.
    digest = book.digest(TODAY)
    assert [(w.id, w.done) for w in digest.wins][0] == ("SALES-1.1", True)
    assert digest.behind == lagging.lagging


def test_errors_are_okrsheet_errors(tmp_path: Path) -> None:
    path = tmp_path / "acme.xlsx"
    book = okrsheet.Workbook.create(path, example=True, cycle="2026-Q4", today=TODAY)
    with pytest.raises(okrsheet.OkrError):
        okrsheet.Workbook.create(path, example=True, cycle="2026-Q4", today=TODAY)
    with pytest.raises(okrsheet.UsageError):
        book.check_in("NOPE-1", 1, day=TODAY)
    with pytest.raises(KeyError):
        book.history("NOPE-1", TODAY)
    with pytest.raises(okrsheet.UsageError, match="no team named"):
        book.deps(TODAY, team="Nope")
    with pytest.raises(okrsheet.OkrError):
        okrsheet.Workbook(tmp_path / "missing.xlsx").status()
    with pytest.raises(AttributeError):
        okrsheet.nothing_here  # noqa: B018


def test_the_library_docs_example_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "library.md").read_text("utf-8")
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "docs/library.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert "SALES-1.1 140.0 " in "\n".join(printed) + " "
    assert (tmp_path / "acme.xlsx").is_file()


def test_importing_okrsheet_imports_nothing_else() -> None:
    """`okr --help` imports the package: its exports wait until first use."""
    code = (
        "import sys, okrsheet; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'okrsheet', 'pydantic', 'typer', 'rich', 'openpyxl'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "['okrsheet']"
    assert set(okrsheet.__all__) <= set(dir(okrsheet))


def test_sync_through_the_library(tmp_path: Path) -> None:
    from tests.conftest import type_cells

    path = tmp_path / "acme.xlsx"
    book = okrsheet.Workbook.create(path, example=True, cycle="2026-Q4", today=TODAY)
    (tmp_path / "demos.csv").write_text("Week,Demos\n1,4\n2,5\n", encoding="utf-8")
    type_cells(path, {"Sales": {(1, 42): "Source", (5, 42): "demos.csv!Demos", (4, 42): "x.csv!A"}})

    dry = book.sync(today=TODAY, dry_run=True)
    result = book.sync(today=TODAY)

    assert [(o.item_id, o.before, o.value) for o in dry.changed] == [("SALES-1.3", 4, 5)]
    assert [(o.item_id, o.value) for o in result.changed] == [("SALES-1.3", 5)]
    assert [(o.item_id, o.error) for o in result.failed] == [("SALES-1.2", "no file at x.csv")]
    assert result.recorded == 1
    assert {row["id"]: row for row in book.status(TODAY).rows()}["SALES-1.3"]["current"] == 5
    assert any(f.code == "source-failing" for f in book.validate().findings)
