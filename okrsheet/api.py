"""The library API: what `okr` does, for Python programs (docs/library.md).

    from okrsheet import Workbook

    book = Workbook("acme.xlsx")
    book.check_in("SALES-1.1", 120, confidence=0.7, note="two big deals")
    for row in book.status().rows():
        print(row["id"], row["status"])

Every method reads the workbook afresh (a check-in by someone else shows up at once), and
every report is a pydantic model: `model_dump_json()` is what `--format json` prints, and
`rows()` under `COLUMNS` is what `--format csv` prints. Errors are `okrsheet.OkrError`s with
the same one-line messages as the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from okrsheet.domain.model import CheckIn, Plan, filter_plan, rewind
from okrsheet.domain.vocab import Level
from okrsheet.layout import ParsedWorkbook
from okrsheet.reports import (
    DepsReport,
    DigestReport,
    GradeReport,
    HistoryReport,
    LaggingReport,
    LintReport,
    QuietOwnersReport,
    StatusReport,
    TodoReport,
    TreeReport,
    ValidationReport,
    deps_report,
    deps_scope,
    digest_report,
    grade_report,
    history_report,
    lagging_report,
    lint_report,
    quiet_owners_report,
    status_report,
    todo_report,
    tree_report,
    validation_report,
)
from okrsheet.stores import Location, parse_location

if TYPE_CHECKING:
    from okrsheet.reminders import RemindResult
    from okrsheet.replies import ReplyOutcome
    from okrsheet.sync import SyncResult


class Workbook:
    """An OKR workbook: a local `.xlsx` path, or a Google Sheets address (`gsheet:ID` or the
    spreadsheet's URL). Nothing is read until a method needs it."""

    def __init__(self, location: str | Path) -> None:
        self.location: Location = parse_location(str(location), option="location")

    def __repr__(self) -> str:
        return f"Workbook({str(self.location)!r})"

    @classmethod
    def create(
        cls,
        location: str | Path,
        *,
        template: str | None = None,
        example: bool = False,
        cycle: str | None = None,
        company: str | None = None,
        today: date | None = None,
        force: bool = False,
    ) -> Workbook:
        """`okr init`: a new workbook from a template (`okr templates` lists them); with
        `example`, filled with the example company's people, objectives and check-ins.
        `cycle` names it (`2026-Q4`, `2026-H2`, `2026`); the default is the current quarter.
        An existing workbook is kept (WorkbookExists) unless `force`."""
        from okrsheet import service

        day = today or date.today()
        _, created = service.init_workbook(
            parse_location(str(location), option="location"),
            cycle=service.choose_cycle(service.CycleChoice(name=cycle, name_option="cycle"), day),
            today=day,
            template=template,
            example=example,
            force=force,
            company=company,
        )
        return cls(str(created))

    def load(self) -> ParsedWorkbook:
        """The whole workbook as read: its plan, people, findings and unreadable rows."""
        from okrsheet import service

        return service.load(self.location)

    def plan(self, as_of: date | None = None) -> Plan:
        """The plan as it stood on `as_of` (default: today in the workbook's time zone)."""
        return self._plan_as_of(as_of)[0]

    def check_in(
        self,
        kr_id: str,
        value: str | float,
        *,
        confidence: str | float | None = None,
        note: str = "",
        day: date | None = None,
        author: str | None = None,
    ) -> list[CheckIn]:
        """`okr checkin`: record a new value for a key result (or KPI), written whole or not
        at all. Values and confidences may be typed as people type them (`62%`, `1,200`).
        Returns what was recorded."""
        from okrsheet.checkins import CheckInRequest, record

        request = CheckInRequest(
            kr_id=kr_id, value=value, confidence=confidence, note=note, day=day, author=author
        )
        return record(self.location, [request])

    def remind(
        self,
        to: str | None,
        *,
        dry_run: bool = False,
        force: bool = False,
        today: date | None = None,
    ) -> RemindResult:
        """`okr remind`: mail each owner whose key results are due for a check-in, through
        the mail URL `to` (`smtp://...`, `smtps://...`, `dir:FOLDER`), and record what was
        sent in the Reminders tab. With `dry_run` (or `to=None`) nothing is sent or written:
        the result says who would get what. `force` sends again to owners already reminded
        within the cadence (docs/rhythm.md)."""
        from okrsheet.delivery import channel_for
        from okrsheet.reminders import remind

        channel = channel_for(to, option="to") if to is not None else None
        return remind(self.location, channel, today=today, force=force, dry_run=dry_run)

    def check_in_reply(self, message: bytes, *, today: date | None = None) -> ReplyOutcome:
        """`okr checkin --from-mail`: record an owner's reply to a reminder (the message's
        bytes, RFC 5322). A reply without the reminder's token, or not from the owner's
        address in People, is refused (`UsageError`); nothing of a reply with a bad line is
        written. A reply recorded before records nothing more."""
        from okrsheet.replies import read_reply, record_reply

        return record_reply(self.location, read_reply(message), today=today)

    def validate(self) -> ValidationReport:
        """`okr validate`: every problem found, with the cell it is in (the key-result checks
        the Settings turn on among the warnings)."""
        from okrsheet import service
        from okrsheet.sync import stale_findings

        parsed = service.load(self.location, kr_checks=True)
        return validation_report([*parsed.findings, *stale_findings(parsed, _today(parsed.plan))])

    def lint(self, checks: Sequence[str] | None = None) -> LintReport:
        """`okr lint`: the key-result quality checks, those the Settings turn on unless
        `checks` names some (docs/lint.md)."""
        from okrsheet import service

        plan, codes, findings = service.lint(self.location, only=checks)
        return lint_report(plan, findings, codes)

    def sync(
        self, *, only: str | None = None, dry_run: bool = False, today: date | None = None
    ) -> SyncResult:
        """`okr sync`: read each key result's (and KPI's) Source once and record the numbers
        that changed, with the Synced cells, in one write (docs/sources.md). `result.failed`
        lists the sources that could not be read; the others are recorded all the same."""
        from okrsheet.sync import sync

        return sync(self.location, only=only, dry_run=dry_run, today=today)

    def status(
        self,
        as_of: date | None = None,
        *,
        owner: str | None = None,
        level: Level | None = None,
        objective: str | None = None,
    ) -> StatusReport:
        """`okr status`: objectives and key results with progress, pace, status, confidence."""
        plan, day = self._plan_as_of(as_of)
        plan = filter_plan(plan, owner=owner, level=level, objective_id=objective)
        return status_report(plan, day)

    def lagging(self, as_of: date | None = None) -> LaggingReport:
        """`okr lagging`: key results behind pace, overdue, stale or low in confidence."""
        return lagging_report(*self._plan_as_of(as_of))

    def quiet_owners(self, as_of: date | None = None) -> QuietOwnersReport:
        """`okr lagging --missing-checkins`: owners with no check-in within the cadence."""
        return quiet_owners_report(*self._plan_as_of(as_of))

    def grade(self, as_of: date | None = None) -> GradeReport:
        """`okr grade`: grades per key result, objective and owner (read only)."""
        return grade_report(*self._plan_as_of(as_of))

    def history(self, kr_id: str, as_of: date | None = None) -> HistoryReport:
        """`okr history`: one key result's check-ins this cycle and its forecast. An unknown
        ID is a KeyError."""
        plan, day = self._plan_as_of(as_of)
        report = history_report(plan, kr_id, day)
        if report is None:
            raise KeyError(kr_id)
        return report

    def todo(self, owner: str, as_of: date | None = None) -> TodoReport:
        """`okr todo`: what this person should do now."""
        plan, day = self._plan_as_of(as_of)
        return todo_report(plan, owner, day)

    def tree(
        self, as_of: date | None = None, *, objective: str | None = None, owner: str | None = None
    ) -> TreeReport:
        """`okr tree`: how the objectives align, from the corporate ones down."""
        plan, day = self._plan_as_of(as_of)
        return tree_report(plan, day, objective=objective, owner=owner)

    def deps(
        self, as_of: date | None = None, *, owner: str | None = None, team: str | None = None
    ) -> DepsReport:
        """`okr deps`: who needs what from whom, by when, and how it stands."""
        parsed = self.load()
        day = as_of or _today(parsed.plan)
        members, who = deps_scope(parsed.people, owner=owner, team=team)
        return deps_report(rewind(parsed.plan, day), day, members=members, who=who)

    def digest(self, as_of: date | None = None, *, report_url: str | None = None) -> DigestReport:
        """`okr digest`: the week for readers (wins, what is behind, stale owners, interlocks
        at risk, KPIs); `okrsheet.render.digest` words it as text, HTML, Slack or Teams."""
        plan, day = self._plan_as_of(as_of)
        return digest_report(plan, day, report_url=report_url)

    def _plan_as_of(self, as_of: date | None) -> tuple[Plan, date]:
        plan = self.load().plan
        day = as_of or _today(plan)
        return rewind(plan, day), day


def _today(plan: Plan) -> date:
    """Today where the workbook's Settings say it is kept (else on this computer)."""
    if not plan.settings.time_zone:
        return date.today()
    from okrsheet.layout.cells import time_zone

    return datetime.now(time_zone(plan.settings.time_zone)).date()
