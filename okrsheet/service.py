"""What commands do, as a library: find the workbook, read it, create it, change it.

Commands call these functions and render what they return; a script can call them too.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from okrsheet.domain.model import (
    CheckIn,
    Cycle,
    KeyResult,
    Objective,
    Plan,
    Settings,
    current_quarter,
    cycle_from_name,
)
from okrsheet.errors import InvalidWorkbook, OkrError, UsageError
from okrsheet.layout import Finding, ParsedWorkbook, cell_ref, parse_workbook
from okrsheet.memory import bulk_load
from okrsheet.stores import WINDOWS_PATH, Location, open_store, parse_location
from okrsheet.stores.base import (
    AppendRows,
    Change,
    RawWorkbook,
    SetCells,
    TabSpec,
    WorkbookStore,
    WriteValue,
)

if TYPE_CHECKING:  # (the writer side is imported by the commands that write)
    from okrsheet.kr_checks import KRFinding
    from okrsheet.layout.writer import Draft, Person
    from okrsheet.stores.base import Deferred

ENV_WORKBOOK = "OKR_WORKBOOK"
CONFIG_FILE = "okr.toml"
DEFAULT_WORKBOOK = "okr.xlsx"


def resolve_location(
    workbook: str | None,
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Location:
    """--workbook, else $OKR_WORKBOOK, else `workbook` in ./okr.toml, else ./okr.xlsx."""
    environ = os.environ if environ is None else environ
    cwd = cwd or Path.cwd()
    if workbook:
        return parse_location(workbook, option="--workbook")
    if environ.get(ENV_WORKBOOK, "").strip():
        return parse_location(environ[ENV_WORKBOOK], option=ENV_WORKBOOK)
    config = cwd / CONFIG_FILE
    if config.is_file():
        try:
            text = config.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"{config} is not valid TOML: {exc}") from exc
        try:
            settings = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            # In double quotes TOML reads a backslash as an escape: `"C:\Users"` is an error.
            raise UsageError(
                f"{config} is not valid TOML: {exc}",
                hint="write a Windows path in single quotes, workbook = 'C:\\OKR\\okr.xlsx' "
                "(or with / for \\)"
                if "\\" in text
                else None,
            ) from exc
        value = settings.get("workbook")
        if value is not None:
            if not isinstance(value, str):
                raise UsageError(f"{config}: 'workbook' must be a string")
            location = parse_location(value, option=f"{CONFIG_FILE} workbook")
            if location.path is not None and not location.path.is_absolute():
                location = Location(path=cwd / location.path)
            return location
    return Location(path=Path(DEFAULT_WORKBOOK))


def load(
    location: Location,
    *,
    linked: bool = True,
    kr_checks: bool = False,
    log_until: date | None = None,
    archives: bool = True,
) -> ParsedWorkbook:
    """Read and parse the whole workbook (one read from the store), and with it the department
    workbooks its Settings link (each one read, all at once), as one organisation.

    With `kr_checks` (`okr validate`), the findings end with the key-result quality checks the
    Settings turn on, as warnings (on this workbook's own key results). With `log_until`, a
    long check-in log may be read only as far as a report as of that day or later needs it
    (`layout.checkin_log.LogNeed`), and archived cycles' tabs not at all: `status` and
    `lagging`, not `history` nor the report page, which show the log itself; bad cells in the
    lines left unread are not counted. Without `archives` (the report page), archived cycles'
    tabs are left unread too."""
    with bulk_load():
        store = open_store(location)
        raw = store.read(deferred=_deferred(log_until, archives))
        try:
            parsed = parse_workbook(raw, log_until=log_until, thorough=kr_checks)
        except InvalidWorkbook as exc:
            raise _not_a_workbook(store, raw) or exc from None
    said = [str(f) for f in parsed.findings if f.code in _SAID_BY_REPORTS]
    if said:
        parsed = replace(parsed, notices=[*parsed.notices, *said])
    quality: list[Finding] = []
    if kr_checks:
        from okrsheet.kr_checks import validation_warnings

        quality = validation_warnings(
            raw, parsed, lambda: archive_raws(location, parsed.plan.settings, quiet=True)
        )
    links = parsed.plan.settings.linked_workbooks if linked else ()
    if links:
        parsed = merge_linked(
            parsed, location, links, setting=_setting_cell(raw, "Linked workbooks")
        )
    return replace(parsed, findings=[*parsed.findings, *quality]) if quality else parsed


def _deferred(log_until: date | None, archives: bool) -> Deferred | None:
    """What `load` may leave unread: with `log_until`, the long log's lines no report as of
    that day needs; with `log_until` or without `archives`, an archived cycle's tabs (`okr
    rollover`'s), no part of a report of the live one, so its cost stays that of one cycle."""
    if log_until is None and archives:
        return None
    from okrsheet.layout.checkin_log import looks_like_log, named_as_log
    from okrsheet.layout.schema import is_archive
    from okrsheet.stores.base import Deferred

    if log_until is None:  # the log read whole: no tab is left for later
        return Deferred(wanted=looks_like_log, titles=lambda title: False, unread=is_archive)
    return Deferred(wanted=looks_like_log, titles=named_as_log, unread=is_archive)


def lint(
    location: Location, *, only: Sequence[str] | None = None
) -> tuple[Plan, tuple[str, ...], list[KRFinding]]:
    """`okr lint`: the key-result quality checks on the workbook (one read), those the
    Settings turn on unless `only` names some; every key result row, also those `okr validate`
    rejects (their title is still checked). Returns the plan, the checks made and the findings."""
    from okrsheet.kr_checks import check_workbook, enabled_codes

    with bulk_load():
        raw = open_store(location).read()
        parsed = parse_workbook(raw, with_log=False)
    codes = enabled_codes(parsed, only)

    def archives() -> list[RawWorkbook]:
        return archive_raws(location, parsed.plan.settings, quiet=True)

    found = check_workbook(raw, parsed, codes=codes, archives=archives) if codes else []
    return parsed.plan, codes, found


def archive_raws(
    location: Location, settings: Settings, *, quiet: bool = False
) -> list[RawWorkbook]:
    """The archive workbooks the Settings name (`okr rollover --archive-to`), each read once;
    those that do not exist are passed over, and with `quiet` those that cannot be read."""
    found: list[RawWorkbook] = []
    for text in settings.archive_workbooks:
        try:
            store = open_store(linked_location(location, text))
            if store.exists():
                found.append(store.read())
        except OkrError:
            if not quiet:
                raise
    return found


def _not_a_workbook(store: WorkbookStore, raw: RawWorkbook) -> InvalidWorkbook | None:
    """`gsheet:ID (Budget 2027) is not an okr workbook` for something with neither a Settings
    tab nor an OKR tab (another spreadsheet given by mistake); None for a broken workbook."""
    from okrsheet.layout.okr_tabs import okr_tables
    from okrsheet.layout.schema import SETTINGS_TAB, normalize_header

    settings = normalize_header(SETTINGS_TAB)
    if any(normalize_header(t) == settings for t in raw.titles) or okr_tables(raw):
        return None
    title = getattr(store, "document_title", None)
    named = f"{store.location} ({title})" if title else str(store.location)
    tabs = ", ".join(repr(t) for t in raw.titles[:5]) or "none"
    return InvalidWorkbook(
        f"{named} is not an okr workbook: it has no {SETTINGS_TAB!r} tab and no OKR tab "
        f"(its tabs: {tabs}{', ...' if len(raw.titles) > 5 else ''})",
        hint="check the location; `okr init` makes a new workbook",
    )


#: Findings so large that every report says them on stderr, not only `okr validate`: without
#: a check-in log, staleness and history rest on the KR rows alone.
_SAID_BY_REPORTS = frozenset({"no-checkin-log"})


def _setting_cell(raw: RawWorkbook, name: str) -> str:
    """Where a setting's value is (`Settings!B9`), to name it in messages."""
    from okrsheet.layout.schema import normalize_header

    grid = raw.grid("Settings")
    wanted = normalize_header(name)
    for row_number, row in enumerate(grid.rows if grid else [], start=1):
        for col, value in enumerate(row[:3], start=1):
            if isinstance(value, str) and normalize_header(value) == wanted:
                return cell_ref("Settings", row_number, col + 1)
    return f"Settings › {name}"


def _load_linked(location: Location) -> ParsedWorkbook | OkrError:
    """A linked workbook, or why it cannot be read (a report goes on without it)."""
    try:
        return load(location, linked=False)
    except OkrError as exc:
        return exc


def linked_location(base: Location, text: str) -> Location:
    """A linked workbook's location; a relative path is relative to the linking workbook.

    A relative path typed on Windows (`depts\\sales.xlsx`) is read with `/` on macOS and
    Linux, where a backslash is not a separator, so that one workbook links the same files
    for people on either."""
    if os.sep == "/" and "\\" in text and not WINDOWS_PATH.match(text):
        text = text.replace("\\", "/")
    found = parse_location(text)
    if found.path is not None and not found.path.is_absolute() and base.path is not None:
        found = parse_location(str(base.path.parent / found.path))
    return found


def merge_linked(
    parsed: ParsedWorkbook, base: Location, links: Sequence[str], *, setting: str = "Settings"
) -> ParsedWorkbook:
    """One organisation from a corporate workbook and its department workbooks: their items
    side by side, rules that span items (alignment, dependencies, ids) checked across all.

    A linked workbook that cannot be read (gone, not shared, Google down, not a workbook) is
    left out with a warning naming the `setting` cell that links it, so that one department's
    problem does not stop every corporate report; `okr validate --strict` fails on it."""
    from okrsheet.domain.model import check_plan
    from okrsheet.layout.interlock_cells import cells_of, interlock_findings

    where, departments, unreadable = _read_linked(base, links, setting)
    merging = _Merging.of(parsed, base)
    for label, department in zip(where, departments, strict=True):
        merging.add(label, department)
    plan = parsed.plan
    merged = plan.model_copy(
        update={
            "objectives": tuple(merging.objectives),
            "key_results": tuple(merging.key_results),
            "checkins": tuple(merging.checkins),
            # Initiatives and KPIs travel with their workbook's key results.
            "initiatives": sum((d.plan.initiatives for d in departments), plan.initiatives),
            "kpis": sum((d.plan.kpis for d in departments), plan.kpis),
        }
    )
    findings = merging.findings
    for problem in check_plan(merged):
        findings.append(
            Finding(
                problem.severity,
                problem.code,
                problem.message,
                merging.places.get(problem.item_id or ""),
            )
        )
    # Quantified dependencies are summed across the workbooks, as one organisation.
    books = [cells_of(parsed.rows)]
    books += [cells_of(d.rows, label) for label, d in zip(where, departments, strict=True)]
    findings.extend(
        interlock_findings(
            merged, lambda kr_id, key: next((c for b in books if (c := b(kr_id, key))), None)
        )
    )
    findings.extend(unreadable)
    notices = [*parsed.notices, *(str(f) for f in unreadable)]
    return replace(parsed, plan=merged, findings=findings, people=merging.people, notices=notices)


def _read_linked(
    base: Location, links: Sequence[str], setting: str
) -> tuple[list[str], list[ParsedWorkbook], list[Finding]]:
    """The linked workbooks that could be read (each with the label of its location), and a
    warning for each one that could not."""
    from concurrent.futures import ThreadPoolExecutor

    where: dict[str, Location] = {}
    unreadable: list[Finding] = []
    for text in links:
        try:
            where[text] = linked_location(base, text)
        except OkrError as exc:
            unreadable.append(_unreadable(text, exc, setting))
    readable = [t for t in links if t in where]
    # Each store does one read; reading them concurrently keeps a report at one round trip.
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(readable)))) as pool:
        loaded = list(pool.map(lambda t: _load_linked(where[t]), readable))
    labels: list[str] = []
    departments: list[ParsedWorkbook] = []
    for text, one in zip(readable, loaded, strict=True):
        if isinstance(one, OkrError):
            unreadable.append(_unreadable(text, one, setting))
        else:
            labels.append(str(where[text]))
            departments.append(one)
    return labels, departments, unreadable


def _local_findings(one: ParsedWorkbook) -> list[Finding]:
    """A workbook's own findings, less the cross-item ones (checked again across all)."""
    from okrsheet.domain.model import check_plan
    from okrsheet.layout.interlock_cells import INTERLOCK_CODES

    spanning = {(p.code, p.message) for p in check_plan(one.plan)}
    return [
        f
        for f in one.findings
        if (f.code, f.message) not in spanning and f.code not in INTERLOCK_CODES
    ]


@dataclass
class _Merging:
    """The organisation as the linked workbooks are added to the corporate one."""

    cycle: Cycle
    findings: list[Finding]
    people: dict[str, str]
    #: Where each item is (`Tab!A1`, after its workbook for a linked one).
    places: dict[str, str]
    #: The workbook each item id came from.
    source: dict[str, str]
    objectives: list[Objective]
    key_results: list[KeyResult]
    checkins: list[CheckIn]

    @classmethod
    def of(cls, parsed: ParsedWorkbook, base: Location) -> _Merging:
        plan = parsed.plan
        source = {o.id: str(base) for o in plan.objectives}
        source.update({k.id: str(base) for k in plan.key_results})
        return cls(
            cycle=plan.cycle,
            findings=_local_findings(parsed),
            people=dict(parsed.people),
            places={i: t.ref(r, "id") for i, (t, r) in parsed.rows.items()},
            source=source,
            objectives=list(plan.objectives),
            key_results=list(plan.key_results),
            checkins=list(plan.checkins),
        )

    def add(self, label: str, department: ParsedWorkbook) -> None:
        """A department's items, findings, check-ins and people; an id already taken is left
        out with an error."""
        findings = self.findings
        findings.extend(
            Finding(f.severity, f.code, f.message, f"{label}: {f.where}" if f.where else label)
            for f in _local_findings(department)
        )
        dplan = department.plan
        if dplan.cycle != self.cycle:
            findings.append(
                Finding(
                    "warning",
                    "linked-cycle",
                    f"its cycle {dplan.cycle.name} differs from {self.cycle.name}; it is "
                    "reported against this workbook's cycle",
                    label,
                )
            )
        items: list[Objective | KeyResult] = [*dplan.objectives, *dplan.key_results]
        for item in items:
            place = department.rows.get(item.id)
            ref = f"{label}: {place[0].ref(place[1], 'id')}" if place else label
            if item.id in self.source:
                findings.append(
                    Finding(
                        "error",
                        "duplicate-id",
                        f"id {item.id} is also in {self.source[item.id]}; ids must be unique "
                        "across linked workbooks (this one is left out)",
                        ref,
                    )
                )
                continue
            self.source[item.id] = label
            self.places[item.id] = ref
            if isinstance(item, Objective):
                self.objectives.append(item)
            else:
                self.key_results.append(item)
        kept = {k.id for k in self.key_results}
        self.checkins.extend(c for c in dplan.checkins if c.kr_id in kept)
        for name, team in department.people.items():
            self.people.setdefault(name, team)


def _unreadable(text: str, exc: OkrError, setting: str) -> Finding:
    return Finding(
        "warning",
        "linked-unreadable",
        f"the linked workbook {text} could not be read ({exc.message}); it is left out",
        setting,
    )


def baseline_findings(parsed: ParsedWorkbook, today: date) -> list[Finding]:
    """A warning at the Start cell of each key result still measuring its baseline two
    check-in cadences into the cycle: the first value should have been recorded by now."""
    plan = parsed.plan
    waited = (min(today, plan.cycle.end) - plan.cycle.start).days
    limit = 2 * plan.settings.cadence_days
    if waited <= limit:
        return []
    found = []
    for kr in plan.key_results:
        place = parsed.rows.get(kr.id)
        if kr.measuring_baseline and place is not None:
            table, row = place
            found.append(
                Finding(
                    "warning",
                    "baseline-unknown",
                    f"the baseline of {kr.id} is still unknown {waited} days into the cycle "
                    f"(two check-in cadences are {limit} days): measure it and check it in; "
                    "the first value becomes the start",
                    table.ref(row, "start"),
                )
            )
    return found


def require_valid_plan(parsed: ParsedWorkbook) -> None:
    """Refuse to write on top of a workbook that has errors."""
    if parsed.errors:
        raise InvalidWorkbook(
            f"the workbook has {len(parsed.errors)} error(s); nothing was written",
            details=[str(f) for f in parsed.errors],
            hint="run `okr validate` to see them all",
        )


@dataclass(frozen=True)
class CycleChoice:
    name: str | None = None
    start: date | None = None
    end: date | None = None
    name_option: str = "--cycle"


def choose_cycle(choice: CycleChoice, today: date) -> Cycle:
    """A named cycle, explicit dates, or the current quarter."""
    if choice.start is not None or choice.end is not None:
        if choice.start is None or choice.end is None:
            raise UsageError("give both --start and --end, or neither", option="--start/--end")
        if choice.end <= choice.start:
            raise UsageError("the end must come after the start", option="--end")
        name = choice.name or f"{choice.start.isoformat()}..{choice.end.isoformat()}"
        return Cycle(name=name, start=choice.start, end=choice.end)
    if choice.name:
        try:
            return cycle_from_name(choice.name)
        except ValueError as exc:
            raise UsageError(str(exc), option=choice.name_option) from None
    return current_quarter(today)


def init_workbook(
    location: Location,
    *,
    cycle: Cycle,
    today: date,
    template: str | None = None,
    people: list[Person] | None = None,
    example: bool = False,
    force: bool = False,
    company: str | None = None,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Callable[[str, int], None] | None = None,
    people_tabs: str | None = None,
    time_zone: str = "",
) -> tuple[Draft, Location]:
    """Build the workbook from a template and create it; returns the draft and where it now
    lives (for `gsheet:new`, the new spreadsheet's id). Without `example`, the template's
    objectives go to an Ideas tab as wording to start from, never onto the OKR tabs. The
    default template is the blank one, or the example company's with `example`. `time_zone`
    (`okr init` gives the creating computer's) goes into Settings; a new Google spreadsheet
    gets it as its own time zone instead, which okr uses while Settings leaves it blank."""
    from okrsheet.layout.writer import workbook_tabs
    from okrsheet.templates import (
        DEFAULT_TEMPLATE,
        EXAMPLE_TEMPLATE,
        build_draft,
        ideas_tab,
        load_template,
    )

    spec = load_template(template or (EXAMPLE_TEMPLATE if example else DEFAULT_TEMPLATE))
    draft = build_draft(
        spec,
        cycle,
        company=company,
        people=people,
        example=example,
        today=today,
        people_tabs=people_tabs,
    )
    if time_zone and not location.remote:
        draft.settings = draft.settings.model_copy(update={"time_zone": time_zone})
    tabs = workbook_tabs(draft)
    ideas = None if example else ideas_tab(spec)
    if ideas is not None:
        tabs.insert(1, ideas)  # after the Guide
    title = title or _default_title(draft.settings)
    made = _create(
        location,
        tabs,
        force=force,
        title=title,
        share=share,
        steps=steps,
        time_zone=time_zone if location.remote else "",
    )
    return draft, made


def transfer(
    source: Location,
    target: Location,
    *,
    force: bool,
    title: str | None = None,
    share: Sequence[str] = (),
    steps: Callable[[str, int], None] | None = None,
) -> tuple[int, Location]:
    """Copy the whole workbook at `source` to `target` (`okr push`, `okr pull`); returns the
    number of tabs copied and where the copy now lives. The source must be an okrsheet workbook
    (it has Settings); nothing is written when it is not."""
    from okrsheet.layout.transfer import copy_tabs

    raw = open_store(source).read(whole=True)
    parsed = parse_workbook(raw, with_log=False)  # refuses a workbook without Settings
    tabs = copy_tabs(raw)
    title = title or _default_title(parsed.plan.settings)
    return len(tabs), _create(target, tabs, force=force, title=title, share=share, steps=steps)


def _default_title(settings: Settings) -> str | None:
    """A new spreadsheet's title when none is given: "<company> OKRs" (else the store's own)."""
    return f"{settings.company} OKRs" if settings.company else None


def _create(
    location: Location,
    tabs: Sequence[TabSpec],
    *,
    force: bool,
    title: str | None,
    share: Sequence[str],
    steps: Callable[[str, int], None] | None,
    time_zone: str = "",
) -> Location:
    """Create a workbook with these tabs; returns where it now lives (for `gsheet:new`, the
    new spreadsheet, whose own time zone becomes `time_zone`)."""
    store = open_store(location, title=title, share=share, steps=steps, time_zone=time_zone)
    if not location.remote:  # a local file keeps its formulas' results: okr gives its own
        from okrsheet.layout.results import tabs_with_results

        tabs = tabs_with_results(tabs)
    store.create(tabs, overwrite=force)
    return parse_location(store.location) if location.remote else location


def share(location: Location, emails: Sequence[str], *, notify: bool = True) -> None:
    """Give each person edit access to a Google Sheets workbook."""
    if not location.can_share:
        raise UsageError(
            "only a Google Sheets workbook can be shared (gsheet:ID or its URL)",
            hint="a local .xlsx is shared like any other file",
        )
    location.backend.share(location, emails, notify=notify)


@dataclass
class Fixed:
    """What `okr validate --fix` wrote."""

    ids: int = 0
    changes: int = 0  # rows given a newer check-in, typed Currents recorded in the log
    formula_tabs: int = 0
    settings: int = 0  # newer Settings rows added with their defaults
    dashboard: bool = False
    time_zone: str = ""  # the Time zone recorded in Settings, where there was none
    units: int = 0  # percents typed on the 0-100 scale beside fractions, written as fractions
    dates: int = 0  # dates typed as text in a locale's form, written as dates


def fix_workbook(location: Location, *, today: date, now: datetime, time_zone: str = "") -> Fixed:
    """IDs for rows without one, rows and log brought to one story, live formulas repaired
    and topped up on every OKR tab, the Dashboard added when it is missing, and `time_zone`
    (`okr validate --fix` gives this computer's) recorded in Settings when the workbook has
    none (an .xlsx made before `okr init` recorded one), and room on the Dashboard for every
    objective; one write."""
    from okrsheet.layout.changes import measured_baselines, time_zone_changes, truth_changes
    from okrsheet.layout.dashboard import dashboard_changes
    from okrsheet.layout.kpis_tab import kpi_health_changes
    from okrsheet.layout.results import with_room
    from okrsheet.layout.schema import DASHBOARD_TAB
    from okrsheet.layout.writer import assign_missing_ids, missing_settings, refresh_formulas

    fixed = Fixed()

    def planner(raw: RawWorkbook) -> list[Change]:
        ids = assign_missing_ids(raw)
        units = unit_fixes(parse_workbook(raw).findings)
        # The rows and the log are settled on the numbers as repaired (a Current of 37 beside
        # fractions goes to the log as 37%, not 3700%).
        plan = parse_workbook(_with_cells(raw, units)).plan
        truth = [*truth_changes(raw, plan, today, now), *measured_baselines(raw, plan)]
        formulas = refresh_formulas(raw, add_columns=True)
        formulas += kpi_health_changes(raw, add_column=True)
        settings = missing_settings(raw)
        dashboard = dashboard_changes(raw)
        zone = time_zone_changes(raw, time_zone) if not plan.settings.time_zone else []
        fixed.ids = sum(len(c.cells) for c in ids if isinstance(c, SetCells))
        fixed.changes = len(truth)
        # The OKR tabs whose formulas were written (the Dashboard's are written by every
        # local write, and are not a repair).
        fixed.formula_tabs = len(
            {c.tab for c in formulas if isinstance(c, SetCells) and c.tab != DASHBOARD_TAB}
        )
        fixed.dashboard = bool(dashboard)
        fixed.settings = sum(len(c.rows) for c in settings if isinstance(c, AppendRows))
        fixed.time_zone = time_zone if zone else ""
        fixed.units = sum(1 for c in units for v in c.cells.values() if not isinstance(v, date))
        fixed.dates = sum(1 for c in units for v in c.cells.values() if isinstance(v, date))
        return [*ids, *units, *truth, *formulas, *_one_append(settings, zone), *dashboard]

    open_store(location).update(with_room(planner))
    return fixed


def _one_append(*groups: Sequence[Change]) -> list[Change]:
    """The changes of `groups`, with the rows they append to the same tab in one append: two
    appends to one tab in one write would each aim at the same first free row."""
    merged: dict[str, AppendRows] = {}
    others: list[Change] = []
    for change in (c for group in groups for c in group):
        if isinstance(change, AppendRows) and change.id_column is None:
            before = merged.get(change.tab)
            merged[change.tab] = (
                change if before is None else replace(before, rows=[*before.rows, *change.rows])
            )
        else:
            others.append(change)
    return [*others, *merged.values()]


def unit_fixes(findings: Sequence[Finding]) -> list[SetCells]:
    """The cells whose findings carry a sure repair (38 typed for 38% beside fractions, a
    text date written as a date), one change per tab."""
    by_tab: dict[str, dict[tuple[int, int], WriteValue]] = {}
    for finding in findings:
        if finding.fix is not None:
            by_tab.setdefault(finding.fix.tab, {})[(finding.fix.row, finding.fix.col)] = (
                finding.fix.value
            )
    return [SetCells(tab, cells) for tab, cells in by_tab.items()]


def _with_cells(raw: RawWorkbook, changes: Sequence[SetCells]) -> RawWorkbook:
    """`raw` as it reads once `changes` are written (a copy; `raw` is left as it is)."""
    if not changes:
        return raw
    grids = []
    for grid in raw.grids:
        cells = {k: v for c in changes if c.tab == grid.title for k, v in c.cells.items()}
        rows = [list(r) for r in grid.rows] if cells else grid.rows
        for (row, col), value in cells.items():
            if isinstance(value, float | date) and row <= len(rows) and col <= len(rows[row - 1]):
                rows[row - 1][col - 1] = value
        grids.append(replace(grid, rows=rows))
    return replace(raw, grids=grids)
