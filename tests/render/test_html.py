"""`okr report`: the page model (the same figures as the other reports) and the HTML page
(self-contained, every workbook text escaped, one chart with a text alternative per key result)."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from okrsheet import service
from okrsheet.domain.model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Plan,
    Settings,
    rewind,
)
from okrsheet.render.html import render_page
from okrsheet.report_page import CHART_POINTS, PageReport, flatten, page_report
from okrsheet.reports import history_report, history_reports, status_report
from tests.conftest import TODAY, Google
from tests.stores.test_gsheets import READ

HOSTILE = "<script>alert(1)</script>"


def load(path: Path, day: date = TODAY) -> Plan:
    return rewind(service.load(service.resolve_location(str(path))).plan, day)


class Page(HTMLParser):
    """What a browser would load or run from the page: tags, URLs, chart text alternatives."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.charts: list[dict[str, str | None]] = []
        self.ids: set[str] = set()
        self.texts: dict[str, str] = {}
        self._open: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster", "srcset", "data"):
                self.urls.append((tag, name, value or ""))
        if "id" in found and found["id"]:
            self.ids.add(found["id"])
        if tag == "svg" and "kr-chart" in (found.get("class") or ""):
            self.charts.append(found)
        if tag in ("title", "desc") and found.get("id"):
            self._open = found["id"]

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.texts[self._open] = self.texts.get(self._open, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "desc"):
            self._open = None


# The page model ------------------------------------------------------------------------------


def test_page_has_every_objective_and_key_result_with_status_figures(example: Path) -> None:
    plan = load(example)
    page = page_report(plan, TODAY)
    status = status_report(plan, TODAY)
    nodes = flatten([*page.roots, *page.orphans])
    assert [n.row for n in sorted(nodes, key=lambda n: n.row.id)] == sorted(
        status.objectives, key=lambda o: o.id
    )
    krs = {k.row.id: k for n in nodes for k in n.key_results}
    assert set(krs) == {k.id for o in status.objectives for k in o.key_results}
    # The tree: corporate objectives at the top, the others beneath what they align to.
    assert all(root.row.level == "corporate" for root in page.roots)
    for node in nodes:
        for child in node.children:
            assert child.row.aligns_to == node.row.id
    assert page.overall.key_results == len(krs)
    assert sum(page.overall.by_status.values()) == len(krs)
    assert page.days_left == (page.cycle.end - TODAY).days == 45
    assert page.grades is None  # the cycle has not ended


def test_overall_progress_is_the_weighted_mean_of_the_key_results(example: Path) -> None:
    page = page_report(load(example), TODAY)
    krs = [k.row for n in flatten(page.roots) for k in n.key_results]
    weighted = sum(k.progress * k.weight for k in krs) / sum(k.weight for k in krs)
    assert page.overall.progress == pytest.approx(weighted, abs=1e-4)
    assert page.overall.expected is not None and 0 < page.overall.expected < 1


def test_each_chart_has_the_forecast_okr_history_gives(example: Path) -> None:
    plan = load(example)
    page = page_report(plan, TODAY)
    for node in flatten(page.roots):
        for kr in node.key_results:
            alone = history_report(plan, kr.row.id, TODAY)
            assert alone is not None
            assert kr.history.forecast_at_due == alone.forecast_at_due
            # (fewer than CHART_POINTS here)
            assert kr.history.checkins == [
                (p.date, p.value, p.confidence, p.progress) for p in alone.checkins
            ]
            assert kr.checkins == len(alone.checkins)


def test_thinned_histories_keep_the_forecast_and_the_ends() -> None:
    cycle = Cycle(name="2026", start=date(2026, 1, 1), end=date(2026, 12, 31))
    kr = KeyResult(
        id="K-1",
        objective_id="O-1",
        title="Grow",
        owner="Ana",
        kind=KRKind.INCREASE,
        start=0,
        target=100,
        due=date(2026, 12, 31),
    )
    log = tuple(
        CheckIn(date=date.fromordinal(cycle.start.toordinal() + 3 * n), kr_id="K-1", value=n**1.5)
        for n in range(110)
    )
    plan = Plan(cycle=cycle, key_results=(kr,), checkins=log)
    day = date(2026, 12, 31)
    full = history_reports(plan, day)["K-1"]
    thin = history_reports(plan, day, max_points=CHART_POINTS)["K-1"]
    assert len(full.checkins) == 110
    assert len(thin.checkins) == CHART_POINTS
    assert thin.checkins[0] == full.checkins[0]
    assert thin.checkins[-6:] == full.checkins[-6:]
    assert [p.date for p in thin.checkins] == sorted({p.date for p in thin.checkins})
    assert thin.forecast_at_due == full.forecast_at_due is not None
    assert full == history_report(plan, "k-1", day)


def test_the_pages_timelines_are_the_history_reports_figures(example: Path) -> None:
    """The page draws plain tuples, not validated points: the same dates, values,
    confidences, progress and forecasts `okr history` gives, thinned the same way."""
    from okrsheet.reports.history import timelines

    plan = load(example)
    for max_points in (None, 3):
        reports = history_reports(plan, TODAY, max_points=max_points)
        drawn = timelines(plan, TODAY, max_points=max_points)
        assert drawn.keys() == reports.keys()
        for kr_id, report in reports.items():
            line = drawn[kr_id]
            assert line.checkins == [
                (p.date, p.value, p.confidence, p.progress) for p in report.checkins
            ]
            assert (line.as_of, line.forecast_at_due, line.forecast_progress) == (
                report.as_of,
                report.forecast_at_due,
                report.forecast_progress,
            )
            # How many check-ins, drawn or not (the page says so beside the chart).
            assert line.count == len(history_reports(plan, TODAY)[kr_id].checkins)
    assert any(len(report.checkins) > 3 for report in history_reports(plan, TODAY).values())
    assert any(r.forecast_at_due is not None for r in history_reports(plan, TODAY).values())


def test_owner_filter_keeps_their_objectives_and_those_above_for_context(example: Path) -> None:
    page = page_report(load(example), TODAY, members=["Tom Alvarez"], who="Tom Alvarez")
    nodes = flatten(page.roots)
    shown = [n for n in nodes if not n.context]
    assert {n.row.id for n in shown} == {"TOM-1"}
    context = [n for n in nodes if n.context]
    assert context and all(not n.key_results for n in context)
    assert {k.row.owner for n in shown for k in n.key_results} == {"Tom Alvarez"}
    assert page.overall.objectives == 1
    assert all(row.owner == "Tom Alvarez" for row in page.lagging)


def test_objective_filter_keeps_what_aligns_beneath(example: Path) -> None:
    page = page_report(load(example), TODAY, objective="SALES-1")
    assert [n.row.id for n in flatten(page.roots)] == ["SALES-1", "TOM-1"]


def test_grades_once_the_cycle_has_ended(example: Path) -> None:
    end = date(2026, 12, 31)
    page = page_report(load(example, end), end)
    assert page.grades is not None and not page.grades.provisional
    assert len(page.grades.key_results) == page.overall.key_results


# The HTML page -------------------------------------------------------------------------------


@pytest.fixture
def page(example: Path) -> tuple[PageReport, str]:
    report = page_report(load(example), TODAY)
    return report, render_page(report)


def test_page_is_self_contained(page: tuple[PageReport, str]) -> None:
    _, text = page
    parsed = Page(text)
    assert "script" not in parsed.tags
    assert not [u for u in parsed.urls if not u[2].startswith("#")], "only links within the page"
    assert "url(" not in text and "@import" not in text
    assert re.search(r"https?:", text) is None
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    # Every link within the page lands somewhere.
    assert {u[2][1:] for u in parsed.urls} <= parsed.ids


def test_one_chart_with_a_text_alternative_per_key_result(page: tuple[PageReport, str]) -> None:
    report, text = page
    parsed = Page(text)
    krs = [k for n in flatten(report.roots) for k in n.key_results]
    assert len(parsed.charts) == len(krs) == 15
    for chart, kr in zip(parsed.charts, krs, strict=True):
        assert chart["role"] == "img"
        title_id, desc_id = (chart["aria-labelledby"] or "").split()
        assert parsed.texts[title_id].startswith(kr.row.id)
        desc = parsed.texts[desc_id]
        assert f"by {kr.row.due}" in desc
        assert f"{kr.checkins} check-in(s)" in desc


def test_every_objective_and_key_result_id_is_on_the_page(page: tuple[PageReport, str]) -> None:
    report, text = page
    for node in flatten(report.roots):
        assert f'<span class="id">{node.row.id}</span>' in text
        for kr in node.key_results:
            assert f'<span class="id">{kr.row.id}</span>' in text


def test_status_words_stand_beside_the_colours(page: tuple[PageReport, str]) -> None:
    report, text = page
    for status, count in report.overall.by_status.items():
        assert text.count(f'">{status}</span>') >= count


def test_page_readable_in_dark_mode_and_in_print(page: tuple[PageReport, str]) -> None:
    _, text = page
    assert "@media (prefers-color-scheme: dark)" in text
    assert "@media print" in text and "break-before: page" in text
    assert "<details" in text and "open>" in text


def hostile_plan() -> Plan:
    cycle = Cycle(name="2026-Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
    return Plan(
        cycle=cycle,
        settings=Settings(company=f"Acme {HOSTILE}"),
        objectives=(
            Objective(id="O-1", title=HOSTILE, level=Level.CORPORATE, owner='Eve "><img src=x>'),
        ),
        key_results=(
            KeyResult(
                id="O-1.1",
                objective_id="O-1",
                title="<b>bold</b> & <i>co</i>",
                owner="Eve",
                kind=KRKind.INCREASE,
                start=0,
                target=10,
                unit="<u>",
                due=date(2026, 12, 31),
            ),
        ),
        checkins=(
            CheckIn(date=date(2026, 10, 10), kr_id="O-1.1", value=2, note=HOSTILE, author=HOSTILE),
            CheckIn(date=date(2026, 11, 10), kr_id="O-1.1", value=4),
        ),
    )


def test_workbook_text_is_shown_as_text() -> None:
    text = render_page(page_report(hostile_plan(), TODAY))
    parsed = Page(text)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not {"b", "i", "u"} & set(parsed.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;co&lt;/i&gt;" in text
    assert HOSTILE not in text


# The command ---------------------------------------------------------------------------------


def test_report_writes_the_file(okr: Any, example: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = okr("report", "--out", str(out), "-w", str(example))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"Wrote {out}" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert len(text.encode()) < 2_000_000
    assert out.stat().st_mode & 0o044 == 0o044  # readable like any new file, not owner-only


def test_report_without_out_goes_to_stdout_when_piped(okr: Any, example: Path) -> None:
    result = okr("report", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert not Path("report.html").exists()


def test_title_with_html_is_text_in_the_report(okr: Any, example: Path, tmp_path: Path) -> None:
    book = load_workbook(example)
    sheet = book["Corporate"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("ID")].value == "CORP-1")
    row[header.index("Title")].value = HOSTILE
    book.save(example)
    out = tmp_path / "r.html"
    assert okr("report", "-o", str(out), "-w", str(example)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "Tom Alvarez", "--team", "Sales"], "--owner/--team: give --owner or --team"),
        (["--team", "Nope"], "--team: no team named 'Nope'"),
        (["--owner", "Nobody"], "--owner: no owner named 'Nobody'"),
        (["--objective", "X-9"], "--objective: no objective with ID 'X-9'"),
        (["--out", "."], "--out: . is a folder"),
        (["--out", "missing/r.html"], "--out: no folder 'missing'"),
    ],
)
def test_bad_options_fail_with_usage(
    okr: Any, example: Path, args: list[str], message: str
) -> None:
    result = okr("report", *args, "-w", str(example))
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_team_report_splits_dependencies(okr: Any, example: Path) -> None:
    result = okr("report", "--team", "Sales", "-w", str(example))
    assert result.exit_code == 0, result.stderr
    assert "What Sales depends on" in result.stdout
    assert "Who depends on Sales" in result.stdout
    assert "team Sales" in result.stdout


def test_help_and_status_do_not_import_jinja(example: Path, tmp_path: Path) -> None:
    """Only `okr report` pays for the template engine."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from okrsheet.cli import main\n"
        "sys.argv = ['okr', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('JINJA', 'jinja2' in sys.modules, file=sys.stderr)\n"
    )
    for args, loaded in (
        (["--help"], False),
        (["status", "-w", str(example)], False),
        (["report", "-w", str(example), "-o", str(tmp_path / "r.html")], True),
    ):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], capture_output=True, text=True, check=False
        )
        assert f"JINJA {loaded}" in done.stderr, (args, done.stderr)


def test_report_at_a_terminal_writes_report_html(example: Path, tmp_path: Path) -> None:
    """A person typing `okr report` gets a file, not a page of HTML on their screen."""
    import os
    import pty
    import subprocess
    import sys

    main, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "okrsheet", "report", "-w", str(example)],
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            check=False,
        )
    finally:
        os.close(terminal)
        os.close(main)
    assert done.returncode == 0, done.stderr
    assert "Wrote report.html" in done.stderr
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_of_a_workbook_without_objectives(okr: Any, blank: Path) -> None:
    result = okr("report", "-w", str(blank))
    assert result.exit_code == 0, result.stderr
    assert "No objectives match." in result.stdout
    assert 'class="kr-chart' not in result.stdout


def test_chart_draws_pace_check_ins_forecast_and_confidence() -> None:
    from okrsheet.render.html import BOTTOM, LEFT, RIGHT, TOP, chart

    plan = hostile_plan()
    page = page_report(plan, TODAY)
    kr = page.roots[0].key_results[0]
    drawn = chart(kr, plan.cycle.start, 1)
    pace = [tuple(map(int, p.split(","))) for p in drawn.pace.split()]
    # From the start value at the cycle start to the target at the due date (the cycle end).
    assert pace[0][0] == LEFT and pace[-1][0] == RIGHT
    assert TOP <= pace[-1][1] < pace[0][1] <= BOTTOM  # up: an increase
    line = absolute(drawn.checkins)
    assert len(line) == 2 and drawn.last == line[-1]
    assert drawn.forecast is not None and drawn.forecast_at is not None
    assert drawn.forecast_at[0] == RIGHT
    assert drawn.forecast.startswith(f"{line[-1][0]},{line[-1][1]} ")
    assert drawn.today is not None and LEFT < drawn.today < RIGHT
    assert drawn.confidence == ""  # no confidence recorded
    assert "2 check-in(s) from 2026-10-10 to 2026-11-10" in drawn.desc
    assert "Forecast at 2026-12-31" in drawn.desc


def test_report_on_google_sheets_is_one_read(okr: Any, google: Google, gexample: str) -> None:
    result = okr("report", "-w", gexample)
    assert result.exit_code == 0, result.stderr
    assert "SALES-1.1" in result.stdout
    assert google.fake.count("sheets-read") == READ  # one read: tab list, then values
    assert google.fake.count("sheets-write") == 0
    assert google.fake.count("drive") == 0


def absolute(d: str) -> list[tuple[int, int]]:
    """The points of SVG path data written as `path` writes it (`m`, then relative steps)."""
    assert d.startswith("m")
    numbers = [int(n) for n in re.findall(r"-?\d+", d)]
    assert re.fullmatch(r"m-?\d+( ?-?\d+)*", d.replace(" -", "-")), d
    points = [(numbers[0], numbers[1])]
    for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
        points.append((points[-1][0] + dx, points[-1][1] + dy))
    return points


def test_a_polyline_leaves_out_the_middle_of_level_runs_only() -> None:
    from okrsheet.render.html import path, polyline

    assert polyline([]) == [] and path([]) == ""
    assert polyline([(1, 5)]) == [(1, 5)] and path([(1, 5)]) == "m1 5"
    assert polyline([(1, 5), (2, 5)]) == [(1, 5), (2, 5)]
    # The first and last points stay, and each point where the line bends or steps.
    level = [(1, 5), (2, 5), (3, 5), (4, 6), (5, 6), (6, 6), (7, 6), (8, 2)]
    assert polyline(level) == [(1, 5), (3, 5), (4, 6), (7, 6), (8, 2)]
    assert polyline([(1, 3), (2, 3), (3, 3)]) == [(1, 3), (3, 3)]
    # The path is the same line: each step from the point before, a minus sign its separator.
    assert path(level) == "m1 5 2 0 1 1 3 0 1-4"
    assert absolute(path(level)) == polyline(level)
    wild = [(46, 90), (50, 8), (51, 140), (312, -3), (300, 0), (-2, 7)]
    assert absolute(path(wild)) == wild


def test_pills_and_bars_escape_what_they_show() -> None:
    from okrsheet.render.html import pill, progress_bar

    assert pill(None) == '<span class="pill s-none">no key results</span>'
    assert pill('at "risk" <b>') == (
        '<span class="pill s-at-&#34;risk&#34;-&lt;b&gt;">at &#34;risk&#34; &lt;b&gt;</span>'
    )
    drawn = progress_bar(0.456, 0.5, "on track")
    assert 'class="bar s-on-track"' in drawn and 'style="width:45.6%"' in drawn
    assert 'style="left:50.0%"' in drawn and "46% <span" in drawn and "/ 50% expected" in drawn
    undrawn = progress_bar(None, None, None)
    assert "exp" not in undrawn and "expected" not in undrawn and ">–</span>" in undrawn


#: The template text the page drew each key result's summary, bar and pill with before they
#: became functions (render/html.py): what the functions give, byte for byte.
TEMPLATE_SUMMARY = """\
{% macro pill(status) %}<span class="pill {{ status|status_class }}">{{ status or "no key results" }}</span>{% endmacro %}
{% macro bar(progress, expected, status) %}
<span class="progress"><span class="bar {{ status|status_class }}" aria-hidden="true"><span class="fill" style="width:{{ progress|width }}"></span>{% if expected is not none %}<span class="exp" style="left:{{ expected|width }}"></span>{% endif %}</span><span class="pct">{{ progress|percent or "–" }}{% if expected is not none %} <span class="muted">/ {{ expected|percent }} expected</span>{% endif %}</span></span>
{%- endmacro %}
<p class="kr-title"><span class="id">{{ kr.id|text }}</span> {{ kr.title|text }}</p>
<p class="meta">{{ kr.owner|text }} · now {{ kr.current|number(kr.unit|text) or "no value yet" }}{% if kr.kind == "increase" or kr.kind == "milestone" %} of {% else %}, target {% endif %}{{ kr.target|number(kr.unit|text) }} ({% if kr.measuring_baseline %}measuring the baseline{% else %}from {{ kr.start|number(kr.unit|text) }}{% endif %}) · {{ kr.kind }}</p>
{% if kr.measuring_baseline %}<p class="meta">Progress: measuring the baseline (the first check-in sets the start).</p>{% else %}{{ bar(kr.progress, kr.expected, kr.status) }}{% endif %}
<p>{{ pill(kr.status) }} <span class="meta">· due {{ kr.due }}{% if kr.status != "done" %} ({% if kr.days_to_due < 0 %}{{ -kr.days_to_due }} days late{% elif kr.days_to_due == 0 %}today{% else %}in {{ kr.days_to_due }} days{% endif %}){% endif %} · confidence {{ kr.confidence|percent or "not set" }} · last check-in {{ kr.last_checkin or "none" }}</span></p>
"""  # noqa: E501


def test_the_summary_functions_draw_what_the_template_drew(example: Path) -> None:
    from okrsheet.render.html import environment, kr_summary

    template = environment().from_string(TEMPLATE_SUMMARY)
    rows = [
        kr.row for n in flatten(page_report(load(example), TODAY).roots) for kr in n.key_results
    ]
    rows += [kr.row for kr in page_report(hostile_plan(), TODAY).roots[0].key_results]
    base = rows[0]
    rows += [
        base.model_copy(update=change)
        for change in (
            {"measuring_baseline": True, "start": None, "current": None, "progress": 0.0},
            {"status": "done", "days_to_due": -3},
            {"status": "overdue", "days_to_due": -3, "last_checkin": None, "confidence": None},
            {"days_to_due": 0, "expected": None, "status": "not started"},
            {"kind": "milestone", "unit": "%", "current": 0.125},
            {"kind": "keep above", "unit": "\x1b[31m$", "title": "ctl\u202echars", "id": "A&B"},
            {"status": "at risk", "progress": 1.7, "expected": -0.2},
        )
    ]
    assert {r.status for r in rows} >= {"done", "overdue", "at risk", "not started"}
    for row in rows:
        assert kr_summary(row) == template.render(kr=row), row.id  # (less its last line end)


def test_the_page_is_built_with_the_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's many models hold no reference cycles: the cycle collector is paused while
    they are made (as during a load), and runs again after."""
    import gc

    import okrsheet.report_page
    from okrsheet.reports.history import timelines

    seen: list[bool] = []
    histories = timelines

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return histories(*args, **kwargs)

    monkeypatch.setattr(okrsheet.report_page, "timelines", watched)
    assert gc.isenabled()
    page = page_report(hostile_plan(), TODAY)
    assert seen == [False]
    assert gc.isenabled()
    assert page.overall.key_results == 1
