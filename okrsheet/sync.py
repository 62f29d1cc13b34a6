"""`okr sync`: read every key result's and KPI's Source once, record a check-in for each number
that changed, and say in each Synced cell what was found, all in one write (docs/sources.md).

A source that fails does not stop the others: it is written into its Synced cell (with the
day the failure began), which `okr validate` and `okr lagging` report without reading it again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from okrsheet.checkins import RECORD_SKIM, CheckInRequest, new_checkin_id, prepare, record
from okrsheet.domain.model import KeyResult, Plan
from okrsheet.errors import UsageError
from okrsheet.layout import cells, parse_workbook
from okrsheet.layout.reader import ParsedWorkbook, find_table
from okrsheet.layout.schema import OKR_COLUMNS, SOURCE_COLUMNS, is_archive
from okrsheet.layout.source_cells import source_columns
from okrsheet.layout.tables import Finding, Table, cell_ref
from okrsheet.memory import bulk_load
from okrsheet.sources import Context, Kind, Source, SourceError, kind_named, parse_source
from okrsheet.sources.config import MachineConfig, load_config
from okrsheet.sources.status import SourceState, next_state, read_state
from okrsheet.stores import Location, open_store
from okrsheet.stores.base import Change, RawWorkbook, SetCells, WorkbookStore, WriteValue

#: How many sources are read at once (HTTP requests, Google reads, files).
PARALLEL_READS = 8


@dataclass
class Outcome:
    """What sync found for one key result or KPI."""

    item_id: str
    source: str
    before: float | None
    value: float | None = None
    error: str | None = None
    #: The Synced cell's new text, or None when it stays as it is.
    state: SourceState | None = None

    @property
    def changed(self) -> bool:
        if self.value is None or self.error is not None:
            return False
        return self.before is None or not math.isclose(self.before, self.value, abs_tol=1e-12)


@dataclass
class SyncResult:
    outcomes: list[Outcome]
    #: Each document read, and how many sources it fed.
    reads: dict[str, int] = field(default_factory=dict)
    recorded: int = 0
    written: bool = False
    #: Why nothing was read at all (today is outside the cycle), for the person.
    notice: str = ""

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.changed]


@dataclass(frozen=True)
class _Fed:
    item_id: str
    source: str
    current: float | None
    status: str
    kr: KeyResult | None


def _now() -> datetime:
    return datetime.now(UTC)


def sync(
    location: Location,
    *,
    only: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
    config: MachineConfig | None = None,
    clock: Callable[[], datetime] = _now,
) -> SyncResult:
    """Read every source once (in parallel), then record what changed in one write."""
    with bulk_load():  # the workbook's read, its parse, the plan and the write: as a load
        return _sync(location, only, dry_run, today, config, clock)


def _sync(
    location: Location,
    only: str | None,
    dry_run: bool,
    today: date | None,
    config: MachineConfig | None,
    clock: Callable[[], datetime],
) -> SyncResult:
    config = load_config() if config is None else config
    store = open_store(location)
    # The check-in ids of this run all start with one id, fixed before the read: the read,
    # kept for the write, then holds every log row that may hold one of them already.
    run = new_checkin_id()
    raw = _read(store, location, run=run, locking=not dry_run)
    parsed = parse_workbook(raw, with_log=False)
    plan = parsed.plan
    day = today or clock().astimezone(cells.time_zone(plan.settings.time_zone)).date()
    fed = _fed_items(plan, only)
    if not plan.cycle.contains(day):
        cycle = plan.cycle
        return SyncResult(
            [],
            notice=f"today ({day.isoformat()}) is outside the cycle {cycle.name} "
            f"({cycle.start.isoformat()} to {cycle.end.isoformat()}): a check-in cannot be "
            "recorded, so no source was read; `okr rollover` starts the next cycle",
        )
    base = location.path.parent if location.path is not None else Path.cwd()
    context = Context(base=base.resolve(), config=config, roots=config.roots)
    outcomes, reads = read_all(fed, context)
    _check_values(plan, fed, outcomes, day, clock)
    for item, outcome in zip(fed, outcomes, strict=True):
        outcome.state = next_state(
            read_state(item.status), day, error=outcome.error, changed=outcome.changed
        )
    result = SyncResult(outcomes, reads)
    requests = [
        CheckInRequest(
            kr_id=o.item_id,
            value=o.value,
            note=f"synced from {o.source}",
            author=f"sync:{o.source}",
            day=day,
            checkin_id=f"{run}-{n}",
        )
        for n, o in enumerate(outcomes, start=1)
        if o.changed and o.value is not None
    ]
    states = {o.item_id: o.state.text() for o in outcomes if o.state is not None}
    if dry_run or not (requests or states):
        return result

    def say_states(fresh: RawWorkbook) -> list[Change]:
        return state_changes(fresh, states)

    recorded = record(
        location,
        requests,
        today=day,
        clock=clock,
        also=say_states,
        store=store,
        known=(raw, parsed),
    )
    result.recorded = len(recorded)
    result.written = True
    return result


def _read(store: WorkbookStore, location: Location, *, run: str, locking: bool) -> RawWorkbook:
    """The workbook without most of its check-in log's rows (sync needs the rows, not the
    history): a local store may then skip most of a long log, as a check-in's own read does,
    and keep this read for the write (`Skim.keep`), which needs no read of its own when the
    file has not changed meanwhile. That read takes the write lock for a moment, so a dry run
    (which may not write, even a lock file) reads it whole instead."""
    if location.remote or not locking:
        return store.read()
    seen: list[RawWorkbook] = []

    def keep(raw: RawWorkbook) -> list[Change]:
        seen.append(raw)
        return []  # nothing to write: this is a read

    store.update(keep, skim=replace(RECORD_SKIM, needles=frozenset({run}), keep=True))
    return seen[-1]


def _fed_items(plan: Plan, only: str | None) -> list[_Fed]:
    fed = [_Fed(k.id, k.source, k.current, k.source_status, k) for k in plan.key_results]
    fed += [_Fed(k.id, k.source, k.current, k.source_status, None) for k in plan.kpis]
    if only is not None:
        wanted = [f for f in fed if f.item_id.casefold() == only.strip().casefold()]
        if not wanted:
            raise UsageError(f"no key result or KPI with ID {only!r}", option="--kr")
        if not wanted[0].source:
            raise UsageError(f"{wanted[0].item_id} has no Source to sync from", option="--kr")
        return wanted
    return [f for f in fed if f.source]


def read_all(fed: Sequence[_Fed], context: Context) -> tuple[list[Outcome], dict[str, int]]:
    """Each item's number or error; every document read once, several at a time."""
    outcomes = [Outcome(f.item_id, f.source, f.current) for f in fed]
    parsed: list[tuple[Source, Kind, str] | None] = []
    for item, outcome in zip(fed, outcomes, strict=True):
        try:
            source = parse_source(item.source)
            kind = kind_named(source.kind)
            parsed.append((source, kind, kind.locate(source, context)))
        except SourceError as exc:
            outcome.error = exc.message
            parsed.append(None)
    documents: dict[tuple[str, str], Kind] = {}
    for entry in parsed:
        if entry is not None:
            documents.setdefault((entry[0].kind, entry[2]), entry[1])

    def read_one(key: tuple[str, str]) -> object:
        try:
            return documents[key].read(key[1], context)
        except SourceError as exc:
            return exc
        except Exception as exc:  # one odd document must not stop the other sources
            return SourceError(_unexpected(exc))

    keys = list(documents)
    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_READS, len(keys)))) as pool:
        read = dict(zip(keys, pool.map(read_one, keys), strict=True))
    reads: dict[str, int] = {}
    for entry, outcome in zip(parsed, outcomes, strict=True):
        if entry is None:
            continue
        source, kind, document = entry
        reads[document] = reads.get(document, 0) + 1
        got = read[(source.kind, document)]
        if isinstance(got, SourceError):
            outcome.error = got.message
            continue
        try:
            outcome.value = kind.number(source, got)
        except SourceError as exc:
            outcome.error = exc.message
        except Exception as exc:  # as for a read: this source fails, the others go on
            outcome.error = _unexpected(exc)
    return outcomes, reads


def _unexpected(exc: Exception) -> str:
    """An error no source kind foresaw, in one line (it may be a bug in okr: say what it was)."""
    from okrsheet.errors import OkrError

    if isinstance(exc, OkrError):
        return exc.message
    text = " ".join(str(exc).split())[:200]
    return (
        f"unexpected {type(exc).__name__}: {text}" if text else f"unexpected {type(exc).__name__}"
    )


def _check_values(
    plan: Plan,
    fed: Sequence[_Fed],
    outcomes: Sequence[Outcome],
    day: date,
    clock: Callable[[], datetime],
) -> None:
    """A number the check-in rules refuse (78 on an 85% target, a day outside the cycle) is
    that source's failure, not the whole run's. All are checked at once; only when that fails
    is each checked alone, to say which."""
    changed = [o for o in outcomes if o.changed and o.value is not None]

    def check(some: Sequence[Outcome]) -> None:
        requests = [CheckInRequest(kr_id=o.item_id, value=o.value or 0.0, day=day) for o in some]
        prepare(plan, requests, today=max(day, clock().date()), now=clock())

    try:
        check(changed)
        return
    except UsageError:
        pass
    for outcome in changed:
        try:
            check([outcome])
        except UsageError as exc:
            outcome.error = "; ".join(d.split(": ", 1)[-1] for d in exc.details) or exc.message
            outcome.value = None


def state_changes(raw: RawWorkbook, states: Mapping[str, str]) -> list[Change]:
    """The Synced cells to write, found by ID on the fresh read; a tab with a Source column but
    no Synced column gets one, after its last column."""
    from okrsheet.layout.kpis_tab import KPI_COLUMNS
    from okrsheet.layout.schema import normalize_header
    from okrsheet.layout.side_tabs import KPIS_TAB

    changes: list[Change] = []
    for grid in raw.grids:
        if is_archive(grid.title):
            continue  # history: never written to
        if normalize_header(grid.title) == normalize_header(KPIS_TAB):
            table = find_table(grid, KPI_COLUMNS, min_matches=2)
        else:
            table = find_table(grid, OKR_COLUMNS, min_matches=4)
        if table is None or "id" not in table.columns:
            continue
        where = source_columns(table)
        if "source" not in where:
            continue
        values: dict[tuple[int, int], WriteValue] = {}
        anchors: dict[int, tuple[int, str]] = {}
        col = where.get("source_status") or _next_free_column(table)
        for row in range(table.header_row + 1, len(grid.rows) + 1):
            item = cells.parse_text(grid.cell(row, table.columns["id"]))
            if item in states:
                values[(row, col)] = states[item]
                anchors[row] = (table.columns["id"], item)
        if values and "source_status" not in where:
            values[(table.header_row, col)] = SOURCE_COLUMNS[1].header
        if values:
            changes.append(SetCells(grid.title, values, anchors))
    return changes


def _next_free_column(table: Table) -> int:
    used = [*table.columns.values(), *table.extra_columns]
    return max(used, default=0) + 1


def stale_findings(parsed: ParsedWorkbook, as_of: date) -> list[Finding]:
    """A warning at the Source cell of each sourced key result that lags because its source's
    number has not moved for longer than the cadence while it is behind (as `okr lagging`
    says), for `okr validate`."""
    from okrsheet.domain.scoring import lagging

    findings: list[Finding] = []
    if not any(kr.source for kr in parsed.plan.key_results):
        return findings  # nothing sourced: no scoring needed
    for lag in lagging(parsed.plan, as_of):
        kr = lag.score.kr
        place = parsed.rows.get(kr.id)
        for code, sentence in lag.reasons:
            if code != "source-stale" or place is None:
                continue
            table, row = place
            col = source_columns(table).get("source")
            where = cell_ref(table.title, row, col) if col else table.ref(row, "id")
            findings.append(Finding("warning", code, sentence, where))
    return findings
