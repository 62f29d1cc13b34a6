"""Rich renderings for people at a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from okrsheet.domain.vocab import MEASURING_BASELINE
from okrsheet.render.pieces import number as number
from okrsheet.render.pieces import safe as safe
from okrsheet.render.text import percent, strip_controls

if TYPE_CHECKING:
    from okrsheet import reports

STATUS_STYLES = {
    "done": "bold green",
    "on track": "green",
    "at risk": "yellow",
    "off track": "red",
    "overdue": "bold red",
    "not started": "dim",
}
BAR_WIDTH = 10


def bar(value: float | None, style: str = "cyan") -> Text:
    if value is None:
        return Text("")
    filled = round(max(0.0, min(1.0, value)) * BAR_WIDTH)
    text = Text("█" * filled, style=style)
    text.append("░" * (BAR_WIDTH - filled), style="dim")
    text.append(f" {percent(value):>4}")
    return text


def status_text(status: str | None) -> Text:
    return Text(status or "", style=STATUS_STYLES.get(status or "", ""))


def estimate(value: float, unit: str = "") -> str:
    """A forecast, no more precise than a trend line is: whole units from 100 up (`$2,906,065`,
    not `$2,906,065.32`), as `number` below that."""
    return number(round(value) if unit != "%" and abs(value) >= 100 else value, unit)


def status_table(report: reports.StatusReport) -> RenderableType:
    title = Text.assemble(
        (strip_controls(report.company) + " · " if report.company else "", "bold"),
        (f"{report.cycle.name}", "bold"),
        f" ({report.cycle.start.isoformat()} to {report.cycle.end.isoformat()})",
        f" · as of {report.as_of.isoformat()}",
    )
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Objective / key result", overflow="fold")
    table.add_column("Owner")
    table.add_column("Now", justify="right")
    table.add_column("Target", justify="right")
    table.add_column("Progress", no_wrap=True)
    table.add_column("Expected", justify="right")
    table.add_column("Status", no_wrap=True)
    table.add_column("Conf.", justify="right")
    table.add_column("Due", justify="right", no_wrap=True)
    for objective in report.objectives:
        table.add_row(
            safe(objective.id, "bold"),
            safe(objective.title, "bold")
            + (Text(" · committed", "magenta") if objective.commitment == "committed" else ""),
            safe(objective.owner),
            "",
            "",
            bar(objective.progress, "bold cyan"),
            percent(objective.expected),
            status_text(objective.status),
            percent(objective.confidence),
            "",
            end_section=not objective.key_results,
        )
        for index, kr in enumerate(objective.key_results):
            table.add_row(
                safe(kr.id),
                Text("  ") + safe(kr.title),
                safe(kr.owner),
                number(kr.current, kr.unit),
                number(kr.target, kr.unit),
                Text(MEASURING_BASELINE, "dim") if kr.measuring_baseline else bar(kr.progress),
                percent(kr.expected),
                status_text(kr.status),
                percent(kr.confidence),
                _due(kr),
                end_section=index == len(objective.key_results) - 1,
            )
    if not report.objectives:
        return Group(title, Text("No objectives match.", style="dim"))
    from okrsheet.render.initiatives import with_status_extras

    return with_status_extras(table, report)


def _due(kr: reports.KRRow) -> Text:
    days = kr.days_to_due
    if kr.status == "done":  # nothing left to count down to, and never late
        return Text("")
    if days < 0:
        return Text(f"{-days} d late", style="red")
    return Text("today" if days == 0 else f"{days} d")


def findings_table(report: reports.ValidationReport) -> RenderableType:
    table = Table(show_header=True, expand=False)
    table.add_column("", no_wrap=True)
    table.add_column("Where", no_wrap=True)
    table.add_column("Problem", overflow="fold")
    for finding in report.findings:
        style = "bold red" if finding.severity == "error" else "yellow"
        table.add_row(
            Text(finding.severity, style=style), safe(finding.where), safe(finding.message)
        )
    return table


def lint_table(report: reports.LintReport) -> RenderableType:
    table = Table(
        title=f"Key result checks · {report.cycle.name} · {len(report.findings)} finding(s)",
        title_justify="left",
    )
    for name in ("Check", "Where", "Key result", "Why", "Instead"):
        table.add_column(name, overflow="fold", no_wrap=name in ("Check", "Where"))
    for row in report.findings:
        key_result = Text(strip_controls(row.id), "bold")
        key_result.append(" " + strip_controls(row.title))
        table.add_row(
            Text(row.code, style="yellow"),
            safe(row.where),
            key_result,
            safe(row.message),
            safe(row.suggestion, "dim"),
        )
    return table


def lagging_table(report: reports.LaggingReport) -> RenderableType:
    table = Table(
        title=safe(
            (f"{report.company} · " if report.company else "")
            + f"Lagging key results · {report.cycle.name} · as of {report.as_of.isoformat()}"
        ),
        title_justify="left",
    )
    for name in ("ID", "Key result", "Owner", "Progress", "Expected", "Due", "Why"):
        table.add_column(name, overflow="fold", no_wrap=name in ("ID", "Progress"))
    for row in report.lagging:
        table.add_row(
            safe(row.id),
            safe(row.title),
            safe(row.owner),
            bar(row.progress, STATUS_STYLES.get(row.status, "cyan")),
            percent(row.expected),
            row.due.isoformat(),
            safe("; ".join(row.reasons)),
        )
    if report.kpis:
        from okrsheet.render.kpis import kpi_lag_table

        return (
            Group(table, kpi_lag_table(report.kpis))
            if report.lagging
            else kpi_lag_table(report.kpis)
        )
    return table


def quiet_owners_table(report: reports.QuietOwnersReport) -> RenderableType:
    table = Table(
        title=f"No check-in in the last {report.cadence_days} days · as of {report.as_of}",
        title_justify="left",
    )
    for name in ("Owner", "Last check-in", "Open key results"):
        table.add_column(name)
    for row in report.owners:
        last = row.last_checkin.isoformat() if row.last_checkin else "never this cycle"
        table.add_row(safe(row.owner), last, str(row.open_key_results))
    return table


def grade_table(report: reports.GradeReport) -> RenderableType:
    provisional = " (provisional)" if report.provisional else ""
    krs = Table(
        title=f"Grades · {report.cycle.name} · as of {report.as_of}{provisional}",
        title_justify="left",
    )
    for name in ("ID", "Key result", "Owner", "Grade", "", "Final", "Reason"):
        krs.add_column(name, overflow="fold")
    for row in report.key_results:
        style = (
            "green"
            if row.band in ("in the band", "met")
            else "red"
            if row.band == "committed miss"
            else "yellow"
            if "easy" in row.band
            else ""
        )
        krs.add_row(
            safe(row.id),
            safe(row.title),
            safe(row.owner),
            f"{row.grade:.2f}",
            Text(row.band, style=style),
            _grade(row.final_grade),
            safe(row.reason),
        )
    objectives = Table(title="Objectives", title_justify="left")
    for name in ("ID", "Objective", "Owner", "Grade", "Final", "Reason", "Next cycle"):
        objectives.add_column(name, overflow="fold")
    for objective in report.objectives:
        objectives.add_row(
            safe(objective.id),
            safe(objective.title)
            + (Text(" · committed", "magenta") if objective.commitment == "committed" else ""),
            safe(objective.owner),
            _grade(objective.grade),
            _grade(objective.final_grade),
            safe(objective.reason),
            objective.next_cycle or "",
        )
    retro = Table(title="Retrospective", title_justify="left")
    for name in ("ID", "What worked", "What to change"):
        retro.add_column(name, overflow="fold")
    for objective in report.objectives:
        if objective.worked or objective.to_change:
            retro.add_row(safe(objective.id), safe(objective.worked), safe(objective.to_change))
    owners = Table(title="By owner", title_justify="left")
    for name in ("Owner", "Key results", "Mean grade", "In 0.6-0.7", "Maybe too easy"):
        owners.add_column(name)
    for owner in report.owners:
        owners.add_row(
            safe(owner.owner),
            str(owner.key_results),
            f"{owner.mean_grade:.2f}",
            str(owner.in_band),
            str(owner.maybe_too_easy),
        )
    share = "n/a" if report.share_in_band is None else percent(report.share_in_band)
    lines = [Text(f"Aspirational key results graded 0.6-0.7: {share}")]
    if report.committed_misses:
        lines.append(
            Text(
                f"Committed key results short of 1.0: {', '.join(report.committed_misses)}. "
                "A committed miss needs a reason: why was it missed, and what changes?",
                style="red",
            )
        )
    shown = [krs, objectives, *([retro] if retro.row_count else []), owners]
    return Group(*shown, *lines)


def _grade(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARK[len(SPARK) // 2] * len(values)
    return "".join(SPARK[round((v - low) / (high - low) * (len(SPARK) - 1))] for v in values)


def history_table(report: reports.HistoryReport) -> RenderableType:
    head = Text.assemble(
        (strip_controls(f"{report.id}  {report.title}"), "bold"),
        f"\nOwner {strip_controls(report.owner)} · "
        + (
            f"{MEASURING_BASELINE}, to {number(report.target, report.unit)}"
            if report.start is None
            else f"from {number(report.start, report.unit)} to {number(report.target, report.unit)}"
        )
        + f" by {report.due} · as of {report.as_of}",
    )
    spark = Text(sparkline([p.value for p in report.checkins]), style="cyan")
    table = Table(title_justify="left")
    for name in ("Date", "Value", "Progress", "Confidence", "Author", "Note"):
        table.add_column(name, overflow="fold")
    for point in report.checkins:
        table.add_row(
            point.date.isoformat(),
            number(point.value, report.unit),
            bar(point.progress),
            percent(point.confidence),
            safe(point.author),
            safe(point.note),
        )
    if report.forecast_at_due is None:
        outlook = Text("Forecast: not enough check-ins this cycle to see a trend.", style="dim")
    else:
        outlook = Text(
            f"Forecast at {report.due}: {estimate(report.forecast_at_due, report.unit)} "
            f"({percent(report.forecast_progress)} of the way), from the recent trend."
        )
    if not report.checkins:
        return Group(head, Text("No check-ins this cycle.", style="dim"))
    return Group(head, Text.assemble("Trend: ", spark), table, outlook)


def todo_table(report: reports.TodoReport) -> RenderableType:
    table = Table(
        title=f"To do for {strip_controls(report.owner)} · {report.as_of}", title_justify="left"
    )
    for name in ("ID", "Key result", "Do", "Why"):
        table.add_column(name, overflow="fold")
    for item in report.items:
        table.add_row(
            safe(item.id), safe(item.title), Text(item.action, style="bold"), safe(item.why)
        )
    return table


def _tree_label(node: reports.TreeNode) -> Text:
    label = Text()
    label.append_text(safe(node.id, "bold"))
    label.append(" ")
    label.append_text(safe(node.title))
    label.append("  ")
    label.append_text(bar(node.progress, STATUS_STYLES.get(node.status or "", "cyan")))
    label.append("  ")
    label.append_text(status_text(node.status))
    if node.commitment == "committed":
        label.append("  committed", style="magenta")
    label.append("  ")
    label.append_text(safe(node.owner, "dim"))
    if node.aligned.objectives:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(node.aligned.by_status.items()))
        label.append(
            f"  · aligned: {node.aligned.objectives} objective(s), "
            f"mean {percent(node.aligned.mean_progress)}" + (f" ({counts})" if counts else ""),
            style="dim",
        )
    return label


def tree_table(report: reports.TreeReport) -> RenderableType:
    from rich.tree import Tree

    tree = Tree(
        Text(
            f"{report.company or 'OKRs'} · {report.cycle.name} · as of {report.as_of.isoformat()}",
            style="bold",
        )
    )

    def add(parent: Tree, node: reports.TreeNode) -> None:
        branch = parent.add(_tree_label(node))
        for child in node.children:
            add(branch, child)

    for root in report.roots:
        add(tree, root)
    if report.orphans:
        orphans = tree.add(Text("Not aligned to a corporate objective", style="yellow"))
        for node in report.orphans:
            add(orphans, node)
    return tree


def deps_table(report: reports.DepsReport) -> RenderableType:
    from okrsheet.render.interlock import quantity

    parts: list[RenderableType] = []
    for title, links in report.sections():
        table = Table(title=title, title_justify="left")
        quantified = any(link.ratio is not None for link in links)
        names = ["Key result", "Owner", "Needs", "From", "Needed by", "Upstream", "Link"]
        for name in names + (["Need · plan · forecast"] if quantified else []):
            table.add_column(name, overflow="fold")
        for link in links:
            more = [quantity(link)] if quantified else []
            table.add_row(
                safe(link.downstream),
                safe(link.downstream_owner),
                safe(f"{link.upstream} {link.upstream_title}".strip()),
                safe(link.upstream_owner),
                link.needed_by.isoformat() if link.needed_by else "",
                bar(link.upstream_progress, STATUS_STYLES.get(link.upstream_status, "cyan")),
                Text(link.link, style={"ok": "green", "unknown": "red"}.get(link.link, "yellow")),
                *more,
            )
        if not links:
            table.add_row(Text("(none)", style="dim"), "", "", "", "", Text(""), Text(""))
        parts.append(table)
    return Group(*parts)
