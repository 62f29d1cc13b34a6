"""Workbook templates (`templates/*.toml`), people files, and the `--example` history."""

from __future__ import annotations

import math
import random
import tomllib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from okrsheet.csvfile import read_csv
from okrsheet.domain.model import (
    CheckIn,
    Cycle,
    KeyResult,
    KRKind,
    Level,
    Objective,
    Settings,
    infer_kind,
)
from okrsheet.errors import InvalidWorkbook, UsageError
from okrsheet.example_initiatives_kpis import add_example_extras
from okrsheet.layout.links import parse_links
from okrsheet.layout.schema import (
    CORPORATE_TAB,
    IDEAS_TAB,
    RESERVED_TABS,
    is_archive,
    normalize_header,
)
from okrsheet.layout.writer import Draft, Person, id_prefix, safe_tab_title
from okrsheet.stores.base import ColumnSpec, TabSpec, WriteValue

DEFAULT_TEMPLATE = "blank"
#: okr's own tabs: a person's tab may not take one of these names.
_OWN_TABS = {normalize_header(t) for t in RESERVED_TABS}
EXAMPLE_TEMPLATE = "sales"


def templates_dir() -> Path:
    """Templates ship inside the wheel; in a source checkout they sit at the top level."""
    packaged = Path(str(resources.files("okrsheet"))) / "_templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def available_templates() -> dict[str, str]:
    """Template name -> description."""
    found = {}
    for path in sorted(templates_dir().glob("*.toml")):
        with path.open("rb") as handle:
            found[path.stem] = str(tomllib.load(handle).get("description", ""))
    return found


def load_template(name: str) -> dict[str, Any]:
    path = templates_dir() / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(available_templates()) or "none"
        raise UsageError(f"no template named {name!r} (available: {names})", option="--template")
    with path.open("rb") as handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidWorkbook(f"template {name!r} is not valid TOML: {exc}") from exc


#: The columns of a people file and the other header spellings each accepts.
PEOPLE_FILE_COLUMNS = {
    "name": ("person", "full name", "owner"),
    "team": ("department", "group"),
    "email": ("e-mail", "mail", "email address"),
}


def read_people_csv(source: str | Path, *, notices: list[str] | None = None) -> list[Person]:
    """A CSV with a `name` column and optionally `team` and `email` (header row required);
    `-` reads standard input. Notices (a file read as Windows-1252) go to `notices`."""
    table = read_csv(source, columns=PEOPLE_FILE_COLUMNS, required=("name",), option="--people")
    if notices is not None:
        notices.extend(table.notices)
    people: list[Person] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        name = " ".join(row.get("name").split())
        where = table.where(row.line)
        if not name:
            if row.get("team").strip() or row.get("email").strip():
                raise UsageError(f"{where}: the name is missing", option="--people")
            continue
        if name.casefold() in seen:
            raise UsageError(
                f"{where}: {name!r} is listed twice (first on line {seen[name.casefold()]})",
                option="--people",
            )
        seen[name.casefold()] = row.line
        tab = safe_tab_title(name)
        if normalize_header(tab) in _OWN_TABS or is_archive(tab):
            raise UsageError(
                f"{where}: {name!r} would get a tab named like okr's own {tab!r} tab",
                option="--people",
                hint="add a word to the name, for example a surname",
            )
        team = " ".join(row.get("team").split())
        team_tab = safe_tab_title(team) if team else ""
        if normalize_header(team_tab) in _OWN_TABS or is_archive(team_tab):
            raise UsageError(
                f"{where}: the team {team!r} would get a tab named like okr's own {team_tab!r} tab",
                option="--people",
                hint="name the team differently",
            )
        email = row.get("email").strip()
        people.append(Person(name=name, team=team, email=email))
    if not people:
        raise UsageError(f"{table.name} lists nobody", option="--people")
    return people


def ideas_tab(template: dict[str, Any]) -> TabSpec | None:
    """The template's objectives and key results as wording to start from: a plain tab people
    read (okr never does), so no sample number, person or company lands on an OKR tab."""
    samples = _sample_names(template)
    rows: list[list[WriteValue]] = []
    for tab in template.get("tab", []):
        title = str(tab["title"])
        where = "a person's tab" if title.casefold() in samples else title
        for objective in tab.get("objective", []):
            rows.append([where, str(objective["title"]), None, None, None])
            for kr in objective.get("kr", []):
                kind = kr.get("kind") or infer_kind(
                    float(kr.get("start", 0)), float(kr.get("target", 1))
                )
                kind_text = str(KRKind(kind).value)
                rows.append([where, None, str(kr["title"]), kind_text, kr.get("unit")])
    if not rows:
        return None
    return TabSpec(
        title=IDEAS_TAB,
        columns=[
            ColumnSpec("Tab", width=16),
            ColumnSpec("Objective idea", width=50),
            ColumnSpec("Key result idea", width=50),
            ColumnSpec("Kind", width=12),
            ColumnSpec("Unit", width=8),
        ],
        rows=rows,
        wrap_columns=(2, 3),
        color="FFC000",
    )


@dataclass
class _Pending:
    kr: dict[str, Any]
    objective_id: str
    owner: str
    kr_id: str


#: How `--people` lays out tabs: one per team (its members share it) or one per person.
PEOPLE_TABS = ("team", "person")


def _people_tabs(
    template: dict[str, Any], chosen: str | None, people: list[Person] | None = None
) -> str:
    """`--tabs`, else team tabs for a people file that names teams (a Team column means the
    client works in teams: 40 people should not get 40 tabs), else the template's choice."""
    if chosen is None and any(p.team for p in people or ()):
        return "team"
    mode = (chosen or str(template.get("people_tabs", "person"))).strip().casefold()
    if mode not in PEOPLE_TABS:
        raise UsageError(f"{mode!r} is not one of: {', '.join(PEOPLE_TABS)}", option="--tabs")
    return mode


def _sample_names(template: dict[str, Any]) -> set[str]:
    return {str(p["name"]).casefold() for p in template.get("people", [])}


def build_draft(
    template: dict[str, Any],
    cycle: Cycle,
    *,
    company: str | None = None,
    people: list[Person] | None = None,
    example: bool = False,
    today: date,
    people_tabs: str | None = None,
) -> Draft:
    """Lay a template out for a cycle: ids assigned per tab, keys resolved to ids.

    Only with `example` does the template's made-up company come along (its name, people,
    objectives, key results and check-in history). Otherwise the workbook gets the template's
    structure: Corporate and its team tabs (or, with `people`, a tab per team or per person of
    the file, as `people_tabs` or the template says), and nobody the client did not name."""
    mode = _people_tabs(template, people_tabs, people)
    default_company = template.get("company", "") if example else ""
    settings = Settings(company=company if company is not None else default_company)
    draft = Draft(cycle=cycle, settings=settings, people_tabs=mode if people else "")
    draft.people = _draft_people(template, people, example=example, mode=mode)
    tab_specs = _tab_specs(template, people, example=example)
    key_ids, pending, objectives = _assign_ids(draft, tab_specs)
    for person in draft.people:
        tab_title = safe_tab_title(person.tab or person.name)
        person.tab = tab_title
        draft.tabs.setdefault(tab_title, [])
    try:
        _fill_tabs(draft, cycle, key_ids, pending, objectives)
    except (ValidationError, KeyError, ValueError) as exc:
        raise InvalidWorkbook(f"the template is not valid: {exc}") from exc
    if example:
        _add_history(draft, {p.kr_id: p.kr for p in pending}, today)
        add_example_extras(draft, template, key_ids, today)
    return draft


def _draft_people(
    template: dict[str, Any], people: list[Person] | None, *, example: bool, mode: str
) -> list[Person]:
    """The example's made-up people (only with `example`), then those of the people file
    that are not among them, each on their team's tab or their own as `mode` says."""
    chosen = [
        Person(
            name=str(p["name"]),
            team=str(p.get("team", "")),
            email=str(p.get("email", "")),
            tab=str(p.get("tab", "")),
        )
        for p in (template.get("people", []) if example else [])
    ]
    known = {p.name.casefold() for p in chosen}
    for person in people or []:
        if person.name.casefold() not in known:
            tab = person.team if mode == "team" and person.team else person.name
            chosen.append(replace(person, tab=safe_tab_title(tab)))
    return chosen


def _tab_specs(
    template: dict[str, Any], people: list[Person] | None, *, example: bool
) -> list[dict[str, Any]]:
    """The template's tabs, Corporate first. Without `example`, structure only: no
    objectives, no tab named after a sample person, and with a people file, the file's teams
    or people instead of the template's."""
    tab_specs: list[dict[str, Any]] = template.get("tab", [])
    if not example:
        samples = _sample_names(template)
        tab_specs = [
            {"title": t["title"]}
            for t in tab_specs
            if str(t["title"]).casefold() not in samples
            and (people is None or t["title"] == CORPORATE_TAB)
        ]
    if not any(t.get("title") == CORPORATE_TAB for t in tab_specs):
        tab_specs = [{"title": CORPORATE_TAB}, *tab_specs]
    return tab_specs


def _assign_ids(
    draft: Draft, tab_specs: list[dict[str, Any]]
) -> tuple[dict[str, str], list[_Pending], list[tuple[str, dict[str, Any], str]]]:
    """Each tab's objectives and key results numbered under the tab's ID prefix: the id of
    each template key, the key results still to build and the objectives with their tab."""
    key_ids: dict[str, str] = {}
    prefixes: list[str] = []
    pending: list[_Pending] = []
    objectives: list[tuple[str, dict[str, Any], str]] = []
    for tab in tab_specs:
        title = safe_tab_title(str(tab["title"]))
        draft.tabs.setdefault(title, [])
        prefix = id_prefix(title, prefixes)
        prefixes.append(prefix)
        for number, objective in enumerate(tab.get("objective", []), start=1):
            objective_id = f"{prefix}-{number}"
            key_ids[str(objective.get("key", objective_id))] = objective_id
            objectives.append((title, objective, objective_id))
            for kr_number, kr in enumerate(objective.get("kr", []), start=1):
                kr_id = f"{objective_id}.{kr_number}"
                key_ids[str(kr.get("key", kr_id))] = kr_id
                pending.append(_Pending(kr, objective_id, str(objective.get("owner", "")), kr_id))
    return key_ids, pending, objectives


def _fill_tabs(
    draft: Draft,
    cycle: Cycle,
    key_ids: dict[str, str],
    pending: list[_Pending],
    objectives: list[tuple[str, dict[str, Any], str]],
) -> None:
    """Each objective onto its tab, followed by its key results, keys resolved to ids."""
    by_objective: dict[str, list[KeyResult]] = {}
    for item in pending:
        kr = _key_result(item, cycle, key_ids)
        by_objective.setdefault(item.objective_id, []).append(kr)
    for title, spec, objective_id in objectives:
        level = spec.get("level") or ("corporate" if title == CORPORATE_TAB else "individual")
        draft.tabs[title].append(
            Objective(
                id=objective_id,
                title=spec["title"],
                level=Level(level),
                owner=spec.get("owner") or title,
                aligns_to=key_ids.get(str(spec.get("aligns_to", "")), spec.get("aligns_to")),
                commitment=spec.get("commitment"),
            )
        )
        draft.tabs[title].extend(by_objective.get(objective_id, []))


def _key_result(item: _Pending, cycle: Cycle, key_ids: dict[str, str]) -> KeyResult:
    spec = item.kr
    kind = KRKind(spec["kind"]) if "kind" in spec else None
    start = float(spec.get("start", 0))
    target = float(spec.get("target", 1))
    fraction = float(spec.get("due_fraction", 1.0))
    due = cycle.start + timedelta(days=round(cycle.days * fraction))
    return KeyResult(
        id=item.kr_id,
        objective_id=item.objective_id,
        title=spec["title"],
        owner=spec.get("owner") or item.owner or "unassigned",
        kind=kind or infer_kind(start, target),
        start=start,
        target=target,
        unit=spec.get("unit", ""),
        due=due,
        weight=float(spec.get("weight", 1.0)),
        confidence=spec.get("confidence"),
        kpi=spec.get("kpi"),
        **dependency_fields(spec, key_ids),
    )


def _add_history(draft: Draft, specs: dict[str, dict[str, Any]], today: date) -> None:
    """Weekly check-ins from the cycle start to today, deterministic for a given cycle.

    Each KR follows its template `pace` (1.0 = exactly on plan) with a little noise; a KR marked
    `stale` stops checking in three weeks before today.
    """
    cycle = draft.cycle
    as_of = min(max(today, cycle.start), cycle.end)
    for title, items in draft.tabs.items():
        for index, item in enumerate(items):
            if not isinstance(item, KeyResult):
                continue
            spec = specs.get(item.id, {})
            rng = random.Random(f"{cycle.name}:{item.id}")
            pace = float(spec.get("pace", 1.0))
            last_day = as_of - timedelta(days=21) if spec.get("stale") else as_of
            day = cycle.start + timedelta(days=7)
            value, confidence = item.start_value, item.confidence
            latest: CheckIn | None = None
            while day <= last_day and day <= item.due_date:
                elapsed = (day - cycle.start).days / max(1, (item.due_date - cycle.start).days)
                value = _example_value(item, pace, elapsed, rng)
                if confidence is not None:
                    drift = 0.05 if pace >= 0.9 else -0.05
                    confidence = round(min(0.95, max(0.1, confidence + drift * rng.random())), 2)
                latest = CheckIn(
                    date=day,
                    kr_id=item.id,
                    value=value,
                    confidence=confidence,
                    note=rng.choice(_NOTES),
                    author=item.owner,
                    recorded_at=datetime.combine(day, time(9, 30)),
                    checkin_id=f"ex-{item.id}-{day.isoformat()}",
                )
                draft.checkins.append(latest)
                day += timedelta(days=7)
            if latest is not None:
                items[index] = item.model_copy(
                    update={
                        "current": latest.value,
                        "confidence": latest.confidence,
                        "last_checkin": latest.date,
                    }
                )
        draft.tabs[title] = items
    draft.checkins.sort(key=lambda c: (c.date, c.kr_id))


_NOTES = (
    "",
    "",
    "Steady week.",
    "Two deals slipped to next month.",
    "Campaign launched on Tuesday.",
    "Waiting on data from finance.",
    "Better than expected after the webinar.",
    "Team out for the offsite.",
)


def _example_value(kr: KeyResult, pace: float, elapsed: float, rng: random.Random) -> float:
    if kr.kind is KRKind.MILESTONE:
        return 1.0 if pace >= 1 and elapsed >= 0.8 else 0.0
    if kr.kind in (KRKind.KEEP_ABOVE, KRKind.KEEP_BELOW):
        margin = abs(kr.target_value - kr.start_value) or abs(kr.target_value) * 0.01
        side = 1 if kr.kind is KRKind.KEEP_ABOVE else -1
        sign = side if pace >= 1 else -side
        return _round(kr.target_value + sign * margin * (0.5 + rng.random()), kr.target_value)
    span = kr.target_value - kr.start_value
    noise = 1 + (rng.random() - 0.5) * 0.1
    value = kr.start_value + span * pace * min(1.0, elapsed) * noise
    if kr.start_value.is_integer() and kr.target_value.is_integer() and abs(span) >= 2:
        return float(round(value))  # counts stay whole
    return _round(value, span)


def _round(value: float, scale: float) -> float:
    """Three significant digits of the start-to-target span: 0.1234 stays, 12.345 -> 12.3."""
    magnitude = abs(scale) or 1.0
    digits = max(0, 3 - int(math.floor(math.log10(magnitude))))
    return round(value, digits)


def dependency_fields(spec: dict[str, Any], key_ids: dict[str, str]) -> dict[str, Any]:
    """A template key result's `depends_on` entries (keys or IDs, each optionally with a
    quantity: `"mql × 5"`) as the key result's fields."""
    links = [link for entry in spec.get("depends_on", []) for link in parse_links(str(entry))]
    resolve = {link.kr_id: key_ids.get(link.kr_id, link.kr_id) for link in links}
    return {
        "depends_on": tuple(resolve[link.kr_id] for link in links),
        "ratios": tuple(
            (resolve[link.kr_id], link.ratio, link.same_unit)
            for link in links
            if link.ratio is not None
        ),
    }
