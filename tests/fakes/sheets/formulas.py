"""Formulas: evaluation of the functions okr writes, the way Google documents them, and
references moved with their cells.

A formula is parsed once into a tree, then evaluated with Google's rules: text that reads as a
number is a number in arithmetic; comparisons order numbers < text < booleans and compare text
without case; a blank cell is the other side's empty value (and a reference to one is blank,
not 0); IF and IFERROR evaluate only the branch they take; a range keeps its cells' errors as
values (COUNTIF skips them, SUM raises them); operators work element by element inside
SUMPRODUCT; TODAY() is today in the spreadsheet's time zone. A function Google has that the
fake does not compute (SPARKLINE draws a chart) answers an error whose message starts with
`NOT_EVALUATED`, never a made-up value; a name Google does not know is `#NAME?`.

`tests/fakes/test_formulas.py` checks every function okr writes is here and compares the
values with LibreOffice's for the same workbooks."""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
import functools
import math
import re
import sys
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tests.fakes.sheets.a1 import _parse_cells, _split_sheet, column_index, column_letters
from tests.fakes.sheets.common import GoogleApiError, Json
from tests.fakes.sheets.model import FakeSheet, FakeSpreadsheet
from tests.fakes.sheets.values import (
    _general_number,
    _parse_date,
    _parse_number,
    date_to_serial,
    format_value,
)

# ---------------------------------------------------------------------------------------------
# Values and errors
# ---------------------------------------------------------------------------------------------

#: The message of a cell whose formula calls a function the fake does not evaluate: it answers
#: this error rather than a value Google would not give.
NOT_EVALUATED = "Not evaluated by the fake"


class FormulaError(Exception):
    """A formula's error value (`#VALUE!`, `#N/A`...): raised while evaluating, and kept as a
    value inside arrays and on cells (the API's `errorValue`: `kind` is its `type`)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def not_evaluated(what: str) -> FormulaError:
    return FormulaError("ERROR", f"{NOT_EVALUATED}: {what}.")


@dataclass
class _Grid:
    """A range's or an array's values, row by row (None for a blank cell, a FormulaError for a
    cell in error)."""

    values: list[list[Json]]

    @property
    def height(self) -> int:
        return len(self.values)

    @property
    def width(self) -> int:
        return len(self.values[0]) if self.values else 0

    def flat(self) -> list[Json]:
        return [v for row in self.values for v in row]


class Context(Protocol):
    """What a formula sees of its spreadsheet: its own row, references, and today."""

    row: int  # 1-based

    def resolve(self, text: str) -> Json:
        """A reference (`A1`, `'Tab'!$B:$B`) as a value (one cell) or a `_Grid`."""
        ...

    def today(self) -> float:
        """Today's date as a serial number, in the spreadsheet's time zone."""
        ...


# ---------------------------------------------------------------------------------------------
# Parsing: formula text to a tree, once per text
# ---------------------------------------------------------------------------------------------

_FORMULA_TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:REF!|N/A|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|ERROR!))
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?
        \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
  | (?P<cols>(?:(?:'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?
        \$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}(?![A-Za-z0-9_(]))
  | (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),%{};])
    )""",
    re.VERBOSE,
)

#: A parsed formula: ("num", float) ("str", text) ("bool", flag) ("ref", text) ("call", NAME,
#: (args...)) ("op", symbol, left, right) ("neg", node) ("pct", node) ("array", ((row...)...)).
Node = tuple[Any, ...]


@functools.lru_cache(maxsize=1 << 16)
def _formula_tokens(text: str) -> tuple[tuple[str, str], ...]:
    """The tokens of a formula (without its `=`). A laid-out workbook repeats the same formula
    texts in every test, so each is split once per process."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _FORMULA_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise FormulaError("ERROR", f"Formula parse error at {text[pos:]!r}")
        kind = m.lastgroup or "op"
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tuple(tokens)


_ERROR_KINDS = {
    "#REF!": "REF",
    "#N/A": "N_A",
    "#VALUE!": "VALUE",
    "#DIV/0!": "DIV_ZERO",
    "#NAME?": "NAME",
    "#NUM!": "NUM",
    "#NULL!": "NULL_VALUE",
    "#ERROR!": "ERROR",
}
_COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")


class _Parser:
    """Google's precedence, loosest first: comparisons, `&`, `+ -`, `* /`, `^`, unary `-`, `%`."""

    def __init__(self, text: str) -> None:
        self.tokens = _formula_tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise FormulaError("ERROR", "Formula parse error.")
        tok = self.tokens[self.i]
        if value is not None and tok[1].upper() != value:
            raise FormulaError("ERROR", "Formula parse error.")
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.binary(0)
        if self.peek() is not None:
            raise FormulaError("ERROR", "Formula parse error.")
        return node

    _LEVELS: tuple[tuple[str, ...], ...] = (_COMPARISONS, ("&",), ("+", "-"), ("*", "/"), ("^",))

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.i < len(self.tokens) and self.tokens[self.i] in (
            ("op", o) for o in self._LEVELS[level]
        ):
            op = self.take()[1]
            left = ("op", op, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            inner = self.unary()
            return ("neg", inner) if op == "-" else ("op", "+", ("num", 0.0), inner)
        node = self.primary()
        while self.peek() == "%":
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1].replace('""', '"'))
        if kind in ("ref", "cols"):
            return ("ref", text)
        if kind == "err":
            return ("err", text)
        if text == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if text == "{":
            return self.array()
        if kind == "name":
            upper = text.upper()
            if self.peek() == "(":
                self.take("(")
                args: list[Node] = []
                if self.peek() == ")":
                    self.take(")")
                else:
                    while True:
                        args.append(("blank",) if self.peek() in (",", ")") else self.binary(0))
                        if self.take()[1] == ")":
                            break
                return ("call", upper, tuple(args))
            if upper in ("TRUE", "FALSE"):
                return ("bool", upper == "TRUE")
            return ("name", text)
        raise FormulaError("ERROR", "Formula parse error.")

    def array(self) -> Node:
        rows: list[list[Node]] = [[]]
        while True:
            rows[-1].append(self.binary(0))
            sep = self.take()[1]
            if sep == "}":
                return ("array", tuple(tuple(r) for r in rows))
            if sep == ";":
                rows.append([])
            elif sep != ",":
                raise FormulaError("ERROR", "Formula parse error.")


@functools.lru_cache(maxsize=1 << 14)
def parse_formula(text: str) -> Node:
    """The tree of a formula's text (with its `=`)."""
    return _Parser(text[1:] if text.startswith("=") else text).parse()


def formula_functions(text: str) -> set[str]:
    """The names of the functions a formula calls."""
    found: set[str] = set()

    def walk(node: Node) -> None:
        if node[0] == "call":
            found.add(node[1])
            for arg in node[2]:
                walk(arg)
        elif node[0] == "op":
            walk(node[2])
            walk(node[3])
        elif node[0] in ("neg", "pct"):
            walk(node[1])
        elif node[0] == "array":
            for row in node[1]:
                for item in row:
                    walk(item)

    walk(parse_formula(text))
    return found


# ---------------------------------------------------------------------------------------------
# Coercions (Google's: text that reads as a number is a number in arithmetic, blank is 0 or "")
# ---------------------------------------------------------------------------------------------


def _scalar(value: Json) -> Json:
    """One value where one is expected: a one-cell range is its cell, a larger one an error;
    an error value is raised."""
    if isinstance(value, _Grid):
        if value.height == 1 and value.width == 1:
            value = value.values[0][0]
        else:
            raise FormulaError("VALUE", "An array value could not be found.")
    if isinstance(value, FormulaError):
        raise value
    return value


def _number(value: Json) -> float:
    if isinstance(value, FormulaError):
        raise value
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    parsed = _to_number(str(value))
    if parsed is None:
        raise FormulaError(
            "VALUE",
            f"Function expects number values. But '{value}' is a text and cannot be coerced "
            "to a number.",
        )
    return parsed


def _to_number(text: str) -> float | None:
    """Text as VALUE reads it: a number (with thousands commas, a currency sign, a %), a date,
    a time, or a date and time; None when it reads as none of them."""
    parsed = _parse_number(text)
    if parsed is not None:
        return parsed[0]
    date = _parse_date(text, "en_US") or _named_date(text)
    return date[0] if date is not None else None


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_NAMED_DATE = (
    re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -,]*(\d{4})$"),  # 31 Dec 2026
    re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$"),  # Dec 31, 2026
)


def _named_date(text: str) -> tuple[float, None] | None:
    s = text.strip()
    for n, pattern in enumerate(_NAMED_DATE):
        m = pattern.match(s)
        if not m:
            continue
        day, month, year = (m.group(1), m.group(2), m.group(3)) if n == 0 else m.group(2, 1, 3)
        number = _MONTHS.get(month[:3].lower())
        if number is None:
            return None
        try:
            return date_to_serial(dt.date(int(year), number, int(day))), None
        except ValueError:
            return None
    return None


def _text(value: Json) -> str:
    if isinstance(value, FormulaError):
        raise value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float | int):
        return _general_number(float(value))
    return str(value)


def _boolean(value: Json, function: str = "IF") -> bool:
    if isinstance(value, FormulaError):
        raise value
    if value is None:
        return False
    if isinstance(value, str):
        if value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if value == "":
            return False
        raise FormulaError(
            "VALUE",
            f"Function {function} parameter 1 expects boolean values. But '{value}' is a text "
            "and cannot be coerced to a boolean.",
        )
    return bool(_number(value))


def _rank(value: Json) -> int:
    """Google orders values of different types: numbers < text < booleans."""
    return 2 if isinstance(value, bool) else 1 if isinstance(value, str) else 0


def _compare(op: str, a: Json, b: Json) -> bool:
    if isinstance(a, FormulaError):
        raise a
    if isinstance(b, FormulaError):
        raise b
    # A blank cell is the empty value of the other side's type.
    if a is None:
        a = "" if isinstance(b, str) else (False if isinstance(b, bool) else 0.0)
    if b is None:
        b = "" if isinstance(a, str) else (False if isinstance(a, bool) else 0.0)
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        left: Any = ra
        right: Any = rb
    elif ra == 1:
        left, right = str(a).lower(), str(b).lower()
    else:
        left, right = float(a), float(b)
    if op == "=":
        return bool(left == right)
    if op == "<>":
        return bool(left != right)
    if op == "<":
        return bool(left < right)
    if op == ">":
        return bool(left > right)
    if op == "<=":
        return bool(left <= right)
    return bool(left >= right)


def _arith(op: str, a: Json, b: Json) -> Json:
    if op in _COMPARISONS:
        return _compare(op, a, b)
    if op == "&":
        return _text(a) + _text(b)
    x, y = _number(a), _number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            raise FormulaError("DIV_ZERO", "Function DIVIDE parameter 2 cannot be zero.")
        return x / y
    try:
        result = x**y
    except (OverflowError, ZeroDivisionError) as err:
        raise FormulaError("NUM", "Function POW caused a number error.") from err
    if isinstance(result, complex):
        raise FormulaError("NUM", "Function POW caused a number error.")
    return result


def _elementwise(fn: Callable[..., Json], *values: Json) -> Json:
    """`fn` over values, element by element when any is an array (inside SUMPRODUCT or
    ARRAYFORMULA): an element in error stays an error value in the result."""
    grids = [v for v in values if isinstance(v, _Grid) and (v.height, v.width) != (1, 1)]
    if not grids:
        return fn(*(_scalar(v) if isinstance(v, _Grid) else v for v in values))
    height, width = max(g.height for g in grids), max(g.width for g in grids)

    def at(v: Json, r: int, c: int) -> Json:
        if not isinstance(v, _Grid):
            return v
        if (v.height, v.width) == (1, 1):
            return v.values[0][0]
        if r < v.height and c < v.width:
            return v.values[r][c]
        return FormulaError("N_A", "Array arguments are of different size.")

    out: list[list[Json]] = []
    for r in range(height):
        row: list[Json] = []
        for c in range(width):
            try:
                row.append(fn(*(at(v, r, c) for v in values)))
            except FormulaError as err:
                row.append(err)
        out.append(row)
    return _Grid(out)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def evaluate(text: str, ctx: Context) -> Json:
    """A formula's value: a number, text, boolean or None (blank); a FormulaError (returned,
    not raised) when it evaluates to an error."""
    try:
        return _scalar(_Evaluator(ctx).eval(parse_formula(text)))
    except FormulaError as err:
        return err
    except RecursionError:
        return FormulaError("REF", "Circular dependency detected.")
    except (ValueError, IndexError, OverflowError, TypeError, ZeroDivisionError) as err:
        return not_evaluated(f"{type(err).__name__} in the fake's evaluator ({err})")


class _Evaluator:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.array = 0  # > 0 inside SUMPRODUCT or ARRAYFORMULA: operators work element-wise

    def eval(self, node: Node) -> Json:
        kind = node[0]
        if kind == "num" or kind == "str" or kind == "bool":
            return node[1]
        if kind == "ref":
            return self.ctx.resolve(node[1])
        if kind == "op":
            left, right = self.eval(node[2]), self.eval(node[3])
            if self.array:
                return _elementwise(functools.partial(_arith, node[1]), left, right)
            return _arith(node[1], _scalar(left), _scalar(right))
        if kind == "neg":
            value = self.eval(node[1])
            if self.array:
                return _elementwise(lambda v: -_number(v), value)
            return -_number(_scalar(value))
        if kind == "pct":
            value = self.eval(node[1])
            if self.array:
                return _elementwise(lambda v: _number(v) / 100, value)
            return _number(_scalar(value)) / 100
        if kind == "call":
            return self.call(node[1], node[2])
        if kind == "array":
            return _Grid([[_scalar(self.eval(item)) for item in row] for row in node[1]])
        if kind == "blank":
            return None
        if kind == "err":
            raise FormulaError(_ERROR_KINDS[node[1]], f"{node[1]} in the formula.")
        raise FormulaError("NAME", f"Unknown range name: '{node[1]}'.")

    def call(self, name: str, args: tuple[Node, ...]) -> Json:
        lazy = _LAZY.get(name)
        if lazy is not None:
            return lazy(self, args)
        function = _FUNCTIONS.get(name)
        if function is None:
            if name in _KNOWN_ELSEWHERE:
                raise not_evaluated(
                    f"{name} is a Google Sheets function the fake does not evaluate"
                )
            raise FormulaError("NAME", f"Unknown function: '{name.lower()}'.")
        low, high = function.arity
        if not low <= len(args) <= high:
            raise _arity_error(name, low, high, len(args))
        if function.array:
            self.array += 1
            try:
                values = [self.eval(a) for a in args]
            finally:
                self.array -= 1
        else:
            values = [self.eval(a) for a in args]
        return function.fn(self.ctx, *values)


def _arity_error(name: str, low: int, high: int, got: int) -> FormulaError:
    return FormulaError(
        "N_A",
        f"Wrong number of arguments to {name}. Expected between {low} and {high} arguments, "
        f"but got {got} arguments.",
    )


@dataclass(frozen=True)
class _Function:
    fn: Callable[..., Json]
    arity: tuple[int, int]
    array: bool = False  # its arguments are evaluated as arrays


_FUNCTIONS: dict[str, _Function] = {}
_LAZY: dict[str, Callable[[_Evaluator, tuple[Node, ...]], Json]] = {}

#: Google Sheets functions the fake knows of but does not evaluate (their cells answer
#: `NOT_EVALUATED`, not `#NAME?`, which Google would not give): SPARKLINE and IMAGE draw in
#: their cell, IMPORT* and GOOGLE* read the web, NOW and RAND* change by themselves, and the
#: array functions okr does not write.
_KNOWN_ELSEWHERE = frozenset(
    {"SPARKLINE", "IMAGE", "IMPORTXML", "IMPORTHTML", "IMPORTDATA", "IMPORTRANGE", "IMPORTFEED",
     "GOOGLEFINANCE", "GOOGLETRANSLATE", "HYPERLINK", "ARRAYFORMULA", "QUERY", "FILTER", "SORT",
     "UNIQUE", "NOW", "RAND", "RANDBETWEEN"}
)  # fmt: skip

_MANY = 255  # Google's limit on arguments


def _define(
    name: str, low: int, high: int = -1, array: bool = False
) -> Callable[[Callable[..., Json]], Callable[..., Json]]:
    def register(fn: Callable[..., Json]) -> Callable[..., Json]:
        _FUNCTIONS[name] = _Function(fn, (low, low if high == -1 else high), array)
        return fn

    return register


def _lazy(name: str) -> Callable[[Callable[..., Json]], Callable[..., Json]]:
    def register(fn: Callable[..., Json]) -> Callable[..., Json]:
        _LAZY[name] = fn
        return fn

    return register


def _values(args: Iterable[Json]) -> Iterator[tuple[Json, bool]]:
    """Each value of the arguments, with whether it came from a range or array."""
    for arg in args:
        if isinstance(arg, _Grid):
            for v in arg.flat():
                yield v, True
        else:
            yield arg, False


def _numbers(args: Iterable[Json]) -> list[float]:
    """The numbers of aggregate arguments (SUM, MAX...): a range's numbers only (its text,
    booleans and blanks skipped), an argument typed in the formula coerced; errors raised."""
    out = []
    for v, from_range in _values(args):
        if isinstance(v, FormulaError):
            raise v
        if from_range and (v is None or isinstance(v, str | bool)):
            continue
        out.append(_number(v))
    return out


def _int(value: Json) -> int:
    return int(math.trunc(_number(_scalar(value))))


# -- logic --------------------------------------------------------------------------------------


@_lazy("IF")
def _if(ev: _Evaluator, args: tuple[Node, ...]) -> Json:
    if not 2 <= len(args) <= 3:
        raise _arity_error("IF", 2, 3, len(args))
    if _boolean(_scalar(ev.eval(args[0]))):
        return ev.eval(args[1])
    return ev.eval(args[2]) if len(args) > 2 else False


@_lazy("IFERROR")
def _iferror(ev: _Evaluator, args: tuple[Node, ...]) -> Json:
    if not 1 <= len(args) <= 2:
        raise _arity_error("IFERROR", 1, 2, len(args))
    try:
        return _scalar(ev.eval(args[0]))
    except FormulaError:
        return ev.eval(args[1]) if len(args) > 1 else None


def _is(test: Callable[[Json], bool]) -> Callable[[_Evaluator, tuple[Node, ...]], Json]:
    def check(ev: _Evaluator, args: tuple[Node, ...]) -> Json:
        if len(args) != 1:
            raise FormulaError("N_A", "Wrong number of arguments.")
        try:
            value = _scalar(ev.eval(args[0]))
        except FormulaError as err:
            return test(err)
        return test(value)

    return check


_LAZY["ISNUMBER"] = _is(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
_LAZY["ISLOGICAL"] = _is(lambda v: isinstance(v, bool))
_LAZY["ISTEXT"] = _is(lambda v: isinstance(v, str))
_LAZY["ISBLANK"] = _is(lambda v: v is None)
_LAZY["ISERROR"] = _is(lambda v: isinstance(v, FormulaError))


@_lazy("ROW")
def _row(ev: _Evaluator, args: tuple[Node, ...]) -> Json:
    if not args:
        return float(ev.ctx.row)
    if len(args) == 1 and args[0][0] == "ref":
        cells = args[0][1].rpartition("!")[2].replace("$", "")
        digits = re.search(r"\d+", cells)
        if digits:
            return float(digits.group())
    raise FormulaError("VALUE", "Function ROW parameter 1 expects a cell reference.")


def _logical_values(name: str, args: Sequence[Json]) -> list[bool]:
    flags = []
    for v, from_range in _values(args):
        if isinstance(v, FormulaError):
            raise v
        if from_range and (v is None or isinstance(v, str)):
            continue
        if v is None:
            continue
        flags.append(_boolean(v, name))
    if not flags:
        raise FormulaError("VALUE", f"{name} has no valid input data.")
    return flags


@_define("AND", 1, _MANY)
def _and(ctx: Context, *args: Json) -> Json:
    return all(_logical_values("AND", args))


@_define("OR", 1, _MANY)
def _or(ctx: Context, *args: Json) -> Json:
    return any(_logical_values("OR", args))


@_define("NOT", 1)
def _not(ctx: Context, value: Json) -> Json:
    return not _boolean(_scalar(value), "NOT")


# -- numbers ------------------------------------------------------------------------------------


@_define("SUM", 1, _MANY)
def _sum(ctx: Context, *args: Json) -> Json:
    return float(math.fsum(_numbers(args)))


@_define("AVERAGE", 1, _MANY)
def _average(ctx: Context, *args: Json) -> Json:
    nums = _numbers(args)
    if not nums:
        raise FormulaError(
            "DIV_ZERO", "Evaluation of function AVERAGE caused a divide by zero error."
        )
    return math.fsum(nums) / len(nums)


@_define("MIN", 1, _MANY)
def _min(ctx: Context, *args: Json) -> Json:
    nums = _numbers(args)
    return min(nums) if nums else 0.0


@_define("MAX", 1, _MANY)
def _max(ctx: Context, *args: Json) -> Json:
    nums = _numbers(args)
    return max(nums) if nums else 0.0


@_define("COUNT", 1, _MANY)
def _count(ctx: Context, *args: Json) -> Json:
    found = 0
    for v, from_range in _values(args):
        if (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            or not from_range
            and isinstance(v, str)
            and _to_number(v) is not None
        ):
            found += 1
    return float(found)


@_define("COUNTA", 1, _MANY)
def _counta(ctx: Context, *args: Json) -> Json:
    return float(sum(1 for v, from_range in _values(args) if not (from_range and v is None)))


@_define("ROUND", 1, 2)
def _round(ctx: Context, value: Json, places: Json = 0.0) -> Json:
    digits = _int(places)
    exact = decimal.Decimal(repr(_number(_scalar(value))))
    step = decimal.Decimal(1).scaleb(-digits)
    return float(exact.quantize(step, rounding=decimal.ROUND_HALF_UP))


@_define("ABS", 1)
def _abs(ctx: Context, value: Json) -> Json:
    return abs(_number(_scalar(value)))


@_define("SUMPRODUCT", 1, _MANY, array=True)
def _sumproduct(ctx: Context, *args: Json) -> Json:
    grids = [a if isinstance(a, _Grid) else _Grid([[a]]) for a in args]
    shape = (grids[0].height, grids[0].width)
    if any((g.height, g.width) != shape for g in grids):
        raise FormulaError("VALUE", "SUMPRODUCT has mismatched range sizes.")
    total = 0.0
    for items in zip(*(g.flat() for g in grids), strict=True):
        product = 1.0
        for v in items:
            if isinstance(v, FormulaError):
                raise v
            # Text and booleans count as 0 (Google's documented SUMPRODUCT behaviour).
            product *= float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0
        total += product
    return total


@_define("TODAY", 0)
def _today(ctx: Context) -> Json:
    return ctx.today()


# -- text ---------------------------------------------------------------------------------------


@_define("CONCATENATE", 1, _MANY)
def _concatenate(ctx: Context, *args: Json) -> Json:
    return "".join(_text(v) for v, _ in _values(args))


_FUNCTIONS["CONCAT"] = _Function(lambda ctx, a, b: _text(_scalar(a)) + _text(_scalar(b)), (2, 2))


@_define("LEN", 1)
def _len(ctx: Context, text: Json) -> Json:
    return float(len(_text(_scalar(text))))


@_define("UPPER", 1)
def _upper(ctx: Context, text: Json) -> Json:
    return _text(_scalar(text)).upper()


@_define("LOWER", 1)
def _lower(ctx: Context, text: Json) -> Json:
    return _text(_scalar(text)).lower()


@_define("TRIM", 1)
def _trim(ctx: Context, text: Json) -> Json:
    # Spaces only (not tabs nor no-break spaces): leading, trailing and repeated ones.
    return re.sub(" {2,}", " ", _text(_scalar(text)).strip(" "))


@_define("FIND", 2, 3)
def _find(ctx: Context, search: Json, text: Json, start: Json = 1.0) -> Json:
    needle, hay, begin = _text(_scalar(search)), _text(_scalar(text)), _int(start)
    if begin < 1 or begin > len(hay) + (1 if needle == "" else 0):
        raise FormulaError(
            "VALUE",
            f"Function FIND parameter 3 value is {begin}. It should be greater than or equal "
            f"to 1 and less than or equal to {len(hay)}.",
        )
    at = hay.find(needle, begin - 1)
    if at < 0:
        raise FormulaError("VALUE", f"In FIND evaluation, cannot find '{needle}' within '{hay}'.")
    return float(at + 1)


@_define("SUBSTITUTE", 3, 4)
def _substitute(ctx: Context, text: Json, search: Json, replace: Json, which: Json = None) -> Json:
    hay, needle, new = _text(_scalar(text)), _text(_scalar(search)), _text(_scalar(replace))
    if needle == "":
        return hay
    if which is None:
        return hay.replace(needle, new)
    n = _int(which)
    if n < 1:
        raise FormulaError(
            "VALUE", "Function SUBSTITUTE parameter 4 value should be greater than or equal to 1."
        )
    at = -1
    for _ in range(n):
        at = hay.find(needle, at + 1)
        if at < 0:
            return hay
    return hay[:at] + new + hay[at + len(needle) :]


@_define("LEFT", 1, 2)
def _left(ctx: Context, text: Json, count: Json = 1.0) -> Json:
    n = _int(count)
    if n < 0:
        raise FormulaError(
            "VALUE", "Function LEFT parameter 2 value is negative. It should be positive or zero."
        )
    return _text(_scalar(text))[:n]


@_define("RIGHT", 1, 2)
def _right(ctx: Context, text: Json, count: Json = 1.0) -> Json:
    n = _int(count)
    if n < 0:
        raise FormulaError(
            "VALUE", "Function RIGHT parameter 2 value is negative. It should be positive or zero."
        )
    whole = _text(_scalar(text))
    return whole[len(whole) - n :] if n else ""


@_define("CHAR", 1)
def _char(ctx: Context, code: Json) -> Json:
    n = _int(code)
    if not 1 <= n <= 0x10FFFF:
        raise FormulaError("VALUE", f"Function CHAR parameter 1 value {n} is out of range.")
    return chr(n)


@_define("REPT", 2)
def _rept(ctx: Context, text: Json, times: Json) -> Json:
    n = _int(times)
    if n < 0:
        raise FormulaError(
            "VALUE",
            f"Function REPT parameter 2 value is {n}. It should be greater than or equal to 0.",
        )
    made = _text(_scalar(text)) * n
    if len(made) > 32000:
        raise FormulaError(
            "VALUE", "Text result of REPT is longer than the limit of 32000 characters."
        )
    return made


@_define("VALUE", 1)
def _value(ctx: Context, text: Json) -> Json:
    value = _scalar(text)
    if value is None:
        return 0.0
    if isinstance(value, bool):
        raise FormulaError("VALUE", f"VALUE parameter '{_text(value)}' cannot be parsed to number.")
    if isinstance(value, int | float):
        return float(value)
    if value.strip() == "":
        return 0.0
    number = _to_number(value)
    if number is None:
        raise FormulaError("VALUE", f"VALUE parameter '{value}' cannot be parsed to number.")
    return number


@_define("DATEVALUE", 1)
def _datevalue(ctx: Context, text: Json) -> Json:
    value = _scalar(text)
    if isinstance(value, str):
        date = _parse_date(value, "en_US") or _named_date(value)
        if date is not None:
            return float(math.floor(date[0]))
    raise FormulaError(
        "VALUE", f"DATEVALUE parameter '{_text(value)}' cannot be parsed to date/time."
    )


# -- criteria: COUNTIF, COUNTIFS, SUMIFS, AVERAGEIFS ----------------------------------------------

_CRITERION_OP = re.compile(r"^(<=|>=|<>|<|>|=)?(.*)$", re.DOTALL)


def _wildcard(pattern: str) -> re.Pattern[str] | None:
    """A criterion's text as a case-insensitive whole-text pattern (`*` any text, `?` one
    character, `~` escaping them); None when it has no wildcard."""
    if not re.search(r"[*?]", pattern):
        return None
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=1 << 12)
def _criterion(kind: str, raw: Any) -> Callable[[Json], bool]:
    """The test a criterion makes of a cell (Google's COUNTIF: "x", ">=0", "<>done", 5)."""
    if kind == "number":
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v == raw
    if kind == "bool":
        return lambda v: isinstance(v, bool) and v == raw
    m = _CRITERION_OP.match(raw)
    assert m is not None
    op, operand = m.group(1) or "", m.group(2)
    number = _to_number(operand) if operand.strip() else None
    if number is not None:
        target = number

        def numeric(v: Json) -> bool:
            if isinstance(v, int | float) and not isinstance(v, bool):
                return _compare(op or "=", float(v), target)
            if op == "<>":
                return True
            if not op or op == "=":
                return isinstance(v, str) and v.strip() == operand.strip()
            return False

        return numeric
    if operand.upper() in ("TRUE", "FALSE") and op in ("", "=", "<>"):
        flag = operand.upper() == "TRUE"
        return (
            (lambda v: not (isinstance(v, bool) and v == flag))
            if op == "<>"
            else (lambda v: isinstance(v, bool) and v == flag)
        )
    pattern = _wildcard(operand)
    lowered = operand.lower()

    def same(v: Json) -> bool:
        if operand == "":
            return v is None or v == ""
        if not isinstance(v, str):
            return False
        return bool(pattern.fullmatch(v)) if pattern else v.lower() == lowered

    if op in ("", "="):
        if op == "=" and operand == "":
            return lambda v: v is None
        return same
    if op == "<>":
        return lambda v: not same(v)
    # <, >, <=, >= with text: text cells compared alphabetically.
    return lambda v: isinstance(v, str) and _compare(op, v, operand)


def _criteria_test(criterion: Json) -> Callable[[Json], bool]:
    value = _scalar(criterion)
    if isinstance(value, bool):
        return _criterion("bool", value)
    if isinstance(value, int | float):
        return _criterion("number", float(value))
    return _criterion("text", "" if value is None else str(value))


def _matches(pairs: Sequence[Json]) -> list[bool]:
    """Which positions of the criteria ranges meet every criterion (all ranges one size)."""
    if len(pairs) % 2:
        raise FormulaError("N_A", "Criteria come in pairs of a range and a criterion.")
    shape: tuple[int, int] | None = None
    hits: list[bool] | None = None
    for i in range(0, len(pairs), 2):
        rng = pairs[i] if isinstance(pairs[i], _Grid) else _Grid([[pairs[i]]])
        if shape is None:
            shape = (rng.height, rng.width)
        elif (rng.height, rng.width) != shape:
            raise FormulaError("VALUE", "Array arguments to COUNTIFS are of different size.")
        test = _criteria_test(pairs[i + 1])
        flat = rng.flat()
        if hits is None:
            hits = [not isinstance(v, FormulaError) and test(v) for v in flat]
        else:
            hits = [
                h and not isinstance(v, FormulaError) and test(v)
                for h, v in zip(hits, flat, strict=True)
            ]
    return hits or []


def _picked(values: Json, hits: list[bool]) -> list[float]:
    grid = values if isinstance(values, _Grid) else _Grid([[values]])
    flat = grid.flat()
    if len(flat) != len(hits):
        raise FormulaError("VALUE", "Array arguments to SUMIFS are of different size.")
    out = []
    for v, hit in zip(flat, hits, strict=True):
        if not hit:
            continue
        if isinstance(v, FormulaError):
            raise v
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append(float(v))
    return out


@_define("COUNTIF", 2)
def _countif(ctx: Context, rng: Json, criterion: Json) -> Json:
    return float(sum(_matches([rng, criterion])))


@_define("COUNTIFS", 2, _MANY)
def _countifs(ctx: Context, *pairs: Json) -> Json:
    return float(sum(_matches(pairs)))


@_define("SUMIFS", 3, _MANY)
def _sumifs(ctx: Context, values: Json, *pairs: Json) -> Json:
    return math.fsum(_picked(values, _matches(pairs)))


@_define("AVERAGEIFS", 3, _MANY)
def _averageifs(ctx: Context, values: Json, *pairs: Json) -> Json:
    picked = _picked(values, _matches(pairs))
    if not picked:
        raise FormulaError(
            "DIV_ZERO", "Evaluation of function AVERAGEIFS caused a divide by zero error."
        )
    return math.fsum(picked) / len(picked)


# -- lookups ------------------------------------------------------------------------------------


def _same_key(key: Json, v: Json) -> bool:
    if isinstance(v, FormulaError) or v is None:
        return False
    if _rank(key) != _rank(v):
        return False
    if isinstance(key, str):
        pattern = _wildcard(key)
        return bool(pattern.fullmatch(str(v))) if pattern else str(v).lower() == key.lower()
    return bool(key == v)


def _position(key: Json, items: Sequence[Json], sorted_order: int) -> int | None:
    """The 0-based position of `key` among `items`: exact (0), or in ascending (1) or
    descending (-1) order the last item not past it."""
    if sorted_order == 0:
        return next((i for i, v in enumerate(items) if _same_key(key, v)), None)
    found = None
    for i, v in enumerate(items):
        if v is None or isinstance(v, FormulaError) or _rank(v) != _rank(key):
            continue
        if _compare("<=" if sorted_order > 0 else ">=", v, key):
            found = i
        else:
            break
    return found


@_define("MATCH", 2, 3)
def _match(ctx: Context, key: Json, rng: Json, order: Json = 1.0) -> Json:
    wanted = _scalar(key)
    grid = rng if isinstance(rng, _Grid) else _Grid([[rng]])
    if grid.height != 1 and grid.width != 1:
        raise FormulaError("N_A", "MATCH range must be a single row or a single column.")
    at = _position(wanted, grid.flat(), int(_number(_scalar(order))))
    if at is None:
        raise FormulaError("N_A", f"Did not find value '{_text(wanted)}' in MATCH evaluation.")
    return float(at + 1)


@_define("VLOOKUP", 3, 4)
def _vlookup(ctx: Context, key: Json, rng: Json, index: Json, is_sorted: Json = True) -> Json:
    wanted = _scalar(key)
    grid = rng if isinstance(rng, _Grid) else _Grid([[rng]])
    column = _int(index)
    if not 1 <= column <= grid.width:
        raise FormulaError("REF", "VLOOKUP evaluates to an out of bounds range.")
    firsts = [row[0] for row in grid.values]
    at = _position(wanted, firsts, 1 if _boolean(_scalar(is_sorted), "VLOOKUP") else 0)
    if at is None:
        raise FormulaError("N_A", f"Did not find value '{_text(wanted)}' in VLOOKUP evaluation.")
    return grid.values[at][column - 1]


@_define("INDEX", 1, 3)
def _index(ctx: Context, rng: Json, row: Json = 0.0, column: Json = 0.0) -> Json:
    grid = rng if isinstance(rng, _Grid) else _Grid([[rng]])
    r, c = _int(row), _int(column)
    if grid.width == 1 and c == 0 and r > 0:
        c = 1
    elif grid.height == 1 and r > 0 and c == 0 and grid.width > 1:
        r, c = 1, r
    if r < 0 or c < 0 or r > grid.height or c > grid.width:
        raise FormulaError("REF", "Function INDEX parameter 2 value is out of range.")
    if r and c:
        return grid.values[r - 1][c - 1]
    if r:
        return _Grid([grid.values[r - 1]])
    if c:
        return _Grid([[line[c - 1]] for line in grid.values])
    return grid


_A1_TEXT = re.compile(
    r"^(?:(?:'(?:[^']|'')+'|[A-Za-z0-9_]+)!)?"
    r"(?:\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?"
    r"|\$?[A-Za-z]{1,3}\$?\d*:\$?[A-Za-z]{1,3}\$?\d*)$"
)


@_define("INDIRECT", 1, 2)
def _indirect(ctx: Context, text: Json, a1: Json = True) -> Json:
    ref = _text(_scalar(text)).strip()
    if not _boolean(_scalar(a1), "INDIRECT"):
        raise not_evaluated("INDIRECT with R1C1 references")
    if not _A1_TEXT.match(ref):
        raise FormulaError(
            "REF",
            f"Function INDIRECT parameter 1 value is '{ref}'. It is not a valid cell/range "
            "reference.",
        )
    return ctx.resolve(ref)


_REF_PART = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)")


def shift_formula(formula: str, rows: int, cols: int) -> str:
    """A formula as Google pastes it ``rows`` down and ``cols`` right: relative references
    move, ``$``-anchored parts stay, a reference pushed off the sheet becomes ``#REF!``.
    Text the fake cannot tokenise is left as it was."""
    if rows == 0 and cols == 0:
        return formula
    return _each_reference(formula, ("ref",), lambda ref: _shift_ref(ref, rows, cols))


def _each_reference(formula: str, kinds: tuple[str, ...], rewrite: Callable[[str], str]) -> str:
    """`formula` with each reference token of `kinds` passed through `rewrite` (a function's
    name, such as LOG10, is not a reference); text the fake cannot tokenise is kept as it is."""
    if not formula.startswith("="):
        return formula
    out, pos = ["="], 1
    while pos < len(formula):
        if _BLANK_REST.match(formula, pos):
            out.append(formula[pos:])
            break
        m = _FORMULA_TOKEN.match(formula, pos)
        if not m or m.end() == pos:
            return formula
        kind = m.lastgroup or "op"
        text = m.group(kind)
        out.append(formula[pos : m.start(kind)])
        is_call = _CALL_OPENS.match(formula, m.end()) is not None
        out.append(rewrite(text) if kind in kinds and not is_call else text)
        pos = m.end()
    return "".join(out)


# Matched where a token ends rather than on a copy of the rest, so that a walk over a long
# formula stays linear (`\s` is the whitespace `str.strip` removes).
_BLANK_REST = re.compile(r"\s*\Z")
_CALL_OPENS = re.compile(r"\s*\(")


@functools.lru_cache(maxsize=1 << 12)
def formula_shifter(formula: str) -> Callable[[int, int], str]:
    """`shift_formula` for one formula at many offsets: tokenised once (per process: a laid-out
    workbook sends the same formulas in every test), each offset then only moves the references
    (a repeatCell fills thousands of cells with one formula)."""
    if not formula.startswith("="):
        return lambda rows, cols: formula
    pieces: list[str | tuple[str, str, int, str, int]] = ["="]
    pos = 1
    while pos < len(formula):
        if formula[pos:].strip() == "":
            pieces.append(formula[pos:])
            break
        m = _FORMULA_TOKEN.match(formula, pos)
        if not m or m.end() == pos:
            return lambda rows, cols: (
                formula if rows == 0 and cols == 0 else shift_formula(formula, rows, cols)
            )
        kind = m.lastgroup or "op"
        text = m.group(kind)
        pieces.append(formula[pos : m.start(kind)])
        is_call = formula[m.end() :].lstrip().startswith("(")
        if kind == "ref" and not is_call:
            sheet, bang, cells = text.rpartition("!")
            pieces.append(sheet + bang)
            last = 0
            for part in _REF_PART.finditer(cells):
                pieces.append(cells[last : part.start()])
                col_abs, letters, row_abs, digits = part.groups()
                pieces.append((col_abs, letters, column_index(letters), row_abs, int(digits) - 1))
                last = part.end()
            pieces.append(cells[last:])
        else:
            pieces.append(text)
        pos = m.end()

    # Runs of literal text joined: (text before a reference, the reference or None at the end).
    segments: list[tuple[str, tuple[str, str, int, str, int] | None]] = []
    literal: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            literal.append(piece)
        else:
            segments.append(("".join(literal), piece))
            literal = []
    segments.append(("".join(literal), None))

    def shifted(rows: int, cols: int) -> str:
        if rows == 0 and cols == 0:
            return formula
        out: list[str] = []
        for text, ref in segments:
            out.append(text)
            if ref is None:
                continue
            col_abs, letters, col, row_abs, row = ref
            if not row_abs:
                row += rows
            if cols and not col_abs:
                col += cols
                letters = column_letters(col) if col >= 0 else letters
            if col < 0 or row < 0:
                return shift_formula(formula, rows, cols)  # the #REF! cases
            out.append(f"{col_abs}{letters}{row_abs}{row + 1}")
        return "".join(out)

    return shifted


def _shift_ref(ref: str, rows: int, cols: int) -> str:
    sheet, bang, cells = ref.rpartition("!")

    def move(m: re.Match[str]) -> str:
        col_abs, letters, row_abs, digits = m.groups()
        col = column_index(letters) + (0 if col_abs else cols)
        row = int(digits) - 1 + (0 if row_abs else rows)
        if col < 0 or row < 0:
            raise ValueError(ref)
        return f"{col_abs}{column_letters(col)}{row_abs}{row + 1}"

    try:
        return f"{sheet}{bang}{_REF_PART.sub(move, cells)}"
    except ValueError:
        return "#REF!"


# ---------------------------------------------------------------------------------------------
# Settling: the pending formula cells of a block evaluated before it is read
# ---------------------------------------------------------------------------------------------


def today_serial(now: dt.datetime, time_zone: str) -> float:
    """TODAY() at `now` in the spreadsheet's time zone (Google evaluates it there)."""
    try:
        zone: dt.tzinfo = zoneinfo.ZoneInfo(time_zone or "Etc/GMT")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return float(date_to_serial(now.astimezone(zone).date()))


def python_of(ev: Json) -> Json:
    """A settled formula cell's effectiveValue as the evaluator's value (`effective` undone)."""
    ev = ev or {}
    if "errorValue" in ev:
        return FormulaError(
            ev["errorValue"].get("type", "ERROR"), ev["errorValue"].get("message", "")
        )
    return next(iter(ev.values()), None)


def effective(result: Json) -> Json:
    """A formula's value as the API's effectiveValue; None for a blank result."""
    if isinstance(result, FormulaError):
        return {"errorValue": {"type": result.kind, "message": result.message}}
    if isinstance(result, bool):
        return {"boolValue": result}
    if isinstance(result, int | float):
        if isinstance(result, float) and not math.isfinite(result):
            return {"errorValue": {"type": "NUM", "message": "Result is not a finite number."}}
        return {"numberValue": result}
    if result is None:  # `=A1` of a blank A1: blank, not 0 (unlike Excel and LibreOffice)
        return None
    return {"stringValue": str(result)}


class _Here:
    """The context of one formula cell."""

    def __init__(self, settling: _Settling, sheet: FakeSheet, row: int) -> None:
        self.settling = settling
        self.sheet = sheet
        self.row = row + 1

    def resolve(self, text: str) -> Json:
        return self.settling.resolve(self.sheet, text)

    def today(self) -> float:
        return self.settling.today


class _Settling:
    def __init__(self, ss: FakeSpreadsheet, today: float) -> None:
        self.ss = ss
        self.today = today
        self.memo: dict[tuple[int, int, int], Json] = {}
        self.visiting: set[tuple[int, int, int]] = set()
        self.ranges: dict[tuple[int, int, int, int, int], _Grid] = {}

    def store(self, target: FakeSheet, r: int, c: int, result: Json) -> None:
        cell = target.cell(r, c)
        target.pending.discard((r, c))
        if not cell:
            return
        ev = effective(result)
        if ev is None:  # a blank result: the cell has no value, as on Google
            cell.pop("effectiveValue", None)
            cell.pop("formattedValue", None)
            return
        number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat")
        cell["effectiveValue"] = ev
        cell["formattedValue"] = format_value(ev, number_format)

    def value(self, target: FakeSheet, r: int, c: int) -> Json:
        """A cell's value; a FormulaError (returned) for a cell in error."""
        cell = target.cell(r, c)
        if not cell or "userEnteredValue" not in cell:
            return None
        uev = cell["userEnteredValue"]
        if "formulaValue" not in uev:
            if "errorValue" in uev:
                return python_of(uev)
            return next(iter(uev.values()))
        key = (target.sheet_id, r, c)
        if key in self.memo:
            return self.memo[key]
        if (r, c) not in target.pending:  # settled (a blank result has no effectiveValue)
            return python_of(cell.get("effectiveValue"))
        if key in self.visiting:
            return FormulaError("REF", "Circular dependency detected.")
        self.visiting.add(key)
        try:
            result = evaluate(uev["formulaValue"], _Here(self, target, r))
        finally:
            self.visiting.discard(key)
        self.memo[key] = result
        self.store(target, r, c, result)
        return result

    def resolve(self, target: FakeSheet, text: str) -> Json:
        try:
            title, cells = _split_sheet(text.replace("$", ""))
            a0, b0, a1, b1 = _parse_cells(cells or "")
        except (GoogleApiError, ValueError) as err:
            raise FormulaError("REF", f"'{text}' is not a valid reference.") from err
        if title is not None:
            found = self.ss.sheet_by_title(title)
            if found is None:
                raise FormulaError("REF", f"Unresolved sheet name '{title}'.")
            target = found
        a1 = a1 if a1 is not None else target.row_count
        b1 = b1 if b1 is not None else target.column_count
        if a1 - a0 == 1 and b1 - b0 == 1:
            return self.value(target, a0, b0)
        key = (target.sheet_id, a0, a1, b0, b1)
        grid = self.ranges.get(key)
        if grid is None:
            # Rows past the sheet's stored rows are blank: built once, not looked up one by one.
            stored = min(a1, len(target.rows))
            values = [[self.value(target, r, c) for c in range(b0, b1)] for r in range(a0, stored)]
            values += [[None] * (b1 - b0) for _ in range(max(0, a1 - max(a0, stored)))]
            grid = self.ranges[key] = _Grid(values)
        return grid


def settle(
    ss: FakeSpreadsheet, sheet: FakeSheet, wanted: Iterable[tuple[int, int]], today: float
) -> None:
    """Evaluate these pending formula cells of a sheet (and what they refer to): each gets its
    effectiveValue and formattedValue."""
    settling = _Settling(ss, today)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # a formula reading the row above, 1000 rows down
    try:
        for r, c in sorted(wanted):
            if (r, c) in sheet.pending:
                settling.value(sheet, r, c)
    finally:
        sys.setrecursionlimit(limit)


# ---------------------------------------------------------------------------------------------
# References moved when rows or columns are inserted or deleted
# ---------------------------------------------------------------------------------------------

_ENDPOINT = re.compile(r"^(\$?)([A-Za-z]{0,3})(\$?)(\d*)$")


#: How a change of rows or columns moves a reference's first and last index: to new ones, or
#: None when what it pointed at is gone (`#REF!`).
Change = Callable[[int, int], "tuple[int, int] | None"]


def inserted_or_deleted(start: int, count: int) -> Change:
    """`count` rows or columns inserted (count > 0) or deleted (count < 0) at 0-based `start`:
    what is past the change moves, a range spanning it grows or shrinks, a reference to a
    deleted cell (or a range wholly deleted) is lost."""

    def change(first: int, last: int) -> tuple[int, int] | None:
        if count > 0:
            return (first + count if first >= start else first), (
                last + count if last >= start else last
            )
        end = start - count  # deleted: [start, end)
        if start <= first and last < end:
            return None
        return (
            first if first < start else (start if first < end else first + count),
            last if last < start else (start - 1 if last < end else last + count),
        )

    return change


def reordered(where: Mapping[int, int]) -> Change:
    """Rows or columns moved (`where[old] = new`): a reference follows its cells; a range's
    ends follow theirs (and stay in order)."""

    def change(first: int, last: int) -> tuple[int, int] | None:
        a, b = where.get(first, first), where.get(last, last)
        return (a, b) if a <= b else (b, a)

    return change


def restructured(formula: str, on_sheet: bool, title: str, rows: bool, change: Change) -> str:
    """A formula after rows (`rows`) or columns of sheet `title` changed, as Google rewrites
    every formula that refers to them (see `Change`). `on_sheet`: the formula is on that sheet
    (its references without a sheet name are to it). References spelt out in text (INDIRECT's)
    are not rewritten, as on Google. Text the fake cannot tokenise is kept."""
    return _each_reference(
        formula,
        ("ref", "cols"),
        lambda ref: _restructured_ref(ref, on_sheet, title, rows, change),
    )


def _restructured_ref(ref: str, on_sheet: bool, title: str, rows: bool, change: Change) -> str:
    sheet, bang, cells = ref.rpartition("!")
    if bang:
        try:
            named, _ = _split_sheet(ref)
        except ValueError:
            return ref
        if named != title:
            return ref
    elif not on_sheet:
        return ref
    parts = [_ENDPOINT.match(e) for e in cells.split(":")]
    matched = [p for p in parts if p is not None]
    if len(matched) != len(parts):
        return ref
    # The index each end holds in the dimension that changed (None: a whole row or column).
    indexes: list[int | None] = []
    for p in matched:
        if rows:
            indexes.append(int(p.group(4)) - 1 if p.group(4) else None)
        else:
            indexes.append(column_index(p.group(2)) if p.group(2) else None)
    first, last = indexes[0], indexes[-1]
    if first is None or last is None:
        return ref  # A:A under a row change (or 1:1 under a column change) stays
    new = change(first, last)
    if new is None:
        return "#REF!"
    made = []
    for p, index in zip(matched, new if len(matched) == 2 else new[:1], strict=True):
        col_abs, letters, row_abs, digits = p.groups()
        if rows:
            digits = str(index + 1)
        else:
            letters = column_letters(index)
        made.append(f"{col_abs}{letters}{row_abs}{digits}")
    return f"{sheet}{bang}{':'.join(made)}"
