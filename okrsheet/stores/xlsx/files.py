"""What the .xlsx store asks of the file system: whose lock file says a workbook is open,
the old file's mode and owner kept, the folder flushed, signals held during the rename,
files that are not .xlsx at all told apart."""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def _same_file(fd: int, path: Path) -> bool:
    try:
        held, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (held.st_dev, held.st_ino) == (there.st_dev, there.st_ino)


def open_elsewhere(target: Path) -> tuple[str, Path, str] | None:
    """The spreadsheet program that says it has the workbook open, its lock file, and the
    person it names (or ""): Excel's owner file `~$NAME` (`~$` replacing the first two
    characters of a long name) or LibreOffice's `.~lock.NAME#`."""
    name = target.name
    candidates = [
        ("LibreOffice", target.with_name(f".~lock.{name}#")),
        ("Excel", target.with_name(f"~${name}")),
    ]
    if len(name) > 2:
        candidates.append(("Excel", target.with_name(f"~${name[2:]}")))
    for program, lock_file in candidates:
        try:
            data = lock_file.read_bytes()[:512]
        except FileNotFoundError:
            continue
        except OSError:
            data = b""
        return program, lock_file, _lock_owner(program, data)
    return None


def _lock_owner(program: str, data: bytes) -> str:
    if program == "LibreOffice":  # LockUser,host,user,date,path;
        who = data.decode("utf-8", "replace").split(",")[0]
    else:  # a length byte, then the name (padded to 54 bytes)
        who = data[1 : 1 + data[0]].decode("cp1252", "replace") if data and data[0] < 54 else ""
    return re.sub(r"[^\w .@'-]", "", who).strip()[:60]


def posix(name: str) -> Callable[..., Any] | None:
    """`os.NAME` where the system has it: the POSIX calls that keep a file's mode, owner and
    extended attributes are missing on Windows (and the extended attributes on macOS too)."""
    found: Callable[..., Any] | None = getattr(os, name, None)
    return found


def _keep_metadata(fd: int, target: Path, old: os.stat_result | None) -> None:
    """Give the new file the old one's mode, owner, group and extended attributes (ACLs
    included), as far as the system has them and we may set them; a new workbook gets the mode
    the umask allows. Where there are none (Windows), the new file has what the folder gives
    every new file, as a save by Excel does."""
    fchmod = posix("fchmod")
    if fchmod is None:
        return
    if old is None:
        fchmod(fd, 0o666 & ~_umask())
        return
    fchmod(fd, old.st_mode & 0o7777)
    fchown, geteuid, getegid = posix("fchown"), posix("geteuid"), posix("getegid")
    ours = (geteuid(), getegid()) if geteuid is not None and getegid is not None else None
    if fchown is not None and ours is not None and (old.st_uid, old.st_gid) != ours:
        try:
            fchown(fd, old.st_uid, old.st_gid)
        except OSError:  # only root may give a file away; a group we belong to will do
            with contextlib.suppress(OSError):
                fchown(fd, -1, old.st_gid)
        fchmod(fd, old.st_mode & 0o7777)  # chown clears setuid/setgid bits
    listxattr, getxattr, setxattr = posix("listxattr"), posix("getxattr"), posix("setxattr")
    if listxattr is not None and getxattr is not None and setxattr is not None:
        with contextlib.suppress(OSError):
            for attribute in listxattr(target):
                with contextlib.suppress(OSError):
                    setxattr(fd, attribute, getxattr(target, attribute))


def share_lock_file(fd: int, like: os.stat_result | None) -> None:
    """Give a new lock file the workbook's group and mode (`like`), or the mode the umask
    allows, so that the next person of a shared folder can lock it too (where the system has
    modes and groups)."""
    fchmod, fchown = posix("fchmod"), posix("fchown")
    mode = (like.st_mode & 0o666) if like is not None else 0o666 & ~_umask()
    with contextlib.suppress(OSError):
        if like is not None and fchown is not None:
            fchown(fd, -1, like.st_gid)
        if fchmod is not None:
            fchmod(fd, mode)


def fsync_folder(folder: Path) -> None:
    """Flush the folder's entry for the renamed file to disk (where the system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the duration (delivered when it ends).

    With `pthread_sigmask` (POSIX) they are blocked; without it (Windows), the main thread's
    handlers are swapped for ones that note the signal, and the first one noted is raised
    again once the block ends. Elsewhere (another thread) nothing can be held."""
    held = [signal.SIGINT, signal.SIGTERM]
    sigmask = getattr(signal, "pthread_sigmask", None)
    if sigmask is None:
        with _signals_noted(held):
            yield
        return
    try:
        previous = sigmask(getattr(signal, "SIG_BLOCK"), set(held))  # noqa: B009
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        sigmask(getattr(signal, "SIG_SETMASK"), previous)  # noqa: B009


@contextlib.contextmanager
def _signals_noted(held: list[signal.Signals]) -> Iterator[None]:
    noted: list[int] = []
    previous: dict[signal.Signals, Any] = {}
    try:
        for signum in held:
            previous[signum] = signal.signal(signum, lambda number, _frame: noted.append(number))
    except ValueError:  # not the main thread: Python lets only it set handlers
        _restore(previous)
        yield
        return
    try:
        yield
    finally:
        _restore(previous)
        if noted:
            signal.raise_signal(noted[0])


def _restore(handlers: dict[signal.Signals, Any]) -> None:
    for signum, handler in handlers.items():
        # None: a handler set outside Python, which cannot be put back; the default will do.
        signal.signal(signum, signal.SIG_DFL if handler is None else handler)


_COMPOUND_FILE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_COMPOUND_SCAN_BYTES = 64 << 20


def _compound_file_kind(path: Path) -> str | None:
    """An OLE compound file holding an encrypted .xlsx (Excel wraps the encrypted package in
    one, beside an EncryptionInfo stream) or a legacy .xls (a Workbook stream); None for
    anything else. Only called once reading has failed, so reading the file whole is fine."""
    try:
        with path.open("rb") as handle:
            if handle.read(len(_COMPOUND_FILE_MAGIC)) != _COMPOUND_FILE_MAGIC:
                return None
            data = handle.read(_COMPOUND_SCAN_BYTES)
    except OSError:
        return None
    names = ("EncryptionInfo", "EncryptedPackage")
    if all(name.encode("utf-16-le") in data for name in names):
        return "encrypted"
    if any(f"{name}\0".encode("utf-16-le") in data for name in ("Workbook", "Book")):
        return "legacy"
    return None


def _opendocument(path: Path) -> bool:
    """An OpenDocument file (.ods, saved by LibreOffice) under another name: a zip whose first
    member, `mimetype`, names an OpenDocument type. Only called once reading has failed."""
    try:
        with zipfile.ZipFile(path) as package:
            kind = package.read("mimetype")[:100]
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error, RuntimeError, ValueError):
        return False
    return kind.startswith(b"application/vnd.oasis.opendocument")


def _not_an_xlsx_package(data: bytes) -> Exception | None:
    """Why `data` cannot be an .xlsx package at all (not a zip, or a zip without the package's
    relationships, as an .ods has), in the words a read of the file uses; None when it may be
    one. What a write checks before handing the bytes to a reader that would take an .xls or
    an .ods for a workbook."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        return exc
    if "_rels/.rels" not in names:
        return KeyError("File not found '_rels/.rels'")
    return None


def _read_only(path: Path) -> bool:
    """Read-only for us, or marked read-only by its owner: even root (who may write anything)
    leaves a file alone that someone has protected with chmod a-w."""
    return not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


# openpyxl rendering ---------------------------------------------------------------------------
