"""Each report as blocks (see blocks.py): what a narrow terminal, a cron mail and Markdown show.

One builder per report type, found by `doc_for`. A builder decides what to show, in which
order, and which pieces must stay whole; blocks.py decides where lines break.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel
from rich.text import Text

from okrsheet.render.blocks import Doc
from okrsheet.render.initiatives import INITIATIVE_STYLES
from okrsheet.render.interlock import quantity
from okrsheet.render.kpis import health, healthy_range
from okrsheet.render.rich_tables import STATUS_STYLES, bar, estimate, number, sparkline, status_text
from okrsheet.render.text import percent, strip_controls

if TYPE_CHECKING:
    from okrsheet.reports import (
        DependencyLink,
        DepsReport,
        DigestReport,
        GradeReport,
        HistoryReport,
        KPIRow,
        KRRow,
        LaggingReport,
        LaggingRow,
        LintReport,
        QuietOwnersReport,
        StatusReport,
        TodoReport,
        TreeNode,
        TreeReport,
        ValidationReport,
    )

from okrsheet.domain.vocab import MEASURING_BASELINE

MEASURING = MEASURING_BASELINE
#: A builder adds one report's blocks to a Doc that starts empty.
Builder = Callable[[Any, Doc, bool], None]
B = TypeVar("B", bound=Builder)
#: Each report's builder, by the report's class name: the report modules are not imported
#: here, so that a command loads only the report it shows.
_BUILDERS: dict[str, Builder] = {}


def builds(report: str) -> Callable[[B], B]:
    """Register the builder of the report class named `report`."""

    def register(function: B) -> B:
        _BUILDERS[report] = function
        return function

    return register


def doc_for(report: BaseModel, *, bars: bool = False) -> Doc:
    """The report as blocks; `bars` draws progress bars (on a terminal) beside percentages."""
    doc = Doc()
    _BUILDERS[type(report).__name__](report, doc, bars)
    return doc


def progress(value: float | None, bars: bool, style: str = "cyan") -> Text:
    if value is None:
        return Text("")
    if not bars:
        return Text(percent(value))
    shown = bar(value, style)
    return Text(" ").join(part for part in shown.split(" ") if part.plain)


def due(days: int) -> Text:
    if days < 0:
        return Text(f"{-days} d late", style="red")
    return Text("due today" if days == 0 else f"{days} d left")


def _value(kr: KRRow) -> str:
    if kr.kind == "milestone":
        return "done" if kr.progress >= 1 else "milestone not reached"
    now = "no value yet" if kr.current is None else number(kr.current, kr.unit)
    target = number(kr.target, kr.unit)
    return f"{now} of {target}" if kr.kind == "increase" else f"{now}, target {target}"


@builds("StatusReport")
def status_doc(report: StatusReport, doc: Doc, bars: bool) -> None:
    company = f"{report.company} · " if report.company else ""
    doc.heading(
        f"{company}{report.cycle.name} ({report.cycle.start} to {report.cycle.end})"
        f" · as of {report.as_of}"
    )
    for objective in report.objectives:
        doc.entry(
            Text(strip_controls(objective.id), "bold"),
            objective.title,
            [
                progress(objective.progress, bars, "bold cyan"),
                f"expected {percent(objective.expected)}" if objective.expected is not None else "",
                status_text(objective.status),
                Text("committed", "magenta") if objective.commitment == "committed" else "",
                f"confidence {percent(objective.confidence)}"
                if objective.confidence is not None
                else "",
                Text(strip_controls(objective.owner), "dim"),
            ],
            strong=True,
            gap=True,
        )
        for kr in objective.key_results:
            doc.entry(
                kr.id,
                kr.title,
                [
                    _value(kr),
                    Text(MEASURING, "dim")
                    if kr.measuring_baseline
                    else progress(kr.progress, bars),
                    "" if kr.measuring_baseline else f"expected {percent(kr.expected)}",
                    status_text(kr.status),
                    f"confidence {percent(kr.confidence)}" if kr.confidence is not None else "",
                    due(kr.days_to_due) if kr.status != "done" else "",  # done: no countdown
                    Text(strip_controls(kr.owner), "dim") if kr.owner != objective.owner else "",
                ],
                depth=1,
            )
    if not report.objectives:
        doc.paragraph(Text("No objectives match.", style="dim"))
    _initiative_entries(doc, report)
    if report.kpis:
        doc.heading("KPIs", level=2)
        for kpi in report.kpis:
            _kpi_entry(doc, kpi)


def _initiative_entries(doc: Doc, report: StatusReport) -> None:
    rows = [
        (kr.id, item)
        for objective in report.objectives
        for kr in objective.key_results
        for item in kr.initiatives
    ]
    if rows:
        doc.heading("Initiatives", level=2)
    for kr_id, item in rows:
        due_text = Text(f"due {item.due}" if item.due else "")
        if item.overdue:
            due_text = Text(f"due {item.due}, overdue", style="red")
        doc.entry(
            item.id or kr_id,
            item.title,
            [
                f"for {kr_id}" if item.id else "",
                Text(item.status, style=INITIATIVE_STYLES.get(item.status, "")),
                due_text,
                Text(strip_controls(item.owner), "dim"),
            ],
        )


def _kpi_entry(doc: Doc, kpi: KPIRow, why: list[str] | None = None) -> None:
    now = "no value yet" if kpi.current is None else number(kpi.current, kpi.unit)
    span = healthy_range(kpi)
    doc.entry(
        kpi.id,
        kpi.name,
        [
            now,
            f"healthy {span}" if span else "",
            health(kpi),
            f"updated {kpi.updated}" if kpi.updated else "no update date",
            Text(strip_controls(kpi.owner), "dim"),
        ],
        note="why: " + "; ".join(why) if why else "",
    )


def _pace(row: LaggingRow, bars: bool) -> list[Text | str]:
    """Progress and expected progress, or "measuring the baseline" while there is no start to
    measure progress from (no pace either, as in `okr status`)."""
    if row.measuring_baseline:
        return [Text(MEASURING, "dim")]
    return [
        progress(row.progress, bars, STATUS_STYLES.get(row.status, "cyan")),
        f"expected {percent(row.expected)}",
    ]


@builds("LaggingReport")
def lagging_doc(report: LaggingReport, doc: Doc, bars: bool) -> None:
    company = f"{strip_controls(report.company)} · " if report.company else ""
    doc.heading(f"{company}Lagging key results · {report.cycle.name} · as of {report.as_of}")
    owners: dict[str, list[int]] = {}
    for index, row in enumerate(report.lagging):
        owners.setdefault(row.owner, []).append(index)
    for owner, indexes in owners.items():  # worst first: owners in order of their worst KR
        doc.heading(owner, level=2)
        for index in indexes:
            row = report.lagging[index]
            doc.entry(
                row.id,
                row.title,
                [
                    *_pace(row, bars),
                    status_text(row.status),
                    f"due {row.due}",
                ],
                note="why: " + "; ".join(row.reasons),
            )
    if report.kpis:
        doc.heading("KPIs that need attention", level=2)
        for kpi in report.kpis:
            _kpi_entry(doc, kpi, list(kpi.reasons))
    if not report.lagging and not report.kpis:
        doc.paragraph("Nothing lags.")


@builds("QuietOwnersReport")
def quiet_owners_doc(report: QuietOwnersReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"No check-in in the last {report.cadence_days} days · as of {report.as_of}")
    for row in report.owners:
        last = f"last check-in {row.last_checkin}" if row.last_checkin else "never this cycle"
        doc.entry(row.owner, "", [last, f"{row.open_key_results} open key result(s)"])


@builds("ValidationReport")
def findings_doc(report: ValidationReport, doc: Doc, bars: bool) -> None:
    for finding in report.findings:
        style = "bold red" if finding.severity == "error" else "yellow"
        doc.entry(
            Text(finding.severity, style=style),
            finding.where or "workbook",
            note=finding.message,
        )


@builds("LintReport")
def lint_doc(report: LintReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"Key result checks · {report.cycle.name} · {len(report.findings)} finding(s)")
    for row in report.findings:
        doc.entry(
            Text(row.code, style="yellow"),
            f"{row.where or 'workbook'} · {row.id} {row.title}",
            note=f"{row.message}; {row.suggestion}",
        )


@builds("GradeReport")
def grade_doc(report: GradeReport, doc: Doc, bars: bool) -> None:
    provisional = " (provisional)" if report.provisional else ""
    doc.heading(f"Grades · {report.cycle.name} · as of {report.as_of}{provisional}")
    for objective in report.objectives:
        grade = "no grade" if objective.grade is None else f"grade {objective.grade:.2f}"
        doc.entry(
            Text(strip_controls(objective.id), "bold"),
            objective.title,
            [
                grade,
                Text("committed", "magenta") if objective.commitment == "committed" else "",
                *_judgement(objective.final_grade, objective.reason, objective.next_cycle),
                Text(strip_controls(objective.owner), "dim"),
            ],
            strong=True,
            gap=True,
        )
        for label, text in (("what worked", objective.worked), ("to change", objective.to_change)):
            if text:
                doc.entry("", f"{label}: {text}", [], depth=1)
        for row in report.key_results:
            if row.objective_id != objective.id:
                continue
            style = "green" if row.band in ("in the band", "met") else ""
            style = "red" if row.band == "committed miss" else style
            style = "yellow" if "easy" in row.band else style
            doc.entry(
                row.id,
                row.title,
                [
                    f"grade {row.grade:.2f}",
                    Text(row.band, style=style),
                    *_judgement(row.final_grade, row.reason, row.next_cycle),
                    Text(strip_controls(row.owner), "dim") if row.owner != objective.owner else "",
                ],
                depth=1,
            )
    share = "n/a" if report.share_in_band is None else percent(report.share_in_band)
    doc.paragraph(f"Aspirational key results graded 0.6-0.7: {share}")
    if report.committed_misses:
        doc.paragraph(
            f"Committed key results short of 1.0: {', '.join(report.committed_misses)}. "
            "A committed miss needs a reason: why was it missed, and what changes?"
        )
    doc.heading("By owner", level=2)
    for owner in report.owners:
        doc.entry(
            owner.owner,
            "",
            column="owners",
            facts=[
                f"{owner.key_results} key result(s)",
                f"mean grade {owner.mean_grade:.2f}",
                f"{owner.in_band} in 0.6-0.7",
                f"{owner.maybe_too_easy} maybe too easy",
            ],
        )


def _judgement(final: float | None, reason: str, next_cycle: str | None) -> list[str]:
    """The owner's final grade (with the reason), and carry over or drop."""
    found = []
    if final is not None:
        found.append(f"final {final:.2f}" + (f" ({strip_controls(reason)})" if reason else ""))
    if next_cycle:
        found.append(next_cycle)
    return found


def _span(start: float | None, target: float | None, unit: str) -> str:
    """`from 10 to 20`, or the target alone while the baseline is measured."""
    if start is None:
        return f"{MEASURING}, to {number(target, unit)}"
    return f"from {number(start, unit)} to {number(target, unit)}"


@builds("HistoryReport")
def history_doc(report: HistoryReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"{report.id}  {report.title}")
    doc.paragraph(
        f"Owner {report.owner} · {_span(report.start, report.target, report.unit)}"
        f" by {report.due} · as of {report.as_of}"
    )
    if not report.checkins:
        doc.paragraph(Text("No check-ins this cycle.", style="dim"))
        return
    doc.paragraph(Text("Trend: ") + Text(sparkline([p.value for p in report.checkins]), "cyan"))
    for point in report.checkins:
        doc.entry(
            point.date.isoformat(),
            "",
            [
                number(point.value, report.unit),
                Text("progress ") + progress(point.progress, bars),
                f"confidence {percent(point.confidence)}" if point.confidence is not None else "",
                Text(strip_controls(point.author), "dim"),
            ],
            note=point.note,
        )
    if report.forecast_at_due is None:
        doc.paragraph(Text("Forecast: not enough check-ins this cycle to see a trend.", "dim"))
    else:
        doc.paragraph(
            f"Forecast at {report.due}: {estimate(report.forecast_at_due, report.unit)} "
            f"({percent(report.forecast_progress)} of the way), from the recent trend."
        )


@builds("TodoReport")
def todo_doc(report: TodoReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"To do for {report.owner} · {report.as_of}")
    for item in report.items:
        doc.entry(
            item.id, item.title, note=Text(item.action, "bold") + f": {strip_controls(item.why)}"
        )
    if not report.items:
        doc.paragraph("Nothing to do.")


def _tree_entry(doc: Doc, node: TreeNode, depth: int, bars: bool) -> None:
    facts: list[Text | str] = [
        progress(node.progress, bars, STATUS_STYLES.get(node.status or "", "cyan")),
        status_text(node.status),
        Text("committed", "magenta") if node.commitment == "committed" else "",
        Text(strip_controls(node.owner), "dim"),
    ]
    if node.aligned.objectives:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(node.aligned.by_status.items()))
        facts.append(
            Text(
                f"aligned: {node.aligned.objectives} objective(s), "
                f"mean {percent(node.aligned.mean_progress)}",
                style="dim",
            )
        )
        if counts:
            facts.append(Text(f"({counts})", style="dim"))
    root = depth == 0
    doc.entry(Text(strip_controls(node.id), "bold"), node.title, facts, depth=depth, gap=root)
    for child in node.children:
        _tree_entry(doc, child, depth + 1, bars)


@builds("TreeReport")
def tree_doc(report: TreeReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"{report.company or 'OKRs'} · {report.cycle.name} · as of {report.as_of}")
    for root in report.roots:
        _tree_entry(doc, root, 0, bars)
    if report.orphans:
        doc.heading("Not aligned to a corporate objective", level=2, style="yellow")
        for node in report.orphans:
            _tree_entry(doc, node, 0, bars)
    if not report.roots and not report.orphans:
        doc.paragraph(Text("No objectives match.", style="dim"))


_LINK_STYLES = {"ok": "green", "unknown": "red"}


def _link_entry(doc: Doc, link: DependencyLink, bars: bool) -> None:
    doc.entry(
        link.downstream,
        f"needs {link.upstream} {link.upstream_title}".strip(),
        [
            Text(strip_controls(link.downstream_owner), "dim"),
            f"from {link.upstream_owner}" if link.upstream_owner else "",
            f"by {link.needed_by}" if link.needed_by else "",
            progress(link.upstream_progress, bars, STATUS_STYLES.get(link.upstream_status, "cyan")),
            Text(link.link, style=_LINK_STYLES.get(link.link, "yellow")),
            quantity(link),
        ],
        note=link.why,
    )


@builds("DepsReport")
def deps_doc(report: DepsReport, doc: Doc, bars: bool) -> None:
    doc.heading(f"Dependencies · {report.cycle.name} · as of {report.as_of}")
    for title, links in report.sections():
        doc.heading(title, level=2)
        for link in links:
            _link_entry(doc, link, bars)
        if not links:
            doc.paragraph(Text("(none)", style="dim"))


@builds("DigestReport")
def digest_doc(report: DigestReport, doc: Doc, bars: bool) -> None:
    """The digest's sections (worded once for every form, render/digest_words.py)."""
    from okrsheet.render import digest_words as digest

    doc.heading(digest.title(report))
    doc.paragraph(digest.summary(report))
    for section in digest.sections(report):
        doc.heading(section.heading, level=2)
        for item in section.items:
            facts: list[Text | str] = [
                status_text(fact) if fact in STATUS_STYLES else fact for fact in item.facts
            ]
            if item.owner:
                facts.append(Text(strip_controls(item.owner), "dim"))
            doc.entry(item.key, item.title, facts, note=item.note, column=section.field)
        if section.empty and not section.items:
            doc.paragraph(section.empty)
        if section.more:
            doc.paragraph(Text(section.more_text, style="dim"))
    if report.report_url:
        doc.heading("Full report", level=2)
        doc.paragraph(report.report_url)
