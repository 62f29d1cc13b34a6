"""Command-line mistakes in okr's own style, and shell completion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

USAGE = 2  # docs/exit-codes.md


def assert_okr_style(result: Any) -> list[str]:
    """One `error:` line and one `hint:` line on stderr, the usage exit code, no usage block."""
    lines: list[str] = result.stderr.splitlines()
    assert result.exit_code == USAGE, result.stderr
    assert len(lines) == 2, lines
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), lines
    assert "Usage:" not in result.stderr and "Traceback" not in result.stderr
    return lines


def test_a_mistyped_command_gets_the_closest(okr: Any) -> None:
    result = okr("statsu")

    assert assert_okr_style(result) == [
        "error: no command named 'statsu'",
        "hint: did you mean `status`?",
    ]
    assert result.stdout == ""
    assert assert_okr_style(okr("lagin"))[1] == "hint: did you mean `lagging`?"
    assert "okr --help" in assert_okr_style(okr("frobnicate"))[1]


@pytest.mark.parametrize(
    ("option", "hint"),
    [
        ("--json", "hint: did you mean `--format json`?"),
        ("--csv", "hint: did you mean `--format csv`?"),
        ("--ownr", "hint: did you mean `--owner`?"),
        ("--as_of", "hint: did you mean `--as-of`?"),
    ],
)
def test_a_mistyped_option_gets_the_closest(okr: Any, option: str, hint: str) -> None:
    lines = assert_okr_style(okr("status", option))

    assert lines == [f"error: okr status has no option {option}", hint]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("status", "--format", "xml"), "error: --format: 'xml' is not one of"),
        (("todo",), "error: missing option --owner"),
        (("history",), "error: missing argument KR_ID"),
        (("status", "--as-of"), "error: option '--as-of' requires an argument"),
        (("deps", "--owner", "Marcus", "Webb"), "error: got unexpected extra argument"),
        (("-w", "x.xlsx", "status"), "error: okr has no option -w"),
        (("auth", "stauts"), "error: no such command 'stauts'"),
    ],
)
def test_usage_errors_are_one_line_with_a_hint(okr: Any, args: tuple[str, ...], error: str) -> None:
    lines = assert_okr_style(okr(*args))

    assert lines[0].startswith(error), lines


def test_usage_errors_under_json_print_the_envelope(okr: Any) -> None:
    result = okr("lagging", "--format", "json", "--bogus")

    assert result.exit_code == USAGE
    assert result.json() == {
        "error": {
            "code": "usage",
            "exit_code": USAGE,
            "message": "okr lagging has no option --bogus",
            "details": [],
        }
    }


def test_help_with_no_arguments_is_still_help(okr: Any) -> None:
    result = okr()

    assert "Commands:" in result.stdout + result.stderr
    assert "error:" not in result.stderr


def okr_script() -> str:
    script = Path(sys.executable).with_name("okr")
    assert script.exists(), "the console script is installed next to python"
    return str(script)


def shell_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("_OKR")}
    env["PATH"] = f"{Path(okr_script()).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path / "home")
    return env


def test_bash_completion_script_works(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.fail("bash is needed to test the completion script")
    probe = (
        "source <(okr completion bash) || exit 9\n"
        "complete -p okr\n"
        'COMP_WORDS=(okr sta); COMP_CWORD=1; _okr_completion okr; echo "[${COMPREPLY[*]}]"\n'
        'COMP_WORDS=(okr status --format ""); COMP_CWORD=3; _okr_completion okr\n'
        'echo "[${COMPREPLY[*]}]"\n'
        "COMP_WORDS=(okr lagging --mis); COMP_CWORD=2; _okr_completion okr\n"
        'echo "[${COMPREPLY[*]}]"\n'
    )
    home = tmp_path / "home"
    home.mkdir()

    result = subprocess.run(
        [bash, "--norc", "--noprofile", "-c", probe],
        capture_output=True,
        text=True,
        env=shell_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "complete -o default -F _okr_completion okr"
    assert lines[1:] == ["[status]", "[table json csv md]", "[--missing-checkins]"]
    assert list(home.iterdir()) == [], "no rc file was touched"


@pytest.mark.parametrize(
    ("shell", "expected"),
    [("zsh", "compdef _okr_completion okr"), ("fish", "complete --command okr")],
)
def test_zsh_and_fish_scripts(okr: Any, shell: str, expected: str) -> None:
    result = okr("completion", shell)

    assert result.exit_code == 0
    assert expected in result.stdout
    assert "_OKR_COMPLETE=complete_" + shell in result.stdout
    if shutil.which(shell):  # where the shell is installed, the script must at least parse
        check = subprocess.run(
            [shell, "-n"], input=result.stdout, capture_output=True, text=True, timeout=60
        )
        assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("shell", ["powershell", "pwsh"])
def test_powershell_script_and_its_protocol(okr: Any, tmp_path: Path, shell: str) -> None:
    """Windows PowerShell and PowerShell 7: the script registers a completer that asks okr
    with `complete_powershell`, and okr answers `word:::help` lines."""
    script = okr("completion", shell)
    env = shell_env(tmp_path) | {
        "_OKR_COMPLETE": "complete_powershell",
        "_TYPER_COMPLETE_ARGS": "okr gr",
        "_TYPER_COMPLETE_WORD_TO_COMPLETE": "gr",
    }

    answer = subprocess.run(
        [okr_script()], capture_output=True, text=True, env=env, timeout=120, check=False
    )

    assert script.exit_code == 0
    assert "Register-ArgumentCompleter -Native -CommandName okr" in script.stdout
    assert '$Env:_OKR_COMPLETE = "complete_powershell"' in script.stdout
    assert answer.returncode == 0, answer.stderr
    assert [line.split(":::")[0] for line in answer.stdout.splitlines()] == ["grade"]


def test_completion_answers_through_the_protocol_the_script_uses(tmp_path: Path) -> None:
    """What zsh's script asks (`_TYPER_COMPLETE_ARGS`) gets the commands back."""
    env = shell_env(tmp_path) | {"_OKR_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "okr gr"}

    result = subprocess.run(
        [okr_script()], capture_output=True, text=True, env=env, timeout=120, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "grade" in result.stdout
    assert json.dumps("status") not in result.stdout  # only what matches `gr`
