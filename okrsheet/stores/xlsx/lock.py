"""Locking the workbook's lock file against other okr processes, on every system.

Two kinds of lock, chosen by what the system offers (not by its name, so that a system without
`fcntl` is handled the same wherever it turns up), one entry each in `KINDS`:

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
from types import ModuleType


class NoLocking(OSError):
    """This system offers neither flock() nor msvcrt.locking()."""


class Locking:
    """One kind of lock, on top of the module (`fcntl`, `msvcrt`) that provides it."""

    #: The module that provides it, imported only when it exists.
    module_name = ""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def try_lock(self, fd: int) -> bool:
        """Take the lock on the open file `fd` without waiting; False when another process
        holds it (an OSError when the file system keeps no locks)."""
        raise NotImplementedError

    def unlock(self, fd: int) -> None:
        """Let go of the lock before `fd` is closed (where closing alone is not enough)."""

    def release(self, fd: int, path: os.PathLike[str]) -> None:
        """Let go of the lock taken on `fd`, close it and remove the lock file at `path`
        (unless, on Windows, another okr process has it open: it is waiting to lock it)."""
        removed = False
        with contextlib.suppress(OSError):  # on Windows, refused while we hold it open
            os.unlink(path)
            removed = True
        with contextlib.suppress(OSError):
            self.unlock(fd)
        os.close(fd)
        if not removed:
            with contextlib.suppress(OSError):
                os.unlink(path)


class Flock(Locking):
    module_name = "fcntl"

    def try_lock(self, fd: int) -> bool:
        try:
            self.module.flock(fd, self.module.LOCK_EX | self.module.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class Msvcrt(Locking):
    module_name = "msvcrt"

    def try_lock(self, fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
        try:
            self.module.locking(fd, self.module.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):  # another process holds it
                return False
            raise
        return True

    def unlock(self, fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        self.module.locking(fd, self.module.LK_UNLCK, 1)


#: Every kind of lock, in the order they are looked for.
KINDS: tuple[type[Locking], ...] = (Flock, Msvcrt)


def locking() -> Locking:
    """The kind of lock this system offers (NoLocking when it offers none)."""
    for kind in KINDS:
        try:
            module = importlib.import_module(kind.module_name)
        except ImportError:
            continue
        return kind(module)
    raise NoLocking("this system offers no file locking (neither flock nor msvcrt)")
