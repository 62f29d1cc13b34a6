"""The key-result quality checks run on a workbook: its key results read as lint subjects,
its Archive tabs as history, and each note placed at its cell (`Sales!D7`).

The rules themselves are in okrsheet/lint (no I/O); `okr lint` shows every finding, and
`okr validate` adds them to its warnings (see `validation_warnings`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from okrsheet.domain.model import Commitment
from okrsheet.layout import Finding, ParsedWorkbook, cells
from okrsheet.layout.archive import read_history
from okrsheet.layout.schema import TYPE_KEY_RESULT
from okrsheet.lint import CODES, Subject, lint
from okrsheet.stores.base import CellValue, RawWorkbook

#: The checks that read finished cycles from the Archive tabs.
_HISTORY_CODES = frozenset({"status-quo", "sandbagging"})


@dataclass(frozen=True)
class KRFinding:
    """One finding of `okr lint`: the check, the cell, the key result, why, and what to do."""

    code: str
    where: str | None
    id: str
    title: str
    owner: str
    message: str
    suggestion: str


def enabled_codes(parsed: ParsedWorkbook, only: Iterable[str] | None = None) -> tuple[str, ...]:
    """The checks to make: `only` when given, else those the `KR checks` setting turns on."""
    if only is not None:
        return tuple(code for code in CODES if code in set(only))
    chosen = parsed.plan.settings.kr_checks
    return CODES if chosen is None else chosen


def check_workbook(
    raw: RawWorkbook,
    parsed: ParsedWorkbook,
    *,
    codes: Iterable[str] | None = None,
    unreadable: bool = True,
    archives: Callable[[], Sequence[RawWorkbook]] | None = None,
) -> list[KRFinding]:
    """Every finding of the chosen checks (all when None) on the workbook's key results, in
    workbook order. With `unreadable`, rows `okr validate` rejects get the checks their cells
    allow (the title's, and the start and target when they could be read). `archives` gives
    the archive workbooks the Settings name (read only when a check needs history)."""
    subjects = [
        Subject(
            id=kr.id,
            title=kr.title,
            start=kr.start,
            target=kr.target,
            unit=kr.unit,
            typed_kind=kr.kind,
            owner=kr.owner,
            objective_id=kr.objective_id,
            committed=kr.committed,
        )
        for kr in parsed.plan.key_results
    ]
    readable = {s.id for s in subjects}
    if unreadable:
        subjects += [
            _unreadable_subject(raw, parsed, u.id, u.title, u.owner, u.objective_id or "")
            for u in parsed.unreadable.values()
            if u.kind == TYPE_KEY_RESULT and u.id in parsed.rows and u.title
        ]
    chosen = tuple(codes) if codes is not None else CODES
    # Only the checks that compare with finished cycles need the Archive tabs.
    settings = parsed.plan.settings
    history = None
    if set(chosen) & _HISTORY_CODES:
        grids = [g for r in (raw, *(archives() if archives else ())) for g in r.grids]
        history = read_history(RawWorkbook(grids), settings.default_commitment)
    notes = lint(
        subjects,
        history,
        codes=chosen,
        numbers_of=lambda s: s.id in readable or None not in (s.start, s.target),
    )
    by_id = {s.id: s for s in subjects}
    found = []
    for note in notes:
        subject = by_id[note.item_id]
        table, row = parsed.rows[note.item_id]
        found.append(
            KRFinding(
                code=note.code,
                where=table.ref(row, note.field),
                id=note.item_id,
                title=subject.title,
                owner=subject.owner,
                message=note.message,
                suggestion=note.suggestion,
            )
        )
    return found


def validation_warnings(
    raw: RawWorkbook,
    parsed: ParsedWorkbook,
    archives: Callable[[], Sequence[RawWorkbook]] | None = None,
) -> list[Finding]:
    """The findings as `okr validate` warnings, for the checks the Settings turn on; rows
    that already have errors are left to those errors."""
    codes = enabled_codes(parsed)
    if not codes:
        return []
    return [
        Finding("warning", f.code, f"{f.message}; {f.suggestion}", f.where)
        for f in check_workbook(raw, parsed, codes=codes, unreadable=False, archives=archives)
    ]


def _unreadable_subject(
    raw: RawWorkbook,
    parsed: ParsedWorkbook,
    item_id: str,
    title: str,
    owner: str,
    objective_id: str,
) -> Subject:
    """What can be read of a key result's row that `okr validate` rejects."""
    table, row = parsed.rows[item_id]
    grid = raw.grid(table.title)

    def get(key: str) -> CellValue:
        col = table.col(key)
        return grid.cell(row, col) if grid is not None and col else None

    def number(key: str) -> float | None:
        try:
            return cells.parse_number(get(key))
        except cells.CellValueError:
            return None

    try:
        kind = cells.parse_kind(get("kind"))
    except cells.CellValueError:
        kind = None
    objective = parsed.plan.objective(objective_id) if objective_id else None
    settings = parsed.plan.settings
    committed = (
        objective.commitment_in(settings) if objective else settings.default_commitment
    ) is Commitment.COMMITTED
    return Subject(
        id=item_id,
        title=title,
        start=number("start"),
        target=number("target"),
        unit=cells.parse_text(get("unit")),
        typed_kind=kind,
        owner=owner,
        objective_id=objective_id,
        committed=committed,
    )
