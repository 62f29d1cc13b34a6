"""What `okr sync` found, per sourced key result or KPI: where the number came from, the number
before and after, and whether a check-in was written (docs/output.md#sync)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from okrsheet.reports.base import Report, ReportModel

if TYPE_CHECKING:
    from okrsheet.sync import SyncResult

SyncStatus = Literal["changed", "unchanged", "failed"]


class SyncRow(ReportModel):
    id: str
    source: str
    #: The number before this run (the key result's current value), null when blank.
    old: float | None
    #: The number the source gave, null when it failed.
    new: float | None
    status: SyncStatus
    #: Why the source failed, null otherwise.
    reason: str | None
    #: Whether a check-in with the new number was recorded (never on a dry run).
    written: bool


class SyncReport(Report):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "source",
        "old",
        "new",
        "status",
        "reason",
        "written",
    )
    ROWS = "results"

    dry_run: bool
    changed: int
    unchanged: int
    failed: int
    #: Check-ins recorded (0 on a dry run or when nothing changed).
    recorded: int
    #: How many documents (workbooks, files, URLs) were read, each once.
    reads: int
    #: Why no source was read at all (today is outside the cycle), else null.
    notice: str | None
    results: list[SyncRow]


def sync_report(result: SyncResult, *, dry_run: bool) -> SyncReport:
    from okrsheet.sources import shown

    rows: list[SyncRow] = []
    for outcome in result.outcomes:
        status: SyncStatus
        if outcome.error is not None:
            status = "failed"
        elif outcome.changed:
            status = "changed"
        else:
            status = "unchanged"
        rows.append(
            SyncRow(
                id=outcome.item_id,
                source=shown(outcome.source),
                old=outcome.before,
                new=outcome.value if outcome.error is None else None,
                status=status,
                reason=outcome.error,
                written=status == "changed" and result.written and not dry_run,
            )
        )
    return SyncReport(
        dry_run=dry_run,
        changed=sum(r.status == "changed" for r in rows),
        unchanged=sum(r.status == "unchanged" for r in rows),
        failed=sum(r.status == "failed" for r in rows),
        recorded=result.recorded,
        reads=len(result.reads),
        notice=result.notice or None,
        results=rows,
    )
