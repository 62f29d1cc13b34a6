"""Faults at every API call of every writing command, and crashes in the middle of a local save.

Google: each writing command is first run cleanly on a fresh spreadsheet, which records its API
calls (token calls aside) and the spreadsheet before and after. Then, for every call i of that
clean run, the same command runs again on a fresh copy with one fault of each kind injected at
call i: HTTP 429 (refused: nothing ran), a 5xx (503), a connection lost before Google applied
the request (a timeout), and one lost after (the answer is lost: a dropped connection).
Afterwards:

- the exit code is 0, or the documented 5 when the outcome cannot be known, and a failure says
  what happened and that running the command again is safe;
- the spreadsheet holds the whole change (exactly the clean run's state) or none of it;
- no check-in is recorded twice (the Check-ins tab's `Check-in ID` column has no duplicates);
- running the same command again succeeds and leaves exactly the clean run's state.

Local: a save that fails or is interrupted half way leaves the previous workbook byte for byte,
and a process killed while it held the lock leaves nothing that blocks the next one.

The other faults of each kind (HTTP 500, 502 and 504; a dropped connection before Google applied
the request, a timeout after) take the same path as the one drilled: a test runs each at the
calls where the outcome differs most, next to its kind's, and compares the two.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import okrsheet.stores.google.store as gsheets_module
import okrsheet.stores.xlsx.store as xlsx_module
from okrsheet.stores.google.store import UNFINISHED, WRITE_ATTEMPTS
from okrsheet.stores.xlsx.store import XlsxStore
from tests.conftest import TODAY, Google
from tests.fakes.sheets_api import FakeGoogle, FakeRequest, column_letters, quote_title
from tests.reliability.conftest import assert_no_crash, fingerprint

SETUP_TAB = "okrsheet-setup"
BATCH = (
    "kr_id,value,confidence,note\n"
    "CORP-1.1,60,70%,busy week\n"
    "CORP-1.2,16,,\n"
    "CORP-1.3,done,0.9,shipped\n"
)


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    #: Makes a new spreadsheet (`gsheet:new`) rather than changing an existing one.
    creates: bool = False
    #: The API calls of a clean run, in order: what each fault is injected at. A read of the
    #: workbook is two calls (the tab list, then the values).
    calls: tuple[str, ...] = ("read", "read", "write")
    #: A byte budget per layout request small enough to lay the workbook out in parts.
    chunk_bytes: int | None = None


COMMANDS = {
    # The second write deletes the scratch tab that let the write be checked.
    "checkin": Command(
        ("checkin", "CORP-1.1", "--value", "70", "--note", "fault drill"),
        calls=("read", "read", "write", "write"),
    ),
    "checkin-batch": Command(
        ("checkin", "--from", "updates.csv"), calls=("read", "read", "write", "write")
    ),
    "grade-write": Command(("grade", "--write"), calls=("read", "read", "write", "write")),
    "rollover": Command(("rollover", "--to", "2027-Q1"), calls=("read", "read", "write", "write")),
    # The archive tab is laid out hidden first, in parts, then named and shown by the write.
    "rollover-staged": Command(
        ("rollover", "--to", "2027-Q1"),
        # (its archive, with a number format per value cell, takes three parts)
        calls=("read", "read", "write", "write", "write", "write", "write"),
        chunk_bytes=5_000,
    ),
    # A new spreadsheet: a Drive search for one an earlier run left unfinished, the create
    # (marked unfinished), the layout, the shares, and the mark cleared.
    "init-new": Command(
        ("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop"),
        creates=True,
        calls=("find", "create", "write", "finish"),
    ),
    "init-new-shared": Command(
        ("init", "gsheet:new", "--cycle", "2026-Q4", "--share", "ceo@shop.test"),
        creates=True,
        calls=("find", "create", "write", "share", "finish"),
    ),
    "init-new-in-parts": Command(
        ("init", "gsheet:new", "--cycle", "2026-Q4", "--company", "Shop"),
        creates=True,
        # Three parts: a fault at the first, at one in the middle and at the last.
        calls=("find", "create", "write", "write", "write", "finish"),
        chunk_bytes=130_000,
    ),
    "push-new": Command(
        ("push", "shop.xlsx", "--to", "gsheet:new", "--title", "Shop OKRs"),
        creates=True,
        calls=("find", "create", "write", "finish"),
    ),
}


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # an HTTP error Google answers with (nothing applied)
    timeout: bool = False  # a timeout rather than a reset connection
    after_apply: bool = False  # the request was applied; only the answer is lost

    def inject(self, fake: FakeGoogle, match: Callable[[FakeRequest], bool]) -> None:
        if self.status is not None:
            fake.fail_next(self.status, match=match)
        else:
            fake.drop_next(timeout=self.timeout, after_apply=self.after_apply, match=match)

    @property
    def unknown_outcome(self) -> bool:
        """The client cannot tell whether a non-idempotent request ran (429 says it did not)."""
        return self.status != 429


#: One fault of each kind the client tells apart: drilled at every call of every command.
FAULTS = {
    "429": Fault(status=429),
    "503": Fault(status=503),
    "timeout": Fault(timeout=True),
    "dropped-after-apply": Fault(after_apply=True),
}
#: The other faults of each kind, by the drilled one they must behave like.
TWINS = {
    "500": ("503", Fault(status=500)),
    "502": ("503", Fault(status=502)),
    "504": ("503", Fault(status=504)),
    "dropped": ("timeout", Fault()),
    "timeout-after-apply": ("dropped-after-apply", Fault(timeout=True, after_apply=True)),
}


def at_call(index: int) -> Callable[[FakeRequest], bool]:
    """Match the index-th API request (0-based), token requests not counted."""
    seen = [0]

    def match(request: FakeRequest) -> bool:
        if request.kind == "token":
            return False
        seen[0] += 1
        return seen[0] == index + 1

    return match


def call_kind(request: FakeRequest) -> str:
    if request.kind == "drive":
        if request.path.endswith("/permissions"):
            return "share"
        return {"GET": "find", "POST": "create", "PATCH": "finish"}[request.method]
    if request.kind == "sheets-read":
        return "read"
    return "create" if request.path.rstrip("/").endswith("/spreadsheets") else "write"


# Spreadsheet states ----------------------------------------------------------------------------

State = list[tuple[str, list[list[Any]]]]


def state(fake: FakeGoogle, sid: str) -> State:
    """Every tab's values and formulas as written, in tab order (formulas as their text: the
    same text on the same values computes the same). `Recorded at` is the wall clock of the
    run: masked.
    So are the check-in ids a run makes up (each its own, at random): each distinct one is
    numbered in the order it appears, so a duplicate still shows."""
    tabs: State = []
    made_up: dict[str, str] = {}
    for sheet in fake.spreadsheet(sid).sheets:
        last = sheet.last_content_row()
        width = max((len(row) for row in sheet.rows[:last]), default=0)
        rows = (
            fake.values(
                sid,
                f"{quote_title(sheet.title)}!A1:{column_letters(width)}{last}",
                value_render_option="FORMULA",
            )
            if last and width
            else []
        )
        if rows and "Recorded at" in rows[0]:
            col = rows[0].index("Recorded at")
            rows = [rows[0]] + [
                [("<time>" if i == col and v != "" else v) for i, v in enumerate(r)]
                for r in rows[1:]
            ]
        if rows and "Check-in ID" in rows[0]:
            col = rows[0].index("Check-in ID")
            rows = [list(row) for row in rows]
            for row in rows[1:]:
                if len(row) > col and str(row[col]).startswith("ci-"):
                    row[col] = made_up.setdefault(row[col], f"<id {len(made_up)}>")
        tabs.append((sheet.title, rows))
    return tabs


def is_setup_only(tabs: State) -> bool:
    """A spreadsheet Google created but nothing was laid out in (its one tab named by okr, or
    as Drive names it)."""
    return tabs in ([(SETUP_TAB, [])], [("Sheet1", [])])


def unfinished(fake: FakeGoogle, sid: str) -> bool:
    """Whether a spreadsheet still carries okr's 'unfinished' mark."""
    return any(UNFINISHED in pairs for pairs in fake.app_properties.get(sid, {}).values())


def checkin_ids(tabs: State) -> list[str]:
    for title, rows in tabs:
        if title == "Check-ins" and rows:
            col = rows[0].index("Check-in ID")
            return [str(r[col]) for r in rows[1:] if len(r) > col and r[col] != ""]
    return []


#: The shop's tabs by the workbook's bytes: read once per test process, not once per case.
_SEEDS: dict[bytes, dict[str, list[list[Any]]]] = {}


def seed(fake: FakeGoogle, shop: Path) -> str:
    """The shop workbook as a spreadsheet, cell for cell (Progress formulas left out)."""
    data = shop.read_bytes()
    if data not in _SEEDS:
        tabs: dict[str, list[list[Any]]] = {}
        for grid in XlsxStore(shop).read().grids:
            rows = [
                [None if v == "" or (isinstance(v, str) and v.startswith("=")) else v for v in row]
                for row in grid.rows
            ]
            while rows and not any(v is not None for v in rows[-1]):
                rows.pop()
            tabs[grid.title] = rows
        _SEEDS[data] = tabs
    copied = {title: [list(row) for row in rows] for title, rows in _SEEDS[data].items()}
    # A small grid keeps the fake quick; appended rows grow it as Google would.
    return fake.add_spreadsheet(copied, title="Shop OKRs", row_count=60)


@dataclass
class Reference:
    calls: list[str]
    before: State
    after: State


_REFERENCES: dict[str, Reference] = {}


def prepare(tmp_path: Path, shop_bytes: bytes) -> Path:
    shop = tmp_path / "shop.xlsx"
    shop.write_bytes(shop_bytes)
    (tmp_path / "updates.csv").write_text(BATCH, encoding="utf-8")
    return shop


def run_command(okr: Any, command: Command, sid: str | None) -> Any:
    args = command.args if command.creates else (*command.args, "-w", f"gsheet:{sid}")
    with pytest.MonkeyPatch.context() as patch:
        if command.chunk_bytes is not None:
            patch.setattr(gsheets_module, "CHUNK_BYTES", command.chunk_bytes)
        return okr(*args)


def new_spreadsheets(fake: FakeGoogle, known: set[str]) -> list[str]:
    return [sid for sid in fake.spreadsheets if sid not in known]


def reference(name: str, okr: Any, google: Google, shop: Path) -> Reference:
    """The clean run of a command (computed once, on a spreadsheet of its own)."""
    if name in _REFERENCES:
        return _REFERENCES[name]
    command = COMMANDS[name]
    fake = google.fake
    known = set(fake.spreadsheets)
    sid = None if command.creates else seed(fake, shop)
    before = [] if sid is None else state(fake, sid)
    fake.reset_calls()
    result = run_command(okr, command, sid)
    assert result.exit_code == 0, result.stderr
    calls = [call_kind(e.request) for e in fake.exchanges if e.request.kind != "token"]
    if command.creates:
        (sid,) = new_spreadsheets(fake, known)
    assert sid is not None
    _REFERENCES[name] = Reference(calls, before, state(fake, sid))
    return _REFERENCES[name]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_clean_run_makes_the_documented_calls(
    name: str, okr: Any, google: Google, tmp_path: Path, shop_bytes: bytes
) -> None:
    ref = reference(name, okr, google, prepare(tmp_path, shop_bytes))

    assert ref.calls == list(COMMANDS[name].calls)
    assert ref.after != ref.before
    assert len(set(checkin_ids(ref.after))) == len(checkin_ids(ref.after))


CASES = [
    pytest.param(name, index, fault, id=f"{name}-call{index}-{command.calls[index]}-{fault}")
    for name, command in COMMANDS.items()
    for index in range(len(command.calls))
    for fault in FAULTS
]


@pytest.mark.parametrize(("name", "index", "fault_name"), CASES)
def test_a_fault_at_any_call_leaves_all_or_nothing_and_a_retry_finishes_the_job(
    name: str,
    index: int,
    fault_name: str,
    okr: Any,
    google: Google,
    tmp_path: Path,
    shop_bytes: bytes,
) -> None:
    shop = prepare(tmp_path, shop_bytes)
    ref = reference(name, okr, google, shop)
    command, fault, fake = COMMANDS[name], FAULTS[fault_name], google.fake
    known = first_known = set(fake.spreadsheets)
    sid = None if command.creates else seed(fake, shop)
    assert sid is None or state(fake, sid) == ref.before
    fault.inject(fake, at_call(index))

    first = run_command(okr, command, sid)

    output = first.stdout + first.stderr
    assert_no_crash(first.exit_code, output)
    # A create whose answer is lost is settled by the Drive search for it: if Google made the
    # spreadsheet, the run goes on in it; if not, the create is sent again. So every fault ends
    # with the job done.
    assert first.exit_code == 0, output
    if first.exit_code:
        assert "error:" in first.stderr and "again" in first.stderr, first.stderr
    if command.creates:
        made = [state(fake, s) for s in new_spreadsheets(fake, known)]
        assert all(tabs == ref.after or is_setup_only(tabs) for tabs in made), "half a workbook"
        assert sum(tabs == ref.after for tabs in made) == (0 if first.exit_code else 1)
        if first.exit_code == 0:
            assert not any(unfinished(fake, s) for s in new_spreadsheets(fake, known))
    else:
        assert sid is not None
        assert state(fake, sid) == (ref.after if first.exit_code == 0 else ref.before)
    for s in fake.spreadsheets:
        ids = checkin_ids(state(fake, s))
        assert len(ids) == len(set(ids)), "a check-in was recorded twice"

    # Running the same command again is safe, and finishes the job.
    known = set(fake.spreadsheets)
    again = run_command(okr, command, sid)

    if command.creates:
        assert again.exit_code == 0, again.stderr
        # A finished spreadsheet is never picked up again; an unfinished one always is.
        ids = new_spreadsheets(fake, first_known)
        assert len(ids) == (2 if first.exit_code == 0 else 1), "a second spreadsheet"
        assert all(state(fake, s) == ref.after and not unfinished(fake, s) for s in ids)
        return
    assert sid is not None
    if name.startswith("rollover") and first.exit_code == 0:
        # A cycle is rolled over once: the second run is refused and changes nothing.
        assert again.exit_code == 2 and "2027-Q1" in again.stderr, again.stderr
    else:
        assert again.exit_code == 0, again.stderr
    if name.startswith("checkin") and first.exit_code == 0:
        # Done and confirmed: the same command again is a new submission, recorded again as on
        # a local workbook (docs/reliability.md, "Check-in identity"), never a duplicate id.
        assert "already in the log" not in again.stderr, again.stderr
        ids = checkin_ids(state(fake, sid))
        assert len(ids) == len(set(ids)) == 2 * len(checkin_ids(ref.after))
        return
    assert state(fake, sid) == ref.after


def outcome(
    okr: Any, google: Google, shop: Path, name: str, index: int, fault: Fault
) -> tuple[int, list[str], list[State]]:
    """A command run on a fake of its own with `fault` at call `index`: its exit code, the
    API calls it made (retries and checks included) and every spreadsheet as it left it."""
    fake, command = google.fake, COMMANDS[name]
    for held in (fake.spreadsheets, fake.files, fake.permissions, fake.app_properties):
        held.clear()
    sid = None if command.creates else seed(fake, shop)
    fake.reset_calls()
    fault.inject(fake, at_call(index))
    result = run_command(okr, command, sid)
    assert_no_crash(result.exit_code, result.stdout + result.stderr)
    calls = [call_kind(e.request) for e in fake.exchanges if e.request.kind != "token"]
    return result.exit_code, calls, [state(fake, s) for s in fake.spreadsheets]


TWIN_CASES = [
    pytest.param(name, index, twin, id=f"{name}-call{index}-{COMMANDS[name].calls[index]}-{twin}")
    for name, index in (("checkin", 2), ("init-new", 1), ("init-new", 2))
    for twin in TWINS
]


@pytest.mark.parametrize(("name", "index", "twin"), TWIN_CASES)
def test_each_fault_takes_the_path_of_the_one_drilled_for_its_kind(
    name: str, index: int, twin: str, okr: Any, google: Google, tmp_path: Path, shop_bytes: bytes
) -> None:
    shop = prepare(tmp_path, shop_bytes)
    drilled, fault = TWINS[twin]

    expected = outcome(okr, google, shop, name, index, FAULTS[drilled])
    got = outcome(okr, google, shop, name, index, fault)

    assert got == expected


@pytest.mark.parametrize("name", ["checkin", "checkin-batch", "grade-write", "rollover"])
def test_a_write_that_keeps_failing_says_so_and_a_retry_finishes_the_job(
    name: str, okr: Any, google: Google, tmp_path: Path, shop_bytes: bytes
) -> None:
    shop = prepare(tmp_path, shop_bytes)
    ref = reference(name, okr, google, shop)
    sid = seed(google.fake, shop)
    google.fake.fail_next(503, times=WRITE_ATTEMPTS, match=lambda r: r.kind == "sheets-write")

    first = run_command(okr, COMMANDS[name], sid)

    assert first.exit_code == 5, first.stderr
    assert "could not confirm the write" in first.stderr
    assert "run the same command again" in first.stderr
    assert state(google.fake, sid) == ref.before
    again = run_command(okr, COMMANDS[name], sid)
    assert again.exit_code == 0, again.stderr
    assert state(google.fake, sid) == ref.after


def test_a_layout_that_keeps_failing_leaves_an_empty_spreadsheet_the_same_command_finishes(
    okr: Any, google: Google, tmp_path: Path, shop_bytes: bytes
) -> None:
    ref = reference("init-new", okr, google, prepare(tmp_path, shop_bytes))
    known = set(google.fake.spreadsheets)
    google.fake.fail_next(
        500, times=WRITE_ATTEMPTS, match=lambda r: r.path.endswith(":batchUpdate")
    )

    result = okr(*COMMANDS["init-new"].args)

    assert result.exit_code == 5, result.stderr
    assert "could not confirm the write" in result.stderr and "again" in result.stderr
    (sid,) = new_spreadsheets(google.fake, known)
    assert is_setup_only(state(google.fake, sid))
    assert sid in result.stderr  # the empty one is named

    again = okr(*COMMANDS["init-new"].args)

    # The same command again lays the workbook out in it rather than making another.
    assert again.exit_code == 0, again.stderr
    assert f"Resuming gsheet:{sid}" in again.stderr
    assert new_spreadsheets(google.fake, known) == [sid]
    assert state(google.fake, sid) == ref.after and not unfinished(google.fake, sid)


# Local saves -----------------------------------------------------------------------------------

LOCAL = {
    "checkin": ("checkin", "CORP-1.1", "--value", "70"),
    "checkin-batch": ("checkin", "--from", "updates.csv"),
    "grade-write": ("grade", "--write"),
    "rollover": ("rollover", "--to", "2027-Q1"),
    "validate-fix": ("validate", "--fix"),
    "init-force": ("init", "--cycle", "2027-Q1", "--force"),
}


def local_workbook(tmp_path: Path, shop_bytes: bytes, *, missing_id: bool = False) -> Path:
    shop = prepare(tmp_path, shop_bytes)
    if missing_id:  # validate --fix needs a row without an id to have something to write
        from openpyxl import load_workbook

        book = load_workbook(shop)
        book["Corporate"].append(
            ["Key result", None, "CORP-1", "Returns handled in a day", None, "Ana Lima", None,
             "increase", 0.5, 0.9, None, "%", "2026-12-31"]
        )  # fmt: skip
        book.save(shop)
    return shop


class HalfWritten:
    """The temporary file of a save that dies once part of the workbook is written."""

    LIMIT = 2048

    def __init__(self, real: Any, dies: Callable[[], BaseException] | type[BaseException]):
        self.real, self.dies, self.written = real, dies, 0

    def write(self, data: bytes) -> int:
        if self.written + len(data) > self.LIMIT:
            self.real.write(data[: self.LIMIT - self.written])
            self.real.flush()
            raise self.dies()
        self.written += len(data)
        return int(self.real.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> HalfWritten:
        return self

    def __exit__(self, *exc: object) -> None:
        self.real.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", list(LOCAL))
@pytest.mark.parametrize("crash", ["os-error-at-replace", "interrupt-while-zipping"])
def test_a_save_that_dies_half_way_leaves_the_workbook_as_it_was(
    name: str,
    crash: str,
    okr: Any,
    tmp_path: Path,
    shop_bytes: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shop = local_workbook(tmp_path, shop_bytes, missing_id=name == "validate-fix")
    before = fingerprint(shop)
    with pytest.MonkeyPatch.context() as patch:
        if crash == "os-error-at-replace":

            def replace(*args: Any, **kwargs: Any) -> None:
                raise OSError(28, "No space left on device")

            patch.setattr("okrsheet.stores.xlsx.store.os.replace", replace)
            expected = 5
        else:
            real_mkstemp, real_fdopen, temporary = tempfile.mkstemp, os.fdopen, set()

            def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
                fd, name = real_mkstemp(*args, **kwargs)
                temporary.add(fd)
                return fd, name

            def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
                handle = real_fdopen(fd, *args, **kwargs)
                return HalfWritten(handle, KeyboardInterrupt) if fd in temporary else handle

            patch.setattr("okrsheet.stores.xlsx.store.tempfile.mkstemp", mkstemp)
            patch.setattr("okrsheet.stores.xlsx.store.os.fdopen", fdopen)
            expected = 130

        result = okr(*LOCAL[name], "-w", str(shop))
        # openpyxl leaves its ZipFile open when a save dies (in memory since the store saves
        # into a buffer first); collect it now rather than in the middle of a later test.
        gc.collect()

    output = result.stdout + result.stderr
    assert_no_crash(result.exit_code, output)
    assert result.exit_code == expected, output
    assert "nothing was" in result.stderr, result.stderr
    assert fingerprint(shop) == before
    assert leftovers(tmp_path) == []
    unchanged = okr("validate", "-w", str(shop)).exit_code
    assert unchanged == (3 if name == "validate-fix" else 0)  # the row without an id is still there
    assert okr(*LOCAL[name], "-w", str(shop)).exit_code == 0  # and the command works again


_KILLED_MID_SAVE = """
import os, sys, tempfile
where = sys.argv[1]
def die():
    if where == "interrupt":
        raise KeyboardInterrupt
    os._exit(9)
if where == "before-replace":
    os.replace = lambda *a, **k: os._exit(9)
else:
    real, real_mkstemp, temporary = os.fdopen, tempfile.mkstemp, set()
    def mkstemp(*args, **kwargs):
        fd, name = real_mkstemp(*args, **kwargs)
        temporary.add(fd)
        return fd, name
    tempfile.mkstemp = mkstemp
    class Dying:
        def __init__(self, handle):
            self.handle, self.written = handle, 0
        def write(self, data):
            self.written += len(data)
            if self.written > 2048:
                self.handle.write(data[:100])
                self.handle.flush()
                die()
            return self.handle.write(data)
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self.handle.close()
    os.fdopen = lambda fd, *a, **k: (Dying if fd in temporary else lambda h: h)(real(fd, *a, **k))
from okrsheet.cli import app
app(sys.argv[2:], prog_name="okr")
"""


@pytest.mark.parametrize("where", ["before-replace", "mid-write"])
def test_a_process_killed_mid_save_leaves_the_workbook_and_no_lock_that_blocks(
    where: str, okr: Any, tmp_path: Path, shop_bytes: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = local_workbook(tmp_path, shop_bytes)
    before = fingerprint(shop)
    env = {**os.environ, "OKR_TODAY": TODAY.isoformat()}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_SAVE, where, "checkin", "CORP-1.1", "--value", "70",
         "-w", str(shop)],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert killed.returncode == 9, killed.stderr
    assert fingerprint(shop) == before
    lock = XlsxStore(shop).lock_path
    assert lock.exists()  # the dead process left its lock file behind ...
    monkeypatch.setattr(xlsx_module, "LOCK_TIMEOUT_SECONDS", 2.0)

    result = okr("checkin", "CORP-1.1", "--value", "70", "-w", str(shop))

    assert result.exit_code == 0, result.stderr  # ... which blocks nobody
    assert okr("validate", "-w", str(shop)).exit_code == 0
    status = okr("status", "-f", "json", "-w", str(shop)).json()
    assert status["objectives"][0]["key_results"][0]["current"] == 70.0


def test_ctrl_c_during_a_full_save_prints_no_traceback(tmp_path: Path, shop_bytes: bytes) -> None:
    shop = local_workbook(tmp_path, shop_bytes)
    before = fingerprint(shop)
    env = {**os.environ, "OKR_TODAY": TODAY.isoformat()}

    interrupted = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_SAVE, "interrupt", "rollover", "--to", "2027-Q1",
         "-w", str(shop)],
        env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip

    assert interrupted.returncode == 130
    assert "interrupted; nothing was written" in interrupted.stderr
    assert fingerprint(shop) == before
    assert "Traceback" not in interrupted.stderr, interrupted.stderr


def test_a_temporary_file_left_by_a_killed_save_is_cleaned_up(
    okr: Any, tmp_path: Path, shop_bytes: bytes
) -> None:
    shop = local_workbook(tmp_path, shop_bytes)
    env = {**os.environ, "OKR_TODAY": TODAY.isoformat()}
    subprocess.run(
        [sys.executable, "-c", _KILLED_MID_SAVE, "before-replace", "checkin", "CORP-1.1",
         "--value", "70", "-w", str(shop)],
        env=env, capture_output=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip

    assert okr("checkin", "CORP-1.1", "--value", "71", "-w", str(shop)).exit_code == 0

    assert leftovers(tmp_path) == []
