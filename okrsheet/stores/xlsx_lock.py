"""Locking the workbook's lock file against other okr processes, on every system.

Two kinds of lock, chosen by what the system offers (not by its name, so that a system without
`fcntl` is handled the same wherever it turns up):

- `flock()` (Linux, macOS, the BSDs): the whole file, released when the process dies;
- `msvcrt.locking()` (Windows): the file's first byte, released by okr before closing (Windows
  releases a dead process's locks too, after a moment).

Both are advisory between okr processes and both hold only while the file is open. They differ
in how the lock file is removed: POSIX removes an open file's name at once, so the holder removes
it before letting go (a waiter that then gets the old file sees that it is no longer the one at
that path, and locks the new one); Windows refuses to remove a file that any process has open,
so there the holder tries again once it has closed it, which succeeds only if no waiter has it
open (a waiter that has it open locks that same file next, which is still the one at the path).
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
from dataclasses import dataclass
from types import ModuleType


class NoLocking(OSError):
    """This system offers neither flock() nor msvcrt.locking()."""


@dataclass(frozen=True)
class Locking:
    name: str
    module: ModuleType
    #: Whether a file's name can be removed while it is open (POSIX), or only once no process
    #: has it open (Windows).
    removes_open_files: bool

    def try_lock(self, fd: int) -> bool:
        """Take the lock on the open file `fd` without waiting; False when another process
        holds it."""
        if self.name == "flock":
            try:
                self.module.flock(fd, self.module.LOCK_EX | self.module.LOCK_NB)
            except BlockingIOError:
                return False
            return True
        os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
        try:
            self.module.locking(fd, self.module.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK, errno.EAGAIN):
                return False
            raise
        return True

    def release(self, fd: int, path: os.PathLike[str]) -> None:
        """Let go of the lock taken on `fd`, close it and remove the lock file at `path`
        (unless, on Windows, another okr process has it open: it is waiting to lock it)."""
        removed = False
        with contextlib.suppress(OSError):  # on Windows, refused while we hold it open
            os.unlink(path)
            removed = True
        if self.name == "msvcrt":
            with contextlib.suppress(OSError):
                os.lseek(fd, 0, os.SEEK_SET)
                self.module.locking(fd, self.module.LK_UNLCK, 1)
        os.close(fd)
        if not removed and not self.removes_open_files:
            with contextlib.suppress(OSError):
                os.unlink(path)


def locking() -> Locking:
    """The kind of lock this system offers (NoLocking when it offers none)."""
    for name, removes_open_files in (("fcntl", True), ("msvcrt", False)):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return Locking("flock" if name == "fcntl" else "msvcrt", module, removes_open_files)
    raise NoLocking("this system offers no file locking (neither flock nor msvcrt)")
