"""Plans that interlock: whether what key results need from each other adds up.

A quantified dependency (`MARKET-1.1 × 5` in SALES-1.1's Depends on) says "to reach my target I
need five of MARKET-1.1's units per unit of mine": SALES-1.1 with a target of 250 opportunities
needs 1,250 leads from MARKET-1.1. `ID ≥` is the same as `× 1` in the same unit. When the
targets of the key results that depend on one upstream need more, in total, than its own
target, the plans do not interlock, however sound each is alone.

Pure functions over the model: no I/O, no dates (the forecast lives in `okrsheet.domain.scoring`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from okrsheet.domain.model import KeyResult, KRKind, Plan


@dataclass(frozen=True)
class Need:
    """One quantified link: how much the downstream needs of the upstream, or why that cannot
    be checked."""

    downstream: KeyResult
    upstream: KeyResult
    ratio: float
    same_unit: bool
    # Downstream target × ratio, in the upstream's unit; None when it cannot be checked.
    need: float | None
    why_unchecked: str = ""

    @property
    def plan(self) -> float:
        """What the upstream plans to reach: its target."""
        return self.upstream.target_value


def unchecked_reason(downstream: KeyResult, upstream: KeyResult, same_unit: bool) -> str:
    """Why a quantified link cannot be checked; empty when it can."""
    for kr in (upstream, downstream):
        if kr.kind is KRKind.MILESTONE:
            return f"{kr.id} is a milestone: done or not, it has no quantity to need"
        if not kr.kind.counts_up:
            return (
                f"{kr.id} counts down ({kr.kind.value}): a quantity needed from it cannot be "
                "checked"
            )
    if same_unit and _unit(downstream) and _unit(upstream) and _unit(downstream) != _unit(upstream):
        return (
            f"units differ ({downstream.unit} and {upstream.unit}): say how many "
            f"{upstream.unit} per {downstream.unit} with × N"
        )
    return ""


def _unit(kr: KeyResult) -> str:
    return kr.unit.strip().casefold()


def needs(plan: Plan, krs: Sequence[KeyResult] | None = None) -> list[Need]:
    """Every quantified link of these key results (default: the plan's), whose upstream is a
    key result the plan knows."""
    known = {k.id: k for k in (*plan.key_results, *plan.upstream)}
    found: list[Need] = []
    for kr in plan.key_results if krs is None else krs:
        for upstream_id, ratio, same_unit in kr.ratios:
            upstream = known.get(upstream_id)
            if upstream is None or upstream.id == kr.id:
                continue
            why = unchecked_reason(kr, upstream, same_unit)
            need = None if why else kr.target_value * ratio
            found.append(Need(kr, upstream, ratio, same_unit, need, why))
    return found


@dataclass(frozen=True)
class Shortfall:
    """An upstream whose target is below what its dependants need in total."""

    upstream: KeyResult
    total: float
    needs: tuple[Need, ...]

    @property
    def plan(self) -> float:
        return self.upstream.target_value


def shortfalls(plan: Plan) -> list[Shortfall]:
    """Upstreams planning less than their dependants need, summed over the dependants."""
    grouped: dict[str, list[Need]] = {}
    for need in needs(plan):
        if need.need is not None:
            grouped.setdefault(need.upstream.id, []).append(need)
    found = []
    for links in grouped.values():
        total = sum(n.need for n in links if n.need is not None)
        upstream = links[0].upstream
        if upstream.target_value < total - 1e-9 * max(1.0, abs(total)):
            found.append(Shortfall(upstream, total, tuple(links)))
    return found


def ratio_text(ratio: float, same_unit: bool) -> str:
    return "≥" if same_unit else f"× {ratio:g}"
