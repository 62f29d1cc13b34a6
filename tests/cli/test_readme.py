"""The README's usage examples work as written after its set-up line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def usage_blocks() -> list[str]:
    """The `sh` blocks of the "Using it" section that run on the local example workbook."""
    section = README.read_text(encoding="utf-8").split("## Using it", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [b for b in blocks if "gsheet:" not in b]  # Google needs an account


def test_usage_examples_run_after_the_set_up_line(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.fail("bash is needed to run the README's examples")
    bin_dir = Path(sys.executable).parent
    # What the set-up line leaves behind: .venv/bin/okr and example.xlsx.
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "bin").symlink_to(bin_dir, target_is_directory=True)
    made = subprocess.run(
        [str(bin_dir / "okr"), "init", "example.xlsx", "--example", "--force"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    blocks = usage_blocks()
    assert len(blocks) >= 2
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "OKR_WORKBOOK")}
    env["PATH"] = "/usr/bin:/bin"  # okr is not on PATH until the README says how

    result = subprocess.run(
        [bash, "--norc", "--noprofile", "-e", "-c", "\n".join(blocks)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "SALES-1.2" in result.stdout
    assert "Recorded 1 check-in(s)" in result.stderr
