"""Making untrusted cell text safe for each output: terminal, CSV, Markdown."""

from __future__ import annotations

import re

# ANSI/VT escape sequences and the other C0/C1 control characters, newlines and tabs excepted;
# and the bidirectional controls: embeddings, overrides and isolates (U+202A-U+202E,
# U+2066-U+2069), which reorder the rest of a terminal line (a "Trojan Source" spoof of the
# columns around), and the marks (U+200E, U+200F, U+061C), which reorder what is next to them.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences, control characters and bidirectional controls from
    text a person typed."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# A separator that some spreadsheet import splits on (`,`; `;`, Excel's default where the
# decimal mark is a comma; a tab; a line end), then, after blanks or quotes an import may trim,
# a formula character: the start of a cell that would run.
_SPLIT_FORMULA = re.compile(r"([,;\t\n][\s\"]*)([=+\-@])")


def csv_cell(value: object) -> str:
    """A CSV field that a spreadsheet will never run as a formula, however it splits the line.

    Text that starts with a formula character gets a leading `'`; so does each formula
    character that an import splitting on `,`, `;` or a tab would put at the start of a cell
    (`see;=HYPERLINK(A1)` becomes `see;'=HYPERLINK(A1)`), and `csv_line` quotes such a field
    whole: OWASP's advice on CSV injection, prefix and quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    text = _SPLIT_FORMULA.sub(r"\1'\2", strip_controls(str(value)))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_line(fields: list[str]) -> str:
    """One CSV record, separated by commas. A field is quoted when it holds a comma, a quote or
    a line end, as usual, and also when it holds a `;` or a tab, so that an import on those
    that honours quotes keeps it one cell."""
    out = []
    for field in fields:
        if any(c in field for c in ',;"\t\r\n'):
            field = '"' + field.replace('"', '""') + '"'
        out.append(field)
    return ",".join(out) if out != [""] else '""'


def md_cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded, markup characters inert."""
    text = csv_cell(value) if not isinstance(value, str) else strip_controls(value)
    # Every character that ends a line somewhere (U+2028 and U+2029 included) folds to a space.
    text = re.sub(r"\s*[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+\s*", " ", text)
    return re.sub(r"([\\|`*_\[\]<>])", r"\\\1", text)


def percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"
