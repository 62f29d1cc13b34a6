"""Making a workbook on Google: a new spreadsheet (found again when an earlier run did not
finish it), its layout in one atomic write or in parts, sharing, and the mark that says it is
done. `GoogleSheetsStore` gets these methods from `GoogleCreation`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from okrsheet.errors import Aborted, BackendError, OkrError, WorkbookExists
from okrsheet.stores.base import (
    RawWorkbook,
    TabSpec,
)
from okrsheet.stores.google.auth import CREATE_SCOPES, READ_SCOPES
from okrsheet.stores.google.cell_data import _Sheet
from okrsheet.stores.google.chunks import chunks
from okrsheet.stores.google.http import DRIVE_API, SHEETS_API, AmbiguousWrite, Http, say
from okrsheet.stores.google.layout import (
    LAYOUT_MARK,
    TabMemo,
    _fingerprint,
    _laid_out,
    _layout_requests,
    _mark_request,
    _marked,
)

# How often an ambiguous write is re-planned from a fresh read before giving up.
WRITE_ATTEMPTS = 3
#: The one tab of a spreadsheet `okr` just created, until the workbook is laid out in it.
SETUP_TAB = "okrsheet-setup"
#: The Drive `appProperties` key (private to okrsheet's account) a spreadsheet made by
#: `gsheet:new` carries until it is laid out and shared; its value is the fingerprint of the
#: title and layout asked for, so the same command run again finds it and finishes it.
UNFINISHED = "okrsheet-unfinished"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


def url_for(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def google_time_zone(zone: str) -> str:
    """A time zone as the Settings tab spells it (`Europe/Berlin`, `UTC`, `UTC+14:00`) as a
    spreadsheet's `timeZone` takes it: an IANA name as it is, UTC as `Etc/GMT`, and a fixed
    offset as Google's custom zone (`GMT+14:00`)."""
    if zone == "UTC":
        return "Etc/GMT"
    if zone.startswith(("UTC+", "UTC-")):
        return "GMT" + zone[3:]
    return zone


def time_zone_request(zone: str) -> dict[str, Any]:
    """The request that sets a spreadsheet's own time zone (File > Settings), which its
    TODAY() and okr's dates then follow."""
    return {
        "updateSpreadsheetProperties": {
            "properties": {"timeZone": google_time_zone(zone)},
            "fields": "timeZone",
        }
    }


class GoogleCreation:
    """Creating, laying out and sharing a spreadsheet (mixed into `GoogleSheetsStore`)."""

    spreadsheet_id: str
    title: str | None
    time_zone: str
    share_with: tuple[str, ...]
    notify: bool
    _total_steps: int
    _mark: str | None

    if TYPE_CHECKING:

        @property
        def location(self) -> str: ...

        @property
        def creating(self) -> bool: ...

        def http(self, scopes: Sequence[str] = READ_SCOPES) -> Http: ...

        def _tabs(self) -> dict[str, _Sheet]: ...

        def _read(self) -> tuple[RawWorkbook, dict[str, _Sheet]]: ...

        def _step(self, what: str) -> None: ...

        def _pause(self, attempt: int) -> None: ...

        def _chunk_bytes(self) -> int: ...

        def _batch_update(
            self,
            requests: list[dict[str, Any]],
            *,
            response_ranges: Sequence[str] = (),
            idempotent: bool = False,
        ) -> Any: ...

    def create(self, tabs: Sequence[TabSpec], *, overwrite: bool) -> None:
        """Lay the workbook out (in a new spreadsheet for `gsheet:new`), then share it.

        A new spreadsheet is marked unfinished in Drive (`UNFINISHED`, with the fingerprint
        of the title and layout) from the moment it exists until it is laid out and shared;
        `gsheet:new` first looks for such a spreadsheet of the same account and fingerprint
        and, if there is one, finishes it instead of making another."""
        creating = self.creating
        http = self.http(CREATE_SCOPES if creating or self.share_with else READ_SCOPES)
        memo: TabMemo = {}  # the layout is planned again around the tabs found: built once
        requests = _layout_requests(tabs, {}, memo)
        self._total_steps = 1 + len(chunks(requests, self._chunk_bytes())) + len(self.share_with)
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
                self._lay_out(tabs, existing, created=creating, memo=memo)
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
        except OkrError as exc:
            say(
                f"warning: Google Drive could not be searched ({exc.message}); the new "
                "spreadsheet is made without the mark that lets the same command, run again "
                "after a failure, find and finish it"
            )
            return None, False
        files = sorted(answer.get("files") or [], key=lambda f: str(f.get("createdTime", "")))
        return (str(files[-1]["id"]) if files else None), True

    def _new_spreadsheet(self, http: Http, mark: str | None) -> dict[str, _Sheet]:
        """Make the spreadsheet: through Drive, marked unfinished in the same call, when Drive
        can be searched; else through Sheets, unmarked. Returns its one (empty) tab."""
        title = self.title or "OKRs"
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return self._create_once(http, title, mark)
            except AmbiguousWrite as exc:
                # The answer was lost: a marked spreadsheet that did get made can be found;
                # when the search finds none, nothing was made, so making it again is safe.
                found = self._find_unfinished(mark)[0] if mark is not None else None
                if found is not None:
                    return self._made(found, mark)
                if mark is None or attempt + 1 == WRITE_ATTEMPTS:
                    raise BackendError(
                        f"could not confirm that Google created the new spreadsheet "
                        f"({exc.reason}); nothing was laid out",
                        hint=(
                            "run the same command again: if Google did make it, that finds it "
                            "and finishes it"
                            if mark is not None
                            else "run the same command again; if an empty spreadsheet titled "
                            f"{title!r} (one tab, {SETUP_TAB!r}) shows up in Google Drive, "
                            "delete it"
                        ),
                    ) from None
                self._pause(attempt)
        raise AssertionError("unreachable")

    def _create_once(self, http: Http, title: str, mark: str | None) -> dict[str, _Sheet]:
        """One create call (Sheets, unmarked; Drive, marked)."""
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
        return self._made(made, mark)

    def _made(self, made: str, mark: str | None) -> dict[str, _Sheet]:
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
        self,
        tabs: Sequence[TabSpec],
        existing: dict[str, _Sheet],
        *,
        created: bool,
        memo: TabMemo | None = None,
    ) -> None:
        """Replace every tab with these: one atomic batchUpdate when it fits the byte budget
        (`stores/google/chunks`), else several (`_lay_out_in_parts`). When the outcome of a batch is
        unknown (a 5xx, a timeout, a lost answer), read the tab list again rather than sending
        it blindly: the batch deletes every tab that was there before, so it landed exactly
        when none is left."""
        # A spreadsheet okr made gets this computer's time zone in the same write as its
        # layout (a spreadsheet that was there keeps the one its owner chose).
        zone = [time_zone_request(self.time_zone)] if created and self.time_zone else []
        requests = zone + _layout_requests(tabs, existing, memo)
        parts = chunks(requests, self._chunk_bytes())
        if len(parts) > 1:
            self._lay_out_in_parts(requests, existing, created=created)
            return
        self._step(f"Laying out {len(tabs)} tabs")
        reason = ""
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._batch_update(requests)
                return
            except AmbiguousWrite as exc:
                reason = exc.reason
            now = self._tabs()
            before = {s.sheet_id for s in existing.values()}
            if before and not before & {s.sheet_id for s in now.values()}:
                return
            existing = now
            requests = zone + _layout_requests(tabs, existing, memo)
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
        parts = chunks(body, self._chunk_bytes())
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
