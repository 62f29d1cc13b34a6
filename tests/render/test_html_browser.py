"""`okr report` in a real browser: headless Chromium opens the example report, shows every
objective and key result, draws a chart with a text alternative for each key result, logs no
console error and makes no request. Screenshots (light and dark) and PDF prints (Letter and
A4) are saved in tests/artifacts/ (ignored by git) to look at.

Needs Debian's `chromium` (or $OKR_CHROMIUM naming a Chromium or Chrome binary). Without one
the tests are skipped, except where CI is set: there a missing browser fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
AS_OF = "2026-11-16"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def browser() -> str:
    named = os.environ.get("OKR_CHROMIUM")
    found = named or next(
        (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
        None,
    )
    if found is None:
        reason = (
            "no headless Chromium for the browser test: install Debian's chromium package "
            "(apt-get install chromium) or set OKR_CHROMIUM"
        )
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"{reason}; CI must run it")
        pytest.skip(reason)
    return found


@dataclass
class Run:
    stdout: str
    stderr: str
    requests: list[str]

    @property
    def console(self) -> list[str]:
        """What the page wrote to the console (errors, CSP refusals, warnings)."""
        return [line for line in self.stderr.splitlines() if ":CONSOLE" in line]


def chromium(binary: str, url: str, *args: str) -> Run:
    """One headless Chromium run with a fresh profile; `requests` lists every URL the page
    asked for (from Chromium's network log), the page itself excepted."""
    with tempfile.TemporaryDirectory(prefix="okr-chromium-") as tmp:
        netlog = Path(tmp) / "net.json"
        done = subprocess.run(
            [
                binary,
                *FLAGS,
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--enable-logging=stderr",
                "--v=0",
                f"--log-net-log={netlog}",
                *args,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return Run(done.stdout, done.stderr, page_requests(netlog, url))


def page_requests(netlog: Path, url: str) -> list[str]:
    """URLs requested on behalf of a page opened from a file (Chromium's own background
    requests carry another network isolation key)."""
    log = json.loads(netlog.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = []
    for event in log["events"]:
        params = event.get("params", {})
        from_page = "file://" in params.get("network_isolation_key", "")
        if event["type"] == start and from_page and params.get("url") != url:
            found.append(params.get("url", ""))
    return found


class Dom(HTMLParser):
    """The rendered DOM: the text shown outside closed <details>, URLs, the charts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.shown: list[str] = []
        self.urls: list[str] = []
        self.charts: list[dict[str, str | None]] = []
        self.labels: dict[str, str] = {}
        self._closed = 0
        self._stack: list[bool] = []
        self._label: str | None = None
        self._summary = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "srcset")]
        if tag == "details":
            closed = "open" not in found
            self._stack.append(closed)
            self._closed += closed
        if tag == "summary":
            self._summary += 1
        if tag == "svg" and "kr-chart" in (found.get("class") or ""):
            self.charts.append(found)
        if tag in ("title", "desc") and found.get("id"):
            self._label = found["id"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._closed -= self._stack.pop()
        if tag == "summary":
            self._summary -= 1
        if tag in ("title", "desc"):
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] = self.labels.get(self._label, "") + data
        # A closed <details> still shows its summary.
        if self._closed == 0 or (self._summary and self._closed == 1):
            self.shown.append(data)


@pytest.fixture(scope="module")
def report() -> Iterator[tuple[Path, dict[str, Any]]]:
    """The example company's report through the real command line, and its status JSON."""
    binary = browser()
    assert binary
    with tempfile.TemporaryDirectory(prefix="okr-report-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "OKR_TODAY": AS_OF,
            "HOME": str(folder),
            "NO_COLOR": "1",
            "OKR_WORKBOOK": str(folder / "x.xlsx"),
        }

        def okr(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "okrsheet", *args],
                capture_output=True,
                text=True,
                env=env,
                cwd=folder,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        okr("init", "x.xlsx", "--example", "--cycle", "2026-Q4")
        okr("report", "--out", "report.html")
        yield folder / "report.html", json.loads(okr("status", "--format", "json"))


def test_chromium_shows_every_objective_and_key_result_with_a_chart(
    report: tuple[Path, dict[str, Any]],
) -> None:
    page, status = report
    run = chromium(browser(), page.as_uri(), "--dump-dom")
    assert "</html>" in run.stdout, run.stderr[-2000:]
    dom = Dom(run.stdout)
    shown = " ".join(" ".join(dom.shown).split())
    objectives = status["objectives"]
    krs = [kr for o in objectives for kr in o["key_results"]]
    assert objectives and krs
    for item in (*objectives, *krs):
        assert f"{item['id']} {' '.join(item['title'].split())}" in shown, item["id"]
    # One chart per key result (the tree's order, not the status table's), each an image
    # with a title naming the key result and a description of what it shows.
    assert len(dom.charts) == len(krs)
    charts = {}
    for chart in dom.charts:
        assert chart["role"] == "img"
        title, desc = (chart["aria-labelledby"] or "").split()
        charts[dom.labels[title].split(":")[0]] = dom.labels[desc]
    assert set(charts) == {kr["id"] for kr in krs}
    for kr in krs:
        assert f"by {kr['due']}" in charts[kr["id"]]
    assert [u for u in dom.urls if not u.startswith("#")] == []
    assert run.console == []
    assert run.requests == []


def test_the_checks_catch_a_request_and_a_console_error(tmp_path: Path) -> None:
    """The same checks on a page that does both: they must see it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png" alt="">'
        '<script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    run = chromium(browser(), bad.as_uri(), "--dump-dom")
    assert any('"boom"' in line for line in run.console)
    assert run.requests == ["http://127.0.0.1:9/x.png"]


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_screenshots_and_prints(report: tuple[Path, dict[str, Any]]) -> None:
    page, status = report
    ARTIFACTS.mkdir(exist_ok=True)
    binary = browser()
    shots = {"light": (), "dark": ("--force-dark-mode",)}
    for name, extra in shots.items():
        target = ARTIFACTS / f"report-{name}.png"
        target.unlink(missing_ok=True)
        run = chromium(
            binary, page.as_uri(), "--window-size=1280,2200", f"--screenshot={target}", *extra
        )
        assert run.console == [] and run.requests == []
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ARTIFACTS / "report-light.png").read_bytes() != (
        ARTIFACTS / "report-dark.png"
    ).read_bytes()
    # Letter is Chromium's default paper; the A4 print sets it in a copy of the page.
    a4 = page.with_name("report-a4.html")
    a4.write_text(
        page.read_text(encoding="utf-8").replace("</style>", "@page { size: A4; }\n</style>", 1),
        encoding="utf-8",
    )
    objectives = len(status["objectives"])
    for name, source in (("letter", page), ("a4", a4)):
        target = ARTIFACTS / f"report-{name}.pdf"
        target.unlink(missing_ok=True)
        chromium(binary, source.as_uri(), "--no-pdf-header-footer", f"--print-to-pdf={target}")
        pdf = target.read_bytes()
        assert pdf.startswith(b"%PDF")
        # The summary, then one page or more per objective.
        assert pdf_pages(pdf) >= objectives + 1
