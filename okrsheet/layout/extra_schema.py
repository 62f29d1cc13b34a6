"""The Initiatives and KPIs tabs: names and columns (docs/workbook.md)."""

from __future__ import annotations

from okrsheet.initiatives import STATUS_CHOICES
from okrsheet.layout.schema import Column, _col

INITIATIVES_TAB = "Initiatives"
KPIS_TAB = "KPIs"
EXTRA_TABS = (INITIATIVES_TAB, KPIS_TAB)

INITIATIVE_COLUMNS: tuple[Column, ...] = (
    _col("id", "ID", "initiative id", width=10, number_format="text"),
    _col(
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
    _col("title", "Title", "initiative", "description", "name", required=True, width=44),
    _col("owner", "Owner", width=16, note="Blank: the key result's owner."),
    _col(
        "status",
        "Status",
        width=13,
        choices=STATUS_CHOICES,
        note="not started, in progress, done or blocked.",
    ),
    _col("due", "Due", "due date", "deadline", width=12, number_format="date"),
    _col("notes", "Notes", "note", "comments", "comment", width=40),
)

KPI_COLUMNS: tuple[Column, ...] = (
    _col("id", "ID", "kpi id", required=True, width=10, number_format="text"),
    _col("name", "KPI", "name", "metric", "title", required=True, width=36),
    _col("owner", "Owner", width=16),
    _col(
        "current",
        "Current",
        "value",
        "actual",
        "latest",
        width=11,
        note="Updated by `okr checkin KPI-ID --value V`, which also logs it in Check-ins.",
    ),
    _col("healthy_from", "Healthy from", "min", "minimum", "lower", "from", width=12),
    _col("healthy_to", "Healthy to", "max", "maximum", "upper", "to", width=12),
    _col("unit", "Unit", "units", width=8),
    _col(
        "updated",
        "Updated",
        "last update",
        "last check in",
        "last checkin",
        width=12,
        number_format="date",
    ),
)
