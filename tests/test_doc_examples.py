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
- `<!-- run with ... of the test -->`: with a mail server (aiosmtpd), a mailbox (Dovecot) or a
  webhook the test starts on 127.0.0.1, named in `okr.toml` as a cron machine's would be, and
  the owners' addresses typed into People (test_the_mail_example_runs): `imaps://...@imap...`
  stands for the test's mailbox, `smtps://...@mail...` for its mail server, `/var/www/` for a
  folder of the test, and an owner answers
  each reminder (a reply saved as `reply.eml`, in `~/Maildir` and in the mailbox); what
  reached the servers is checked, not only the exit codes;
- `<!-- run with a stand-in for mail ... -->`: `mail` is a script that keeps what it was given;
- `<!-- synopsis -->`: not run, but every option it names must be one the command has;
- `<!-- run in a fresh copy of the project ... -->`: the README's set-up lines, run as written
  in a copy of the project's tracked files: the try-it line (`python3 -m venv .venv`, the install
  from the network, `okr init`, `okr status`), then the test line (the install with the test
  extras, then pytest on the one file the marker names: the whole suite is the one this check
  is in) (test_the_set_up_lines_install_and_run);
- `<!-- run on the small benchmark workbook ... -->`: the profiling lines, run as written (this
  environment's Python and `okr` as `.venv/bin/...`) with the `small` workbook of
  benchmarks/generate.py at `benchmarks/out/large.xlsx`, `P001-1.1` for `P150-1.1` and a folder
  of the test for `/tmp/` (test_the_profile_lines_run);
- `<!-- run on one file of tests/reliability ... -->`: the line that runs the reliability
  suites, on the one file the marker names for the folder (the folder runs in the suite this
  check is in; test_the_reliability_line_runs);
- `<!-- run at smoke scale ... -->`: docs/performance.md's benchmark lines, run as written
  with OKR_BENCH_SMOKE=1 (benchmarks/scale.py: at most 3 people, one run each) in a folder
  holding a copy of benchmarks/ (test_the_benchmark_lines_run_at_smoke_scale);
- `<!-- not run: REASON -->`: not run, for the reason given; NOT_RUN below counts them per
  page (none today), so a new one is a decision.

Besides the blocks: every `okr ...` the docs show, inline or in a block, names a command and
options it has; the examples in docs/exit-codes.md's tables that run as written exit with
their section's code; and the examples of every command's `--help` (docs/commands.md) run
(those that mail, read replies or post to a webhook against the test's servers, as above), but
for the few HELP_NOT_RUN names.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from okrsheet.cli import app
from tests import docgen
from tests.conftest import type_cells
from tests.delivery.conftest import DAY, EMAILS, PEOPLE_ROWS
from tests.delivery.dovecot import Imap, dovecot
from tests.delivery.replies import gmail
from tests.delivery.smtp_server import Arrived, SmtpServer, smtp_server
from tests.delivery.test_imap import deliver, url
from tests.delivery.webhook_server import Hook, webhook_server

ROOT = Path(__file__).resolve().parent.parent
SHELLS = {"sh", "bash", "console", "shell", "crontab"}
#: The pages whose shell blocks are examples (the command reference is --help, generated).
PAGES = [ROOT / "README.md"] + [
    p for p in sorted((ROOT / "docs").glob("*.md")) if p.name != "commands.md"
]
#: Blocks that are not run, per page: each says why in its marker.
NOT_RUN: dict[str, int] = {}
#: Stands for the spreadsheet an example made on Google.
SPREADSHEET = "gsheet:1AbC..."
#: Stands for the mailbox an example reads: the test's IMAP server.
MAILBOX = re.compile(r"imaps://okr%40acme\.com:PASSWORD@imap\.acme\.com/INBOX")
#: Where an example publishes the report page: a folder of the test.
PUBLISHED = "/var/www/"
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
RUN = [
    b
    for b in BLOCKS
    if b.marker == "" or b.marker.startswith(("exit:", "run on the Google", "run with a stand-in"))
]
MAILED = [b for b in BLOCKS if b.marker.startswith("run with") and b.marker.endswith("the test")]
SYNOPSES = [b for b in BLOCKS if b.marker == "synopsis"]
SKIPPED = [b for b in BLOCKS if b.marker.startswith("not run:")]
INSTALLED = [b for b in BLOCKS if b.marker.startswith("run in a fresh copy of the project")]
PROFILED = [b for b in BLOCKS if b.marker.startswith("run on the small benchmark workbook")]
ONE_FILE = [b for b in BLOCKS if b.marker.startswith("run on one file of tests/reliability")]
SMOKED = [b for b in BLOCKS if b.marker.startswith("run at smoke scale")]


def test_every_shell_block_is_run_checked_or_says_why_not() -> None:
    known = RUN + MAILED + SYNOPSES + SKIPPED + INSTALLED + PROFILED + ONE_FILE + SMOKED
    assert len(BLOCKS) == len(known), [
        f"{b.name}: unknown marker <!-- {b.marker} -->" for b in BLOCKS if b not in known
    ]
    assert len(RUN) >= 12 and len(MAILED) >= 5 and len(SYNOPSES) >= 8
    assert [b.page for b in INSTALLED + PROFILED + ONE_FILE + SMOKED] == [
        "README.md", "README.md", "docs/performance.md", "docs/reliability.md",
        "docs/performance.md",
    ]  # fmt: skip
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
    """`okr ARGS [> FILE] [< FILE]`, with `NAME=VALUE` before it, through the Typer app (`~`
    is the home folder, as a shell makes it)."""
    while re.fullmatch(r"[A-Z_]+=.*", tokens[0]):
        name, value = tokens.pop(0).split("=", 1)
        monkeypatch.setenv(name, value)
    assert tokens[0] == "okr", tokens
    args, given, out = [os.path.expanduser(t) for t in tokens[1:]], None, None
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


def run_in_bash(
    command: str, folder: Path, first_on_path: Path | None = None, timeout: float = 120
) -> Any:
    bash = shutil.which("bash")
    assert bash, "bash is needed to run the docs' shell examples"
    path = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    if first_on_path is not None:
        path = f"{first_on_path}{os.pathsep}{path}"
    env = {**os.environ, "PATH": path}
    done = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", command],
        cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def run_block(
    block: Block,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    stands_for: dict[str, Callable[[], str]] | None = None,
    first_on_path: Path | None = None,
    after: Callable[[str], None] | None = None,
) -> list[str]:
    """Run the block's commands in `folder`, each exiting as the block says, with each text of
    `stands_for` (a pattern) replaced by what it stands for here (asked when a command names
    it); `after(command)` is called after each. The output of each command, stdout then stderr."""
    commands = block.commands()
    expected = expected_codes(block, commands)
    outputs = []
    for command, code in zip(commands, expected, strict=True):
        for pattern, here in (stands_for or {}).items():
            if re.search(pattern, command):
                command = re.sub(pattern, here().replace("\\", "\\\\"), command)
        tokens = shlex.split(command, comments=True)
        if command == "source .venv/bin/activate":
            continue  # okr is at hand: it runs in-process
        if tokens[0] == "export":
            for assignment in tokens[1:]:
                monkeypatch.setenv(*assignment.split("=", 1))
            continue
        if (tokens[0] == "okr" or re.match(r"[A-Z_]+=", tokens[0])) and not SHELL_SYNTAX.search(
            command.split("#", 1)[0]
        ):
            exit_code, stdout, stderr = run_in_process(tokens, folder, monkeypatch)
        else:
            exit_code, stdout, stderr = run_in_bash(command, folder, first_on_path)

        assert exit_code == code, (
            f"{block.name}: `{command}` exited {exit_code}, not {code}\n{stdout}\n{stderr}"
        )
        outputs.append(stdout + stderr)
        if after is not None:
            after(command)
    return outputs


#: A stand-in for `mail`: it keeps its arguments and the message it was given, in the folder.
MAIL_STAND_IN = """#!/bin/sh
printf '%s\n' "$@" > mail.args
cat > mail.message
"""


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
    stands_for: dict[str, Callable[[], str]] = {}
    if "Google" in block.marker:
        google = request.getfixturevalue("google")
        stands_for[re.escape(SPREADSHEET)] = google.location
    stand_ins = None
    if "stand-in for mail" in block.marker:
        stand_ins = tmp_path / "bin"
        stand_ins.mkdir()
        (stand_ins / "mail").write_text(MAIL_STAND_IN, encoding="utf-8")
        (stand_ins / "mail").chmod(0o755)

    run_block(block, tmp_path, monkeypatch, stands_for, stand_ins)

    if stand_ins is not None:  # what `mail` was given, when it was called
        args = (tmp_path / "mail.args").read_text(encoding="utf-8").splitlines()
        assert args[0] == "-s" and args[-1].endswith("@example.com"), args
        sent = (tmp_path / "mail.message").read_text(encoding="utf-8")
        assert sent == (tmp_path / "lagging.md").read_text(encoding="utf-8")
        assert "Lagging key results" in sent and "TOM-1.1" in sent


def _reminded(smtp: SmtpServer, owner: str) -> EmailMessage:
    """The last reminder that reached an owner."""
    return [a.message for a in smtp.received if a.rcpt_tos == [EMAILS[owner]]][-1]


#: The owners' answers to their reminders: (owner, the KR line they change).
ANSWERS = {
    "Marcus Webb": {"SALES-1.3": "SALES-1.3 | 5 | 35% | two new reps"},
    "Priya Raman": {"CORP-1.2": "CORP-1.2 | 81 | 40% |"},
    "Lena Okafor": {"MARKET-1.1": "MARKET-1.1 | 560 | 70% |"},
}
#: Stands for the mail server an example names: the test's SMTP server.
MAIL_SERVER = re.compile(r"smtps://okr%40acme\.com:PASSWORD@mail\.acme\.com")


@dataclass
class MailPlace:
    """A cron machine's folder (`okr.toml` naming the servers the test started) and home."""

    folder: Path
    home: Path
    smtp: SmtpServer
    imap: Imap | None
    hook: Hook | None
    stands_for: dict[str, Callable[[], str]]
    replies: int = 0

    def answer(self, command: str) -> None:
        """After a reminder, its owner replies (by IMAP, to the mailbox okr reads)."""
        if " remind" in command and self.imap is not None:
            deliver(self.imap, gmail(_reminded(self.smtp, "Marcus Webb"), ANSWERS["Marcus Webb"]))
            self.replies += 1

    def replies_waiting(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Each owner reminded, and their replies where an example reads them: Marcus's saved
        as reply.eml, Priya's in ~/Maildir, Lena's in the mailbox."""
        reminded = run_in_process(["okr", "remind"], self.folder, monkeypatch)
        assert reminded[0] == 0, reminded
        mails = {owner: gmail(_reminded(self.smtp, owner), e) for owner, e in ANSWERS.items()}
        (self.folder / "reply.eml").write_bytes(mails["Marcus Webb"])
        for sub in ("new", "cur", "tmp"):
            (self.home / "Maildir" / sub).mkdir(parents=True)
        (self.home / "Maildir" / "new" / "1.M1P1.host").write_bytes(mails["Priya Raman"])
        if self.imap is not None:
            deliver(self.imap, mails["Lena Okafor"])
        self.replies = 3 if self.imap is not None else 2

    def check(self, text: str, said: str, arrived: list[Arrived]) -> None:
        """What the commands of `text` did reached the servers: reminders, answers, digests;
        and each reply made (or read) was recorded once."""
        if re.search(r"--from-(mail|maildir|imap)", text):
            assert said.count("recorded 1 check-in(s) by") >= 1, said
        assert said.count("recorded 1 check-in(s) by") <= self.replies, said
        if " remind" in text:  # every owner with an address and something due
            assert {a.rcpt_tos[0] for a in arrived} >= set(EMAILS.values())
        if "--answer" in text:  # the owner hears back what was recorded
            answers = [a.message for a in arrived if a.message["In-Reply-To"]]
            assert len(answers) == 1 and answers[0]["To"] in EMAILS.values(), answers
        if self.hook is not None and " digest" in text:  # it reached the channel, with the link
            assert len(self.hook.posts) == 1
            link = re.search(r"--report-url (\S+)", text)
            assert link and link.group(1) in str(self.hook.posts[0].body)
        if " report " in text and "-o " in text:
            assert (self.home / "www" / "okr" / "report.html").stat().st_size > 10_000
        if "--recipient" in text:
            (digest,) = [a.message for a in arrived if a.rcpt_tos == ["all@acme.com"]]
            assert [p.get_filename() for p in digest.iter_attachments()] == ["okr-report.html"]


@contextlib.contextmanager
def mail_place(
    example_bytes: bytes,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    mailbox: bool,
    webhook: bool,
    digest_to: bool = False,
) -> Iterator[MailPlace]:
    """The example company (owners with addresses) in HOME/okr, the current folder, on a day
    every owner is due; a mail server, and a mailbox and a webhook if asked, named in its
    okr.toml (the webhook as `digest_to` if asked, and in $SLACK_HOOK)."""
    folder = home / "okr"
    folder.mkdir()
    for name in ("okr.xlsx", "example.xlsx", "acme.xlsx"):
        (folder / name).write_bytes(example_bytes)
        type_cells(folder / name, {"People": {(r, 3): EMAILS[n] for n, r in PEOPLE_ROWS.items()}})
    (home / "www" / "okr").mkdir(parents=True)
    monkeypatch.setenv("OKR_TODAY", DAY)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(folder)
    with contextlib.ExitStack() as servers:
        smtp = servers.enter_context(smtp_server())
        mail_url = f"smtp://{smtp.host}:{smtp.port}?from=okr@northwind.example"
        config = [f'mail_url = "{mail_url}"']
        published = str(home / "www") + "/"
        stands_for: dict[str, Callable[[], str]] = {
            re.escape(PUBLISHED): lambda: published,
            MAIL_SERVER.pattern: lambda: mail_url,
        }
        imap = servers.enter_context(dovecot()) if mailbox else None
        if imap is not None:
            mailbox_url = url(imap)
            config.append(f'mailbox_url = "{mailbox_url}"')
            stands_for[MAILBOX.pattern] = lambda: mailbox_url
        hook = servers.enter_context(webhook_server()) if webhook else None
        if hook is not None:
            monkeypatch.setenv("SLACK_HOOK", hook.url("slack+http"))
            if digest_to:
                config.append(f'digest_to = "{hook.url("slack+http")}"')
        (folder / "okr.toml").write_text("\n".join(config) + "\n", encoding="utf-8")
        yield MailPlace(folder, home, smtp, imap, hook, stands_for)


@pytest.mark.parametrize("block", MAILED, ids=lambda b: b.name)
def test_the_mail_example_runs(
    block: Block, example_bytes: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mail, mailbox or webhook example, against servers the test starts: what it sent is
    what arrived there, and each reply an owner sent is recorded once."""
    text = block.text
    with mail_place(
        example_bytes,
        tmp_path,
        monkeypatch,
        mailbox="mailbox" in block.marker,
        webhook="webhook" in block.marker,
        digest_to=True,
    ) as place:
        if "remind" not in text and re.search(r"--from-(mail|maildir|imap)", text):
            place.replies_waiting(monkeypatch)
        before = len(place.smtp.received)

        outputs = run_block(block, place.folder, monkeypatch, place.stands_for, after=place.answer)

        said = "\n".join(outputs)
        assert said.count("recorded 1 check-in(s) by") == place.replies, said
        place.check(text, said, place.smtp.received[before:])


def _set_up(needle: str) -> Block:
    """The README's set-up line that holds `needle`: `okr init` (try-it) or `pytest` (tests)."""
    (block,) = [b for b in INSTALLED if needle in b.text]
    return block


def test_the_set_up_lines_are_the_ones_ci_runs(example_bytes: bytes, tmp_path: Path) -> None:
    """The README's set-up lines: the test line is the one `.ci/run` runs, the try-it line
    installs the same way without the test extras, and what it does once installed runs here
    too (with this environment's `okr` as `.venv/bin/okr`; both lines run whole, from a fresh
    copy, in test_the_set_up_lines_install_and_run)."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    ci_test = ci[ci.index("# The README's test command (pytest exits 5 when it collects no tests: "
                          "that fails here too).") + 1]  # fmt: skip
    tests = _set_up("pytest")
    assert tests.commands() == [ci_test]
    try_it = _set_up("okr init").commands()
    assert len(try_it) == 1
    steps = try_it[0].split(" && ")
    assert " && ".join(steps[:2]) == ci_test.rsplit(" && ", 1)[0].replace("'.[test]'", ".")
    for command in (try_it[0], ci_test):
        assert subprocess.run(["bash", "-n", "-c", command], check=False).returncode == 0
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "bin").symlink_to(Path(sys.executable).parent)
    code, stdout, stderr = run_in_bash(" && ".join(steps[2:]), tmp_path)
    assert code == 0, stderr
    assert "SALES-1.2" in stdout and (tmp_path / "example.xlsx").exists()


def _online(host: str = "pypi.org") -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, 443), timeout=5):
        return True
    return False


def test_the_set_up_lines_install_and_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's set-up lines, run as written in a copy of the project's tracked files.
    The try-it line: a fresh `.venv`, the install from the network (pip's cache, if any,
    reused), then `okr init` and `okr status`, which prints the example company's status
    table. Then the test line: the install with the test extras, then pytest, on the one file
    its marker names (given through PYTEST_ADDOPTS; the whole suite is the one this test is
    in), which checks that every package the code imports is declared and installed. Offline
    it is skipped, except where `CI` is set (as `.ci/run` runs), where it fails."""
    (line,) = _set_up("okr init").commands()
    tests = _set_up("pytest")
    (test_line,) = tests.commands()
    named = re.search(r"on the one file (tests/\S+\.py)", tests.marker)
    assert named and (ROOT / named.group(1)).is_file(), tests.marker
    copy = tmp_path / "okrsheet"
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():  # tracked, and not deleted in the working tree
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    assert not (copy / ".venv").exists() and (copy / "pyproject.toml").is_file()

    code, stdout, stderr = run_in_bash(line, copy, timeout=900)

    if code != 0 and not os.environ.get("CI") and not _online():
        pytest.skip(f"no network to install from: {stderr.strip().splitlines()[-1:]}")
    assert code == 0, f"README.md: `{line}` exited {code}\n{stdout}\n{stderr}"
    assert (copy / ".venv" / "bin" / "okr").is_file() and (copy / "example.xlsx").is_file()
    first, *rest = stdout.splitlines()
    assert re.fullmatch(
        r"Northwind Analytics · 2026-Q4 \(2026-10-01 to 2026-12-31\) · as of \d{4}-\d\d-\d\d",
        first.strip(),
    ), stdout
    shown = set(re.findall(r"^\s*([A-Z]+-\d+(?:\.\d+)?)\s", "\n".join(rest), re.MULTILINE))
    exit_code, json_out, _ = run_in_process(
        ["okr", "status", "--format", "json", "-w", str(copy / "example.xlsx")], copy, monkeypatch
    )
    assert exit_code == 0
    ids = set(re.findall(r'"id": "([A-Z]+-\d+(?:\.\d+)?)"', json_out))
    assert len(ids) >= 15 and shown == ids, (sorted(shown), sorted(ids))

    # The test line, in the same copy: this run's own pytest settings left out of its way.
    for name in [n for n in os.environ if n.startswith("PYTEST_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYTEST_ADDOPTS", f"-p no:cacheprovider {named.group(1)}")
    code, stdout, stderr = run_in_bash(test_line, copy, timeout=900)

    assert code == 0, f"README.md: `{test_line}` exited {code}\n{stdout}\n{stderr}"
    last = stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed in [\d.]+s(?: \([\d:]+\))?", last), stdout
    assert (copy / ".venv" / "bin" / "ruff").is_file()  # a test extra


def test_the_profile_lines_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/performance.md's profiling lines, run as written on the `small` workbook of
    benchmarks/generate.py put at `benchmarks/out/large.xlsx` (with P001-1.1, a key result it
    has, for P150-1.1, and a folder of the test for /tmp/): each prints its profile, and the
    check-in is written to the copy only."""
    (block,) = PROFILED
    # This environment as `.venv` (the whole of it: Python finds its packages by pyvenv.cfg).
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    out = tmp_path / "benchmarks" / "out"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--out", str(out),
         "--sizes", "small"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (out / "small.xlsx").rename(out / "large.xlsx")
    before = (out / "large.xlsx").read_bytes()
    stands_for = {"P150-1.1": "P001-1.1", re.escape("/tmp/"): f"{tmp_path}/"}
    commands = block.commands()
    assert len(commands) == 3 and all(p in block.text for p in ["P150-1.1", "/tmp/copy.xlsx"])

    for command in commands:
        for pattern, here in stands_for.items():
            command = re.sub(pattern, here, command)
        code, stdout, stderr = run_in_bash(command, tmp_path)
        assert code == 0, f"{block.name}: `{command}` exited {code}\n{stdout}\n{stderr}"
        if "checkin" in command:
            assert "Ordered by: cumulative time" in stdout, stdout[-2000:]
            assert f"Recorded 1 check-in(s) in {tmp_path}/copy.xlsx." in stderr, stderr

    assert (out / "large.xlsx").read_bytes() == before
    monkeypatch.setenv("OKR_TODAY", "2026-12-31")
    exit_code, stdout, _ = run_in_process(
        ["okr", "history", "P001-1.1", "--format", "json", "-w", str(tmp_path / "copy.xlsx")],
        tmp_path, monkeypatch,
    )  # fmt: skip
    assert exit_code == 0 and '"value": 12' in stdout, stdout


def test_the_reliability_line_runs(tmp_path: Path) -> None:
    """docs/reliability.md's line runs as written, on the one fast file its marker names for
    tests/reliability (in one process, with its own temporary folder and no cache written)."""
    (block,) = ONE_FILE
    (line,) = block.commands()
    named = re.search(r"(test_\w+\.py) for the folder", block.marker)
    assert named and "tests/reliability " in f"{line} ", block.marker
    file = f"tests/reliability/{named.group(1)}"
    assert (ROOT / file).is_file(), file
    command = line.replace("tests/reliability", file, 1)
    addopts = f"-n 0 -p no:cacheprovider --basetemp={tmp_path / 'basetemp'}"

    with pytest.MonkeyPatch.context() as env:
        env.setenv("PYTEST_ADDOPTS", addopts)
        code, stdout, stderr = run_in_bash(command, ROOT)

    assert code == 0, f"{block.name}: `{command}` exited {code}\n{stdout}\n{stderr}"
    assert "slowest 10 durations" in stdout, stdout
    assert re.search(r"^\d+ passed in ", stdout.splitlines()[-1]), stdout


def _script_options(script: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, script, "--help"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return set(re.findall(r"(?<![\w-])(--[\w-]+)", done.stdout))


#: What each benchmark line prints (at smoke scale too), by its script and an option it takes
#: ("": the line without options).
BENCHMARK_SAYS = {
    ("run.py", ""): "Google Sheets API calls, large workbook",
    ("run.py", "--libreoffice"): "(on a workbook LibreOffice saved)",
    ("run.py", "--history"): "against large",
    ("run.py", "--memory-million"): "peak memory, checkin",
    ("sync.py", "--runs"): "okr sync again (nothing changed)",
    ("cells.py", "--people"): "every past check-in reachable: True",
}


def test_the_benchmark_lines_run_at_smoke_scale(tmp_path: Path) -> None:
    """docs/performance.md's benchmark lines, run as written at smoke scale (OKR_BENCH_SMOKE=1:
    every workbook with at most 3 people, one run each) in a folder holding a copy of
    benchmarks/ (the workbooks are built there, never over the full-scale ones), tests/ (the
    Google fake) and this environment as `.venv`; its install line is the README's, which runs
    in test_the_set_up_lines_install_and_run. Each line exits 0 and prints what it measures,
    after saying its figures are not the benchmark's."""
    if not shutil.which("soffice") and not os.environ.get("CI"):
        pytest.skip("LibreOffice (soffice) is not installed: the --libreoffice line needs it")
    (block,) = SMOKED
    install, *lines = block.commands()
    assert install == _set_up("pytest").text.strip().rsplit(" && ", 1)[0]
    shutil.copytree(
        ROOT / "benchmarks", tmp_path / "benchmarks",
        ignore=shutil.ignore_patterns("out", "__pycache__"),
    )  # fmt: skip
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    (tmp_path / ".venv").symlink_to(Path(sys.executable).parent.parent)
    said = set()

    with pytest.MonkeyPatch.context() as env:
        env.setenv("OKR_BENCH_SMOKE", "1")
        for line in lines:
            code, stdout, stderr = run_in_bash(line, tmp_path, timeout=600)

            assert code == 0, f"{block.name}: `{line}` exited {code}\n{stdout}\n{stderr}"
            assert stdout.startswith("smoke scale (OKR_BENCH_SMOKE=1)"), stdout[:300]
            script = shlex.split(line, comments=True)[1].removeprefix("benchmarks/")
            for (name, option), says in BENCHMARK_SAYS.items():
                if name == script and (option in line.split() if option else "--" not in line):
                    assert says in stdout, f"`{line}` did not print {says!r}:\n{stdout}"
                    said.add((name, option))

    assert said == set(BENCHMARK_SAYS)
    built = {p.name for p in (tmp_path / "benchmarks" / "out" / "smoke").glob("*.xlsx")}
    assert {"small.xlsx", "medium.xlsx", "large.xlsx", "large-3y.xlsx", "large-3y-rolled.xlsx",
            "million.xlsx"} <= built  # fmt: skip


def test_the_benchmark_lines_name_scripts_options_and_commands_that_exist() -> None:
    """docs/performance.md's benchmark and profiling lines: each names a script of benchmarks/
    and only options it has, and the profiled commands only options okr has, on a workbook
    size benchmarks/generate.py builds."""
    blocks = [b for b in SMOKED + PROFILED if b.page == "docs/performance.md"]
    lines = [line for b in blocks for line in b.commands()]
    checked = 0
    for line in lines:
        tokens = shlex.split(line.split("#", 1)[0])
        tokens = [t for t in tokens if not re.fullmatch(r"[A-Z_]+=.*", t)]
        if tokens[:3] == ["python3", "-m", "venv"]:  # the README's test install
            assert line == _set_up("pytest").text.strip().rsplit(" && ", 1)[0]
            continue
        if tokens[:1] == ["cp"]:
            continue
        assert tokens[0] == ".venv/bin/python", line
        if tokens[1:3] == ["-m", "cProfile"]:
            okr = tokens[tokens.index(".venv/bin/okr") + 1 :]
            named = {t for t in okr if t.startswith("-")}
            assert named <= help_options((okr[0],)), line
            assert "benchmarks/out/large.xlsx" in line or "/tmp/copy.xlsx" in line, line
        else:
            script = tokens[1]
            assert (ROOT / script).is_file(), line
            named = {t for t in tokens[2:] if t.startswith("--")}
            assert named <= _script_options(script), line
        checked += 1
    assert checked >= 6, lines
    generate = (ROOT / "benchmarks" / "generate.py").read_text(encoding="utf-8")
    assert '"large": Size(' in generate and '"large-3y"' in generate


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
    r"checkin --owner": "asks its questions at a terminal",
    r"auth login": "signs in at Google in a browser",
}
#: Examples of `--help` that mail, read a mailbox or post to a webhook: they run against the
#: test's servers (test_the_mail_help_example_runs).
HELP_MAIL = r"PASSWORD|\$SLACK_HOOK|--recipient|--from-mail"
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
HELP_MAILED = [(c, e) for c, e in HELP_EXAMPLES if re.search(HELP_MAIL, e)]
HELP_RUN = [
    (command, example)
    for command, example in HELP_EXAMPLES
    if not any(re.search(pattern, example) for pattern in [*HELP_NOT_RUN, HELP_MAIL])
]


def test_most_help_examples_run() -> None:
    assert {command for command, _ in HELP_EXAMPLES} == {
        " ".join(path) for path in docgen.command_paths()
    }
    not_run = [e for c, e in HELP_EXAMPLES if (c, e) not in HELP_RUN + HELP_MAILED]
    assert len(HELP_RUN) >= 50, f"{len(HELP_RUN)} of {len(HELP_EXAMPLES)}"
    assert len(HELP_MAILED) == 5, HELP_MAILED
    assert len(not_run) == 2, "\n".join(not_run)


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


@pytest.mark.parametrize(("command", "example"), HELP_MAILED, ids=[e for _, e in HELP_MAILED])
def test_the_mail_help_example_runs(
    command: str,
    example: str,
    example_bytes: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An example of `--help` that mails, reads replies or posts to a webhook, against servers
    the test starts (the mail server and the mailbox it names stand for them)."""
    reads = re.search(r"--from-(mail|imap)", example) is not None
    with mail_place(
        example_bytes, tmp_path, monkeypatch, mailbox="imap" in example, webhook="HOOK" in example
    ) as place:
        if reads:
            place.replies_waiting(monkeypatch)
        before = len(place.smtp.received)
        block = Block(f"okr {command} --help", 0, "sh", "", example + "\n")

        (said,) = run_block(block, place.folder, monkeypatch, place.stands_for)

        assert said.count("recorded 1 check-in(s) by") == (1 if reads else 0), said
        place.check(example, said, place.smtp.received[before:])


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
