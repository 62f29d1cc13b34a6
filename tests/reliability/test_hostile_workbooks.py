"""Small workbooks that ask for a great deal of memory: okr reads only the tabs it needs, and
refuses, with a clear message and in little memory, a workbook beyond its documented bounds
(okrsheet/stores/xlsx/bounds.py, docs/reliability.md) instead of aborting with a backtrace.

Each command runs in a process of its own, which reports the most memory it held."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.conftest import fingerprint

# Runs okr, then says on stderr how much memory (kB) the process held at most: its own high
# water mark (VmHWM). Linux's ru_maxrss starts from the forking process's own peak, so a child
# of a test worker that had grown would report the worker's size.
_MEASURED = """
import re, resource, sys
from okrsheet.cli import app
try:
    app(sys.argv[1:], prog_name="okr")
finally:
    try:
        with open("/proc/self/status") as status:
            peak = int(re.search(r"VmHWM:\\s*(\\d+)", status.read()).group(1))
    except (OSError, AttributeError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"maxrss={peak}", file=sys.stderr)
"""
#: What a command on the example company holds at most is about 50 MB; room for any machine.
MEMORY_BOUND_KB = 250_000


def _okr(*args: str) -> tuple[int, str, int]:
    """Exit code, stderr and the most memory held (kB) of `okr args` in a process."""
    env = {**os.environ, "OKR_TODAY": "2026-11-16", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    found = re.search(r"maxrss=(\d+)\s*$", done.stderr)
    assert found, done.stderr[-2000:]
    return done.returncode, done.stderr[: found.start()], int(found.group(1))


def _part_of(package: zipfile.ZipFile, title: str) -> str:
    workbook = package.read("xl/workbook.xml").decode()
    rels = package.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', workbook)
    assert rid
    target = re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def _edited(data: bytes, edits: dict[str, Any]) -> bytes:
    """The package with parts changed: `edits` maps a tab title (or a part name) to a
    function of its XML."""
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {(k if k in source.namelist() else _part_of(source, k)): f for k, f in edits.items()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in parts:
                content = parts[info.filename](content)
            target.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _stray(ref: str, text: str = "x") -> Any:
    """A function adding one typed cell at `ref` (a row of its own, at the end)."""
    row = re.sub(r"^[A-Z]+", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
    return lambda xml: xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>", 1)


@pytest.fixture
def book(example_bytes: bytes, tmp_path: Path) -> Any:
    def make(edits: dict[str, Any]) -> Path:
        path = tmp_path / "okr.xlsx"
        path.write_bytes(_edited(example_bytes, edits))
        return path

    return make


@pytest.mark.parametrize(
    "args",
    [("status",), ("checkin", "SALES-1.1", "--value", "91"), ("report", "--out", "page.html")],
    ids=lambda a: a[0],
)
def test_a_stray_cell_at_the_end_of_the_guide_costs_nothing(
    book: Any, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """One cell at Guide!XFD1048576 (149 kB on disk) made every command abort with a Rust
    backtrace asking for 549,755,813,888 bytes: okr never reads the Guide's cells."""
    path = book({"Guide": _stray("XFD1048576")})
    os.chdir(tmp_path)

    code, stderr, memory = _okr(*args, "-w", str(path))

    assert code == 0, stderr
    assert "memory allocation" not in stderr and "panicked" not in stderr
    assert memory < MEMORY_BOUND_KB, memory


@pytest.mark.parametrize(
    ("tab", "ref", "says"),
    [
        ("Sales", "A1048576", "reaches row 1,048,576 (Sales!A1048576), beyond the 250,000 rows"),
        ("Sales", "XFD7", "reaches column 16,384 (Sales!XFD7), beyond the 702 columns"),
        ("Check-ins", "C300000", "reaches row 300,000 ('Check-ins'!C300000)"),
    ],
    ids=["sales-last-row", "sales-last-column", "log-far-down"],
)
def test_a_tab_okr_reads_that_reaches_beyond_the_bounds_is_refused_in_little_memory(
    book: Any, tab: str, ref: str, says: str
) -> None:
    """One cell at Sales!A1048576 (Ctrl+Down, then typing) took 1.8 GB and 7 s to read."""
    path = book({tab: _stray(ref)})
    before = fingerprint(path)

    for args in (("status",), ("checkin", "SALES-1.1", "--value", "91")):
        code, stderr, memory = _okr(*args, "-w", str(path))

        assert code == 4, stderr
        assert says in stderr and "nothing was read" in stderr, stderr
        assert "Ctrl+End" in stderr  # how to find the cell
        assert "Traceback" not in stderr and "bug in okr" not in stderr
        assert memory < MEMORY_BOUND_KB, memory
    assert fingerprint(path) == before


#: What a command on the example company holds at most, with room for the interpreter's own
#: variation: a stray cell far down must not cost more than its own row.
SPARSE_BOUND_KB = 120_000


@pytest.mark.parametrize(
    "args",
    [("status",), ("validate",), ("checkin", "SALES-1.1", "--value", "91")],
    ids=lambda a: a[0],
)
def test_a_stray_cell_far_down_a_tab_okr_reads_costs_only_its_row(
    book: Any, example_bytes: bytes, tmp_path: Path, args: tuple[str, ...]
) -> None:
    """One cell at Sales!A200000 (within the bounds) took 3.2 s and 380 MB against 0.9 s and
    46 MB without it: the reader built the 200,000 rows between. Now the rows that hold
    values are read, the empty stretch costs nothing, and the stray cell is still seen where
    it is."""
    path = book({"Sales": _stray("A200000", "stray")})
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(example_bytes)

    code, stderr, memory = _okr(*args, "-w", str(path))
    _code, _stderr, without = _okr(*args, "-w", str(plain))

    # The stray cell is seen: `validate` finds it is no row type (exit 3), the others warn.
    assert code == (3 if args[0] == "validate" else 0), stderr
    assert memory < SPARSE_BOUND_KB and memory < without * 1.5, (memory, without)


def test_the_rows_around_a_far_stray_cell_read_as_they_are(book: Any) -> None:
    """The tab is cut in pieces around the empty stretch, and put back together: every row
    before it reads as before, and the stray cell is named at its own place."""
    from okrsheet.stores.xlsx.store import XlsxStore

    whole = {g.title: g.rows for g in XlsxStore(book({})).read().grids}
    path = book({"Sales": _stray("C200000", "stray")})

    grids = {g.title: g for g in XlsxStore(path).read().grids}

    sales = grids["Sales"]
    assert len(sales.rows) == 200_000
    assert sales.cell(200_000, 3) == "stray" and sales.cell(200_000, 1) in ("", None)
    kept = [r for r in whole["Sales"] if any(v not in ("", None) for v in r)]
    assert sales.rows[: len(kept)] == kept
    assert all(not any(v not in ("", None) for v in r) for r in sales.rows[len(kept) : -1])
    assert {t: g.rows for t, g in grids.items() if t != "Sales"} == {
        t: rows for t, rows in whole.items() if t != "Sales"
    }


def test_a_copy_of_the_whole_workbook_refuses_a_guide_beyond_the_bounds(book: Any) -> None:
    """`okr push` copies every tab, the Guide's text included: there its bounds apply."""
    path = book({"Guide": _stray("XFD1048576")})

    code, stderr, memory = _okr("push", str(path), "--to", "gsheet:new")

    assert code == 4, stderr
    assert "(Guide!XFD1048576)" in stderr
    assert memory < MEMORY_BOUND_KB, memory


def _with_shared_string(data: bytes, text: str) -> bytes:
    """The package with a shared strings part holding `text` as string 0 (okr itself writes
    text inline; Excel and LibreOffice share it)."""
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'
    ).encode()
    rel = (
        b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    )
    kind = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    edited = _edited(
        data,
        {
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(b"</Relationships>", rel),
            "[Content_Types].xml": lambda x: x.replace(b"</Types>", kind),
        },
    )
    buffer = io.BytesIO(edited)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/sharedStrings.xml", strings)
    return buffer.getvalue()


def test_text_repeated_from_one_long_shared_string_is_refused(
    example_bytes: bytes, tmp_path: Path
) -> None:
    """A small file whose cells all share one long string: each cell would get its own copy
    (here 40 cells x 8 MB: 320 MB, from a file of a few hundred kB)."""
    data = _with_shared_string(example_bytes, "spam " * ((8 << 20) // 5))
    rows = "".join(
        f'<row r="{900 + r}"><c r="T{900 + r}" t="s"><v>0</v></c></row>' for r in range(40)
    )
    data = _edited(
        data, {"Sales": lambda x: x.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)}
    )
    path = tmp_path / "okr.xlsx"
    path.write_bytes(data)
    assert path.stat().st_size < 1_000_000

    code, stderr, memory = _okr("status", "-w", str(path))

    assert code == 4, stderr
    assert "the same long text repeated in many cells" in stderr and "256 MB" in stderr
    assert memory < MEMORY_BOUND_KB, memory


def test_one_long_shared_string_in_a_few_cells_is_read(
    example_bytes: bytes, tmp_path: Path
) -> None:
    data = _with_shared_string(example_bytes, "a long note " * 2000)
    rows = "".join(
        f'<row r="{900 + r}"><c r="T{900 + r}" t="s"><v>0</v></c></row>' for r in range(3)
    )
    data = _edited(
        data, {"Sales": lambda x: x.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)}
    )
    path = tmp_path / "okr.xlsx"
    path.write_bytes(data)

    code, stderr, _ = _okr("status", "-w", str(path))

    assert code == 0, stderr


def test_a_package_that_unpacks_beyond_the_bound_is_refused(
    okr: Any, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet.stores.xlsx import bounds as xlsx_bounds

    monkeypatch.setattr(xlsx_bounds, "MAX_UNPACKED_BYTES", 1 << 20)  # the example's is 1.5 MB

    result = okr("status", "-w", str(example))

    assert result.exit_code == 4, result.stderr
    assert "unpacks to 2 MB, beyond the 1 MB okr reads; nothing was read" in result.stderr


def test_a_part_that_unpacks_to_more_than_it_declares_stops_at_the_declared_size() -> None:
    from okrsheet.stores.xlsx.package import Package

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/big.xml", b"a" * (4 << 20))
    data = bytearray(buffer.getvalue())
    # declare 1 kB instead of 4 MB, in the local header and in the central directory
    size = (4 << 20).to_bytes(4, "little")
    for at in [m.start() for m in re.finditer(re.escape(size), bytes(data))]:
        data[at : at + 4] = (1024).to_bytes(4, "little")

    with pytest.raises(zipfile.BadZipFile):
        Package(bytes(data)).read("xl/big.xml")
