"""Quantified dependencies as people read them in `deps` and the digest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from okrsheet.render.pieces import number

if TYPE_CHECKING:
    from okrsheet.reports import DependencyLink


def quantity(link: DependencyLink) -> Text:
    """`need 1,250 · plan 900 · forecast 1,010` for a quantified link."""
    if link.ratio is None:
        return Text("")
    if link.check:
        return Text(f"not checked: {link.check}", style="dim")
    parts = [f"need {number(link.need, link.unit)}", f"plan {number(link.plan, link.unit)}"]
    if link.forecast is not None:
        parts.append(f"forecast {number(round(link.forecast), link.unit)}")
    text = Text(" · ".join(parts))
    if link.short or (link.plan is not None and link.need is not None and link.plan < link.need):
        text.stylize("yellow")
    return text
