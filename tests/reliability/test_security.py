"""Untrusted text stays inert, and secrets stay secret.

- Text people typed (notes, authors, titles, people's names) is stored as text, never as a
  formula, on every path that writes it: `okr checkin` (flags and CSV), `okr init --people`,
  `okr rollover` (the Archive tab), `okr push` and `okr pull`; in .xlsx files (the cell's
  data_type is 's') and on Google (the cell's userEnteredValue is a stringValue).
- Reports made of cell text are safe to open: CSV fields that a spreadsheet would run as a
  formula are prefixed with `'`, Markdown tables keep their shape whatever the text holds, and
  terminal escape sequences never reach the terminal.
- Service account keys, access tokens (`ya29.`), refresh tokens and client secrets never appear
  in output or error messages, and files holding tokens are readable by their owner only.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BOT, Google
from tests.fakes.sheets_api import FakeGoogle, authorized_user_info, service_account_info

PAYLOADS = ['=HYPERLINK("http://x","y")', "=IMPORTXML(A1,B1)", "+1", "-1+1", "@SUM(1)"]
IDS = ["hyperlink", "importxml", "plus", "minus-plus", "at-sum"]


def xlsx_cells(path: Path, tab: str) -> list[Any]:
    from openpyxl import load_workbook

    return [cell for row in load_workbook(path)[tab].iter_rows() for cell in row]


def assert_text_cell(path: Path, tab: str, text: str, at_least: int = 1) -> None:
    """The text is in the tab, as text (never a formula), and no cell of the tab runs it."""
    found = [c for c in xlsx_cells(path, tab) if c.value == text]
    assert len(found) >= at_least, (tab, text)
    assert all(c.data_type == "s" for c in found), [(c.coordinate, c.data_type) for c in found]


def assert_google_text(fake: FakeGoogle, sid: str, tab: str, text: str, at_least: int = 1) -> None:
    sheet = fake.sheet(sid, tab)
    cells = [c for row in sheet.rows for c in row if c]
    as_text = [c for c in cells if c.get("userEnteredValue") == {"stringValue": text}]
    assert len(as_text) >= at_least, (tab, text)
    formulas = [c["userEnteredValue"]["formulaValue"] for c in cells
                if "formulaValue" in (c.get("userEnteredValue") or {})]  # fmt: skip
    assert not any(text in f for f in formulas), formulas


def type_as_text(path: Path, tab: str, cells: dict[str, str]) -> None:
    """What a person typing 'text' (with a leading apostrophe) into cells leaves in the file."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    for ref, text in cells.items():
        cell = book[tab][ref]
        cell.value = text
        cell.data_type = "s"
    book.save(path)


# Formulas: local -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_checkin_notes_and_authors_stay_text_in_xlsx(okr: Any, example: Path, payload: str) -> None:
    result = okr("checkin", "SALES-1.1", "--value", "71", "--note", payload, "--by", payload,
                 "-w", str(example))  # fmt: skip

    assert result.exit_code == 0, result.stderr
    assert_text_cell(example, "Check-ins", payload, at_least=2)  # the note and the author


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_checkin_csv_imports_stay_text_in_xlsx(
    okr: Any, example: Path, tmp_path: Path, payload: str
) -> None:
    updates = tmp_path / "updates.csv"
    with updates.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["kr_id", "value", "note", "author"], ["SALES-1.2", "0.75", payload, payload]]
        )

    result = okr("checkin", "--from", str(updates), "-w", str(example))

    assert result.exit_code == 0, result.stderr
    assert_text_cell(example, "Check-ins", payload, at_least=2)


def test_people_names_stay_text_in_xlsx(okr: Any, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    with people.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["name", "team", "email"]] + [[p, p, p] for p in PAYLOADS])
    book = tmp_path / "team.xlsx"

    result = okr("init", str(book), "--cycle", "2026-Q4", "--people", str(people))

    assert result.exit_code == 0, result.stderr
    for payload in PAYLOADS:
        assert_text_cell(book, "People", payload, at_least=2)  # name and team (and email)
    assert okr("validate", "-w", str(book)).exit_code == 0


def test_titles_stay_text_when_rollover_copies_them_to_the_archive(okr: Any, example: Path) -> None:
    titles = {f"D{row}": payload for row, payload in zip(range(2, 7), PAYLOADS, strict=False)}
    type_as_text(example, "Corporate", titles)

    result = okr("rollover", "--to", "2027-Q1", "-w", str(example))

    assert result.exit_code == 0, result.stderr
    for payload in PAYLOADS:
        assert_text_cell(example, "Archive 2026-Q4", payload)


def test_titles_stay_text_through_push_and_pull(
    okr: Any, google: Google, example: Path, tmp_path: Path
) -> None:
    titles = {f"D{row}": payload for row, payload in zip(range(2, 7), PAYLOADS, strict=False)}
    type_as_text(example, "Corporate", titles)

    pushed = okr("push", str(example), "--to", "gsheet:new")
    pulled = okr("pull", google.location(), "--to", str(tmp_path / "back.xlsx"))

    assert pushed.exit_code == 0, pushed.stderr
    assert pulled.exit_code == 0, pulled.stderr
    for payload in PAYLOADS:
        assert_google_text(google.fake, google.sheet_id(), "Corporate", payload)
        assert_text_cell(tmp_path / "back.xlsx", "Corporate", payload)


# Formulas: Google ------------------------------------------------------------------------------


def test_authors_and_csv_imports_stay_text_on_google(
    okr: Any, google: Google, gexample: str, tmp_path: Path
) -> None:
    updates = tmp_path / "updates.csv"
    with updates.open("w", newline="", encoding="utf-8") as handle:
        rows = [["kr_id", "value", "note", "author"]]
        rows += [["SALES-1.1", str(70 + n), p, p] for n, p in enumerate(PAYLOADS)]
        csv.writer(handle).writerows(rows)

    batch = okr("checkin", "--from", str(updates), "-w", gexample)
    single = okr("checkin", "SALES-1.2", "--value", "0.8", "--by", PAYLOADS[0], "-w", gexample)

    assert batch.exit_code == 0, batch.stderr
    assert single.exit_code == 0, single.stderr
    for payload in PAYLOADS:
        assert_google_text(google.fake, google.sheet_id(), "Check-ins", payload, at_least=2)


def test_people_names_stay_text_on_google(okr: Any, google: Google, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    with people.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["name", "team"]] + [[p, "Ops"] for p in PAYLOADS])

    result = okr("init", "gsheet:new", "--cycle", "2026-Q4", "--people", str(people))

    assert result.exit_code == 0, result.stderr
    for payload in PAYLOADS:
        assert_google_text(google.fake, google.sheet_id(), "People", payload)


def test_titles_stay_text_in_the_archive_on_google(okr: Any, google: Google, gexample: str) -> None:
    sid = google.sheet_id()
    for row, payload in zip(range(2, 7), PAYLOADS, strict=False):
        google.fake.set_values(sid, f"Corporate!D{row}", [[payload]], value_input_option="RAW")

    result = okr("rollover", "--to", "2027-Q1", "-w", gexample)

    assert result.exit_code == 0, result.stderr
    for payload in PAYLOADS:
        assert_google_text(google.fake, sid, "Archive 2026-Q4", payload)


# Reports made of untrusted text ------------------------------------------------------------------

HOSTILE_TITLES = {
    "D3": '=HYPERLINK("http://evil.test","click")',
    "D4": "+SUM(1,2)",
    "D5": "-2+3",
    "D7": "@cmd",
    "D8": "pipe | and\nnew line",
}


@pytest.fixture(scope="session")
def hostile_bytes(example_bytes: bytes, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The example with titles a spreadsheet would run, typed as text (made once)."""
    path = tmp_path_factory.mktemp("hostile") / "example.xlsx"
    path.write_bytes(example_bytes)
    type_as_text(path, "Corporate", {**HOSTILE_TITLES, "F3": "=owner()"})
    return path.read_bytes()


@pytest.fixture
def hostile(hostile_bytes: bytes, tmp_path: Path) -> Path:
    path = tmp_path / "example.xlsx"
    path.write_bytes(hostile_bytes)
    return path


def test_csv_output_defuses_formulas(okr: Any, hostile: Path) -> None:
    result = okr("status", "-f", "csv", "-w", str(hostile))

    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    titles = {r["id"]: r["title"] for r in rows}
    assert titles["CORP-1.1"] == "'" + HOSTILE_TITLES["D3"]
    assert titles["CORP-1.2"] == "'" + HOSTILE_TITLES["D4"]
    assert titles["CORP-1.3"] == "'" + HOSTILE_TITLES["D5"]
    assert {r["owner"] for r in rows if r["id"] == "CORP-1.1"} == {"'=owner()"}
    for row in rows:
        for key, value in row.items():
            assert not value.startswith(("=", "+", "@")), (key, value)
            if value.startswith("-"):  # only numbers may start with a minus
                float(value)


def test_csv_output_keeps_negative_numbers_as_numbers(okr: Any, example: Path) -> None:
    from openpyxl import load_workbook

    book = load_workbook(example)
    book["Sales"]["I5"], book["Sales"]["J5"] = -3, 6  # SALES-1.3 goes from -3 to 6
    book.save(example)

    rows = list(csv.DictReader(io.StringIO(okr("status", "-f", "csv", "-w", str(example)).stdout)))

    assert [r["start"] for r in rows if r["id"] == "SALES-1.3"] == ["-3"]


#: Text that an import splitting on `;` (Excel's default in most of Europe), a tab or a comma
#: would cut into a cell starting with a formula character.
SPLIT_PAYLOADS = [
    "see;=HYPERLINK(A1);x", "a;+1", "a;-1+1", "a;@SUM(1)", "a; =1+1", "a;;=1", 'a;"=1"',
    "a\t=1+1", "a\t+1", "a\t-1+1", "a\t@SUM(1)", "a\t =2", "a,=1+1", "a, +1", "a,-1+1",
    "a,@SUM(1)", "x;=cmd|' /C calc'!A0", "line\n=1+1", "two;=1;=2", "fine; no formula here",
]  # fmt: skip


def formula_cells(text: str) -> list[str]:
    """Cells a spreadsheet would run if it imported the CSV splitting on `;`, a tab or a comma,
    with quotes honoured (csv) or not (a plain split of each line), and blanks trimmed or not;
    negative numbers are numbers, not formulas."""
    pieces: list[str] = []
    for sep in (",", ";", "\t"):
        pieces += [c for row in csv.reader(io.StringIO(text), delimiter=sep) for c in row]
        pieces += [p for line in text.splitlines() for p in line.split(sep)]
    found = []
    for piece in pieces:
        for cell in (piece, piece.strip(), piece.strip(' "')):
            if cell.startswith(("=", "+", "-", "@")):
                try:
                    float(cell)
                except ValueError:
                    found.append(cell)
    return found


def test_csv_output_is_safe_whatever_the_import_splits_on(
    okr: Any, example: Path, tmp_path: Path
) -> None:
    titles = dict(zip([f"D{row}" for row in range(2, 10)], SPLIT_PAYLOADS, strict=False))
    type_as_text(example, "Corporate", titles)
    updates = tmp_path / "updates.csv"
    with updates.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["kr_id", "value", "note"]] + [["CORP-1.2", "80", p] for p in SPLIT_PAYLOADS]
        )
    assert okr("checkin", "--from", str(updates), "-w", str(example)).exit_code == 0

    outputs = {
        "history": okr("history", "CORP-1.2", "-f", "csv", "-w", str(example)),
        "status": okr("status", "-f", "csv", "-w", str(example)),
        "grade": okr("grade", "-f", "csv", "-w", str(example)),
        "lagging": okr("lagging", "-f", "csv", "-w", str(example)),
    }

    for name, result in outputs.items():
        assert result.exit_code == 0, (name, result.stderr)
        assert formula_cells(result.stdout) == [], name
    # every payload reached a report, and reads back (with `csv`) as one cell of its own text
    notes = [r["note"] for r in csv.DictReader(io.StringIO(outputs["history"].stdout))]
    for payload in SPLIT_PAYLOADS:
        guarded = re.sub(r"([,;\t\n][\s\"]*)([=+\-@])", r"\1'\2", payload)
        assert guarded in notes, (payload, notes)
    status = outputs["status"].stdout
    assert all(csv_field in status for csv_field in ('"see;\'=HYPERLINK(A1);x"', '"a;\'+1"'))


@pytest.mark.parametrize(
    "args",
    [
        ("status", "-f", "md"),
        ("lagging", "-f", "md"),
        ("grade", "-f", "md"),
        ("todo", "--owner", "Priya Raman", "-f", "md"),
    ],
    ids=lambda a: a[0],
)
def test_markdown_keeps_its_shape(okr: Any, hostile: Path, args: tuple[str, ...]) -> None:
    result = okr(*args, "-w", str(hostile))
    shape = okr(*args, "-w", str(hostile), "-f", "json").json()

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    items = [line for line in lines if line.lstrip().startswith(("- ", "* ", "+ "))]
    assert items, result.stdout
    assert all(line.lstrip().startswith("- **") for line in items), items  # none added by text
    ids = re.findall(r'"id": "([^"]+)"', json.dumps(shape, indent=1))
    assert {re.sub(r"\\(.)", r"\1", i.split("**")[1]) for i in items} >= set(ids) - {""}
    assert not any(
        line.startswith(("=", "+", "@", "#", ">")) for line in lines[1:] if line[:4] != "### "
    )


ESCAPES = ["\x1b[31mRED\x1b[0m", "\x1b]0;pwned\x07title", "\x1b[2J\x1b[Hclear", "bell\x07"]


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "json"])
def test_escape_sequences_never_reach_the_terminal(
    okr: Any, google: Google, gexample: str, fmt: str
) -> None:
    for row, text in zip((2, 3, 4, 5), ESCAPES, strict=True):
        google.fake.set_values(
            google.sheet_id(), f"Corporate!D{row}", [[text]], value_input_option="RAW"
        )
    google.fake.set_values(
        google.sheet_id(), "Corporate!F3", [["\x1b[5mAna\x1b[0m"]], value_input_option="RAW"
    )

    results = [
        okr("status", "-f", fmt, "-w", gexample),
        okr("lagging", "-f", fmt, "-w", gexample),
        okr("history", "CORP-1.1", "-f", fmt, "-w", gexample),
        okr("grade", "-f", fmt, "-w", gexample),
    ]

    for result in results:
        assert result.exit_code == 0, result.stderr
        assert "\x1b" not in result.stdout + result.stderr
        assert "\x07" not in result.stdout + result.stderr
    if fmt == "table":  # the text stays, the codes go (a window title's text with its code)
        assert "RED" in results[0].stdout and "clear" in results[0].stdout
        assert "pwned" not in results[0].stdout and "title" in results[0].stdout


def test_escape_sequences_in_notes_written_by_okr_are_stripped_from_reports(
    okr: Any, example: Path
) -> None:
    note = "\x1b[31mred alert\x1b[0m \x1b]0;pwned\x07"

    recorded = okr("checkin", "SALES-1.1", "--value", "72", "--note", note, "-w", str(example))

    assert recorded.exit_code == 0, recorded.stderr
    for fmt in ("table", "csv", "md"):
        history = okr("history", "SALES-1.1", "-f", fmt, "-w", str(example))
        assert history.exit_code == 0, history.stderr
        assert "red alert" in history.stdout
        assert "\x1b" not in history.stdout + history.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("checkin", "\x1b[31mNOPE", "--value", "1"),
        ("status", "--owner", "\x1b]0;pwned\x07"),
        ("status", "--as-of", "\x1b[2J"),
        ("checkin", "SALES-1.1", "--value", "\x1b[31m5"),
    ],
    ids=["kr-id", "owner", "as-of", "value"],
)
def test_escape_sequences_in_arguments_are_not_echoed(
    okr: Any, example: Path, args: tuple[str, ...]
) -> None:
    result = okr(*args, "-w", str(example))

    assert result.exit_code == 2
    assert "\x1b" not in result.stdout + result.stderr


#: A folder name that retitles the terminal window and turns it red, and a file name that
#: reverses the rest of the line (U+202E) and marks it right-to-left (U+200F, U+061C).
HOSTILE_FOLDER = "esc\x1b]0;pwned\x07\x1b[31m"
HOSTILE_NAME = "ok\u202e\u200f\u061cxslx.xlsx"
SHOWN_NEVER = "\x1b\x07\u202e\u200f\u061c"


def test_escape_sequences_in_the_workbooks_path_never_reach_the_terminal(
    okr: Any, example_bytes: bytes, tmp_path: Path
) -> None:
    folder = tmp_path / HOSTILE_FOLDER
    folder.mkdir()
    book = folder / HOSTILE_NAME
    book.write_bytes(example_bytes)
    page = folder / "page\x1b[2J.html"
    new = folder / "new\x1b]0;x\x07.xlsx"

    results = {
        "checkin": okr("checkin", "SALES-1.1", "--value", "91", "-w", str(book)),
        "grade": okr("grade", "-w", str(book)),
        "grade-write": okr("grade", "--write", "-w", str(book)),
        "validate-fix": okr("validate", "--fix", "-w", str(book)),
        "validate": okr("validate", "-w", str(book)),
        "report": okr("report", "--out", str(page), "-w", str(book)),
        "rollover": okr("rollover", "--to", "2027-Q1", "-w", str(book)),
        "init": okr("init", str(new), "--cycle", "2026-Q4"),
    }

    for name, result in results.items():
        assert result.exit_code == 0, (name, result.stderr)
        shown = result.stdout + result.stderr
        assert not any(c in shown for c in SHOWN_NEVER), (name, shown)
    # the path is still named, without its codes (a window title goes with its code)
    shown_path = tmp_path / "esc" / "okxslx.xlsx"
    assert f"Recorded 1 check-in(s) in {shown_path}." in results["checkin"].stderr
    assert "Created " in results["init"].stderr and "new.xlsx" in results["init"].stderr


# Secrets ---------------------------------------------------------------------------------------


def secrets_of(*infos: dict[str, str]) -> list[str]:
    """Every secret a credentials file holds: the key's lines, tokens, client secrets."""
    found: list[str] = []
    for info in infos:
        for key in ("private_key", "refresh_token", "client_secret"):
            if key in info:
                found += [line for line in info[key].splitlines() if len(line) > 20]
                found.append(info[key].splitlines()[0] if key == "private_key" else info[key])
    return found


def assert_no_secret(output: str, secrets: list[str]) -> None:
    assert "PRIVATE KEY" not in output
    assert not re.search(r"ya29\.[\w.-]+", output), output
    assert "1//" not in output
    for secret in secrets:
        assert secret not in output


def sheets_only(request: Any) -> bool:
    return bool(request.kind.startswith("sheets"))


#: Each scenario and its documented exit code (docs/exit-codes.md).
SECRET_SCENARIOS = {
    "auth-status": 0,
    "a-report": 0,
    "a-checkin": 0,
    "not-shared": 7,
    "sheets-401": 7,
    "sheets-500s": 5,
    "token-endpoint-500s": 5,
    "revoked-key": 7,
    "expired-tokens": 0,
}


@pytest.mark.parametrize("scenario", list(SECRET_SCENARIOS))
def test_service_account_secrets_never_appear(
    okr: Any, google: Google, gexample: str, scenario: str, tmp_path: Path
) -> None:
    info = json.loads(google.key_file.read_text())
    secrets = secrets_of(info)
    args: tuple[str, ...] = ("status", "-w", gexample)
    if scenario == "auth-status":
        args = ("auth", "status")
    elif scenario == "a-checkin":
        args = ("checkin", "SALES-1.1", "--value", "73", "-w", gexample)
    elif scenario == "not-shared":
        google.fake.set_access(google.sheet_id(), {"someone@acme.test": "writer"})
    elif scenario == "sheets-401":
        google.fake.fail_next(401, times=100, match=sheets_only)
    elif scenario == "sheets-500s":
        google.fake.fail_next(500, times=100, match=sheets_only)
    elif scenario == "token-endpoint-500s":
        google.fake.expire_tokens()
        google.fake.fail_next(500, times=100, match=lambda r: r.kind == "token")
    elif scenario == "revoked-key":
        stale = service_account_info(FakeGoogle(), "old-bot@fake-project.iam.gserviceaccount.com")
        secrets += secrets_of(stale)
        (tmp_path / "stale.json").write_text(json.dumps(stale))
        args = ("--credentials", str(tmp_path / "stale.json"), *args)
    elif scenario == "expired-tokens":
        google.fake.expire_tokens()

    result = okr(*args)

    assert result.exit_code == SECRET_SCENARIOS[scenario], result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert_no_secret(result.stdout + result.stderr, secrets)


@pytest.mark.parametrize("scenario", ["auth-status", "a-report", "revoked-refresh-token"])
def test_a_persons_refresh_token_and_client_secret_never_appear(
    okr: Any, google: Google, gexample: str, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    issuer = FakeGoogle() if scenario == "revoked-refresh-token" else google.fake
    info = {**authorized_user_info(issuer, BOT), "account": BOT}
    folder = Path.home() / ".config" / "gspread"
    folder.mkdir(parents=True)
    (folder / "authorized_user.json").write_text(json.dumps(info))

    result = okr("auth", "status") if scenario == "auth-status" else okr("status", "-w", gexample)

    assert result.exit_code == (7 if scenario == "revoked-refresh-token" else 0), result.stderr
    assert_no_secret(result.stdout + result.stderr, secrets_of(info))


@pytest.mark.parametrize(
    "broken",
    ["not-json", "a-bare-pem-key", "key-not-pem", "no-client-email", "unknown-type"],
)
def test_a_broken_credentials_file_is_named_but_never_shown(
    okr: Any, google: Google, gexample: str, tmp_path: Path, broken: str
) -> None:
    info = json.loads(google.key_file.read_text())
    pem = info["private_key"]
    contents = {
        "not-json": "{" + json.dumps(info)[:-10],
        "a-bare-pem-key": pem,
        "key-not-pem": json.dumps({**info, "private_key": pem.replace("\n", "")[40:400]}),
        "no-client-email": json.dumps({k: v for k, v in info.items() if k != "client_email"}),
        "unknown-type": json.dumps({**info, "type": "external_account_x"}),
    }
    bad = tmp_path / "bad.json"
    bad.write_text(contents[broken])

    result = okr("--credentials", str(bad), "status", "-w", gexample)

    output = result.stdout + result.stderr
    assert result.exit_code == 7, output
    assert str(bad) in output
    assert_no_secret(output, secrets_of(info) + [pem.replace("\n", "")[40:400]])


def _writes_spy(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The mode of the file at the moment each byte is handed to it."""

    modes: list[int] = []
    real = os.fdopen

    class Spy:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def write(self, text: str) -> int:
            modes.append(stat.S_IMODE(os.fstat(self.handle.fileno()).st_mode))
            return int(self.handle.write(text))

        def __getattr__(self, name: str) -> Any:  # flush, fileno, ...
            return getattr(self.handle, name)

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

    monkeypatch.setattr(
        "okrsheet.stores.google.auth.os.fdopen", lambda fd, *a, **k: Spy(real(fd, *a, **k))
    )
    return modes


@pytest.mark.parametrize("existing_mode", [None, 0o644, 0o666])
def test_token_files_are_private_before_the_first_byte_lands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing_mode: int | None
) -> None:
    from okrsheet.stores.google.auth import save_private

    target = tmp_path / "config" / "gspread" / "authorized_user.json"
    if existing_mode is not None:
        target.parent.mkdir(parents=True, mode=0o755)
        target.parent.chmod(0o755)
        target.write_text("{}")
        target.chmod(existing_mode)
    modes = _writes_spy(monkeypatch)
    old = os.umask(0)  # the most permissive umask a person can have
    try:
        save_private(target, '{"refresh_token": "1//secret"}')
    finally:
        os.umask(old)

    assert modes and set(modes) == {0o600}
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700  # made so, or closed to others
    assert target.read_text() == '{"refresh_token": "1//secret"}'
