"""The .xlsx zip package, read and written by hand: members that do not change are copied
as they are, still compressed; a long sheet that only grew at its end keeps its old rows
deflated (see `Splice` and `_deflate`)."""

from __future__ import annotations

import importlib
import io
import itertools
import os
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import IO, Any, Protocol, TypeVar

_T = TypeVar("_T")
_R = TypeVar("_R")


def _fast_zlib() -> ModuleType:
    """zlib-ng: it inflates a deflate stream to the same bytes as zlib in about half the time
    (a 40 MB log: 0.035 s instead of 0.065 s), with the same interface; zlib without it."""
    try:
        return importlib.import_module("zlib_ng.zlib_ng")
    except ImportError:  # pragma: no cover - a platform without its wheels
        return zlib


_inflater = _fast_zlib()
#: What a failed inflate raises: zlib's error, or zlib-ng's (raised again as zlib's).
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error, _inflater.error)


class Unpatchable(Exception):
    """The change needs a full rewrite (new tabs, deleted rows, an unusual package)."""


class Outline:
    """A long member known by its two ends, its middle left compressed in the package: what
    lies before `start` (`head`), what lies from `end` on (`rest`), and of what lies between,
    its length and CRC. `middle()` inflates the middle again, piece by piece, for a write that
    must deflate it anew; nothing ever holds it whole.

    A check-in appends a row to a check-in log of hundreds of megabytes: it needs the log's
    ends, the CRC of the rest, and (unless an earlier append left the rows deflated on their
    own, see `_deflate`) one more pass of inflating and deflating, straight into the file."""

    __slots__ = ("crc", "end", "head", "middle", "rest", "start")

    def __init__(
        self,
        head: bytes,
        rest: bytes,
        start: int,
        end: int,
        crc: int,
        middle: Callable[[], Iterator[bytes | memoryview]],
    ) -> None:
        self.head = head
        self.rest = rest
        self.start = start
        self.end = end
        self.crc = crc
        self.middle = middle


class Splice:
    """A member's new content: `before`, then `source[start:end]` as it was, then `inserted`,
    then the rest of `source` from `end` on.

    An append to a long sheet changes only what lies around its rows; keeping the rows as a
    slice of the old content spares copying tens of megabytes, and lets `Package.write` reuse
    them still deflated (see `_deflate`). The source is the old content, or its `Outline` when
    only its ends were kept.
    """

    __slots__ = ("added", "before", "end", "inserted", "source", "start")

    def __init__(
        self, before: bytes, source: bytes | Outline, start: int, end: int, inserted: bytes
    ) -> None:
        self.before = before
        self.source = source
        self.start = start
        self.end = end
        self.inserted = inserted
        self.added = (0, 0)  # the first and last row numbers of the rows appended

    def pieces(self) -> tuple[bytes, memoryview, bytes, memoryview]:
        """The four parts of the content, each as it is in memory (an outline's middle is
        inflated and joined here: the slow way, for a write that does not deflate)."""
        source = self.source
        if isinstance(source, Outline):
            assert (self.start, self.end) == (source.start, source.end)
            rows = memoryview(b"".join(source.middle()))
            return self.before, rows, self.inserted, memoryview(source.rest)
        view = memoryview(source)
        return self.before, view[self.start : self.end], self.inserted, view[self.end :]

    def ends(self) -> tuple[bytes | memoryview, bytes | memoryview]:
        """What the old content holds before the rows and from their end on."""
        if isinstance(self.source, Outline):
            return self.source.head, self.source.rest
        view = memoryview(self.source)
        return view[: self.start], view[self.end :]

    def size_and_crc(self) -> tuple[int, int]:
        """The new content's length and CRC-32, without inflating an outline's middle."""
        source = self.source
        if not isinstance(source, Outline):
            pieces = self.pieces()
            crc = 0
            for piece in pieces:
                crc = zlib.crc32(piece, crc)
            return sum(len(piece) for piece in pieces), crc
        rows = source.end - source.start
        crc = crc32_combine(zlib.crc32(self.before), source.crc, rows)
        crc = zlib.crc32(source.rest, zlib.crc32(self.inserted, crc))
        return len(self.before) + rows + len(self.inserted) + len(source.rest), crc

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces())


class Serialized:
    """A member's new content, written by `produce` to a file-like object as it is made: a
    large sheet's tree goes straight into the deflater and the file, never held as bytes
    (see `_put_serialized`)."""

    __slots__ = ("produce",)

    def __init__(self, produce: Callable[[_Sink], object]) -> None:
        self.produce = produce

    def __bytes__(self) -> bytes:
        buffer = io.BytesIO()
        self.produce(buffer)
        return buffer.getvalue()


class _Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


#: What `Package.write` takes as a member's new content.
Content = bytes | Splice | Serialized


def _gf2_times(matrix: list[int], vector: int) -> int:
    total = 0
    row = 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A followed by B from the CRC-32 of A, that of B and the length of B (zlib's
    crc32_combine, which Python's zlib does not offer): B need not be at hand."""
    if length2 <= 0:
        return crc1
    odd = [0xEDB88320, *(1 << n for n in range(31))]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four
    while True:
        even = _gf2_square(odd)  # eight: a zero byte, then 2, 8, ... of them
        if length2 & 1:
            crc1 = _gf2_times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _gf2_square(even)
        if length2 & 1:
            crc1 = _gf2_times(odd, crc1)
        length2 >>= 1
        if not length2:
            break
    return crc1 ^ crc2


_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8_NAME = 0x800
_DESCRIPTOR = 0x08
#: `Package.chunks`: large enough that a scan's cost per piece is nothing, small enough that a
#: piece is scanned while still in the processor's cache.
_CHUNK = 512 << 10
_LIMIT = 0xFFFFFFFF  # past this a zip needs zip64 records, which `Package.write` leaves to zipfile


class _Entry:
    """One member as the file stores it: its central directory record and where its local
    header, compressed data and data descriptor lie."""

    __slots__ = ("central", "data", "end", "name", "start")

    def __init__(self, name: str, central: bytes, start: int, data: slice, end: int) -> None:
        self.name = name
        self.central = central
        self.start = start
        self.data = data  # the compressed bytes
        self.end = end

    @property
    def deflated(self) -> bool:
        """Plainly deflated: no encryption, no other method."""
        flags, method = struct.unpack_from("<2H", self.central, 8)
        return method == zipfile.ZIP_DEFLATED and not flags & 0x01


def _entries(data: bytes) -> list[_Entry] | None:
    """The members of a plain zip, in central directory order; None for anything else (zip64,
    split archives, bytes before the first member, headers that disagree)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + _EOCD.size > len(data):
        return None
    _, disk, cd_disk, here, total, size, offset, _ = _EOCD.unpack_from(data, at)
    if disk or cd_disk or here != total or offset + size != at:
        return None
    entries: list[_Entry] = []
    pos = offset
    for _ in range(total):
        if data[pos : pos + 4] != b"PK\x01\x02" or pos + _CENTRAL.size > at:
            return None
        fields = _CENTRAL.unpack_from(data, pos)
        flags, compressed, plain = fields[5], fields[10], fields[11]
        name_len, extra_len, comment_len, local = fields[12], fields[13], fields[14], fields[18]
        if _LIMIT in (compressed, plain, local):
            return None
        name = data[pos + _CENTRAL.size : pos + _CENTRAL.size + name_len]
        record_end = pos + _CENTRAL.size + name_len + extra_len + comment_len
        if data[local : local + 4] != b"PK\x03\x04" or local + _LOCAL.size > offset:
            return None
        header = _LOCAL.unpack_from(data, local)
        data_start = local + _LOCAL.size + header[10] + header[11]
        if data[local + _LOCAL.size : local + _LOCAL.size + header[10]] != name:
            return None
        end = data_start + compressed
        if header[3] & _DESCRIPTOR:  # sizes in a descriptor after the data, maybe signed
            end += 16 if data[end : end + 4] == b"PK\x07\x08" else 12
        if end > offset:
            return None
        text = name.decode("utf-8" if flags & _UTF8_NAME else "cp437")
        stored = slice(data_start, data_start + compressed)
        entries.append(_Entry(text, data[pos:record_end], local, stored, end))
        pos = record_end
    return entries if pos == at else None


class _Gap:
    """The bytes of a package file with those from `start` to `stop` left in the file (see
    `Package.hollow`): they are read from it again, a piece at a time, when asked for."""

    def __init__(self, data: bytes, start: int, stop: int, reopen: Callable[[], IO[bytes]]) -> None:
        view = memoryview(data)
        self.front = bytes(view[:start])
        self.back = bytes(view[stop:])
        self.start = start
        self.stop = stop
        self.size = len(data)
        self.reopen = reopen

    def pieces(self, start: int, stop: int, step: int = _CHUNK) -> Iterator[bytes | memoryview]:
        if start < self.start:
            yield memoryview(self.front)[start : min(stop, self.start)]
        if start < self.stop and self.start < stop:
            at, end = max(start, self.start), min(stop, self.stop)
            with self.reopen() as handle:
                handle.seek(at)
                while at < end:
                    piece = handle.read(min(step, end - at))
                    if not piece:
                        raise zipfile.BadZipFile("the workbook is shorter than it was")
                    at += len(piece)
                    yield piece
        if stop > self.stop:
            yield memoryview(self.back)[max(start, self.stop) - self.stop : stop - self.stop]

    def read(self, start: int, stop: int) -> bytes:
        return b"".join(self.pieces(start, max(start, min(stop, self.size))))


class _GapFile(io.RawIOBase):
    """A `_Gap` as a file that zipfile can read."""

    def __init__(self, gap: _Gap) -> None:
        super().__init__()
        self.gap = gap
        self.at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.at, io.SEEK_END: self.gap.size}[whence]
        self.at = max(base + offset, 0)
        return self.at

    def readinto(self, buffer: Any) -> int:
        data = self.gap.read(self.at, self.at + len(buffer))
        buffer[: len(data)] = data
        self.at += len(data)
        return len(data)


class _Stored:
    """A member's compressed bytes left in the file (see `Package.hollow`), read as asked."""

    def __init__(self, gap: _Gap, start: int, stop: int) -> None:
        self.gap = gap
        self.start = start
        self.stop = stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, index: slice) -> bytes:
        start, stop, _ = index.indices(len(self))
        return self.gap.read(self.start + start, self.start + stop)

    def pieces(self, start: int, stop: int) -> Iterator[bytes | memoryview]:
        return self.gap.pieces(self.start + start, self.start + stop)


class Package:
    """An .xlsx file read once: its members decompressed on demand (each once), and a writer
    that copies every member not given anew exactly as the file holds it, compressed bytes
    and headers included, so an unchanged part costs a memory copy instead of a round trip
    through zlib."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._members: dict[str, bytes] = {}
        #: Long members scanned piece by piece and known by their ends (see `Outline`).
        self.outlines: dict[str, Outline] = {}
        self._entries = _entries(data)
        self._by_name = {e.name: e for e in self._entries or ()}
        self._gap: _Gap | None = None  # see `hollow`

    def hollow(self, reopen: Callable[[], IO[bytes]]) -> bool:
        """Let go of the file's bytes, read again from `reopen()` (the file they came from), a
        piece at a time, when they are needed: a check-in on a workbook of a million log lines
        then holds neither its 52 MB of deflated log nor the 15 MB of its other members while it
        plans and writes (what it inflated stays: see `read`). False (and nothing changed) for a
        package that is not a plain zip."""
        if self._entries is None or self._gap is not None:
            return False
        self._gap = _Gap(self.data, 0, len(self.data), reopen)
        self.zip = zipfile.ZipFile(_GapFile(self._gap))
        self.data = b""
        return True

    def _pieces(self, start: int, stop: int, step: int = _CHUNK) -> Iterator[bytes | memoryview]:
        """The file's bytes from `start` to `stop`, a piece of at most `step` bytes at a time."""
        if self._gap is not None:
            yield from self._gap.pieces(start, stop, step)
            return
        view = memoryview(self.data)
        for at in range(start, stop, step):
            yield view[at : min(at + step, stop)]

    def _region(self, start: int, stop: int) -> memoryview:
        """The file's bytes from `start` to `stop`."""
        if self._gap is not None:
            return memoryview(self._gap.read(start, stop))
        return memoryview(self.data)[start:stop]

    def _stored(self, entry: _Entry) -> memoryview | _Stored:
        """A member's compressed bytes, or what reads them when they are left in the file."""
        if (
            self._gap is not None
            and self._gap.start < entry.data.stop
            and entry.data.start < self._gap.stop
        ):
            return _Stored(self._gap, entry.data.start, entry.data.stop)
        return memoryview(self.data)[entry.data]

    @classmethod
    def open(cls, path: str | Path) -> Package:
        return cls(Path(path).read_bytes())

    def namelist(self) -> list[str]:
        return self.zip.namelist()

    def size(self, name: str) -> int:
        """A member's uncompressed size, without reading it."""
        return self.zip.getinfo(name).file_size

    def read(self, name: str) -> bytes:
        found = self._members.get(name)
        if found is None:
            found = self._members[name] = self._inflate(name) or self.zip.read(name)
        return found

    def peek(self, name: str) -> bytes:
        """`read`, without keeping what it inflates."""
        found = self._members.get(name)
        return found if found is not None else self._inflate(name) or self.zip.read(name)

    def hold(self, name: str, content: bytes) -> None:
        """Let `read` give `content` for the member `name` from now on (a view of it for a
        reader, such as its values only); `write` still copies the file's own bytes of it
        unless given anew, and `size` still says what the file declares."""
        self._members[name] = content

    def chunks(self, name: str, step: int = _CHUNK) -> Iterator[bytes]:
        """A member's content in pieces of at most `step` bytes, inflated as they are asked
        for and kept nowhere: a long sheet can be scanned without holding it whole. Checked
        against the size and CRC the directory declares, as `read` checks it; a fault raises
        zipfile.BadZipFile after the pieces before it."""
        entry = self._by_name.get(name)
        if name in self._members or entry is None or not entry.deflated:
            yield self.read(name)
            return
        crc, _, size = struct.unpack_from("<3L", entry.central, 16)
        inflate = _inflater.decompressobj(-15)
        # The compressed bytes are fed a little at a time: what zlib leaves unconsumed when
        # `step` is reached comes back as a copy, which must stay small.
        stream = self._pieces(entry.data.start, entry.data.stop, max(step // 4, 1 << 14))
        fed = False  # the last of the compressed bytes were given to zlib
        pending: bytes | memoryview = b""
        total = check = 0
        try:
            while not inflate.eof:
                if not pending and not fed:
                    pending = next(stream, b"")
                    fed = not pending
                out = inflate.decompress(pending, step)
                pending = inflate.unconsumed_tail
                if not out and not pending and fed:
                    raise zlib.error("the stream ends early")
                total += len(out)
                if total > size:
                    raise zlib.error(f"it inflates past its declared {size:,} bytes")
                check = _inflater.crc32(out, check)
                if out:
                    yield out
        except _INFLATE_ERRORS as exc:
            raise zipfile.BadZipFile(f"{name} cannot be decompressed ({exc})") from exc
        if total != size or check != crc:
            raise zipfile.BadZipFile(f"bad CRC or size in {name}")

    def span(
        self, name: str, start: int, end: int, step: int = _CHUNK
    ) -> Iterator[bytes | memoryview]:
        """`read(name)[start:end]` in pieces, inflated as they are asked for (see `chunks`)."""
        at = 0
        for chunk in self.chunks(name, step):
            if at + len(chunk) > start and at < end:
                view = memoryview(chunk)
                yield view[max(start - at, 0) : min(end - at, len(chunk))]
            at += len(chunk)

    def _inflate(self, name: str) -> bytes | None:
        """A deflated member in one call to zlib (zipfile inflates in small steps: a fifth
        slower on a 40 MB sheet, and its buffer grows), checked against its size and CRC all the
        same."""
        entry = self._by_name.get(name)
        if entry is None or not entry.deflated:
            return None
        crc, _, size = struct.unpack_from("<3L", entry.central, 16)
        stream = self._region(entry.data.start, entry.data.stop)
        try:
            if size < _STREAM_CHECK_FROM:
                data = _inflate_at_most(stream, size)
            else:
                # Never more than the size the directory declares: a part that unpacks to more
                # is refused before it fills the memory (counted in small steps, kept nowhere).
                # Then into a buffer of that size: no copy as it grows (a 40 MB log would
                # otherwise peak at twice its size; zlib-ng's buffer grows, so zlib does this).
                # A stream that ends early raises zlib.error.
                _check_inflates_to_at_most(stream, size)
                data = zlib.decompress(stream, -15, max(size, 1))
        except _INFLATE_ERRORS as exc:
            raise zipfile.BadZipFile(f"{name} cannot be decompressed ({exc})") from exc
        if len(data) != size or _inflater.crc32(data) != crc:
            raise zipfile.BadZipFile(f"bad CRC or size in {name}")
        return data

    def write(
        self,
        target: IO[bytes],
        replaced: Mapping[str, Content | None],
        *,
        compress: bool = True,
    ) -> None:
        """Write the package to `target` with the members in `replaced` given anew (None
        leaves one out), deflated at level 1, or stored as they are when not `compress` (for
        a copy that only lives in memory). The others keep their bytes and their order."""
        if self._entries is None:
            self._write_with_zipfile(target, replaced, compress=compress)
            return
        # What each replaced member becomes, deflated several at once (see `in_parallel`),
        # but for what is written as it is made (see `_streams`).
        fresh = [
            (entry.name, content, self._stored(entry) if entry.deflated else None)
            for entry in self._entries
            if (content := replaced.get(entry.name)) is not None and not _streams(content, compress)
        ]
        fresh += [
            (name, content, None)
            for name, content in replaced.items()
            if name not in self._by_name and content is not None and not _streams(content, compress)
        ]
        packed = dict(
            zip(
                (name for name, _, _ in fresh),
                in_parallel(lambda one: _packed(one[1], compress, one[2]), fresh),
                strict=True,
            )
        )
        records: list[bytes] = []
        offset = 0
        for entry in self._entries:
            if entry.name not in replaced:
                for piece in self._pieces(entry.start, entry.end):
                    target.write(piece)
                records.append(entry.central[:42] + struct.pack("<L", offset) + entry.central[46:])
                offset += entry.end - entry.start
            else:
                content = replaced[entry.name]
                if content is None:
                    continue
                old = self._stored(entry) if entry.deflated else None
                written, record = _put_member(
                    target, entry, content, offset, compress, old, packed.get(entry.name)
                )
                records.append(record)
                offset += written
            if offset > _LIMIT:
                raise Unpatchable("the workbook is too large for a plain zip")
        for name, content in replaced.items():  # members new to the package (a new tab)
            if name in self._by_name or content is None:
                continue
            written, record = _put_member(
                target, _new_entry(name), content, offset, compress, packed=packed.get(name)
            )
            records.append(record)
            offset += written
            if offset > _LIMIT:
                raise Unpatchable("the workbook is too large for a plain zip")
        directory = b"".join(records)
        comment = self.zip.comment
        target.write(directory)
        count = len(records)
        end = _EOCD.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), offset, len(comment))
        target.write(end + comment)

    def _write_with_zipfile(
        self,
        target: IO[bytes],
        replaced: Mapping[str, Content | None],
        *,
        compress: bool,
    ) -> None:
        """The slow and general way, for packages `_entries` declines: every member is
        decompressed and compressed again."""
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        with zipfile.ZipFile(target, "w", method, compresslevel=1) as out:
            for info in self.zip.infolist():
                if info.filename in replaced:
                    data = replaced[info.filename]
                    if data is not None:
                        out.writestr(
                            _clone(info), bytes(data), compress_type=method, compresslevel=1
                        )
                    continue
                with self.zip.open(info) as member:
                    out.writestr(
                        _clone(info),
                        member.read(),
                        compress_type=info.compress_type,
                        compresslevel=1,
                    )
            known = set(self.zip.namelist())
            for name, content in replaced.items():
                if name not in known and content is not None:
                    out.writestr(name, bytes(content), compress_type=method, compresslevel=1)


_SYNC_MARK = b"\x00\x00\xff\xff"  # what a sync flush ends with: an empty stored block


def _segment(data: bytes | memoryview, last: bool = False) -> bytes:
    """Data deflated (raw, level 1) on its own: a fresh compressor, so nothing in it refers
    back to what comes before. Unless `last`, it ends with a sync flush: on a byte boundary,
    no final block, so that another segment can follow it in the same stream."""
    deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


#: A member's deflated data as pieces to write one after another: a list when every piece is
#: at hand (its length known before the local header is written), else pieces as they come.
_Body = list[bytes | memoryview] | Iterator[bytes | memoryview]


def _deflate(content: bytes | Splice, old: memoryview | _Stored | None) -> _Body:
    """Raw deflate at level 1 (several times faster than the default, a few percent larger).

    A splice is deflated in segments: what comes before the rows, the rows, the rows it
    inserts, and the rest. Each segment is deflated on its own, and inflaters read them end
    to end as one stream. When the member was written that way before (by an earlier append),
    `old`, its deflated bytes, starts with the first segment and ends with the last, and what
    lies between them is the rows, already deflated: they are reused as they are, and a
    check-in deflates a few hundred bytes instead of a 40 MB log. Rows that must be deflated
    anew from an `Outline` are inflated and deflated as they are written, piece by piece.
    """
    if isinstance(content, bytes):
        return [_segment(content, last=True)]
    head, rest = content.ends()
    ending = _segment(rest, last=True)
    kept = None
    if old is not None:
        opening = _segment(head)
        start, end = len(opening), len(old) - len(ending)
        if (
            end - start >= len(_SYNC_MARK)
            and old[:start] == opening
            and old[end:] == ending
            and old[end - len(_SYNC_MARK) : end] == _SYNC_MARK
        ):
            kept = (start, end)
    before = _segment(content.before)
    inserted = _segment(content.inserted) if content.inserted else b""
    if kept is not None and isinstance(old, memoryview):
        return [before, old[kept[0] : kept[1]], inserted, ending]
    if kept is not None and isinstance(old, _Stored):
        pieces: Iterator[bytes | memoryview] = old.pieces(*kept)
        return itertools.chain([before], pieces, [inserted, ending])
    source = content.source
    if isinstance(source, Outline):
        return _streamed(before, source.middle(), inserted, ending)
    return [before, _segment(memoryview(source)[content.start : content.end]), inserted, ending]


def _streamed(
    before: bytes, rows: Iterable[bytes | memoryview], inserted: bytes, ending: bytes
) -> Iterator[bytes]:
    """`before`, the rows deflated as `_segment` deflates them (zlib's output does not depend
    on how its input is cut), `inserted` and `ending`, as they come."""
    yield before
    deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
    for piece in rows:
        out = deflate.compress(piece)
        if out:
            yield out
    yield deflate.flush(zlib.Z_SYNC_FLUSH)
    if inserted:
        yield inserted
    yield ending


#: Given a member's compressed size: its local header and its central directory record.
_Headers = Callable[[int], tuple[bytes, bytes]]


def _member_headers(entry: _Entry, offset: int, method: int) -> Callable[..., tuple[bytes, bytes]]:
    """Given a member's compressed size, size and CRC: its new local header and central
    directory record, with the name, time stamp, comment and attributes of the old one."""
    old = _CENTRAL.unpack_from(entry.central)
    made_by, system, flags, stamp_time, stamp_date = old[1], old[2], old[5], old[7], old[8]
    name_len, extra_len, comment_len, internal, external = *old[12:15], *old[16:18]
    name = entry.central[_CENTRAL.size : _CENTRAL.size + name_len]
    comment = entry.central[_CENTRAL.size + name_len + extra_len :]
    assert len(comment) == comment_len
    flags &= _UTF8_NAME

    def headers(compressed: int, size: int, crc: int) -> tuple[bytes, bytes]:
        if compressed > _LIMIT or size > _LIMIT:
            raise Unpatchable("a worksheet is too large for a plain zip")
        fields = (flags, method, stamp_time, stamp_date, crc, compressed, size, len(name))
        local = _LOCAL.pack(b"PK\x03\x04", 20, 0, *fields, 0)
        record = _CENTRAL.pack(
            b"PK\x01\x02",
            made_by,
            system,
            20,
            0,
            *fields,
            0,
            len(comment),
            0,
            internal,
            external,
            offset,
        )
        return local + name, record + name + comment

    return headers


def _fresh_member(
    entry: _Entry,
    content: Content,
    offset: int,
    compress: bool,
    deflated_before: memoryview | _Stored | None = None,
) -> tuple[_Headers, _Body]:
    """A member's new headers (its local header and its central directory record, once its
    compressed size is known) and its data. `deflated_before`: the member's deflated bytes as
    the file holds them, for `_deflate` to reuse."""
    if isinstance(content, Serialized):
        content = bytes(content)
    if isinstance(content, Splice):
        size, crc = content.size_and_crc()
    else:
        size, crc = len(content), zlib.crc32(content)
    body: _Body
    if compress:
        body, method = _deflate(content, deflated_before), zipfile.ZIP_DEFLATED
    else:
        body, method = [bytes(content)], zipfile.ZIP_STORED
    made = _member_headers(entry, offset, method)
    return (lambda compressed: made(compressed, size, crc)), body


def _put_member(
    target: IO[bytes],
    entry: _Entry,
    content: Content,
    offset: int,
    compress: bool,
    deflated_before: memoryview | _Stored | None = None,
    packed: _Packed | None = None,
) -> tuple[int, bytes]:
    """Write a member anew to `target`: how many bytes that took, and its central directory
    record. `packed`: what `_packed` made of the content already."""
    if packed is not None:
        crc, size, body, method = packed
        local, record = _member_headers(entry, offset, method)(len(body), size, crc)
        target.write(local)
        target.write(body)
        return len(local) + len(body), record
    if isinstance(content, Serialized) and compress and _seekable(target):
        return _put_serialized(target, entry, content, offset)
    return _put(target, *_fresh_member(entry, content, offset, compress, deflated_before))


def _streams(content: Content, compress: bool) -> bool:
    """Whether `content` is deflated as it is written rather than beforehand (a tree serialized
    into the deflater, rows inflated again from the file): what is never held whole."""
    if not compress:
        return False
    return isinstance(content, Serialized) or (
        isinstance(content, Splice) and isinstance(content.source, Outline)
    )


#: A member's content as the zip holds it: its CRC, its size, its data and how it is stored.
_Packed = tuple[int, int, bytes, int]


def _packed(
    content: Content, compress: bool, deflated_before: memoryview | _Stored | None
) -> _Packed:
    """The CRC and size of `content`, and its data, deflated (see `_deflate`) or stored."""
    if isinstance(content, Serialized):
        content = bytes(content)
    if isinstance(content, Splice):
        size, crc = content.size_and_crc()
    else:
        size, crc = len(content), zlib.crc32(content)
    if not compress:
        return crc, size, bytes(content), zipfile.ZIP_STORED
    body = _deflate(content, deflated_before)
    data = body[0] if isinstance(body, list) and len(body) == 1 else b"".join(body)
    return crc, size, bytes(data), zipfile.ZIP_DEFLATED


def in_parallel(work: Callable[[_T], _R], items: Sequence[_T]) -> list[_R]:
    """`work` done on each item, in order, several at once when there are many: for work
    that spends its time in C code that lets other threads run meanwhile (zlib, lxml's
    parser and serialiser), such as the 150 tabs a sync rewrites."""
    workers = min(PARALLEL_WORKERS, os.cpu_count() or 1, len(items) // 4)
    if workers < 2:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, items))


#: At most this many threads for `in_parallel`.
PARALLEL_WORKERS = 4


class _Deflating:
    """A file-like object that deflates what is written to it into `target`, as `_segment`
    deflates the whole (zlib's output does not depend on how its input is cut), counting its
    size and CRC as it goes."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
        self.size = self.crc = self.written = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        self.crc = zlib.crc32(data, self.crc)
        out = self.deflate.compress(data)
        if out:
            self.target.write(out)
            self.written += len(out)
        return len(data)

    def finish(self) -> int:
        out = self.deflate.flush(zlib.Z_FINISH)
        self.target.write(out)
        self.written += len(out)
        return self.written


def _put_serialized(
    target: IO[bytes], entry: _Entry, content: Serialized, offset: int
) -> tuple[int, bytes]:
    """Write a member whose content is made as it is written (`Serialized`) to a target that
    can seek: deflated as it comes, its local header written again once its sizes and CRC
    are known."""
    made = _member_headers(entry, offset, zipfile.ZIP_DEFLATED)
    local, _ = made(0, 0, 0)
    at = target.tell()
    target.write(local)
    sink = _Deflating(target)
    content.produce(sink)
    compressed = sink.finish()
    end = target.tell()
    local, record = made(compressed, sink.size, sink.crc)
    target.seek(at)
    target.write(local)
    target.seek(end)
    return len(local) + compressed, record


def _put(target: IO[bytes], headers: _Headers, body: _Body) -> tuple[int, bytes]:
    """Write a member's local header and data to `target`: how many bytes that took, and its
    central directory record. Data that comes piece by piece goes straight to a target that
    can seek (its local header written again once the compressed size is known), and is
    gathered first for one that cannot."""
    if not isinstance(body, list):
        if _seekable(target):
            local, _ = headers(0)
            at = target.tell()
            target.write(local)
            size = 0
            for piece in body:
                target.write(piece)
                size += len(piece)
            end = target.tell()
            local, record = headers(size)
            target.seek(at)
            target.write(local)
            target.seek(end)
            return len(local) + size, record
        body = list(body)
    size = sum(len(piece) for piece in body)
    local, record = headers(size)
    target.write(local)
    for part in body:
        target.write(part)
    return len(local) + size, record


def _seekable(target: IO[bytes]) -> bool:
    try:
        return bool(target.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _new_entry(name: str) -> _Entry:
    """A member the package does not have yet, stamped 1980-01-01 as zip writers do when
    reproducible: only its central record is read (by `_fresh_member`)."""
    encoded = name.encode("utf-8")
    central = _CENTRAL.pack(
        b"PK\x01\x02", 20, 0, 20, 0, _UTF8_NAME, zipfile.ZIP_DEFLATED, 0, 0x21, 0, 0, 0,
        len(encoded), 0, 0, 0, 0, 0, 0,
    )  # fmt: skip
    return _Entry(name, central + encoded, 0, slice(0, 0), 0)


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    return copy


#: Members declared this large are first inflated in small steps, only to count, then in one
#: call into a buffer of their size; smaller ones in one bounded step (a copy costs little).
_STREAM_CHECK_FROM = 4 << 20
_STEP = 1 << 20


def _inflate_at_most(stream: memoryview, size: int) -> bytes:
    """The stream inflated, reading no more than `size` bytes and one to tell it is longer
    (which the caller refuses by its size)."""
    inflate = _inflater.decompressobj(-15)
    data: bytes = inflate.decompress(stream, size + 1)
    if len(data) <= size:
        data += inflate.flush()
    if not inflate.eof:
        raise zlib.error("the stream ends early or goes on past its declared size")
    return data


def _check_inflates_to_at_most(stream: memoryview, size: int) -> None:
    """Raise zlib.error when the stream inflates to more than `size` bytes (or ends early),
    holding at most one step of its output at a time."""
    inflate = _inflater.decompressobj(-15)
    total = 0
    pending: bytes | memoryview = stream
    while not inflate.eof:
        out = inflate.decompress(pending, _STEP)
        total += len(out)
        if total > size:
            raise zlib.error(f"it inflates past its declared {size:,} bytes")
        pending = inflate.unconsumed_tail
        if not out and not pending:
            break
    if not inflate.eof:
        raise zlib.error("the stream ends early")
