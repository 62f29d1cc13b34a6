"""Writing a file a command makes (`okr report --out`) whole or not at all, leaving nothing
behind however the command ends.

The content goes into a hidden temporary file beside the target, flushed to disk, then renamed
over the target at once; the folder is flushed after the rename. Ctrl-C, SIGTERM and SIGHUP
during the write remove the temporary file before the process ends (as the signal says). A
process killed outright (SIGKILL) runs no code of its own, so a small watchdog process, forked
before the write and waiting on a pipe, removes the file when the pipe closes without word that
the write is over. Where there is no fork (Windows), a temporary file a killed process left
behind is removed by the next write of the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import NoReturn

from okrsheet.stores.xlsx.files import fsync_folder

#: A hidden temporary file this old is no write's in progress: the next write removes it.
STALE_AFTER_SECONDS = 60.0


class _Terminated(BaseException):
    """SIGTERM or SIGHUP arrived during a write: unwind (removing the temporary file), then
    end as the signal says."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def write_whole(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (see the module); raises OSError."""
    folder = path.parent
    _remove_stale_temporaries(path)
    try:
        with _terminations_unwind():
            _write_and_rename(path, data)
    except _Terminated as ended:
        signal.signal(ended.signum, signal.SIG_DFL)
        os.kill(os.getpid(), ended.signum)
        raise SystemExit(128 + ended.signum) from None  # where the signal did not end us
    fsync_folder(folder)


def _write_and_rename(path: Path, data: bytes) -> None:
    watchdog = _Watchdog()
    try:
        name = _write_temporary(path, data, watchdog.watch)
        try:
            os.replace(name, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise
    finally:
        watchdog.done()


def _write_temporary(path: Path, data: bytes, watch: Callable[[Path], None]) -> Path:
    """A hidden file beside `path` holding `data`, flushed to disk; gone again if this
    process dies before it is renamed."""
    name = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    watch(name)
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # a new file's mode
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    finally:
        os.close(fd)
    return name


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _remove_stale_temporaries(path: Path) -> None:
    # Ours: `.NAME.` then 16 hex digits and `.tmp`; and what earlier versions left,
    # `.NAME.` then 8 of mkstemp's characters.
    ours = re.compile(rf"\.{re.escape(path.name)}\.(?:[0-9a-f]{{16}}\.tmp|[a-z0-9_]{{8}})")
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent):
            if not ours.fullmatch(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(OSError):
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS:
                    os.unlink(entry.path)


class _Watchdog:
    """A forked process that removes a file if this process dies before `done()`.

    It reads the file's name from one pipe, then waits on another: `done()` writes to that
    one (nothing to do), the death of this process closes both (remove the file). Where there
    is no fork (Windows), or this process has other threads (forking it is unsafe), there is
    no watchdog and `watch` and `done` do nothing."""

    def __init__(self) -> None:
        self.pid = 0
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return
        names, self.names = os.pipe()
        verdict, self.verdict = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            _watch(names, verdict, (self.names, self.verdict))
        os.close(names)
        os.close(verdict)

    def watch(self, name: Path) -> None:
        if self.pid:
            os.write(self.names, os.fsencode(name))
            os.close(self.names)
            self.names = -1

    def done(self) -> None:
        if not self.pid:
            return
        with contextlib.suppress(OSError):
            os.write(self.verdict, b"1")
        for fd in (self.names, self.verdict):
            if fd >= 0:
                os.close(fd)
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        self.pid = 0


def _watch(names: int, verdict: int, parents: tuple[int, int]) -> NoReturn:
    """The watchdog's whole life: it never returns into the command's own code."""
    try:
        for signum in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                signal.signal(signum, signal.SIG_IGN)  # it ends when its parent does
        for fd in parents:
            os.close(fd)
        name = os.read(names, 65536)
        if os.read(verdict, 1) != b"1" and name:
            os.unlink(name)
    except BaseException:
        pass  # nothing to tell, and nobody to tell it to
    finally:
        os._exit(0)


@contextlib.contextmanager
def _terminations_unwind() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise `_Terminated` (so `finally` clauses
    run) instead of ending the process on the spot."""

    def unwind(signum: int, frame: FrameType | None) -> None:
        raise _Terminated(signum)

    previous: dict[int, object] = {}
    try:
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None and signal.getsignal(signum) == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, unwind)
    except ValueError:  # not the main thread: signals stay as they are
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
