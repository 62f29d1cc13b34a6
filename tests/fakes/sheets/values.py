"""Cell values: parsing what users type (USER_ENTERED), number and date formats, rendering."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import Any

from tests.fakes.sheets.common import Json, _bad

# ---------------------------------------------------------------------------------------------
# Values: parsing user input, formatting, rendering
# ---------------------------------------------------------------------------------------------

_EPOCH = dt.date(1899, 12, 30)
_SKIP = object()  # a JSON null in a ValueRange: leave the cell alone
_NUMBER_RE = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(?:[eE]([+-]?\d+))?$")
_ERROR_CODES = {
    "DIV_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "N_A": "#N/A",
    "NUM": "#NUM!",
    "ERROR": "#ERROR!",
    "NULL_VALUE": "#NULL!",
}


def date_to_serial(value: dt.date | dt.datetime) -> float:
    """Sheets' serial number: days since 1899-12-30, time as a fraction of a day."""
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - dt.datetime(1899, 12, 30)
        return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return float((value - _EPOCH).days)


def serial_to_datetime(serial: float) -> dt.datetime:
    return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial)


def _num(value: float) -> int | float:
    """JSON numbers as the API writes them: integral values without a fraction."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _parse_number(text: str) -> tuple[float, dict[str, str] | None] | None:
    s = text.strip()
    percent = s.endswith("%")
    currency = False
    if percent:
        s = s[:-1].strip()
    if s.startswith(("$", "-$", "+$")):
        currency = True
        s = s.replace("$", "", 1)
    m = _NUMBER_RE.match(s)
    if not m or (m.group(2) is None and m.group(3) is None):
        return None
    grouped = "," in (m.group(2) or "")
    value = float(s.replace(",", ""))
    decimals = len(m.group(3)) - 1 if m.group(3) else 0
    fmt: dict[str, str] | None = None
    if percent:
        value /= 100
        fmt = {"type": "PERCENT", "pattern": "0" + ("." + "0" * decimals if decimals else "") + "%"}
    elif currency:
        fmt = {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    elif grouped:
        fmt = {"type": "NUMBER", "pattern": "#,##0" + ("." + "0" * decimals if decimals else "")}
    elif m.group(4) is not None:
        fmt = {"type": "SCIENTIFIC", "pattern": "0.00E+00"}
    return value, fmt


_DATE_PATTERNS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd", "yyyy-mm-dd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd", "yyyy/mm/dd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy", "M/d/yyyy"),
]
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _parse_date(text: str, locale: str) -> tuple[float, dict[str, str]] | None:
    s = text.strip()
    date_part, _, time_part = s.partition(" ") if " " in s else (s, "", "")
    if "T" in date_part and not time_part:
        date_part, _, time_part = date_part.partition("T")
    for pattern, order, fmt in _DATE_PATTERNS:
        m = pattern.match(date_part)
        if not m:
            continue
        a, b, c = (int(g) for g in m.groups())
        if order == "ymd":
            y, mo, d = a, b, c
        elif locale.startswith("en_US"):
            mo, d, y = a, b, c
        else:
            d, mo, y = a, b, c
            fmt = "d/M/yyyy"
        try:
            day = dt.date(y, mo, d)
        except ValueError:
            return None
        serial = date_to_serial(day)
        if not time_part:
            return serial, {"type": "DATE", "pattern": fmt}
        t = _TIME_RE.match(time_part)
        if not t:
            return None
        hh, mm, ss = int(t.group(1)), int(t.group(2)), int(t.group(3) or 0)
        if hh > 23 or mm > 59 or ss > 59:
            return None
        serial += (hh * 3600 + mm * 60 + ss) / 86400
        return serial, {"type": "DATE_TIME", "pattern": fmt + " H:mm:ss"}
    t = _TIME_RE.match(s)
    if t and int(t.group(1)) < 24 and int(t.group(2)) < 60:
        secs = int(t.group(1)) * 3600 + int(t.group(2)) * 60 + int(t.group(3) or 0)
        return secs / 86400, {"type": "TIME", "pattern": "h:mm:ss am/pm"}
    return None


def parse_input(value: Json, option: str, locale: str = "en_US") -> tuple[Json, Json]:
    """One ValueRange cell → (userEnteredValue or None to clear or _SKIP, numberFormat or None)."""
    if value is None:
        return _SKIP, None
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad("Invalid value: non-finite number")
        return {"numberValue": value}, None
    if not isinstance(value, str):
        raise _bad(
            f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
            f"{json.dumps(value)}"
        )
    if value == "":
        return None, None
    if option == "RAW":
        return {"stringValue": value}, None
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    if value.upper() in ("TRUE", "FALSE"):
        return {"boolValue": value.upper() == "TRUE"}, None
    number = _parse_number(value)
    if number is not None:
        return {"numberValue": number[0]}, number[1]
    date = _parse_date(value, locale)
    if date is not None:
        return {"numberValue": date[0]}, date[1]
    return {"stringValue": value}, None


def python_to_input(value: Any) -> Json:
    """Python seed values → API input values (dates become the USER_ENTERED ISO text)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _general_number(value: float) -> str:
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.15g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text


_DATE_TOKENS = re.compile(
    r"yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|am/pm|AM/PM|a/p|\.0+|\"[^\"]*\"|.",
    re.IGNORECASE,
)


def _format_date(serial: float, pattern: str) -> str:
    moment = serial_to_datetime(serial) + dt.timedelta(microseconds=500)
    tokens = _DATE_TOKENS.findall(pattern)
    twelve = any(t.lower() in ("am/pm", "a/p") for t in tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        low = tok.lower()
        prev = next((t.lower() for t in reversed(tokens[:i]) if t.strip(" :/-,.")), "")
        nxt = next((t.lower() for t in tokens[i + 1 :] if t.strip(" :/-,.")), "")
        minute = low in ("m", "mm") and (prev in ("h", "hh") or nxt in ("s", "ss"))
        hour = moment.hour % 12 or 12 if twelve else moment.hour
        if low == "yyyy":
            out.append(f"{moment.year:04d}")
        elif low == "yy":
            out.append(f"{moment.year % 100:02d}")
        elif low == "mmmm":
            out.append(moment.strftime("%B"))
        elif low == "mmm":
            out.append(moment.strftime("%b"))
        elif low == "mm":
            out.append(f"{moment.minute:02d}" if minute else f"{moment.month:02d}")
        elif low == "m":
            out.append(str(moment.minute) if minute else str(moment.month))
        elif low == "dddd":
            out.append(moment.strftime("%A"))
        elif low == "ddd":
            out.append(moment.strftime("%a"))
        elif low == "dd":
            out.append(f"{moment.day:02d}")
        elif low == "d":
            out.append(str(moment.day))
        elif low == "hh":
            out.append(f"{hour:02d}")
        elif low == "h":
            out.append(str(hour))
        elif low == "ss":
            out.append(f"{moment.second:02d}")
        elif low == "s":
            out.append(str(moment.second))
        elif low in ("am/pm", "a/p"):
            out.append("AM" if moment.hour < 12 else "PM")
        elif tok.startswith('"'):
            out.append(tok[1:-1])
        elif tok.startswith("."):
            out.append("." + f"{moment.microsecond:06d}"[: len(tok) - 1])
        else:
            out.append(tok)
    return "".join(out)


def _format_number_pattern(value: float, pattern: str) -> str:
    section = pattern.split(";")[0]
    core = next((m.group(0) for m in re.finditer(r"[#0,]*\.?[#0]*", section) if m.group(0)), "")
    if not core:
        return _general_number(value)
    prefix, suffix = section.split(core, 1)
    percent = "%" in suffix or "%" in prefix
    if percent:
        value *= 100
    int_part, _, frac = core.partition(".")
    min_dec = frac.count("0")
    max_dec = len(frac)
    text = f"{abs(value):,.{max_dec}f}" if "," in int_part else f"{abs(value):.{max_dec}f}"
    if max_dec > min_dec and "." in text:
        whole, dec = text.split(".")
        dec = dec.rstrip("0")
        dec = dec + "0" * max(0, min_dec - len(dec))
        text = whole + ("." + dec if dec else "")
    if not int_part.endswith("0") and text.startswith("0."):
        text = text[1:]
    sign = "-" if value < 0 and float(text.replace(",", "") or 0) != 0 else ""

    def clean(literal: str) -> str:
        return re.sub(r'"([^"]*)"', r"\1", literal).replace("\\", "")

    return sign + clean(prefix) + text + clean(suffix)


def format_value(effective: Json, number_format: Json) -> str:
    """The display string of an effective value under a numberFormat (a useful approximation)."""
    if not effective:
        return ""
    if "stringValue" in effective:
        return str(effective["stringValue"])
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return _ERROR_CODES.get(effective["errorValue"].get("type", "ERROR"), "#ERROR!")
    value = float(effective.get("numberValue", 0))
    fmt = number_format or {}
    kind, pattern = fmt.get("type"), fmt.get("pattern")
    if kind in ("DATE", "DATE_TIME", "TIME"):
        default = {"DATE": "M/d/yyyy", "DATE_TIME": "M/d/yyyy H:mm:ss", "TIME": "h:mm:ss am/pm"}
        return _format_date(value, pattern or default[kind])
    if kind == "PERCENT" and not pattern:
        pattern = "0.00%"
    if kind == "CURRENCY" and not pattern:
        pattern = '"$"#,##0.00'
    if pattern and kind not in ("TEXT",):
        return _format_number_pattern(value, pattern)
    return _general_number(value)


def _is_date_format(cell: Json) -> bool:
    fmt = ((cell or {}).get("userEnteredFormat") or {}).get("numberFormat") or {}
    return fmt.get("type") in ("DATE", "DATE_TIME", "TIME")


def render_cell(cell: Json, value_render: str, datetime_render: str) -> Json:
    """A cell as values.get renders it; ``None`` for an empty cell."""
    if not cell or ("userEnteredValue" not in cell and "effectiveValue" not in cell):
        return None
    if value_render == "FORMATTED_VALUE":
        return cell.get("formattedValue", "")
    uev = cell.get("userEnteredValue") or {}
    if value_render == "FORMULA" and "formulaValue" in uev:
        return uev["formulaValue"]
    ev = cell.get("effectiveValue") or {}
    if "numberValue" in ev:
        if datetime_render == "FORMATTED_STRING" and _is_date_format(cell):
            return cell.get("formattedValue", "")
        return _num(ev["numberValue"])
    if "boolValue" in ev:
        return ev["boolValue"]
    if "stringValue" in ev:
        return ev["stringValue"]
    if "errorValue" in ev:
        return cell.get("formattedValue", "#ERROR!")
    return None
