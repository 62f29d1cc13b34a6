"""The Google Sheets store: the same workbook layout on a Google spreadsheet.

API calls are kept at the floor:

- reading the whole workbook is two small calls whatever the number of tabs: the tab list,
  then every tab's values (see `google_read`);
- every write is one `spreadsheets.batchUpdate`, which Google applies atomically: all of its
  requests land or none does. A check-in is one read (inside `update`) and that one write; rows
  are located by id in that fresh read, and the log row is added with `appendCells`, which lands
  after whatever rows exist when it runs, so it can never overwrite a row somebody just typed;
  a rollover (rows deleted, a tab added) is one read and that one write, plus one small write
  that deletes the scratch tab it was checked with (see `_Guard`);
- `init` of a new spreadsheet is one Drive search (for one an earlier run made and did not
  finish), one Drive create, one `batchUpdate` (tabs, values, formats, dropdowns, filters
  together), one Drive call per person it is shared with, and one Drive call that clears the
  mark saying it is unfinished (see `GoogleSheetsStore.create`).

User text is always written as a `stringValue` (never parsed, never a formula); numbers and dates
as numbers, dates with a date number format. Formulas only come from `Formula` values.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from okrsheet.errors import Aborted, BackendError, OkrError, WorkbookExists, WorkbookUnavailable
from okrsheet.stores.base import (
    BAR_HEADER,
    AddTab,
    AppendRows,
    CellValue,
    Change,
    ChangePlanner,
    DeleteRows,
    Formula,
    Grid,
    NumberFormat,
    RawWorkbook,
    SetCells,
    Skim,
    TabSpec,
    WriteValue,
)
from okrsheet.stores.google_auth import CREATE_SCOPES, READ_SCOPES, Identity, find_credentials
from okrsheet.stores.google_chunks import BUDGET, chunks, size
from okrsheet.stores.google_http import (
    DRIVE_API,
    SHEETS_API,
    AmbiguousWrite,
    Http,
    compact,
    say,
)
from okrsheet.stores.google_read import (
    COMPUTED_KEY,
    computed_value,
    get_meta,
    get_values,
    headers_crc,
    tabs_of,
)

if TYPE_CHECKING:
    import requests
    from google.auth.credentials import Credentials

# Google's limits (a spreadsheet holds at most 10 million cells and, in practice, 200 tabs).
MAX_TABS = 200
MAX_CELLS = 10_000_000
WARN_SHARE = 0.9
# How often an ambiguous write is re-planned from a fresh read before giving up.
WRITE_ATTEMPTS = 3

RESPONSE_FIELDS = (
    "spreadsheetId,updatedSpreadsheet(sheets(properties(title),"
    "data(startRow,startColumn,rowData(values(effectiveValue)))))"
)
#: Bytes of JSON per layout request (see `google_chunks`); a module constant so tests can
#: make every layout several parts.
CHUNK_BYTES = BUDGET
#: The one tab of a spreadsheet `okr` just created, until the workbook is laid out in it.
SETUP_TAB = "okrsheet-setup"
#: The Drive `appProperties` key (private to okrsheet's account) a spreadsheet made by
#: `gsheet:new` carries until it is laid out and shared; its value is the fingerprint of the
#: title and layout asked for, so the same command run again finds it and finishes it.
UNFINISHED = "okrsheet-unfinished"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
#: Hidden tabs a big write lays out before the write itself names and shows them.
STAGING_TAB = "okrsheet-staging"
#: A hidden tab that says how many parts of a layout in several parts have landed.
LAYOUT_MARK = "okrsheet-layout"
# How far above the last row we read to look for appended rows when a write must be undone.
APPEND_SLACK = 200
#: A hidden tab that a write deleting rows or adding tabs (a rollover) adds to hold a copy of
#: the rows it changes, so that it can be taken back (see `_Guard`). It is deleted as soon as
#: the write is confirmed; one left behind (a crash, a lost answer) is never shown to the
#: layers above, and the next write deletes it.
SCRATCH_TAB = "okrsheet-undo"
# Errors that mean a tab changed shape between our read and our write (nothing was applied):
# read again and plan again.
_RESHAPED = ("Unable to parse range", "No grid with id", "exceeds grid limits")

_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()
_PATTERNS: dict[NumberFormat, tuple[str, str]] = {
    "text": ("TEXT", "@"),
    "number": ("NUMBER", "#,##0.##"),
    "integer": ("NUMBER", "0"),
    "percent": ("PERCENT", "0%"),
    "percent1": ("PERCENT", "0.0%"),
    "currency": ("CURRENCY", '"$"#,##0'),
    "date": ("DATE", "yyyy-mm-dd"),
    "datetime": ("DATE_TIME", "yyyy-mm-dd hh:mm:ss"),
}
_HEADER_FILL = {"red": 0x1F / 255, "green": 0x38 / 255, "blue": 0x64 / 255}
_EMPHASIS_FILL = {"red": 0xDD / 255, "green": 0xEB / 255, "blue": 0xF7 / 255}
_WHITE = {"red": 1.0, "green": 1.0, "blue": 1.0}
_PREPARED_ROWS = 200


def new_session(credentials: Credentials) -> requests.Session:
    """An authorised HTTP session (a seam: tests point it at an in-process fake of Google)."""
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]


def serial(value: date | datetime) -> float:
    """A date as a spreadsheet serial number (days since 1899-12-30, time as the fraction)."""
    days = float(value.toordinal() - _EPOCH_ORDINAL)
    if isinstance(value, datetime):
        days += (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return days


def url_for(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


class _Sheet:
    def __init__(
        self,
        sheet_id: int,
        title: str,
        rows: int,
        cols: int,
        grid: Grid | None = None,
        computed: frozenset[int] = frozenset(),
        header: Sequence[CellValue] = (),
        recorded: bool = False,
    ) -> None:
        self.sheet_id, self.title, self.rows, self.cols = sheet_id, title, rows, cols
        self.grid = grid  # kept for the scratch tab only, which the workbook leaves out
        # Columns of filled formulas as recorded on the tab (google_read.COMPUTED_KEY), empty
        # when a person moved columns since; the header row read; whether a record exists.
        self.computed, self.header, self.recorded = computed, tuple(header), recorded

    def grown(self, rows: int, cols: int) -> _Sheet:
        return _Sheet(
            self.sheet_id,
            self.title,
            max(rows, self.rows),
            max(cols, self.cols),
            self.grid,
            self.computed,
            self.header,
            self.recorded,
        )


class GoogleSheetsStore:
    """A workbook in a Google Sheets spreadsheet (`gsheet:ID`, or `gsheet:new` to create one)."""

    def __init__(
        self,
        spreadsheet_id: str,
        *,
        title: str | None = None,
        share_with: Sequence[str] = (),
        notify: bool = True,
        steps: Callable[[str, int], None] | None = None,
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.share_with = tuple(share_with)
        self.notify = notify
        self._steps = steps
        self.notices: list[str] = []
        self._http: Http | None = None
        self._scopes: tuple[str, ...] = ()
        self._total_steps = 2 + len(self.share_with)
        #: The fingerprint the spreadsheet is marked unfinished with, until it is finished.
        self._mark: str | None = None

    @property
    def location(self) -> str:
        return f"gsheet:{self.spreadsheet_id}"

    @property
    def creating(self) -> bool:
        return self.spreadsheet_id == "new"

    @property
    def calls(self) -> int:
        return self._http.calls if self._http else 0

    def http(self, scopes: Sequence[str] = READ_SCOPES) -> Http:
        wanted = tuple(scopes)
        if self._http is None or not set(wanted) <= set(self._scopes):
            found = find_credentials(wanted)
            self._http = Http(new_session(found.credentials), found.identity)
            self._scopes = wanted
        return self._http

    @property
    def identity(self) -> Identity:
        return self.http().identity

    # Reading ---------------------------------------------------------------------------------

    def exists(self) -> bool:
        if self.creating:
            return False
        try:
            self._meta()
        except WorkbookUnavailable:
            return False
        return True

    def read(self) -> RawWorkbook:
        return self._read()[0]

    def _meta(self) -> Any:
        if self.creating:
            raise WorkbookUnavailable(
                "gsheet:new only makes sense with `okr init`",
                hint="use the id or URL printed when the spreadsheet was created",
            )
        return get_meta(self.http(), self.spreadsheet_id, what=self.location)

    def _tabs(self) -> dict[str, _Sheet]:
        return {t.title: _Sheet(t.sheet_id, t.title, t.rows, t.cols) for t in tabs_of(self._meta())}

    def _read(self) -> tuple[RawWorkbook, dict[str, _Sheet]]:
        """The whole workbook in two calls: the tab list, then every tab's values."""
        tabs = tabs_of(self._meta())
        values = get_values(self.http(), self.spreadsheet_id, tabs, what=self.location)
        grids: list[Grid] = []
        index: dict[str, _Sheet] = {}
        total_cells = 0
        for tab, rows in zip(tabs, values, strict=True):
            total_cells += tab.rows * tab.cols
            grid = Grid(title=tab.title, rows=rows, hidden=tab.hidden)
            scratch = tab.title == SCRATCH_TAB
            header = rows[0] if rows else []
            current = bool(tab.computed) and headers_crc(tab.computed, header) == tab.headers_crc
            index[tab.title] = _Sheet(
                tab.sheet_id,
                tab.title,
                tab.rows,
                tab.cols,
                grid if scratch else None,
                tab.computed if current else frozenset(),
                header,
                bool(tab.headers_crc),
            )
            if not scratch and not tab.title.startswith(STAGING_TAB):
                grids.append(grid)
        self._check_limits(len(grids), total_cells)
        return RawWorkbook(grids, notices=list(self.notices)), index

    def _check_limits(self, tabs: int, cells: int) -> None:
        self.notices = []
        if tabs >= MAX_TABS * WARN_SHARE:
            self.notices.append(
                f"{self.location} has {tabs} tabs, close to Google's limit of {MAX_TABS}; "
                "consider a workbook per department"
            )
        if cells >= MAX_CELLS * WARN_SHARE:
            self.notices.append(
                f"{self.location} has {cells:,} cells, close to Google's limit of {MAX_CELLS:,}; "
                "delete unused rows and columns, or split the workbook"
            )

    # Writing ---------------------------------------------------------------------------------

    def update(self, planner: ChangePlanner, *, skim: Skim | None = None) -> Sequence[Change]:
        """Read, plan, write in one atomic batchUpdate (one read holds every tab, so `skim`
        saves nothing here). If the write fails in a way that leaves
        unknown whether it landed, read again and plan again: planners skip what already
        landed (check-ins carry ids), so trying again never doubles anything.

        A write that deletes rows or adds tabs (a rollover) costs one more small call when it
        lands: deleting the scratch tab that let it be checked (see `_Guard`)."""
        reason = ""
        lost: _Guard | None = None  # a checked write whose answer was lost
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                self._pause(attempt - 1)
            raw, index = self._read()
            scratch = index.pop(SCRATCH_TAB, None)
            staged = [index.pop(t) for t in list(index) if t.startswith(STAGING_TAB)]
            if staged:  # left by a write that never happened: hidden, never read
                self._drop_tabs([t.sheet_id for t in staged])
            if lost is not None and scratch is not None and scratch.sheet_id == lost.scratch_id:
                # That write landed, and its copy of the rows it changed is still here: check
                # it from this read as it would have been from the answer.
                assert scratch.grid is not None
                copied, scratch = _cells_of(scratch.grid), None
                if not self._settle(lost, copied):
                    lost = None
                    reason = "rows were moved in the spreadsheet while writing"
                    continue
            lost = None
            changes = list(planner(raw))
            if not changes:
                if scratch is not None:
                    self._drop_scratch(scratch.sheet_id)
                return changes
            guard = _Guard(changes, raw, index, leftover=scratch)
            check = _Check(changes, raw)
            requests = [{"deleteSheet": {"sheetId": scratch.sheet_id}}] if scratch else []
            body = _requests_for(changes, guard.index, guard.added)
            if any(isinstance(c, AddTab) for c in changes) and size(body) > CHUNK_BYTES:
                body = self._stage_tabs(changes, guard, taken=scratch.sheet_id if scratch else 0)
            requests += guard.copies() + body
            later: list[dict[str, Any]] = []
            if size(requests) > CHUNK_BYTES and _fills_last(requests):
                # Filled formulas are derived and idempotent: past the budget they follow
                # the write in calls of their own, so the write itself stays one request.
                later = [r for r in requests if _is_fill(r)]
                requests = [r for r in requests if not _is_fill(r)]
            try:
                answer = self._batch_update(
                    requests, response_ranges=check.ranges() + guard.ranges()
                )
            except AmbiguousWrite as exc:
                reason = exc.reason
                lost = guard if guard.active else None
                continue
            except BackendError as exc:
                # The answer's ranges name tabs by title and the requests name them by id: a
                # tab renamed or deleted (or cut shorter) since our read makes Google refuse
                # the whole request (nothing applied). Read again and plan again.
                if not any(m in exc.message for m in _RESHAPED):
                    raise
                reason = "a tab was renamed or deleted while writing"
                continue
            if guard.active:
                after = _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))
                if self._settle(guard, after.get(SCRATCH_TAB, {})):
                    self._send_fills(later)
                    return changes
            else:
                undo = check.undo(answer, index)
                if not undo:
                    self._send_fills(later)
                    return changes
                # Someone moved rows between our read and our write: take the whole write
                # back (one more call, only in this case) and plan again from a fresh read.
                self._take_back(undo)
            reason = "rows were moved in the spreadsheet while writing"
        raise BackendError(
            f"could not confirm the write to {self.location} ({reason})",
            hint="run the same command again: it is safe, what already landed is not repeated",
        )

    def _send_fills(self, fills: list[dict[str, Any]]) -> None:
        """The filled formulas a big write left for after it, in calls of at most the budget.
        They only refresh computed cells: a failure is a warning, the write stands."""
        try:
            for part in chunks(fills, CHUNK_BYTES):
                self._batch_update(part, idempotent=True)
        except (AmbiguousWrite, BackendError) as exc:
            say(
                f"warning: the calculated columns of {self.location} were not all refreshed "
                f"({exc}); `okr validate --fix` writes them again"
            )

    def _settle(self, guard: _Guard, copied: dict[tuple[int, int], CellValue]) -> bool:
        """Keep a checked write that landed on the rows it was planned for (and delete its
        scratch tab), or take it back whole. True when it is kept."""
        if guard.held(copied):
            self._drop_scratch(guard.scratch_id)
            return True
        self._take_back(guard.undo())
        return False

    def _take_back(self, undo: list[dict[str, Any]]) -> None:
        try:
            self._batch_update(undo)
        except AmbiguousWrite as exc:
            raise BackendError(
                f"rows were moved in {self.location} while writing, and taking the write "
                f"back could not be confirmed ({exc.reason})",
                hint="check the key results you were updating (`okr history`) before "
                "running the command again",
            ) from exc

    def _stage_tabs(
        self, changes: Sequence[Change], guard: _Guard, *, taken: int = 0
    ) -> list[dict[str, Any]]:
        """The requests of a write too big for one request because of the tabs it adds (a
        rollover's archive): each added tab is first laid out as a hidden staging tab, in
        parts; the write itself then only names, shows and places it, so it stays one
        atomic, checked batch. A staging tab left behind (the write never happened) is never
        read, and the next write deletes it."""
        requests = _requests_for([c for c in changes if not isinstance(c, AddTab)], guard.index)
        order = list(guard.index)
        first = max([taken, *(t.sheet_id for t in guard.index.values())]) + 1
        added = [c for c in changes if isinstance(c, AddTab)]
        for number, change in enumerate(added):
            sheet_id = first + number
            spec = replace(change.spec, title=f"{STAGING_TAB} {number + 1}")
            tab = _tab_requests(spec, sheet_id, len(order) + number)
            tab[0]["addSheet"]["properties"]["hidden"] = True
            self._send_staged(tab, sheet_id)
            guard.added[change.spec.title] = sheet_id
            position = order.index(change.before) if change.before in order else len(order)
            properties = {
                "sheetId": sheet_id,
                "title": change.spec.title,
                "hidden": False,
                "index": position,
            }
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": properties,
                        "fields": "title,hidden,index",
                    }
                }
            )
        return requests

    def _send_staged(self, requests: list[dict[str, Any]], sheet_id: int) -> None:
        """Lay out a staging tab in parts: the first adds it (checked by the tab list when its
        answer is lost), the others only write its cells, which is safe to send again."""
        for number, part in enumerate(chunks(requests, CHUNK_BYTES)):
            if number:
                self._batch_update(part, idempotent=True)
                continue
            for attempt in range(WRITE_ATTEMPTS):
                try:
                    self._batch_update(part)
                    break
                except AmbiguousWrite:
                    if any(t.sheet_id == sheet_id for t in self._tabs().values()):
                        break
                    self._pause(attempt)
            else:
                raise BackendError(
                    f"could not confirm the write to {self.location}; nothing was changed",
                    hint="run the same command again: it is safe",
                )

    def _drop_tabs(self, sheet_ids: Sequence[int]) -> None:
        with contextlib.suppress(OkrError):
            self._batch_update(
                [{"deleteSheet": {"sheetId": i}} for i in sheet_ids], idempotent=True
            )

    def _drop_scratch(self, sheet_id: int) -> None:
        """Delete the scratch tab. Sending this again is safe (if an earlier try landed, Google
        answers that the tab is gone, which is all we want); if it keeps failing, the tab
        is left: hidden, never read, and deleted by the next write."""
        with contextlib.suppress(OkrError):
            self._batch_update([{"deleteSheet": {"sheetId": sheet_id}}], idempotent=True)

    def _batch_update(
        self,
        requests: list[dict[str, Any]],
        *,
        response_ranges: Sequence[str] = (),
        idempotent: bool = False,
    ) -> Any:
        body: dict[str, Any] = {"requests": requests}
        if response_ranges:
            # The answer then shows these cells as they are right after the write, in the same
            # call: how a moved row is noticed without spending another read.
            body.update(
                includeSpreadsheetInResponse=True,
                responseIncludeGridData=True,
                responseRanges=list(response_ranges),
            )
        return self.http(self._scopes or READ_SCOPES).call(
            "post",
            f"{SHEETS_API}/{self.spreadsheet_id}:batchUpdate",
            params={"fields": RESPONSE_FIELDS} if response_ranges else None,
            json=body,
            idempotent=idempotent,
            what=self.location,
        )

    def _step(self, what: str) -> None:
        if self._steps is not None:
            self._steps(what, self._total_steps)

    def create(self, tabs: Sequence[TabSpec], *, overwrite: bool) -> None:
        """Lay the workbook out (in a new spreadsheet for `gsheet:new`), then share it.

        A new spreadsheet is marked unfinished in Drive (`UNFINISHED`, with the fingerprint
        of the title and layout) from the moment it exists until it is laid out and shared;
        `gsheet:new` first looks for such a spreadsheet of the same account and fingerprint
        and, if there is one, finishes it instead of making another."""
        creating = self.creating
        http = self.http(CREATE_SCOPES if creating or self.share_with else READ_SCOPES)
        requests = _layout_requests(tabs, {})
        self._total_steps = 1 + len(chunks(requests, CHUNK_BYTES)) + len(self.share_with)
        self._step("Creating the spreadsheet" if creating else f"Reading {self.location}")
        resumed = False
        if creating:
            mark = _fingerprint(self.title or "OKRs", requests)
            found, searchable = self._find_unfinished(mark)
            if found is not None:
                self.spreadsheet_id, self._mark, resumed = found, mark, True
                say(
                    f"Resuming {self.location}, made by an earlier run that did not finish: "
                    f"{url_for(self.spreadsheet_id)}"
                )
                existing = self._tabs()
            else:
                existing = self._new_spreadsheet(http, mark if searchable else None)
        else:
            raw, existing = self._read()
            blank = len(raw.grids) <= 1 and not any(
                v not in (None, "") for g in raw.grids for row in g.rows for v in row
            )
            ours = any(t.startswith(LAYOUT_MARK) for t in existing)  # a layout cut short
            if not overwrite and not blank and not ours:
                raise WorkbookExists(
                    f"{self.location} is not empty (tabs: {', '.join(raw.titles[:5])}); "
                    "nothing was written",
                    hint="pass --force to replace its tabs with a new OKR workbook",
                )
        try:
            if not (resumed and _laid_out(existing, tabs)):
                self._lay_out(tabs, existing, created=creating)
            for email in self.share_with:
                self._step(f"Sharing with {email}")
                self._share_made(email)
            self._finish()
        except KeyboardInterrupt:
            if not creating:
                raise
            raise Aborted(
                f"interrupted; the new spreadsheet {self.location} "
                f"({url_for(self.spreadsheet_id)}) may not be finished",
                hint=self._reuse_hint(),
            ) from None

    def _find_unfinished(self, mark: str) -> tuple[str | None, bool]:
        """The newest spreadsheet this account made for the same title and layout and did not
        finish (one Drive search), and whether Drive could be searched at all (not when its
        API is off for the project: then nothing is marked, as nothing could be found)."""
        query = (
            f"appProperties has {{ key='{UNFINISHED}' and value='{mark}' }} "
            "and 'me' in owners and trashed = false"
        )
        try:
            answer = self.http(CREATE_SCOPES).call(
                "get",
                DRIVE_API,
                params={"q": query, "fields": "files(id,createdTime)", "pageSize": "10"},
                idempotent=True,
                what="Google Drive",
            )
        except OkrError:
            return None, False
        files = sorted(answer.get("files") or [], key=lambda f: str(f.get("createdTime", "")))
        return (str(files[-1]["id"]) if files else None), True

    def _new_spreadsheet(self, http: Http, mark: str | None) -> dict[str, _Sheet]:
        """Make the spreadsheet: through Drive, marked unfinished in the same call, when Drive
        can be searched; else through Sheets, unmarked. Returns its one (empty) tab."""
        title = self.title or "OKRs"
        try:
            if mark is None:
                answer = http.call(
                    "post",
                    SHEETS_API,
                    json={
                        "properties": {"title": title},
                        "sheets": [{"properties": {"title": SETUP_TAB, "sheetId": 0}}],
                    },
                    idempotent=False,
                    what="a new spreadsheet",
                )
                made = str(answer["spreadsheetId"])
            else:
                answer = http.call(
                    "post",
                    DRIVE_API,
                    params={"fields": "id"},
                    json={
                        "name": title,
                        "mimeType": SPREADSHEET_MIME,
                        "appProperties": {UNFINISHED: mark},
                    },
                    idempotent=False,
                    what="a new spreadsheet",
                )
                made = str(answer["id"])
        except AmbiguousWrite as exc:
            # The answer was lost: a marked spreadsheet that did get made can be found.
            found = self._find_unfinished(mark)[0] if mark is not None else None
            if found is None:
                raise BackendError(
                    f"could not confirm that Google created the new spreadsheet ({exc.reason}); "
                    "nothing was laid out",
                    hint=(
                        "run the same command again: if Google did make it, that finds it and "
                        "finishes it"
                        if mark is not None
                        else "run the same command again; if an empty spreadsheet titled "
                        f"{title!r} (one tab, {SETUP_TAB!r}) shows up in Google Drive, delete it"
                    ),
                ) from None
            made = found
        self.spreadsheet_id, self._mark = made, mark
        # Said at once, so the spreadsheet is never lost whatever happens next.
        say(f"Created {self.location}: {url_for(self.spreadsheet_id)}")
        # A new spreadsheet's first tab always has the id 0 (its title depends on the locale).
        return {SETUP_TAB: _Sheet(0, SETUP_TAB, 1000, 26)}

    def _finish(self) -> None:
        """Clear the unfinished mark (one Drive call) once laid out and shared. If Google will
        not, say so: the spreadsheet is fine, but the same command would pick it up again."""
        if self._mark is None:
            return
        try:
            self.clear_mark()
        except OkrError as exc:
            say(
                f"warning: {self.location} is finished, but Google Drive would not clear its "
                f"'unfinished' mark ({exc.message}); the same command run again would finish "
                "this spreadsheet again rather than make a new one"
            )
        self._mark = None

    def clear_mark(self) -> None:
        """Say in Drive that `okr` is done with this spreadsheet (a no-op when unmarked)."""
        self.http(CREATE_SCOPES).call(
            "patch",
            f"{DRIVE_API}/{self.spreadsheet_id}",
            params={"fields": "id", "supportsAllDrives": "true"},
            json={"appProperties": {UNFINISHED: None}},
            idempotent=True,
            what=self.location,
        )

    def _reuse_hint(self) -> str:
        if self._mark is not None:
            return (
                f"run the same command again: it finds {self.location} and finishes it "
                "rather than making another"
            )
        return (
            f"run the same command again with {self.location} in place of gsheet:new: it "
            "lays the workbook out in that spreadsheet rather than making another"
        )

    def _share_made(self, email: str) -> None:
        """Share the spreadsheet just laid out; a refusal says how to finish by hand."""
        try:
            self.share(email)
        except OkrError as exc:
            raise type(exc)(
                f"{self.location} is ready ({url_for(self.spreadsheet_id)}), but sharing it "
                f"with {email} failed: {exc.message}",
                hint=(exc.hint + "; then " if exc.hint else "")
                + (
                    "run the same command again (it finishes this spreadsheet rather than "
                    "making another), or "
                    if self._mark is not None
                    else ""
                )
                + f"run `okr share {self.location} {email}`, or share it by hand (Share "
                "button in Google Sheets); nothing else needs doing",
            ) from None

    def _lay_out(
        self, tabs: Sequence[TabSpec], existing: dict[str, _Sheet], *, created: bool
    ) -> None:
        """Replace every tab with these: one atomic batchUpdate when it fits the byte budget
        (`google_chunks`), else several (`_lay_out_in_parts`). When the outcome of a batch is
        unknown (a 5xx, a timeout, a lost answer), read the tab list again rather than sending
        it blindly: the batch deletes every tab that was there before, so it landed exactly
        when none is left."""
        requests = _layout_requests(tabs, existing)
        parts = chunks(requests, CHUNK_BYTES)
        if len(parts) > 1:
            self._lay_out_in_parts(requests, existing, created=created)
            return
        self._step(f"Laying out {len(tabs)} tabs")
        reason = ""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._batch_update(_layout_requests(tabs, existing))
                return
            except AmbiguousWrite as exc:
                reason = exc.reason
            now = self._tabs()
            before = {s.sheet_id for s in existing.values()}
            if before and not before & {s.sheet_id for s in now.values()}:
                return
            existing = now
            self._pause(attempt)
        raise BackendError(
            f"could not confirm the write to {self.location} ({reason}); nothing was laid out",
            hint=self._safe_again(created),
        )

    def _safe_again(self, created: bool) -> str:
        """What to do when laying out a spreadsheet failed and nothing of it is left."""
        if created and self._mark is not None:
            return (
                f"run the same command again: it is safe, and finishes {self.location} "
                "rather than making another"
            )
        return "run the same command again: it is safe" + (
            f"; the empty spreadsheet {self.location} can be deleted" if created else ""
        )

    def _lay_out_in_parts(
        self, requests: list[dict[str, Any]], existing: dict[str, _Sheet], *, created: bool
    ) -> None:
        """A layout too big for one request, in parts sent one after the other.

        The first part adds a hidden marker tab; each part ends by renaming it to say how many
        parts have landed ("okrsheet-layout 3/7"), so a part whose answer was lost is checked
        with one small read instead of being sent twice. The deletion of the tabs that were
        there before, and of the marker, comes last: until then the old tabs are only renamed.
        If a part fails for good, the parts that landed are taken back (the new tabs deleted,
        the old ones named as before); if even that fails, the message says where the
        half-made spreadsheet is and how to finish it."""
        old = {s.sheet_id for s in existing.values()}
        deletes = [r for r in requests if "deleteSheet" in r and r["deleteSheet"]["sheetId"] in old]
        body = [r for r in requests if r not in deletes]
        parts = chunks(body, CHUNK_BYTES)
        total = len(parts)
        added = [int(r["addSheet"]["properties"]["sheetId"]) for r in body if "addSheet" in r]
        mark = max([*old, *added, 0]) + 1
        parts[0].insert(0, _mark_request(mark, 0, total, add=True))
        for number, part in enumerate(parts, start=1):
            part.append(_mark_request(mark, number, total))
        parts[-1][-1:] = [*deletes, {"deleteSheet": {"sheetId": mark}}]
        for number, part in enumerate(parts, start=1):
            self._step(f"Laying out: part {number} of {total}")
            failure = self._send_part(part, mark, number, total)
            if failure is None:
                continue
            if number == 1:
                raise BackendError(
                    f"could not lay out {self.location} ({failure}); nothing was laid out",
                    hint=self._safe_again(created),
                )
            self._take_back_layout(existing, added, mark, number, total, failure, created=created)

    def _send_part(
        self, part: list[dict[str, Any]], mark: int, number: int, total: int
    ) -> str | None:
        """Send one part of a layout; None once it landed, else why it could not."""
        reason = ""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._batch_update(part)
                return None
            except AmbiguousWrite as exc:
                reason = exc.reason
            except BackendError as exc:
                return exc.message
            if _marked(self._tabs(), mark, number, total):
                return None
            self._pause(attempt)
        return reason

    def _take_back_layout(
        self,
        existing: dict[str, _Sheet],
        added: list[int],
        mark: int,
        number: int,
        total: int,
        failure: str,
        *,
        created: bool,
    ) -> None:
        where = f"{self.location} ({url_for(self.spreadsheet_id)})"
        again = (
            f"run the same command again with {self.location} in place of gsheet:new"
            if created
            else "run the same command again"
        )
        try:
            now = {s.sheet_id for s in self._tabs().values()}
            undo: list[dict[str, Any]] = [
                {"deleteSheet": {"sheetId": i}} for i in [*added, mark] if i in now
            ]
            undo += [
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": s.sheet_id, "title": s.title},
                        "fields": "title",
                    }
                }
                for s in existing.values()
                if s.sheet_id in now
            ]
            self._batch_update(undo, idempotent=True)
        except (OkrError, AmbiguousWrite):
            raise BackendError(
                f"laying out {where} stopped at part {number} of {total} ({failure}), and "
                "what was laid out could not be taken back: the spreadsheet is half made",
                hint=(
                    f"run the same command again: it finds {self.location} and lays the "
                    "workbook out again in it rather than making another; or delete the "
                    "spreadsheet"
                    if created and self._mark is not None
                    else f"{again} and with --force: it lays the workbook out again in that "
                    "spreadsheet rather than making another; or delete the spreadsheet"
                ),
            ) from None
        raise BackendError(
            f"laying out {where} stopped at part {number} of {total} ({failure}); what was "
            "laid out was taken back",
            hint=self._safe_again(True)
            if created and self._mark is not None
            else (self._reuse_hint() if created else again) + ": it is safe",
        )

    def _pause(self, attempt: int) -> None:
        """Back off between two tries of a write, as between two tries of a read."""
        retry = self.http().retry
        retry.wait(retry.delay(attempt, None))

    def share(self, email: str, role: str = "writer") -> None:
        """Give a person access (one Drive call); Google emails them unless notify is off."""
        self.http(CREATE_SCOPES).call(
            "post",
            f"{DRIVE_API}/{self.spreadsheet_id}/permissions",
            params={
                "supportsAllDrives": "true",
                "sendNotificationEmail": "true" if self.notify else "false",
            },
            json={"type": "user", "role": role, "emailAddress": email},
            idempotent=True,  # granting the same access twice changes nothing
            what=self.location,
        )


def _laid_out(existing: dict[str, _Sheet], tabs: Sequence[TabSpec]) -> bool:
    """Whether a resumed spreadsheet already holds the whole layout (only the sharing was left
    to do): then it is not laid out again, which would undo what anyone shared with it since
    has typed. A layout is one atomic write, or in parts with a marker tab until the last."""
    titles = set(existing)
    return not any(t.startswith(LAYOUT_MARK) for t in titles) and {t.title for t in tabs} <= titles


def _fingerprint(title: str, requests: list[dict[str, Any]]) -> str:
    """Which workbook a new spreadsheet is made for: its title and whole layout, hashed. The
    same command gives the same fingerprint; another title, template, cycle, people list or
    company gives another."""
    import hashlib

    return hashlib.sha256(compact({"title": title, "layout": requests})).hexdigest()[:40]


def _mark_request(mark: int, done: int, total: int, *, add: bool = False) -> dict[str, Any]:
    """Add (or rename) the marker tab of a layout in parts: `done` of `total` have landed."""
    properties = {"sheetId": mark, "title": f"{LAYOUT_MARK} {done}/{total}"}
    if add:
        return {"addSheet": {"properties": {**properties, "hidden": True}}}
    return {"updateSheetProperties": {"properties": properties, "fields": "title"}}


def _marked(tabs: dict[str, _Sheet], mark: int, done: int, total: int) -> bool:
    """Whether part `done` of a layout in parts landed, from the tab list after it."""
    found = next((s for s in tabs.values() if s.sheet_id == mark), None)
    if done == total:
        return found is None and done > 1
    return found is not None and found.title == f"{LAYOUT_MARK} {done}/{total}"


# Reading helpers ------------------------------------------------------------------------------


def _cell_value(cell: dict[str, Any]) -> CellValue:
    value = cell.get("effectiveValue")
    if not value:
        return None
    if "stringValue" in value:
        return str(value["stringValue"])
    if "numberValue" in value:
        number = float(value["numberValue"])
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "errorValue" in value:
        return str(value["errorValue"].get("type", "#ERROR!"))
    return None


# Checking a write ----------------------------------------------------------------------------


def _a1_column(col: int) -> str:
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


class _Check:
    """Whether a write landed where it was meant to, and how to take it back if not.

    Google offers no lock between a read and a write, so a person can insert, delete or sort
    rows in between. Rows written by position carry anchors (the KR id their row must hold);
    the write's answer shows those cells after the write. If any anchor no longer matches, the
    whole write is undone: every written cell gets back the value it had in our read for the
    row now there (found by its id; empty for a row we never saw), and the rows we appended
    are deleted (found by their check-in ids)."""

    def __init__(self, changes: Sequence[Change], raw: RawWorkbook) -> None:
        self.raw = raw
        checkable = all(isinstance(c, SetCells | AppendRows) for c in changes)
        self.sets = [c for c in changes if isinstance(c, SetCells) and c.anchors]
        self.appends = [c for c in changes if isinstance(c, AppendRows) and c.id_column is not None]
        self.active = checkable and bool(self.sets)
        if not self.active:
            self.sets, self.appends = [], []

    def ranges(self) -> list[str]:
        out = [
            f"{_quoted(c.tab)}!{_a1_column(col)}{row}"
            for c in self.sets
            for row, (col, _text) in sorted(c.anchors.items())
        ]
        for c in self.appends:
            assert c.id_column is not None
            grid = self.raw.grid(c.tab)
            start = max(1, (len(grid.rows) if grid else 0) - APPEND_SLACK)
            letter = _a1_column(c.id_column)
            out.append(f"{_quoted(c.tab)}!{letter}{start}:{letter}")
        return out

    def undo(self, answer: Any, index: dict[str, _Sheet]) -> list[dict[str, Any]]:
        if not self.active:
            return []
        after = _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))
        moved = any(
            _text(after.get(c.tab, {}).get((row, col))) != text
            for c in self.sets
            for row, (col, text) in c.anchors.items()
        )
        if not moved:
            return []
        requests: list[dict[str, Any]] = []
        for c in self.sets:
            grid = self.raw.grid(c.tab)
            restored: dict[tuple[int, int], WriteValue] = {}
            for (row, col), planned in c.cells.items():
                if isinstance(planned, Formula) and planned.fill:
                    continue  # row-relative: right for whichever row is there now
                id_col = c.anchors.get(row, (0, ""))[0]
                now = _text(after.get(c.tab, {}).get((row, id_col))) if id_col else ""
                source = _row_of(grid, id_col, now) if now else None
                value = grid.cell(source, col) if grid is not None and source else None
                restored[(row, col)] = _writable(value)
            requests.extend(_set_cells(_sheet(index, c.tab).sheet_id, restored))
        for a in self.appends:
            assert a.id_column is not None
            ids = {_text(r[a.id_column - 1]) for r in a.rows if len(r) >= a.id_column}
            landed = sorted(
                (row for (row, _col), v in after.get(a.tab, {}).items() if _text(v) in ids),
                reverse=True,
            )
            sheet_id = _sheet(index, a.tab).sheet_id
            requests.extend(_delete_row(sheet_id, row) for row in landed)
        return requests


class _Band:
    """Where one tab's rows sit in the scratch tab: rows 1..height of the tab are scratch rows
    offset+1..offset+height, in the same columns."""

    def __init__(
        self, sheet: _Sheet, key: int, offset: int, height: int, deleted: Sequence[int]
    ) -> None:
        self.tab, self.sheet_id, self.key = sheet.title, sheet.sheet_id, key
        self.offset, self.height, self.width = offset, height, max(sheet.cols, 1)
        self.deleted = sorted(set(deleted))


class _Guard:
    """Whether a write that deletes rows or adds tabs (a rollover) landed on the rows it was
    planned for, and how to take it back if not.

    `_Check`'s way (look at the written rows after the write, restore their values from our
    read) does not fit such a write: deleted rows are gone from the answer, and values read
    cannot bring back formulas or a row we never saw. So the same atomic batch starts by adding
    a hidden scratch tab and copying into it (copyPaste, PASTE_NORMAL) the rows of every tab
    the write changes, from row 1 to the last row our read saw, all columns, one tab under the
    other: exactly what the write is about to change, whoever's rows they are by then.

    The answer shows the id column of those copies (ids for OKR tabs, setting names for
    Settings). If each matches our read row for row, no row moved between our read and our
    write, so every cell written and row deleted was the one meant: the write stays and the
    scratch tab is deleted (one more small call). If not, the write is taken back in one call:
    the deleted rows are inserted again where they were (in ascending order), each tab's copy
    is pasted back over it (values, formulas and formats as they were just before our write,
    a person's inserted or edited row included), the added tabs and the scratch tab are
    deleted; then `update` reads and plans again. A write without ids to check is sent
    unchecked, as before."""

    def __init__(
        self,
        changes: Sequence[Change],
        raw: RawWorkbook,
        index: dict[str, _Sheet],
        *,
        leftover: _Sheet | None = None,
    ) -> None:
        self.raw, self.index = raw, dict(index)
        self.added: dict[str, int] = {}
        self.bands: list[_Band] = []
        self.scratch_id = 0
        keys: dict[str, int] = {}
        deleted: dict[str, list[int]] = {}
        tabs: list[str] = []
        for change in changes:
            if isinstance(change, SetCells | DeleteRows) and change.tab not in tabs:
                tabs.append(change.tab)
            if isinstance(change, SetCells):
                for col, _text in change.anchors.values():
                    keys.setdefault(change.tab, col)
            elif isinstance(change, DeleteRows):
                deleted.setdefault(change.tab, []).extend(change.rows)
                if change.id_column is not None:
                    keys.setdefault(change.tab, change.id_column)
        self.active = (
            any(isinstance(c, DeleteRows | AddTab) for c in changes)
            and not any(isinstance(c, AppendRows) for c in changes)
            and bool(tabs)
            and all(t in keys and t in index and raw.grid(t) is not None for t in tabs)
        )
        if not self.active:
            return
        offset = 0
        for tab in tabs:
            grid = raw.grid(tab)
            assert grid is not None
            height = max(len(grid.rows), 1)
            self.bands.append(_Band(index[tab], keys[tab], offset, height, deleted.get(tab, ())))
            offset += height
        taken = [s.sheet_id for s in index.values()] + ([leftover.sheet_id] if leftover else [])
        self.scratch_id = max(taken, default=0) + 1
        width = max(b.width for b in self.bands)
        # In the index, so that the tabs the write adds get the ids after it.
        self.index[SCRATCH_TAB] = _Sheet(self.scratch_id, SCRATCH_TAB, offset, width)

    def copies(self) -> list[dict[str, Any]]:
        """The first requests of the write: the scratch tab and the copies."""
        if not self.active:
            return []
        scratch = self.index[SCRATCH_TAB]
        properties = {
            "sheetId": self.scratch_id,
            "title": SCRATCH_TAB,
            "hidden": True,
            "gridProperties": {"rowCount": scratch.rows, "columnCount": scratch.cols},
        }
        requests: list[dict[str, Any]] = [{"addSheet": {"properties": properties}}]
        for b in self.bands:
            requests.append(_copy_rows(b.sheet_id, 0, self.scratch_id, b.offset, b.height, b.width))
        return requests

    def ranges(self) -> list[str]:
        out = []
        for b in self.bands:
            letter = _a1_column(b.key)
            out.append(
                f"{_quoted(SCRATCH_TAB)}!{letter}{b.offset + 1}:{letter}{b.offset + b.height}"
            )
        return out

    def held(self, copied: dict[tuple[int, int], CellValue]) -> bool:
        """Whether the copies (scratch cells by 1-based (row, column)) show every row holding
        the id our read saw there."""
        for b in self.bands:
            grid = self.raw.grid(b.tab)
            assert grid is not None
            for row in range(1, b.height + 1):
                if _text(copied.get((b.offset + row, b.key))) != _text(grid.cell(row, b.key)):
                    return False
        return True

    def undo(self) -> list[dict[str, Any]]:
        requests: list[dict[str, Any]] = []
        for b in self.bands:
            for row in b.deleted:  # ascending: each goes back where it was
                dim = {
                    "sheetId": b.sheet_id,
                    "dimension": "ROWS",
                    "startIndex": row - 1,
                    "endIndex": row,
                }
                requests.append({"insertDimension": {"range": dim, "inheritFromBefore": row > 1}})
            requests.append(_copy_rows(self.scratch_id, b.offset, b.sheet_id, 0, b.height, b.width))
        requests.extend({"deleteSheet": {"sheetId": i}} for i in self.added.values())
        requests.append({"deleteSheet": {"sheetId": self.scratch_id}})
        return requests


def _copy_rows(
    source: int, source_row: int, target: int, target_row: int, rows: int, cols: int
) -> dict[str, Any]:
    """Copy `rows` whole rows (0-based start) of `cols` columns from one tab to another.
    Pasting back where they came from undoes the shift of relative references in formulas."""
    return {
        "copyPaste": {
            "source": _range(source, source_row, source_row + rows, 0, cols),
            "destination": _range(target, target_row, target_row + rows, 0, cols),
            "pasteType": "PASTE_NORMAL",
            "pasteOrientation": "NORMAL",
        }
    }


def _cells_of(grid: Grid) -> dict[tuple[int, int], CellValue]:
    return {
        (r, c): value
        for r, row in enumerate(grid.rows, start=1)
        for c, value in enumerate(row, start=1)
    }


def _cells_by_tab(spreadsheet: dict[str, Any]) -> dict[str, dict[tuple[int, int], CellValue]]:
    out: dict[str, dict[tuple[int, int], CellValue]] = {}
    for sheet in spreadsheet.get("sheets", []) or []:
        title = str(sheet.get("properties", {}).get("title", ""))
        cells = out.setdefault(title, {})
        for block in sheet.get("data", []) or []:
            r0, c0 = int(block.get("startRow", 0)), int(block.get("startColumn", 0))
            for i, row in enumerate(block.get("rowData", []) or []):
                for j, cell in enumerate(row.get("values", []) or []):
                    cells[(r0 + i + 1, c0 + j + 1)] = _cell_value(cell)
    return out


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _row_of(grid: Grid | None, col: int, text: str) -> int | None:
    if grid is None:
        return None
    for row in range(1, len(grid.rows) + 1):
        if _text(grid.cell(row, col)) == text:
            return row
    return None


def _writable(value: CellValue) -> WriteValue:
    if value is None or isinstance(value, str | bool | int | float | date):
        return value
    return str(value)


def _delete_row(sheet_id: int, row: int) -> dict[str, Any]:
    return {
        "deleteDimension": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "ROWS",
                "startIndex": row - 1,
                "endIndex": row,
            }
        }
    }


# Writing helpers ------------------------------------------------------------------------------


def _cell(value: WriteValue) -> dict[str, Any]:
    """CellData for one value: text stays text, never a formula."""
    if value is None:
        return {}
    if isinstance(value, Formula):
        return {"userEnteredValue": {"formulaValue": value.text}}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number) or math.isinf(number):
            return {}
        return {"userEnteredValue": {"numberValue": number}}
    if isinstance(value, datetime):
        return {
            "userEnteredValue": {"numberValue": serial(value)},
            "userEnteredFormat": {"numberFormat": _number_format("datetime")},
        }
    if isinstance(value, date):
        return {
            "userEnteredValue": {"numberValue": serial(value)},
            "userEnteredFormat": {"numberFormat": _number_format("date")},
        }
    return {"userEnteredValue": {"stringValue": str(value)}}


def _number_format(name: NumberFormat) -> dict[str, str]:
    kind, pattern = _PATTERNS[name]
    return {"type": kind, "pattern": pattern}


def _sheet(index: dict[str, _Sheet], title: str) -> _Sheet:
    sheet = index.get(title)
    if sheet is None:
        raise BackendError(f"the tab {title!r} disappeared while writing; nothing was written")
    return sheet


def _requests_for(
    changes: Sequence[Change], index: dict[str, _Sheet], added: dict[str, int] | None = None
) -> list[dict[str, Any]]:
    """The requests of a write; the sheet id of each tab it adds goes into `added`."""
    requests: list[dict[str, Any]] = []
    index = dict(index)
    next_id = max((s.sheet_id for s in index.values()), default=0) + 1
    for change in changes:
        if isinstance(change, AddTab):
            sheet_id, next_id = next_id, next_id + 1
            if added is not None:
                added[change.spec.title] = sheet_id
            position = list(index).index(change.before) if change.before in index else len(index)
            requests.extend(_tab_requests(change.spec, sheet_id, position))
            index[change.spec.title] = _Sheet(sheet_id, change.spec.title, 0, 0)
        elif isinstance(change, SetCells):
            sheet = _sheet(index, change.tab)
            # Formulas prepared ahead of the data may reach past the grid: grow it first.
            rows = max((r for r, _ in change.cells), default=0)
            cols = max((c for _, c in change.cells), default=0)
            for dimension, wanted, have in (
                ("ROWS", rows, sheet.rows),
                ("COLUMNS", cols, sheet.cols),
            ):
                if have and wanted > have:
                    requests.append(
                        {
                            "appendDimension": {
                                "sheetId": sheet.sheet_id,
                                "dimension": dimension,
                                "length": wanted - have,
                            }
                        }
                    )
            if sheet.rows and rows > sheet.rows or sheet.cols and cols > sheet.cols:
                index[change.tab] = sheet = sheet.grown(rows, cols)
            requests.extend(_set_cells(sheet.sheet_id, change.cells))
            recorded, index[change.tab] = _record_computed(sheet, change.cells)
            requests.extend(recorded)
        elif isinstance(change, AppendRows):
            requests.append(
                {
                    "appendCells": {
                        "sheetId": _sheet(index, change.tab).sheet_id,
                        "rows": [
                            {"values": _formatted(row, change.formats)} for row in change.rows
                        ],
                        # Every cell's number format is set (the column's, or the date's), so
                        # a row past the prepared ones looks like the rows above it.
                        "fields": "userEnteredValue,userEnteredFormat.numberFormat",
                    }
                }
            )
        elif isinstance(change, DeleteRows):
            sheet_id = _sheet(index, change.tab).sheet_id
            for row in sorted(set(change.rows), reverse=True):  # bottom-up keeps numbers valid
                requests.append(_delete_row(sheet_id, row))
    return requests


def _formatted(row: Sequence[WriteValue], formats: dict[int, NumberFormat]) -> list[Any]:
    """The cells of an appended row, each with its column's number format (a date or a
    time keeps its own when the column has none)."""
    cells = []
    for col, value in enumerate(row, start=1):
        cell = _cell(value)
        named = formats.get(col, "general")
        if named != "general":
            cell["userEnteredFormat"] = {"numberFormat": _number_format(named)}
        cells.append(cell)
    return cells


def _set_cells(sheet_id: int, cells: dict[tuple[int, int], WriteValue]) -> list[dict[str, Any]]:
    """One updateCells per run of adjacent cells in a row; dates apart, since they also set a
    number format and the other cells must keep theirs. Filled formulas go as one repeatCell
    per run of rows in a column (`_fills`)."""
    requests: list[dict[str, Any]] = []
    by_row: dict[int, list[int]] = {}
    for (row, col), value in cells.items():
        if not (isinstance(value, Formula) and value.fill):
            by_row.setdefault(row, []).append(col)
    for row, cols in sorted(by_row.items()):
        run: list[int] = []
        for col in sorted(cols):
            dated = isinstance(cells[(row, col)], date)
            if run and (col != run[-1] + 1 or dated != isinstance(cells[(row, run[0])], date)):
                requests.append(_update_run(sheet_id, row, run, cells))
                run = []
            run.append(col)
        if run:
            requests.append(_update_run(sheet_id, row, run, cells))
    return requests + _fills(sheet_id, cells)


def _is_fill(request: dict[str, Any]) -> bool:
    """Whether a request is a run of filled formulas (`_fills`)."""
    cell = request.get("repeatCell", {}).get("cell", {})
    return "formulaValue" in cell.get("userEnteredValue", {})


#: Requests that move rows: filled formulas planned after them hold their final rows.
_MOVES_ROWS = ("deleteDimension", "insertDimension")


def _fills_last(requests: Sequence[dict[str, Any]]) -> bool:
    """Whether every filled formula comes after the last request that moves rows, so that sent
    after the whole batch it lands on the same rows."""
    last_move = max(
        (i for i, r in enumerate(requests) if any(k in r for k in _MOVES_ROWS)), default=-1
    )
    return all(i > last_move for i, r in enumerate(requests) if _is_fill(r))


def _filled_columns(cells: Mapping[tuple[int, int], WriteValue]) -> frozenset[int]:
    return frozenset(c for (_r, c), v in cells.items() if isinstance(v, Formula) and v.fill)


def _fills(sheet_id: int, cells: Mapping[tuple[int, int], WriteValue]) -> list[dict[str, Any]]:
    """One repeatCell per run of filled formulas in consecutive rows of a column, holding the
    run's first formula: Google moves its relative row numbers row by row, which gives each
    row the formula the layout made for it (`Formula.fill`). The formula text is sent once
    per run, not once per row."""
    by_column: dict[int, list[int]] = {}
    for (row, col), value in cells.items():
        if isinstance(value, Formula) and value.fill:
            by_column.setdefault(col, []).append(row)
    requests: list[dict[str, Any]] = []
    for col, rows in sorted(by_column.items()):
        runs: list[list[int]] = []
        for row in sorted(rows):
            if runs and row == runs[-1][1] + 1:
                runs[-1][1] = row
            else:
                runs.append([row, row])
        for first, last in runs:
            formula = cells[(first, col)]
            assert isinstance(formula, Formula)
            requests.append(
                {
                    "repeatCell": {
                        "range": _range(sheet_id, first - 1, last, col - 1, col),
                        "cell": {"userEnteredValue": {"formulaValue": formula.text}},
                        "fields": "userEnteredValue",
                    }
                }
            )
    return requests


def _record_computed(
    sheet: _Sheet, cells: Mapping[tuple[int, int], WriteValue]
) -> tuple[list[dict[str, Any]], _Sheet]:
    """Record on the tab (google_read.COMPUTED_KEY) which columns hold filled formulas, so that
    reads leave their values out; again when a write fills a column not recorded yet, or the
    recorded columns no longer sit under the headers they had."""
    filled = _filled_columns(cells)
    columns = sheet.computed | filled
    if not filled or (sheet.recorded and columns == sheet.computed):
        return [], sheet
    header = list(sheet.header)
    for (row, col), value in cells.items():  # headers this write puts in row 1
        if row == 1:
            header.extend([None] * (col - len(header)))
            header[col - 1] = value if isinstance(value, str) else None
    requests: list[dict[str, Any]] = []
    if sheet.recorded:
        lookup = {"metadataKey": COMPUTED_KEY, "metadataLocation": {"sheetId": sheet.sheet_id}}
        requests.append(
            {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}
        )
    requests += _tag_computed(sheet.sheet_id, computed_value(columns, header))
    updated = _Sheet(
        sheet.sheet_id, sheet.title, sheet.rows, sheet.cols, sheet.grid, columns, header, True
    )
    return requests, updated


def _tag_computed(sheet_id: int, value: str) -> list[dict[str, Any]]:
    return [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": COMPUTED_KEY,
                    "metadataValue": value,
                    "visibility": "DOCUMENT",
                    "location": {"sheetId": sheet_id},
                }
            }
        }
    ]


def _update_run(
    sheet_id: int, row: int, cols: list[int], cells: dict[tuple[int, int], WriteValue]
) -> dict[str, Any]:
    dated = isinstance(cells[(row, cols[0])], date)
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": cols[0] - 1},
            "rows": [{"values": [_cell(cells[(row, c)]) for c in cols]}],
            "fields": "userEnteredValue,userEnteredFormat.numberFormat"
            if dated
            else "userEnteredValue",
        }
    }


def _layout_requests(tabs: Sequence[TabSpec], existing: dict[str, _Sheet]) -> list[dict[str, Any]]:
    """Replace whatever tabs the spreadsheet has with these, in one atomic batch."""
    requests: list[dict[str, Any]] = []
    taken = {s.sheet_id for s in existing.values()}
    # Old tabs whose names the new ones need are renamed first, then deleted at the end.
    for sheet in existing.values():
        requests.append(
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": sheet.sheet_id, "title": f"okr-old-{sheet.sheet_id}"},
                    "fields": "title",
                }
            }
        )
    next_id = 1
    for position, spec in enumerate(tabs):
        while next_id in taken:
            next_id += 1
        taken.add(next_id)
        requests.extend(_tab_requests(spec, next_id, position))
    for sheet in existing.values():
        requests.append({"deleteSheet": {"sheetId": sheet.sheet_id}})
    return requests


def _tab_requests(spec: TabSpec, sheet_id: int, position: int) -> list[dict[str, Any]]:
    """Everything one tab needs: the sheet, its values and formats, widths, dropdowns, filter."""
    first = 1 if spec.header else 0  # 0-based index of the first data row
    rows = max(_PREPARED_ROWS, first + len(spec.rows) + 50)
    bar = _bar_column(spec)
    cols = max(len(spec.columns) + (1 if bar else 0), 1)
    properties: dict[str, Any] = {
        "sheetId": sheet_id,
        "title": spec.title,
        "index": position,
        "gridProperties": {
            "rowCount": rows,
            "columnCount": cols,
            "frozenRowCount": spec.frozen_rows if spec.header and spec.columns else 0,
        },
    }
    if spec.color:
        properties["tabColorStyle"] = {"rgbColor": _rgb(spec.color)}
    requests: list[dict[str, Any]] = [{"addSheet": {"properties": properties}}]
    if bar:
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": len(spec.columns),
                        "endIndex": len(spec.columns) + 1,
                    },
                    "properties": {"pixelSize": 120},
                    "fields": "pixelSize",
                }
            }
        )

    # Widths (and hidden helper columns): one request per run of alike columns.
    start = 0
    for col, column in enumerate(spec.columns):
        following = spec.columns[col + 1] if col + 1 < len(spec.columns) else None
        if following and (following.width, following.hidden) == (column.width, column.hidden):
            continue
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": start,
                        "endIndex": col + 1,
                    },
                    "properties": {
                        "pixelSize": int(column.width * 7 + 5),
                        **({"hiddenByUser": True} if column.hidden else {}),
                    },
                    "fields": "pixelSize,hiddenByUser" if column.hidden else "pixelSize",
                }
            }
        )
        start = col + 1
    for col, column in enumerate(spec.columns):
        if column.status_colors:
            requests.extend(_status_rules(sheet_id, _range(sheet_id, first, rows, col, col + 1)))
        if column.number_format != "general":
            requests.append(
                {
                    "repeatCell": {
                        "range": _range(sheet_id, first, rows, col, col + 1),
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": _number_format(column.number_format)
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        if column.choices:
            requests.append(
                {
                    "setDataValidation": {
                        "range": _range(sheet_id, first, rows, col, col + 1),
                        "rule": {
                            "condition": {
                                "type": "ONE_OF_LIST",
                                "values": [{"userEnteredValue": c} for c in column.choices],
                            },
                            "strict": False,
                            "showCustomUi": True,
                        },
                    }
                }
            )
        if column.progress_bar:
            requests.append(
                {
                    "addConditionalFormatRule": {
                        "index": 0,
                        "rule": {
                            "ranges": [_range(sheet_id, first, rows, col, col + 1)],
                            "gradientRule": {
                                "minpoint": {
                                    "type": "NUMBER",
                                    "value": "0",
                                    "color": _WHITE,
                                },
                                "maxpoint": {
                                    "type": "NUMBER",
                                    "value": "1",
                                    "color": _rgb("9BC2E6"),
                                },
                            },
                        },
                    }
                }
            )

    grid_rows: list[dict[str, Any]] = []
    if spec.header:
        # The header's look once for the row; its cells carry only their text and note.
        titled = [(c.header, c.note) for c in spec.columns]
        if bar:
            titled.append(
                (
                    BAR_HEADER,
                    "A bar drawn from Progress, for people reading the sheet. "
                    "okr does not read this column.",
                )
            )
        requests.append(
            {
                "repeatCell": {
                    "range": _range(sheet_id, 0, 1, 0, len(titled)),
                    "cell": {"userEnteredFormat": _HEADER_FORMAT},
                    "fields": "userEnteredFormat",
                }
            }
        )
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": [
                        {
                            "values": [
                                {
                                    "userEnteredValue": {"stringValue": text},
                                    **({"note": note} if note else {}),
                                }
                                for text, note in titled
                            ]
                        }
                    ],
                    "fields": "userEnteredValue,note",
                }
            }
        )
    filled: dict[tuple[int, int], WriteValue] = {}
    typed = 0  # rows up to the last one with something besides filled formulas
    for offset, values in enumerate(spec.rows):
        row = offset + first + 1
        row_cells: list[dict[str, Any]] = []
        for col, value in enumerate(values, start=1):
            if isinstance(value, Formula) and value.fill:
                filled[(row, col)] = value  # written by `_fills` below
                value = None
            cell = _cell(value)
            fmt: dict[str, Any] = dict(cell.get("userEnteredFormat", {}))
            named = spec.cell_formats.get((offset, col))
            spec_column = spec.columns[col - 1] if col <= len(spec.columns) else None
            if named is not None and named != "general":
                fmt["numberFormat"] = _number_format(named)
            elif (
                "numberFormat" not in fmt and spec_column and spec_column.number_format != "general"
            ):
                fmt["numberFormat"] = _number_format(spec_column.number_format)
            if offset in spec.emphasized_rows:
                fmt["textFormat"] = {"bold": True}
                fmt["backgroundColor"] = _EMPHASIS_FILL
            if col in spec.wrap_columns:
                fmt["wrapStrategy"] = "WRAP"
                fmt["verticalAlignment"] = "TOP"
            if fmt:
                cell["userEnteredFormat"] = fmt
            row_cells.append(cell)
        if bar and len(values) >= bar and isinstance(values[bar - 1], Formula):
            filled[(row, len(spec.columns) + 1)] = _sparkline(bar, row)
        if offset in spec.emphasized_rows or any(
            v is not None and not (isinstance(v, Formula) and v.fill) for v in values
        ):
            typed = len(grid_rows) + 1
        grid_rows.append({"values": row_cells})
    # Rows with nothing but filled formulas get them (and their column's formats) from the
    # repeatCells alone: one formula per column, not one cell per row.
    del grid_rows[typed:]
    if grid_rows:
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": first, "columnIndex": 0},
                    "rows": grid_rows,
                    "fields": "userEnteredValue,userEnteredFormat,note",
                }
            }
        )
    requests.extend(_fills(sheet_id, filled))
    if filled:
        headers = [column.header for column in spec.columns] + ([BAR_HEADER] if bar else [])
        requests.extend(_tag_computed(sheet_id, computed_value(_filled_columns(filled), headers)))
    if spec.header and len(spec.columns) > 1:
        requests.append(
            {"setBasicFilter": {"filter": {"range": _range(sheet_id, 0, rows, 0, cols)}}}
        )
    if spec.header and spec.columns:
        # okr finds columns by these names: warn a person before they retype one.
        requests.append(
            {
                "addProtectedRange": {
                    "protectedRange": {
                        "range": _range(sheet_id, 0, 1, 0, cols),
                        "description": "okr finds each column by its header: rename with care",
                        "warningOnly": True,
                    }
                }
            }
        )
    return requests


#: Fill and text colours of the status words (as the .xlsx store's STATUS_COLORS).
_STATUS_COLORS = {
    "done": ("C6EFCE", "006100"),
    "on track": ("E2EFDA", "375623"),
    "not started": ("EDEDED", "595959"),
    "at risk": ("FFEB9C", "9C5700"),
    "off track": ("FFC7CE", "9C0006"),
    "overdue": ("FF9999", "7F0000"),
}


def _status_rules(sheet_id: int, grid_range: dict[str, int]) -> list[dict[str, Any]]:
    """Conditional formats colouring each status word."""
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [grid_range],
                    "booleanRule": {
                        "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": word}]},
                        "format": {
                            "backgroundColor": _rgb(fill),
                            "textFormat": {"foregroundColor": _rgb(font)},
                        },
                    },
                },
            }
        }
        for word, (fill, font) in _STATUS_COLORS.items()
    ]


def _bar_column(spec: TabSpec) -> int | None:
    """The 1-based column whose live Progress formulas get a SPARKLINE bar beside the table."""
    return next((i for i, c in enumerate(spec.columns, start=1) if c.progress_bar), None)


_HEADER_FORMAT = {
    "textFormat": {"bold": True, "foregroundColor": _WHITE},
    "backgroundColor": _HEADER_FILL,
    "verticalAlignment": "MIDDLE",
    "wrapStrategy": "WRAP",
}


def _sparkline(progress_col: int, row: int) -> Formula:
    ref = f"{_a1_column(progress_col)}{row}"
    return Formula(
        f'=IF(ISNUMBER({ref}),SPARKLINE({ref},{{"charttype","bar";"max",1;'
        f'"color1","#2E75B6"}}),"")',
        fill=True,
    )


def _range(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    return {
        "sheetId": sheet_id,
        "startRowIndex": r0,
        "endRowIndex": r1,
        "startColumnIndex": c0,
        "endColumnIndex": c1,
    }


def _rgb(hex_color: str) -> dict[str, float]:
    text = hex_color.lstrip("#")[-6:]
    return {
        "red": int(text[0:2], 16) / 255,
        "green": int(text[2:4], 16) / 255,
        "blue": int(text[4:6], 16) / 255,
    }
