"""The one CSV reader: files as Excel, LibreOffice and scripts write them."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from okrsheet.csvfile import read_csv
from okrsheet.errors import UsageError

COLUMNS: dict[str, tuple[str, ...]] = {
    "kr_id": ("kr", "key result"),
    "value": (),
    "note": (),
    "date": (),
}


def read(path: Path, data: bytes) -> list[tuple[int, dict[str, str]]]:
    path.write_bytes(data)
    table = read_csv(path, columns=COLUMNS, required=("kr_id", "value"), option="--from")
    return [(row.line, dict(row.fields)) for row in table.rows]


def refused(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    with pytest.raises(UsageError) as caught:
        read_csv(path, columns=COLUMNS, required=("kr_id", "value"), option="--from")
    error = caught.value
    return "\n".join([error.message, *error.details, error.hint or ""])


def test_excel_semicolons_bom_crlf(tmp_path: Path) -> None:
    data = "\ufeffKR ID;Value;Note\r\nSALES-1.1;0,78;Gut\r\nSALES-1.2;12;\r\n".encode()

    assert read(tmp_path / "x.csv", data) == [
        (2, {"kr_id": "SALES-1.1", "value": "0,78", "note": "Gut"}),
        (3, {"kr_id": "SALES-1.2", "value": "12", "note": ""}),
    ]


def test_windows_1252_is_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_bytes("kr_id;value;note\r\nS-1;1;Café – déjà vu\r\n".encode("cp1252"))

    table = read_csv(path, columns=COLUMNS, required=("kr_id",), option="--from")

    assert table.rows[0].get("note") == "Café – déjà vu"
    assert table.encoding == "cp1252"
    [notice] = table.notices
    assert "Windows-1252" in notice and "CSV UTF-8" in notice


def test_utf16_tab_separated_unicode_text(tmp_path: Path) -> None:
    data = "kr_id\tvalue\tnote\r\nS-1\t5\tnaïve\r\n".encode("utf-16")  # with its BOM

    assert read(tmp_path / "u.txt", data) == [(2, {"kr_id": "S-1", "value": "5", "note": "naïve"})]


def test_bytes_neither_utf8_nor_cp1252_give_the_fix(tmp_path: Path) -> None:
    message = refused(tmp_path / "b.csv", b"kr_id,value\nS-1,\x81\x8d\n")

    assert "b.csv:2" in message and "CSV UTF-8" in message


def test_quoted_notes_keep_every_line_break(tmp_path: Path) -> None:
    note = "two\nlines\u2028sep\x0cfeed\x85next\r\nend"
    data = f'kr_id,value,note\nS-1,1,"{note}"\nS-2,2,plain\n'.encode()

    rows = read(tmp_path / "n.csv", data)

    assert rows == [
        (2, {"kr_id": "S-1", "value": "1", "note": note}),
        (5, {"kr_id": "S-2", "value": "2", "note": "plain"}),  # the line it starts on
    ]


def test_unterminated_quote_names_its_line(tmp_path: Path) -> None:
    message = refused(tmp_path / "q.csv", b'kr_id,value,note\nS-1,108,"never closed\nS-2,0.9,x\n')

    assert "q.csv:2: a quoted field opened on this line is never closed" in message


def test_stray_quote_is_an_error(tmp_path: Path) -> None:
    message = refused(tmp_path / "s.csv", b'kr_id,value,note\nS-1,1,"a"b\n')

    assert "s.csv:2" in message and "quoting" in message


@pytest.mark.parametrize(
    "data",
    [b'kr_id,value,note\nS-1,1,ab"c\n', b'kr_id;value;note\nS-1;1;x\nS-2;1;ab"c"\n'],
    ids=["comma", "semicolon-third-line"],
)
def test_a_quote_inside_an_unquoted_field_is_an_error(tmp_path: Path, data: bytes) -> None:
    message = refused(tmp_path / "s.csv", data)

    line = data.count(b"\n")
    assert f"s.csv:{line}: the file's quoting is not readable" in message
    assert "a quote inside a field that does not start with one" in message


def test_quotes_inside_quoted_fields_are_fine(tmp_path: Path) -> None:
    rows = read(tmp_path / "q.csv", b'kr_id,value,note\nS-1,1,"say ""hi"", ok"\nS-2,2,"a\nb"\n')

    assert rows == [
        (2, {"kr_id": "S-1", "value": "1", "note": 'say "hi", ok'}),
        (3, {"kr_id": "S-2", "value": "2", "note": "a\nb"}),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"kr_id,value,note,Note\nS-1,1,a,b\n", "d.csv:1: column 4 ('Note') repeats column 3"),
        (b"kr_id,value\nS-1,1,extra\n", "d.csv:2: 3 fields where the header has 2 columns"),
        (b"kr_id,note\nS-1,x\n", "d.csv:1: the header row lacks 'value'"),
        (b"\n\n", "d.csv is empty"),
    ],
)
def test_header_and_field_problems(tmp_path: Path, data: bytes, expected: str) -> None:
    assert expected in refused(tmp_path / "d.csv", data)


def test_blank_header_columns_and_rows_are_fine_while_blank(tmp_path: Path) -> None:
    data = b"kr_id;value;;\r\n;;;\r\nS-1;3;;\r\n"

    assert read(tmp_path / "e.csv", data) == [(3, {"kr_id": "S-1", "value": "3"})]


def test_delimiter_sniffed_from_the_header(tmp_path: Path) -> None:
    # Commas inside the values do not fool it: the header names columns with semicolons.
    data = b'kr_id;value;note\nS-1;1,5;"a, b; c"\n'

    assert read(tmp_path / "c.csv", data) == [
        (2, {"kr_id": "S-1", "value": "1,5", "note": "a, b; c"})
    ]


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"kr_id,value\r\nS-1,4\r\n"))
    monkeypatch.setattr(sys, "stdin", stdin)

    table = read_csv("-", columns=COLUMNS, required=("kr_id",), option="--from")

    assert table.name == "stdin"
    assert [dict(r.fields) for r in table.rows] == [{"kr_id": "S-1", "value": "4"}]


def test_missing_file_and_directory(tmp_path: Path) -> None:
    for source, expected in ((tmp_path / "none.csv", "no file at"), (tmp_path, "is a directory")):
        with pytest.raises(UsageError, match=expected):
            read_csv(source, columns=COLUMNS, required=(), option="--from")


def test_excels_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    data = b"sep=;\r\nkr_id;value;note\r\nS-1;2;a,b\r\nS-2;3;\r\n"

    assert read(tmp_path / "sep.csv", data) == [
        (3, {"kr_id": "S-1", "value": "2", "note": "a,b"}),
        (4, {"kr_id": "S-2", "value": "3", "note": ""}),
    ]


def test_columns_okr_does_not_use_are_left_out_and_listed_once(tmp_path: Path) -> None:
    path = tmp_path / "hr.csv"
    path.write_bytes(b"name,Job title,team,Start date\nAna,Buyer,Shop,2024-01-01\nBo,Clerk,,\n")

    table = read_csv(path, columns={"name": (), "team": ()}, required=("name",), option="--people")

    assert [r.fields for r in table.rows] == [
        {"name": "Ana", "team": "Shop"},
        {"name": "Bo", "team": ""},
    ]
    [notice] = table.notices
    assert "'Job title', 'Start date'" in notice and "okr does not use" in notice


@pytest.mark.parametrize(
    ("typed", "read"),
    [("91,5%", "91.5%"), ("4,0", "4.0"), ("8.500.000", "8500000"), ("€ 1.250,50", "€ 1250.50"),
     ("0,7", "0.7"), ("12", "12"), ("n/a", "n/a")],
)  # fmt: skip
def test_numbers_in_a_semicolon_file_are_read_with_decimal_commas(
    tmp_path: Path, typed: str, read: str
) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(f"kr_id;value\nS-1;{typed}\n", encoding="utf-8")
    table = read_csv(path, columns={"kr_id": (), "value": ()}, required=("kr_id",), option="--from")

    assert table.decimal_comma and table.number(table.rows[0].get("value")) == read


def test_a_comma_file_keeps_its_numbers(tmp_path: Path) -> None:
    path = tmp_path / "us.csv"
    path.write_text('kr_id,value\nS-1,"8,500,000"\n', encoding="utf-8")
    table = read_csv(path, columns={"kr_id": (), "value": ()}, required=("kr_id",), option="--from")

    assert not table.decimal_comma and table.number("8,500,000") == "8,500,000"
