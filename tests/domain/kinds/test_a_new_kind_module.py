"""Adding a kind as docs/architecture.md says: one new module (keep_above.py copied) and one
line in `MEMBERS`, in a copy of the package; `okr` then validates, scores and lays out the new
kind, and nothing else in the package was edited."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.cli.test_sheet_agrees import type_rows

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "okrsheet"

#: The new kind's module: keep_above.py copied and changed to "stay between Start and Target".
RANGE_MODULE = '''"""Range: stay between the Start (lower bound) and the Target (upper bound)."""

from __future__ import annotations

from okrsheet.domain.kinds.base import Kind
from okrsheet.domain.kinds.rules import BOTH


def _holds(value: float, start: float, target: float) -> bool:
    return start <= value <= target


def _check(start: float, target: float) -> str | None:
    return None if target > start else "a range needs its Target above its Start"


RANGE = Kind.define(
    "range",
    words=("stay between", "between"),
    progress=lambda value, start, target: 1.0 if _holds(value, start, target) else 0.0,
    met=_holds,
    holds=True,
    check=_check,
    sheet_progress=f'IF(NOT({BOTH}),"",IF(AND({{v}}>={{s}},{{v}}<={{t}}),1,0))',
    sheet_met="AND({v}>={s},{v}<={t})",
    behind="outside {start:g} to {target:g}",
)
'''
LAST_MEMBER = '    "okrsheet.domain.kinds.keep_below:KEEP_BELOW",\n'
NEW_MEMBER = '    "okrsheet.domain.kinds.range:RANGE",\n'


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_one_module_and_one_line_add_a_kind_okr_knows(tmp_path: Path) -> None:
    copy = tmp_path / "okrsheet"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")  # beside it, as in the project
    (copy / "domain" / "kinds" / "range.py").write_text(RANGE_MODULE, encoding="utf-8")
    table = copy / "domain" / "kinds" / "__init__.py"
    text = table.read_text(encoding="utf-8")
    assert text.count(LAST_MEMBER) == 1
    table.write_text(text.replace(LAST_MEMBER, LAST_MEMBER + NEW_MEMBER), encoding="utf-8")

    before, after = _files(PACKAGE), _files(copy)
    assert set(after) - set(before) == {"domain/kinds/range.py"}
    changed = [name for name in before if before[name] != after[name]]
    assert changed == ["domain/kinds/__init__.py"]
    added = set(after[changed[0]].splitlines()) - set(before[changed[0]].splitlines())
    assert added == {NEW_MEMBER.rstrip("\n")}

    env = {**os.environ, "PYTHONPATH": str(tmp_path), "OKR_TODAY": "2026-11-20"}
    env.pop("OKR_WORKBOOK", None)

    def okr(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "okrsheet", *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    where = subprocess.run(
        [sys.executable, "-c", "import okrsheet; print(okrsheet.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).parent == copy  # the copy runs, not the project

    made = okr("init", "range.xlsx", "--cycle", "2026-Q4", "--company", "Shop")
    assert made.returncode == 0, made.stderr
    due = date(2026, 12, 31)
    type_rows(tmp_path / "range.xlsx", "Corporate", [
        {"type": "Objective", "id": "R-1", "title": "Keep the shop healthy",
         "owner": "Ana Lima", "level": "corporate"},
        {"type": "Key result", "id": "R-1.1", "title": "Days of stock", "kind": "Stay between",
         "start": 20, "target": 30, "current": 25, "due": due, "last_checkin": date(2026, 11, 14)},
        {"type": "Key result", "id": "R-1.2", "title": "Support queue", "kind": "range",
         "start": 5, "target": 15, "current": 18, "due": due, "last_checkin": date(2026, 11, 14)},
    ])  # fmt: skip

    status = okr("status", "-w", "range.xlsx", "-f", "json")
    assert status.returncode == 0, status.stderr
    (objective,) = json.loads(status.stdout)["objectives"]
    assert [(k["id"], k["kind"], k["progress"], k["status"]) for k in objective["key_results"]] == [
        ("R-1.1", "range", 1.0, "on track"),
        ("R-1.2", "range", 0.0, "off track"),
    ]
    lagging = okr("lagging", "-w", "range.xlsx")
    assert "outside 5 to 15" in lagging.stdout, lagging.stdout + lagging.stderr

    type_rows(tmp_path / "range.xlsx", "Corporate", [
        {"type": "Key result", "id": "R-1.3", "title": "Refunds", "kind": "between",
         "start": 9, "target": 3, "due": due},
    ])  # fmt: skip
    validate = okr("validate", "-w", "range.xlsx", "-f", "json")
    errors = [f for f in json.loads(validate.stdout)["findings"] if f["severity"] == "error"]
    assert [e["message"] for e in errors] == ["target: a range needs its Target above its Start"]
    assert validate.returncode == 3  # an error in the workbook
