"""Speed-ups change no output: the same commands on a benchmark-style workbook give the same
JSON, CSV and workbook bytes through the lean paths as through the plain ones.

The plain paths are kept here as they were before the log was sorted once and indexed (every
caller sorting the whole log itself), and as a check-in was written before its snapshot check
trusted the file's size, time stamp and inode (reading the whole workbook again to hash it)
and before it skimmed the log; each lean path is compared with its plain twin in one test.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import okrsheet.checkins
import okrsheet.domain.model
import okrsheet.report_page
import okrsheet.reports.history
import okrsheet.stores.base
import okrsheet.stores.xlsx.defer
import okrsheet.stores.xlsx.regular
import okrsheet.stores.xlsx.skim
import okrsheet.stores.xlsx.store
from benchmarks.generate import Size, build
from okrsheet.checkins import CheckInRequest, record
from okrsheet.domain import kpis as kpi_rules
from okrsheet.domain import scoring
from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import CheckIn, Cycle, KeyResult, Plan, checkin_order
from okrsheet.layout.writer import workbook_tabs
from okrsheet.reports.base import round4
from okrsheet.stores import Location
from okrsheet.stores.base import AppendRows, Deferred, WriteValue
from okrsheet.stores.xlsx.patch import patch
from okrsheet.stores.xlsx.store import XlsxStore

CYCLE = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
AS_OF = date(2026, 11, 20)


# The plain paths, as they were ---------------------------------------------------------------


def plain_rewind(plan: Plan, day: date) -> Plan:
    history: dict[str, list[CheckIn]] = {}
    for checkin in sorted(plan.checkins, key=checkin_order):
        history.setdefault(checkin.kr_id, []).append(checkin)
    rewound: list[KeyResult] = []
    for kr in plan.key_results:
        entries = history.get(kr.id, [])
        if not entries or entries[-1].date <= day:
            rewound.append(kr)
            continue
        known = [c for c in entries if plan.cycle.start <= c.date <= day]
        last = known[-1] if known else None
        confidences = [c.confidence for c in known if c.confidence is not None]
        rewound.append(
            kr.model_copy(
                update={
                    "current": last.value if last else None,
                    "confidence": confidences[-1] if confidences else None,
                    "last_checkin": last.date if last else None,
                }
            )
        )
    return plan.model_copy(
        update={
            "key_results": tuple(rewound),
            "checkins": tuple(c for c in plan.checkins if c.date <= day),
            "kpis": kpi_rules.as_of(plan.kpis, plan.checkins, day),
        }
    )


def plain_disagreements(plan: Plan) -> Iterator[tuple[bool, KeyResult, int, CheckIn]]:
    latest: dict[str, tuple[int, CheckIn]] = {}
    ordered = sorted(enumerate(plan.checkins), key=lambda pair: checkin_order(pair[1]))
    for index, checkin in ordered:
        if checkin.date >= plan.cycle.start:
            latest[checkin.kr_id] = (index, checkin)
    for kr in plan.key_results:
        if kr.id not in latest:
            continue
        index, entry = latest[kr.id]
        newer = kr.current is None or kr.last_checkin is None or entry.date > kr.last_checkin
        same = kr.current is not None and math.isclose(kr.current, entry.value)
        if newer and not (same and kr.last_checkin == entry.date):
            yield True, kr, index, entry
        elif not newer and not same:
            yield False, kr, index, entry


def plain_checkins_of(self: Plan, kr_id: str) -> tuple[CheckIn, ...]:
    return tuple(sorted((c for c in self.checkins if c.kr_id == kr_id), key=checkin_order))


def plain_history_reports(
    plan: Plan, as_of: date, *, max_points: int | None = None
) -> dict[str, Any]:
    history = okrsheet.reports.history
    logs: dict[str, list[CheckIn]] = {}
    for checkin in sorted(plan.checkins, key=checkin_order):
        if plan.cycle.start <= checkin.date <= as_of:
            logs.setdefault(checkin.kr_id, []).append(checkin)
    if max_points is not None:
        logs = {kr_id: history._thin(log, max_points) for kr_id, log in logs.items()}
    return {kr.id: plain_history(plan, kr, logs.get(kr.id, ()), as_of) for kr in plan.key_results}


def plain_history(plan: Plan, kr: KeyResult, log: Sequence[CheckIn], as_of: date) -> Any:
    """One key result's history as it was built: each point's progress through the generic
    `scoring.progress`."""
    history = okrsheet.reports.history
    entries = [c for c in log if plan.cycle.start <= c.date <= as_of]
    points = [
        history.HistoryPoint(
            date=c.date,
            value=c.value,
            confidence=c.confidence,
            note=c.note,
            author=c.author,
            progress=round4(scoring.progress(kr, c.value)) or 0.0,
        )
        for c in entries
    ]
    recent = [(p.date, p.value) for p in points[-scoring.FORECAST_POINTS :]]
    predicted = scoring.forecast(recent, kr.due_date)
    counted = [
        *(() if kr.start is None else (kr.start_value,)),
        kr.target_value,
        *(c.value for c in entries),
    ]
    if predicted is not None and kr.unit != "%" and all(v % 1 == 0 for v in counted):
        predicted = float(round(predicted))
    predicted_progress = None if predicted is None else round4(scoring.progress(kr, predicted))
    return history.HistoryReport.copying(
        kr,
        start=kr.start,
        target=kr.target_value,
        due=kr.due_date,
        as_of=as_of,
        checkins=points,
        forecast_at_due=None if predicted is None else round(predicted, 6),
        forecast_progress=predicted_progress,
    )


def plain_timelines(plan: Plan, as_of: date, *, max_points: int | None = None) -> dict[str, Any]:
    """The page's histories as they were: validated history reports, each point a model."""
    history = okrsheet.reports.history
    counts = Counter(c.kr_id for c in plan.checkins if plan.cycle.start <= c.date <= as_of)
    return {
        kr_id: history.Timeline(
            report.as_of,
            [history.Point(p.date, p.value, p.confidence, p.progress) for p in report.checkins],
            report.forecast_at_due,
            report.forecast_progress,
            counts[kr_id],
        )
        for kr_id, report in plain_history_reports(plan, as_of, max_points=max_points).items()
    }


class PlainSnapshot:
    """The snapshot check as it was: the whole file hashed when read and again when written."""

    def __init__(self, stat: tuple[int, int, int, int], digest: bytes) -> None:
        self.stat, self.digest = stat, digest

    @classmethod
    def of(cls, path: Path, data: bytes) -> PlainSnapshot:
        st = path.stat()
        stat = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        return cls(stat, hashlib.sha256(data).digest())

    def still(self, path: Path) -> bool:
        st = path.stat()
        if (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) != self.stat:
            return False
        return hashlib.sha256(path.read_bytes()).digest() == self.digest


def use_plain_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(okrsheet.domain.model, "rewind", plain_rewind)
    monkeypatch.setattr(okrsheet.domain.model, "_disagreements", plain_disagreements)
    monkeypatch.setattr(okrsheet.domain.model.Plan, "checkins_of", plain_checkins_of)
    monkeypatch.setattr(okrsheet.reports.history, "history_reports", plain_history_reports)
    monkeypatch.setattr(okrsheet.report_page, "timelines", plain_timelines)
    monkeypatch.setattr(okrsheet.stores.xlsx.store, "_Snapshot", PlainSnapshot)
    monkeypatch.setattr(okrsheet.stores.xlsx.regular, "MIN_BYTES", 1 << 40)  # the reader reads all
    plain_update = XlsxStore.update

    def update_without_skim(self: XlsxStore, planner: Any, *, skim: Any = None) -> Any:
        return plain_update(self, planner)

    monkeypatch.setattr(XlsxStore, "update", update_without_skim)
    plain_read = XlsxStore.read

    def read_whole_log(self: XlsxStore, *, whole: bool = False, deferred: Any = None) -> Any:
        return plain_read(self, whole=whole)

    monkeypatch.setattr(XlsxStore, "read", read_whole_log)


# The workbook ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The benchmark's workbook at 10 people, with the log's awkward cases added: same-day
    check-ins told apart by their time (with and without an offset from UTC), a back-dated
    one, one from before the cycle, one newer than its row and one after the as-of dates."""
    draft = build(Size(10, 2, 3, CYCLE), AS_OF)
    krs = [i for items in draft.tabs.values() for i in items if isinstance(i, KeyResult)]
    first, second, third = krs[0], krs[1], krs[2]
    extra = [
        CheckIn(
            date=AS_OF,
            kr_id=first.id,
            value=first.target_value - 1,
            note="later the same day",
            recorded_at=datetime(2026, 11, 20, 18, 30, tzinfo=timezone(timedelta(hours=2))),
            checkin_id="x-1",
        ),
        CheckIn(
            date=AS_OF,
            kr_id=first.id,
            value=first.target_value - 2,
            note="earlier the same day",
            recorded_at=datetime(2026, 11, 20, 9, 0),
            checkin_id="x-2",
        ),
        CheckIn(
            date=date(2026, 9, 20),
            kr_id=second.id,
            value=second.start_value,
            note="last cycle",
            checkin_id="x-3",
        ),
        CheckIn(
            date=date(2026, 10, 3),
            kr_id=second.id,
            value=second.start_value + 1,
            note="back-dated",
            recorded_at=datetime(2026, 11, 19, 8, 0, tzinfo=UTC),
            checkin_id="x-4",
        ),
        CheckIn(
            date=date(2026, 11, 27),
            kr_id=third.id,
            value=third.target_value,
            confidence=0.9,
            note="not yet on its row",
            recorded_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),
            checkin_id="x-5",
        ),
    ]
    draft.checkins.extend(extra)
    # For the reports that read the log only as far as they need: KPIs whose value comes from
    # an early line of the log, a quantified link that follows its upstream's trend, a key
    # result whose check-ins stopped early, and dates typed as text.
    draft.kpis = [
        KPI(id="KPI-1", name="Pipeline", owner=first.owner, current=5, updated=date(2026, 10, 1)),
        KPI(id="KPI-2", name="Churn", owner=first.owner, healthy_to=3),
    ]
    draft.checkins += [
        CheckIn(date=date(2026, 10, 8), kr_id="KPI-1", value=40, checkin_id="k-1"),
        CheckIn(date=date(2026, 10, 15), kr_id="KPI-2", value=9, checkin_id="k-2"),
    ]
    rising = [k for k in krs[6:] if k.target_value > k.start_value > 0]
    down, upstream, quiet = rising[0], rising[1], krs[7]
    tab = next(t for t, items in draft.tabs.items() if down in items)
    draft.tabs[tab] = [
        i.model_copy(update={"depends_on": (upstream.id,), "ratios": ((upstream.id, 40.0, False),)})
        if i == down
        else i
        for i in draft.tabs[tab]
    ]
    draft.checkins = [
        c for c in draft.checkins if c.kr_id != quiet.id or c.date < date(2026, 10, 20)
    ]
    path = tmp_path_factory.mktemp("same") / "bench.xlsx"
    XlsxStore(path).create(workbook_tabs(draft), overwrite=True)
    typed: list[list[WriteValue]] = [
        ["11/12/2026", krs[8].id, 17, 0.5, "typed as text", "", "", "t-1"],
        ["2026-11-25", krs[9].id, 18, None, "typed, after the as-of day", "", "", "t-2"],
    ]
    out = path.with_name("typed.xlsx")
    with out.open("wb") as sink:
        patch(str(path), sink, [AppendRows("Check-ins", typed)])
    return out.read_bytes()


COMMANDS: list[list[str]] = [
    [command, "--format", output, *when]
    for command in ("status", "lagging", "grade")
    for output in ("json", "csv")
    for when in ([], ["--as-of", "2026-11-10"], ["--as-of", "2026-12-31"])
] + [
    ["status", "--format", "json", *when]
    for when in (["--as-of", "2026-11-26"], ["--as-of", "11/30/2026"], ["--as-of", "2025-12-01"])
] + [
    ["lagging", "--missing-checkins", "--format", "json"],
    ["status", "--owner", "Person 001", "--format", "json"],
] + [
    ["history", kr, "--format", output, *when]
    for kr in ("P001-1.1", "P001-1.3")
    for output in ("json", "csv")
    for when in ([], ["--as-of", "2026-11-10"], ["--as-of", "2026-11-30"])
] + [
    ["validate", "--format", "json"],
    ["report", "--out", "page.html"],
]  # fmt: skip


def outputs(okr: Any, workbook: Path) -> dict[str, str]:
    said: dict[str, str] = {}
    for args in COMMANDS:
        result = okr(*args, "-w", str(workbook))
        key = " ".join(args)
        assert result.exit_code in (0, 3), f"{key}: {result.stderr}"
        said[key] = f"{result.exit_code}\n{result.stdout}\n{result.stderr}"
        if args[0] == "report":
            said[key] += Path(args[2]).read_text(encoding="utf-8")
    return said


def checkin_bytes(path: Path) -> bytes:
    """Two check-ins in a row (the second one reuses what the first one wrote), at pinned times
    with pinned ids; the workbook's bytes after them."""
    moments = iter([datetime(2026, 11, 20, 12, 0, tzinfo=UTC), datetime(2026, 11, 20, 12, 5)])
    for n, kr in enumerate(("P003-2.1", "P010-1.2")):
        record(
            Location(path=path),
            [CheckInRequest(kr_id=kr, value=42.5 + n, note="=not a formula", checkin_id=f"c{n}")],
            today=AS_OF,
            clock=lambda: next(moments).replace(tzinfo=UTC),
        )
    return path.read_bytes()


def test_reports_say_the_same_through_the_lean_and_the_plain_paths(
    okr: Any, workbook_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workbook = tmp_path / "bench.xlsx"
    workbook.write_bytes(workbook_bytes)
    monkeypatch.setenv("OKR_TODAY", AS_OF.isoformat())
    # The lean path as on a large workbook: a log over 1 kB counts as long, and status and
    # lagging read of it only the lines they need.
    monkeypatch.setattr(
        okrsheet.stores.base, "Deferred", functools.partial(Deferred, min_bytes=1024)
    )
    # And the report, which reads every line, cuts the log's regular rows out itself.
    monkeypatch.setattr(okrsheet.stores.xlsx.regular, "MIN_BYTES", 1024)
    scanned: list[bool] = []
    scan = okrsheet.stores.xlsx.regular.scan

    def counted_scan(xml: bytes) -> Any:
        found = scan(xml)
        scanned.append(found is not None)
        return found

    monkeypatch.setattr(okrsheet.stores.xlsx.regular, "scan", counted_scan)
    picked: list[tuple[int, int]] = []
    pick = okrsheet.stores.xlsx.defer.pick_streamed

    def counted(package: Any, chunks: Iterable[bytes], head_end: int, wanted: Any) -> Any:
        # The log as it is inflated, in pieces far smaller than a long log's, so that rows
        # and tags lie across the places where one piece ends and the next begins.
        xml = b"".join(chunks)
        found = pick(
            package, (xml[at : at + 997] for at in range(0, len(xml), 997)), head_end, wanted
        )
        rows = xml.count(b"<row")
        picked.append((rows, -1 if found is None else len(found[2])))
        return found

    monkeypatch.setattr(okrsheet.stores.xlsx.defer, "pick_streamed", counted)
    lean = outputs(okr, workbook)
    # Most reports read a few lines of the log (those of the KPIs, of the link's upstream, the
    # typed ones and those after the day); as of a day before the last line, all of it.
    assert picked and all(0 <= kept < 40 for rows, kept in picked[:1])
    assert sum(kept >= 0 for _, kept in picked) >= 8
    assert any(scanned), "the reports reading every line read the log's regular rows"
    with monkeypatch.context() as plain:
        use_plain_paths(plain)
        assert okrsheet.domain.model.rewind is plain_rewind
        before = outputs(okr, workbook)
    assert lean.keys() == before.keys()
    for key, said in before.items():
        assert lean[key] == said, key
    # The as-of dates reach every branch: rewound rows, and the check-in not yet on its row.
    assert "not yet on its row" in lean["history P001-1.3 --format csv --as-of 2026-11-30"]
    assert lean["status --format json --as-of 2026-11-10"] != lean["status --format json"]
    assert "unapplied-checkin" in lean["validate --format json"]
    # What only the lines read in part can tell: the KPI's value from the log, the upstream's
    # trend, the quiet owner.
    status = lean["status --format json"]
    assert '"current": 40.0' in status and "short upstream" in status
    assert lean["status --format json --as-of 2026-11-26"] != status


@pytest.mark.parametrize("step", [None, 4096])
def test_a_checkin_writes_the_same_bytes_through_the_lean_and_the_plain_paths(
    workbook_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: int | None
) -> None:
    lean = tmp_path / "lean.xlsx"
    lean.write_bytes(workbook_bytes)
    plain = tmp_path / "plain.xlsx"
    plain.write_bytes(workbook_bytes)
    # The lean path as on a large workbook: the log skimmed (this one is small, so any tab
    # over 1 kB counts as long), the snapshot settled by the file's time stamps alone.
    skim = dataclasses.replace(okrsheet.checkins.RECORD_SKIM, min_bytes=1024)
    monkeypatch.setattr(okrsheet.checkins, "RECORD_SKIM", skim)
    skimmed: list[int] = []
    skim_stream = okrsheet.stores.xlsx.skim.skim_stream

    def counted(package: Any, part: str, patterns: Any, head_rows: int) -> Any:
        found = skim_stream(package, part, patterns, head_rows)
        skimmed.append(0 if found is None else package.size(part) - len(found[0]))
        return found

    monkeypatch.setattr(okrsheet.stores.xlsx.skim, "skim_stream", counted)
    if step is not None:  # the log inflated and scanned in small pieces, never held whole
        monkeypatch.setattr(okrsheet.stores.xlsx.skim, "STEP", step)
    with monkeypatch.context() as settled:
        settled.setattr(okrsheet.stores.xlsx.store, "SETTLED_NS", 0)
        settled.setattr(hashlib, "sha256", None)  # nothing is hashed
        written = checkin_bytes(lean)
    assert skimmed and max(skimmed) > 100_000, "the log was skimmed"
    with monkeypatch.context() as patched:
        use_plain_paths(patched)
        expected = checkin_bytes(plain)
    assert written != workbook_bytes
    assert hashlib.sha256(written).hexdigest() == hashlib.sha256(expected).hexdigest()


def test_the_plain_paths_are_the_ones_replaced() -> None:
    """The names this test swaps are still the ones the code calls (else it compares nothing)."""
    assert callable(okrsheet.domain.model._disagreements)
    assert callable(okrsheet.reports.history._history)
    assert hasattr(okrsheet.stores.xlsx.store._Snapshot, "still")
