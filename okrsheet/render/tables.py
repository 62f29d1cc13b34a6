"""Rich renderings for people at a terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from okrsheet.render.text import percent, strip_controls
from okrsheet.reports import (
    KRRow,
    LaggingReport,
    QuietOwnersReport,
    StatusReport,
    ValidationReport,
)

STATUS_STYLES = {
    "done": "bold green",
    "on track": "green",
    "at risk": "yellow",
    "off track": "red",
    "overdue": "bold red",
    "not started": "dim",
}
BAR_WIDTH = 10


def safe(text: str | None, style: str = "") -> Text:
    """User text as a Rich Text: never parsed as markup, control sequences removed."""
    return Text(strip_controls(text or ""), style=style)


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


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "%":
        return f"{value * 100:.4g}%"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text} {unit}".strip() if unit not in ("$",) else f"${text}"


def status_table(report: StatusReport) -> RenderableType:
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
            safe(objective.title, "bold"),
            safe(objective.owner),
            "",
            "",
            bar(objective.progress, "bold cyan"),
            percent(objective.expected),
            status_text(objective.status),
            "",
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
                bar(kr.progress),
                percent(kr.expected),
                status_text(kr.status),
                percent(kr.confidence),
                _due(kr),
                end_section=index == len(objective.key_results) - 1,
            )
    if not report.objectives:
        return Group(title, Text("No objectives match.", style="dim"))
    return table


def _due(kr: KRRow) -> Text:
    days = kr.days_to_due
    if days < 0:
        return Text(f"{-days} d late", style="red")
    return Text("today" if days == 0 else f"{days} d")


def findings_table(report: ValidationReport) -> RenderableType:
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


def lagging_table(report: LaggingReport) -> RenderableType:
    table = Table(
        title=f"Lagging key results · {report.cycle.name} · as of {report.as_of.isoformat()}",
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
    return table


def quiet_owners_table(report: QuietOwnersReport) -> RenderableType:
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
