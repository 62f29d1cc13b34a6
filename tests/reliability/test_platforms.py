"""The local store where people work: Windows and macOS as well as Linux.

Windows has no `fcntl` and none of the POSIX calls that keep a file's mode, owner and extended
attributes; it refuses to replace a file that another program (Excel) holds open; its pipes and
files are written in a legacy code page; people type paths with drive letters and backslashes.
The writing commands run here in a Python made to lack what Windows lacks (in a process of its
own, so that the test's interpreter stays whole)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet.stores import parse_location
from tests.conftest import type_cells
from tests.reliability.conftest import fingerprint

#: A Python as on Windows: no fcntl; no fchmod, fchown, geteuid/getegid, extended attributes,
#: pthread_sigmask, O_CLOEXEC or O_NOFOLLOW. Windows' own lock call, `msvcrt.locking`, is made
#: here of POSIX record locks (lockf), which exclude between processes as Windows' byte-range
#: locks do: it locks `nbytes` from the file's current position, fails at once with EACCES
#: under LK_NBLCK when another process holds them, and LK_UNLCK lets them go.
AS_ON_WINDOWS = r"""
import errno, os, signal, sys, types

sys.modules["fcntl"] = None
for name in ("fchmod", "fchown", "geteuid", "getegid", "setxattr", "getxattr", "listxattr",
             "O_CLOEXEC", "O_NOFOLLOW"):
    delattr(os, name)
del signal.pthread_sigmask
_lockf, _ULOCK, _TLOCK = os.lockf, os.F_ULOCK, os.F_TLOCK
del os.lockf
CALLS = []

def locking(fd, mode, nbytes):
    CALLS.append(mode)
    try:
        _lockf(fd, _ULOCK if mode == msvcrt.LK_UNLCK else _TLOCK, nbytes)
    except (BlockingIOError, PermissionError):
        raise OSError(errno.EACCES, "Permission denied") from None

import getpass, subprocess  # they take Windows' path when msvcrt is there: not this one
msvcrt = types.ModuleType("msvcrt")
msvcrt.locking, msvcrt.LK_UNLCK, msvcrt.LK_NBLCK = locking, 0, 2
sys.modules["msvcrt"] = msvcrt
"""

#: Then each command of the JSON list in argv[1] through okr's own entry point; the exit codes
#: and the lock calls made are the last line on stdout.
RUN_COMMANDS = r"""
import json
from okrsheet.__main__ import main

codes = []
for args in json.loads(sys.argv[1]):
    sys.argv = ["okr", *args]
    try:
        main()
        codes.append(0)
    except SystemExit as exc:
        codes.append(exc.code or 0)
print(json.dumps({"codes": codes, "locking": CALLS}))
"""

#: Holds the workbook's lock as a writing okr does, until a line arrives on stdin.
HOLD_LOCK = r"""
from pathlib import Path
from okrsheet.stores.xlsx.store import XlsxStore

with XlsxStore(Path(sys.argv[1]))._locked():
    print("held", flush=True)
    sys.stdin.readline()
"""


def as_on_windows(script: str, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", AS_ON_WINDOWS + script, *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        **kwargs,
    )  # fmt: skip


def run_as_on_windows(*commands: list[str]) -> tuple[dict[str, Any], str]:
    process = as_on_windows(RUN_COMMANDS, json.dumps(commands))
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    return json.loads(out.splitlines()[-1]), err


def test_the_writing_commands_work_without_fcntl_or_the_posix_metadata_calls(
    okr: Any, tmp_path: Path
) -> None:
    book = tmp_path / "okr.xlsx"

    first, err = run_as_on_windows(
        ["init", str(book), "--example", "--cycle", "2026-Q4"],
        ["checkin", "SALES-1.2", "--value", "80%", "--note", "from Windows", "-w", str(book)],
        ["grade", "--write", "--as-of", "2026-12-31", "-w", str(book)],
    )
    assert first["codes"] == [0, 0, 0], err
    history = okr("history", "SALES-1.2", "-f", "json", "-w", str(book)).json()
    assert history["checkins"][-1]["note"] == "from Windows"
    sales = load_workbook(book, read_only=True)["Sales"]
    header, _, sales_11 = (list(row) for row in sales.iter_rows(max_row=3, values_only=True))
    assert sales_11[1] == "SALES-1.1" and sales_11[header.index("Grade")] is not None
    type_cells(book, {"Sales": {(3, 11): 99}})  # Current of SALES-1.1 typed over by hand
    second, err = run_as_on_windows(
        ["validate", "--fix", "-w", str(book)], ["rollover", "--to", "2027-Q1", "-w", str(book)]
    )

    assert second["codes"] == [0, 0], err
    # Every write took Windows' lock, and let it go.
    assert first["locking"] == [2, 0] * 3 and second["locking"] == [2, 0] * 2
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == ["okr.xlsx"]
    status = okr("status", "-f", "json", "-w", str(book), "--as-of", "2027-01-15").json()
    assert status["cycle"]["name"] == "2027-Q1"
    krs = {k["id"]: k for o in status["objectives"] for k in o["key_results"]}
    assert krs["SALES-1.1"]["start"] == 99.0  # the fixed drift, carried into the new cycle
    assert okr("validate", "-f", "json", "-w", str(book)).json()["errors"] == 0


def test_the_lock_made_of_msvcrt_still_keeps_a_second_writer_out(okr: Any, example: Path) -> None:
    before = fingerprint(example)
    holder = as_on_windows(HOLD_LOCK, str(example))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waiter = as_on_windows(
            "import okrsheet.stores.xlsx.store as x; x.LOCK_TIMEOUT_SECONDS = 1.0\n" + RUN_COMMANDS,
            json.dumps([["checkin", "SALES-1.1", "--value", "70", "-w", str(example)]]),
        )
        out, err = waiter.communicate(timeout=60)
        assert json.loads(out.splitlines()[-1])["codes"] == [5], err
        assert "is being written by another okr process" in err
        assert fingerprint(example) == before
    finally:
        holder.communicate("\n", timeout=30)
    assert holder.returncode == 0
    assert not (example.parent / ".example.xlsx.lock").exists()  # let go and removed

    # Now a writer that waits gets the lock as soon as the holder lets go of it.
    holder = as_on_windows(HOLD_LOCK, str(example))
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    waiter = as_on_windows(
        RUN_COMMANDS, json.dumps([["checkin", "SALES-1.1", "--value", "71", "-w", str(example)]])
    )
    time.sleep(1.5)  # long enough to start, read the workbook and reach the lock
    assert waiter.poll() is None  # still waiting,
    assert fingerprint(example) == before  # with nothing written
    holder.communicate("\n", timeout=30)
    out, err = waiter.communicate(timeout=60)

    assert json.loads(out.splitlines()[-1])["codes"] == [0], err
    history = okr("history", "SALES-1.1", "-f", "json", "-w", str(example)).json()
    assert history["checkins"][-1]["value"] == 71.0


def sharing_violation(workbook: Path, calls: list[str]) -> Any:
    """os.replace as on Windows while Excel has `workbook` open."""
    replace = os.replace

    def refuse(src: Any, dst: Any, **kwargs: Any) -> None:
        if Path(dst) == workbook:
            calls.append(str(src))
            error = PermissionError(
                13, "The process cannot access the file because it is being used by another "
                "process", str(src), None, str(dst)
            )  # fmt: skip
            error.winerror = 32  # type: ignore[attr-defined]
            raise error
        replace(src, dst, **kwargs)

    return refuse


def test_a_workbook_excel_holds_open_is_refused_with_nothing_written(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import okrsheet.stores.xlsx.store as xlsx_module

    monkeypatch.setattr(xlsx_module, "REPLACE_PAUSE_SECONDS", 0.01)
    before = fingerprint(example)
    files = sorted(example.parent.iterdir())
    calls: list[str] = []
    monkeypatch.setattr(os, "replace", sharing_violation(example, calls))

    result = okr("checkin", "SALES-1.1", "--value", "70", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 4, result.stderr
    assert result.stderr.splitlines() == [
        f"error: {example} is open in another program, which keeps it from being replaced; "
        "nothing was written",
        "hint: close example.xlsx in Excel (or the program that has it open), then run again",
    ]
    assert len(calls) == xlsx_module.REPLACE_TRIES  # tried again a few times first
    assert fingerprint(example) == before
    assert sorted(example.parent.iterdir()) == files  # no temporary file, no lock file left


def test_a_sharing_violation_that_passes_is_waited_out(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A virus scanner or a sync client holds a new file only for a moment."""
    import okrsheet.stores.xlsx.store as xlsx_module

    monkeypatch.setattr(xlsx_module, "REPLACE_PAUSE_SECONDS", 0.01)
    calls: list[str] = []
    refuse = sharing_violation(example, calls)

    def once(src: Any, dst: Any, **kwargs: Any) -> None:
        if not calls:
            refuse(src, dst, **kwargs)
        os.rename(src, dst)

    monkeypatch.setattr(os, "replace", once)
    result = okr("checkin", "SALES-1.1", "--value", "70", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    assert (
        okr("history", "SALES-1.1", "-f", "json", "-w", str(example)).json()["checkins"][-1][
            "value"
        ]
        == 70.0
    )


def test_a_permission_error_that_is_not_windows_sharing_stays_a_failed_save(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Linux or macOS, a refused rename (a sticky folder) is not Excel's doing."""

    def refuse(src: Any, dst: Any, **kwargs: Any) -> None:
        raise PermissionError(1, "Operation not permitted", str(src))

    before = fingerprint(example)
    monkeypatch.setattr(os, "replace", refuse)
    result = okr("checkin", "SALES-1.1", "--value", "70", "-w", str(example))
    monkeypatch.undo()

    assert result.exit_code == 5, result.stderr
    assert "Excel" not in result.stderr and "nothing was changed" in result.stderr
    assert fingerprint(example) == before


@pytest.mark.parametrize(
    ("typed", "path"),
    [
        (r"C:\Users\ana\okr.xlsx", r"C:\Users\ana\okr.xlsx"),
        ("D:/OKR/Q4.XLSX", "D:/OKR/Q4.XLSX"),
        (r"\\server\share\okr.xlsx", r"\\server\share\okr.xlsx"),
        (r"  c:\okr.xlsm ", r"c:\okr.xlsm"),
    ],
)
def test_windows_paths_are_local_files(
    typed: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even beside a backend that takes any `scheme:address` (as a URL-like one would), a
    drive letter is not a scheme."""
    import okrsheet.stores as stores

    class AnyScheme(stores.Backend):
        scheme = "any"
        remote = True

        def recognise(self, text: str, option: str) -> stores.Location | None:
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
                return stores.Location(scheme=self.scheme, address=text)
            return None

    monkeypatch.setattr(stores, "BACKENDS", [AnyScheme(), *stores.BACKENDS])
    assert parse_location("s3:bucket/okr.xlsx").scheme == "any"  # it does take schemes

    location = parse_location(typed)

    assert (location.scheme, location.remote) == ("xlsx", False)
    assert str(location.path) == str(Path(path))


def test_a_windows_path_to_another_kind_of_file_says_so(okr: Any) -> None:
    result = okr("status", "-w", r"C:\Users\ana\notes.txt")

    assert result.exit_code == 2
    assert r"'C:\\Users\\ana\\notes.txt' is neither an .xlsx file" in result.stderr


def test_a_linked_workbook_typed_with_backslashes_is_found_on_every_system(
    okr: Any, tmp_path: Path, example_bytes: bytes
) -> None:
    from okrsheet.service import linked_location
    from okrsheet.stores import Location

    corporate = Location(path=tmp_path / "corporate.xlsx")

    found = linked_location(corporate, r"depts\sales.xlsx")

    assert found.path == tmp_path / "depts" / "sales.xlsx"
    assert linked_location(corporate, r"\\server\share\sales.xlsx").scheme == "xlsx"


def test_output_in_a_legacy_code_page_never_fails(tmp_path: Path, example: Path) -> None:
    """PYTHONIOENCODING names a code page (as a Windows pipe has): characters it lacks print
    as `?`, and the command succeeds."""
    note = "Łódź ✓ 東京"
    env = os.environ | {"PYTHONIOENCODING": "cp1252"}
    okr = Path(sys.executable).with_name("okr")
    recorded = subprocess.run(
        [str(okr), "checkin", "SALES-1.1", "--value", "70", "--note", note, "-w", str(example)],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    shown = subprocess.run(
        [str(okr), "history", "SALES-1.1", "-w", str(example)],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip

    assert shown.returncode == 0, shown.stderr
    assert b"Traceback" not in shown.stderr
    assert "?ód? ? ??".encode("cp1252") in shown.stdout


def test_a_pipe_in_a_legacy_code_page_gets_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    """No encoding named, not a terminal (a Windows pipe or file): UTF-8, so data arrives
    whole; a terminal keeps its code page and prints `?` for what it lacks."""
    from okrsheet.render.streams import safe_streams

    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    piped, shown = io.BytesIO(), io.BytesIO()
    pipe = io.TextIOWrapper(piped, encoding="cp437")

    class Terminal(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    terminal = Terminal(shown, encoding="cp437")
    monkeypatch.setattr(sys, "stdout", pipe)
    monkeypatch.setattr(sys, "stderr", terminal)

    safe_streams()
    pipe.write("Łódź ✓\n")
    terminal.write("Łódź ✓\n")
    pipe.flush()
    terminal.flush()
    monkeypatch.undo()

    assert piped.getvalue() == "Łódź ✓\n".encode()
    assert shown.getvalue() == "?ód? ?\n".encode("cp437")


def test_without_pthread_sigmask_ctrl_c_is_held_back_until_the_block_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Windows cannot block signals: the handlers note Ctrl-C during the rename, and it is
    raised once the save is recorded."""
    import signal

    from okrsheet.stores.xlsx.files import _signals_held

    monkeypatch.delattr(signal, "pthread_sigmask")
    before = signal.getsignal(signal.SIGINT)
    reached: list[str] = []

    with pytest.raises(KeyboardInterrupt), _signals_held():
        signal.raise_signal(signal.SIGINT)
        reached.append("after the signal")  # the rename and its record

    assert reached == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("line_end", ["\r\n", "\r", "\n"], ids=["windows", "old-mac", "unix"])
def test_a_checkin_file_with_any_systems_line_ends_is_read(
    okr: Any, example: Path, tmp_path: Path, line_end: str
) -> None:
    """Excel on Windows saves CSV with CR LF, Excel for Mac's "CSV (Macintosh)" with CR."""
    rows = ["kr_id,value,note", "SALES-1.1,71,first", 'MARKET-1.1,560,"two' + line_end + 'lines"']
    updates = tmp_path / "updates.csv"
    updates.write_bytes((line_end.join(rows) + line_end).encode())

    result = okr("checkin", "--from", str(updates), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    notes = {
        kr: okr("history", kr, "-f", "json", "-w", str(example)).json()["checkins"][-1]["note"]
        for kr in ("SALES-1.1", "MARKET-1.1")
    }
    assert notes == {"SALES-1.1": "first", "MARKET-1.1": "two" + line_end + "lines"}


def test_a_folder_that_keeps_no_locks_is_said_with_nothing_written(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An NFS folder whose server runs no lock manager answers flock with ENOLCK."""
    import errno

    import okrsheet.stores.xlsx.store as xlsx_module

    def no_locks(fd: int) -> bool:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    before = fingerprint(example)
    files = sorted(example.parent.iterdir())
    monkeypatch.setattr(xlsx_module, "_try_lock", no_locks)

    result = okr("checkin", "SALES-1.1", "--value", "70", "-w", str(example))

    assert result.exit_code == 4, result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot lock {example} for writing: [Errno {errno.ENOLCK}] "
        f"{os.strerror(errno.ENOLCK)}; nothing was written",
        "hint: its folder may not support file locks (a network share?); move the workbook to "
        "a local folder",
    ]
    assert fingerprint(example) == before
    assert sorted(example.parent.iterdir()) == files


def test_a_windows_path_in_double_quotes_in_okr_toml_gets_a_hint(okr: Any, tmp_path: Path) -> None:
    """TOML reads `\\U` in double quotes as an escape; in single quotes the path is as typed."""
    config = tmp_path / "okr.toml"
    config.write_text('workbook = "C:\\Users\\ana\\okr.xlsx"\n', encoding="utf-8")

    result = okr("status")

    assert result.exit_code == 2
    assert result.stderr.splitlines()[1] == (
        "hint: write a Windows path in single quotes, workbook = 'C:\\OKR\\okr.xlsx' "
        "(or with / for \\)"
    )
    config.write_text("workbook = 'C:\\Users\\ana\\okr.xlsx'\n", encoding="utf-8")
    assert "not valid TOML" not in okr("status").stderr
