"""The Initiatives and KPIs tabs: names and columns (docs/workbook.md)."""

from __future__ import annotations

from okrsheet.initiatives import STATUS_CHOICES
from okrsheet.layout.schema import UNIT_COLUMN, Column, column, date_column

INITIATIVES_TAB = "Initiatives"
KPIS_TAB = "KPIs"
EXTRA_TABS = (INITIATIVES_TAB, KPIS_TAB)

INITIATIVE_COLUMNS: tuple[Column, ...] = (
    column("id", "ID", "initiative id", width=10, number_format="text"),
    column(
        "kr_id",
        "Key result",
        "kr",
        "kr id",
        "key result id",
        required=True,
        width=12,
        number_format="text",
        note="The ID of the key result this work moves.",
    ),
    column("title", "Title", "initiative", "description", "name", required=True, width=44),
    column("owner", "Owner", width=16, note="Blank: the key result's owner."),
    column(
        "status",
        "Status",
        width=13,
        choices=STATUS_CHOICES,
        note="not started, in progress, done or blocked.",
    ),
    date_column("due", "Due", "due date", "deadline"),
    column("notes", "Notes", "note", "comments", "comment", width=40),
)

KPI_COLUMNS: tuple[Column, ...] = (
    column("id", "ID", "kpi id", required=True, width=10, number_format="text"),
    column("name", "KPI", "name", "metric", "title", required=True, width=36),
    column("owner", "Owner", width=16),
    column(
        "current",
        "Current",
        "value",
        "actual",
        "latest",
        width=11,
        note="Updated by `okr checkin KPI-ID --value V`, which also logs it in Check-ins.",
    ),
    column("healthy_from", "Healthy from", "min", "minimum", "lower", "from", width=12),
    column("healthy_to", "Healthy to", "max", "maximum", "upper", "to", width=12),
    UNIT_COLUMN,
    date_column("updated", "Updated", "last update", "last check in", "last checkin"),
    column(
        "health",
        "Health",
        width=11,
        note="Computed by formula, as okr status judges it: healthy (inside the healthy range, "
        "ends included), unhealthy, no value or no range.",
    ),
)
#: The KPIs tab's column computed by formula (never read: okr computes health itself).
KPI_CALCULATED = frozenset({"health"})
