"""Every shell example in README.md and docs/*.md runs, and exits as the docs say.

The convention, for whoever writes docs: each ```sh (or bash, console, shell) block is run, one
line a command (a line ending in `\\` goes on; `$ ` before a command is dropped), and each
```crontab block, the commands of each line as if in the folder it changes to, in a fresh
folder holding the example company as `okr.xlsx`, `example.xlsx` and `acme.xlsx` (2026-Q4, as
of the tests' pinned today). `okr` lines run in-process; other lines (`printf ...`) in bash with
`okr` on the PATH; `export NAME=VALUE` sets a variable for the lines after it. Each command must
exit 0, unless an HTML comment on the line before the block says otherwise:

- `<!-- exit: 0 3 -->`: the exit code of each command in turn (text may follow the codes);
- `<!-- run on the Google fake -->`: on the tests' in-process Google Sheets, `gsheet:1AbC...`
  standing for the spreadsheet the block made;
- `<!-- synopsis -->`: not run, but every option it names must be one the command has;
- `<!-- not run: REASON -->`: not run, for the reason given (an account, a mail server, the
  benchmarks); NOT_RUN below counts them per page, so a new one is a decision.

Besides the blocks: every `okr ...` the docs show, inline or in a block, names a command and
options it has; the examples in docs/exit-codes.md's tables that run as written exit with
their section's code; and the examples of every command's `--help` (docs/commands.md) run,
but for the few HELP_NOT_RUN names.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from okrsheet.cli import app
from tests import docgen

ROOT = Path(__file__).resolve().parent.parent
SHELLS = {"sh", "bash", "console", "shell", "crontab"}
#: The pages whose shell blocks are examples (the command reference is --help, generated).
PAGES = [ROOT / "README.md"] + [
    p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "commands.md"
]
#: Blocks that are not run, per page: each says why in its marker.
NOT_RUN = {
    "README.md": 3,  # the set-up lines (they install the project, run the whole suite); mail
    "docs/exit-codes.md": 1,  # mails the team through `mail`
    "docs/performance.md": 2,  # the benchmarks: minutes, and workbooks they build first
    "docs/reliability.md": 1,  # runs a part of the test suite
    "docs/rhythm.md": 3,  # mail: a saved reply, a maildir, an IMAP server, a mail server
}
#: Stands for the spreadsheet an example made on Google.
SPREADSHEET = "gsheet:1AbC..."
#: What a shell would have to interpret: such lines go to bash.
SHELL_SYNTAX = re.compile(r"[|;&`$]|<\(")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    marker: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.page}:{self.line}"

    def commands(self) -> list[str]:
        """The block's commands: continued lines joined, comment-only lines left out."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        found = []
        for line in joined.splitlines():
            line = line.strip()
            line = line[2:] if line.startswith("$ ") else line
            if not line or line.startswith("#"):
                continue
            if self.lang == "crontab":  # m h dom mon dow  command: in the folder it goes to
                found += cron_commands(line)
            else:
                found.append(line)
        return found


def cron_commands(line: str) -> list[str]:
    """The commands of a crontab line, run in the folder it changes to (`cd /srv/okr`),
    `.venv/bin/okr` as `okr`."""
    commands = line.split(None, 5)[5].split("&&")
    return [
        command.strip().replace(".venv/bin/okr", "okr").replace("/srv/okr/", "")
        for command in commands
        if not command.strip().startswith("cd ")
    ]


def shell_blocks() -> list[Block]:
    """Every fenced shell block of the README and docs, with the HTML comment before it."""
    blocks = []
    for path in PAGES:
        lines = path.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            fence = re.match(r"^(\s*)```(\w+)\s*$", lines[index])
            if not fence:
                index += 1
                continue
            indent, lang = fence.groups()
            end = index + 1
            while lines[end].strip() != "```":
                end += 1
            if lang in SHELLS:
                before = next((s.strip() for s in reversed(lines[:index]) if s.strip()), "")
                marker = re.fullmatch(r"<!-- (.+?) -->", before)
                body = "\n".join(line.removeprefix(indent) for line in lines[index + 1 : end])
                page = str(path.relative_to(ROOT))
                cog = marker and "[[[" in marker.group(1)
                text = marker.group(1) if marker and not cog else ""
                blocks.append(Block(page, index + 1, lang, text, body + "\n"))
            index = end + 1
    return blocks


BLOCKS = shell_blocks()
RUN = [b for b in BLOCKS if b.marker == "" or b.marker.startswith(("exit:", "run on the Google"))]
SYNOPSES = [b for b in BLOCKS if b.marker == "synopsis"]
SKIPPED = [b for b in BLOCKS if b.marker.startswith("not run:")]


def test_every_shell_block_is_run_checked_or_says_why_not() -> None:
    assert len(BLOCKS) == len(RUN) + len(SYNOPSES) + len(SKIPPED), [
        f"{b.name}: unknown marker <!-- {b.marker} -->"
        for b in BLOCKS
        if b not in RUN + SYNOPSES + SKIPPED
    ]
    assert len(RUN) >= 11 and len(SYNOPSES) >= 8
    counted: dict[str, int] = {}
    for block in SKIPPED:
        assert block.marker.removeprefix("not run:").strip(), f"{block.name}: no reason given"
        counted[block.page] = counted.get(block.page, 0) + 1
    listing = "\n".join(f"{b.name}: {b.marker}" for b in SKIPPED)
    assert counted == NOT_RUN, f"the examples not run changed:\n{listing}"


def expected_codes(block: Block, commands: list[str]) -> list[int]:
    if not block.marker.startswith("exit:"):
        return [0] * len(commands)
    codes = re.match(r"exit:((?:\s+\d+)+)", block.marker)
    assert codes, f"{block.name}: write <!-- exit: CODE CODE ... -->"
    listed = [int(code) for code in codes.group(1).split()]
    assert len(listed) == len(commands), f"{block.name}: {len(commands)} commands, codes {listed}"
    return listed


def run_in_process(tokens: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`okr ARGS [> FILE] [< FILE]`, with `NAME=VALUE` before it, through the Typer app."""
    while re.fullmatch(r"[A-Z_]+=.*", tokens[0]):
        name, value = tokens.pop(0).split("=", 1)
        monkeypatch.setenv(name, value)
    assert tokens[0] == "okr", tokens
    args, given, out = tokens[1:], None, None
    if "<" in args:
        at = args.index("<")
        given = (folder / args[at + 1]).read_text(encoding="utf-8")
        del args[at : at + 2]
    if ">" in args:
        at = args.index(">")
        out = folder / args[at + 1]
        del args[at : at + 2]
    result = CliRunner().invoke(app, args, input=given, catch_exceptions=False)
    if out is not None and str(out) != "/dev/null":
        out.write_text(result.stdout, encoding="utf-8")
    return result.exit_code, result.stdout, result.stderr


def run_in_bash(command: str, folder: Path) -> Any:
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the docs' shell examples"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"}
    done = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", command],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.name)
def test_the_example_runs(
    block: Block,
    example_bytes: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    for name in ("okr.xlsx", "example.xlsx", "acme.xlsx"):
        (tmp_path / name).write_bytes(example_bytes)
    # What the server of sources.md's cron line holds (the blocks make their other files).
    (tmp_path / ".metrics-token").write_text(INPUTS[".metrics-token"], encoding="utf-8")
    google = request.getfixturevalue("google") if "Google" in block.marker else None
    commands = block.commands()
    expected = expected_codes(block, commands)

    for command, code in zip(commands, expected, strict=True):
        if google is not None and SPREADSHEET in command:
            command = command.replace(SPREADSHEET, google.location())
        tokens = shlex.split(command, comments=True)
        if command == "source .venv/bin/activate":
            continue  # okr is at hand: it runs in-process
        if tokens[0] == "export":
            for assignment in tokens[1:]:
                monkeypatch.setenv(*assignment.split("=", 1))
            continue
        if tokens[0] == "okr" or re.match(r"[A-Z_]+=", tokens[0]):
            if not SHELL_SYNTAX.search(command.split("#", 1)[0]):
                exit_code, stdout, stderr = run_in_process(tokens, tmp_path, monkeypatch)
            else:
                exit_code, stdout, stderr = run_in_bash(command, tmp_path)
        else:
            exit_code, stdout, stderr = run_in_bash(command, tmp_path)

        assert exit_code == code, (
            f"{block.name}: `{command}` exited {exit_code}, not {code}\n{stdout}\n{stderr}"
        )


@functools.cache
def help_options(path: tuple[str, ...]) -> set[str]:
    """The options `okr PATH --help` lists, short and long."""
    text = docgen.help_text(path, width=200)
    return set(re.findall(r"(?<![\w-])(--[\w-]+|-\w)\b", text.split("\nOptions:\n", 1)[1]))


@pytest.mark.parametrize("block", SYNOPSES, ids=lambda b: b.name)
def test_the_synopsis_names_only_options_the_command_has(block: Block) -> None:
    for line in block.commands():
        tokens = line.split()
        assert tokens[0] == "okr", line
        named = set(re.findall(r"(?<![\w-])(--[\w-]+|-\w)\b", line))
        unknown = named - help_options((tokens[1],))

        assert named and not unknown, f"{block.name}: okr {tokens[1]} has no {sorted(unknown)}"


#: Command lines the docs show on purpose as mistakes (exit-codes.md) or half typed.
MISTAKES = {"okr status --bogus", "okr statsu", "okr sta<Tab>"}


def command_lines() -> list[tuple[str, str, bool]]:
    """Every `okr ...` the README and docs show, inline (True) or on any line, in a block or
    in prose (False): (page, text, inline)."""
    found = []
    for path in PAGES:
        text = path.read_text(encoding="utf-8")
        page = str(path.relative_to(ROOT))
        found += [(page, span, True) for span in re.findall(r"`(okr [^`\n]*)`", text)]
        lines = [line.strip() for line in text.splitlines() if " okr " in f" {line}"]
        found += [(page, line, False) for line in lines]
    return found


def test_every_command_line_in_the_docs_names_a_command_and_its_options() -> None:
    commands = {path[0]: path for path in docgen.command_paths()}
    groups = {path[0] for path in docgen.group_paths()}
    subcommands = set(docgen.command_paths())
    lines = command_lines()
    wrong = []
    for page, line, inline in lines:
        for match in re.finditer(r"\bokr ([a-z][\w<>-]*)(?: ([a-z]+))?([^|;&`]*)", line):
            name, sub, rest = match.groups()
            typed = match.group(0).strip()
            if any(typed.startswith(mistake) for mistake in MISTAKES):
                continue
            if name not in commands:
                if inline and match.start() == 0:
                    wrong.append(f"{page}: {typed}: no command {name}")
                continue
            path = (name, sub) if name in groups and sub else (name,)
            if name in groups and path not in subcommands:
                continue  # `okr auth` alone, or prose after it
            named = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*|-[a-zA-Z])\b", rest.split("#")[0]))
            unknown = named - help_options(path) - {"-h", "--help"}
            if unknown:
                wrong.append(f"{page}: {typed}: no {sorted(unknown)}")

    assert len(lines) > 300
    assert not wrong, "\n".join(wrong)


#: The files beside the example company (okr.xlsx) for the exit-code examples.
FILES = {"notes.txt": "not a workbook\n", "missing.xlsx": None}


def exit_code_rows() -> list[tuple[str, int]]:
    """The example commands of docs/exit-codes.md's tables that run as written on the example
    company (a first cell that is one `okr ...` with no placeholder), with their section's
    exit code."""
    rows = []
    text = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for section in re.split(r"^## ", text, flags=re.MULTILINE)[1:]:
        code = re.match(r"(\d+): ", section)
        if not code:
            continue
        for cell in re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE):
            if re.search(r"\.\.\.|[A-Z]{3,}|<", cell.removeprefix("OKR_TODAY=")):
                continue  # a placeholder: NAME, FILE, URL, ...
            if set(re.findall(r"[\w-]+\.(?:xlsx|csv|eml|txt)\b", cell)) - set(FILES):
                continue  # about a file the row describes (broken, locked, a reply)
            rows.append((cell, int(code.group(1))))
    return rows


EXIT_CODE_ROWS = exit_code_rows()


@pytest.mark.parametrize(("command", "code"), EXIT_CODE_ROWS, ids=[c for c, _ in EXIT_CODE_ROWS])
def test_the_exit_code_tables_examples_exit_with_their_code(
    command: str, code: int, example_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "okr.xlsx").write_bytes(example_bytes)
    for name, content in FILES.items():
        if content is not None:
            (tmp_path / name).write_text(content, encoding="utf-8")

    exit_code, stdout, stderr = run_in_process(shlex.split(command), tmp_path, monkeypatch)

    assert exit_code == code, f"`{command}` exited {exit_code}, not {code}: {stderr}"
    assert stderr.lstrip().startswith("error: "), stderr


def test_the_exit_code_tables_have_examples_that_run() -> None:
    assert len(EXIT_CODE_ROWS) >= 15, EXIT_CODE_ROWS
    assert {code for _, code in EXIT_CODE_ROWS} >= {2, 4}


#: Examples of `--help` that are not run, by a pattern of their text, and why.
HELP_NOT_RUN = {
    r"PASSWORD|\$SLACK_HOOK|--recipient": "needs a mail server or a webhook",
    r"checkin --owner": "asks its questions at a terminal",
    r"--from-mail": "needs a reply to a reminder",
    r"auth login": "signs in at Google in a browser",
}
#: Help examples that end otherwise than 0 on the example company, and why.
HELP_EXIT = {
    "okr validate --strict --format json": 3,  # the example company has a warning
    "okr sync --kr SALES-1.2": 2,  # and no key result with a Source
    "okr lagging -w acme.xlsx --fail": 6,  # and key results that lag
    "okr history SALES-1.2 --cycle 2026-Q3": 2,  # and no cycle rolled over yet
}


def runnable(example: str) -> str:
    """The okr command an example runs: a crontab line's, in the folder it changes to; the
    script `okr completion` prints, without installing it."""
    if re.match(r"[\d*]", example):  # a crontab line
        return cron_commands(example)[-1]
    completion = re.search(r"okr completion \w+", example)
    return completion.group(0) if completion else example


#: Input files some examples name, beside the workbooks.
INPUTS = {
    "updates.csv": "kr_id,value,confidence,note\nSALES-1.1,70,60%,Two new partners\n",
    "team.csv": "name,team,email\nAna Lima,Sales,ana@acme.com\nBo Chen,Product,bo@acme.com\n",
    ".metrics-token": "a-token-for-the-sources\n",  # sources.md's cron line reads it
}


def help_examples() -> list[tuple[str, str]]:
    """Every example of every command's `--help`, without its note in brackets:
    (command, example)."""
    found = []
    for path in docgen.command_paths():
        text = docgen.help_text(path, width=200)
        section = re.search(r"\n  Examples?:\n(.*?)\n(?=\S)", text, re.S)
        assert section, f"okr {' '.join(path)} --help has no examples"
        for line in section.group(1).splitlines():
            example = re.sub(r"\s{2,}\(.*\)$", "", line.strip())
            if example:
                found.append((" ".join(path), example))
    return found


HELP_EXAMPLES = help_examples()
HELP_RUN = [
    (command, example)
    for command, example in HELP_EXAMPLES
    if not any(re.search(pattern, example) for pattern in HELP_NOT_RUN)
]


def test_most_help_examples_run() -> None:
    assert {command for command, _ in HELP_EXAMPLES} == {
        " ".join(path) for path in docgen.command_paths()
    }
    not_run = [e for c, e in HELP_EXAMPLES if (c, e) not in HELP_RUN]
    assert len(HELP_RUN) >= 50, f"{len(HELP_RUN)} of {len(HELP_EXAMPLES)}"
    assert len(not_run) == 7, "\n".join(not_run)


@pytest.mark.parametrize(("command", "example"), HELP_RUN, ids=[e for _, e in HELP_RUN])
def test_the_help_example_runs(
    command: str,
    example: str,
    example_bytes: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    for name, content in INPUTS.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    if command != "init":  # init makes its workbook
        for name in ("okr.xlsx", "example.xlsx", "acme.xlsx"):
            (tmp_path / name).write_bytes(example_bytes)
    if "gsheet:" in example or command.startswith("auth"):
        google = request.getfixturevalue("google")
        if SPREADSHEET in example:  # one to name: the example company, pushed
            (tmp_path / "made.xlsx").write_bytes(example_bytes)
            made = run_in_process(
                ["okr", "push", "made.xlsx", "--to", "gsheet:new"], tmp_path, monkeypatch
            )
            assert made[0] == 0, made
            example = example.replace(SPREADSHEET, google.location())

    example = runnable(example)
    exit_code, stdout, stderr = run_in_process(shlex.split(example), tmp_path, monkeypatch)

    expected = HELP_EXIT.get(example, 0)
    assert exit_code == expected, f"okr {command} --help: `{example}` exited {exit_code}\n{stderr}"


def test_the_library_examples_command_lines_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/library.md names the command each call matches (`# \\`okr ...\\``): they run, in
    turn, on the workbook the first makes (tests/test_api.py runs the Python)."""
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    example = text.split("```python\n", 1)[1].split("```", 1)[0]
    commands = re.findall(r"^# `(okr [^`]+)`", example, re.MULTILINE)
    assert len(commands) >= 4 and commands[0].startswith("okr init acme.xlsx")
    monkeypatch.setenv("OKR_WORKBOOK", "acme.xlsx")

    for command in commands:
        exit_code, stdout, stderr = run_in_process(shlex.split(command), tmp_path, monkeypatch)
        assert exit_code == 0, f"docs/library.md: `{command}` exited {exit_code}\n{stderr}"


def test_lint_md_shows_what_okr_lint_prints(tmp_path: Path) -> None:
    """docs/lint.md's example findings are what `okr lint` prints for those key results."""
    import datetime as dt

    from tests.cli.conftest import add_rows
    from tests.conftest import init_bytes

    text = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")
    shown = text.split("```text\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "hospital.xlsx"
    init_bytes(path, "--company", "Hospital")
    due = dt.date(2026, 12, 31)
    add_rows(path, "Corporate", [
        ["Objective", "CORP-1", None, "Make every stay safe", "corporate", "Ana Lima"],
        ["Key result", "CORP-1.1", "CORP-1", "Hold monthly patient safety meetings", None,
         "Ana Lima", None, None, 0, 12, 3, "meetings", due, 1, 0.8],
        ["Key result", "CORP-1.2", "CORP-1", "Improve patient experience", None, "Ana Lima",
         None, None, 0, 10, 7, None, due, 1, 0.5],
    ])  # fmt: skip

    result = CliRunner().invoke(app, ["lint", "-w", str(path)], catch_exceptions=False)

    assert result.exit_code == 0, result.stderr
    printed = " ".join(result.stdout.split("\n", 1)[1].split())
    assert " ".join(shown.split()) == printed
