"""The workbook as a file among others: symbolic links, a folder shared by a group, hard
links, owners, extended attributes, the folder entry after a rename, Ctrl-C after a save."""

from __future__ import annotations

import grp
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import okrsheet.stores.xlsx.store as xlsx_module
from okrsheet.stores.xlsx.store import XlsxStore
from tests.reliability.conftest import fingerprint


def _current(book: Path, kr_id: str = "SALES-1.1") -> Any:
    sales = load_workbook(book)["Sales"]
    header = [c.value for c in sales[1]]
    row = next(r for r in sales.iter_rows(min_row=2, values_only=True) if r[1] == kr_id)
    return row[header.index("Current")]


def _as_root() -> None:
    """Tests that act as other users need root; CI runs as root, so there they must run."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("this test needs root (CI runs as root)")
        pytest.skip("needs root to act as other users")


# Symbolic links -------------------------------------------------------------------------------


def test_a_checkin_through_a_symbolic_link_changes_the_target_and_keeps_the_link(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = shared / "okr.xlsx"
    example.rename(real)
    link = tmp_path / "okr.xlsx"
    link.symlink_to(Path("shared") / "okr.xlsx")

    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(link))

    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("shared") / "okr.xlsx")
    assert _current(real) == 91  # the target holds the check-in ...
    later = okr("checkin", "SALES-1.1", "--value", "92", "-w", str(real))
    assert later.exit_code == 0, later.stderr
    assert _current(link) == 92  # ... and both names keep showing one workbook
    leftovers = {p.name for p in (*tmp_path.iterdir(), *shared.iterdir())} - {
        "okr.xlsx", "shared", "home"
    }  # fmt: skip
    assert leftovers == set()  # no lock file or temporary file beside the link or the target


def test_the_lock_is_taken_on_the_target_not_the_link(tmp_path: Path, example: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(example)
    assert XlsxStore(link).lock_path == XlsxStore(example).lock_path


# A folder shared by a group -------------------------------------------------------------------


def test_the_lock_file_has_the_workbooks_mode_and_group_and_goes_when_done(
    example: Path,
) -> None:
    group = os.getgroups()[-1] if os.getgroups() else os.getgid()
    os.chown(example, -1, group)
    example.chmod(0o660)
    os.umask(umask := os.umask(0o077))  # a strict umask must not make the lock private
    seen: list[os.stat_result] = []
    store = XlsxStore(example)
    try:
        os.umask(0o077)

        def planner(raw: Any) -> list[Any]:
            seen.append(store.lock_path.stat())
            return []

        store.update(planner)
    finally:
        os.umask(umask)
    (lock,) = seen
    assert stat.S_IMODE(lock.st_mode) == 0o660
    assert lock.st_gid == group
    assert not store.lock_path.exists()


# Runs `okr checkin` under a strict umask and kills it the moment its lock file exists.
_KILLED_AT_THE_LOCK = """
import os, sys
real_open = os.open
def open_then_die(path, flags, *args, **kwargs):
    fd = real_open(path, flags, *args, **kwargs)
    if str(path).endswith(".lock") and flags & os.O_CREAT:
        os._exit(9)
    return fd
os.open = open_then_die
os.umask(0o077)
from okrsheet.cli import app
app(sys.argv[1:], prog_name="okr")
"""


def test_a_lock_file_left_by_a_kill_right_after_it_was_made_has_the_workbooks_mode(
    okr: Any, example: Path
) -> None:
    import subprocess
    import sys

    example.chmod(0o664)
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_AT_THE_LOCK, "checkin", "SALES-1.1", "--value", "91",
         "-w", str(example)],
        env={**os.environ, "OKR_TODAY": "2026-11-16"}, capture_output=True, timeout=60,
    )  # fmt: skip
    lock = XlsxStore(example).lock_path

    assert killed.returncode == 9, killed.stderr
    assert lock.exists()  # left behind, as a kill leaves it ...
    assert stat.S_IMODE(lock.stat().st_mode) == 0o664  # ... openable by whoever may write
    assert okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example)).exit_code == 0


def test_a_lock_file_left_by_another_person_does_not_lock_anyone_out(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An older version left `.okr.xlsx.lock` 0644, owned by someone else: flock needs only
    to open it, which reading allows."""
    store = XlsxStore(example)
    store.lock_path.write_text("")
    store.lock_path.chmod(0o444)
    monkeypatch.setattr(os, "open", _deny_writing(store.lock_path, os.open))
    store.update(lambda raw: [])  # would raise "cannot lock" if it needed to write the file


def _deny_writing(path: Path, real_open: Any) -> Any:
    def fake_open(name: Any, flags: int, *args: Any) -> int:
        writing = flags & (os.O_RDWR | os.O_WRONLY) and not flags & os.O_EXCL
        if Path(name) == path and writing:
            raise PermissionError(13, "Permission denied", str(name))
        return int(real_open(name, flags, *args))

    return fake_open


@pytest.fixture
def group_folder() -> Iterator[tuple[Path, int]]:
    """A setgid folder (2775) of a group, outside root's private temporary folder, so that
    other users can reach it."""
    _as_root()
    group = grp.getgrnam("users").gr_gid if _has_group("users") else 100
    folder = Path(tempfile.mkdtemp(prefix="okr-group-", dir="/tmp"))
    os.chown(folder, 0, group)
    folder.chmod(0o2775)
    try:
        yield folder, group
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _has_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _checkin_as(uid: int, gid: int, book: Path, value: str) -> tuple[int, str]:
    """`okr checkin` run by another user of the group, umask 022, in a child process. The
    child runs the command once as root on a scratch copy first, so that every module it
    needs is imported before it gives up root (the interpreter may live where other users
    cannot read)."""
    from typer.testing import CliRunner

    from okrsheet.cli import app

    scratch = Path(tempfile.mkdtemp(prefix="okr-warm-"))
    shutil.copy(book, scratch / "okr.xlsx")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            os.close(read_end)
            runner = CliRunner()
            args = ["checkin", "SALES-1.1", "--value", value, "-w"]
            runner.invoke(app, [*args, str(scratch / "okr.xlsx")])
            os.setgroups([gid])
            os.setgid(gid)
            os.setuid(uid)
            os.umask(0o022)
            os.environ["HOME"] = str(book.parent)
            result = runner.invoke(app, [*args, str(book)])
            os.write(write_end, result.output.encode())
            code = result.exit_code
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    shutil.rmtree(scratch, ignore_errors=True)
    return os.waitstatus_to_exitcode(status), output


def test_a_second_user_of_the_group_can_check_in_after_the_first(
    group_folder: tuple[Path, int], example_bytes: bytes
) -> None:
    folder, group = group_folder
    book = folder / "okr.xlsx"
    book.write_bytes(example_bytes)
    os.chown(book, 4001, group)
    book.chmod(0o664)

    first = _checkin_as(4001, group, book, "91")
    assert first[0] == 0, first[1]
    second = _checkin_as(4002, group, book, "92")
    assert second[0] == 0, second[1]
    third = _checkin_as(4001, group, book, "93")
    assert third[0] == 0, third[1]

    assert _current(book) == 93
    assert sorted(p.name for p in folder.iterdir()) == ["okr.xlsx"]  # no lock file left
    after = book.stat()
    assert after.st_gid == group and stat.S_IMODE(after.st_mode) == 0o664


# Owner, extended attributes, hard links --------------------------------------------------------


def test_a_save_keeps_the_owner_group_mode_and_extended_attributes(okr: Any, example: Path) -> None:
    _as_root()
    os.chown(example, 4001, 4002)
    example.chmod(0o640)
    os.setxattr(example, "user.okr.reviewed", b"yes")

    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    after = example.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (4001, 4002, 0o640)
    assert os.getxattr(example, "user.okr.reviewed") == b"yes"
    assert _current(example) == 91


def test_a_workbook_with_hard_links_is_refused_with_nothing_written(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    other = tmp_path / "same-workbook.xlsx"
    os.link(example, other)
    before = fingerprint(example)

    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert result.exit_code == 4, result.stderr
    assert "2 hard links" in result.stderr and "nothing was written" in result.stderr
    assert fingerprint(example) == before == fingerprint(other)


# The folder entry, and Ctrl-C after the rename -------------------------------------------------


def test_the_folder_is_flushed_to_disk_after_the_rename(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert events == ["fsync file", "rename", "fsync folder"]


def test_ctrl_c_just_after_the_rename_says_the_change_was_written(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(folder: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(xlsx_module, "_fsync_folder", interrupted)
    result = okr("checkin", "SALES-1.1", "--value", "91", "-w", str(example))

    assert result.exit_code == 130, result.stderr
    assert "nothing was written" not in result.stderr
    assert "the change was written" in result.stderr
    assert _current(example) == 91


# The HTML report's file -----------------------------------------------------------------------

# Runs `okr report --out`, pausing half way through writing the page (whichever way it is
# written: os.write, or a file object from os.fdopen) until the test sends a signal.
_PAUSED_REPORT = """
import os, sys, time
flag = sys.argv[1]
def pause():
    open(flag, "w").close()
    time.sleep(60)
real_write, real_fdopen = os.write, os.fdopen
def write(fd, data):
    if len(data) > 2048:
        real_write(fd, bytes(data[:1024]))
        pause()
    return real_write(fd, data)
os.write = write
class Paused:
    def __init__(self, handle):
        self.handle = handle
    def write(self, text):
        if len(text) > 2048:
            self.handle.write(text[:1024])
            self.handle.flush()
            pause()
        return self.handle.write(text)
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.handle.close()
os.fdopen = lambda *a, **k: Paused(real_fdopen(*a, **k))
from okrsheet.cli import app
app(sys.argv[2:], prog_name="okr")
"""


@pytest.mark.parametrize("signum", ["SIGKILL", "SIGTERM", "SIGHUP", "SIGINT"])
def test_a_report_killed_while_writing_leaves_no_temporary_file(
    example: Path, tmp_path: Path, signum: str
) -> None:
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "site"
    out.mkdir()
    page = out / "okr.html"
    page.write_text("the page of last week")
    flag = tmp_path / "writing"
    env = {**os.environ, "OKR_TODAY": "2026-11-16"}

    def as_in_a_terminal() -> None:  # a background job (nohup, `&`) inherits them ignored
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)

    process = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_REPORT, str(flag), "report", "--out", str(page),
         "-w", str(example)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=as_in_a_terminal,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not flag.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert flag.exists(), process.communicate()

    process.send_signal(getattr(signal, signum))
    _, stderr = process.communicate(timeout=30)

    assert process.returncode in (-getattr(signal, signum), 130), (process.returncode, stderr)
    # after SIGKILL the watchdog the writer forked removes the file, once it sees it died
    deadline = time.monotonic() + 10
    while len(list(out.iterdir())) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in out.iterdir()) == ["okr.html"]  # no hidden file left
    assert page.read_text() == "the page of last week"  # the old page stands, whole
    assert "Traceback" not in stderr


def test_a_temporary_report_file_left_by_a_killed_run_is_removed_by_the_next(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    # where the system has no nameless files, a run killed mid-write leaves its hidden file
    page = tmp_path / "okr.html"
    left = tmp_path / ".okr.html.0123456789abcdef.tmp"
    left.write_text("<html>half a page")
    an_hour_ago = os.stat(left).st_mtime - 3600
    os.utime(left, (an_hour_ago, an_hour_ago))
    fresh = tmp_path / ".okr.html.fedcba9876543210.tmp"  # a write in progress: not touched
    fresh.write_text("<html>being written")

    result = okr("report", "--out", str(page), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert not left.exists() and fresh.exists()
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_the_report_is_flushed_to_disk_before_the_rename_and_the_folder_after(
    okr: Any, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    result = okr("report", "--out", str(tmp_path / "okr.html"), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert events == ["fsync file", "rename", "fsync folder"]
