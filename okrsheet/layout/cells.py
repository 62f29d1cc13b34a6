"""Parsing of cells typed by people: numbers, dates, confidences, kinds, lists of ids.

Every parser takes what a store returned for one cell and gives back a typed value, None for a
blank cell, or raises `CellValueError` with a message meant for the person who typed it. Nothing
is ever silently read as zero.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Literal, TypeVar

from okrsheet.domain import kinds
from okrsheet.domain.kinds import DONE_WORDS
from okrsheet.domain.model import Commitment, KRKind, Level, NextCycle
from okrsheet.stores.base import CellValue
from okrsheet.stores.primitives import EPOCH

DateOrder = Literal["MDY", "DMY"]

_MAX_SERIAL = (date(9999, 12, 31) - EPOCH).days


class CellValueError(ValueError):
    """A cell's content could not be understood; the message says why, for a person."""


def _show(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return repr(shown)


def is_blank(value: CellValue) -> bool:
    if value is None or value == "":
        return True
    return type(value) is str and not value.strip()


def parse_text(value: CellValue) -> str:
    """Any cell as text: numbers typed into text columns keep their plain spelling."""
    if type(value) is str:  # the common case, first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_PLACEHOLDERS = {"tbd", "tbc", "n/a", "na", "none", "null", "?", "??", "-", "--", "—", "–", "x"}
_CURRENCY = "$€£¥₹"
_NUMBER = re.compile(
    r"""^
    (?P<sign>[-+])?
    ["""
    + _CURRENCY
    + r"""]?\s*
    (?P<int>\d{1,3}(?:,\d{3})+|\d*)
    (?P<frac>\.\d+)?
    (?P<exp>[eE][-+]?\d+)?
    \s*(?P<pct>%)?
    $""",
    re.VERBOSE,
)
_SUFFIXED = re.compile(r"^[-+]?[" + _CURRENCY + r"]?\s*[\d.,]+\s*(k|m|mm|bn|b|M|K)$")


def _finite(value: float | int) -> float:
    """A stored number as a float, or a clean error for NaN, infinities and huge integers."""
    try:
        number = float(value)
    except OverflowError:
        raise CellValueError("the number is too large") from None
    if math.isnan(number) or math.isinf(number):
        raise CellValueError("the number is not finite")
    return number


def parse_number(value: CellValue, *, allow_bool: bool = False) -> float | None:
    """A number as people type it: `1,234`, `$250,000`, `15%`, `12.5`, `(300)`."""
    if type(value) is float or type(value) is int:  # the common case, first
        number = _finite(value)
        return 0.0 if number == 0 else number
    if is_blank(value):
        return None
    if isinstance(value, bool):
        if allow_bool:
            return 1.0 if value else 0.0
        raise CellValueError(f"{value} is a yes/no value, not a number")
    if isinstance(value, int | float):
        number = _finite(value)
    elif isinstance(value, date):
        raise CellValueError(f"a date ({value.isoformat()}) stands where a number belongs")
    else:
        number = _parse_number_text(str(value))
    if math.isnan(number) or math.isinf(number):
        raise CellValueError("the number is not finite")
    return 0.0 if number == 0 else number


def _parse_number_text(raw: str) -> float:
    text = (
        raw.strip()
        .replace("\u00a0", "")
        .replace("\u2212", "-")
        .replace("\u202f", "")
        .replace("\u2009", "")
    )
    if text.casefold() in _PLACEHOLDERS:
        raise CellValueError(f"{_show(raw.strip())} is a placeholder, not a number")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if len(text) > 1 and text[0] in _CURRENCY and text[1] in "-+":
        text = text[1] + text[0] + text[2:]
    match = _NUMBER.match(text)
    if not match or not (match.group("int") or match.group("frac")):
        if _SUFFIXED.match(text):
            raise CellValueError(f"{_show(raw)}: write the number in full (for example 12000)")
        if re.fullmatch(r"[-+]?\d+,\d{1,2}", text):
            dotted = text.replace(",", ".")
            raise CellValueError(
                f"{_show(raw)} is ambiguous: use a dot for decimals (write {dotted})"
            )
        bare = text.lstrip("".join(_CURRENCY)).rstrip("".join(_CURRENCY)).strip()
        if re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?", bare):
            whole = bare.replace(".", "").replace(",", ".")
            raise CellValueError(
                f"{_show(raw)} groups thousands with dots: write {whole} "
                "(a dot is for decimals only)"
            )
        worded = re.fullmatch(r"([-+]?[\d.,]*\d)\s*([^\d\s][^\d]*)", text)
        if worded and re.search(r"[^\W\d_]", worded[2]):  # a word after the number
            number, unit = worded[1], worded[2].strip()
            raise CellValueError(
                f"{_show(raw)} is not a number: write the number alone ({number}) and "
                f"{unit!r} in the Unit column"
            )
        raise CellValueError(f"{_show(raw)} is not a number")
    digits = (match.group("int") or "0").replace(",", "") + (match.group("frac") or "")
    try:
        number = float(digits + (match.group("exp") or ""))
    except OverflowError:  # pragma: no cover - float() of a str returns inf instead
        raise CellValueError(f"{_show(raw)} is too large") from None
    if match.group("pct"):
        number /= 100
    if match.group("sign") == "-":
        number = -number
    return -number if negative else number


_MONTHS = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+Z?)?$")
_SLASHED = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})([/.])(\d{1,2})([/.])(\d{2})$")
#: How a date message names the setting to change; the reader puts its cell in place of this.
DATE_ORDER_SETTING = "Date order on the Settings tab"
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def locale_bound_date(value: CellValue) -> bool:
    """A date typed as text in a form whose reading depends on the spreadsheet program's
    locale (`31/03/2027`, `Mar 31, 2027`): okr reads it by the workbook's Date order, but the
    sheet's own formulas read it as the program's language would. ISO text (2027-03-31) and
    real dates are read alike everywhere."""
    return isinstance(value, str) and bool(value.strip()) and not _ISO.match(value.strip())


def serial_to_date(serial: float) -> date:
    if not 1 <= serial <= _MAX_SERIAL:
        raise CellValueError(f"{serial:g} is out of the range of spreadsheet dates")
    return EPOCH + timedelta(days=int(serial))


def date_to_serial(day: date) -> int:
    return (day - EPOCH).days


def _build(year: int, month: int, day: int, raw: str, how: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellValueError(f"{_show(raw)} is not a valid date ({how})") from None


def parse_date(value: CellValue, *, order: DateOrder = "MDY") -> date | None:
    """ISO dates, `3/31/2026` (or day first when the workbook says so), `31 Mar 2026`,
    `Mar 31, 2026`, and spreadsheet serial numbers."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellValueError(f"{value} is a yes/no value, not a date")
    if isinstance(value, int | float):
        try:
            number = _finite(value)
        except CellValueError:
            raise CellValueError("that number is not a date") from None
        if not number.is_integer():
            raise CellValueError(f"{number!r} is not a date")
        return serial_to_date(number)
    raw = str(value).strip()
    if raw.isascii() and raw.isdigit():
        if len(raw) < 5:  # `2026` is a year, not day 2026 of the spreadsheet calendar
            raise CellValueError(f"{_show(raw)} is not a date (use 2026-03-31)")
        if len(raw) > len(str(_MAX_SERIAL)):  # int() of 4,300+ digits would raise
            raise CellValueError(f"{_show(raw)} is out of the range of spreadsheet dates")
        return serial_to_date(int(raw))
    if m := _ISO.match(raw):
        return _build(int(m[1]), int(m[2]), int(m[3]), raw, "year-month-day")
    if m := _SLASHED.match(raw):
        first, second, year = int(m[1]), int(m[2]), int(m[3])
        if order == "MDY":
            if first > 12 >= second:
                raise CellValueError(
                    f"{_show(raw)} puts the day first, but Settings say month/day/year: write "
                    f"{second}/{first}/{year}, or set {DATE_ORDER_SETTING} to DMY"
                )
            return _build(year, first, second, raw, "month/day/year, as Settings say")
        if second > 12 >= first:
            raise CellValueError(
                f"{_show(raw)} puts the month first, but Settings say day/month/year: write "
                f"{second}/{first}/{year}, or set {DATE_ORDER_SETTING} to MDY"
            )
        return _build(year, second, first, raw, "day/month/year, as Settings say")
    if m := _SHORT_YEAR.match(raw):
        raise CellValueError(
            f"{_show(raw)} is not a date with its year in full: write it with 4 digits "
            f"({m[1]}{m[2]}{m[3]}{m[4]}20{m[5]})"
        )
    if m := _DAY_MONTH.match(raw):
        month = _MONTHS.get(m[2].casefold())
        if month:
            return _build(int(m[3]), month, int(m[1]), raw, "day month year")
    if m := _MONTH_DAY.match(raw):
        month = _MONTHS.get(m[1].casefold())
        if month:
            return _build(int(m[3]), month, int(m[2]), raw, "month day year")
    raise CellValueError(f"{_show(raw)} is not a date (use 2026-03-31)")


def parse_datetime(value: CellValue) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if is_blank(value):
        return None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = _finite(value)
        day = serial_to_date(math.floor(number))
        return datetime(day.year, day.month, day.day) + timedelta(days=number % 1)
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise CellValueError(f"{_show(str(value))} is not a date and time") from None


_OFFSET = re.compile(r"(?:UTC|GMT)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


def parse_time_zone(value: CellValue) -> str | None:
    """A time zone: an IANA name (`Europe/Berlin`, `America/New_York`), `UTC`, or a fixed
    offset (`UTC+14`, `UTC-11:00`, `+05:30`), given back as its canonical spelling."""
    if is_blank(value):
        return None
    text = parse_text(value)
    if text.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    offset = _OFFSET.fullmatch(text)
    if offset:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3) or 0)
        if hours > 14 or minutes > 59 or (hours == 14 and minutes):
            raise CellValueError(f"{_show(text)} is not an offset from UTC (-12:00 to +14:00)")
        return f"UTC{sign}{hours:02d}:{minutes:02d}"
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(text)
    except (ValueError, KeyError, OSError):
        raise CellValueError(
            f"{_show(text)} is not a time zone (try Europe/Berlin, America/New_York or UTC+02:00)"
        ) from None
    return text


def time_zone(name: str | None) -> tzinfo:
    """The zone a `parse_time_zone` spelling names; None or "" is this computer's own."""
    if not name:
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone
    if name == "UTC":
        return UTC
    if name.startswith("UTC") and name[3:4] in ("+", "-"):
        hours, minutes = int(name[4:6]), int(name[7:9])
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if name[3] == "-" else delta, name)
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


_UTC_NAMES = {
    *("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"),
    *("Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "Greenwich"),
}


def local_time_zone() -> str:
    """This computer's time zone, as the Settings tab spells one: its IANA name where the
    system names one (`TZ=Europe/Berlin`, or what /etc/localtime links to), else its offset
    from UTC now (`UTC+14:00`, for a POSIX `TZ=<+14>-14`)."""
    import os

    named = os.environ.get("TZ", "").lstrip(":").strip()
    if not named and "TZ" not in os.environ:
        try:
            link = os.path.realpath("/etc/localtime")
        except OSError:
            link = ""
        named = link.split("/zoneinfo/", 1)[1] if "/zoneinfo/" in link else ""
    if named in _UTC_NAMES:
        return "UTC"
    if named and not _OFFSET.fullmatch(named):  # a POSIX offset's sign is the other way round
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(named)
            return named
        except (ValueError, KeyError, OSError):
            pass
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    minutes = round(offset.total_seconds() / 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_confidence(value: CellValue) -> float | None:
    """`0.7`, `70%`, `7/10`, or `7` (out of ten)."""
    if is_blank(value):
        return None
    if isinstance(value, str) and value.strip().casefold() in _PLACEHOLDERS:
        raise CellValueError(
            f"{_show(value.strip())} is a placeholder, not a confidence (try 0.7, 70% or 7/10)"
        )
    if isinstance(value, str) and "/" in value:
        top, _, bottom = value.strip().partition("/")
        numerator, denominator = parse_number(top), parse_number(bottom)
        if numerator is None or not denominator:
            raise CellValueError(f"{_show(value)} is not a confidence (try 0.7, 70% or 7/10)")
        number = numerator / denominator
    else:
        try:
            parsed = parse_number(value)
        except CellValueError as exc:
            raise CellValueError(f"{exc} (a confidence is like 0.7, 70% or 7/10)") from None
        assert parsed is not None
        number = parsed
        percent = isinstance(value, str) and "%" in value
        if 1 < number <= 10 and not percent:  # 7 means 7 out of 10; 150% is not 15%
            number /= 10
    if not 0 <= number <= 1:
        hint = f"; did you mean {number:g}%?" if 10 < number <= 100 else ""
        raise CellValueError(f"a confidence lies between 0 and 1 (70%, 0.7, 7/10){hint}")
    return number


PERCENT_UNITS = frozenset({"%", "percent", "pct"})
#: A value this many times larger (or smaller) than the key result's own numbers is a slip of
#: units (78 for 78%, 3000 for $3,000k), not news.
_ORDERS = 100


def _plain(number: float) -> str:
    """A number as a person would type it back: 2400000, 0.78, 7800 (never 2.4e+06)."""
    text = f"{number:.10f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def implausible(
    value: float,
    *,
    typed: CellValue,
    start: float,
    target: float,
    unit: str,
    kind: KRKind,
) -> str | None:
    """Why `value` (read from `typed`) cannot be meant for a key result from `start` to
    `target`, or None. On a percent key result, 78 typed without `%` where the start and target
    are fractions (0.85 is 85%) would be 7800%: the answer is "did you mean 78%?"."""
    if kind.value_words:  # done or not done: no units to slip
        return None
    with_percent = isinstance(typed, str) and "%" in typed
    largest = max(abs(start), abs(target))
    scale = max(largest, abs(target - start))
    percent = unit.strip().casefold() in PERCENT_UNITS
    as_percent_fits = abs(value) / 100 <= _ORDERS * scale
    if percent and not with_percent and abs(value) > 1 and largest <= 1 and as_percent_fits:
        shown = _plain(value)
        return (
            f"{shown} on a percent key result would be {_plain(value * 100)}%; "
            f"did you mean {shown}%? (write {shown}% or {_plain(value / 100)})"
        )
    if scale > 0 and abs(value) > _ORDERS * scale:
        return (
            f"{_plain(value)} is more than {_ORDERS} times this key result's start and target "
            f"({_plain(start)} to {_plain(target)}): check the units"
        )
    smallest = min(abs(start), abs(target))
    if not percent and value and smallest > 0 and abs(value) * _ORDERS < smallest:
        return (
            f"{_plain(value)} is less than a hundredth of this key result's start and target "
            f"({_plain(start)} to {_plain(target)}): check the units (write the number in full)"
        )
    return None


#: Without any fraction beside it, a plain number on a percent row is read as percent points
#: from this size on (5 typed for "5%" is far likelier than 500%).
_POINTS_ALONE = 5


def percent_points(
    values: Mapping[str, tuple[float | None, CellValue]], unit: str
) -> dict[str, float]:
    """The numbers of one percent row (a key result's Start, Target, Current; a KPI's bounds
    and value) typed on the 0-100 scale where the row reads fractions (0.38 is 38%), each with
    the fraction it was surely meant as; empty when nothing is off or the intent is unclear.

    `values` maps a field to (number read, cell as typed). A number is a slip when it lies in
    1-100, was not typed with `%`, and either it is more than ten times the row's largest
    fraction (Start 0.3, Target 38: "did you mean 38%?"; 108% beside 98% stays) or the row has
    no fraction at all and its largest number is at least 5 (Start 0, Target 38). A row with a
    number beyond 100 is left alone: 150 could be meant."""
    if unit.strip().casefold() not in PERCENT_UNITS:
        return {}
    numbers = {k: (v, typed) for k, (v, typed) in values.items() if v is not None}
    if any(abs(v) > 100 for v, _ in numbers.values()):
        return {}
    plain = {
        k: v for k, (v, typed) in numbers.items() if not (isinstance(typed, str) and "%" in typed)
    }
    candidates = {k: v for k, v in plain.items() if 1 < abs(v) <= 100}
    if not candidates:
        return {}
    fractions = [abs(v) for v, _ in numbers.values() if 0 < abs(v) <= 1]
    if fractions:
        # v/100 is nearer the row's fractions than v is (on a log scale) past ten times them.
        slips = {k: v for k, v in candidates.items() if abs(v) > 10 * max(fractions)}
    elif max(abs(v) for v in candidates.values()) >= _POINTS_ALONE:
        slips = candidates
    else:
        return {}
    return {k: v / 100 for k, v in slips.items()}


def percent_points_message(value: float, what: str = "a percent row") -> str:
    """`38 on a percent key result is 3800%; did you mean 38%? (write 38% or 0.38)`."""
    shown = _plain(value)
    return (
        f"{shown} on {what} is {_plain(value * 100)}%; "
        f"did you mean {shown}%? (write {shown}% or {_plain(value / 100)})"
    )


def parse_done(value: CellValue, words: Mapping[str, float] = DONE_WORDS) -> float | None:
    """A milestone's value: done (1) or not done (0), typed as a number or one of `words`."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        if value in (0, 1):
            return float(value)
        shown = _show(str(value))
        raise CellValueError(f"{shown} is not a milestone value: use 1 (done) or 0 (not done)")
    found = words.get(str(value).strip().casefold())
    if found is None:
        raise CellValueError(f"{_show(str(value))} is not done/not done (use yes, no, 1 or 0)")
    return found


def kind_value(value: CellValue, kind: KRKind) -> float | None:
    """A key result's value as its kind reads it: one of its words (a milestone's done/not
    done) for a kind that has them, else a number."""
    return parse_done(value, kind.value_words) if kind.value_words else parse_number(value)


_LEVELS = {
    "corporate": Level.CORPORATE,
    "company": Level.CORPORATE,
    "corp": Level.CORPORATE,
    "team": Level.TEAM,
    "department": Level.TEAM,
    "individual": Level.INDIVIDUAL,
    "personal": Level.INDIVIDUAL,
    "person": Level.INDIVIDUAL,
}
LEVEL_CHOICES = tuple(level.value for level in Level)
COMMITMENT_CHOICES = tuple(c.value for c in Commitment)
NEXT_CYCLE_CHOICES = tuple(n.value for n in NextCycle)
_NEXT_CYCLE = {
    "carry over": NextCycle.CARRY_OVER,
    "carry": NextCycle.CARRY_OVER,
    "carried over": NextCycle.CARRY_OVER,
    "carry forward": NextCycle.CARRY_OVER,
    "continue": NextCycle.CARRY_OVER,
    "drop": NextCycle.DROP,
    "dropped": NextCycle.DROP,
    "stop": NextCycle.DROP,
}
#: The Kind column's choices when the workbook's columns were laid out (the table may grow).
KIND_CHOICES = kinds.names()

_Choice = TypeVar("_Choice")


def _choice(
    value: CellValue, find: Callable[[str], _Choice | None], what: str, choices: Sequence[str]
) -> _Choice | None:
    """A word from a fixed vocabulary: None when blank, else what `find` makes of it."""
    if is_blank(value):
        return None
    found = find(parse_text(value))
    if found is None:
        raise CellValueError(
            f"{_show(parse_text(value))} is not a {what}; use one of: {', '.join(choices)}"
        )
    return found


def parse_kind(value: CellValue) -> KRKind | None:
    return _choice(value, kinds.from_word, "kind", kinds.names())


def parse_level(value: CellValue) -> Level | None:
    return _choice(value, lambda text: _LEVELS.get(kinds.word_key(text)), "level", LEVEL_CHOICES)


def parse_commitment(value: CellValue) -> Commitment | None:
    """Committed or aspirational (blank: the Settings default), as the formulas read it: the
    word itself, in any case."""
    return _choice(
        value,
        lambda text: next((c for c in Commitment if c.value == text.strip().casefold()), None),
        "commitment",
        COMMITMENT_CHOICES,
    )


#: The word a Start cell holds while the baseline is unknown (docs/workbook.md, Baselines).
BASELINE_WORD = "baseline"


def is_baseline(value: CellValue) -> bool:
    """Whether a Start cell says the baseline is not known yet."""
    return isinstance(value, str) and value.strip().casefold() == BASELINE_WORD


def parse_next_cycle(value: CellValue) -> NextCycle | None:
    """Carry over or drop (a few other spellings too); blank is None."""
    return _choice(
        value, lambda text: _NEXT_CYCLE.get(kinds.word_key(text)), "choice", NEXT_CYCLE_CHOICES
    )


def parse_grade(value: CellValue) -> float | None:
    """A grade from 0.0 to 1.0 (70% is 0.7)."""
    number = parse_number(value)
    if number is not None and not 0 <= number <= 1:
        raise CellValueError(f"a grade lies between 0.0 and 1.0, not {number:g}")
    return number


def parse_ids(value: CellValue) -> tuple[str, ...]:
    """A list of ids separated by commas, semicolons, spaces or line breaks."""
    if is_blank(value):
        return ()
    return tuple(part for part in re.split(r"[,;\s]+", parse_text(value)) if part)


_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def parse_locations(value: CellValue) -> tuple[str, ...]:
    """Workbook locations separated by commas, semicolons or line breaks."""
    if is_blank(value):
        return ()
    return tuple(p.strip() for p in re.split(r"[,;\n]+", parse_text(value)) if p.strip())


def parse_id(value: CellValue) -> str | None:
    if is_blank(value):
        return None
    text = parse_text(value)
    if not _ID.match(text):
        raise CellValueError(
            f"{_show(text)} is not a usable id: letters, digits, '.', '-' or '_', "
            "up to 64, starting with a letter or digit"
        )
    return text
