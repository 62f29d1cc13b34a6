"""The live formulas of the OKR tabs and the Dashboard (docs/workbook.md, "Calculated columns").

People who never run `okr` read the sheet, so the sheet computes what `okr status` computes:
Progress, Expected, Status and Days since check-in, for key results and objectives, by the rules
of docs/scoring.md. The same formulas go to .xlsx and Google Sheets, so they use only functions
all of Excel (2010 and later), LibreOffice and Google Sheets know, with comma separators: IF,
AND, OR, NOT, ISNUMBER, ISLOGICAL, IFERROR, TRIM, LOWER, FIND, SUBSTITUTE, LEFT, RIGHT, LEN, CHAR,
VALUE, DATEVALUE, MIN, MAX, SUM, SUMIFS, COUNTIF, COUNTIFS, SUMPRODUCT, VLOOKUP, INDEX, MATCH,
INDIRECT, ROUND, REPT, AVERAGE, ROW and TODAY.

Every row of a tab gets the same formulas, from the first data row to well past the last
filled one ("prepared rows"), so an objective or key result typed later on an empty row is
scored at once. The formulas work row by row through hidden helper columns (`Calc ...`): each
reads its own row, an objective sums its key results with SUMIFS over whole columns, so an
objective rolls up however many key results it has, wherever they sit. Nothing refers to a
fixed block of rows; nothing is circular.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence

from okrsheet.domain import kinds
from okrsheet.domain.kinds import Kind
from okrsheet.domain.vocab import MEASURING_BASELINE
from okrsheet.layout.cells import BASELINE_WORD
from okrsheet.layout.schema import CALCULATED_KEYS, SETTINGS_TAB
from okrsheet.layout.tables import column_letter, tab_ref
from okrsheet.stores.base import Formula

#: Empty rows given formulas beyond the last filled row of a tab; every okr write tops them up.
SPARE_ROWS = 40

#: How far down an objective looks for its key results' check-in dates (SUMPRODUCT needs a
#: bounded range); a fixed bound keeps every row's formulas independent of the tab's length.
CHECKED_ROWS = 5000

#: The cells the formulas read: a tab without one of these columns gets no formulas.
INPUT_KEYS = (
    "type",
    "id",
    "objective_id",
    "kind",
    "start",
    "target",
    "current",
    "due",
    "weight",
    "last_checkin",
)

_SETTINGS = f"{tab_ref(SETTINGS_TAB)}!$A:$B"

#: Words of the Type column (docs/workbook.md), as TRIM leaves them after `-`/`_` become spaces.
_OBJECTIVE_WORDS = ("objective", "o", "obj")
_KR_WORDS = ("key result", "kr", "keyresult", "result")
#: Worst first, as in scoring._SEVERITY: an objective is as healthy as its least healthy KR.
_SEVERITY = ("overdue", "off track", "at risk", "on track", "not started", "done")
_EPSILON = "0.000000001"
#: What Progress reads while a key result's baseline is being measured (as in `okr status`).
MEASURING = MEASURING_BASELINE


def formulas_fit(columns: Mapping[str, int]) -> bool:
    """Whether a tab has every input and calculated column the formulas need."""
    return all(key in columns for key in (*INPUT_KEYS, *CALCULATED_KEYS))


def setting(label: str, default: str) -> str:
    """A value from the Settings tab by its label; the default when missing or blank."""
    found = f'VLOOKUP("{label}",{_SETTINGS},2,FALSE)'
    return f'IFERROR(IF({found}="",{default},{found}),{default})'


def _words(text: str, words: Sequence[str]) -> str:
    """Whether lower-case `text` is one of `words`: one FIND in a `|`-separated list keeps the
    formula short (`text` is written once, not once per word)."""
    listed = "|".join(words)
    return f'ISNUMBER(FIND("|"&{text}&"|","|{listed}|"))'


def _plain(ref: str) -> str:
    """A cell's text with `-`, `_` and `/` as spaces, trimmed: 'Keep-above' -> 'Keep above'."""
    return f'TRIM(SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({ref},"-"," "),"_"," "),"/"," "))'


def number(ref: str) -> str:
    """A number cell as `okr` reads it (docs/workbook.md, Numbers): a real number as is; text
    without currency signs, thousands commas and spaces, `(300)` as -300, `15%` as 0.15. Blank
    gives "" and anything unreadable "?" (okr reports those cells; the row is not scored)."""
    cleaned = ref
    for sign in ("$", "€", "£", "¥", "₹", ",", "CHAR(160)", " ", ")"):
        what = sign if sign.startswith("CHAR") else f'"{sign}"'
        cleaned = f'SUBSTITUTE({cleaned},{what},"")'
    cleaned = f'SUBSTITUTE({cleaned},"(","-")'
    # VALUE reads a trailing % itself: VALUE("15%") is 0.15 in every app.
    return f'IF(ISNUMBER({ref}),{ref},IF(TRIM({ref})="","",IFERROR(VALUE({cleaned}),"?")))'


def confidence(ref: str) -> str:
    """A confidence cell as `okr` reads it: 0.7, 70%, 7 (out of ten) or 7/10; "" when blank."""
    text = f'TRIM({ref}&"")'
    slash = f'FIND("/",{text})'
    top = f"VALUE(TRIM(LEFT({text},{slash}-1)))"
    bottom = f"VALUE(TRIM(RIGHT({text},LEN({text})-{slash})))"
    ratio = f'IFERROR({top}/{bottom},"")'
    typed = f'IFERROR(VALUE({text}),"")'
    tenths = f"IF(AND(ISNUMBER({typed}),{typed}>1,{typed}<=10),{typed}/10,{typed})"
    # Out of range is an error okr reports on the cell (the key result is not scored).
    return (
        f"IF(ISNUMBER({ref}),IF(AND({ref}>1,{ref}<=10),{ref}/10,{ref}),"
        f'IF({text}="","",IF(ISNUMBER({slash}),{ratio},'
        f'IF(ISNUMBER(FIND("%",{text})),{typed},{tenths}))))'
    )


def _is(kind: str, names: Sequence[str]) -> str:
    """Whether the kind cell holds one of `names` (FALSE for none)."""
    tests = [f'{kind}="{name}"' for name in names]
    if not tests:
        return "FALSE"
    return tests[0] if len(tests) == 1 else f"OR({','.join(tests)})"


def _by_kind(kind: str, pieces: Mapping[str, str], otherwise: str) -> str:
    """One expression per kind (kinds with the same one share a test), `otherwise` for none."""
    shared: dict[str, list[str]] = {}
    for name, text in pieces.items():
        shared.setdefault(text, []).append(name)
    made = otherwise
    for text, names in reversed(shared.items()):
        made = f"IF({_is(kind, names)},{text},{made})"
    return made


def _kind_pieces(c: _Row) -> dict[str, str]:
    """Each kind's rules of the table (okrsheet/domain/kinds/) written for this row's cells."""
    v, s, t, p = c.calc_value, c.calc_start, c.calc_target, c.calc_progress
    every = list(Kind)
    return {
        "progress": _by_kind(
            c.calc_kind, {k.value: k.sheet_progress.format(v=v, s=s, t=t) for k in every}, '""'
        ),
        "met": _by_kind(
            c.calc_kind, {k.value: k.sheet_met.format(v=v, s=s, t=t, p=p) for k in every}, "FALSE"
        ),
        "holds": _is(c.calc_kind, [k.value for k in every if k.holds]),
        "unpaced": _is(c.calc_kind, [k.value for k in every if not k.paced]),
        "recognised": "".join(
            f'IF({_words(f"LOWER({_plain(c.kind)})", k.words)},"{k.value}",' for k in every
        ),
        "closing": ")" * len(every),
    }


def _worded(c: _Row) -> dict[str, str]:
    """The value of a key result whose kind reads words (a milestone's yes/no), by kind."""
    current = f"LOWER(TRIM({c.current}))"
    found: dict[str, str] = {}
    for kind in Kind:
        if not kind.value_words:
            continue
        by_value: dict[float, list[str]] = {}
        for word, value in kind.value_words.items():
            by_value.setdefault(value, []).append(word)
        made = '"?"'
        for value, words in reversed(by_value.items()):
            made = f"IF({_words(current, words)},{value:g},{made})"
        yes, no = kind.value_words.get("true", 1.0), kind.value_words.get("false", 0.0)
        blank = kind.default_start or 0.0
        found[kind.value] = (
            f"IF(ISLOGICAL({c.current}),IF({c.current},{yes:g},{no:g}),IF(ISNUMBER({c.current}),"
            f'{c.current},IF(TRIM({c.current})="",{blank:g},{made})))'
        )
    return found


def _date(ref: str, default: str) -> str:
    return f"IF(ISNUMBER({ref}),{ref},IFERROR(DATEVALUE(TRIM({ref})),{default}))"


class _Row:
    """References to the cells of one row, by column key: `c.start` is `$I7`."""

    def __init__(self, columns: Mapping[str, int], row: int) -> None:
        self._columns = columns
        self.row = row

    def __getattr__(self, key: str) -> str:
        return f"${column_letter(self._columns[key])}{self.row}"

    def whole(self, key: str) -> str:
        letter = column_letter(self._columns[key])
        return f"${letter}:${letter}"


def row_formulas(columns: Mapping[str, int], row: int, first: int, last: int) -> dict[str, Formula]:
    """Every calculated cell of one row, by column key. `first` is the tab's first data row
    (the nearest-objective-above chain starts there), `last` its last prepared row."""
    c = _Row(columns, row)
    cycle_start = f'VLOOKUP("Cycle start",{_SETTINGS},2,FALSE)'
    is_kr = f'{c.calc_row}="K"'
    type_text = f'LOWER(TRIM(SUBSTITUTE(SUBSTITUTE({c.type},"-"," "),"_"," ")))'
    kind = f"LOWER({_plain(c.kind)})"
    by_kind = _kind_pieces(c)
    inferred = (
        f"IF(AND(ISNUMBER({c.calc_start}),ISNUMBER({c.calc_target})),"
        f'IF({c.calc_target}<{c.calc_start},"decrease","increase"),"increase")'
    )
    # The first data row has no objective above it: the same formula on every row (a fill),
    # so the header row above the first is referred to but never used.
    above = f"${column_letter(columns['calc_section'])}{row - 1}"
    previous = f'IF(ROW()<={first},"",{above})'
    recorded = f'TRIM({c.current}&"")<>""'
    cells = {
        "calc_row": (
            f'IF({_words(type_text, _OBJECTIVE_WORDS)},"O",'
            f'IF({_words(type_text, _KR_WORDS)},"K",""))'
        ),
        "calc_section": f'IF({c.calc_row}="O",TRIM({c.id}),{previous})',
        "calc_objective": (
            f'IF({is_kr},IF(TRIM({c.objective_id}&"")<>"",TRIM({c.objective_id}),'
            f'{c.calc_section}),IF({c.calc_row}="O",TRIM({c.id}),""))'
        ),
        "calc_kind": (
            f'IF(NOT({is_kr}),"",{by_kind["recognised"]}IF({kind}="",{inferred},"?")'
            + by_kind["closing"]
            + ")"
        ),
        # A Start of "baseline" is the first value recorded; until there is one, "baseline".
        "calc_start": (
            f'IF(NOT({is_kr}),"",IF(LOWER(TRIM({c.start}&""))="{BASELINE_WORD}",'
            f'IF(ISNUMBER({c.calc_current}),{c.calc_current},"{BASELINE_WORD}"),'
            f"{number(c.start)}))"
        ),
        "calc_target": f'IF(NOT({is_kr}),"",{number(c.target)})',
        "calc_current": f'IF(NOT({is_kr}),"",{number(c.current)})',
        "calc_value": (
            f'IF(NOT({is_kr}),"",'
            + _by_kind(c.calc_kind, _worded(c), f"IF({recorded},{c.calc_current},{c.calc_start})")
            + ")"
        ),
        "calc_weight": (
            f'IF(NOT(ISNUMBER({c.calc_progress})),"",'
            f'IF(TRIM({c.weight}&"")="",1,{number(c.weight)}))'
        ),
        "calc_due": f'IF(NOT({is_kr}),"",{_date(c.due, chr(34) * 2)})',
        "calc_checked": f"IF(NOT({is_kr}),0,{_date(c.last_checkin, cycle_start)})",
        "calc_committed": _committed(c, columns),
        "calc_confidence": f'IF(NOT({is_kr}),"",{confidence(c.confidence)})',
        "calc_wconfidence": (
            f"IF(AND(ISNUMBER({c.calc_weight}),ISNUMBER({c.calc_confidence})),"
            f'{c.calc_weight}*{c.calc_confidence},"")'
        ),
        **_kr_scores(c, by_kind, cycle_start, recorded),
        "calc_wprogress": (f'IF(ISNUMBER({c.calc_weight}),{c.calc_weight}*{c.calc_progress},"")'),
        "calc_wexpected": (
            f"IF(AND(ISNUMBER({c.calc_weight}),ISNUMBER({c.calc_expected})),"
            f'{c.calc_weight}*{c.calc_expected},"")'
        ),
        **_shown(c, columns, first, max(CHECKED_ROWS, last)),
    }
    return {key: _formula(key, "=" + text) for key, text in cells.items()}


#: The calculated column okr reads back: a typed row without its result has no formulas.
READ_BACK = "calc_row"


def _formula(key: str, text: str) -> Formula:
    return Formula(text, fill=True, read=key == READ_BACK)


def _committed(c: _Row, columns: Mapping[str, int]) -> str:
    """1 when the row's objective is committed, 0 when aspirational: an objective row reads
    its own Commitment cell, a key result row its objective's (blank: the Settings default).
    A tab without the column (made before it existed) follows the default."""
    typed = setting("Default commitment", '"aspirational"')
    default = f'IF(LOWER(TRIM({typed}))="committed",1,0)'
    if "commitment" not in columns:
        return f'IF(OR({c.calc_row}="O",{c.calc_row}="K"),{default},"")'
    own = f'LOWER(TRIM({c.commitment}&""))'
    mine = f'{c.whole("calc_objective")},{c.calc_objective},{c.whole("calc_row")},"O"'
    return (
        f'IF({c.calc_row}="O",IF({own}="committed",1,IF({own}="aspirational",0,{default})),'
        f'IF({c.calc_row}="K",IF(COUNTIFS({mine},{c.whole("commitment")},"committed")>0,1,'
        f'IF(COUNTIFS({mine},{c.whole("commitment")},"aspirational")>0,0,{default})),""))'
    )


def _kr_scores(
    c: _Row, by_kind: Mapping[str, str], cycle_start: str, recorded: str
) -> dict[str, str]:
    """A key result row's progress, expected progress and status (docs/scoring.md)."""
    is_kr = f'{c.calc_row}="K"'
    # A committed objective's key results are on track only at or ahead of pace.
    on_track = f"IF({c.calc_committed}=1,0,{setting('On-track gap', '0.1')})"
    at_risk = setting("At-risk gap", "0.25")
    keep, met, unpaced = by_kind["holds"], by_kind["met"], by_kind["unpaced"]
    gap = f"({c.calc_expected}-{c.calc_progress})"
    return {
        "calc_progress": (
            f'IF(NOT({is_kr}),"",IF(NOT(ISNUMBER({c.calc_value})),"",{by_kind["progress"]}))'
        ),
        "calc_expected": (
            f'IF(NOT({is_kr}),"",IF({keep},1,IF(NOT(AND(ISNUMBER({c.calc_due}),'
            f'ISNUMBER({cycle_start}))),"",IF({c.calc_due}<={cycle_start},'
            f"IF(TODAY()>={c.calc_due},1,0),MAX(0,MIN(1,(TODAY()-{cycle_start})/"
            f"({c.calc_due}-{cycle_start})))))))"
        ),
        "calc_status": (
            f'IF(NOT({is_kr}),"",IF({c.calc_start}="{BASELINE_WORD}",'
            f'IF(AND(ISNUMBER({c.calc_due}),TODAY()>{c.calc_due}),"overdue","not started"),'
            f"IF(OR(NOT(ISNUMBER({c.calc_progress})),"
            f'NOT(ISNUMBER({c.calc_expected})),NOT(ISNUMBER({c.calc_due}))),"",'
            f'IF(AND({met},OR(NOT({keep}),TODAY()>={c.calc_due})),"done",'
            f'IF(TODAY()>{c.calc_due},"overdue",'
            f'IF(AND(NOT({recorded}),{unpaced}),"not started",'
            f'IF({keep},IF({met},"on track","off track"),'
            f'IF({unpaced},"on track",'
            f'IF(AND(NOT({recorded}),{gap}<={on_track}),"not started",'
            f'IF({gap}<={on_track}+{_EPSILON},"on track",'
            f'IF({gap}<={at_risk}+{_EPSILON},"at risk","off track")))))))))))'
        ),
    }


def _shown(c: _Row, columns: Mapping[str, int], first: int, bound: int) -> dict[str, str]:
    """The columns people read: a key result's own figures, an objective's roll-up of its key
    results (weighted means, the worst status, the newest check-in)."""
    is_kr, is_objective = f'{c.calc_row}="K"', f'{c.calc_row}="O"'
    objective = c.calc_objective
    mine = f'{c.whole("calc_objective")},{objective},{c.whole("calc_row")},"K"'
    weights = f"SUMIFS({c.whole('calc_weight')},{mine})"

    def rollup(key: str) -> str:
        return f'IF({weights}>0,SUMIFS({c.whole(key)},{mine})/{weights},"")'

    def rows_of(key: str) -> str:
        letter = column_letter(columns[key])
        return f"${letter}${first}:${letter}${bound}"

    confident = f'{mine},{c.whole("calc_confidence")},">=0"'
    rolled_confidence = (
        f"IF(SUMIFS({c.whole('calc_weight')},{confident})>0,"
        f"SUMIFS({c.whole('calc_wconfidence')},{mine})/SUMIFS({c.whole('calc_weight')},"
        f'{confident}),"")'
    )
    worst = '""'
    for word in reversed(_SEVERITY):
        worst = f'IF(COUNTIFS({mine},{c.whole("calc_status")},"{word}")>0,"{word}",{worst})'
    newest = (
        f"SUMPRODUCT(MAX(({rows_of('calc_objective')}={objective})*({rows_of('calc_checked')})))"
    )
    return {
        "calc_number": (
            f"IF({is_objective},COUNTIF(${column_letter(columns['calc_row'])}${first}:"
            f'{c.calc_row},"O"),"")'
        ),
        "progress": (
            f'IF({is_kr},IF({c.calc_start}="{BASELINE_WORD}","{MEASURING}",{c.calc_progress}),'
            f'IF({is_objective},{rollup("calc_wprogress")},""))'
        ),
        "expected": (
            f'IF({is_kr},{c.calc_expected},IF({is_objective},{rollup("calc_wexpected")},""))'
        ),
        "status": f'IF({is_kr},{c.calc_status},IF({is_objective},{worst},""))',
        "objective_confidence": f'IF({is_objective},{rolled_confidence},"")',
        # Never below 0: before a cycle starts (after an early rollover) nobody is late yet.
        "days_since": (
            f"IF({is_kr},MAX(0,TODAY()-{c.calc_checked}),IF(AND({is_objective},{weights}>0),"
            f'MAX(0,TODAY()-{newest}),""))'
        ),
    }


def formula_cells(
    columns: Mapping[str, int],
    first: int,
    last: int,
    rows: Iterable[int] | None = None,
    keys: Iterable[str] | None = None,
) -> dict[tuple[int, int], Formula]:
    """The calculated cells of rows `first`..`last` of a tab (or of just `rows` among them;
    of the columns `keys` only, when given), keyed by (row, column)."""
    if not formulas_fit(columns):
        return {}
    found: dict[tuple[int, int], Formula] = {}
    wanted = range(first, last + 1) if rows is None else sorted(set(rows))
    layout = (tuple(sorted(columns.items())), first, last, kinds.names())
    chosen = None if keys is None else tuple(keys)
    for row in wanted:
        found.update(_row_cells(layout, row, chosen))
    return found


@functools.lru_cache(maxsize=4096)
def _row_cells(
    layout: tuple[tuple[tuple[str, int], ...], int, int, tuple[str, ...]],
    row: int,
    keys: tuple[str, ...] | None,
) -> dict[tuple[int, int], Formula]:
    """The calculated cells of one row (see `formula_cells`): tabs laid out alike (150 person
    tabs) share them, as a `Formula` does not change."""
    template = _template(*layout)
    if keys is not None:
        template = {key: template[key] for key in keys if key in template}
    columns = dict(layout[0])
    # Every row's formulas are the template's with its own row numbers: one fill per column.
    return {
        (row, columns[key]): _formula(
            key, text.replace(_HERE, str(row)).replace(_ABOVE, str(row - 1))
        )
        for key, text in template.items()
    }


# Row numbers no real tab reaches, stand-ins for "this row" and "the row above".
_HERE, _ABOVE = "9999991", "9999990"


@functools.lru_cache(maxsize=64)
def _template(
    columns: tuple[tuple[str, int], ...], first: int, last: int, kind_names: tuple[str, ...]
) -> dict[str, str]:
    """The formulas of one row (cached by the tab's columns and the kinds in the table)."""
    made = row_formulas(dict(columns), int(_HERE), first, last)
    return {key: formula.text for key, formula in made.items()}


#: The cells the KPIs tab's Health formula reads.
KPI_INPUTS = ("id", "current", "healthy_from", "healthy_to")


def kpi_health(columns: Mapping[str, int], row: int) -> Formula:
    """A KPI row's health as `okr status` words it (okrsheet/render/kpis.py `health_word`):
    blank without an ID, `no value` without a Current, `no range` without either bound,
    `unhealthy` outside the range (its ends are inside), else `healthy`; blank while a number
    cannot be read (okr reports that cell)."""
    c = _Row(columns, row)
    current, low, high = number(c.current), number(c.healthy_from), number(c.healthy_to)
    text = (
        f'=IF(TRIM({c.id}&"")="","",IF({current}="","no value",'
        f'IF(AND({low}="",{high}=""),"no range",'
        f'IF(OR({current}="?",{low}="?",{high}="?"),"",'
        f'IF(AND(ISNUMBER({low}),{current}<{low}),"unhealthy",'
        f'IF(AND(ISNUMBER({high}),{current}>{high}),"unhealthy","healthy"))))))'
    )
    return Formula(text, fill=True)


def kpi_cells(columns: Mapping[str, int], first: int, last: int) -> dict[tuple[int, int], Formula]:
    """The Health cells of KPI rows `first`..`last`, keyed by (row, column); none when the tab
    lacks a column the formula reads."""
    if not all(key in columns for key in (*KPI_INPUTS, "health")):
        return {}
    return {(row, columns["health"]): kpi_health(columns, row) for row in range(first, last + 1)}
