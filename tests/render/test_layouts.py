"""Every report as a person sees it at 80, 100 and 200 columns, on a terminal and off one.

Properties, not snapshots: every line fits the width, every ID, number, date and status word
is printed whole, nothing is elided, and `okr status` stays within three lines per item.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from rich.cells import cell_len
from rich.console import Console, RenderableType

from okrsheet import reports, service
from okrsheet.domain.model import Plan, rewind
from okrsheet.render import blocks, compact
from okrsheet.render import rich_tables as tables
from okrsheet.render.emit import show
from okrsheet.render.rich_tables import number
from okrsheet.render.text import percent

AS_OF = date(2026, 11, 16)
WIDTHS = (80, 100, 200)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

LONG_TITLE = (
    "Bring every enterprise customer in the Nordic and Baltic regions onto the new "
    "self-service onboarding flow before the renewal season starts"
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    from typer.testing import CliRunner

    from okrsheet.cli import app

    path: Path = tmp_path_factory.mktemp("layouts") / "x.xlsx"
    result = CliRunner().invoke(
        app, ["init", str(path), "--example", "--cycle", "2026-Q4"], env={"OKR_TODAY": "2026-11-16"}
    )
    assert result.exit_code == 0, result.output
    return rewind(service.load(service.resolve_location(str(path))).plan, AS_OF)


def _with_long_title(report: reports.StatusReport) -> reports.StatusReport:
    """The example with one key result whose title and numbers are long, as people type them."""
    objective = report.objectives[0]
    kr = objective.key_results[0].model_copy(
        update={"title": LONG_TITLE, "current": 2701123.45, "target": 12500000.0}
    )
    first = objective.model_copy(update={"key_results": [kr, *objective.key_results[1:]]})
    return report.model_copy(update={"objectives": [first, *report.objectives[1:]]})


def _findings() -> reports.ValidationReport:
    rows = [
        reports.FindingRow(
            severity="error",
            code="missing-target",
            where="'Tom Alvarez'!J4",
            message="key result TOM-1.2 has no target; a key result needs a start, a target "
            "and a due date",
        ),
        reports.FindingRow(
            severity="warning",
            code="drift",
            where="Sales!K3",
            message="current value 99 differs from the newest check-in (63 on 2026-11-12); "
            "the check-in log wins",
        ),
    ]
    return reports.ValidationReport(errors=1, warnings=1, findings=rows)


Case = tuple[BaseModel, Callable[[], RenderableType]]


def cases(plan: Plan) -> Iterator[tuple[str, Case]]:
    status = _with_long_title(reports.status_report(plan, AS_OF))
    lagging = reports.lagging_report(plan, AS_OF)
    quiet = reports.quiet_owners_report(plan, date(2026, 11, 30))
    grade = reports.grade_report(plan, AS_OF)
    history = reports.history_report(plan, "SALES-1.2", AS_OF)
    assert history is not None
    todo = reports.todo_report(plan, "Tom Alvarez", AS_OF)
    tree = reports.tree_report(plan, AS_OF)
    deps = reports.deps_report(plan, AS_OF, members=["Marcus Webb"], who="Marcus Webb")
    findings = _findings()
    yield "status", (status, lambda: tables.status_table(status))
    yield "lagging", (lagging, lambda: tables.lagging_table(lagging))
    yield "quiet", (quiet, lambda: tables.quiet_owners_table(quiet))
    yield "grade", (grade, lambda: tables.grade_table(grade))
    yield "history", (history, lambda: tables.history_table(history))
    yield "todo", (todo, lambda: tables.todo_table(todo))
    yield "tree", (tree, lambda: tables.tree_table(tree))
    yield "deps", (deps, lambda: tables.deps_table(deps))
    yield "validate", (findings, lambda: tables.findings_table(findings))


NAMES = ["status", "lagging", "quiet", "grade", "history", "todo", "tree", "deps", "validate"]


def render(case: Case, width: int, *, terminal: bool, colour: bool = False) -> str:
    report, table = case
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=terminal,
        no_color=not colour,
        color_system="standard" if colour else None,
        highlight=False,
        soft_wrap=False,
    )
    show(report, table, console)
    return ANSI.sub("", buffer.getvalue())


def whole_tokens(report: BaseModel) -> set[str]:
    """What must appear unbroken: IDs, numbers, percentages, dates, status words."""
    tokens: set[str] = set()
    if isinstance(report, reports.StatusReport):
        for objective in report.objectives:
            tokens |= {objective.id, percent(objective.progress), objective.status or ""}
            for kr in objective.key_results:
                tokens |= {kr.id, percent(kr.progress), percent(kr.expected), kr.status}
                if kr.kind != "milestone":
                    tokens |= {number(kr.current, kr.unit), number(kr.target, kr.unit)}
    elif isinstance(report, reports.LaggingReport):
        for row in report.lagging:
            tokens |= {row.id, percent(row.progress), row.status, row.due.isoformat()}
    elif isinstance(report, reports.QuietOwnersReport):
        for owner in report.owners:
            tokens |= {owner.owner, str(owner.last_checkin)}
    elif isinstance(report, reports.GradeReport):
        tokens |= {row.id for row in report.key_results}
        tokens |= {f"{row.grade:.2f}" for row in report.key_results}
    elif isinstance(report, reports.HistoryReport):
        tokens |= {p.date.isoformat() for p in report.checkins}
        tokens |= {number(p.value, report.unit) for p in report.checkins}
    elif isinstance(report, reports.TodoReport):
        tokens |= {item.id for item in report.items}
    elif isinstance(report, reports.TreeReport):

        def walk(node: reports.TreeNode) -> None:
            tokens.update({node.id, percent(node.progress), node.status or ""})
            for child in node.children:
                walk(child)

        for root in [*report.roots, *report.orphans]:
            walk(root)
    elif isinstance(report, reports.DepsReport):
        for link in [*report.depends_on, *report.depended_on_by]:
            tokens |= {link.downstream, link.upstream, link.link}
    elif isinstance(report, reports.ValidationReport):
        tokens |= {f.where or "" for f in report.findings} | {"error", "warning"}
    return {t for t in tokens if t}


def present_whole(token: str, text: str) -> bool:
    # Not a prefix of a longer ID or number (CORP-1 in CORP-1.1 does not count).
    pattern = rf"(?<![\w.,$-]){re.escape(token)}(?!\w|[.,]\d)"
    return re.search(pattern, text) is not None


@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", NAMES)
def test_every_report_fits_and_keeps_tokens_whole(
    plan: Plan, name: str, width: int, terminal: bool
) -> None:
    case = dict(cases(plan))[name]
    text = render(case, width, terminal=terminal)
    lines = text.splitlines()

    assert lines, "something is printed"
    too_wide = [line for line in lines if cell_len(line) > width]
    assert not too_wide, too_wide
    assert "…" not in text
    missing = sorted(t for t in whole_tokens(case[0]) if not present_whole(t, text))
    assert not missing, (missing, text)


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("terminal", [True, False], ids=["terminal", "pipe"])
def test_status_takes_at_most_three_lines_per_item(plan: Plan, width: int, terminal: bool) -> None:
    report = reports.status_report(plan, AS_OF)
    ids = {o.id for o in report.objectives} | {
        kr.id for o in report.objectives for kr in o.key_results
    }
    lines = render((report, lambda: tables.status_table(report)), width, terminal=terminal)
    starts = [
        i for i, line in enumerate(lines.splitlines()) if line.split()[:1] in [[x] for x in ids]
    ]
    body = lines.splitlines()
    # The initiatives and KPIs follow the objectives in sections of their own.
    sections = [i for i, line in enumerate(body) if line.strip() in ("Initiatives", "KPIs")]

    assert len(starts) == len(ids), "each objective and key result starts a line with its ID"
    ends = [*starts[1:], min([*sections, len(body)])]
    for start, end in zip(starts, ends, strict=True):
        item = [line for line in body[start:end] if line.strip()]
        assert len(item) <= 3, item
    header = body[: starts[0]]
    assert len([line for line in header if line.strip()]) <= 2


def test_wide_terminals_keep_the_full_table(plan: Plan) -> None:
    report = reports.status_report(plan, AS_OF)
    case = (report, lambda: tables.status_table(report))

    assert "┃ Objective / key result" in render(case, 200, terminal=True)
    assert "┃" not in render(case, 100, terminal=True)
    assert "┃" not in render(case, 200, terminal=False)  # a mail reads the blocks


def test_long_titles_wrap_between_words(plan: Plan) -> None:
    report = _with_long_title(reports.status_report(plan, AS_OF))
    text = render((report, lambda: tables.status_table(report)), 80, terminal=False)

    # Line breaks read back as spaces: the whole title comes back only if no word was cut.
    assert " ".join(text.split()).count(LONG_TITLE) == 1
    assert "$2,701,123.45 of $12,500,000" in text


@pytest.mark.parametrize("width", [60, 80, 100])
@pytest.mark.parametrize("name", NAMES)
def test_markdown_lines_fit_and_read_as_text(plan: Plan, name: str, width: int) -> None:
    report = dict(cases(plan))[name][0]
    text = blocks.to_markdown(compact.doc_for(report), width)

    assert all(len(line) <= width for line in text.splitlines()), text
    assert "|" not in text.replace("\\|", "")  # no table
    assert not re.search(r"\b[a-z]+_[a-z]+\b", text), "no snake_case field names"
    missing = sorted(t for t in whole_tokens(report) if not present_whole(t, text))
    assert not missing, missing


def test_flow_breaks_only_between_atoms() -> None:
    from rich.text import Text

    atoms = [Text(word) for word in ("$2,635,298", "2026-12-31", "MARKET-1.1", "on", "track")]
    for width in range(20, 40):
        lines = blocks.flow(atoms, width, indent=2, sep=" · ")
        assert all(cell_len(line.plain) <= width for line in lines)
        pieces = [p.strip() for line in lines for p in line.plain.split("·")]
        assert [p for p in pieces if p] == ["$2,635,298", "2026-12-31", "MARKET-1.1", "on", "track"]


words = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")), min_size=1)


@given(
    key=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
    title=st.lists(words, max_size=12).map(" ".join),
    facts=st.lists(st.lists(words, min_size=1, max_size=3).map(" ".join), max_size=6),
    note=st.lists(words, max_size=12).map(" ".join),
    depth=st.integers(0, 3),
    width=st.integers(blocks.MIN_WIDTH, 120),
)
@settings(max_examples=200, deadline=None)
def test_no_line_is_wider_than_the_width(
    key: str, title: str, facts: list[str], note: str, depth: int, width: int
) -> None:
    """Whatever people type, in any script: lines fit, and short words come back whole."""
    doc = blocks.Doc()
    doc.heading("Report", level=1)
    doc.heading("Group", level=2)
    doc.entry(key, title, list(facts), note=note, depth=depth)

    lines = blocks.to_lines(doc, width)

    assert all(cell_len(line.plain) <= width for line in lines)
    text = " ".join(" ".join(line.plain for line in lines).split())
    for fact in facts:
        # Facts start at most half-way across (or at column 12): one that fits is never divided.
        if cell_len(fact) <= width - max(width // 2, 12):
            assert " ".join(fact.split()) in text
