"""`okr report` on a phone and a laptop, with the KPIs and initiatives `okr status` lists.

The example company, with a 330-character title holding a URL and a key result from -1e308 to
1e308 typed in, goes through the real command line. Headless Chromium then lays the page out
in a frame exactly 390 and 1280 CSS pixels wide (Chromium's own window is never narrower than
500): nothing may be wider than the frame. Screenshots are saved in tests/artifacts/ (ignored by
git) to look at. Needs Chromium, as tests/render/test_html_browser.py does.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import type_cells
from tests.render.test_html_browser import ARTIFACTS, AS_OF, FLAGS, browser

#: Long enough to widen the page to thousands of pixels if nothing wraps it.
LONG_TITLE = (
    "Win the Nordic framework deal described at https://example.com/"
    + "deal" * 62
    + "?x=1 before the end"
)


@dataclass
class Made:
    folder: Path
    page: Path
    status: dict[str, Any]
    status_text: str


@pytest.fixture(scope="module")
def made() -> Iterator[Made]:
    with tempfile.TemporaryDirectory(prefix="okr-widths-") as tmp:
        folder = Path(tmp)
        env = {
            **os.environ,
            "OKR_TODAY": AS_OF,
            "HOME": str(folder),
            "NO_COLOR": "1",
            "COLUMNS": "200",
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
        # SALES-1.1's title; SALES-1.3 from -1e308 to 1e308 (Start I5, Target J5).
        typed = {(3, 4): LONG_TITLE, (5, 9): -1e308, (5, 10): 1e308}
        type_cells(folder / "x.xlsx", {"Sales": typed})
        okr("report", "--out", "report.html")
        yield Made(
            folder,
            folder / "report.html",
            json.loads(okr("status", "--format", "json")),
            okr("status"),
        )


class Cells(HTMLParser):
    """The text of each table row of the page whose `tr` has an id, cell by cell, and every
    element found inside a <summary>."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.in_summary: list[str] = []
        self._row: str | None = None
        self._summary = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._summary:
            self.in_summary.append(tag)
        if tag == "summary":
            self._summary += 1
        found = dict(attrs)
        if tag == "tr" and found.get("id"):
            self._row = found["id"]
            self.rows[self._row or ""] = []
        if tag == "td" and self._row:
            self.rows[self._row].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "summary":
            self._summary -= 1
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._row and self.rows[self._row]:
            self.rows[self._row][-1] += data


def test_report_of_extreme_numbers_and_a_long_title_is_written(made: Made) -> None:
    text = made.page.read_text(encoding="utf-8")
    assert html.escape(LONG_TITLE) in text or LONG_TITLE in text
    assert "SALES-1.3" in text


def test_every_kpi_and_initiative_of_status_is_on_the_page_with_its_health(made: Made) -> None:
    text = made.page.read_text(encoding="utf-8")
    page = Cells(text)
    for kpi in made.status["kpis"]:
        cells = [" ".join(c.split()) for c in page.rows[f"kpi-{kpi['id']}"]]
        assert cells[0] == f"{kpi['id']} {kpi['name']}"
        health = "healthy" if kpi["healthy"] else "unhealthy"
        assert cells[4].split()[0] == health
        # Now and Healthy as `okr status` prints them, in the lines of that KPI.
        said = made.status_text.split(f"  {kpi['id']} ", 1)[1].split("  KPI-", 1)[0]
        said = " ".join(said.split())
        assert cells[2] in said and cells[3] in said, (cells, said)
    initiatives = [i for o in made.status["objectives"] for k in o["key_results"]
                   for i in k["initiatives"]]  # fmt: skip
    assert initiatives
    for item in initiatives:
        assert f"{item['id']}</span> {html.escape(item['title'])}" in text
    # What needs attention: the unhealthy KPI, the blocked initiative.
    attention = text[text.index("Needs attention") : text.index("<h2>Alignment")]
    assert "KPI-1</a> Website visitors per week" in attention
    assert "IN-3</span> Self-service demo booking" in attention
    assert "s-blocked" in attention


def test_summaries_hold_phrasing_content_only(made: Made) -> None:
    """The HTML standard allows phrasing content (and a heading) in <summary>: no <div>."""
    block = {"div", "p", "table", "ul", "ol", "section", "dl", "details"}
    inside = Cells(made.page.read_text(encoding="utf-8")).in_summary
    assert inside and not block & set(inside)


def probe(page: Path, width: int, height: int) -> Path:
    """A page holding the report in a frame `width` pixels wide (a srcdoc frame: same origin),
    that writes the frame's document width into its own body once loaded."""
    report = page.read_text(encoding="utf-8")
    frame = page.with_name(f"frame-{width}.html")
    frame.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>body{margin:0;"
        "background:#888}iframe{border:0;display:block;background:#fff}</style></head><body>"
        f'<iframe id="f" width="{width}" height="{height}" srcdoc="{html.escape(report)}">'
        "</iframe><script>document.getElementById('f').addEventListener('load', e => {"
        "const d = e.target.contentDocument.documentElement;"
        "document.body.dataset.widths = d.scrollWidth + ' ' + d.clientWidth;});</script>"
        "</body></html>",
        encoding="utf-8",
    )
    return frame


def run_chromium(*args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="okr-chromium-") as tmp:
        done = subprocess.run(
            [
                browser(),
                *FLAGS,
                "--hide-scrollbars",
                f"--user-data-dir={tmp}",
                "--virtual-time-budget=5000",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("width", [390, 1280])
def test_no_horizontal_scroll_at_phone_and_laptop_widths(made: Made, width: int) -> None:
    frame = probe(made.page, width, 900)

    dom = run_chromium("--window-size=1400,1000", "--dump-dom", frame.as_uri())

    found = re.search(r'data-widths="(\d+) (\d+)"', dom)
    assert found, dom[-500:]
    scroll, client = int(found[1]), int(found[2])
    assert client == width
    assert scroll <= client, f"the page is {scroll} px wide in a {width} px window"


@pytest.mark.parametrize("width", [390, 1280])
def test_screenshots_at_phone_and_laptop_widths(made: Made, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"report-{width}px.png"
    target.unlink(missing_ok=True)
    frame = probe(made.page, width, 7000)

    run_chromium(f"--window-size={width + 20},7000", f"--screenshot={target}", frame.as_uri())

    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_needs_attention_reads_on_a_phone(made: Made) -> None:
    """At 390 px the "Needs attention" table was about 3 screens wide, its Why column off
    screen and its rows about 380 px tall (issue 24 point 7): every cell, Why included, now
    lies within the screen, and each row (a card) is short: under 300 px, but for SALES-1.1,
    whose title this page makes a paragraph long."""
    report = made.page.read_text(encoding="utf-8")
    frame = made.page.with_name("frame-rows-390.html")
    script = """
    document.getElementById('f').addEventListener('load', e => {
      const table = e.target.contentDocument.querySelector('table.list');
      const rows = [...table.querySelectorAll('tbody tr')];
      const heights = rows.filter(r => !r.textContent.includes('SALES-1.1'))
        .map(r => Math.round(r.getBoundingClientRect().height));
      const right = Math.max(...[...table.querySelectorAll('td')]
        .map(c => Math.round(c.getBoundingClientRect().right)));
      const why = [...table.querySelectorAll('td[data-label="Why"]')]
        .every(c => c.getBoundingClientRect().right <= 390 && c.getBoundingClientRect().width > 0);
      document.body.dataset.rows = rows.length + ' ' + right + ' ' + why + ' ' + heights.join(',');
    });"""
    frame.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body style='margin:0'>"
        f'<iframe id="f" width="390" height="7000" srcdoc="{html.escape(report)}"></iframe>'
        f"<script>{script}</script></body></html>",
        encoding="utf-8",
    )

    dom = run_chromium("--window-size=410,1000", "--dump-dom", frame.as_uri())

    found = re.search(r'data-rows="(\d+) (\d+) (true|false) ([\d,]+)"', dom)
    assert found, dom[-500:]
    rows, right, why = int(found[1]), int(found[2]), found[3]
    heights = [int(h) for h in found[4].split(",")]
    assert rows >= 5  # the example's lagging key results
    assert right <= 390, f"a cell reaches {right} px on a 390 px screen"
    assert why == "true"  # every Why on screen
    assert max(heights) < 300, heights
