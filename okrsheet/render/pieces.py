"""The smallest pieces of okr's Rich tables, shared by every one of them (render/rich_tables.py, the
initiative and KPI sections, the digest): text a person typed made safe to show, and a
number with its unit."""

from __future__ import annotations

from rich.text import Text

from okrsheet.render.text import strip_controls


def safe(text: str | None, style: str = "") -> Text:
    """User text as a Rich Text: never parsed as markup, control sequences removed."""
    return Text(strip_controls(text or ""), style=style)


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "%":
        return f"{value * 100:.4g}%"
    text = f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{text} {unit}".strip() if unit not in ("$",) else f"${text}"
