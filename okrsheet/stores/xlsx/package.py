"""The .xlsx zip package, read and written by hand: members that do not change are copied
as they are, still compressed; a long sheet that only grew at its end keeps its old rows
deflated (see `Splice` and `_deflate`)."""

from __future__ import annotations

import importlib
import io
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import IO


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


class Splice:
    """A member's new content: `before`, then `source[start:end]` as it was, then `inserted`,
    then the rest of `source` from `end` on.

    An append to a long sheet changes only what lies around its rows; keeping the rows as a
    slice of the old content spares copying tens of megabytes, and lets `Package.write` reuse
    them still deflated (see `_deflate`).
    """

    __slots__ = ("added", "before", "end", "inserted", "source", "start")

    def __init__(self, before: bytes, source: bytes, start: int, end: int, inserted: bytes) -> None:
        self.before = before
        self.source = source
        self.start = start
        self.end = end
        self.inserted = inserted
        self.added = (0, 0)  # the first and last row numbers of the rows appended

    def pieces(self) -> tuple[bytes, memoryview, bytes, memoryview]:
        view = memoryview(self.source)
        return self.before, view[self.start : self.end], self.inserted, view[self.end :]

    def __bytes__(self) -> bytes:
        return b"".join(self.pieces())


_EOCD = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_UTF8_NAME = 0x800
_DESCRIPTOR = 0x08
_CHUNK = 4 << 20  # `Package.chunks`: large enough that a scan's cost per piece is nothing
_FEED = 32 << 10  # `Package.chunks`: compressed bytes inflated at a time (about 0.35 MB of XML)
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


class Package:
    """An .xlsx file read once: its members decompressed on demand (each once), and a writer
    that copies every member not given anew exactly as the file holds it, compressed bytes
    and headers included, so an unchanged part costs a memory copy instead of a round trip
    through zlib."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self._members: dict[str, bytes] = {}
        self._entries = _entries(data)
        self._by_name = {e.name: e for e in self._entries or ()}

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
        stream = memoryview(self.data)[entry.data]
        # The compressed bytes are fed a slice at a time: the pieces stay small enough to be
        # scanned while still in the processor's cache, and what a piece leaves unconsumed
        # (copied on each call) is at most a slice.
        fed = 0
        pending: bytes | memoryview = b""
        total = check = 0
        try:
            while not inflate.eof:
                if not pending and fed < len(stream):
                    pending, fed = stream[fed : fed + _FEED], fed + _FEED
                out = inflate.decompress(pending, step)
                pending = inflate.unconsumed_tail
                if not out and not pending and fed >= len(stream):
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

    def _inflate(self, name: str) -> bytes | None:
        """A deflated member in one call to zlib (zipfile inflates in small steps: a fifth
        slower on a 40 MB sheet, and its buffer grows), checked against its size and CRC all the
        same."""
        entry = self._by_name.get(name)
        if entry is None or not entry.deflated:
            return None
        crc, _, size = struct.unpack_from("<3L", entry.central, 16)
        stream = memoryview(self.data)[entry.data]
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
        replaced: Mapping[str, bytes | Splice | None],
        *,
        compress: bool = True,
    ) -> None:
        """Write the package to `target` with the members in `replaced` given anew (None
        leaves one out), deflated at level 1, or stored as they are when not `compress` (for
        a copy that only lives in memory). The others keep their bytes and their order."""
        if self._entries is None:
            self._write_with_zipfile(target, replaced, compress=compress)
            return
        data = memoryview(self.data)
        records: list[bytes] = []
        offset = 0
        for entry in self._entries:
            if entry.name not in replaced:
                target.write(data[entry.start : entry.end])
                records.append(entry.central[:42] + struct.pack("<L", offset) + entry.central[46:])
                offset += entry.end - entry.start
            else:
                content = replaced[entry.name]
                if content is None:
                    continue
                old = data[entry.data] if entry.deflated else None
                header, body, record = _fresh_member(entry, content, offset, compress, old)
                target.write(header)
                target.write(body)
                records.append(record)
                offset += len(header) + len(body)
            if offset > _LIMIT:
                raise Unpatchable("the workbook is too large for a plain zip")
        for name, content in replaced.items():  # members new to the package (a new tab)
            if name in self._by_name or content is None:
                continue
            header, body, record = _fresh_member(_new_entry(name), content, offset, compress)
            target.write(header)
            target.write(body)
            records.append(record)
            offset += len(header) + len(body)
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
        replaced: Mapping[str, bytes | Splice | None],
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


def _deflate(content: bytes | Splice, old: memoryview | None) -> bytes:
    """Raw deflate at level 1 (several times faster than the default, a few percent larger).

    A splice is deflated in segments: what comes before the rows, the rows, the rows it
    inserts, and the rest. Each segment is deflated on its own, and inflaters read them end
    to end as one stream. When the member was written that way before (by an earlier append),
    `old`, its deflated bytes, starts with the first segment and ends with the last, and what
    lies between them is the rows, already deflated: they are reused as they are, and a
    check-in deflates a few hundred bytes instead of a 40 MB log.
    """
    if isinstance(content, bytes):
        return _segment(content, last=True)
    before, rows, inserted, rest = content.pieces()
    ending = _segment(rest, last=True)
    kept = None
    if old is not None:
        opening = _segment(content.source[: content.start])
        if len(opening) + len(ending) <= len(old) and old[: len(opening)] == opening:
            middle = old[len(opening) : len(old) - len(ending)]
            if old[len(old) - len(ending) :] == ending and middle[-4:] == _SYNC_MARK:
                kept = middle
    return b"".join(
        (
            _segment(before),
            _segment(rows) if kept is None else kept,
            _segment(inserted) if inserted else b"",
            ending,
        )
    )


def _fresh_member(
    entry: _Entry,
    content: bytes | Splice,
    offset: int,
    compress: bool,
    deflated_before: memoryview | None = None,
) -> tuple[bytes, bytes, bytes]:
    """A member's new local header, its data, and its central directory record: the name,
    time stamp, comment and attributes of the old one, the new content. `deflated_before`:
    the member's deflated bytes as the file holds them, for `_deflate` to reuse."""
    old = _CENTRAL.unpack_from(entry.central)
    made_by, system, flags, stamp_time, stamp_date = old[1], old[2], old[5], old[7], old[8]
    name_len, extra_len, comment_len, internal, external = *old[12:15], *old[16:18]
    name = entry.central[_CENTRAL.size : _CENTRAL.size + name_len]
    comment = entry.central[_CENTRAL.size + name_len + extra_len :]
    assert len(comment) == comment_len
    pieces = content.pieces() if isinstance(content, Splice) else (content,)
    size = sum(len(piece) for piece in pieces)
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    if compress:
        body, method = _deflate(content, deflated_before), zipfile.ZIP_DEFLATED
    else:
        body, method = bytes(content), zipfile.ZIP_STORED
    flags &= _UTF8_NAME
    if len(body) > _LIMIT or size > _LIMIT:
        raise Unpatchable("a worksheet is too large for a plain zip")
    fields = (flags, method, stamp_time, stamp_date, crc, len(body), size, len(name))
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
    return local + name, body, record + name + comment


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
