"""The local .xlsx store: the embedded default that needs no account.

Reads go through python-calamine (fast, read-only). Writes patch the XML of the sheets that change
and copy every other part of the file as it is (okrsheet.stores.xlsx.patch); what the patcher
cannot do goes through openpyxl, which keeps the formatting, validation and extra columns people
added. Every write happens under a file lock and lands by atomic replace, so a crash or a
concurrent writer can never leave half a workbook.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from okrsheet.errors import BackendError, WorkbookExists, WorkbookUnavailable
from okrsheet.stores.base import (
    UNREAD_TABS,
    CellValue,
    Change,
    ChangePlanner,
    Deferred,
    Formula,
    Grid,
    RawWorkbook,
    RowsWanted,
    SetCells,
    Skim,
    TabSpec,
    WriteValue,
    note_write,
)
from okrsheet.stores.xlsx.files import (
    _compound_file_kind,
    _keep_metadata,
    _not_an_xlsx_package,
    _opendocument,
    _read_only,
    _same_file,
    _short,
    _signals_held,
    _umask,
    open_elsewhere,
    share_lock_file,
)
from okrsheet.stores.xlsx.files import fsync_folder as _fsync_folder
from okrsheet.stores.xlsx.lock import NoLocking, locking

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from python_calamine import CalamineWorkbook

    from okrsheet.stores.xlsx.patch import Package
    from okrsheet.stores.xlsx.regular import Regular

LOCK_TIMEOUT_SECONDS = 30.0
#: How many times a write is planned again on a fresh read when another program saved the
#: workbook between our read and our write, before giving up with nothing written.
REPLANS = 3
#: Windows' answer when the workbook is open in a program that keeps others from replacing it:
#: access denied, sharing violation, lock violation (WinError 5, 32, 33).
_HELD_OPEN = frozenset({5, 32, 33})
#: How much of a long tab is inflated at a time while looking for its head rows.
_HEAD_STEP = 1 << 16
#: How often, and how far apart, a replace refused so is tried before okr gives up.
REPLACE_TRIES = 4
REPLACE_PAUSE_SECONDS = 0.25


#: A file whose time stamp is at least this much older than our read of it needs no hash:
#: any save after the read stamps it anew (3 s is above every file system's resolution, FAT's
#: 2 s included).
SETTLED_NS = 3_000_000_000


@dataclass(frozen=True)
class _Kept:
    """A read kept for the next update of the same store (`Skim.keep`)."""

    skim: Skim
    data: bytes
    snapshot: _Snapshot
    raw: RawWorkbook
    package: Package | None

    def covers(self, skim: Skim, target: Path) -> bool:
        """Whether an update with `skim` may plan on this read: it holds every row that
        update's own read would, and the file is still what was read."""
        return self.skim.covers(skim) and self.snapshot.still(target)


@dataclass(frozen=True)
class _Snapshot:
    """What the workbook was when it was read: compared again just before the new file
    replaces it, so that a save by another program in between is never overwritten.

    Its device, inode, size and time stamps settle that when the file was last modified well
    before the read; only a file modified within `SETTLED_NS` of the read is hashed (a save in
    the same tick of the file system's clock keeps size and time stamps), and read again to
    compare just before the write."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int
    digest: bytes | None

    @classmethod
    def of(cls, path: Path, data: bytes) -> _Snapshot:
        st = path.stat()
        settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) >= SETTLED_NS
        digest = None if settled else hashlib.sha256(data).digest()
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest)

    def still(self, path: Path) -> bool:
        try:
            st = path.stat()
            if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) != (
                self.device,
                self.inode,
                self.size,
                self.mtime_ns,
                self.ctime_ns,
            ):
                return False
            if self.digest is None:
                return True
            digest = hashlib.sha256()
            with path.open("rb") as handle:  # a piece at a time: the workbook is in memory already
                for piece in iter(functools.partial(handle.read, 1 << 20), b""):
                    digest.update(piece)
            return digest.digest() == self.digest
        except OSError:
            return False


class _ChangedMeanwhile(Exception):
    """The workbook changed between our read and our write: plan again on a fresh read."""


def _unresolved(
    open_package: Callable[[], Package],
) -> Callable[[str], Container[tuple[int, int]]]:
    """`RawWorkbook.unresolved` for a package opened when first asked (each tab read once,
    each cell looked up where it is)."""
    from okrsheet.stores.xlsx.bounds import FormulasWithoutResults
    from okrsheet.stores.xlsx.parts import sheet_parts

    opened: list[tuple[Package, dict[str, str]]] = []
    found: dict[str, Container[tuple[int, int]]] = {}

    def unresolved(title: str) -> Container[tuple[int, int]]:
        if title not in found:
            try:
                if not opened:
                    package = open_package()
                    opened.append((package, sheet_parts(package)))
                part = opened[0][1].get(title)
                found[title] = FormulasWithoutResults(opened[0][0].read(part)) if part else set()
            except (OSError, KeyError, ValueError, zipfile.BadZipFile, zlib.error):
                found[title] = set()
        return found[title]

    return unresolved


def _book_of(data: bytes) -> CalamineWorkbook:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data))


def _all(title: str) -> bool:
    return True


def _wanted(title: str) -> bool:
    """A tab whose cells okr reads (not one of `UNREAD_TABS`)."""
    return title.strip().casefold() not in UNREAD_TABS


def _wanted_for_writing(title: str) -> bool:
    """A tab whose cells a write plans on: those okr reads, and the Dashboard, whose formulas
    every write rewrites over as many rows as it has (none may keep a stale result)."""
    return _wanted(title) or title.strip().casefold() == "dashboard"


class XlsxStore:
    """A workbook in a local .xlsx file.

    `force` writes even when a spreadsheet program's lock file says a person has the workbook
    open (their next save there would overwrite what okr wrote).
    """

    def __init__(self, path: Path, *, force: bool = False) -> None:
        self.path = path
        self.force = force
        self._package: Package | None = None  # the package of the bytes last skimmed
        self._kept: _Kept | None = None  # a read kept for the next update (`Skim.keep`)

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def target(self) -> Path:
        """The file itself: a symbolic link is followed, so a write changes what the link
        points at and the link stays a link."""
        return Path(os.path.realpath(self.path)) if self.path.is_symlink() else self.path

    @property
    def lock_path(self) -> Path:
        target = self.target
        return target.with_name(f".{target.name}.lock")

    def exists(self) -> bool:
        return self.path.exists()

    # Reading ---------------------------------------------------------------------------------

    def read(self, *, whole: bool = False, deferred: Deferred | None = None) -> RawWorkbook:
        from python_calamine import CalamineWorkbook

        from okrsheet.stores.xlsx.package import Package
        from okrsheet.stores.xlsx.values import without_empty_tail

        self._check_readable()
        try:
            package: Package | None = Package.open(self.path)
        except (OSError, zipfile.BadZipFile, ValueError):
            package = None  # not a zip: the reader says what it is
        data: bytes | None = None  # the file's bytes, kept for the tabs read in part
        read = _all if whole else _wanted
        if deferred is not None and not whole:
            unread = deferred.unread
            read = lambda title: _wanted(title) and not unread(title)  # noqa: E731
        sparse: dict[str, list[list[CellValue]]] = {}
        heads: dict[str, tuple[str, bytes, int]] = {}
        path = str(self.path)
        open_book: Callable[[], CalamineWorkbook] = functools.partial(
            CalamineWorkbook.from_path, path
        )
        regular: dict[str, tuple[str, Regular]] = {}  # long tabs of regular rows (see below)
        if package is not None:
            if deferred is not None and not whole:
                heads = self._heads(package, deferred, read)
            # The other long tabs (all of them, without `deferred`): read by their rows, when
            # regular (the report page's log, which it reads whole).
            regular = self._regular(package, lambda t: read(t) and t not in heads)
            data = package.data if heads or regular else None
            now = (
                (lambda t: read(t) and t not in heads and t not in regular)
                if heads or regular
                else read
            )
            try:
                values = self._values_only(package, now)
                self._check_bounds(package, now)
            except (zipfile.BadZipFile, zlib.error, KeyError, ValueError) as exc:
                raise self._unreadable(exc) from exc
            sparse = self._sparse_rows(package, now)
            replaced = {
                **{part: without_empty_tail(xml) or xml for part, xml in values.items()},
                **{p: h for p, h, _ in heads.values()},
                # The reader reads only the cells it must tell (`stores/xlsx/regular`).
                **{part: rows.probe() for part, rows in regular.values()},
            }
            if replaced:
                buffer = io.BytesIO()
                try:
                    # The package with its long tabs cut to their heads and its formulas left
                    # out, stored: the reader neither inflates nor lexes what it does not read.
                    package.write(buffer, replaced, compress=False)
                    open_book = functools.partial(_book_of, buffer.getvalue())
                except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError):
                    heads = {}  # read whole: the reader says what is wrong, if anything
            del package
        raw = self._grids(open_book, read=read, sparse=sparse)
        raw.unresolved = _unresolved(lambda: Package.open(self.path))
        if heads:
            assert data is not None
            self._defer(raw, heads, deferred, data)
        if regular:
            assert data is not None
            for grid in raw.grids:
                if grid.title in regular:
                    part, rows = regular[grid.title]
                    # What the reader told of the probe; else the tab read as any other.
                    grid.rows = rows.rows(grid.rows) or self._rows_of(grid.title, part, 0, data)(
                        None
                    )
        raw.keeps_results = True
        return raw

    def _regular(
        self, package: Package, read: Callable[[str], bool]
    ) -> dict[str, tuple[str, Regular]]:
        """The long tabs `read` accepts whose rows are regular (see `stores/xlsx/regular`), by
        title: (part, its rows). The package's size is checked first, before anything is
        inflated; a tab that is not regular, or a package that cannot be told, is read as
        any other."""
        from okrsheet.stores.xlsx.bounds import check_package
        from okrsheet.stores.xlsx.parts import sheet_parts
        from okrsheet.stores.xlsx.regular import MIN_BYTES, scan

        found: dict[str, tuple[str, Regular]] = {}
        try:
            check_package(package, str(self.path))
            names = set(package.namelist())
            for title, part in sheet_parts(package).items():
                if read(title) and part in names and package.size(part) > MIN_BYTES:
                    rows = scan(package.read(part))
                    if rows is not None:
                        found[title] = (part, rows)
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError):
            return {}  # read as any other: the reader says what is wrong, if anything
        return found

    def _heads(
        self, package: Package, deferred: Deferred, read: Callable[[str], bool]
    ) -> dict[str, tuple[str, bytes, int]]:
        """The long tabs `deferred` may leave for later: by title, (part, its XML, the XML of
        its head rows only, where those end)."""
        from okrsheet.stores.xlsx.defer import head_of
        from okrsheet.stores.xlsx.parts import sheet_parts

        heads: dict[str, tuple[str, bytes, int]] = {}
        try:
            names = set(package.namelist())
            for title, part in sheet_parts(package).items():
                if (
                    read(title)
                    and deferred.titles(title)
                    and part in names
                    and package.size(part) > deferred.min_bytes
                ):
                    # Only as much of the sheet as its head takes is inflated now.
                    cut = head_of(package.chunks(part, _HEAD_STEP), deferred.head_rows)
                    if cut is not None:
                        heads[title] = (part, *cut)
        except (zipfile.BadZipFile, zlib.error, KeyError, ValueError):
            return {}  # read whole: the reader says what is wrong, if anything
        return heads

    def _defer(
        self,
        raw: RawWorkbook,
        heads: dict[str, tuple[str, bytes, int]],
        deferred: Deferred | None,
        data: bytes,
    ) -> None:
        """Give each long tab read in part its `rows_of` (or, when its head does not make
        `deferred` say yes, all its rows now)."""
        assert deferred is not None
        for grid in raw.grids:
            if grid.title not in heads:
                continue
            part, _, head_end = heads[grid.title]
            rows_of = self._rows_of(grid.title, part, head_end, data)
            if deferred.wanted(Grid(grid.title, grid.rows[: deferred.head_rows])):
                raw.rows_of[grid.title] = rows_of
            else:
                grid.rows = rows_of(None)

    def _rows_of(
        self, title: str, part: str, head_end: int, data: bytes
    ) -> Callable[[RowsWanted | None], list[list[CellValue]]]:
        """`RawWorkbook.rows_of` for a long tab read in part (see `stores.xlsx.defer`), from
        `data`, the bytes of the file the other tabs were read from."""
        from python_calamine import CalamineError, CalamineWorkbook

        from okrsheet.stores.xlsx.defer import pick_streamed
        from okrsheet.stores.xlsx.package import Package

        def every_row() -> list[list[CellValue]]:
            package = Package(data)
            self._check_bounds(package, title.__eq__)
            sparse = self._sparse_rows(package, title.__eq__)
            del package
            book = functools.partial(_book_of, data)
            return self._grids(book, only=title.__eq__, read=_all, sparse=sparse).grids[0].rows

        def rows_of(wanted: RowsWanted | None) -> list[list[CellValue]]:
            if wanted is None:
                return every_row()
            try:
                package = Package(data)
                # The sheet inflated piece by piece, only the rows asked for kept.
                picked = pick_streamed(package, package.chunks(part), head_end, wanted)
                if picked is None:
                    return every_row()
                trimmed, last, numbers = picked
                buffer = io.BytesIO()
                package.write(buffer, {part: trimmed}, compress=False)
                del package
                buffer.seek(0)
                got = cast(
                    "list[list[CellValue]]",
                    CalamineWorkbook.from_filelike(buffer)
                    .get_sheet_by_name(title)
                    .to_python(skip_empty_area=False),
                )
            except (CalamineError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError):
                return every_row()  # the whole read says what is wrong, if anything
            # The rows left unread are one empty row, many times (a three years' log: 280,000
            # of them, a list each would cost 0.04 s); nothing writes into the rows read.
            empty: list[CellValue] = []
            rows: list[list[CellValue]] = got[:last]
            rows.extend([empty] * (last - len(rows)))
            for position, number in enumerate(numbers, start=last):
                rows.extend([empty] * (number - 1 - len(rows)))
                rows.append(got[position] if position < len(got) else [])
            return rows

        return rows_of

    def _read_data(
        self, data: bytes, wanted: Callable[[str], bool] = _wanted_for_writing
    ) -> RawWorkbook:
        """Every tab of the workbook whose bytes were read (under the lock) into `data` (the
        cells of those `wanted` accepts)."""
        from python_calamine import CalamineWorkbook

        from okrsheet.stores.xlsx.package import Package

        known = self._package if self._package is not None and self._package.data is data else None
        sparse: dict[str, list[list[CellValue]]] = {}
        # A package that cannot be taken apart: the reader says what is wrong with it.
        with contextlib.suppress(zipfile.BadZipFile, ValueError, KeyError, zlib.error):
            package = known or Package(data)
            self._check_bounds(package, wanted)
            sparse = self._sparse_rows(package, wanted)
        raw = self._grids(
            lambda: CalamineWorkbook.from_filelike(io.BytesIO(data)), read=wanted, sparse=sparse
        )
        raw.unresolved = _unresolved(lambda: known or Package(data))
        raw.keeps_results = True
        return raw

    def _values_only(self, package: Package, read: Callable[[str], bool]) -> dict[str, bytes]:
        """The XML of each tab `read` accepts that holds formulas, without them (see
        `stores/xlsx/values`), by part; `package` gives it from now on (the bounds are checked
        and the sparse tabs cut on what the reader reads). The package's size is checked
        first, before anything is inflated."""
        from okrsheet.stores.xlsx.bounds import check_package
        from okrsheet.stores.xlsx.parts import sheet_parts
        from okrsheet.stores.xlsx.values import without_formulas

        check_package(package, str(self.path))
        names = set(package.namelist())
        values: dict[str, bytes] = {}
        for title, part in sheet_parts(package).items():
            if read(title) and part in names and part not in values:
                stripped = without_formulas(package.read(part))
                if stripped is not None:
                    package.hold(part, stripped)
                    values[part] = stripped
        return values

    def _values_for_reader(self, package: Package, read: Callable[[str], bool]) -> dict[str, bytes]:
        """The XML the reader is given of each tab `read` accepts that holds formulas: its
        values only, without its empty end (see `stores/xlsx/values`), by part. Each sheet is
        inflated once, checked against the bounds on what the reader is given (the empty end
        cut holds only rows within them) and let go: `package` keeps none of them, and the
        write that follows reads again, whole, the few it changes.

        In a workbook LibreOffice saved, a person tab is 930 kB of XML (a result cached in
        each formula cell of every prepared row, and every row down to the 1000th written),
        and the reader is given 80 kB of it."""
        from okrsheet.stores.xlsx.bounds import check_package, check_sheets
        from okrsheet.stores.xlsx.parts import sheet_parts
        from okrsheet.stores.xlsx.values import without_empty_tail, without_formulas

        given: dict[str, bytes] = {}

        def values_of(part: str) -> bytes:
            xml = package.peek(part)
            values = without_formulas(xml)
            if values is None:
                return xml
            given[part] = without_empty_tail(values) or values
            return given[part]

        def whole(part: str) -> bytes:
            xml = package.peek(part)
            return without_formulas(xml) or xml

        check_package(package, str(self.path))
        parts = sheet_parts(package)
        titles = [t for t in parts if read(t)]
        check_sheets(
            package, parts, titles, str(self.path), keep=False, read=values_of, whole=whole
        )
        return given

    def _check_bounds(
        self, package: Package, read: Callable[[str], bool], *, keep: bool = True
    ) -> None:
        """Refuse a workbook beyond what okr reads (see `stores/xlsx/bounds`), before the reader
        allocates for it; unless `keep`, the sheets scanned are not kept in `package`."""
        from okrsheet.stores.xlsx.bounds import check_package, check_sheets
        from okrsheet.stores.xlsx.parts import sheet_parts

        check_package(package, str(self.path))
        parts = sheet_parts(package)
        check_sheets(package, parts, [t for t in parts if read(t)], str(self.path), keep=keep)

    def _sparse_rows(
        self, package: Package, read: Callable[[str], bool]
    ) -> dict[str, list[list[CellValue]]]:
        """The rows of each tab `read` accepts whose cells lie far apart (see `stores/xlsx/sparse`),
        read piece by piece; a tab that is not, or that cannot be cut, is left to `_grids`."""
        from python_calamine import CalamineError, CalamineWorkbook

        from okrsheet.stores.xlsx.parts import sheet_parts
        from okrsheet.stores.xlsx.sparse import pieces

        try:
            names = set(package.namelist())
            cut = {
                title: found
                for title, part in sheet_parts(package).items()
                if read(title) and part in names
                for found in [pieces(package.read(part))]
                if found is not None
            }
            if not cut:
                return {}
            parts = sheet_parts(package)
            rows: dict[str, list[list[CellValue]]] = {title: [] for title in cut}
            for index in range(max(len(p) for p in cut.values())):
                now = {title: p[index] for title, p in cut.items() if index < len(p)}
                buffer = io.BytesIO()
                package.write(
                    buffer, {parts[t]: xml for t, (_, xml) in now.items()}, compress=False
                )
                buffer.seek(0)
                book = CalamineWorkbook.from_filelike(buffer)
                for title, (before, _xml) in now.items():
                    found = rows[title]
                    found.extend([] for _ in range(before - len(found)))
                    found.extend(
                        cast(
                            "list[list[CellValue]]",
                            book.get_sheet_by_name(title).to_python(skip_empty_area=False),
                        )
                    )
            return rows
        except (CalamineError, zipfile.BadZipFile, zlib.error, KeyError, ValueError, OSError):
            return {}  # read whole: the reader says what is wrong, if anything

    def _grids(
        self,
        open_book: Callable[[], CalamineWorkbook],
        only: Callable[[str], bool] | None = None,
        read: Callable[[str], bool] | None = None,
        sparse: dict[str, list[list[CellValue]]] | None = None,
    ) -> RawWorkbook:
        """Every tab of the book `open_book` gives (or those `only` accepts), in tab order;
        the cells of those `read` refuses (by default `UNREAD_TABS`) are left out, and those
        of a tab in `sparse` are its rows as read there."""
        from python_calamine import CalamineError, PasswordError

        read = read or _wanted
        try:
            book = open_book()
            visible = {m.name: str(m.visible).endswith("Visible") for m in book.sheets_metadata}
            grids = [
                Grid(
                    title=name,
                    # Empty cells stay "" and times of day stay as they are: the layout
                    # treats "" as blank and parses any other type through its text.
                    rows=[]
                    if not read(name)
                    else (sparse or {}).get(name)
                    or cast(
                        "list[list[CellValue]]",
                        book.get_sheet_by_name(name).to_python(skip_empty_area=False),
                    ),
                    hidden=not visible.get(name, True),
                )
                for name in book.sheet_names
                if only is None or only(name)
            ]
        except PasswordError as exc:
            raise WorkbookUnavailable(
                f"{self.path} is protected by a password; save an unprotected copy to use it"
            ) from exc
        except (CalamineError, zipfile.BadZipFile, ValueError, OSError) as exc:
            raise self._unreadable(exc) from exc
        return RawWorkbook(grids)

    def _unreadable(self, exc: BaseException) -> WorkbookUnavailable:
        """What to say of a file that is not an .xlsx workbook: the same on reads and writes."""
        kind = _compound_file_kind(self.path)
        if kind == "encrypted":
            return WorkbookUnavailable(
                f"{self.path} is protected by a password; save an unprotected copy to use it"
            )
        if kind == "legacy":
            return WorkbookUnavailable(
                f"{self.path} is an Excel 97-2003 (.xls) file, not an .xlsx workbook",
                hint="open it in Excel or Google Sheets and save it as .xlsx",
            )
        if _opendocument(self.path):
            return WorkbookUnavailable(
                f"{self.path} is an OpenDocument (.ods) spreadsheet, not an .xlsx workbook",
                hint="open it in LibreOffice and save it as Excel 2007-365 (.xlsx)",
            )
        return WorkbookUnavailable(
            f"{self.path} is not a readable .xlsx workbook ({_short(exc)})",
            hint="check the path, or create a workbook with `okr init`",
        )

    def _read_skimmed(self, skim: Skim, data: bytes) -> tuple[RawWorkbook, Package | None]:
        """A read of `data` with the long tabs `skim` allows read in part (see `Skim`), and the
        package it came from, for the write that follows to reuse what is already
        decompressed."""
        from python_calamine import CalamineWorkbook

        from okrsheet.stores.xlsx.bounds import check_package
        from okrsheet.stores.xlsx.patch import Package, Unpatchable, sheet_parts
        from okrsheet.stores.xlsx.skim import needle_patterns, skim_stream

        unread = skim.unread

        def wanted(title: str) -> bool:
            return _wanted_for_writing(title) and not unread(title)

        try:
            package = Package(data)
            self._package = package  # for `_read_data` of the same bytes
            check_package(package, str(self.path))
            names = set(package.namelist())
            long_parts = {
                title: part
                for title, part in sheet_parts(package).items()
                if skim.titles(title) and part in names and package.size(part) > skim.min_bytes
            }
            patterns = needle_patterns(package, skim.needles) if long_parts else None
            trimmed: dict[str, bytes | None] = {}
            for part in long_parts.values():
                # Inflated and scanned piece by piece: the sheet is never held whole; the
                # write that follows appends to it knowing its ends (`package.outlines`).
                found = (
                    None
                    if patterns is None
                    else skim_stream(package, part, patterns, skim.head_rows)
                )
                if found is not None:
                    trimmed[part], outline = found
                    if outline is not None:
                        package.outlines[part] = outline
            if not trimmed:
                return self._read_data(data, wanted), package
            # A trimmed tab reaches the reader as its head and needle rows only: what lies
            # beyond them costs nothing there, and its scan would cost the time skimming saves.
            # The others reach it as their values only, checked against the bounds on the way.
            given = self._values_for_reader(
                package, lambda t: wanted(t) and long_parts.get(t) not in trimmed
            )
            buffer = io.BytesIO()
            package.write(buffer, {**given, **trimmed}, compress=False)
            del given
        except (zipfile.BadZipFile, zlib.error, Unpatchable, ValueError, OSError, KeyError):
            return self._read_data(data, wanted), None  # the plain read says what is wrong
        buffer.seek(0)
        raw = self._grids(lambda: CalamineWorkbook.from_filelike(buffer), read=wanted)
        raw.unresolved = _unresolved(lambda: package)
        raw.keeps_results = True
        skimmed = {title for title, part in long_parts.items() if part in trimmed}
        unwanted = {
            g.title
            for g in raw.grids
            if g.title in skimmed and not skim.wanted(Grid(g.title, g.rows[: skim.head_rows]))
        }
        if unwanted:  # not what the planner can do without: read those in full
            full = self._grids(
                lambda: CalamineWorkbook.from_filelike(io.BytesIO(data)),
                only=unwanted.__contains__,
                read=wanted,
            )
            rows = {g.title: g.rows for g in full.grids}
            for grid in raw.grids:
                grid.rows = rows.get(grid.title, grid.rows)
        return raw, package

    def _check_readable(self) -> None:
        if not self.path.exists():
            raise WorkbookUnavailable(
                f"no workbook at {self.path}",
                hint="create one with `okr init`, or point --workbook/-w at yours",
            )
        if self.path.is_dir():
            raise WorkbookUnavailable(f"{self.path} is a directory, not an .xlsx workbook")
        if not os.access(self.path, os.R_OK):
            raise WorkbookUnavailable(f"{self.path} cannot be read (permission denied)")

    # Writing ---------------------------------------------------------------------------------

    def update(self, planner: ChangePlanner, *, skim: Skim | None = None) -> Sequence[Change]:
        """See `WorkbookStore.update`; with `skim`, long tabs may reach the planner in part.

        The file is read once into memory; the plan is made on those bytes and the write patches
        those same bytes. Just before the new file replaces the old one, the old one must still be
        what was read (its size, time stamp and SHA-256): if another program saved it meanwhile,
        the write is planned again on a fresh read, and after `REPLANS` tries okr gives up with
        nothing written."""
        with self._locked():
            for _ in range(REPLANS + 1):
                try:
                    return self._update_once(planner, skim)
                except _ChangedMeanwhile:
                    continue
        raise BackendError(
            f"{self.path} kept changing while okr was writing (another program is saving it); "
            "nothing was written",
            hint="try again once the other program has finished saving",
        )

    def _update_once(self, planner: ChangePlanner, skim: Skim | None) -> Sequence[Change]:
        self._check_readable()
        target = self.target
        kept, self._kept = self._kept, None  # a kept read serves one update, at most
        package: Package | None = None
        if kept is not None and skim is not None and kept.covers(skim, target):
            data, snapshot, raw, package = kept.data, kept.snapshot, kept.raw, kept.package
        else:
            try:
                data = target.read_bytes()
                snapshot = _Snapshot.of(target, data)
            except OSError as exc:
                raise WorkbookUnavailable(f"{self.path} cannot be read ({_short(exc)})") from exc
            # The reader below would take an .xls or an .ods for a workbook (it goes by
            # content); a read of the file refuses them (it goes by the name), and so does a
            # write.
            problem = _not_an_xlsx_package(data)
            if problem is not None:
                raise self._unreadable(problem) from problem
            if skim is None:
                raw = self._read_data(data)
            else:
                raw, package = self._read_skimmed(skim, data)
                if package is not None and _hollow(package, target):
                    # The file's bytes stay in the file until the write reads them again (the
                    # snapshot says whether they are still the ones read).
                    data = b""
            if skim is not None and skim.keep:
                self._kept = _Kept(skim, data, snapshot, raw, package)
        changes = list(planner(raw))
        if changes:
            self._kept = None  # this write changes the file: nothing to keep
        del raw  # a long log's cells are not needed to write
        if not changes:
            return changes
        if _read_only(target):
            raise WorkbookUnavailable(f"{self.path} is read-only; nothing was written")
        self._refuse_if_open_elsewhere()
        self._refuse_if_hard_linked()
        from okrsheet.stores.xlsx.patch import Package, Unpatchable, patch

        try:
            source = package if package is not None else Package(data)
            self._save(lambda handle: patch(source, handle, changes), expect=snapshot)
        except Unpatchable:
            if not data and not snapshot.still(target):
                raise _ChangedMeanwhile from None  # what the write read again had changed
            whole = data or target.read_bytes()
            content = _with_results(self._rewritten(whole, changes), changes)
            self._save(lambda handle: handle.write(content), expect=snapshot)
        return changes

    def _rewritten(self, data: bytes, changes: Sequence[Change]) -> bytes:
        """The workbook `data` with `changes` applied through openpyxl; refused, with nothing
        written, when openpyxl would drop a part of it that it does not model."""
        from okrsheet.stores.xlsx.keep import lost_in_rewrite
        from okrsheet.stores.xlsx.openpyxl_write import _apply, _saver

        book = self._load_for_write(data)
        for change in changes:
            _apply(book, change)
        buffer = io.BytesIO()
        try:
            _saver(book)(buffer)
        except OSError as exc:
            raise BackendError(
                f"could not save {self.path}: {_short(exc)}; nothing was changed"
            ) from exc
        content = buffer.getvalue()
        lost = lost_in_rewrite(data, content)
        if lost:
            raise WorkbookUnavailable(
                f"{self.path} holds parts that okr cannot keep through this change; "
                "nothing was written",
                details=[f"would lose: {', '.join(lost)}"],
                hint="make this change in a spreadsheet program",
            )
        return content

    def create(self, tabs: Sequence[TabSpec], *, overwrite: bool) -> None:
        from openpyxl import Workbook

        from okrsheet.stores.xlsx.openpyxl_write import _render_tab, _saver

        if self.path.is_dir():
            raise WorkbookUnavailable(f"{self.path} is a directory; give a file name ending .xlsx")
        if not self.path.parent.exists():
            raise WorkbookUnavailable(f"the folder {self.path.parent} does not exist")
        with self._locked():
            if self.path.exists() and not overwrite:
                raise WorkbookExists(
                    f"{self.path} already exists; nothing was written",
                    hint="pass --force to replace it",
                )
            if self.path.exists():
                # `--force` of init (and pull) means "replace the file", not "whoever has it
                # open": their next save there would bring the old workbook back.
                self._refuse_if_open_elsewhere(replacing=True)
                self._refuse_if_hard_linked()
            book = Workbook()
            book.remove(book.active)
            for spec in tabs:
                _render_tab(book.create_sheet(spec.title), spec)
            results = [
                SetCells(spec.title, {(r, c): v for (r, c), v in _spec_cells(spec)})
                for spec in tabs
            ]
            if not any(cells.cells for cells in results):
                self._save(_saver(book))
                return
            buffer = io.BytesIO()
            _saver(book)(buffer)
            content = _with_results(buffer.getvalue(), results)
            self._save(lambda handle: handle.write(content))

    def _load_for_write(self, data: bytes) -> Workbook:
        import warnings

        from openpyxl import load_workbook

        try:
            # What openpyxl says about parts it does not model is for us, not for the person
            # running okr: `check_full_rewrite_keeps` refuses a save that would lose them.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return load_workbook(io.BytesIO(data), rich_text=True)
        except Exception as exc:  # openpyxl raises many unrelated types on bad files
            raise WorkbookUnavailable(
                f"{self.path} is not a readable .xlsx workbook ({_short(exc)}); nothing was "
                "written",
                hint="open it in a spreadsheet program and save it again as .xlsx",
            ) from exc

    def _save(
        self, write: Callable[[BinaryIO], object], *, expect: _Snapshot | None = None
    ) -> None:
        """Write to a temporary file beside the workbook, then replace it in one step.

        Called under the workbook's lock: a temporary file of ours already there was left by a
        save that died (killed, or the machine lost power), so it goes first. The new file gets
        the old one's mode, owner and group (as far as we may set them) and extended
        attributes; after the rename the folder is flushed to disk too, so that the rename
        itself survives a power cut. With `expect`, the workbook must still be what was read
        (see `_Snapshot`), or `_ChangedMeanwhile` is raised with nothing written.
        """
        target = self.target
        try:
            old = target.stat()
        except FileNotFoundError:
            old = None
        self._remove_stale_temporary_files()
        try:
            fd, tmp_name = tempfile.mkstemp(
                prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
            )
        except OSError as exc:
            raise BackendError(
                f"could not save {self.path}: {_short(exc)}; nothing was changed"
            ) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                _keep_metadata(handle.fileno(), target, old)
                os.fsync(handle.fileno())
            if expect is not None and not expect.still(target):
                raise _ChangedMeanwhile
            # Ctrl-C is held back from the rename to the record that it happened: an
            # interruption afterwards must not claim that nothing was written.
            with _signals_held():
                self._replace(tmp, target)
                note_write(str(self.path))
            _fsync_folder(target.parent)
        except OSError as exc:
            raise BackendError(
                f"could not save {self.path}: {_short(exc)}; nothing was changed"
            ) from exc
        finally:
            # A file another program still holds (a virus scanner, on Windows) cannot go now:
            # the next save removes it (`_remove_stale_temporary_files`).
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _replace(self, tmp: Path, target: Path) -> None:
        """`os.replace`, with Windows' refusal to replace a file another program holds open
        (Excel keeps an open workbook so) said as such, once a moment's retries (a virus
        scanner or a sync client holds a file only briefly) have not helped."""
        for attempt in range(REPLACE_TRIES):
            try:
                os.replace(tmp, target)
                return
            except PermissionError as exc:
                if getattr(exc, "winerror", None) not in _HELD_OPEN:
                    raise
                if attempt + 1 < REPLACE_TRIES:
                    time.sleep(REPLACE_PAUSE_SECONDS)
                    continue
                raise WorkbookUnavailable(
                    f"{self.path} is open in another program, which keeps it from being "
                    "replaced; nothing was written",
                    hint=f"close {target.name} in Excel (or the program that has it open), "
                    "then run again",
                ) from exc

    def _remove_stale_temporary_files(self) -> None:
        # mkstemp's names: the prefix, eight characters of [a-z0-9_], the suffix. Matching
        # exactly keeps `okr.xlsx` from touching the files of `okr.xlsx.backup.xlsx`.
        target = self.target
        ours = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")
        with contextlib.suppress(OSError):
            for entry in os.scandir(target.parent):
                if ours.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)

    def _refuse_if_open_elsewhere(self, *, replacing: bool = False) -> None:
        """Refuse to write a workbook a spreadsheet program's lock file says is open; `force`
        (the writing commands' `--force`) writes anyway. A whole new workbook replacing it is
        refused whatever `force` says: there, `--force` only means replacing the file."""
        if self.force and not replacing:
            return
        found = open_elsewhere(self.target)
        if found is not None:
            program, lock_file, who = found
            by = f" by {who}" if who else ""
            escape = "" if replacing else ", or pass --force"
            raise WorkbookUnavailable(
                f"{self.path} is open in {program}{by}; nothing was written (its next save "
                "there would overwrite this change)",
                hint=f"close it there and run the command again; if it is open nowhere, delete "
                f"{lock_file.name} (left by a program that stopped){escape}",
            )

    def _refuse_if_hard_linked(self) -> None:
        try:
            links = self.target.stat().st_nlink
        except OSError:
            return
        if links > 1:
            raise WorkbookUnavailable(
                f"{self.path} has {links} hard links; nothing was written (a save replaces the "
                "file whole, so the other names would keep the old workbook)",
                hint="keep one name for the workbook and make the others symbolic links (ln -s)",
            )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """A lock on `.<workbook>.lock` beside the workbook (the link's target, for a link):
        flock() where the system has it, msvcrt.locking() on Windows (see `stores/xlsx/lock`).

        The operating system releases it when its process dies, so a lock file left behind by a
        crash never blocks anyone. The file is made with the workbook's mode and group, so that
        the next person of a shared folder can lock it too (locking needs only to open it,
        read-only will do), and it is removed when the write is done: a writer that had been
        waiting on a file removed meanwhile sees that the file it holds is no longer the one at
        that path, and locks the new one instead.
        """
        path = self.lock_path
        try:
            kind = locking()
        except NoLocking as exc:
            raise WorkbookUnavailable(f"cannot lock {self.path} for writing: {exc}") from exc
        deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
        while True:
            fd = self._open_lock_file(path)
            try:
                try:
                    waited = _wait_for_lock(fd, deadline)
                except OSError as exc:  # ENOLCK: a network folder whose server keeps no locks
                    with contextlib.suppress(OSError):
                        os.unlink(path)  # where nobody can lock, nobody holds it
                    raise WorkbookUnavailable(
                        f"cannot lock {self.path} for writing: {_short(exc)}; nothing was written",
                        hint="its folder may not support file locks (a network share?); "
                        "move the workbook to a local folder",
                    ) from exc
                if not waited:
                    raise BackendError(
                        f"{self.path} is being written by another okr process; "
                        f"gave up after {LOCK_TIMEOUT_SECONDS:.0f} s",
                        hint="try again in a moment",
                    )
                if _same_file(fd, path):
                    break
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        try:
            yield
        finally:
            kind.release(fd, path)

    def _open_lock_file(self, path: Path) -> int:
        try:
            like = self.target.stat()
        except OSError:
            like = None
        # Not inherited by programs okr starts (POSIX's O_CLOEXEC, Windows' O_NOINHERIT), and
        # never through a symbolic link planted at the lock file's name (where there are any).
        flags: int = (
            getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_NOINHERIT", 0)
            | getattr(os, "O_NOFOLLOW", 0)
        )
        # Made with its final mode (the umask set aside for that one call): a process killed
        # right after making it must not leave a file that others cannot open.
        mode = (like.st_mode & 0o666) if like is not None else 0o666 & ~_umask()
        try:
            try:
                fd = _create_with_mode(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | flags, mode)
            except FileExistsError:
                try:
                    return os.open(path, os.O_RDWR | flags)
                except PermissionError:  # another person's: a read-only file can be locked
                    return os.open(path, os.O_RDONLY | flags)
        except FileNotFoundError:
            return self._open_lock_file(path)  # removed between our two opens: make it anew
        except OSError as exc:
            raise WorkbookUnavailable(
                f"cannot lock {self.path} for writing: {_short(exc)}"
            ) from exc
        if like is not None and os.fstat(fd).st_gid != like.st_gid:
            share_lock_file(fd, like)  # the workbook's group (a change of group may clear bits)
        return fd


def _hollow(package: Package, target: Path) -> bool:
    """Let `package` go of the file's bytes when it knows a long tab by its ends (see
    `Package.hollow`): whether it did."""
    return bool(package.outlines) and package.hollow(lambda: target.open("rb"))


def _create_with_mode(path: Path, flags: int, mode: int) -> int:
    """os.open creating `path` with exactly `mode`, whatever the umask."""
    mask = os.umask(0)
    try:
        return os.open(path, flags, mode)
    finally:
        os.umask(mask)


def _try_lock(fd: int) -> bool:
    return locking().try_lock(fd)


def _wait_for_lock(fd: int, deadline: float) -> bool:
    while not _try_lock(fd):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _spec_cells(spec: TabSpec) -> Iterator[tuple[tuple[int, int], WriteValue]]:
    """The formula cells of a new tab that carry a result, by (row, column) in the sheet."""
    top = 2 if spec.header else 1
    for index, row in enumerate(spec.rows):
        for col, value in enumerate(row, start=1):
            if isinstance(value, Formula) and value.result is not None:
                yield (index + top, col), value


def _with_results(content: bytes, changes: Sequence[Change]) -> bytes:
    """A workbook openpyxl wrote (it writes formulas without results) with the results the
    changes' formulas carry written beside them, by the patcher."""
    from okrsheet.stores.xlsx.patch import Package, Unpatchable, patch

    given = []
    for change in changes:
        if isinstance(change, SetCells):
            cells: dict[tuple[int, int], WriteValue] = {
                key: value
                for key, value in change.cells.items()
                if isinstance(value, Formula) and value.result is not None
            }
            if cells:
                given.append(SetCells(change.tab, cells))
    if not given:
        return content
    buffer = io.BytesIO()
    try:
        patch(Package(content), buffer, given)
    except Unpatchable:
        return content  # the results are a convenience: a program computes them anyway
    return buffer.getvalue()
