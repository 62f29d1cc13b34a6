"""The workbook format: tab names, column headers and their aliases (docs/workbook.md)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from okrsheet.layout.cells import (
    COMMITMENT_CHOICES,
    KIND_CHOICES,
    LEVEL_CHOICES,
    NEXT_CYCLE_CHOICES,
)
from okrsheet.stores.base import ColumnSpec

GUIDE_TAB = "Guide"
DASHBOARD_TAB = "Dashboard"
SETTINGS_TAB = "Settings"
CORPORATE_TAB = "Corporate"
CHECKINS_TAB = "Check-ins"
PEOPLE_TAB = "People"
#: Objective and key-result wording a template suggests; plain text for people, never read.
IDEAS_TAB = "Ideas"
#: What `okr remind` sent (okrsheet/layout/reminders_tab.py); made by its first run.
REMINDERS_TAB = "Reminders"

TYPE_OBJECTIVE = "Objective"
TYPE_KEY_RESULT = "Key result"
TYPE_CHOICES = (TYPE_OBJECTIVE, TYPE_KEY_RESULT)


@functools.lru_cache(maxsize=4096)
def normalize_header(text: str) -> str:
    """Case, spacing and punctuation do not matter in headers: 'Due date' == 'due-date'.

    Cached: a workbook has a few dozen distinct headers, looked up tens of thousands of times."""
    return re.sub(r"[^a-z0-9%]+", " ", text.casefold()).strip()


@dataclass(frozen=True)
class Column:
    key: str
    spec: ColumnSpec
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def header(self) -> str:
        return self.spec.header

    def matches(self, text: str) -> bool:
        wanted = normalize_header(text)
        return wanted == normalize_header(self.header) or wanted in self.aliases


def column(key: str, header: str, *aliases: str, required: bool = False, **spec: object) -> Column:
    """A column: its key, header, the other headers it is recognised by, and its look."""
    return Column(key, ColumnSpec(header, **spec), aliases, required)  # type: ignore[arg-type]


def date_column(key: str, header: str, *aliases: str, required: bool = False) -> Column:
    return column(key, header, *aliases, required=required, width=12, number_format="date")


UNIT_COLUMN = column("unit", "Unit", "units", width=8)


OKR_COLUMNS: tuple[Column, ...] = (
    column(
        "type",
        "Type",
        "row type",
        required=True,
        width=12,
        choices=TYPE_CHOICES,
        note="Objective or Key result. Key results belong to the objective named in "
        "'Objective ID', or else to the nearest objective row above them.",
    ),
    column("id", "ID", "key", "ref", required=True, width=11, number_format="text"),
    column(
        "objective_id",
        "Objective ID",
        "objective",
        "parent",
        "parent id",
        width=11,
        number_format="text",
        note="For key results: the ID of their objective.",
    ),
    column(
        "title",
        "Title",
        "objective key result",
        "description",
        "name",
        required=True,
        width=48,
    ),
    column("level", "Level", width=11, choices=LEVEL_CHOICES),
    column("owner", "Owner", width=14),
    column(
        "aligns_to",
        "Aligns to",
        "aligned to",
        "supports",
        "contributes to",
        "parent objective",
        width=11,
        note="For team and individual objectives: the ID of the objective they serve.",
    ),
    column("kind", "Kind", "kr kind", "direction", width=12, choices=KIND_CHOICES),
    column("start", "Start", "baseline", "start value", "from", required=True, width=11),
    column("target", "Target", "goal", "target value", "to", required=True, width=11),
    column("current", "Current", "actual", "current value", "latest", "value", width=11),
    UNIT_COLUMN,
    date_column("due", "Due", "due date", "deadline", "by", required=True),
    column("weight", "Weight", width=8, number_format="number"),
    column(
        "confidence",
        "Confidence",
        "conf",
        width=11,
        number_format="percent",
        note="How sure the owner is to hit the target: 70%, 0.7 or 7/10.",
    ),
    column(
        "depends_on",
        "Depends on",
        "dependencies",
        "depends",
        "blocked by",
        width=14,
        note="IDs of the key results this one needs, separated by commas.",
    ),
    column(
        "progress",
        "Progress",
        width=11,
        number_format="percent",
        progress_bar=True,
        note="Computed by formula; okr recomputes it and never reads it.",
    ),
    column(
        "last_checkin",
        "Last check-in",
        "last check in",
        "last checkin",
        "last update",
        "updated",
        width=13,
        number_format="date",
    ),
    column("grade", "Grade", "score", width=8, number_format="number"),
    column("notes", "Notes", "note", "comments", "comment", width=40),
    column(
        "kpi",
        "KPI",
        "kpi id",
        width=10,
        number_format="text",
        note="Optional: the ID of a KPI (KPIs tab) this key result watches.",
    ),
    column(
        "commitment",
        "Commitment",
        "committed",
        "okr type",
        width=13,
        choices=COMMITMENT_CHOICES,
        note="For objectives: committed (expected to reach 1.0; any shortfall is at risk) or "
        "aspirational (0.6-0.7 is success). Blank: the Settings default.",
    ),
    column(
        "final_grade",
        "Final grade",
        "final score",
        "judged grade",
        width=9,
        number_format="number",
        note="Closing the cycle: okr grade --write proposes the computed Grade; change it if "
        "you judge otherwise, and say why in Grade reason.",
    ),
    column(
        "grade_reason",
        "Grade reason",
        "reason",
        "final grade reason",
        width=30,
        note="Required when Final grade differs from Grade: why the owner judges it so.",
    ),
    column(
        "worked",
        "What worked",
        "retro worked",
        "went well",
        width=30,
        note="Retrospective, on objective rows: what worked this cycle.",
    ),
    column(
        "to_change",
        "What to change",
        "retro change",
        "to improve",
        width=30,
        note="Retrospective, on objective rows: what to do differently next cycle.",
    ),
    column(
        "next_cycle",
        "Next cycle",
        "carry over",
        "carry over or drop",
        width=12,
        choices=NEXT_CYCLE_CHOICES,
        note="carry over or drop, for okr rollover; blank: unfinished key results carry over.",
    ),
    # Calculated columns: live formulas for people reading the sheet (okr never reads them).
    column(
        "expected",
        "Expected",
        width=10,
        number_format="percent",
        note="Computed by formula: the share of the time to the due date that has passed.",
    ),
    column(
        "status",
        "Status",
        width=12,
        status_colors=True,
        note="Computed by formula from this row's own numbers, by the same rules as okr status "
        "(thresholds from Settings): its own status, `own_status` in okr status --format json. "
        "okr status also puts a key result at risk when one it depends on lags (`blocked_by`).",
    ),
    column(
        "days_since",
        "Days since check-in",
        width=11,
        number_format="integer",
        note="Computed by formula: days since Last check-in (since the cycle start when blank).",
    ),
    column(
        "objective_confidence",
        "Objective confidence",
        width=11,
        number_format="percent",
        note="Computed by formula on objective rows: its key results' confidences, weighted.",
    ),
    *(
        column(key, header, width=9, hidden=True)
        for key, header in (
            ("calc_row", "Calc row"),
            ("calc_section", "Calc section"),
            ("calc_objective", "Calc objective"),
            ("calc_kind", "Calc kind"),
            ("calc_start", "Calc start"),
            ("calc_target", "Calc target"),
            ("calc_current", "Calc current"),
            ("calc_value", "Calc value"),
            ("calc_weight", "Calc weight"),
            ("calc_due", "Calc due"),
            ("calc_checked", "Calc checked"),
            ("calc_progress", "Calc progress"),
            ("calc_expected", "Calc expected"),
            ("calc_status", "Calc status"),
            ("calc_wprogress", "Calc weighted progress"),
            ("calc_wexpected", "Calc weighted expected"),
            ("calc_number", "Calc number"),
            ("calc_committed", "Calc committed"),
            ("calc_confidence", "Calc confidence"),
            ("calc_wconfidence", "Calc weighted confidence"),
        )
    ),
)

#: Columns people type into that `okr validate --fix` adds to a tab made before they existed
#: (after its last column; the reader finds columns by header, wherever they are).
FIX_ADDS_KEYS = ("commitment", "final_grade", "grade_reason", "worked", "to_change", "next_cycle")

#: Columns whose cells are formulas written by okr: never read, and not content of a row.
CALCULATED_KEYS = frozenset(
    {"progress", "expected", "status", "days_since", "objective_confidence"}
    | {c.key for c in OKR_COLUMNS if c.key.startswith("calc_")}
)

CHECKIN_COLUMNS: tuple[Column, ...] = (
    date_column("date", "Date", "check in date", required=True),
    column("kr_id", "KR ID", "kr", "key result", "key result id", required=True, width=12),
    column("value", "Value", "new value", required=True, width=11),
    column("confidence", "Confidence", "conf", width=11, number_format="percent"),
    column("note", "Note", "notes", "comment", width=48),
    column("author", "Author", "by", "who", width=14),
    column("recorded_at", "Recorded at", "timestamp", width=19, number_format="datetime"),
    column("checkin_id", "Check-in ID", "checkin id", width=14, number_format="text"),
)

PEOPLE_COLUMNS: tuple[Column, ...] = (
    column("name", "Name", "person", required=True, width=20),
    column("team", "Team", "department", width=16),
    column("email", "Email", "e mail", width=28),
    column("tab", "Tab", "sheet", width=16),
)

SETTINGS_COLUMNS: tuple[Column, ...] = (
    column("setting", "Setting", "key", "name", required=True, width=28),
    column("value", "Value", required=True, width=18),
    column("about", "About", "help", "description", width=70),
)


@dataclass(frozen=True)
class SettingRow:
    key: str
    label: str
    about: str
    aliases: tuple[str, ...] = ()


SETTING_ROWS: tuple[SettingRow, ...] = (
    SettingRow("company", "Company", "The company or client these OKRs belong to."),
    SettingRow("cycle", "Cycle", "The name of the current cycle, e.g. 2026-Q4.", ("period",)),
    SettingRow("cycle_start", "Cycle start", "First day of the cycle.", ("start",)),
    SettingRow("cycle_end", "Cycle end", "Last day of the cycle.", ("end",)),
    SettingRow(
        "cadence_days",
        "Check-in cadence (days)",
        "How often owners update their numbers: 7 for weekly, 14 for every two weeks.",
        ("cadence", "check in cadence"),
    ),
    SettingRow(
        "stale_grace_days",
        "Stale grace (days)",
        "Extra days after the cadence before a key result counts as stale.",
        ("grace", "stale grace"),
    ),
    SettingRow(
        "on_track_gap",
        "On-track gap",
        "On track while expected progress minus progress is at most this (10% = 0.10).",
    ),
    SettingRow(
        "at_risk_gap",
        "At-risk gap",
        "At risk up to this gap; beyond it a key result is off track.",
    ),
    SettingRow(
        "low_confidence",
        "Low confidence",
        "A latest confidence below this makes a key result lag.",
    ),
    SettingRow(
        "max_objectives_per_owner",
        "Max objectives per owner",
        "More objectives than this per owner and cycle draws a focus warning.",
    ),
    SettingRow(
        "min_krs_per_objective",
        "Min KRs per objective",
        "Fewer key results than this per objective draws a warning.",
    ),
    SettingRow(
        "max_krs_per_objective",
        "Max KRs per objective",
        "More key results than this per objective draws a warning.",
    ),
    SettingRow(
        "date_order",
        "Date order",
        "How to read dates typed as 3/4/2026: MDY (month first) or DMY (day first).",
    ),
    SettingRow(
        "linked_workbooks",
        "Linked workbooks",
        "Department workbooks every report reads together with this one, as one organisation: "
        ".xlsx paths (relative to this file) or Google Sheets URLs / gsheet:ID, separated by "
        "commas or line breaks.",
        ("linked", "departments", "department workbooks"),
    ),
    SettingRow(
        "time_zone",
        "Time zone",
        "The time zone that decides which day a check-in belongs to and what today is, for "
        "everyone: e.g. Europe/Berlin, America/New_York or UTC+02:00. okr init records the "
        "zone of the computer that made the workbook. Blank: a Google spreadsheet's own time "
        "zone, else each computer's own.",
        ("timezone", "zone", "tz"),
    ),
    SettingRow(
        "default_commitment",
        "Default commitment",
        "What an objective with a blank Commitment is: aspirational (0.6-0.7 is success) or "
        "committed (expected to reach 1.0; any shortfall is at risk).",
        ("commitment",),
    ),
    SettingRow(
        "kr_checks",
        "KR checks",
        "Which key-result quality checks `okr validate` and `okr lint` make: all (or blank), "
        "off, a list of them, or all but a list, e.g. 'all but vague, sandbagging'. The checks: "
        "activity, vague, status-quo, no-baseline, sandbagging (docs/lint.md).",
        ("kr check", "lint", "quality checks", "key result checks"),
    ),
    SettingRow(
        "decimal_sign",
        "Decimal sign",
        "The decimal sign of the numbers in a CSV file of check-ins (okr checkin --from) "
        "separated by commas or tabs: comma (4,5) or dot (4.5). Blank: a dot. A file separated "
        "by semicolons always has decimal commas; --decimal on the command wins over this.",
        ("decimal", "decimal mark", "decimal separator", "decimal point"),
    ),
    SettingRow(
        "archive_workbooks",
        "Archive workbooks",
        "Where `okr rollover` moves each finished cycle (its Archive tab and its check-ins): "
        ".xlsx paths (relative to this file) or Google Sheets URLs / gsheet:ID, separated by "
        "commas; rollover writes to the last, history reads them all. Blank: into this "
        "workbook's own Archive tabs.",
        ("archive", "archive to", "archive workbook"),
    ),
)

RESERVED_TABS = (
    GUIDE_TAB,
    DASHBOARD_TAB,
    SETTINGS_TAB,
    CHECKINS_TAB,
    PEOPLE_TAB,
    IDEAS_TAB,
    REMINDERS_TAB,
)
ARCHIVE_PREFIX = "Archive "


def is_archive(title: str) -> bool:
    """A tab of an archived cycle (`Archive 2026-Q3`, `Archive 2026-Q3 check-ins`): no report of
    the live cycle reads it."""
    return title.startswith(ARCHIVE_PREFIX)


def find_setting(label: str) -> SettingRow | None:
    wanted = normalize_header(label)
    for row in SETTING_ROWS:
        if wanted == normalize_header(row.label) or wanted in row.aliases or wanted == row.key:
            return row
    return None


#: Optional columns of OKR tabs and of the KPIs tab, recognised wherever a person adds them
#: (okr init does not lay them out): where a number comes from, and what `okr sync` last found
#: there (docs/sources.md).
SOURCE_COLUMNS: tuple[Column, ...] = (
    column(
        "source",
        "Source",
        "data source",
        "number source",
        "feed",
        width=36,
        note="Where okr sync reads this number: finance.xlsx!'P&L'!C14, deals.csv!Amount, "
        "https://host/path#/total or config:NAME (docs/sources.md).",
    ),
    column(
        "source_status",
        "Synced",
        "last synced",
        "sync status",
        "source status",
        width=30,
        note="Written by okr sync: the day it last brought the number, or since when the "
        "source has been unreadable and why.",
    ),
)
