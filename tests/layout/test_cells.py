"""Unit tests for okrsheet.layout.cells: every cell parser, as people type values."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from okrsheet.domain.model import KRKind, Level
from okrsheet.layout.cells import (
    KIND_CHOICES,
    LEVEL_CHOICES,
    CellValueError,
    date_to_serial,
    implausible,
    is_blank,
    parse_confidence,
    parse_date,
    parse_datetime,
    parse_done,
    parse_id,
    parse_ids,
    parse_kind,
    parse_level,
    parse_number,
    parse_text,
    serial_to_date,
)

# --------------------------------------------------------------------------- blanks


@pytest.mark.parametrize("value", [None, "", " ", "   ", "\t", "\n", " \t\n "])
def test_is_blank_true(value: object) -> None:
    assert is_blank(value) is True  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["0", "x", 0, 0.0, False, date(2026, 1, 1), "-"])
def test_is_blank_false(value: object) -> None:
    assert is_blank(value) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "parser",
    [parse_number, parse_date, parse_datetime, parse_confidence, parse_done, parse_kind],
)
@pytest.mark.parametrize("value", [None, "", "   ", "\t"])
def test_blank_cells_parse_to_none(parser: object, value: object) -> None:
    assert parser(value) is None  # type: ignore[operator]


@pytest.mark.parametrize("value", [None, "", "  "])
def test_blank_level_id_ids_text(value: object) -> None:
    assert parse_level(value) is None  # type: ignore[arg-type]
    assert parse_id(value) is None  # type: ignore[arg-type]
    assert parse_ids(value) == ()  # type: ignore[arg-type]
    assert parse_text(value) == ""  # type: ignore[arg-type]


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234", 1234.0),
        ("1,234,567", 1234567.0),
        ("1,234.5", 1234.5),
        ("$250,000", 250000.0),
        ("$250000", 250000.0),
        ("$ 250,000", 250000.0),
        ("€1,000.50", 1000.5),
        ("£12", 12.0),
        ("¥300", 300.0),
        ("₹99", 99.0),
        ("15%", 0.15),
        ("15 %", 0.15),
        ("100%", 1.0),
        ("12.5%", 0.125),
        ("-5%", -0.05),
        ("12.5", 12.5),
        (" 12 ", 12.0),
        ("12", 12.0),
        ("0", 0.0),
        ("-0", 0.0),
        ("0.0", 0.0),
        (".5", 0.5),
        ("+5", 5.0),
        ("-5", -5.0),
        ("-12.75", -12.75),
        ("(300)", -300.0),
        ("($1,200)", -1200.0),
        ("-$5", -5.0),
        ("$-5", -5.0),
        ("\u22127", -7.0),  # a typographic minus sign
        ("1\u00a0234", 1234.0),  # a no-break space as thousands separator
        ("1e3", 1000.0),
        ("2.5E-2", 0.025),
        ("1e+2", 100.0),
        ("007", 7.0),
    ],
)
def test_parse_number_human_formats(text: str, expected: float) -> None:
    result = parse_number(text)
    assert isinstance(result, float)
    assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12, 12.0), (12.5, 12.5), (-3, -3.0), (0, 0.0), (-0.0, 0.0), (1e300, 1e300)],
)
def test_parse_number_native_numbers(value: float, expected: float) -> None:
    result = parse_number(value)
    assert isinstance(result, float)
    assert result == expected


def test_parse_number_negative_zero_is_plain_zero() -> None:
    assert math.copysign(1.0, parse_number(-0.0) or 1.0) == 1.0
    assert math.copysign(1.0, parse_number("-0")) == 1.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("TBD", "placeholder"),
        ("tbd", "placeholder"),
        ("TBC", "placeholder"),
        ("n/a", "placeholder"),
        ("N/A", "placeholder"),
        ("na", "placeholder"),
        ("none", "placeholder"),
        ("null", "placeholder"),
        ("?", "placeholder"),
        ("??", "placeholder"),
        ("-", "placeholder"),
        ("--", "placeholder"),
        ("—", "placeholder"),
        ("–", "placeholder"),
        ("x", "placeholder"),
        ("1.2.3", "not a number"),
        ("NaN", "not a number"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("-inf", "not a number"),
        ("Infinity", "not a number"),
        ("1e400", "not finite"),
        ("-1e400", "not finite"),
        ("abc", "not a number"),
        ("12 apples", "not a number"),
        ("1,2345", "not a number"),
        ("12,34,567", "not a number"),
        ("1,5", "ambiguous"),
        ("12,50", "ambiguous"),
        ("12k", "in full"),
        ("1.5M", "in full"),
        ("3bn", "in full"),
        ("2mm", "in full"),
        ("%", "not a number"),
        ("+", "not a number"),
        (".", "not a number"),
        ("e5", "not a number"),
        ("$$5", "not a number"),
        ("5-", "not a number"),
        ("0x10", "not a number"),
    ],
)
def test_parse_number_rejects_with_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_number(text)
    assert fragment in str(info.value)


@pytest.mark.parametrize("text", ["TBD", "1.2.3", "abc", "12k", "1,5"])
def test_parse_number_error_names_the_typed_value(text: str) -> None:
    with pytest.raises(CellValueError, match=repr(text).replace(".", r"\.")):
        parse_number(text)


def test_parse_number_error_shortens_long_text() -> None:
    with pytest.raises(CellValueError) as info:
        parse_number("z" * 100)
    assert "z" * 37 + "..." in str(info.value)
    assert "z" * 41 not in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_parse_number_rejects_non_finite_floats(value: float) -> None:
    with pytest.raises(CellValueError, match="not finite"):
        parse_number(value)


@pytest.mark.parametrize("text", ["$", "€", "()", "( )", "($)"])
def test_parse_number_lone_symbols_are_errors(text: str) -> None:
    with pytest.raises(CellValueError):
        parse_number(text)


def test_parse_number_huge_integer_is_an_error_not_a_crash() -> None:
    with pytest.raises(CellValueError):
        parse_number(10**400)


@pytest.mark.parametrize("value", [True, False])
def test_parse_number_rejects_booleans(value: bool) -> None:
    with pytest.raises(CellValueError, match="yes/no"):
        parse_number(value)


@pytest.mark.parametrize(("value", "expected"), [(True, 1.0), (False, 0.0)])
def test_parse_number_accepts_booleans_when_allowed(value: bool, expected: float) -> None:
    assert parse_number(value, allow_bool=True) == expected


@pytest.mark.parametrize("value", [date(2026, 3, 31), datetime(2026, 3, 31, 9, 0)])
def test_parse_number_rejects_dates(value: date) -> None:
    with pytest.raises(CellValueError, match="date"):
        parse_number(value)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("2026-3-1", date(2026, 3, 1)),
        (" 2026-12-31 ", date(2026, 12, 31)),
        ("2026-03-31T09:30:00", date(2026, 3, 31)),
        ("2026-03-31 09:30", date(2026, 3, 31)),
        ("2026-03-31T09:30:00Z", date(2026, 3, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("3/31/2026", date(2026, 3, 31)),
        ("12/1/2026", date(2026, 12, 1)),
        ("03/05/2026", date(2026, 3, 5)),
        ("3.31.2026", date(2026, 3, 31)),
        ("31 Mar 2026", date(2026, 3, 31)),
        ("31 March 2026", date(2026, 3, 31)),
        ("1 jan 2027", date(2027, 1, 1)),
        ("5 Sept 2026", date(2026, 9, 5)),
        ("31 Dec. 2026", date(2026, 12, 31)),
        ("Mar 31, 2026", date(2026, 3, 31)),
        ("March 31 2026", date(2026, 3, 31)),
        ("Mar. 1st, 2026", date(2026, 3, 1)),
        ("May 22nd 2026", date(2026, 5, 22)),
        ("oct 3rd, 2026", date(2026, 10, 3)),
        ("Nov 16th, 2026", date(2026, 11, 16)),
        ("46112", date(2026, 3, 31)),
    ],
)
def test_parse_date_human_formats(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/3/2026", date(2026, 3, 31)),
        ("1/12/2026", date(2026, 12, 1)),
        ("05/03/2026", date(2026, 3, 5)),
        ("31.12.2026", date(2026, 12, 31)),
        ("2026-03-31", date(2026, 3, 31)),  # ISO is unaffected by the order setting
        ("31 Mar 2026", date(2026, 3, 31)),
    ],
)
def test_parse_date_day_first_when_settings_say_so(text: str, expected: date) -> None:
    assert parse_date(text, order="DMY") == expected


def test_parse_date_order_changes_meaning_of_ambiguous_slashes() -> None:
    assert parse_date("1/12/2026", order="MDY") == date(2026, 1, 12)
    assert parse_date("1/12/2026", order="DMY") == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (46112, date(2026, 3, 31)),
        (46112.0, date(2026, 3, 31)),
        (1, date(1899, 12, 31)),
        (61, date(1900, 3, 1)),
        (45658, date(2025, 1, 1)),
    ],
)
def test_parse_date_spreadsheet_serials(value: float, expected: date) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, date(1899, 12, 31)),
        (2, date(1900, 1, 1)),
        (46112, date(2026, 3, 31)),
        (46342, date(2026, 11, 16)),
        (46112.75, date(2026, 3, 31)),  # the time of day is dropped
    ],
)
def test_serial_to_date(serial: float, expected: date) -> None:
    assert serial_to_date(serial) == expected


@pytest.mark.parametrize("serial", [0, -1, 0.5, 3_000_000, float("nan"), float("inf")])
def test_serial_to_date_out_of_range(serial: float) -> None:
    with pytest.raises(CellValueError, match="out of the range"):
        serial_to_date(serial)


@pytest.mark.parametrize(
    "day", [date(1899, 12, 31), date(2026, 3, 31), date(2026, 11, 16), date(9999, 12, 31)]
)
def test_date_serial_round_trip(day: date) -> None:
    assert serial_to_date(date_to_serial(day)) == day


def test_date_to_serial_known_value() -> None:
    assert date_to_serial(date(2026, 3, 31)) == 46112


@pytest.mark.parametrize(
    "value",
    [date(2026, 3, 31), datetime(2026, 3, 31, 23, 59)],
)
def test_parse_date_native_dates(value: date) -> None:
    result = parse_date(value)
    assert result == date(2026, 3, 31)
    assert type(result) is date


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-02-30", "not a valid date"),
        ("2025-02-29", "not a valid date"),
        ("2026-13-01", "not a valid date"),
        ("2026-00-10", "not a valid date"),
        ("31/31/2026", "not a valid date"),
        ("13/13/2026", "not a valid date"),
        ("2/30/2026", "not a valid date"),
        ("32 Mar 2026", "not a valid date"),
        ("Feb 30, 2026", "not a valid date"),
        ("TBD", "not a date"),
        ("n/a", "not a date"),
        ("—", "not a date"),
        ("next Friday", "not a date"),
        ("31 Foo 2026", "not a date"),
        ("Foo 31, 2026", "not a date"),
        ("3/31/26", "not a date"),
        ("2026/03/31", "not a date"),
        ("1.2.3", "not a date"),
        ("0", "not a date"),
        ("2026", "not a date"),
        ("99999999", "out of the range"),
    ],
)
def test_parse_date_rejects_with_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_date(text)
    assert fragment in str(info.value)


def test_parse_date_mdy_error_says_which_order_was_used() -> None:
    with pytest.raises(CellValueError, match="month/day/year"):
        parse_date("31/3/2026", order="MDY")
    with pytest.raises(CellValueError, match="day/month/year"):
        parse_date("3/31/2026", order="DMY")


def test_parse_date_error_names_the_typed_value() -> None:
    with pytest.raises(CellValueError, match="'TBD'"):
        parse_date("TBD")


@pytest.mark.parametrize("value", [1.5, float("nan"), float("inf"), 0, -5])
def test_parse_date_rejects_bad_serials(value: float) -> None:
    with pytest.raises(CellValueError):
        parse_date(value)


@pytest.mark.parametrize("value", [True, False])
def test_parse_date_rejects_booleans(value: bool) -> None:
    with pytest.raises(CellValueError, match="yes/no"):
        parse_date(value)


@pytest.mark.parametrize("text", ["²", "¹²", "³⁴⁵"])
def test_parse_date_superscript_digits_are_an_error_not_a_crash(text: str) -> None:
    with pytest.raises(CellValueError):
        parse_date(text)


# --------------------------------------------------------------------------- date-times


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-31T09:30:00", datetime(2026, 3, 31, 9, 30)),
        ("2026-03-31 09:30", datetime(2026, 3, 31, 9, 30)),
        ("2026-03-31", datetime(2026, 3, 31)),
        (date(2026, 3, 31), datetime(2026, 3, 31)),
        (datetime(2026, 3, 31, 8, 15), datetime(2026, 3, 31, 8, 15)),
        (46112, datetime(2026, 3, 31)),
        (46112.5, datetime(2026, 3, 31, 12, 0)),
        (46112.25, datetime(2026, 3, 31, 6, 0)),
    ],
)
def test_parse_datetime(value: object, expected: datetime) -> None:
    assert parse_datetime(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["TBD", "yesterday", "31/31/2026", 0.5, -1.0])
def test_parse_datetime_rejects(value: object) -> None:
    with pytest.raises(CellValueError):
        parse_datetime(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [float("nan"), float("inf"), float("-inf"), pytest.param(10**400, id="10**400")],
)
def test_parse_datetime_non_finite_is_an_error_not_a_crash(value: float) -> None:
    with pytest.raises(CellValueError):
        parse_datetime(value)


# --------------------------------------------------------------------------- confidence


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("70%", 0.7),
        ("70 %", 0.7),
        ("100%", 1.0),
        ("0%", 0.0),
        ("0.7", 0.7),
        (" 0.7 ", 0.7),
        ("7/10", 0.7),
        (" 7 / 10 ", 0.7),
        ("3/4", 0.75),
        ("10/10", 1.0),
        ("7", 0.7),
        ("10", 1.0),
        ("1", 1.0),
        ("0", 0.0),
        ("5", 0.5),
        (0.7, 0.7),
        (7, 0.7),
        (1, 1.0),
        (0, 0.0),
        (0.5, 0.5),
    ],
)
def test_parse_confidence(value: object, expected: float) -> None:
    result = parse_confidence(value)  # type: ignore[arg-type]
    assert isinstance(result, float)
    assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("70", "did you mean 70%"),
        ("150%", "between 0 and 1"),
        ("-0.1", "between 0 and 1"),
        ("-5", "between 0 and 1"),
        ("11/10", "between 0 and 1"),
        ("7/0", "not a confidence"),
        ("/10", "not a confidence"),
        ("7/", "not a confidence"),
        ("high", "not a number"),
        ("TBD", "placeholder"),
        ("—", "placeholder"),
        ("seven/10", "not a number"),
        (1000, "between 0 and 1"),
        (float("nan"), "not finite"),
    ],
)
def test_parse_confidence_rejects(value: object, fragment: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_confidence(value)  # type: ignore[arg-type]
    assert fragment in str(info.value)


def test_parse_confidence_plain_number_error_hints_at_the_format() -> None:
    with pytest.raises(CellValueError, match=r"0\.7, 70% or 7/10"):
        parse_confidence("high")


# --------------------------------------------------------------------------- milestones


@pytest.mark.parametrize(
    "value",
    [
        "done",
        "Done",
        "DONE",
        " done ",
        "yes",
        "Yes",
        "y",
        "true",
        "TRUE",
        "x",
        "X",
        "✓",
        "✔",
        "1",
        "complete",
        "completed",
        True,
        1,
        1.0,
    ],
)
def test_parse_done_true(value: object) -> None:
    assert parse_done(value) == 1.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "not done",
        "no",
        "No",
        "n",
        "false",
        "FALSE",
        "0",
        "todo",
        "open",
        "pending",
        False,
        0,
        0.0,
    ],
)
def test_parse_done_false(value: object) -> None:
    assert parse_done(value) == 0.0  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["maybe", "half", "50%", "0.5", "TBD", "2", 2, 0.5, -1])
def test_parse_done_rejects(value: object) -> None:
    with pytest.raises(CellValueError, match="done"):
        parse_done(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- kinds, levels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("increase", KRKind.INCREASE),
        ("Increase", KRKind.INCREASE),
        ("up", KRKind.INCREASE),
        ("Higher is better", KRKind.INCREASE),
        ("decrease", KRKind.DECREASE),
        ("down", KRKind.DECREASE),
        ("reduce", KRKind.DECREASE),
        ("lower-is-better", KRKind.DECREASE),
        ("milestone", KRKind.MILESTONE),
        ("done/not done", KRKind.MILESTONE),
        ("keep above", KRKind.KEEP_ABOVE),
        ("keep_above", KRKind.KEEP_ABOVE),
        ("at least", KRKind.KEEP_ABOVE),
        ("above", KRKind.KEEP_ABOVE),
        ("keep below", KRKind.KEEP_BELOW),
        ("KEEP-BELOW", KRKind.KEEP_BELOW),
        ("at most", KRKind.KEEP_BELOW),
        ("below", KRKind.KEEP_BELOW),
    ],
)
def test_parse_kind(text: str, expected: KRKind) -> None:
    assert parse_kind(text) is expected


@pytest.mark.parametrize("text", ["grow", "more", "sideways", "1"])
def test_parse_kind_rejects_and_lists_choices(text: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_kind(text)
    assert all(choice in str(info.value) for choice in KIND_CHOICES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("corporate", Level.CORPORATE),
        ("Company", Level.CORPORATE),
        ("corp", Level.CORPORATE),
        ("team", Level.TEAM),
        ("Department", Level.TEAM),
        ("individual", Level.INDIVIDUAL),
        ("Personal", Level.INDIVIDUAL),
        ("person", Level.INDIVIDUAL),
    ],
)
def test_parse_level(text: str, expected: Level) -> None:
    assert parse_level(text) is expected


@pytest.mark.parametrize("text", ["global", "squad", "ceo"])
def test_parse_level_rejects_and_lists_choices(text: str) -> None:
    with pytest.raises(CellValueError) as info:
        parse_level(text)
    assert all(choice in str(info.value) for choice in LEVEL_CHOICES)


# --------------------------------------------------------------------------- ids and text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("KR1", ("KR1",)),
        ("KR1, KR2", ("KR1", "KR2")),
        ("KR1;KR2;KR3", ("KR1", "KR2", "KR3")),
        ("KR1 KR2", ("KR1", "KR2")),
        ("KR1\nKR2", ("KR1", "KR2")),
        (" ,KR1,, ;KR2 ", ("KR1", "KR2")),
        (12.0, ("12",)),
    ],
)
def test_parse_ids(value: object, expected: tuple[str, ...]) -> None:
    assert parse_ids(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("O1", "O1"), (" KR-1.2_b ", "KR-1.2_b"), (7, "7"), (7.0, "7"), ("a" * 64, "a" * 64)],
)
def test_parse_id(value: object, expected: str) -> None:
    assert parse_id(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["-KR1", "KR 1", "KR/1", "a" * 65, "_x", "ké"])
def test_parse_id_rejects(text: str) -> None:
    with pytest.raises(CellValueError, match="not a usable id"):
        parse_id(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  hello ", "hello"),
        (12.0, "12"),
        (12.5, "12.5"),
        (3, "3"),
        (True, "TRUE"),
        (False, "FALSE"),
        (date(2026, 3, 31), "2026-03-31"),
        (datetime(2026, 3, 31, 9, 30, 15), "2026-03-31 09:30"),
        (1e20, "1e+20"),
    ],
)
def test_parse_text(value: object, expected: str) -> None:
    assert parse_text(value) == expected  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties

_PARSERS: dict[str, tuple[Callable[[Any], Any], tuple[type, ...]]] = {
    "number": (parse_number, (float, type(None))),
    "date": (parse_date, (date, type(None))),
    "date_dmy": (lambda v: parse_date(v, order="DMY"), (date, type(None))),
    "datetime": (parse_datetime, (datetime, type(None))),
    "confidence": (parse_confidence, (float, type(None))),
    "done": (parse_done, (float, type(None))),
    "kind": (parse_kind, (KRKind, type(None))),
    "level": (parse_level, (Level, type(None))),
    "id": (parse_id, (str, type(None))),
    "ids": (parse_ids, (tuple,)),
    "text": (parse_text, (str,)),
}

_ANY_CELL = st.one_of(
    st.text(),
    st.floats(),
    st.integers(),
    st.none(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
)


def _check_contract(name: str, value: object) -> None:
    parser, types = _PARSERS[name]
    try:
        result = parser(value)
    except CellValueError as exc:
        assert str(exc), "a CellValueError must carry a message for a person"
        return
    assert isinstance(result, types), f"{name}({value!r}) returned {result!r}"
    if name == "number" and result is not None:
        assert math.isfinite(cast(float, result))
    if name == "confidence" and result is not None:
        assert 0 <= cast(float, result) <= 1
    if name == "done":
        assert result in (None, 0.0, 1.0)
    if name == "date_dmy" or name == "date":
        assert type(result) is date or result is None
    if name == "ids":
        assert all(isinstance(part, str) and part for part in result)


@pytest.mark.parametrize("name", sorted(_PARSERS))
@given(value=_ANY_CELL)
@example(value="$")
@example(value="()")
@example(value="²")
@example(value=float("nan"))
@example(value=float("inf"))
@example(value=10**400)
@example(value="1e400")
@example(value="1e300/1e-300")
@example(value=time(12, 0))
@example(value=timedelta(days=1))
def test_every_parser_returns_its_type_or_raises_cell_value_error(name: str, value: object) -> None:
    _check_contract(name, value)


@pytest.mark.parametrize("name", sorted(_PARSERS))
@given(value=st.text(alphabet=st.sampled_from("0123456789.,-+$%/() eE:TtZ")))
@example(value="$")
@example(value="()")
def test_number_like_text_never_crashes(name: str, value: str) -> None:
    _check_contract(name, value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_repr_round_trips(number: float) -> None:
    assert parse_number(repr(number)) == number


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_parse_number_thousands_separated_round_trips(number: float) -> None:
    text = f"{number:,.2f}"
    assert parse_number(text) == pytest.approx(round(number, 2), abs=0.006)


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_parse_number_grouped_integers_round_trip_exactly(number: int) -> None:
    assert parse_number(f"{number:,}") == float(number)


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_parse_number_currency_round_trips(number: float) -> None:
    assert parse_number(f"${number:,.2f}") == pytest.approx(round(number, 2), abs=0.006)
    if number:
        assert parse_number(f"-${number:,.2f}") == pytest.approx(-round(number, 2), abs=0.006)
        assert parse_number(f"(${number:,.2f})") == pytest.approx(-round(number, 2), abs=0.006)


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_parse_number_percent_round_trips(number: float) -> None:
    assert parse_number(f"{number * 100:.6f}%") == pytest.approx(number, abs=1e-8)


@given(st.floats(min_value=0, max_value=1, allow_nan=False))
def test_parse_confidence_of_a_fraction_is_itself(number: float) -> None:
    assert parse_confidence(number) == number
    assert parse_confidence(repr(number)) == number


_MONTH_NAMES = (
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun")  # first half
    + ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
)


@given(st.dates(min_value=date(1900, 3, 1)))
def test_parse_date_round_trips_every_spelling(day: date) -> None:
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.month}/{day.day}/{day.year:04d}") == day
    assert parse_date(f"{day.day}/{day.month}/{day.year:04d}", order="DMY") == day
    month = _MONTH_NAMES[day.month - 1]
    assert parse_date(f"{day.day} {month} {day.year:04d}") == day
    assert parse_date(f"{month} {day.day}, {day.year:04d}") == day
    assert parse_date(date_to_serial(day)) == day
    if date_to_serial(day) >= 10_000:  # shorter digit strings read as years, not serials
        assert parse_date(str(date_to_serial(day))) == day


@pytest.mark.parametrize(
    ("value", "typed", "start", "target", "unit", "expected"),
    [
        (78.0, "78", 0.6, 0.85, "%", "did you mean 78%? (write 78% or 0.78)"),
        (78.0, 78.0, 0.6, 0.85, "%", "would be 7800%"),  # a number typed into the sheet
        (0.78, "78%", 0.6, 0.85, "%", None),
        (0.78, "0.78", 0.6, 0.85, "%", None),
        (1.2, "120%", 0.6, 0.85, "%", None),  # said with % sign: meant
        (1.05, "1.05", 0.98, 1.08, "%", None),  # targets above 100% take fractions above 1
        (3e9, "3000000000", 0, 3e6, "$", "more than 100 times"),
        (3000.0, "3000", 2.4e6, 3e6, "$", "less than a hundredth"),
        (2_800_000.0, "2.8M", 2.4e6, 3e6, "$", None),
        (0.0001, "0.01%", 0.021, 0.02, "%", None),  # a tiny rate is still a rate
        (250.0, "250", 0, 180, "opps", None),  # overachieving is not a slip of units
        (0.0, "0", 10, 5, "days", None),
    ],
)
def test_implausible_values(
    value: float, typed: str | float, start: float, target: float, unit: str, expected: str | None
) -> None:
    found = implausible(
        value, typed=typed, start=start, target=target, unit=unit, kind=KRKind.INCREASE
    )

    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found


def test_milestones_are_never_implausible() -> None:
    assert implausible(1.0, typed="1", start=0, target=1, unit="%", kind=KRKind.MILESTONE) is None
