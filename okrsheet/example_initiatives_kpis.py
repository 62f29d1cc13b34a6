"""The example company's initiatives and KPIs (with a history of KPI check-ins), added to
the `--example` workbook."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from okrsheet.domain.initiatives import Initiative, parse_status
from okrsheet.domain.kpis import KPI
from okrsheet.domain.model import CheckIn
from okrsheet.layout.writer import Draft


def add_example_extras(
    draft: Draft, template: dict[str, Any], key_ids: dict[str, str], today: date
) -> None:
    """The template's initiatives and KPIs, and weekly KPI check-ins up to today."""
    cycle = draft.cycle

    def day_at(fraction: float) -> date:
        return cycle.start + timedelta(days=round(cycle.days * fraction))

    for spec in template.get("initiative", []):
        draft.initiatives.append(
            Initiative(
                id=str(spec.get("id", "")),
                kr_id=key_ids.get(str(spec["kr"]), str(spec["kr"])),
                title=str(spec["title"]),
                owner=str(spec.get("owner", "")),
                status=parse_status(str(spec.get("status", ""))),
                due=day_at(float(spec["due_fraction"])) if "due_fraction" in spec else None,
                notes=str(spec.get("notes", "")),
            )
        )
    as_of = min(max(today, cycle.start), cycle.end)
    for spec in template.get("kpi", []):
        kpi = KPI(
            id=str(spec["id"]),
            name=str(spec["name"]),
            owner=str(spec.get("owner", "")),
            healthy_from=spec.get("healthy_from"),
            healthy_to=spec.get("healthy_to"),
            unit=str(spec.get("unit", "")),
        )
        rng = random.Random(f"{cycle.name}:{kpi.id}")
        start, end = float(spec["start"]), float(spec["current"])
        last_day = as_of - timedelta(days=21) if spec.get("stale") else as_of
        weeks = max(1, (as_of - cycle.start).days // 7)
        day, week = cycle.start + timedelta(days=7), 1
        latest: CheckIn | None = None
        while day <= last_day:
            value = start + (end - start) * min(1.0, week / weeks)
            if week < weeks:  # a little noise on the way; the last value is the one given
                value += (rng.random() - 0.5) * abs(end - start) * 0.3
            latest = CheckIn(
                date=day,
                kr_id=kpi.id,
                value=round(value, 4),
                author=kpi.owner,
                recorded_at=datetime.combine(day, time(9, 45)),
                checkin_id=f"ex-{kpi.id}-{day.isoformat()}",
            )
            draft.checkins.append(latest)
            day, week = day + timedelta(days=7), week + 1
        if latest is not None:
            kpi = kpi.model_copy(update={"current": latest.value, "updated": latest.date})
        draft.kpis.append(kpi)
    draft.checkins.sort(key=lambda c: (c.date, c.kr_id))
