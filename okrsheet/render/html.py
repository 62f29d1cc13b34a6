"""The visual report as one self-contained HTML page: inline CSS and SVG, no script, nothing
fetched from anywhere, every workbook text escaped (Jinja2 with autoescape on)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from okrsheet.domain.vocab import KRKind
from okrsheet.render.kpis import health_word, healthy_range
from okrsheet.render.rich_tables import estimate, number
from okrsheet.render.text import percent, strip_controls
from okrsheet.report_page import PageKR, PageReport, flatten
from okrsheet.reports import KRRow

if TYPE_CHECKING:
    from jinja2 import Environment

# Chart geometry, in SVG user units of a 320 x 146 box that scales to its place (the axes and
# fixed labels in report.html.j2 use the same numbers): values above, confidence below.
LEFT, RIGHT = 46, 312
TOP, BOTTOM = 8, 90
CONF_TOP, CONF_BOTTOM = 112, 140


@dataclass(frozen=True)
class Chart:
    """What the template draws for one key result: coordinates as SVG attribute text."""

    id: str
    title: str
    desc: str
    checkins: str  # SVG path data (`path`)
    last: tuple[int, int] | None
    pace: str
    pace_label: str
    forecast: str | None
    forecast_at: tuple[int, int] | None
    today: int | None
    confidence: str  # SVG path data
    confidence_last: tuple[int, int] | None
    y_labels: tuple[tuple[int, str], ...]
    x_labels: tuple[tuple[int, str, str], ...]  # x, text, class (text-anchor)


def polyline(points: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The points a line needs, leaving out the middle of level runs (a confidence that stays
    the same for weeks is one segment)."""
    if len(points) > 2:
        ys = [py for _, py in points]
        middle = zip(ys, points[1:-1], ys[2:], strict=False)
        kept = [p for before, p, after in middle if not before == p[1] == after]
        return [points[0], *kept, points[-1]]
    return list(points)


def path(points: Sequence[tuple[int, int]]) -> str:
    """SVG path data for the line through `points`: the first point, then each step from the
    one before (`m51 14 5 1 10-3`), the same line as a polyline's absolute points in about
    two thirds of the characters (a large company's page has 1,800 charts of 52 points)."""
    points = polyline(points)
    if not points:
        return ""
    (px, py), *rest = points
    out = [f"m{px} {py}"]
    for x, y in rest:
        dx, dy = x - px, y - py
        px, py = x, y
        # A minus sign separates two numbers: no space needed before it.
        out.append(f"{' ' if dx >= 0 else ''}{dx}{' ' if dy >= 0 else ''}{dy}")
    return "".join(out)


def _short(value: float, unit: str) -> str:
    """An axis label: short, without the unit (the text alternative has it in full)."""
    if unit == "%":
        return f"{value * 100:.3g}%"
    size = abs(value)
    if size >= 1e15:  # beyond a thousand trillion, a power of ten says it in a few characters
        return f"{value:.2g}"
    for bound, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= bound:
            return f"{value / bound:.3g}{suffix}"
    return f"{value:.3g}"


def chart(kr: PageKR, cycle_start: date, index: int) -> Chart:
    row, history = kr.row, kr.history
    points = history.checkins
    # A baseline still being measured has no start: its chart is drawn from the target.
    start = row.target if row.start is None else row.start
    # From the cycle start to the due date, or to the last check-in of a late key result.
    first_day = cycle_start
    last_day = max([row.due, *(p.date for p in points[-1:])])
    span = max(1, (last_day - first_day).days)
    values = [start, row.target, *(p.value for p in points)]
    drawn_forecast = history.forecast_at_due is not None and KRKind(row.kind).paced
    if drawn_forecast and history.forecast_at_due is not None:
        values.append(history.forecast_at_due)
    # Drawn on a scale where the largest value is 1: a range from -1e308 to 1e308 is wider
    # than a float holds, so its height would be infinite and every point NaN.
    scale = max(abs(v) for v in values) or 1.0
    low, high = min(values) / scale, max(values) / scale
    if high - low < 1e-12:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.06
    low, high = low - pad, high + pad

    # Whole units: a chart is about 320 pixels wide, finer coordinates only make the file larger.
    def x(day: date) -> int:
        return round(LEFT + (RIGHT - LEFT) * (day - first_day).days / span)

    def y(value: float) -> int:
        return round(BOTTOM - (BOTTOM - TOP) * (value / scale - low) / (high - low))

    def cy(fraction: float) -> int:
        return round(CONF_BOTTOM - (CONF_BOTTOM - CONF_TOP) * fraction)

    # The points' coordinates, worked out once (thousands of charts): the same sums as x and y.
    width, height, depth = RIGHT - LEFT, BOTTOM - TOP, high - low
    xs = [round(LEFT + width * (p.date - first_day).days / span) for p in points]
    ys = [round(BOTTOM - height * (p.value / scale - low) / depth) for p in points]
    line = path(list(zip(xs, ys, strict=True)))
    last = (xs[-1], ys[-1]) if points else None
    if KRKind(row.kind).paced:
        pace = f"{x(cycle_start)},{y(start)} {x(row.due)},{y(row.target)}"
        pace_label = "expected pace"
    else:
        pace = f"{x(first_day)},{y(row.target)} {x(last_day)},{y(row.target)}"
        pace_label = "threshold" if KRKind(row.kind).holds else "target"
    forecast = forecast_at = None
    if drawn_forecast and history.forecast_at_due is not None and last is not None:
        forecast_at = (x(row.due), y(history.forecast_at_due))
        forecast = f"{last[0]},{last[1]} {forecast_at[0]},{forecast_at[1]}"
    confident = [
        (px, cy(p.confidence or 0.0))
        for px, p in zip(xs, points, strict=True)
        if p.confidence is not None
    ]
    conf_line = path(confident)
    conf_last = confident[-1] if confident else None
    today = x(history.as_of) if first_day <= history.as_of <= last_day else None
    y_labels = tuple((y(v), _short(v, row.unit)) for v in sorted({start, row.target}, reverse=True))
    x_labels = (
        (LEFT, f"{first_day:%d %b}", ""),
        (x(row.due), f"due {row.due:%d %b}", "r"),
    )
    return Chart(
        id=f"c{index}",
        title=f"{row.id}: check-ins against the {pace_label}",
        desc=describe(kr),
        checkins=line,
        last=last,
        pace=pace,
        pace_label=pace_label,
        forecast=forecast,
        forecast_at=forecast_at,
        today=today,
        confidence=conf_line,
        confidence_last=conf_last,
        y_labels=y_labels,
        x_labels=x_labels,
    )


def chart_svg(c: Chart, status: str | None) -> Markup:
    """The chart as SVG markup, drawn here rather than by a template macro (a large company's
    page has thousands of charts; every text escaped as the template escapes it)."""
    cid = escape(c.id)
    # (The coordinates are whole numbers, written here: nothing in them to escape.)
    out = [
        f'<svg class="kr-chart {escape(_class(status))}" viewBox="0 0 320 146" width="320"'
        f' height="146" role="img" aria-labelledby="{cid}t {cid}d"><title id="{cid}t">'
        f'{escape(strip_controls(c.title))}</title><desc id="{cid}d">'
        f"{escape(strip_controls(c.desc))}</desc>\n"
        '<path class="ax" d="M46 8V90H312M46 112V140H312"/>\n'
    ]
    out.extend(f'<text x="42" y="{y + 3}" class="r">{escape(t)}</text>' for y, t in c.y_labels)
    for x, label, anchor in c.x_labels:
        kind = f' class="{escape(anchor)}"' if anchor else ""
        out.append(f'<text x="{x}" y="102"{kind}>{escape(label)}</text>')
    out.append(
        '<text x="42" y="115" class="r">100%</text><text x="42" y="140" class="r">conf.</text>\n'
    )
    if c.today is not None:
        out.append(f'<line class="today" x1="{c.today}" x2="{c.today}" y1="8" y2="140"/>')
    out.append(f'<polyline class="pace" points="{c.pace}"/>\n')
    if c.forecast and c.forecast_at is not None:
        out.append(
            f'<polyline class="fc" points="{c.forecast}"/><circle class="fcd"'
            f' cx="{c.forecast_at[0]}" cy="{c.forecast_at[1]}" r="3"/>'
        )
    if c.checkins:
        out.append(f'<path class="ck" d="{c.checkins}"/>')
    if c.last:
        out.append(f'<circle class="ckd" cx="{c.last[0]}" cy="{c.last[1]}" r="2.5"/>')
    if c.confidence:
        out.append(f'<path class="cf" d="{c.confidence}"/>')
    if c.confidence_last:
        out.append(
            f'<circle class="cfd" cx="{c.confidence_last[0]}" cy="{c.confidence_last[1]}" r="2"/>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def describe(kr: PageKR) -> str:
    """The chart in words: what a screen reader says and what a person without the picture
    reads."""
    row, history = kr.row, kr.history
    points = history.checkins
    goal = f"From {number(row.start, row.unit)} to {number(row.target, row.unit)} by {row.due}."
    if row.start is None:
        goal = f"Measuring the baseline; target {number(row.target, row.unit)} by {row.due}."
    if not points:
        return f"{goal} No check-ins this cycle."
    latest = points[-1]
    parts = [
        goal,
        f"{kr.checkins} check-in(s) from {points[0].date} to {latest.date};"
        f" latest {number(latest.value, row.unit)} ({percent(latest.progress)} of the way).",
    ]
    if KRKind(row.kind).paced:
        parts.append(f"Expected by {history.as_of}: {percent(row.expected)}.")
        if history.forecast_at_due is not None:
            parts.append(
                f"Forecast at {row.due}: {estimate(history.forecast_at_due, row.unit)}"
                f" ({percent(history.forecast_progress)})."
            )
    confidences = [p.confidence for p in points if p.confidence is not None]
    if confidences:
        parts.append(
            f"Confidence {percent(confidences[-1])}"
            + (f", first {percent(confidences[0])}." if len(confidences) > 1 else ".")
        )
    return " ".join(parts)


#: Lists longer than this start folded (a large company's lagging list is pages long).
FOLD_AFTER = 25

STATUS_ORDER = ("overdue", "off track", "at risk", "on track", "not started", "done")


def _class(status: str | None) -> str:
    return "s-" + (status or "none").replace(" ", "-")


def _pct(value: float | None) -> str:
    """A fraction as a CSS width, clamped to the bar."""
    return f"{max(0.0, min(1.0, value or 0.0)) * 100:.1f}%"


def pill(status: str | None) -> Markup:
    """A status as a coloured label (the page has thousands: a function, not a macro)."""
    return Markup(
        f'<span class="pill {escape(_class(status))}">{escape(status or "no key results")}</span>'
    )


def progress_bar(progress: float | None, expected: float | None, status: str | None) -> Markup:
    """Progress as a bar with a tick at the progress expected by now, and in figures."""
    out = [
        f'<span class="progress"><span class="bar {escape(_class(status))}" aria-hidden="true">'
        f'<span class="fill" style="width:{escape(_pct(progress))}"></span>'
    ]
    if expected is not None:
        out.append(f'<span class="exp" style="left:{escape(_pct(expected))}"></span>')
    out.append(f'</span><span class="pct">{escape(percent(progress) or "–")}')
    if expected is not None:
        out.append(f' <span class="muted">/ {escape(percent(expected))} expected</span>')
    out.append("</span></span>")
    return Markup("".join(out))


def kr_summary(kr: KRRow) -> Markup:
    """A key result's title, figures, progress bar and status line (thousands on a large
    company's page: a function, not template text)."""
    unit = strip_controls(kr.unit or "")
    of = " of " if kr.kind in ("increase", "milestone") else ", target "
    since = (
        "measuring the baseline"
        if kr.measuring_baseline
        else f"from {escape(number(kr.start, unit))}"
    )
    progress = (
        '<p class="meta">Progress: measuring the baseline (the first check-in sets the start).</p>'
        if kr.measuring_baseline
        else progress_bar(kr.progress, kr.expected, kr.status)
    )
    due = ""
    if kr.status != "done":
        days = kr.days_to_due
        due = (
            f" ({-days} days late)"
            if days < 0
            else " (today)"
            if days == 0
            else f" (in {days} days)"
        )
    return Markup(
        f'<p class="kr-title"><span class="id">{escape(strip_controls(kr.id))}</span>'
        f" {escape(strip_controls(kr.title))}</p>\n"
        f'<p class="meta">{escape(strip_controls(kr.owner))} · now'
        f" {escape(number(kr.current, unit) or 'no value yet')}{of}"
        f"{escape(number(kr.target, unit))} ({since}) · {escape(kr.kind)}</p>\n"
        f'{progress}<p>{pill(kr.status)} <span class="meta">· due {escape(kr.due)}{due}'
        f" · confidence {escape(percent(kr.confidence) or 'not set')}"
        f" · last check-in {escape(kr.last_checkin or 'none')}</span></p>"
    )


@cache
def environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(
        loader=PackageLoader("okrsheet.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        text=lambda s: strip_controls(s or ""),
        sentences=lambda items: strip_controls("; ".join(items)),
        percent=percent,
        width=_pct,
        status_class=_class,
        number=number,
        health=health_word,
        healthy_range=healthy_range,
    )
    env.globals["zip"] = zip
    env.globals.update(chart_svg=chart_svg, pill=pill, bar=progress_bar, kr_summary=kr_summary)
    return env


def render_page(report: PageReport) -> str:
    """The report as one HTML document."""
    krs = [kr for node in flatten([*report.roots, *report.orphans]) for kr in node.key_results]
    charts = {kr.row.id: chart(kr, report.cycle.start, n) for n, kr in enumerate(krs, 1)}
    if report.who is not None:
        sections = [
            (f"What {report.who} depends on", report.depends_on),
            (f"Who depends on {report.who}", report.depended_on_by),
        ]
    else:
        sections = [("", report.depends_on)]
    template = environment().get_template("report.html.j2")
    return template.render(
        report=report,
        charts=charts,
        status_order=STATUS_ORDER,
        dependency_sections=sections,
        fold_after=FOLD_AFTER,
    )
