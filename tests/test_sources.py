"""The Source syntax, what a workbook may never hold, the Synced cell's states, the machine's
config, and the number each kind takes out of a document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from okrsheet.errors import UsageError
from okrsheet.sources import (
    Context,
    SourceError,
    kind_named,
    parse_source,
    refusal,
    resolve_path,
    shown,
)
from okrsheet.sources.cell_ref import CellRange, last_number, parse_range
from okrsheet.sources.config import MachineConfig, load_config
from okrsheet.sources.status import SourceState, next_state, read_state, source_lag_reasons
from okrsheet.stores.base import Grid, RawWorkbook

DAY = date(2026, 11, 16)


@pytest.mark.parametrize(
    ("text", "kind", "document"),
    [
        ("finance.xlsx!'P&L'!C14", "xlsx", "finance.xlsx"),
        ("reports/Q4 finance.xlsm!Revenue!C2:C40", "xlsx", "reports/Q4 finance.xlsm"),
        ("gsheet:1AbCdEfGhIjKlMnOp!Pipeline!B7", "gsheet", "1AbCdEfGhIjKlMnOp"),
        (
            "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjK/edit#gid=0!Pipeline!B:B",
            "gsheet",
            "1AbCdEfGhIjK",
        ),
        ("deals.csv!Amount", "csv", "deals.csv"),
        ("deals.csv!sum(Amount)[Stage=Won]", "csv", "deals.csv"),
        ("https://crm.example.com/deals.csv!'Net amount'[Region=R&D]", "csv",
         "https://crm.example.com/deals.csv"),
        ("csv:https://crm.example.com/export?format=csv!Amount", "csv",
         "https://crm.example.com/export?format=csv"),
        ("https://api.example.com/v1/stats#/data/signups", "json",
         "https://api.example.com/v1/stats"),
        ("stats.json#/total", "json", "stats.json"),
        ("config:deals_won", "config", "deals_won"),
    ],
)  # fmt: skip
def test_each_kind_recognises_its_syntax(text: str, kind: str, document: str) -> None:
    source = parse_source(text)

    assert (source.kind, source.document) == (kind, document)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("finance.xlsx!C14", "is not a cell or range of finance.xlsx"),
        ("gsheet:short!A!B1", "a Google source is gsheet:ID!Tab!B7"),
        ("deals.csv!", "a CSV source is FILE!Column"),
        ("https://api.example.com/v1/stats#", "needs a JSON pointer"),
        ("config:two words", "config:NAME names a source"),
        ("revenue", "is not a source okr can read"),
    ],
)
def test_a_malformed_source_says_how_to_write_it(text: str, said: str) -> None:
    with pytest.raises(SourceError, match=said):
        parse_source(text)


@pytest.mark.parametrize(
    "text",
    [
        "bash -c 'echo 1'",
        "sh ./count.sh",
        "python3 -c 'print(1)'",
        "/usr/local/bin/crm-count --won",
        "cmd:crm-count",
        "exec: ls",
        "!ls",
        "| cat",
        "`id`",
        "$(id)",
        "deals.csv!Amount && rm x",
        "deals.csv!Amount; rm x",
        "deals.csv!Amount > /tmp/x",
    ],
)
def test_a_command_is_refused(text: str) -> None:
    assert "names a command" in (refusal(text) or "")


@pytest.mark.parametrize(
    "text",
    [
        "https://api.example.com/x.json?api_key=abc#/n",
        "https://api.example.com/x.json?token=abc#/n",
        "https://api.example.com/x.json?X-Amz-Signature=abc#/n",
        "https://bob:hunter2@api.example.com/x.json#/n",
        "https://api.example.com/x.json#/n Authorization: abc",
        "Bearer abcdefghijklmnop",
        "https://api.example.com/x.json#/ghp_abcdefghijklmnopqrstuvwxyz0123",
        "deals.csv!Amount[Key=AKIAABCDEFGHIJKLMNOP]",
        "https://x.example.com/eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0NTY3.abc.json#/n",
    ],
)
def test_a_secret_is_refused_and_never_shown(text: str) -> None:
    reason = refusal(text) or ""

    assert "secret" in reason or "password" in reason
    assert shown(text) == "(not shown: it holds a secret)"
    with pytest.raises(SourceError) as raised:
        parse_source(text)
    assert text not in raised.value.message


@pytest.mark.parametrize(
    "text",
    [
        "finance.xlsx!'P&L'!C14",
        "desk-reports-quarterly-2026.csv!Total",
        "basic-metrics.csv!Total",
        "deals.csv!Amount[Team=Sales & Ops]",
        "deals.csv!Amount[Stage=Won; Lost]",
        "https://api.example.com/v1/keys-count.json#/monkey",
        "tokens.csv!Count",
    ],
)
def test_ordinary_sources_are_not_mistaken_for_commands_or_secrets(text: str) -> None:
    assert refusal(text) is None
    assert shown(text) == text


# Ranges and numbers ---------------------------------------------------------------------------


def test_ranges() -> None:
    assert parse_range("'P&L'!C14") == CellRange("P&L", 14, 3, 14, 3, "'P&L'!C14")
    assert parse_range("'Bob''s'!$B$2") == CellRange("Bob's", 2, 2, 2, 2, "'Bob''s'!$B$2")
    assert parse_range("Data!C40:B2") == CellRange("Data", 2, 2, 40, 3, "Data!C40:B2")
    assert parse_range("Data!C:C") == CellRange("Data", None, 3, None, 3, "Data!C:C")
    assert parse_range("Data!C") is None
    assert parse_range("Data!C0") is None
    assert parse_range("C14") is None


def test_the_last_number_of_a_range_skips_blanks_and_text() -> None:
    raw = RawWorkbook(
        [Grid("Data", [["Week", "Won"], [1, 70], [2, "1,234"], [3, None], ["x", "n/a"]])]
    )

    assert last_number(raw, parse_range("Data!B:B")) == 1234  # type: ignore[arg-type]
    assert last_number(raw, parse_range("data!B2")) == 70  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="not a number: 'n/a' is a placeholder"):
        last_number(raw, parse_range("Data!B5"))  # type: ignore[arg-type]
    with pytest.raises(SourceError, match=r"Data!B4 is empty"):
        last_number(raw, parse_range("Data!B4"))  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="tab 'P&L' not found"):
        last_number(raw, parse_range("'P&L'!B4"))  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="no number in Data!C1:C9"):
        last_number(raw, parse_range("Data!C1:C9"))  # type: ignore[arg-type]


def _context(tmp_path: Path, **config: object) -> Context:
    return Context(base=tmp_path, config=MachineConfig(**config))  # type: ignore[arg-type]


def test_csv_rows_sums_and_encodings(tmp_path: Path) -> None:
    (tmp_path / "deals.csv").write_bytes(
        "\ufeffStage;Net amount;Région\nWon;1.200;EMEA\nLost;300;US\nWon;450;US\n".encode()
        .replace(b"1.200", b"1200")
    )  # fmt: skip
    kind = kind_named("csv")
    context = _context(tmp_path)

    def number(text: str) -> float:
        source = parse_source(text)
        return kind.number(source, kind.read(kind.locate(source, context), context))

    assert number("deals.csv!'Net amount'") == 450
    assert number("deals.csv!Net amount[Région=emea]") == 1200
    assert number("deals.csv!sum(Net amount)[Stage=Won]") == 1650
    assert number("deals.csv!SUM( Net amount )") == 1950
    with pytest.raises(SourceError, match="no column 'Amount'"):
        number("deals.csv!Amount")
    with pytest.raises(SourceError, match="no row whose Stage is 'Open'"):
        number("deals.csv!Net amount[Stage=Open]")
    with pytest.raises(SourceError, match="no file at other.csv"):
        number("other.csv!Amount")


def test_json_pointers(tmp_path: Path) -> None:
    (tmp_path / "stats.json").write_text(
        '{"data": {"a/b": 3, "list": [{"n": "1,234"}], "text": "soon", "none": null}}'
    )
    kind = kind_named("json")
    context = _context(tmp_path)

    def number(text: str) -> float:
        source = parse_source(text)
        return kind.number(source, kind.read(kind.locate(source, context), context))

    assert number("stats.json#/data/a~1b") == 3
    assert number("stats.json#/data/list/0/n") == 1234
    with pytest.raises(SourceError, match="nothing at /data/list/1 in the JSON"):
        number("stats.json#/data/list/1/n")
    with pytest.raises(SourceError, match="/data/none holds null, not a number"):
        number("stats.json#/data/none")
    with pytest.raises(SourceError, match="'soon' is not a number"):
        number("stats.json#/data/text")


def test_jsonpaths_take_exactly_one_number(tmp_path: Path) -> None:
    (tmp_path / "teams.json").write_text(
        '{"data": {"total": 42}, "teams": [{"name": "Sales", "open": 7},'
        ' {"name": "Ops", "open": "1,200"}, {"name": "Legal", "open": null}]}'
    )
    kind = kind_named("json")
    context = _context(tmp_path)

    def number(text: str) -> float:
        source = parse_source(text)
        return kind.number(source, kind.read(kind.locate(source, context), context))

    assert parse_source("teams.json#$.data.total").detail == "$.data.total"
    assert number("teams.json#$.data.total") == 42
    assert number("teams.json#$.teams[?@.name == 'Sales'].open") == 7
    assert number("teams.json#$.teams[1].open") == 1200  # a text that reads as a number
    assert number("teams.json#/data/total") == 42  # a pointer still starts with /
    with pytest.raises(SourceError, match=r"\$.data.none matches nothing in the JSON"):
        number("teams.json#$.data.none")
    with pytest.raises(SourceError, match=r"matches 3 values \(7, '1,200', null\); a source takes"):
        number("teams.json#$..open")
    with pytest.raises(SourceError, match="holds null, not a number"):
        number("teams.json#$.teams[?@.name == 'Legal'].open")
    # A path that does not parse is refused with the cell, before anything is read.
    with pytest.raises(SourceError, match=r"^\$.teams\[\[ is not a JSONPath: "):
        parse_source("https://api.example.com/teams#$.teams[[")


def test_local_sources_stay_in_the_allowed_folders(tmp_path: Path) -> None:
    book = tmp_path / "okr"
    book.mkdir()
    exports = tmp_path / "exports"
    context = Context(base=book, config=MachineConfig(), roots=(exports,))

    assert resolve_path("finance.xlsx", context) == (book / "finance.xlsx").resolve()
    assert resolve_path(str(exports / "x.csv"), context) == (exports / "x.csv").resolve()
    for outside in ("../secrets.csv", "/etc/passwd.csv"):
        with pytest.raises(SourceError, match="outside the workbook's folder"):
            resolve_path(outside, context)
    (book / "link.csv").symlink_to(tmp_path / "private.csv")
    with pytest.raises(SourceError, match="outside the workbook's folder"):
        resolve_path("link.csv", context)


def test_plain_http_only_to_the_hosts_the_config_allows(tmp_path: Path) -> None:
    from okrsheet.sources.http import check_url

    with pytest.raises(SourceError, match="plain http to example.com is not allowed"):
        check_url("http://example.com/x.csv", _context(tmp_path))
    check_url(
        "http://127.0.0.1:8080/x.csv", _context(tmp_path, allow_http=frozenset({"127.0.0.1"}))
    )
    check_url("https://example.com/x.csv", _context(tmp_path))


# The Synced cell -------------------------------------------------------------------------------


def test_synced_cell_states() -> None:
    failing = SourceState(False, date(2026, 11, 2), "HTTP 500")

    assert read_state("synced 2026-11-02") == SourceState(True, date(2026, 11, 2))
    assert read_state(failing.text()) == failing
    assert read_state("by hand") is None and read_state("") is None
    # A failure keeps its first day; the same failure writes nothing.
    assert next_state(failing, DAY, error="HTTP 500", changed=False) is None
    assert next_state(failing, DAY, error="HTTP 503", changed=False) == SourceState(
        False, date(2026, 11, 2), "HTTP 503"
    )
    assert next_state(None, DAY, error="HTTP 500", changed=False) == SourceState(
        False, DAY, "HTTP 500"
    )
    # Success: dated when the number changes or the source recovers; else nothing.
    synced = SourceState(True, date(2026, 11, 2))
    assert next_state(synced, DAY, error=None, changed=False) is None
    assert next_state(synced, DAY, error=None, changed=True) == SourceState(True, DAY)
    assert next_state(failing, DAY, error=None, changed=False) == SourceState(True, DAY)
    assert next_state(None, DAY, error=None, changed=False) == SourceState(True, DAY)


def test_lag_reasons_of_a_source() -> None:
    failing = "unreadable since 2026-11-02: HTTP 500"

    assert source_lag_reasons(
        "x.csv!A", failing, behind=False, last_change=None, cadence_days=7, as_of=DAY
    ) == [("source-failing", "source x.csv!A unreadable since 2026-11-02: HTTP 500")]
    assert source_lag_reasons(
        "x.csv!A", "synced 2026-11-02", behind=True, last_change=date(2026, 11, 2),
        cadence_days=7, as_of=DAY,
    ) == [("source-stale", "source x.csv!A unchanged since 2026-11-02 while behind")]  # fmt: skip
    assert not source_lag_reasons(
        "x.csv!A", "synced 2026-11-02", behind=False, last_change=date(2026, 11, 2),
        cadence_days=7, as_of=DAY,
    )  # fmt: skip
    assert not source_lag_reasons(
        "x.csv!A", "", behind=True, last_change=date(2026, 11, 12), cadence_days=7, as_of=DAY
    )


# The machine's config ---------------------------------------------------------------------------


def test_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        """
[sync]
timeout = 2.5
roots = ["~/exports"]
allow_http = ["LocalHost"]
[sync.auth."API.example.com"]
header = "Authorization"
prefix = "Bearer "
env = "METRICS_TOKEN"
[sync.commands.won]
run = ["crm", "--won"]
""",
        encoding="utf-8",
    )

    config = load_config({"OKR_CONFIG": str(path), "HOME": str(tmp_path)})

    assert config.timeout == 2.5
    assert config.allow_http == {"localhost"}
    assert config.auth["api.example.com"].env == "METRICS_TOKEN"
    assert config.commands == {"won": ("crm", "--won")}
    assert load_config({"XDG_CONFIG_HOME": str(tmp_path / "none")}) == MachineConfig()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[sync\n", "is not valid TOML"),
        ("[sync]\ntimeout = 0\n", "timeout must be a number of seconds above 0"),
        ("[sync.commands.x]\nrun = 'crm --won'\n", "commands.x must be a table with run"),
        ("[sync.auth.h]\nheader = 'A'\n", 'auth."h" must be a table with header and env'),
    ],
)
def test_a_wrong_config_is_a_usage_error_naming_the_key(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(UsageError, match=said):
        load_config({"OKR_CONFIG": str(path)})
    with pytest.raises(UsageError, match="no config file"):
        load_config({"OKR_CONFIG": str(tmp_path / "missing.toml")})


def test_an_unforeseen_error_fails_that_source_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from okrsheet import sync
    from okrsheet.sources.csv_column import CsvColumn

    (tmp_path / "a.csv").write_text("N\n1\n", encoding="utf-8")
    (tmp_path / "b.json").write_text('{"n": 2}', encoding="utf-8")

    def broken(self: object, document: str, context: Context) -> object:
        raise RuntimeError("a bug\nin two lines")

    monkeypatch.setattr(CsvColumn, "read", broken)
    fed = [
        sync._Fed("A-1", "a.csv!N", None, "", None),
        sync._Fed("B-1", "b.json#/n", None, "", None),
    ]

    outcomes, _ = sync.read_all(fed, _context(tmp_path))

    assert [(o.item_id, o.value, o.error) for o in outcomes] == [
        ("A-1", None, "unexpected RuntimeError: a bug in two lines"),
        ("B-1", 2, None),
    ]
