"""Plans that interlock, placed at cells: the `interlock` findings at the upstream's
Target cell, naming the dependants' cells."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from okrsheet.domain.interlock import needs, ratio_text, shortfalls
from okrsheet.domain.model import Plan, amount
from okrsheet.layout.tables import Finding, Table

# Plans that interlock -----------------------------------------------------------------------


#: The findings of the interlock check, which spans workbooks when they are linked.
INTERLOCK_CODES = frozenset({"interlock", "interlock-unchecked"})


def cells_of(
    rows: Mapping[str, tuple[Table, int]], label: str = ""
) -> Callable[[str, str], str | None]:
    """`ref(kr_id, key)`: the cell of a key result's column (`Sales!J3`), prefixed with a
    linked workbook's label; None for a key result not in `rows`."""

    def ref(kr_id: str, key: str) -> str | None:
        place = rows.get(kr_id)
        if place is None:
            return None
        where = place[0].ref(place[1], key)
        return f"{label}: {where}" if label else where

    return ref


def interlock_findings(
    plan: Plan, rows: Mapping[str, tuple[Table, int]] | Callable[[str, str], str | None]
) -> list[Finding]:
    """`interlock` warnings at the upstream's Target cell, naming the dependants' cells; and an
    `interlock-unchecked` warning for a quantified link that cannot be checked. `rows` says
    where each key result is (or is a function giving its cells)."""
    cell = cells_of(rows) if isinstance(rows, Mapping) else rows

    def ref(kr_id: str, key: str) -> str:
        return cell(kr_id, key) or kr_id

    out: list[Finding] = []
    for short in shortfalls(plan):
        up = short.upstream
        parts = [
            f"{n.downstream.id} needs {amount(n.need or 0.0, up.unit)} "
            f"({amount(n.downstream.target_value, n.downstream.unit)} at "
            f"{ref(n.downstream.id, 'target')} {ratio_text(n.ratio, n.same_unit)} at "
            f"{ref(n.downstream.id, 'depends_on')})"
            for n in short.needs
        ]
        planned = amount(short.plan, up.unit)
        gap = amount(short.total - short.plan, up.unit)
        if len(parts) == 1:
            message = f"{up.id} plans {planned}, but {parts[0]}: {gap} short"
        else:
            message = (
                f"{up.id} plans {planned}, but the key results depending on it need "
                f"{amount(short.total, up.unit)} in all, {gap} more: " + "; ".join(parts)
            )
        out.append(Finding("warning", "interlock", message, ref(up.id, "target")))
    for need in needs(plan):
        if need.why_unchecked:
            out.append(
                Finding(
                    "warning",
                    "interlock-unchecked",
                    f"{need.upstream.id} {ratio_text(need.ratio, need.same_unit)} cannot be "
                    f"checked: {need.why_unchecked}",
                    ref(need.downstream.id, "depends_on"),
                )
            )
    return out
