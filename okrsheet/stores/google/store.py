"""The Google Sheets store: the same workbook layout on a Google spreadsheet.

API calls are kept at the floor:

- reading the whole workbook is two small calls whatever the number of tabs: the tab list,
  then every tab's values (see `stores/google/read`);
- every write is one `spreadsheets.batchUpdate`, which Google applies atomically: all of its
  requests land or none does. A check-in is one read (inside `update`) and that one write, plus
  one small write deleting the scratch tab it was checked with (see `_Check`); rows
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from okrsheet.errors import AuthError, BackendError, OkrError, WorkbookUnavailable
from okrsheet.stores.base import (
    AddTab,
    CellValue,
    Change,
    ChangePlanner,
    Deferred,
    Grid,
    RawWorkbook,
    Skim,
)
from okrsheet.stores.google.auth import READ_SCOPES, Found, Identity, find_credentials
from okrsheet.stores.google.cell_data import _cells_by_tab, _cells_of, _fills_last, _is_fill, _Sheet
from okrsheet.stores.google.check import APPEND_SLACK, SCRATCH_TAB, Typed, _Check, _Guard
from okrsheet.stores.google.chunks import BUDGET, chunks, size
from okrsheet.stores.google.create import (
    SETUP_TAB,
    SPREADSHEET_MIME,
    UNFINISHED,
    WRITE_ATTEMPTS,
    GoogleCreation,
    url_for,
)
from okrsheet.stores.google.http import SHEETS_API, AmbiguousWrite, Http, say
from okrsheet.stores.google.layout import LAYOUT_MARK, _tab_requests
from okrsheet.stores.google.read import get_meta, get_values, headers_crc, tabs_of
from okrsheet.stores.google.write import _requests_for
from okrsheet.stores.primitives import serial

__all__ = [
    "APPEND_SLACK",
    "CHUNK_BYTES",
    "LAYOUT_MARK",
    "SCRATCH_TAB",
    "SETUP_TAB",
    "SPREADSHEET_MIME",
    "STAGING_TAB",
    "UNFINISHED",
    "WRITE_ATTEMPTS",
    "GoogleSheetsStore",
    "_Guard",
    "_Sheet",
    "_requests_for",
    "new_session",
    "serial",
    "url_for",
]

if TYPE_CHECKING:
    import requests
    from google.auth.credentials import Credentials

# Google's limits (a spreadsheet holds at most 10 million cells and, in practice, 200 tabs).
MAX_TABS = 200
MAX_CELLS = 10_000_000
WARN_SHARE = 0.9

RESPONSE_FIELDS = (
    "spreadsheetId,updatedSpreadsheet(sheets(properties(title),"
    "data(startRow,startColumn,rowData(values(effectiveValue)))))"
)
#: Bytes of JSON per layout request (see `stores/google/chunks`); a module constant so tests can
#: make every layout several parts.
CHUNK_BYTES = BUDGET
#: Hidden tabs a big write lays out before the write itself names and shows them.
STAGING_TAB = "okrsheet-staging"
# Errors that mean a tab changed shape between our read and our write (nothing was applied):
# read again and plan again.
_RESHAPED = ("Unable to parse range", "No grid with id", "exceeds grid limits")


def new_session(credentials: Credentials) -> requests.Session:
    """An authorised HTTP session (a seam: tests point it at an in-process fake of Google)."""
    from google.auth.transport.requests import AuthorizedSession

    return AuthorizedSession(credentials)  # type: ignore[no-untyped-call]


#: The spreadsheet `check` asks for: shaped like an id (44 letters, digits, `-`), none has it,
#: so Google answers 404 to credentials it accepts (after giving them a token), 401 or a
#: refused token to others. Nothing is read.
PROBE_ID = "okr-auth-status-check-" + "0" * 22


def check_credentials(found: Found) -> None:
    """Ask Google once whether it takes these credentials: a token is fetched for them (a
    person's sign-in refreshed, a service account's key signed) and sent with a Sheets request
    for a spreadsheet that does not exist. Returns when Google accepted them; raises
    `AuthError` (exit 7) when it refused them (a sign-in expired or revoked, a key deleted),
    `BackendError` (exit 5) when Google could not be reached. Never prints a token."""
    http = Http(new_session(found.credentials), found.identity)
    try:
        http.call(
            "get",
            f"{SHEETS_API}/{PROBE_ID}",
            params={"fields": "spreadsheetId"},
            idempotent=True,
            what="the credentials check",
        )
    except WorkbookUnavailable:
        return  # the 404 of credentials Google accepts
    except AuthError as exc:
        if exc.message.startswith(f"{found.identity.describe()} may not open"):
            return  # a 403 names who asked: Google took the credentials, not the made-up id
        raise


@dataclass
class _Tries:
    """What one try of a write leaves the next: why it did not stand (said if none does), and
    the checked write whose answer was lost (`_Guard`), to be kept or taken back."""

    reason: str = ""
    lost: _Guard | None = None


@dataclass(frozen=True)
class _WriteRead:
    """The workbook a write is planned on, its tabs by title, and a scratch tab left over."""

    raw: RawWorkbook
    index: dict[str, _Sheet]
    scratch: _Sheet | None


@dataclass(frozen=True)
class _Sent:
    """A write sent: Google's answer, what checks it, and the filled formulas left for after."""

    answer: Any
    guard: _Guard
    check: _Check
    later: list[dict[str, Any]]


class GoogleSheetsStore(GoogleCreation):
    """A workbook in a Google Sheets spreadsheet (`gsheet:ID`, or `gsheet:new` to create one)."""

    def __init__(
        self,
        spreadsheet_id: str,
        *,
        title: str | None = None,
        share_with: Sequence[str] = (),
        notify: bool = True,
        steps: Callable[[str, int], None] | None = None,
        time_zone: str = "",
    ) -> None:
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        #: The time zone a spreadsheet this store creates gets (its File > Settings), as the
        #: Settings tab spells one; "" leaves Google's default.
        self.time_zone = time_zone
        self.share_with = tuple(share_with)
        self.notify = notify
        self._steps = steps
        self.notices: list[str] = []
        #: The spreadsheet's own title once read, for messages.
        self.document_title: str | None = None
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

    def read(self, *, whole: bool = False, deferred: Deferred | None = None) -> RawWorkbook:
        # One call returns every tab's values: nothing is left for later, but the tabs the
        # reader does not look at (`Deferred.unread`) are not asked for.
        unread = deferred.unread if deferred is not None and not whole else None
        return self._read(unread)[0]

    def _meta(self) -> Any:
        if self.creating:
            raise WorkbookUnavailable(
                "gsheet:new only makes sense with `okr init`",
                hint="use the id or URL printed when the spreadsheet was created",
            )
        return get_meta(self.http(), self.spreadsheet_id, what=self.location)

    def _tabs(self) -> dict[str, _Sheet]:
        return {t.title: _Sheet(t.sheet_id, t.title, t.rows, t.cols) for t in tabs_of(self._meta())}

    def _read(
        self, unread: Callable[[str], bool] | None = None
    ) -> tuple[RawWorkbook, dict[str, _Sheet]]:
        """The whole workbook in two calls: the tab list, then every tab's values (but for
        the tabs `unread` names, which come with their titles only)."""
        meta = self._meta()
        tabs = tabs_of(meta)
        self.document_title = str((meta or {}).get("properties", {}).get("title") or "") or None
        wanted = [unread is None or not unread(t.title) for t in tabs]
        asked = [t for t, want in zip(tabs, wanted, strict=True) if want]
        got = iter(get_values(self.http(), self.spreadsheet_id, asked, what=self.location))
        values = [next(got) if want else [] for want in wanted]
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
        zone = str(((meta or {}).get("properties") or {}).get("timeZone") or "")
        return RawWorkbook(grids, notices=list(self.notices), time_zone=zone), index

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
        """Read, plan, write in one atomic batchUpdate (one read holds every tab, so of `skim`
        only its `unread` tabs are left out: an archived cycle's, which a check-in neither
        reads nor writes), then verify from the answer that the write landed on the rows it
        was planned for. If the write fails in a way that leaves unknown whether it landed,
        or rows or columns moved under it, read again and plan again: planners skip what
        already landed (check-ins carry ids), so trying again never doubles anything.

        A write that deletes rows or adds tabs (a rollover) costs one more small call when it
        lands: deleting the scratch tab that let it be checked (see `_Guard`)."""
        tries = _Tries()
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                self._pause(attempt - 1)
            read = self._read_for_write(tries, None if skim is None else skim.unread)
            if read is None:
                continue
            changes = list(planner(read.raw))
            if not changes:
                if read.scratch is not None:
                    self._drop_scratch(read.scratch.sheet_id)
                return changes
            sent = self._send(changes, read, tries)
            if sent is not None and self._verify(sent, read, tries):
                return changes
        raise BackendError(
            f"could not confirm the write to {self.location} ({tries.reason})",
            hint="run the same command again: it is safe, what already landed is not repeated",
        )

    def _read_for_write(
        self, tries: _Tries, unread: Callable[[str], bool] | None = None
    ) -> _WriteRead | None:
        """The workbook as a write plans on it (the tabs `unread` names with their titles
        only), with the scratch tab a checked write left and none of the staging tabs of a
        write that never happened (deleted). When the last try's answer was lost and its
        scratch tab is here, that write landed: it is kept, or, if its rows moved, taken back,
        and then None (plan again from a fresh read)."""
        raw, index = self._read(unread)
        scratch = index.pop(SCRATCH_TAB, None)
        staged = [index.pop(t) for t in list(index) if t.startswith(STAGING_TAB)]
        if staged:  # left by a write that never happened: hidden, never read
            self._drop_tabs([t.sheet_id for t in staged])
        lost, tries.lost = tries.lost, None
        if lost is not None and scratch is not None and scratch.sheet_id == lost.scratch_id:
            # That write landed, and its copy of the rows it changed is still here: check it
            # from this read as it would have been from the answer.
            assert scratch.grid is not None
            copied, scratch = _cells_of(scratch.grid), None
            if not self._settle(lost, copied):
                tries.reason = "rows were moved in the spreadsheet while writing"
                return None
        return _WriteRead(raw, index, scratch)

    def _send(self, changes: list[Change], read: _WriteRead, tries: _Tries) -> _Sent | None:
        """Send the write as one batchUpdate whose answer shows the cells to check; None when
        it must be planned again (its answer lost, or a tab renamed or deleted meanwhile)."""
        guard = _Guard(changes, read.raw, read.index, leftover=read.scratch)
        check = _Check(changes, read.raw)
        requests, later = self._write_requests(changes, read, guard, check)
        try:
            answer = self._batch_update(requests, response_ranges=check.ranges() + guard.ranges())
        except AmbiguousWrite as exc:
            tries.reason = exc.reason
            tries.lost = guard if guard.active else None
            return None
        except BackendError as exc:
            # The answer's ranges name tabs by title and the requests name them by id: a tab
            # renamed or deleted (or cut shorter) since our read makes Google refuse the whole
            # request (nothing applied). Read again and plan again.
            if not any(m in exc.message for m in _RESHAPED):
                raise
            tries.reason = "a tab was renamed or deleted while writing"
            return None
        return _Sent(answer, guard, check, later)

    def _write_requests(
        self, changes: list[Change], read: _WriteRead, guard: _Guard, check: _Check
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The write's requests (the leftover scratch tab deleted, the copies that let it be
        checked, the changes), and the filled formulas left for after it when it is too big."""
        scratch = read.scratch
        requests = [{"deleteSheet": {"sheetId": scratch.sheet_id}}] if scratch else []
        body = _requests_for(changes, guard.index, guard.added)
        if any(isinstance(c, AddTab) for c in changes) and size(body) > CHUNK_BYTES:
            body = self._stage_tabs(changes, guard, taken=scratch.sheet_id if scratch else 0)
        requests += guard.copies() + check.copies(read.index, scratch) + body
        if size(requests) > CHUNK_BYTES and _fills_last(requests):
            # Filled formulas are derived and idempotent: past the budget they follow the
            # write in calls of their own, so the write itself stays one request.
            return [r for r in requests if not _is_fill(r)], [r for r in requests if _is_fill(r)]
        return requests, []

    def _verify(self, sent: _Sent, read: _WriteRead, tries: _Tries) -> bool:
        """Whether the write stands: it landed on the rows and columns it was planned for and
        nobody typed into its cells meanwhile. Otherwise it is taken back whole, and False
        (plan again), or a BackendError naming the cells someone typed into."""
        guard, check, answer = sent.guard, sent.check, sent.answer
        tries.reason = "rows were moved in the spreadsheet while writing"
        if guard.active:
            after = _cells_by_tab((answer or {}).get("updatedSpreadsheet", {}))
            if not self._settle(guard, after.get(SCRATCH_TAB, {})):
                return False
            self._send_fills(sent.later)
            return True
        verdict = check.verdict(answer)
        typed = [] if verdict else check.typed(answer)
        if not verdict and not typed:
            self._send_fills(sent.later)
            if check.scratch_id:
                self._drop_scratch(check.scratch_id)
            return True
        self._take_back_moved(check, answer, verdict, typed, read.index)
        if typed:
            raise self._typed_meanwhile(check, typed)
        if verdict == "columns":
            tries.reason = "columns were moved in the spreadsheet while writing"
        return False

    def _take_back_moved(
        self,
        check: _Check,
        answer: Any,
        verdict: str,
        typed: list[Typed],
        index: dict[str, _Sheet],
    ) -> None:
        """Someone moved rows or columns between our read and our write, or typed into its
        cells: take the whole write back (one more call, only in this case; columns moved
        need a read first, to see where each now is)."""
        after = check.answered(answer)
        if verdict == "columns":
            now, _index = self._read()
            after = {g.title: _cells_of(g) for g in now.grids}
        undo = check.undo(after, index) + check.keep(typed, index)
        if check.scratch_id:
            undo.append({"deleteSheet": {"sheetId": check.scratch_id}})
        self._take_back(undo)

    def _typed_meanwhile(self, check: _Check, typed: list[Typed]) -> BackendError:
        """A person typed into a cell this write was setting: their value was put back and
        nothing of the write stays; say where, so that it is not lost unseen."""
        places = ", ".join(check.describe(cell) for cell in typed)
        return BackendError(
            f"{places} changed in {self.location} while okr was writing; what was typed "
            "there was kept and nothing was written",
            hint="look at that value (record it with `okr checkin` if it is one), then run "
            "the command again",
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

    def _chunk_bytes(self) -> int:
        return CHUNK_BYTES

    def _step(self, what: str) -> None:
        if self._steps is not None:
            self._steps(what, self._total_steps)

    def _pause(self, attempt: int) -> None:
        """Back off between two tries of a write, as between two tries of a read."""
        retry = self.http().retry
        retry.wait(retry.delay(attempt, None))
